use std::collections::HashMap;

use super::models::*;
use super::repo;
use crate::auth::Actor;
use crate::db::dialect::{self, AttendanceUpsert, TestResultUpsert};
use crate::db::DbConn;
use crate::error::{AppError, AppResult};
use crate::participants;
use crate::planning::{self, models::Course, models::SessionView};
use crate::time;
use crate::validate;

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

fn course_of_run(conn: &mut DbConn, org: i32, run_id: i32) -> AppResult<Course> {
    let run = planning::repo::get_run(conn, org, run_id)?;
    planning::repo::get_course(conn, org, run.course_id)
}

fn test_result(course: &Course, points: i32, must_pass_correct: i32) -> TestResult {
    let enough_points = course.test_pass_points.is_none_or(|pass| points >= pass);
    TestResult {
        points,
        must_pass_correct,
        passed: enough_points && must_pass_correct >= course.test_must_pass_questions,
    }
}

/// The roster of a session with its course (for the test columns).
pub fn roster(
    conn: &mut DbConn,
    actor: &Actor,
    session_id: i32,
) -> AppResult<(SessionView, Vec<RosterEntry>)> {
    let (session, entries, _) = roster_with_course(conn, actor, session_id)?;
    Ok((session, entries))
}

pub fn roster_with_course(
    conn: &mut DbConn,
    actor: &Actor,
    session_id: i32,
) -> AppResult<(SessionView, Vec<RosterEntry>, Course)> {
    let (org, session) = session_for_marking(conn, actor, session_id)?;
    let course = course_of_run(conn, org, session.run_id)?;
    let people = participants::repo::enrolled_in(conn, org, session.run_id)?;
    let apologies = crate::reminders::repo::apologies_for_session(conn, session_id)?;
    let tests: HashMap<i32, (i32, i32)> = repo::test_results_for_run(conn, org, session.run_id)?
        .into_iter()
        .map(|(pid, points, must)| (pid, (points, must)))
        .collect();
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
                marked_at_local: mark.map(|(m, _)| crate::time::fmt_datetime(m.marked_at)),
                left_early: mark.is_some_and(|(m, _)| m.left_early),
                test: tests
                    .get(&p.id)
                    .map(|(points, must)| test_result(&course, *points, *must)),
                apologised_at_local: apologies
                    .iter()
                    .find(|(pid, _)| *pid == p.id)
                    .map(|(_, at)| crate::time::fmt_datetime(*at)),
            }
        })
        .collect();
    Ok((session, entries, course))
}

/// Sets the current mark and keeps the history. Marking the same status again (a retried
/// form post) changes nothing, so a flaky connection cannot double-apply.
pub fn mark(
    conn: &mut DbConn,
    actor: &Actor,
    session_id: i32,
    participant_id: i32,
    status: AttendanceStatus,
    left_early: bool,
) -> AppResult<RosterEntry> {
    if left_early && !status.attended() {
        return Err(AppError::invalid(
            "left_early",
            "„Früher gegangen“ geht nur zusammen mit anwesend oder verspätet.",
        ));
    }
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
            .is_some_and(|m| m.status == status.as_str() && m.left_early == left_early);
        if !unchanged {
            let m = AttendanceUpsert {
                organisation_id: org,
                session_id,
                participant_id,
                status: status.as_str(),
                marked_by: actor.user_id,
                marked_at: now,
                left_early,
            };
            dialect::upsert_attendance(conn, &m)?;
            repo::insert_history(conn, &m)?;
        }
        let current = repo::current_mark(conn, session_id, participant_id)?;
        Ok(RosterEntry {
            participant_id,
            name: format!("{}, {}", participant.family_name, participant.given_name),
            preferred_language: participant.preferred_language,
            status: Some(status),
            marked_by: Some(actor.display_name.clone()),
            marked_at_local: current.map(|m| crate::time::fmt_datetime(m.marked_at)),
            left_early,
            test: None,
            apologised_at_local: None,
        })
    })
}

/// Records (or corrects) a participant's final test result, from a session roster.
pub fn record_test(
    conn: &mut DbConn,
    actor: &Actor,
    session_id: i32,
    participant_id: i32,
    input: TestResultInput,
) -> AppResult<TestResult> {
    crate::db::write_transaction(conn, |conn| {
        let (org, session) = session_for_marking(conn, actor, session_id)?;
        let course = course_of_run(conn, org, session.run_id)?;
        let Some(max) = course.test_max_points else {
            return Err(AppError::Conflict(
                "Dieser Kurs hat keinen Abschlusstest.".into(),
            ));
        };
        let points = validate::check_range("points", "Punkte", input.points, 0, max)?;
        let must = validate::check_range(
            "must_pass_correct",
            "richtige Pflichtfragen",
            input.must_pass_correct,
            0,
            course.test_must_pass_questions,
        )?;
        participants::repo::get(conn, org, participant_id)?;
        if !participants::repo::holds_place(conn, session.run_id, participant_id)? {
            return Err(AppError::invalid(
                "participant_id",
                "Diese Person ist für den Durchgang nicht angemeldet.",
            ));
        }
        dialect::upsert_test_result(
            conn,
            &TestResultUpsert {
                organisation_id: org,
                run_id: session.run_id,
                participant_id,
                points,
                must_pass_correct: must,
                recorded_by: actor.user_id,
                recorded_at: time::now_utc(),
            },
        )?;
        crate::audit::record(
            conn,
            Some(org),
            Some(actor.user_id),
            "test.record",
            "participant",
            Some(participant_id),
            "",
        )?;
        Ok(test_result(&course, points, must))
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
    let course = planning::repo::get_course(conn, org, run.course_id)?;
    let modules = planning::repo::modules_of(conn, org, run.course_id)?;
    let sessions: Vec<SessionView> =
        planning::service::session_views(conn, org, Some(run_id), None)?
            .into_iter()
            .filter(|s| !s.cancelled)
            .collect();
    let marks = repo::marks_for_run(conn, org, run_id)?;
    let tests: HashMap<i32, (i32, i32)> = repo::test_results_for_run(conn, org, run_id)?
        .into_iter()
        .map(|(pid, points, must)| (pid, (points, must)))
        .collect();
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
            let percent = if sessions.is_empty() {
                0
            } else {
                (attended.len() * 100 / sessions.len()) as u32
            };
            let test = tests
                .get(&p.id)
                .map(|(points, must)| test_result(&course, *points, *must));
            let mut reasons = Vec::new();
            if attended.is_empty() {
                reasons.push("hat noch an keinem Termin teilgenommen".to_string());
            }
            if !missing.is_empty() {
                reasons.push(format!("Pflichtmodule fehlen: {}", missing.join(", ")));
            }
            if let Some(min) = course.min_attendance_percent {
                if percent < min as u32 {
                    reasons.push(format!("Anwesenheit {percent} % (mindestens {min} %)"));
                }
            }
            if course.test_max_points.is_some() {
                match &test {
                    None => reasons.push("Abschlusstest noch nicht eingetragen".to_string()),
                    Some(t) if !t.passed => {
                        reasons.push(if t.must_pass_correct < course.test_must_pass_questions {
                            "Abschlusstest nicht bestanden (Pflichtfragen)".to_string()
                        } else {
                            "Abschlusstest nicht bestanden (Punkte)".to_string()
                        })
                    }
                    Some(_) => {}
                }
            }
            let completed = reasons.is_empty();
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
                attendance_percent: percent,
                test,
                reasons,
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
