//! Input checks shared by the HTML forms and the JSON API, with messages a person can act on.

use chrono::{NaiveDate, NaiveDateTime, NaiveTime};

use crate::error::{AppError, AppResult};

pub fn required_text(
    field: &'static str,
    label: &str,
    value: &str,
    max_chars: usize,
) -> AppResult<String> {
    let v = value.trim();
    if v.is_empty() {
        return Err(AppError::invalid(
            field,
            format!("Bitte geben Sie „{label}“ an."),
        ));
    }
    if v.chars().count() > max_chars {
        return Err(AppError::invalid(
            field,
            format!("„{label}“ darf höchstens {max_chars} Zeichen lang sein."),
        ));
    }
    if v.chars()
        .any(|c| c.is_control() && c != '\n' && c != '\r' && c != '\t')
    {
        return Err(AppError::invalid(
            field,
            format!("„{label}“ enthält unzulässige Steuerzeichen."),
        ));
    }
    Ok(v.to_string())
}

pub fn optional_text(
    field: &'static str,
    label: &str,
    value: Option<&str>,
    max_chars: usize,
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
                && !v
                    .chars()
                    .any(|c| c.is_whitespace() || c == '<' || c == '>' || c == ',')
        })
        && v.matches('@').count() == 1;
    if valid {
        Ok(v)
    } else {
        Err(AppError::invalid(
            field,
            "Bitte geben Sie eine gültige E-Mail-Adresse an (z. B. name@beispiel.de).",
        ))
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
            let allowed = v
                .chars()
                .all(|c| c.is_ascii_digit() || " +-/()".contains(c));
            if allowed && (5..=20).contains(&digits) {
                Ok(Some(v.to_string()))
            } else {
                Err(AppError::invalid(
                    field,
                    "Bitte geben Sie eine Telefonnummer nur mit Ziffern, Leerzeichen, +, -, / an.",
                ))
            }
        }
    }
}

/// Accepts ISO (`2026-11-25`, what `<input type=date>` sends) and German (`25.11.2026`).
pub fn date(field: &'static str, label: &str, value: &str) -> AppResult<NaiveDate> {
    let v = value.trim();
    NaiveDate::parse_from_str(v, "%Y-%m-%d")
        .or_else(|_| NaiveDate::parse_from_str(v, "%d.%m.%Y"))
        .map_err(|_| {
            AppError::invalid(
                field,
                format!("„{label}“ ist kein gültiges Datum (TT.MM.JJJJ)."),
            )
        })
}

pub fn time(field: &'static str, label: &str, value: &str) -> AppResult<NaiveTime> {
    let v = value.trim();
    NaiveTime::parse_from_str(v, "%H:%M")
        .or_else(|_| NaiveTime::parse_from_str(v, "%H:%M:%S"))
        .map_err(|_| {
            AppError::invalid(
                field,
                format!("„{label}“ ist keine gültige Uhrzeit (HH:MM)."),
            )
        })
}

/// Accepts `2026-11-25T09:00` (datetime-local) with or without seconds.
pub fn datetime(field: &'static str, label: &str, value: &str) -> AppResult<NaiveDateTime> {
    let v = value.trim();
    NaiveDateTime::parse_from_str(v, "%Y-%m-%dT%H:%M")
        .or_else(|_| NaiveDateTime::parse_from_str(v, "%Y-%m-%dT%H:%M:%S"))
        .or_else(|_| NaiveDateTime::parse_from_str(v, "%Y-%m-%d %H:%M"))
        .map_err(|_| {
            AppError::invalid(
                field,
                format!("„{label}“ ist kein gültiger Zeitpunkt (Datum und Uhrzeit)."),
            )
        })
}

pub fn int_in(field: &'static str, label: &str, value: &str, min: i32, max: i32) -> AppResult<i32> {
    let n: i32 = value
        .trim()
        .parse()
        .map_err(|_| AppError::invalid(field, format!("„{label}“ muss eine ganze Zahl sein.")))?;
    check_range(field, label, n, min, max)
}

pub fn check_range(field: &'static str, label: &str, n: i32, min: i32, max: i32) -> AppResult<i32> {
    if n < min || n > max {
        return Err(AppError::invalid(
            field,
            format!("„{label}“ muss zwischen {min} und {max} liegen."),
        ));
    }
    Ok(n)
}

pub fn id(field: &'static str, label: &str, value: &str) -> AppResult<i32> {
    value
        .trim()
        .parse::<i32>()
        .ok()
        .filter(|n| *n > 0)
        .ok_or_else(|| AppError::invalid(field, format!("Bitte wählen Sie „{label}“ aus.")))
}

/// Serde helper for API times: accepts `2026-12-01T09:00` as well as with seconds.
pub fn de_local_datetime<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> Result<NaiveDateTime, D::Error> {
    use serde::Deserialize;
    let s = String::deserialize(d)?;
    datetime("datetime", "Zeitpunkt", &s).map_err(|_| {
        serde::de::Error::custom(format!(
            "„{s}“ ist kein gültiger Zeitpunkt (erwartet z. B. 2026-12-01T09:00)"
        ))
    })
}
