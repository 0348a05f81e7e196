//! Lists coordinators already keep, read from an upload: CSV or XLSX. Shared by the
//! participant and the stakeholder import.
//!
//! CSV comes as Excel writes it: German Excel's "CSV (Trennzeichen-getrennt)" is
//! semicolon-separated Windows-1252, "CSV UTF-8" has a byte order mark, other programs write
//! UTF-8 with commas. The encoding is decided by one rule: valid UTF-8 (after a byte order
//! mark) is UTF-8, anything else Windows-1252 (which every byte sequence decodes as; a
//! control character among the result still refuses the file). The delimiter is the one of
//! `;` `,` and tab that splits the heading row into the most known columns.

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

/// The file's cells, row by row: XLSX (first sheet) or CSV (UTF-8 or Windows-1252; `;`, `,`
/// or tab, whichever names the most of `shape`'s columns in the heading row). Bounded by
/// [`limits`]; a parser that trips over a crafted file answers "not a list".
pub fn read_table(bytes: &[u8], shape: &ListShape) -> AppResult<Vec<Vec<String>>> {
    if bytes.is_empty() {
        return Err(AppError::invalid("file", Text::key("import.empty")));
    }
    if bytes.len() > MAX_FILE_BYTES {
        let mb = MAX_FILE_BYTES / (1024 * 1024);
        return Err(AppError::invalid("file", Text::key("import.file_too_large").arg("mb", mb)));
    }
    // Parsers of foreign formats are the least trusted code here: a panic in one must
    // answer like any unreadable file instead of failing the request.
    std::panic::catch_unwind(
        || {
            if is_xlsx(bytes) {
                read_xlsx(bytes)
            } else {
                read_csv(bytes, shape)
            }
        },
    )
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

/// The text of a CSV file: UTF-8 when the bytes (after a UTF-8 byte order mark) are valid
/// UTF-8, else Windows-1252, as German Excel writes "CSV (Trennzeichen-getrennt)". UTF-16
/// (Excel's "Unicode-Text") is refused rather than read as Windows-1252.
pub fn decode_text(bytes: &[u8]) -> AppResult<std::borrow::Cow<'_, str>> {
    if bytes.starts_with(b"\xff\xfe") || bytes.starts_with(b"\xfe\xff") {
        return Err(not_a_list());
    }
    let bytes = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
    Ok(match std::str::from_utf8(bytes) {
        Ok(text) => std::borrow::Cow::Borrowed(text),
        Err(_) => encoding_rs::WINDOWS_1252.decode_without_bom_handling(bytes).0,
    })
}

/// The delimiters a CSV file may use, in the order a tie is decided (German Excel first).
const DELIMITERS: [u8; 3] = [b';', b',', b'\t'];

/// The delimiter that splits the heading row into the most of the list's known column
/// headings; with as many known columns, the one giving more cells; then `;` before `,`
/// before tab.
fn delimiter_of(text: &str, shape: &ListShape) -> u8 {
    let score = |delimiter: u8| {
        let mut reader = csv::ReaderBuilder::new()
            .delimiter(delimiter)
            .has_headers(false)
            .flexible(true)
            .from_reader(text.as_bytes());
        let mut record = csv::StringRecord::new();
        if !reader.read_record(&mut record).unwrap_or(false) {
            return (0, 0);
        }
        let known = record.iter().filter(|h| shape.column_of(h).is_some()).count();
        (known, record.len())
    };
    let mut best = DELIMITERS[0];
    let mut best_score = score(best);
    for d in &DELIMITERS[1..] {
        let s = score(*d);
        if s > best_score {
            (best, best_score) = (*d, s);
        }
    }
    best
}

fn read_csv(bytes: &[u8], shape: &ListShape) -> AppResult<Vec<Vec<String>>> {
    // Documents and pictures people pick by mistake.
    const OTHER_FILES: &[&[u8]] =
        &[b"%PDF", b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"\xd0\xcf\x11\xe0", b"{\\rtf"];
    if OTHER_FILES.iter().any(|magic| bytes.starts_with(magic)) {
        return Err(not_a_list());
    }
    let text = decode_text(bytes)?;
    if text.chars().any(|c| c.is_control() && !matches!(c, '\t' | '\r' | '\n')) {
        return Err(not_a_list());
    }
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter_of(&text, shape))
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

impl ListShape {
    /// The key of the column a heading names (any case, spaces around ignored).
    pub fn column_of(&self, heading: &str) -> Option<&'static str> {
        let h = heading.trim().to_lowercase();
        self.columns.iter().find(|(_, names)| names.contains(&h.as_str())).map(|(key, _)| *key)
    }
}

