//! `verify URL-or-TOKEN [--jwks SRC] [--revoked SRC|none]`: checks a certificate offline,
//! touching no data directory or database. The checks run in the order the README gives
//! ("Offline checks") and each prints a line, so a person sees which one failed:
//! format, structure, algorithm, key, signature, revocation list. Keys and the list come
//! from files or URLs; for a URL input they default to the `.well-known` documents of
//! the URL's host, a bare token needs both given.
//!
//! Exit codes: 0 when the signature holds and the code is not listed (or the list was
//! skipped with `--revoked none`, which the answer says); 1 when a check fails, the code
//! is revoked or replaced, or the key set cannot be loaded.
//!
//! Everything it prints is German, error details included: library and system messages
//! (English) are put into German words here rather than passed through.

use std::collections::HashMap;
use std::process::ExitCode;

use crate::certificates::revocation::{self, Listed, RevocationList};
use crate::certificates::token::{self, TokenError, VerifiedToken};

/// The name of a failed check as printed; its `FEHLER` line has already been printed.
type FailedCheck = &'static str;

/// A key from the JWKS: its organisation (none for the deployment's own key) and state.
struct JwksKey {
    key: ed25519_dalek::VerifyingKey,
    organisation_id: Option<i64>,
    status: String,
}

type Keys = HashMap<u8, JwksKey>;

pub(super) fn run(
    input: &str, jwks: Option<&str>, revoked: Option<&str>,
) -> anyhow::Result<ExitCode> {
    let base = base_of(input);
    let jwks_source = match (jwks, &base) {
        (Some(s), _) => s.to_string(),
        (None, Some(b)) => format!("{b}/.well-known/jwks.json"),
        (None, None) => anyhow::bail!("ein Token ohne URL braucht --jwks DATEI-oder-URL"),
    };
    let list_source = match (revoked, &base) {
        (Some("none"), _) => None,
        (Some(s), _) => Some(s.to_string()),
        (None, Some(b)) => Some(format!("{b}/.well-known/revoked")),
        (None, None) => {
            anyhow::bail!(
                "ein Token ohne URL braucht --revoked DATEI-oder-URL (oder --revoked none)"
            )
        }
    };
    let keys =
        parse_jwks(&load_jwks(&jwks_source).map_err(|e| {
            anyhow::anyhow!("Schlüsselverzeichnis {jwks_source} nicht lesbar: {e}")
        })?);
    let checked = check_token(input, &keys).and_then(|verified| {
        let listed = check_revocation(list_source.as_deref(), base.as_deref(), &keys, &verified)?;
        Ok((verified, listed))
    });
    Ok(match checked {
        Ok((verified, listed)) => print_result(&verified, listed),
        Err(check) => fail(check),
    })
}

/// `https://host[/prefix]` of a verification URL, lower case.
fn base_of(input: &str) -> Option<String> {
    let lower = input.trim().to_ascii_lowercase();
    let idx = lower.rfind("/z/")?;
    Some(lower[..idx].to_string())
}

fn load_jwks(source: &str) -> Result<serde_json::Value, String> {
    serde_json::from_slice(&load_bytes(source)?).map_err(|_| "kein JSON".to_string())
}

/// A file or an http(s) URL, read up to one byte past the revocation list's size limit
/// so an oversized document is refused (cut off, never read whole). The error says in
/// German what went wrong.
fn load_bytes(source: &str) -> Result<Vec<u8>, String> {
    use std::io::Read;
    let limit = revocation::MAX_LIST_BYTES as u64 + 1;
    let mut bytes = Vec::new();
    if source.starts_with("http://") || source.starts_with("https://") {
        let response = ureq::get(source)
            .timeout(std::time::Duration::from_secs(15))
            .call()
            .map_err(|e| match e {
                ureq::Error::Status(code, _) => format!("der Server antwortet mit HTTP {code}"),
                ureq::Error::Transport(_) => "keine Verbindung zum Server".to_string(),
            })?;
        response.into_reader().take(limit).read_to_end(&mut bytes).map_err(io_text)?;
    } else {
        std::fs::File::open(source)
            .map_err(io_text)?
            .take(limit)
            .read_to_end(&mut bytes)
            .map_err(io_text)?;
    }
    Ok(bytes)
}

