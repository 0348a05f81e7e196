//! What a coordinator does with mail that could not be delivered: see it, send it again.
//! The callers pass the organisation of a checked coordinator (`Actor::coordinator_org`),
//! since `auth` sits above `mail`.

use chrono::NaiveDateTime;
use serde::Serialize;
use utoipa::ToSchema;

use super::outbox::{self, MailStatus, OutboxMessage};
use crate::db::{self, DbConn};
use crate::error::{AppError, AppResult};
use crate::ids::{OrgId, UserId};

/// One message of the outbox as a coordinator sees it: what, to whom, why it failed.
#[derive(Debug, Serialize, ToSchema)]
pub struct MailView {
    pub id: i32,
    pub recipient: String,
    pub subject: String,
    /// pending, sent or failed.
    #[schema(value_type = String)]
    pub status: MailStatus,
    /// Attempts since it was queued (or queued again).
    pub attempts: i32,
    /// What the mail server or the network said at the last failed attempt.
    pub reason: Option<String>,
    #[serde(serialize_with = "crate::time::utc")]
    #[schema(value_type = String, format = DateTime)]
    pub queued_at: NaiveDateTime,
    /// The same on every attempt, so the recipient's side can tell a resend.
    pub message_id: String,
}

impl MailView {
    fn of(m: OutboxMessage) -> MailView {
        MailView {
            id: m.id,
            recipient: m.recipient,
            subject: m.subject,
            status: m.status,
            attempts: m.attempts,
            reason: m.last_error,
            queued_at: m.created_at,
            message_id: m.message_id,
        }
    }
}

/// The organisation's mail that was given up after its last attempt, newest first.
pub fn failed_mail(conn: &mut DbConn, org: OrgId) -> AppResult<Vec<MailView>> {
    Ok(outbox::failed_of(conn, org)?.into_iter().map(MailView::of).collect())
}

/// The page's list: the same, with the time in words (Europe/Berlin).
#[derive(Serialize)]
pub struct FailedMailPage {
    pub messages: Vec<PageMail>,
}

#[derive(Serialize)]
pub struct PageMail {
    #[serde(flatten)]
    pub mail: MailView,
    pub queued_label: String,
}

pub fn failed_mail_page(conn: &mut DbConn, org: OrgId) -> AppResult<FailedMailPage> {
    let messages = failed_mail(conn, org)?
        .into_iter()
        .map(|mail| PageMail { queued_label: crate::time::fmt_datetime(mail.queued_at), mail })
        .collect();
    Ok(FailedMailPage { messages })
}

/// "erneut senden": a failed message of the organisation goes back into the queue, due now,
/// with its Message-ID unchanged; audited. Another organisation's message is not found; one
/// that is not failed (already queued again, or sent) is a conflict, so a second click
/// cannot queue it twice.
pub fn resend(conn: &mut DbConn, org: OrgId, user: UserId, id: i32) -> AppResult<MailView> {
    db::write_transaction(conn, |conn| {
        let message = outbox::get_of(conn, org, id)?;
        let now = crate::time::now_utc();
        if !outbox::requeue_failed(conn, id, now)? {
            return Err(AppError::conflict("error.mail.not_failed"));
        }
        crate::audit::Entry::new(Some(org), Some(user), "mail.resend")
            .on("mail_outbox", Some(id))
            .record(conn)?;
        Ok(MailView { status: MailStatus::Pending, attempts: 0, ..MailView::of(message) })
    })
}

/// How many messages of the whole service wait and how many were given up (`/readyz`).
#[derive(Debug, Serialize)]
pub struct QueueCounts {
    pub pending: i64,
    pub failed: i64,
}

pub fn queue_counts(conn: &mut DbConn) -> AppResult<QueueCounts> {
    let (pending, failed) = outbox::count_by_status(conn)?;
    Ok(QueueCounts { pending, failed })
}

/// The outbox of the whole service for monitoring: the counts, and how long the oldest
/// waiting message has waited (0 when none waits), which grows when delivery is stuck.
#[derive(Debug, Clone, Copy, Default)]
pub struct OutboxState {
    pub pending: i64,
    pub failed: i64,
    pub oldest_pending_age_secs: f64,
}

pub fn outbox_state(conn: &mut DbConn) -> AppResult<OutboxState> {
    let QueueCounts { pending, failed } = queue_counts(conn)?;
    let oldest_pending_age_secs = match outbox::oldest_pending(conn)? {
        // A clock set back between replicas must not make the age negative.
        Some(queued) => {
            ((crate::time::now_utc() - queued).num_milliseconds().max(0) as f64) / 1000.0
        }
        None => 0.0,
    };
    Ok(OutboxState { pending, failed, oldest_pending_age_secs })
}
