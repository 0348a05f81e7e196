//! The participants' use cases: registering people, enrolling them in runs, the waiting
//! list. The rules of places are plain functions over numbers and lists ([`placement`],
//! [`free_places`], [`moving_up`], [`standing`]); the use cases load, apply them under the
//! run's lock, and store.

use std::collections::HashMap;

use serde::Serialize;
use unicode_normalization::UnicodeNormalization;

use super::models::*;
use super::repo;
use crate::audit;
use crate::auth::Actor;
use crate::db::{dialect, DbConn};
use crate::error::{AppError, AppResult};
use crate::i18n::{self, Text};
use crate::ids::{OrgId, ParticipantId, RunId, UserId};
use crate::planning;
use crate::validate;
use crate::validate::printable::{self, Printed};

/// Names are printed on the certificate and signed into its QR code: one line of what the
/// certificate fonts draw (Arabic script included, which names are shaped for), stored in
/// NFC with single spaces so the certificate, the signed token and a retyped name agree.
pub(crate) fn name(field: &'static str, label: &'static str, value: &str) -> AppResult<String> {
    let v = printable::printed_text(field, label, value, 80, Printed::Name)?;
    Ok(v.split_whitespace().collect::<Vec<_>>().join(" ").nfc().collect())
}

/// A word mixing look-alike scripts ("Mаria" with a Cyrillic "а") makes two names that
/// look the same differ, so it is saved only once the coordinator confirmed it.
fn check_mixed_script(given_name: &str, family_name: &str, confirmed: bool) -> AppResult<()> {
    if confirmed {
        return Ok(());
    }
    match printable::mixed_script_word(given_name)
        .or_else(|| printable::mixed_script_word(family_name))
    {
        Some(word) => Err(AppError::invalid(MIXED_SCRIPT_FIELD, word.warning())),
        None => Ok(()),
    }
}

/// The field of the mixed-script warning: what the coordinator ticks (the form) or sets
/// (`"confirm_mixed_script": true` in the API) to save the name as it is.
pub const MIXED_SCRIPT_FIELD: &str = "confirm_mixed_script";

pub fn register(conn: &mut DbConn, actor: &Actor, input: NewParticipant) -> AppResult<Participant> {
    let org = actor.coordinator_org()?;
    let form = check_new_participant(org, actor.user_id, &input)?;
    crate::db::write_transaction(conn, |conn| insert_checked(conn, actor, &form))
}

pub(crate) fn insert_checked(
    conn: &mut DbConn, actor: &Actor, form: &ParticipantInsertForm,
) -> AppResult<Participant> {
    let p = repo::insert(conn, form)?;
    audit::Entry::new(Some(form.organisation_id), Some(actor.user_id), "participant.create")
        .on("participant", Some(p.id.into()))
        .about_participant(p.id)
        .record(conn)?;
    record_consent(
        conn,
        &ConsentEventInsertForm {
            organisation_id: form.organisation_id,
            participant_id: Some(p.id),
            stakeholder_id: None,
            kind: ConsentKind::Participation,
            given: true,
            recorded_by: Some(actor.user_id),
            recorded_at: crate::time::now_utc(),
        },
    )?;
    Ok(p)
}

/// Adds a line to a person's consent history (a participant's here; a stakeholder
/// contact's from the directory), in the caller's transaction.
pub fn record_consent(conn: &mut DbConn, event: &ConsentEventInsertForm) -> AppResult<()> {
    repo::insert_consent_event(conn, event)
}

/// What a correction did: the participant as stored now and the names of the fields that
/// changed (none: nothing was written).
#[derive(Debug)]
pub struct Corrected {
    pub participant: Participant,
    pub changed: Vec<&'static str>,
}

/// Corrects a participant's data (Art. 16) with the rules of registration; in the caller's
/// transaction, after the caller checked the organisation. A name that did not change needs
/// no new mixed-script confirmation; a changed consent date is a line of the consent
/// history. The audit entry names the changed fields, never their values.
pub fn correct_in(
    conn: &mut DbConn, actor: &Actor, org: OrgId, id: ParticipantId, input: &ParticipantCorrection,
) -> AppResult<Corrected> {
    dialect::lock_for_update(conn, "participants", id)?;
    if repo::erased_at(conn, org, id)?.is_some() {
        return Err(AppError::Gone(Text::key("access.error.erased")));
    }
    let stored = repo::get(conn, org, id)?;
    let same_names = name("given_name", "label.given_name", &input.given_name)
        .is_ok_and(|g| g == stored.given_name)
        && name("family_name", "label.family_name", &input.family_name)
            .is_ok_and(|f| f == stored.family_name);
    let as_new = NewParticipant {
        given_name: input.given_name.clone(),
        family_name: input.family_name.clone(),
        preferred_language: input.preferred_language.clone(),
        phone: input.phone.clone(),
        email: input.email.clone(),
        consent: true,
        consent_date: Some(input.consent_date.unwrap_or(stored.consent_date)),
        referrer_name: input.referrer_name.clone(),
        referrer_organisation: input.referrer_organisation.clone(),
        referrer_contact: input.referrer_contact.clone(),
        confirm_mixed_script: input.confirm_mixed_script || same_names,
    };
    let form = ParticipantUpdateForm::from(&check_new_participant(org, actor.user_id, &as_new)?);
    let changed = form.changed_from(&stored);
    if changed.is_empty() {
        return Ok(Corrected { participant: stored, changed });
    }
    let participant = repo::update(conn, org, id, &form)?;
    audit::Entry::new(Some(org), Some(actor.user_id), "participant.correct")
        .on("participant", Some(id.into()))
        .about_participant(id)
        .detail(&changed.join(","))
        .record(conn)?;
    if changed.contains(&"consent_date") {
        record_consent(
            conn,
            &ConsentEventInsertForm {
                organisation_id: org,
                participant_id: Some(id),
                stakeholder_id: None,
                kind: ConsentKind::Participation,
                given: true,
                recorded_by: Some(actor.user_id),
                recorded_at: crate::time::now_utc(),
            },
        )?;
    }
    Ok(Corrected { participant, changed })
}

