//! Signing keys: private halves in files, public halves and state in `signing_keys`.
//!
//! Every key that signs exists before anything is signed: the deployment's (revocation
//! list) and each organisation's are made at start-up and with the organisation, so the
//! JWKS an offline verifier fetched first already lists them. Start-up tells a first start
//! (no keys in the database: the keys directory is made) from a lost keys directory (keys
//! in the database: refused, naming the path), and refuses an active key whose private file
//! is missing or holds another key, naming kid and file; a new key is never made silently in
//! place of one that certificates were signed with.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, RwLock};
use std::time::{Duration, Instant};

use anyhow::Context;
use diesel::prelude::*;
use ed25519_dalek::{SigningKey, VerifyingKey};
use serde::Serialize;

use crate::db::schema::signing_keys;
use crate::db::DbConn;
use crate::error::{AppError, AppResult};
use crate::i18n::Text;
use crate::ids::OrgId;

crate::db::text_enum! {
    /// How a key signs; the only one so far, named as COSE names it.
    pub enum KeyAlgorithm("signing algorithm") {
        Ed25519 = "Ed25519",
    }
}

#[derive(Debug, Clone, Queryable, Selectable, Serialize)]
#[diesel(table_name = signing_keys)]
pub struct SigningKeyRecord {
    pub id: i32,
    pub kid: i32,
    pub organisation_id: Option<OrgId>,
    pub algorithm: KeyAlgorithm,
    pub public_key: String,
    #[serde(serialize_with = "crate::time::utc")]
    pub created_at: chrono::NaiveDateTime,
    #[serde(serialize_with = "crate::time::utc_opt")]
    pub retired_at: Option<chrono::NaiveDateTime>,
    #[serde(serialize_with = "crate::time::utc_opt")]
    pub compromised_at: Option<chrono::NaiveDateTime>,
}

#[derive(Debug, Clone)]
pub struct PublicKey {
    pub kid: u8,
    pub organisation_id: Option<OrgId>,
    pub key: VerifyingKey,
    pub compromised: bool,
}

impl SigningKeyRecord {
    fn to_public(&self) -> Option<PublicKey> {
        let raw = data_encoding::BASE64URL_NOPAD.decode(self.public_key.as_bytes()).ok()?;
        let bytes: [u8; 32] = raw.try_into().ok()?;
        Some(PublicKey {
            kid: u8::try_from(self.kid).ok()?,
            organisation_id: self.organisation_id,
            key: VerifyingKey::from_bytes(&bytes).ok()?,
            compromised: self.compromised_at.is_some(),
        })
    }
}

pub fn all_records(conn: &mut DbConn) -> AppResult<Vec<SigningKeyRecord>> {
    Ok(signing_keys::table
        .order(signing_keys::kid.asc())
        .select(SigningKeyRecord::as_select())
        .load(conn)?)
}

/// Public keys cached in memory, so checking a QR code needs no database until the signature
/// holds. A kid not in the cache triggers at most one reload every few seconds (another
/// replica may have created it).
pub struct KeyRing {
    keys_dir: PathBuf,
    public: RwLock<HashMap<u8, PublicKey>>,
    last_reload: Mutex<Option<Instant>>,
    /// Tokens whose signature already verified. A signature over given bytes with a given
    /// key stays valid forever (kids are never reused, keys never deleted; a compromised
    /// key is handled by the database comparison, which always runs), so repeated checks
    /// of one certificate skip the Ed25519 work. Bounded: cleared when full.
    verified: Mutex<HashMap<Vec<u8>, super::token::VerifiedToken>>,
    /// Each organisation's secret for the name hashes of erased certificates, once read.
    name_secrets: Mutex<HashMap<OrgId, [u8; 32]>>,
}

const VERIFIED_CACHE_ENTRIES: usize = 4096;

const RELOAD_INTERVAL: Duration = Duration::from_secs(5);

impl KeyRing {
    pub fn new(keys_dir: PathBuf) -> KeyRing {
        KeyRing {
            keys_dir,
            public: RwLock::new(HashMap::new()),
            last_reload: Mutex::new(None),
            verified: Mutex::new(HashMap::new()),
            name_secrets: Mutex::new(HashMap::new()),
        }
    }

