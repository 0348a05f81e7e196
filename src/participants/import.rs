//! Importing participant lists coordinators already keep (CSV or XLSX), through the shared
//! flow of `spreadsheet::import`.
//!
//! Rules: the first row names the columns (German or English headings, any order); every
//! row is checked with the same rules as the registration form; a row that looks like a
//! person already registered (same name, phone or email; or the same person twice in the
//! file) is flagged and not imported.
//! - A list can be imported straight into a run: everyone imported is enrolled in the order
//!   of the file, in the import's transaction, with the capacity rules of enrolling (places
//!   first, then the waiting list).

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::models::{EnrolmentOutcome, NewParticipant, ParticipantInsertForm};
use super::{repo, service};
use crate::auth::Actor;
use crate::db::DbConn;
use crate::error::AppResult;
use crate::ids::{OrgId, RunId};
use crate::spreadsheet::import::{
    self as list, Identity, ImportOutcome, ImportPreview, ListImport,
};
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

/// A participant list checked or imported, and, when it was imported into a run, where its
/// people went.
#[derive(Debug, Serialize, ToSchema)]
pub struct PeopleImported {
    #[serde(flatten)]
    pub outcome: ImportOutcome,
    /// The run everyone imported was enrolled in.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<i32>)]
    pub run_id: Option<RunId>,
    /// Of those imported: how many got a place in the run …
    pub enrolled: usize,
    /// … and how many joined its waiting list (the run was full).
    pub waiting: usize,
}

/// Checks the rows (`save` false: nothing is written, but the run must be the
/// organisation's), or saves every valid row and, with a run, enrols each person saved in
/// the order of the file; all in one transaction.
pub fn import_rows(
    conn: &mut DbConn, actor: &Actor, rows: &[ImportRow], run_id: Option<RunId>, save: bool,
) -> AppResult<PeopleImported> {
    let org = actor.coordinator_org()?;
    if !save {
        if let Some(run_id) = run_id {
            crate::planning::service::get_run(conn, org, run_id)?;
        }
        let outcome = list::preview::<People>(conn, actor, rows)?;
        return Ok(PeopleImported { outcome, run_id, enrolled: 0, waiting: 0 });
    }
    crate::db::write_transaction(conn, |conn| {
        // The run first: an unknown run refuses the list before anyone is saved, and its
        // lock makes the capacity count below hold.
        let run = run_id.map(|id| service::lock_run(conn, org, id)).transpose()?;
        let (preview, ready) = list::checked::<People>(conn, actor, rows)?;
        let (mut enrolled, mut waiting) = (0, 0);
        for form in &ready {
            let p = service::insert_checked(conn, actor, form)?;
            if let Some(run) = &run {
                match service::place(conn, actor, org, run, &p)?.1 {
                    EnrolmentOutcome::Waiting => waiting += 1,
                    _ => enrolled += 1,
                }
            }
        }
        let outcome = ImportOutcome { rows: preview, valid: ready.len(), imported: ready.len() };
        Ok(PeopleImported { outcome, run_id, enrolled, waiting })
    })
}

/// A list sent to the API: checked (`dry_run`), or imported (into the run, if one is given).
pub fn import_file(
    conn: &mut DbConn, actor: &Actor, file: &[u8], dry_run: bool, run_id: Option<RunId>,
) -> AppResult<PeopleImported> {
    let rows = list::rows_of::<People>(file)?;
    import_rows(conn, actor, &rows, run_id, !dry_run)
}

/// The preview of a kept upload, with the runs its people can be enrolled in.
#[derive(Debug, Serialize)]
pub struct PreviewPage {
    #[serde(flatten)]
    pub preview: ImportPreview,
    pub runs: Vec<service::RunChoice>,
}

pub fn preview_page(conn: &mut DbConn, actor: &Actor, batch_id: i32) -> AppResult<PreviewPage> {
    let preview = list::preview_batch::<People>(conn, actor, batch_id)?;
    Ok(PreviewPage { preview, runs: service::open_runs(conn, actor)? })
}

/// Imports a kept upload (into the run, if one is chosen) and forgets it.
pub fn import_batch(
    conn: &mut DbConn, actor: &Actor, batch_id: i32, run_id: Option<RunId>,
) -> AppResult<PeopleImported> {
    list::import_batch_with::<People, _>(conn, actor, batch_id, |conn, rows| {
        import_rows(conn, actor, rows, run_id, true)
    })
}
