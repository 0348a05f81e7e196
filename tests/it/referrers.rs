//! The referrer role ("Vermittlung"): registering people for open runs (consent required,
//! the waiting list when full), following only their own people, their certificates'
//! PDFs for people without an address, the mail that reaches the referrer's account, and
//! the access matrix: every page and API route of the app, as a referrer.

use std::path::{Path, PathBuf};
use std::time::Duration;

use diesel::RunQueryDsl;
use mietschulung::auth::{self, Actor, Role};
use mietschulung::ids::OrgId;
use serde_json::json;

use crate::both_backends;
use crate::common::{self, smtp::SmtpServer, Backend, Options, TestApp, PASSWORD};

pub fn create_referrer(app: &TestApp, org: i32, email: &str, name: &str) -> Actor {
    let (email, name) = (email.to_string(), name.to_string());
    app.db
        .run_blocking(move |conn| {
            let user = auth::service::create_user(
                conn,
                None,
                auth::service::NewUser {
                    organisation_id: Some(OrgId(org)),
                    email,
                    display_name: name,
                    password: PASSWORD.into(),
                    role: Role::Referrer,
                },
            )?;
            Actor::from_user(&user)
        })
        .expect("referrer")
}

/// (first, last) day of a run around today: started ten days ago, ends in ten days.
fn open_dates() -> (String, String) {
    let today = mietschulung::time::today_local();
    let day = |d: i64| (today + chrono::Duration::days(d)).to_string();
    (day(-10), day(10))
}