/// When the participant's data was erased, if it was (not found in another organisation).
pub fn erased_at(
    conn: &mut DbConn, org: OrgId, id: ParticipantId,
) -> AppResult<Option<chrono::NaiveDateTime>> {
    repo::erased_at(conn, org, id)
}

/// Every rule for a new participant, as one row ready to insert (shared with the import).
pub(crate) fn check_new_participant(
    org: OrgId, recorded_by: UserId, input: &NewParticipant,
) -> AppResult<ParticipantInsertForm> {
    let given_name = name("given_name", "label.given_name", &input.given_name)?;
    let family_name = name("family_name", "label.family_name", &input.family_name)?;
    check_mixed_script(&given_name, &family_name, input.confirm_mixed_script)?;
    let lang = input.preferred_language.trim();
    if !i18n::is_participant_language(lang) {
        return Err(AppError::invalid(
            "preferred_language",
            Text::key("error.participants.language"),
        ));
    }
    let phone = validate::optional_phone("phone", input.phone.as_deref())?;
    let email = validate::optional_email("email", input.email.as_deref())?;
    let referrer_name = validate::optional_text(
        "referrer_name",
        "label.referrer_name",
        input.referrer_name.as_deref(),
        120,
    )?;
    let referrer_organisation = validate::optional_text(
        "referrer_organisation",
        "label.referrer_organisation",
        input.referrer_organisation.as_deref(),
        160,
    )?;
    let referrer_contact = referrer_contact(input.referrer_contact.as_deref())?;
    if referrer_contact.is_some() && referrer_name.is_none() {
        return Err(AppError::invalid(
            "referrer_name",
            Text::key("error.participants.referrer_name"),
        ));
    }
    if !input.consent {
        return Err(AppError::invalid("consent", Text::key("error.participants.consent")));
    }
    let today = crate::time::today_local();
    let consent_date = input.consent_date.unwrap_or(today);
    if consent_date > today {
        return Err(AppError::invalid(
            "consent_date",
            Text::key("error.participants.consent_in_future"),
        ));
    }
    Ok(ParticipantInsertForm {
        organisation_id: org,
        given_name,
        family_name,
        preferred_language: lang.to_string(),
        phone,
        email,
        consent_date,
        consent_recorded_by: Some(recorded_by),
        created_at: crate::time::now_utc(),
        referrer_name,
        referrer_organisation,
        referrer_contact,
    })
}

/// How a referrer is reached: an email address (anything with an `@` is read as one, so a
/// mistyped address is refused rather than taken for a phone number) or a phone number.
fn referrer_contact(value: Option<&str>) -> AppResult<Option<String>> {
    let Some(c) = value.map(str::trim).filter(|c| !c.is_empty()) else {
        return Ok(None);
    };
    let checked = if c.contains('@') {
        validate::optional_email("referrer_contact", Some(c))
    } else {
        validate::optional_phone("referrer_contact", Some(c))
    };
    checked.map_err(|_| {
        AppError::invalid("referrer_contact", Text::key("error.people.referrer_contact"))
    })
}

/// Where a new enrollment goes: a place while the run has one free, else the waiting list.
pub fn placement(capacity: i32, enrolled: i64) -> EnrollmentStatus {
    if free_places(capacity, enrolled) > 0 {
        EnrollmentStatus::Enrolled
    } else {
        EnrollmentStatus::Waiting
    }
}

/// Places nobody holds; none when more people hold a place than the run has (never less
/// than none).
pub fn free_places(capacity: i32, enrolled: i64) -> usize {
    usize::try_from((i64::from(capacity) - enrolled).max(0)).unwrap_or(0)
}

/// Who moves up when places are free: the first of the waiting list, in its order, as
/// many as there are free places.
pub fn moving_up<T>(waiting: &[T], capacity: i32, enrolled: i64) -> &[T] {
    &waiting[..free_places(capacity, enrolled).min(waiting.len())]
}

/// The status that stops a person from being enrolled again (they hold a place or wait
/// already); a cancelled enrollment can be taken up again.
pub fn standing(existing: Option<&Enrollment>) -> Option<EnrollmentStatus> {
    existing.map(|e| e.status).filter(|s| *s != EnrollmentStatus::Cancelled)
}

fn already_in(status: EnrollmentStatus, participant: &Participant) -> AppError {
    let key = if status == EnrollmentStatus::Waiting {
        "error.participants.already_waiting"
    } else {
        "error.participants.already_enrolled"
    };
    AppError::Conflict(Text::key(key).arg("name", participant.full_name()))
}

