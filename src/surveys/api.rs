//! The JSON API (`/api/v1`) of surveys: each handler parses the request, calls one use case and answers.

use std::collections::BTreeMap;

use actix_web::http::header;
use actix_web::{delete, get, post, put, web, HttpResponse};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::answers::FieldError;
use super::forms::{ExportQuery, RespondQuery};
use super::invite::{
    self, InvitationStatus, InviteOutcome, InvitePlan, PaperSheet, RemindOutcome, ReminderPlan,
};
use super::links::closed_error;
use super::models::*;
use super::overview::GroupLink;
use super::release::PoolKey;
use super::respond::{self, Answering, Given, RespondOutcome, Step};
use super::service::Removal;
use super::translations::{self, Completeness, NewTranslation, TranslationView};
use super::{overview, questionnaire, questions, results, service};
use crate::api::{Answer, Caller, Json};
use crate::db::Db;
use crate::error::{AppError, AppResult};
use crate::ids::{QuestionId, SurveyId};
use crate::web::PublicUrl;

/// Answers started through open links per client address: each start stores a draft, so
/// an unlimited stream of visits would fill the database.
pub struct OpenLinkLimit(pub crate::rate_limit::ClientLimiter);

impl OpenLinkLimit {
    pub(crate) fn check(&self, req: &actix_web::HttpRequest) -> AppResult<()> {
        self.0
            .check(crate::web::client_ip(req))
            .map_err(|wait| AppError::RateLimited { retry_after_secs: wait })
    }
}

#[utoipa::path(get, path = "/api/v1/surveys", tag = "surveys", security(("bearer" = [])),
    responses((status = 200, body = [Survey])))]
#[get("/api/v1/surveys")]
async fn api_list(caller: Caller) -> Answer {
    caller.ok(service::list).await
}

#[utoipa::path(post, path = "/api/v1/surveys", tag = "surveys", security(("bearer" = [])),
    request_body = NewSurvey, responses((status = 201, body = Survey), (status = 422)))]
#[post("/api/v1/surveys")]
async fn api_create(caller: Caller, body: Json<NewSurvey>) -> Answer {
    caller.created(move |conn, actor| service::create(conn, actor, &body)).await
}

#[utoipa::path(get, path = "/api/v1/surveys/{id}", tag = "surveys", security(("bearer" = [])),
    params(("id" = i32, Path)), responses((status = 200, body = SurveyDetail), (status = 404)))]
#[get("/api/v1/surveys/{id}")]
async fn api_get(caller: Caller, id: web::Path<SurveyId>) -> Answer {
    caller.ok(move |conn, actor| service::detail(conn, actor, *id)).await
}

#[utoipa::path(put, path = "/api/v1/surveys/{id}", tag = "surveys", security(("bearer" = [])),
    request_body = NewSurvey, params(("id" = i32, Path)), responses((status = 200, body = Survey), (status = 409, description = "answers exist and the change would misfile them"), (status = 422)))]
#[put("/api/v1/surveys/{id}")]
async fn api_update(caller: Caller, id: web::Path<SurveyId>, body: Json<NewSurvey>) -> Answer {
    caller.ok(move |conn, actor| service::update(conn, actor, *id, &body)).await
}

#[utoipa::path(post, path = "/api/v1/surveys/{id}/copy", tag = "surveys", security(("bearer" = [])),
    params(("id" = i32, Path)), responses((status = 201, body = Survey), (status = 404)))]
#[post("/api/v1/surveys/{id}/copy")]
async fn api_copy(caller: Caller, id: web::Path<SurveyId>) -> Answer {
    caller.created(move |conn, actor| service::copy(conn, actor, *id)).await
}

#[utoipa::path(post, path = "/api/v1/surveys/{id}/questions", tag = "surveys", security(("bearer" = [])),
    request_body = NewQuestion, params(("id" = i32, Path)), responses((status = 201, body = Question), (status = 422)))]
#[post("/api/v1/surveys/{id}/questions")]
async fn api_add_question(
    caller: Caller, id: web::Path<SurveyId>, body: Json<NewQuestion>,
) -> Answer {
    caller.created(move |conn, actor| questions::add(conn, actor, *id, &body)).await
}

#[utoipa::path(put, path = "/api/v1/surveys/{id}/questions/{question_id}", tag = "surveys", security(("bearer" = [])),
    request_body = NewQuestion, params(("id" = i32, Path), ("question_id" = i32, Path)),
    responses((status = 200, body = Question), (status = 409, description = "answered: only wording may change"), (status = 422)))]
