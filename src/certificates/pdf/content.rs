//! Which words the certificate prints, as opposed to where ([`super::layout`]).
//!
//! Every sentence comes from `locales/certificate.json`, shaped `{ "<lang>": { "<key>":
//! "<text>" } }`: `de` holds the German document (page 1, the notes for landlords on
//! page 2, the check-in cards); every other language holds the `title` and `explanation`
//! printed in the participant's language. Texts name their variable parts as `{name}`
//! placeholders, filled in one pass so braces in a participant's or course's text print
//! as they are. A German text using a placeholder it cannot get is refused at start-up.
//!
//! Dates print the German way (`05.10.2026`); the check URL prints as the host a person
//! types, in lower case.

use std::collections::HashMap;

use anyhow::{anyhow, bail, Context};
use chrono::NaiveDate;
use serde::Deserialize;
use unicode_normalization::UnicodeNormalization;

use super::CertificateDocument;

/// The certificate texts, `{ "<lang>": { "<key>": "<text>" } }`.
pub(super) const LOCALES_JSON: &str = include_str!("../../../locales/certificate.json");

/// The document's own language in `locales/certificate.json`.
const GERMAN: &str = "de";

/// The German texts of the document. Keys follow `locales/certificate.json`; the
/// placeholders each one may use are listed in [`Words::placeholders`].
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct Words {
    pub title: String,
    pub confirmation: String,
    course_line: String,
    course_line_with_code: String,
    venue_in: String,
    period_one_day: String,
    period: String,
    pub modules_heading: String,
    pub date_heading: String,
    pub duration_heading: String,
    duration: String,
    more_modules_one: String,
    more_modules: String,
    place_date: String,
    check_hint: String,
    qr_alt: String,
    pub notes_pointer: String,
    document_title: String,
    document_subject: String,
    pub notes_title: String,
    pub notes_subtitle: String,
    notes_meaning_heading: String,
    notes_meaning_scope: String,
    notes_meaning_privacy: String,
    notes_check_heading: String,
    notes_check_scan: String,
    notes_check_valid: String,
    notes_check_identity: String,
    notes_check_invalid: String,
    notes_check_offline: String,
    notes_data_heading: String,
    notes_data: String,
    notes_course_heading: String,
    notes_course: String,
    notes_course_with_modules: String,
    notes_footer: String,
    pub card_title: String,
    card_qr_alt: String,
    pub cards_document_title: String,
}

/// The texts of one participant language, as shipped: the title and explanation of page 1,
/// the course line that carries the coordinator's translation of the course title, and the
/// short version of the landlord notes on page 2.
pub(super) struct TranslatedWords {
    pub lang: String,
    pub title: String,
    pub explanation: String,
    /// With `{course}`, the translated course title.
    pub course_line: String,
    pub notes_title: String,
    pub notes_summary: String,
}

/// Everything `locales/certificate.json` holds, NFC-normalised.
pub(super) struct Locales {
    pub german: Words,
    pub translations: Vec<TranslatedWords>,
}

impl Locales {
    pub(super) fn load() -> anyhow::Result<Self> {
        let mut raw: HashMap<String, HashMap<String, String>> =
            serde_json::from_str(LOCALES_JSON).context("locales/certificate.json")?;
        let german = raw
            .remove(GERMAN)
            .ok_or_else(|| anyhow!("locales/certificate.json: {GERMAN} missing"))?;
        let german: HashMap<String, String> =
            german.into_iter().map(|(key, text)| (key, text.nfc().collect())).collect();
        let german: Words = serde_json::to_value(german)
            .and_then(serde_json::from_value)
            .with_context(|| format!("locales/certificate.json: {GERMAN}"))?;
        german.check_placeholders()?;
        let mut translations = Vec::with_capacity(raw.len());
        for (lang, texts) in raw {
            let get = |key: &str| {
                texts
                    .get(key)
                    .map(|s| s.nfc().collect::<String>())
                    .ok_or_else(|| anyhow!("locales/certificate.json: {lang}.{key} missing"))
            };
            let course_line = get("course_line")?;
            if course_line.matches("{course}").count() != 1 || course_line.matches('{').count() != 1
            {
                bail!("locales/certificate.json: {lang}.course_line needs {{course}} once");
            }
            translations.push(TranslatedWords {
                title: get("title")?,
                explanation: get("explanation")?,
                course_line,
                notes_title: get("notes_title")?,
                notes_summary: get("notes_summary")?,
                lang,
            });
        }
        Ok(Self { german, translations })
    }
}

