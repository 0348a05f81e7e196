//! SQL of referrals: the people a referrer registered, their enrolments, the open runs.

use chrono::NaiveDate;
use diesel::prelude::*;

use crate::db::schema::{course_runs, courses, enrollments, participants};
use crate::db::DbConn;
use crate::error::AppResult;
use crate::ids::{OrgId, ParticipantId, RunId, UserId};
use crate::participants::models::EnrollmentStatus;

/// A referred person as the referrer's list shows them.
#[derive(Debug, Queryable)]
pub struct PersonRow {
    pub id: ParticipantId,
    pub given_name: String,
    pub family_name: String,
    pub preferred_language: String,
    pub email: Option<String>,
}

/// The people of the organisation whose referrer is the account, not erased, by name.
pub fn people_of(conn: &mut DbConn, org: OrgId, user: UserId) -> AppResult<Vec<PersonRow>> {
    Ok(participants::table
        .filter(participants::organisation_id.eq(org))
        .filter(participants::referred_by_user_id.eq(user))
        .filter(participants::erased_at.is_null())
        .order((participants::family_name, participants::given_name, participants::id))
        .select((
            participants::id,
            participants::given_name,
            participants::family_name,
            participants::preferred_language,
            participants::email,
        ))
        .load(conn)?)
}

/// The person, when they are of the organisation, referred by the account and not erased.
pub fn person_of(
    conn: &mut DbConn, org: OrgId, user: UserId, id: ParticipantId,
) -> AppResult<Option<PersonRow>> {
    Ok(participants::table
        .filter(participants::id.eq(id))
        .filter(participants::organisation_id.eq(org))
        .filter(participants::referred_by_user_id.eq(user))
        .filter(participants::erased_at.is_null())
        .select((
            participants::id,
            participants::given_name,
            participants::family_name,
            participants::preferred_language,
            participants::email,
        ))
        .first(conn)
        .optional()?)
}

/// An enrolment of a referred person, with its run.
#[derive(Debug, Queryable)]
pub struct EnrolmentRow {
    pub participant_id: ParticipantId,
    pub run_id: RunId,
    pub status: EnrollmentStatus,
    pub course_title: String,
    pub start_date: NaiveDate,
    pub end_date: NaiveDate,
    pub place: String,
}

/// Every enrolment (cancelled ones too) of the people, newest run first.
pub fn enrolments_of(
    conn: &mut DbConn, org: OrgId, people: &[ParticipantId],
) -> AppResult<Vec<EnrolmentRow>> {
    Ok(enrollments::table
        .inner_join(course_runs::table.on(course_runs::id.eq(enrollments::run_id)))
        .inner_join(courses::table.on(courses::id.eq(course_runs::course_id)))
        .filter(enrollments::organisation_id.eq(org))
        .filter(course_runs::organisation_id.eq(org))
        .filter(enrollments::participant_id.eq_any(people))
        .order((course_runs::start_date.desc(), course_runs::id.desc()))
        .select((
            enrollments::participant_id,
            enrollments::run_id,
            enrollments::status,
            courses::title,
            course_runs::start_date,
            course_runs::end_date,
            course_runs::place,
        ))
        .load(conn)?)
}

/// A run that has not ended by `today`, with its course.
#[derive(Debug, Queryable)]
pub struct OpenRunRow {
    pub run_id: RunId,
    pub course_title: String,
    pub course_code: String,
    pub start_date: NaiveDate,
    pub end_date: NaiveDate,
    pub place: String,
    pub capacity: i32,
}

/// The organisation's runs that end on `today` or later, soonest first.
pub fn open_runs(conn: &mut DbConn, org: OrgId, today: NaiveDate) -> AppResult<Vec<OpenRunRow>> {
    Ok(course_runs::table
        .inner_join(courses::table.on(courses::id.eq(course_runs::course_id)))
        .filter(course_runs::organisation_id.eq(org))
        .filter(course_runs::end_date.ge(today))
        .order((course_runs::start_date, course_runs::id))
        .select((
            course_runs::id,
            courses::title,
            courses::code,
            course_runs::start_date,
            course_runs::end_date,
            course_runs::place,
            course_runs::capacity,
        ))
        .load(conn)?)
}

/// (run, status) of every place and waiting-list entry in the runs.
pub fn standings(
    conn: &mut DbConn, org: OrgId, runs: &[RunId],
) -> AppResult<Vec<(RunId, EnrollmentStatus)>> {
    Ok(enrollments::table
        .filter(enrollments::organisation_id.eq(org))
        .filter(enrollments::run_id.eq_any(runs))
        .filter(enrollments::status.ne(EnrollmentStatus::Cancelled))
        .select((enrollments::run_id, enrollments::status))
        .load(conn)?)
}

/// Records the account as the person's referrer (in the registration's transaction).
pub fn set_referrer(
    conn: &mut DbConn, org: OrgId, id: ParticipantId, user: UserId,
) -> AppResult<()> {
    diesel::update(
        participants::table
            .filter(participants::id.eq(id))
            .filter(participants::organisation_id.eq(org)),
    )
    .set(participants::referred_by_user_id.eq(Some(user)))
    .execute(conn)?;
    Ok(())
}