fn io_text(e: std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "Datei nicht gefunden".into(),
        std::io::ErrorKind::PermissionDenied => "keine Leseberechtigung".into(),
        std::io::ErrorKind::TimedOut => "Zeitüberschreitung".into(),
        _ => "Lesefehler".into(),
    }
}

/// The usable Ed25519 keys of a JWKS; entries of other kinds or with bad fields are
/// skipped, so a token signed with them fails at the key check.
fn parse_jwks(set: &serde_json::Value) -> Keys {
    let mut keys = HashMap::new();
    for k in set["keys"].as_array().map(Vec::as_slice).unwrap_or_default() {
        let kid = k["kid"].as_str().and_then(|s| s.parse::<u8>().ok());
        let x = k["x"]
            .as_str()
            .and_then(|x| data_encoding::BASE64URL_NOPAD.decode(x.as_bytes()).ok())
            .and_then(|x| <[u8; 32]>::try_from(x.as_slice()).ok())
            .and_then(|b| ed25519_dalek::VerifyingKey::from_bytes(&b).ok());
        if let (Some(kid), Some(key), Some("OKP"), Some("Ed25519")) =
            (kid, x, k["kty"].as_str(), k["crv"].as_str())
        {
            keys.insert(
                kid,
                JwksKey {
                    key,
                    organisation_id: k["organisation_id"].as_i64(),
                    status: k["status"].as_str().unwrap_or("active").to_string(),
                },
            );
        }
    }
    keys
}

fn check_line(ok: bool, what: &str, detail: &str) {
    println!("[{}] {what}: {detail}", if ok { " ok " } else { "FEHLER" });
}

fn fail(check: FailedCheck) -> ExitCode {
    println!("ERGEBNIS: UNGÜLTIG (fehlgeschlagene Prüfung: {check})");
    ExitCode::FAILURE
}

/// Format, structure, algorithm, key and signature.
fn check_token(input: &str, keys: &Keys) -> Result<VerifiedToken, FailedCheck> {
    let bytes = match token::token_from_text(input) {
        Ok(b) => b,
        Err(e) => {
            check_line(false, "Format", token_failure(e).1);
            return Err("Format");
        }
    };
    check_line(true, "Format", &format!("Base32, {} Bytes", bytes.len()));
    let verified = token::verify(&bytes, |kid| keys.get(&kid).map(|k| k.key)).map_err(|e| {
        let (check, detail) = token_failure(e);
        // Later checks mean the structure itself was fine.
        if check != "Aufbau" && check != "Format" {
            check_line(true, "Aufbau", "COSE_Sign1");
        }
        check_line(false, check, detail);
        check
    })?;
    print_passed_checks(&verified, keys.get(&verified.kid));
    Ok(verified)
}

/// The failed check and what to tell the person about it.
fn token_failure(e: TokenError) -> (FailedCheck, &'static str) {
    use TokenError as E;
    match e {
        E::TooLong | E::NotBase32 => ("Format", "kein gültiger Base32-Token"),
        E::TooLarge | E::Malformed | E::OverBudget => {
            ("Aufbau", "kein COSE_Sign1-Token einer Bescheinigung")
        }
        E::UnsupportedAlgorithm => ("Algorithmus", "nicht Ed25519 (erlaubt: -19, -8)"),
        E::UnknownKey => (
            "Schlüssel",
            "Schlüsselnummer nicht im Schlüsselverzeichnis (unbekannt oder als kompromittiert entfernt)",
        ),
        E::BadSignature => (
            "Signatur",
            "stimmt nicht: Inhalt verändert oder mit einem anderen Schlüssel signiert",
        ),
    }
}

fn print_passed_checks(verified: &VerifiedToken, key: Option<&JwksKey>) {
    check_line(true, "Aufbau", "COSE_Sign1 mit CWT");
    check_line(true, "Algorithmus", &format!("Ed25519 ({})", verified.alg));
    check_line(
        true,
        "Schlüssel",
        &format!(
            "kid {}, {}, {}, Fingerabdruck {}",
            verified.kid,
            key.and_then(|k| k.organisation_id)
                .map_or("Betreiber".to_string(), |o| format!("Organisation {o}")),
            key.map_or("?", |k| status_text(&k.status)),
            key.map(|k| token::key_fingerprint(&k.key)).unwrap_or_default()
        ),
    );
    check_line(true, "Signatur", "gültig (verify_strict)");
}

