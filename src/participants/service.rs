use unicode_normalization::UnicodeNormalization;

use super::models::*;
use super::repo;
use crate::audit;
use crate::auth::Actor;
use crate::db::{dialect, DbConn};
use crate::error::{AppError, AppResult};
use crate::i18n;
use crate::planning;
use crate::validate;

/// Names are stored in NFC so the certificate, the signed token and a retyped name agree.
pub(crate) fn name(field: &'static str, label: &str, value: &str) -> AppResult<String> {
    let v = validate::required_text(field, label, value, 80)?;
    if v.contains('\n') || v.contains('\t') {
        return Err(AppError::invalid(
            field,
            format!("„{label}“ muss in einer Zeile stehen."),
        ));
    }
    let v: String = v
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .nfc()
        .collect();
    if !v.chars().all(printable_name_char) {
        return Err(AppError::invalid(
            field,
            format!("„{label}“ bitte so schreiben wie im Ausweis oder Aufenthaltstitel (lateinische oder kyrillische Buchstaben)."),
        ));
    }
    Ok(v)
}

/// Names are printed on the certificate and signed into its QR code, so they must use
/// scripts the certificate fonts carry; German ID documents print names in Latin script.
fn printable_name_char(c: char) -> bool {
    matches!(c, ' ' | '-' | '\'' | '’' | '.')
        || (c.is_alphabetic()
            && matches!(u32::from(c), 0x41..=0x24F | 0x1E00..=0x1EFF | 0x370..=0x3FF | 0x400..=0x4FF))
        || matches!(u32::from(c), 0x300..=0x36F)
}

pub fn register(conn: &mut DbConn, actor: &Actor, input: NewParticipant) -> AppResult<Participant> {
    let org = actor.coordinator_org()?;
    let form = check_new_participant(org, actor.user_id, &input)?;
    crate::db::write_transaction(conn, |conn| insert_checked(conn, actor, &form))
}

pub(crate) fn insert_checked(
    conn: &mut DbConn,
    actor: &Actor,
    form: &ParticipantInsertForm,
) -> AppResult<Participant> {
    let p = repo::insert(conn, form)?;
    audit::record(
        conn,
        Some(form.organisation_id),
        Some(actor.user_id),
        "participant.create",
        "participant",
        Some(p.id),
        "",
    )?;
    Ok(p)
}

