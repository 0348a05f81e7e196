use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::models::AttendanceMark;
use crate::db::dialect::AttendanceUpsert;
use crate::db::schema::{attendance, attendance_marks, test_results, training_sessions, users};
use crate::db::DbConn;
use crate::error::AppResult;
use crate::ids::{OrgId, ParticipantId, RunId, SessionId};

/// Keeps every mark ever made: who marked what and when.
pub fn insert_history(conn: &mut DbConn, m: &AttendanceUpsert) -> AppResult<()> {
    diesel::insert_into(attendance_marks::table)
        .values((
            attendance_marks::organisation_id.eq(m.organisation_id),
            attendance_marks::session_id.eq(m.session_id),
            attendance_marks::participant_id.eq(m.participant_id),
            attendance_marks::status.eq(m.status),
            attendance_marks::left_early.eq(m.left_early),
            attendance_marks::marked_by.eq(m.marked_by),
            attendance_marks::marked_at.eq(m.marked_at),
        ))
        .execute(conn)?;
    Ok(())
}

pub fn marks_for_session(
    conn: &mut DbConn, org: OrgId, session_id: SessionId,
) -> AppResult<Vec<(AttendanceMark, String)>> {
    Ok(attendance::table
        .inner_join(users::table.on(users::id.eq(attendance::marked_by)))
        .filter(attendance::organisation_id.eq(org))
        .filter(attendance::session_id.eq(session_id))
        .select((AttendanceMark::as_select(), users::display_name))
        .load(conn)?)
}

/// The current mark with the name of who made it.
pub fn current_mark(
    conn: &mut DbConn, session_id: SessionId, participant_id: ParticipantId,
) -> AppResult<Option<(AttendanceMark, String)>> {
    Ok(attendance::table
        .inner_join(users::table.on(users::id.eq(attendance::marked_by)))
        .filter(attendance::session_id.eq(session_id))
        .filter(attendance::participant_id.eq(participant_id))
        .select((AttendanceMark::as_select(), users::display_name))
        .first(conn)
        .optional()?)
}

/// When the newest mark of the history was made.
pub fn last_history_at(
    conn: &mut DbConn, session_id: SessionId, participant_id: ParticipantId,
) -> AppResult<Option<NaiveDateTime>> {
    Ok(attendance_marks::table
        .filter(attendance_marks::session_id.eq(session_id))
        .filter(attendance_marks::participant_id.eq(participant_id))
        .select(diesel::dsl::max(attendance_marks::marked_at))
        .first(conn)?)
}

/// (organisation, session, participant, marked at, session start) of a stored mark.
pub type MarkTime = (OrgId, SessionId, ParticipantId, NaiveDateTime, NaiveDateTime);

/// Every current mark of every organisation with its session's start.
pub fn all_current_mark_times(conn: &mut DbConn) -> AppResult<Vec<MarkTime>> {
    Ok(attendance::table
        .inner_join(training_sessions::table)
        .select((
            attendance::organisation_id,
            attendance::session_id,
            attendance::participant_id,
            attendance::marked_at,
            training_sessions::starts_at,
        ))
        .load(conn)?)
}

/// Every mark of the history with its session's start, per (session, participant) in the
/// order they were written.
pub fn all_history_mark_times(conn: &mut DbConn) -> AppResult<Vec<MarkTime>> {
    Ok(attendance_marks::table
        .inner_join(
            training_sessions::table.on(training_sessions::id.eq(attendance_marks::session_id)),
        )
        .order((
            attendance_marks::session_id,
            attendance_marks::participant_id,
            attendance_marks::id,
        ))
        .select((
            attendance_marks::organisation_id,
            attendance_marks::session_id,
            attendance_marks::participant_id,
            attendance_marks::marked_at,
            training_sessions::starts_at,
        ))
        .load(conn)?)
}

