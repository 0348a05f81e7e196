//! The OpenAPI document of `/api/v1`, generated from the handlers' annotations.

use std::future::Future;
use std::pin::Pin;

use actix_web::{get, web, FromRequest, HttpRequest, HttpResponse};
use serde::de::DeserializeOwned;
use serde::Serialize;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

/// Every error an operation can answer, with its body: 401 and 403 where a token is
/// needed, 404 where the path names something, 422 where input is read, 409 where state
/// changes, 503 when the database is away. Statuses the handlers document themselves keep
/// their description; all error answers get the one error schema.
struct ErrorResponses;

impl Modify for ErrorResponses {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::path::HttpMethod;
        use utoipa::openapi::{ContentBuilder, Ref, RefOr, ResponseBuilder};
        let error_body = || {
            ContentBuilder::new()
                .schema(Some(Ref::from_schema_name("ErrorSchema")))
                .build()
        };
        for (path, item) in openapi.paths.paths.iter_mut() {
            let has_path_params = path.contains('{');
            for (method, op) in [
                (HttpMethod::Get, item.get.as_mut()),
                (HttpMethod::Post, item.post.as_mut()),
                (HttpMethod::Put, item.put.as_mut()),
                (HttpMethod::Delete, item.delete.as_mut()),
            ] {
                let Some(op) = op else { continue };
                let secured = op.security.as_ref().is_some_and(|s| !s.is_empty());
                let reads_input = op.request_body.is_some()
                    || op.parameters.as_ref().is_some_and(|p| !p.is_empty());
                let changes = !matches!(method, HttpMethod::Get);
                let mut add = |status: &str, description: &str| {
                    op.responses
                        .responses
                        .entry(status.to_string())
                        .or_insert_with(|| {
                            RefOr::T(ResponseBuilder::new().description(description).build())
                        });
                };
                if secured {
                    add("401", "no token, or an expired or revoked one");
                    add("403", "the token's user may not do this");
                }
                if has_path_params {
                    add("404", "no such thing in the caller's organisation");
                }
                if reads_input {
                    add("422", "invalid input; `field` names the field");
                }
                if changes {
                    add("409", "the change conflicts with the current state");
                }
                add("503", "the database is unreachable");
                for (status, response) in op.responses.responses.iter_mut() {
                    let is_error = status.starts_with('4') || status.starts_with('5');
                    if let (true, RefOr::T(response)) = (is_error, response) {
                        if response.content.is_empty() {
                            response
                                .content
                                .insert("application/json".to_string(), error_body());
                        }
                    }
                }
            }
        }
    }
}

