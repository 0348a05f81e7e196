//! SQL of programmes: the programmes, their periods and members, and the aggregate reads
//! behind the figures. Every read of figures takes the member organisations it may read
//! and returns counts, never a row about a person.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::dsl::{count_star, sum};
use diesel::prelude::*;

use super::models::{
    MemberInsertForm, MemberRow, MemberState, Period, PeriodInsertForm, Programme,
    ProgrammeInsertForm, Sharing,
};
use crate::attendance::models::AttendanceStatus;
use crate::certificates::models::CertificateStatus;
use crate::db::schema::{
    attendance, certificate_checks, certificates, course_runs, enrollments, organisations,
    participants, programme_members, programme_periods, programme_quarters, programmes,
    session_interpreter_languages, training_sessions,
};
use crate::db::DbConn;
use crate::error::{AppError, AppResult};
use crate::ids::{CourseId, OrgId, ProgrammeId, RunId};
use crate::participants::models::EnrollmentStatus;

pub fn insert(conn: &mut DbConn, form: &ProgrammeInsertForm) -> AppResult<Programme> {
    let id: ProgrammeId = diesel::insert_into(programmes::table)
        .values(form)
        .returning(programmes::id)
        .get_result(conn)?;
    get(conn, id)
}

pub fn get(conn: &mut DbConn, id: ProgrammeId) -> AppResult<Programme> {
    programmes::table
        .find(id)
        .select(Programme::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| AppError::not_found("thing.programme"))
}

pub fn list(conn: &mut DbConn) -> AppResult<Vec<Programme>> {
    Ok(programmes::table.order(programmes::name.asc()).select(Programme::as_select()).load(conn)?)
}

pub fn insert_period(conn: &mut DbConn, form: &PeriodInsertForm) -> AppResult<()> {
    diesel::insert_into(programme_periods::table).values(form).execute(conn)?;
    Ok(())
}

pub fn periods(conn: &mut DbConn, programme: ProgrammeId) -> AppResult<Vec<Period>> {
    Ok(programme_periods::table
        .filter(programme_periods::programme_id.eq(programme))
        .order(programme_periods::starts_on.asc())
        .select(Period::as_select())
        .load(conn)?)
}

pub fn member(
    conn: &mut DbConn, programme: ProgrammeId, org: OrgId,
) -> AppResult<Option<MemberRow>> {
    Ok(programme_members::table
        .find((programme, org))
        .select(MemberRow::as_select())
        .first(conn)
        .optional()?)
}

/// Every organisation ever invited, with its name, by name.
pub fn members(conn: &mut DbConn, programme: ProgrammeId) -> AppResult<Vec<(MemberRow, String)>> {
    Ok(programme_members::table
        .inner_join(organisations::table)
        .filter(programme_members::programme_id.eq(programme))
        .order(organisations::name.asc())
        .select((MemberRow::as_select(), organisations::name))
        .load(conn)?)
}

/// The programmes an organisation was ever invited to, with their names.
pub fn memberships_of(conn: &mut DbConn, org: OrgId) -> AppResult<Vec<(MemberRow, Programme)>> {
    Ok(programme_members::table
        .inner_join(programmes::table)
        .filter(programme_members::organisation_id.eq(org))
        .order(programmes::name.asc())
        .select((MemberRow::as_select(), Programme::as_select()))
        .load(conn)?)
}

/// The members sharing their figures now, with their names, by name.
pub fn sharing_figures(
    conn: &mut DbConn, programme: ProgrammeId,
) -> AppResult<Vec<(OrgId, String)>> {
    Ok(programme_members::table
        .inner_join(organisations::table)
        .filter(programme_members::programme_id.eq(programme))
        .filter(programme_members::state.eq(MemberState::Member))
        .filter(programme_members::share_figures.eq(true))
        .order((organisations::name.asc(), organisations::id.asc()))
        .select((organisations::id, organisations::name))
        .load(conn)?)
}

pub fn insert_member(conn: &mut DbConn, form: &MemberInsertForm) -> AppResult<()> {
    diesel::insert_into(programme_members::table).values(form).execute(conn)?;
    Ok(())
}

/// Writes the state and sharing of a membership, if it still is in `expected` (a stale
/// or concurrent answer changes nothing: 0).
pub fn set_member(
    conn: &mut DbConn, programme: ProgrammeId, org: OrgId, expected: &[MemberState],
    state: MemberState, sharing: Sharing, at: NaiveDateTime,
) -> AppResult<usize> {
    Ok(diesel::update(
        programme_members::table
            .find((programme, org))
            .filter(programme_members::state.eq_any(expected.to_vec())),
    )
    .set((
        programme_members::state.eq(state),
        programme_members::share_figures.eq(sharing.figures),
        programme_members::share_templates.eq(sharing.templates),
        programme_members::decided_at.eq(Some(at)),
    ))
    .execute(conn)?)
}

