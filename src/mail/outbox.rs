use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;

use crate::db::schema::mail_outbox;
use crate::db::DbConn;
use crate::error::{AppError, AppResult};
use crate::ids::OrgId;
use crate::templates;

crate::db::text_enum! {
    /// Where a queued message stands.
    pub enum MailStatus("mail status") {
        /// Waiting for its first or next attempt.
        Pending = "pending",
        Sent = "sent",
        /// Given up after the last attempt.
        Failed = "failed",
    }
}

pub struct Attachment {
    pub name: String,
    pub mime: String,
    pub bytes: Vec<u8>,
}

#[derive(Debug, Clone, Queryable, Selectable, Serialize)]
#[diesel(table_name = mail_outbox)]
pub struct OutboxMessage {
    pub id: i32,
    pub organisation_id: Option<OrgId>,
    pub recipient: String,
    pub subject: String,
    pub body_text: String,
    pub body_html: String,
    pub attachment_name: Option<String>,
    pub attachment_mime: Option<String>,
    #[serde(skip)]
    pub attachment: Option<Vec<u8>>,
    pub status: MailStatus,
    pub attempts: i32,
    #[serde(serialize_with = "crate::time::utc")]
    pub next_attempt_at: NaiveDateTime,
    pub last_error: Option<String>,
    #[serde(serialize_with = "crate::time::utc")]
    pub created_at: NaiveDateTime,
    #[serde(serialize_with = "crate::time::utc_opt")]
    pub sent_at: Option<NaiveDateTime>,
}

/// Renders `templates/email/<template>/{subject.txt,body.txt,body.html}.hbs` and queues it.
pub fn enqueue(
    conn: &mut DbConn, organisation_id: Option<OrgId>, recipient: &str, template: &str,
    ctx: &serde_json::Value, attachment: Option<Attachment>,
) -> AppResult<i32> {
    // One header line whatever the template produced: a line break here would start a new
    // header.
    let subject: String = templates::render(&format!("email/{template}/subject.txt"), ctx)?
        .trim()
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    let body_text = templates::render(&format!("email/{template}/body.txt"), ctx)?;
    let body_html = templates::render(&format!("email/{template}/body.html"), ctx)?;
    let now = crate::time::now_utc();
    let (name, mime, bytes) = match attachment {
        Some(a) => (Some(a.name), Some(a.mime), Some(a.bytes)),
        None => (None, None, None),
    };
    Ok(diesel::insert_into(mail_outbox::table)
        .values((
            mail_outbox::organisation_id.eq(organisation_id),
            mail_outbox::recipient.eq(recipient),
            mail_outbox::subject.eq(subject),
            mail_outbox::body_text.eq(body_text),
            mail_outbox::body_html.eq(body_html),
            mail_outbox::attachment_name.eq(name),
            mail_outbox::attachment_mime.eq(mime),
            mail_outbox::attachment.eq(bytes),
            mail_outbox::status.eq(MailStatus::Pending),
            mail_outbox::attempts.eq(0),
            mail_outbox::next_attempt_at.eq(now),
            mail_outbox::created_at.eq(now),
        ))
        .returning(mail_outbox::id)
        .get_result(conn)?)
}

/// Like [`enqueue`], in the recipient's language when `email/<template>.<lang>/` exists.
pub fn enqueue_localized(
    conn: &mut DbConn, organisation_id: Option<OrgId>, recipient: &str, template: &str, lang: &str,
    ctx: &serde_json::Value, attachment: Option<Attachment>,
) -> AppResult<i32> {
    let localized = format!("{template}.{lang}");
    let name = if templates::TEMPLATES.has_template(&format!("email/{localized}/subject.txt")) {
        localized
    } else {
        template.to_string()
    };
    enqueue(conn, organisation_id, recipient, &name, ctx, attachment)
}

pub fn get(conn: &mut DbConn, id: i32) -> AppResult<OutboxMessage> {
    mail_outbox::table
        .find(id)
        .select(OutboxMessage::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| AppError::not_found("thing.message"))
}

pub fn all(conn: &mut DbConn) -> AppResult<Vec<OutboxMessage>> {
    Ok(mail_outbox::table
        .order(mail_outbox::id.asc())
        .select(OutboxMessage::as_select())
        .load(conn)?)
}

pub fn mark_sent(conn: &mut DbConn, id: i32, now: NaiveDateTime) -> AppResult<()> {
    diesel::update(mail_outbox::table.find(id))
        .set((
            mail_outbox::status.eq(MailStatus::Sent),
            mail_outbox::sent_at.eq(Some(now)),
            mail_outbox::attempts.eq(mail_outbox::attempts + 1),
            mail_outbox::last_error.eq(None::<String>),
        ))
        .execute(conn)?;
    Ok(())
}

pub fn mark_failed_attempt(
    conn: &mut DbConn, id: i32, error: &str, next_attempt_at: NaiveDateTime, give_up: bool,
) -> AppResult<()> {
    diesel::update(mail_outbox::table.find(id))
        .set((
            mail_outbox::status.eq(if give_up { MailStatus::Failed } else { MailStatus::Pending }),
            mail_outbox::attempts.eq(mail_outbox::attempts + 1),
            mail_outbox::last_error.eq(Some(error.chars().take(500).collect::<String>())),
            mail_outbox::next_attempt_at.eq(next_attempt_at),
        ))
        .execute(conn)?;
    Ok(())
}
