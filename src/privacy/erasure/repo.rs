//! SQL of erasure and retention, and nothing else.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::rules::Retention;
use crate::db::schema::{
    attendance, audit_log, certificate_batches, certificate_reissues, certificates, consent_events,
    course_runs, enrollments, erasures, import_batches, job_runs, mail_outbox, organisations,
    participants, session_reminders,
};
use crate::db::DbConn;
use crate::error::AppResult;
use crate::ids::{CertificateId, OrgId, ParticipantId, UserId};

pub fn retention(conn: &mut DbConn, org: OrgId) -> AppResult<Retention> {
    let (participant_months, survey_months, mail_days, audit_years) = organisations::table
        .find(org)
        .select((
            organisations::retention_participant_months,
            organisations::retention_survey_months,
            organisations::retention_mail_days,
            organisations::retention_audit_years,
        ))
        .first::<(i32, i32, i32, i32)>(conn)?;
    Ok(Retention { participant_months, survey_months, mail_days, audit_years })
}

pub fn set_retention(conn: &mut DbConn, org: OrgId, r: &Retention) -> AppResult<()> {
    diesel::update(organisations::table.find(org))
        .set((
            organisations::retention_participant_months.eq(r.participant_months),
            organisations::retention_survey_months.eq(r.survey_months),
            organisations::retention_mail_days.eq(r.mail_days),
            organisations::retention_audit_years.eq(r.audit_years),
        ))
        .execute(conn)?;
    Ok(())
}

/// The organisation's participants not erased yet, with when they were registered.
pub fn live_participants(
    conn: &mut DbConn, org: OrgId,
) -> AppResult<Vec<(ParticipantId, NaiveDateTime)>> {
    Ok(participants::table
        .filter(participants::organisation_id.eq(org))
        .filter(participants::erased_at.is_null())
        .order(participants::id.asc())
        .select((participants::id, participants::created_at))
        .load(conn)?)
}

/// The end of the latest run each participant of `org` was ever enrolled in (any status).
pub fn last_run_ends(
    conn: &mut DbConn, org: OrgId,
) -> AppResult<Vec<(ParticipantId, Option<NaiveDate>)>> {
    Ok(enrollments::table
        .inner_join(course_runs::table)
        .filter(enrollments::organisation_id.eq(org))
        .group_by(enrollments::participant_id)
        .select((enrollments::participant_id, diesel::dsl::max(course_runs::end_date)))
        .load(conn)?)
}

/// When the participant was erased (`None`: not), or NotFound for another organisation's.
pub fn erased_at(
    conn: &mut DbConn, org: OrgId, p: ParticipantId,
) -> AppResult<Option<NaiveDateTime>> {
    Ok(participants::table
        .filter(participants::organisation_id.eq(org))
        .filter(participants::id.eq(p))
        .select(participants::erased_at)
        .first(conn)?)
}

pub fn count_attendance(conn: &mut DbConn, org: OrgId, p: ParticipantId) -> AppResult<i64> {
    Ok(attendance::table
        .filter(attendance::organisation_id.eq(org))
        .filter(attendance::participant_id.eq(p))
        .count()
        .get_result(conn)?)
}

pub fn count_enrolments(conn: &mut DbConn, org: OrgId, p: ParticipantId) -> AppResult<i64> {
    Ok(enrollments::table
        .filter(enrollments::organisation_id.eq(org))
        .filter(enrollments::participant_id.eq(p))
        .count()
        .get_result(conn)?)
}

pub fn count_mail_of(conn: &mut DbConn, org: OrgId, p: ParticipantId) -> AppResult<i64> {
    Ok(mail_outbox::table
        .filter(mail_outbox::organisation_id.eq(org))
        .filter(mail_outbox::participant_id.eq(p))
        .count()
        .get_result(conn)?)
}

/// Empties the participant's personal fields and marks the row erased; the language stays
/// (not identifying; the reports count by it).
pub fn blank_participant(
    conn: &mut DbConn, org: OrgId, p: ParticipantId, now: NaiveDateTime,
) -> AppResult<usize> {
    Ok(diesel::update(
        participants::table
            .filter(participants::organisation_id.eq(org))
            .filter(participants::id.eq(p))
            .filter(participants::erased_at.is_null()),
    )
    .set((
        participants::given_name.eq(""),
        participants::family_name.eq(""),
        participants::phone.eq(None::<String>),
        participants::email.eq(None::<String>),
        participants::referrer_name.eq(None::<String>),
        participants::referrer_organisation.eq(None::<String>),
        participants::referrer_contact.eq(None::<String>),
        // Which referrer account registered the person links them to a named social worker.
        participants::referred_by_user_id.eq(None::<i32>),
        participants::card_code.eq(None::<String>),
        participants::erased_at.eq(Some(now)),
    ))
    .execute(conn)?)
}