    pub fn reload(&self, conn: &mut DbConn) -> AppResult<()> {
        let map: HashMap<u8, PublicKey> = all_records(conn)?
            .iter()
            .filter_map(SigningKeyRecord::to_public)
            .map(|k| (k.kid, k))
            .collect();
        if let Ok(mut guard) = self.public.write() {
            *guard = map;
        }
        if let Ok(mut last) = self.last_reload.lock() {
            *last = Some(Instant::now());
        }
        Ok(())
    }

    pub fn cached(&self, kid: u8) -> Option<PublicKey> {
        self.public.read().ok()?.get(&kid).cloned()
    }

    /// Verifies a token against the cached public keys (see `token::verify`), remembering
    /// tokens that passed.
    pub fn verify(
        &self, bytes: &[u8],
    ) -> Result<super::token::VerifiedToken, super::token::TokenError> {
        if let Some(hit) = self.verified.lock().ok().and_then(|m| m.get(bytes).cloned()) {
            return Ok(hit);
        }
        let v = super::token::verify(bytes, |kid| self.cached(kid).map(|k| k.key))?;
        if let Ok(mut m) = self.verified.lock() {
            if m.len() >= VERIFIED_CACHE_ENTRIES {
                m.clear();
            }
            m.insert(bytes.to_vec(), v.clone());
        }
        Ok(v)
    }

    /// Whether a reload is allowed now (rate-limits reloads triggered by unknown kids).
    pub fn may_reload(&self) -> bool {
        self.last_reload
            .lock()
            .map(|last| last.is_none_or(|t| t.elapsed() >= RELOAD_INTERVAL))
            .unwrap_or(false)
    }

    fn key_path(&self, kid: u8) -> PathBuf {
        self.keys_dir.join(format!("kid-{kid:03}.key"))
    }

    fn load_private(&self, kid: u8) -> anyhow::Result<SigningKey> {
        let path = self.key_path(kid);
        let text = std::fs::read_to_string(&path)
            .with_context(|| format!("reading private key {}", path.display()))?;
        let raw = data_encoding::HEXLOWER
            .decode(text.trim().as_bytes())
            .context("private key file is not hex")?;
        let seed: [u8; 32] =
            raw.try_into().map_err(|_| anyhow::anyhow!("private key file has the wrong length"))?;
        Ok(SigningKey::from_bytes(&seed))
    }

    /// Creates a key for the organisation: private half to a 0400 file, public half to the table.
    pub fn generate(&self, conn: &mut DbConn, organisation_id: Option<OrgId>) -> AppResult<u8> {
        // Writing the file would create a lost directory again, beside keys it no longer has.
        if !self.keys_dir.is_dir() {
            return Err(AppError::Unavailable(anyhow::anyhow!(
                "the keys directory {} is missing; no new key is made without it",
                self.keys_dir.display()
            )));
        }
        let used: Vec<i32> = signing_keys::table.select(signing_keys::kid).load(conn)?;
        let kid = (0..=255u8)
            .find(|k| !used.contains(&i32::from(*k)) && !self.key_path(*k).exists())
            .ok_or_else(|| AppError::conflict("error.keys.all_used"))?;
        let key = SigningKey::generate(&mut rand::rngs::OsRng);
        crate::config::write_private_file(
            &self.key_path(kid),
            data_encoding::HEXLOWER.encode(key.as_bytes()).as_bytes(),
        )?;
        diesel::insert_into(signing_keys::table)
            .values((
                signing_keys::kid.eq(i32::from(kid)),
                signing_keys::organisation_id.eq(organisation_id),
                signing_keys::algorithm.eq(KeyAlgorithm::Ed25519),
                signing_keys::public_key
                    .eq(data_encoding::BASE64URL_NOPAD.encode(key.verifying_key().as_bytes())),
                signing_keys::created_at.eq(crate::time::now_utc()),
            ))
            .execute(conn)?;
        if let Ok(mut guard) = self.public.write() {
            guard.insert(
                kid,
                PublicKey { kid, organisation_id, key: key.verifying_key(), compromised: false },
            );
        }
        Ok(kid)
    }

    /// The organisation's newest active key (see [`KeyRing::active_key`]).
    pub fn signing_key_for(
        &self, conn: &mut DbConn, organisation_id: OrgId,
    ) -> AppResult<(u8, SigningKey)> {
        self.active_key(conn, Some(organisation_id))
    }

    /// The deployment's own key (no organisation), which signs the revocation list.
    pub fn deployment_signing_key(&self, conn: &mut DbConn) -> AppResult<(u8, SigningKey)> {
        self.active_key(conn, None)
    }

