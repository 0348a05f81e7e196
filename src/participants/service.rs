use diesel::Connection;
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
fn name(field: &'static str, label: &str, value: &str) -> AppResult<String> {
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
    conn.transaction(|conn| {
        let p = repo::insert(
            conn,
            &ParticipantInsertForm {
                organisation_id: org,
                given_name,
                family_name,
                preferred_language: lang.to_string(),
                phone,
                email,
                consent_date,
                consent_recorded_by: Some(actor.user_id),
                created_at: crate::time::now_utc(),
            },
        )?;
        audit::record(
            conn,
            Some(org),
            Some(actor.user_id),
            "participant.create",
            "participant",
            Some(p.id),
            "",
        )?;
        Ok(p)
    })
}

pub fn enroll(
    conn: &mut DbConn,
    actor: &Actor,
    run_id: i32,
    participant_id: i32,
) -> AppResult<Enrollment> {
    let org = actor.coordinator_org()?;
    conn.transaction(|conn| {
        // Lock first: the capacity check below must see every committed enrollment.
        dialect::lock_for_update(conn, "course_runs", run_id)?;
        let run = planning::repo::get_run(conn, org, run_id)?;
        let participant = repo::get(conn, org, participant_id)?;
        if repo::find_enrollment(conn, run_id, participant_id)?.is_some() {
            return Err(AppError::Conflict(format!(
                "{} ist für diesen Durchgang bereits angemeldet.",
                participant.full_name()
            )));
        }
        let enrolled = repo::count_enrolled(conn, run_id)?;
        if enrolled >= i64::from(run.capacity) {
            return Err(AppError::Conflict(format!(
                "Der Durchgang ist voll: alle {} Plätze sind vergeben.",
                run.capacity
            )));
        }
        let e = repo::insert_enrollment(conn, org, run_id, participant_id)?;
        audit::record(
            conn,
            Some(org),
            Some(actor.user_id),
            "enrollment.create",
            "enrollment",
            Some(e.id),
            "",
        )?;
        Ok(e)
    })
}
