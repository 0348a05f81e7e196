//! The use cases of the accessibility statement: its settings (coordinator), the public
//! page, and the feedback sent through it.

use serde::Serialize;
use serde_json::json;

use super::models::{
    Conformity, Feedback, FeedbackInput, StatementInput, StatementRow, StatementSettings,
};
use super::repo;
use crate::audit;
use crate::auth::Actor;
use crate::db::{write_transaction, DbConn};
use crate::error::{AppError, AppResult};
use crate::i18n::Text;
use crate::ids::OrgId;
use crate::mail::outbox::{self, About};
use crate::orgs;
use crate::validate;

const MAX_NAME: usize = 100;
const MAX_ADDRESS: usize = 300;
const MAX_ISSUES: usize = 5000;
/// Long enough for a careful description of a barrier, short enough to read in one go.
pub const MAX_MESSAGE: usize = 3000;

fn settings_from(row: Option<StatementRow>) -> StatementSettings {
    match row {
        Some(r) => StatementSettings {
            contact_name: r.contact_name,
            contact_email: r.contact_email,
            contact_phone: r.contact_phone,
            contact_address: r.contact_address,
            conformity: r.conformity,
            known_issues: r.known_issues,
            prepared_on: r.prepared_on,
        },
        None => StatementSettings {
            contact_name: String::new(),
            contact_email: String::new(),
            contact_phone: String::new(),
            contact_address: String::new(),
            conformity: Conformity::Partial,
            known_issues: String::new(),
            prepared_on: None,
        },
    }
}

/// The coordinator's view of the statement settings.
pub fn settings(conn: &mut DbConn, actor: &Actor) -> AppResult<StatementSettings> {
    let org = actor.coordinator_org()?;
    Ok(settings_from(repo::statement(conn, org)?))
}

