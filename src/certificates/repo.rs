use diesel::prelude::*;

use super::models::*;
use crate::db::schema::{
    certificate_batches, certificate_checks, certificate_reissues, certificates, organisations,
    participants,
};
use crate::db::DbConn;
use crate::error::{AppError, AppResult};
use crate::ids::{CertificateBatchId, CertificateId, OrgId, ParticipantId, RunId};

pub fn insert(conn: &mut DbConn, form: &CertificateInsertForm) -> AppResult<Certificate> {
    // The model does not select every column; a plain `get_result` would read them all.
    let id: i32 = diesel::insert_into(certificates::table)
        .values(form)
        .returning(certificates::id)
        .get_result(conn)?;
    Ok(certificates::table.find(id).select(Certificate::as_select()).first(conn)?)
}

pub fn valid_for(
    conn: &mut DbConn, run_id: RunId, participant_id: ParticipantId,
) -> AppResult<Option<Certificate>> {
    Ok(certificates::table
        .filter(certificates::run_id.eq(run_id))
        .filter(certificates::participant_id.eq(participant_id))
        .filter(certificates::status.eq(CertificateStatus::Valid))
        .select(Certificate::as_select())
        .first(conn)
        .optional()?)
}

/// (participant, status) of the valid and revoked certificates these participants hold
/// for a run: what issuing to many of them at once checks, in one query.
pub fn standing_in_run(
    conn: &mut DbConn, run_id: RunId, people: &[ParticipantId],
) -> AppResult<Vec<(ParticipantId, CertificateStatus)>> {
    Ok(certificates::table
        .filter(certificates::run_id.eq(run_id))
        .filter(certificates::participant_id.eq_any(people))
        .filter(
            certificates::status
                .eq(CertificateStatus::Valid)
                .or(certificates::status.eq(CertificateStatus::Revoked)),
        )
        .select((certificates::participant_id, certificates::status))
        .load(conn)?)
}

/// The newest revoked certificate of a participant in a run.
pub fn latest_revoked(
    conn: &mut DbConn, run_id: RunId, participant_id: ParticipantId,
) -> AppResult<Option<Certificate>> {
    Ok(certificates::table
        .filter(certificates::run_id.eq(run_id))
        .filter(certificates::participant_id.eq(participant_id))
        .filter(certificates::status.eq(CertificateStatus::Revoked))
        .order(certificates::id.desc())
        .select(Certificate::as_select())
        .first(conn)
        .optional()?)
}

pub fn insert_reissue(conn: &mut DbConn, form: &CertificateReissueInsertForm) -> AppResult<()> {
    diesel::insert_into(certificate_reissues::table).values(form).execute(conn)?;
    Ok(())
}

/// Every certificate of every organisation, oldest first (for the data check).
pub fn all(conn: &mut DbConn) -> AppResult<Vec<Certificate>> {
    Ok(certificates::table
        .order(certificates::id.asc())
        .select(Certificate::as_select())
        .load(conn)?)
}

/// Certificates of erased participants that still hold a name or a token (erasure makes
/// each a tombstone in the same transaction, so any is a broken rule).
pub fn naming_erased_holders(conn: &mut DbConn) -> AppResult<Vec<Certificate>> {
    Ok(certificates::table
        .inner_join(participants::table)
        .filter(participants::erased_at.is_not_null())
        .filter(
            certificates::erased_at
                .is_null()
                .or(certificates::holder_name.ne(""))
                .or(certificates::token.ne("")),
        )
        .order(certificates::id.asc())
        .select(Certificate::as_select())
        .load(conn)?)
}

/// The revoked certificates an explicit reissue answered.
pub fn reissued_revocations(conn: &mut DbConn) -> AppResult<Vec<CertificateId>> {
    Ok(certificate_reissues::table
        .select(certificate_reissues::revoked_certificate_id)
        .load(conn)?)
}

pub fn get(conn: &mut DbConn, org: OrgId, id: CertificateId) -> AppResult<Certificate> {
    certificates::table
        .filter(certificates::organisation_id.eq(org))
        .filter(certificates::id.eq(id))
        .select(Certificate::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| AppError::not_found("thing.certificate"))
}