/// Maps the heading row to column keys (any order, German or English headings) and returns
/// the non-empty data rows.
pub fn keyed_rows(table: Vec<Vec<String>>, shape: &ListShape) -> AppResult<Vec<KeyedRow>> {
    let mut rows = table.into_iter();
    let header = rows.next().ok_or_else(|| AppError::invalid("file", Text::key("import.empty")))?;
    let index: Vec<Option<&'static str>> = header.iter().map(|h| shape.column_of(h)).collect();
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

    /// A list shape as the imports declare them.
    const SHAPE: ListShape = ListShape {
        columns: &[
            ("given_name", &["vorname", "given name"]),
            ("family_name", &["familienname", "family name"]),
            ("organisation", &["träger", "organisation"]),
            ("note", &["straße", "bemerkung", "note"]),
        ],
        required: &["given_name", "family_name"],
        missing_columns: "import.people_columns",
        no_rows: "import.no_people",
        max_rows: 100,
    };

    #[test]
    fn csv_is_bounded_in_rows_columns_and_cell_length() {
        let rows = "a;b\n".repeat(limits::MAX_ROWS as usize + 1);
        assert!(read_table(rows.as_bytes(), &SHAPE).is_err());
        let wide = ";".repeat(limits::MAX_COLUMNS as usize + 1);
        assert!(read_table(wide.as_bytes(), &SHAPE).is_err());
        let long = "x".repeat(limits::MAX_CELL_CHARS + 1);
        assert!(read_table(long.as_bytes(), &SHAPE).is_err());
        let fine = "Vorname;Nachname\nAnna;Berg\n";
        assert_eq!(read_table(fine.as_bytes(), &SHAPE).unwrap().len(), 2);
    }

    fn cp1252(text: &str) -> Vec<u8> {
        let (bytes, _, unmappable) = encoding_rs::WINDOWS_1252.encode(text);
        assert!(!unmappable, "{text} fits Windows-1252");
        bytes.into_owned()
    }

    #[test]
    fn german_excel_csv_is_read_as_windows_1252_with_semicolons() {
        let text = "Vorname;Familienname;Träger;Bemerkung\r\nJürgen;Weiß;Caritas Köln;12,50 €\r\n";
        let bytes = cp1252(text);
        assert!(std::str::from_utf8(&bytes).is_err(), "not UTF-8");
        let table = read_table(&bytes, &SHAPE).unwrap();
        assert_eq!(table[1], ["Jürgen", "Weiß", "Caritas Köln", "12,50 €"]);
    }

    #[test]
    fn the_delimiter_is_the_one_naming_the_most_columns() {
        // More commas than semicolons in the heading, but only `;` names the columns.
        let text = "Vorname;Familienname;Bemerkung (a, b, c, d)\nAnna;Berg;x\n";
        assert_eq!(read_table(text.as_bytes(), &SHAPE).unwrap()[1], ["Anna", "Berg", "x"]);
        let text = "Vorname,Familienname\nAnna,Berg\n";
        assert_eq!(read_table(text.as_bytes(), &SHAPE).unwrap()[1], ["Anna", "Berg"]);
        let text = "Vorname\tFamilienname\nAnna\tBerg; Bonn\n";
        assert_eq!(read_table(text.as_bytes(), &SHAPE).unwrap()[1], ["Anna", "Berg; Bonn"]);
        // Nothing known: the most cells, semicolons first on a tie.
        let text = "a;b;c\n1;2;3\n";
        assert_eq!(read_table(text.as_bytes(), &SHAPE).unwrap()[0], ["a", "b", "c"]);
    }

    #[test]
    fn utf16_and_control_characters_are_not_lists() {
        for bytes in [&b"\xff\xfeV\0o\0"[..], b"\xfe\xff\0V\0o", b"Vorname;Familienname\n\x81;x\n"]
        {
            assert!(read_table(bytes, &SHAPE).is_err(), "{bytes:?}");
        }
    }

    /// The headings of a generated table: known ones, so the delimiter is found by them.
    const HEADINGS: [&str; 4] = ["Vorname", "Familienname", "Träger", "Bemerkung"];

    /// Cells as people type them, in what Windows-1252 can hold: umlauts, ß, €, accents,
    /// the delimiters and quotes themselves, spaces inside (not around: cells are trimmed).
    fn cell() -> impl proptest::strategy::Strategy<Value = String> {
        proptest::string::string_regex("([A-Za-z0-9äöüÄÖÜßéèçñ€;,\"'()/.-]([ A-Za-z0-9äöüÄÖÜß€;,\"-]{0,10}[A-Za-z0-9äöüß€\"])?)?")
            .unwrap()
    }

    fn table() -> impl proptest::strategy::Strategy<Value = Vec<Vec<String>>> {
        use proptest::prelude::*;
        (2usize..=4).prop_flat_map(|width| {
            let header: Vec<String> = HEADINGS[..width].iter().map(|h| h.to_string()).collect();
            prop::collection::vec(prop::collection::vec(cell(), width), 1..12)
                // A row of only empty cells in a one-line file is an empty line; keep one.
                .prop_map(move |rows| {
                    let mut t = vec![header.clone()];
                    t.extend(rows);
                    t
                })
        })
    }

    fn written(table: &[Vec<String>], delimiter: u8, crlf: bool) -> String {
        let mut w = csv::WriterBuilder::new()
            .delimiter(delimiter)
            .terminator(if crlf { csv::Terminator::CRLF } else { csv::Terminator::Any(b'\n') })
            .from_writer(Vec::new());
        for row in table {
            w.write_record(row).unwrap();
        }
        String::from_utf8(w.into_inner().unwrap()).unwrap()
    }

    proptest::proptest! {
        /// Any table German Excel writes (Windows-1252, semicolons, CRLF) reads back as it
        /// was, unless its bytes happen to be valid UTF-8 as well (then they are read as
        /// UTF-8: the one rule decides, and such a file cannot be told apart).
        #[test]
        fn windows_1252_with_semicolons_reads_back_identical(t in table()) {
            let bytes = cp1252(&written(&t, b';', true));
            proptest::prop_assume!(std::str::from_utf8(&bytes).is_err() || bytes.is_ascii());
            proptest::prop_assert_eq!(read_table(&bytes, &SHAPE).unwrap(), t);
        }

        /// Any table in UTF-8, with or without a byte order mark, with commas or semicolons,
        /// reads back as it was.
        #[test]
        fn utf8_with_or_without_bom_reads_back_identical(t in table(), bom: bool, semicolon: bool) {
            let text = written(&t, if semicolon { b';' } else { b',' }, !bom);
            let mut bytes = if bom { b"\xef\xbb\xbf".to_vec() } else { Vec::new() };
            bytes.extend_from_slice(text.as_bytes());
            proptest::prop_assert_eq!(read_table(&bytes, &SHAPE).unwrap(), t);
        }
    }
}
