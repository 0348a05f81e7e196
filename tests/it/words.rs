//! Every sentence a person reads comes from `locales/`, through one lookup in the reader's
//! language. This reads every source file (without its `#[cfg(test)]` modules and comments)
//! and fails on a string literal that looks like German, so a new sentence in code is
//! caught here, with its file and line, before it ships untranslatable. What must stay in
//! code is listed in [`KEPT`], each with its reason.
//!
//! It also checks the other direction: every locale key the code names exists in
//! `locales/de.json` (a missing key would show as its name).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// Literals that stay in code: `(file, part of the literal, why)`; an empty part keeps
/// every literal of the file.
const KEPT: &[(&str, &str, &str)] = &[
    (
        "src/cli/verify.rs",
        "",
        "the operator's verification report in a terminal: no request, no reader's language",
    ),
    ("src/cli/demo.rs", "", "demo data: names, courses and modules of the sample organisation"),
    (
        "src/programmes/figures.rs",
        "Mietvertrag und Wohnungssuche",
        "data: the starter set's topics, matched against survey options word for word",
    ),
    ("src/programmes/figures.rs", "Rechte und Pflichten", "data: the starter set's topics"),
    ("src/programmes/figures.rs", "Heizen und Lüften", "data: the starter set's topics"),
    ("src/programmes/figures.rs", "Energie und Wasser sparen", "data: the starter set's topics"),
    ("src/programmes/figures.rs", "Mülltrennung und Hausordnung", "data: the starter set's topics"),
    ("src/cli/demo_year.rs", "", "demo data and the operator's report of the year demo"),
    (
        "src/cli/backup.rs",
        "",
        "the operator's backup and restore report in a terminal: no request, no reader's language",
    ),
    (
        "src/backup/service.rs",
        "",
        "the operator's backup and restore messages in a terminal (through `cli::backup`)",
    ),
    (
        "src/backup/archive.rs",
        "",
        "the operator's reasons for refusing an archive, in a terminal (through `cli::backup`)",
    ),
    (
        "src/certificates/service.rs",
        "Wohnungssuche und Besichtigung",
        "demo data: the sample certificate's made-up modules",
    ),
    (
        "src/certificates/service.rs",
        "Heizen, Lüften, Energie sparen",
        "demo data: the sample certificate's made-up modules",
    ),
    (
        "src/certificates/service.rs",
        "Hausordnung und Mülltrennung",
        "demo data: the sample certificate's made-up modules",
    ),
    (
        "src/i18n.rs",
        "Türkçe",
        "a language's name in its own language, the same in every UI language",
    ),
    (
        "src/surveys/results.rs",
        "Antwortmöglichkeit",
        "data format: a column heading of the survey export that spreadsheets refer to",
    ),
    (
        "src/participants/import.rs",
        "träger",
        "data format: a column heading a user's spreadsheet may use",
    ),
    (
        "src/stakeholders/import.rs",
        "träger",
        "data format: a column heading a user's spreadsheet may use",
    ),
    (
        "src/stakeholders/import.rs",
        "einverständnis",
        "data format: a column heading a user's spreadsheet may use",
    ),
    (
        "src/stakeholders/import.rs",
        "geflüchtete",
        "data format: a group name a user's spreadsheet may use",
    ),
    (
        "src/reports/export.rs",
        "Einträge",
        "data format: a column heading of the report export that funding spreadsheets refer to",
    ),
    (
        "src/spreadsheet/mod.rs",
        "türkisch",
        "data format: a language name a user's spreadsheet may use",
    ),
];

const UNTIL_MERGED: &[&str] = &[];

/// Words that make a literal German: no English text has them with these spaces.
const GERMAN_WORDS: &[&str] = &[
    " der ", " die ", " das ", " und ", " nicht ", "Bitte", " ist ", " wurde ", " Sie ", " eine ",
    " ein ", " für ", " mit ", " zu ", " gibt ", " kein", " noch ", " werden", " wird ", " oder ",
    " auf ",
];

/// Prefixes of keys this code names as plain literals (a validation label, the thing
/// that was not found), besides the argument of `key(`.
const KEY_PREFIXES: &[&str] =
    &["error.", "label.", "thing.", "completion.", "warning.", "throttle."];

fn looks_german(literal: &str) -> bool {
    literal.contains(['ä', 'ö', 'ü', 'Ä', 'Ö', 'Ü', 'ß'])
        || GERMAN_WORDS.iter().any(|w| literal.contains(w))
}