/// Invites again an organisation that declined or left.
pub fn reinvite(
    conn: &mut DbConn, programme: ProgrammeId, org: OrgId, at: NaiveDateTime,
) -> AppResult<usize> {
    Ok(diesel::update(
        programme_members::table
            .find((programme, org))
            .filter(programme_members::state.eq_any([MemberState::Declined, MemberState::Left])),
    )
    .set((
        programme_members::state.eq(MemberState::Invited),
        programme_members::share_figures.eq(false),
        programme_members::share_templates.eq(false),
        programme_members::invited_at.eq(at),
        programme_members::decided_at.eq(None::<NaiveDateTime>),
    ))
    .execute(conn)?)
}

/// The frozen figures of a quarter, if they were shown before.
pub fn frozen_quarter(
    conn: &mut DbConn, programme: ProgrammeId, starts_on: NaiveDate,
) -> AppResult<Option<String>> {
    Ok(programme_quarters::table
        .find((programme, starts_on))
        .select(programme_quarters::figures)
        .first(conn)
        .optional()?)
}

/// Freezes a quarter's figures unless another request (or replica) did first: the first
/// stored stays.
pub fn freeze_quarter(
    conn: &mut DbConn, programme: ProgrammeId, starts_on: NaiveDate, figures: &str,
    at: NaiveDateTime,
) -> AppResult<()> {
    crate::db::dialect::freeze_quarter_once(conn, programme, starts_on, figures, at)
}

/// The names of organisations, by name.
pub fn names(conn: &mut DbConn, orgs: &[OrgId]) -> AppResult<Vec<(OrgId, String)>> {
    Ok(organisations::table
        .filter(organisations::id.eq_any(orgs))
        .order((organisations::name.asc(), organisations::id.asc()))
        .select((organisations::id, organisations::name))
        .load(conn)?)
}

// The reads behind the figures. Each takes the member organisations and the days of the
// period; quarters are formed by the caller.

/// A run starting within the days: its organisation, course, first day and places.
#[derive(Debug, Clone, Queryable)]
pub struct RunLine {
    pub id: RunId,
    pub organisation_id: OrgId,
    pub course_id: CourseId,
    pub start_date: NaiveDate,
    pub capacity: i32,
}

pub fn runs_starting(
    conn: &mut DbConn, orgs: &[OrgId], from: NaiveDate, to: NaiveDate,
) -> AppResult<Vec<RunLine>> {
    Ok(course_runs::table
        .filter(course_runs::organisation_id.eq_any(orgs))
        .filter(course_runs::start_date.between(from, to))
        .select((
            course_runs::id,
            course_runs::organisation_id,
            course_runs::course_id,
            course_runs::start_date,
            course_runs::capacity,
        ))
        .load(conn)?)
}

/// Enrolments (not cancelled) of the runs starting within the days, counted per run and
/// status.
pub fn enrolments_by_run(
    conn: &mut DbConn, orgs: &[OrgId], from: NaiveDate, to: NaiveDate,
) -> AppResult<Vec<(RunId, EnrollmentStatus, i64)>> {
    Ok(enrollments::table
        .inner_join(course_runs::table)
        .filter(enrollments::organisation_id.eq_any(orgs))
        .filter(course_runs::start_date.between(from, to))
        .filter(enrollments::status.ne(EnrollmentStatus::Cancelled))
        .group_by((enrollments::run_id, enrollments::status))
        .select((enrollments::run_id, enrollments::status, count_star()))
        .load(conn)?)
}

/// People holding a place in runs starting within the days, counted per run and language.
pub fn places_by_language(
    conn: &mut DbConn, orgs: &[OrgId], from: NaiveDate, to: NaiveDate,
) -> AppResult<Vec<(RunId, String, i64)>> {
    Ok(enrollments::table
        .inner_join(course_runs::table)
        .inner_join(participants::table)
        .filter(enrollments::organisation_id.eq_any(orgs))
        .filter(course_runs::start_date.between(from, to))
        .filter(enrollments::status.eq(EnrollmentStatus::Enrolled))
        .group_by((enrollments::run_id, participants::preferred_language))
        .select((enrollments::run_id, participants::preferred_language, count_star()))
        .load(conn)?)
}

/// People holding a place in runs starting within the days who came through a referrer,
/// counted per run: registered by a referrer's account (`by_account`), or with a
/// referrer named by staff and no account (otherwise).
pub fn places_referred(
    conn: &mut DbConn, orgs: &[OrgId], from: NaiveDate, to: NaiveDate, by_account: bool,
) -> AppResult<Vec<(RunId, i64)>> {
    let q = enrollments::table
        .inner_join(course_runs::table)
        .inner_join(participants::table)
        .filter(enrollments::organisation_id.eq_any(orgs))
        .filter(course_runs::start_date.between(from, to))
        .filter(enrollments::status.eq(EnrollmentStatus::Enrolled))
        .group_by(enrollments::run_id)
        .select((enrollments::run_id, count_star()))
        .into_boxed();
    let q = if by_account {
        q.filter(participants::referred_by_user_id.is_not_null())
    } else {
        q.filter(participants::referred_by_user_id.is_null())
            .filter(participants::referrer_name.is_not_null())
    };
    Ok(q.load(conn)?)
}

