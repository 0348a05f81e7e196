//! Issuing in depth: batches with progress, reruns after an interruption, the ZIP, name
//! corrections ("ersetzt"), the signed revocation list, keys managed in the web UI.

use std::process::Command;
use std::time::Duration;

use serde_json::{json, Value};

use crate::both_backends;
use crate::common::{self, Backend};
use mietschulung::certificates::{revocation, token};

/// given name, family name, email, referrer (name, contact).
type Person<'a> = (&'a str, &'a str, Option<&'a str>, Option<(&'a str, &'a str)>);

/// A run with one session and these participants enrolled: (run id, participant ids).
async fn run_with_attendees(
    api: &common::Api, code: &str, people: &[Person<'_>],
) -> (i64, Vec<i64>) {
    let (_, run_id, modules) = common::plan_run(api, code, 10, &[("Mietvertrag", true)]).await;
    let (status, session) = api
        .post(&format!("/api/v1/runs/{run_id}/sessions"), json!({"starts_at": "2026-03-03T09:00", "ends_at": "2026-03-03T10:00", "module_ids": modules}))
        .await;
    assert_eq!(status, 201, "{session}");
    let mut ids = Vec::new();
    for (given, family, email, referrer) in people {
        let (status, p) = api
            .post(
                "/api/v1/participants",
                json!({"given_name": given, "family_name": family, "preferred_language": "uk",
                       "email": email, "consent": true,
                       "referrer_name": referrer.map(|r| r.0), "referrer_contact": referrer.map(|r| r.1)}),
            )
            .await;
        assert_eq!(status, 201, "{p}");
        let pid = p["id"].as_i64().unwrap();
        api.post(&format!("/api/v1/runs/{run_id}/enrollments"), json!({"participant_id": pid}))
            .await;
        ids.push(pid);
    }
    (run_id, ids)
}

fn certificate_mails(app: &common::TestApp) -> Vec<String> {
    #[derive(diesel::QueryableByName)]
    struct R {
        #[diesel(sql_type = diesel::sql_types::Text)]
        recipient: String,
    }
    app.db
        .run_blocking(|conn| {
            use diesel::RunQueryDsl;
            Ok(diesel::sql_query(
                "SELECT recipient FROM mail_outbox WHERE attachment_mime = 'application/pdf' ORDER BY id",
            )
            .load::<R>(conn)?)
        })
        .expect("mails")
        .into_iter()
        .map(|r| r.recipient)
        .collect()
}

/// Valid certificates per participant: never more than one.
fn valid_per_participant(app: &common::TestApp) -> Vec<i64> {
    #[derive(diesel::QueryableByName)]
    struct N {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    app.db
        .run_blocking(|conn| {
            use diesel::RunQueryDsl;
            Ok(diesel::sql_query(
                "SELECT COUNT(*) AS n FROM certificates WHERE status = 'valid' GROUP BY participant_id, run_id",
            )
            .load::<N>(conn)?)
        })
        .expect("counts")
        .into_iter()
        .map(|r| r.n)
        .collect()
}

fn zip_entries(bytes: &[u8]) -> Vec<(String, Vec<u8>)> {
    use std::io::Read;
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("a ZIP");
    (0..archive.len())
        .map(|i| {
            let mut f = archive.by_index(i).expect("entry");
            let mut data = Vec::new();
            f.read_to_end(&mut data).expect("read entry");
            (f.name().to_string(), data)
        })
        .collect()
}

async fn batch_issuance(backend: Backend) {
    let app = common::spawn_app(backend).await;
    let org = app.create_org("stapel");
    let api = app.api_token(&org.coordinator.email).await;
    let too_long = "Abdullah Mohammed Abdulrahman Abdulaziz Al-Rashidi-Hashemi-Qahtani";
    let (run_id, pids) = run_with_attendees(
        &api,
        "MS-B",
        &[
            ("Olena", "Shevchenko", Some("olena@example.org"), None),
            ("Amir", "Karimi", None, Some(("Frau Weber", "weber@caritas.example.org"))),
            ("Samir", "Haddad", None, None),
            (too_long, "Bakr", None, None),
            ("Nadia", "Rahimi", None, None),
        ],
    )
    .await;
    // Everyone but Nadia attended.
    common::mark_present(&api, run_id, &pids[..4]).await;

    // The coordinator starts the batch in the browser and follows its progress page.
    let b = app.browser();
    b.login(&org.coordinator.email).await;
    let run_page = b.get(&format!("/runs/{run_id}")).await;
    assert!(run_page.body.contains("4 Person(en) haben abgeschlossen"), "{}", run_page.body);
    let started =
        b.submit(&format!("/runs/{run_id}"), &format!("/runs/{run_id}/certificates"), &[]).await;
    assert_eq!(started.status, 303, "{}", started.body);
    let batch_path = started.location.clone().expect("progress page");
    assert!(batch_path.starts_with("/certificate-batches/"));
    let mut page = b.get(&batch_path).await;
    let start = std::time::Instant::now();
    while page.body.contains("http-equiv=\"refresh\"") {
        assert!(page.body.contains("<progress"), "progress is shown while running");
        assert!(start.elapsed() < Duration::from_secs(60), "batch finishes");
        actix_web::rt::time::sleep(Duration::from_millis(100)).await;
        page = b.get(&batch_path).await;
    }
    assert!(page.body.contains("Fertig."), "{}", page.body);
    assert!(page.body.contains("<strong>5</strong> von 5"), "{}", page.body);
    assert!(page.body.contains("3 ausgestellt"), "{}", page.body);
    assert!(page.body.contains("1 noch nicht abgeschlossen"), "{}", page.body);
    // The one it could not issue is named, with the reason in words.
    assert!(
        page.body.contains(&common::said(
            "error.certificates.name_too_long",
            &[("name", &format!("{too_long} Bakr"))]
        )),
        "{}",
        page.body
    );
    assert!(page.body.contains("Bakr"));

    assert_eq!(app.count("certificates"), 3);
    // Olena by her own address, Amir through his referrer; Samir has no address at all.
    let mut mails = certificate_mails(&app);
    mails.sort();
    assert_eq!(mails, vec!["olena@example.org", "weber@caritas.example.org"]);

    // The run page links the last batch; the ZIP holds every valid certificate.
    let run_page = b.get(&format!("/runs/{run_id}")).await;
    assert!(run_page.body.contains(&batch_path));
    let (status, ct, zip_bytes) = b.get_bytes(&format!("/runs/{run_id}/certificates.zip")).await;
    assert_eq!(status, 200);
    assert_eq!(ct.as_deref(), Some("application/zip"));
    let entries = zip_entries(&zip_bytes);
    assert_eq!(entries.len(), 3);
    let dir = tempfile::tempdir().unwrap();
    // Named Nachname_Vorname_CODE.pdf, so a printed pile sorts by family name.
    let mut names: Vec<&str> = entries.iter().map(|(name, _)| name.as_str()).collect();
    names.sort_unstable();
    assert!(names[0].starts_with("Haddad_Samir_"), "{names:?}");
    assert!(names[1].starts_with("Karimi_Amir_"), "{names:?}");
    assert!(names[2].starts_with("Shevchenko_Olena_"), "{names:?}");
    for (name, pdf) in &entries {
        assert!(name.is_ascii() && name.ends_with(".pdf"), "{name}");
        // The printed code last: unique within the ZIP.
        let code = name.split('_').nth(2).and_then(|c| c.strip_suffix(".pdf")).unwrap();
        assert!(code.len() >= 19 && code.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'));
        assert!(pdf.starts_with(b"%PDF-"));
        let path = dir.path().join(name);
        std::fs::write(&path, pdf).unwrap();
        common::qpdf_check(&path);
    }

    // Running it again (twice at once, through the API) issues nothing twice.
    let (s1, first) =
        api.post(&format!("/api/v1/runs/{run_id}/certificate-batches"), json!({})).await;
    let (s2, second) =
        api.post(&format!("/api/v1/runs/{run_id}/certificate-batches"), json!({})).await;
    assert_eq!((s1, s2), (202, 202), "{first} {second}");
    let done = common::wait_for_batch(&api, first["id"].as_i64().unwrap()).await;
    common::wait_for_batch(&api, second["id"].as_i64().unwrap()).await;
    assert_eq!(done["issued"], 0, "{done}");
    assert_eq!(app.count("certificates"), 3);
    assert_eq!(certificate_mails(&app).len(), 2, "no second mail");
    assert!(valid_per_participant(&app).iter().all(|n| *n == 1));

    // Nadia catches up; the next batch issues only hers.
    common::mark_present(&api, run_id, &pids[4..]).await;
    let (_, batch) =
        api.post(&format!("/api/v1/runs/{run_id}/certificate-batches"), json!({})).await;
    let done = common::wait_for_batch(&api, batch["id"].as_i64().unwrap()).await;
    assert_eq!((done["issued"].as_i64(), done["already_issued"].as_i64()), (Some(1), Some(3)));
    assert_eq!(app.count("certificates"), 4);
}

both_backends!(batch_issues_once_shows_progress_and_zips, batch_issuance);

async fn interrupted(backend: Backend) {
    let app = common::spawn_app(backend).await;
    let org = app.create_org("abbruch");
    let api = app.api_token(&org.coordinator.email).await;
    let (run_id, pids) = run_with_attendees(
        &api,
        "MS-I",
        &[
            ("Olena", "Shevchenko", None, None),
            ("Amir", "Karimi", None, None),
            ("Samir", "Haddad", None, None),
        ],
    )
    .await;
    // A batch that died after its first certificate: one certificate exists, its row
    // still says "running", its heartbeat stopped ten minutes ago.
    common::mark_present(&api, run_id, &pids[..1]).await;
    let (_, summary) = api.post(&format!("/api/v1/runs/{run_id}/certificates"), json!({})).await;
    assert_eq!(summary["issued"].as_array().map(Vec::len), Some(1));
    let stale_id = common::dead_batch(&app, &org.coordinator, run_id, 10, None);
    common::mark_present(&api, run_id, &pids[1..]).await;

    // Starting again does not join the dead batch: it marks it interrupted and finishes.
    let (_, joined) =
        api.post(&format!("/api/v1/runs/{run_id}/certificate-batches"), json!({})).await;
    assert_ne!(joined["id"].as_i64(), Some(i64::from(stale_id.0)), "a dead batch is not joined");
    let done = common::wait_for_batch(&api, joined["id"].as_i64().unwrap()).await;
    assert_eq!(done["issued"], 2, "{done}");
    assert_eq!(done["already_issued"], 1, "{done}");
    let (_, old) = api.get(&format!("/api/v1/certificate-batches/{stale_id}")).await;
    assert_eq!(old["state"], "interrupted");
    assert_eq!(app.count("certificates"), 3);
    assert!(valid_per_participant(&app).iter().all(|n| *n == 1));

    // The coordinator's page explains an interrupted batch and offers to continue.
    let b = app.browser();
    b.login(&org.coordinator.email).await;
    let page = b.get(&format!("/certificate-batches/{stale_id}")).await;
    assert!(page.body.contains("unterbrochen"), "{}", page.body);
    assert!(page.body.contains(&format!("action=\"/certificate-batches/{stale_id}/resume\"")));
    // Another organisation's coordinator cannot look at it.
    let other = app.create_org("fremd");
    let b2 = app.browser();
    b2.login(&other.coordinator.email).await;
    assert_eq!(b2.get(&format!("/certificate-batches/{stale_id}")).await.status, 404);
}

both_backends!(interrupted_batch_is_finished_by_a_rerun_without_duplicates, interrupted);

/// An app whose organisation `slug` ran course `code` for these people, who all attended
/// and got their certificates (issued synchronously through the API).
struct IssuedRun {
    app: common::TestApp,
    org: common::Org,
    api: common::Api,
    run_id: i64,
    /// The certificates as the API returned them, in the order of `people`' names.
    issued: Vec<Value>,
}

async fn issued_run(backend: Backend, slug: &str, code: &str, people: &[Person<'_>]) -> IssuedRun {
    let app = common::spawn_app(backend).await;
    let org = app.create_org(slug);
    let api = app.api_token(&org.coordinator.email).await;
    let (run_id, pids) = run_with_attendees(&api, code, people).await;
    common::mark_present(&api, run_id, &pids).await;
    let (status, summary) =
        api.post(&format!("/api/v1/runs/{run_id}/certificates"), json!({})).await;
    assert_eq!(status, 200, "{summary}");
    let issued = summary["issued"].as_array().cloned().unwrap_or_default();
    IssuedRun { app, org, api, run_id, issued }
}

async fn replacement(backend: Backend) {
    let IssuedRun { app, org, api, run_id, issued } = issued_run(
        backend,
        "korrektur",
        "MS-K",
        &[("Olena", "Shevchneko", Some("olena@example.org"), None)],
    )
    .await;
    let old = issued[0].clone();
    let old_url = old["verification_url"].as_str().unwrap().to_string();
    let old_path = old_url[app.base.len()..].to_string();

    // Corrected in the browser.
    let b = app.browser();
    b.login(&org.coordinator.email).await;
    let run_page = b.get(&format!("/runs/{run_id}")).await;
    assert!(run_page.body.contains(&common::said("certificates.correct", &[])));
    let action = format!("/certificates/{}/reissue", old["id"]);
    let unchanged = b
        .submit(
            &format!("/runs/{run_id}"),
            &action,
            &[("given_name", "Olena"), ("family_name", "Shevchneko")],
        )
        .await;
    assert_eq!(unchanged.status, 422);
    assert!(unchanged.body.contains(&common::said("error.certificates.name_unchanged", &[])));
    let empty = b
        .submit(
            &format!("/runs/{run_id}"),
            &action,
            &[("given_name", ""), ("family_name", "Shevchenko")],
        )
        .await;
    assert_eq!(empty.status, 422);
    let done = b
        .submit(
            &format!("/runs/{run_id}"),
            &action,
            &[("given_name", "Olena"), ("family_name", "Shevchenko")],
        )
        .await;
    assert_eq!(done.status, 303, "{}", done.body);

    let (_, list) = api.get(&format!("/api/v1/runs/{run_id}/certificates")).await;
    let list = list.as_array().unwrap().clone();
    assert_eq!(list.len(), 2);
    assert_eq!(list[0]["status"], "replaced");
    assert_eq!(list[1]["status"], "valid");
    assert_eq!(list[1]["holder_name"], "Olena Shevchenko");
    assert_ne!(list[0]["code"], list[1]["code"]);

    // The landlord scanning the old paper: "Ungültig – ersetzt", nothing personal.
    let public = app.browser();
    let page = public.get(&old_path).await;
    assert!(page.body.contains("ersetzt"), "{}", page.body);
    assert!(!page.body.contains("Shevch"), "no name on a replaced certificate");
    assert!(!page.body.contains("Gültig</"), "{}", page.body);
    let new_url = list[1]["verification_url"].as_str().unwrap();
    let page = public.get(&new_url[app.base.len()..]).await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("Olena Shevchenko"));
    // By typed code, too.
    let code = list[0]["code"].as_str().unwrap();
    let page = public.get(&format!("/z?code={code}")).await;
    assert!(page.body.contains("ersetzt") && !page.body.contains("Shevch"));

    // The new one is mailed; the old one cannot be corrected again.
    assert_eq!(certificate_mails(&app).len(), 2);
    let (s, body) = api
        .post(
            &format!("/api/v1/certificates/{}/reissue", old["id"]),
            json!({"given_name": "O.", "family_name": "S."}),
        )
        .await;
    assert_eq!(s, 409, "{body}");
    // Revocation keeps its reason internal.
    let (s, _) = api
        .post(
            &format!("/api/v1/certificates/{}/revoke", list[1]["id"]),
            json!({"reason": "Teilnahme nachträglich aberkannt"}),
        )
        .await;
    assert_eq!(s, 200);
    let page = public.get(&new_url[app.base.len()..]).await;
    assert!(common::verdict(&page.body) == Some("revoked"));
    assert!(!page.body.contains("aberkannt"));
}

both_backends!(corrected_name_replaces_the_old_certificate, replacement);

/// The JWKS key (kid → (key, organisation)) as a third party would read it.
async fn published_keys(
    app: &common::TestApp,
) -> Vec<(u8, ed25519_dalek::VerifyingKey, Value, String)> {
    let jwks: Value =
        reqwest::get(app.url("/.well-known/jwks.json")).await.unwrap().json().await.unwrap();
    jwks["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| {
            let raw =
                data_encoding::BASE64URL_NOPAD.decode(k["x"].as_str().unwrap().as_bytes()).unwrap();
            (
                k["kid"].as_str().unwrap().parse().unwrap(),
                ed25519_dalek::VerifyingKey::from_bytes(&raw.clone().try_into().unwrap()).unwrap(),
                k["organisation_id"].clone(),
                k["x"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// Checks a COSE_Sign1's Ed25519 signature with `openssl pkeyutl`, from the JWKS key.
fn openssl_verifies(dir: &std::path::Path, cose: &[u8], x_b64url: &str) -> bool {
    use coset::{CborSerializable, TaggedCborSerializable};
    let sign1 = coset::CoseSign1::from_tagged_slice(cose)
        .or_else(|_| coset::CoseSign1::from_slice(cose))
        .expect("COSE_Sign1");
    let tbs = sign1.tbs_data(&[]);
    let raw = data_encoding::BASE64URL_NOPAD.decode(x_b64url.as_bytes()).unwrap();
    // SubjectPublicKeyInfo for Ed25519 (RFC 8410): fixed 12-byte prefix + 32-byte key.
    let mut spki = vec![0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00];
    spki.extend_from_slice(&raw);
    let pem = format!(
        "-----BEGIN PUBLIC KEY-----\n{}\n-----END PUBLIC KEY-----\n",
        data_encoding::BASE64.encode(&spki)
    );
    std::fs::write(dir.join("pub.pem"), pem).unwrap();
    std::fs::write(dir.join("tbs.bin"), tbs).unwrap();
    std::fs::write(dir.join("sig.bin"), &sign1.signature).unwrap();
    let out = Command::new("openssl")
        .args(["pkeyutl", "-verify", "-pubin", "-inkey"])
        .arg(dir.join("pub.pem"))
        .arg("-rawin")
        .arg("-in")
        .arg(dir.join("tbs.bin"))
        .arg("-sigfile")
        .arg(dir.join("sig.bin"))
        .output()
        .unwrap();
    out.status.success()
}

async fn revocation_list(backend: Backend) {
    let IssuedRun { app, api, issued, .. } = issued_run(
        backend,
        "sperre",
        "MS-R",
        &[("Olena", "Shevchenko", None, None), ("Amir", "Karimi", None, None)],
    )
    .await;
    let revoked = issued[0].clone();
    let kept = issued[1].clone();
    api.post(
        &format!("/api/v1/certificates/{}/revoke", revoked["id"]),
        json!({"reason": "Irrtum"}),
    )
    .await;

    let resp = reqwest::get(app.url("/.well-known/revoked")).await.unwrap();
    assert_eq!(resp.status(), 200);
    assert!(resp.headers()["content-type"].to_str().unwrap().starts_with("application/cose"));
    let list_bytes = resp.bytes().await.unwrap().to_vec();
    let keys = published_keys(&app).await;
    // The list is signed by the deployment's key: a JWKS entry without organisation.
    let list_key = |kid: u8| {
        keys.iter().find(|(k, _, org, _)| *k == kid && org.is_null()).map(|(_, vk, _, _)| *vk)
    };
    let now = chrono::Utc::now().timestamp();
    let list = revocation::verify(&list_bytes, list_key, now).expect("list verifies");
    assert!(list.next_update > list.issued_at);
    assert!(list.next_update - list.issued_at <= 24 * 3600);
    assert!((list.issued_at - now).abs() < 120);
    assert!(list.issuer.eq_ignore_ascii_case(&app.base));
    let code_of = |v: &Value| token::parse_code(v["code"].as_str().unwrap()).unwrap();
    assert_eq!(list.lookup(&code_of(&revoked)), revocation::Listed::Revoked);
    assert_eq!(list.lookup(&code_of(&kept)), revocation::Listed::No);
    // An organisation's key cannot sign a list, a flipped byte breaks it.
    let org_key = |kid: u8| {
        keys.iter().find(|(k, _, org, _)| *k == kid && !org.is_null()).map(|(_, vk, _, _)| *vk)
    };
    assert!(revocation::verify(&list_bytes, org_key, now).is_err());
    let mut tampered = list_bytes.clone();
    let i = tampered.len() - 80;
    tampered[i] ^= 0x01;
    assert!(revocation::verify(&tampered, list_key, now).is_err());

    // A third party's tool agrees: openssl checks both signatures with the JWKS keys.
    if common::tool_available("openssl") {
        let dir = tempfile::tempdir().unwrap();
        let token_bytes =
            token::token_from_text(kept["verification_url"].as_str().unwrap()).unwrap();
        let kid = token::verify(&token_bytes, org_key).expect("token").kid;
        let x = &keys.iter().find(|(k, ..)| *k == kid).unwrap().3;
        assert!(openssl_verifies(dir.path(), &token_bytes, x), "openssl verifies the token");
        let mut forged = token_bytes.clone();
        let last = forged.len() - 1;
        forged[last] ^= 0x01;
        assert!(!openssl_verifies(dir.path(), &forged, x), "and refuses a changed signature");
        let list_kid = keys.iter().find(|(_, _, org, _)| org.is_null()).unwrap();
        assert!(
            openssl_verifies(dir.path(), &list_bytes, &list_kid.3),
            "openssl verifies the list"
        );
    }

    // The command-line verifier fetches both and says which check decided.
    let run_verify = |url: String| {
        Command::new(env!("CARGO_BIN_EXE_mietschulung"))
            .env_remove("DATABASE_URL")
            .env_remove("MIETSCHULUNG_CONFIG")
            .args(["verify", &url])
            .output()
            .unwrap()
    };
    let kept_url = kept["verification_url"].as_str().unwrap().to_string();
    let revoked_url = revoked["verification_url"].as_str().unwrap().to_string();
    let (ok, bad) = actix_web::rt::task::spawn_blocking(move || {
        (run_verify(kept_url), run_verify(revoked_url))
    })
    .await
    .unwrap();
    let ok_out = String::from_utf8_lossy(&ok.stdout);
    assert!(ok.status.success(), "{ok_out}{}", String::from_utf8_lossy(&ok.stderr));
    assert!(
        ok_out.contains("[ ok ] Signatur") && ok_out.contains("Code nicht enthalten"),
        "{ok_out}"
    );
    assert!(ok_out.contains("ERGEBNIS: GÜLTIG"), "{ok_out}");
    let bad_out = String::from_utf8_lossy(&bad.stdout);
    assert!(!bad.status.success());
    assert!(bad_out.contains("[FEHLER] Sperrliste") && bad_out.contains("WIDERRUFEN"), "{bad_out}");
}

both_backends!(signed_revocation_list_verifies_offline, revocation_list);

async fn keys_in_the_web_ui(backend: Backend) {
    let IssuedRun { app, org, issued, .. } =
        issued_run(backend, "schluessel", "MS-S", &[("Olena", "Shevchenko", None, None)]).await;
    let url = issued[0]["verification_url"].as_str().unwrap().to_string();
    let path = url[app.base.len()..].to_string();
    let org_keys = |keys: Vec<(u8, ed25519_dalek::VerifyingKey, Value, String)>| {
        keys.into_iter().filter(|k| !k.2.is_null()).collect::<Vec<_>>()
    };
    let first_kid = org_keys(published_keys(&app).await)[0].0;

    let b = app.browser();
    b.login(&org.coordinator.email).await;
    let page = b.get("/certificate-settings").await;
    assert_eq!(page.status, 200);
    let fingerprint = {
        let bytes = token::token_from_text(&url).unwrap();
        let keys = published_keys(&app).await;
        let v = token::verify(&bytes, |k| keys.iter().find(|x| x.0 == k).map(|x| x.1)).unwrap();
        token::key_fingerprint(&keys.iter().find(|x| x.0 == v.kid).unwrap().1)
    };
    assert!(page.body.contains(&fingerprint), "fingerprint shown");
    // The landlord's page does not: a fingerprint means nothing to a landlord (issue 15).
    assert!(!app.browser().get(&path).await.body.contains(&fingerprint));

    // Rotation: a new active key, the old one retired and still "Gültig".
    let rotated = b.submit("/certificate-settings", "/certificate-settings/keys/rotate", &[]).await;
    assert_eq!(rotated.status, 303, "{}", rotated.body);
    let keys = org_keys(published_keys(&app).await);
    assert_eq!(keys.len(), 2);
    let page = b.get("/certificate-settings").await;
    assert!(page.body.contains(&common::said("certsettings.retired", &[])));
    assert!(common::verdict(&app.browser().get(&path).await.body) == Some("valid"));

    // Compromise needs an explicit confirmation, then the key leaves the JWKS; the
    // certificate still matches our records exactly, so the online check stays valid.
    let action = format!("/certificate-settings/keys/{first_kid}/compromise");
    let unconfirmed = b.submit("/certificate-settings", &action, &[]).await;
    assert_eq!(unconfirmed.status, 422);
    assert!(unconfirmed.body.contains(&common::said("error.keys.confirm_compromised", &[])));
    let confirmed = b.submit("/certificate-settings", &action, &[("confirm", "yes")]).await;
    assert_eq!(confirmed.status, 303, "{}", confirmed.body);
    assert!(published_keys(&app).await.iter().all(|k| k.0 != first_kid));
    let page = app.browser().get(&path).await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("Olena Shevchenko"));
    // Whoever stole the key can sign anything, but a token that differs from our record
    // (another name on a real code, or a code we never issued) is refused.
    let seed_hex =
        std::fs::read_to_string(app.settings.keys_dir.join(format!("kid-{first_kid:03}.key")))
            .expect("private key file");
    let seed: [u8; 32] =
        data_encoding::HEXLOWER.decode(seed_hex.trim().as_bytes()).unwrap().try_into().unwrap();
    let stolen = ed25519_dalek::SigningKey::from_bytes(&seed);
    let real =
        token::verify(&token::token_from_text(&url).unwrap(), |_| Some(stolen.verifying_key()))
            .expect("signed with the stolen key")
            .claims;
    for claims in [
        token::CertificateClaims { holder_name: "Mallory Fälscher".into(), ..real.clone() },
        token::CertificateClaims { code: token::new_code(), ..real.clone() },
    ] {
        let forged = token::sign(&claims, first_kid, &stolen).unwrap();
        let forged_url = token::verification_url(&app.base, &forged).unwrap();
        let page = app.browser().get(&forged_url[app.base.len()..]).await;
        assert_eq!(page.status, 404, "{}", page.body);
        assert!(common::verdict(&page.body) == Some("invalid") && !page.body.contains("Mallory"));
    }
    // The real claims under a wrong algorithm (ES256 in the header): refused before the
    // signature is even looked at.
    {
        use coset::CborSerializable;
        let genuine = token::token_from_text(&url).unwrap();
        let payload = coset::CoseSign1::from_slice(&genuine).unwrap().payload.unwrap();
        let wrong_alg = coset::CoseSign1Builder::new()
            .protected(
                coset::HeaderBuilder::new()
                    .algorithm(coset::iana::Algorithm::ES256)
                    .key_id(vec![first_kid])
                    .build(),
            )
            .payload(payload)
            .create_signature(&[], |tbs| {
                use ed25519_dalek::Signer;
                stolen.sign(tbs).to_bytes().to_vec()
            })
            .build()
            .to_vec()
            .unwrap();
        let wrong_url = token::verification_url(&app.base, &wrong_alg).unwrap();
        let page = app.browser().get(&wrong_url[app.base.len()..]).await;
        assert_eq!(page.status, 404);
        assert!(common::verdict(&page.body) == Some("invalid") && !page.body.contains("Olena"));
    }

    // Another organisation cannot touch this key; a trainer cannot see the page.
    let other = app.create_org("andere");
    let b2 = app.browser();
    b2.login(&other.coordinator.email).await;
    let foreign = b2
        .submit(
            "/certificate-settings",
            &format!("/certificate-settings/keys/{}/retire", keys[1].0),
            &[],
        )
        .await;
    assert_eq!(foreign.status, 404);
    let t = app.browser();
    t.login(&org.trainer.email).await;
    assert_eq!(t.get("/certificate-settings").await.status, 403);

    // Images: anything but PNG or JPEG is refused with a message.
    let csrf = b.get("/certificate-settings").await.csrf();
    let form = reqwest::multipart::Form::new().text("csrf_token", csrf).part(
        "file",
        reqwest::multipart::Part::bytes(b"GIF89a....".to_vec()).file_name("logo.gif"),
    );
    let resp =
        b.client.post(app.url("/certificate-settings/logo")).multipart(form).send().await.unwrap();
    assert_eq!(resp.status(), 422);
    assert!(resp.text().await.unwrap().contains("PNG- oder JPEG-Bild"));

    // A real PNG logo is stored, shown, and printed on the sample certificate.
    let mut png = Vec::new();
    image::RgbImage::from_fn(120, 60, |x, _| image::Rgb([(x * 2) as u8, 40, 120]))
        .write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
        .unwrap();
    let csrf = b.get("/certificate-settings").await.csrf();
    let form = reqwest::multipart::Form::new()
        .text("csrf_token", csrf)
        .part("file", reqwest::multipart::Part::bytes(png.clone()).file_name("wappen.png"));
    let resp =
        b.client.post(app.url("/certificate-settings/logo")).multipart(form).send().await.unwrap();
    assert_eq!(resp.status(), 303);
    let (status, ct, stored) = b.get_bytes("/certificate-settings/logo").await;
    assert_eq!((status, ct.as_deref()), (200, Some("image/png")));
    assert_eq!(stored, png);
    assert_eq!(
        b2.get_bytes("/certificate-settings/logo").await.0,
        404,
        "only the own organisation's logo"
    );
    let (status, _, sample) = b.get_bytes("/certificate-settings/sample.pdf").await;
    assert_eq!(status, 200);
    assert!(sample.starts_with(b"%PDF-"));
    if common::tool_available("pdfimages") {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("muster.pdf");
        std::fs::write(&path, &sample).unwrap();
        let list = Command::new("pdfimages").arg("-list").arg(&path).output().unwrap();
        let text = String::from_utf8_lossy(&list.stdout);
        assert!(text.lines().count() >= 3, "the logo is embedded as an image: {text}");
    }
}

both_backends!(signing_keys_are_managed_in_the_web_ui, keys_in_the_web_ui);