    /// The owner's newest active key with its private half. Start-up and organisation
    /// creation make every owner's key, so this finds one; only an owner whose keys were all
    /// retired by hand since gets a new one here. A key whose private half is gone or does
    /// not match its public half is an error: replacing it silently would leave every
    /// certificate signed with it unverifiable without anyone noticing.
    fn active_key(&self, conn: &mut DbConn, owner: Option<OrgId>) -> AppResult<(u8, SigningKey)> {
        let newest: Option<SigningKeyRecord> = active_of(owner)
            .order((signing_keys::created_at.desc(), signing_keys::id.desc()))
            .select(SigningKeyRecord::as_select())
            .first(conn)
            .optional()?;
        let Some(record) = newest else {
            let kid = self.create_key(conn, owner, None)?;
            return Ok((kid, self.load_private(kid).map_err(AppError::Unavailable)?));
        };
        match self.private_problem(&record) {
            Ok(key) => Ok(key),
            Err(problem) => Err(AppError::Unavailable(anyhow::anyhow!("{problem}"))),
        }
    }

    /// The first key of a new organisation (in its creation's transaction).
    pub fn create_organisation_key(
        &self, conn: &mut DbConn, organisation_id: OrgId, actor: Option<&crate::auth::Actor>,
    ) -> AppResult<u8> {
        let kid = self.create_key(conn, Some(organisation_id), actor)?;
        self.ensure_name_secret(organisation_id)?;
        Ok(kid)
    }

    fn name_secret_path(&self, organisation_id: OrgId) -> PathBuf {
        self.keys_dir.join(format!("names-org-{:06}.secret", organisation_id.0))
    }

    /// Makes the organisation's name secret unless its file exists: 32 random bytes, a
    /// file readable by the service only, never in the database (whoever reads the
    /// database could otherwise try every likely name against an erased certificate).
    pub fn ensure_name_secret(&self, organisation_id: OrgId) -> AppResult<()> {
        use rand::RngCore;
        let path = self.name_secret_path(organisation_id);
        if path.exists() {
            return Ok(());
        }
        let mut secret = [0u8; 32];
        rand::rngs::OsRng.fill_bytes(&mut secret);
        match crate::config::write_private_file(
            &path,
            data_encoding::HEXLOWER.encode(&secret).as_bytes(),
        ) {
            Ok(()) => Ok(()),
            // Another replica made it in between: theirs holds.
            Err(_) if path.exists() => Ok(()),
            Err(e) => Err(AppError::Unavailable(e)),
        }
    }

    fn name_secret(&self, organisation_id: OrgId) -> AppResult<[u8; 32]> {
        if let Some(s) =
            self.name_secrets.lock().ok().and_then(|m| m.get(&organisation_id).copied())
        {
            return Ok(s);
        }
        let path = self.name_secret_path(organisation_id);
        let read = || -> anyhow::Result<[u8; 32]> {
            let text = std::fs::read_to_string(&path)
                .with_context(|| format!("reading the name secret {}", path.display()))?;
            let raw = data_encoding::HEXLOWER
                .decode(text.trim().as_bytes())
                .context("name secret file is not hex")?;
            raw.try_into().map_err(|_| anyhow::anyhow!("name secret file has the wrong length"))
        };
        let secret = read().map_err(AppError::Unavailable)?;
        if let Ok(mut m) = self.name_secrets.lock() {
            m.insert(organisation_id, secret);
        }
        Ok(secret)
    }

    /// The hash an erased certificate keeps of its holder's name: hex HMAC-SHA256 under the
    /// organisation's name secret of the name normalised by [`name_for_hash`].
    pub fn name_hmac(&self, organisation_id: OrgId, name: &str) -> AppResult<String> {
        use hmac::Mac;
        let secret = self.name_secret(organisation_id)?;
        let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(&secret)
            .map_err(|e| AppError::Internal(anyhow::anyhow!("name hash key: {e}")))?;
        mac.update(name_for_hash(name).as_bytes());
        Ok(data_encoding::HEXLOWER.encode(&mac.finalize().into_bytes()))
    }

