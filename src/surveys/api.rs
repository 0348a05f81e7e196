//! The JSON API (`/api/v1`) of surveys: each handler parses the request, calls one use case and answers.

use std::collections::BTreeMap;

use actix_web::http::header;
use actix_web::{delete, get, post, put, web, HttpResponse};
use serde::Deserialize;
use serde_json::{json, Value};

use super::models::*;
use super::pages::{export_response, shown, ExportQuery};
use super::respond::{self, FieldError, Submitted};
use super::{repo, results, service};
use crate::auth::extract::ApiUser;
use crate::config::Settings;
use crate::db::Db;
use crate::error::{AppError, AppResult};

#[derive(Deserialize)]
pub(crate) struct RespondQuery {
    pub(crate) page: Option<usize>,
    pub(crate) lang: Option<String>,
    pub(crate) saved: Option<u8>,
}

/// Answers started through open links per client address: each start stores a draft, so
/// an unlimited stream of visits would fill the database.
pub struct OpenLinkLimit(pub crate::rate_limit::ClientLimiter);

impl OpenLinkLimit {
    pub(crate) fn check(&self, req: &actix_web::HttpRequest) -> AppResult<()> {
        self.0
            .check(crate::web::client_ip(req))
            .map_err(|wait| AppError::RateLimited {
                retry_after_secs: wait,
            })
    }
}

#[utoipa::path(get, path = "/api/v1/surveys", tag = "surveys", security(("bearer" = [])),
    responses((status = 200, body = [Survey])))]
#[get("/api/v1/surveys")]
async fn api_list(user: ApiUser, db: web::Data<Db>) -> AppResult<HttpResponse> {
    let actor = user.0;
    let list = db
        .run(move |conn| repo::list(conn, actor.coordinator_org()?))
        .await?;
    Ok(HttpResponse::Ok().json(list))
}

#[utoipa::path(post, path = "/api/v1/surveys", tag = "surveys", security(("bearer" = [])),
    request_body = NewSurvey, responses((status = 201, body = Survey), (status = 422)))]
#[post("/api/v1/surveys")]
async fn api_create(
    user: ApiUser,
    db: web::Data<Db>,
    body: crate::api::Json<NewSurvey>,
) -> AppResult<HttpResponse> {
    let actor = user.0;
    let s = db
        .run(move |conn| service::create(conn, &actor, &body.into_inner()))
        .await?;
    Ok(HttpResponse::Created().json(s))
}

#[utoipa::path(get, path = "/api/v1/surveys/{id}", tag = "surveys", security(("bearer" = [])),
    responses((status = 200, body = SurveyDetail), (status = 404)))]
#[get("/api/v1/surveys/{id}")]
async fn api_get(
    user: ApiUser,
    db: web::Data<Db>,
    path: web::Path<i32>,
) -> AppResult<HttpResponse> {
    let actor = user.0;
    let id = path.into_inner();
    let d = db
        .run(move |conn| service::detail(conn, &actor, id))
        .await?;
    Ok(HttpResponse::Ok().json(d))
}

#[utoipa::path(put, path = "/api/v1/surveys/{id}", tag = "surveys", security(("bearer" = [])),
    request_body = NewSurvey, responses((status = 200, body = Survey), (status = 409, description = "answers exist and the change would misfile them"), (status = 422)))]
#[put("/api/v1/surveys/{id}")]
async fn api_update(
    user: ApiUser,
    db: web::Data<Db>,
    path: web::Path<i32>,
    body: crate::api::Json<NewSurvey>,
) -> AppResult<HttpResponse> {
    let actor = user.0;
    let id = path.into_inner();
    let s = db
        .run(move |conn| service::update(conn, &actor, id, &body.into_inner()))
        .await?;
    Ok(HttpResponse::Ok().json(s))
}

#[utoipa::path(post, path = "/api/v1/surveys/{id}/copy", tag = "surveys", security(("bearer" = [])),
    responses((status = 201, body = Survey), (status = 404)))]
