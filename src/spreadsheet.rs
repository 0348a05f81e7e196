//! Lists coordinators already keep, read from an upload: CSV (UTF-8, `;` or `,`) or XLSX.
//! Shared by the participant and the stakeholder import.

use std::io::Cursor;

use calamine::{Reader, Xlsx};
use chrono::NaiveDate;

use crate::error::{AppError, AppResult};

pub const MAX_FILE_BYTES: usize = 2 * 1024 * 1024;

fn is_xlsx(bytes: &[u8]) -> bool {
    bytes.starts_with(b"PK\x03\x04")
}

fn not_a_list() -> AppError {
    AppError::invalid(
        "file",
        "Die Datei ist keine Tabelle, die sich lesen lässt. Bitte laden Sie eine CSV-Datei (UTF-8) oder eine Excel-Datei (.xlsx) hoch.",
    )
}

/// The file's cells, row by row: XLSX (first sheet) or CSV in UTF-8 with `;` or `,`.
pub fn read_table(bytes: &[u8]) -> AppResult<Vec<Vec<String>>> {
    if bytes.is_empty() {
        return Err(AppError::invalid("file", "Die Datei ist leer."));
    }
    if bytes.len() > MAX_FILE_BYTES {
        return Err(AppError::invalid("file", "Die Datei ist größer als 2 MB."));
    }
    if is_xlsx(bytes) {
        let mut book = Xlsx::new(Cursor::new(bytes.to_vec())).map_err(|_| not_a_list())?;
        let range = book
            .worksheet_range_at(0)
            .ok_or_else(not_a_list)?
            .map_err(|_| not_a_list())?;
        return Ok(range
            .rows()
            .map(|r| r.iter().map(|c| c.to_string().trim().to_string()).collect())
            .collect());
    }
    // Documents and pictures people pick by mistake.
    const OTHER_FILES: &[&[u8]] = &[
        b"%PDF",
        b"\x89PNG",
        b"\xff\xd8\xff",
        b"GIF8",
        b"\xd0\xcf\x11\xe0",
        b"{\\rtf",
    ];
    if OTHER_FILES.iter().any(|magic| bytes.starts_with(magic)) {
        return Err(not_a_list());
    }
    let text = std::str::from_utf8(bytes).map_err(|_| not_a_list())?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    if text
        .chars()
        .any(|c| c.is_control() && !matches!(c, '\t' | '\r' | '\n'))
    {
        return Err(not_a_list());
    }
    let first_line = text.lines().next().unwrap_or("");
    let delimiter = if first_line.matches(';').count() >= first_line.matches(',').count() {
        b';'
    } else {
        b','
    };
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|_| not_a_list())?;
        rows.push(record.iter().map(|c| c.trim().to_string()).collect());
    }
    Ok(rows)
}

/// "ja", "x", "1", "yes" or a date mean consent; anything else does not.
pub fn consent_of(text: &str) -> (bool, Option<NaiveDate>) {
    let t = text.trim().to_lowercase();
    if let Ok(d) = crate::validate::date("consent_date", "Einwilligung", &t) {
        return (true, Some(d));
    }
    (
        matches!(t.as_str(), "ja" | "x" | "1" | "yes" | "true" | "wahr"),
        None,
    )
}

/// Language names or codes as coordinators write them.
pub fn language_of(text: &str) -> String {
    let t = text.trim().to_lowercase();
    if t.is_empty() {
        return "de".into();
    }
    let by_name = [
        ("deutsch", "de"),
        ("englisch", "en"),
        ("arabisch", "ar"),
        ("farsi", "fa"),
        ("persisch", "fa"),
        ("dari", "fa"),
        ("ukrainisch", "uk"),
        ("russisch", "ru"),
        ("türkisch", "tr"),
        ("tigrinya", "ti"),
        ("paschtu", "ps"),
    ];
    by_name
        .iter()
        .find(|(n, _)| *n == t)
        .map(|(_, c)| (*c).to_string())
        .unwrap_or(t)
}

/// A data row: its line in the file (the heading is line 1) and its cells by column key.
pub struct KeyedRow {
    pub line: usize,
    pub cells: std::collections::HashMap<&'static str, String>,
}

impl KeyedRow {
    /// The cell of column `key` (empty when the file has no such column).
    pub fn take(&mut self, key: &str) -> String {
        self.cells.remove(key).unwrap_or_default()
    }
}

/// What a list must look like: its columns with the headings that name them (lower case),
/// the keys that must be there, and what to say when they are not.
pub struct ListShape {
    pub columns: &'static [(&'static str, &'static [&'static str])],
    pub required: &'static [&'static str],
    pub missing_columns: &'static str,
    pub no_rows: &'static str,
    pub max_rows: usize,
}

/// Maps the heading row to column keys (any order, German or English headings) and returns
/// the non-empty data rows.
pub fn keyed_rows(table: Vec<Vec<String>>, shape: &ListShape) -> AppResult<Vec<KeyedRow>> {
    let mut rows = table.into_iter();
    let header = rows
        .next()
        .ok_or_else(|| AppError::invalid("file", "Die Datei ist leer."))?;
    let index: Vec<Option<&'static str>> = header
        .iter()
        .map(|h| {
            let h = h.trim().to_lowercase();
            shape
                .columns
                .iter()
                .find(|(_, names)| names.contains(&h.as_str()))
                .map(|(key, _)| *key)
        })
        .collect();
    if shape.required.iter().any(|r| !index.contains(&Some(*r))) {
        return Err(AppError::invalid("file", shape.missing_columns));
    }
    let mut out = Vec::new();
    for (i, cells) in rows.enumerate() {
        if cells.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        if out.len() >= shape.max_rows {
            return Err(AppError::invalid(
                "file",
                format!(
                    "Höchstens {} Zeilen auf einmal, bitte teilen Sie die Liste.",
                    shape.max_rows
                ),
            ));
        }
        let cells = index
            .iter()
            .enumerate()
            .filter_map(|(col, key)| Some((((*key)?), cells.get(col).cloned().unwrap_or_default())))
            .collect();
        out.push(KeyedRow { line: i + 2, cells });
    }
    if out.is_empty() {
        return Err(AppError::invalid("file", shape.no_rows));
    }
    Ok(out)
}

/// Keeps parsed rows between preview and confirmation (a day at most); returns the id.
pub fn store_batch<T: serde::Serialize>(
    conn: &mut crate::db::DbConn,
    actor: &crate::auth::Actor,
    kind: &str,
    rows: &[T],
) -> AppResult<i32> {
    use crate::participants::repo;
    let org = actor.coordinator_org()?;
    let json = serde_json::to_string(rows).map_err(|e| AppError::Internal(e.into()))?;
    repo::purge_old_import_batches(conn, crate::time::now_utc() - chrono::Duration::days(1))?;
    repo::insert_import_batch(conn, org, actor.user_id, kind, &json)
}

/// The rows of a stored batch of this kind, uploaded by this user.
pub fn load_batch<T: serde::de::DeserializeOwned>(
    conn: &mut crate::db::DbConn,
    actor: &crate::auth::Actor,
    kind: &str,
    batch_id: i32,
) -> AppResult<Vec<T>> {
    let org = actor.coordinator_org()?;
    let json = crate::participants::repo::import_batch(conn, org, actor.user_id, kind, batch_id)?
        .ok_or_else(|| {
        AppError::NotFound(
            "Diese Vorschau gibt es nicht mehr. Bitte laden Sie die Datei noch einmal hoch.".into(),
        )
    })?;
    serde_json::from_str(&json).map_err(|e| AppError::Internal(e.into()))
}
