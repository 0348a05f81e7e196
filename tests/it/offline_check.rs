//! The offline check at `/pruefen`: its files on both backends, a real phone-sized Chromium
//! scanning with the network cut (a relay the test pulls, see `common::relay`), and the
//! JavaScript verifier held to the Rust one on shared vectors made here.

use std::time::{Duration, Instant};

use ed25519_dalek::{Signer, SigningKey};
use serde_json::{json, Value};

use crate::both_backends;
use crate::common::{self, browser::Chromium, relay::Relay, Backend};
use mietschulung::certificates::keys::KeyRing;
use mietschulung::certificates::revocation::{self, Listed, RevocationList};
use mietschulung::certificates::token::{self, CertificateClaims, CODE_BYTES};
use mietschulung::verification::offline::{self, HeldList};

const DAY: i64 = 24 * 3600;

async fn the_app_and_its_files(backend: Backend) {
    let app = common::spawn_app(backend).await;
    let org = app.create_org("offline");
    let api = app.api_token(&org.coordinator.email).await;
    let (_, _, summary) = common::certified(&api, "ms-off", "Amina", "Haddad", None).await;
    assert_eq!(summary["issued"].as_array().map(Vec::len), Some(1), "{summary}");
    let (s, settings) = api
        .put(
            "/api/v1/certificate-settings",
            json!({"issuer_address": "Markt 1, 04600 Altenburg", "contact_phone": "03447 1",
                   "contact_email": "integration@offline.example"}),
        )
        .await;
    assert_eq!(s, 200, "{settings}");
    let client = reqwest::Client::new();

    // The page: scripts allowed from this server only, a plain link without JavaScript.
    let page = client.get(app.url("/pruefen?lang=de")).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let csp = page.headers()["content-security-policy"].to_str().unwrap().to_string();
    assert!(csp.contains("script-src 'self'") && csp.contains("worker-src 'self'"), "{csp}");
    assert!(!csp.contains("unsafe") && !csp.contains("http"), "{csp}");
    let body = page.text().await.unwrap();
    assert!(body.contains("<noscript>") && body.contains("href=\"/z?lang=de\""), "{body}");
    assert!(body.contains("rel=\"manifest\""));
    for script in body.match_indices("<script src=\"") {
        let src = &body[script.0 + 13..];
        assert!(src.starts_with("/static/"), "only our own scripts: {src}");
    }

    // The worker may answer the QR links, which are outside its folder.
    let sw = client.get(app.url("/pruefen/sw.js")).send().await.unwrap();
    assert_eq!(sw.status(), 200);
    assert_eq!(sw.headers()["service-worker-allowed"], "/");
    assert!(sw.headers()["content-type"].to_str().unwrap().starts_with("text/javascript"));

    let manifest: Value = client
        .get(app.url("/pruefen/manifest.webmanifest?lang=ar"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(manifest["start_url"], "/pruefen?lang=ar");
    assert_eq!(manifest["dir"], "rtl");
    assert_eq!(manifest["display"], "standalone");

    // The result pages, from the server's template, with a marker per fact.
    for lang in ["de", "en", "tr", "ru", "ar"] {
        let t: Value = client
            .get(app.url(&format!("/pruefen/vorlagen/{lang}.json")))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let valid = t["pages"]["valid+contact"].as_str().expect("the valid page");
        for field in t["fields"].as_array().unwrap() {
            let marker = format!("\u{E000}{}\u{E001}", field.as_str().unwrap());
            assert!(valid.contains(&marker), "{lang}: {marker:?} missing");
        }
        assert!(valid.contains("data-test=\"offline-note\""));
        let stale = t["pages"]["stale"].as_str().unwrap();
        assert!(stale.contains("status-stale") && !stale.contains("status-valid"), "{lang}");
    }
    let missing = client.get(app.url("/pruefen/vorlagen/xx.json")).send().await.unwrap();
    assert_eq!(missing.status(), 404);

    // Issuers: the name, contact and course titles printed on every certificate, no person.
    let issuers: Value =
        client.get(app.url("/pruefen/aussteller.json")).send().await.unwrap().json().await.unwrap();
    let ours = &issuers["issuers"][org.id.to_string()];
    assert_eq!(ours["name"], "Landratsamt offline – Integrationsmanagement", "{issuers}");
    assert_eq!(
        ours["contact"], "Markt 1, 04600 Altenburg\n03447 1 · integration@offline.example",
        "as the check page shows it: {issuers}"
    );
    assert!(ours["courses"].as_object().is_some_and(|c| c.contains_key("MS-OFF")), "{issuers}");
    let text = issuers.to_string();
    assert!(!text.contains("Amina") && !text.contains("Haddad"), "{text}");
}
both_backends!(the_offline_apps_files, the_app_and_its_files);

fn t_said(lang: &str, key: &str) -> String {
    mietschulung::i18n::text(lang, key)
}

/// The QR link's path part (`/Z/<token>`) of a verification URL.
fn qr_path(url: &str) -> String {
    let at = url.rfind("/Z/").expect("a QR link");
    url[at..].to_string()
}

/// Waits until the page says `needle` (or fails with what it says).
async fn wait_for(phone: &Chromium, needle: &str, within: Duration) -> String {
    let start = Instant::now();
    loop {
        let src = phone.source().await;
        if src.contains(needle) {
            return src;
        }
        assert!(start.elapsed() < within, "never showed {needle:?}: {src}");
        actix_web::rt::time::sleep(Duration::from_millis(50)).await;
    }
}

/// How long the last navigation took from its start until the page was loaded (ms).
async fn navigation_ms(phone: &Chromium) -> f64 {
    for _ in 0..100 {
        let ms = phone
            .script(
                "var n = performance.getEntriesByType('navigation')[0]; \
                 return n && n.loadEventEnd > 0 ? n.loadEventEnd - n.startTime : null;",
            )
            .await;
        if let Some(ms) = ms.as_f64() {
            return ms;
        }
        actix_web::rt::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("the page never finished loading");
}

/// Replaces the list the phone holds by `list` (as a phone that last went online when it
/// was current), through the page at `/pruefen`.
async fn hold_list(phone: &Chromium, list: &[u8]) {
    let b64 = data_encoding::BASE64.encode(list);
    let done = phone
        .script_async(&format!(
            "var done = arguments[arguments.length - 1];
             caches.open('pruefen-daten').then(function (c) {{
               return c.match('/pruefen/daten').then(function (r) {{ return r.json(); }}).then(function (s) {{
                 s.list = '{b64}';
                 return c.put('/pruefen/daten', new Response(JSON.stringify(s)));
               }});
             }}).then(function () {{ done('ok'); }}, function (e) {{ done(String(e)); }});"
        ))
        .await;
    assert_eq!(done, "ok");
}

/// The deployment's own list, signed with its real key, issued `age` seconds ago.
fn list_issued_ago(app: &common::TestApp, age: i64, revoked: Vec<[u8; CODE_BYTES]>) -> Vec<u8> {
    let keys = KeyRing::new(app.settings.keys_dir.clone());
    let (kid, key) = app.db.run_blocking(move |conn| keys.deployment_signing_key(conn)).unwrap();
    let issued_at = chrono::Utc::now().timestamp() - age;
    let list = RevocationList {
        issued_at,
        next_update: issued_at + DAY,
        issuer: app.settings.public_url.clone(),
        revoked,
        replaced: Vec::new(),
    };
    revocation::sign(&list, kid, &key).unwrap()
}

/// The certificate code a QR link carries (read from the token, its signature unchecked).
fn code_of(url: &str) -> [u8; CODE_BYTES] {
    let bytes = token::token_from_text(url).unwrap();
    let sign1 = <coset::CoseSign1 as coset::CborSerializable>::from_slice(&bytes).unwrap();
    let claims =
        <coset::cwt::ClaimsSet as coset::CborSerializable>::from_slice(&sign1.payload.unwrap())
            .unwrap();
    claims.cwt_id.unwrap().try_into().unwrap()
}

/// With `SCREENSHOT_DIR` set, the page as a PNG there, for looking at it.
async fn screenshot(phone: &Chromium, name: &str) {
    if let Ok(dir) = std::env::var("SCREENSHOT_DIR") {
        std::fs::write(format!("{dir}/{name}.png"), phone.screenshot().await).unwrap();
    }
}

/// An app on SQLite with an organisation, and its coordinator's API.
async fn landlords_test(slug: &str) -> (common::TestApp, common::Api) {
    let app = common::spawn_app(Backend::Sqlite).await;
    let org = app.create_org(slug);
    let api = app.api_token(&org.coordinator.email).await;
    (app, api)
}

/// One person's certificate in a run of its own: (QR link, certificate id, printed code).
async fn certificate(
    api: &common::Api, course: &str, given: &str, family: &str,
) -> (String, i64, String) {
    let (_, _, summary) = common::certified(api, course, given, family, None).await;
    let issued = &summary["issued"][0];
    let text = |field: &str| {
        issued[field].as_str().unwrap_or_else(|| panic!("{field}: {summary}")).to_string()
    };
    (text("verification_url"), issued["id"].as_i64().unwrap(), text("code"))
}

/// After one online visit, a phone checks scans with the network cut: genuine → "Gültig
/// (offline geprüft)" with the list's date, revoked before the visit → Widerrufen, tampered
/// or signed by a key not in the key set → Ungültig, a list past its next update → the
/// stale warning, a week-old list → not used. Online again, the server answers.
#[actix_web::test]
async fn scanning_without_a_network() {
    if !common::browser::available() {
        return;
    }
    let (app, api) = landlords_test("keller").await;
    let (genuine, _, _) = certificate(&api, "ms-k", "Olena", "Kovalenko").await;
    let (revoked, revoked_id, _) = certificate(&api, "ms-k2", "Yusuf", "Demir").await;
    let (s, body) = api
        .post(&format!("/api/v1/certificates/{revoked_id}/revoke"), json!({"reason": "Versehen"}))
        .await;
    assert_eq!(s, 200, "{body}");

    let relay = Relay::to(app.port);
    let phone = Chromium::phone().await;
    phone.goto(&relay.url("/pruefen?lang=de")).await;
    wait_for(&phone, "data-state=\"ready\"", Duration::from_secs(20)).await;
    // The workers for the QR links are active before the network goes.
    let active = phone
        .script_async(
            "var done = arguments[arguments.length - 1];
             function poll() {
               Promise.all(['/Z', '/z', '/pruefen'].map(function (s) { return navigator.serviceWorker.getRegistration(s); }))
                 .then(function (rs) {
                   if (rs.every(function (r) { return r && r.active && r.active.state === 'activated'; })) done(true);
                   else setTimeout(poll, 100);
                 });
             }
             poll();",
        )
        .await;
    assert_eq!(active, true);
    phone.assert_fits_width().await;

    // No network: the phone's camera opens the QR link as usual.
    relay.offline();
    let start = Instant::now();
    phone.goto(&relay.url(&format!("{}?lang=de", qr_path(&genuine)))).await;
    let page = wait_for(&phone, "data-test=\"verdict\"", Duration::from_secs(10)).await;
    let mut timings = vec![navigation_ms(&phone).await];
    eprintln!("offline: scan to result seen by the test in {} ms", start.elapsed().as_millis());
    assert_eq!(common::verdict(&page), Some("valid"), "{page}");
    assert!(page.contains(&t_said("de", "verify.offline_valid")), "{page}");
    assert!(page.contains("data-test=\"offline-note\""), "{page}");
    assert!(page.contains(&t_said("de", "verify.offline_note")));
    assert!(page.contains("Olena Kovalenko") && page.contains("Landratsamt keller"), "{page}");
    phone.assert_fits_width().await;
    let violations = super::a11y_crawl::axe_violations(&phone).await;
    assert!(violations.is_empty(), "the offline result page: {violations:?}");
    screenshot(&phone, "offline-valid-360").await;

    phone.goto(&relay.url(&qr_path(&revoked))).await;
    let page = wait_for(&phone, "data-test=\"verdict\"", Duration::from_secs(10)).await;
    assert_eq!(common::verdict(&page), Some("revoked"), "{page}");
    assert!(page.contains("offline-note"));
    timings.push(navigation_ms(&phone).await);

    // A typed code needs the server: offline, the form says so and points to the QR code.
    phone.goto(&relay.url("/z?code=0MRE-09HP-XPXF-H1GG-K&lang=de")).await;
    wait_for(&phone, &t_said("de", "pruefen.typed_code"), Duration::from_secs(10)).await;

    // Tampered: one character of the token changed.
    let path = qr_path(&genuine);
    let mut chars: Vec<char> = path.chars().collect();
    let i = chars.len() - 20;
    chars[i] = if chars[i] == 'A' { 'B' } else { 'A' };
    let tampered: String = chars.into_iter().collect();
    // Signed by a key the key set does not hold (a forger's, with a kid nobody uses).
    let forger = SigningKey::from_bytes(&[9; 32]);
    let claims = CertificateClaims {
        issued_at: 1_800_000_000,
        code: [7; CODE_BYTES],
        holder_name: "Olena Kovalenko".into(),
        course_code: "MS-K".into(),
        completion_date: chrono::NaiveDate::from_ymd_opt(2026, 3, 3).unwrap(),
    };
    let forged = token::sign(&claims, 250, &forger).unwrap();
    let forged = format!("/Z/{}", data_encoding::BASE32_NOPAD.encode(&forged));
    // Signed by a forger's key under a kid the key set holds.
    let borrowed = token::sign(&claims, 1, &forger).unwrap();
    let borrowed = format!("/Z/{}", data_encoding::BASE32_NOPAD.encode(&borrowed));
    for bad in [tampered, forged, borrowed, "/Z/NOTATOKEN".to_string()] {
        phone.goto(&relay.url(&bad)).await;
        let page = wait_for(&phone, "data-test=\"verdict\"", Duration::from_secs(10)).await;
        assert_eq!(common::verdict(&page), Some("invalid"), "{bad}: {page}");
        assert!(!page.contains("Olena"), "{page}");
        timings.push(navigation_ms(&phone).await);
    }
    timings.sort_by(f64::total_cmp);
    // Printed for the README, never asserted.
    eprintln!(
        "offline: navigation start to result page loaded: median {:.0} ms, max {:.0} ms ({} scans)",
        timings[timings.len() / 2],
        timings[timings.len() - 1],
        timings.len()
    );

    // The phone's list is two days old (it was last online then): never a plain green.
    phone.goto(&relay.url("/pruefen?lang=de")).await;
    wait_for(&phone, "data-state=", Duration::from_secs(10)).await;
    hold_list(&phone, &list_issued_ago(&app, 2 * DAY, Vec::new())).await;
    phone.goto(&relay.url(&format!("{}?lang=de", qr_path(&genuine)))).await;
    let page = wait_for(&phone, "data-test=\"verdict\"", Duration::from_secs(10)).await;
    assert_eq!(common::verdict(&page), Some("stale"), "{page}");
    assert!(page.contains(&t_said("de", "verify.offline_stale")), "{page}");
    assert!(!page.contains("status-valid"));
    let violations = super::a11y_crawl::axe_violations(&phone).await;
    assert!(violations.is_empty(), "the stale warning: {violations:?}");
    screenshot(&phone, "offline-stale-360").await;
    // The page says so too.
    phone.goto(&relay.url("/pruefen?lang=de")).await;
    wait_for(&phone, "data-state=\"stale\"", Duration::from_secs(10)).await;

    // A stale list still knows what it revoked.
    hold_list(&phone, &list_issued_ago(&app, 2 * DAY, vec![code_of(&genuine)])).await;
    phone.goto(&relay.url(&qr_path(&genuine))).await;
    let page = wait_for(&phone, "data-test=\"verdict\"", Duration::from_secs(10)).await;
    assert_eq!(common::verdict(&page), Some("revoked"), "{page}");

    // Eight days old: not used at all.
    hold_list(&phone, &list_issued_ago(&app, 8 * DAY, Vec::new())).await;
    phone.goto(&relay.url(&format!("{}?lang=en", qr_path(&genuine)))).await;
    let page = wait_for(&phone, "data-test=\"verdict\"", Duration::from_secs(10)).await;
    assert_eq!(common::verdict(&page), Some("stale"), "{page}");
    assert!(page.contains(&t_said("en", "verify.offline_unusable")), "{page}");

    // A network that does not answer: the worker stops waiting and answers itself (with
    // a current list again).
    hold_list(&phone, &list_issued_ago(&app, 60, vec![code_of(&revoked)])).await;
    relay.slow();
    let start = Instant::now();
    phone.goto(&relay.url(&qr_path(&revoked))).await;
    let page = wait_for(&phone, "data-test=\"verdict\"", Duration::from_secs(15)).await;
    eprintln!("slow network: scan to result in {} ms", start.elapsed().as_millis());
    assert_eq!(common::verdict(&page), Some("revoked"), "{page}");

    // Online again: the server's answer, not the device's.
    relay.online();
    phone.goto(&relay.url(&format!("{}?lang=de", qr_path(&genuine)))).await;
    let page = wait_for(&phone, "data-test=\"verdict\"", Duration::from_secs(10)).await;
    assert_eq!(common::verdict(&page), Some("valid"), "{page}");
    assert!(!page.contains("offline-note"), "the server answered: {page}");
    assert!(page.contains(&t_said("de", "verify.valid")));
    // And the page renews the list it holds.
    phone.goto(&relay.url("/pruefen?lang=de")).await;
    wait_for(&phone, "data-state=\"ready\"", Duration::from_secs(20)).await;

    // A list newer than the server's (a clock that ran ahead) is not replaced by an older
    // one: an old list must never undo a revocation. The phone keeps it, says it cannot
    // renew, and shows no green until the server's lists catch up.
    let ahead = list_issued_ago(&app, -3600, Vec::new());
    hold_list(&phone, &ahead).await;
    phone.click("#refresh").await;
    // The data attribute holds every text of the page: wait for the state, then read it.
    wait_for(&phone, "data-state=\"stale\"", Duration::from_secs(20)).await;
    let said = phone.script("return document.getElementById('state').textContent;").await;
    assert!(
        said.as_str().is_some_and(|s| s.contains(&t_said("de", "pruefen.refresh_failed"))),
        "{said}"
    );
    let held = phone.script("return document.getElementById('list-issued').textContent;").await;
    // The list the phone was given, in the phone's own time zone (not the one it would
    // have fetched now).
    let ahead_at = chrono::Utc::now().timestamp() + 3600;
    let shown =
        phone.script(&format!("return window.MietschulungVerifier.fmtDateTime({ahead_at});")).await;
    let before = phone
        .script(&format!("return window.MietschulungVerifier.fmtDateTime({});", ahead_at - 120))
        .await;
    assert!(held == shown || held == before, "{held} / {shown}");
}

/// A housing company checks many at once: scanned links and typed codes online, links
/// offline, codes offline only with the honest "online only"; nothing is stored unless
/// asked, and then only on the device.
#[actix_web::test]
async fn checking_many_at_once() {
    if !common::browser::available() {
        return;
    }
    let (app, api) = landlords_test("empfang").await;
    let (link, _, code) = certificate(&api, "ms-e", "Fatima", "Rahimi").await;
    let relay = Relay::to(app.port);
    let phone = Chromium::phone().await;
    phone.goto(&relay.url("/pruefen?lang=de")).await;
    wait_for(&phone, "data-state=\"ready\"", Duration::from_secs(20)).await;

    // Too many: the error in GOV.UK's pattern, nothing checked.
    let many = vec![link.as_str(); 51].join("\\n");
    phone.script(&format!("document.getElementById('bulk').value = \"{many}\"; return 1;")).await;
    phone.click("#bulk-submit").await;
    let page = wait_for(&phone, "aria-invalid=\"true\"", Duration::from_secs(5)).await;
    assert!(page.contains(&t_said("de", "pruefen.bulk_too_many").replace("{count}", "51")));
    let violations = super::a11y_crawl::axe_violations(&phone).await;
    assert!(violations.is_empty(), "the error summary: {violations:?}");

    let lines = [link.as_str(), code.as_str(), "XXXX"].join("\\n");
    phone.script(&format!("document.getElementById('bulk').value = \"{lines}\"; return 1;")).await;
    phone.click("#bulk-submit").await;
    let rows = wait_rows(&phone, 3).await;
    assert_eq!(rows[0]["verdict"], "valid", "{rows:?}");
    assert_eq!(rows[0]["how"], t_said("de", "pruefen.how_online"));
    assert!(rows[0]["name"].as_str().unwrap().contains("Fatima Rahimi"));
    assert_eq!(rows[1]["verdict"], "valid", "{rows:?}");
    assert_eq!(rows[2]["verdict"], "none", "{rows:?}");
    phone.assert_fits_width().await;
    let violations = super::a11y_crawl::axe_violations(&phone).await;
    assert!(violations.is_empty(), "the results table: {violations:?}");
    screenshot(&phone, "pruefen-bulk-360").await;
    let stored = phone.script("return localStorage.getItem('pruefen-ergebnisse');").await;
    assert!(stored.is_null(), "nothing kept unless asked: {stored}");

    relay.offline();
    phone.click("#keep").await;
    let lines = [link.as_str(), code.as_str()].join("\\n");
    phone.script(&format!("document.getElementById('bulk').value = \"{lines}\"; return 1;")).await;
    phone.click("#bulk-submit").await;
    let rows = wait_rows(&phone, 2).await;
    assert_eq!(rows[0]["verdict"], "valid", "{rows:?}");
    assert_eq!(rows[0]["how"], t_said("de", "pruefen.how_offline"));
    assert_eq!(rows[1]["verdict"], "none", "{rows:?}");
    assert_eq!(rows[1]["result"], t_said("de", "pruefen.only_online"));
    let stored = phone.script("return localStorage.getItem('pruefen-ergebnisse');").await;
    assert!(stored.as_str().is_some_and(|s| s.contains("Fatima")), "kept when asked: {stored}");
    phone.click("#forget").await;
    let stored = phone.script("return localStorage.getItem('pruefen-ergebnisse');").await;
    assert!(stored.is_null(), "{stored}");
}

/// The results table, once it has `n` finished rows.
async fn wait_rows(phone: &Chromium, n: usize) -> Vec<Value> {
    let start = Instant::now();
    loop {
        let rows = phone
            .script(
                "return Array.from(document.querySelectorAll('#results-body tr')).map(function (r) {
                   return {verdict: r.getAttribute('data-verdict'), result: r.cells[2].textContent,
                           name: r.cells[3].textContent, how: r.cells[6].textContent}; });",
            )
            .await;
        let rows = rows.as_array().cloned().unwrap_or_default();
        if rows.len() == n && rows.iter().all(|r| r["verdict"] != "") {
            return rows;
        }
        assert!(start.elapsed() < Duration::from_secs(30), "rows: {rows:?}");
        actix_web::rt::time::sleep(Duration::from_millis(100)).await;
    }
}

// ---- shared vectors --------------------------------------------------------------------

/// Markup, a bidi override and an emoji in a name the token signed.
const HOSTILE_NAME: &str = "Ali <img src=x onerror=alert(1)> \u{202E}\"&' 🏠";

const ORG_KID: u8 = 3;
const DEPLOYMENT_KID: u8 = 1;
const NOW: i64 = 1_800_000_000;

fn org_key() -> SigningKey {
    SigningKey::from_bytes(&[3; 32])
}

fn deployment_key() -> SigningKey {
    SigningKey::from_bytes(&[1; 32])
}

fn jwks() -> Value {
    let x = |k: &SigningKey| data_encoding::BASE64URL_NOPAD.encode(k.verifying_key().as_bytes());
    json!({"keys": [
        {"kty": "OKP", "crv": "Ed25519", "alg": "EdDSA", "use": "sig", "kid": DEPLOYMENT_KID.to_string(),
         "x": x(&deployment_key()), "organisation_id": null, "status": "active"},
        {"kty": "OKP", "crv": "Ed25519", "alg": "EdDSA", "use": "sig", "kid": ORG_KID.to_string(),
         "x": x(&org_key()), "organisation_id": 7, "status": "active"},
    ]})
}

fn claims(code: u8, name: &str) -> CertificateClaims {
    CertificateClaims {
        issued_at: NOW - 3600,
        code: [code; CODE_BYTES],
        holder_name: name.into(),
        course_code: "MS-1".into(),
        completion_date: chrono::NaiveDate::from_ymd_opt(2026, 11, 20).unwrap(),
    }
}

/// A COSE_Sign1 with the given protected header bytes and payload, signed by `key`.
fn sign1(protected: &[u8], payload: &[u8], key: &SigningKey) -> Vec<u8> {
    use coset::cbor::value::Value as C;
    let tbs = C::Array(vec![
        C::Text("Signature1".into()),
        C::Bytes(protected.to_vec()),
        C::Bytes(Vec::new()),
        C::Bytes(payload.to_vec()),
    ]);
    let mut data = Vec::new();
    coset::cbor::ser::into_writer(&tbs, &mut data).unwrap();
    let sig = key.sign(&data).to_bytes().to_vec();
    let whole = C::Array(vec![
        C::Bytes(protected.to_vec()),
        C::Map(Vec::new()),
        C::Bytes(payload.to_vec()),
        C::Bytes(sig),
    ]);
    let mut out = Vec::new();
    coset::cbor::ser::into_writer(&whole, &mut out).unwrap();
    out
}

fn header(alg: i64, kid: u8) -> Vec<u8> {
    use coset::cbor::value::Value as C;
    let map = C::Map(vec![(C::from(1), C::from(alg)), (C::from(4), C::Bytes(vec![kid]))]);
    let mut out = Vec::new();
    coset::cbor::ser::into_writer(&map, &mut out).unwrap();
    out
}

/// Parts of a genuine token: (protected header bytes, payload bytes).
fn parts(token: &[u8]) -> (Vec<u8>, Vec<u8>) {
    let s = <coset::CoseSign1 as coset::CborSerializable>::from_slice(token).unwrap();
    (s.protected.original_data.unwrap(), s.payload.unwrap())
}

/// What the Rust side says offline: the token's checks (an organisation's key only), the
/// list's (the deployment's key only), then `offline::judge`.
fn rust_verdict(text: &str, list: Option<&[u8]>, now: i64) -> &'static str {
    let keys = mietschulung_keys();
    let genuine = token::token_from_text(text)
        .ok()
        .and_then(|b| token::verify(&b, |kid| (kid == ORG_KID).then_some(keys.0)).ok());
    let held = list.and_then(|bytes| {
        // The list's own checks, whatever its age; freshness is the judge's.
        let l =
            revocation::verify(bytes, |kid| (kid == DEPLOYMENT_KID).then_some(keys.1), i64::MIN)
                .ok()?;
        Some(l)
    });
    let held = held.map(|l| HeldList {
        issued_at: l.issued_at,
        next_update: l.next_update,
        listed: genuine.as_ref().map_or(Listed::No, |g| l.lookup(&g.claims.code)),
    });
    offline::judge(genuine.is_some(), held, now).as_str()
}