    /// A new key for the owner, with an audit entry (`key.create`; the acting user when a
    /// person caused it).
    fn create_key(
        &self, conn: &mut DbConn, owner: Option<OrgId>, actor: Option<&crate::auth::Actor>,
    ) -> AppResult<u8> {
        let kid = self.generate(conn, owner)?;
        if let Some(org) = owner {
            self.ensure_name_secret(org)?;
        }
        crate::audit::Entry::new(owner, actor.map(|a| a.user_id), "key.create")
            .on("signing_key", Some(i32::from(kid)))
            .record(conn)?;
        Ok(kid)
    }

    /// The record's private half, loaded and matching its public half, or what is wrong.
    fn private_problem(&self, record: &SigningKeyRecord) -> Result<(u8, SigningKey), KeyProblem> {
        let Some(public) = record.to_public() else {
            return Err(KeyProblem::PublicKeyUnreadable { kid: record.kid });
        };
        let path = self.key_path(public.kid);
        if !path.exists() {
            return Err(KeyProblem::PrivateKeyMissing { kid: public.kid, path });
        }
        match self.load_private(public.kid) {
            Ok(key) if key.verifying_key() == public.key => Ok((public.kid, key)),
            Ok(_) => Err(KeyProblem::PrivateKeyMismatch { kid: public.kid, path }),
            Err(e) => Err(KeyProblem::PrivateKeyUnreadable {
                kid: public.kid,
                path,
                error: format!("{e:#}"),
            }),
        }
    }
}

/// Keys of one owner (an organisation, or the deployment) that may sign.
fn active_of(owner: Option<OrgId>) -> signing_keys::BoxedQuery<'static, crate::db::MultiBackend> {
    let query = signing_keys::table
        .filter(signing_keys::retired_at.is_null())
        .filter(signing_keys::compromised_at.is_null())
        .into_boxed();
    match owner {
        Some(org) => query.filter(signing_keys::organisation_id.eq(org)),
        None => query.filter(signing_keys::organisation_id.is_null()),
    }
}

/// What is wrong with the signing keys: what start-up refuses, and what
/// `mietschulung check` reports. The texts are for the operator (a terminal or the log).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyProblem {
    /// `keys_in_database` 0 is a first start: the directory is made then.
    KeysDirMissing {
        path: PathBuf,
        keys_in_database: usize,
    },
    KeysDirUnreadable {
        path: PathBuf,
        error: String,
    },
    /// An active key (not retired, not compromised) without its private half.
    PrivateKeyMissing {
        kid: u8,
        path: PathBuf,
    },
    PrivateKeyUnreadable {
        kid: u8,
        path: PathBuf,
        error: String,
    },
    /// The file holds another key than the database publishes under this kid.
    PrivateKeyMismatch {
        kid: u8,
        path: PathBuf,
    },
    PublicKeyUnreadable {
        kid: i32,
    },
    /// Nothing could sign the revocation list.
    NoDeploymentKey,
    OrganisationWithoutKey {
        organisation_id: OrgId,
    },
    /// Erased certificates of the organisation keep a hash of the name under a secret
    /// whose file is gone: scanned, they would all read as invalid.
    NameSecretMissing {
        organisation_id: OrgId,
        path: PathBuf,
    },
}

impl KeyProblem {
    /// Whether the service must not start with it. A missing key of an owner is made at
    /// start-up instead; a lost or wrong private half never is.
    pub fn stops_start_up(&self) -> bool {
        match self {
            KeyProblem::KeysDirMissing { keys_in_database, .. } => *keys_in_database > 0,
            KeyProblem::NoDeploymentKey | KeyProblem::OrganisationWithoutKey { .. } => false,
            _ => true,
        }
    }
}

