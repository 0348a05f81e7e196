//! The JSON API (`/api/v1`) of participants: each handler parses the request, calls one use case and answers.

use actix_web::{get, post, web};

use super::import::People;
use super::models::*;
use super::service;
use crate::api::{Answer, Caller, DryRun, Json};
use crate::ids::{ParticipantId, RunId, SessionId};
use crate::planning::models::{CourseRun, NewRun, NewSession, TrainingSession};
use crate::spreadsheet::import::ImportOutcome;

/// Import a CSV or XLSX file sent as the request body; `?dry_run=true` only checks.
#[utoipa::path(post, path = "/api/v1/participants/import", tag = "participants", security(("bearer" = [])),
    params(("dry_run" = Option<bool>, Query, description = "only check the rows")),
    request_body(content = Vec<u8>, content_type = "text/csv", description = "CSV (UTF-8, ; or ,) or XLSX"),
    responses((status = 200, body = ImportOutcome), (status = 422, description = "not a readable list")))]
#[post("/api/v1/participants/import")]
async fn api_import(caller: Caller, q: web::Query<DryRun>, payload: web::Payload) -> Answer {
    caller.import_list::<People>(payload, q.dry_run).await
}

#[utoipa::path(get, path = "/api/v1/participants", tag = "participants", security(("bearer" = [])),
    responses((status = 200, body = [Participant])))]
#[get("/api/v1/participants")]
async fn api_list(caller: Caller) -> Answer {
    caller.ok(service::participants).await
}

#[utoipa::path(post, path = "/api/v1/participants", tag = "participants", security(("bearer" = [])),
    request_body = NewParticipant, responses((status = 201, body = Participant),
        (status = 422, description = "invalid input, naming the field: a character the certificate cannot print (named with its code point), or a name mixing Latin, Greek or Cyrillic letters in one word (field `confirm_mixed_script`; send `\"confirm_mixed_script\": true` to save it as it is)", body = crate::api::ErrorSchema)))]
#[post("/api/v1/participants")]
async fn api_register(caller: Caller, body: Json<NewParticipant>) -> Answer {
    caller.created(move |conn, actor| service::register(conn, actor, body.into_inner())).await
}

#[utoipa::path(post, path = "/api/v1/runs/{id}/enrollments", tag = "participants", security(("bearer" = [])),
    request_body = NewEnrollment, params(("id" = i32, Path)), responses((status = 201, body = Enrollment, description = "status `enrolled`, or `waiting` when the run is full"), (status = 409, description = "already enrolled or waiting")))]
#[post("/api/v1/runs/{id}/enrollments")]
async fn api_enroll(caller: Caller, run_id: web::Path<RunId>, body: Json<NewEnrollment>) -> Answer {
    caller.created(move |c, actor| service::enroll(c, actor, *run_id, body.participant_id)).await
}

#[utoipa::path(post, path = "/api/v1/runs/{id}/enrollments/{participant_id}/cancel", tag = "participants",
    security(("bearer" = [])), params(("id" = i32, Path), ("participant_id" = i32, Path)),
    responses((status = 200, body = service::CancelOutcome), (status = 404)))]
#[post("/api/v1/runs/{id}/enrollments/{participant_id}/cancel")]
async fn api_cancel(caller: Caller, path: web::Path<(RunId, ParticipantId)>) -> Answer {
    let (run_id, pid) = path.into_inner();
    caller.ok(move |conn, actor| service::cancel(conn, actor, run_id, pid)).await
}

#[utoipa::path(get, path = "/api/v1/runs/{id}/waiting-list", tag = "participants", security(("bearer" = [])),
    params(("id" = i32, Path)), responses((status = 200, body = [Participant], description = "in order")))]
#[get("/api/v1/runs/{id}/waiting-list")]
async fn api_waiting(caller: Caller, run_id: web::Path<RunId>) -> Answer {
    caller.ok(move |conn, actor| service::waiting_list(conn, actor, *run_id)).await
}

#[utoipa::path(get, path = "/api/v1/runs/{id}/participants", tag = "participants", security(("bearer" = [])),
    params(("id" = i32, Path)), responses((status = 200, body = [Participant])))]
#[get("/api/v1/runs/{id}/participants")]
async fn api_enrolled(caller: Caller, run_id: web::Path<RunId>) -> Answer {
    caller.ok(move |conn, actor| service::enrolled(conn, actor, *run_id)).await
}

#[utoipa::path(put, path = "/api/v1/runs/{id}", tag = "planning", security(("bearer" = [])),
    request_body = NewRun, params(("id" = i32, Path)), responses((status = 200, body = CourseRun), (status = 422, description = "e.g. capacity below current enrollment")))]
#[actix_web::put("/api/v1/runs/{id}")]
async fn api_update_run(caller: Caller, id: web::Path<RunId>, body: Json<NewRun>) -> Answer {
    caller.ok(move |c, actor| super::schedule::update_run(c, actor, *id, body.into_inner())).await
}

#[utoipa::path(put, path = "/api/v1/sessions/{id}", tag = "planning", security(("bearer" = [])),
    request_body = NewSession, params(("id" = i32, Path)), responses((status = 200, body = TrainingSession), (status = 422), (status = 409)))]
#[actix_web::put("/api/v1/sessions/{id}")]
async fn api_update_session(
    caller: Caller, id: web::Path<SessionId>, body: Json<NewSession>,
) -> Answer {
    caller
        .ok(move |c, actor| super::schedule::update_session(c, actor, *id, body.into_inner()))
        .await
}

#[utoipa::path(post, path = "/api/v1/sessions/{id}/cancel", tag = "planning", security(("bearer" = [])),
    params(("id" = i32, Path)), responses((status = 204), (status = 404),
        (status = 409, description = "the session took place: someone is marked as attending", body = crate::api::ErrorSchema)))]
#[post("/api/v1/sessions/{id}/cancel")]
async fn api_cancel_session(caller: Caller, id: web::Path<SessionId>) -> Answer {
    caller.no_content(move |conn, actor| super::schedule::cancel_session(conn, actor, *id)).await
}

/// The operations of this file in the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(paths(
    api_update_run,
    api_update_session,
    api_cancel_session,
    api_list,
    api_register,
    api_enroll,
    api_enrolled,
    api_cancel,
    api_waiting,
    api_import,
))]
pub struct Doc;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(api_update_run)
        .service(api_update_session)
        .service(api_cancel_session)
        .service(api_import)
        .service(api_cancel)
        .service(api_waiting)
        .service(api_list)
        .service(api_register)
        .service(api_enroll)
        .service(api_enrolled);
}
