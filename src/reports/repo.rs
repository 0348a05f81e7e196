use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::attendance::models::AttendanceStatus;
use crate::certificates::models::CertificateStatus;
use crate::db::schema::{attendance, certificates, course_runs, participants, training_sessions};
use crate::db::DbConn;
use crate::error::AppResult;
use crate::ids::OrgId;

pub struct OrganisationCounts {
    pub participants: i64,
    pub runs: i64,
    pub sessions_held: i64,
    pub completions: i64,
}

pub fn organisation_counts(
    conn: &mut DbConn, org: OrgId, now: NaiveDateTime,
) -> AppResult<OrganisationCounts> {
    Ok(OrganisationCounts {
        participants: participants::table
            .filter(participants::organisation_id.eq(org))
            .count()
            .get_result(conn)?,
        runs: course_runs::table
            .filter(course_runs::organisation_id.eq(org))
            .count()
            .get_result(conn)?,
        sessions_held: training_sessions::table
            .filter(training_sessions::organisation_id.eq(org))
            .filter(training_sessions::cancelled.eq(false))
            .filter(training_sessions::starts_at.le(now))
            .count()
            .get_result(conn)?,
        completions: certificates::table
            .filter(certificates::organisation_id.eq(org))
            .filter(certificates::status.eq(CertificateStatus::Valid))
            .count()
            .get_result(conn)?,
    })
}

/// (status, session start) of every mark in sessions held by `now`: started and not
/// cancelled (a mark on a session still to come is not attendance).
pub fn marks_with_times(
    conn: &mut DbConn, org: OrgId, now: NaiveDateTime,
) -> AppResult<Vec<(AttendanceStatus, NaiveDateTime)>> {
    Ok(attendance::table
        .inner_join(training_sessions::table)
        .filter(attendance::organisation_id.eq(org))
        .filter(training_sessions::cancelled.eq(false))
        .filter(training_sessions::starts_at.le(now))
        .select((attendance::status, training_sessions::starts_at))
        .load(conn)?)
}