fn mietschulung_keys() -> (ed25519_dalek::VerifyingKey, ed25519_dalek::VerifyingKey) {
    (org_key().verifying_key(), deployment_key().verifying_key())
}

fn list_at(
    issued_at: i64, revoked: Vec<[u8; CODE_BYTES]>, replaced: Vec<[u8; CODE_BYTES]>,
) -> Vec<u8> {
    let list = RevocationList {
        issued_at,
        next_update: issued_at + DAY,
        issuer: "https://mietschulung.example".into(),
        revoked,
        replaced,
    };
    revocation::sign(&list, DEPLOYMENT_KID, &deployment_key()).unwrap()
}

/// The token in base32 with the unused bits of its last character set: the same bytes to a
/// lenient decoder, not base32 to a strict one.
fn trailing_bits_set(token: &[u8]) -> String {
    const ALPHABET: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let mut text = b32(token);
    assert!(text.len() * 5 > token.len() * 8, "this token has unused bits");
    let last = text.pop().unwrap();
    let value = ALPHABET.find(last).unwrap() | 1;
    text.push(ALPHABET.as_bytes()[value] as char);
    text
}

fn b32(bytes: &[u8]) -> String {
    data_encoding::BASE32_NOPAD.encode(bytes)
}

/// One vector: scanned text, the list held (or none), the device's clock.
fn vector(name: &str, text: String, list: Option<&[u8]>, now: i64) -> Value {
    json!({
        "name": name,
        "text": text,
        "list": list.map(|l| data_encoding::BASE64.encode(l)),
        "now": now,
        "expected": rust_verdict(&text, list, now),
    })
}

