//! The JSON API (`/api/v1`) of attendance: each handler parses the request, calls one use case and answers.

use actix_web::http::header;
use actix_web::{get, post, put, web, HttpResponse};
use serde::Deserialize;

use super::models::*;
use super::service;
use crate::api::{Answer, Caller, Json};
use crate::i18n;
use crate::ids::{ParticipantId, RunId, SessionId};

#[utoipa::path(post, path = "/api/v1/sessions/{id}/checkin", tag = "attendance", security(("bearer" = [])),
    request_body = CheckIn, params(("id" = i32, Path)), responses(
        (status = 200, description = "the holder's current entry: present, or the mark they had when it says they attend (late, left early)", body = RosterEntry),
        (status = 409, description = "the session was cancelled"),
        (status = 422, description = "unknown card, another run, or a session that does not take marks yet (from one hour before its start)")))]
#[post("/api/v1/sessions/{id}/checkin")]
async fn api_check_in(caller: Caller, id: web::Path<SessionId>, body: Json<CheckIn>) -> Answer {
    caller.ok(move |conn, actor| super::cards::check_in(conn, actor, *id, &body.card)).await
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct CheckIn {
    /// The card code or the scanned URL.
    pub card: String,
}

#[utoipa::path(put, path = "/api/v1/sessions/{id}/test-results/{participant_id}", tag = "attendance",
    security(("bearer" = [])), request_body = TestResultInput,
    params(("id" = i32, Path), ("participant_id" = i32, Path)),
    responses((status = 200, body = TestResult), (status = 409, description = "the course has no test"),
        (status = 422, description = "invalid numbers, or the session has not started yet")))]
#[put("/api/v1/sessions/{id}/test-results/{participant_id}")]
async fn api_record_test(
    caller: Caller, path: web::Path<(SessionId, ParticipantId)>, body: Json<TestResultInput>,
) -> Answer {
    let (id, pid) = path.into_inner();
    caller.ok(move |c, actor| service::record_test(c, actor, id, pid, body.into_inner())).await
}

#[utoipa::path(get, path = "/api/v1/sessions/{id}/roster", tag = "attendance", security(("bearer" = [])),
    params(("id" = i32, Path)), responses((status = 200, body = [RosterEntry]), (status = 403), (status = 404)))]
#[get("/api/v1/sessions/{id}/roster")]
async fn api_roster(caller: Caller, id: web::Path<SessionId>) -> Answer {
    caller.ok(move |conn, actor| Ok(service::roster(conn, actor, *id)?.1)).await
}

#[utoipa::path(put, path = "/api/v1/sessions/{id}/attendance/{participant_id}", tag = "attendance",
    security(("bearer" = [])), request_body = MarkInput,
    params(("id" = i32, Path), ("participant_id" = i32, Path)),
    responses(
        (status = 200, description = "saved, or the mark was current already; the entry with its new revision", body = RosterEntry),
        (status = 409, description = "`expected_revision` is not the current revision: nothing saved; `current` is the mark as it is (a cancelled session answers the plain error)", body = StaleMark),
        (status = 422, description = "invalid input, or a session that does not take marks yet (from one hour before its start)"),
        (status = 403)))]
#[put("/api/v1/sessions/{id}/attendance/{participant_id}")]
async fn api_mark(
    caller: Caller, path: web::Path<(SessionId, ParticipantId)>, body: Json<MarkInput>,
) -> Answer {
    let (id, pid) = path.into_inner();
    let request = MarkRequest {
        status: body.status,
        left_early: body.left_early,
        // Omitted means the client saw no mark: a correction must name what it corrects.
        expected_revision: Some(body.expected_revision.unwrap_or(0)),
    };
    match caller.run(move |c, actor| service::mark_as_seen(c, actor, id, pid, request)).await? {
        Marked::Saved(entry) => Ok(HttpResponse::Ok().json(entry)),
        Marked::Stale(current) => Ok(HttpResponse::Conflict()
            .insert_header((header::CACHE_CONTROL, "no-store"))
            .json(StaleMark {
                code: "conflict",
                message: service::stale_text(&current).render(i18n::DEFAULT_LANG),
                current: Some(current),
            })),
    }
}

#[utoipa::path(get, path = "/api/v1/runs/{id}/completion", tag = "attendance", security(("bearer" = [])),
    params(("id" = i32, Path)), responses((status = 200, body = [Completion])))]
#[get("/api/v1/runs/{id}/completion")]
async fn api_completion(caller: Caller, id: web::Path<RunId>) -> Answer {
    caller.ok(move |c, actor| service::completion_for_run(c, actor.coordinator_org()?, *id)).await
}

/// The operations of this file in the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(paths(api_roster, api_mark, api_record_test, api_check_in, api_completion,))]
pub struct Doc;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(api_check_in)
        .service(api_record_test)
        .service(api_roster)
        .service(api_mark)
        .service(api_completion);
}
