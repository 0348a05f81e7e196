//! The JSON API (`/api/v1`) of reports: each handler parses the request, calls one use case and answers.

use actix_web::{get, web};

use super::export::{organisation_table, run_table};
use super::filter::ReportQuery;
use super::service::{self, OrganisationReport, RunReport};
use crate::api::{Answer, Caller, ErrorSchema};
use crate::ids::RunId;
use crate::web::download;

#[utoipa::path(get, path = "/api/v1/runs/{id}/report", tag = "reports", security(("bearer" = [])),
    params(("id" = i32, Path)), responses((status = 200, body = RunReport)))]
#[get("/api/v1/runs/{id}/report")]
async fn api_run_report(caller: Caller, id: web::Path<RunId>) -> Answer {
    caller.ok(move |conn, actor| service::run_report(conn, actor, *id)).await
}

#[utoipa::path(get, path = "/api/v1/runs/{id}/report.{format}", tag = "reports", security(("bearer" = [])),
    params(("id" = i32, Path), ("format" = String, Path, description = "`csv` (semicolons, UTF-8 with byte order mark) or `xlsx`")),
    responses((status = 200, content_type = "text/csv", description = "the run report as a spreadsheet: one row per person, one column per session"),
        (status = 404, description = "no such run, or another format", body = ErrorSchema)))]
#[get("/api/v1/runs/{id}/report.{format}")]
async fn api_run_export(caller: Caller, path: web::Path<(RunId, String)>) -> Answer {
    let (id, format) = path.into_inner();
    let code = format.clone();
    let report = caller
        .run(move |conn, actor| {
            let report = service::run_report(conn, actor, id)?;
            service::record_export(conn, actor, Some(id), &code)?;
            Ok(report)
        })
        .await?;
    download(&run_table(&report), &format!("bericht-durchgang-{id}"), &format)
}

#[utoipa::path(get, path = "/api/v1/reports/organisation", tag = "reports", security(("bearer" = [])),
    params(ReportQuery),
    responses((status = 200, body = OrganisationReport),
        (status = 404, description = "the course is not one of the organisation's", body = ErrorSchema),
        (status = 422, description = "a date that is none, a period ending before it starts, an unknown preset", body = ErrorSchema)))]
#[get("/api/v1/reports/organisation")]
async fn api_organisation_report(caller: Caller, query: web::Query<ReportQuery>) -> Answer {
    let filter = query.parse(crate::time::today_local())?;
    caller.ok(move |conn, actor| service::organisation_report(conn, actor, filter)).await
}

#[utoipa::path(get, path = "/api/v1/reports/organisation.{format}", tag = "reports", security(("bearer" = [])),
    params(("format" = String, Path, description = "`csv` (semicolons, UTF-8 with byte order mark) or `xlsx`"), ReportQuery),
    responses((status = 200, content_type = "text/csv", description = "the organisation's figures by month, within the filter"),
        (status = 404, body = ErrorSchema), (status = 422, body = ErrorSchema)))]
#[get("/api/v1/reports/organisation.{format}")]
async fn api_organisation_export(
    caller: Caller, format: web::Path<String>, query: web::Query<ReportQuery>,
) -> Answer {
    let filter = query.parse(crate::time::today_local())?;
    let code = format.clone();
    let report = caller
        .run(move |conn, actor| {
            let report = service::organisation_report(conn, actor, filter)?;
            service::record_export(conn, actor, None, &code)?;
            Ok(report)
        })
        .await?;
    download(&organisation_table(&report), "bericht-organisation", &format)
}

/// The operations of this file in the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(paths(api_run_report, api_run_export, api_organisation_report, api_organisation_export))]
pub struct Doc;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(api_run_export)
        .service(api_run_report)
        .service(api_organisation_export)
        .service(api_organisation_report);
}
