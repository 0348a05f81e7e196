//! The JSON API (`/api/v1`) of access requests and corrections: each handler parses the
//! request, calls one use case and answers.

use actix_web::{get, put, web};

use super::models::{ParticipantDisclosure, StakeholderDisclosure};
use super::service::{self, CorrectionOutcome, ParticipantRecordView};
use crate::api::{Answer, Caller, Json};
use crate::ids::{ParticipantId, StakeholderId};
use crate::participants::models::ParticipantCorrection;

#[utoipa::path(get, path = "/api/v1/participants/{id}", tag = "privacy", security(("bearer" = [])),
    params(("id" = i32, Path)),
    responses((status = 200, body = ParticipantRecordView, description = "the stored row; `erased_at` set (and the names empty) once the person's data was erased")))]
#[get("/api/v1/participants/{id}")]
async fn api_participant(caller: Caller, id: web::Path<ParticipantId>) -> Answer {
    caller.ok(move |conn, actor| service::participant(conn, actor, *id)).await
}

#[utoipa::path(put, path = "/api/v1/participants/{id}", tag = "privacy", security(("bearer" = [])),
    request_body = ParticipantCorrection, params(("id" = i32, Path)),
    responses(
        (status = 200, body = CorrectionOutcome, description = "saved; `certificates_with_old_name` lists valid certificates still printed with another name (replace them with `POST /api/v1/certificates/{id}/reissue`)"),
        (status = 410, description = "the person's data was erased", body = crate::api::ErrorSchema),
        (status = 422, description = "invalid input, naming the field (the rules of registration, incl. `confirm_mixed_script` for a changed name mixing scripts)", body = crate::api::ErrorSchema)))]
#[put("/api/v1/participants/{id}")]
async fn api_correct(
    caller: Caller, id: web::Path<ParticipantId>, body: Json<ParticipantCorrection>,
) -> Answer {
    caller.ok(move |conn, actor| service::correct(conn, actor, *id, &body.into_inner())).await
}

#[utoipa::path(get, path = "/api/v1/participants/{id}/export", tag = "privacy", security(("bearer" = [])),
    params(("id" = i32, Path)),
    responses(
        (status = 200, body = ParticipantDisclosure, description = "everything stored about the participant (Art. 15/20 GDPR); recorded in the audit log"),
        (status = 410, description = "the person's data was erased", body = crate::api::ErrorSchema)))]
#[get("/api/v1/participants/{id}/export")]
async fn api_participant_export(caller: Caller, id: web::Path<ParticipantId>) -> Answer {
    caller.ok(move |conn, actor| service::export_participant(conn, actor, *id)).await
}

#[utoipa::path(get, path = "/api/v1/stakeholders/{id}/export", tag = "privacy", security(("bearer" = [])),
    params(("id" = i32, Path)),
    responses(
        (status = 200, body = StakeholderDisclosure, description = "everything stored about the contact (Art. 15/20 GDPR), without the answers of anonymous surveys; recorded in the audit log"),
        (status = 410, description = "the person's data was erased", body = crate::api::ErrorSchema)))]
#[get("/api/v1/stakeholders/{id}/export")]
async fn api_stakeholder_export(caller: Caller, id: web::Path<StakeholderId>) -> Answer {
    caller.ok(move |conn, actor| service::export_stakeholder(conn, actor, *id)).await
}

/// The operations of this file in the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(paths(api_participant, api_correct, api_participant_export, api_stakeholder_export))]
pub struct Doc;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(api_participant_export)
        .service(api_stakeholder_export)
        .service(api_participant)
        .service(api_correct);
}
