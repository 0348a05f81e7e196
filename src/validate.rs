//! Input checks shared by the HTML forms and the JSON API, with messages a person can act on.
//!
//! Rules for text from users:
//! - No control characters, no bidirectional formatting characters (U+202A–U+202E,
//!   U+2066–U+2069, U+200E/U+200F, U+061C), which can make a name or title reorder what
//!   stands around it ("Trojan Source"), and no other invisible characters (zero-width
//!   space, BOM, fillers), which make two names that look alike differ. Joiners (ZWJ,
//!   ZWNJ) stay: Persian and emoji need them.
//! - Names, titles and labels are one line; only the longer texts in [`MULTI_LINE`] may
//!   have line breaks.
//! - Fields printed on certificates are checked by [`printable`] instead: only what the
//!   certificate fonts draw, and the refusal names the character.
//! - Shown elsewhere, user text is isolated (`<bdi>`/`dir="auto"` on pages, [`isolate`] in
//!   plain text), so right-to-left names read correctly beside German text.

pub mod printable;

use chrono::{NaiveDate, NaiveDateTime, NaiveTime};

use crate::error::{AppError, AppResult};
use crate::i18n::Text;

/// The value trimmed, when it is not empty and at most `max_chars` long.
pub fn required_within<'a>(
    field: &'static str, label: &'static str, value: &'a str, max_chars: usize,
) -> AppResult<&'a str> {
    let v = value.trim();
    if v.is_empty() {
        return Err(AppError::invalid(field, Text::key("error.required").arg_key("label", label)));
    }
    if v.chars().count() > max_chars {
        return Err(AppError::invalid(
            field,
            Text::key("error.too_long").arg_key("label", label).arg("max", max_chars),
        ));
    }
    Ok(v)
}

/// `label` is the key of the field's name in `locales/` (`label.title`); the error message
/// names the field in the reader's language (a word that is no key shows as it is).
pub fn required_text(
    field: &'static str, label: &'static str, value: &str, max_chars: usize,
) -> AppResult<String> {
    let v = required_within(field, label, value, max_chars)?;
    let multi_line = MULTI_LINE.contains(&field);
    if v.chars().any(|c| {
        is_bidi_control(c)
            || is_invisible(c)
            || (c.is_control() && !(multi_line && matches!(c, '\n' | '\r' | '\t')))
    }) {
        return Err(AppError::invalid(
            field,
            if !multi_line && v.contains(['\n', '\r']) {
                Text::key("error.one_line").arg_key("label", label)
            } else {
                Text::key("error.invisible").arg_key("label", label)
            },
        ));
    }
    Ok(v.to_string())
}

/// Fields that are running text and may span lines; every other text is one line.
pub const MULTI_LINE: &[&str] = &["description", "introduction", "help", "reason", "address"];

/// Invisible characters that change the direction of the text around them.
pub fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}' | '\u{061C}')
}

/// Characters that take no space and show nothing, so two texts that look the same differ
/// (a name with a zero-width space in it). Joiners (U+200C, U+200D) and variation
/// selectors are not among them: scripts and emoji need them.
pub fn is_invisible(c: char) -> bool {
    matches!(
        c,
        '\u{200B}' | '\u{2060}'
            ..='\u{2064}'
                | '\u{FEFF}'
                | '\u{180E}'
                | '\u{115F}'
                | '\u{1160}'
                | '\u{3164}'
                | '\u{FFA0}'
    )
}

/// User text for one line of plain text: control characters (line breaks, tabs, …) become
/// spaces and bidi controls are dropped.
pub fn one_line(text: &str) -> String {
    text.chars()
        .filter(|c| !is_bidi_control(*c))
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

/// User text for plain-text output (mail subjects, calendar feeds): wrapped in FIRST STRONG
/// ISOLATE … POP DIRECTIONAL ISOLATE when it holds right-to-left letters or bidi controls,
/// so it keeps its own direction and cannot reorder the words around it. German and other
/// left-to-right text stays as it is.
pub fn isolate(text: &str) -> String {
    let needs = text.chars().any(|c| is_bidi_control(c) || is_rtl_letter(c));
    if needs {
        let inner: String = text.chars().filter(|c| !is_bidi_control(*c)).collect();
        format!("\u{2068}{inner}\u{2069}")
    } else {
        text.to_string()
    }
}

fn is_rtl_letter(c: char) -> bool {
    matches!(c, '\u{0590}'..='\u{08FF}' | '\u{FB1D}'..='\u{FDFF}' | '\u{FE70}'..='\u{FEFF}' | '\u{10800}'..='\u{10FFF}' | '\u{1E800}'..='\u{1EFFF}')
}

pub fn optional_text(
    field: &'static str, label: &'static str, value: Option<&str>, max_chars: usize,
) -> AppResult<Option<String>> {
    match value.map(str::trim).filter(|v| !v.is_empty()) {
        None => Ok(None),
        Some(v) => required_text(field, label, v, max_chars).map(Some),
    }
}

pub fn email(field: &'static str, value: &str) -> AppResult<String> {
    let v = value.trim().to_lowercase();
    let valid = v.len() <= 254
        && v.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty()
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !v.chars().any(|c| c.is_whitespace() || c == '<' || c == '>' || c == ',')
        })
        && v.matches('@').count() == 1;
    if valid {
        Ok(v)
    } else {
        Err(AppError::invalid(field, Text::key("error.email")))
    }
}

pub fn optional_email(field: &'static str, value: Option<&str>) -> AppResult<Option<String>> {
    match value.map(str::trim).filter(|v| !v.is_empty()) {
        None => Ok(None),
        Some(v) => email(field, v).map(Some),
    }
}

