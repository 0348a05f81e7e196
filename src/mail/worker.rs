use std::time::Duration;

use lettre::message::header::ContentType;
use lettre::message::{Attachment as MailAttachment, Mailbox, MultiPart, SinglePart};
use lettre::{FileTransport, Message, SmtpTransport, Transport};
use secrecy::ExposeSecret;

use super::outbox::{self, OutboxMessage};
use crate::config::Settings;
use crate::db::{dialect, Db};
use crate::error::AppError;
use crate::jobs::{Job, Stopping};
use crate::time;

/// How long a claimed row is hidden from other workers. The sending worker renews it every
/// [`LEASE_RENEWAL`] for as long as its SMTP conversation lasts (RFC 5321 lets one take
/// many minutes), so a live attempt is never taken over, while the row of a worker that
/// died is free again after at most this long.
const LEASE: Duration = Duration::from_secs(120);
const LEASE_RENEWAL: Duration = Duration::from_secs(30);
/// Messages per tick; each is claimed just before it is sent, so a slow server cannot let
/// the leases of messages still waiting in the batch run out.
const BATCH: usize = 20;

pub enum Mailer {
    Smtp(Box<SmtpTransport>),
    File(FileTransport),
}

impl Mailer {
    pub fn from_settings(settings: &Settings) -> anyhow::Result<Mailer> {
        match &settings.smtp_url {
            Some(url) => Ok(Mailer::Smtp(Box::new(
                SmtpTransport::from_url(url.expose_secret())?
                    .timeout(Some(smtp_timeout(settings)))
                    .build(),
            ))),
            None => {
                let dir = settings.mail_dir();
                std::fs::create_dir_all(&dir)?;
                Ok(Mailer::File(FileTransport::new(dir)))
            }
        }
    }

    fn send(&self, message: &Message) -> Result<(), Refused> {
        match self {
            Mailer::Smtp(t) => t
                .send(message)
                .map(|_| ())
                .map_err(|e| Refused { permanent: e.is_permanent(), reason: e.to_string() }),
            Mailer::File(t) => t.send(message).map(|_| ()).map_err(Refused::retry),
        }
    }
}

/// lettre waits this long for each reply and each write. RFC 5321 §4.5.3.2 names one wait
/// per command, the longest 10 minutes (after the final "."); lettre has one number for all,
/// so it gets the longest (`smtp_timeout_secs`, 600 by default): a slow server that accepts
/// the mail after minutes is not asked again for a mail it already has.
pub fn smtp_timeout(settings: &Settings) -> Duration {
    Duration::from_secs(settings.smtp_timeout_secs.max(1))
}

/// Why an attempt did not deliver, and whether trying again can help: a 5xx answer (no
/// such mailbox, message refused) stays the same however often it is asked.
struct Refused {
    permanent: bool,
    reason: String,
}

impl Refused {
    fn retry(reason: impl ToString) -> Refused {
        Refused { permanent: false, reason: reason.to_string() }
    }
}

fn build_message(from: &str, m: &OutboxMessage) -> Result<Message, Refused> {
    // The outbox's own data cannot get better by waiting: give up at once.
    let broken = |reason: String| Refused { permanent: true, reason };
    let from: Mailbox = from.parse().map_err(|e| broken(format!("sender address: {e}")))?;
    let to: Mailbox = m.recipient.parse().map_err(|e| broken(format!("recipient address: {e}")))?;
    let alternative = MultiPart::alternative()
        .singlepart(SinglePart::plain(m.body_text.clone()))
        .singlepart(SinglePart::html(m.body_html.clone()));
    let body = match (&m.attachment, &m.attachment_name, &m.attachment_mime) {
        (Some(bytes), Some(name), Some(mime)) => {
            let content_type = ContentType::parse(mime).map_err(|e| broken(e.to_string()))?;
            MultiPart::mixed()
                .multipart(alternative)
                .singlepart(MailAttachment::new(name.clone()).body(bytes.clone(), content_type))
        }
        _ => alternative,
    };
    // The stored Message-ID, never a new one: a resend after a crash, a lost answer or
    // "erneut senden" is recognisably the same mail.
    Message::builder()
        .message_id(Some(m.message_id.clone()))
        .from(from)
        .to(to)
        .subject(m.subject.clone())
        .multipart(body)
        .map_err(|e| broken(e.to_string()))
}

fn backoff(settings: &Settings, attempts_so_far: i32) -> chrono::Duration {
    let exp = attempts_so_far.clamp(0, 10) as u32;
    let secs = settings.outbox_retry_base_secs.saturating_mul(2u64.saturating_pow(exp)).min(3600);
    chrono::Duration::seconds(secs as i64)
}

