use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;

use crate::db::schema::mail_outbox;
use crate::db::DbConn;
use crate::error::{AppError, AppResult};
use crate::ids::{OrgId, ParticipantId, StakeholderId};
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
    /// `<uuid@host>`, fixed when queued: every attempt sends this same header.
    pub message_id: String,
}

/// The right side of new Message-IDs: the host of the public URL, set once per process by
/// the worker's start (a process serves one public URL).
static MESSAGE_ID_HOST: std::sync::OnceLock<String> = std::sync::OnceLock::new();
const FALLBACK_HOST: &str = "mietschulung.invalid";

/// Takes the host of `public_url` for the Message-IDs of mail queued from now on.
pub fn use_message_id_host(public_url: &str) {
    let _ = MESSAGE_ID_HOST.set(host_of(public_url));
}

/// `https://user@schulung.example.org:8443/x` → `schulung.example.org`; anything that is not
/// a plain host name or IPv4 address (an IPv6 literal, odd characters) gives the fallback.
fn host_of(url: &str) -> String {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host = authority.rsplit('@').next().unwrap_or("");
    let host = host.split(':').next().unwrap_or("").to_ascii_lowercase();
    let plain = |c: char| c.is_ascii_alphanumeric() || c == '.' || c == '-';
    if host.is_empty() || !host.chars().all(plain) || host.starts_with('.') || host.ends_with('.') {
        FALLBACK_HOST.to_string()
    } else {
        host
    }
}

/// A new `<uuid@host>` (UUID version 4 from the OS's random source).
pub fn new_message_id() -> String {
    use rand::RngCore;
    let mut b = [0u8; 16];
    rand::rngs::OsRng.fill_bytes(&mut b);
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let hex = data_encoding::HEXLOWER.encode(&b);
    let host = MESSAGE_ID_HOST.get().map_or(FALLBACK_HOST, String::as_str);
    format!(
        "<{}-{}-{}-{}-{}@{host}>",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}

/// Whom a mail is about: erasure deletes it with the person, an access request lists it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum About {
    /// A mail about no one in particular (a test mail, an account mail).
    Nobody,
    Participant(ParticipantId),
    Stakeholder(StakeholderId),
}

/// Renders `templates/email/<template>/{subject.txt,body.txt,body.html}.hbs` and queues it.
pub fn enqueue(
    conn: &mut DbConn, organisation_id: Option<OrgId>, about: About, recipient: &str,
    template: &str, ctx: &serde_json::Value, attachment: Option<Attachment>,
) -> AppResult<i32> {
    // Templates word their sentences in `lang` (`{{t}}`); German unless the caller chose.
    let mut ctx = ctx.clone();
    if let Some(map) = ctx.as_object_mut() {
        map.entry("lang").or_insert_with(|| serde_json::Value::from(crate::i18n::DEFAULT_LANG));
    }
    let ctx = &ctx;
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
    let (participant_id, stakeholder_id) = match about {
        About::Nobody => (None, None),
        About::Participant(p) => (Some(p), None),
        About::Stakeholder(s) => (None, Some(s)),
    };
    Ok(diesel::insert_into(mail_outbox::table)
        .values((
            mail_outbox::organisation_id.eq(organisation_id),
            mail_outbox::participant_id.eq(participant_id),
            mail_outbox::stakeholder_id.eq(stakeholder_id),
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
            mail_outbox::message_id.eq(new_message_id()),
        ))
        .returning(mail_outbox::id)
        .get_result(conn)?)
}

