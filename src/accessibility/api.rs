//! The JSON API (`/api/v1`) of the accessibility statement: its settings and the feedback
//! received. Each handler parses the request, calls one use case and answers.

use actix_web::{delete, get, put, web};

use super::models::{Feedback, StatementInput, StatementSettings};
use super::service;
use crate::api::{Answer, Caller, Json};

#[utoipa::path(get, path = "/api/v1/organisation/accessibility-statement", tag = "accessibility",
    security(("bearer" = [])),
    responses((status = 200, body = StatementSettings, description = "the statement's contact and state of conformity"),
        (status = 401, description = "no or an invalid token", body = crate::api::ErrorSchema),
        (status = 403, description = "not a coordinator", body = crate::api::ErrorSchema)))]
#[get("/api/v1/organisation/accessibility-statement")]
async fn api_statement(caller: Caller) -> Answer {
    caller.ok(service::settings).await
}

#[utoipa::path(put, path = "/api/v1/organisation/accessibility-statement", tag = "accessibility",
    security(("bearer" = [])), request_body = StatementInput,
    responses((status = 200, body = StatementSettings, description = "saved"),
        (status = 401, description = "no or an invalid token", body = crate::api::ErrorSchema),
        (status = 403, description = "not a coordinator", body = crate::api::ErrorSchema),
        (status = 422, description = "invalid input (an e-mail, phone or postal address is required)", body = crate::api::ErrorSchema)))]
#[put("/api/v1/organisation/accessibility-statement")]
async fn api_save_statement(caller: Caller, body: Json<StatementInput>) -> Answer {
    let input = body.into_inner();
    caller.ok(move |conn, actor| service::save_settings(conn, actor, input)).await
}

#[utoipa::path(get, path = "/api/v1/organisation/accessibility-feedback", tag = "accessibility",
    security(("bearer" = [])),
    responses((status = 200, body = [Feedback], description = "the feedback sent through the statement's form, newest first"),
        (status = 401, description = "no or an invalid token", body = crate::api::ErrorSchema),
        (status = 403, description = "not a coordinator", body = crate::api::ErrorSchema)))]
#[get("/api/v1/organisation/accessibility-feedback")]
async fn api_feedback(caller: Caller) -> Answer {
    caller.ok(service::feedback).await
}

#[utoipa::path(delete, path = "/api/v1/organisation/accessibility-feedback/{id}", tag = "accessibility",
    security(("bearer" = [])), params(("id" = i32, Path, description = "feedback id")),
    responses((status = 204, description = "deleted"),
        (status = 401, description = "no or an invalid token", body = crate::api::ErrorSchema),
        (status = 403, description = "not a coordinator", body = crate::api::ErrorSchema),
        (status = 404, description = "no such feedback in the organisation", body = crate::api::ErrorSchema)))]
#[delete("/api/v1/organisation/accessibility-feedback/{id}")]
async fn api_delete_feedback(caller: Caller, id: web::Path<i32>) -> Answer {
    let id = *id;
    caller.no_content(move |conn, actor| service::delete_feedback(conn, actor, id)).await
}

#[derive(utoipa::OpenApi)]
#[openapi(paths(api_statement, api_save_statement, api_feedback, api_delete_feedback))]
pub struct Doc;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(api_statement)
        .service(api_save_statement)
        .service(api_feedback)
        .service(api_delete_feedback);
}
