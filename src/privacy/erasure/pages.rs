//! Pages of erasure: the confirmation before erasing a participant on request, and the
//! organisation's privacy settings (retention periods, what is due, the erasure log).

use std::sync::Arc;

use actix_web::{get, post, web};
use serde::Deserialize;

use super::service::{self, RetentionFields};
use crate::certificates::keys::KeyRing;
use crate::error::{AppError, PageResult};
use crate::i18n::Text;
use crate::ids::ParticipantId;
use crate::web::{Form, Id, Ui};

const ERASE: &str = "pages/privacy/erase";
const SETTINGS: &str = "pages/privacy/settings";

#[get("/participants/{id}/erase")]
async fn erase_page(ui: Ui, id: Id<ParticipantId>) -> PageResult {
    let id = *id;
    ui.show(ERASE, Text::key("erasure.title"), move |conn, actor| {
        service::erase_page(conn, actor, id)
    })
    .await
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct EraseForm {
    reason: String,
}

#[post("/participants/{id}/erase")]
async fn erase(
    ui: Ui, keyring: web::Data<Arc<KeyRing>>, id: Id<ParticipantId>, Form(form): Form<EraseForm>,
) -> PageResult {
    let id = *id;
    let keyring = keyring.get_ref().clone();
    let reason = form.reason.clone();
    let result = ui
        .run(move |conn, actor| service::erase_on_request(conn, &keyring, actor, id, &reason))
        .await;
    match result {
        Ok(_) => ui.done("/participants", &Text::key("erasure.done")),
        // No reason chosen: the same page, with the message at the select.
        Err(e @ AppError::Validation { .. }) => {
            let mut data = ui.run(move |conn, actor| service::erase_page(conn, actor, id)).await?;
            data.reason = form.reason;
            ui.page_with_error(ERASE, Text::key("erasure.title"), &data, e)
        }
        Err(e) => Err(e.into()),
    }
}

#[get("/settings/privacy")]
async fn settings(ui: Ui) -> PageResult {
    ui.show(SETTINGS, Text::key("erasure.settings_title"), service::privacy_page).await
}

#[post("/settings/privacy")]
async fn save_settings(ui: Ui, Form(form): Form<RetentionFields>) -> PageResult {
    let echo = form.clone();
    let result = ui
        .run(move |conn, actor| {
            let input = form.parse()?;
            service::set_retention(conn, actor, input)
        })
        .await;
    match result {
        Ok(_) => ui.done("/settings/privacy", &Text::key("erasure.settings_saved")),
        Err(e @ AppError::Validation { .. }) => {
            let data = ui.run(service::privacy_page).await?.with_form(echo);
            ui.page_with_error(SETTINGS, Text::key("erasure.settings_title"), &data, e)
        }
        Err(e) => Err(e.into()),
    }
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(erase_page).service(erase).service(settings).service(save_settings);
}
