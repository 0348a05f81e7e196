//! Pages of the logged-in UI of surveys: each handler parses the request, calls one use case and answers.

use actix_web::{get, post, web, HttpResponse};

use super::forms::{
    self, ExportQuery, KindQuery, PreviewQuery, QuestionFormInput, SurveyFormInput,
};
use super::invite::{self, InvitePlan, ReminderPlan};
use super::public::public_html;
use super::questions::QuestionFields;
use super::service::Removal;
use super::{overview, questionnaire, questions, results, service, translations};
use crate::error::{AppError, AppResult, HtmlError, PageResult};
use crate::i18n::Text;
use crate::ids::{QuestionId, SurveyId};
use crate::templates;
use crate::web::{confirm, context, Confirmation, EmptyForm, Form, Id, PublicUrl, Ui};

const LIST: &str = "pages/surveys/list";
const DETAIL: &str = "pages/surveys/detail";
const QUESTION: &str = "pages/surveys/question";
const TRANSLATION: &str = "pages/surveys/translation";

#[get("/surveys")]
async fn list_page(ui: Ui) -> PageResult {
    ui.show(LIST, "title.surveys", |conn, actor| {
        overview::list_page(conn, actor, overview::blank_survey())
    })
    .await
}

#[post("/surveys")]
async fn create(ui: Ui, Form(form): Form<SurveyFormInput>) -> PageResult {
    let typed = form.fields();
    let input = form.into_new();
    match ui.run(move |conn, actor| service::create(conn, actor, &input?)).await {
        Ok(s) => ui.done(&format!("/surveys/{}", s.id), &Text::key("done.survey_created")),
        Err(e) => {
            let data = ui.run(move |conn, actor| overview::list_page(conn, actor, typed)).await?;
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
    let typed = form.fields();
    let result =
        ui.run(move |conn, actor| service::update(conn, actor, id, &form.into_new()?)).await;
    match result {
        Ok(_) => ui.done(&format!("/surveys/{id}"), &Text::key("done.survey_saved")),
        Err(e) => {
            let link = url.0.clone();
            let data = ui
                .run(move |c, actor| overview::survey_page_with(c, actor, id, &link, Some(typed)))
                .await?;
            ui.page_with_error(DETAIL, "title.survey", &data, e)
        }
    }
}

/// A new question: first its kind, then only the fields that kind needs (`?kind=`).
#[get("/surveys/{id}/questions/new")]
async fn question_new(ui: Ui, id: Id<SurveyId>, q: web::Query<KindQuery>) -> PageResult {
    let typed =
        QuestionFields { kind: q.into_inner().kind.unwrap_or_default(), ..Default::default() };
    ui.show(QUESTION, "title.svy_question_new", move |conn, actor| {
        questions::new_page(conn, actor, *id, typed)
    })
    .await
}

#[post("/surveys/{id}/questions")]
async fn add_question(ui: Ui, id: Id<SurveyId>, Form(form): Form<QuestionFormInput>) -> PageResult {
    let id = *id;
    let typed = form.fields();
    let result =
        ui.run(move |conn, actor| questions::add(conn, actor, id, &form.into_new()?)).await;
    match result {
        Ok(_) => ui.done(&format!("/surveys/{id}#questions"), &Text::key("done.question_added")),
        Err(e) => {
            let data = ui.run(move |c, actor| questions::new_page(c, actor, id, typed)).await?;
            ui.page_with_error(QUESTION, "title.svy_question_new", &data, e)
        }
    }
}

#[post("/surveys/{id}/questions/{qid}/delete")]
async fn remove_question(
    ui: Ui, url: PublicUrl, path: web::Path<(SurveyId, QuestionId)>, _f: Form<EmptyForm>,
) -> PageResult {
    let (id, qid) = path.into_inner();
    match ui.run(move |conn, actor| questions::delete(conn, actor, id, qid)).await {
        Ok(()) => ui.done(&format!("/surveys/{id}#questions"), &Text::key("done.question_deleted")),
        Err(e) => survey_refused(&ui, &url, id, e).await,
    }
}

#[get("/surveys/{id}/questions/{qid}")]
async fn question_page(
    ui: Ui, path: web::Path<(SurveyId, QuestionId)>, q: web::Query<KindQuery>,
) -> PageResult {
    let (id, qid) = path.into_inner();
    let kind = q.into_inner().kind;
    ui.show(QUESTION, "title.question_edit", move |conn, actor| {
        questions::edit_page(conn, actor, id, qid, kind.as_deref())
    })
    .await
}

#[post("/surveys/{id}/questions/{qid}")]
async fn question_update(
    ui: Ui, path: web::Path<(SurveyId, QuestionId)>, Form(form): Form<QuestionFormInput>,
) -> PageResult {
    let (id, qid) = path.into_inner();
    let typed = form.fields();
    let result =
        ui.run(move |conn, actor| questions::update(conn, actor, id, qid, &form.into_new()?)).await;
    match result {
        Ok(_) => ui.done(&format!("/surveys/{id}#questions"), &Text::key("done.question_saved")),
        Err(e) => {
            let data = ui
                .run(move |c, actor| questions::edit_page_again(c, actor, id, qid, typed))
                .await?;
            ui.page_with_error(QUESTION, "title.question_edit", &data, e)
        }
    }
}

#[post("/surveys/{id}/questions/{qid}/up")]
async fn question_up(
    ui: Ui, path: web::Path<(SurveyId, QuestionId)>, _f: Form<EmptyForm>,
) -> PageResult {
    let (id, qid) = path.into_inner();
    ui.run(move |conn, actor| questions::move_up(conn, actor, id, qid)).await?;
    ui.done(&format!("/surveys/{id}#questions"), &Text::key("done.question_moved"))
}

#[post("/surveys/{id}/questions/{qid}/down")]
async fn question_down(
    ui: Ui, path: web::Path<(SurveyId, QuestionId)>, _f: Form<EmptyForm>,
) -> PageResult {
    let (id, qid) = path.into_inner();
    ui.run(move |conn, actor| questions::move_down(conn, actor, id, qid)).await?;
    ui.done(&format!("/surveys/{id}#questions"), &Text::key("done.svy_question_moved_down"))
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
            let data = ui
                .run(move |conn, actor| {
                    translations::page_with(conn, actor, id, &lang, Some(&pairs))
                })
                .await?;
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

/// "3 names: A, B, C" of a list of people (or the count alone when there are none).
fn names(people: &[String]) -> String {
    if people.is_empty() {
        "0".into()
    } else {
        format!("{}: {}", people.len(), people.join(", "))
    }
}

fn invite_confirmation(plan: &InvitePlan) -> Confirmation {
    let id = plan.survey_id;
    let mut page = Confirmation::new(
        Text::key("svy.invite.heading"),
        format!("/surveys/{id}/invite"),
        Text::key("svy.invite.button").arg("n", plan.emails + plan.paper),
        format!("/surveys/{id}#invitations"),
    )
    .lead(Text::key("svy.invite.lead").arg("emails", plan.emails).arg("paper", plan.paper))
    .row(Text::key("svy.invite.row_survey"), plan.title.clone(), Some(format!("/surveys/{id}")))
    .row(
        Text::key("svy.invite.row_questions"),
        plan.questions.to_string(),
        Some(format!("/surveys/{id}/questions/new")),
    )
    .row(
        Text::key("svy.invite.row_email"),
        names(&plan.by_email.iter().map(|p| p.name.clone()).collect::<Vec<_>>()),
        None,
    )
    .row(
        Text::key("svy.invite.row_paper"),
        names(&plan.on_paper.iter().map(|p| p.name.clone()).collect::<Vec<_>>()),
        None,
    );
    for left in &plan.left_out {
        let change = Some(format!("/stakeholders/{}", left.stakeholder_id));
        page = page.row(
            Text::key("svy.invite.row_left_out").arg("name", &left.name),
            left.why.clone(),
            change,
        );
    }
    page = page
        .goes(Text::key("svy.invite.goes_email").arg("n", plan.emails))
        .goes(Text::key("svy.invite.goes_paper").arg("n", plan.paper))
        .stays(Text::key("svy.invite.stays_left_out").arg("n", plan.left_out.len()))
        .warning(Text::key("svy.invite.warning"));
    match &plan.blocked_reason {
        Some(why) => page.blocked(Text::key("svy.blocked").arg("reason", why)),
        None => page,
    }
}

/// Check your answers before inviting: who gets an email, who a printed sheet, who is left
/// out and why. Sends nothing.
#[get("/surveys/{id}/invite")]
async fn invite_confirm(ui: Ui, id: Id<SurveyId>) -> PageResult {
    let plan = ui.run(move |conn, actor| invite::plan(conn, actor, *id)).await?;
    ui.page(confirm::TEMPLATE, "title.svy_invite", &invite_confirmation(&plan))
}

#[post("/surveys/{id}/invite")]
async fn invite_contacts(
    ui: Ui, url: PublicUrl, id: Id<SurveyId>, _f: Form<EmptyForm>,
) -> PageResult {
    let (id, link) = (*id, url.0.clone());
    match ui.run(move |c, actor| invite::invite(c, actor, id, &link)).await {
        Ok(outcome) => {
            let done = Text::key("done.svy_invited")
                .arg("emailed", outcome.emailed)
                .arg("on_paper", outcome.on_paper)
                .arg("left_out", outcome.left_out);
            ui.done(&format!("/surveys/{id}"), &done)
        }
        Err(e) => {
            let plan = ui.run(move |conn, actor| invite::plan(conn, actor, id)).await?;
            ui.page_with_error(
                confirm::TEMPLATE,
                "title.svy_invite",
                &invite_confirmation(&plan),
                e,
            )
        }
    }
}

fn reminder_confirmation(plan: &ReminderPlan) -> Confirmation {
    let id = plan.survey_id;
    let who = if plan.anonymous {
        Text::key("svy.remind.anonymous").arg("n", plan.count).render(crate::i18n::DEFAULT_LANG)
    } else {
        names(&plan.names)
    };
    let page = Confirmation::new(
        Text::key("svy.remind.heading"),
        format!("/surveys/{id}/remind"),
        Text::key("svy.remind.button").arg("n", plan.count),
        format!("/surveys/{id}#invitations"),
    )
    .lead(Text::key("svy.remind.lead").arg("n", plan.count))
    .row(Text::key("svy.invite.row_survey"), plan.title.clone(), Some(format!("/surveys/{id}")))
    .row(Text::key("svy.remind.row_who"), who, None)
    .goes(Text::key("svy.remind.goes").arg("n", plan.count))
    .stays(Text::key("svy.remind.stays"));
    match &plan.blocked_reason {
        Some(why) => page.blocked(Text::key("svy.blocked").arg("reason", why)),
        None => page,
    }
}

/// Check your answers before reminding at once.
#[get("/surveys/{id}/remind")]
async fn remind_confirm(ui: Ui, id: Id<SurveyId>) -> PageResult {
    let plan = ui.run(move |conn, actor| invite::reminder_plan(conn, actor, *id)).await?;
    ui.page(confirm::TEMPLATE, "title.svy_remind", &reminder_confirmation(&plan))
}

#[post("/surveys/{id}/remind")]
async fn remind(ui: Ui, url: PublicUrl, id: Id<SurveyId>, _f: Form<EmptyForm>) -> PageResult {
    let (id, link) = (*id, url.0.clone());
    match ui.run(move |c, actor| invite::remind_now(c, actor, id, &link)).await {
        Ok(outcome) => {
            let done = Text::key("done.svy_reminded").arg("n", outcome.reminded);
            ui.done(&format!("/surveys/{id}#invitations"), &done)
        }
        Err(e) => {
            let plan = ui.run(move |conn, actor| invite::reminder_plan(conn, actor, id)).await?;
            let page = reminder_confirmation(&plan);
            ui.page_with_error(confirm::TEMPLATE, "title.svy_remind", &page, e)
        }
    }
}

fn delete_confirmation(r: &Removal) -> Confirmation {
    let id = r.id;
    let page = Confirmation::new(
        Text::key("svy.delete.heading"),
        format!("/surveys/{id}/delete"),
        Text::key("svy.delete.button"),
        format!("/surveys/{id}"),
    )
    .destructive()
    .row(Text::key("svy.invite.row_survey"), r.title.clone(), None)
    .goes(Text::key("svy.delete.goes_questions").arg("n", r.questions))
    .goes(Text::key("svy.delete.goes_translations").arg("n", r.translations))
    .goes(Text::key("svy.delete.goes_invitations").arg("n", r.invitations))
    .stays(Text::key("svy.delete.stays_contacts"))
    .warning(Text::key("svy.delete.warning"));
    if r.answered {
        page.blocked(Text::key("error.svy.delete_answered"))
    } else {
        page
    }
}

/// Are you sure: what deleting takes with it; refused (with the way to archive) once
/// someone answered.
#[get("/surveys/{id}/delete")]
async fn delete_confirm(ui: Ui, id: Id<SurveyId>) -> PageResult {
    let r = ui.run(move |conn, actor| service::removal(conn, actor, *id)).await?;
    ui.page(confirm::TEMPLATE, "title.svy_delete", &delete_confirmation(&r))
}

#[post("/surveys/{id}/delete")]
async fn delete(ui: Ui, id: Id<SurveyId>, _f: Form<EmptyForm>) -> PageResult {
    let id = *id;
    match ui.run(move |conn, actor| service::delete(conn, actor, id)).await {
        Ok(()) => ui.done("/surveys", &Text::key("done.svy_deleted")),
        Err(e) => {
            let r = ui.run(move |conn, actor| service::removal(conn, actor, id)).await?;
            ui.page_with_error(confirm::TEMPLATE, "title.svy_delete", &delete_confirmation(&r), e)
        }
    }
}

fn archive_confirmation(r: &Removal) -> Confirmation {
    let id = r.id;
    Confirmation::new(
        Text::key("svy.archive.heading"),
        format!("/surveys/{id}/archive"),
        Text::key("svy.archive.button"),
        format!("/surveys/{id}"),
    )
    .destructive()
    .row(Text::key("svy.invite.row_survey"), r.title.clone(), None)
    .goes(Text::key("svy.archive.goes_answers"))
    .goes(Text::key("svy.archive.goes_drafts"))
    .stays(Text::key("svy.archive.stays_results"))
    .stays(Text::key("svy.archive.stays_restore"))
}

#[get("/surveys/{id}/archive")]
async fn archive_confirm(ui: Ui, id: Id<SurveyId>) -> PageResult {
    let r = ui.run(move |conn, actor| service::removal(conn, actor, *id)).await?;
    ui.page(confirm::TEMPLATE, "title.svy_archive", &archive_confirmation(&r))
}

#[post("/surveys/{id}/archive")]
async fn archive(ui: Ui, id: Id<SurveyId>, _f: Form<EmptyForm>) -> PageResult {
    let id = *id;
    ui.run(move |conn, actor| service::set_archived(conn, actor, id, true)).await?;
    ui.done(&format!("/surveys/{id}"), &Text::key("done.svy_archived"))
}

#[post("/surveys/{id}/unarchive")]
async fn unarchive(ui: Ui, id: Id<SurveyId>, _f: Form<EmptyForm>) -> PageResult {
    let id = *id;
    ui.run(move |conn, actor| service::set_archived(conn, actor, id, false)).await?;
    ui.done(&format!("/surveys/{id}"), &Text::key("done.svy_unarchived"))
}

#[post("/surveys/{id}/copy")]
async fn copy(ui: Ui, id: Id<SurveyId>, _f: Form<EmptyForm>) -> PageResult {
    let s = ui.run(move |conn, actor| service::copy(conn, actor, *id)).await?;
    ui.done(&format!("/surveys/{}", s.id), &Text::key("done.survey_copied"))
}

/// Printable sheet: one card per contact reached on paper, in the contact's language.
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
        .service(invite_confirm)
        .service(invite_contacts)
        .service(remind_confirm)
        .service(remind)
        .service(delete_confirm)
        .service(delete)
        .service(archive_confirm)
        .service(archive)
        .service(unarchive)
        .service(copy)
        .service(question_new)
        .service(add_question)
        .service(remove_question)
        .service(question_up)
        .service(question_down)
        .service(question_page)
        .service(question_update)
        .service(preview)
        .service(translation_page)
        .service(translation_save)
        .service(detail_page)
        .service(update);
}