#[put("/api/v1/surveys/{id}/questions/{question_id}")]
async fn api_update_question(
    caller: Caller, path: web::Path<(SurveyId, QuestionId)>, body: Json<NewQuestion>,
) -> Answer {
    let (id, qid) = path.into_inner();
    caller.ok(move |conn, actor| questions::update(conn, actor, id, qid, &body)).await
}

#[utoipa::path(delete, path = "/api/v1/surveys/{id}/questions/{question_id}", tag = "surveys", security(("bearer" = [])),
    params(("id" = i32, Path), ("question_id" = i32, Path)),
    responses((status = 204), (status = 409, description = "answered")))]
#[delete("/api/v1/surveys/{id}/questions/{question_id}")]
async fn api_delete_question(caller: Caller, path: web::Path<(SurveyId, QuestionId)>) -> Answer {
    let (id, qid) = path.into_inner();
    caller.no_content(move |conn, actor| questions::delete(conn, actor, id, qid)).await
}

#[utoipa::path(put, path = "/api/v1/surveys/{id}/translations/{language}", tag = "surveys", security(("bearer" = [])),
    request_body = NewTranslation, responses((status = 204), (status = 422)))]
#[put("/api/v1/surveys/{id}/translations/{language}")]
async fn api_translation(
    caller: Caller, path: web::Path<(i32, String)>, body: Json<NewTranslation>,
) -> Answer {
    let (id, lang) = path.into_inner();
    let id = SurveyId(id);
    caller.no_content(move |conn, actor| translations::set(conn, actor, id, &lang, &body)).await
}

#[utoipa::path(post, path = "/api/v1/surveys/{id}/invitations", tag = "surveys", security(("bearer" = [])),
    params(("id" = i32, Path)), responses((status = 200, body = InviteOutcome), (status = 409, description = "the survey has no questions, is over or archived", body = crate::api::ErrorSchema)))]
#[post("/api/v1/surveys/{id}/invitations")]
async fn api_invite(caller: Caller, url: PublicUrl, id: web::Path<SurveyId>) -> Answer {
    caller.ok(move |conn, actor| invite::invite(conn, actor, *id, &url.0)).await
}

#[utoipa::path(get, path = "/api/v1/surveys/{id}/invitations", tag = "surveys", security(("bearer" = [])),
    params(("id" = i32, Path)), responses((status = 200, body = [InvitationStatus])))]
#[get("/api/v1/surveys/{id}/invitations")]
async fn api_invitations(caller: Caller, url: PublicUrl, id: web::Path<SurveyId>) -> Answer {
    caller.ok(move |conn, actor| invite::statuses(conn, actor, *id, &url.0)).await
}

#[utoipa::path(get, path = "/api/v1/surveys/{id}/results", tag = "surveys", security(("bearer" = [])),
    params(("id" = i32, Path)), responses((status = 200, body = results::SurveyResults)))]
#[get("/api/v1/surveys/{id}/results")]
async fn api_results(caller: Caller, id: web::Path<SurveyId>) -> Answer {
    caller.ok(move |conn, actor| results::results(conn, actor, *id)).await
}

#[utoipa::path(get, path = "/api/v1/surveys/{id}/results.{format}", tag = "surveys", security(("bearer" = [])),
    params(("format" = String, Path, description = "`csv` or `xlsx`"), ("part" = Option<String>, Query, description = "`raw` for one row per response; the summary otherwise")),
    responses((status = 200, description = "file")))]
#[get("/api/v1/surveys/{id}/results.{format}")]
async fn api_export(
    caller: Caller, path: web::Path<(i32, String)>, q: web::Query<ExportQuery>,
) -> Answer {
    let (id, format) = path.into_inner();
    let id = SurveyId(id);
    let raw = q.part.as_deref() == Some("raw");
    let export = caller.run(move |conn, actor| results::export(conn, actor, id, raw)).await?;
    crate::web::download(&export.table, &export.name, &format)
}

#[utoipa::path(delete, path = "/api/v1/surveys/{id}", tag = "surveys", security(("bearer" = [])),
    params(("id" = i32, Path)),
    responses((status = 204, description = "deleted with its questions, translations and invitations"),
        (status = 404), (status = 409, description = "answers exist: archive it instead", body = crate::api::ErrorSchema)))]
