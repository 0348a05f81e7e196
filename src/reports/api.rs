//! The JSON API (`/api/v1`) of reports: each handler parses the request, calls one use case and answers.

use actix_web::{get, web};

use super::service::{self, OrganisationReport, RunReport};
use crate::api::{Answer, Caller};
use crate::ids::RunId;

#[utoipa::path(get, path = "/api/v1/runs/{id}/report", tag = "reports", security(("bearer" = [])),
    params(("id" = i32, Path)), responses((status = 200, body = RunReport)))]
#[get("/api/v1/runs/{id}/report")]
async fn api_run_report(caller: Caller, id: web::Path<RunId>) -> Answer {
    caller.ok(move |conn, actor| service::run_report(conn, actor, *id)).await
}

#[utoipa::path(get, path = "/api/v1/reports/organisation", tag = "reports", security(("bearer" = [])),
    responses((status = 200, body = OrganisationReport)))]
#[get("/api/v1/reports/organisation")]
async fn api_organisation_report(caller: Caller) -> Answer {
    caller.ok(service::organisation_report).await
}

/// The operations of this file in the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(paths(api_run_report, api_organisation_report,))]
pub struct Doc;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(api_run_report).service(api_organisation_report);
}