#[post("/api/v1/surveys/{id}/copy")]
async fn api_copy(
    user: ApiUser,
    db: web::Data<Db>,
    path: web::Path<i32>,
) -> AppResult<HttpResponse> {
    let actor = user.0;
    let id = path.into_inner();
    let s = db.run(move |conn| service::copy(conn, &actor, id)).await?;
    Ok(HttpResponse::Created().json(s))
}

#[utoipa::path(post, path = "/api/v1/surveys/{id}/questions", tag = "surveys", security(("bearer" = [])),
    request_body = NewQuestion, responses((status = 201, body = Question), (status = 422)))]
#[post("/api/v1/surveys/{id}/questions")]
async fn api_add_question(
    user: ApiUser,
    db: web::Data<Db>,
    path: web::Path<i32>,
    body: crate::api::Json<NewQuestion>,
) -> AppResult<HttpResponse> {
    let actor = user.0;
    let id = path.into_inner();
    let q = db
        .run(move |conn| service::add_question(conn, &actor, id, &body.into_inner()))
        .await?;
    Ok(HttpResponse::Created().json(q))
}

#[utoipa::path(put, path = "/api/v1/surveys/{id}/questions/{question_id}", tag = "surveys", security(("bearer" = [])),
    request_body = NewQuestion, responses((status = 200, body = Question), (status = 409, description = "answered: only wording may change"), (status = 422)))]
#[put("/api/v1/surveys/{id}/questions/{question_id}")]
async fn api_update_question(
    user: ApiUser,
    db: web::Data<Db>,
    path: web::Path<(i32, i32)>,
    body: crate::api::Json<NewQuestion>,
) -> AppResult<HttpResponse> {
    let actor = user.0;
    let (id, qid) = path.into_inner();
    let q = db
        .run(move |conn| service::update_question(conn, &actor, id, qid, &body.into_inner()))
        .await?;
    Ok(HttpResponse::Ok().json(q))
}

#[utoipa::path(delete, path = "/api/v1/surveys/{id}/questions/{question_id}", tag = "surveys", security(("bearer" = [])),
    responses((status = 204), (status = 409, description = "answered")))]
#[delete("/api/v1/surveys/{id}/questions/{question_id}")]
async fn api_delete_question(
    user: ApiUser,
    db: web::Data<Db>,
    path: web::Path<(i32, i32)>,
) -> AppResult<HttpResponse> {
    let actor = user.0;
    let (id, qid) = path.into_inner();
    db.run(move |conn| service::delete_question(conn, &actor, id, qid))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

#[utoipa::path(put, path = "/api/v1/surveys/{id}/translations/{language}", tag = "surveys", security(("bearer" = [])),
    request_body = service::NewTranslation, responses((status = 204), (status = 422)))]
#[put("/api/v1/surveys/{id}/translations/{language}")]
async fn api_translation(
    user: ApiUser,
    db: web::Data<Db>,
    path: web::Path<(i32, String)>,
    body: crate::api::Json<service::NewTranslation>,
) -> AppResult<HttpResponse> {
    let actor = user.0;
    let (id, lang) = path.into_inner();
    db.run(move |conn| service::set_translation(conn, &actor, id, &lang, &body.into_inner()))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

#[utoipa::path(post, path = "/api/v1/surveys/{id}/invitations", tag = "surveys", security(("bearer" = [])),
    responses((status = 200, body = service::InviteOutcome), (status = 409, description = "survey closed")))]
#[post("/api/v1/surveys/{id}/invitations")]
async fn api_invite(
    user: ApiUser,
    db: web::Data<Db>,
    settings: web::Data<Settings>,
    path: web::Path<i32>,
) -> AppResult<HttpResponse> {
    let actor = user.0;
    let id = path.into_inner();
    let url = settings.public_url.clone();
    let o = db
        .run(move |conn| service::invite(conn, &actor, id, &url))
        .await?;
    Ok(HttpResponse::Ok().json(o))
}

/// Who was invited and whether they answered (the answers themselves are never linked).
#[derive(serde::Serialize, utoipa::ToSchema)]
struct InvitationStatus {
    stakeholder_id: i32,
    name: String,
    stakeholder_group: String,
    emailed: bool,
    reminders_sent: i32,
    /// Absent for anonymous surveys: only the counts per group are shown there.
    #[serde(skip_serializing_if = "Option::is_none")]
    answered: Option<bool>,
    /// The personal link, for contacts reached on paper (not emailed).
    #[serde(skip_serializing_if = "Option::is_none")]
    url: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/surveys/{id}/invitations", tag = "surveys", security(("bearer" = [])),
    responses((status = 200, body = [InvitationStatus])))]