fn kept(file: &str, literal: &str) -> bool {
    UNTIL_MERGED.contains(&file)
        || KEPT.iter().any(|(f, part, _)| *f == file && literal.contains(part))
}

fn source_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("read src") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            source_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// A string literal of a file: its line, its text, and the code just before it.
struct Literal {
    line: usize,
    text: String,
    before: String,
}

/// The string literals of Rust source outside comments, and the source with comments and
/// literals blanked out (same length, same lines), for finding the test modules.
fn literals(src: &str) -> (Vec<Literal>, String) {
    let chars: Vec<char> = src.chars().collect();
    let mut code: Vec<char> = chars.clone();
    let mut found = Vec::new();
    let mut line = 1;
    let mut i = 0;
    let blank = |code: &mut Vec<char>, from: usize, to: usize| {
        for c in &mut code[from..to.min(chars.len())] {
            if *c != '\n' {
                *c = ' ';
            }
        }
    };
    while i < chars.len() {
        let next = chars.get(i + 1).copied();
        // The end of the comment or literal starting at `i`, if one does.
        let token_end = if chars[i] == '/' && next == Some('/') {
            Some(i + chars[i..].iter().position(|c| *c == '\n').unwrap_or(chars.len() - i))
        } else if chars[i] == '/' && next == Some('*') {
            Some(block_comment_end(&chars, i))
        } else if let Some((body, hashes)) = raw_string_start(&chars, i) {
            let close: Vec<char> =
                std::iter::once('"').chain(std::iter::repeat_n('#', hashes)).collect();
            let stop = (body..chars.len())
                .find(|k| chars[*k..].starts_with(&close))
                .unwrap_or(chars.len());
            found.push(literal_at(&chars, &code, i, line, body, stop));
            Some(stop + close.len())
        } else if chars[i] == '"' {
            let mut k = i + 1;
            while k < chars.len() && chars[k] != '"' {
                k += if chars[k] == '\\' { 2 } else { 1 };
            }
            found.push(literal_at(&chars, &code, i, line, i + 1, k));
            Some(k + 1)
        } else if chars[i] == '\'' {
            char_literal_end(&chars, i)
        } else {
            None
        };
        let end = token_end.unwrap_or(i + 1).min(chars.len());
        if token_end.is_some() {
            blank(&mut code, i, end);
        }
        line += chars[i..end].iter().filter(|c| **c == '\n').count();
        i = end;
    }
    (found, code.into_iter().collect())
}

fn literal_at(
    chars: &[char], code: &[char], start: usize, line: usize, from: usize, to: usize,
) -> Literal {
    let before: String = code[start.saturating_sub(40)..start].iter().collect();
    Literal {
        line: line + chars[start..from].iter().filter(|c| **c == '\n').count(),
        text: chars[from..to.min(chars.len())].iter().collect(),
        before: before.split_whitespace().collect::<Vec<_>>().join(" "),
    }
}

fn block_comment_end(chars: &[char], start: usize) -> usize {
    let mut depth = 0;
    let mut k = start;
    while k + 1 < chars.len() {
        match (chars[k], chars[k + 1]) {
            ('/', '*') => {
                depth += 1;
                k += 2;
            }
            ('*', '/') => {
                depth -= 1;
                k += 2;
                if depth == 0 {
                    return k;
                }
            }
            _ => k += 1,
        }
    }
    chars.len()
}

/// `r"`, `r#"`, `br"` …: where the body starts and how many `#` close it.
fn raw_string_start(chars: &[char], i: usize) -> Option<(usize, usize)> {
    if i > 0 && (chars[i - 1].is_alphanumeric() || chars[i - 1] == '_') {
        return None;
    }
    let mut k = i;
    if chars.get(k) == Some(&'b') {
        k += 1;
    }
    if chars.get(k) != Some(&'r') {
        return None;
    }
    k += 1;
    let hashes = chars[k..].iter().take_while(|c| **c == '#').count();
    k += hashes;
    (chars.get(k) == Some(&'"')).then_some((k + 1, hashes))
}

/// The end of a character literal at `i`, or `None` for a lifetime.
fn char_literal_end(chars: &[char], i: usize) -> Option<usize> {
    match chars.get(i + 1)? {
        '\\' => {
            let close = (i + 2..chars.len().min(i + 12)).find(|k| chars[*k] == '\'')?;
            Some(close + 1)
        }
        _ if chars.get(i + 2) == Some(&'\'') => Some(i + 3),
        _ => None,
    }
}

