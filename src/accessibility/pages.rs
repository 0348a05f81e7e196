//! The coordinator's pages of the accessibility statement: its settings and the feedback
//! received. Each handler parses the request, calls one use case and answers.

use actix_web::{get, post, web};
use serde::Deserialize;

use super::models::StatementInput;
use super::service;
use crate::error::{AppError, PageResult};
use crate::i18n::Text;
use crate::web::{Confirmation, EmptyForm, Form, Id, Ui};

const SETTINGS: &str = "pages/accessibility/settings";

#[get("/settings/accessibility")]
async fn settings(ui: Ui) -> PageResult {
    ui.show(SETTINGS, "title.accessibility_settings", service::settings_page).await
}

/// The settings form: the API's input, read leniently (the form also sends its CSRF token).
#[derive(Deserialize, Default)]
#[serde(default)]
struct StatementForm {
    contact_name: String,
    contact_email: String,
    contact_phone: String,
    contact_address: String,
    conformity: String,
    known_issues: String,
    prepared_on: String,
}

#[post("/settings/accessibility")]
async fn save_settings(ui: Ui, Form(f): Form<StatementForm>) -> PageResult {
    let form = StatementInput {
        contact_name: f.contact_name,
        contact_email: f.contact_email,
        contact_phone: f.contact_phone,
        contact_address: f.contact_address,
        conformity: f.conformity,
        known_issues: f.known_issues,
        prepared_on: f.prepared_on,
    };
    let echo = form.clone();
    let result = ui.run(move |conn, actor| service::save_settings(conn, actor, form)).await;
    match result {
        Ok(_) => ui.done("/settings/accessibility", &Text::key("done.accessibility_saved")),
        Err(e @ AppError::Validation { .. }) => {
            let data =
                ui.run(move |conn, actor| service::settings_page_with(conn, actor, echo)).await?;
            ui.page_with_error(SETTINGS, "title.accessibility_settings", &data, e)
        }
        Err(e) => Err(e.into()),
    }
}

#[get("/settings/accessibility/feedback/{id}/delete")]
async fn delete_page(ui: Ui, id: Id) -> PageResult {
    let id = *id;
    let feedback = ui.run(move |conn, actor| service::feedback_one(conn, actor, id)).await?;
    let received = crate::time::fmt_datetime(feedback.created_at);
    let page = Confirmation::new(
        Text::key("statement.delete_heading"),
        format!("/settings/accessibility/feedback/{id}/delete"),
        Text::key("statement.delete_button"),
        "/settings/accessibility#feedback",
    )
    .destructive()
    .row(Text::key("statement.feedback_received"), received, None)
    .goes(Text::key("statement.delete_goes"))
    .stays(Text::key("statement.delete_stays"));
    ui.page(crate::web::confirm::TEMPLATE, "title.accessibility_feedback_delete", &page)
}

#[post("/settings/accessibility/feedback/{id}/delete")]
async fn delete(ui: Ui, id: Id, _form: Form<EmptyForm>) -> PageResult {
    let id = *id;
    ui.run(move |conn, actor| service::delete_feedback(conn, actor, id)).await?;
    ui.done("/settings/accessibility#feedback", &Text::key("done.accessibility_feedback_deleted"))
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(settings).service(save_settings).service(delete_page).service(delete);
}
