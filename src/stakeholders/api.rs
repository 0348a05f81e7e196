//! The JSON API (`/api/v1`) of stakeholders: each handler parses the request, calls one use case and answers.

use actix_web::{delete, get, post, put, web, HttpResponse};
use serde::Deserialize;

use super::models::{NewStakeholder, Stakeholder};
use super::{import, service};
use crate::auth::extract::ApiUser;
use crate::db::Db;
use crate::error::AppResult;

#[derive(Deserialize)]
pub struct GroupQuery {
    group: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/stakeholders", tag = "stakeholders", security(("bearer" = [])),
    params(("group" = Option<String>, Query, description = "only this group, e.g. `landlord`")),
    responses((status = 200, body = [Stakeholder]), (status = 422, description = "unknown group")))]
#[get("/api/v1/stakeholders")]
async fn api_list(
    user: ApiUser,
    db: web::Data<Db>,
    q: web::Query<GroupQuery>,
) -> AppResult<HttpResponse> {
    let actor = user.0;
    let group = q.into_inner().group;
    crate::api::ok(&db, move |conn| {
        service::contacts(conn, &actor, group.as_deref())
    })
    .await
}

#[utoipa::path(post, path = "/api/v1/stakeholders", tag = "stakeholders", security(("bearer" = [])),
    request_body = NewStakeholder,
    responses((status = 201, body = Stakeholder), (status = 409, description = "email already in the directory"), (status = 422)))]
#[post("/api/v1/stakeholders")]
async fn api_create(
    user: ApiUser,
    db: web::Data<Db>,
    body: crate::api::Json<NewStakeholder>,
) -> AppResult<HttpResponse> {
    let actor = user.0;
    crate::api::created(&db, move |conn| {
        service::create(conn, &actor, &body.into_inner())
    })
    .await
}

#[utoipa::path(get, path = "/api/v1/stakeholders/{id}", tag = "stakeholders", security(("bearer" = [])),
    responses((status = 200, body = Stakeholder), (status = 404)))]
#[get("/api/v1/stakeholders/{id}")]
async fn api_get(
    user: ApiUser,
    db: web::Data<Db>,
    path: web::Path<i32>,
) -> AppResult<HttpResponse> {
    let actor = user.0;
    let id = path.into_inner();
    crate::api::ok(&db, move |conn| service::get(conn, &actor, id)).await
}

#[utoipa::path(put, path = "/api/v1/stakeholders/{id}", tag = "stakeholders", security(("bearer" = [])),
    request_body = NewStakeholder,
    responses((status = 200, body = Stakeholder), (status = 404), (status = 409), (status = 422)))]
#[put("/api/v1/stakeholders/{id}")]
async fn api_update(
    user: ApiUser,
    db: web::Data<Db>,
    path: web::Path<i32>,
    body: crate::api::Json<NewStakeholder>,
) -> AppResult<HttpResponse> {
    let actor = user.0;
    let id = path.into_inner();
    crate::api::ok(&db, move |conn| {
        service::update(conn, &actor, id, &body.into_inner())
    })
    .await
}

#[utoipa::path(delete, path = "/api/v1/stakeholders/{id}", tag = "stakeholders", security(("bearer" = [])),
    responses((status = 204), (status = 404)))]
#[delete("/api/v1/stakeholders/{id}")]
async fn api_delete(
    user: ApiUser,
    db: web::Data<Db>,
    path: web::Path<i32>,
) -> AppResult<HttpResponse> {
    let actor = user.0;
    let id = path.into_inner();
    db.run(move |conn| service::delete(conn, &actor, id))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Deserialize)]
struct ImportQuery {
    #[serde(default)]
    dry_run: bool,
}

/// Import a CSV or XLSX file sent as the request body; `?dry_run=true` only checks.
#[utoipa::path(post, path = "/api/v1/stakeholders/import", tag = "stakeholders", security(("bearer" = [])),
    params(("dry_run" = Option<bool>, Query, description = "only check, save nothing")),
    request_body(content = Vec<u8>, content_type = "text/csv", description = "CSV (UTF-8, `;` or `,`) or XLSX"),
    responses((status = 200, body = import::ImportOutcome), (status = 422, description = "not a readable list")))]
#[post("/api/v1/stakeholders/import")]
async fn api_import(
    user: ApiUser,
    db: web::Data<Db>,
    q: web::Query<ImportQuery>,
    payload: web::Payload,
) -> AppResult<HttpResponse> {
    let actor = user.0;
    actor.coordinator_org()?;
    let body = crate::web::read_body(payload, import::MAX_FILE_BYTES).await?;
    let dry_run = q.dry_run;
    crate::api::ok(&db, move |conn| {
        import::import_file(conn, &actor, &body, dry_run)
    })
    .await
}

/// The operations of this file in the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(paths(api_list, api_create, api_get, api_update, api_delete, api_import,))]
pub struct Doc;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(api_list)
        .service(api_create)
        .service(api_import)
        .service(api_get)
        .service(api_update)
        .service(api_delete);
}
