use std::collections::HashMap;
use std::time::{Duration, Instant};

use chrono::NaiveDate;
use serde::Serialize;
use utoipa::ToSchema;

use super::counter::CheckCounter;
use crate::certificates::cache::LookupCache;

/// What the public check keeps in memory: counts waiting to be written, recent database
/// answers, and how often it asked the database.
#[derive(Default)]
pub struct PublicChecks {
    pub counter: std::sync::Arc<CheckCounter>,
    pub lookups: LookupCache,
    database_reads: std::sync::atomic::AtomicU64,
    /// Each issuer's address and contact for the page, kept a minute: they change rarely,
    /// and a flat viewing scans one issuer's codes many times.
    contacts: std::sync::Mutex<HashMap<OrgId, (Instant, IssuerContact)>>,
}

/// The issuer's address and contact from its certificate settings (empty when none).
#[derive(Debug, Clone, Default)]
struct IssuerContact {
    address: String,
    phone: String,
    email: String,
}

const CONTACT_TTL: Duration = Duration::from_secs(60);

impl PublicChecks {
    /// Certificate lookups that went to the database (not answered from memory), since
    /// start: a typed code that fails its check or a token that fails its signature must
    /// leave this unchanged.
    pub fn database_reads(&self) -> u64 {
        self.database_reads.load(std::sync::atomic::Ordering::Relaxed)
    }
}
use crate::certificates::keys::KeyRing;
use crate::certificates::models::CertificateStatus;
use crate::certificates::{repo, service::display_code, token};
use crate::db::Db;
use crate::error::{AppError, AppResult};
use crate::i18n::Text;
use crate::ids::OrgId;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum VerificationStatus {
    Valid,
    Revoked,
    Replaced,
    Invalid,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CertificateFacts {
    pub holder_name: String,
    pub course_title: String,
    pub course_code: String,
    pub completion_date: NaiveDate,
    pub issuer_name: String,
    #[serde(skip)]
    #[schema(value_type = i32)]
    pub issuer_org: OrgId,
    /// The issuer's postal address from its certificate settings (empty when none).
    pub issuer_address: String,
    pub issuer_phone: String,
    pub issuer_email: String,
    pub code: String,
    /// For programs that check the signature themselves; the check page leaves it out.
    pub key_fingerprint: Option<String>,
    /// The holder was erased and the code was typed: no name to show; compare the name on
    /// the paper with the ID. (A scanned token brings its own signed name.)
    pub name_erased: bool,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Verification {
    pub status: VerificationStatus,
    /// Present for valid and revoked certificates only.
    pub facts: Option<CertificateFacts>,
}

impl Verification {
    fn invalid() -> Verification {
        Verification { status: VerificationStatus::Invalid, facts: None }
    }
}

/// The certificate with a stored code and its issuer's name, from the one-second memory
/// or the database.
async fn lookup(
    db: &Db, checks: &PublicChecks, code: String,
) -> AppResult<std::sync::Arc<Option<(crate::certificates::models::Certificate, String)>>> {
    if let Some(hit) = checks.lookups.get(&code) {
        return Ok(hit);
    }
    checks.database_reads.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let generation = crate::certificates::cache::generation();
    let key = code.clone();
    let found = std::sync::Arc::new(db.run(move |conn| repo::find_by_code(conn, &code)).await?);
    checks.lookups.put(key, generation, found.clone());
    Ok(found)
}

/// Checks a token taken from a scanned URL.
pub async fn verify_token(
    db: &Db, keyring: &std::sync::Arc<KeyRing>, checks: &PublicChecks, text: &str,
) -> AppResult<Verification> {
    let Ok(bytes) = token::token_from_text(text) else {
        return Ok(Verification::invalid());
    };
    let verified = match keyring.verify(&bytes) {
        Ok(v) => v,
        Err(token::TokenError::UnknownKey) if keyring.may_reload() => {
            // A key created by another replica since our last look: reload once, retry.
            let kr = keyring.clone();
            db.run(move |conn| kr.reload(conn)).await?;
            match keyring.verify(&bytes) {
                Ok(v) => v,
                Err(_) => return Ok(Verification::invalid()),
            }
        }
        Err(_) => return Ok(Verification::invalid()),
    };
    let code = token::plain_code(&verified.claims.code);
    let found = lookup(db, checks, code).await?;
    let Some((cert, issuer_name)) = found.as_ref().clone() else {
        return Ok(Verification::invalid());
    };
    let key = keyring.cached(verified.kid);
    // An erased holder's certificate keeps only a keyed hash of the name: the name the
    // token signed must hash to it.
    let same_holder = match cert.name_hmac.as_deref().filter(|_| cert.is_erased()) {
        // The secret is read from its file once, then kept in memory.
        Some(stored) => {
            keyring.name_hmac(cert.organisation_id, &verified.claims.holder_name)? == stored
        }
        None => !cert.is_erased() && cert.holder_name == verified.claims.holder_name,
    };
    // The database record must say exactly what the token says; for a key marked compromised
    // this is the only thing that still makes its signatures trustworthy.
    let matches = same_holder
        && cert.course_code == verified.claims.course_code
        && cert.completion_date == verified.claims.completion_date
        && cert.kid == i32::from(verified.kid)
        && key
            .as_ref()
            .is_some_and(|k| k.organisation_id.is_none_or(|o| o == cert.organisation_id));
    if !matches {
        return Ok(Verification::invalid());
    }
    checks.counter.record(cert.organisation_id, cert.id, crate::time::today_local());
    let mut cert = cert;
    // Shown from the signed token: for a tombstone the database has no name any more.
    cert.holder_name = verified.claims.holder_name;
    cert.erased_at = None;
    let contact = contact_of(db, checks, &cert).await?;
    Ok(outcome(cert, issuer_name, key.map(|k| token::key_fingerprint(&k.key)), contact))
}

/// The issuer's contact, for the answers that show the certificate's facts.
async fn contact_of(
    db: &Db, checks: &PublicChecks, cert: &crate::certificates::models::Certificate,
) -> AppResult<IssuerContact> {
    if cert.status == CertificateStatus::Replaced {
        return Ok(IssuerContact::default());
    }
    let org = cert.organisation_id;
    let kept = checks.contacts.lock().ok().and_then(|kept| {
        kept.get(&org).filter(|(at, _)| at.elapsed() < CONTACT_TTL).map(|(_, c)| c.clone())
    });
    if let Some(contact) = kept {
        return Ok(contact);
    }
    let profile = db.run(move |conn| crate::certificates::profile::profile_of(conn, org)).await?;
    let contact = IssuerContact {
        address: profile.issuer_address,
        phone: profile.contact_phone,
        email: profile.contact_email,
    };
    if let Ok(mut kept) = checks.contacts.lock() {
        // Bounded by the number of organisations; old entries are simply replaced.
        kept.insert(org, (Instant::now(), contact.clone()));
    }
    Ok(contact)
}

fn outcome(
    cert: crate::certificates::models::Certificate, issuer_name: String,
    key_fingerprint: Option<String>, contact: IssuerContact,
) -> Verification {
    let status = match cert.status {
        CertificateStatus::Valid => VerificationStatus::Valid,
        CertificateStatus::Revoked => VerificationStatus::Revoked,
        CertificateStatus::Replaced => VerificationStatus::Replaced,
    };
    let facts =
        matches!(status, VerificationStatus::Valid | VerificationStatus::Revoked).then(|| {
            CertificateFacts {
                name_erased: cert.is_erased(),
                holder_name: cert.holder_name,
                course_title: cert.course_title,
                course_code: cert.course_code,
                completion_date: cert.completion_date,
                issuer_name,
                issuer_org: cert.organisation_id,
                issuer_address: contact.address,
                issuer_phone: contact.phone,
                issuer_email: contact.email,
                code: display_code(&cert.code),
                key_fingerprint,
            }
        });
    Verification { status, facts }
}

/// Checks a code typed from the paper (no signature to check: the database decides).
///
/// A code that cannot be one (too short, too long, a character no code has, a check
/// character that does not fit) is refused with a 422 naming the field `code` before the
/// database is asked: a typo is not a forgery, and deserves to be told so.
pub async fn verify_code(
    db: &Db, keyring: &KeyRing, checks: &PublicChecks, input: &str,
) -> AppResult<Verification> {
    let code =
        token::read_code(input).map_err(|e| AppError::invalid("code", code_error_text(e)))?;
    let found = lookup(db, checks, token::plain_code(&code)).await?;
    let Some((cert, issuer_name)) = found.as_ref().clone() else {
        return Ok(Verification::invalid());
    };
    checks.counter.record(cert.organisation_id, cert.id, crate::time::today_local());
    let fingerprint = u8::try_from(cert.kid)
        .ok()
        .and_then(|kid| keyring.cached(kid))
        .map(|k| token::key_fingerprint(&k.key));
    let contact = contact_of(db, checks, &cert).await?;
    Ok(outcome(cert, issuer_name, fingerprint, contact))
}

/// What to tell the person who typed it.
fn code_error_text(e: token::CodeError) -> Text {
    match e {
        token::CodeError::TooShort { chars } => {
            Text::key("verify.code_too_short").arg("count", chars)
        }
        token::CodeError::TooLong => Text::key("verify.code_too_long"),
        token::CodeError::NotInAlphabet(c) => {
            // Shown as typed only when it can be seen (no control or bidi character).
            let point = format!("U+{:04X}", u32::from(c));
            let shown = if c.is_alphanumeric() || c.is_ascii_punctuation() {
                format!("{c} ({point})")
            } else {
                point
            };
            Text::key("verify.code_not_in_alphabet").arg("character", shown)
        }
        token::CodeError::CheckFailed => Text::key("verify.code_typo"),
    }
}

/// The signed revocation list, built afresh from the database (see
/// `certificates::revocation`). Valid for [`LIST_VALIDITY_SECS`].
pub fn revocation_list(
    conn: &mut crate::db::DbConn, keyring: &KeyRing, public_url: &str,
) -> AppResult<Vec<u8>> {
    use crate::certificates::revocation::{self, RevocationList};
    let mut list = RevocationList {
        issued_at: crate::time::now_utc().and_utc().timestamp(),
        next_update: 0,
        issuer: public_url.to_string(),
        revoked: Vec::new(),
        replaced: Vec::new(),
    };
    list.next_update = list.issued_at + LIST_VALIDITY_SECS;
    for (code, status) in repo::withdrawn_codes(conn)? {
        let Some(bytes) = token::parse_code(&code) else {
            continue;
        };
        if status == CertificateStatus::Replaced {
            list.replaced.push(bytes);
        } else {
            list.revoked.push(bytes);
        }
    }
    let (kid, key) = keyring.deployment_signing_key(conn)?;
    revocation::sign(&list, kid, &key).map_err(|e| {
        crate::error::AppError::Internal(anyhow::anyhow!("signing revocation list: {e}"))
    })
}

/// How long a published list is valid: a day, the longest the README promises (next update ≤ 24 h), so an offline
/// verifier notices a revocation within a day at worst.
pub const LIST_VALIDITY_SECS: i64 = crate::certificates::revocation::MAX_VALIDITY_SECS;

/// What the offline check shows about each issuer, keyed by organisation id: the name and
/// contact its check page shows, and its courses' titles by code. All of it is printed on
/// every certificate the organisation issues; nothing about any person.
pub fn issuer_directory(conn: &mut crate::db::DbConn) -> AppResult<serde_json::Value> {
    let mut issuers = serde_json::Map::new();
    for org in crate::orgs::service::all(conn)? {
        issuers.insert(
            org.id.0.to_string(),
            serde_json::json!({ "name": org.issuer_name, "contact": "", "courses": {} }),
        );
    }
    // Three queries however many organisations: the endpoint is public.
    for (org, address, phone, email) in super::repo::issuer_contacts(conn)? {
        if let Some(issuer) = issuers.get_mut(&org.0.to_string()) {
            issuer["contact"] = super::page::contact_lines(&address, &phone, &email).into();
        }
    }
    for (org, code, title) in super::repo::course_titles(conn)? {
        if let Some(courses) =
            issuers.get_mut(&org.0.to_string()).and_then(|i| i["courses"].as_object_mut())
        {
            courses.insert(code, serde_json::Value::String(title));
        }
    }
    Ok(serde_json::json!({ "issuers": issuers }))
}
