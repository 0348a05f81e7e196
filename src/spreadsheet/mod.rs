//! Lists coordinators already keep, read from an upload: CSV (UTF-8, `;` or `,`) or XLSX.
//! Shared by the participant and the stakeholder import.

pub mod import;
pub mod repo;

use std::io::{Cursor, Read};

use calamine::{DataRef, Reader, Xlsx};
use chrono::NaiveDate;

use crate::error::{AppError, AppResult};
use crate::i18n::Text;
pub use repo::ImportKind;

pub const MAX_FILE_BYTES: usize = 2 * 1024 * 1024;

/// What a list upload may contain at most. A list of 2,000 people fits many times over;
/// anything beyond is refused before it is unpacked or laid out in memory, so a small
/// crafted file (an XLSX with cells only in A1 and XFD1048576, a zip bomb, a CSV of commas)
/// costs milliseconds and a few megabytes.
pub mod limits {
    /// Rows of a sheet, counting the heading and empty rows.
    pub const MAX_ROWS: u32 = 5_000;
    /// Columns of a sheet.
    pub const MAX_COLUMNS: u32 = 64;
    /// Cells an XLSX sheet may list, empty ones included.
    pub const MAX_CELLS: u64 = 200_000;
    /// Characters of one cell.
    pub const MAX_CELL_CHARS: usize = 2_000;
    /// Bytes of all parts of an XLSX together, unpacked.
    pub const MAX_UNPACKED_BYTES: u64 = 32 * 1024 * 1024;
    /// How much larger than its packed form a part may become (larger parts only).
    pub const MAX_RATIO: u64 = 100;
    /// Parts of an XLSX (a workbook has about ten).
    pub const MAX_PARTS: usize = 500;
}

fn is_xlsx(bytes: &[u8]) -> bool {
    bytes.starts_with(b"PK\x03\x04")
}

fn not_a_list() -> AppError {
    AppError::invalid("file", Text::key("import.not_a_list"))
}

fn too_large() -> AppError {
    let most = Text::key("import.table_too_large")
        .arg("rows", limits::MAX_ROWS)
        .arg("columns", limits::MAX_COLUMNS);
    AppError::invalid("file", most)
}

fn packed_too_much() -> AppError {
    AppError::invalid("file", Text::key("import.packed_too_much"))
}

fn cell_too_long() -> AppError {
    let most = Text::key("import.cell_too_long").arg("max", limits::MAX_CELL_CHARS);
    AppError::invalid("file", most)
}

/// The file's cells, row by row: XLSX (first sheet) or CSV in UTF-8 with `;` or `,`.
/// Bounded by [`limits`]; a parser that trips over a crafted file answers "not a list".
pub fn read_table(bytes: &[u8]) -> AppResult<Vec<Vec<String>>> {
    if bytes.is_empty() {
        return Err(AppError::invalid("file", Text::key("import.empty")));
    }
    if bytes.len() > MAX_FILE_BYTES {
        let mb = MAX_FILE_BYTES / (1024 * 1024);
        return Err(AppError::invalid("file", Text::key("import.file_too_large").arg("mb", mb)));
    }
    // Parsers of foreign formats are the least trusted code here: a panic in one must
    // answer like any unreadable file instead of failing the request.
    std::panic::catch_unwind(|| if is_xlsx(bytes) { read_xlsx(bytes) } else { read_csv(bytes) })
        .unwrap_or_else(|_| Err(not_a_list()))
}

/// Unpacks every part of the archive into nothing, counting: the sizes in the zip directory
/// are only claims, so each part is read until it ends or passes what is left of the budget.
fn check_archive(bytes: &[u8]) -> AppResult<()> {
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|_| not_a_list())?;
    if zip.len() > limits::MAX_PARTS {
        return Err(packed_too_much());
    }
    let mut left = limits::MAX_UNPACKED_BYTES;
    for i in 0..zip.len() {
        let part = zip.by_index(i).map_err(|_| not_a_list())?;
        let packed = part.compressed_size().max(1);
        if part.size() > left {
            return Err(packed_too_much());
        }
        let unpacked = std::io::copy(&mut part.take(left + 1), &mut std::io::sink())
            .map_err(|_| not_a_list())?;
        if unpacked > left || (unpacked > 1024 * 1024 && unpacked / packed > limits::MAX_RATIO) {
            return Err(packed_too_much());
        }
        left -= unpacked;
    }
    Ok(())
}