#[delete("/api/v1/surveys/{id}")]
async fn api_delete(caller: Caller, id: web::Path<SurveyId>) -> Answer {
    caller.no_content(move |conn, actor| service::delete(conn, actor, *id)).await
}

/// What deleting would take with it, or that answers stand in the way.
#[utoipa::path(get, path = "/api/v1/surveys/{id}/removal", tag = "surveys", security(("bearer" = [])),
    params(("id" = i32, Path)), responses((status = 200, body = Removal), (status = 404)))]
#[get("/api/v1/surveys/{id}/removal")]
async fn api_removal(caller: Caller, id: web::Path<SurveyId>) -> Answer {
    caller.ok(move |conn, actor| service::removal(conn, actor, *id)).await
}

#[utoipa::path(post, path = "/api/v1/surveys/{id}/archive", tag = "surveys", security(("bearer" = [])),
    params(("id" = i32, Path)),
    responses((status = 200, body = Survey, description = "archived: closed for answers, invitations and reminders; results stay"), (status = 404)))]
#[post("/api/v1/surveys/{id}/archive")]
async fn api_archive(caller: Caller, id: web::Path<SurveyId>) -> Answer {
    caller.ok(move |conn, actor| service::set_archived(conn, actor, *id, true)).await
}

#[utoipa::path(post, path = "/api/v1/surveys/{id}/unarchive", tag = "surveys", security(("bearer" = [])),
    params(("id" = i32, Path)), responses((status = 200, body = Survey), (status = 404)))]
#[post("/api/v1/surveys/{id}/unarchive")]
async fn api_unarchive(caller: Caller, id: web::Path<SurveyId>) -> Answer {
    caller.ok(move |conn, actor| service::set_archived(conn, actor, *id, false)).await
}

#[utoipa::path(post, path = "/api/v1/surveys/{id}/questions/{question_id}/up", tag = "surveys", security(("bearer" = [])),
    params(("id" = i32, Path), ("question_id" = i32, Path)),
    responses((status = 204, description = "moved one place up (the first stays first)"), (status = 404)))]
#[post("/api/v1/surveys/{id}/questions/{question_id}/up")]
async fn api_question_up(caller: Caller, path: web::Path<(SurveyId, QuestionId)>) -> Answer {
    let (id, qid) = path.into_inner();
    caller.no_content(move |conn, actor| questions::move_up(conn, actor, id, qid)).await
}

#[utoipa::path(post, path = "/api/v1/surveys/{id}/questions/{question_id}/down", tag = "surveys", security(("bearer" = [])),
    params(("id" = i32, Path), ("question_id" = i32, Path)),
    responses((status = 204, description = "moved one place down (the last stays last)"), (status = 404)))]
#[post("/api/v1/surveys/{id}/questions/{question_id}/down")]
async fn api_question_down(caller: Caller, path: web::Path<(SurveyId, QuestionId)>) -> Answer {
    let (id, qid) = path.into_inner();
    caller.no_content(move |conn, actor| questions::move_down(conn, actor, id, qid)).await
}

#[derive(Deserialize, utoipa::IntoParams)]
struct ApiPreviewQuery {
    /// The group whose questions to show (the first group asked when absent).
    group: Option<String>,
    /// The language (German where the survey has no translation into it).
    lang: Option<String>,
}

/// The questions as a respondent of `group` in language `lang` would see them.
#[utoipa::path(get, path = "/api/v1/surveys/{id}/preview", tag = "surveys", security(("bearer" = [])),
    params(("id" = i32, Path), ApiPreviewQuery),
    responses((status = 200, description = "title, introduction, language shown and the questions with their options in it"), (status = 404), (status = 422)))]
#[get("/api/v1/surveys/{id}/preview")]
async fn api_preview(
    caller: Caller, id: web::Path<SurveyId>, q: web::Query<ApiPreviewQuery>,
) -> Answer {
    let q = q.into_inner();
    caller
        .ok(move |conn, actor| {
            questionnaire::preview_view(conn, actor, *id, q.group, q.lang.as_deref())
        })
        .await
}

/// The printed invitations: one card per contact reached on paper, in the contact's
/// language, with the personal link and its QR code (SVG); what the printable page shows.
#[utoipa::path(get, path = "/api/v1/surveys/{id}/sheet", tag = "surveys", security(("bearer" = [])),
    params(("id" = i32, Path)), responses((status = 200, body = PaperSheet), (status = 404)))]
