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

pub fn current_mark(
    conn: &mut DbConn, session_id: SessionId, participant_id: ParticipantId,
) -> AppResult<Option<AttendanceMark>> {
    Ok(attendance::table
        .filter(attendance::session_id.eq(session_id))
        .filter(attendance::participant_id.eq(participant_id))
        .select(AttendanceMark::as_select())
        .first(conn)
        .optional()?)
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
