use super::models::{is_group, NewStakeholder, Stakeholder, StakeholderForm, GROUPS};
use super::repo;
use crate::auth::Actor;
use crate::db::DbConn;
use crate::error::{AppError, AppResult};
use crate::validate;

/// Checks one contact with the rules of the domain; the message names the field.
pub fn check(input: &NewStakeholder) -> AppResult<StakeholderForm> {
    let group = input.stakeholder_group.trim().to_lowercase();
    if !is_group(&group) {
        let names: Vec<&str> = GROUPS.iter().map(|(_, de, _)| *de).collect();
        return Err(AppError::invalid(
            "stakeholder_group",
            format!("Bitte wählen Sie eine Gruppe: {}.", names.join(", ")),
        ));
    }
    let language = match input.preferred_language.trim() {
        "" => "de".to_string(),
        code => code.to_lowercase(),
    };
    if !crate::i18n::is_participant_language(&language) {
        return Err(AppError::invalid(
            "preferred_language",
            "Diese Sprache wird nicht angeboten (de, en, ar, fa, uk, ru, tr, ti, ps).",
        ));
    }
    Ok(StakeholderForm {
        stakeholder_group: group,
        name: validate::required_text("name", "Name", &input.name, 120)?,
        organisation_name: validate::optional_text(
            "organisation_name",
            "Organisation",
            input.organisation_name.as_deref(),
            160,
        )?,
        email: validate::optional_email("email", input.email.as_deref())?,
        phone: validate::optional_phone("phone", input.phone.as_deref())?,
        preferred_language: language,
        contact_consent: input.contact_consent,
    })
}

fn duplicate_email(existing: &Stakeholder) -> AppError {
    AppError::Conflict(format!(
        "Ein Kontakt mit dieser E-Mail-Adresse ist schon eingetragen ({}).",
        existing.name
    ))
}

pub fn create(conn: &mut DbConn, actor: &Actor, input: &NewStakeholder) -> AppResult<Stakeholder> {
    let org = actor.coordinator_org()?;
    let form = check(input)?;
    crate::db::write_transaction(conn, |conn| {
        if let Some(email) = form.email.as_deref() {
            if let Some(existing) = repo::by_email(conn, org, email)? {
                return Err(duplicate_email(&existing));
            }
        }
        let s = repo::insert(conn, org, &form)?;
        crate::audit::record(
            conn,
            Some(org),
            Some(actor.user_id),
            "stakeholder.create",
            "stakeholder",
            Some(s.id),
            &s.stakeholder_group,
        )?;
        Ok(s)
    })
}

pub fn get(conn: &mut DbConn, actor: &Actor, id: i32) -> AppResult<Stakeholder> {
    let org = actor.coordinator_org()?;
    repo::get(conn, org, id)?.ok_or_else(|| AppError::not_found("Der Kontakt"))
}

pub fn update(
    conn: &mut DbConn,
    actor: &Actor,
    id: i32,
    input: &NewStakeholder,
) -> AppResult<Stakeholder> {
    let org = actor.coordinator_org()?;
    let form = check(input)?;
    crate::db::write_transaction(conn, |conn| {
        if let Some(email) = form.email.as_deref() {
            if let Some(existing) = repo::by_email(conn, org, email)?.filter(|e| e.id != id) {
                return Err(duplicate_email(&existing));
            }
        }
        if repo::update(conn, org, id, &form)? == 0 {
            return Err(AppError::not_found("Der Kontakt"));
        }
        crate::audit::record(
            conn,
            Some(org),
            Some(actor.user_id),
            "stakeholder.update",
            "stakeholder",
            Some(id),
            "",
        )?;
        repo::get(conn, org, id)?.ok_or_else(|| AppError::not_found("Der Kontakt"))
    })
}

/// Removes a contact for good (e.g. when they ask to be removed).
pub fn delete(conn: &mut DbConn, actor: &Actor, id: i32) -> AppResult<()> {
    let org = actor.coordinator_org()?;
    crate::db::write_transaction(conn, |conn| {
        if repo::delete(conn, org, id)? == 0 {
            return Err(AppError::not_found("Der Kontakt"));
        }
        crate::audit::record(
            conn,
            Some(org),
            Some(actor.user_id),
            "stakeholder.delete",
            "stakeholder",
            Some(id),
            "",
        )
    })
}
