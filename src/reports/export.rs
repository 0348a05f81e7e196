//! Report tables as CSV (semicolon-separated with a UTF-8 byte order mark, as German Excel
//! opens them directly) and as XLSX.

use rust_xlsxwriter::{Format, Workbook};

use super::service::{OrganisationReport, RunReport};
use crate::error::{AppError, AppResult};

#[derive(Debug, Clone)]
pub enum Cell {
    Text(String),
    Number(f64),
    Empty,
}

impl From<&str> for Cell {
    fn from(s: &str) -> Cell {
        Cell::Text(s.to_string())
    }
}

impl From<String> for Cell {
    fn from(s: String) -> Cell {
        Cell::Text(s)
    }
}

impl<T: Into<f64>> From<Option<T>> for Cell {
    fn from(n: Option<T>) -> Cell {
        n.map_or(Cell::Empty, |n| Cell::Number(n.into()))
    }
}

pub struct Table {
    pub sheet: String,
    pub headers: Vec<String>,
    pub rows: Vec<Vec<Cell>>,
}

/// Spreadsheet programs run cells starting with these as formulas (also after leading
/// spaces, and in their full-width forms); a leading apostrophe keeps names like "=cmd"
/// or "@SUM(…)" from becoming one (CSV injection). Applies to every text cell, headings
/// included: question texts and titles come from users.
pub fn neutralise(text: &str) -> String {
    const TRIGGERS: &[char] = &['=', '+', '-', '@', '\t', '\r', '\n', '＝', '＋', '－', '＠'];
    let first_visible = text.trim_start_matches([' ', '\u{a0}']).chars().next();
    if text.starts_with(TRIGGERS) || first_visible.is_some_and(|c| TRIGGERS.contains(&c)) {
        format!("'{text}")
    } else {
        text.to_string()
    }
}

pub fn to_csv(table: &Table) -> AppResult<Vec<u8>> {
    let mut out = Vec::from("\u{feff}".as_bytes());
    {
        let mut w = csv::WriterBuilder::new().delimiter(b';').from_writer(&mut out);
        let err = |e: csv::Error| AppError::Internal(e.into());
        let headers: Vec<String> = table.headers.iter().map(|h| neutralise(h)).collect();
        w.write_record(&headers).map_err(err)?;
        for row in &table.rows {
            let record: Vec<String> = row
                .iter()
                .map(|c| match c {
                    Cell::Text(t) => neutralise(t),
                    // German spreadsheets expect a decimal comma.
                    Cell::Number(n) => n.to_string().replace('.', ","),
                    Cell::Empty => String::new(),
                })
                .collect();
            w.write_record(&record).map_err(err)?;
        }
        w.flush().map_err(|e| AppError::Internal(e.into()))?;
    }
    Ok(out)
}

pub fn to_xlsx(table: &Table) -> AppResult<Vec<u8>> {
    let err = |e: rust_xlsxwriter::XlsxError| AppError::Internal(anyhow::anyhow!("xlsx: {e}"));
    let mut book = Workbook::new();
    let bold = Format::new().set_bold();
    let plain = Format::new();
    let sheet = book.add_worksheet();
    let name: String = table.sheet.chars().filter(|c| !"[]:*?/\\".contains(*c)).take(31).collect();
    sheet.set_name(&name).map_err(err)?;
    for (col, h) in table.headers.iter().enumerate() {
        sheet.write_string(0, col as u16, h, &bold).map_err(err)?;
        sheet.set_column_width(col as u16, (h.chars().count().max(10) + 2) as f64).map_err(err)?;
    }
    for (r, row) in table.rows.iter().enumerate() {
        let r = (r + 1) as u32;
        for (c, cell) in row.iter().enumerate() {
            match cell {
                Cell::Text(t) => {
                    sheet.write_string(r, c as u16, t, &plain).map_err(err)?;
                }
                Cell::Number(n) => {
                    sheet.write_number(r, c as u16, *n, &plain).map_err(err)?;
                }
                Cell::Empty => {}
            }
        }
    }
    book.save_to_buffer().map_err(err)
}

/// The run report as a spreadsheet (the page's and the API's export).
pub fn run_table(r: &RunReport) -> Table {
    let mut headers = vec!["Name".to_string()];
    headers.extend(r.sessions.iter().map(|s| {
        if s.cancelled {
            format!("{} (abgesagt)", s.label)
        } else {
            s.label.clone()
        }
    }));
    headers.extend(
        ["Anwesenheit %", "Testpunkte", "Test bestanden", "Abgeschlossen", "Offen weil"]
            .map(String::from),
    );
    let rows = r
        .rows
        .iter()
        .map(|row| {
            let mut cells: Vec<Cell> = vec![row.name.clone().into()];
            cells.extend(row.marks.iter().map(|m| Cell::from(m.clone())));
            cells.push(Cell::Number(f64::from(row.attendance_percent)));
            cells.push(row.test_points.into());
            cells.push(row.test_passed.map_or(Cell::Empty, |p| {
                if p {
                    "ja".into()
                } else {
                    "nein".into()
                }
            }));
            cells.push(if row.completed { "ja".into() } else { "nein".into() });
            cells.push(row.reasons.join("; ").into());
            cells
        })
        .collect();
    Table { sheet: format!("{} {}", r.course_code, r.period), headers, rows }
}

/// The organisation's report by month as a spreadsheet (the page's and the API's export).
pub fn organisation_table(r: &OrganisationReport) -> Table {
    Table {
        sheet: "Monate".into(),
        headers: [
            "Monat",
            "Einträge",
            "anwesend",
            "nicht erschienen",
            "Anwesenheit %",
            "Nicht erschienen %",
        ]
        .map(String::from)
        .to_vec(),
        rows: r
            .months
            .iter()
            .map(|m| {
                vec![
                    m.month.clone().into(),
                    Cell::Number(f64::from(m.marks)),
                    Cell::Number(f64::from(m.attended)),
                    Cell::Number(f64::from(m.no_shows)),
                    Cell::Number(f64::from(m.attendance_percent)),
                    Cell::Number(f64::from(m.no_show_percent)),
                ]
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn starts_formula(cell: &str) -> bool {
        let t = cell.trim_start_matches([' ', '\u{a0}']);
        t.starts_with(['=', '+', '-', '@', '\t', '\r', '\n', '＝', '＋', '－', '＠'])
    }

    proptest! {
        /// No cell of a CSV export, heading or body, starts a formula, whatever users typed.
        #[test]
        fn no_csv_cell_starts_a_formula(
            pairs in proptest::collection::vec(("[ =+\\-@＝\t]{0,2}\\PC{0,8}", "[ =+\\-@＠\r]{0,2}\\PC{0,8}"), 1..4),
        ) {
            let (headers, cells): (Vec<String>, Vec<String>) = pairs.into_iter().unzip();
            let table = Table {
                sheet: "t".into(),
                headers: headers.clone(),
                rows: vec![cells.iter().map(|c| Cell::Text(c.clone())).collect()],
            };
            let bytes = to_csv(&table).unwrap();
            let text = String::from_utf8(bytes).unwrap();
            let mut reader = csv::ReaderBuilder::new()
                .delimiter(b';')
                .has_headers(false)
                .from_reader(text.trim_start_matches('\u{feff}').as_bytes());
            for record in reader.records() {
                for cell in record.unwrap().iter() {
                    prop_assert!(!starts_formula(cell), "cell {:?}", cell);
                }
            }
        }
    }
}
