//! The participant's own page: a personal link, sent with every certificate mail and never
//! printed on a certificate, where the person sees their certificates, downloads the PDF
//! again, sees on which days each was checked (counts only) and can ask for their data.
//!
//! Rules:
//! - The link is `<PUBLIC_URL>/meine-bescheinigungen/<token>`, the token base64url of the
//!   participant's id, a random nonce and an HMAC-SHA256 over both (truncated to 128 bits)
//!   under a key derived from the deployment's session key. The database holds only the
//!   nonce, which opens nothing by itself; the same link goes out in every mail until a
//!   coordinator makes a new one ("Link neu erzeugen": a new nonce, old links stop working).
//! - A token is checked (length, encoding, HMAC in constant time) before the database is
//!   read, so a forged or mistyped one costs nothing and answers like any unknown link: 404.
//!   A link whose nonce is no longer the participant's, or of an erased participant, is 404
//!   too.
//! - The page shows nothing about who checked a certificate: only the days and how often.
//!   Only valid certificates can be downloaded.

use chrono::NaiveDate;
use hmac::{Hmac, Mac};
use rand::RngCore;
use serde::Serialize;
use sha2::{Digest, Sha256};
use utoipa::ToSchema;

use super::models::{Certificate, CertificateStatus};
use super::repo;
use super::service::{display_code, CertificateIssuer};
use crate::audit;
use crate::auth::Actor;
use crate::db::DbConn;
use crate::error::{AppError, AppResult};
use crate::i18n;
use crate::ids::{OrgId, ParticipantId};
use crate::orgs;
use crate::participants;
use crate::planning;

const NONCE_BYTES: usize = 16;
const TAG_BYTES: usize = 16;
const TOKEN_BYTES: usize = 4 + NONCE_BYTES + TAG_BYTES;
/// base64url without padding of [`TOKEN_BYTES`].
pub const TOKEN_CHARS: usize = TOKEN_BYTES.div_ceil(3) * 4;
/// The path of the page below the public address.
pub const PATH: &str = "/meine-bescheinigungen";

/// The key that signs own-page links, derived from the session key so that it needs no
/// setting of its own and changes when the operator replaces the session key.
#[derive(Clone)]
pub struct OwnPageKey([u8; 32]);

impl OwnPageKey {
    pub fn derive(session_key: &[u8]) -> OwnPageKey {
        let mut h = Sha256::new();
        h.update(b"mietschulung own-page link\0");
        h.update(session_key);
        OwnPageKey(h.finalize().into())
    }

    fn mac(&self, id: [u8; 4], nonce: &[u8]) -> Hmac<Sha256> {
        // An HMAC takes a key of any length.
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.0).expect("HMAC accepts any key");
        mac.update(&id);
        mac.update(nonce);
        mac
    }

    /// The token of a participant's link with this nonce.
    pub fn token(&self, participant_id: ParticipantId, nonce: &[u8; NONCE_BYTES]) -> String {
        let id = participant_id.0.to_be_bytes();
        let tag = self.mac(id, nonce).finalize().into_bytes();
        let mut raw = Vec::with_capacity(TOKEN_BYTES);
        raw.extend_from_slice(&id);
        raw.extend_from_slice(nonce);
        raw.extend_from_slice(&tag[..TAG_BYTES]);
        data_encoding::BASE64URL_NOPAD.encode(&raw)
    }

    /// The participant and nonce of a token this key made, or `None` for anything else.
    /// Reads nothing but the token.
    pub fn open(&self, token: &str) -> Option<(ParticipantId, [u8; NONCE_BYTES])> {
        if token.len() != TOKEN_CHARS {
            return None;
        }
        let raw = data_encoding::BASE64URL_NOPAD.decode(token.as_bytes()).ok()?;
        if raw.len() != TOKEN_BYTES {
            return None;
        }
        let id: [u8; 4] = raw[..4].try_into().ok()?;
        let nonce: [u8; NONCE_BYTES] = raw[4..4 + NONCE_BYTES].try_into().ok()?;
        self.mac(id, &nonce).verify_truncated_left(&raw[4 + NONCE_BYTES..]).ok()?;
        let id = i32::from_be_bytes(id);
        (id > 0).then_some((ParticipantId(id), nonce))
    }
}

