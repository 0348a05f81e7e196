//! The result page of a check, rendered from its handlebars template once per variant.
//!
//! The check page is the one page under real load (a QR code in a flat viewing is scanned
//! by many phones, and a link can be hammered). Rendering the template with its layout on
//! every request cost more than the whole check behind it, so each variant (language ×
//! status × fingerprint shown or not) is rendered once with marker values in the personal
//! fields, cut into literal pieces at the markers, and a request only joins the pieces
//! with its escaped values. The template stays the one place the page is written in.

use std::sync::OnceLock;

use serde_json::json;

use super::service::{CertificateFacts, VerificationStatus};
use crate::error::AppError;
use crate::i18n;
use crate::templates;

/// The fields a request fills in, in marker order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Slot {
    HolderName,
    CourseTitle,
    CourseCode,
    CompletionDate,
    IssuerName,
    Code,
    KeyFingerprint,
    CheckedAt,
}

const SLOTS: [Slot; 8] = [
    Slot::HolderName,
    Slot::CourseTitle,
    Slot::CourseCode,
    Slot::CompletionDate,
    Slot::IssuerName,
    Slot::Code,
    Slot::KeyFingerprint,
    Slot::CheckedAt,
];

/// Private-use characters: not in any template text and not escaped by handlebars. Only
/// the template's output is cut at them; request values are spliced in, never parsed.
const OPEN: char = '\u{E000}';
const CLOSE: char = '\u{E001}';

fn marker(i: usize) -> String {
    format!("{OPEN}{i}{CLOSE}")
}

#[derive(Debug)]
enum Piece {
    Literal(String),
    Slot(Slot),
}

#[derive(Debug)]
struct Skeleton {
    pieces: Vec<Piece>,
    literal_len: usize,
}

const LANGS: [&str; 2] = ["de", "en"];
const STATUSES: [VerificationStatus; 4] = [
    VerificationStatus::Valid,
    VerificationStatus::Revoked,
    VerificationStatus::Replaced,
    VerificationStatus::Invalid,
];
const VARIANTS: usize = LANGS.len() * STATUSES.len() * 2 * 2;

static SKELETONS: [OnceLock<Skeleton>; VARIANTS] = [const { OnceLock::new() }; VARIANTS];

fn status_keys(status: VerificationStatus) -> (&'static str, &'static str) {
    match status {
        VerificationStatus::Valid => ("verify.valid", "valid"),
        VerificationStatus::Revoked => ("verify.revoked", "revoked"),
        VerificationStatus::Replaced => ("verify.replaced", "invalid"),
        VerificationStatus::Invalid => ("verify.invalid", "invalid"),
    }
}

/// `name_erased`: a typed code of an erased holder's certificate, whose name is not
/// stored any more (a scanned token brings its own).
fn build(
    lang: &str, status: VerificationStatus, fingerprint: bool, name_erased: bool,
) -> Result<Skeleton, AppError> {
    let (key, css) = status_keys(status);
    let with_facts = matches!(status, VerificationStatus::Valid | VerificationStatus::Revoked);
    let facts = with_facts.then(|| {
        json!({
            "holder_name": marker(0),
            "course_title": marker(1),
            "course_code": marker(2),
            "completion_date": marker(3),
            "issuer_name": marker(4),
            "code": marker(5),
            "key_fingerprint": fingerprint.then(|| marker(6)),
            "name_erased": name_erased,
        })
    });
    let explain = if status == VerificationStatus::Replaced {
        "verify.replaced_explain"
    } else {
        "verify.invalid_explain"
    };
    let ctx = json!({
        "lang": lang,
        "dir": "ltr",
        "title": i18n::text(lang, key),
        "status_text": i18n::text(lang, key),
        "status_class": css,
        "facts": facts,
        "explain": i18n::text(lang, explain),
        "checked_at": marker(7),
    });
    let html = templates::render("pages/verification/result", &ctx)?;
    Ok(split(&html))
}

/// Cuts rendered HTML at the markers.
fn split(html: &str) -> Skeleton {
    let mut pieces = Vec::new();
    let mut literal_len = 0;
    let mut rest = html;
    while let Some(start) = rest.find(OPEN) {
        let after = &rest[start + OPEN.len_utf8()..];
        let slot = after.find(CLOSE).and_then(|end| {
            let i: usize = after[..end].parse().ok()?;
            Some((SLOTS.get(i).copied()?, end))
        });
        let Some((slot, end)) = slot else {
            // Not one of ours: keep it as text.
            let upto = start + OPEN.len_utf8();
            pieces.push(Piece::Literal(rest[..upto].to_string()));
            literal_len += upto;
            rest = &rest[upto..];
            continue;
        };
        if start > 0 {
            pieces.push(Piece::Literal(rest[..start].to_string()));
            literal_len += start;
        }
        pieces.push(Piece::Slot(slot));
        rest = &after[end + CLOSE.len_utf8()..];
    }
    if !rest.is_empty() {
        pieces.push(Piece::Literal(rest.to_string()));
        literal_len += rest.len();
    }
    Skeleton { pieces, literal_len }
}