pub fn list_for_run(conn: &mut DbConn, org: OrgId, run_id: RunId) -> AppResult<Vec<Certificate>> {
    Ok(certificates::table
        .filter(certificates::organisation_id.eq(org))
        .filter(certificates::run_id.eq(run_id))
        .order(certificates::id.asc())
        .select(Certificate::as_select())
        .load(conn)?)
}

/// (run, holder, status) of every certificate of these runs: one query however many runs.
pub fn statuses_for_runs(
    conn: &mut DbConn, org: OrgId, runs: &[RunId],
) -> AppResult<Vec<(RunId, ParticipantId, CertificateStatus)>> {
    Ok(certificates::table
        .filter(certificates::organisation_id.eq(org))
        .filter(certificates::run_id.eq_any(runs))
        .select((certificates::run_id, certificates::participant_id, certificates::status))
        .load(conn)?)
}

pub fn of_participant(
    conn: &mut DbConn, org: OrgId, participant: ParticipantId,
) -> AppResult<Vec<Certificate>> {
    Ok(certificates::table
        .filter(certificates::organisation_id.eq(org))
        .filter(certificates::participant_id.eq(participant))
        .order(certificates::id.asc())
        .select(Certificate::as_select())
        .load(conn)?)
}

/// The certificate with a code and its issuer's public name (verification, no org scope:
/// anyone holding the code may check it).
pub fn find_by_code(conn: &mut DbConn, code: &str) -> AppResult<Option<(Certificate, String)>> {
    Ok(certificates::table
        .inner_join(organisations::table)
        .filter(certificates::code.eq(code))
        .select((Certificate::as_select(), organisations::issuer_name))
        .first(conn)
        .optional()?)
}

pub fn revoke(
    conn: &mut DbConn, id: CertificateId, reason: &str, now: chrono::NaiveDateTime,
) -> AppResult<()> {
    diesel::update(certificates::table.find(id))
        .set((
            certificates::status.eq(CertificateStatus::Revoked),
            certificates::revoked_at.eq(Some(now)),
            certificates::revocation_reason.eq(Some(reason)),
        ))
        .execute(conn)?;
    Ok(())
}

/// (certificate id, total checks, last day checked) for a run's certificates.
pub fn check_counts_for_run(
    conn: &mut DbConn, org: OrgId, run_id: RunId,
) -> AppResult<Vec<(CertificateId, i64, Option<chrono::NaiveDate>)>> {
    let rows: Vec<(CertificateId, chrono::NaiveDate, i32)> = certificate_checks::table
        .inner_join(certificates::table)
        .filter(certificate_checks::organisation_id.eq(org))
        .filter(certificates::run_id.eq(run_id))
        .select((
            certificate_checks::certificate_id,
            certificate_checks::day,
            certificate_checks::checks,
        ))
        .load(conn)?;
    let mut out: Vec<(CertificateId, i64, Option<chrono::NaiveDate>)> = Vec::new();
    for (id, day, n) in rows {
        match out.iter_mut().find(|(c, _, _)| *c == id) {
            Some(entry) => {
                entry.1 += i64::from(n);
                entry.2 = entry.2.max(Some(day));
            }
            None => out.push((id, i64::from(n), Some(day))),
        }
    }
    Ok(out)
}

pub fn mark_replaced(
    conn: &mut DbConn, id: CertificateId, now: chrono::NaiveDateTime,
) -> AppResult<()> {
    diesel::update(certificates::table.find(id))
        .set((
            certificates::status.eq(CertificateStatus::Replaced),
            certificates::revoked_at.eq(Some(now)),
        ))
        .execute(conn)?;
    Ok(())
}

pub fn set_replaced_by(
    conn: &mut DbConn, id: CertificateId, replaced_by: CertificateId,
) -> AppResult<()> {
    diesel::update(certificates::table.find(id))
        .set(certificates::replaced_by_id.eq(Some(replaced_by)))
        .execute(conn)?;
    Ok(())
}

/// Codes of every certificate that is no longer valid, with its status, for the signed
/// revocation list (all organisations: the list is public like the QR codes).
pub fn withdrawn_codes(conn: &mut DbConn) -> AppResult<Vec<(String, CertificateStatus)>> {
    Ok(certificates::table
        .filter(certificates::status.ne(CertificateStatus::Valid))
        .order(certificates::id.asc())
        .select((certificates::code, certificates::status))
        .load(conn)?)
}

