//! Importing contact lists coordinators already keep (CSV or XLSX), through the shared
//! flow of `spreadsheet::import`.
//!
//! The first row names the columns (German or English headings, any order). Each row is
//! checked with the rules of the form; a row whose email address or phone number is
//! already in the directory, or appears twice in the file, is flagged and not imported.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::models::{NewStakeholder, StakeholderForm, StakeholderGroup};
use super::{repo, service};
use crate::auth::Actor;
use crate::db::DbConn;
use crate::error::AppResult;
use crate::ids::OrgId;
use crate::spreadsheet::import::{Identity, ListImport};
use crate::spreadsheet::{ImportKind, KeyedRow, ListShape};

pub const MAX_ROWS: usize = 2000;

const COLUMNS: &[(&str, &[&str])] = &[
    ("group", &["gruppe", "zielgruppe", "stakeholder", "group", "kategorie"]),
    ("name", &["name", "ansprechperson", "kontakt", "contact"]),
    ("organisation", &["organisation", "organization", "institution", "firma", "träger"]),
    ("email", &["e-mail", "email", "e-mail-adresse", "mail"]),
    ("phone", &["telefon", "telefonnummer", "handy", "phone"]),
    ("language", &["sprache", "language"]),
    ("consent", &["einverständnis", "einwilligung", "kontakt erlaubt", "consent"]),
];

/// Group names as people write them, besides the codes and the names the form shows.
const GROUP_WORDS: &[(&str, &str)] = &[
    ("vermieter", "landlord"),
    ("vermieterin", "landlord"),
    ("vermieter/in", "landlord"),
    ("privatvermieter", "landlord"),
    ("sozialarbeit", "social_worker"),
    ("sozialarbeiter", "social_worker"),
    ("sozialarbeiterin", "social_worker"),
    ("soziale arbeit", "social_worker"),
    ("wohnungsunternehmen", "housing_company"),
    ("wohnungsgesellschaft", "housing_company"),
    ("genossenschaft", "housing_company"),
    ("wohnungsbaugenossenschaft", "housing_company"),
    ("volkshochschule", "vhs"),
    ("ehrenamt", "volunteer"),
    ("ehrenamtliche", "volunteer"),
    ("ehrenamtlicher", "volunteer"),
    ("zielgruppe", "target_group"),
    ("neuzugewanderte", "target_group"),
    ("geflüchtete", "target_group"),
    ("sonstige", "other"),
    ("andere", "other"),
];

fn group_of(text: &str) -> String {
    let t = text.trim().to_lowercase();
    StakeholderGroup::ALL
        .into_iter()
        .find(|g| {
            g.code() == t
                || g.name_in("de").to_lowercase() == t
                || g.name_in("en").to_lowercase() == t
        })
        .map(|g| g.code().to_string())
        .or_else(|| GROUP_WORDS.iter().find(|(w, _)| *w == t).map(|(_, c)| (*c).to_string()))
        .unwrap_or(t)
}

/// One row of the file, as text.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
pub struct ImportRow {
    /// Line in the file (the heading is line 1).
    pub line: usize,
    pub group: String,
    pub name: String,
    pub organisation: String,
    pub email: String,
    pub phone: String,
    pub language: String,
    pub consent: String,
}

fn to_input(row: &ImportRow) -> NewStakeholder {
    let some = |s: &str| Some(s.trim().to_string()).filter(|s| !s.is_empty());
    NewStakeholder {
        stakeholder_group: group_of(&row.group),
        name: row.name.clone(),
        organisation_name: some(&row.organisation),
        email: some(&row.email),
        phone: some(&row.phone),
        preferred_language: crate::spreadsheet::language_of(&row.language),
        contact_consent: crate::spreadsheet::consent_of(&row.consent).0,
    }
}

fn identity(
    name: &str, group: StakeholderGroup, email: Option<&str>, phone: Option<&str>,
) -> Identity {
    Identity {
        name: name.to_string(),
        group: group.code().to_string(),
        email: email.map(str::to_string),
        phone: phone.map(str::to_string),
    }
}

/// Lists of survey contacts.
pub struct Contacts;

impl ListImport for Contacts {
    type Row = ImportRow;
    type Ready = StakeholderForm;
    const BATCH_KIND: ImportKind = ImportKind::Stakeholders;
    const SHAPE: ListShape = ListShape {
        columns: COLUMNS,
        required: &["group", "name"],
        missing_columns: "import.contacts_columns",
        no_rows: "import.no_contacts",
        max_rows: MAX_ROWS,
    };
    const KNOWN: &'static str = "import.known_contact";

    fn row(mut r: KeyedRow) -> ImportRow {
        ImportRow {
            line: r.line,
            group: r.take("group"),
            name: r.take("name"),
            organisation: r.take("organisation"),
            email: r.take("email"),
            phone: r.take("phone"),
            language: r.take("language"),
            consent: r.take("consent"),
        }
    }

    fn line(row: &ImportRow) -> usize {
        row.line
    }

    fn label(row: &ImportRow) -> (String, Option<String>) {
        let group = super::models::group_name(&group_of(&row.group));
        (row.name.trim().to_string(), Some(group.to_string()))
    }

    fn check(_: &Actor, _: OrgId, row: &ImportRow) -> AppResult<StakeholderForm> {
        service::check(&to_input(row))
    }

    fn identity(s: &StakeholderForm) -> Identity {
        identity(&s.name, s.stakeholder_group, s.email.as_deref(), s.phone.as_deref())
    }

    fn known(conn: &mut DbConn, org: OrgId) -> AppResult<Vec<Identity>> {
        Ok(repo::list(conn, org, None)?
            .iter()
            .map(|s| identity(&s.name, s.stakeholder_group, s.email.as_deref(), s.phone.as_deref()))
            .collect())
    }

    /// The same email address, the same phone number, or (neither having an email
    /// address) the same name in the same group.
    fn same(a: &Identity, b: &Identity) -> bool {
        a.same_email(b)
            || a.same_phone(b)
            || (a.email.is_none()
                && b.email.is_none()
                && a.group == b.group
                && a.name.to_lowercase() == b.name.to_lowercase())
    }

    fn save(conn: &mut DbConn, actor: &Actor, ready: &[StakeholderForm]) -> AppResult<()> {
        let org = actor.coordinator_org()?;
        for form in ready {
            let s = repo::insert(conn, org, form)?;
            super::service::record_contact_consent(conn, actor, &s)?;
        }
        crate::audit::Entry::new(Some(org), Some(actor.user_id), "stakeholder.import")
            .on("stakeholder", None)
            .detail(&format!("{} Kontakte", ready.len()))
            .record(conn)
    }
}
