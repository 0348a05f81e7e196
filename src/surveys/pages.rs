//! Pages of the logged-in UI of surveys: each handler parses the request, calls one use case and answers.

use actix_web::{get, post, web, HttpResponse};

use super::forms::{self, ExportQuery, PreviewQuery, QuestionFormInput, SurveyFormInput};
use super::public::public_html;
use super::{invite, overview, questionnaire, questions, results, service, translations};
use crate::error::{AppError, AppResult, HtmlError, PageResult};
use crate::i18n::Text;
use crate::ids::{QuestionId, SurveyId};
use crate::templates;
use crate::web::{context, EmptyForm, Form, Id, PublicUrl, Ui};

const LIST: &str = "pages/surveys/list";
const DETAIL: &str = "pages/surveys/detail";
const QUESTION: &str = "pages/surveys/question";
const TRANSLATION: &str = "pages/surveys/translation";

#[get("/surveys")]
async fn list_page(ui: Ui) -> PageResult {
    ui.show(LIST, "title.surveys", |conn, actor| {
        overview::list_page(conn, actor, &overview::blank_survey())
    })
    .await
}

#[post("/surveys")]
async fn create(ui: Ui, Form(form): Form<SurveyFormInput>) -> PageResult {
    let input = form.into_new();
    let echo = input.as_ref().ok().cloned().unwrap_or_else(overview::blank_survey);
    match ui.run(move |conn, actor| service::create(conn, actor, &input?)).await {
        Ok(s) => ui.done(&format!("/surveys/{}", s.id), &Text::key("done.survey_created")),
        Err(e) => {
            let data = ui.run(move |conn, actor| overview::list_page(conn, actor, &echo)).await?;
            ui.page_with_error(LIST, "title.surveys", &data, e)
        }
    }
}

async fn survey_page(ui: &Ui, url: &PublicUrl, id: SurveyId) -> AppResult<overview::SurveyPage> {
    let url = url.0.clone();
    ui.run(move |conn, actor| overview::survey_page(conn, actor, id, &url)).await
}

#[get("/surveys/{id}")]
async fn detail_page(ui: Ui, url: PublicUrl, id: Id<SurveyId>) -> PageResult {
    let data = survey_page(&ui, &url, *id).await?;
    ui.page(DETAIL, "title.survey", &data)
}

/// After a form on the survey page: back to its part `anchor`, confirming `done`; or the
/// page again with the message of the refusal.
async fn back_to_survey<T>(
    ui: &Ui, url: &PublicUrl, id: SurveyId, result: AppResult<T>, anchor: &str, done: &'static str,
) -> PageResult {
    match result {
        Ok(_) => ui.done(&format!("/surveys/{id}{anchor}"), &Text::key(done)),
        Err(e) => survey_refused(ui, url, id, e).await,
    }
}

/// The survey page again with the message of a refused form on it.
async fn survey_refused(ui: &Ui, url: &PublicUrl, id: SurveyId, error: AppError) -> PageResult {
    let data = survey_page(ui, url, id).await?;
    ui.page_with_error(DETAIL, "title.survey", &data, error)
}

#[post("/surveys/{id}")]
async fn update(
    ui: Ui, url: PublicUrl, id: Id<SurveyId>, Form(form): Form<SurveyFormInput>,
) -> PageResult {
    let id = *id;
    let result =
        ui.run(move |conn, actor| service::update(conn, actor, id, &form.into_new()?)).await;
    back_to_survey(&ui, &url, id, result, "", "done.survey_saved").await
}

#[post("/surveys/{id}/questions")]
async fn add_question(
    ui: Ui, url: PublicUrl, id: Id<SurveyId>, Form(form): Form<QuestionFormInput>,
) -> PageResult {
    let id = *id;
    let result =
        ui.run(move |conn, actor| questions::add(conn, actor, id, &form.into_new()?)).await;
    back_to_survey(&ui, &url, id, result, "#questions", "done.question_added").await
}

#[post("/surveys/{id}/questions/{qid}/delete")]
async fn remove_question(
    ui: Ui, url: PublicUrl, path: web::Path<(SurveyId, QuestionId)>, _f: Form<EmptyForm>,
) -> PageResult {
    let (id, qid) = path.into_inner();
    let result = ui.run(move |conn, actor| questions::delete(conn, actor, id, qid)).await;
    back_to_survey(&ui, &url, id, result, "#questions", "done.question_deleted").await
}

#[get("/surveys/{id}/questions/{qid}")]
async fn question_page(ui: Ui, path: web::Path<(SurveyId, QuestionId)>) -> PageResult {
    let (id, qid) = path.into_inner();
    ui.show(QUESTION, "title.question_edit", move |conn, actor| {
        questions::edit_page(conn, actor, id, qid)
    })
    .await
}

#[post("/surveys/{id}/questions/{qid}")]
async fn question_update(
    ui: Ui, path: web::Path<(SurveyId, QuestionId)>, Form(form): Form<QuestionFormInput>,
) -> PageResult {
    let (id, qid) = path.into_inner();
    let input = form.into_new();
    // Unreadable numbers: the form starts over empty.
    let echo = input.as_ref().ok().cloned().unwrap_or_default();
    let result = ui.run(move |conn, actor| questions::update(conn, actor, id, qid, &input?)).await;
    match result {
        Ok(_) => ui.done(&format!("/surveys/{id}#questions"), &Text::key("done.question_saved")),
        Err(e) => {
            let data = ui
                .run(move |c, actor| questions::edit_page_again(c, actor, id, qid, &echo))
                .await?;
            ui.page_with_error(QUESTION, "title.question_edit", &data, e)
        }
    }
}

