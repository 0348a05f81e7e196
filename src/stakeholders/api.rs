//! The JSON API (`/api/v1`) of stakeholders: each handler parses the request, calls one use case and answers.

use actix_web::{delete, get, post, put, web};
use serde::Deserialize;

use super::import::Contacts;
use super::models::{NewStakeholder, Stakeholder};
use super::service;
use crate::api::{Answer, Caller, DryRun, Json};
use crate::ids::StakeholderId;
use crate::spreadsheet::import::ImportOutcome;

#[derive(Deserialize)]
pub struct GroupQuery {
    group: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/stakeholders", tag = "stakeholders", security(("bearer" = [])),
    params(("group" = Option<String>, Query, description = "only this group, e.g. `landlord`")),
    responses((status = 200, body = [Stakeholder]), (status = 422, description = "unknown group")))]
#[get("/api/v1/stakeholders")]
async fn api_list(caller: Caller, q: web::Query<GroupQuery>) -> Answer {
    caller.ok(move |conn, actor| service::contacts(conn, actor, q.group.as_deref())).await
}

#[utoipa::path(post, path = "/api/v1/stakeholders", tag = "stakeholders", security(("bearer" = [])),
    request_body = NewStakeholder,
    responses((status = 201, body = Stakeholder), (status = 409, description = "email already in the directory"), (status = 422)))]
#[post("/api/v1/stakeholders")]
async fn api_create(caller: Caller, body: Json<NewStakeholder>) -> Answer {
    caller.created(move |conn, actor| service::create(conn, actor, &body)).await
}

#[utoipa::path(get, path = "/api/v1/stakeholders/{id}", tag = "stakeholders", security(("bearer" = [])),
    params(("id" = i32, Path)), responses((status = 200, body = Stakeholder), (status = 404)))]
#[get("/api/v1/stakeholders/{id}")]
async fn api_get(caller: Caller, id: web::Path<StakeholderId>) -> Answer {
    caller.ok(move |conn, actor| service::get(conn, actor, *id)).await
}

#[utoipa::path(put, path = "/api/v1/stakeholders/{id}", tag = "stakeholders", security(("bearer" = [])),
    request_body = NewStakeholder,
    params(("id" = i32, Path)), responses((status = 200, body = Stakeholder), (status = 404), (status = 409), (status = 422)))]
#[put("/api/v1/stakeholders/{id}")]
async fn api_update(
    caller: Caller, id: web::Path<StakeholderId>, body: Json<NewStakeholder>,
) -> Answer {
    caller.ok(move |conn, actor| service::update(conn, actor, *id, &body)).await
}

#[utoipa::path(delete, path = "/api/v1/stakeholders/{id}", tag = "stakeholders", security(("bearer" = [])),
    params(("id" = i32, Path)), responses((status = 204, description = "deleted, with their consent history, their survey invitations (unanswered links stop working) and the mails to them; answers already given stay, without a link to the person"), (status = 404)))]
#[delete("/api/v1/stakeholders/{id}")]
async fn api_delete(caller: Caller, id: web::Path<StakeholderId>) -> Answer {
    caller.no_content(move |conn, actor| service::delete(conn, actor, *id)).await
}

/// Import a CSV or XLSX file sent as the request body; `?dry_run=true` only checks.
#[utoipa::path(post, path = "/api/v1/stakeholders/import", tag = "stakeholders", security(("bearer" = [])),
    params(("dry_run" = Option<bool>, Query, description = "only check, save nothing")),
    request_body(content = Vec<u8>, content_type = "text/csv", description = "CSV (UTF-8 with or without byte order mark, or Windows-1252 as German Excel writes it; `;`, `,` or tab) or XLSX"),
    responses((status = 200, body = ImportOutcome), (status = 422, description = "not a readable list")))]
#[post("/api/v1/stakeholders/import")]
async fn api_import(caller: Caller, q: web::Query<DryRun>, payload: web::Payload) -> Answer {
    caller.import_list::<Contacts>(payload, q.dry_run).await
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
