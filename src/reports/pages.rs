//! Pages of the logged-in UI of reports: each handler parses the request, calls one use case and answers.

use actix_web::{get, web};

use super::export::{organisation_table, run_table};
use super::filter::ReportQuery;
use super::service;
use crate::error::PageResult;
use crate::ids::RunId;
use crate::web::{download, Id, Ui};

#[get("/runs/{id}/report")]
async fn run_page(ui: Ui, id: Id<RunId>) -> PageResult {
    ui.show("pages/reports/run", "title.run_report", move |conn, actor| {
        service::run_report_page(conn, actor, *id)
    })
    .await
}

#[get("/runs/{id}/report.{format}")]
async fn run_export(ui: Ui, path: web::Path<(RunId, String)>) -> PageResult {
    let (id, format) = path.into_inner();
    let code = format.as_str().to_owned();
    let report = ui
        .run(move |conn, actor| {
            let report = service::run_report(conn, actor, id)?;
            service::record_export(conn, actor, Some(id), &code)?;
            Ok(report)
        })
        .await?;
    let name = format!("bericht-durchgang-{id}");
    Ok(download(&run_table(&report), &name, &format)?)
}

const ORGANISATION: &str = "pages/reports/organisation";

/// The report of the organisation, filtered by period and course (a GET form); a refused
/// filter shows the form again with its message (422).
#[get("/reports")]
async fn organisation_page(ui: Ui, query: web::Query<ReportQuery>) -> PageResult {
    let query = query.into_inner();
    let (filter, refused) = match query.parse(crate::time::today_local()) {
        Ok(filter) => (Some(filter), None),
        Err(e) => (None, Some(e)),
    };
    let shown = ui
        .run(move |conn, actor| service::organisation_report_page(conn, actor, &query, filter))
        .await?;
    match refused {
        None => ui.page(ORGANISATION, "title.reports", &shown),
        Some(e) => ui.page_with_error(ORGANISATION, "title.reports", &shown, e),
    }
}

#[get("/reports/organisation.{format}")]
async fn organisation_export(
    ui: Ui, format: web::Path<String>, query: web::Query<ReportQuery>,
) -> PageResult {
    let code = format.as_str().to_owned();
    let filter = query.parse(crate::time::today_local())?;
    let report = ui
        .run(move |conn, actor| {
            let report = service::organisation_report(conn, actor, filter)?;
            service::record_export(conn, actor, None, &code)?;
            Ok(report)
        })
        .await?;
    let table = organisation_table(&report);
    Ok(download(&table, "bericht-organisation", &format)?)
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(run_export)
        .service(run_page)
        .service(organisation_export)
        .service(organisation_page);
}
