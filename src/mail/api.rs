//! The JSON API (`/api/v1`) of mail: the organisation's mail that could not be delivered,
//! and sending one again. Each handler parses the request, calls one use case and answers.

use actix_web::{get, post, web};

use super::service::{self, MailView};
use crate::api::{Answer, Caller};

#[utoipa::path(get, path = "/api/v1/mail/failed", tag = "mail", security(("bearer" = [])),
    responses((status = 200, body = Vec<MailView>,
        description = "the organisation's mail given up after its last attempt, newest first")))]
#[get("/api/v1/mail/failed")]
async fn api_failed_mail(caller: Caller) -> Answer {
    caller.ok(|conn, actor| service::failed_mail(conn, actor.coordinator_org()?)).await
}

#[utoipa::path(post, path = "/api/v1/mail/failed/{id}/resend", tag = "mail",
    security(("bearer" = [])), params(("id" = i32, Path)),
    responses((status = 200, body = MailView,
        description = "queued again, due now, with the same Message-ID")))]
#[post("/api/v1/mail/failed/{id}/resend")]
async fn api_resend(caller: Caller, id: web::Path<i32>) -> Answer {
    let id = *id;
    caller
        .ok(move |conn, actor| service::resend(conn, actor.coordinator_org()?, actor.user_id, id))
        .await
}

/// The operations of this file in the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(paths(api_failed_mail, api_resend))]
pub struct Doc;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(api_failed_mail).service(api_resend);
}
