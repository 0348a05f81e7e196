use diesel::prelude::*;

use super::models::*;
use crate::db::schema::{consent_events, enrollments, participants};
use crate::db::DbConn;
use crate::error::{AppError, AppResult};
use crate::ids::{EnrollmentId, OrgId, ParticipantId, RunId};

use EnrollmentStatus::{Cancelled, Enrolled, Waiting};

pub fn insert(conn: &mut DbConn, form: &ParticipantInsertForm) -> AppResult<Participant> {
    // The model does not select every column; a plain `get_result` would read them all.
    let id: i32 = diesel::insert_into(participants::table)
        .values(form)
        .returning(participants::id)
        .get_result(conn)?;
    Ok(participants::table.find(id).select(Participant::as_select()).first(conn)?)
}

pub fn list(conn: &mut DbConn, org: OrgId) -> AppResult<Vec<Participant>> {
    Ok(participants::table
        .filter(participants::organisation_id.eq(org))
        .order((participants::family_name.asc(), participants::given_name.asc()))
        .select(Participant::as_select())
        .load(conn)?)
}

pub fn get(conn: &mut DbConn, org: OrgId, id: ParticipantId) -> AppResult<Participant> {
    participants::table
        .filter(participants::organisation_id.eq(org))
        .filter(participants::id.eq(id))
        .select(Participant::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| AppError::not_found("thing.participant"))
}

pub fn count_enrolled(conn: &mut DbConn, run_id: RunId) -> AppResult<i64> {
    Ok(enrollments::table
        .filter(enrollments::run_id.eq(run_id))
        .filter(enrollments::status.eq(Enrolled))
        .count()
        .get_result(conn)?)
}

pub fn find_enrollment(
    conn: &mut DbConn, run_id: RunId, participant_id: ParticipantId,
) -> AppResult<Option<Enrollment>> {
    Ok(enrollments::table
        .filter(enrollments::run_id.eq(run_id))
        .filter(enrollments::participant_id.eq(participant_id))
        .select(Enrollment::as_select())
        .first(conn)
        .optional()?)
}

pub fn insert_enrollment(
    conn: &mut DbConn, org: OrgId, run_id: RunId, participant_id: ParticipantId,
    status: EnrollmentStatus,
) -> AppResult<Enrollment> {
    Ok(diesel::insert_into(enrollments::table)
        .values((
            enrollments::organisation_id.eq(org),
            enrollments::run_id.eq(run_id),
            enrollments::participant_id.eq(participant_id),
            enrollments::status.eq(status),
            enrollments::created_at.eq(crate::time::now_utc()),
        ))
        .get_result(conn)?)
}

/// A cancelled enrollment taken up again goes to the end of the queue.
pub fn reopen_enrollment(
    conn: &mut DbConn, id: EnrollmentId, status: EnrollmentStatus,
) -> AppResult<Enrollment> {
    Ok(diesel::update(enrollments::table.find(id))
        .set((
            enrollments::status.eq(status),
            enrollments::created_at.eq(crate::time::now_utc()),
            enrollments::cancelled_at.eq(None::<chrono::NaiveDateTime>),
            enrollments::promoted_at.eq(None::<chrono::NaiveDateTime>),
        ))
        .get_result(conn)?)
}

pub fn set_enrollment_status(
    conn: &mut DbConn, id: EnrollmentId, status: EnrollmentStatus, now: chrono::NaiveDateTime,
) -> AppResult<Enrollment> {
    let q = diesel::update(enrollments::table.find(id));
    Ok(match status {
        Cancelled => q
            .set((enrollments::status.eq(status), enrollments::cancelled_at.eq(Some(now))))
            .get_result(conn)?,
        Enrolled | Waiting => q
            .set((enrollments::status.eq(status), enrollments::promoted_at.eq(Some(now))))
            .get_result(conn)?,
    })
}

/// The run's waiting list as enrollments, first in line first.
pub fn waiting_enrollments(conn: &mut DbConn, run_id: RunId) -> AppResult<Vec<Enrollment>> {
    Ok(enrollments::table
        .filter(enrollments::run_id.eq(run_id))
        .filter(enrollments::status.eq(Waiting))
        .order((enrollments::created_at.asc(), enrollments::id.asc()))
        .select(Enrollment::as_select())
        .load(conn)?)
}

/// The waiting list of a run, in order.
pub fn waiting_list(conn: &mut DbConn, org: OrgId, run_id: RunId) -> AppResult<Vec<Participant>> {
    Ok(enrollments::table
        .inner_join(participants::table)
        .filter(enrollments::organisation_id.eq(org))
        .filter(enrollments::run_id.eq(run_id))
        .filter(enrollments::status.eq(Waiting))
        .order((enrollments::created_at.asc(), enrollments::id.asc()))
        .select(Participant::as_select())
        .load(conn)?)
}

/// Whether the person holds a place (not waiting, not cancelled) in the run.
pub fn holds_place(
    conn: &mut DbConn, run_id: RunId, participant_id: ParticipantId,
) -> AppResult<bool> {
    Ok(find_enrollment(conn, run_id, participant_id)?.is_some_and(|e| e.status == Enrolled))
}