/// Every rule for a new participant, as one row ready to insert (shared with the import).
pub(crate) fn check_new_participant(
    org: i32,
    recorded_by: i32,
    input: &NewParticipant,
) -> AppResult<ParticipantInsertForm> {
    let given_name = name("given_name", "Vorname", &input.given_name)?;
    let family_name = name("family_name", "Familienname", &input.family_name)?;
    let lang = input.preferred_language.trim();
    if !i18n::is_participant_language(lang) {
        return Err(AppError::invalid(
            "preferred_language",
            "Bitte wählen Sie eine Sprache aus der Liste.",
        ));
    }
    let phone = validate::optional_phone("phone", input.phone.as_deref())?;
    let email = validate::optional_email("email", input.email.as_deref())?;
    let referrer_name = validate::optional_text(
        "referrer_name",
        "Name der vermittelnden Person",
        input.referrer_name.as_deref(),
        120,
    )?;
    let referrer_organisation = validate::optional_text(
        "referrer_organisation",
        "Stelle der vermittelnden Person",
        input.referrer_organisation.as_deref(),
        160,
    )?;
    let referrer_contact = match input
        .referrer_contact
        .as_deref()
        .map(str::trim)
        .filter(|c| !c.is_empty())
    {
        None => None,
        Some(c) if c.contains('@') => validate::optional_email("referrer_contact", Some(c))?,
        Some(c) => validate::optional_phone("referrer_contact", Some(c))?,
    };
    if referrer_contact.is_some() && referrer_name.is_none() {
        return Err(AppError::invalid(
            "referrer_name",
            "Bitte geben Sie auch den Namen der vermittelnden Person an.",
        ));
    }
    if !input.consent {
        return Err(AppError::invalid(
            "consent",
            "Ohne dokumentierte Einwilligung kann die Person nicht registriert werden.",
        ));
    }
    let today = crate::time::today_local();
    let consent_date = input.consent_date.unwrap_or(today);
    if consent_date > today {
        return Err(AppError::invalid(
            "consent_date",
            "Das Datum der Einwilligung liegt in der Zukunft.",
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

/// Gives the person a place, or a place on the waiting list when the run is full.
pub fn enroll(
    conn: &mut DbConn,
    actor: &Actor,
    run_id: i32,
    participant_id: i32,
) -> AppResult<Enrollment> {
    let org = actor.coordinator_org()?;
    crate::db::write_transaction(conn, |conn| {
        // Lock first: the capacity check below must see every committed enrollment.
        dialect::lock_for_update(conn, "course_runs", run_id)?;
        let run = planning::repo::get_run(conn, org, run_id)?;
        let participant = repo::get(conn, org, participant_id)?;
        let existing = repo::find_enrollment(conn, run_id, participant_id)?;
        if let Some(e) = existing.as_ref().filter(|e| e.status != repo::CANCELLED) {
            return Err(AppError::Conflict(if e.status == repo::WAITING {
                format!(
                    "{} steht für diesen Durchgang schon auf der Warteliste.",
                    participant.full_name()
                )
            } else {
                format!(
                    "{} ist für diesen Durchgang bereits angemeldet.",
                    participant.full_name()
                )
            }));
        }
        let enrolled = repo::count_enrolled(conn, run_id)?;
        let status = if enrolled < i64::from(run.capacity) {
            repo::ENROLLED
        } else {
            repo::WAITING
        };
        let e = match existing {
            Some(cancelled) => repo::reopen_enrollment(conn, cancelled.id, status)?,
            None => repo::insert_enrollment(conn, org, run_id, participant_id, status)?,
        };
        audit::record(
            conn,
            Some(org),
            Some(actor.user_id),
            "enrollment.create",
            "enrollment",
            Some(e.id),
            status,
        )?;
        Ok(e)
    })
}

/// Cancels a place or a waiting-list entry. A freed place goes to the first person on the
/// waiting list, who is told by email (or their referrer, when they have no email).
pub fn cancel(
    conn: &mut DbConn,
    actor: &Actor,
    run_id: i32,
    participant_id: i32,
) -> AppResult<CancelOutcome> {
    let org = actor.coordinator_org()?;
    crate::db::write_transaction(conn, |conn| {
        dialect::lock_for_update(conn, "course_runs", run_id)?;
        let run = planning::repo::get_run(conn, org, run_id)?;
        repo::get(conn, org, participant_id)?;
        let enrollment = repo::find_enrollment(conn, run_id, participant_id)?
            .filter(|e| e.status != repo::CANCELLED)
            .ok_or_else(|| AppError::not_found("Die Anmeldung"))?;
        let now = crate::time::now_utc();
        let freed_place = enrollment.status == repo::ENROLLED;
        let cancelled = repo::set_enrollment_status(conn, enrollment.id, repo::CANCELLED, now)?;
        audit::record(
            conn,
            Some(org),
            Some(actor.user_id),
            "enrollment.cancel",
            "enrollment",
            Some(cancelled.id),
            "",
        )?;
        let promoted = if freed_place {
            fill_free_places(conn, org, &run)?.pop()
        } else {
            None
        };
        Ok(CancelOutcome {
            cancelled,
            promoted,
        })
    })
}

/// Gives free places to the waiting list in order and tells each person moved up.
pub fn fill_free_places(
    conn: &mut DbConn,
    org: i32,
    run: &planning::models::CourseRun,
) -> AppResult<Vec<Enrollment>> {
    let now = crate::time::now_utc();
    let mut moved = Vec::new();
    while repo::count_enrolled(conn, run.id)? < i64::from(run.capacity) {
        let Some(next) = repo::first_waiting(conn, run.id)? else {
            break;
        };
        let e = repo::set_enrollment_status(conn, next.id, repo::ENROLLED, now)?;
        audit::record(
            conn,
            Some(org),
            None,
            "enrollment.promote",
            "enrollment",
            Some(e.id),
            "",
        )?;
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

pub fn run_people(conn: &mut DbConn, org: i32, run_id: i32) -> AppResult<RunPeople> {
    let enrolled = repo::enrolled_in(conn, org, run_id)?;
    let waiting = repo::waiting_list(conn, org, run_id)?;
    let others = repo::list(conn, org)?
        .into_iter()
        .filter(|p| !enrolled.iter().chain(&waiting).any(|e| e.id == p.id))
        .collect();
    Ok(RunPeople {
        enrolled,
        waiting,
        others,
    })
}

/// Where news for a participant goes: their own email, else their referrer's email.
pub fn contact_email(p: &Participant) -> Option<(String, bool)> {
    if let Some(e) = p.email.as_deref() {
        return Some((e.to_string(), false));
    }
    p.referrer_contact
        .as_deref()
        .filter(|c| c.contains('@'))
        .map(|c| (c.to_string(), true))
}

fn notify_promoted(
    conn: &mut DbConn,
    org: i32,
    run: &planning::models::CourseRun,
    participant_id: i32,
) -> AppResult<()> {
    let p = repo::get(conn, org, participant_id)?;
    let Some((to, via_referrer)) = contact_email(&p) else {
        return Ok(());
    };
    let course = planning::repo::get_course(conn, org, run.course_id)?;
    let sessions = planning::service::session_views(conn, org, Some(run.id), None)?;
    let first = sessions.iter().find(|s| !s.cancelled);
    crate::mail::outbox::enqueue(
        conn,
        Some(org),
        &to,
        "waitlist_promoted",
        &serde_json::json!({
            "participant_name": p.full_name(),
            "referrer_name": if via_referrer { p.referrer_name.clone() } else { None },
            "course_title": course.title,
            "place": run.place,
            "start": crate::time::fmt_date(run.start_date),
            "end": crate::time::fmt_date(run.end_date),
            "first_session": first.map(|s| format!("{}, {}–{} Uhr, {}", s.date, s.starts_at_local, s.ends_at_local, s.location)),
        }),
        None,
    )?;
    Ok(())
}
