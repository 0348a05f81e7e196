//! The result page of a check, rendered from its handlebars template once per variant.
//!
//! The check page is the one page under real load (a QR code in a flat viewing is scanned
//! by many phones, and a link can be hammered). Rendering the template with its layout on
//! every request cost more than the whole check behind it, so each variant (language ×
//! status × name erased or not × issuer contact known or not) is rendered once with marker
//! values in the personal fields, cut into literal pieces at the markers, and a request
//! only joins the pieces with its escaped values. The template stays the one place the
//! page is written in.

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
    IssuerContact,
    CheckedAt,
    /// The issuing organisation's id, in the footer's link to its accessibility statement.
    IssuerOrg,
}

const SLOTS: [Slot; 9] = [
    Slot::HolderName,
    Slot::CourseTitle,
    Slot::CourseCode,
    Slot::CompletionDate,
    Slot::IssuerName,
    Slot::Code,
    Slot::IssuerContact,
    Slot::CheckedAt,
    Slot::IssuerOrg,
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

/// The check page's languages: German and English, and the languages many private
/// landlords read.
pub const LANGS: [&str; 5] = ["de", "en", "tr", "ru", "ar"];
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

/// "Was bedeutet das? Was können Sie tun?" for the answers that are not "Gültig".
fn what_now(status: VerificationStatus) -> Option<(&'static str, &'static str)> {
    match status {
        VerificationStatus::Valid => None,
        VerificationStatus::Revoked => Some(("verify.revoked_means", "verify.revoked_do")),
        VerificationStatus::Replaced => Some(("verify.replaced_means", "verify.replaced_do")),
        VerificationStatus::Invalid => Some(("verify.invalid_means", "verify.invalid_do")),
    }
}

/// The language switch of the public check pages: every language, the current one marked.
pub fn language_links(lang: &str) -> serde_json::Value {
    LANGS
        .iter()
        .map(|code| {
            json!({
                "code": code,
                "name": i18n::participant_language_name(code),
                "current": *code == lang,
            })
        })
        .collect()
}

/// The context of the result template. `facts` holds the personal fields (markers when
/// building a skeleton), `contact` whether the issuer's contact is shown.
fn context(
    lang: &str, status: VerificationStatus, facts: Option<serde_json::Value>, checked_at: &str,
    issuer_org: Option<&str>,
) -> serde_json::Value {
    let (key, css) = status_keys(status);
    let explain = if status == VerificationStatus::Replaced {
        "verify.replaced_explain"
    } else {
        "verify.invalid_explain"
    };
    let what_now = what_now(status).map(
        |(means, act)| json!({"means": i18n::text(lang, means), "act": i18n::text(lang, act)}),
    );
    json!({
        "lang": lang,
        "dir": if i18n::is_rtl(lang) { "rtl" } else { "ltr" },
        "title": i18n::text(lang, key),
        "status_text": i18n::text(lang, key),
        "status_class": css,
        "facts": facts,
        "explain": i18n::text(lang, explain),
        "what_now": what_now,
        "checked_at": checked_at,
        "langs": language_links(lang),
        "statement_org": issuer_org,
    })
}

/// The offline answers, as `static/verifier.js` names them, with their status text and
/// colour.
const OFFLINE_ANSWERS: [(&str, &str, &str); 6] = [
    ("valid", "verify.offline_valid", "valid"),
    ("stale", "verify.offline_stale", "stale"),
    ("unusable", "verify.offline_unusable", "stale"),
    ("revoked", "verify.revoked", "revoked"),
    ("replaced", "verify.replaced", "invalid"),
    ("invalid", "verify.invalid", "invalid"),
];

/// The fields the service worker fills in, named; a marker is the name between the
/// private-use characters.
const OFFLINE_FIELDS: [&str; 10] = [
    "holder_name",
    "course_title",
    "course_code",
    "completion_date",
    "issuer_name",
    "code",
    "issuer_contact",
    "checked_at",
    "issuer_org",
    "list_time",
];

fn named_marker(name: &str) -> String {
    format!("{OPEN}{name}{CLOSE}")
}

/// The result page of every offline answer in one language, from the same template as
/// the server's, with markers where the service worker puts the checked token's facts
/// (escaped): `{"pages": {"valid": html, "valid+contact": html, …}, "fields": […],
/// "no_list": "…"}`.
pub fn offline_templates(lang: &str) -> Result<&'static serde_json::Value, AppError> {
    // Rendered once per language: the templates do not change while the service runs.
    static RENDERED: [OnceLock<serde_json::Value>; LANGS.len()] =
        [const { OnceLock::new() }; LANGS.len()];
    let i = LANGS.iter().position(|l| *l == lang).unwrap_or(0);
    if let Some(done) = RENDERED[i].get() {
        return Ok(done);
    }
    let rendered = render_offline_templates(LANGS[i])?;
    Ok(RENDERED[i].get_or_init(|| rendered))
}