/// Whether the code is on the signed revocation list; `None` when the check is skipped.
fn check_revocation(
    source: Option<&str>, base: Option<&str>, keys: &Keys, verified: &VerifiedToken,
) -> Result<Option<Listed>, FailedCheck> {
    let Some(source) = source else {
        println!("[ -- ] Sperrliste: nicht geprüft (--revoked none)");
        return Ok(None);
    };
    let list = load_list(source, keys).map_err(|detail: String| {
        check_line(false, "Sperrliste", &detail);
        "Sperrliste"
    })?;
    // A list from another deployment says nothing about this certificate.
    if let Some(b) = base {
        if !list.issuer.eq_ignore_ascii_case(b.trim_end_matches('/')) {
            check_line(false, "Sperrliste", &format!("stammt von {}, nicht von {b}", list.issuer));
            return Err("Sperrliste");
        }
    }
    let hit = list.lookup(&verified.claims.code);
    check_line(
        hit == Listed::No,
        "Sperrliste",
        &format!(
            "signiert, vom {}, gültig bis {}, {} Einträge; {}",
            rfc3339(list.issued_at),
            rfc3339(list.next_update),
            list.revoked.len() + list.replaced.len(),
            match hit {
                Listed::No => "Code nicht enthalten",
                Listed::Revoked => "Code als WIDERRUFEN gelistet",
                Listed::Replaced => "Code als ERSETZT gelistet (neuere Bescheinigung)",
            }
        ),
    );
    Ok(Some(hit))
}

/// The list, signed and current; the error is the detail for the `FEHLER` line.
fn load_list(source: &str, keys: &Keys) -> Result<RevocationList, String> {
    let bytes = load_bytes(source).map_err(|e| format!("nicht abrufbar: {e}"))?;
    // Only the deployment's own key (no organisation) signs revocation lists.
    let list_key = |kid: u8| keys.get(&kid).filter(|k| k.organisation_id.is_none()).map(|k| k.key);
    let now = chrono::Utc::now().timestamp();
    revocation::verify(&bytes, list_key, now).map_err(|e| list_failure(e).to_string())
}

fn list_failure(e: revocation::ListError) -> &'static str {
    use revocation::ListError as E;
    match e {
        E::TooLarge => "zu groß",
        E::Malformed => "keine signierte Sperrliste (COSE_Sign1)",
        E::UnknownKey => {
            "Schlüssel nicht im Schlüsselverzeichnis oder nicht der Schlüssel des Betreibers"
        }
        E::BadSignature => "Signatur stimmt nicht",
        E::Expired => "abgelaufen (die nächste Aktualisierung ist überfällig)",
    }
}

/// A key's state as the JWKS names it, in German.
fn status_text(status: &str) -> &'static str {
    match status {
        "active" => "aktiv",
        "retired" => "außer Dienst (prüft weiter)",
        _ => "unbekannter Zustand",
    }
}

fn rfc3339(t: i64) -> String {
    chrono::DateTime::from_timestamp(t, 0).map(|d| d.to_rfc3339()).unwrap_or_default()
}

/// The verdict and what the certificate says; revoked and replaced exit 1.
fn print_result(verified: &VerifiedToken, listed: Option<Listed>) -> ExitCode {
    match listed {
        Some(Listed::Revoked) => println!("ERGEBNIS: WIDERRUFEN"),
        Some(Listed::Replaced) => println!("ERGEBNIS: UNGÜLTIG – ERSETZT"),
        Some(Listed::No) => println!("ERGEBNIS: GÜLTIG"),
        None => println!("ERGEBNIS: GÜLTIGE SIGNATUR (Sperrstatus nicht geprüft)"),
    }
    println!("Name:        {}", verified.claims.holder_name);
    println!("Kurs:        {}", verified.claims.course_code);
    println!("Abschluss:   {}", verified.claims.completion_date.format("%d.%m.%Y"));
    println!("Code:        {}", token::printed_code(&verified.claims.code));
    if matches!(listed, Some(Listed::Revoked | Listed::Replaced)) {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}
