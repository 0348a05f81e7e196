use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::attendance::models::AttendanceStatus;
use crate::certificates::models::CertificateStatus;
use crate::db::schema::{attendance, certificates, course_runs, enrollments, training_sessions};
use crate::db::DbConn;
use crate::error::AppResult;
use crate::ids::{CourseId, OrgId, ParticipantId, RunId};
use crate::participants::models::EnrollmentStatus;

/// The runs of the organisation (of the course, if given) that overlap the days from
/// `from` to `to` (either open).
pub fn runs_in_scope(
    conn: &mut DbConn, org: OrgId, course: Option<CourseId>, from: Option<chrono::NaiveDate>,
    to: Option<chrono::NaiveDate>,
) -> AppResult<Vec<RunId>> {
    let mut q = course_runs::table
        .filter(course_runs::organisation_id.eq(org))
        .select(course_runs::id)
        .into_boxed();
    if let Some(c) = course {
        q = q.filter(course_runs::course_id.eq(c));
    }
    if let Some(from) = from {
        q = q.filter(course_runs::end_date.ge(from));
    }
    if let Some(to) = to {
        q = q.filter(course_runs::start_date.le(to));
    }
    Ok(q.load(conn)?)
}

/// The different people holding a place in the runs.
pub fn people_with_a_place(conn: &mut DbConn, org: OrgId, runs: &[RunId]) -> AppResult<i64> {
    let mut ids: Vec<ParticipantId> = enrollments::table
        .filter(enrollments::organisation_id.eq(org))
        .filter(enrollments::run_id.eq_any(runs))
        .filter(enrollments::status.eq(EnrollmentStatus::Enrolled))
        .select(enrollments::participant_id)
        .load(conn)?;
    ids.sort();
    ids.dedup();
    Ok(i64::try_from(ids.len()).unwrap_or(i64::MAX))
}

/// Sessions of the runs held by `now` (started, not cancelled) that started in
/// [`since`, `before`) (UTC; either open).
pub fn sessions_held(
    conn: &mut DbConn, org: OrgId, runs: &[RunId], since: Option<NaiveDateTime>,
    before: Option<NaiveDateTime>, now: NaiveDateTime,
) -> AppResult<i64> {
    let mut q = training_sessions::table
        .filter(training_sessions::organisation_id.eq(org))
        .filter(training_sessions::run_id.eq_any(runs))
        .filter(training_sessions::cancelled.eq(false))
        .filter(training_sessions::starts_at.le(now))
        .count()
        .into_boxed();
    if let Some(s) = since {
        q = q.filter(training_sessions::starts_at.ge(s));
    }
    if let Some(b) = before {
        q = q.filter(training_sessions::starts_at.lt(b));
    }
    Ok(q.get_result(conn)?)
}

/// (status, session start) of every mark in those sessions: a mark on a session still to
/// come is not attendance.
pub fn marks_with_times(
    conn: &mut DbConn, org: OrgId, runs: &[RunId], since: Option<NaiveDateTime>,
    before: Option<NaiveDateTime>, now: NaiveDateTime,
) -> AppResult<Vec<(AttendanceStatus, NaiveDateTime)>> {
    let mut q = attendance::table
        .inner_join(training_sessions::table)
        .filter(attendance::organisation_id.eq(org))
        .filter(training_sessions::run_id.eq_any(runs))
        .filter(training_sessions::cancelled.eq(false))
        .filter(training_sessions::starts_at.le(now))
        .select((attendance::status, training_sessions::starts_at))
        .into_boxed();
    if let Some(s) = since {
        q = q.filter(training_sessions::starts_at.ge(s));
    }
    if let Some(b) = before {
        q = q.filter(training_sessions::starts_at.lt(b));
    }
    Ok(q.load(conn)?)
}

/// Valid certificates of the runs.
pub fn completions(conn: &mut DbConn, org: OrgId, runs: &[RunId]) -> AppResult<i64> {
    Ok(certificates::table
        .filter(certificates::organisation_id.eq(org))
        .filter(certificates::run_id.eq_any(runs))
        .filter(certificates::status.eq(CertificateStatus::Valid))
        .count()
        .get_result(conn)?)
}
