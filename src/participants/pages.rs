//! Pages of the logged-in UI of participants: each handler parses the request, calls one use case and answers.

use actix_web::{get, post, web};
use serde::Deserialize;

use super::forms::ParticipantForm;
use super::import::{self, People};
use super::service::{self, Deletion, Kept};
use crate::error::{AppError, PageResult};
use crate::i18n::Text;
use crate::ids::{ParticipantId, RunId, SessionId};
use crate::planning::forms::SessionForm;
use crate::validate;
use crate::web::{confirm, import_pages, Confirmation, EmptyForm, Form, Id, ImportPage, Ui};

const LIST: &str = "pages/participants/list";
const PREVIEW: &str = "pages/participants/import";

#[get("/participants")]
async fn list_page(ui: Ui) -> PageResult {
    ui.show(LIST, "title.participants", service::participants_page).await
}

/// The list again with the message of a refused form or file, and what was typed.
async fn list_refused(
    ui: &Ui, echo: Option<service::ParticipantFields>, error: AppError,
) -> PageResult {
    let mut data = ui.run(service::participants_page).await?;
    if let Some(echo) = echo {
        data.form = echo;
    }
    ui.page_with_error(LIST, "title.participants", &data, error)
}

#[post("/participants")]
async fn register(ui: Ui, Form(form): Form<ParticipantForm>) -> PageResult {
    let echo = form.echo();
    match ui.run(move |c, actor| service::register(c, actor, form.parse()?)).await {
        Ok(_) => ui.done("/participants", &Text::key("done.participant_registered")),
        Err(e) => list_refused(&ui, Some(echo), e).await,
    }
}

impl ImportPage for People {
    const LIST: &'static str = "/participants";
    const PREVIEW: &'static str = PREVIEW;
    const DONE: &'static str = "done.imported_people";

    async fn refused(ui: &Ui, error: AppError) -> PageResult {
        list_refused(ui, None, error).await
    }
}