fn skeleton(
    lang: &str, status: VerificationStatus, fingerprint: bool, name_erased: bool,
) -> Result<&'static Skeleton, AppError> {
    let l = LANGS.iter().position(|x| *x == lang).unwrap_or(0);
    let s = STATUSES.iter().position(|x| *x == status).unwrap_or(3);
    let i =
        ((l * STATUSES.len() + s) * 2 + usize::from(fingerprint)) * 2 + usize::from(name_erased);
    if let Some(done) = SKELETONS[i].get() {
        return Ok(done);
    }
    let built = build(LANGS[l], status, fingerprint, name_erased)?;
    Ok(SKELETONS[i].get_or_init(|| built))
}

/// Appends `text` escaped as handlebars escapes `{{value}}`, without its allocation when
/// nothing needs escaping (the usual case).
fn push_escaped(out: &mut String, text: &str) {
    if text.bytes().any(|b| matches!(b, b'<' | b'>' | b'"' | b'&' | b'\'' | b'`' | b'=')) {
        out.push_str(&handlebars::html_escape(text));
    } else {
        out.push_str(text);
    }
}

/// The result page for one check.
pub fn render(
    lang: &str, status: VerificationStatus, facts: Option<&CertificateFacts>, checked_at: &str,
) -> Result<String, AppError> {
    let fingerprint = facts.and_then(|f| f.key_fingerprint.as_deref());
    let name_erased = facts.is_some_and(|f| f.name_erased);
    let sk = skeleton(lang, status, fingerprint.is_some(), name_erased)?;
    let date = facts.map(|f| crate::time::fmt_date(f.completion_date));
    let mut out = String::with_capacity(sk.literal_len + 256);
    for piece in &sk.pieces {
        let value = match piece {
            Piece::Literal(text) => {
                out.push_str(text);
                continue;
            }
            Piece::Slot(Slot::CheckedAt) => Some(checked_at),
            Piece::Slot(Slot::KeyFingerprint) => fingerprint,
            Piece::Slot(Slot::CompletionDate) => date.as_deref(),
            Piece::Slot(slot) => facts.map(|f| match slot {
                Slot::HolderName => f.holder_name.as_str(),
                Slot::CourseTitle => f.course_title.as_str(),
                Slot::CourseCode => f.course_code.as_str(),
                Slot::IssuerName => f.issuer_name.as_str(),
                _ => f.code.as_str(),
            }),
        };
        if let Some(v) = value {
            push_escaped(&mut out, v);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn facts(name: &str, fingerprint: Option<&str>) -> CertificateFacts {
        CertificateFacts {
            holder_name: name.into(),
            course_title: "Mietführerschein".into(),
            course_code: "MS-1".into(),
            completion_date: NaiveDate::from_ymd_opt(2026, 11, 20).unwrap(),
            issuer_name: "Stadt Beispiel".into(),
            code: "8A13-F000-4299-FF01".into(),
            key_fingerprint: fingerprint.map(str::to_string),
            name_erased: false,
        }
    }

    /// The spliced page must be byte for byte what handlebars renders directly.
    fn direct(lang: &str, status: VerificationStatus, f: Option<&CertificateFacts>) -> String {
        let (key, css) = status_keys(status);
        let explain = if status == VerificationStatus::Replaced {
            "verify.replaced_explain"
        } else {
            "verify.invalid_explain"
        };
        let facts = f.map(|f| {
            json!({
                "holder_name": f.holder_name,
                "course_title": f.course_title,
                "course_code": f.course_code,
                "completion_date": crate::time::fmt_date(f.completion_date),
                "issuer_name": f.issuer_name,
                "code": f.code,
                "key_fingerprint": f.key_fingerprint,
                "name_erased": f.name_erased,
            })
        });
        let ctx = json!({
            "lang": lang, "dir": "ltr",
            "title": i18n::text(lang, key), "status_text": i18n::text(lang, key),
            "status_class": css, "facts": facts,
            "explain": i18n::text(lang, explain),
            "checked_at": "25.11.2026 14:03",
        });
        templates::render("pages/verification/result", &ctx).unwrap()
    }

    #[test]
    fn spliced_page_equals_the_directly_rendered_template() {
        let hostile = facts("Ali <script>alert('x')</script> & \"Söhne\" `=`", Some("AB:CD"));
        let plain = facts("Olena Kovalenko", None);
        for lang in ["de", "en"] {
            for status in STATUSES {
                let with_facts =
                    matches!(status, VerificationStatus::Valid | VerificationStatus::Revoked);
                for f in [&hostile, &plain] {
                    let f = with_facts.then_some(f);
                    let got = render(lang, status, f, "25.11.2026 14:03").unwrap();
                    assert_eq!(got, direct(lang, status, f), "{lang} {status:?}");
                }
            }
        }
    }

    #[test]
    fn markup_in_a_name_is_escaped() {
        let f = facts("<b>x</b>", None);
        let page = render("de", VerificationStatus::Valid, Some(&f), "now").unwrap();
        assert!(page.contains("&lt;b&gt;x&lt;/b&gt;"));
        assert!(!page.contains("<b>x"));
        assert!(!page.contains(OPEN) && !page.contains(CLOSE));
    }
}
