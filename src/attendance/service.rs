use std::collections::HashMap;

use super::models::*;
use super::repo;
use crate::auth::Actor;
use crate::db::dialect::{self, AttendanceUpsert};
use crate::db::DbConn;
use crate::error::{AppError, AppResult};
use crate::participants;
use crate::planning::{self, models::SessionView};
use crate::time;

/// The session if the actor may see and mark it.
fn session_for_marking(
    conn: &mut DbConn,
    actor: &Actor,
    session_id: i32,
) -> AppResult<(i32, SessionView)> {
    let org = actor.staff_org()?;
    let session = planning::repo::get_session(conn, org, session_id)?;
    if !actor.is_coordinator() && !planning::repo::is_trainer_of(conn, session_id, actor.user_id)? {
        return Err(AppError::Forbidden(
            "Dieser Termin ist Ihnen nicht zugeordnet.".into(),
        ));
    }
    let view = planning::service::session_views(conn, org, Some(session.run_id), None)?
        .into_iter()
        .find(|s| s.id == session_id)
        .ok_or_else(|| AppError::not_found("Der Termin"))?;
    Ok((org, view))
}

pub fn roster(
    conn: &mut DbConn,
    actor: &Actor,
    session_id: i32,
) -> AppResult<(SessionView, Vec<RosterEntry>)> {
    let (org, session) = session_for_marking(conn, actor, session_id)?;
    let people = participants::repo::enrolled_in(conn, org, session.run_id)?;
    let apologies = crate::reminders::repo::apologies_for_session(conn, session_id)?;
    let marks: HashMap<i32, (AttendanceMark, String)> =
        repo::marks_for_session(conn, org, session_id)?
            .into_iter()
            .map(|(m, by)| (m.participant_id, (m, by)))
            .collect();
    let entries = people
        .into_iter()
        .map(|p| {
            let mark = marks.get(&p.id);
            RosterEntry {
                participant_id: p.id,
                name: format!("{}, {}", p.family_name, p.given_name),
                preferred_language: p.preferred_language.clone(),
                status: mark.and_then(|(m, _)| AttendanceStatus::parse(&m.status).ok()),
                marked_by: mark.map(|(_, by)| by.clone()),
                marked_at_local: mark.map(|(m, _)| crate::web::fmt_datetime(m.marked_at)),
                apologised_at_local: apologies
                    .iter()
                    .find(|(pid, _)| *pid == p.id)
                    .map(|(_, at)| crate::web::fmt_datetime(*at)),
            }
        })
        .collect();
    Ok((session, entries))
}

/// Sets the current mark and keeps the history. Marking the same status again (a retried
/// form post) changes nothing, so a flaky connection cannot double-apply.
pub fn mark(
    conn: &mut DbConn,
    actor: &Actor,
    session_id: i32,
    participant_id: i32,
    status: AttendanceStatus,
) -> AppResult<RosterEntry> {
    crate::db::write_transaction(conn, |conn| {
        dialect::lock_for_update(conn, "training_sessions", session_id)?;
        let (org, session) = session_for_marking(conn, actor, session_id)?;
        if session.cancelled {
            return Err(AppError::Conflict("Dieser Termin wurde abgesagt.".into()));
        }
        let participant = participants::repo::get(conn, org, participant_id)?;
        if !participants::repo::holds_place(conn, session.run_id, participant_id)? {
            return Err(AppError::invalid(
                "participant_id",
                "Diese Person ist für den Durchgang nicht angemeldet.",
            ));
        }
        let now = time::now_utc();
        let unchanged = repo::current_mark(conn, session_id, participant_id)?
            .is_some_and(|m| m.status == status.as_str());
        if !unchanged {
            dialect::upsert_attendance(
                conn,
                &AttendanceUpsert {
                    organisation_id: org,
                    session_id,
                    participant_id,
                    status: status.as_str(),
                    marked_by: actor.user_id,
                    marked_at: now,
                },
            )?;
            repo::insert_history(
                conn,
                org,
                session_id,
                participant_id,
                status.as_str(),
                actor.user_id,
                now,
            )?;
        }
        let current = repo::current_mark(conn, session_id, participant_id)?;
        Ok(RosterEntry {
            participant_id,
            name: format!("{}, {}", participant.family_name, participant.given_name),
            preferred_language: participant.preferred_language,
            status: Some(status),
            marked_by: Some(actor.display_name.clone()),
            marked_at_local: current.map(|m| crate::web::fmt_datetime(m.marked_at)),
            apologised_at_local: None,
        })
    })
}