/// Line ranges of `#[cfg(test)] mod … { … }` in blanked code.
fn test_modules(code: &str) -> Vec<(usize, usize)> {
    let mut ranges = Vec::new();
    let mut from = 0;
    while let Some(at) = code[from..].find("#[cfg(test)]") {
        let start = from + at;
        from = start + 1;
        let after = code[start + "#[cfg(test)]".len()..].trim_start();
        let after = after.strip_prefix("pub(crate)").unwrap_or(after).trim_start();
        let after = after.strip_prefix("pub").unwrap_or(after).trim_start();
        if !after.starts_with("mod ") {
            continue;
        }
        let Some(open) = code[start..].find('{').map(|o| start + o) else {
            continue;
        };
        let mut depth = 0;
        let mut end = code.len();
        for (k, c) in code[open..].char_indices() {
            match c {
                '{' => depth += 1,
                '}' => {
                    depth -= 1;
                    if depth == 0 {
                        end = open + k;
                        break;
                    }
                }
                _ => {}
            }
        }
        let line_of = |pos: usize| code[..pos].matches('\n').count() + 1;
        ranges.push((line_of(start), line_of(end)));
    }
    ranges
}

/// Every file's literals outside its test modules, with the file's path below the crate.
fn code_literals() -> Vec<(String, Literal)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    source_files(&root.join("src"), &mut files);
    files.sort();
    let mut out = Vec::new();
    for path in files {
        let src = std::fs::read_to_string(&path).expect("read source");
        let name =
            path.strip_prefix(root).expect("below the crate").to_string_lossy().replace('\\', "/");
        let (found, code) = literals(&src);
        let tests = test_modules(&code);
        for literal in found {
            if !tests.iter().any(|(a, b)| (*a..=*b).contains(&literal.line)) {
                out.push((name.clone(), literal));
            }
        }
    }
    out
}

#[test]
fn every_user_facing_sentence_comes_from_locales() {
    let found: Vec<String> = code_literals()
        .into_iter()
        .filter(|(file, l)| looks_german(&l.text) && !kept(file, &l.text))
        .map(|(file, l)| format!("{file}:{}: {:?}", l.line, l.text))
        .collect();
    assert!(
        found.is_empty(),
        "German in code; put it in locales/de.json (and en.json) and use i18n::Text::key, \
         or, if it must stay (data format, demo data, operator output), add it to KEPT \
         with the reason:\n{}",
        found.join("\n")
    );
}

#[test]
fn every_locale_key_named_in_code_exists() {
    let de: serde_json::Map<String, serde_json::Value> = serde_json::from_str(
        &std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("locales/de.json"))
            .expect("read locales/de.json"),
    )
    .expect("locales/de.json is a JSON object");
    let is_key_like = |s: &str| {
        !s.is_empty()
            && s.contains('.')
            && s.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '.')
    };
    let missing: BTreeSet<String> = code_literals()
        .into_iter()
        .filter(|(_, l)| is_key_like(&l.text))
        .filter(|(_, l)| {
            KEY_PREFIXES.iter().any(|p| l.text.starts_with(p)) || l.before.ends_with("key(")
        })
        .filter(|(_, l)| !de.contains_key(&l.text))
        .map(|(file, l)| format!("{file}:{}: {}", l.line, l.text))
        .collect();
    assert!(
        missing.is_empty(),
        "keys named in code but missing in locales/de.json:\n{}",
        missing.into_iter().collect::<Vec<_>>().join("\n")
    );
}

#[test]
fn the_scanner_finds_literals_outside_comments_and_tests() {
    let src = r##"
// "Das steht im Kommentar."
/* "auch hier" /* verschachtelt */ "und hier" */
fn f<'a>(x: &'a str) -> char { let _ = "Bitte sehr."; let _ = r#"raw "quoted""#; '"' }
#[cfg(test)]
mod tests {
    fn g() { let _ = "Die Prüfung im Test."; }
}
fn h() { let _ = Text::key("error.x"); }
"##;
    let (found, code) = literals(src);
    let tests = test_modules(&code);
    let outside: Vec<(usize, &str)> = found
        .iter()
        .filter(|l| !tests.iter().any(|(a, b)| (*a..=*b).contains(&l.line)))
        .map(|l| (l.line, l.text.as_str()))
        .collect();
    assert_eq!(outside, vec![(4, "Bitte sehr."), (4, "raw \"quoted\""), (9, "error.x")]);
    assert!(found.iter().any(|l| l.text == "error.x" && l.before.ends_with("key(")));
    assert!(looks_german("Bitte sehr.") && !looks_german("request failed"));
}