#[get("/api/v1/surveys/{id}/sheet")]
async fn api_sheet(caller: Caller, url: PublicUrl, id: web::Path<SurveyId>) -> Answer {
    caller.ok(move |conn, actor| invite::paper_sheet(conn, actor, *id, &url.0)).await
}

#[utoipa::path(get, path = "/api/v1/surveys/{id}/open-links", tag = "surveys", security(("bearer" = [])),
    params(("id" = i32, Path)), responses((status = 200, body = [GroupLink]), (status = 404)))]
#[get("/api/v1/surveys/{id}/open-links")]
async fn api_open_links(caller: Caller, url: PublicUrl, id: web::Path<SurveyId>) -> Answer {
    caller.ok(move |conn, actor| overview::open_link_list(conn, actor, *id, &url.0)).await
}

#[utoipa::path(get, path = "/api/v1/surveys/{id}/translations/{language}", tag = "surveys", security(("bearer" = [])),
    params(("id" = i32, Path), ("language" = String, Path)),
    responses((status = 200, body = TranslationView), (status = 404)))]
#[get("/api/v1/surveys/{id}/translations/{language}")]
async fn api_translation_get(caller: Caller, path: web::Path<(i32, String)>) -> Answer {
    let (id, lang) = path.into_inner();
    let id = SurveyId(id);
    caller.ok(move |conn, actor| translations::view(conn, actor, id, &lang)).await
}

/// How far the survey is translated, per language ("6/7"), and what is missing.
#[utoipa::path(get, path = "/api/v1/surveys/{id}/translations", tag = "surveys", security(("bearer" = [])),
    params(("id" = i32, Path)), responses((status = 200, body = [Completeness]), (status = 404)))]
#[get("/api/v1/surveys/{id}/translations")]
async fn api_translations(caller: Caller, id: web::Path<SurveyId>) -> Answer {
    caller.ok(move |conn, actor| translations::completeness_list(conn, actor, *id)).await
}

/// What inviting would do now, sending nothing: the same figures as the confirmation page.
#[utoipa::path(get, path = "/api/v1/surveys/{id}/invitations/preview", tag = "surveys", security(("bearer" = [])),
    params(("id" = i32, Path)), responses((status = 200, body = InvitePlan), (status = 404)))]
#[get("/api/v1/surveys/{id}/invitations/preview")]
async fn api_invite_preview(caller: Caller, id: web::Path<SurveyId>) -> Answer {
    caller.ok(move |conn, actor| invite::plan(conn, actor, *id)).await
}

/// Who a reminder sent now would reach (of an anonymous survey only how many).
#[utoipa::path(get, path = "/api/v1/surveys/{id}/reminders", tag = "surveys", security(("bearer" = [])),
    params(("id" = i32, Path)), responses((status = 200, body = ReminderPlan), (status = 404)))]
#[get("/api/v1/surveys/{id}/reminders")]
async fn api_reminder_preview(caller: Caller, id: web::Path<SurveyId>) -> Answer {
    caller.ok(move |conn, actor| invite::reminder_plan(conn, actor, *id)).await
}

/// Sends a reminder at once to the contacts invited by email who have not answered (within
/// the survey's most reminders).
#[utoipa::path(post, path = "/api/v1/surveys/{id}/reminders", tag = "surveys", security(("bearer" = [])),
    params(("id" = i32, Path)),
    responses((status = 200, body = RemindOutcome), (status = 404), (status = 409, description = "the survey is not open or archived", body = crate::api::ErrorSchema)))]
#[post("/api/v1/surveys/{id}/reminders")]
async fn api_remind(caller: Caller, url: PublicUrl, id: web::Path<SurveyId>) -> Answer {
    caller.ok(move |conn, actor| invite::remind_now(conn, actor, *id, &url.0)).await
}

/// What a respondent app sends: answers by question id (see the survey's rules).
#[derive(Deserialize, utoipa::ToSchema)]
struct ApiAnswers {
    #[schema(value_type = BTreeMap<i32, Value>)]
    answers: BTreeMap<QuestionId, Value>,
    #[serde(default)]
    submit: bool,
}

#[utoipa::path(post, path = "/api/v1/responses/{token}", tag = "surveys",
    request_body = ApiAnswers,
    responses((status = 200, description = "saved (draft) or submitted"), (status = 404, description = "unknown link"), (status = 409, description = "closed or already answered"), (status = 422, description = "answers that do not fit")))]