async fn referrals(backend: Backend) {
    let smtp = SmtpServer::start_on(0).expect("smtp");
    let app = common::spawn_app_with(
        backend,
        Options { smtp_port: Some(smtp.port), ..Default::default() },
    )
    .await;
    let org = app.create_org("vermittelt");
    let other = app.create_org("anderswo");
    let vera = create_referrer(&app, org.id, "vera@beratung.example.org", "Vera Beraterin");
    let rolf = create_referrer(&app, org.id, "rolf@beratung.example.org", "Rolf Ehrenamt");
    let fremd = create_referrer(&app, other.id, "fremd@beratung.example.org", "Frida Fremd");
    let coordinator = app.api_token(&org.coordinator.email).await;
    let (start, end) = open_dates();
    let (_, run_id, modules) =
        common::plan_run_between(&coordinator, "MS-VER", 1, &[("Mietvertrag", true)], &start, &end)
            .await;
    let (s, session) = {
        let (from, to) = common::started_today();
        coordinator
            .post(
                &format!("/api/v1/runs/{run_id}/sessions"),
                json!({"starts_at": from, "ends_at": to, "module_ids": modules}),
            )
            .await
    };
    assert_eq!(s, 201, "{session}");
    // A run that is over is not offered.
    common::plan_run_between(
        &coordinator,
        "MS-ALT",
        5,
        &[("Alt", true)],
        "2020-01-06",
        "2020-01-31",
    )
    .await;

    // The page: lands on "Meine Vermittlungen", empty; the form offers the open run only.
    let b = app.browser();
    let login = b.login(&vera.email).await;
    assert_eq!(login.location.as_deref(), Some("/vermittlung"));
    let list = b.get("/vermittlung").await;
    assert_eq!(list.status, 200);
    assert!(list.body.contains("data-test=\"empty-state\""), "{}", list.body);
    let form = b.get("/vermittlung/anmelden").await;
    assert_eq!(form.status, 200);
    assert!(form.body.contains("MS-VER") && !form.body.contains("MS-ALT"), "{}", form.body);
    assert!(form.body.contains(&common::said("ref.places_left", &[("count", "1")])));
    let run = run_id.to_string();
    let fields = |consent: bool| {
        let mut f = vec![
            ("run_id", run.as_str()),
            ("given_name", "Amina"),
            ("family_name", "Haddad"),
            ("preferred_language", "ar"),
            ("email", ""),
            ("phone", ""),
        ];
        if consent {
            f.push(("consent", "on"));
        }
        f
    };
    let refused = b.submit("/vermittlung/anmelden", "/vermittlung/anmelden", &fields(false)).await;
    assert_eq!(refused.status, 422, "consent is required");
    assert!(refused.body.contains("value=\"Amina\""), "what was typed stays");
    assert_eq!(app.count("participants"), 0);
    let done = b.submit("/vermittlung/anmelden", "/vermittlung/anmelden", &fields(true)).await;
    assert_eq!((done.status, done.location.as_deref()), (303, Some("/vermittlung")));
    let list = b.get("/vermittlung").await;
    assert!(list.body.contains("data-test=\"flash\""));
    assert!(list.body.contains(&common::said("done.ref_enrolled", &[("name", "Amina Haddad")])));
    assert!(list.body.contains("Haddad, Amina") && list.body.contains("data-status=\"enrolled\""));

    // The API: the run is full now, the next person waits.
    let vera_api = app.api_token(&vera.email).await;
    let (s, open) = vera_api.get("/api/v1/referrals/open-runs").await;
    assert_eq!(s, 200);
    assert_eq!(open.as_array().unwrap().len(), 1, "{open}");
    assert_eq!(open[0]["places_left"], 0);
    let (s, second) = vera_api
        .post("/api/v1/referrals", json!({"run_id": run_id, "given_name": "Omar", "family_name": "Nasser", "preferred_language": "fa", "email": "omar@example.org", "consent": true}))
        .await;
    assert_eq!(s, 201, "{second}");
    assert_eq!(second["status"], "waiting");
    let (s, refused) = vera_api
        .post("/api/v1/referrals", json!({"run_id": run_id, "given_name": "Ohne", "family_name": "Zustimmung", "preferred_language": "ar", "consent": false}))
        .await;
    assert_eq!((s, refused["field"].as_str()), (422, Some("consent")));
    let (_, people) = coordinator.get("/api/v1/participants").await;
    let amina = people.as_array().unwrap().iter().find(|p| p["family_name"] == "Haddad").unwrap();
    assert_eq!(amina["referrer_name"], "Vera Beraterin");
    assert_eq!(amina["referrer_contact"], vera.email.as_str());
    let amina_id = amina["id"].as_i64().unwrap();
    let (_, waiting) = coordinator.get(&format!("/api/v1/runs/{run_id}/waiting-list")).await;
    assert_eq!(waiting.as_array().unwrap().len(), 1, "the capacity rules of enrolment hold");

    // Others see none of it: another referrer of the organisation, another organisation.
    let rolf_api = app.api_token(&rolf.email).await;
    assert_eq!(rolf_api.get("/api/v1/referrals").await.1, json!([]));
    let fremd_api = app.api_token(&fremd.email).await;
    assert_eq!(fremd_api.get("/api/v1/referrals/open-runs").await.1, json!([]));
    let (s, _) = fremd_api
        .post("/api/v1/referrals", json!({"run_id": run_id, "given_name": "X", "family_name": "Y", "preferred_language": "ar", "consent": true}))
        .await;
    assert_eq!(s, 404, "another organisation's run is not found");

    // The account's address changed since: mail about Amina (no address) follows the
    // account, not the contact stored at registration.
    let vera_id = vera.user_id.0;
    app.db
        .run_blocking(move |conn| {
            diesel::sql_query(format!(
                "UPDATE users SET email = 'vera.neu@beratung.example.org' WHERE id = {vera_id}"
            ))
            .execute(conn)?;
            Ok(())
        })
        .unwrap();
    common::mark_present(&coordinator, run_id, &[amina_id]).await;
    let (s, summary) =
        coordinator.post(&format!("/api/v1/runs/{run_id}/certificates"), json!({})).await;
    assert_eq!(s, 200, "{summary}");
    let to_vera = || {
        smtp.messages().into_iter().find(|m| {
            m.data.contains("application/pdf")
                && m.to.iter().any(|t| t.contains("vera.neu@beratung.example.org"))
        })
    };
    common::wait_until("the certificate mail to the referrer", Duration::from_secs(30), || {
        to_vera().is_some()
    })
    .await;
    assert!(
        !smtp.messages().iter().any(|m| m.to.iter().any(|t| t.contains("vera@beratung"))),
        "not to the address typed at registration"
    );

    // Certificate issued: the status says so, and the PDF downloads (Amina has no address).
    let (_, mine) = vera_api.get("/api/v1/referrals").await;
    let amina_line =
        mine.as_array().unwrap().iter().find(|p| p["family_name"] == "Haddad").unwrap();
    assert_eq!(amina_line["runs"][0]["status"], "certified", "{mine}");
    let cert = &amina_line["runs"][0]["certificates"][0];
    assert_eq!(cert["downloadable"], true);
    let cert_id = cert["id"].as_i64().unwrap();
    let omar_line = mine.as_array().unwrap().iter().find(|p| p["family_name"] == "Nasser").unwrap();
    assert_eq!(omar_line["runs"][0]["status"], "waiting");
    let b = app.browser();
    b.login("vera.neu@beratung.example.org").await;
    let list = b.get("/vermittlung").await;
    assert!(list.body.contains("data-status=\"certified\""), "{}", list.body);
    let pdf_path = format!("/vermittlung/bescheinigungen/{cert_id}.pdf");
    assert!(list.body.contains(&pdf_path));
    let (s, ct, bytes) = b.get_bytes(&pdf_path).await;
    assert_eq!(s, 200);
    assert_eq!(ct.as_deref(), Some("application/pdf"));
    assert!(bytes.starts_with(b"%PDF"));
    let (s, _) = vera_api.get(&format!("/api/v1/referrals/certificates/{cert_id}/pdf")).await;
    assert_eq!(s, 200);
    assert_eq!(
        rolf_api.get(&format!("/api/v1/referrals/certificates/{cert_id}/pdf")).await.0,
        404,
        "another referrer's person"
    );
    assert_eq!(
        fremd_api.get(&format!("/api/v1/referrals/certificates/{cert_id}/pdf")).await.0,
        404,
        "another organisation's"
    );
    let rb = app.browser();
    rb.login(&rolf.email).await;
    assert_eq!(rb.get(&pdf_path).await.status, 404);
    assert_eq!(rb.get(&format!("/certificates/{cert_id}/pdf")).await.status, 403);

    access_matrix(&app, &b, &vera_api, &pdf_path, run_id).await;

    // Erased on request: nothing links the person to the referrer any more.
    let omar = second["participant_id"].as_i64().expect("Omar's id");
    let (s, body) = coordinator
        .post(&format!("/api/v1/participants/{omar}/erasure"), json!({"reason": "request"}))
        .await;
    assert_eq!(s, 200, "{body}");
    let linked = app.count(&format!(
        "participants WHERE id = {omar} AND (referred_by_user_id IS NOT NULL \
         OR referrer_name IS NOT NULL OR referrer_organisation IS NOT NULL \
         OR referrer_contact IS NOT NULL)"
    ));
    assert_eq!(linked, 0, "the referrer account, name and contact are forgotten");
    let (_, mine) = vera_api.get("/api/v1/referrals").await;
    assert!(
        !mine.as_array().unwrap().iter().any(|p| p["participant_id"] == omar || p["id"] == omar),
        "the referrer no longer sees the erased person: {mine}"
    );
}

