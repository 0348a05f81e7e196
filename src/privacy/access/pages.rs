//! Pages of access requests and corrections: the participant's page, the correction form,
//! and the readable and JSON exports of a participant or stakeholder contact.

use actix_web::http::header;
use actix_web::{get, post, web, HttpResponse};
use serde::{Deserialize, Serialize};

use super::service::{self, CorrectionFields, CorrectionPage};
use crate::error::{AppError, AppResult, PageResult};
use crate::i18n::Text;
use crate::ids::{ParticipantId, StakeholderId};
use crate::participants::models::ParticipantCorrection;
use crate::validate;
use crate::web::{Form, Id, Ui};

const PARTICIPANT: &str = "pages/privacy/participant";
const EDIT: &str = "pages/privacy/participant_edit";

fn title(key: &'static str) -> Text {
    Text::key(key)
}

#[get("/participants/{id}")]
async fn participant_page(ui: Ui, id: Id<ParticipantId>) -> PageResult {
    let id = *id;
    ui.show(PARTICIPANT, title("access.title.participant"), move |conn, actor| {
        service::participant_page(conn, actor, id)
    })
    .await
}

#[get("/participants/{id}/edit")]
async fn edit_page(ui: Ui, id: Id<ParticipantId>) -> PageResult {
    let id = *id;
    ui.show(EDIT, title("access.title.correct"), move |conn, actor| {
        service::correction_page(conn, actor, id)
    })
    .await
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct CorrectionForm {
    given_name: String,
    family_name: String,
    preferred_language: String,
    phone: String,
    email: String,
    consent_date: String,
    referrer_name: String,
    referrer_organisation: String,
    referrer_contact: String,
    confirm_mixed_script: Option<String>,
}

impl CorrectionForm {
    fn echo(&self) -> CorrectionFields {
        CorrectionFields {
            given_name: self.given_name.clone(),
            family_name: self.family_name.clone(),
            preferred_language: self.preferred_language.clone(),
            phone: self.phone.clone(),
            email: self.email.clone(),
            consent_date: self.consent_date.clone(),
            referrer_name: self.referrer_name.clone(),
            referrer_organisation: self.referrer_organisation.clone(),
            referrer_contact: self.referrer_contact.clone(),
            confirm_mixed_script: self.confirm_mixed_script.is_some(),
        }
    }

    fn parse(self) -> AppResult<ParticipantCorrection> {
        let consent_date = match self.consent_date.trim() {
            "" => None,
            v => Some(validate::date("consent_date", "label.consent_date", v)?),
        };
        Ok(ParticipantCorrection {
            given_name: self.given_name,
            family_name: self.family_name,
            preferred_language: self.preferred_language,
            phone: Some(self.phone),
            email: Some(self.email),
            consent_date,
            referrer_name: Some(self.referrer_name),
            referrer_organisation: Some(self.referrer_organisation),
            referrer_contact: Some(self.referrer_contact),
            confirm_mixed_script: self.confirm_mixed_script.is_some(),
        })
    }
}

#[post("/participants/{id}/edit")]
async fn correct(ui: Ui, id: Id<ParticipantId>, Form(form): Form<CorrectionForm>) -> PageResult {
    let (id, echo) = (*id, form.echo());
    let result = ui.run(move |conn, actor| service::correct(conn, actor, id, &form.parse()?)).await;
    match result {
        Ok(outcome) => {
            let done = if outcome.changed.is_empty() {
                "access.done.unchanged"
            } else if outcome.certificates_with_old_name.is_empty() {
                "access.done.corrected"
            } else {
                "access.done.corrected_old_name"
            };
            ui.done(&format!("/participants/{id}"), &Text::key(done))
        }
        Err(e @ (AppError::Validation { .. } | AppError::Conflict(_))) => {
            let page = CorrectionPage::new(id, echo);
            ui.page_with_error(EDIT, title("access.title.correct"), &page, e)
        }
        Err(e) => Err(e.into()),
    }
}

/// A whole HTML document (the readable export), never cached.
fn document(html: String) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .content_type("text/html; charset=utf-8")
        .body(html)
}

/// The JSON export as a file to keep or hand over (Art. 20).
fn json_file<T: Serialize>(data: &T, file_name: &str) -> PageResult {
    let body = serde_json::to_vec_pretty(data).map_err(|e| AppError::Internal(e.into()))?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{file_name}\""),
        ))
        .content_type("application/json")
        .body(body))
}

#[get("/participants/{id}/export")]
async fn participant_export(ui: Ui, id: Id<ParticipantId>) -> PageResult {
    let id = *id;
    let disclosure =
        ui.run(move |conn, actor| service::export_participant(conn, actor, id)).await?;
    let mut readable = service::participant_readable(&disclosure);
    readable.json_href = Some(format!("/participants/{id}/export.json"));
    readable.back_href = Some(format!("/participants/{id}"));
    Ok(document(service::render_html(&readable)?))
}

#[get("/participants/{id}/export.json")]
async fn participant_export_json(ui: Ui, id: Id<ParticipantId>) -> PageResult {
    let id = *id;
    let disclosure =
        ui.run(move |conn, actor| service::export_participant(conn, actor, id)).await?;
    json_file(&disclosure, &format!("participant-{id}.json"))
}

#[get("/stakeholders/{id}/export")]
async fn stakeholder_export(ui: Ui, id: Id<StakeholderId>) -> PageResult {
    let id = *id;
    let disclosure =
        ui.run(move |conn, actor| service::export_stakeholder(conn, actor, id)).await?;
    let mut readable = service::stakeholder_readable(&disclosure);
    readable.json_href = Some(format!("/stakeholders/{id}/export.json"));
    readable.back_href = Some(format!("/stakeholders/{id}"));
    Ok(document(service::render_html(&readable)?))
}

#[get("/stakeholders/{id}/export.json")]
async fn stakeholder_export_json(ui: Ui, id: Id<StakeholderId>) -> PageResult {
    let id = *id;
    let disclosure =
        ui.run(move |conn, actor| service::export_stakeholder(conn, actor, id)).await?;
    json_file(&disclosure, &format!("contact-{id}.json"))
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(participant_export_json)
        .service(participant_export)
        .service(stakeholder_export_json)
        .service(stakeholder_export)
        .service(edit_page)
        .service(correct)
        .service(participant_page);
}