#[post("/api/v1/responses/{token}")]
async fn api_respond(
    db: web::Data<Db>, settings: web::Data<crate::config::Settings>, path: web::Path<String>,
    body: Json<ApiAnswers>,
) -> Answer {
    let key = PoolKey::from_settings(&settings);
    let token = path.into_inner();
    let body = body.into_inner();
    let answering = Answering {
        lang: None,
        given: Given::Answers(body.answers),
        step: if body.submit { Step::Submit } else { Step::Save },
    };
    let today = crate::time::today_local();
    let outcome = db.run(move |conn| respond::answer(conn, &key, &token, answering, today)).await?;
    let status = match outcome {
        RespondOutcome::Saved(_) => "saved",
        RespondOutcome::Submitted(_) => "submitted",
        RespondOutcome::Closed { why, .. } => return Err(closed_error(why)),
        RespondOutcome::Refused { errors, .. } => return Err(not_fitting(&errors)),
    };
    Ok(HttpResponse::Ok().json(AnswerReceipt { status }))
}

/// What became of answers sent.
#[derive(Serialize)]
struct AnswerReceipt {
    /// `saved` (draft) or `submitted`.
    status: &'static str,
}

/// Every answer that does not fit, in one message.
fn not_fitting(errors: &[FieldError]) -> AppError {
    let each = errors
        .iter()
        .map(|e| {
            crate::i18n::Text::key("error.survey.question_problem")
                .arg("question", e.question_id)
                .arg_text("message", e.message.clone())
        })
        .collect();
    AppError::invalid(
        "answers",
        crate::i18n::Text::key("error.survey.answers_problems").arg_list("problems", each),
    )
}

/// What a respondent app shows: the questions the link's group sees, in the requested
/// language where the survey has it, and the answers saved so far.
#[utoipa::path(get, path = "/api/v1/responses/{token}", tag = "surveys",
    params(("lang" = Option<String>, Query, description = "language of the texts; German when the survey has no translation")),
    responses((status = 200, description = "survey, questions and draft answers"), (status = 404, description = "unknown link"), (status = 409, description = "closed or already answered")))]
#[get("/api/v1/responses/{token}")]
async fn api_respondent(
    db: web::Data<Db>, settings: web::Data<crate::config::Settings>, path: web::Path<String>,
    q: web::Query<RespondQuery>,
) -> Answer {
    let key = PoolKey::from_settings(&settings);
    let token = path.into_inner();
    let lang = q.into_inner().lang;
    let today = crate::time::today_local();
    let body =
        db.run(move |conn| respond::view(conn, &key, &token, lang.as_deref(), today)).await?;
    Ok(HttpResponse::Ok().insert_header((header::CACHE_CONTROL, "no-store")).json(body))
}

/// Starts an answer through a group's open link; returns the respondent's own token (to
/// answer with, and to continue later).
#[utoipa::path(post, path = "/api/v1/surveys/open/{open_token}/{group}", tag = "surveys",
    responses((status = 201, description = "the respondent's token"), (status = 404, description = "no open link for this group"),
        (status = 429, description = "too many answers started from this client; see Retry-After", body = crate::api::ErrorSchema)))]
#[post("/api/v1/surveys/open/{open_token}/{group}")]
async fn api_open(
    req: actix_web::HttpRequest, limit: web::Data<OpenLinkLimit>, db: web::Data<Db>,
    path: web::Path<(String, String)>,
) -> Answer {
    limit.check(&req)?;
    let (open, group) = path.into_inner();
    let token = db.run(move |conn| respond::start_open(conn, &open, &group)).await?;
    Ok(HttpResponse::Created().json(OpenStart { token }))
}

/// The respondent's own token, to answer with and to continue later.
#[derive(Serialize)]
struct OpenStart {
    token: String,
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
    api_delete,
    api_removal,
    api_archive,
    api_unarchive,
    api_question_up,
    api_question_down,
    api_preview,
    api_sheet,
    api_open_links,
    api_translation_get,
    api_translations,
    api_invite_preview,
    api_reminder_preview,
    api_remind,
))]
pub struct Doc;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(api_list)
        .service(api_create)
        .service(api_export)
        .service(api_results)
        .service(api_invite_preview)
        .service(api_invitations)
        .service(api_invite)
        .service(api_reminder_preview)
        .service(api_remind)
        .service(api_removal)
        .service(api_archive)
        .service(api_unarchive)
        .service(api_question_up)
        .service(api_question_down)
        .service(api_preview)
        .service(api_sheet)
        .service(api_open_links)
        .service(api_translation_get)
        .service(api_translations)
        .service(api_delete)
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