#[get("/surveys/{id}/translations/{lang}")]
async fn translation_page(ui: Ui, path: web::Path<(SurveyId, String)>) -> PageResult {
    let (id, lang) = path.into_inner();
    ui.show(TRANSLATION, "title.translation", move |conn, actor| {
        translations::page(conn, actor, id, &lang)
    })
    .await
}

#[post("/surveys/{id}/translations/{lang}")]
async fn translation_save(
    ui: Ui, path: web::Path<(SurveyId, String)>, body: web::Bytes,
) -> PageResult {
    let (id, lang) = path.into_inner();
    let pairs = forms::pairs(&body)?;
    crate::web::verify_csrf(&ui.session, forms::field(&pairs, "csrf_token").as_deref())?;
    let input = forms::translation(&pairs);
    let target = lang.clone();
    let result =
        ui.run(move |conn, actor| translations::set(conn, actor, id, &target, &input)).await;
    match result {
        Ok(()) => {
            ui.done(&format!("/surveys/{id}#translations"), &Text::key("done.translation_saved"))
        }
        Err(e) => {
            let data =
                ui.run(move |conn, actor| translations::page(conn, actor, id, &lang)).await?;
            ui.page_with_error(TRANSLATION, "title.translation", &data, e)
        }
    }
}

/// The form as a group's respondents see it, without saving anything.
#[get("/surveys/{id}/preview")]
async fn preview(
    ui: Ui, id: Id<SurveyId>, q: web::Query<PreviewQuery>,
) -> Result<HttpResponse, HtmlError> {
    let q = q.into_inner();
    let data = ui
        .run(move |conn, actor| {
            let page_no = q.page.unwrap_or(0);
            questionnaire::preview(conn, actor, *id, q.group, page_no, q.lang.as_deref())
        })
        .await?;
    let body = templates::render("pages/surveys/respond", &context(&data)?)?;
    Ok(public_html(actix_web::http::StatusCode::OK, body))
}

#[post("/surveys/{id}/questions/{qid}/up")]
async fn question_up(
    ui: Ui, path: web::Path<(SurveyId, QuestionId)>, _f: Form<EmptyForm>,
) -> PageResult {
    let (id, qid) = path.into_inner();
    ui.run(move |conn, actor| questions::move_up(conn, actor, id, qid)).await?;
    let done = Text::key("done.question_moved");
    ui.done(&format!("/surveys/{id}#questions"), &done)
}

#[post("/surveys/{id}/invite")]
async fn invite_contacts(
    ui: Ui, url: PublicUrl, id: Id<SurveyId>, _f: Form<EmptyForm>,
) -> PageResult {
    let (id, link) = (*id, url.0.clone());
    match ui.run(move |c, actor| invite::invite(c, actor, id, &link)).await {
        Ok(outcome) => {
            let done = Text::key("done.invited")
                .arg("invited", outcome.invited)
                .arg("emailed", outcome.emailed)
                .arg("on_paper", outcome.on_paper);
            ui.done(&format!("/surveys/{id}#invitations"), &done)
        }
        Err(e) => survey_refused(&ui, &url, id, e).await,
    }
}

#[post("/surveys/{id}/copy")]
async fn copy(ui: Ui, id: Id<SurveyId>, _f: Form<EmptyForm>) -> PageResult {
    let s = ui.run(move |conn, actor| service::copy(conn, actor, *id)).await?;
    ui.done(&format!("/surveys/{}", s.id), &Text::key("done.survey_copied"))
}

/// Printable sheet: one card per contact reached on paper, with the personal QR code.
#[get("/surveys/{id}/sheet")]
async fn sheet(ui: Ui, url: PublicUrl, id: Id<SurveyId>) -> PageResult {
    let public_url = url.0;
    ui.show("pages/surveys/sheet", "title.survey_sheet", move |c, actor| {
        invite::paper_sheet(c, actor, *id, &public_url)
    })
    .await
}

#[get("/surveys/{id}/results")]
async fn results_page(ui: Ui, id: Id<SurveyId>) -> PageResult {
    ui.show("pages/surveys/results", "title.survey_results", move |c, actor| {
        results::results_page(c, actor, *id)
    })
    .await
}

#[get("/surveys/{id}/results.{format}")]
async fn export(
    ui: Ui, path: web::Path<(SurveyId, String)>, q: web::Query<ExportQuery>,
) -> PageResult {
    let (id, format) = path.into_inner();
    let raw = q.part.as_deref() == Some("raw");
    let export = ui.run(move |conn, actor| results::export(conn, actor, id, raw)).await?;
    Ok(crate::web::download(&export.table, &export.name, &format)?)
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(list_page)
        .service(create)
        .service(export)
        .service(results_page)
        .service(sheet)
        .service(invite_contacts)
        .service(copy)
        .service(add_question)
        .service(remove_question)
        .service(question_up)
        .service(question_page)
        .service(question_update)
        .service(preview)
        .service(translation_page)
        .service(translation_save)
        .service(detail_page)
        .service(update);
}