fn new_nonce() -> [u8; NONCE_BYTES] {
    let mut nonce = [0u8; NONCE_BYTES];
    rand::rngs::OsRng.fill_bytes(&mut nonce);
    nonce
}

fn encode_nonce(nonce: &[u8; NONCE_BYTES]) -> String {
    data_encoding::BASE64URL_NOPAD.encode(nonce)
}

fn url(
    issuer: &CertificateIssuer, participant_id: ParticipantId, nonce: &[u8; NONCE_BYTES],
) -> String {
    let base = issuer.public_url.trim_end_matches('/');
    format!("{base}{PATH}/{}", issuer.own_page.token(participant_id, nonce))
}

/// The participant's current link, made on first use; inside the caller's transaction (the
/// certificate mail is queued in the issuing one).
pub fn current_link(
    conn: &mut DbConn, issuer: &CertificateIssuer, org: OrgId, participant_id: ParticipantId,
) -> AppResult<Option<String>> {
    let Some((holder_org, nonce, erased, _)) = repo::own_page_holder(conn, participant_id)? else {
        return Ok(None);
    };
    if holder_org != org || erased {
        return Ok(None);
    }
    let stored = nonce.and_then(|n| decode_nonce(&n));
    let nonce = match stored {
        Some(n) => n,
        None => {
            let n = new_nonce();
            repo::set_own_page_nonce(conn, org, participant_id, &encode_nonce(&n))?;
            n
        }
    };
    Ok(Some(url(issuer, participant_id, &nonce)))
}

fn decode_nonce(stored: &str) -> Option<[u8; NONCE_BYTES]> {
    data_encoding::BASE64URL_NOPAD.decode(stored.as_bytes()).ok()?.try_into().ok()
}

/// A new link, shown once: the coordinator passes it on. Every earlier link stops working.
#[derive(Debug, Serialize, ToSchema)]
pub struct OwnPageLink {
    #[schema(value_type = i32)]
    pub participant_id: ParticipantId,
    pub url: String,
}

/// "Link neu erzeugen" (coordinators): a new nonce for a participant of their organisation;
/// audited. An erased participant has no page (404).
pub fn renew_link(
    conn: &mut DbConn, issuer: &CertificateIssuer, actor: &Actor, participant_id: ParticipantId,
) -> AppResult<OwnPageLink> {
    let org = actor.coordinator_org()?;
    crate::db::write_transaction(conn, |conn| {
        let nonce = new_nonce();
        if !repo::set_own_page_nonce(conn, org, participant_id, &encode_nonce(&nonce))? {
            return Err(AppError::not_found("thing.participant"));
        }
        audit::Entry::new(Some(org), Some(actor.user_id), "participant.own_page_link")
            .on("participant", Some(participant_id.into()))
            .about_participant(participant_id)
            .record(conn)?;
        Ok(OwnPageLink { participant_id, url: url(issuer, participant_id, &nonce) })
    })
}

/// The confirmation page before "Link neu erzeugen".
#[derive(Debug, Serialize)]
pub struct RenewConfirmation {
    pub participant_id: ParticipantId,
    pub name: String,
    /// The run page to return to, when the coordinator came from one.
    pub run_id: Option<crate::ids::RunId>,
}

pub fn renew_confirmation(
    conn: &mut DbConn, actor: &Actor, participant_id: ParticipantId,
    run_id: Option<crate::ids::RunId>,
) -> AppResult<RenewConfirmation> {
    let org = actor.coordinator_org()?;
    let p = participants::service::get(conn, org, participant_id)?;
    match repo::own_page_holder(conn, participant_id)? {
        Some((holder_org, _, false, _)) if holder_org == org => {}
        _ => return Err(AppError::not_found("thing.participant")),
    }
    let run_id = match run_id {
        Some(run) => Some(planning::service::get_run(conn, org, run)?.id),
        None => None,
    };
    Ok(RenewConfirmation { participant_id, name: p.full_name(), run_id })
}

