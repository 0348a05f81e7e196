//! The run page and the forms on it. Each handler parses the form, calls one use case and
//! answers with a redirect back to the page, or the page again with the message.

use std::sync::Arc;

use actix_web::{get, post, web};
use serde::Deserialize;

use super::service;
use crate::certificates::service::CertificateIssuer;
use crate::error::{AppResult, PageResult};
use crate::i18n::Text;
use crate::ids::{CertificateId, CourseId, ModuleId, ParticipantId, RunId};
use crate::participants::models::EnrollmentStatus;
use crate::planning::correct::ShowArchived;
use crate::planning::forms::ModuleForm;
use crate::planning::forms::{RunForm, SessionForm};
use crate::planning::models::NewCourse;
use crate::planning::views;
use crate::validate;
use crate::web::{EmptyForm, Form, Id, Ui};

const TEMPLATE: &str = "pages/planning/run";

type Issuer = web::Data<Arc<CertificateIssuer>>;

/// `?q=…`: the filter of the enrolment checkbox list (works without JavaScript), and the
/// page of each long list (`service::PagesAsked`); `?location_id=…`: a place just made on
/// its own form, chosen in the new-session form.
#[derive(Deserialize, Default)]
#[serde(default)]
struct RunQuery {
    q: String,
    page: String,
    waiting_page: String,
    certificates_page: String,
    enrol_page: String,
    location_id: Option<String>,
}

#[get("/runs/{id}")]
async fn run_page(
    ui: Ui, issuer: Issuer, id: Id<RunId>, q: web::Query<RunQuery>, req: actix_web::HttpRequest,
) -> PageResult {
    let mut data = load(&ui, &issuer, *id).await?;
    data.enrol.filter(&q.q);
    let q = q.into_inner();
    data.show_pages(&service::PagesAsked {
        q: data.enrol.q.clone(),
        page: q.page,
        waiting_page: q.waiting_page,
        certificates_page: q.certificates_page,
        enrol_page: q.enrol_page,
    });
    // Back from "Neuen Ort anlegen": the new-session form as it was typed, then the new place.
    if let Some(typed) = SessionForm::from_draft(req.query_string()) {
        data.session_form = typed.echo();
    }
    if let Some(chosen) = q.location_id.as_deref() {
        if data.location_choices.iter().any(|l| l.id == chosen) {
            data.session_form["location_id"] = chosen.into();
            data.session_form["open"] = true.into();
        }
    }
    ui.page(TEMPLATE, title(&data), &data)
}

const OVERVIEW: &str = "pages/planning/runs";

/// "Durchgänge": every run in use, upcoming, running and to certify.
#[get("/runs")]
async fn overview_page(ui: Ui) -> PageResult {
    ui.show(OVERVIEW, "title.plan_runs", super::overview::runs_page).await
}

const RUN_EDIT: &str = "pages/planning/run_edit";

/// The run's dates, place, places and languages on a page of their own.
#[derive(serde::Serialize)]
struct RunEditPage {
    run: service::RunSummary,
    course: crate::planning::models::Course,
    languages: Vec<crate::i18n::LanguageOption>,
    form: crate::planning::views::RunFields,
}

async fn run_edit_data(
    ui: &Ui, issuer: &Arc<CertificateIssuer>, run_id: RunId,
) -> AppResult<RunEditPage> {
    let data = load(ui, issuer, run_id).await?;
    Ok(RunEditPage {
        form: crate::planning::views::RunFields {
            start_date: data.run.start_iso.clone(),
            end_date: data.run.end_iso.clone(),
            place: data.run.place.clone(),
            capacity: data.run.capacity.to_string(),
        },
        run: data.run,
        course: data.course,
        languages: data.run_languages,
    })
}

#[get("/runs/{id}/edit")]
async fn run_edit_page(ui: Ui, issuer: Issuer, id: Id<RunId>) -> PageResult {
    let data = run_edit_data(&ui, &issuer, *id).await?;
    ui.page(RUN_EDIT, "title.plan_run_edit", &data)
}

#[post("/runs/{id}/edit")]
async fn run_edit(ui: Ui, issuer: Issuer, id: Id<RunId>, Form(form): Form<RunForm>) -> PageResult {
    let (run_id, echo) = (*id, form.echo());
    let langs = form.interpreter_languages.clone();
    let result = ui
        .run(move |conn, actor| {
            crate::participants::schedule::update_run(conn, actor, run_id, form.parse()?)
        })
        .await;
    match result {
        Ok(_) => ui.done(&format!("/runs/{run_id}"), &Text::key("done.run_saved")),
        Err(e) => {
            let mut data = run_edit_data(&ui, &issuer, run_id).await?;
            data.form = echo;
            let selected: Vec<&str> = langs.iter().map(String::as_str).collect();
            data.languages = crate::i18n::language_options(&selected);
            ui.page_with_error(RUN_EDIT, "title.plan_run_edit", &data, e)
        }
    }
}