/// Like [`enqueue`], in the recipient's language: `email/<template>.<lang>/` where it
/// exists, else `email/<template>/` with `lang` in the context for its `{{t}}` texts.
#[allow(clippy::too_many_arguments)]
pub fn enqueue_localized(
    conn: &mut DbConn, organisation_id: Option<OrgId>, about: About, recipient: &str,
    template: &str, lang: &str, ctx: &serde_json::Value, attachment: Option<Attachment>,
) -> AppResult<i32> {
    let localized = format!("{template}.{lang}");
    let name = if templates::TEMPLATES.has_template(&format!("email/{localized}/subject.txt")) {
        localized
    } else {
        template.to_string()
    };
    let lang = if crate::i18n::is_participant_language(lang) { lang } else { "de" };
    let mut ctx = ctx.clone();
    if let Some(map) = ctx.as_object_mut() {
        map.entry("lang").or_insert_with(|| serde_json::Value::from(lang));
    }
    enqueue(conn, organisation_id, about, recipient, &name, &ctx, attachment)
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

/// Pushes a claimed row's lease to `until` while its attempt is still running, so another
/// worker does not take it over from a slow but live SMTP conversation.
pub fn extend_lease(conn: &mut DbConn, id: i32, until: NaiveDateTime) -> AppResult<()> {
    diesel::update(
        mail_outbox::table
            .find(id)
            .filter(mail_outbox::status.eq(MailStatus::Pending))
            .filter(mail_outbox::next_attempt_at.lt(until)),
    )
    .set(mail_outbox::next_attempt_at.eq(until))
    .execute(conn)?;
    Ok(())
}

/// The organisation's messages that were given up, newest first.
pub fn failed_of(conn: &mut DbConn, org: OrgId) -> AppResult<Vec<OutboxMessage>> {
    Ok(mail_outbox::table
        .filter(mail_outbox::organisation_id.eq(org))
        .filter(mail_outbox::status.eq(MailStatus::Failed))
        .order(mail_outbox::id.desc())
        .select(OutboxMessage::as_select())
        .load(conn)?)
}

/// One message of the organisation; another organisation's is not found.
pub fn get_of(conn: &mut DbConn, org: OrgId, id: i32) -> AppResult<OutboxMessage> {
    mail_outbox::table
        .find(id)
        .filter(mail_outbox::organisation_id.eq(org))
        .select(OutboxMessage::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| AppError::not_found("thing.message"))
}

/// Puts a failed message back in the queue, due now, with a fresh count of attempts; only a
/// row still `failed` changes (true), so two clicks queue it once.
pub fn requeue_failed(conn: &mut DbConn, id: i32, now: NaiveDateTime) -> AppResult<bool> {
    let changed = diesel::update(
        mail_outbox::table.find(id).filter(mail_outbox::status.eq(MailStatus::Failed)),
    )
    .set((
        mail_outbox::status.eq(MailStatus::Pending),
        mail_outbox::attempts.eq(0),
        mail_outbox::next_attempt_at.eq(now),
    ))
    .execute(conn)?;
    Ok(changed == 1)
}

/// How many messages of the whole service are waiting and how many were given up.
pub fn count_by_status(conn: &mut DbConn) -> AppResult<(i64, i64)> {
    let count = |conn: &mut DbConn, status: MailStatus| -> AppResult<i64> {
        Ok(mail_outbox::table.filter(mail_outbox::status.eq(status)).count().get_result(conn)?)
    };
    Ok((count(conn, MailStatus::Pending)?, count(conn, MailStatus::Failed)?))
}

/// When the oldest message still waiting to be sent was queued, over the whole service.
pub fn oldest_pending(conn: &mut DbConn) -> AppResult<Option<NaiveDateTime>> {
    Ok(mail_outbox::table
        .filter(mail_outbox::status.eq(MailStatus::Pending))
        .select(diesel::dsl::min(mail_outbox::created_at))
        .first(conn)?)
}

/// Deletes every mail of `org` about one person, pending ones too (the person is being
/// deleted or erased; a mail still waiting would reach them afterwards). Returns how many.
pub fn delete_about(conn: &mut DbConn, org: OrgId, about: About) -> AppResult<usize> {
    let mails = mail_outbox::table.filter(mail_outbox::organisation_id.eq(org));
    Ok(match about {
        About::Nobody => 0,
        About::Participant(p) => {
            diesel::delete(mails.filter(mail_outbox::participant_id.eq(p))).execute(conn)?
        }
        About::Stakeholder(s) => {
            diesel::delete(mails.filter(mail_outbox::stakeholder_id.eq(s))).execute(conn)?
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn message_ids_name_the_public_host_and_never_repeat() {
        assert_eq!(host_of("https://schulung.example.org"), "schulung.example.org");
        assert_eq!(host_of("http://u:p@Schulung.Example.org:8443/a?b"), "schulung.example.org");
        assert_eq!(host_of("http://127.0.0.1:8080"), "127.0.0.1");
        assert_eq!(host_of("http://[::1]:8080/"), FALLBACK_HOST);
        assert_eq!(host_of("http://exa mple/"), FALLBACK_HOST);
        assert_eq!(host_of(""), FALLBACK_HOST);
        let ids: std::collections::HashSet<String> = (0..1000).map(|_| new_message_id()).collect();
        assert_eq!(ids.len(), 1000);
        for id in ids.iter().take(5) {
            assert!(id.starts_with('<') && id.ends_with('>') && id.contains('@'), "{id}");
            // A header value on one line: a line break would start a new header.
            assert!(!id.chars().any(|c| c.is_control() || c == ' '), "{id}");
        }
    }
}