fn render_offline_templates(lang: &str) -> Result<serde_json::Value, AppError> {
    let mut pages = serde_json::Map::new();
    for (answer, key, css) in OFFLINE_ANSWERS {
        let with_facts = !matches!(answer, "replaced" | "invalid");
        for contact in [false, true] {
            if contact && !with_facts {
                continue;
            }
            let facts = with_facts.then(|| {
                json!({
                    "holder_name": named_marker("holder_name"),
                    "course_title": named_marker("course_title"),
                    "course_code": named_marker("course_code"),
                    "completion_date": named_marker("completion_date"),
                    "issuer_name": named_marker("issuer_name"),
                    "code": named_marker("code"),
                    "issuer_contact": contact.then(|| named_marker("issuer_contact")),
                    "name_erased": false,
                })
            });
            let status = match answer {
                "revoked" => VerificationStatus::Revoked,
                "replaced" => VerificationStatus::Replaced,
                "invalid" => VerificationStatus::Invalid,
                _ => VerificationStatus::Valid,
            };
            let org = named_marker("issuer_org");
            let mut ctx = context(
                lang,
                status,
                facts,
                &named_marker("checked_at"),
                with_facts.then_some(org.as_str()),
            );
            ctx["title"] = json!(i18n::text(lang, key));
            ctx["status_text"] = json!(i18n::text(lang, key));
            ctx["status_class"] = json!(css);
            ctx["offline"] = json!({ "list_time": named_marker("list_time") });
            if css == "stale" {
                ctx["what_now"] = json!({
                    "means": i18n::text(lang, &format!("verify.offline_{answer}_means")),
                    "act": i18n::text(lang, "verify.offline_stale_do"),
                });
            }
            let name = if contact { format!("{answer}+contact") } else { answer.to_string() };
            pages.insert(name, json!(templates::render("pages/verification/result", &ctx)?));
        }
    }
    Ok(json!({
        "lang": lang,
        "pages": pages,
        "fields": OFFLINE_FIELDS,
        "open": OPEN.to_string(),
        "close": CLOSE.to_string(),
        "no_list": i18n::text(lang, "verify.offline_no_list"),
    }))
}

/// The words `static/pruefen.js` shows, in the page's language.
pub fn offline_app_texts(lang: &str) -> serde_json::Value {
    const KEYS: [&str; 29] = [
        "pruefen.state_loading",
        "pruefen.state_ready",
        "pruefen.state_stale",
        "pruefen.state_missing",
        "pruefen.state_unsupported",
        "pruefen.refresh_failed",
        "pruefen.bulk_too_many",
        "pruefen.bulk_empty",
        "pruefen.only_online",
        "pruefen.not_a_code",
        "pruefen.waiting",
        "pruefen.how_online",
        "pruefen.how_offline",
        "pruefen.col_input",
        "pruefen.col_result",
        "pruefen.col_name",
        "pruefen.col_course",
        "pruefen.col_date",
        "pruefen.col_how",
        "verify.valid",
        "verify.revoked",
        "verify.replaced",
        "verify.invalid",
        "verify.offline_valid",
        "verify.offline_stale",
        "verify.offline_unusable",
        "verify.offline_no_list",
        "verify.too_many_title",
        "verify.code_problem",
    ];
    let texts: serde_json::Map<String, serde_json::Value> =
        KEYS.iter().map(|k| (k.to_string(), json!(i18n::text(lang, k)))).collect();
    json!(texts)
}

/// `name_erased`: a typed code of an erased holder's certificate, whose name is not
/// stored any more (a scanned token brings its own). `contact`: whether the issuer has
/// an address or contact to show.
fn build(
    lang: &str, status: VerificationStatus, name_erased: bool, contact: bool,
) -> Result<Skeleton, AppError> {
    let with_facts = matches!(status, VerificationStatus::Valid | VerificationStatus::Revoked);
    let facts = with_facts.then(|| {
        json!({
            "holder_name": marker(0),
            "course_title": marker(1),
            "course_code": marker(2),
            "completion_date": marker(3),
            "issuer_name": marker(4),
            "code": marker(5),
            "issuer_contact": contact.then(|| marker(6)),
            "name_erased": name_erased,
        })
    });
    let org = marker(8);
    let ctx = context(lang, status, facts, &marker(7), with_facts.then_some(org.as_str()));
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
    lang: &str, status: VerificationStatus, name_erased: bool, contact: bool,
) -> Result<&'static Skeleton, AppError> {
    let l = LANGS.iter().position(|x| *x == lang).unwrap_or(0);
    let s = STATUSES.iter().position(|x| *x == status).unwrap_or(3);
    let i = ((l * STATUSES.len() + s) * 2 + usize::from(name_erased)) * 2 + usize::from(contact);
    if let Some(done) = SKELETONS[i].get() {
        return Ok(done);
    }
    let built = build(LANGS[l], status, name_erased, contact)?;
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