impl std::fmt::Display for KeyProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        const RESTORE: &str =
            "restore it from a backup, or retire the key (`mietschulung keys retire --kid";
        match self {
            KeyProblem::KeysDirMissing { path, keys_in_database } => write!(
                f,
                "the keys directory {} is missing, but the database lists {keys_in_database} signing key(s); restore the directory from a backup (the service does not make new keys in place of lost ones)",
                path.display()
            ),
            KeyProblem::KeysDirUnreadable { path, error } => {
                write!(f, "the keys directory {} cannot be read: {error}", path.display())
            }
            KeyProblem::PrivateKeyMissing { kid, path } => write!(
                f,
                "the active signing key kid {kid} has no private key file {}; {RESTORE} {kid}`; its certificates keep verifying)",
                path.display()
            ),
            KeyProblem::PrivateKeyUnreadable { kid, path, error } => write!(
                f,
                "the private key file {} of the active signing key kid {kid} cannot be used ({error}); {RESTORE} {kid}`)",
                path.display()
            ),
            KeyProblem::PrivateKeyMismatch { kid, path } => write!(
                f,
                "the private key file {} does not belong to the signing key kid {kid} the database publishes; {RESTORE} {kid}`)",
                path.display()
            ),
            KeyProblem::PublicKeyUnreadable { kid } => {
                write!(f, "the database's public key of kid {kid} is not an Ed25519 key")
            }
            KeyProblem::NoDeploymentKey => {
                write!(f, "no active deployment key signs the revocation list")
            }
            KeyProblem::OrganisationWithoutKey { organisation_id } => {
                write!(f, "organisation {organisation_id} has no active signing key")
            }
            KeyProblem::NameSecretMissing { organisation_id, path } => write!(
                f,
                "organisation {organisation_id} has erased certificates, but their name secret {} is missing; restore it from a backup (a new one would make them unverifiable)",
                path.display()
            ),
        }
    }
}

impl KeyRing {
    pub fn keys_dir(&self) -> &Path {
        &self.keys_dir
    }

    /// Every problem with the keys (see [`KeyProblem`]), for `mietschulung check` and for
    /// start-up. Reads the database and the keys directory; changes nothing.
    pub fn problems(&self, conn: &mut DbConn) -> AppResult<Vec<KeyProblem>> {
        let records = all_records(conn)?;
        let mut problems = Vec::new();
        match std::fs::read_dir(&self.keys_dir) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                problems.push(KeyProblem::KeysDirMissing {
                    path: self.keys_dir.clone(),
                    keys_in_database: records.len(),
                });
            }
            Err(e) => problems.push(KeyProblem::KeysDirUnreadable {
                path: self.keys_dir.clone(),
                error: e.to_string(),
            }),
            Ok(_) => problems.extend(
                records
                    .iter()
                    .filter(|r| r.retired_at.is_none() && r.compromised_at.is_none())
                    .filter_map(|r| self.private_problem(r).err()),
            ),
        }
        problems.extend(owners_without_key(conn, &records)?);
        if self.keys_dir.is_dir() {
            problems.extend(self.lost_name_secrets(conn)?);
        }
        Ok(problems)
    }

    /// Organisations with erased certificates whose name secret file is missing.
    fn lost_name_secrets(&self, conn: &mut DbConn) -> AppResult<Vec<KeyProblem>> {
        use crate::db::schema::certificates;
        let orgs: Vec<OrgId> = certificates::table
            .filter(certificates::erased_at.is_not_null())
            .select(certificates::organisation_id)
            .distinct()
            .load(conn)?;
        Ok(orgs
            .into_iter()
            .map(|organisation_id| (organisation_id, self.name_secret_path(organisation_id)))
            .filter(|(_, path)| !path.exists())
            .map(|(organisation_id, path)| KeyProblem::NameSecretMissing { organisation_id, path })
            .collect())
    }

    /// Start-up: refuses keys that cannot sign (returned, nothing changed), makes the keys
    /// directory on a first start (no keys in the database and no directory) and a key for
    /// the deployment and every organisation that has none, then loads the public keys.
    /// So every key that signs anything is in the JWKS before the first request.
    pub fn start(&self, conn: &mut DbConn) -> AppResult<Vec<KeyProblem>> {
        // A replica starting at the same moment may take the same kid; the second try
        // sees its keys.
        match self.try_start(conn) {
            Err(_) => self.try_start(conn),
            done => done,
        }
    }

    fn try_start(&self, conn: &mut DbConn) -> AppResult<Vec<KeyProblem>> {
        let problems = self.problems(conn)?;
        let refused: Vec<KeyProblem> =
            problems.iter().filter(|p| p.stops_start_up()).cloned().collect();
        if !refused.is_empty() {
            return Ok(refused);
        }
        for problem in problems {
            match problem {
                KeyProblem::KeysDirMissing { path, .. } => create_private_dir(&path)?,
                KeyProblem::NoDeploymentKey => {
                    crate::db::write_transaction(conn, |c| self.create_key(c, None, None))?;
                }
                KeyProblem::OrganisationWithoutKey { organisation_id } => {
                    crate::db::write_transaction(conn, |c| {
                        self.create_key(c, Some(organisation_id), None)
                    })?;
                }
                _ => {}
            }
        }
        // Organisations from before name secrets existed get theirs now.
        let orgs: Vec<OrgId> = crate::db::schema::organisations::table
            .select(crate::db::schema::organisations::id)
            .load(conn)?;
        for org in orgs {
            self.ensure_name_secret(org)?;
        }
        self.reload(conn)?;
        Ok(Vec::new())
    }
}