#[get("/api/v1/surveys/{id}/invitations")]
async fn api_invitations(
    user: ApiUser,
    db: web::Data<Db>,
    settings: web::Data<Settings>,
    path: web::Path<i32>,
) -> AppResult<HttpResponse> {
    let actor = user.0;
    let id = path.into_inner();
    let public_url = settings.public_url.clone();
    let list = db
        .run(move |conn| {
            let survey = service::get(conn, &actor, id)?;
            Ok::<_, AppError>(
                repo::invitations(conn, id)?
                    .into_iter()
                    .map(|(i, s)| InvitationStatus {
                        stakeholder_id: s.id,
                        name: s.name,
                        stakeholder_group: s.stakeholder_group,
                        emailed: i.sent_at.is_some(),
                        reminders_sent: i.reminders_sent,
                        answered: (!survey.anonymous).then_some(i.answered_on.is_some()),
                        url: (i.sent_at.is_none() && i.answered_on.is_none())
                            .then(|| service::survey_url(&public_url, &i.token)),
                    })
                    .collect::<Vec<_>>(),
            )
        })
        .await?;
    Ok(HttpResponse::Ok().json(list))
}

#[utoipa::path(get, path = "/api/v1/surveys/{id}/results", tag = "surveys", security(("bearer" = [])),
    responses((status = 200, body = results::SurveyResults)))]
#[get("/api/v1/surveys/{id}/results")]
async fn api_results(
    user: ApiUser,
    db: web::Data<Db>,
    path: web::Path<i32>,
) -> AppResult<HttpResponse> {
    let actor = user.0;
    let id = path.into_inner();
    let r = db
        .run(move |conn| {
            let s = service::get(conn, &actor, id)?;
            results::results(conn, &s, false)
        })
        .await?;
    Ok(HttpResponse::Ok().json(r))
}

#[utoipa::path(get, path = "/api/v1/surveys/{id}/results.{format}", tag = "surveys", security(("bearer" = [])),
    params(("format" = String, Path, description = "`csv` or `xlsx`"), ("part" = Option<String>, Query, description = "`raw` for one row per response; the summary otherwise")),
    responses((status = 200, description = "file")))]
#[get("/api/v1/surveys/{id}/results.{format}")]
async fn api_export(
    user: ApiUser,
    db: web::Data<Db>,
    path: web::Path<(i32, String)>,
    q: web::Query<ExportQuery>,
) -> AppResult<HttpResponse> {
    export_response(&db, user.0, path.into_inner(), q.into_inner()).await
}

/// What a respondent app sends: answers by question id (see the survey's rules).
#[derive(Deserialize, utoipa::ToSchema)]
struct ApiAnswers {
    answers: BTreeMap<i32, Value>,
    #[serde(default)]
    submit: bool,
}

#[utoipa::path(post, path = "/api/v1/responses/{token}", tag = "surveys",
    request_body = ApiAnswers,
    responses((status = 200, description = "saved (draft) or submitted"), (status = 404, description = "unknown link"), (status = 409, description = "closed or already answered"), (status = 422, description = "answers that do not fit")))]
#[post("/api/v1/responses/{token}")]
async fn api_respond(
    db: web::Data<Db>,
    path: web::Path<String>,
    body: crate::api::Json<ApiAnswers>,
) -> AppResult<HttpResponse> {
    let token = path.into_inner();
    let body = body.into_inner();
    let today = crate::time::today_local();
    let status = db
        .run(move |conn| {
            let who = respond::resolve(conn, &token)?;
            if let Some(closed) = who.closed(today) {
                return Err(respond::closed_error(closed));
            }
            let invalid = |e: Vec<FieldError>| {
                AppError::invalid(
                    "answers",
                    e.iter()
                        .map(|e| format!("Frage {}: {}", e.question_id, e.message))
                        .collect::<Vec<_>>()
                        .join(" "),
                )
            };
            if body.submit {
                match respond::submit(conn, &who, &body.answers, today)? {
                    Submitted::Saved => Ok("submitted"),
                    Submitted::Invalid(e) => Err(invalid(e)),
                }
            } else {
                let ids: Vec<i32> = body.answers.keys().copied().collect();
                let all = repo::questions(conn, who.survey.id)?;
                respond::save_draft(conn, &who, &all, &body.answers, &ids)?.map_err(invalid)?;
                Ok("saved")
            }
        })
        .await?;
    Ok(HttpResponse::Ok().json(json!({"status": status})))
}