// ---------- batches ----------

pub fn insert_batch(
    conn: &mut DbConn, form: &CertificateBatchInsertForm,
) -> AppResult<CertificateBatch> {
    Ok(diesel::insert_into(certificate_batches::table).values(form).get_result(conn)?)
}

pub fn get_batch(
    conn: &mut DbConn, org: OrgId, id: CertificateBatchId,
) -> AppResult<CertificateBatch> {
    certificate_batches::table
        .filter(certificate_batches::organisation_id.eq(org))
        .filter(certificate_batches::id.eq(id))
        .select(CertificateBatch::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| AppError::not_found("thing.certificate_batch"))
}

pub fn latest_batch_for_run(
    conn: &mut DbConn, org: OrgId, run_id: RunId,
) -> AppResult<Option<CertificateBatch>> {
    Ok(certificate_batches::table
        .filter(certificate_batches::organisation_id.eq(org))
        .filter(certificate_batches::run_id.eq(run_id))
        .order(certificate_batches::id.desc())
        .select(CertificateBatch::as_select())
        .first(conn)
        .optional()?)
}

pub fn running_batches_for_run(
    conn: &mut DbConn, run_id: RunId,
) -> AppResult<Vec<CertificateBatch>> {
    Ok(certificate_batches::table
        .filter(certificate_batches::run_id.eq(run_id))
        .filter(certificate_batches::state.eq(BatchState::Running))
        .select(CertificateBatch::as_select())
        .load(conn)?)
}

pub fn update_batch_progress(conn: &mut DbConn, b: &CertificateBatch) -> AppResult<()> {
    diesel::update(certificate_batches::table.find(b.id))
        .set((
            certificate_batches::heartbeat_at.eq(b.heartbeat_at),
            certificate_batches::finished_at.eq(b.finished_at),
            certificate_batches::done.eq(b.done),
            certificate_batches::issued.eq(b.issued),
            certificate_batches::already_issued.eq(b.already_issued),
            certificate_batches::not_completed.eq(b.not_completed),
            certificate_batches::failures.eq(&b.failures),
            certificate_batches::state.eq(b.state),
            certificate_batches::revoked.eq(b.revoked),
            certificate_batches::last_participant_id.eq(b.last_participant_id),
        ))
        .execute(conn)?;
    Ok(())
}

pub fn set_batch_state(
    conn: &mut DbConn, id: CertificateBatchId, state: BatchState,
) -> AppResult<()> {
    diesel::update(certificate_batches::table.find(id))
        .set(certificate_batches::state.eq(state))
        .execute(conn)?;
    Ok(())
}