/// (organisation, run, participant, recorded at) of every test result.
pub fn all_test_result_times(
    conn: &mut DbConn,
) -> AppResult<Vec<(OrgId, RunId, ParticipantId, NaiveDateTime)>> {
    Ok(test_results::table
        .select((
            test_results::organisation_id,
            test_results::run_id,
            test_results::participant_id,
            test_results::recorded_at,
        ))
        .load(conn)?)
}

/// (run, session, start) of every session of every run that has a test result.
pub fn sessions_of_tested_runs(
    conn: &mut DbConn,
) -> AppResult<Vec<(RunId, SessionId, NaiveDateTime)>> {
    let tested = test_results::table.select(test_results::run_id);
    Ok(training_sessions::table
        .filter(training_sessions::run_id.eq_any(tested))
        .select((training_sessions::run_id, training_sessions::id, training_sessions::starts_at))
        .load(conn)?)
}

pub fn history_count(
    conn: &mut DbConn, session_id: SessionId, participant_id: ParticipantId,
) -> AppResult<i64> {
    Ok(attendance_marks::table
        .filter(attendance_marks::session_id.eq(session_id))
        .filter(attendance_marks::participant_id.eq(participant_id))
        .count()
        .get_result(conn)?)
}

/// All marks of a run's sessions that are not cancelled.
pub fn marks_for_run(
    conn: &mut DbConn, org: OrgId, run_id: RunId,
) -> AppResult<Vec<AttendanceMark>> {
    Ok(attendance::table
        .inner_join(training_sessions::table)
        .filter(attendance::organisation_id.eq(org))
        .filter(training_sessions::run_id.eq(run_id))
        .filter(training_sessions::cancelled.eq(false))
        .select(AttendanceMark::as_select())
        .load(conn)?)
}

/// The current marks of these runs' sessions (cancelled ones aside), each with its run:
/// one query however many runs.
pub fn marks_for_runs(
    conn: &mut DbConn, org: OrgId, runs: &[RunId],
) -> AppResult<Vec<(RunId, AttendanceMark)>> {
    Ok(attendance::table
        .inner_join(training_sessions::table)
        .filter(attendance::organisation_id.eq(org))
        .filter(training_sessions::run_id.eq_any(runs))
        .filter(training_sessions::cancelled.eq(false))
        .select((training_sessions::run_id, AttendanceMark::as_select()))
        .load(conn)?)
}

/// (run, participant id, points, must-pass questions correct) of these runs' test results.
pub fn test_results_for_runs(
    conn: &mut DbConn, org: OrgId, runs: &[RunId],
) -> AppResult<Vec<(RunId, ParticipantId, i32, i32)>> {
    Ok(test_results::table
        .filter(test_results::organisation_id.eq(org))
        .filter(test_results::run_id.eq_any(runs))
        .select((
            test_results::run_id,
            test_results::participant_id,
            test_results::points,
            test_results::must_pass_correct,
        ))
        .load(conn)?)
}

/// (participant id, points, must-pass questions correct) of a run's test results.
pub fn test_results_for_run(
    conn: &mut DbConn, org: OrgId, run_id: RunId,
) -> AppResult<Vec<(ParticipantId, i32, i32)>> {
    Ok(test_results::table
        .filter(test_results::organisation_id.eq(org))
        .filter(test_results::run_id.eq(run_id))
        .select((
            test_results::participant_id,
            test_results::points,
            test_results::must_pass_correct,
        ))
        .load(conn)?)
}

/// Whether the participant holds a valid certificate of the run: what it attests cannot be
/// taken back by a correction (the certificate is revoked first).
pub fn holds_valid_certificate(
    conn: &mut DbConn, run_id: RunId, participant_id: ParticipantId,
) -> AppResult<bool> {
    use crate::db::schema::certificates;
    Ok(diesel::select(diesel::dsl::exists(
        certificates::table
            .filter(certificates::run_id.eq(run_id))
            .filter(certificates::participant_id.eq(participant_id))
            .filter(certificates::status.eq("valid")),
    ))
    .get_result(conn)?)
}