/// Participants enrolled in a run, by family name.
/// These participants of the organisation, in no particular order (one query for many).
pub fn by_ids(conn: &mut DbConn, org: OrgId, ids: &[ParticipantId]) -> AppResult<Vec<Participant>> {
    Ok(participants::table
        .filter(participants::organisation_id.eq(org))
        .filter(participants::id.eq_any(ids))
        .select(Participant::as_select())
        .load(conn)?)
}

pub fn enrolled_in(conn: &mut DbConn, org: OrgId, run_id: RunId) -> AppResult<Vec<Participant>> {
    Ok(enrollments::table
        .inner_join(participants::table)
        .filter(enrollments::organisation_id.eq(org))
        .filter(enrollments::run_id.eq(run_id))
        .filter(enrollments::status.eq(Enrolled))
        .order((participants::family_name.asc(), participants::given_name.asc(), participants::id))
        .select(Participant::as_select())
        .load(conn)?)
}

/// (run, person) holding a place in these runs, each run's people in the order of
/// [`enrolled_in`]: one query however many runs.
pub fn enrolled_in_runs(
    conn: &mut DbConn, org: OrgId, runs: &[RunId],
) -> AppResult<Vec<(RunId, Participant)>> {
    Ok(enrollments::table
        .inner_join(participants::table)
        .filter(enrollments::organisation_id.eq(org))
        .filter(enrollments::run_id.eq_any(runs))
        .filter(enrollments::status.eq(Enrolled))
        .order((participants::family_name.asc(), participants::given_name.asc(), participants::id))
        .select((enrollments::run_id, Participant::as_select()))
        .load(conn)?)
}

pub fn set_card_code(conn: &mut DbConn, id: ParticipantId, code: &str) -> AppResult<()> {
    diesel::update(participants::table.find(id))
        .set(participants::card_code.eq(Some(code)))
        .execute(conn)?;
    Ok(())
}

pub fn by_card_code(conn: &mut DbConn, org: OrgId, code: &str) -> AppResult<Option<Participant>> {
    Ok(participants::table
        .filter(participants::organisation_id.eq(org))
        .filter(participants::card_code.eq(code))
        .select(Participant::as_select())
        .first(conn)
        .optional()?)
}

/// A corrected name (e.g. spelled as in the passport, before re-issuing a certificate).
pub fn set_names(
    conn: &mut DbConn, org: OrgId, id: ParticipantId, given_name: &str, family_name: &str,
) -> AppResult<()> {
    let changed = diesel::update(
        participants::table
            .filter(participants::organisation_id.eq(org))
            .filter(participants::id.eq(id)),
    )
    .set((participants::given_name.eq(given_name), participants::family_name.eq(family_name)))
    .execute(conn)?;
    if changed == 0 {
        return Err(AppError::not_found("thing.person"));
    }
    Ok(())
}

/// Every correctable field at once (Art. 16).
pub fn update(
    conn: &mut DbConn, org: OrgId, id: ParticipantId, form: &ParticipantUpdateForm,
) -> AppResult<Participant> {
    diesel::update(
        participants::table
            .filter(participants::organisation_id.eq(org))
            .filter(participants::id.eq(id)),
    )
    .set(form)
    .execute(conn)?;
    get(conn, org, id)
}

/// When the person's data was erased (their row stays, emptied), if it was.
pub fn erased_at(
    conn: &mut DbConn, org: OrgId, id: ParticipantId,
) -> AppResult<Option<chrono::NaiveDateTime>> {
    participants::table
        .filter(participants::organisation_id.eq(org))
        .filter(participants::id.eq(id))
        .select(participants::erased_at)
        .first(conn)
        .optional()?
        .ok_or_else(|| AppError::not_found("thing.participant"))
}

pub fn insert_consent_event(conn: &mut DbConn, form: &ConsentEventInsertForm) -> AppResult<()> {
    diesel::insert_into(consent_events::table).values(form).execute(conn)?;
    Ok(())
}

/// (organisation, run, participant) of every place held twice in one run.
pub fn enrolled_twice(conn: &mut DbConn) -> AppResult<Vec<(OrgId, RunId, ParticipantId)>> {
    Ok(enrollments::table
        .filter(enrollments::status.ne(Cancelled))
        .group_by((enrollments::organisation_id, enrollments::run_id, enrollments::participant_id))
        .having(diesel::dsl::count_star().gt(1))
        .select((enrollments::organisation_id, enrollments::run_id, enrollments::participant_id))
        .load(conn)?)
}

/// What a participant's row is referred to by, counted: whether deleting the row would take
/// history with it (see `service::deletion`).
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Traces {
    /// Enrollments holding a place or waiting.
    pub active_enrolments: i64,
    pub cancelled_enrolments: i64,
    /// Attendance marks (current and earlier revisions).
    pub attendance: i64,
    pub test_results: i64,
    /// Certificates of any status, and the record of re-issues.
    pub certificates: i64,
    pub session_reminders: i64,
    pub consent_events: i64,
    /// Mails about the person in the outbox (waiting, sent or failed).
    pub mails: i64,
}

