//! The JSON API (`/api/v1`) of reports: each handler parses the request, calls one use case and answers.

use actix_web::{get, web, HttpResponse};

use super::service::{self, OrganisationReport, RunReport};
use crate::auth::extract::ApiUser;
use crate::db::Db;
use crate::error::AppResult;

#[utoipa::path(get, path = "/api/v1/runs/{id}/report", tag = "reports", security(("bearer" = [])),
    responses((status = 200, body = RunReport)))]
#[get("/api/v1/runs/{id}/report")]
async fn api_run_report(
    user: ApiUser,
    db: web::Data<Db>,
    path: web::Path<i32>,
) -> AppResult<HttpResponse> {
    let actor = user.0;
    let id = path.into_inner();
    Ok(HttpResponse::Ok().json(
        db.run(move |conn| service::run_report(conn, &actor, id))
            .await?,
    ))
}

#[utoipa::path(get, path = "/api/v1/reports/organisation", tag = "reports", security(("bearer" = [])),
    responses((status = 200, body = OrganisationReport)))]
#[get("/api/v1/reports/organisation")]
async fn api_organisation_report(user: ApiUser, db: web::Data<Db>) -> AppResult<HttpResponse> {
    let actor = user.0;
    Ok(HttpResponse::Ok().json(
        db.run(move |conn| service::organisation_report(conn, &actor))
            .await?,
    ))
}

/// The operations of this file in the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(paths(api_run_report, api_organisation_report,))]
pub struct Doc;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(api_run_report).service(api_organisation_report);
}
