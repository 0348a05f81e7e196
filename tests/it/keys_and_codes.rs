//! Keys, printed codes and the `verify` command are right from the first second:
//! - every key that signs (certificates, the revocation list) is in the JWKS from start-up,
//!   so the offline verifier trusts a genuine certificate on a fresh server;
//! - start-up refuses a lost keys directory or an active key's lost private file, naming
//!   the path, instead of making new keys; a first start needs no setup;
//! - the printed code carries a Luhn mod 32 check character; a code whose check fails gets
//!   the friendly "Tippfehler?" answer without a database lookup, old codes still verify;
//! - the check page and the `verify` command speak one language.

use std::collections::BTreeSet;
use std::process::Command;
use std::sync::Arc;

use mietschulung::certificates::keys::{KeyProblem, KeyRing};
use mietschulung::certificates::token::{self, CodeError};
use mietschulung::i18n::Text;
use mietschulung::startup::AppState;
use mietschulung::verification::service::{self as check, PublicChecks, VerificationStatus};
use proptest::prelude::*;
use serde_json::{json, Value};

use crate::both_backends;
use crate::common::{self, Backend, TestApp};

const ALPHABET: &str = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// One issued certificate as the coordinator's API lists it.
struct Issued {
    app: TestApp,
    api: common::Api,
    cert: Value,
}

impl Issued {
    fn url(&self) -> String {
        self.cert["verification_url"].as_str().unwrap().to_string()
    }
    fn path(&self) -> String {
        self.url()[self.app.base.len()..].to_string()
    }
    fn code(&self) -> String {
        self.cert["code"].as_str().unwrap().to_string()
    }
}

async fn issue_one(backend: Backend) -> Issued {
    // These tests type many codes; the per-client limits have tests of their own.
    let options = common::Options { rate_limits: Some((0, 0)), ..Default::default() };
    let app = common::spawn_app_with(backend, options).await;
    let org = app.create_org("keys");
    let api = app.api_token(&org.coordinator.email).await;
    let (run_id, _, _) = common::certified(&api, "MS-K", "Dmytro", "Kovalenko", None).await;
    let (_, list) = api.get(&format!("/api/v1/runs/{run_id}/certificates")).await;
    let cert = list[0].clone();
    assert!(cert["verification_url"].is_string(), "a certificate was issued: {list}");
    Issued { app, api, cert }
}

async fn jwks(app: &TestApp) -> Vec<Value> {
    let set: Value =
        reqwest::get(app.url("/.well-known/jwks.json")).await.unwrap().json().await.unwrap();
    set["keys"].as_array().unwrap().clone()
}

/// The built binary, run off the async runtime (the server under test answers it).
async fn run_bin(args: Vec<String>) -> std::process::Output {
    actix_web::rt::task::spawn_blocking(move || {
        Command::new(env!("CARGO_BIN_EXE_mietschulung"))
            .env_remove("DATABASE_URL")
            .env_remove("MIETSCHULUNG_CONFIG")
            .env("RUST_LOG", "warn")
            .args(args)
            .output()
            .unwrap()
    })
    .await
    .unwrap()
}

fn start_error(app: &TestApp) -> String {
    match AppState::new(&app.settings) {
        Ok(_) => panic!("start-up went ahead"),
        Err(e) => format!("{e:#}"),
    }
}

// ---------- keys from start-up ----------

/// Invariant: the deployment key that signs the revocation list is published before any
/// request, so `verify <url>` on a fresh server trusts a genuine certificate (it fetches
/// the JWKS first, then the list: a key made while serving the list came too late).
async fn fresh_server(backend: Backend) {
    let issued = issue_one(backend).await;
    let app = &issued.app;
    let keys = jwks(app).await;
    assert!(
        keys.iter().any(|k| k["organisation_id"].is_null() && k["status"] == "active"),
        "the revocation list's key is published from start-up: {keys:?}"
    );
    let out = run_bin(vec!["verify".into(), issued.url()]).await;
    let stdout = String::from_utf8_lossy(&out.stdout);
    common::assert_succeeded(&out);
    assert!(stdout.contains("ERGEBNIS: GÜLTIG"), "{stdout}");
    assert!(stdout.contains("[ ok ] Sperrliste"), "{stdout}");
    assert!(stdout.contains(&issued.code()), "the printed code with its check group: {stdout}");
}

both_backends!(fresh_server_verify_says_valid_before_anyone_fetched_the_list, fresh_server);

