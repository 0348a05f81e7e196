//! `keys generate | list | rotate | retire | compromise`: certificate signing keys, run
//! as the operator. Retired keys stop signing but keep verifying; compromised keys leave
//! the JWKS. `generate` without `--org` makes a deployment-wide key (the one that signs
//! revocation lists). Exits 1 with the service's message when a key or organisation is
//! unknown. These commands run on keys that start-up refuses (a lost private key file can
//! be retired here), and `list` names every problem start-up and `check` would report.

use anyhow::Context;
use clap::Subcommand;

use super::{org_by_slug, user_error};
use crate::certificates::keys::{self, SigningKeyRecord};
use crate::certificates::token;
use crate::config::Settings;
use crate::startup::AppState;

#[derive(Subcommand)]
pub(super) enum KeysCommand {
    /// Generate a signing key (for an organisation, or deployment-wide).
    Generate {
        #[arg(long)]
        org: Option<String>,
    },
    /// List signing keys with their state and fingerprint.
    List,
    /// New key for an organisation; its previous keys are retired (they keep verifying).
    Rotate {
        #[arg(long)]
        org: String,
    },
    /// Stop issuing with a key; certificates signed with it stay valid.
    Retire {
        #[arg(long)]
        kid: u8,
    },
    /// Mark a key as compromised: it leaves the JWKS and its certificates are only
    /// accepted where they match the database exactly.
    Compromise {
        #[arg(long)]
        kid: u8,
    },
}

pub(super) fn run(settings: &Settings, command: KeysCommand) -> anyhow::Result<()> {
    // Not `AppState::new`: these commands repair what start-up refuses.
    let state = AppState::for_key_repair(settings)?;
    match command {
        KeysCommand::Generate { org } => generate(&state, org),
        KeysCommand::Rotate { org } => rotate(&state, &org),
        KeysCommand::Retire { kid } => {
            state.db.run_blocking(|conn| keys::retire(conn, kid)).map_err(user_error)?;
            println!("key kid={kid} retired");
            Ok(())
        }
        KeysCommand::Compromise { kid } => {
            state.db.run_blocking(|conn| keys::compromise(conn, kid)).map_err(user_error)?;
            println!("key kid={kid} marked compromised and removed from the JWKS");
            Ok(())
        }
        KeysCommand::List => list(&state),
    }
}

fn generate(state: &AppState, org: Option<String>) -> anyhow::Result<()> {
    let kid = state
        .db
        .run_blocking(|conn| {
            let org_id = match org {
                Some(slug) => Some(org_by_slug(conn, &slug)?.id),
                None => None,
            };
            state.keyring.generate(conn, org_id)
        })
        .map_err(user_error)?;
    let key = state.keyring.cached(kid).context("new key not loaded")?;
    println!("generated key kid={kid} fingerprint={}", token::key_fingerprint(&key.key));
    Ok(())
}

fn rotate(state: &AppState, org: &str) -> anyhow::Result<()> {
    let kid = state
        .db
        .run_blocking(|conn| {
            let org = org_by_slug(conn, org)?;
            crate::db::write_transaction(conn, |conn| {
                keys::retire_all_of(conn, org.id)?;
                state.keyring.generate(conn, Some(org.id))
            })
        })
        .map_err(user_error)?;
    println!("rotated: new key kid={kid}; previous keys retired and still verifying");
    Ok(())
}

fn list(state: &AppState) -> anyhow::Result<()> {
    let records = state.db.run_blocking(keys::all_records).map_err(user_error)?;
    for r in records {
        println!(
            "kid={} org={:?} {} {}",
            r.kid,
            r.organisation_id,
            state_text(&r),
            fingerprint(state, &r)
        );
    }
    let problems =
        state.db.run_blocking(|conn| state.keyring.problems(conn)).map_err(user_error)?;
    for p in problems {
        println!("problem: {p}");
    }
    Ok(())
}

fn state_text(r: &SigningKeyRecord) -> &'static str {
    if r.compromised_at.is_some() {
        "compromised"
    } else if r.retired_at.is_some() {
        "retired"
    } else {
        "active"
    }
}

/// Empty when the key is not in the key ring (e.g. its private file is missing).
fn fingerprint(state: &AppState, r: &SigningKeyRecord) -> String {
    u8::try_from(r.kid)
        .ok()
        .and_then(|k| state.keyring.cached(k))
        .map(|k| token::key_fingerprint(&k.key))
        .unwrap_or_default()
}