/// The preview of a participant list, with the choice of a run to enrol everyone in. (The
/// shared import pages' preview and confirmation, with that choice; registered before them.)
#[get("/participants/import/{id}")]
async fn import_preview(ui: Ui, batch: Id) -> PageResult {
    let batch = *batch;
    ui.show(PREVIEW, "title.import_preview", move |c, actor| import::preview_page(c, actor, batch))
        .await
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ImportConfirmForm {
    /// Empty: register only.
    run_id: String,
}

#[post("/participants/import/{id}")]
async fn import_confirm(ui: Ui, batch: Id, Form(form): Form<ImportConfirmForm>) -> PageResult {
    let batch = *batch;
    let outcome = ui
        .run(move |c, actor| {
            let run_id = match form.run_id.trim() {
                "" => None,
                v => Some(validate::id::<RunId>("run_id", "people.label.run", v)?),
            };
            import::import_batch(c, actor, batch, run_id)
        })
        .await?;
    let done = match outcome.run_id {
        None => Text::key("done.imported_people").arg("count", outcome.outcome.imported),
        Some(_) => Text::key("done.people_imported_into_run")
            .arg("count", outcome.outcome.imported)
            .arg("enrolled", outcome.enrolled)
            .arg("waiting", outcome.waiting),
    };
    match outcome.run_id {
        Some(run_id) => ui.done(&format!("/runs/{run_id}#participants"), &done),
        None => ui.done("/participants", &done),
    }
}

/// What deleting the person takes with them, what stays, or why it cannot be done and
/// what to do instead.
fn deletion_page(d: &Deletion) -> Confirmation {
    let p = &d.participant;
    let id = p.id;
    let name = p.full_name();
    let mut page = Confirmation::new(
        Text::key("people.delete.heading").arg("name", &name),
        format!("/participants/{id}/delete"),
        Text::key("people.delete.button"),
        format!("/participants/{id}"),
    )
    .destructive()
    // An erased person's data cannot be corrected any more: no "Ändern".
    .row(
        Text::key("label.name"),
        name,
        (!p.is_erased()).then(|| format!("/participants/{id}/edit")),
    );
    if let Some(contact) = p.email.clone().or(p.phone.clone()) {
        page = page.row(Text::key("people.delete.contact"), contact, None);
    }
    page = page.row(
        Text::key("people.delete.registered"),
        crate::time::fmt_date(crate::time::to_local(p.created_at).date_naive()),
        None,
    );
    for run in &d.runs {
        let key =
            if run.waiting { "people.delete.run_waiting" } else { "people.delete.run_enrolled" };
        let value =
            Text::key("people.delete.run").arg("course", &run.course).arg("start", &run.start);
        page = page.row(
            Text::key(key),
            value.render(crate::i18n::DEFAULT_LANG),
            Some(format!("/runs/{}#participants", run.run_id)),
        );
    }
    let t = &d.traces;
    page = page.goes(Text::key("people.delete.goes_person"));
    if t.consent_events > 0 {
        page = page.goes(Text::key("people.delete.goes_consent"));
    }
    if t.cancelled_enrolments > 0 {
        page = page
            .goes(Text::key("people.delete.goes_cancelled").arg("count", t.cancelled_enrolments));
    }
    if t.session_reminders > 0 {
        page =
            page.goes(Text::key("people.delete.goes_reminders").arg("count", t.session_reminders));
    }
    if t.mails > 0 {
        page = page.goes(Text::key("people.delete.goes_mails").arg("count", t.mails));
    }
    page = page.stays(Text::key("people.delete.stays_audit"));
    match d.blocked {
        None => page.warning(Text::key("people.delete.warning")),
        Some(kept) => {
            let mut page = page.blocked(kept.reason());
            if kept == Kept::Enrolled {
                for run in &d.runs {
                    page = page.instead(
                        Text::key("people.delete.cancel_in").arg("course", &run.course),
                        format!("/runs/{}#participants", run.run_id),
                    );
                }
            }
            page.instead(
                Text::key("people.delete.erase_instead"),
                format!("/participants/{id}/erase"),
            )
        }
    }
}

fn delete_title(d: &Deletion) -> Text {
    Text::key("title.people_delete").arg("name", d.participant.full_name())
}

/// The confirmation before deleting a participant; changes nothing.
#[get("/participants/{id}/delete")]
async fn delete_page(ui: Ui, id: Id<ParticipantId>) -> PageResult {
    let id = *id;
    let d = ui.run(move |c, actor| service::deletion(c, actor, id)).await?;
    ui.page(confirm::TEMPLATE, delete_title(&d), &deletion_page(&d))
}

#[post("/participants/{id}/delete")]
async fn delete(ui: Ui, id: Id<ParticipantId>, _form: Form<EmptyForm>) -> PageResult {
    let id = *id;
    match ui.run(move |c, actor| service::delete(c, actor, id)).await {
        Ok(()) => ui.done("/participants", &Text::key("done.people_deleted")),
        Err(e @ AppError::Conflict(_)) => {
            let d = ui.run(move |c, actor| service::deletion(c, actor, id)).await?;
            ui.page_with_error(confirm::TEMPLATE, delete_title(&d), &deletion_page(&d), e)
        }
        Err(e) => Err(e.into()),
    }
}

/// Moving or cancelling a session reaches the people enrolled (`schedule`), so these forms
/// live here, above planning: the session edit page itself is planning's.
#[post("/sessions/{id}")]
async fn update_session(ui: Ui, id: Id<SessionId>, Form(form): Form<SessionForm>) -> PageResult {
    let (id, echo) = (*id, form.fields());
    let result = ui
        .run(move |conn, actor| super::schedule::update_session(conn, actor, id, form.parse()?))
        .await;
    match result {
        Ok(s) => ui.done(&format!("/runs/{}#sessions", s.run_id), &Text::key("done.session_saved")),
        Err(e) => {
            let mut data = ui
                .run(move |conn, actor| crate::planning::views::session_edit_page(conn, actor, id))
                .await?;
            data.form = echo;
            let template = "pages/planning/session_edit";
            ui.page_with_error(template, "title.session_edit", &data, e)
        }
    }
}

#[post("/sessions/{id}/cancel")]
async fn cancel_session(ui: Ui, id: Id<SessionId>, _form: Form<EmptyForm>) -> PageResult {
    let run_id =
        ui.run(move |conn, actor| super::schedule::cancel_session(conn, actor, *id)).await?;
    let done = Text::key("done.session_cancelled");
    ui.done(&format!("/runs/{run_id}#sessions"), &done)
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    // The preview and confirmation with a run to enrol in come before the shared ones, which
    // would otherwise answer these paths; both before `/participants/{id}`.
    cfg.service(import_preview).service(import_confirm);
    import_pages::<People>(cfg);
    cfg.service(update_session)
        .service(cancel_session)
        .service(list_page)
        .service(register)
        .service(delete_page)
        .service(delete);
}
