//! The participants' use cases: registering people, enrolling them in runs, the waiting
//! list. The rules of places are plain functions over numbers and lists ([`placement`],
//! [`free_places`], [`moving_up`], [`standing`]); the use cases load, apply them under the
//! run's lock, and store.

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
    let referrer_contact =
        match input.referrer_contact.as_deref().map(str::trim).filter(|c| !c.is_empty()) {
            None => None,
            Some(c) if c.contains('@') => validate::optional_email("referrer_contact", Some(c))?,
            Some(c) => validate::optional_phone("referrer_contact", Some(c))?,
        };
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
        // Lock first: the capacity check below must see every committed enrollment.
        dialect::lock_for_update(conn, "course_runs", run_id)?;
        let run = planning::service::get_run(conn, org, run_id)?;
        let participant = repo::get(conn, org, participant_id)?;
        let existing = repo::find_enrollment(conn, run_id, participant_id)?;
        if let Some(status) = standing(existing.as_ref()) {
            return Err(already_in(status, &participant));
        }
        let status = placement(run.capacity, repo::count_enrolled(conn, run_id)?);
        let e = match existing {
            Some(cancelled) => repo::reopen_enrollment(conn, cancelled.id, status)?,
            None => repo::insert_enrollment(conn, org, run_id, participant_id, status)?,
        };
        audit::Entry::new(Some(org), Some(actor.user_id), "enrollment.create")
            .on("enrollment", Some(e.id.into()))
            .about_participant(participant_id)
            .detail(status.code())
            .record(conn)?;
        Ok(e)
    })
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
    first_session: Option<String>,
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
    crate::mail::outbox::enqueue(
        conn,
        Some(org),
        crate::mail::outbox::About::Participant(p.id),
        &to,
        "waitlist_promoted",
        &mail_context(&PromotionMail {
            participant_name: p.full_name(),
            referrer_name: p.referrer_name.clone().filter(|_| via_referrer),
            course_title: course.title,
            place: run.place.clone(),
            start: crate::time::fmt_date(run.start_date),
            end: crate::time::fmt_date(run.end_date),
            first_session: first.map(|s| {
                format!("{}, {}–{} Uhr, {}", s.date, s.starts_at_local, s.ends_at_local, s.location)
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