/// Languages written right to left: their line is shaped and set from the right.
pub(super) fn is_right_to_left(lang: &str) -> bool {
    matches!(lang, "ar" | "fa" | "ps" | "ckb" | "ur")
}

impl Words {
    /// Each text with the placeholders it may use.
    fn placeholders(&self) -> [(&'static str, &str, &'static [&'static str]); 39] {
        const NONE: &[&str] = &[];
        [
            ("title", &self.title, NONE),
            ("confirmation", &self.confirmation, NONE),
            ("course_line", &self.course_line, &["course", "period", "venue"]),
            (
                "course_line_with_code",
                &self.course_line_with_code,
                &["course", "course_code", "period", "venue"],
            ),
            ("venue_in", &self.venue_in, &["place"]),
            ("period_one_day", &self.period_one_day, &["date"]),
            ("period", &self.period, &["start", "end"]),
            ("modules_heading", &self.modules_heading, NONE),
            ("date_heading", &self.date_heading, NONE),
            ("duration_heading", &self.duration_heading, NONE),
            ("duration", &self.duration, &["minutes"]),
            ("more_modules_one", &self.more_modules_one, NONE),
            ("more_modules", &self.more_modules, &["count"]),
            ("place_date", &self.place_date, &["place", "date"]),
            ("check_hint", &self.check_hint, &["host"]),
            ("qr_alt", &self.qr_alt, &["code", "host"]),
            ("notes_pointer", &self.notes_pointer, NONE),
            ("document_title", &self.document_title, &["holder"]),
            ("document_subject", &self.document_subject, &["course_code"]),
            ("notes_title", &self.notes_title, NONE),
            ("notes_subtitle", &self.notes_subtitle, NONE),
            ("notes_meaning_heading", &self.notes_meaning_heading, NONE),
            ("notes_meaning_scope", &self.notes_meaning_scope, NONE),
            ("notes_meaning_privacy", &self.notes_meaning_privacy, NONE),
            ("notes_check_heading", &self.notes_check_heading, NONE),
            ("notes_check_scan", &self.notes_check_scan, &["host", "code"]),
            ("notes_check_valid", &self.notes_check_valid, NONE),
            ("notes_check_identity", &self.notes_check_identity, NONE),
            ("notes_check_invalid", &self.notes_check_invalid, NONE),
            ("notes_check_offline", &self.notes_check_offline, &["host"]),
            ("notes_data_heading", &self.notes_data_heading, NONE),
            ("notes_data", &self.notes_data, NONE),
            ("notes_course_heading", &self.notes_course_heading, NONE),
            ("notes_course", &self.notes_course, &["course"]),
            ("notes_course_with_modules", &self.notes_course_with_modules, &["course"]),
            ("notes_footer", &self.notes_footer, &["code"]),
            ("card_title", &self.card_title, NONE),
            ("card_qr_alt", &self.card_qr_alt, &["code"]),
            ("cards_document_title", &self.cards_document_title, NONE),
        ]
    }

    /// A placeholder no value is given for would print as `{name}` on every certificate.
    fn check_placeholders(&self) -> anyhow::Result<()> {
        for (key, text, allowed) in self.placeholders() {
            if let Some(name) = placeholders(text).find(|name| !allowed.contains(name)) {
                bail!(
                    "locales/certificate.json: {GERMAN}.{key} uses {{{name}}}; it may use {}",
                    if allowed.is_empty() { "none".to_string() } else { allowed.join(", ") }
                );
            }
        }
        Ok(())
    }

    /// `… und 3 weitere Module`: the line standing for module rows left out.
    pub(super) fn more_modules(&self, hidden: usize) -> String {
        if hidden == 1 {
            self.more_modules_one.clone()
        } else {
            fill(&self.more_modules, &[("count", &hidden.to_string())])
        }
    }

    /// The alternative text of a check-in card's QR code.
    pub(super) fn card_qr_alt(&self, code: &str) -> String {
        fill(&self.card_qr_alt, &[("code", code)])
    }

    /// The PDF's title and subject (document properties).
    pub(super) fn document_title(&self, texts: &DisplayTexts) -> (String, String) {
        (
            fill(&self.document_title, &[("holder", &texts.holder)]),
            fill(&self.document_subject, &[("course_code", &texts.course_code)]),
        )
    }

    /// `an der Mietschulung „…“ (MS-1) vom … bis … in … teilgenommen hat.`, the venue as
    /// the issuer phrased it (`an der Volkshochschule …`) or `in` and the run's place.
    fn course_line(&self, doc: &CertificateDocument, course: &str, place: &str) -> String {
        let period = if doc.run_start == doc.run_end {
            fill(&self.period_one_day, &[("date", &german_date(doc.run_start))])
        } else {
            fill(
                &self.period,
                &[("start", &german_date(doc.run_start)), ("end", &german_date(doc.run_end))],
            )
        };
        let venue = match nfc(&doc.venue_phrase) {
            phrase if phrase.is_empty() => fill(&self.venue_in, &[("place", place)]),
            phrase => phrase,
        };
        let values = [("course", course), ("period", period.as_str()), ("venue", venue.as_str())];
        if doc.course_code.trim().is_empty() {
            fill(&self.course_line, &values)
        } else {
            let code = nfc(&doc.course_code);
            let mut values = values.to_vec();
            values.push(("course_code", code.as_str()));
            fill(&self.course_line_with_code, &values)
        }
    }

    /// Page 2 from its headings down to the course; the module list follows the last
    /// section.
    fn landlord_notes(&self, host: &str, code: &str, course: &str, modules: bool) -> Vec<Section> {
        let text = |s: &String| Paragraph::Text(s.clone());
        let course_intro =
            if modules { &self.notes_course_with_modules } else { &self.notes_course };
        vec![
            Section {
                heading: self.notes_meaning_heading.clone(),
                paragraphs: vec![
                    text(&self.notes_meaning_scope),
                    text(&self.notes_meaning_privacy),
                ],
            },
            Section {
                heading: self.notes_check_heading.clone(),
                paragraphs: vec![
                    Paragraph::Step(
                        1,
                        fill(&self.notes_check_scan, &[("host", host), ("code", code)]),
                    ),
                    Paragraph::Step(2, self.notes_check_valid.clone()),
                    Paragraph::Step(3, self.notes_check_identity.clone()),
                    text(&self.notes_check_invalid),
                    Paragraph::Text(fill(&self.notes_check_offline, &[("host", host)])),
                ],
            },
            Section {
                heading: self.notes_data_heading.clone(),
                paragraphs: vec![text(&self.notes_data)],
            },
            Section {
                heading: self.notes_course_heading.clone(),
                paragraphs: vec![Paragraph::Text(fill(course_intro, &[("course", course)]))],
            },
        ]
    }
}

/// A headed part of the notes for landlords.
pub(super) struct Section {
    pub heading: String,
    pub paragraphs: Vec<Paragraph>,
}

pub(super) enum Paragraph {
    Text(String),
    /// A numbered step of the check.
    Step(u32, String),
}

/// The document's texts, NFC-normalised and formatted for printing.
pub(super) struct DisplayTexts {
    pub issuer: String,
    /// The issuer's address and contact, each a line of the letterhead.
    pub issuer_lines: Vec<String>,
    pub holder: String,
    pub course_line: String,
    pub course_code: String,
    /// Title, date and duration of each module.
    pub modules: Vec<[String; 3]>,
    pub place_date: String,
    pub signatory: String,
    pub signatory_title: String,
    pub code: String,
    pub check_hint: String,
    /// The QR code's alternative text: what it is for and the code it stands for.
    pub qr_alt: String,
    pub notes: Vec<Section>,
    pub notes_footer: String,
}

impl DisplayTexts {
    pub(super) fn new(doc: &CertificateDocument, words: &Words) -> Self {
        let host = check_host(&doc.verification_url);
        let course = nfc(&doc.course_title);
        let place = nfc(&doc.place);
        let code = nfc(&doc.code_display);
        Self {
            issuer: nfc(&doc.issuer_name),
            issuer_lines: doc.issuer_lines.iter().map(|l| nfc(l)).collect(),
            holder: nfc(&doc.holder_name),
            course_line: words.course_line(doc, &course, &place),
            course_code: nfc(&doc.course_code),
            modules: doc
                .modules
                .iter()
                .map(|m| {
                    let minutes = m.duration_minutes.to_string();
                    [
                        nfc(&m.title),
                        german_date(m.date),
                        fill(&words.duration, &[("minutes", &minutes)]),
                    ]
                })
                .collect(),
            // The issuer's seat where it is set: a certificate is dated where it is issued.
            place_date: fill(
                &words.place_date,
                &[
                    ("place", &seat_or(&doc.issuer_seat, &place)),
                    ("date", &german_date(doc.issued_on)),
                ],
            ),
            signatory: nfc(&doc.signatory_name),
            signatory_title: nfc(&doc.signatory_title),
            check_hint: fill(&words.check_hint, &[("host", &host)]),
            qr_alt: fill(&words.qr_alt, &[("code", &code), ("host", &host)]),
            notes: words.landlord_notes(&host, &code, &course, !doc.modules.is_empty()),
            notes_footer: fill(&words.notes_footer, &[("code", &code)]),
            code,
        }
    }

    /// The texts made from the document's fields, named after the fields for errors.
    pub(super) fn all(&self) -> Vec<(&'static str, &str)> {
        let mut all = vec![
            ("issuer_name", self.issuer.as_str()),
            ("holder_name", self.holder.as_str()),
            ("course title, code or place", self.course_line.as_str()),
            ("place", self.place_date.as_str()),
            ("signatory_name", self.signatory.as_str()),
            ("signatory_title", self.signatory_title.as_str()),
            ("code_display", self.code.as_str()),
            ("verification_url", self.check_hint.as_str()),
        ];
        all.extend(self.modules.iter().map(|m| ("module title", m[0].as_str())));
        all.extend(self.issuer_lines.iter().map(|l| ("issuer_address", l.as_str())));
        all
    }
}

fn seat_or(seat: &str, place: &str) -> String {
    match nfc(seat) {
        seat if seat.is_empty() => place.to_string(),
        seat => seat,
    }
}

fn nfc(s: &str) -> String {
    s.nfc().collect::<String>().trim().to_string()
}

fn german_date(d: NaiveDate) -> String {
    d.format("%d.%m.%Y").to_string()
}

/// `HTTPS://MIETEN.EXAMPLE.DE/Z/ABC…` → `mieten.example.de`: what a person types to
/// reach the manual code entry page. Lower case reads better; the server matches the
/// path case-insensitively anyway.
pub(super) fn check_host(url: &str) -> String {
    let upper = url.to_ascii_uppercase();
    let base = match upper.rfind("/Z/") {
        Some(pos) => &url[..pos],
        None => url,
    };
    let without_scheme = base.split_once("://").map_or(base, |(_, rest)| rest);
    without_scheme.to_ascii_lowercase()
}

/// `template` with each `{name}` of `values` replaced, in one pass: braces inside the
/// values stay as they are. Unknown placeholders stay too (start-up refuses them).
fn fill(template: &str, values: &[(&str, &str)]) -> String {
    let mut out = String::with_capacity(template.len() + 64);
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let value = after.find('}').and_then(|close| {
            let name = &after[..close];
            let (_, value) = values.iter().find(|(n, _)| *n == name)?;
            Some((*value, close))
        });
        match value {
            Some((value, close)) => {
                out.push_str(value);
                rest = &after[close + 1..];
            }
            None => {
                out.push('{');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// The `{name}` placeholders of `template`, in order.
fn placeholders(template: &str) -> impl Iterator<Item = &str> {
    template.split('{').skip(1).filter_map(|part| {
        let (name, _) = part.split_once('}')?;
        (!name.is_empty() && name.chars().all(|c| c.is_ascii_lowercase() || c == '_'))
            .then_some(name)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn check_host_is_lowercase_host() {
        assert_eq!(check_host("HTTPS://MIETEN.EXAMPLE.DE/Z/ABC"), "mieten.example.de");
        assert_eq!(check_host("HTTP://127.0.0.1:8080/Z/ABC"), "127.0.0.1:8080");
        assert_eq!(check_host("HTTPS://X.DE/APP/Z/ABC"), "x.de/app");
    }

    #[test]
    fn fill_replaces_in_one_pass() {
        assert_eq!(
            fill("{place}, den {date}", &[("place", "{date}"), ("date", "1.1.")]),
            "{date}, den 1.1."
        );
        assert_eq!(fill("{a} {unknown} {", &[("a", "x")]), "x {unknown} {");
        assert_eq!(fill("ohne", &[("a", "x")]), "ohne");
    }

    #[test]
    fn shipped_texts_load_and_use_known_placeholders() {
        let locales = Locales::load().unwrap();
        assert!(locales.translations.iter().all(|t| t.lang != GERMAN));
        for (key, text, allowed) in locales.german.placeholders() {
            assert!(!text.trim().is_empty(), "{key}");
            for name in allowed {
                assert!(placeholders(text).any(|n| n == *name), "{key} does not print {{{name}}}");
            }
        }
        assert_eq!(locales.german.more_modules(1), "… und 1 weiteres Modul");
        assert_eq!(locales.german.more_modules(7), "… und 7 weitere Module");
    }

    #[test]
    fn unknown_placeholder_is_refused() {
        let mut words = Locales::load().unwrap().german;
        words.place_date = "{place}, den {datum}".to_string();
        let err = words.check_placeholders().unwrap_err().to_string();
        assert!(err.contains("de.place_date uses {datum}"), "{err}");
    }
}