fn read_xlsx(bytes: &[u8]) -> AppResult<Vec<Vec<String>>> {
    check_archive(bytes)?;
    let mut book = Xlsx::new(Cursor::new(bytes)).map_err(|_| not_a_list())?;
    let first = book.sheet_names().first().cloned().ok_or_else(not_a_list)?;
    let mut cells = book.worksheet_cells_reader(&first).map_err(|_| not_a_list())?;
    let declared = cells.dimensions();
    if declared.end.0 >= limits::MAX_ROWS || declared.end.1 >= limits::MAX_COLUMNS {
        return Err(too_large());
    }
    let mut rows: Vec<Vec<String>> = Vec::new();
    let mut seen: u64 = 0;
    while let Some(cell) = cells.next_cell().map_err(|_| not_a_list())? {
        seen += 1;
        if seen > limits::MAX_CELLS {
            return Err(too_large());
        }
        let (row, col) = cell.get_position();
        if row >= limits::MAX_ROWS || col >= limits::MAX_COLUMNS {
            return Err(too_large());
        }
        let text = match cell.get_value() {
            DataRef::Empty => continue,
            DataRef::String(s) => s.trim().to_string(),
            DataRef::SharedString(s) => s.trim().to_string(),
            other => calamine::Data::from(other.clone()).to_string().trim().to_string(),
        };
        if text.is_empty() {
            continue;
        }
        if text.chars().count() > limits::MAX_CELL_CHARS {
            return Err(cell_too_long());
        }
        let (row, col) = (row as usize, col as usize);
        if rows.len() <= row {
            rows.resize_with(row + 1, Vec::new);
        }
        let cells_of_row = &mut rows[row];
        if cells_of_row.len() <= col {
            cells_of_row.resize_with(col + 1, String::new);
        }
        cells_of_row[col] = text;
    }
    // Like a spreadsheet's used range: the list starts at its first filled row and column.
    let first_row = rows.iter().position(|r| !r.is_empty()).unwrap_or(0);
    let first_col =
        rows.iter().filter_map(|r| r.iter().position(|c| !c.is_empty())).min().unwrap_or(0);
    Ok(rows.into_iter().skip(first_row).map(|r| r.into_iter().skip(first_col).collect()).collect())
}

