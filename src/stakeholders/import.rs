//! Importing contact lists coordinators already keep (CSV or XLSX).
//!
//! The first row names the columns (German or English headings, any order). Each row is
//! checked with the rules of the form; a row whose email address is already in the
//! directory, or appears twice in the file, is flagged and not imported. The preview shows
//! every row's problems before anything is saved; the import saves all valid rows in one
//! transaction or none.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::models::{NewStakeholder, StakeholderForm, StakeholderGroup};
use super::{repo, service};
use crate::auth::Actor;
use crate::db::DbConn;
use crate::error::AppResult;
use crate::spreadsheet::ImportKind;
pub use crate::spreadsheet::MAX_FILE_BYTES;

pub const MAX_ROWS: usize = 2000;
const BATCH_KIND: ImportKind = ImportKind::Stakeholders;

const COLUMNS: &[(&str, &[&str])] = &[
    (
        "group",
        &["gruppe", "zielgruppe", "stakeholder", "group", "kategorie"],
    ),
    ("name", &["name", "ansprechperson", "kontakt", "contact"]),
    (
        "organisation",
        &[
            "organisation",
            "organization",
            "institution",
            "firma",
            "träger",
        ],
    ),
    ("email", &["e-mail", "email", "e-mail-adresse", "mail"]),
    ("phone", &["telefon", "telefonnummer", "handy", "phone"]),
    ("language", &["sprache", "language"]),
    (
        "consent",
        &[
            "einverständnis",
            "einwilligung",
            "kontakt erlaubt",
            "consent",
        ],
    ),
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
        .find(|g| g.code() == t || g.name().to_lowercase() == t || g.name_en().to_lowercase() == t)
        .map(|g| g.code().to_string())
        .or_else(|| {
            GROUP_WORDS
                .iter()
                .find(|(w, _)| *w == t)
                .map(|(_, c)| (*c).to_string())
        })
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

#[derive(Debug, Serialize, ToSchema)]
pub struct PreviewRow {
    pub line: usize,
    pub name: String,
    pub group: String,
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

const SHAPE: crate::spreadsheet::ListShape = crate::spreadsheet::ListShape {
    columns: COLUMNS,
    required: &["group", "name"],
    missing_columns: "Die erste Zeile braucht die Spalten „Gruppe“ und „Name“ (weitere: Organisation, E-Mail, Telefon, Sprache, Einverständnis).",
    no_rows: "Die Datei enthält keine Kontakte.",
    max_rows: MAX_ROWS,
};

/// Maps the heading row to columns and returns the data rows.
pub fn parse_rows(table: Vec<Vec<String>>) -> AppResult<Vec<ImportRow>> {
    Ok(crate::spreadsheet::keyed_rows(table, &SHAPE)?
        .into_iter()
        .map(|mut r| ImportRow {
            line: r.line,
            group: r.take("group"),
            name: r.take("name"),
            organisation: r.take("organisation"),
            email: r.take("email"),
            phone: r.take("phone"),
            language: r.take("language"),
            consent: r.take("consent"),
        })
        .collect())
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

/// The same person: the same email address, the same phone number, or (neither having
/// an email address) the same name in the same group.
fn same_contact(
    form: &StakeholderForm,
    name: &str,
    group: StakeholderGroup,
    email: Option<&str>,
    phone: Option<&str>,
) -> bool {
    let digits = |p: &str| p.chars().filter(char::is_ascii_digit).collect::<String>();
    if form.email.is_some() && form.email.as_deref() == email {
        return true;
    }
    if let (Some(a), Some(b)) = (form.phone.as_deref(), phone) {
        if digits(a) == digits(b) {
            return true;
        }
    }
    form.email.is_none()
        && email.is_none()
        && form.stakeholder_group == group
        && form.name.to_lowercase() == name.to_lowercase()
}

fn check(
    conn: &mut DbConn,
    actor: &Actor,
    rows: &[ImportRow],
) -> AppResult<(Vec<PreviewRow>, Vec<StakeholderForm>)> {
    let org = actor.coordinator_org()?;
    let existing = repo::list(conn, org, None)?;
    let mut preview = Vec::new();
    let mut ready: Vec<StakeholderForm> = Vec::new();
    for row in rows {
        let mut problems = Vec::new();
        match service::check(&to_input(row)) {
            Ok(form) => {
                if let Some(known) = existing.iter().find(|s| {
                    same_contact(
                        &form,
                        &s.name,
                        s.stakeholder_group,
                        s.email.as_deref(),
                        s.phone.as_deref(),
                    )
                }) {
                    problems.push(format!("schon im Verzeichnis ({})", known.name));
                } else if let Some(twin) = ready.iter().find(|r| {
                    same_contact(
                        &form,
                        &r.name,
                        r.stakeholder_group,
                        r.email.as_deref(),
                        r.phone.as_deref(),
                    )
                }) {
                    problems.push(format!("doppelt in der Datei ({})", twin.name));
                } else {
                    ready.push(form);
                }
            }
            Err(e) => problems.push(e.to_string()),
        }
        preview.push(PreviewRow {
            line: row.line,
            name: row.name.trim().to_string(),
            group: super::models::group_name(&group_of(&row.group)).to_string(),
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
    let org = actor.coordinator_org()?;
    crate::db::write_transaction(conn, |conn| {
        let (preview, ready) = check(conn, actor, rows)?;
        for form in &ready {
            repo::insert(conn, org, form)?;
        }
        crate::audit::record(
            conn,
            Some(org),
            Some(actor.user_id),
            "stakeholder.import",
            "stakeholder",
            None,
            &format!("{} Kontakte", ready.len()),
        )?;
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