pub fn optional_phone(field: &'static str, value: Option<&str>) -> AppResult<Option<String>> {
    match value.map(str::trim).filter(|v| !v.is_empty()) {
        None => Ok(None),
        Some(v) => {
            let digits = v.chars().filter(|c| c.is_ascii_digit()).count();
            let allowed = v.chars().all(|c| c.is_ascii_digit() || " +-/()".contains(c));
            if allowed && (5..=20).contains(&digits) {
                Ok(Some(v.to_string()))
            } else {
                Err(AppError::invalid(field, Text::key("error.phone")))
            }
        }
    }
}

/// Accepts ISO (`2026-11-25`, what `<input type=date>` sends) and German (`25.11.2026`).
pub fn date(field: &'static str, label: &'static str, value: &str) -> AppResult<NaiveDate> {
    let v = value.trim();
    NaiveDate::parse_from_str(v, "%Y-%m-%d")
        .or_else(|_| NaiveDate::parse_from_str(v, "%d.%m.%Y"))
        .map_err(|_| AppError::invalid(field, Text::key("error.date").arg_key("label", label)))
}

pub fn time(field: &'static str, label: &'static str, value: &str) -> AppResult<NaiveTime> {
    let v = value.trim();
    NaiveTime::parse_from_str(v, "%H:%M")
        .or_else(|_| NaiveTime::parse_from_str(v, "%H:%M:%S"))
        .map_err(|_| AppError::invalid(field, Text::key("error.time").arg_key("label", label)))
}

/// Accepts `2026-11-25T09:00` (datetime-local) with or without seconds.
pub fn datetime(field: &'static str, label: &'static str, value: &str) -> AppResult<NaiveDateTime> {
    let v = value.trim();
    NaiveDateTime::parse_from_str(v, "%Y-%m-%dT%H:%M")
        .or_else(|_| NaiveDateTime::parse_from_str(v, "%Y-%m-%dT%H:%M:%S"))
        .or_else(|_| NaiveDateTime::parse_from_str(v, "%Y-%m-%d %H:%M"))
        .map_err(|_| AppError::invalid(field, Text::key("error.datetime").arg_key("label", label)))
}

pub fn int_in(
    field: &'static str, label: &'static str, value: &str, min: i32, max: i32,
) -> AppResult<i32> {
    let n: i32 = value.trim().parse().map_err(|_| {
        AppError::invalid(field, Text::key("error.integer").arg_key("label", label))
    })?;
    check_range(field, label, n, min, max)
}

pub fn check_range(
    field: &'static str, label: &'static str, n: i32, min: i32, max: i32,
) -> AppResult<i32> {
    if n < min || n > max {
        return Err(AppError::invalid(
            field,
            Text::key("error.range").arg_key("label", label).arg("min", min).arg("max", max),
        ));
    }
    Ok(n)
}

pub fn id<T: From<i32>>(field: &'static str, label: &'static str, value: &str) -> AppResult<T> {
    value
        .trim()
        .parse::<i32>()
        .ok()
        .filter(|n| *n > 0)
        .map(T::from)
        .ok_or_else(|| AppError::invalid(field, Text::key("error.choose").arg_key("label", label)))
}

/// Serde helper for API times, as wall-clock time in Europe/Berlin: accepts
/// `2026-12-01T09:00` (with or without seconds) and RFC 3339 with an offset
/// (`2026-12-01T08:00:00Z`, `2026-12-01T09:00:00+01:00`), which is converted.
pub fn de_local_datetime<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> Result<NaiveDateTime, D::Error> {
    use serde::Deserialize;
    let s = String::deserialize(d)?;
    if let Ok(with_offset) = chrono::DateTime::parse_from_rfc3339(s.trim()) {
        return Ok(crate::time::to_local(with_offset.naive_utc()).naive_local());
    }
    datetime("datetime", "label.datetime", &s).map_err(|_| {
        // Serde keeps only a string: the API's language, German.
        serde::de::Error::custom(Text::key("error.datetime_example").arg("value", &s))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn titles_are_one_line_and_without_bidi_controls() {
        assert!(required_text("title", "Titel", "Mietführerschein\nBEGIN:VEVENT", 200).is_err());
        assert!(required_text("title", "Titel", "abc\u{202E}fdp.exe", 200).is_err());
        assert!(required_text("description", "Beschreibung", "Zeile 1\nZeile 2", 200).is_ok());
        assert!(required_text("description", "Beschreibung", "a\u{2066}b", 200).is_err());
        assert!(required_text("title", "Titel", "Anna\u{200B}Berg", 200).is_err());
        assert!(required_text("title", "Titel", "\u{FEFF}Anna", 200).is_err());
        // Persian needs ZWNJ, emoji need ZWJ.
        assert!(
            required_text("title", "Titel", "می\u{200C}خواهم 👩\u{200D}👩\u{200D}👧", 200).is_ok()
        );
    }

    proptest! {
        /// Whatever a user sends, what is accepted as a title holds no control or bidi
        /// character, and what is isolated has balanced isolates and no other bidi control.
        #[test]
        fn accepted_text_is_clean(s in "(\\PC|[\u{202A}-\u{202E}\u{2066}-\u{2069}\r\n\t\u{0}-\u{1f}])*") {
            if let Ok(v) = required_text("title", "Titel", &s, 10_000) {
                prop_assert!(!v.chars().any(|c| c.is_control() || is_bidi_control(c)));
            }
            let i = isolate(&s);
            let inner: String = i.chars().filter(|c| *c != '\u{2068}' && *c != '\u{2069}').collect();
            prop_assert!(!inner.chars().any(is_bidi_control));
            prop_assert_eq!(i.matches('\u{2068}').count(), i.matches('\u{2069}').count());
        }
    }
}
