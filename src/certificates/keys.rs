//! Signing keys: private halves in files, public halves and state in `signing_keys`.

use std::collections::HashMap;
use std::path::PathBuf;
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

    /// The organisation's newest usable key with its private half on this machine;
    /// a key is created on first use so issuing works without setup.
    pub fn signing_key_for(
        &self, conn: &mut DbConn, organisation_id: OrgId,
    ) -> AppResult<(u8, SigningKey)> {
        let candidates: Vec<i32> = signing_keys::table
            .filter(signing_keys::organisation_id.eq(organisation_id))
            .filter(signing_keys::retired_at.is_null())
            .filter(signing_keys::compromised_at.is_null())
            .order(signing_keys::created_at.desc())
            .select(signing_keys::kid)
            .load(conn)?;
        self.first_usable_or_new(conn, candidates, Some(organisation_id))
    }

    /// The first candidate (newest first) whose private half is on this machine, else a new
    /// key for the owner.
    fn first_usable_or_new(
        &self, conn: &mut DbConn, candidates: Vec<i32>, owner: Option<OrgId>,
    ) -> AppResult<(u8, SigningKey)> {
        for kid in candidates {
            let Ok(kid) = u8::try_from(kid) else { continue };
            if let Ok(key) = self.load_private(kid) {
                return Ok((kid, key));
            }
        }
        let kid = self.generate(conn, owner)?;
        Ok((kid, self.load_private(kid)?))
    }
}

impl KeyRing {
    /// The deployment's own key (no organisation), which signs the revocation list; created
    /// on first use like the organisations' keys.
    pub fn deployment_signing_key(&self, conn: &mut DbConn) -> AppResult<(u8, SigningKey)> {
        let candidates: Vec<i32> = signing_keys::table
            .filter(signing_keys::organisation_id.is_null())
            .filter(signing_keys::retired_at.is_null())
            .filter(signing_keys::compromised_at.is_null())
            .order(signing_keys::created_at.desc())
            .select(signing_keys::kid)
            .load(conn)?;
        self.first_usable_or_new(conn, candidates, None)
    }
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

fn set_state(conn: &mut DbConn, kid: u8, compromised: bool) -> AppResult<()> {
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
    crate::audit::Entry::new(None, None, if compromised { "key.compromise" } else { "key.retire" })
        .on("signing_key", Some(i32::from(kid)))
        .record(conn)?;
    Ok(())
}

/// No new certificates with this key; existing ones keep verifying.
pub fn retire(conn: &mut DbConn, kid: u8) -> AppResult<()> {
    set_state(conn, kid, false)
}

/// Leaves the JWKS; certificates signed with it verify only where the database agrees.
pub fn compromise(conn: &mut DbConn, kid: u8) -> AppResult<()> {
    set_state(conn, kid, true)
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
    crate::db::write_transaction(conn, |conn| retire(conn, kid))
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
    crate::db::write_transaction(conn, |conn| compromise(conn, kid))?;
    // Offline verifiers learn it from the JWKS; this replica forgets it at once.
    keyring.reload(conn)
}