/// Gives the person a place, or a place on the waiting list when the run is full.
pub fn enroll(
    conn: &mut DbConn, actor: &Actor, run_id: RunId, participant_id: ParticipantId,
) -> AppResult<Enrollment> {
    let org = actor.coordinator_org()?;
    enroll_in(conn, actor, org, run_id, participant_id)
}

/// [`enroll`] for a caller whose organisation the calling use case has settled (a referrer
/// enrolling the person they registered).
pub fn enroll_in(
    conn: &mut DbConn, actor: &Actor, org: OrgId, run_id: RunId, participant_id: ParticipantId,
) -> AppResult<Enrollment> {
    crate::db::write_transaction(conn, |conn| {
        let run = lock_run(conn, org, run_id)?;
        let participant = repo::get(conn, org, participant_id)?;
        match place(conn, actor, org, &run, &participant)? {
            (e, EnrolmentOutcome::Enrolled | EnrolmentOutcome::Waiting) => Ok(e),
            (e, _) => Err(already_in(e.status, &participant)),
        }
    })
}

/// The most people enrolled in one request.
pub const MAX_BULK: usize = 2000;

/// Enrols many people at once, in the order given (an id given twice counts once): places
/// while the run has them, then the waiting list, in that order. People already enrolled or
/// waiting stay as they are and are named so. All or nothing: a person of another
/// organisation, or one whose data was erased, refuses the whole request.
pub fn enroll_many(
    conn: &mut DbConn, actor: &Actor, run_id: RunId, participant_ids: &[ParticipantId],
) -> AppResult<BulkEnrolment> {
    let org = actor.coordinator_org()?;
    let mut seen = std::collections::HashSet::new();
    let ids: Vec<ParticipantId> =
        participant_ids.iter().copied().filter(|id| seen.insert(*id)).collect();
    if ids.is_empty() {
        return Err(AppError::invalid(
            "participant_ids",
            Text::key("error.people.choose_participants"),
        ));
    }
    if ids.len() > MAX_BULK {
        return Err(AppError::invalid(
            "participant_ids",
            Text::key("error.people.too_many_at_once").arg("max", MAX_BULK),
        ));
    }
    crate::db::write_transaction(conn, |conn| {
        let run = lock_run(conn, org, run_id)?;
        let mut people = Vec::with_capacity(ids.len());
        for id in &ids {
            people.push(repo::get(conn, org, *id)?);
        }
        if let Some(erased) = people.iter().find(|p| p.is_erased()) {
            return Err(AppError::Gone(
                Text::key("error.people.erased_in_list").arg("id", erased.id),
            ));
        }
        let mut results = Vec::with_capacity(people.len());
        for p in &people {
            let (enrollment, outcome) = place(conn, actor, org, &run, p)?;
            results.push(EnrolmentResult { participant_id: p.id, outcome, enrollment });
        }
        Ok(BulkEnrolment::new(results))
    })
}

/// The run of the organisation, locked: every capacity check after this sees every
/// committed enrollment, and no other enrollment in the run commits until this
/// transaction does.
pub(crate) fn lock_run(
    conn: &mut DbConn, org: OrgId, run_id: RunId,
) -> AppResult<planning::models::CourseRun> {
    // Not found in another organisation before anything is locked.
    planning::service::get_run(conn, org, run_id)?;
    dialect::lock_for_update(conn, "course_runs", run_id)?;
    planning::service::get_run(conn, org, run_id)
}

/// Gives one person a place or a place on the waiting list of the locked run, unless they
/// hold one or wait already (then their enrollment as it is). An erased person is not
/// enrolled.
pub(crate) fn place(
    conn: &mut DbConn, actor: &Actor, org: OrgId, run: &planning::models::CourseRun,
    participant: &Participant,
) -> AppResult<(Enrollment, EnrolmentOutcome)> {
    let existing = repo::find_enrollment(conn, run.id, participant.id)?;
    if let Some(e) = existing.as_ref().filter(|e| standing(Some(e)).is_some()) {
        let outcome = if e.status == EnrollmentStatus::Waiting {
            EnrolmentOutcome::AlreadyWaiting
        } else {
            EnrolmentOutcome::AlreadyEnrolled
        };
        return Ok((e.clone(), outcome));
    }
    if participant.is_erased() {
        return Err(AppError::Gone(Text::key("access.error.erased")));
    }
    let status = placement(run.capacity, repo::count_enrolled(conn, run.id)?);
    let e = match existing {
        Some(cancelled) => repo::reopen_enrollment(conn, cancelled.id, status)?,
        None => repo::insert_enrollment(conn, org, run.id, participant.id, status)?,
    };
    audit::Entry::new(Some(org), Some(actor.user_id), "enrollment.create")
        .on("enrollment", Some(e.id.into()))
        .about_participant(participant.id)
        .detail(status.code())
        .record(conn)?;
    let outcome = if status == EnrollmentStatus::Waiting {
        EnrolmentOutcome::Waiting
    } else {
        EnrolmentOutcome::Enrolled
    };
    Ok((e, outcome))
}

