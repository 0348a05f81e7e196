//! The JSON API (`/api/v1`) of retention and erasure. Each handler parses the request,
//! calls one use case and answers.

use std::sync::Arc;

use actix_web::{get, post, put, web};
use serde::Deserialize;
use utoipa::ToSchema;

use super::rules::Retention;
use super::service::{self, DueInOrganisation, ErasureView, ParticipantErasure};
use crate::api::{Answer, Caller, Json};
use crate::certificates::keys::KeyRing;
use crate::ids::ParticipantId;

#[utoipa::path(get, path = "/api/v1/organisation/retention", tag = "privacy",
    security(("bearer" = [])),
    responses((status = 200, body = Retention, description = "the organisation's retention periods")))]
#[get("/api/v1/organisation/retention")]
async fn api_retention(caller: Caller) -> Answer {
    caller.ok(service::retention).await
}

#[utoipa::path(put, path = "/api/v1/organisation/retention", tag = "privacy",
    security(("bearer" = [])), request_body = Retention,
    responses((status = 200, body = Retention, description = "saved; participants and surveys 1–120 months, mail 1–365 days, audit 1–10 years")))]
#[put("/api/v1/organisation/retention")]
async fn api_set_retention(caller: Caller, body: Json<Retention>) -> Answer {
    let input = body.into_inner();
    caller.ok(move |conn, actor| service::set_retention(conn, actor, input)).await
}

#[utoipa::path(get, path = "/api/v1/organisation/retention/due", tag = "privacy",
    security(("bearer" = [])),
    responses((status = 200, body = DueInOrganisation, description = "what the retention job would erase now (nothing is erased)")))]
#[get("/api/v1/organisation/retention/due")]
async fn api_due(caller: Caller) -> Answer {
    caller.ok(service::due_for_actor).await
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ErasureRequest {
    /// `request` (Art. 17 GDPR), `consent_withdrawn` or `recorded_in_error`.
    pub reason: String,
}

#[utoipa::path(post, path = "/api/v1/participants/{id}/erasure", tag = "privacy",
    security(("bearer" = [])), params(("id" = i32, Path)), request_body = ErasureRequest,
    responses((status = 200, body = ParticipantErasure,
        description = "erased now: what went, and the certificate tombstones and counts that stay"),
        (status = 409, description = "erased already")))]
#[post("/api/v1/participants/{id}/erasure")]
async fn api_erase(
    caller: Caller, keyring: web::Data<Arc<KeyRing>>, id: web::Path<i32>,
    body: Json<ErasureRequest>,
) -> Answer {
    let (id, reason) = (ParticipantId(*id), body.into_inner().reason);
    let keyring = keyring.get_ref().clone();
    caller
        .ok(move |conn, actor| service::erase_on_request(conn, &keyring, actor, id, &reason))
        .await
}

#[utoipa::path(get, path = "/api/v1/erasures", tag = "privacy", security(("bearer" = [])),
    responses((status = 200, body = Vec<ErasureView>, description = "the organisation's erasures, newest first (at most 1000)")))]
#[get("/api/v1/erasures")]
async fn api_erasures(caller: Caller) -> Answer {
    caller.ok(|conn, actor| service::erasure_log(conn, actor, 1000)).await
}

/// The operations of this file in the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(paths(api_retention, api_set_retention, api_due, api_erase, api_erasures))]
pub struct Doc;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(api_due)
        .service(api_retention)
        .service(api_set_retention)
        .service(api_erase)
        .service(api_erasures);
}
