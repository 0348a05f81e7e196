//! Shared pieces of the JSON API: the strict JSON body extractor, the error schema and
//! what every operation of the OpenAPI document has in common (`crate::openapi` merges the
//! domains' operations into one document).

use std::future::Future;
use std::pin::Pin;

use actix_web::{web, FromRequest, HttpRequest, HttpResponse};
use serde::de::DeserializeOwned;
use serde::Serialize;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use crate::auth::extract::{db_of, ApiUser};
use crate::auth::Actor;
use crate::db::{Db, DbConn};
use crate::error::{AppError, AppResult};
use crate::spreadsheet::{self, import, import::ListImport};

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
        let error_body =
            || ContentBuilder::new().schema(Some(Ref::from_schema_name("ErrorSchema"))).build();
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
                    op.responses.responses.entry(status.to_string()).or_insert_with(|| {
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
                            response.content.insert("application/json".to_string(), error_body());
                        }
                    }
                }
            }
        }
    }
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "mietschulung API",
        version = "1",
        description = "Planning, attendance and certificates of tenant trainings. Authenticate with POST /api/v1/auth/token and send `Authorization: Bearer <token>`. Errors are `{\"code\": <stable code>, \"message\": <sentence for a person>, \"field\": <field or absent>}`."
    ),
    components(schemas(ErrorSchema))
)]
pub struct ApiDoc;

/// Adds what every operation shares once the domains' operations are merged in: the
/// bearer scheme and the documented error answers.
pub fn finish(doc: &mut utoipa::openapi::OpenApi) {
    BearerAuth.modify(doc);
    ErrorResponses.modify(doc);
}

/// Every error answer of the API.
#[derive(Serialize, utoipa::ToSchema)]
pub struct ErrorSchema {
    /// What kind of error, stable for programs: invalid_input, not_found, unauthenticated,
    /// forbidden, gone, conflict, rate_limited, too_many_attempts, unavailable, internal.
    pub code: String,
    /// What went wrong, in words for a person (German).
    pub message: String,
    /// The input field the error is about, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}

/// What an API handler answers: JSON, a file or nothing, or an error as
/// `{code, message, field}`.
pub type Answer = AppResult<HttpResponse>;

/// What an API handler works with: the caller of a valid bearer token (loaded like
/// [`ApiUser`]: 401 without one) and the database.
pub struct Caller {
    pub actor: Actor,
    pub db: Db,
}

impl FromRequest for Caller {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, AppError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut actix_web::dev::Payload) -> Self::Future {
        let (user, db) = (ApiUser::from_request(req, payload), db_of(req));
        Box::pin(async move {
            let (actor, db) = (user.await?.0, db?);
            Ok(Caller { actor, db })
        })
    }
}

impl Caller {
    /// Runs a use case for the caller on a pooled connection (a blocking thread).
    pub async fn run<T, F>(&self, use_case: F) -> AppResult<T>
    where
        F: FnOnce(&mut DbConn, &Actor) -> AppResult<T> + Send + 'static,
        T: Send + 'static,
    {
        crate::web::run_as(&self.db, &self.actor, use_case).await
    }

    /// The use case's output as JSON (200): the body of most API handlers.
    pub async fn ok<T, F>(&self, use_case: F) -> Answer
    where
        F: FnOnce(&mut DbConn, &Actor) -> AppResult<T> + Send + 'static,
        T: Serialize + Send + 'static,
    {
        Ok(HttpResponse::Ok().json(self.run(use_case).await?))
    }

    /// Like [`Caller::ok`], for use cases that create something (201).
    pub async fn created<T, F>(&self, use_case: F) -> Answer
    where
        F: FnOnce(&mut DbConn, &Actor) -> AppResult<T> + Send + 'static,
        T: Serialize + Send + 'static,
    {
        Ok(HttpResponse::Created().json(self.run(use_case).await?))
    }

    /// For changes whose answer is only that they happened (204).
    pub async fn no_content<T, F>(&self, use_case: F) -> Answer
    where
        F: FnOnce(&mut DbConn, &Actor) -> AppResult<T> + Send + 'static,
        T: Send + 'static,
    {
        self.run(use_case).await?;
        Ok(HttpResponse::NoContent().finish())
    }
}

/// Whether an import only checks the list (`?dry_run=true`) or saves it.
#[derive(serde::Deserialize)]
pub struct DryRun {
    #[serde(default)]
    pub dry_run: bool,
}

impl Caller {
    /// A list sent as the request body (`spreadsheet::import`): who may import is settled
    /// before a byte of it is read; then it is checked, and saved unless `dry_run`.
    pub async fn import_list<K: ListImport>(&self, payload: web::Payload, dry_run: bool) -> Answer {
        self.actor.coordinator_org()?;
        let body = crate::web::read_body(payload, spreadsheet::MAX_FILE_BYTES).await?;
        self.ok(move |conn, actor| import::import_file::<K>(conn, actor, &body, dry_run)).await
    }
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
                return Err(AppError::Validation {
                    field: None,
                    message: crate::i18n::Text::key("error.api.not_an_object"),
                }
                .into());
            }
            serde_json::from_value(value).map(Json).map_err(|e| {
                AppError::Validation {
                    field: None,
                    message: crate::i18n::Text::key("error.api.invalid_input").arg("detail", e),
                }
                .into()
            })
        })
    }
}