both_backends!(referrers_register_and_follow_their_people, referrals);

fn source_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("read src") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            source_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// Every `#[get("…")]` route of the app's source, with the file it is in.
pub fn get_routes() -> Vec<(String, String)> {
    let mut files = Vec::new();
    source_files(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src"), &mut files);
    let mut routes = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(&file).expect("read source");
        let name = file.to_string_lossy().replace('\\', "/");
        for part in text.split("#[get(\"").skip(1) {
            // The path ends at its quote; a `wrap = "…"` may follow.
            let route = part.split('"').next().expect("route end").to_string();
            routes.push((name.clone(), route));
        }
    }
    routes.sort();
    routes.dedup();
    assert!(routes.len() > 40, "the route table was read: {routes:?}");
    routes
}

/// A path for the route, with ids of things that exist.
pub fn concrete(route: &str, id: i64) -> String {
    let mut out = String::new();
    let mut rest = route;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let close = rest[open..].find('}').expect("placeholder end") + open;
        let mut parts = rest[open + 1..close].splitn(2, ':');
        let name = parts.next().unwrap_or_default();
        // `{action:activate|deactivate}`: a value the route accepts.
        let pattern = parts
            .next()
            .filter(|p| p.contains('|'))
            .map(|p| p.split('|').next().unwrap_or_default().to_string());
        out.push_str(&match name {
            _ if pattern.is_some() => pattern.unwrap_or_default(),
            "format" => "csv".to_string(),
            "kind" => "logo".to_string(),
            "lang" => "en".to_string(),
            "k" => "k".to_string(),
            "code" => "ABCD-EFGH".to_string(),
            "file" => "style.css".to_string(),
            _ => id.to_string(),
        });
        rest = &rest[close + 1..];
    }
    out.push_str(rest);
    out
}

/// Routes that need no login (they answer everybody the same) or are the referrer's own.
fn public_file(file: &str) -> bool {
    file.ends_with("/public.rs") || file.ends_with("/startup.rs") || file.ends_with("/openapi.rs")
}