/// Invariant: an organisation has its published key from its creation (through the admin
/// page), and one created without (older data) gets it at the next start.
async fn org_keys(backend: Backend) {
    let app = common::spawn_app(backend).await;
    let keys_dir = &app.settings.keys_dir;
    assert!(keys_dir.join("kid-000.key").is_file(), "first start made the directory and key");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(keys_dir).unwrap().permissions().mode();
        assert_eq!(mode & 0o077, 0, "the keys directory is the service user's only");
    }
    app.create_admin("admin@example.org");
    let admin = app.browser();
    admin.login("admin@example.org").await;
    let fields = [
        ("slug", "neu"),
        ("name", "Landkreis Neu"),
        ("issuer_name", "Landratsamt Neu"),
        ("signatory_name", "Dr. Sabine Müller"),
        ("signatory_title", ""),
    ];
    let page = admin.submit("/admin/organisations", "/admin/organisations", &fields).await;
    assert_eq!(page.status, 303, "{}", page.body);
    let org_id = common::id_from_location(&page.location);
    assert!(
        jwks(&app).await.iter().any(|k| k["organisation_id"] == org_id),
        "published with the organisation's creation"
    );

    // Created behind the service's back (as before keys came with organisations).
    let old = app.create_org("alt");
    let keyring = KeyRing::new(keys_dir.clone());
    let problems = app.db.run_blocking(|c| keyring.problems(c)).unwrap();
    let org = mietschulung::ids::OrgId(old.id);
    assert_eq!(problems, vec![KeyProblem::OrganisationWithoutKey { organisation_id: org }]);
    AppState::new(&app.settings).expect("a replica starts");
    assert!(jwks(&app).await.iter().any(|k| k["organisation_id"] == old.id));
    assert!(app.db.run_blocking(|c| keyring.problems(c)).unwrap().is_empty());
}

both_backends!(organisations_get_their_key_at_creation_and_start_up, org_keys);

/// Invariant: a lost keys directory stops start-up naming it, and is not made again.
async fn lost_dir(backend: Backend) {
    let app = common::spawn_app(backend).await;
    let keys_dir = app.settings.keys_dir.clone();
    std::fs::remove_dir_all(&keys_dir).unwrap();
    // Lost on purpose: `mietschulung check` reports it too.
    app.breaks_rules.set(true);
    let before = app.count("signing_keys");
    let message = start_error(&app);
    assert!(message.contains(&keys_dir.display().to_string()), "{message}");
    assert!(!keys_dir.exists(), "no new keys directory beside the lost keys");
    assert_eq!(app.count("signing_keys"), before, "no new key");
    let keyring = KeyRing::new(keys_dir.clone());
    let problems = app.db.run_blocking(|c| keyring.problems(c)).unwrap();
    assert!(
        matches!(&problems[0], KeyProblem::KeysDirMissing { keys_in_database, .. } if *keys_in_database > 0)
    );

    // A keys directory that is a file cannot be read: refused, naming it too.
    std::fs::write(&keys_dir, b"not a directory").unwrap();
    let message = start_error(&app);
    assert!(message.contains(&keys_dir.display().to_string()), "{message}");
}

both_backends!(a_lost_keys_directory_stops_start_up_naming_it, lost_dir);

/// Invariant: an active key whose private file is gone stops start-up naming kid and
/// file; no key is made in its place until the operator retires it.
async fn lost_file(backend: Backend) {
    let app = common::spawn_app(backend).await;
    let file = app.settings.keys_dir.join("kid-000.key");
    std::fs::remove_file(&file).unwrap();
    let before = app.count("signing_keys");
    let message = start_error(&app);
    assert!(message.contains("kid 0"), "{message}");
    assert!(message.contains(&file.display().to_string()), "{message}");
    assert_eq!(app.count("signing_keys"), before, "no key made in place of the lost one");

    // Another key's file under that name is no better.
    let stranger = ed25519_dalek::SigningKey::from_bytes(&[7; 32]);
    std::fs::write(&file, data_encoding::HEXLOWER.encode(stranger.as_bytes())).unwrap();
    let message = start_error(&app);
    assert!(message.contains("does not belong") && message.contains("kid 0"), "{message}");
    std::fs::remove_file(&file).unwrap();

    // The repair the message names: retire it (the `keys` commands run meanwhile), then
    // start-up makes a new deployment key.
    let repair = AppState::for_key_repair(&app.settings).expect("keys commands still run");
    repair.db.run_blocking(|c| mietschulung::certificates::keys::retire(c, 0)).unwrap();
    AppState::new(&app.settings).expect("starts after the lost key was retired");
    assert_eq!(app.count("signing_keys"), before + 1);
}

