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
pub fn enrolled_in(conn: &mut DbConn, org: OrgId, run_id: RunId) -> AppResult<Vec<Participant>> {
    Ok(enrollments::table
        .inner_join(participants::table)
        .filter(enrollments::organisation_id.eq(org))
        .filter(enrollments::run_id.eq(run_id))
        .filter(enrollments::status.eq(Enrolled))
        .order((participants::family_name.asc(), participants::given_name.asc()))
        .select(Participant::as_select())
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