/// Cancels a place or a waiting-list entry. A freed place goes to the first person on the
/// waiting list, who is told by email (or their referrer, when they have no email).
pub fn cancel(
    conn: &mut DbConn, actor: &Actor, run_id: RunId, participant_id: ParticipantId,
) -> AppResult<CancelOutcome> {
    let org = actor.coordinator_org()?;
    crate::db::write_transaction(conn, |conn| {
        dialect::lock_for_update(conn, "course_runs", run_id)?;
        let run = planning::service::get_run(conn, org, run_id)?;
        repo::get(conn, org, participant_id)?;
        let enrollment = repo::find_enrollment(conn, run_id, participant_id)?
            .filter(|e| standing(Some(e)).is_some())
            .ok_or_else(|| AppError::not_found("thing.enrollment"))?;
        let now = crate::time::now_utc();
        let freed_place = enrollment.status == EnrollmentStatus::Enrolled;
        let cancelled =
            repo::set_enrollment_status(conn, enrollment.id, EnrollmentStatus::Cancelled, now)?;
        audit::Entry::new(Some(org), Some(actor.user_id), "enrollment.cancel")
            .on("enrollment", Some(cancelled.id.into()))
            .about_participant(cancelled.participant_id)
            .record(conn)?;
        let promoted = if freed_place { fill_free_places(conn, org, &run)?.pop() } else { None };
        Ok(CancelOutcome { cancelled, promoted })
    })
}

/// Gives free places to the waiting list in order and tells each person moved up. The
/// caller holds the run's lock.
pub fn fill_free_places(
    conn: &mut DbConn, org: OrgId, run: &planning::models::CourseRun,
) -> AppResult<Vec<Enrollment>> {
    let now = crate::time::now_utc();
    let enrolled = repo::count_enrolled(conn, run.id)?;
    let waiting = repo::waiting_enrollments(conn, run.id)?;
    let mut moved = Vec::new();
    for next in moving_up(&waiting, run.capacity, enrolled) {
        let e = repo::set_enrollment_status(conn, next.id, EnrollmentStatus::Enrolled, now)?;
        audit::Entry::new(Some(org), None, "enrollment.promote")
            .on("enrollment", Some(e.id.into()))
            .about_participant(e.participant_id)
            .record(conn)?;
        notify_promoted(conn, org, run, e.participant_id)?;
        moved.push(e);
    }
    Ok(moved)
}

#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct CancelOutcome {
    pub cancelled: Enrollment,
    /// The person who moved up from the waiting list, if any.
    pub promoted: Option<Enrollment>,
}

pub use repo::Traces;

/// Why a participant cannot be deleted outright.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Kept {
    /// They took part (attendance, test results, certificates): their row must stay so
    /// counts, reports and certificates stay true. Their data can be erased (Art. 17).
    History,
    /// They hold a place or wait in a run: cancel those enrollments first (or erase).
    Enrolled,
}

impl Kept {
    /// Why, in words.
    pub fn reason(self) -> Text {
        match self {
            Kept::History => Text::key("error.people.delete_history"),
            Kept::Enrolled => Text::key("error.people.delete_enrolled"),
        }
    }
}

/// A run a person holds a place in or waits for.
#[derive(Debug, Clone, Serialize)]
pub struct RunEnrolment {
    pub run_id: RunId,
    pub course: String,
    pub start: String,
    pub waiting: bool,
}

/// What deleting a participant would do, or why it cannot be done.
#[derive(Debug)]
pub struct Deletion {
    pub participant: Participant,
    pub traces: Traces,
    pub runs: Vec<RunEnrolment>,
    pub blocked: Option<Kept>,
}

/// What history keeps a participant's row (the first reason that holds: cancelling
/// enrollments does not help a person who took part).
pub fn kept_by(t: &Traces) -> Option<Kept> {
    if t.attendance > 0 || t.test_results > 0 || t.certificates > 0 {
        Some(Kept::History)
    } else if t.active_enrolments > 0 {
        Some(Kept::Enrolled)
    } else {
        None
    }
}

/// What deleting the participant would take with them (the confirmation page), or why it
/// cannot be done. Changes nothing.
pub fn deletion(conn: &mut DbConn, actor: &Actor, id: ParticipantId) -> AppResult<Deletion> {
    let org = actor.coordinator_org()?;
    let participant = repo::get(conn, org, id)?;
    let traces = repo::traces(conn, org, id)?;
    let runs = repo::active_enrolments(conn, org, id)?
        .into_iter()
        .map(|(run_id, course, start, status)| RunEnrolment {
            run_id,
            course,
            start: crate::time::fmt_date(start),
            waiting: status == EnrollmentStatus::Waiting,
        })
        .collect();
    Ok(Deletion { blocked: kept_by(&traces), participant, traces, runs })
}