async fn load(
    ui: &Ui, issuer: &Arc<CertificateIssuer>, run_id: RunId,
) -> AppResult<service::RunPage> {
    let issuer = issuer.clone();
    ui.run(move |conn, actor| service::run_page(conn, &issuer, actor, run_id)).await
}

fn title(data: &service::RunPage) -> Text {
    Text::key("title.run").arg("course", &data.course.title)
}

/// Back to the run page's part `anchor` with the confirmation `done`, or the run page
/// again with the message and, where given, what was typed into the new-session form.
async fn back_to_run<T>(
    ui: &Ui, issuer: &Arc<CertificateIssuer>, run_id: RunId, result: AppResult<T>,
    (anchor, done): (&str, &'static str), session_form: Option<serde_json::Value>,
) -> PageResult {
    let error = match result {
        Ok(_) => return ui.done(&format!("/runs/{run_id}{anchor}"), &Text::key(done)),
        Err(e) => e,
    };
    let mut data = load(ui, issuer, run_id).await?;
    data.show_pages(&service::PagesAsked::default());
    if let Some(form) = session_form {
        data.session_form = form;
    }
    ui.page_with_error(TEMPLATE, title(&data), &data, error)
}

#[post("/runs/{id}/sessions")]
async fn create_session(
    ui: Ui, issuer: Issuer, id: Id<RunId>, Form(form): Form<SessionForm>,
) -> PageResult {
    let (run_id, echo) = (*id, form.echo());
    let result = ui
        .run(move |conn, actor| {
            crate::planning::service::create_session(conn, actor, run_id, form.parse()?)
        })
        .await;
    let done = ("#sessions", "done.session_added");
    back_to_run(&ui, &issuer, run_id, result, done, Some(echo)).await
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct EnrollForm {
    /// One person (the earlier form).
    participant_id: String,
    /// The ticked boxes of "Ausgewählte anmelden".
    participant_ids: Vec<String>,
}

#[post("/runs/{id}/enrollments")]
async fn enroll(ui: Ui, issuer: Issuer, id: Id<RunId>, Form(form): Form<EnrollForm>) -> PageResult {
    let run_id = *id;
    if form.participant_id.trim().is_empty() {
        let result = ui
            .run(move |conn, actor| {
                let ids = form
                    .participant_ids
                    .iter()
                    .map(|v| validate::id("participant_ids", "people.label.participants", v))
                    .collect::<crate::error::AppResult<Vec<ParticipantId>>>()?;
                crate::participants::service::enroll_many(conn, actor, run_id, &ids)
            })
            .await;
        return match result {
            Ok(b) => ui.done(
                &format!("/runs/{run_id}#participants"),
                &Text::key("done.people_enrolled")
                    .arg("enrolled", b.enrolled)
                    .arg("waiting", b.waiting),
            ),
            Err(e) => back_to_run(&ui, &issuer, run_id, Err::<(), _>(e), ("", ""), None).await,
        };
    }
    let result = ui
        .run(move |conn, actor| {
            let pid = validate::id("participant_id", "Teilnehmende Person", &form.participant_id)?;
            crate::participants::service::enroll(conn, actor, run_id, pid)
        })
        .await;
    let done = match &result {
        Ok(e) if e.status == EnrollmentStatus::Waiting => "done.waiting",
        _ => "done.enrolled",
    };
    back_to_run(&ui, &issuer, run_id, result, ("#participants", done), None).await
}

#[post("/runs/{id}/enrollments/{participant_id}/cancel")]
async fn cancel(
    ui: Ui, issuer: Issuer, path: web::Path<(RunId, ParticipantId)>, _form: Form<EmptyForm>,
) -> PageResult {
    let (run_id, pid) = path.into_inner();
    let result = ui
        .run(move |conn, actor| crate::participants::service::cancel(conn, actor, run_id, pid))
        .await;
    let done = match &result {
        Ok(outcome) if outcome.promoted.is_some() => "done.promoted",
        _ => "done.cancelled",
    };
    back_to_run(&ui, &issuer, run_id, result, ("#participants", done), None).await
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ReissueForm {
    given_name: String,
    family_name: String,
}

/// Corrects the name: the old certificate becomes "ersetzt", a new one is issued.
#[post("/certificates/{id}/reissue")]
async fn reissue(
    ui: Ui, issuer: Issuer, id: Id<CertificateId>, Form(form): Form<ReissueForm>,
) -> PageResult {
    let (id, iss) = (*id, issuer.get_ref().clone());
    let result = ui
        .run(move |conn, actor| {
            let (given, family) = (&form.given_name, &form.family_name);
            crate::certificates::service::reissue_with_name(conn, &iss, actor, id, given, family)
        })
        .await;
    back_from_certificate(&ui, &issuer, id, result.map(|c| c.run_id), "done.reissued").await
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct RevokeForm {
    reason: String,
}

#[post("/certificates/{id}/revoke")]
async fn revoke(
    ui: Ui, issuer: Issuer, id: Id<CertificateId>, Form(form): Form<RevokeForm>,
) -> PageResult {
    let id = *id;
    let result = ui
        .run(move |c, actor| crate::certificates::service::revoke(c, actor, id, &form.reason))
        .await;
    back_from_certificate(&ui, &issuer, id, result.map(|c| c.run_id), "done.revoked").await
}

/// "Neu ausstellen" for a participant whose certificate was revoked, with a reason.
#[post("/runs/{id}/participants/{participant_id}/certificate/reissue")]
async fn reissue_revoked(
    ui: Ui, issuer: Issuer, path: web::Path<(RunId, ParticipantId)>, Form(form): Form<RevokeForm>,
) -> PageResult {
    let (run_id, pid) = path.into_inner();
    let iss = issuer.get_ref().clone();
    let result = ui
        .run(move |c, actor| {
            crate::certificates::service::reissue_revoked(c, &iss, actor, run_id, pid, &form.reason)
        })
        .await;
    let done = ("#participants", "done.reissued_revoked");
    back_to_run(&ui, &issuer, run_id, result, done, None).await
}

/// Back to the certificates of the run, confirming `done`; or the page of the
/// certificate's run again, with the message.
async fn back_from_certificate(
    ui: &Ui, issuer: &Arc<CertificateIssuer>, certificate_id: CertificateId,
    result: AppResult<RunId>, done: &'static str,
) -> PageResult {
    let run_id = match &result {
        Ok(run_id) => *run_id,
        Err(_) => {
            ui.run(move |c, actor| crate::certificates::service::run_of(c, actor, certificate_id))
                .await?
        }
    };
    back_to_run(ui, issuer, run_id, result, ("#certificates", done), None).await
}

// Correcting a course or module: the course page and the saves that concern issued
// certificates (what they print is frozen first; the banner says how many print older
// text). Handled here, above certificates; the forms themselves are planning's.

/// `?archive=1`: archived runs are listed too.
#[derive(Deserialize)]
struct ArchiveQuery {
    archive: Option<String>,
}

const COURSE: &str = "pages/planning/course";

#[get("/courses/{id}")]
async fn course_page(ui: Ui, id: Id<CourseId>, q: web::Query<ArchiveQuery>) -> PageResult {
    let (course_id, show) = (*id, ShowArchived(q.archive.as_deref() == Some("1")));
    let data = ui
        .run(move |conn, actor| super::correct::course_page(conn, actor, course_id, show))
        .await?;
    let title = Text::key("title.course").arg("course", &data.course.title);
    ui.page(COURSE, title, &data)
}

#[post("/courses/{id}/edit")]
async fn update_course(ui: Ui, id: Id<CourseId>, Form(form): Form<NewCourse>) -> PageResult {
    let (course_id, echo) = (*id, form.clone());
    let result =
        ui.run(move |c, actor| super::correct::update_course(c, actor, course_id, form)).await;
    match result {
        Ok(saved) => {
            let done = super::correct::saved_banner(
                "done.plan_course_saved",
                &saved.certificates_with_older_text,
            );
            ui.done(&format!("/courses/{course_id}"), &done)
        }
        Err(e) => {
            let mut data = ui.run(move |c, a| views::course_edit_page(c, a, course_id)).await?;
            data.form = echo;
            ui.page_with_error("pages/planning/course_edit", "title.plan_course_edit", &data, e)
        }
    }
}

#[post("/courses/{id}/modules/{module_id}/edit")]
async fn update_module(
    ui: Ui, path: web::Path<(CourseId, ModuleId)>, Form(form): Form<ModuleForm>,
) -> PageResult {
    let (course_id, module_id) = path.into_inner();
    let echo = form.echo();
    let result = ui
        .run(move |c, actor| {
            super::correct::update_module(c, actor, course_id, module_id, form.parse()?)
        })
        .await;
    match result {
        Ok(saved) => {
            let done = super::correct::saved_banner(
                "done.plan_module_saved",
                &saved.certificates_with_older_text,
            );
            ui.done(&format!("/courses/{course_id}#modules"), &done)
        }
        Err(e) => {
            let mut data =
                ui.run(move |c, a| views::module_edit_page(c, a, course_id, module_id)).await?;
            data.form = echo;
            ui.page_with_error("pages/planning/module_edit", "title.plan_module_edit", &data, e)
        }
    }
}

#[post("/courses/{id}/modules/{module_id}/delete")]
async fn delete_module(
    ui: Ui, path: web::Path<(CourseId, ModuleId)>, _form: Form<EmptyForm>,
) -> PageResult {
    let (course_id, module_id) = path.into_inner();
    ui.run(move |c, a| super::correct::delete_module(c, a, course_id, module_id)).await?;
    ui.done(&format!("/courses/{course_id}#modules"), &Text::key("done.plan_module_deleted"))
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(overview_page)
        .service(course_page)
        .service(update_course)
        .service(update_module)
        .service(delete_module)
        .service(run_edit_page)
        .service(run_edit)
        .service(run_page)
        .service(create_session)
        .service(enroll)
        .service(cancel)
        .service(reissue)
        .service(revoke)
        .service(reissue_revoked);
}