/// What a respondent app shows: the questions the link's group sees, in the requested
/// language where the survey has it, and the answers saved so far.
#[utoipa::path(get, path = "/api/v1/responses/{token}", tag = "surveys",
    params(("lang" = Option<String>, Query, description = "language of the texts; German when the survey has no translation")),
    responses((status = 200, description = "survey, questions and draft answers"), (status = 404, description = "unknown link"), (status = 409, description = "closed or already answered")))]
#[get("/api/v1/responses/{token}")]
async fn api_respondent(
    db: web::Data<Db>,
    path: web::Path<String>,
    q: web::Query<RespondQuery>,
) -> AppResult<HttpResponse> {
    let token = path.into_inner();
    let lang = q.into_inner().lang;
    let today = crate::time::today_local();
    let body = db
        .run(move |conn| {
            let who = respond::resolve(conn, &token)?;
            if let Some(closed) = who.closed(today) {
                return Err(respond::closed_error(closed));
            }
            let shown = shown(conn, &who, lang.as_deref())?;
            let questions: Vec<Value> = shown
                .questions
                .iter()
                .map(|(q, text, options)| {
                    json!({"id": q.id, "kind": q.kind, "text": text, "help": q.help, "required": q.required,
                           "options": options.iter().map(|o| o.label.clone()).collect::<Vec<_>>(),
                           "min_value": q.min_value, "max_value": q.max_value, "max_length": q.max_length})
                })
                .collect();
            Ok(json!({"title": shown.title, "introduction": shown.introduction, "language": shown.lang,
                      "languages": shown.languages, "anonymous": who.survey.anonymous,
                      "closes_on": who.survey.closes_on, "group": who.group,
                      "questions": questions, "answers": who.draft}))
        })
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(body))
}

/// Starts an answer through a group's open link; returns the respondent's own token (to
/// answer with, and to continue later).
#[utoipa::path(post, path = "/api/v1/surveys/open/{open_token}/{group}", tag = "surveys",
    responses((status = 201, description = "the respondent's token"), (status = 404, description = "no open link for this group"),
        (status = 429, description = "too many answers started from this client; see Retry-After", body = crate::api::ErrorSchema)))]
#[post("/api/v1/surveys/open/{open_token}/{group}")]
async fn api_open(
    req: actix_web::HttpRequest,
    limit: web::Data<OpenLinkLimit>,
    db: web::Data<Db>,
    path: web::Path<(String, String)>,
) -> AppResult<HttpResponse> {
    limit.check(&req)?;
    let (open, group) = path.into_inner();
    let token = db
        .run(move |conn| respond::start_open(conn, &open, &group))
        .await?;
    Ok(HttpResponse::Created().json(json!({"token": token})))
}

/// The operations of this file in the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(paths(
    api_list,
    api_create,
    api_get,
    api_update,
    api_copy,
    api_add_question,
    api_update_question,
    api_delete_question,
    api_translation,
    api_invite,
    api_invitations,
    api_results,
    api_export,
    api_respond,
    api_respondent,
    api_open,
))]
pub struct Doc;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(api_list)
        .service(api_create)
        .service(api_export)
        .service(api_results)
        .service(api_invitations)
        .service(api_invite)
        .service(api_translation)
        .service(api_copy)
        .service(api_add_question)
        .service(api_update_question)
        .service(api_delete_question)
        .service(api_get)
        .service(api_update)
        .service(api_respond)
        .service(api_respondent)
        .service(api_open);
}
