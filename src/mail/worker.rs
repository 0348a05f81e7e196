use std::time::Duration;

use lettre::message::header::ContentType;
use lettre::message::{Attachment as MailAttachment, Mailbox, MultiPart, SinglePart};
use lettre::{FileTransport, Message, SmtpTransport, Transport};
use secrecy::ExposeSecret;

use super::outbox::{self, OutboxMessage};
use crate::config::Settings;
use crate::db::{dialect, Db};
use crate::error::AppError;
use crate::jobs::Job;
use crate::time;

/// How long a claimed row is hidden from other workers while this one sends it.
const LEASE: Duration = Duration::from_secs(300);
const BATCH: i64 = 20;

pub enum Mailer {
    Smtp(Box<SmtpTransport>),
    File(FileTransport),
}

impl Mailer {
    pub fn from_settings(settings: &Settings) -> anyhow::Result<Mailer> {
        match &settings.smtp_url {
            Some(url) => Ok(Mailer::Smtp(Box::new(
                SmtpTransport::from_url(url.expose_secret())?
                    .timeout(Some(Duration::from_secs(15)))
                    .build(),
            ))),
            None => {
                let dir = settings.mail_dir();
                std::fs::create_dir_all(&dir)?;
                Ok(Mailer::File(FileTransport::new(dir)))
            }
        }
    }

    fn send(&self, message: &Message) -> Result<(), String> {
        match self {
            Mailer::Smtp(t) => t.send(message).map(|_| ()).map_err(|e| e.to_string()),
            Mailer::File(t) => t.send(message).map(|_| ()).map_err(|e| e.to_string()),
        }
    }
}

fn build_message(from: &str, m: &OutboxMessage) -> Result<Message, String> {
    let from: Mailbox = from.parse().map_err(|e| format!("sender address: {e}"))?;
    let to: Mailbox = m.recipient.parse().map_err(|e| format!("recipient address: {e}"))?;
    let alternative = MultiPart::alternative()
        .singlepart(SinglePart::plain(m.body_text.clone()))
        .singlepart(SinglePart::html(m.body_html.clone()));
    let body = match (&m.attachment, &m.attachment_name, &m.attachment_mime) {
        (Some(bytes), Some(name), Some(mime)) => {
            let content_type = ContentType::parse(mime).map_err(|e| e.to_string())?;
            MultiPart::mixed()
                .multipart(alternative)
                .singlepart(MailAttachment::new(name.clone()).body(bytes.clone(), content_type))
        }
        _ => alternative,
    };
    Message::builder()
        .from(from)
        .to(to)
        .subject(m.subject.clone())
        .multipart(body)
        .map_err(|e| e.to_string())
}

fn backoff(settings: &Settings, attempts_so_far: i32) -> chrono::Duration {
    let exp = attempts_so_far.clamp(0, 10) as u32;
    let secs = settings.outbox_retry_base_secs.saturating_mul(2u64.saturating_pow(exp)).min(3600);
    chrono::Duration::seconds(secs as i64)
}

/// Sends every due message once; returns how many were sent.
pub async fn process_due(
    db: &Db, mailer: &std::sync::Arc<Mailer>, settings: &Settings,
) -> Result<usize, AppError> {
    let now = time::now_utc();
    let lease_until = now + chrono::Duration::from_std(LEASE).unwrap_or_default();
    let ids = db.run(move |conn| dialect::claim_due_mail(conn, now, lease_until, BATCH)).await?;
    let mut sent = 0;
    for id in ids {
        let message = db.run(move |conn| outbox::get(conn, id)).await?;
        let from = settings.mail_from.clone();
        let mailer = mailer.clone();
        let attempts = message.attempts;
        let result = actix_web::web::block(move || {
            build_message(&from, &message).and_then(|m| mailer.send(&m))
        })
        .await
        .map_err(|e| AppError::Internal(anyhow::anyhow!("mail task: {e}")))?;
        let now = time::now_utc();
        match result {
            Ok(()) => {
                db.run(move |conn| outbox::mark_sent(conn, id, now)).await?;
                tracing::info!(outbox_id = id, "mail sent");
                sent += 1;
            }
            Err(error) => {
                let give_up = attempts + 1 >= settings.outbox_max_attempts;
                let next = now + backoff(settings, attempts);
                tracing::warn!(
                    outbox_id = id,
                    attempt = attempts + 1,
                    give_up,
                    error = %crate::telemetry::redact(&error),
                    "mail not sent"
                );
                db.run(move |conn| outbox::mark_failed_attempt(conn, id, &error, next, give_up))
                    .await?;
            }
        }
    }
    Ok(sent)
}

/// The outbox poller for the [`Supervisor`](crate::jobs::Supervisor): sends what is due
/// every `outbox_poll_millis` (at least 50 ms).
pub fn job(db: Db, settings: Settings) -> anyhow::Result<Job> {
    let mailer = std::sync::Arc::new(Mailer::from_settings(&settings)?);
    let period = Duration::from_millis(settings.outbox_poll_millis.max(50));
    let settings = std::sync::Arc::new(settings);
    Ok(Job::every("mail", period, move || {
        let (db, mailer, settings) = (db.clone(), mailer.clone(), settings.clone());
        async move { process_due(&db, &mailer, &settings).await.map(|_| ()) }
    }))
}