fn read_csv(bytes: &[u8]) -> AppResult<Vec<Vec<String>>> {
    // Documents and pictures people pick by mistake.
    const OTHER_FILES: &[&[u8]] =
        &[b"%PDF", b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"\xd0\xcf\x11\xe0", b"{\\rtf"];
    if OTHER_FILES.iter().any(|magic| bytes.starts_with(magic)) {
        return Err(not_a_list());
    }
    let text = std::str::from_utf8(bytes).map_err(|_| not_a_list())?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    if text.chars().any(|c| c.is_control() && !matches!(c, '\t' | '\r' | '\n')) {
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
    let mut record = csv::StringRecord::new();
    while reader.read_record(&mut record).map_err(|_| not_a_list())? {
        if rows.len() >= limits::MAX_ROWS as usize || record.len() > limits::MAX_COLUMNS as usize {
            return Err(too_large());
        }
        let mut row = Vec::with_capacity(record.len());
        for cell in record.iter() {
            let cell = cell.trim();
            if cell.chars().count() > limits::MAX_CELL_CHARS {
                return Err(cell_too_long());
            }
            row.push(cell.to_string());
        }
        rows.push(row);
    }
    Ok(rows)
}

/// "ja", "x", "1", "yes" or a date mean consent; anything else does not.
pub fn consent_of(text: &str) -> (bool, Option<NaiveDate>) {
    let t = text.trim().to_lowercase();
    if let Ok(d) = crate::validate::date("consent_date", "label.consent_date", &t) {
        return (true, Some(d));
    }
    (matches!(t.as_str(), "ja" | "x" | "1" | "yes" | "true" | "wahr"), None)
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
    by_name.iter().find(|(n, _)| *n == t).map(|(_, c)| (*c).to_string()).unwrap_or(t)
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
/// the keys that must be there, and what to say (keys into `locales/`) when they are not.
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
    let header = rows.next().ok_or_else(|| AppError::invalid("file", Text::key("import.empty")))?;
    let index: Vec<Option<&'static str>> = header
        .iter()
        .map(|h| {
            let h = h.trim().to_lowercase();
            shape.columns.iter().find(|(_, names)| names.contains(&h.as_str())).map(|(key, _)| *key)
        })
        .collect();
    if shape.required.iter().any(|r| !index.contains(&Some(*r))) {
        return Err(AppError::invalid("file", Text::key(shape.missing_columns)));
    }
    let mut out = Vec::new();
    for (i, cells) in rows.enumerate() {
        if cells.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        if out.len() >= shape.max_rows {
            let too_many = Text::key("import.too_many_rows").arg("max", shape.max_rows);
            return Err(AppError::invalid("file", too_many));
        }
        let cells = index
            .iter()
            .enumerate()
            .filter_map(|(col, key)| Some((((*key)?), cells.get(col).cloned().unwrap_or_default())))
            .collect();
        out.push(KeyedRow { line: i + 2, cells });
    }
    if out.is_empty() {
        return Err(AppError::invalid("file", Text::key(shape.no_rows)));
    }
    Ok(out)
}

/// Keeps parsed rows between preview and confirmation (a day at most); returns the id.
pub fn store_batch<T: serde::Serialize>(
    conn: &mut crate::db::DbConn, actor: &crate::auth::Actor, kind: ImportKind, rows: &[T],
) -> AppResult<i32> {
    let org = actor.coordinator_org()?;
    let json = serde_json::to_string(rows).map_err(|e| AppError::Internal(e.into()))?;
    repo::purge_old_import_batches(conn, crate::time::now_utc() - chrono::Duration::days(1))?;
    repo::insert_import_batch(conn, org, actor.user_id, kind, &json)
}

/// The rows of a stored batch of this kind, uploaded by this user.
pub fn load_batch<T: serde::de::DeserializeOwned>(
    conn: &mut crate::db::DbConn, actor: &crate::auth::Actor, kind: ImportKind, batch_id: i32,
) -> AppResult<Vec<T>> {
    let org = actor.coordinator_org()?;
    let json = repo::import_batch(conn, org, actor.user_id, kind, batch_id)?
        .ok_or_else(|| AppError::NotFound(Text::key("import.gone")))?;
    serde_json::from_str(&json).map_err(|e| AppError::Internal(e.into()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn archive(parts: &[(&str, &[u8])]) -> Vec<u8> {
        let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        for (name, bytes) in parts {
            zip.start_file(*name, options).unwrap();
            zip.write_all(bytes).unwrap();
        }
        zip.finish().unwrap().into_inner()
    }

    /// Writes `size` over the uncompressed size of every entry, in the local headers and
    /// the central directory, as a crafted file would.
    fn lie_about_sizes(mut bytes: Vec<u8>, size: u32) -> Vec<u8> {
        let mut i = 0;
        while i + 30 < bytes.len() {
            let sig = u32::from_le_bytes(bytes[i..i + 4].try_into().unwrap());
            let at = match sig {
                0x0403_4b50 => Some(i + 22),
                0x0201_4b50 => Some(i + 24),
                _ => None,
            };
            if let Some(at) = at {
                bytes[at..at + 4].copy_from_slice(&size.to_le_bytes());
            }
            i += 1;
        }
        bytes
    }

    #[test]
    fn a_part_that_unpacks_beyond_its_claimed_size_is_refused() {
        let big = vec![b'a'; 40 * 1024 * 1024];
        let honest = archive(&[("xl/sharedStrings.xml", &big)]);
        assert!(honest.len() < MAX_FILE_BYTES);
        let lying = lie_about_sizes(honest.clone(), 1000);
        for bytes in [honest, lying] {
            let err = check_archive(&bytes).unwrap_err();
            assert!(
                err.to_string().contains("gepackt") || err.to_string().contains("Tabelle"),
                "{err}"
            );
        }
    }

    #[test]
    fn small_ordinary_archives_pass_the_check() {
        let bytes = archive(&[("a.xml", b"<a/>"), ("b.xml", &[b'x'; 200_000])]);
        assert!(check_archive(&bytes).is_ok());
    }

    #[test]
    fn csv_is_bounded_in_rows_columns_and_cell_length() {
        let rows = "a;b\n".repeat(limits::MAX_ROWS as usize + 1);
        assert!(read_table(rows.as_bytes()).is_err());
        let wide = ";".repeat(limits::MAX_COLUMNS as usize + 1);
        assert!(read_table(wide.as_bytes()).is_err());
        let long = "x".repeat(limits::MAX_CELL_CHARS + 1);
        assert!(read_table(long.as_bytes()).is_err());
        let fine = "Vorname;Nachname\nAnna;Berg\n";
        assert_eq!(read_table(fine.as_bytes()).unwrap().len(), 2);
    }
}