async fn access_matrix(
    app: &TestApp, b: &common::Browser, api: &common::Api, pdf_path: &str, run_id: i64,
) {
    const OWN_PAGES: &[&str] = &["/vermittlung", "/vermittlung/anmelden", "/account"];
    const OWN_API: &[&str] = &[
        "/api/v1/referrals",
        "/api/v1/referrals/open-runs",
        "/api/v1/auth/tokens",
        "/api/v1/auth/me",
    ];
    const PUBLIC_API: &[&str] = &["/api/v1/verify/", "/api/v1/responses/"];
    let mut wrong = Vec::new();
    for (file, route) in get_routes() {
        if public_file(&file) {
            continue;
        }
        if route.starts_with("/api/") {
            if PUBLIC_API.iter().any(|p| route.starts_with(p)) {
                continue;
            }
            let path = concrete(&route, run_id);
            let (status, body) = api.get(&path).await;
            let own = OWN_API.contains(&route.as_str())
                || route == "/api/v1/referrals/certificates/{id}/pdf";
            let expected = if own { 200 } else { 403 };
            if route == "/api/v1/referrals/certificates/{id}/pdf" {
                continue; // checked above with a certificate of the referrer's person
            }
            if status != expected || (expected == 403 && body["code"] != "forbidden") {
                wrong.push(format!("API {path} ({file}): {status} {body}"));
            }
            continue;
        }
        if route == "/vermittlung/bescheinigungen/{id}.pdf" {
            let (s, _, _) = b.get_bytes(pdf_path).await;
            if s != 200 {
                wrong.push(format!("{pdf_path}: {s}"));
            }
            continue;
        }
        let path = concrete(&route, run_id);
        let page = b.get(&path).await;
        let expected = if OWN_PAGES.contains(&route.as_str()) { 200 } else { 403 };
        if page.status != expected {
            wrong.push(format!("{path} ({file}): {} {:?}", page.status, page.location));
        }
    }
    assert!(wrong.is_empty(), "a referrer reaches only their own pages:\n{}", wrong.join("\n"));
    app.assert_rules_hold();
}

/// In Chromium on a 360 px phone: a social worker registers a person, forgets the consent
/// box once (the form comes back as typed), then sees the banner and the person's status;
/// nothing sticks out sideways.
async fn on_a_phone(backend: Backend) {
    if !common::browser::available() {
        return;
    }
    let app = common::spawn_app(backend).await;
    let org = app.create_org("telefon");
    let vera = create_referrer(&app, org.id, "vera@beratung.example.org", "Vera Beraterin");
    let coordinator = app.api_token(&org.coordinator.email).await;
    let (start, end) = open_dates();
    let (_, run_id, _) =
        common::plan_run_between(&coordinator, "MS-TEL", 5, &[("Mietvertrag", true)], &start, &end)
            .await;
    let chrome = common::browser::Chromium::phone().await;
    chrome.log_in(&app.url(""), &vera.email).await;
    chrome.wait_for_text("data-test=\"empty-state\"").await;
    chrome.assert_fits_width().await;

    chrome.goto(&app.url("/vermittlung/anmelden")).await;
    chrome.assert_fits_width().await;
    chrome.click(&format!("#run-{run_id}")).await;
    chrome.type_into("#given_name", "Amina").await;
    chrome.type_into("#family_name", "Haddad").await;
    chrome.script("document.querySelector('#preferred_language').value = 'ar';").await;
    chrome.click("form[action=\"/vermittlung/anmelden\"] button[type=submit]").await;
    let page = chrome.wait_for_text("aria-describedby=\"consent-error\"").await;
    assert!(page.contains("value=\"Amina\""), "what was typed stays: {page}");
    assert_eq!(app.count("participants"), 0);
    let kept = chrome
        .script(&format!(
            "return [document.querySelector('#run-{run_id}').checked, \
             document.querySelector('#preferred_language').value];"
        ))
        .await;
    assert_eq!(kept, json!([true, "ar"]), "the run and the language stay chosen");
    chrome.assert_fits_width().await;
    chrome.click("#consent").await;
    chrome.click("form[action=\"/vermittlung/anmelden\"] button[type=submit]").await;
    let list = chrome.wait_for_text("data-test=\"flash\"").await;
    assert!(list.contains("data-status=\"enrolled\""), "{list}");
    assert!(list.contains(&common::said("done.ref_enrolled", &[("name", "Amina Haddad")])));
    chrome.assert_fits_width().await;
    assert_eq!(app.count("participants WHERE referred_by_user_id IS NOT NULL"), 1);
}

both_backends!(a_referrer_registers_on_a_phone, on_a_phone);