both_backends!(an_active_key_without_its_file_stops_start_up_naming_it, lost_file);

// ---------- the check character ----------

fn plain(code: &[u8; 10]) -> Vec<char> {
    token::printed_code(code).chars().filter(|c| *c != '-').collect()
}

fn grouped(chars: &[char]) -> String {
    let s: String = chars.iter().collect();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && i % 4 == 0 {
            out.push('-');
        }
        out.push(c);
    }
    out
}

proptest! {
    /// Invariant: every single wrong character of a printed code is caught by its check
    /// character, and so is every swap of two different neighbours except 0 ↔ Z (the one
    /// swap Luhn mod N cannot see, below); the code without its check group (issued before
    /// it existed) still reads as the same code.
    #[test]
    fn the_check_character_catches_typos(code in any::<[u8; 10]>()) {
        let chars = plain(&code);
        prop_assert_eq!(chars.len(), 17);
        prop_assert_eq!(token::read_code(&token::printed_code(&code)), Ok(code));
        prop_assert_eq!(token::read_code(&grouped(&chars[..16])), Ok(code));
        prop_assert_eq!(token::read_code(&token::format_code(&code)), Ok(code));
        for i in 0..chars.len() {
            for other in ALPHABET.chars().filter(|c| *c != chars[i]) {
                let mut typo = chars.clone();
                typo[i] = other;
                prop_assert_eq!(token::read_code(&grouped(&typo)), Err(CodeError::CheckFailed));
            }
        }
        for i in 0..chars.len() - 1 {
            let pair = [chars[i], chars[i + 1]];
            if pair[0] == pair[1] || (pair.contains(&'0') && pair.contains(&'Z')) {
                continue;
            }
            let mut swapped = chars.clone();
            swapped.swap(i, i + 1);
            prop_assert_eq!(token::read_code(&grouped(&swapped)), Err(CodeError::CheckFailed));
        }
    }
}

/// Luhn mod N cannot see a swap of the smallest and largest value (0 and Z here), as
/// Luhn mod 10 cannot see 09 ↔ 90; the design chose it knowing ("most swaps"). Such a
/// swap reads as another code, which the database then does not know.
#[test]
fn the_one_swap_luhn_mod_32_cannot_see_is_0_and_z() {
    let code = token::parse_code("0Z00-0000-0000-0000").unwrap();
    let mut chars = plain(&code);
    chars.swap(0, 1);
    assert!(token::read_code(&grouped(&chars)).is_ok());
}

// ---------- the code form and the API ----------