pub fn traces(conn: &mut DbConn, org: OrgId, id: ParticipantId) -> AppResult<Traces> {
    use crate::db::schema::{
        attendance, attendance_marks, certificate_reissues, certificates, session_reminders,
        test_results,
    };
    let enrolments = |conn: &mut DbConn, cancelled: bool| -> AppResult<i64> {
        let q = enrollments::table
            .filter(enrollments::organisation_id.eq(org))
            .filter(enrollments::participant_id.eq(id));
        Ok(if cancelled {
            q.filter(enrollments::status.eq(Cancelled)).count().get_result(conn)?
        } else {
            q.filter(enrollments::status.ne(Cancelled)).count().get_result(conn)?
        })
    };
    let attendance: i64 = attendance::table
        .filter(attendance::participant_id.eq(id))
        .count()
        .get_result::<i64>(conn)?
        + attendance_marks::table
            .filter(attendance_marks::participant_id.eq(id))
            .count()
            .get_result::<i64>(conn)?;
    let certificates: i64 = certificates::table
        .filter(certificates::participant_id.eq(id))
        .count()
        .get_result::<i64>(conn)?
        + certificate_reissues::table
            .filter(certificate_reissues::participant_id.eq(id))
            .count()
            .get_result::<i64>(conn)?;
    Ok(Traces {
        active_enrolments: enrolments(conn, false)?,
        cancelled_enrolments: enrolments(conn, true)?,
        attendance,
        test_results: test_results::table
            .filter(test_results::participant_id.eq(id))
            .count()
            .get_result(conn)?,
        certificates,
        session_reminders: session_reminders::table
            .filter(session_reminders::participant_id.eq(id))
            .count()
            .get_result(conn)?,
        consent_events: consent_events::table
            .filter(consent_events::organisation_id.eq(org))
            .filter(consent_events::participant_id.eq(id))
            .count()
            .get_result(conn)?,
        mails: crate::db::schema::mail_outbox::table
            .filter(crate::db::schema::mail_outbox::organisation_id.eq(org))
            .filter(crate::db::schema::mail_outbox::participant_id.eq(id))
            .count()
            .get_result(conn)?,
    })
}

/// The runs a participant holds a place in or waits for: (run, course title, first day,
/// status), the earliest run first.
pub fn active_enrolments(
    conn: &mut DbConn, org: OrgId, id: ParticipantId,
) -> AppResult<Vec<(RunId, String, chrono::NaiveDate, EnrollmentStatus)>> {
    use crate::db::schema::{course_runs, courses};
    Ok(enrollments::table
        .inner_join(course_runs::table.inner_join(courses::table))
        .filter(enrollments::organisation_id.eq(org))
        .filter(enrollments::participant_id.eq(id))
        .filter(enrollments::status.ne(Cancelled))
        .order((course_runs::start_date.asc(), course_runs::id.asc()))
        .select((course_runs::id, courses::title, course_runs::start_date, enrollments::status))
        .load(conn)?)
}

/// Deletes a participant who left no history, with what only refers to them: cancelled
/// enrollments, reminder marks and the consent history. The caller checked the history.
pub fn delete(conn: &mut DbConn, org: OrgId, id: ParticipantId) -> AppResult<usize> {
    use crate::db::schema::session_reminders;
    diesel::delete(
        enrollments::table
            .filter(enrollments::organisation_id.eq(org))
            .filter(enrollments::participant_id.eq(id))
            .filter(enrollments::status.eq(Cancelled)),
    )
    .execute(conn)?;
    diesel::delete(session_reminders::table.filter(session_reminders::participant_id.eq(id)))
        .execute(conn)?;
    diesel::delete(
        consent_events::table
            .filter(consent_events::organisation_id.eq(org))
            .filter(consent_events::participant_id.eq(id)),
    )
    .execute(conn)?;
    Ok(diesel::delete(
        participants::table
            .filter(participants::organisation_id.eq(org))
            .filter(participants::id.eq(id)),
    )
    .execute(conn)?)
}

/// The organisation's runs that have not ended by `today` (what people can still be
/// enrolled in): (run, course title, first day, last day, place, capacity), the earliest
/// first.
#[allow(clippy::type_complexity)]
pub fn open_runs(
    conn: &mut DbConn, org: OrgId, today: chrono::NaiveDate,
) -> AppResult<Vec<(RunId, String, chrono::NaiveDate, chrono::NaiveDate, String, i32)>> {
    use crate::db::schema::{course_runs, courses};
    Ok(course_runs::table
        .inner_join(courses::table)
        .filter(course_runs::organisation_id.eq(org))
        .filter(course_runs::end_date.ge(today))
        .order((course_runs::start_date.asc(), course_runs::id.asc()))
        .select((
            course_runs::id,
            courses::title,
            course_runs::start_date,
            course_runs::end_date,
            course_runs::place,
            course_runs::capacity,
        ))
        .load(conn)?)
}