/// A name as its hash is taken: NFC, trimmed, runs of whitespace as one space, lower
/// case; so the hash compares what a person reads as the same name.
pub fn name_for_hash(name: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    let nfc: String = name.nfc().collect();
    nfc.split_whitespace().collect::<Vec<_>>().join(" ").to_lowercase()
}

/// The deployment and the organisations without an active key.
fn owners_without_key(
    conn: &mut DbConn, records: &[SigningKeyRecord],
) -> AppResult<Vec<KeyProblem>> {
    use crate::db::schema::organisations;
    let active = |owner: Option<OrgId>| {
        records.iter().any(|r| {
            r.organisation_id == owner && r.retired_at.is_none() && r.compromised_at.is_none()
        })
    };
    let mut problems = Vec::new();
    if !active(None) {
        problems.push(KeyProblem::NoDeploymentKey);
    }
    let orgs: Vec<OrgId> =
        organisations::table.select(organisations::id).order(organisations::id).load(conn)?;
    problems.extend(
        orgs.into_iter()
            .filter(|o| !active(Some(*o)))
            .map(|organisation_id| KeyProblem::OrganisationWithoutKey { organisation_id }),
    );
    Ok(problems)
}

/// The keys directory of a first start, readable by the service user only.
fn create_private_dir(path: &Path) -> AppResult<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder
        .create(path)
        .with_context(|| format!("creating the keys directory {}", path.display()))?;
    Ok(())
}

/// Creates an organisation together with its signing key, so the key is published before
/// the organisation's first certificate. `actor`: the admin, or none for the operator's
/// command line (the admin page does the same through `orgs::service::OrganisationSetup`).
pub fn create_organisation(
    conn: &mut DbConn, keyring: &KeyRing, actor: Option<&crate::auth::Actor>,
    input: crate::orgs::models::NewOrganisation,
) -> AppResult<crate::orgs::Organisation> {
    if let Some(a) = actor {
        a.require(&[crate::auth::Role::Admin])?;
    }
    crate::db::write_transaction(conn, |conn| {
        let org = crate::orgs::service::create(conn, actor, input)?;
        keyring.create_organisation_key(conn, org.id, actor)?;
        Ok(org)
    })
}

/// JSON Web Key Set of every key not marked compromised (RFC 8037 OKP keys).
pub fn jwks(records: &[SigningKeyRecord]) -> serde_json::Value {
    let keys: Vec<serde_json::Value> = records
        .iter()
        .filter(|r| r.compromised_at.is_none())
        .map(|r| {
            serde_json::json!({
                "kty": "OKP",
                "crv": "Ed25519",
                "alg": "EdDSA",
                "use": "sig",
                "kid": r.kid.to_string(),
                "x": r.public_key,
                "organisation_id": r.organisation_id,
                "status": if r.retired_at.is_some() { "retired" } else { "active" },
            })
        })
        .collect();
    serde_json::json!({ "keys": keys })
}

fn set_state(
    conn: &mut DbConn, kid: u8, compromised: bool, by: Option<crate::ids::UserId>,
) -> AppResult<()> {
    let now = crate::time::now_utc();
    let target = signing_keys::table.filter(signing_keys::kid.eq(i32::from(kid)));
    if compromised {
        diesel::update(target).set(signing_keys::compromised_at.eq(Some(now))).execute(conn)?;
    }
    let changed = diesel::update(target.filter(signing_keys::retired_at.is_null()))
        .set(signing_keys::retired_at.eq(Some(now)))
        .execute(conn)?;
    if changed == 0 && all_records(conn)?.iter().all(|r| r.kid != i32::from(kid)) {
        return Err(AppError::not_found_text(Text::key("thing.key_numbered").arg("kid", kid)));
    }
    // In the log of the organisation whose key it is, so its coordinators read it.
    let owner = all_records(conn)?
        .into_iter()
        .find(|r| r.kid == i32::from(kid))
        .and_then(|r| r.organisation_id);
    crate::audit::Entry::new(owner, by, if compromised { "key.compromise" } else { "key.retire" })
        .on("signing_key", Some(i32::from(kid)))
        .record(conn)?;
    Ok(())
}

