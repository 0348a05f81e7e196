use chrono::{Duration, NaiveDateTime};
use rand::RngCore;

use super::repo;
use crate::db::dialect::{self, ReminderInsert};
use crate::db::DbConn;
use crate::error::{AppError, AppResult};
use crate::i18n::Text;
use crate::ids::{OrgId, ParticipantId, RunId, SessionId};
use crate::mail::outbox::{self, Attachment};
use crate::participants;
use crate::planning::{self, models::SessionView};
use crate::time;

/// Which reminder is due `remaining` before a session: the smallest configured lead time
/// not yet passed. `hours` is sorted descending.
pub fn due_kind(hours: &[u32], remaining: Duration) -> Option<u32> {
    hours.iter().copied().filter(|h| remaining <= Duration::hours(i64::from(*h))).min()
}

fn apology_secret() -> String {
    let mut raw = [0u8; 18];
    rand::rngs::OsRng.fill_bytes(&mut raw);
    data_encoding::BASE64URL_NOPAD.encode(&raw)
}

/// Sends every reminder that is due at `now`; returns how many were queued.
pub fn run_due(
    conn: &mut DbConn, public_url: &str, hours: &[u32], now: NaiveDateTime,
) -> AppResult<usize> {
    let Some(max) = hours.iter().max() else {
        return Ok(0);
    };
    let host = public_url
        .split_once("://")
        .map_or(public_url, |(_, r)| r)
        .split(['/', ':'])
        .next()
        .unwrap_or("mietschulung")
        .to_string();
    let mut queued = 0;
    for session in repo::upcoming_sessions(conn, now, now + Duration::hours(i64::from(*max)))? {
        let Some(kind) = due_kind(hours, session.starts_at - now) else {
            continue;
        };
        queued += crate::db::write_transaction(conn, |conn| {
            remind_session(
                conn,
                public_url,
                &host,
                session.organisation_id,
                session.run_id,
                session.id,
                kind,
                now,
            )
        })?;
    }
    Ok(queued)
}

#[allow(clippy::too_many_arguments)]
fn remind_session(
    conn: &mut DbConn, public_url: &str, host: &str, org: OrgId, run_id: RunId,
    session_id: SessionId, kind: u32, now: NaiveDateTime,
) -> AppResult<usize> {
    let view: SessionView = planning::service::session_views(conn, org, Some(run_id), None)?
        .into_iter()
        .find(|s| s.id == session_id)
        .ok_or_else(|| AppError::not_found("thing.session"))?;
    let kind_key = format!("{kind}h");
    let mut queued = 0;
    for p in participants::service::enrolled_in(conn, org, run_id)? {
        let contact = participants::service::contact_email_in(conn, &p)?;
        let token = apology_secret();
        let recorded = dialect::insert_reminder_once(
            conn,
            &ReminderInsert {
                organisation_id: org,
                session_id,
                participant_id: p.id,
                kind: &kind_key,
                recipient: contact.as_ref().map(|(to, _)| to.as_str()),
                apology_token: &token,
                created_at: now,
            },
        )?;
        let (true, Some((to, via_referrer))) = (recorded, contact) else {
            continue;
        };
        let lang = p.preferred_language.as_str();
        let ics = planning::calendar::sessions_ics_in(
            lang,
            &crate::i18n::text(lang, "calendar.ics.name"),
            host,
            std::slice::from_ref(&view),
        );
        outbox::enqueue_localized(
            conn,
            Some(org),
            outbox::About::Participant(p.id),
            &to,
            "session_reminder",
            &p.preferred_language,
            &serde_json::json!({
                "participant_name": p.full_name(),
                "referrer_name": if via_referrer { p.referrer_name.clone() } else { None },
                "course_title": view.course_title,
                "date": view.date,
                "start": view.starts_at_local,
                "end": view.ends_at_local,
                "location": view.location,
                "apology_url": format!("{public_url}/absage/{token}"),
            }),
            Some(Attachment {
                name: "termin.ics".into(),
                mime: "text/calendar; charset=utf-8; method=PUBLISH".into(),
                bytes: ics.into_bytes(),
            }),
        )?;
        queued += 1;
    }
    Ok(queued)
}

/// What the apology page shows: no names, only the appointment.
#[derive(Debug, serde::Serialize)]
pub struct ApologyView {
    pub course_title: String,
    pub date: String,
    pub start: String,
    pub location: String,
    pub already_sent: bool,
    pub session_over: bool,
    /// Whose accessibility statement the footer links to.
    pub statement_org: i32,
    /// The participant's language, which the page speaks (German where unknown).
    pub lang: String,
}

fn lookup(conn: &mut DbConn, token: &str) -> AppResult<(repo::ReminderRef, SessionView)> {
    let reminder = repo::by_token(conn, token)?
        .ok_or_else(|| AppError::NotFound(Text::key("error.reminders.link_invalid")))?;
    let (_, session_id, _, org, _) = reminder;
    let session = planning::service::get_session(conn, org, session_id)?;
    let view = planning::service::session_views(conn, org, Some(session.run_id), None)?
        .into_iter()
        .find(|s| s.id == session_id)
        .ok_or_else(|| AppError::not_found("thing.session"))?;
    Ok((reminder, view))
}

pub fn apology_view(conn: &mut DbConn, token: &str) -> AppResult<ApologyView> {
    let ((_, _, participant_id, org, apologised), view) = lookup(conn, token)?;
    let lang = participants::service::get(conn, org, participant_id)?.preferred_language;
    Ok(ApologyView {
        lang: if crate::i18n::is_participant_language(&lang) { lang } else { "de".into() },
        course_title: view.course_title,
        date: view.date,
        start: view.starts_at_local,
        location: view.location,
        already_sent: apologised.is_some(),
        session_over: view.starts_at <= time::now_utc(),
        statement_org: org.0,
    })
}

/// Records the apology (once; sending again changes nothing).
pub fn send_apology(conn: &mut DbConn, token: &str) -> AppResult<ApologyView> {
    crate::db::write_transaction(conn, |conn| {
        let ((_, session_id, participant_id, org, _), view) = lookup(conn, token)?;
        if view.starts_at <= time::now_utc() {
            return Err(AppError::conflict("apology.over"));
        }
        repo::record_apology(conn, session_id, participant_id, time::now_utc())?;
        crate::audit::Entry::new(Some(org), None, "session.apology")
            .on("training_session", Some(session_id.into()))
            .about_participant(participant_id)
            .record(conn)?;
        apology_view(conn, token)
    })
}

/// Participants of a session who sent an apology, with when (for the roster).
pub fn apologies_for_session(
    conn: &mut DbConn, session_id: SessionId,
) -> AppResult<Vec<(ParticipantId, chrono::NaiveDateTime)>> {
    repo::apologies_for_session(conn, session_id)
}

/// Queues due session reminders every minute; `None` when no reminder lead times are
/// configured.
pub fn job(db: crate::db::Db, settings: crate::config::Settings) -> Option<crate::jobs::Job> {
    if settings.reminder_hours.is_empty() {
        return None;
    }
    let period = std::time::Duration::from_secs(60);
    Some(crate::jobs::Job::every("session reminders", period, move || {
        let db = db.clone();
        let public_url = settings.public_url.clone();
        let hours = settings.reminder_hours.clone();
        async move {
            let queued =
                db.run(move |conn| run_due(conn, &public_url, &hours, time::now_utc())).await?;
            if queued > 0 {
                tracing::info!(queued, "session reminders queued");
            }
            Ok::<(), AppError>(())
        }
    }))
}