/// The participant's certificates not yet tombstones: id and the name they carry.
pub fn live_certificates_of(
    conn: &mut DbConn, org: OrgId, p: ParticipantId,
) -> AppResult<Vec<(CertificateId, String)>> {
    Ok(certificates::table
        .filter(certificates::organisation_id.eq(org))
        .filter(certificates::participant_id.eq(p))
        .filter(certificates::erased_at.is_null())
        .order(certificates::id.asc())
        .select((certificates::id, certificates::holder_name))
        .load(conn)?)
}

/// Turns a certificate into its tombstone: name, token and revocation reason go, the
/// keyed hash of the name comes.
pub fn tombstone_certificate(
    conn: &mut DbConn, id: CertificateId, name_hmac: &str, now: NaiveDateTime,
) -> AppResult<()> {
    diesel::update(certificates::table.find(id))
        .set((
            certificates::holder_name.eq(""),
            certificates::token.eq(""),
            certificates::name_hmac.eq(Some(name_hmac)),
            certificates::erased_at.eq(Some(now)),
        ))
        .execute(conn)?;
    diesel::update(
        certificates::table.find(id).filter(certificates::revocation_reason.is_not_null()),
    )
    .set(certificates::revocation_reason.eq(Some("")))
    .execute(conn)?;
    // Which modules the person attended and the language they read, as printed: the
    // tombstone prints nothing.
    diesel::update(crate::db::schema::certificate_prints::table.find(id))
        .set((
            crate::db::schema::certificate_prints::title_language.eq(None::<String>),
            crate::db::schema::certificate_prints::course_title_translated.eq(None::<String>),
        ))
        .execute(conn)?;
    diesel::delete(
        crate::db::schema::certificate_modules::table
            .filter(crate::db::schema::certificate_modules::certificate_id.eq(id)),
    )
    .execute(conn)?;
    Ok(())
}

pub fn blank_reminders_of(conn: &mut DbConn, org: OrgId, p: ParticipantId) -> AppResult<usize> {
    Ok(diesel::update(
        session_reminders::table
            .filter(session_reminders::organisation_id.eq(org))
            .filter(session_reminders::participant_id.eq(p))
            .filter(session_reminders::recipient.is_not_null()),
    )
    .set(session_reminders::recipient.eq(None::<String>))
    .execute(conn)?)
}

pub fn blank_reissue_reasons_of(
    conn: &mut DbConn, org: OrgId, p: ParticipantId,
) -> AppResult<usize> {
    Ok(diesel::update(
        certificate_reissues::table
            .filter(certificate_reissues::organisation_id.eq(org))
            .filter(certificate_reissues::participant_id.eq(p)),
    )
    .set(certificate_reissues::reason.eq(""))
    .execute(conn)?)
}

pub fn delete_consent_events_of(
    conn: &mut DbConn, org: OrgId, p: ParticipantId,
) -> AppResult<usize> {
    Ok(diesel::delete(
        consent_events::table
            .filter(consent_events::organisation_id.eq(org))
            .filter(consent_events::participant_id.eq(p)),
    )
    .execute(conn)?)
}

/// Certificate batches of `org` that recorded failures (which name the people).
pub fn batch_failures(conn: &mut DbConn, org: OrgId) -> AppResult<Vec<(i32, String)>> {
    Ok(certificate_batches::table
        .filter(certificate_batches::organisation_id.eq(org))
        .filter(certificate_batches::failures.ne("[]"))
        .select((certificate_batches::id, certificate_batches::failures))
        .load(conn)?)
}

pub fn set_batch_failures(conn: &mut DbConn, id: i32, failures: &str) -> AppResult<()> {
    diesel::update(certificate_batches::table.find(id))
        .set(certificate_batches::failures.eq(failures))
        .execute(conn)?;
    Ok(())
}

#[derive(Insertable)]
#[diesel(table_name = erasures)]
pub struct ErasureInsertForm<'a> {
    pub organisation_id: OrgId,
    pub subject: &'a str,
    pub subject_id: Option<i32>,
    pub reason: &'a str,
    pub erased_by: Option<UserId>,
    pub erased_at: NaiveDateTime,
    pub counts: String,
}

pub fn insert_erasure(conn: &mut DbConn, form: &ErasureInsertForm) -> AppResult<()> {
    diesel::insert_into(erasures::table).values(form).execute(conn)?;
    Ok(())
}