/// Deletes a participant who left no history: their row, their cancelled enrollments,
/// reminder marks, consent history and the mails about them. Someone who took part or is
/// enrolled is refused (409, with the reason); the audit log keeps ids only.
pub fn delete(conn: &mut DbConn, actor: &Actor, id: ParticipantId) -> AppResult<()> {
    let org = actor.coordinator_org()?;
    crate::db::write_transaction(conn, |conn| {
        repo::get(conn, org, id)?;
        // Erasure, enrolling and issuing take this lock too: nothing is added meanwhile.
        dialect::lock_for_update(conn, "participants", id)?;
        if let Some(kept) = kept_by(&repo::traces(conn, org, id)?) {
            return Err(AppError::Conflict(kept.reason()));
        }
        crate::mail::outbox::delete_about(conn, org, crate::mail::outbox::About::Participant(id))?;
        repo::delete(conn, org, id)?;
        audit::Entry::new(Some(org), Some(actor.user_id), "participant.delete")
            .on("participant", Some(id.into()))
            .record(conn)
    })
}

/// A run people can still be enrolled in, as a choice of the import.
#[derive(Debug, Clone, Serialize)]
pub struct RunChoice {
    pub id: RunId,
    /// "Course, 02.03.2026–31.03.2026, place"
    pub label: String,
    pub free: usize,
}

/// The organisation's runs that have not ended, the earliest first.
pub fn open_runs(conn: &mut DbConn, actor: &Actor) -> AppResult<Vec<RunChoice>> {
    let org = actor.coordinator_org()?;
    repo::open_runs(conn, org, crate::time::today_local())?
        .into_iter()
        .map(|(id, course, start, end, place, capacity)| {
            Ok(RunChoice {
                id,
                label: format!(
                    "{course}, {}–{}, {place}",
                    crate::time::fmt_date(start),
                    crate::time::fmt_date(end)
                ),
                free: free_places(capacity, repo::count_enrolled(conn, id)?),
            })
        })
        .collect()
}

/// The people who could be enrolled in a run (registered, not erased, neither holding a
/// place nor waiting), as the checkbox list of the run page shows them: all, or those
/// whose name, email or phone contains the filter.
#[derive(Debug, Default, Serialize)]
pub struct EnrolChoices {
    /// What the filter field holds.
    pub q: String,
    pub candidates: Vec<EnrolCandidate>,
    /// Candidates shown (matching the filter).
    pub shown: usize,
    /// Candidates without the filter.
    pub total: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct EnrolCandidate {
    pub id: ParticipantId,
    /// "Family, Given"
    pub name: String,
    /// Email, else phone: tells two people of one name apart.
    pub contact: String,
}

impl EnrolChoices {
    pub fn new(others: &[Participant]) -> Self {
        let candidates: Vec<EnrolCandidate> = others
            .iter()
            .filter(|p| !p.is_erased())
            .map(|p| EnrolCandidate {
                id: p.id,
                name: p.sorted_name(),
                contact: p.email.clone().or(p.phone.clone()).unwrap_or_default(),
            })
            .collect();
        let n = candidates.len();
        EnrolChoices { q: String::new(), shown: n, total: n, candidates }
    }

