//! Importing participant lists coordinators already keep (CSV or XLSX).
//!
//! Rules: the first row names the columns (German or English headings, any order); every
//! row is checked with the same rules as the registration form; a row that looks like a
//! person already registered (same name, phone or email; or the same person twice in the
//! file) is flagged and not imported. The preview shows each row's problems before
//! anything is saved; the import itself saves all valid rows in one transaction or none.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::models::{NewParticipant, Participant, ParticipantInsertForm};
use super::{repo, service};
use crate::auth::Actor;
use crate::db::DbConn;
use crate::error::AppResult;
use crate::spreadsheet::ImportKind;

pub use crate::spreadsheet::{read_table, MAX_FILE_BYTES};
pub const MAX_ROWS: usize = 2000;
/// Marks this list's rows in `import_batches`.
const BATCH_KIND: ImportKind = ImportKind::Participants;

/// The columns understood, with the headings that name them (lower case).
const COLUMNS: &[(&str, &[&str])] = &[
    (
        "given_name",
        &["vorname", "vornamen", "given name", "first name"],
    ),
    (
        "family_name",
        &[
            "familienname",
            "nachname",
            "name",
            "family name",
            "last name",
            "surname",
        ],
    ),
    (
        "preferred_language",
        &["sprache", "bevorzugte sprache", "language"],
    ),
    (
        "phone",
        &["telefon", "telefonnummer", "handy", "phone", "mobile"],
    ),
    ("email", &["e-mail", "email", "e-mail-adresse", "mail"]),
    ("consent", &["einwilligung", "einwilligung am", "consent"]),
    (
        "referrer_name",
        &["vermittelt von", "angemeldet durch", "referrer"],
    ),
    (
        "referrer_organisation",
        &["stelle", "träger", "referrer organisation"],
    ),
    (
        "referrer_contact",
        &["kontakt vermittlung", "referrer contact"],
    ),
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

#[derive(Debug, Serialize, ToSchema)]
pub struct PreviewRow {
    pub line: usize,
    pub name: String,
    pub problems: Vec<String>,
    pub ok: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ImportOutcome {
    pub rows: Vec<PreviewRow>,
    /// Rows that can be (or were) imported.
    pub valid: usize,
    /// How many were saved (0 for a preview).
    pub imported: usize,
}

/// Maps the heading row to columns and returns the data rows.
const SHAPE: crate::spreadsheet::ListShape = crate::spreadsheet::ListShape {
    columns: COLUMNS,
    required: &["given_name", "family_name"],
    missing_columns: "Die erste Zeile braucht die Spalten „Vorname“ und „Familienname“ (weitere: Sprache, Telefon, E-Mail, Einwilligung, Vermittelt von, Stelle, Kontakt Vermittlung).",
    no_rows: "Die Datei enthält keine Personen.",
    max_rows: MAX_ROWS,
};

pub fn parse_rows(table: Vec<Vec<String>>) -> AppResult<Vec<ImportRow>> {
    Ok(crate::spreadsheet::keyed_rows(table, &SHAPE)?
        .into_iter()
        .map(|mut r| ImportRow {
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
        })
        .collect())
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
    }
}

fn same_person(
    a: &ParticipantInsertForm,
    name: &str,
    phone: Option<&str>,
    email: Option<&str>,
) -> bool {
    let digits = |p: &str| p.chars().filter(char::is_ascii_digit).collect::<String>();
    let a_name = format!("{} {}", a.given_name, a.family_name).to_lowercase();
    a_name == name.to_lowercase()
        || (a.phone.is_some()
            && phone.is_some()
            && a.phone.as_deref().map(digits) == phone.map(digits))
        || (a.email.is_some() && a.email.as_deref() == email)
}

/// Checks every row; returns the preview and the rows ready to insert.
fn check(
    conn: &mut DbConn,
    actor: &Actor,
    rows: &[ImportRow],
) -> AppResult<(Vec<PreviewRow>, Vec<ParticipantInsertForm>)> {
    let org = actor.coordinator_org()?;
    let existing: Vec<Participant> = repo::list(conn, org)?;
    let mut preview = Vec::new();
    let mut ready: Vec<ParticipantInsertForm> = Vec::new();
    for row in rows {
        let name = format!("{} {}", row.given_name.trim(), row.family_name.trim());
        let mut problems = Vec::new();
        match service::check_new_participant(org, actor.user_id, &to_input(row)) {
            Ok(form) => {
                let full = format!("{} {}", form.given_name, form.family_name);
                if let Some(p) = existing.iter().find(|p| {
                    let as_form = ParticipantInsertForm {
                        given_name: p.given_name.clone(),
                        family_name: p.family_name.clone(),
                        phone: p.phone.clone(),
                        email: p.email.clone(),
                        ..form.clone()
                    };
                    same_person(
                        &as_form,
                        &full,
                        form.phone.as_deref(),
                        form.email.as_deref(),
                    )
                }) {
                    problems.push(format!(
                        "möglicherweise schon registriert ({})",
                        p.full_name()
                    ));
                } else if let Some(twin) = ready
                    .iter()
                    .find(|r| same_person(r, &full, form.phone.as_deref(), form.email.as_deref()))
                {
                    problems.push(format!(
                        "doppelt in der Datei ({} {})",
                        twin.given_name, twin.family_name
                    ));
                } else {
                    ready.push(form);
                }
            }
            Err(e) => problems.push(e.to_string()),
        }
        preview.push(PreviewRow {
            line: row.line,
            name,
            ok: problems.is_empty(),
            problems,
        });
    }
    Ok((preview, ready))
}

pub fn preview(conn: &mut DbConn, actor: &Actor, rows: &[ImportRow]) -> AppResult<ImportOutcome> {
    let (rows, ready) = check(conn, actor, rows)?;
    Ok(ImportOutcome {
        rows,
        valid: ready.len(),
        imported: 0,
    })
}

/// Saves every valid row, all in one transaction.
pub fn import(conn: &mut DbConn, actor: &Actor, rows: &[ImportRow]) -> AppResult<ImportOutcome> {
    crate::db::write_transaction(conn, |conn| {
        let (preview, ready) = check(conn, actor, rows)?;
        for form in &ready {
            service::insert_checked(conn, actor, form)?;
        }
        Ok(ImportOutcome {
            rows: preview,
            valid: ready.len(),
            imported: ready.len(),
        })
    })
}

/// A list uploaded in the browser: read, checked for shape and kept until the coordinator
/// confirms the preview. Returns the batch id.
pub fn upload(conn: &mut DbConn, actor: &Actor, file: &[u8]) -> AppResult<i32> {
    let rows = parse_rows(crate::spreadsheet::read_table(file)?)?;
    store_batch(conn, actor, &rows)
}

/// A list sent to the API: only checked (`dry_run`), or imported at once.
pub fn import_file(
    conn: &mut DbConn,
    actor: &Actor,
    file: &[u8],
    dry_run: bool,
) -> AppResult<ImportOutcome> {
    let rows = parse_rows(crate::spreadsheet::read_table(file)?)?;
    if dry_run {
        preview(conn, actor, &rows)
    } else {
        import(conn, actor, &rows)
    }
}

/// The preview page of a kept upload.
#[derive(Debug, Serialize)]
pub struct ImportPreview {
    pub batch: i32,
    pub outcome: ImportOutcome,
}

pub fn preview_batch(conn: &mut DbConn, actor: &Actor, batch_id: i32) -> AppResult<ImportPreview> {
    let rows = load_batch(conn, actor, batch_id)?;
    Ok(ImportPreview {
        batch: batch_id,
        outcome: preview(conn, actor, &rows)?,
    })
}

/// Keeps the parsed rows between preview and confirmation; returns the batch id.
pub fn store_batch(conn: &mut DbConn, actor: &Actor, rows: &[ImportRow]) -> AppResult<i32> {
    crate::spreadsheet::store_batch(conn, actor, BATCH_KIND, rows)
}

pub fn load_batch(conn: &mut DbConn, actor: &Actor, batch_id: i32) -> AppResult<Vec<ImportRow>> {
    crate::spreadsheet::load_batch(conn, actor, BATCH_KIND, batch_id)
}

pub fn import_batch(conn: &mut DbConn, actor: &Actor, batch_id: i32) -> AppResult<ImportOutcome> {
    let rows = load_batch(conn, actor, batch_id)?;
    crate::db::write_transaction(conn, |conn| {
        let outcome = import(conn, actor, &rows)?;
        crate::spreadsheet::repo::delete_import_batch(conn, batch_id)?;
        Ok(outcome)
    })
}