/// Whom a valid, current link belongs to.
struct Holder {
    org: OrgId,
    participant_id: ParticipantId,
    lang: &'static str,
}

/// The holder of a link: the HMAC first, then the database. Anything else is not found.
fn holder(conn: &mut DbConn, issuer: &CertificateIssuer, token: &str) -> AppResult<Holder> {
    let unknown = || AppError::not_found("own.thing");
    let (participant_id, nonce) = issuer.own_page.open(token).ok_or_else(unknown)?;
    let (org, stored, erased, preferred) =
        repo::own_page_holder(conn, participant_id)?.ok_or_else(unknown)?;
    let current = stored.and_then(|n| decode_nonce(&n)).ok_or_else(unknown)?;
    // Both nonces are public once the HMAC held; comparing them needs no constant time.
    if erased || current != nonce {
        return Err(unknown());
    }
    Ok(Holder { org, participant_id, lang: page_language(&preferred) })
}

/// The participant's language when the page has words in it; German otherwise.
pub fn page_language(preferred: &str) -> &'static str {
    i18n::PARTICIPANT_LANGUAGES
        .iter()
        .map(|(code, _)| *code)
        .find(|code| *code == preferred && i18n::has_text(code, "own.title"))
        .unwrap_or(i18n::DEFAULT_LANG)
}

/// One certificate on the page.
#[derive(Debug, Serialize)]
pub struct OwnCertificate {
    pub course_title: String,
    pub completion_date: String,
    pub status: CertificateStatus,
    pub status_label: String,
    pub code: String,
    /// Only for a valid certificate.
    pub pdf_link: Option<String>,
    pub checks: Vec<CheckDay>,
    pub total_checks: i64,
}

/// On which day a certificate was checked, and how often (nothing about who checked).
#[derive(Debug, Serialize)]
pub struct CheckDay {
    pub day: String,
    pub count: i32,
}

/// The page: German words come from the locale of `lang` in the template.
#[derive(Debug, Serialize)]
pub struct OwnPage {
    pub lang: &'static str,
    pub dir: &'static str,
    pub organisation: String,
    /// Whose accessibility statement the footer links to.
    pub statement_org: i32,
    pub holder_name: Option<String>,
    pub certificates: Vec<OwnCertificate>,
    /// Where "Meine Daten anfordern" posts to (the page's own address).
    pub export_action: String,
}

fn status_label(lang: &str, status: CertificateStatus) -> String {
    let key = match status {
        CertificateStatus::Valid => "own.status.valid",
        CertificateStatus::Revoked => "own.status.revoked",
        CertificateStatus::Replaced => "own.status.replaced",
    };
    i18n::text(lang, key)
}

fn fmt_day(d: NaiveDate) -> String {
    crate::time::fmt_date(d)
}

/// The own page of a link (see the module's rules).
pub fn page(conn: &mut DbConn, issuer: &CertificateIssuer, token: &str) -> AppResult<OwnPage> {
    let h = holder(conn, issuer, token)?;
    let org = orgs::service::get(conn, h.org)?;
    let certs = repo::list_for_participant(conn, h.org, h.participant_id)?;
    let days = repo::check_days_for_participant(conn, h.org, h.participant_id)?;
    let certificates = certs
        .iter()
        .map(|c| {
            let checks: Vec<CheckDay> = days
                .iter()
                .filter(|(id, _, _)| *id == c.id)
                .map(|(_, day, n)| CheckDay { day: fmt_day(*day), count: *n })
                .collect();
            let code = display_code(&c.code);
            OwnCertificate {
                course_title: c.course_title.clone(),
                completion_date: fmt_day(c.completion_date),
                status: c.status,
                status_label: status_label(h.lang, c.status),
                pdf_link: (c.status == CertificateStatus::Valid)
                    .then(|| format!("{PATH}/{token}/{code}.pdf")),
                code,
                total_checks: checks.iter().map(|d| i64::from(d.count)).sum(),
                checks,
            }
        })
        .collect();
    Ok(OwnPage {
        lang: h.lang,
        dir: if i18n::is_rtl(h.lang) { "rtl" } else { "ltr" },
        organisation: org.name,
        statement_org: h.org.0,
        holder_name: certs
            .iter()
            .find(|c| !c.holder_name.is_empty())
            .map(|c| c.holder_name.clone()),
        certificates,
        export_action: format!("{PATH}/{token}"),
    })
}