/// Completion of every enrolled participant of a run (coordinators only).
pub fn completion_for_run(conn: &mut DbConn, org: i32, run_id: i32) -> AppResult<Vec<Completion>> {
    completion(conn, org, run_id, None)
}

/// Completion of one enrolled participant; `None` when they are not enrolled.
pub fn completion_of(
    conn: &mut DbConn,
    org: i32,
    run_id: i32,
    participant_id: i32,
) -> AppResult<Option<Completion>> {
    Ok(completion(conn, org, run_id, Some(participant_id))?.pop())
}

fn completion(
    conn: &mut DbConn,
    org: i32,
    run_id: i32,
    only: Option<i32>,
) -> AppResult<Vec<Completion>> {
    let run = planning::repo::get_run(conn, org, run_id)?;
    let modules = planning::repo::modules_of(conn, org, run.course_id)?;
    let sessions: Vec<SessionView> =
        planning::service::session_views(conn, org, Some(run_id), None)?
            .into_iter()
            .filter(|s| !s.cancelled)
            .collect();
    let marks = repo::marks_for_run(conn, org, run_id)?;
    let people = participants::repo::enrolled_in(conn, org, run_id)?;
    Ok(people
        .into_iter()
        .filter(|p| only.is_none_or(|id| id == p.id))
        .map(|p| {
            let attended: Vec<&SessionView> = sessions
                .iter()
                .filter(|s| {
                    marks.iter().any(|m| {
                        m.session_id == s.id
                            && m.participant_id == p.id
                            && AttendanceStatus::parse(&m.status).is_ok_and(|st| st.attended())
                    })
                })
                .collect();
            let missing: Vec<String> = modules
                .iter()
                .filter(|m| m.mandatory)
                .filter(|m| !attended.iter().any(|s| s.module_ids.contains(&m.id)))
                .map(|m| m.title.clone())
                .collect();
            let completed = missing.is_empty() && !attended.is_empty();
            let completion_date = attended
                .iter()
                .map(|s| time::to_local(s.starts_at).date_naive())
                .max()
                .filter(|_| completed);
            Completion {
                participant_id: p.id,
                name: format!("{}, {}", p.family_name, p.given_name),
                completed,
                missing_modules: missing,
                completion_date,
                sessions_attended: attended.len(),
            }
        })
        .collect())
}

/// The modules a participant attended, with the date of the session, for the certificate.
pub fn attended_modules(
    conn: &mut DbConn,
    org: i32,
    run_id: i32,
    participant_id: i32,
) -> AppResult<Vec<(String, chrono::NaiveDate, i32)>> {
    let run = planning::repo::get_run(conn, org, run_id)?;
    let modules = planning::repo::modules_of(conn, org, run.course_id)?;
    let sessions = planning::service::session_views(conn, org, Some(run_id), None)?;
    let marks = repo::marks_for_run(conn, org, run_id)?;
    let mut out = Vec::new();
    for module in &modules {
        let first_attended = sessions
            .iter()
            .filter(|s| !s.cancelled && s.module_ids.contains(&module.id))
            .filter(|s| {
                marks.iter().any(|m| {
                    m.session_id == s.id
                        && m.participant_id == participant_id
                        && AttendanceStatus::parse(&m.status).is_ok_and(|st| st.attended())
                })
            })
            .map(|s| time::to_local(s.starts_at).date_naive())
            .min();
        if let Some(date) = first_attended {
            out.push((module.title.clone(), date, module.duration_minutes));
        }
    }
    Ok(out)
}