/// Invariant: a mistyped code gets the "Tippfehler?" form with what was typed, never the
/// red answer, and costs no database lookup; too short is said to be too short; the code
/// with and without its check group verifies, in the page and the API.
async fn typo(backend: Backend) {
    let issued = issue_one(backend).await;
    let app = &issued.app;
    let code = issued.code();
    assert_eq!(code.len(), 21, "printed with its check group: {code}");
    assert_eq!(code.matches('-').count(), 4);
    let mut chars: Vec<char> = code.chars().collect();
    chars[0] = if chars[0] == 'A' { 'B' } else { 'A' };
    let mistyped: String = chars.iter().collect();
    let old_form = &code[..19];

    let b = app.browser();
    let page = b.get(&format!("/z?code={mistyped}")).await;
    assert_eq!(page.status, 400);
    assert_eq!(common::verdict(&page.body), None, "not the page meant for forgeries");
    assert!(page.body.contains(&common::said("verify.code_typo", &[])), "{}", page.body);
    assert!(page.body.contains(&format!("value=\"{mistyped}\"")), "the form keeps the code");
    assert!(page.body.contains("aria-invalid=\"true\""));
    let english = b.get(&format!("/z?code={mistyped}&lang=en")).await;
    assert!(english.body.contains(&Text::key("verify.code_typo").render("en")));

    let short = b.get("/z?code=0MRE-09HP").await;
    assert_eq!(short.status, 400);
    assert!(short.body.contains(&common::said("verify.code_too_short", &[("count", "8")])));
    // A printed code with one character left out is too short, not an unknown code.
    let dropped = format!("{}{}", &code[..2], &code[3..]);
    let page = b.get(&format!("/z?code={dropped}")).await;
    assert!(page.body.contains(&common::said("verify.code_too_short", &[("count", "16")])));

    for typed in [code.clone(), old_form.to_string(), code.to_lowercase().replace('-', " ")] {
        let page = b.get(&format!("/z?code={typed}")).await;
        assert_eq!(common::verdict(&page.body), Some("valid"), "{typed}");
        assert!(page.body.contains(&code), "the page shows the printed code");
    }

    for typed in [&code, old_form] {
        let (s, v) = issued.api.get(&format!("/api/v1/verify/code/{typed}")).await;
        assert_eq!((s, v["status"].as_str()), (200, Some("valid")), "{typed}: {v}");
        assert_eq!(v["facts"]["code"], code.as_str());
    }
    let (s, e) = issued.api.get(&format!("/api/v1/verify/code/{mistyped}")).await;
    assert_eq!((s, e["field"].as_str()), (422, Some("code")), "{e}");
    let (s, v) = issued.api.get("/api/v1/verify/code/0000-0000-0000-0000-0").await;
    assert_eq!((s, v["status"].as_str()), (200, Some("invalid")));
    let doc: Value =
        reqwest::get(app.url("/api/v1/openapi.json")).await.unwrap().json().await.unwrap();
    let responses = &doc["paths"]["/api/v1/verify/code/{code}"]["get"]["responses"];
    for status in ["200", "422", "429"] {
        assert!(responses[status].is_object(), "{status} documented: {responses}");
    }

    // The same use case, counted: a failed check never reaches the database.
    let keyring = Arc::new(KeyRing::new(app.settings.keys_dir.clone()));
    app.db.run_blocking(|c| keyring.reload(c)).unwrap();
    let checks = PublicChecks::default();
    for bad in [mistyped.as_str(), "0MRE-09HP", dropped.as_str(), "0000-0000-0000-000U"] {
        let e = check::verify_code(&app.db, &keyring, &checks, bad).await.unwrap_err();
        assert_eq!(e.field(), Some("code"), "{bad}");
    }
    assert_eq!(checks.database_reads(), 0, "no lookup for a code that cannot be one");
    let v = check::verify_code(&app.db, &keyring, &checks, &code).await.unwrap();
    assert_eq!(v.status, VerificationStatus::Valid);
    assert_eq!(checks.database_reads(), 1, "the counter sees lookups");
}

both_backends!(a_mistyped_code_gets_the_typo_answer_without_a_database_lookup, typo);

// ---------- one language ----------

/// The words of the check pages' sentences (`verify.*`, `form.*`) in one language.
fn locale_words(lang: &str) -> BTreeSet<String> {
    let path = format!("{}/locales/{lang}.json", env!("CARGO_MANIFEST_DIR"));
    let all: serde_json::Map<String, Value> =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    all.iter()
        .filter(|(k, _)| k.starts_with("verify.") || k.starts_with("form."))
        .flat_map(|(_, v)| words(v.as_str().unwrap_or_default()))
        .collect()
}

fn words(text: &str) -> Vec<String> {
    text.split(|c: char| !(c.is_alphanumeric() || c == '_'))
        .filter(|w| w.chars().any(char::is_alphabetic))
        .map(str::to_lowercase)
        .collect()
}

/// The page's text a reader sees, without what people typed or the certificate holds, the
/// links to the other languages (each named in its own language) and the product's name.
fn visible_text(body: &str, personal: &[String]) -> String {
    let mut html = body.to_string();
    if let Some(start) = html.find("<nav class=\"lang-switch\"") {
        if let Some(len) = html[start..].find("</nav>") {
            html.replace_range(start..start + len, "");
        }
    }
    let mut text = String::new();
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' => {
                in_tag = false;
                text.push(' ');
            }
            _ if !in_tag => text.push(c),
            _ => {}
        }
    }
    let mut text = text.replace("&amp;", "&").replace("Mietschulung", " ");
    for p in personal {
        text = text.replace(p.as_str(), " ");
    }
    text
}

/// Invariant: a German page has no word only the English sentences use, an English page no
/// word only the German ones use (and no umlaut), for every answer of the check.
fn one_language(lang: &str, body: &str, personal: &[String], what: &str) {
    let (own, other) = match lang {
        "en" => (locale_words("en"), locale_words("de")),
        _ => (locale_words("de"), locale_words("en")),
    };
    let foreign: BTreeSet<&String> = other.difference(&own).collect();
    let text = visible_text(body, personal);
    let found: Vec<String> = words(&text).into_iter().filter(|w| foreign.contains(w)).collect();
    assert!(found.is_empty(), "{what} ({lang}) has {found:?} of the other language:\n{text}");
    if lang == "en" {
        assert!(!text.contains(['ä', 'ö', 'ü', 'ß', 'Ä', 'Ö', 'Ü']), "{what}: {text}");
    }
}

