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