/// Sends what is due, claiming one message at a time, until the batch is done or the
/// service is stopping (a message is never claimed then, so none is left half-sent);
/// returns how many were sent.
pub async fn process_due(
    db: &Db, mailer: &std::sync::Arc<Mailer>, settings: &Settings, stopping: &Stopping,
) -> Result<usize, AppError> {
    let mut sent = 0;
    for _ in 0..BATCH {
        if stopping.requested() {
            break;
        }
        let now = time::now_utc();
        let lease_until = now + lease();
        let claimed =
            db.run(move |conn| dialect::claim_due_mail(conn, now, lease_until, 1)).await?;
        let Some(id) = claimed.first().copied() else { break };
        if attempt(db, mailer, settings, id).await? {
            sent += 1;
        }
    }
    Ok(sent)
}

fn lease() -> chrono::Duration {
    chrono::Duration::from_std(LEASE).unwrap_or_default()
}

/// One attempt at one claimed message, and its outcome recorded; true when it was sent.
///
/// The SMTP conversation ends before the row is marked: a worker that dies in between (or
/// a server whose "250" is lost) leaves the row pending, and it is sent again once its lease
/// runs out, with the same Message-ID, so the receiving side can tell it is the same mail.
async fn attempt(
    db: &Db, mailer: &std::sync::Arc<Mailer>, settings: &Settings, id: i32,
) -> Result<bool, AppError> {
    let message = db.run(move |conn| outbox::get(conn, id)).await?;
    let attempts = message.attempts;
    let (from, mailer) = (settings.mail_from.clone(), mailer.clone());
    let sending =
        actix_web::web::block(move || build_message(&from, &message).and_then(|m| mailer.send(&m)));
    let result = keep_leased(db, id, sending)
        .await
        .map_err(|e| AppError::Internal(anyhow::anyhow!("mail task: {e}")))?;
    let now = time::now_utc();
    match result {
        Ok(()) => {
            db.run(move |conn| outbox::mark_sent(conn, id, now)).await?;
            tracing::info!(outbox_id = id, "mail sent");
            Ok(true)
        }
        Err(Refused { permanent, reason }) => {
            let give_up = permanent || attempts + 1 >= settings.outbox_max_attempts;
            let next = now + backoff(settings, attempts);
            tracing::warn!(
                outbox_id = id,
                attempt = attempts + 1,
                give_up,
                error = %crate::telemetry::redact(&reason),
                "mail not sent"
            );
            db.run(move |conn| outbox::mark_failed_attempt(conn, id, &reason, next, give_up))
                .await?;
            Ok(false)
        }
    }
}

/// Awaits `work` while renewing the lease of outbox row `id`.
async fn keep_leased<F: std::future::Future>(db: &Db, id: i32, work: F) -> F::Output {
    let mut work = std::pin::pin!(work);
    let mut renew =
        tokio::time::interval_at(tokio::time::Instant::now() + LEASE_RENEWAL, LEASE_RENEWAL);
    loop {
        tokio::select! {
            out = &mut work => return out,
            _ = renew.tick() => {
                let until = time::now_utc() + lease();
                if let Err(e) = db.run(move |conn| outbox::extend_lease(conn, id, until)).await {
                    let error = crate::telemetry::redact(&e.to_string());
                    tracing::warn!(outbox_id = id, error = %error, "mail lease not renewed");
                }
            }
        }
    }
}

/// The outbox poller for the [`Supervisor`](crate::jobs::Supervisor): sends what is due
/// every `outbox_poll_millis` (at least 50 ms).
pub fn job(db: Db, settings: Settings) -> anyhow::Result<Job> {
    outbox::use_message_id_host(&settings.public_url);
    let mailer = std::sync::Arc::new(Mailer::from_settings(&settings)?);
    let period = Duration::from_millis(settings.outbox_poll_millis.max(50));
    let settings = std::sync::Arc::new(settings);
    Ok(Job::every_until("mail", period, move |stopping| {
        let (db, mailer, settings) = (db.clone(), mailer.clone(), settings.clone());
        async move { process_due(&db, &mailer, &settings, &stopping).await.map(|_| ()) }
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_worker_waits_as_long_as_rfc_5321_asks_and_keeps_its_lease_meanwhile() {
        let dir = tempfile::tempdir().expect("temp dir");
        let settings =
            Settings::with_data_dir(dir.path().to_path_buf(), None, Some("k".repeat(64)))
                .expect("settings");
        // §4.5.3.2: the longest wait, after the final ".", is 10 minutes.
        assert!(smtp_timeout(&settings) >= Duration::from_secs(600));
        // A live attempt renews its lease well before it runs out.
        assert!(LEASE_RENEWAL * 3 <= LEASE);
    }
}
