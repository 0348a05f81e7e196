//! The certificate settings of an organisation before its first issue (issue 14): the
//! issuer's address and contact printed on the letterhead, and a checklist (logo, signature
//! image, address, contact, the sample approved).
//!
//! Rules:
//! - The approval ("Muster freigeben") stores who approved it, when, and a fingerprint of
//!   everything the sample printed from the settings (issuer and signatory lines, logo,
//!   signature image, address, contact). It holds while the fingerprint matches: a later
//!   change of any of them, through whichever page or API, withdraws it without a hook in
//!   that page.
//! - Nothing here blocks issuing; the issue confirmation warns about what is missing.
//! - Address and contact are printed text: refused when the certificate fonts cannot print
//!   them (`validate::printable`), like every other printed setting.

use sha2::{Digest, Sha256};

use super::models::{
    CertificateProfile, CertificateProfileInput, CertificateSettings, ChecklistItem,
    ChecklistItemKind,
};
use super::repo;
use crate::audit;
use crate::auth::Actor;
use crate::db::{dialect, DbConn};
use crate::error::{AppError, AppResult};
use crate::i18n::Text;
use crate::ids::OrgId;
use crate::orgs;
use crate::orgs::models::ImageKind;
use crate::validate::printable::{optional_printed_text, Printed};

const MAX_ADDRESS: usize = 120;
const MAX_CONTACT: usize = 100;
const MAX_SEAT: usize = 60;
const MAX_VENUE: usize = 100;

/// The organisation's profile, or an empty one when nothing was saved yet.
pub fn profile_of(conn: &mut DbConn, org: OrgId) -> AppResult<CertificateProfile> {
    Ok(repo::profile(conn, org)?.unwrap_or_else(|| CertificateProfile {
        organisation_id: org,
        issuer_address: String::new(),
        contact_phone: String::new(),
        contact_email: String::new(),
        contact_website: String::new(),
        approved_fingerprint: None,
        approved_at: None,
        approved_by: None,
        updated_at: crate::time::now_utc(),
        issuer_seat: String::new(),
        venue_phrase: String::new(),
    }))
}

/// The lines printed under the issuer's name: the address, then the contact on one line.
pub fn letterhead_lines(profile: &CertificateProfile) -> Vec<String> {
    let contact: Vec<&str> =
        [&profile.contact_phone, &profile.contact_email, &profile.contact_website]
            .into_iter()
            .map(|s| s.trim())
            .filter(|s| !s.is_empty())
            .collect();
    let mut lines = Vec::new();
    if !profile.issuer_address.trim().is_empty() {
        lines.push(profile.issuer_address.trim().to_string());
    }
    if !contact.is_empty() {
        lines.push(contact.join(" · "));
    }
    lines
}

