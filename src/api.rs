//! The OpenAPI document of `/api/v1`, generated from the handlers' annotations.

use actix_web::{get, HttpResponse};
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

#[derive(OpenApi)]
#[openapi(
    info(title = "mietschulung API", version = "1",
         description = "Planning, attendance and certificates of tenant trainings. Authenticate with POST /api/v1/auth/token and send `Authorization: Bearer <token>`. Errors are `{\"error\": <message>, \"field\": <field or absent>}`."),
    paths(
        crate::auth::routes::api_token,
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
    modifiers(&BearerAuth)
)]
pub struct ApiDoc;

#[get("/api/v1/openapi.json")]
pub async fn openapi_json() -> HttpResponse {
    HttpResponse::Ok().json(ApiDoc::openapi())
}