/// No new certificates with this key; existing ones keep verifying (an operator's command).
pub fn retire(conn: &mut DbConn, kid: u8) -> AppResult<()> {
    set_state(conn, kid, false, None)
}

/// Leaves the JWKS; certificates signed with it verify only where the database agrees.
pub fn compromise(conn: &mut DbConn, kid: u8) -> AppResult<()> {
    set_state(conn, kid, true, None)
}

/// Retires every active key of an organisation (before a rotation).
pub fn retire_all_of(conn: &mut DbConn, organisation_id: OrgId) -> AppResult<()> {
    diesel::update(
        signing_keys::table
            .filter(signing_keys::organisation_id.eq(organisation_id))
            .filter(signing_keys::retired_at.is_null()),
    )
    .set(signing_keys::retired_at.eq(Some(crate::time::now_utc())))
    .execute(conn)?;
    Ok(())
}

// ---------- key management for people (web UI); the CLI calls the same rules ----------

/// Keys a person may manage: a coordinator their organisation's, an admin every key
/// (including the deployment's own, which signs the revocation list).
pub fn manageable(
    conn: &mut DbConn, actor: &crate::auth::Actor,
) -> AppResult<Vec<SigningKeyRecord>> {
    let all = all_records(conn)?;
    match actor.role {
        crate::auth::Role::Admin => Ok(all),
        _ => {
            let org = actor.coordinator_org()?;
            Ok(all.into_iter().filter(|r| r.organisation_id == Some(org)).collect())
        }
    }
}

fn manageable_key(
    conn: &mut DbConn, actor: &crate::auth::Actor, kid: i32,
) -> AppResult<SigningKeyRecord> {
    manageable(conn, actor)?
        .into_iter()
        .find(|r| r.kid == kid)
        .ok_or_else(|| AppError::not_found_text(Text::key("thing.key_numbered").arg("kid", kid)))
}

/// A new key; the previous active keys of the same owner are retired and keep verifying.
/// A coordinator rotates their organisation's key, an admin the deployment's.
pub fn rotate_for(
    conn: &mut DbConn, keyring: &KeyRing, actor: &crate::auth::Actor,
) -> AppResult<u8> {
    let owner = match actor.role {
        crate::auth::Role::Admin => None,
        _ => Some(actor.coordinator_org()?),
    };
    crate::db::write_transaction(conn, |conn| {
        match owner {
            Some(org) => retire_all_of(conn, org)?,
            None => {
                diesel::update(
                    signing_keys::table
                        .filter(signing_keys::organisation_id.is_null())
                        .filter(signing_keys::retired_at.is_null()),
                )
                .set(signing_keys::retired_at.eq(Some(crate::time::now_utc())))
                .execute(conn)?;
            }
        }
        let kid = keyring.generate(conn, owner)?;
        crate::audit::Entry::new(owner, Some(actor.user_id), "key.rotate")
            .on("signing_key", Some(i32::from(kid)))
            .record(conn)?;
        Ok(kid)
    })
}

pub fn retire_for(conn: &mut DbConn, actor: &crate::auth::Actor, kid: i32) -> AppResult<()> {
    let record = manageable_key(conn, actor, kid)?;
    if record.retired_at.is_some() {
        return Err(AppError::conflict("error.keys.already_retired"));
    }
    let kid = u8::try_from(record.kid).map_err(|_| AppError::not_found("thing.key"))?;
    crate::db::write_transaction(conn, |conn| set_state(conn, kid, false, Some(actor.user_id)))
}

pub fn compromise_for(
    conn: &mut DbConn, keyring: &KeyRing, actor: &crate::auth::Actor, kid: i32, confirmed: bool,
) -> AppResult<()> {
    if !confirmed {
        return Err(AppError::invalid("confirm", Text::key("error.keys.confirm_compromised")));
    }
    let record = manageable_key(conn, actor, kid)?;
    if record.compromised_at.is_some() {
        return Err(AppError::conflict("error.keys.already_compromised"));
    }
    let kid = u8::try_from(record.kid).map_err(|_| AppError::not_found("thing.key"))?;
    crate::db::write_transaction(conn, |conn| set_state(conn, kid, true, Some(actor.user_id)))?;
    // Offline verifiers learn it from the JWKS; this replica forgets it at once.
    keyring.reload(conn)
}