/// A hash of everything the sample shows from the settings: what an approval saw.
fn fingerprint(conn: &mut DbConn, org: OrgId, profile: &CertificateProfile) -> AppResult<String> {
    let o = orgs::service::get(conn, org)?;
    let mut h = Sha256::new();
    let mut part = |bytes: &[u8]| {
        // Length-prefixed, so moving text from one field to the next changes the hash.
        h.update((bytes.len() as u64).to_be_bytes());
        h.update(bytes);
    };
    for text in [&o.issuer_name, &o.signatory_name, &o.signatory_title] {
        part(text.as_bytes());
    }
    for kind in ImageKind::ALL {
        let image = orgs::service::image(conn, org, kind)?;
        part(image.as_ref().map_or(&[][..], |(_, bytes)| bytes.as_slice()));
    }
    for text in [
        &profile.issuer_address,
        &profile.contact_phone,
        &profile.contact_email,
        &profile.contact_website,
    ] {
        part(text.as_bytes());
    }
    // Only when set, so approvals given before these fields existed still hold.
    if !profile.issuer_seat.is_empty() || !profile.venue_phrase.is_empty() {
        part(profile.issuer_seat.as_bytes());
        part(profile.venue_phrase.as_bytes());
    }
    Ok(hex(&h.finalize()))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The settings and the checklist of an organisation (no role check: the callers did).
pub fn settings_of(conn: &mut DbConn, org: OrgId) -> AppResult<CertificateSettings> {
    let profile = profile_of(conn, org)?;
    let logo = orgs::service::image(conn, org, ImageKind::Logo)?.is_some();
    let signature = orgs::service::image(conn, org, ImageKind::Signature)?.is_some();
    let current = fingerprint(conn, org, &profile)?;
    let approved = profile.approved_fingerprint.as_deref() == Some(current.as_str());
    let approval_withdrawn = profile.approved_fingerprint.is_some() && !approved;
    let approved_by = match (approved, profile.approved_by) {
        (true, Some(id)) => crate::auth::service::user(conn, id)?.map(|u| u.display_name),
        _ => None,
    };
    let contact = [&profile.contact_phone, &profile.contact_email, &profile.contact_website]
        .iter()
        .any(|s| !s.trim().is_empty());
    let item = |item, done, key: &'static str, fix: &str| ChecklistItem {
        item,
        done,
        label: Text::key(key).to_string(),
        fix: fix.to_string(),
    };
    let checklist = vec![
        item(ChecklistItemKind::Logo, logo, "certs.check_logo", "/certificate-settings#images"),
        item(
            ChecklistItemKind::Signature,
            signature,
            "certs.check_signature",
            "/certificate-settings#images",
        ),
        item(
            ChecklistItemKind::Address,
            !profile.issuer_address.trim().is_empty(),
            "certs.check_address",
            "/certificate-settings#profile",
        ),
        item(
            ChecklistItemKind::Contact,
            contact,
            "certs.check_contact",
            "/certificate-settings#profile",
        ),
        item(
            ChecklistItemKind::Approval,
            approved,
            "certs.check_approval",
            "/certificate-settings#approval",
        ),
    ];
    Ok(CertificateSettings {
        complete: checklist.iter().all(|i| i.done),
        checklist,
        issuer_address: profile.issuer_address,
        contact_phone: profile.contact_phone,
        contact_email: profile.contact_email,
        contact_website: profile.contact_website,
        issuer_seat: profile.issuer_seat,
        venue_phrase: profile.venue_phrase,
        logo,
        signature,
        approved,
        approved_at: profile.approved_at.filter(|_| approved),
        approved_when: profile.approved_at.filter(|_| approved).map(crate::time::fmt_datetime),
        approved_by,
        approval_withdrawn,
    })
}

/// The caller's organisation's certificate settings (coordinators).
pub fn settings(conn: &mut DbConn, actor: &Actor) -> AppResult<CertificateSettings> {
    let org = actor.coordinator_org()?;
    settings_of(conn, org)
}

/// The input checked: each field optional, printable, of bounded length; the e-mail and
/// phone in their forms; a website without spaces and with a dot.
fn checked(input: &CertificateProfileInput) -> AppResult<CertificateProfileInput> {
    let text = |field: &'static str, label: &'static str, value: &str, max: usize| {
        optional_printed_text(field, label, Some(value), max, Printed::Text)
            .map(Option::unwrap_or_default)
    };
    let issuer_address =
        text("issuer_address", "certs.label_address", &input.issuer_address, MAX_ADDRESS)?;
    let contact_phone =
        crate::validate::optional_phone("contact_phone", Some(&input.contact_phone))?
            .unwrap_or_default();
    let contact_email =
        crate::validate::optional_email("contact_email", Some(&input.contact_email))?
            .unwrap_or_default();
    let contact_website =
        text("contact_website", "certs.label_website", &input.contact_website, MAX_CONTACT)?;
    if !contact_website.is_empty()
        && (contact_website.contains(char::is_whitespace) || !contact_website.contains('.'))
    {
        return Err(AppError::invalid("contact_website", Text::key("error.certs.website")));
    }
    // The e-mail and phone are printed too.
    for (field, label, value) in [
        ("contact_email", "certs.label_email", &contact_email),
        ("contact_phone", "certs.label_phone", &contact_phone),
    ] {
        text(field, label, value, MAX_CONTACT)?;
    }
    let issuer_seat = text("issuer_seat", "certs.label_seat", &input.issuer_seat, MAX_SEAT)?;
    let venue_phrase = text("venue_phrase", "certs.label_venue", &input.venue_phrase, MAX_VENUE)?;
    Ok(CertificateProfileInput {
        issuer_address,
        contact_phone,
        contact_email,
        contact_website,
        issuer_seat,
        venue_phrase,
    })
}

