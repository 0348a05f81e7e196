//! The programme's figures as files for funding reports: CSV and XLSX (one row per member
//! or total and quarter or period, the same figures held back as on the page) and a PDF
//! report ([`super::report`]).

use super::figures::{Cell as Figures, Figure, Part, Row};
use super::service::Dashboard;
use crate::error::AppResult;
use crate::i18n;
use crate::reports::export::{Cell, Table};

fn figure(f: Figure) -> Cell {
    match f {
        Figure::Count(n) => Cell::Number(n as f64),
        held => Cell::Text(held.text()),
    }
}

/// The column headings, in German (the language of funding reports).
pub const HEADINGS: &[&str] = &[
    "programmes.col.organisation",
    "programmes.col.when",
    "programmes.col.courses",
    "programmes.col.runs",
    "programmes.col.sessions_held",
    "programmes.col.places_offered",
    "programmes.col.enrolled",
    "programmes.col.waiting",
    "programmes.col.completed",
    "programmes.col.completion_rate",
    "programmes.col.no_show_rate",
    "programmes.col.certificates_issued",
    "programmes.col.certificate_checks",
    "programmes.col.interpreter_hours",
];

fn line(who: &str, when: &str, c: &Figures) -> Vec<Cell> {
    vec![
        Cell::Text(who.to_string()),
        Cell::Text(when.to_string()),
        Cell::Number(c.courses as f64),
        Cell::Number(c.runs as f64),
        Cell::Number(c.sessions_held as f64),
        Cell::Number(c.places_offered as f64),
        figure(c.enrolled),
        figure(c.waiting),
        figure(c.completed),
        c.completion_rate.into(),
        c.no_show_rate.into(),
        figure(c.certificates_issued),
        Cell::Number(c.certificate_checks as f64),
        Cell::Number(c.interpreter_hours),
    ]
}

fn row_lines(d: &Dashboard, row: &Row, total_word: &str, out: &mut Vec<Vec<Cell>>) {
    let who = row.organisation.as_deref().unwrap_or(total_word);
    for (q, c) in d.figures.quarters.iter().zip(&row.quarters) {
        out.push(line(who, &q.code, c));
    }
    out.push(line(who, &d.period.label, &row.period));
}

fn parts(heading: &str, parts: &[Part], out: &mut Vec<Vec<Cell>>) {
    for p in parts {
        let mut l = vec![Cell::Text(heading.to_string()), Cell::Text(p.label.clone())];
        l.push(figure(p.places));
        out.push(l);
    }
}

/// The figures as one sheet: members and total by quarter and period, then the
/// programme-wide breakdowns, then the legend.
pub fn table(d: &Dashboard) -> Table {
    let lang = i18n::DEFAULT_LANG;
    let total_word = i18n::text(lang, "programmes.total");
    let mut rows = Vec::new();
    for row in &d.figures.members {
        row_lines(d, row, &total_word, &mut rows);
    }
    row_lines(d, &d.figures.total, &total_word, &mut rows);
    parts(&i18n::text(lang, "programmes.languages"), &d.figures.languages, &mut rows);
    parts(&i18n::text(lang, "programmes.referrals"), &d.figures.referrals, &mut rows);
    let needs = i18n::text(lang, "programmes.needs");
    for n in &d.figures.module_needs {
        for g in &n.groups {
            rows.push(vec![
                Cell::Text(needs.clone()),
                Cell::Text(format!("{} – {}", n.topic, g.group_name)),
                figure(g.chosen),
            ]);
        }
    }
    rows.push(vec![Cell::Text(i18n::text(lang, "programmes.legend"))]);
    // A CSV file has as many cells in every row as in its heading.
    for row in &mut rows {
        row.resize(HEADINGS.len(), Cell::Empty);
    }
    Table {
        sheet: "Programm".into(),
        headers: HEADINGS.iter().map(|k| i18n::text(lang, k)).collect(),
        rows,
    }
}

/// The figures as a file: a spreadsheet's table, or the PDF report, made where the use
/// case runs (a blocking thread: typesetting takes milliseconds).
pub enum File {
    Sheet(Table, String),
    Pdf(Vec<u8>, String),
}

/// The file in `format` (`csv`, `xlsx`, `pdf`; another: 404).
pub fn file(d: &Dashboard, format: &str) -> AppResult<File> {
    let name = format!("programm-{}-{}", d.programme.id, d.period.starts_on.format("%Y-%m"));
    match format {
        "pdf" => Ok(File::Pdf(super::report::pdf(d)?, name)),
        "csv" | "xlsx" => Ok(File::Sheet(table(d), name)),
        _ => Err(crate::error::AppError::NotFound(crate::i18n::Text::key("error.download_format"))),
    }
}