/// The issuer's address and contact as the page shows them: the address, then phone and
/// e-mail on one line.
fn contact_text(f: &CertificateFacts) -> String {
    contact_lines(&f.issuer_address, &f.issuer_phone, &f.issuer_email)
}

pub(crate) fn contact_lines(address: &str, phone: &str, email: &str) -> String {
    let reach: Vec<&str> =
        [phone.trim(), email.trim()].into_iter().filter(|s| !s.is_empty()).collect();
    [address.trim().to_string(), reach.join(" · ")]
        .into_iter()
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join("\n")
}

/// The result page for one check (never with the key's fingerprint: it means nothing to a
/// landlord; the API and the command line still give it).
pub fn render(
    lang: &str, status: VerificationStatus, facts: Option<&CertificateFacts>, checked_at: &str,
) -> Result<String, AppError> {
    let name_erased = facts.is_some_and(|f| f.name_erased);
    let contact = facts.map(contact_text).filter(|c| !c.is_empty());
    let sk = skeleton(lang, status, name_erased, contact.is_some())?;
    let date = facts.map(|f| crate::time::fmt_date(f.completion_date));
    let org = facts.map(|f| f.issuer_org.0.to_string());
    let mut out = String::with_capacity(sk.literal_len + 256);
    for piece in &sk.pieces {
        let value = match piece {
            Piece::Literal(text) => {
                out.push_str(text);
                continue;
            }
            Piece::Slot(Slot::CheckedAt) => Some(checked_at),
            Piece::Slot(Slot::IssuerContact) => contact.as_deref(),
            Piece::Slot(Slot::IssuerOrg) => org.as_deref(),
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

    fn facts(name: &str, address: &str) -> CertificateFacts {
        CertificateFacts {
            holder_name: name.into(),
            course_title: "Mietführerschein".into(),
            course_code: "MS-1".into(),
            completion_date: NaiveDate::from_ymd_opt(2026, 11, 20).unwrap(),
            issuer_name: "Stadt Beispiel".into(),
            issuer_org: crate::ids::OrgId(7),
            issuer_address: address.into(),
            issuer_phone: String::new(),
            issuer_email: "info@beispiel.example".into(),
            code: "8A13-F000-4299-FF01".into(),
            key_fingerprint: Some("AB:CD:EF".into()),
            name_erased: false,
        }
    }

    /// The spliced page must be byte for byte what handlebars renders directly.
    fn direct(lang: &str, status: VerificationStatus, f: Option<&CertificateFacts>) -> String {
        let facts = f.map(|f| {
            json!({
                "holder_name": f.holder_name,
                "course_title": f.course_title,
                "course_code": f.course_code,
                "completion_date": crate::time::fmt_date(f.completion_date),
                "issuer_name": f.issuer_name,
                "code": f.code,
                "issuer_contact": Some(contact_text(f)).filter(|c| !c.is_empty()),
                "name_erased": f.name_erased,
            })
        });
        let org = f.map(|f| f.issuer_org.0.to_string());
        let ctx = context(lang, status, facts, "25.11.2026 14:03", org.as_deref());
        templates::render("pages/verification/result", &ctx).unwrap()
    }

    #[test]
    fn spliced_page_equals_the_directly_rendered_template() {
        let hostile = facts("Ali <script>alert('x')</script> & \"Söhne\" `=`", "<b>Markt 1</b>");
        let plain = facts("Olena Kovalenko", "");
        for lang in LANGS {
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
        let f = facts("<b>x</b>", "");
        let page = render("de", VerificationStatus::Valid, Some(&f), "now").unwrap();
        assert!(page.contains("&lt;b&gt;x&lt;/b&gt;"));
        assert!(!page.contains("<b>x"));
        assert!(!page.contains(OPEN) && !page.contains(CLOSE));
    }

    #[test]
    fn the_key_fingerprint_is_never_on_the_page() {
        let f = facts("Olena Kovalenko", "Markt 1");
        for lang in LANGS {
            let page = render(lang, VerificationStatus::Valid, Some(&f), "now").unwrap();
            assert!(!page.contains("AB:CD:EF"), "{lang}");
            assert!(page.contains("Markt 1") && page.contains("info@beispiel.example"));
            assert!(page.contains("/barrierefreiheit/7"), "{lang}: {page}");
        }
    }
}
