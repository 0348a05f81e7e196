//! The contact directory's use cases: contacts for surveys, grouped (landlords, social
//! workers …), each with a language and whether they agreed to be contacted.

use serde::Serialize;

use super::models::{NewStakeholder, Stakeholder, StakeholderForm, StakeholderGroup};
use super::repo;
use crate::auth::Actor;
use crate::db::DbConn;
use crate::error::{AppError, AppResult};
use crate::i18n::{self, LanguageOption, Text};
use crate::ids::{OrgId, StakeholderId};
use crate::participants::models::{ConsentEventInsertForm, ConsentKind};
use crate::validate;

/// Checks one contact with the rules of the domain; the message names the field.
pub fn check(input: &NewStakeholder) -> AppResult<StakeholderForm> {
    let Some(group) = StakeholderGroup::from_entered(&input.stakeholder_group) else {
        let names: Vec<String> = StakeholderGroup::ALL.iter().map(|g| g.name()).collect();
        return Err(AppError::invalid(
            "stakeholder_group",
            Text::key("error.stakeholders.choose_group").arg("groups", names.join(", ")),
        ));
    };
    let language = match input.preferred_language.trim() {
        "" => "de".to_string(),
        code => code.to_lowercase(),
    };
    if !crate::i18n::is_participant_language(&language) {
        return Err(AppError::invalid(
            "preferred_language",
            Text::key("error.stakeholders.language"),
        ));
    }
    Ok(StakeholderForm {
        stakeholder_group: group,
        name: validate::required_text("name", "label.name", &input.name, 120)?,
        organisation_name: validate::optional_text(
            "organisation_name",
            "label.organisation",
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
    AppError::Conflict(Text::key("error.stakeholders.email_taken").arg("name", &existing.name))
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
        crate::audit::Entry::new(Some(org), Some(actor.user_id), "stakeholder.create")
            .on("stakeholder", Some(s.id.into()))
            .about_stakeholder(s.id)
            .detail(s.stakeholder_group.code())
            .record(conn)?;
        record_contact_consent(conn, actor, &s)?;
        Ok(s)
    })
}

/// Adds the contact's answer to "may we contact you" to their consent history, in the
/// caller's transaction: when they are added, and whenever it changes.
pub(crate) fn record_contact_consent(
    conn: &mut DbConn, actor: &Actor, s: &Stakeholder,
) -> AppResult<()> {
    crate::participants::service::record_consent(
        conn,
        &ConsentEventInsertForm {
            organisation_id: s.organisation_id,
            participant_id: None,
            stakeholder_id: Some(s.id),
            kind: ConsentKind::Contact,
            given: s.contact_consent,
            recorded_by: Some(actor.user_id),
            recorded_at: crate::time::now_utc(),
        },
    )
}

pub fn get(conn: &mut DbConn, actor: &Actor, id: StakeholderId) -> AppResult<Stakeholder> {
    let org = actor.coordinator_org()?;
    repo::get(conn, org, id)?.ok_or_else(|| AppError::not_found("thing.contact"))
}

pub fn update(
    conn: &mut DbConn, actor: &Actor, id: StakeholderId, input: &NewStakeholder,
) -> AppResult<Stakeholder> {
    let org = actor.coordinator_org()?;
    let form = check(input)?;
    crate::db::write_transaction(conn, |conn| {
        if let Some(email) = form.email.as_deref() {
            if let Some(existing) = repo::by_email(conn, org, email)?.filter(|e| e.id != id) {
                return Err(duplicate_email(&existing));
            }
        }
        let before =
            repo::get(conn, org, id)?.ok_or_else(|| AppError::not_found("thing.contact"))?;
        repo::update(conn, org, id, &form)?;
        crate::audit::Entry::new(Some(org), Some(actor.user_id), "stakeholder.update")
            .on("stakeholder", Some(id.into()))
            .about_stakeholder(id)
            .record(conn)?;
        let after =
            repo::get(conn, org, id)?.ok_or_else(|| AppError::not_found("thing.contact"))?;
        if after.contact_consent != before.contact_consent {
            record_contact_consent(conn, actor, &after)?;
        }
        Ok(after)
    })
}

/// What deleting a contact takes with them (the confirmation page). Changes nothing.
#[derive(Debug)]
pub struct ContactDeletion {
    pub stakeholder: Stakeholder,
    /// Survey invitations not answered yet: their links stop working.
    pub open_invitations: i64,
    /// Invitations answered: the answers stay, without a link to the person.
    pub answered_invitations: i64,
    /// Mails to or about the contact (waiting, sent or failed).
    pub mails: i64,
    pub consent_events: i64,
}

pub fn deletion(conn: &mut DbConn, actor: &Actor, id: StakeholderId) -> AppResult<ContactDeletion> {
    let stakeholder = get(conn, actor, id)?;
    let (open_invitations, answered_invitations, mails, consent_events) =
        repo::traces(conn, stakeholder.organisation_id, id)?;
    Ok(ContactDeletion {
        stakeholder,
        open_invitations,
        answered_invitations,
        mails,
        consent_events,
    })
}

/// Removes a contact for good (e.g. when they ask to be removed).
pub fn delete(conn: &mut DbConn, actor: &Actor, id: StakeholderId) -> AppResult<()> {
    let org = actor.coordinator_org()?;
    crate::db::write_transaction(conn, |conn| {
        if repo::delete(conn, org, id)? == 0 {
            return Err(AppError::not_found("thing.contact"));
        }
        // The mails to the contact hold their name and address (and a personal survey link).
        crate::mail::outbox::delete_about(conn, org, crate::mail::outbox::About::Stakeholder(id))?;
        crate::audit::Entry::new(Some(org), Some(actor.user_id), "stakeholder.delete")
            .on("stakeholder", Some(id.into()))
            .about_stakeholder(id)
            .record(conn)
    })
}

/// Every contact of the organisation, for the use cases above that have checked the
/// caller's organisation already (inviting to a survey).
pub fn all_of(conn: &mut DbConn, org: OrgId) -> AppResult<Vec<Stakeholder>> {
    repo::list(conn, org, None)
}

/// The organisation's contacts, of one group or all.
pub fn contacts(
    conn: &mut DbConn, actor: &Actor, group: Option<&str>,
) -> AppResult<Vec<Stakeholder>> {
    // An unknown group is the caller's mistake whoever asks, so it is named first.
    let group = group
        .map(|g| {
            StakeholderGroup::from_code(g).ok_or_else(|| {
                AppError::invalid("group", Text::key("error.stakeholders.no_such_group"))
            })
        })
        .transpose()?;
    repo::list(conn, actor.coordinator_org()?, group)
}

/// The directory page: the contacts (of one group, when chosen), how many each group has,
/// and the form for a new one.
#[derive(Debug, Serialize)]
pub struct ContactsPage {
    pub stakeholders: Vec<ContactLine>,
    /// Contacts in all groups.
    pub total: usize,
    pub counts: Vec<GroupCount>,
    /// Whether only one group is shown.
    pub filtered: bool,
    pub groups: Vec<GroupChoice>,
    pub languages: Vec<LanguageOption>,
    pub form: ContactFields,
}

#[derive(Debug, Serialize)]
pub struct ContactLine {
    pub id: StakeholderId,
    pub name: String,
    /// The group's name.
    pub group: String,
    pub organisation: String,
    /// Email and phone, as far as known.
    pub contact: String,
    pub language: &'static str,
    pub consent: bool,
}

#[derive(Debug, Serialize)]
pub struct GroupCount {
    pub code: &'static str,
    pub name: String,
    pub count: usize,
    /// The group shown now.
    pub current: bool,
}

#[derive(Debug, Serialize)]
pub struct GroupChoice {
    pub code: &'static str,
    pub name: String,
    pub selected: bool,
}

/// A contact as the form shows it: fresh, stored, or the input that was refused.
#[derive(Debug, Default, Serialize)]
pub struct ContactFields {
    pub stakeholder_group: String,
    pub name: String,
    pub organisation_name: String,
    pub email: String,
    pub phone: String,
    pub preferred_language: String,
    pub contact_consent: bool,
}

impl From<&NewStakeholder> for ContactFields {
    fn from(s: &NewStakeholder) -> Self {
        ContactFields {
            stakeholder_group: s.stakeholder_group.clone(),
            name: s.name.clone(),
            organisation_name: s.organisation_name.clone().unwrap_or_default(),
            email: s.email.clone().unwrap_or_default(),
            phone: s.phone.clone().unwrap_or_default(),
            preferred_language: s.preferred_language.clone(),
            contact_consent: s.contact_consent,
        }
    }
}

/// The groups as form options, `selected` ticked.
pub fn group_choices(selected: &str) -> Vec<GroupChoice> {
    StakeholderGroup::ALL
        .into_iter()
        .map(|g| GroupChoice { code: g.code(), name: g.name(), selected: g.code() == selected })
        .collect()
}

fn contact_line(s: &Stakeholder) -> ContactLine {
    let contact: Vec<String> = [s.email.clone(), s.phone.clone()].into_iter().flatten().collect();
    ContactLine {
        id: s.id,
        name: s.name.clone(),
        group: s.stakeholder_group.name(),
        organisation: s.organisation_name.clone().unwrap_or_default(),
        contact: contact.join(", "),
        language: i18n::participant_language_name(&s.preferred_language),
        consent: s.contact_consent,
    }
}

/// The directory page; an unknown group shows all contacts.
pub fn contacts_page(
    conn: &mut DbConn, actor: &Actor, group: Option<String>,
) -> AppResult<ContactsPage> {
    let org = actor.coordinator_org()?;
    let group = group.and_then(|g| StakeholderGroup::from_code(&g));
    let all = repo::list(conn, org, None)?;
    let counts = StakeholderGroup::ALL
        .into_iter()
        .map(|g| GroupCount {
            code: g.code(),
            name: g.name(),
            count: all.iter().filter(|s| s.stakeholder_group == g).count(),
            current: group == Some(g),
        })
        .collect();
    let shown = all
        .iter()
        .filter(|s| group.is_none_or(|g| s.stakeholder_group == g))
        .map(contact_line)
        .collect();
    Ok(ContactsPage {
        stakeholders: shown,
        total: all.len(),
        counts,
        filtered: group.is_some(),
        groups: group_choices(""),
        languages: i18n::language_options(&[]),
        form: ContactFields { preferred_language: "de".into(), ..ContactFields::default() },
    })
}

/// The page for changing one contact.
#[derive(Debug, Serialize)]
pub struct ContactEditPage {
    pub id: StakeholderId,
    pub form: ContactFields,
    pub groups: Vec<GroupChoice>,
    pub languages: Vec<LanguageOption>,
}

impl ContactEditPage {
    /// The edit page showing `input` (stored, or refused).
    pub fn new(id: StakeholderId, input: &NewStakeholder) -> Self {
        ContactEditPage {
            id,
            form: input.into(),
            groups: group_choices(&input.stakeholder_group),
            languages: i18n::language_options(&[]),
        }
    }
}

pub fn contact_edit_page(
    conn: &mut DbConn, actor: &Actor, id: StakeholderId,
) -> AppResult<ContactEditPage> {
    let s = get(conn, actor, id)?;
    let stored = NewStakeholder {
        stakeholder_group: s.stakeholder_group.code().to_string(),
        name: s.name,
        organisation_name: s.organisation_name,
        email: s.email,
        phone: s.phone,
        preferred_language: s.preferred_language,
        contact_consent: s.contact_consent,
    };
    Ok(ContactEditPage::new(id, &stored))
}