    /// Keeps the candidates matching `q` (any case; every word must match the name or the
    /// contact).
    pub fn filter(&mut self, q: &str) {
        let q = validate::one_line(q).trim().chars().take(100).collect::<String>();
        let words: Vec<String> = q.split_whitespace().map(str::to_lowercase).collect();
        self.candidates.retain(|c| {
            let hay = format!("{} {}", c.name, c.contact).to_lowercase();
            words.iter().all(|w| hay.contains(w.as_str()))
        });
        self.shown = self.candidates.len();
        self.q = q;
    }
}

/// The people around one run: who holds a place, who waits (in order), and everyone else
/// of the organisation (who could be enrolled).
pub struct RunPeople {
    pub enrolled: Vec<Participant>,
    pub waiting: Vec<Participant>,
    pub others: Vec<Participant>,
}

pub fn run_people(conn: &mut DbConn, org: OrgId, run_id: RunId) -> AppResult<RunPeople> {
    let enrolled = repo::enrolled_in(conn, org, run_id)?;
    let waiting = repo::waiting_list(conn, org, run_id)?;
    let others = repo::list(conn, org)?
        .into_iter()
        .filter(|p| !enrolled.iter().chain(&waiting).any(|e| e.id == p.id))
        .collect();
    Ok(RunPeople { enrolled, waiting, others })
}

/// These participants of the organisation by id; ids of others are left out.
pub fn get_many(
    conn: &mut DbConn, org: OrgId, ids: &[ParticipantId],
) -> AppResult<std::collections::HashMap<ParticipantId, Participant>> {
    Ok(repo::by_ids(conn, org, ids)?.into_iter().map(|p| (p.id, p)).collect())
}

/// The people holding a place in a run, by family name.
pub fn enrolled(conn: &mut DbConn, actor: &Actor, run_id: RunId) -> AppResult<Vec<Participant>> {
    let org = actor.coordinator_org()?;
    planning::service::get_run(conn, org, run_id)?;
    repo::enrolled_in(conn, org, run_id)
}

/// A run's waiting list, first in line first.
pub fn waiting_list(
    conn: &mut DbConn, actor: &Actor, run_id: RunId,
) -> AppResult<Vec<Participant>> {
    let org = actor.coordinator_org()?;
    planning::service::get_run(conn, org, run_id)?;
    repo::waiting_list(conn, org, run_id)
}

/// Everyone the organisation registered, by family name.
pub fn participants(conn: &mut DbConn, actor: &Actor) -> AppResult<Vec<Participant>> {
    repo::list(conn, actor.coordinator_org()?)
}

/// The participants page: everyone registered and the form for one more.
#[derive(Debug, Serialize)]
pub struct ParticipantsPage {
    pub participants: Vec<ParticipantLine>,
    pub languages: Vec<i18n::LanguageOption>,
    pub form: ParticipantFields,
}

#[derive(Debug, Serialize)]
pub struct ParticipantLine {
    pub id: ParticipantId,
    /// "Family, Given", as the list is sorted.
    pub name: String,
    /// Erased (Art. 17 or retention): no name, no contact, no erase link.
    pub erased: bool,
    pub language: String,
    /// Email, else phone.
    pub contact: String,
    pub consent_date: String,
}

/// What the registration form shows: a fresh form, or the input that was refused.
#[derive(Debug, Default, Serialize)]
pub struct ParticipantFields {
    pub given_name: String,
    pub family_name: String,
    pub preferred_language: String,
    pub phone: String,
    pub email: String,
    pub consent: bool,
    pub consent_date: String,
    pub referrer_name: String,
    pub referrer_organisation: String,
    pub referrer_contact: String,
    /// Ticked "trotzdem speichern" under a mixed-script warning.
    pub confirm_mixed_script: bool,
}

pub fn participants_page(conn: &mut DbConn, actor: &Actor) -> AppResult<ParticipantsPage> {
    let participants = participants(conn, actor)?
        .into_iter()
        .map(|p| ParticipantLine {
            id: p.id,
            name: p.sorted_name(),
            erased: p.is_erased(),
            language: i18n::participant_language_name(&p.preferred_language).to_string(),
            contact: p.email.clone().or(p.phone.clone()).unwrap_or_default(),
            consent_date: crate::time::fmt_date(p.consent_date),
        })
        .collect();
    Ok(ParticipantsPage {
        participants,
        languages: i18n::language_options(&[]),
        form: ParticipantFields {
            consent_date: crate::time::today_local().to_string(),
            preferred_language: "ar".into(),
            ..ParticipantFields::default()
        },
    })
}

/// Where news for a participant goes: their own email, else their referrer's email.
pub fn contact_email(p: &Participant) -> Option<(String, bool)> {
    if let Some(e) = p.email.as_deref() {
        return Some((e.to_string(), false));
    }
    p.referrer_contact.as_deref().filter(|c| c.contains('@')).map(|c| (c.to_string(), true))
}

/// [`contact_email`], with the address of the referrer's account (not the contact typed at
/// registration) when a referrer registered the person through their own account and that
/// account is active.
pub fn contact_email_in(conn: &mut DbConn, p: &Participant) -> AppResult<Option<(String, bool)>> {
    if p.email.is_none() {
        if let Some(user_id) = p.referred_by_user_id {
            if let Some(user) = crate::auth::service::user(conn, user_id)?.filter(|u| u.active) {
                return Ok(Some((user.email, true)));
            }
        }
    }
    Ok(contact_email(p))
}

/// What the mail to a person who moved up from the waiting list says.
#[derive(Serialize)]
struct PromotionMail {
    participant_name: String,
    /// Set when the mail goes to the referrer instead.
    referrer_name: Option<String>,
    course_title: String,
    place: String,
    start: String,
    end: String,
    first_session: Option<FirstSession>,
}

/// The first session named in a move-up mail, its words chosen by the mail's language.
#[derive(Serialize)]
struct FirstSession {
    date: String,
    start: String,
    end: String,
    location: String,
}

pub(crate) fn mail_context<T: Serialize>(mail: &T) -> AppResult<serde_json::Value> {
    serde_json::to_value(mail).map_err(|e| AppError::Internal(e.into()))
}

fn notify_promoted(
    conn: &mut DbConn, org: OrgId, run: &planning::models::CourseRun, participant_id: ParticipantId,
) -> AppResult<()> {
    let p = repo::get(conn, org, participant_id)?;
    let Some((to, via_referrer)) = contact_email_in(conn, &p)? else {
        return Ok(());
    };
    let course = planning::service::get_course(conn, org, run.course_id)?;
    let sessions = planning::service::session_views(conn, org, Some(run.id), None)?;
    let first = sessions.iter().find(|s| !s.cancelled);
    crate::mail::outbox::enqueue_localized(
        conn,
        Some(org),
        crate::mail::outbox::About::Participant(p.id),
        &to,
        "waitlist_promoted",
        &p.preferred_language,
        &mail_context(&PromotionMail {
            participant_name: p.full_name(),
            referrer_name: p.referrer_name.clone().filter(|_| via_referrer),
            course_title: course.title,
            place: run.place.clone(),
            start: crate::time::fmt_date(run.start_date),
            end: crate::time::fmt_date(run.end_date),
            first_session: first.map(|s| FirstSession {
                date: s.date.clone(),
                start: s.starts_at_local.clone(),
                end: s.ends_at_local.clone(),
                location: s.location.clone(),
            }),
        })?,
        None,
    )?;
    Ok(())
}

// Lookups for the use cases of the domains above, which have checked the caller's
// organisation already.

/// A participant of the organisation (not found when registered elsewhere).
pub fn get(conn: &mut DbConn, org: OrgId, participant_id: ParticipantId) -> AppResult<Participant> {
    repo::get(conn, org, participant_id)
}

/// The people holding a place in a run, by family name.
pub fn enrolled_in(conn: &mut DbConn, org: OrgId, run_id: RunId) -> AppResult<Vec<Participant>> {
    repo::enrolled_in(conn, org, run_id)
}

/// The people holding a place in each of these runs, by run, in the order of
/// [`enrolled_in`]; a run nobody holds a place in is missing.
pub fn enrolled_in_runs(
    conn: &mut DbConn, org: OrgId, runs: &[RunId],
) -> AppResult<HashMap<RunId, Vec<Participant>>> {
    let mut by_run: HashMap<RunId, Vec<Participant>> = HashMap::new();
    for (run, p) in repo::enrolled_in_runs(conn, org, runs)? {
        by_run.entry(run).or_default().push(p);
    }
    Ok(by_run)
}

/// Whether the person holds a place (not waiting, not cancelled) in the run.
pub fn holds_place(
    conn: &mut DbConn, run_id: RunId, participant_id: ParticipantId,
) -> AppResult<bool> {
    repo::holds_place(conn, run_id, participant_id)
}

/// Places held twice in one run, for `mietschulung check` (the database's unique key
/// should make it impossible; this says so if it ever is not).
pub fn enrolment_violations(conn: &mut DbConn) -> AppResult<Vec<(OrgId, Text)>> {
    Ok(repo::enrolled_twice(conn)?
        .into_iter()
        .map(|(org, run, participant)| {
            (org, Text::key("check.enrolled_twice").arg("run", run).arg("participant", participant))
        })
        .collect())
}

/// The participant whose attendance card carries this code.
pub fn by_card_code(conn: &mut DbConn, org: OrgId, code: &str) -> AppResult<Option<Participant>> {
    repo::by_card_code(conn, org, code)
}

/// Gives a participant the code of a new attendance card.
pub fn set_card_code(
    conn: &mut DbConn, participant_id: ParticipantId, code: &str,
) -> AppResult<()> {
    repo::set_card_code(conn, participant_id, code)
}

/// Corrects a participant's name as in their ID (before a certificate is issued again).
pub fn set_names(
    conn: &mut DbConn, org: OrgId, participant_id: ParticipantId, given_name: &str,
    family_name: &str,
) -> AppResult<()> {
    repo::set_names(conn, org, participant_id, given_name, family_name)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use EnrollmentStatus::{Cancelled, Enrolled, Waiting};

    #[test]
    fn placement_table() {
        for (capacity, enrolled, expected) in [
            (10, 0, Enrolled),
            (10, 9, Enrolled),
            (10, 10, Waiting),
            (10, 12, Waiting),
            (1, 0, Enrolled),
        ] {
            assert_eq!(placement(capacity, enrolled), expected, "{enrolled}/{capacity}");
        }
        assert_eq!(free_places(10, 12), 0);
        assert_eq!(free_places(10, 7), 3);
    }

    #[test]
    fn history_keeps_a_participant_and_enrolments_block_until_cancelled() {
        let none = Traces::default();
        assert_eq!(kept_by(&none), None);
        let cancelled = Traces { cancelled_enrolments: 2, mails: 3, ..Traces::default() };
        assert_eq!(kept_by(&cancelled), None, "cancelled enrolments and mails go along");
        let enrolled = Traces { active_enrolments: 1, ..Traces::default() };
        assert_eq!(kept_by(&enrolled), Some(Kept::Enrolled));
        for took_part in [
            Traces { attendance: 1, ..Traces::default() },
            Traces { test_results: 1, ..Traces::default() },
            Traces { certificates: 1, active_enrolments: 1, ..Traces::default() },
        ] {
            assert_eq!(kept_by(&took_part), Some(Kept::History), "{took_part:?}");
        }
    }

    fn person(id: i32, given: &str, family: &str, email: Option<&str>) -> Participant {
        Participant {
            id: ParticipantId(id),
            organisation_id: OrgId(1),
            given_name: given.into(),
            family_name: family.into(),
            preferred_language: "ar".into(),
            phone: None,
            email: email.map(str::to_string),
            consent_date: chrono::NaiveDate::from_ymd_opt(2026, 1, 5).unwrap(),
            consent_recorded_by: None,
            created_at: chrono::NaiveDate::from_ymd_opt(2026, 1, 5)
                .unwrap()
                .and_hms_opt(9, 0, 0)
                .unwrap(),
            referrer_name: None,
            referrer_organisation: None,
            referrer_contact: None,
            card_code: None,
            erased_at: None,
            referred_by_user_id: None,
        }
    }

    #[test]
    fn the_enrolment_filter_matches_every_word_in_name_or_contact() {
        let mut erased = person(4, "", "", None);
        erased.erased_at = Some(erased.created_at);
        let people = [
            person(1, "Amina", "Haddad", Some("amina@example.org")),
            person(2, "Taras", "Bondarenko", None),
            person(3, "Amir", "Haddad", None),
            erased,
        ];
        let ids = |q: &str| {
            let mut c = EnrolChoices::new(&people);
            c.filter(q);
            assert_eq!(c.shown, c.candidates.len());
            assert_eq!(c.total, 3, "an erased person is never a candidate");
            c.candidates.iter().map(|c| c.id.0).collect::<Vec<_>>()
        };
        assert_eq!(ids(""), [1, 2, 3]);
        assert_eq!(ids("haddad"), [1, 3]);
        assert_eq!(ids("  HADDAD   amir "), [3]);
        assert_eq!(ids("EXAMPLE.org"), [1]);
        assert_eq!(ids("niemand"), Vec::<i32>::new());
        assert_eq!(ids("Haddad\u{202E}"), [1, 3], "bidi controls are dropped from the filter");
    }

    #[test]
    fn a_referrer_is_reached_by_email_or_phone() {
        assert_eq!(referrer_contact(None).unwrap(), None);
        assert_eq!(referrer_contact(Some("  ")).unwrap(), None);
        assert_eq!(
            referrer_contact(Some(" Weber@Caritas.example ")).unwrap().as_deref(),
            Some("weber@caritas.example")
        );
        assert_eq!(
            referrer_contact(Some("+49 (3447) 123-45")).unwrap().as_deref(),
            Some("+49 (3447) 123-45")
        );
        for bad in ["weber@caritas", "a@@b.example", "ruf an", "123", "weber@cari tas.de"] {
            let e = referrer_contact(Some(bad)).unwrap_err();
            assert_eq!(e.field(), Some("referrer_contact"), "{bad}");
        }
    }

    #[test]
    fn the_first_on_the_waiting_list_move_up() {
        let waiting = ["Anna", "Bert", "Cem"];
        assert_eq!(moving_up(&waiting, 10, 8), &["Anna", "Bert"]);
        assert_eq!(moving_up(&waiting, 10, 10), &[] as &[&str]);
        assert_eq!(moving_up(&waiting, 20, 0), &waiting);
    }

    /// What happens to a run, as plain data: people join, leave, and the capacity changes.
    #[derive(Debug, Clone)]
    enum Step {
        Join(u8),
        Leave(u8),
        Capacity(i32),
    }

    fn step() -> impl Strategy<Value = Step> {
        prop_oneof![
            4 => (0u8..12).prop_map(Step::Join),
            3 => (0u8..12).prop_map(Step::Leave),
            1 => (1i32..8).prop_map(Step::Capacity),
        ]
    }

    /// A run kept with the rules above: `enrolled` in any order, `waiting` in the order
    /// people joined it.
    struct Run {
        capacity: i32,
        enrolled: Vec<u8>,
        waiting: Vec<u8>,
    }

    impl Run {
        fn fill(&mut self) -> Vec<u8> {
            let up = moving_up(&self.waiting, self.capacity, self.enrolled.len() as i64).to_vec();
            self.waiting.drain(..up.len());
            self.enrolled.extend(&up);
            up
        }

        fn status(&self, who: u8) -> Option<EnrollmentStatus> {
            if self.enrolled.contains(&who) {
                Some(Enrolled)
            } else if self.waiting.contains(&who) {
                Some(Waiting)
            } else {
                None
            }
        }
    }

    proptest! {
        /// Nobody holds a place beyond the capacity (unless the capacity was lowered below
        /// the places already held), nobody waits while a place is free, and whoever moves
        /// up is the first in line.
        #[test]
        fn the_waiting_list_is_served_in_order(start in 1i32..8, steps in prop::collection::vec(step(), 0..60)) {
            let mut run = Run { capacity: start, enrolled: Vec::new(), waiting: Vec::new() };
            for step in steps {
                match step {
                    Step::Join(who) => {
                        if run.status(who).is_some() {
                            continue;
                        }
                        match placement(run.capacity, run.enrolled.len() as i64) {
                            Enrolled => run.enrolled.push(who),
                            Waiting => run.waiting.push(who),
                            Cancelled => prop_assert!(false, "a new enrollment is never cancelled"),
                        }
                    }
                    Step::Leave(who) => {
                        let before = run.waiting.clone();
                        match run.status(who) {
                            Some(Enrolled) => run.enrolled.retain(|p| *p != who),
                            Some(_) => run.waiting.retain(|p| *p != who),
                            None => continue,
                        }
                        let rest: Vec<u8> = before.into_iter().filter(|p| *p != who).collect();
                        let up = run.fill();
                        prop_assert_eq!(&up[..], &rest[..up.len()]);
                    }
                    Step::Capacity(c) => {
                        // Lowering is refused below the places held (see planning).
                        if i64::from(c) < run.enrolled.len() as i64 {
                            continue;
                        }
                        run.capacity = c;
                        run.fill();
                    }
                }
                let held = run.enrolled.len() as i64;
                prop_assert!(held <= i64::from(run.capacity));
                prop_assert!(run.waiting.is_empty() || free_places(run.capacity, held) == 0);
            }
        }

        /// Free places are never negative, and no more people move up than there are free
        /// places or people waiting.
        #[test]
        fn free_places_are_never_negative(capacity in -5i32..50, enrolled in 0i64..80, waiting in 0usize..30) {
            let free = free_places(capacity, enrolled);
            prop_assert_eq!(free as i64, (i64::from(capacity) - enrolled).max(0));
            let line: Vec<usize> = (0..waiting).collect();
            let up = moving_up(&line, capacity, enrolled);
            prop_assert_eq!(up.len(), free.min(waiting));
            prop_assert_eq!(up, &line[..up.len()]);
        }
    }
}
