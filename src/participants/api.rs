//! The JSON API (`/api/v1`) of participants: each handler parses the request, calls one use case and answers.

use actix_web::{delete, get, post, web, HttpResponse};
use serde::Deserialize;

use super::import::{self, PeopleImported};
use super::models::*;
use super::service;
use crate::api::{Answer, Caller, Json};
use crate::error::{AppError, AppResult};
use crate::i18n::Text;
use crate::ids::{ParticipantId, RunId, SessionId};
use crate::planning::models::{CourseRun, NewRun, NewSession, TrainingSession};

#[derive(Deserialize)]
struct ImportQuery {
    #[serde(default)]
    dry_run: bool,
    #[serde(default)]
    run_id: Option<RunId>,
}

/// Import a CSV or XLSX file sent as the request body; `?dry_run=true` only checks;
/// `?run_id=` enrols everyone imported in that run.
#[utoipa::path(post, path = "/api/v1/participants/import", tag = "participants", security(("bearer" = [])),
    params(("dry_run" = Option<bool>, Query, description = "only check the rows"),
        ("run_id" = Option<i32>, Query, description = "enrol everyone imported in this run of the organisation, in the order of the file (places first, then the waiting list), in the same transaction")),
    request_body(content = Vec<u8>, content_type = "text/csv", description = "CSV (UTF-8 with or without byte order mark, or Windows-1252 as German Excel writes it; `;`, `,` or tab) or XLSX"),
    responses((status = 200, body = PeopleImported), (status = 404, description = "no such run"), (status = 422, description = "not a readable list")))]
#[post("/api/v1/participants/import")]
async fn api_import(caller: Caller, q: web::Query<ImportQuery>, payload: web::Payload) -> Answer {
    // Who may import is settled before a byte of the file is read.
    caller.actor.coordinator_org()?;
    let body = crate::web::read_body(payload, crate::spreadsheet::MAX_FILE_BYTES).await?;
    let (dry_run, run_id) = (q.dry_run, q.run_id);
    caller.ok(move |c, actor| import::import_file(c, actor, &body, dry_run, run_id)).await
}

#[utoipa::path(delete, path = "/api/v1/participants/{id}", tag = "participants", security(("bearer" = [])),
    params(("id" = i32, Path)),
    responses((status = 204, description = "deleted, with their cancelled enrollments, consent history and the mails about them"),
        (status = 404),
        (status = 409, description = "the person took part (attendance, test, certificates: erase their data instead, `POST /api/v1/participants/{id}/erasure`) or is enrolled or waiting (cancel first)", body = crate::api::ErrorSchema)))]
#[delete("/api/v1/participants/{id}")]
async fn api_delete(caller: Caller, id: web::Path<ParticipantId>) -> Answer {
    caller.no_content(move |conn, actor| service::delete(conn, actor, *id)).await
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
    request_body = NewEnrollment, params(("id" = i32, Path)),
    responses((status = 201, body = Enrollment, description = "`participant_id`: status `enrolled`, or `waiting` when the run is full"),
        (status = 200, body = BulkEnrolment, description = "`participant_ids`: one result per person, in the order given; people already enrolled or waiting are left as they were"),
        (status = 404, description = "no such run, or a person not of the organisation (then nobody is enrolled)"),
        (status = 409, description = "`participant_id`: already enrolled or waiting"),
        (status = 410, description = "a person whose data was erased"),
        (status = 422, description = "neither or both of `participant_id` and `participant_ids`, an empty list, or more than 2,000")))]
#[post("/api/v1/runs/{id}/enrollments")]
async fn api_enroll(caller: Caller, run_id: web::Path<RunId>, body: Json<NewEnrollment>) -> Answer {
    let run_id = *run_id;
    match body.into_inner() {
        NewEnrollment { participant_id: Some(pid), participant_ids: None } => {
            caller.created(move |c, actor| service::enroll(c, actor, run_id, pid)).await
        }
        NewEnrollment { participant_id: None, participant_ids: Some(ids) } => {
            caller.ok(move |c, actor| service::enroll_many(c, actor, run_id, &ids)).await
        }
        _ => one_of_the_two(),
    }
}

fn one_of_the_two() -> AppResult<HttpResponse> {
    Err(AppError::invalid("participant_ids", Text::key("error.people.one_or_many")))
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
    api_delete,
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
        .service(api_enrolled)
        .service(api_delete);
}