async fn page_language(backend: Backend) {
    let issued = issue_one(backend).await;
    let app = &issued.app;
    let b = app.browser();
    let code = issued.code();
    let (_, v) = issued.api.get(&format!("/api/v1/verify/code/{code}")).await;
    let facts = &v["facts"];
    let mut personal: Vec<String> =
        ["holder_name", "course_title", "course_code", "issuer_name", "code", "key_fingerprint"]
            .iter()
            .filter_map(|k| facts[*k].as_str().map(str::to_string))
            .collect();
    personal.push(mietschulung::time::fmt_date(
        chrono::NaiveDate::parse_from_str(facts["completion_date"].as_str().unwrap(), "%Y-%m-%d")
            .unwrap(),
    ));
    let path = issued.path();
    let wrong_check = if code.ends_with('X') { 'Y' } else { 'X' };
    let mistyped = format!("{}{wrong_check}", &code[..20]);
    let mut pages = vec![
        ("valid", path.clone()),
        ("invalid token", "/Z/AAAAAAAA".to_string()),
        ("form", "/z".to_string()),
        ("typo", format!("/z?code={mistyped}")),
        ("too short", "/z?code=0MRE".to_string()),
        ("not in alphabet", "/z?code=0000-0000-0000-000U".to_string()),
        ("unknown code", "/z?code=0000-0000-0000-0000-0".to_string()),
    ];
    personal.extend([mistyped.clone(), "0MRE".into(), "0000-0000-0000-000U".into()]);
    personal.push("0000-0000-0000-0000-0".into());
    for lang in ["de", "en"] {
        for (what, path) in &pages {
            let sep = if path.contains('?') { '&' } else { '?' };
            let page = b.get(&format!("{path}{sep}lang={lang}")).await;
            assert!(page.body.contains(&format!("lang=\"{lang}\"")), "{what}");
            one_language(lang, &page.body, &personal, what);
        }
    }
    let (s, _) = issued
        .api
        .post(&format!("/api/v1/certificates/{}/revoke", issued.cert["id"]), json!({"reason": "x"}))
        .await;
    assert_eq!(s, 200);
    pages = vec![("revoked", path)];
    for lang in ["de", "en"] {
        let page = b.get(&format!("{}?lang={lang}", pages[0].1)).await;
        assert_eq!(common::verdict(&page.body), Some("revoked"));
        one_language(lang, &page.body, &personal, "revoked");
    }
}

both_backends!(the_check_page_speaks_one_language, page_language);

/// Invariant: the `verify` command's report is German throughout, error details included.
async fn cli_language(backend: Backend) {
    let issued = issue_one(backend).await;
    let url = issued.url();
    let mut tampered = url.clone();
    let last = tampered.pop().unwrap();
    tampered.push(if last == 'A' { 'B' } else { 'A' });
    let english: BTreeSet<&str> = [
        "the",
        "and",
        "not",
        "is",
        "invalid",
        "valid",
        "signature",
        "key",
        "keys",
        "error",
        "list",
        "unknown",
        "active",
        "retired",
        "connection",
        "refused",
        "file",
        "found",
        "reading",
        "bare",
        "needs",
        "too",
        "long",
        "expired",
        "malformed",
        "failed",
        "os",
        "does",
        "verify",
    ]
    .into_iter()
    .collect();
    for args in [
        vec!["verify".to_string(), url.clone()],
        vec!["verify".into(), tampered],
        vec!["verify".into(), "http://127.0.0.1:9/Z/AAAA".into()],
        vec!["verify".into(), "AAAA".into()],
        vec!["verify".into(), url.clone(), "--revoked".into(), "/no/such/file".into()],
    ] {
        let out = run_bin(args.clone()).await;
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        let text = text.replace(&url, " ").replace(&issued.app.base.to_uppercase(), " ");
        let found: Vec<String> =
            words(&text).into_iter().filter(|w| english.contains(w.as_str())).collect();
        assert!(found.is_empty(), "{args:?}: English {found:?} in\n{text}");
    }
}

both_backends!(the_verify_command_speaks_german_only, cli_language);
