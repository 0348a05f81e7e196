//! Pages of the logged-in UI of participants: each handler parses the request, calls one use case and answers.

use actix_web::{get, post, web};

use super::forms::ParticipantForm;
use super::import::People;
use super::service;
use crate::error::{AppError, PageResult};
use crate::i18n::Text;
use crate::ids::SessionId;
use crate::planning::forms::SessionForm;
use crate::web::{import_pages, EmptyForm, Form, Id, ImportPage, Ui};

const LIST: &str = "pages/participants/list";

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
    const PREVIEW: &'static str = "pages/participants/import";
    const DONE: &'static str = "done.imported_people";

    async fn refused(ui: &Ui, error: AppError) -> PageResult {
        list_refused(ui, None, error).await
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
    import_pages::<People>(cfg);
    cfg.service(update_session).service(cancel_session).service(list_page).service(register);
}