/// Saves the issuer's address and contact (audited). A change withdraws the approval by
/// itself: the fingerprint no longer matches.
pub fn update(
    conn: &mut DbConn, actor: &Actor, input: &CertificateProfileInput,
) -> AppResult<CertificateSettings> {
    let org = actor.coordinator_org()?;
    let input = checked(input)?;
    crate::db::write_transaction(conn, |conn| {
        dialect::lock_for_update(conn, "organisations", org)?;
        let mut profile = profile_of(conn, org)?;
        profile.issuer_address = input.issuer_address.clone();
        profile.contact_phone = input.contact_phone.clone();
        profile.contact_email = input.contact_email.clone();
        profile.contact_website = input.contact_website.clone();
        profile.issuer_seat = input.issuer_seat.clone();
        profile.venue_phrase = input.venue_phrase.clone();
        profile.updated_at = crate::time::now_utc();
        repo::save_profile(conn, &profile)?;
        audit::Entry::new(Some(org), Some(actor.user_id), "certificate.profile")
            .on("organisation", Some(org.into()))
            .record(conn)?;
        settings_of(conn, org)
    })
}

/// "Muster freigeben": the settings as they are now are approved by the caller.
pub fn approve(conn: &mut DbConn, actor: &Actor) -> AppResult<CertificateSettings> {
    let org = actor.coordinator_org()?;
    crate::db::write_transaction(conn, |conn| {
        dialect::lock_for_update(conn, "organisations", org)?;
        let mut profile = profile_of(conn, org)?;
        let now = crate::time::now_utc();
        profile.approved_fingerprint = Some(fingerprint(conn, org, &profile)?);
        profile.approved_at = Some(now);
        profile.approved_by = Some(actor.user_id);
        profile.updated_at = now;
        repo::save_profile(conn, &profile)?;
        audit::Entry::new(Some(org), Some(actor.user_id), "certificate.approve_sample")
            .on("organisation", Some(org.into()))
            .record(conn)?;
        settings_of(conn, org)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn profile(address: &str, phone: &str, email: &str, web: &str) -> CertificateProfile {
        CertificateProfile {
            organisation_id: OrgId(1),
            issuer_address: address.into(),
            contact_phone: phone.into(),
            contact_email: email.into(),
            contact_website: web.into(),
            approved_fingerprint: None,
            approved_at: None,
            approved_by: None,
            updated_at: chrono::NaiveDateTime::default(),
            issuer_seat: String::new(),
            venue_phrase: String::new(),
        }
    }

    #[test]
    fn the_letterhead_prints_address_then_the_contact_on_one_line() {
        assert!(letterhead_lines(&profile("", " ", "", "")).is_empty());
        assert_eq!(
            letterhead_lines(&profile(
                "Lindenaustr. 9, 04600 Altenburg",
                "03447 586-0",
                "",
                "lra.de"
            )),
            vec!["Lindenaustr. 9, 04600 Altenburg".to_string(), "03447 586-0 · lra.de".into()]
        );
        assert_eq!(letterhead_lines(&profile("", "", "info@lra.de", "")), vec!["info@lra.de"]);
    }

    #[test]
    fn a_website_needs_a_dot_and_no_spaces() {
        let input = |web: &str| CertificateProfileInput {
            contact_website: web.into(),
            ..Default::default()
        };
        assert!(checked(&input("www.altenburgerland.de")).is_ok());
        assert!(checked(&input("")).is_ok());
        assert_eq!(checked(&input("kein web")).unwrap_err().field(), Some("contact_website"));
        assert_eq!(checked(&input("localhost")).unwrap_err().field(), Some("contact_website"));
    }
}