/// The PDF of one of the link holder's valid certificates, by its printed code: (file
/// name, bytes). Another code, or one not valid, is not found.
pub fn pdf(
    conn: &mut DbConn, issuer: &CertificateIssuer, token: &str, code: &str,
) -> AppResult<(String, Vec<u8>)> {
    let h = holder(conn, issuer, token)?;
    let cert: Certificate = repo::list_for_participant(conn, h.org, h.participant_id)?
        .into_iter()
        .find(|c| c.status == CertificateStatus::Valid && display_code(&c.code) == code)
        .ok_or_else(|| AppError::not_found("thing.certificate"))?;
    let org = orgs::service::get(conn, h.org)?;
    let run = planning::service::get_run(conn, h.org, cert.run_id)?;
    let bytes = super::service::render_pdf(conn, issuer, &cert, &org, &run)?;
    Ok((super::service::pdf_file_name(&cert), bytes))
}

/// Whose data a link asks for with "Meine Daten anfordern": (organisation, participant,
/// language of the page), with the request recorded as the person's own access request.
/// For the full disclosure (`privacy::access`), which sits above this layer.
pub fn export_subject(
    conn: &mut DbConn, issuer: &CertificateIssuer, token: &str,
) -> AppResult<(OrgId, ParticipantId, &'static str)> {
    let h = holder(conn, issuer, token)?;
    crate::db::write_transaction(conn, |conn| {
        audit::Entry::new(Some(h.org), None, "participant.export")
            .on("participant", Some(h.participant_id.into()))
            .about_participant(h.participant_id)
            .detail("own_page")
            .record(conn)
    })?;
    Ok((h.org, h.participant_id, h.lang))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn key() -> OwnPageKey {
        OwnPageKey::derive(b"a session key of the test deployment, long enough for real use")
    }

    #[test]
    fn a_token_opens_only_with_its_key() {
        let nonce = [7u8; NONCE_BYTES];
        let token = key().token(ParticipantId(42), &nonce);
        assert_eq!(token.len(), TOKEN_CHARS);
        assert_eq!(key().open(&token), Some((ParticipantId(42), nonce)));
        assert_eq!(OwnPageKey::derive(b"another key").open(&token), None);
    }

    proptest! {
        /// Changing any character of a token (or its length) never opens it for anyone.
        #[test]
        fn a_tampered_token_never_opens(
            id in 1i32..i32::MAX, nonce in any::<[u8; 16]>(), at in 0usize..TOKEN_CHARS,
            with in "[A-Za-z0-9_-]",
        ) {
            let token = key().token(ParticipantId(id), &nonce);
            let mut chars: Vec<char> = token.chars().collect();
            let new = with.chars().next().unwrap_or('A');
            prop_assume!(chars[at] != new);
            chars[at] = new;
            let tampered: String = chars.into_iter().collect();
            prop_assert_eq!(key().open(&tampered), None);
            prop_assert_eq!(key().open(&token[..TOKEN_CHARS - 1]), None);
        }

        /// Whatever is sent as a token, opening it answers without panicking.
        #[test]
        fn any_text_is_refused_or_opened_without_panic(text in "\\PC{0,80}") {
            let _ = key().open(&text);
        }
    }
}
