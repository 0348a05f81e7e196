//! Importing participant lists coordinators already keep (CSV or XLSX), through the shared
//! flow of `spreadsheet::import`.
//!
//! Rules: the first row names the columns (German or English headings, any order); every
//! row is checked with the same rules as the registration form; a row that looks like a
//! person already registered (same name, phone or email; or the same person twice in the
//! file) is flagged and not imported.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::models::{NewParticipant, ParticipantInsertForm};
use super::{repo, service};
use crate::auth::Actor;
use crate::db::DbConn;
use crate::error::AppResult;
use crate::ids::OrgId;
use crate::spreadsheet::import::{Identity, ListImport};
use crate::spreadsheet::{ImportKind, KeyedRow, ListShape};

pub const MAX_ROWS: usize = 2000;

/// The columns understood, with the headings that name them (lower case).
const COLUMNS: &[(&str, &[&str])] = &[
    ("given_name", &["vorname", "vornamen", "given name", "first name"]),
    ("family_name", &["familienname", "nachname", "name", "family name", "last name", "surname"]),
    ("preferred_language", &["sprache", "bevorzugte sprache", "language"]),
    ("phone", &["telefon", "telefonnummer", "handy", "phone", "mobile"]),
    ("email", &["e-mail", "email", "e-mail-adresse", "mail"]),
    ("consent", &["einwilligung", "einwilligung am", "consent"]),
    ("referrer_name", &["vermittelt von", "angemeldet durch", "referrer"]),
    ("referrer_organisation", &["stelle", "träger", "referrer organisation"]),
    ("referrer_contact", &["kontakt vermittlung", "referrer contact"]),
];

/// One row of the file, as text.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
pub struct ImportRow {
    /// Line in the file (the heading is line 1).
    pub line: usize,
    pub given_name: String,
    pub family_name: String,
    pub preferred_language: String,
    pub phone: String,
    pub email: String,
    pub consent: String,
    pub referrer_name: String,
    pub referrer_organisation: String,
    pub referrer_contact: String,
}

fn to_input(row: &ImportRow) -> NewParticipant {
    let (consent, consent_date) = crate::spreadsheet::consent_of(&row.consent);
    let some = |s: &str| Some(s.to_string()).filter(|s| !s.trim().is_empty());
    NewParticipant {
        given_name: row.given_name.clone(),
        family_name: row.family_name.clone(),
        preferred_language: crate::spreadsheet::language_of(&row.preferred_language),
        phone: some(&row.phone),
        email: some(&row.email),
        consent,
        consent_date,
        referrer_name: some(&row.referrer_name),
        referrer_organisation: some(&row.referrer_organisation),
        referrer_contact: some(&row.referrer_contact),
        // A list cannot confirm a mixed-script name: the row is reported in the preview
        // and the person is registered through the form.
        confirm_mixed_script: false,
    }
}

/// Lists of participants.
pub struct People;

impl ListImport for People {
    type Row = ImportRow;
    type Ready = ParticipantInsertForm;
    const BATCH_KIND: ImportKind = ImportKind::Participants;
    const SHAPE: ListShape = ListShape {
        columns: COLUMNS,
        required: &["given_name", "family_name"],
        missing_columns: "import.people_columns",
        no_rows: "import.no_people",
        max_rows: MAX_ROWS,
    };
    const KNOWN: &'static str = "import.known_person";

    fn row(mut r: KeyedRow) -> ImportRow {
        ImportRow {
            line: r.line,
            given_name: r.take("given_name"),
            family_name: r.take("family_name"),
            preferred_language: r.take("preferred_language"),
            phone: r.take("phone"),
            email: r.take("email"),
            consent: r.take("consent"),
            referrer_name: r.take("referrer_name"),
            referrer_organisation: r.take("referrer_organisation"),
            referrer_contact: r.take("referrer_contact"),
        }
    }

    fn line(row: &ImportRow) -> usize {
        row.line
    }

    fn label(row: &ImportRow) -> (String, Option<String>) {
        let name = format!("{} {}", row.given_name.trim(), row.family_name.trim());
        (name, None)
    }

    fn check(actor: &Actor, org: OrgId, row: &ImportRow) -> AppResult<ParticipantInsertForm> {
        service::check_new_participant(org, actor.user_id, &to_input(row))
    }

    fn identity(p: &ParticipantInsertForm) -> Identity {
        Identity {
            name: format!("{} {}", p.given_name, p.family_name),
            group: String::new(),
            email: p.email.clone(),
            phone: p.phone.clone(),
        }
    }

    fn known(conn: &mut DbConn, org: OrgId) -> AppResult<Vec<Identity>> {
        Ok(repo::list(conn, org)?
            .into_iter()
            .map(|p| Identity {
                name: p.full_name(),
                group: String::new(),
                email: p.email,
                phone: p.phone,
            })
            .collect())
    }

    /// The same name, phone number or email address.
    fn same(a: &Identity, b: &Identity) -> bool {
        a.name.to_lowercase() == b.name.to_lowercase() || a.same_phone(b) || a.same_email(b)
    }

    fn save(conn: &mut DbConn, actor: &Actor, ready: &[ParticipantInsertForm]) -> AppResult<()> {
        for form in ready {
            service::insert_checked(conn, actor, form)?;
        }
        Ok(())
    }
}