#[derive(OpenApi)]
#[openapi(
    info(title = "mietschulung API", version = "1",
         description = "Planning, attendance and certificates of tenant trainings. Authenticate with POST /api/v1/auth/token and send `Authorization: Bearer <token>`. Errors are `{\"error\": <message>, \"field\": <field or absent>}`."),
    paths(
        crate::auth::routes::api_token,
        crate::auth::routes::api_create_token,
        crate::auth::routes::api_list_tokens,
        crate::auth::routes::api_revoke_token,
        crate::auth::routes::api_change_password,
        crate::orgs::routes::api_org_tokens,
        crate::orgs::routes::api_revoke_org_token,
        crate::orgs::routes::api_set_user_active,
        crate::planning::routes::api_courses,
        crate::planning::routes::api_create_course,
        crate::planning::routes::api_course,
        crate::planning::routes::api_add_module,
        crate::planning::routes::api_create_run,
        crate::planning::routes::api_run,
        crate::planning::routes::api_create_session,
        crate::planning::routes::api_my_sessions,
        crate::planning::routes::api_renew_my_link,
        crate::planning::routes::api_renew_run_link,
        crate::planning::routes::api_update_session,
        crate::planning::routes::api_cancel_session,
        crate::planning::routes::api_locations,
        crate::planning::routes::api_create_location,
        crate::planning::routes::api_set_rules,
        crate::planning::routes::api_update_run,
        crate::planning::routes::api_module_up,
        crate::participants::routes::api_list,
        crate::participants::routes::api_register,
        crate::participants::routes::api_enroll,
        crate::participants::routes::api_enrolled,
        crate::participants::routes::api_cancel,
        crate::participants::routes::api_waiting,
        crate::participants::routes::api_import,
        crate::stakeholders::routes::api_list,
        crate::stakeholders::routes::api_create,
        crate::stakeholders::routes::api_get,
        crate::stakeholders::routes::api_update,
        crate::stakeholders::routes::api_delete,
        crate::stakeholders::routes::api_import,
        crate::surveys::routes::api_list,
        crate::surveys::routes::api_create,
        crate::surveys::routes::api_get,
        crate::surveys::routes::api_update,
        crate::surveys::routes::api_copy,
        crate::surveys::routes::api_add_question,
        crate::surveys::routes::api_update_question,
        crate::surveys::routes::api_delete_question,
        crate::surveys::routes::api_translation,
        crate::surveys::routes::api_invite,
        crate::surveys::routes::api_invitations,
        crate::surveys::routes::api_results,
        crate::surveys::routes::api_export,
        crate::surveys::routes::api_respond,
        crate::surveys::routes::api_respondent,
        crate::surveys::routes::api_open,
        crate::attendance::routes::api_roster,
        crate::attendance::routes::api_mark,
        crate::attendance::routes::api_record_test,
        crate::attendance::routes::api_check_in,
        crate::attendance::routes::api_completion,
        crate::certificates::routes::api_issue,
        crate::certificates::routes::api_list,
        crate::certificates::routes::api_pdf,
        crate::certificates::routes::api_revoke,
        crate::certificates::routes::api_reissue,
        crate::certificates::routes::api_start_batch,
        crate::certificates::routes::api_batch,
        crate::certificates::routes::api_zip,
        crate::verification::routes::api_verify,
        crate::reports::routes::api_run_report,
        crate::reports::routes::api_organisation_report,
    ),
    components(schemas(ErrorSchema)),
    modifiers(&BearerAuth, &ErrorResponses)
)]
pub struct ApiDoc;

#[get("/api/v1/openapi.json")]
pub async fn openapi_json() -> HttpResponse {
    HttpResponse::Ok().json(ApiDoc::openapi())
}

/// Every error answer of the API.
#[derive(Serialize, utoipa::ToSchema)]
pub struct ErrorSchema {
    /// What went wrong, in words for a person (German).
    pub error: String,
    /// The input field the error is about, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}

/// A JSON request body that must be an object. serde's derived structs also accept an
/// array of the fields in order, which no client means and the OpenAPI document does not
/// allow; this refuses it (422) before the fields are read.
pub struct Json<T>(pub T);

impl<T> Json<T> {
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> std::ops::Deref for Json<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T: DeserializeOwned + 'static> FromRequest for Json<T> {
    type Error = actix_web::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self, actix_web::Error>>>>;

    fn from_request(req: &HttpRequest, payload: &mut actix_web::dev::Payload) -> Self::Future {
        // The app's JsonConfig still applies: content type, size limit, its messages.
        let value = web::Json::<serde_json::Value>::from_request(req, payload);
        Box::pin(async move {
            let value = value.await?.into_inner();
            if !value.is_object() {
                return Err(crate::error::AppError::Validation {
                    field: None,
                    message: "Der Inhalt der Anfrage muss ein JSON-Objekt sein ({ … }).".into(),
                }
                .into());
            }
            serde_json::from_value(value).map(Json).map_err(|e| {
                crate::error::AppError::Validation {
                    field: None,
                    message: format!("Ungültige Eingabe: {e}"),
                }
                .into()
            })
        })
    }
}

/// Times are stored as naive UTC; the API writes them as RFC 3339 with the offset
/// (`2026-12-01T08:00:00Z`), as its document promises.
pub fn utc<S: serde::Serializer>(t: &chrono::NaiveDateTime, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(
        &t.and_utc()
            .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
    )
}

pub fn utc_opt<S: serde::Serializer>(
    t: &Option<chrono::NaiveDateTime>,
    s: S,
) -> Result<S::Ok, S::Error> {
    match t {
        Some(t) => utc(t, s),
        None => s.serialize_none(),
    }
}