#[actix_web::test]
async fn javascript_and_rust_verifiers_agree() {
    if !common::browser::available() {
        return;
    }
    let key = org_key();
    let genuine = token::sign(&claims(1, "Amina Haddad"), ORG_KID, &key).unwrap();
    let revoked = token::sign(&claims(2, "Олена Коваленко"), ORG_KID, &key).unwrap();
    let replaced = token::sign(&claims(3, "محمد الأحمد"), ORG_KID, &key).unwrap();
    let list = list_at(NOW - 600, vec![[2; CODE_BYTES]], vec![[3; CODE_BYTES]]);
    let url = |t: &[u8]| format!("https://mietschulung.example/Z/{}", b32(t));
    let (protected, payload) = parts(&genuine);

    let mut vectors = vec![
        vector("genuine", url(&genuine), Some(&list), NOW),
        vector("genuine, lower-case link", url(&genuine).to_lowercase(), Some(&list), NOW),
        vector(
            "genuine, bare token with spaces",
            format!("  {}\n", b32(&genuine)),
            Some(&list),
            NOW,
        ),
        vector(
            "genuine, query and slash",
            format!("{}/?lang=ar#x", url(&genuine)),
            Some(&list),
            NOW,
        ),
        vector("revoked", url(&revoked), Some(&list), NOW),
        vector("replaced", url(&replaced), Some(&list), NOW),
        vector("stale list", url(&genuine), Some(&list), NOW + DAY),
        vector("week-old list", url(&genuine), Some(&list), NOW + 8 * DAY),
        vector("no list", url(&genuine), None, NOW),
        vector("clock a day behind", url(&genuine), Some(&list), NOW - DAY),
        vector("clock a few minutes behind", url(&genuine), Some(&list), NOW - 900),
        vector("revoked, week-old list", url(&revoked), Some(&list), NOW + 8 * DAY),
        vector(
            "unknown kid",
            url(&token::sign(&claims(1, "Amina Haddad"), 99, &key).unwrap()),
            Some(&list),
            NOW,
        ),
        vector(
            "signed by the deployment's key",
            url(&token::sign(&claims(1, "Amina Haddad"), DEPLOYMENT_KID, &deployment_key())
                .unwrap()),
            Some(&list),
            NOW,
        ),
        vector(
            "replaced key (another key under our kid)",
            url(&token::sign(
                &claims(1, "Amina Haddad"),
                ORG_KID,
                &SigningKey::from_bytes(&[4; 32]),
            )
            .unwrap()),
            Some(&list),
            NOW,
        ),
        vector(
            "wrong algorithm (ES256)",
            url(&sign1(&header(-7, ORG_KID), &payload, &key)),
            Some(&list),
            NOW,
        ),
        vector(
            "polymorphic EdDSA",
            url(&sign1(&header(-8, ORG_KID), &payload, &key)),
            Some(&list),
            NOW,
        ),
        vector("re-encoded: tagged", url(&[&[0xD2u8][..], &genuine].concat()), Some(&list), NOW),
        vector(
            "re-encoded: array head in two bytes",
            url(&[&[0x98u8, 0x04][..], &genuine[1..]].concat()),
            Some(&list),
            NOW,
        ),
        vector(
            "re-encoded: tag 18 in two bytes",
            url(&[&[0xD8u8, 0x12][..], &genuine].concat()),
            Some(&list),
            NOW,
        ),
        vector("trailing byte", url(&[&genuine[..], &[0]].concat()), Some(&list), NOW),
        vector("not base32", "https://x.example/Z/ABC!DEF".into(), Some(&list), NOW),
        vector("base32 with a character too many", format!("{}B", b32(&genuine)), Some(&list), NOW),
        vector("base32 with trailing bits set", trailing_bits_set(&genuine), Some(&list), NOW),
        vector("empty", String::new(), Some(&list), NOW),
        vector("ten thousand characters", "A".repeat(10_000), Some(&list), NOW),
        vector("bidi controls", format!("\u{202E}{}", url(&genuine)), Some(&list), NOW),
    ];
    // The payload re-encoded (same claims, other bytes) no longer matches its signature.
    {
        use coset::cbor::value::Value as C;
        let mut value: C = coset::cbor::de::from_reader(payload.as_slice()).unwrap();
        if let C::Map(entries) = &mut value {
            entries.reverse();
        }
        let mut reordered = Vec::new();
        coset::cbor::ser::into_writer(&value, &mut reordered).unwrap();
        let s = <coset::CoseSign1 as coset::CborSerializable>::from_slice(&genuine).unwrap();
        let mut whole = coset::CoseSign1 { payload: Some(reordered), ..s };
        whole.protected.original_data = Some(protected.clone());
        let bytes = <coset::CoseSign1 as coset::CborSerializable>::to_vec(whole).unwrap();
        vectors.push(vector("re-encoded payload", url(&bytes), Some(&list), NOW));
    }
    // Every single-bit flip and every truncation of the genuine token.
    for i in 0..genuine.len() * 8 {
        let mut t = genuine.clone();
        t[i / 8] ^= 1 << (i % 8);
        vectors.push(vector(&format!("bit {i} flipped"), url(&t), Some(&list), NOW));
    }
    for n in 0..genuine.len() {
        vectors.push(vector(&format!("cut to {n} bytes"), url(&genuine[..n]), Some(&list), NOW));
    }
    // Every single-bit flip of the list: a list whose signature fails is no list.
    for i in 0..list.len() * 8 {
        let mut l = list.clone();
        l[i / 8] ^= 1 << (i % 8);
        vectors.push(vector(&format!("list bit {i} flipped"), url(&revoked), Some(&l), NOW));
    }
    let expected_valid = vectors.iter().filter(|v| v["expected"] == "valid").count();
    assert!(expected_valid >= 5, "the vectors include genuine ones");

    let app = common::spawn_app(Backend::Sqlite).await;
    let phone = Chromium::phone().await;
    phone.goto(&app.url("/pruefen")).await;
    wait_for(&phone, "data-state=", Duration::from_secs(10)).await;
    let input = json!({"jwks": jwks(), "vectors": vectors}).to_string();
    let got = phone
        .script_async(&format!(
            "var done = arguments[arguments.length - 1];
             var V = window.MietschulungVerifier, input = {input};
             var keys = V.parseJwks(input.jwks);
             function b64(s) {{ var bin = atob(s), out = new Uint8Array(bin.length);
               for (var i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i); return out; }}
             var lists = {{}};
             Promise.all(input.vectors.map(function (v) {{
               var list = v.list === null ? Promise.resolve(null)
                 : (lists[v.list] = lists[v.list] || V.verifyList(b64(v.list), keys).catch(function () {{ return null; }}));
               return list.then(function (l) {{
                 return V.check(v.text, {{keys: keys, list: l}}, v.now);
               }}).then(function (r) {{ return r.verdict; }});
             }})).then(function (verdicts) {{
               done({{verdicts: verdicts, constants: [V.LIST_MAX_AGE_SECS, V.CLOCK_SLACK_SECS, V.NETWORK_TIMEOUT_MS, V.BULK_MAX],
                      code: V.printedCode(new Uint8Array({code:?})),
                      page: V.renderResult({{verdict: 'valid', organisationId: 7, code: 'X',
                          claims: {{holderName: {hostile}, courseCode: '<b>MS</b>', completionDate: '2026-11-20'}}}},
                        {{templates: {{de: {templates}}}, issuers: {{'7': {{name: 'Stadt <i>', contact: '', courses: {{}}}}}}, list: null}},
                        'de', 1800000000)}});
             }}, function (e) {{ done({{error: String(e)}}); }});",
            code = [0x8Au8, 0x13, 0xF0, 0x00, 0x42, 0x99, 0xFF, 0x01, 0x00, 0x07],
            hostile = json!(HOSTILE_NAME),
            templates = mietschulung::verification::page::offline_templates("de").unwrap(),
        ))
        .await;
    let verdicts = got["verdicts"].as_array().unwrap_or_else(|| panic!("{got}"));
    let disagreements: Vec<String> = vectors
        .iter()
        .zip(verdicts)
        .filter(|(v, js)| v["expected"] != **js)
        .map(|(v, js)| format!("{}: Rust {} / JavaScript {js}", v["name"], v["expected"]))
        .collect();
    assert!(
        disagreements.is_empty(),
        "{} of {}: {disagreements:#?}",
        disagreements.len(),
        vectors.len()
    );
    assert_eq!(
        got["constants"],
        json!([
            offline::LIST_MAX_AGE_SECS,
            offline::CLOCK_SLACK_SECS,
            offline::NETWORK_TIMEOUT_MS,
            offline::BULK_MAX
        ])
    );
    // The offline page shows signed and held text as text.
    let page = got["page"].as_str().unwrap_or_else(|| panic!("{got}"));
    assert!(!page.contains("<img") && !page.contains("<b>MS") && !page.contains("<i>"), "{page}");
    assert!(page.contains("Ali &lt;img src&#x3D;x onerror&#x3D;alert(1)&gt;"), "{page}");
    assert!(page.contains("<bdi>") && page.contains("🏠"), "{page}");
    assert_eq!(
        got["code"],
        token::printed_code(&[0x8A, 0x13, 0xF0, 0x00, 0x42, 0x99, 0xFF, 0x01, 0x00, 0x07])
    );
}