/// Claims a batch for a worker: running again, alive as of `now`.
pub fn set_batch_running(
    conn: &mut DbConn, id: CertificateBatchId, now: chrono::NaiveDateTime,
) -> AppResult<()> {
    diesel::update(certificate_batches::table.find(id))
        .set((
            certificate_batches::state.eq(BatchState::Running),
            certificate_batches::heartbeat_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

/// The worker is alive; only a batch still running takes the beat.
pub fn batch_heartbeat(
    conn: &mut DbConn, id: CertificateBatchId, now: chrono::NaiveDateTime,
) -> AppResult<()> {
    diesel::update(
        certificate_batches::table
            .find(id)
            .filter(certificate_batches::state.eq(BatchState::Running)),
    )
    .set(certificate_batches::heartbeat_at.eq(now))
    .execute(conn)?;
    Ok(())
}

/// How many certificate batches of the whole service are marked running.
pub fn count_running_batches(conn: &mut DbConn) -> AppResult<i64> {
    Ok(certificate_batches::table
        .filter(certificate_batches::state.eq(BatchState::Running))
        .count()
        .get_result(conn)?)
}

/// How many certificates each key signed.
pub fn count_by_kid(conn: &mut DbConn) -> AppResult<Vec<(i32, i64)>> {
    Ok(certificates::table
        .group_by(certificates::kid)
        .select((certificates::kid, diesel::dsl::count_star()))
        .load(conn)?)
}

// ---------- the participant's own page ----------

/// What the own page needs of its holder before anything else: (organisation, nonce of the
/// current link, erased?, preferred language).
pub type OwnPageHolder = (OrgId, Option<String>, bool, String);

pub fn own_page_holder(
    conn: &mut DbConn, participant_id: ParticipantId,
) -> AppResult<Option<OwnPageHolder>> {
    use crate::db::schema::participants;
    let row: Option<(OrgId, Option<String>, Option<chrono::NaiveDateTime>, String)> =
        participants::table
            .filter(participants::id.eq(participant_id))
            .select((
                participants::organisation_id,
                participants::own_page_nonce,
                participants::erased_at,
                participants::preferred_language,
            ))
            .first(conn)
            .optional()?;
    Ok(row.map(|(org, nonce, erased, lang)| (org, nonce, erased.is_some(), lang)))
}

/// Stores the nonce of a participant's new link (of the organisation, not erased); whether
/// there was such a participant.
pub fn set_own_page_nonce(
    conn: &mut DbConn, org: OrgId, participant_id: ParticipantId, nonce: &str,
) -> AppResult<bool> {
    use crate::db::schema::participants;
    let changed = diesel::update(
        participants::table
            .filter(participants::id.eq(participant_id))
            .filter(participants::organisation_id.eq(org))
            .filter(participants::erased_at.is_null()),
    )
    .set(participants::own_page_nonce.eq(Some(nonce)))
    .execute(conn)?;
    Ok(changed == 1)
}

/// Every certificate of a participant, newest first.
pub fn list_for_participant(
    conn: &mut DbConn, org: OrgId, participant_id: ParticipantId,
) -> AppResult<Vec<Certificate>> {
    Ok(certificates::table
        .filter(certificates::organisation_id.eq(org))
        .filter(certificates::participant_id.eq(participant_id))
        .order((certificates::issued_at.desc(), certificates::id.desc()))
        .select(Certificate::as_select())
        .load(conn)?)
}

/// (certificate, day, checks) of a participant's certificates, by day.
pub fn check_days_for_participant(
    conn: &mut DbConn, org: OrgId, participant_id: ParticipantId,
) -> AppResult<Vec<(CertificateId, chrono::NaiveDate, i32)>> {
    Ok(certificate_checks::table
        .inner_join(certificates::table)
        .filter(certificate_checks::organisation_id.eq(org))
        .filter(certificates::participant_id.eq(participant_id))
        .order((certificate_checks::certificate_id, certificate_checks::day))
        .select((
            certificate_checks::certificate_id,
            certificate_checks::day,
            certificate_checks::checks,
        ))
        .load(conn)?)
}

// What an issued certificate prints, frozen at issue (`super::printed`).

/// What a certificate prints of its run, stored at issue (`super::printed`).
pub struct PrintInsertForm<'a> {
    pub run_start: chrono::NaiveDate,
    pub run_end: chrono::NaiveDate,
    pub place: &'a str,
    /// Venue phrase and seat; `None` for a certificate issued before they existed.
    pub venue: Option<(&'a str, &'a str)>,
    /// The participant's language and the course title in it, where translated.
    pub title_in_language: Option<(&'a str, &'a str)>,
}

/// Stores what a certificate just issued prints: its run's dates and place, and its modules,
/// frozen (it has nothing stored yet).
pub fn insert_print(
    conn: &mut DbConn, cert: &Certificate, form: &PrintInsertForm<'_>,
    modules: &[(crate::ids::ModuleId, crate::certificates::pdf::AttendedModule)],
) -> AppResult<()> {
    use crate::db::schema::certificate_prints;
    diesel::insert_into(certificate_prints::table)
        .values((
            certificate_prints::certificate_id.eq(cert.id),
            certificate_prints::organisation_id.eq(cert.organisation_id),
            certificate_prints::run_start.eq(form.run_start),
            certificate_prints::run_end.eq(form.run_end),
            certificate_prints::place.eq(form.place),
            certificate_prints::modules_frozen.eq(true),
            certificate_prints::venue_phrase.eq(form.venue.map(|(phrase, _)| phrase)),
            certificate_prints::issuer_seat.eq(form.venue.map(|(_, seat)| seat)),
            certificate_prints::title_language.eq(form.title_in_language.map(|(l, _)| l)),
            certificate_prints::course_title_translated.eq(form.title_in_language.map(|(_, t)| t)),
        ))
        .execute(conn)?;
    insert_print_modules(conn, cert, modules)
}

/// Stores (or completes) what a certificate prints: its run's dates and place, and its
/// modules, which are then frozen.
pub fn store_print(
    conn: &mut DbConn, cert: &Certificate, form: &PrintInsertForm<'_>,
    modules: &[(crate::ids::ModuleId, crate::certificates::pdf::AttendedModule)],
) -> AppResult<()> {
    use crate::db::schema::{certificate_modules, certificate_prints};
    let exists: bool = diesel::select(diesel::dsl::exists(certificate_prints::table.find(cert.id)))
        .get_result(conn)?;
    if !exists {
        return insert_print(conn, cert, form, modules);
    }
    // Issued before modules were frozen: dates and place were copied then; keep them.
    diesel::update(certificate_prints::table.find(cert.id))
        .set(certificate_prints::modules_frozen.eq(true))
        .execute(conn)?;
    diesel::delete(
        certificate_modules::table.filter(certificate_modules::certificate_id.eq(cert.id)),
    )
    .execute(conn)?;
    insert_print_modules(conn, cert, modules)
}

fn insert_print_modules(
    conn: &mut DbConn, cert: &Certificate,
    modules: &[(crate::ids::ModuleId, crate::certificates::pdf::AttendedModule)],
) -> AppResult<()> {
    use crate::db::schema::certificate_modules;
    for (position, (module_id, m)) in (0..).zip(modules) {
        diesel::insert_into(certificate_modules::table)
            .values((
                certificate_modules::organisation_id.eq(cert.organisation_id),
                certificate_modules::certificate_id.eq(cert.id),
                certificate_modules::position.eq(position),
                certificate_modules::module_id.eq(module_id),
                certificate_modules::title.eq(&m.title),
                certificate_modules::first_day.eq(m.date),
                certificate_modules::duration_minutes.eq(m.duration_minutes),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// What a certificate prints, if frozen (modules only when they were frozen too).
pub fn print_of(
    conn: &mut DbConn, id: CertificateId,
) -> AppResult<Option<super::printed::Printed>> {
    use crate::db::schema::{certificate_modules, certificate_prints};
    type Row = (
        chrono::NaiveDate,
        chrono::NaiveDate,
        String,
        bool,
        Option<String>,
        Option<String>,
        Option<String>,
        Option<String>,
    );
    let row: Option<Row> = certificate_prints::table
        .find(id)
        .select((
            certificate_prints::run_start,
            certificate_prints::run_end,
            certificate_prints::place,
            certificate_prints::modules_frozen,
            certificate_prints::venue_phrase,
            certificate_prints::issuer_seat,
            certificate_prints::title_language,
            certificate_prints::course_title_translated,
        ))
        .first(conn)
        .optional()?;
    let Some((run_start, run_end, place, frozen, venue_phrase, issuer_seat, lang, title)) = row
    else {
        return Ok(None);
    };
    let modules =
        if frozen {
            let rows: Vec<(String, chrono::NaiveDate, i32)> = certificate_modules::table
                .filter(certificate_modules::certificate_id.eq(id))
                .order(certificate_modules::position.asc())
                .select((
                    certificate_modules::title,
                    certificate_modules::first_day,
                    certificate_modules::duration_minutes,
                ))
                .load(conn)?;
            Some(
                rows.into_iter()
                    .map(|(title, date, duration_minutes)| {
                        crate::certificates::pdf::AttendedModule { title, date, duration_minutes }
                    })
                    .collect(),
            )
        } else {
            None
        };
    Ok(Some(super::printed::Printed {
        run_start,
        run_end,
        place,
        modules,
        venue_phrase: venue_phrase.unwrap_or_default(),
        issuer_seat: issuer_seat.unwrap_or_default(),
        title_in_language: lang.zip(title),
    }))
}

/// Certificates of a run (tombstones aside) whose modules are not frozen yet.
pub fn not_frozen_of_run(
    conn: &mut DbConn, org: OrgId, run_id: RunId,
) -> AppResult<Vec<Certificate>> {
    use crate::db::schema::certificate_prints;
    let frozen = certificate_prints::table
        .filter(certificate_prints::modules_frozen.eq(true))
        .select(certificate_prints::certificate_id);
    Ok(certificates::table
        .filter(certificates::organisation_id.eq(org))
        .filter(certificates::run_id.eq(run_id))
        .filter(certificates::erased_at.is_null())
        .filter(certificates::id.ne_all(frozen))
        .select(Certificate::as_select())
        .load(conn)?)
}

// ---------- issue 14: delivery, the organisation's list, the certificate profile ----------

/// The organisation's certificates, newest first, of one run and of one status where given.
pub fn list_for_org(
    conn: &mut DbConn, org: OrgId, run: Option<RunId>, status: Option<CertificateStatus>,
) -> AppResult<Vec<Certificate>> {
    let mut q = certificates::table.filter(certificates::organisation_id.eq(org)).into_boxed();
    if let Some(run) = run {
        q = q.filter(certificates::run_id.eq(run));
    }
    if let Some(status) = status {
        q = q.filter(certificates::status.eq(status));
    }
    Ok(q.order((certificates::issued_at.desc(), certificates::id.desc()))
        .select(Certificate::as_select())
        .load(conn)?)
}

/// A module as a certificate prints it: (module id, title, length in minutes).
pub type PrintedModuleRef = (crate::ids::ModuleId, String, i32);

/// The valid certificates of a run with the modules each prints.
pub fn valid_prints_of_run(
    conn: &mut DbConn, org: OrgId, run_id: RunId,
) -> AppResult<Vec<(Certificate, Vec<PrintedModuleRef>)>> {
    use crate::db::schema::certificate_modules;
    let certs: Vec<Certificate> = certificates::table
        .filter(certificates::organisation_id.eq(org))
        .filter(certificates::run_id.eq(run_id))
        .filter(certificates::status.eq(CertificateStatus::Valid))
        .filter(certificates::erased_at.is_null())
        .select(Certificate::as_select())
        .load(conn)?;
    let ids: Vec<CertificateId> = certs.iter().map(|c| c.id).collect();
    let rows: Vec<(CertificateId, crate::ids::ModuleId, String, i32)> = certificate_modules::table
        .filter(certificate_modules::certificate_id.eq_any(&ids))
        .select((
            certificate_modules::certificate_id,
            certificate_modules::module_id,
            certificate_modules::title,
            certificate_modules::duration_minutes,
        ))
        .load(conn)?;
    Ok(certs
        .into_iter()
        .map(|c| {
            let mine =
                rows.iter().filter(|r| r.0 == c.id).map(|r| (r.1, r.2.clone(), r.3)).collect();
            (c, mine)
        })
        .collect())
}

/// The certificate mails of the organisation that carry one of these PDFs (by file name,
/// which holds the certificate's unique code): (file name, status, recipient).
pub fn certificate_mails(
    conn: &mut DbConn, org: OrgId, file_names: &[String],
) -> AppResult<Vec<(String, crate::mail::outbox::MailStatus, String)>> {
    use crate::db::schema::mail_outbox;
    if file_names.is_empty() {
        return Ok(Vec::new());
    }
    let rows: Vec<(Option<String>, crate::mail::outbox::MailStatus, String)> = mail_outbox::table
        .filter(mail_outbox::organisation_id.eq(org))
        .filter(mail_outbox::attachment_name.eq_any(file_names))
        .order(mail_outbox::id.asc())
        .select((mail_outbox::attachment_name, mail_outbox::status, mail_outbox::recipient))
        .load(conn)?;
    Ok(rows.into_iter().filter_map(|(name, status, to)| name.map(|n| (n, status, to))).collect())
}

pub fn profile(conn: &mut DbConn, org: OrgId) -> AppResult<Option<CertificateProfile>> {
    use crate::db::schema::certificate_profiles as cp;
    Ok(cp::table
        .filter(cp::organisation_id.eq(org))
        .select(CertificateProfile::as_select())
        .first(conn)
        .optional()?)
}

/// Writes the organisation's profile (insert or replace); the caller holds the
/// organisation's lock, so two first saves cannot both insert.
pub fn save_profile(conn: &mut DbConn, profile: &CertificateProfile) -> AppResult<()> {
    use crate::db::schema::certificate_profiles as cp;
    let changed = diesel::update(cp::table.filter(cp::organisation_id.eq(profile.organisation_id)))
        .set(profile)
        .execute(conn)?;
    if changed == 0 {
        diesel::insert_into(cp::table).values(profile).execute(conn)?;
    }
    Ok(())
}