/// Valid certificates of the runs starting within the days, counted per run.
pub fn completions_by_run(
    conn: &mut DbConn, orgs: &[OrgId], from: NaiveDate, to: NaiveDate,
) -> AppResult<Vec<(RunId, i64)>> {
    Ok(certificates::table
        .inner_join(course_runs::table)
        .filter(certificates::organisation_id.eq_any(orgs))
        .filter(course_runs::start_date.between(from, to))
        .filter(certificates::status.eq(CertificateStatus::Valid))
        .group_by(certificates::run_id)
        .select((certificates::run_id, count_star()))
        .load(conn)?)
}

/// When each certificate issued in [`since`, `before`) (UTC) was issued, per organisation.
pub fn certificates_issued(
    conn: &mut DbConn, orgs: &[OrgId], since: NaiveDateTime, before: NaiveDateTime,
) -> AppResult<Vec<(OrgId, NaiveDateTime)>> {
    Ok(certificates::table
        .filter(certificates::organisation_id.eq_any(orgs))
        .filter(certificates::issued_at.ge(since))
        .filter(certificates::issued_at.lt(before))
        .select((certificates::organisation_id, certificates::issued_at))
        .load(conn)?)
}

/// Checks of certificates per organisation and day, within the days.
pub fn checks_by_day(
    conn: &mut DbConn, orgs: &[OrgId], from: NaiveDate, to: NaiveDate,
) -> AppResult<Vec<(OrgId, NaiveDate, Option<i64>)>> {
    Ok(certificate_checks::table
        .filter(certificate_checks::organisation_id.eq_any(orgs))
        .filter(certificate_checks::day.between(from, to))
        .group_by((certificate_checks::organisation_id, certificate_checks::day))
        .select((
            certificate_checks::organisation_id,
            certificate_checks::day,
            sum(certificate_checks::checks),
        ))
        .load(conn)?)
}

/// A session held (started by `now`, not cancelled) that started in [`since`, `before`).
#[derive(Debug, Clone, Queryable)]
pub struct HeldSession {
    pub id: crate::ids::SessionId,
    pub organisation_id: OrgId,
    pub starts_at: NaiveDateTime,
    pub ends_at: NaiveDateTime,
}

pub fn sessions_held(
    conn: &mut DbConn, orgs: &[OrgId], since: NaiveDateTime, before: NaiveDateTime,
    now: NaiveDateTime,
) -> AppResult<Vec<HeldSession>> {
    Ok(training_sessions::table
        .filter(training_sessions::organisation_id.eq_any(orgs))
        .filter(training_sessions::cancelled.eq(false))
        .filter(training_sessions::starts_at.ge(since))
        .filter(training_sessions::starts_at.lt(before))
        .filter(training_sessions::starts_at.le(now))
        .select((
            training_sessions::id,
            training_sessions::organisation_id,
            training_sessions::starts_at,
            training_sessions::ends_at,
        ))
        .load(conn)?)
}

/// Interpreter languages per held session of those days.
pub fn interpreters_by_session(
    conn: &mut DbConn, orgs: &[OrgId], since: NaiveDateTime, before: NaiveDateTime,
    now: NaiveDateTime,
) -> AppResult<Vec<(crate::ids::SessionId, i64)>> {
    Ok(session_interpreter_languages::table
        .inner_join(training_sessions::table)
        .filter(session_interpreter_languages::organisation_id.eq_any(orgs))
        .filter(training_sessions::cancelled.eq(false))
        .filter(training_sessions::starts_at.ge(since))
        .filter(training_sessions::starts_at.lt(before))
        .filter(training_sessions::starts_at.le(now))
        .group_by(session_interpreter_languages::session_id)
        .select((session_interpreter_languages::session_id, count_star()))
        .load(conn)?)
}

/// Attendance marks per held session of those days and status.
pub fn marks_by_session(
    conn: &mut DbConn, orgs: &[OrgId], since: NaiveDateTime, before: NaiveDateTime,
    now: NaiveDateTime,
) -> AppResult<Vec<(crate::ids::SessionId, AttendanceStatus, i64)>> {
    Ok(attendance::table
        .inner_join(training_sessions::table)
        .filter(attendance::organisation_id.eq_any(orgs))
        .filter(training_sessions::cancelled.eq(false))
        .filter(training_sessions::starts_at.ge(since))
        .filter(training_sessions::starts_at.lt(before))
        .filter(training_sessions::starts_at.le(now))
        .group_by((attendance::session_id, attendance::status))
        .select((attendance::session_id, attendance::status, count_star()))
        .load(conn)?)
}