/// Running text on several lines: no control characters but line breaks and tabs, no bidi
/// controls or invisible characters (which could reorder or hide what the contact reads).
fn running_text(
    field: &'static str, label: &'static str, value: &str, max: usize, required: bool,
) -> AppResult<String> {
    let v = value.trim();
    if v.is_empty() {
        return match required {
            true => {
                Err(AppError::invalid(field, Text::key("error.required").arg_key("label", label)))
            }
            false => Ok(String::new()),
        };
    }
    if v.chars().count() > max {
        return Err(AppError::invalid(
            field,
            Text::key("error.too_long").arg_key("label", label).arg("max", max),
        ));
    }
    let bad = |c: char| {
        validate::is_bidi_control(c)
            || validate::is_invisible(c)
            || (c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
    };
    if v.chars().any(bad) {
        return Err(AppError::invalid(field, Text::key("error.invisible").arg_key("label", label)));
    }
    Ok(v.replace("\r\n", "\n"))
}

/// Saves the statement settings of the coordinator's organisation.
pub fn save_settings(
    conn: &mut DbConn, actor: &Actor, input: StatementInput,
) -> AppResult<StatementSettings> {
    let org = actor.coordinator_org()?;
    let contact_name = validate::optional_text(
        "contact_name",
        "statement.label_contact_name",
        Some(&input.contact_name),
        MAX_NAME,
    )?
    .unwrap_or_default();
    let contact_email =
        validate::optional_email("contact_email", Some(&input.contact_email))?.unwrap_or_default();
    let contact_phone =
        validate::optional_phone("contact_phone", Some(&input.contact_phone))?.unwrap_or_default();
    let contact_address = running_text(
        "contact_address",
        "statement.label_contact_address",
        &input.contact_address,
        MAX_ADDRESS,
        false,
    )?;
    let conformity = Conformity::from_code(input.conformity.trim()).ok_or_else(|| {
        AppError::invalid(
            "conformity",
            Text::key("error.required").arg_key("label", "statement.label_conformity"),
        )
    })?;
    let known_issues = running_text(
        "known_issues",
        "statement.label_known_issues",
        &input.known_issues,
        MAX_ISSUES,
        false,
    )?;
    let prepared_on = match input.prepared_on.trim() {
        "" => crate::time::today_local(),
        v => validate::date("prepared_on", "statement.label_prepared_on", v)?,
    };
    if contact_email.is_empty() && contact_phone.is_empty() && contact_address.is_empty() {
        // The model text requires a way to reach the body; an e-mail address is what the
        // feedback form sends to.
        return Err(AppError::invalid(
            "contact_email",
            Text::key("error.required").arg_key("label", "statement.label_contact_email"),
        ));
    }
    let row = StatementRow {
        organisation_id: org,
        contact_name,
        contact_email,
        contact_phone,
        contact_address,
        conformity,
        known_issues,
        prepared_on: Some(prepared_on),
        updated_at: crate::time::now_utc(),
    };
    write_transaction(conn, |conn| {
        repo::save_statement(conn, &row)?;
        audit::Entry::new(Some(org), Some(actor.user_id), "accessibility.statement")
            .on("accessibility_statement", Some(org.0))
            .record(conn)
    })?;
    Ok(settings_from(Some(row)))
}

/// The settings page: the form (with what was typed, after a refusal) and the feedback.
#[derive(Debug, Serialize)]
pub struct SettingsPage {
    pub form: StatementInput,
    pub conformity_options: Vec<ConformityOption>,
    pub feedback: Vec<FeedbackRow>,
    /// The organisation's public page.
    pub public_href: String,
}

#[derive(Debug, Serialize)]
pub struct ConformityOption {
    pub code: &'static str,
    pub label_key: String,
}

#[derive(Debug, Serialize)]
pub struct FeedbackRow {
    pub id: i32,
    pub received: String,
    pub sender_name: Option<String>,
    pub sender_email: Option<String>,
    pub message: String,
}

pub fn settings_page(conn: &mut DbConn, actor: &Actor) -> AppResult<SettingsPage> {
    let org = actor.coordinator_org()?;
    let s = settings_from(repo::statement(conn, org)?);
    let form = StatementInput {
        contact_name: s.contact_name,
        contact_email: s.contact_email,
        contact_phone: s.contact_phone,
        contact_address: s.contact_address,
        conformity: s.conformity.code().into(),
        known_issues: s.known_issues,
        prepared_on: s.prepared_on.map(|d| d.to_string()).unwrap_or_default(),
    };
    page_with(conn, org, form)
}

/// The settings page again with what was typed.
pub fn settings_page_with(
    conn: &mut DbConn, actor: &Actor, form: StatementInput,
) -> AppResult<SettingsPage> {
    let org = actor.coordinator_org()?;
    page_with(conn, org, form)
}

fn page_with(conn: &mut DbConn, org: OrgId, form: StatementInput) -> AppResult<SettingsPage> {
    let feedback = repo::feedback_of(conn, org)?
        .into_iter()
        .map(|f| FeedbackRow {
            id: f.id,
            received: crate::time::fmt_datetime(f.created_at),
            sender_name: f.sender_name,
            sender_email: f.sender_email,
            message: f.message,
        })
        .collect();
    Ok(SettingsPage {
        form,
        conformity_options: Conformity::ALL
            .iter()
            .map(|c| ConformityOption {
                code: c.code(),
                label_key: format!("statement.conformity_{}", c.code()),
            })
            .collect(),
        feedback,
        public_href: public_href(Some(org)),
    })
}

/// Where the statement of `org` is (the general one without an organisation).
pub fn public_href(org: Option<OrgId>) -> String {
    match org {
        Some(o) => format!("/barrierefreiheit/{}", o.0),
        None => "/barrierefreiheit".into(),
    }
}

/// The feedback of the coordinator's organisation, newest first.
pub fn feedback(conn: &mut DbConn, actor: &Actor) -> AppResult<Vec<Feedback>> {
    let org = actor.coordinator_org()?;
    repo::feedback_of(conn, org)
}

/// Deletes a feedback once it is dealt with.
pub fn delete_feedback(conn: &mut DbConn, actor: &Actor, id: i32) -> AppResult<()> {
    let org = actor.coordinator_org()?;
    write_transaction(conn, |conn| {
        if !repo::delete_feedback(conn, org, id)? {
            return Err(AppError::not_found("thing.accessibility_feedback"));
        }
        audit::Entry::new(Some(org), Some(actor.user_id), "accessibility.feedback_delete")
            .on("accessibility_feedback", Some(id))
            .record(conn)
    })
}

/// What the public page shows of an organisation (or of none: the general page).
#[derive(Debug, Serialize)]
pub struct PublicStatement {
    pub organisation_id: Option<i32>,
    pub organisation_name: Option<String>,
    pub conformity: &'static str,
    pub known_issues: String,
    pub prepared_on: Option<String>,
    pub contact_name: String,
    pub contact_email: String,
    pub contact_phone: String,
    pub contact_address: String,
    /// Whether the organisation can receive feedback (it has set its statement up).
    pub has_contact: bool,
}

pub fn public_statement(conn: &mut DbConn, org: Option<OrgId>) -> AppResult<PublicStatement> {
    let Some(org) = org else {
        return Ok(PublicStatement {
            organisation_id: None,
            organisation_name: None,
            conformity: Conformity::Partial.code(),
            known_issues: String::new(),
            prepared_on: None,
            contact_name: String::new(),
            contact_email: String::new(),
            contact_phone: String::new(),
            contact_address: String::new(),
            has_contact: false,
        });
    };
    let o = orgs::service::get(conn, org)?;
    let row = repo::statement(conn, org)?;
    let has_contact = row.is_some();
    let s = settings_from(row);
    Ok(PublicStatement {
        organisation_id: Some(org.0),
        organisation_name: Some(o.name),
        conformity: s.conformity.code(),
        known_issues: s.known_issues,
        prepared_on: s.prepared_on.map(crate::time::fmt_date),
        contact_name: s.contact_name,
        contact_email: s.contact_email,
        contact_phone: s.contact_phone,
        contact_address: s.contact_address,
        has_contact,
    })
}

/// A visitor's feedback: kept for the coordinator and sent to the contact. Returns the
/// feedback's id.
pub fn send_feedback(conn: &mut DbConn, org: OrgId, input: &FeedbackInput) -> AppResult<i32> {
    let name = validate::optional_text(
        "name",
        "statement.label_sender_name",
        Some(&input.name),
        MAX_NAME,
    )?;
    let email = validate::optional_email("email", Some(&input.email))?;
    let message =
        running_text("message", "statement.label_message", &input.message, MAX_MESSAGE, true)?;
    let o = orgs::service::get(conn, org)?;
    let contact = repo::statement(conn, org)?.map(|s| s.contact_email).unwrap_or_default();
    write_transaction(conn, |conn| {
        let id = repo::insert_feedback(
            conn,
            org,
            name.as_deref(),
            email.as_deref(),
            &message,
            crate::time::now_utc(),
        )?;
        if !contact.is_empty() {
            let ctx = json!({
                "lang": crate::i18n::DEFAULT_LANG,
                "organisation": o.name,
                "sender_name": name,
                "sender_email": email,
                "message": message,
            });
            outbox::enqueue(
                conn,
                Some(org),
                About::Nobody,
                &contact,
                "accessibility_feedback",
                &ctx,
                None,
            )?;
        }
        // Ids only: who wrote and what stays in the feedback row.
        audit::Entry::new(Some(org), None, "accessibility.feedback")
            .on("accessibility_feedback", Some(id))
            .record(conn)?;
        Ok(id)
    })
}

/// One feedback of the coordinator's organisation (what the deletion page shows).
pub fn feedback_one(conn: &mut DbConn, actor: &Actor, id: i32) -> AppResult<Feedback> {
    let org = actor.coordinator_org()?;
    repo::feedback_one(conn, org, id)?
        .ok_or_else(|| AppError::not_found("thing.accessibility_feedback"))
}
