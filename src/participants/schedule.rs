//! Changes to a run or a session that reach the people enrolled in it.
//!
//! Rules:
//! - Moving or cancelling an upcoming session tells every enrolled participant (or their
//!   referrer, when the participant has no address) by mail; past sessions tell no one.
//! - Raising a run's capacity gives the new places to the waiting list, in order, and those
//!   people are told.
//! - The planning change and its consequences happen in one transaction: no session is
//!   moved without its notices queued.

use super::{repo, service};
use crate::auth::Actor;
use crate::db::DbConn;
use crate::error::{AppError, AppResult};
use crate::ids::{OrgId, RunId, SessionId};
use crate::planning::models::{CourseRun, NewRun, NewSession, TrainingSession};
use crate::planning::{self};
use crate::time;

/// Edits or moves a session. Participants (or their referrers) are told when the time or
/// place of an upcoming session changes.
pub fn update_session(
    conn: &mut DbConn, actor: &Actor, session_id: SessionId, input: NewSession,
) -> AppResult<TrainingSession> {
    let org = actor.coordinator_org()?;
    crate::db::write_transaction(conn, |conn| {
        let (before, after, run) =
            planning::service::apply_session_update(conn, actor, org, session_id, input)?;
        let moved = before.starts_at != after.starts_at
            || before.ends_at != after.ends_at
            || before.location_id != after.location_id;
        if moved && after.ends_at > time::now_utc() {
            notify_participants(conn, org, &run, session_id, false)?;
        }
        Ok(after)
    })
}

/// Cancels a session; it stays visible as cancelled and participants are told. Returns the
/// session's run (the page goes back to it).
pub fn cancel_session(conn: &mut DbConn, actor: &Actor, session_id: SessionId) -> AppResult<RunId> {
    let org = actor.coordinator_org()?;
    crate::db::write_transaction(conn, |conn| {
        let (session, run, cancelled_now) =
            planning::service::apply_cancel(conn, actor, org, session_id)?;
        if cancelled_now && session.ends_at > time::now_utc() {
            notify_participants(conn, org, &run, session_id, true)?;
        }
        Ok(run.id)
    })
}

/// Changes a run's dates, place, capacity or languages. The capacity cannot go below the
/// people already holding a place, and sessions must stay within the dates; more places
/// go to the waiting list in order (they are notified).
pub fn update_run(
    conn: &mut DbConn, actor: &Actor, run_id: RunId, input: NewRun,
) -> AppResult<CourseRun> {
    let org = actor.coordinator_org()?;
    crate::db::write_transaction(conn, |conn| {
        let run = planning::service::apply_run_update(conn, actor, org, run_id, input)?;
        service::fill_free_places(conn, org, &run)?;
        Ok(run)
    })
}

/// What the mail about a moved or cancelled session says.
#[derive(serde::Serialize)]
struct SessionChangeMail<'a> {
    participant_name: String,
    /// Set when the mail goes to the referrer instead.
    referrer_name: Option<&'a str>,
    course_title: &'a str,
    date: &'a str,
    start: &'a str,
    end: &'a str,
    location: &'a str,
    cancelled: bool,
}

fn notify_participants(
    conn: &mut DbConn, org: OrgId, run: &CourseRun, session_id: SessionId, cancelled: bool,
) -> AppResult<()> {
    let view = planning::service::session_views(conn, org, Some(run.id), None)?
        .into_iter()
        .find(|s| s.id == session_id)
        .ok_or_else(|| AppError::not_found("thing.session"))?;
    for p in repo::enrolled_in(conn, org, run.id)? {
        let Some((to, via_referrer)) = service::contact_email_in(conn, &p)? else {
            continue;
        };
        crate::mail::outbox::enqueue_localized(
            conn,
            Some(org),
            crate::mail::outbox::About::Participant(p.id),
            &to,
            "session_changed",
            &p.preferred_language,
            &service::mail_context(&SessionChangeMail {
                participant_name: p.full_name(),
                referrer_name: p.referrer_name.as_deref().filter(|_| via_referrer),
                course_title: &view.course_title,
                date: &view.date,
                start: &view.starts_at_local,
                end: &view.ends_at_local,
                location: &view.location,
                cancelled,
            })?,
            None,
        )?;
    }
    Ok(())
}