#[derive(Debug, Clone, Queryable)]
pub struct ErasureRow {
    pub id: i32,
    pub subject: String,
    pub subject_id: Option<i32>,
    pub reason: String,
    pub erased_by: Option<UserId>,
    pub erased_at: NaiveDateTime,
    pub counts: String,
}

/// The organisation's erasures, newest first.
pub fn erasures(conn: &mut DbConn, org: OrgId, limit: i64) -> AppResult<Vec<ErasureRow>> {
    Ok(erasures::table
        .filter(erasures::organisation_id.eq(org))
        .order((erasures::erased_at.desc(), erasures::id.desc()))
        .limit(limit)
        .select((
            erasures::id,
            erasures::subject,
            erasures::subject_id,
            erasures::reason,
            erasures::erased_by,
            erasures::erased_at,
            erasures::counts,
        ))
        .load(conn)?)
}

/// Finished mail of `org` (sent before `before`, or failed for good and queued before it):
/// ids, oldest first. A failed mail holds the same personal data as a sent one and would
/// otherwise stay for ever.
pub fn sent_mail_before(
    conn: &mut DbConn, org: OrgId, before: NaiveDateTime,
) -> AppResult<Vec<i32>> {
    Ok(mail_outbox::table
        .filter(mail_outbox::organisation_id.eq(org))
        .filter(mail_outbox::status.eq("sent").and(mail_outbox::sent_at.lt(before)).or(
            mail_outbox::status.eq("failed").and(mail_outbox::created_at.lt(before)).nullable(),
        ))
        .order(mail_outbox::id.asc())
        .select(mail_outbox::id)
        .load(conn)?)
}

/// Deletes those of `ids` that are still finished mail of `org` (see [`sent_mail_before`]).
pub fn delete_sent_mail(
    conn: &mut DbConn, org: OrgId, ids: &[i32], before: NaiveDateTime,
) -> AppResult<usize> {
    Ok(diesel::delete(
        mail_outbox::table
            .filter(mail_outbox::id.eq_any(ids))
            .filter(mail_outbox::organisation_id.eq(org))
            .filter(mail_outbox::status.eq("sent").and(mail_outbox::sent_at.lt(before)).or(
                mail_outbox::status.eq("failed").and(mail_outbox::created_at.lt(before)).nullable(),
            )),
    )
    .execute(conn)?)
}

pub fn count_audit_before(conn: &mut DbConn, org: OrgId, before: NaiveDateTime) -> AppResult<i64> {
    Ok(audit_log::table
        .filter(audit_log::organisation_id.eq(org))
        .filter(audit_log::created_at.lt(before))
        .count()
        .get_result(conn)?)
}

pub fn delete_audit_before(
    conn: &mut DbConn, org: OrgId, before: NaiveDateTime,
) -> AppResult<usize> {
    Ok(diesel::delete(
        audit_log::table
            .filter(audit_log::organisation_id.eq(org))
            .filter(audit_log::created_at.lt(before)),
    )
    .execute(conn)?)
}

/// Kept import lists (raw rows with names) of `org` older than `before`.
pub fn count_import_batches_before(
    conn: &mut DbConn, org: OrgId, before: NaiveDateTime,
) -> AppResult<i64> {
    Ok(import_batches::table
        .filter(import_batches::organisation_id.eq(org))
        .filter(import_batches::created_at.lt(before))
        .count()
        .get_result(conn)?)
}

pub fn delete_import_batches_before(
    conn: &mut DbConn, org: OrgId, before: NaiveDateTime,
) -> AppResult<usize> {
    Ok(diesel::delete(
        import_batches::table
            .filter(import_batches::organisation_id.eq(org))
            .filter(import_batches::created_at.lt(before)),
    )
    .execute(conn)?)
}

pub fn finish_job_run(
    conn: &mut DbConn, name: &str, day: NaiveDate, now: NaiveDateTime,
) -> AppResult<()> {
    diesel::update(job_runs::table.filter(job_runs::name.eq(name)).filter(job_runs::day.eq(day)))
        .set(job_runs::finished_at.eq(Some(now)))
        .execute(conn)?;
    Ok(())
}

/// How many runs of the job `name` were claimed (tests and the CLI's report).
pub fn job_runs_of(
    conn: &mut DbConn, name: &str,
) -> AppResult<Vec<(NaiveDate, Option<NaiveDateTime>)>> {
    Ok(job_runs::table
        .filter(job_runs::name.eq(name))
        .order(job_runs::day.asc())
        .select((job_runs::day, job_runs::finished_at))
        .load(conn)?)
}
