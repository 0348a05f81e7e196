//! The coordinator's certificate work (issue 14): check your answers before issuing (who by
//! mail, who through their referrer, who on paper), the sentence after issuing, the print
//! list (no address, or a mail refused for good), confirmations before revoking, retiring
//! and compromising that change nothing on GET, the settings checklist with the approval of
//! the sample, and the organisation's certificates page; each with its API counterpart.

use std::time::Duration;

use serde_json::{json, Value};

use crate::both_backends;
use crate::common::smtp::{Behaviour, SmtpServer};
use crate::common::{self, Backend, Browser};
use mietschulung::i18n::Text;

const FLASH: &str = "data-test=\"flash\"";

/// given name, family name, email, referrer (name, contact), attended.
type Person<'a> = (&'a str, &'a str, Option<&'a str>, Option<(&'a str, &'a str)>, bool);

/// The usual run: two with their own address, one through a referrer, one without any
/// address, one who did not attend.
const PEOPLE: &[Person<'static>] = &[
    ("Olena", "Shevchenko", Some("olena@example.org"), None, true),
    ("Jürgen", "Größmann", Some("juergen@example.org"), None, true),
    ("Amir", "Karimi", None, Some(("Frau Weber", "weber@caritas.example.org")), true),
    ("Samir", "Haddad", None, None, true),
    ("Nadia", "Rahimi", None, None, false),
];

/// A run with one session, these people enrolled and the attendees marked present:
/// (run id, participant ids).
async fn run_with(api: &common::Api, code: &str, people: &[Person<'_>]) -> (i64, Vec<i64>) {
    let (_, run_id, modules) = common::plan_run(api, code, 10, &[("Mietvertrag", true)]).await;
    let (status, session) = api
        .post(&format!("/api/v1/runs/{run_id}/sessions"), json!({"starts_at": "2026-03-03T09:00", "ends_at": "2026-03-03T10:00", "module_ids": modules}))
        .await;
    assert_eq!(status, 201, "{session}");
    let (mut ids, mut present) = (Vec::new(), Vec::new());
    for (given, family, email, referrer, attended) in people {
        let (status, p) = api
            .post(
                "/api/v1/participants",
                json!({"given_name": given, "family_name": family, "preferred_language": "de",
                       "email": email, "consent": true,
                       "referrer_name": referrer.map(|r| r.0), "referrer_contact": referrer.map(|r| r.1)}),
            )
            .await;
        assert_eq!(status, 201, "{p}");
        let pid = p["id"].as_i64().unwrap();
        let (s, e) = api
            .post(&format!("/api/v1/runs/{run_id}/enrollments"), json!({"participant_id": pid}))
            .await;
        assert!(s == 200 || s == 201, "{e}");
        ids.push(pid);
        if *attended {
            present.push(pid);
        }
    }
    common::mark_present(api, run_id, &present).await;
    (run_id, ids)
}

/// The value of the summary row labelled `label` on a confirmation page.
fn summary_value(body: &str, label_key: &'static str) -> Option<String> {
    let label = format!("<dt>{}</dt>", common::said(label_key, &[]));
    let at = body.find(&label)? + label.len();
    let rest = &body[at..];
    let start = rest.find("<bdi dir=\"auto\">")? + "<bdi dir=\"auto\">".len();
    let end = rest[start..].find("</bdi>")? + start;
    Some(rest[start..end].to_string())
}

/// The sentence as a page shows it (HTML-escaped like every template value).
fn escaped(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// Follows the redirect after issuing to the batch's page: the banner (or, when the batch
/// took longer than the request waited, its finished page) says what happened.
async fn outcome_page(b: &Browser, location: &str) -> String {
    let mut page = b.get(location).await;
    let start = std::time::Instant::now();
    while page.body.contains("http-equiv=\"refresh\"") {
        assert!(start.elapsed() < Duration::from_secs(60), "the batch finishes");
        actix_web::rt::time::sleep(Duration::from_millis(100)).await;
        page = b.get(location).await;
    }
    page.body
}

async fn issue_with_confirmation(backend: Backend) {
    let app = common::spawn_app(backend).await;
    let org = app.create_org("ausstellen");
    let api = app.api_token(&org.coordinator.email).await;
    let (run_id, pids) = run_with(&api, "MS-A", PEOPLE).await;
    let b = app.browser();
    b.login(&org.coordinator.email).await;

    // The run page's button leads to the confirmation, which issues nothing.
    let run_page = b.get(&format!("/runs/{run_id}")).await;
    let confirm_path = format!("/runs/{run_id}/certificates");
    assert!(run_page.body.contains(&format!("href=\"{confirm_path}\"")), "{}", run_page.body);
    let page = b.get(&confirm_path).await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("data-test=\"confirm-heading\""));
    assert_eq!(summary_value(&page.body, "certs.row_to_issue").as_deref(), Some("4"));
    let by_mail = summary_value(&page.body, "certs.row_by_mail").expect("by mail");
    assert!(by_mail.starts_with("2: "), "{by_mail}");
    assert!(by_mail.contains("Olena Shevchenko") && by_mail.contains("Jürgen Größmann"));
    let referrer = summary_value(&page.body, "certs.row_via_referrer").expect("referrer");
    assert_eq!(referrer, "1: Amir Karimi (an weber@caritas.example.org)");
    let print = summary_value(&page.body, "certs.row_to_print").expect("printout");
    assert_eq!(print, "1: Samir Haddad");
    assert!(page.body.contains(&common::said("certs.stays_not_completed", &[("count", "1")])));
    // Nothing set up yet: the warning says the sample is not approved.
    assert!(page.body.contains("data-test=\"confirm-warning\""), "{}", page.body);
    let not_approved = Text::key("certs.warn_not_approved_missing").render("de");
    let start = not_approved.split('{').next().unwrap();
    assert!(page.body.contains(start), "{}", page.body);
    assert_eq!(app.count("certificates"), 0, "the GET issued nothing");
    assert_eq!(app.count("certificate_batches"), 0);
    assert_eq!(app.count("mail_outbox"), 0);

    // The API's preview says the same.
    let (s, preview) = api.get(&format!("/api/v1/runs/{run_id}/certificates/preview")).await;
    assert_eq!(s, 200, "{preview}");
    assert_eq!(preview["to_issue"], 4);
    assert_eq!(preview["by_mail"].as_array().map(Vec::len), Some(2));
    assert_eq!(preview["via_referrer"][0]["email"], "weber@caritas.example.org");
    assert_eq!(preview["to_print"][0]["participant_id"], pids[3]);
    assert_eq!(preview["not_completed"], 1);
    assert_eq!(preview["settings"]["approved"], false);

    // Issuing: the next page says how many and whom to print.
    let posted = b.submit(&confirm_path, &confirm_path, &[]).await;
    assert_eq!(posted.status, 303, "{}", posted.body);
    let location = posted.location.expect("the batch's page");
    assert!(location.starts_with("/certificate-batches/"), "{location}");
    let body = outcome_page(&b, &location).await;
    let sentence = Text::key("done.certs_issued_to_print")
        .arg("issued", 4)
        .arg("undelivered", 1)
        .arg_list("names", vec![Text::Plain("Samir Haddad".into())])
        .render("de");
    assert!(body.contains(&escaped(&sentence)), "{sentence}: {body}");
    if body.contains(FLASH) {
        let flash = body.split(FLASH).nth(1).unwrap().split("</div>").next().unwrap();
        assert!(flash.contains(&escaped(&sentence)), "{flash}");
    }
    assert_eq!(app.count("certificates"), 4);
    // The banner is said once; the finished page keeps the sentence without the banner.
    let again = b.get(&location).await;
    assert!(!again.body.contains(FLASH));
    assert!(again.body.contains("data-test=\"certs-outcome\""));

    // The print list holds exactly Samir's certificate, with its PDF; the ZIP only it.
    let list = b.get(&format!("/runs/{run_id}/certificates/print")).await;
    assert_eq!(list.status, 200);
    assert_eq!(list.body.matches("data-test=\"to-print-").count(), 1, "{}", list.body);
    assert!(list.body.contains("Samir Haddad") && !list.body.contains("Olena"));
    let (s, undelivered) =
        api.get(&format!("/api/v1/runs/{run_id}/certificates/undelivered")).await;
    assert_eq!(s, 200, "{undelivered}");
    assert_eq!(undelivered.as_array().map(Vec::len), Some(1), "{undelivered}");
    assert_eq!(undelivered[0]["participant_id"], pids[3]);
    assert_eq!(undelivered[0]["reason"], "no_address");
    let pdf = undelivered[0]["pdf"].as_str().unwrap().to_string();
    assert!(list.body.contains(&format!("href=\"{pdf}\"")));
    let (status, ct, bytes) = b.get_bytes(&pdf).await;
    assert_eq!((status, ct.as_deref()), (200, Some("application/pdf")));
    assert!(bytes.starts_with(b"%PDF-"));
    let (status, ct, zip) = b.get_bytes(&format!("/runs/{run_id}/certificates/print.zip")).await;
    assert_eq!((status, ct.as_deref()), (200, Some("application/zip")));
    let archive = zip::ZipArchive::new(std::io::Cursor::new(zip)).expect("a ZIP");
    assert_eq!(archive.len(), 1);

    // Issuing again issues nothing and says so; the confirmation's button is blocked.
    let page = b.get(&confirm_path).await;
    assert!(page.body.contains("data-test=\"confirm-blocked\""), "{}", page.body);
    assert_eq!(summary_value(&page.body, "certs.row_to_issue").as_deref(), Some("0"));
    assert!(page.body.contains(&common::said("certs.stays_issued", &[("count", "4")])));

    // Another organisation finds nothing; a trainer may not.
    let other = app.create_org("fremd");
    let b2 = app.browser();
    b2.login(&other.coordinator.email).await;
    for path in [
        confirm_path.clone(),
        format!("/runs/{run_id}/certificates/print"),
        format!("/runs/{run_id}/certificates/print.zip"),
    ] {
        assert_eq!(b2.get_bytes(&path).await.0, 404, "{path}");
    }
    assert_eq!(b2.submit("/certificates", &confirm_path, &[]).await.status, 404);
    let api2 = app.api_token(&other.coordinator.email).await;
    for path in ["preview", "undelivered", "undelivered.zip"] {
        let (s, e) = api2.get(&format!("/api/v1/runs/{run_id}/certificates/{path}")).await;
        assert_eq!(s, 404, "{path}: {e}");
    }
    let trainer = app.browser();
    trainer.login(&org.trainer.email).await;
    assert_eq!(trainer.get(&confirm_path).await.status, 403);
    assert_eq!(trainer.get(&format!("/runs/{run_id}/certificates/print")).await.status, 403);
    let trainer_api = app.api_token(&org.trainer.email).await;
    assert_eq!(
        trainer_api.get(&format!("/api/v1/runs/{run_id}/certificates/preview")).await.0,
        403
    );
    assert_eq!(app.count("certificates"), 4);
}

both_backends!(issuing_is_confirmed_and_says_whom_to_print_for, issue_with_confirmation);

async fn refused_mail_is_printed(backend: Backend) {
    let server = SmtpServer::start_with(0, Behaviour::default()).expect("SMTP server");
    server.refuse_recipients_with(Some("kaputt"));
    let options = common::Options { smtp_port: Some(server.port), ..Default::default() };
    let app = common::spawn_app_with(backend, options).await;
    let org = app.create_org("zustellung");
    let api = app.api_token(&org.coordinator.email).await;
    let people: &[Person<'_>] = &[
        ("Olena", "Shevchenko", Some("olena@example.org"), None, true),
        ("Karl", "Kaputt", Some("kaputt@example.org"), None, true),
        ("Samir", "Haddad", None, None, true),
    ];
    let (run_id, pids) = run_with(&api, "MS-Z", people).await;
    let (s, summary) = api.post(&format!("/api/v1/runs/{run_id}/certificates"), json!({})).await;
    assert_eq!(s, 200, "{summary}");
    assert_eq!(summary["issued"].as_array().map(Vec::len), Some(3));

    // The refused mail fails for good at once (550); then Karl joins Samir on the list.
    let path = format!("/api/v1/runs/{run_id}/certificates/undelivered");
    let start = std::time::Instant::now();
    let list = loop {
        let (s, list) = api.get(&path).await;
        assert_eq!(s, 200, "{list}");
        // The outbox sends in any order: Olena's mail may leave after Karl's failed.
        let olena_sent = server.messages().iter().any(|m| m.to.iter().any(|t| t.contains("olena")));
        if list.as_array().map(Vec::len) == Some(2) && olena_sent {
            break list;
        }
        assert!(start.elapsed() < Duration::from_secs(60), "the refused mail fails: {list}");
        actix_web::rt::time::sleep(Duration::from_millis(200)).await;
    };
    let by_person = |pid: i64| list.as_array().unwrap().iter().find(|u| u["participant_id"] == pid);
    let karl = by_person(pids[1]).expect("Karl is listed");
    assert_eq!(karl["reason"], "mail_failed");
    assert_eq!(karl["recipient"], "kaputt@example.org");
    assert_eq!(by_person(pids[2]).expect("Samir is listed")["reason"], "no_address");
    assert!(by_person(pids[0]).is_none(), "Olena's mail went out");
    assert_eq!(
        server.messages().iter().filter(|m| m.to.iter().any(|t| t.contains("olena"))).count(),
        1
    );

    let b = app.browser();
    b.login(&org.coordinator.email).await;
    let page = b.get(&format!("/runs/{run_id}/certificates/print")).await;
    assert_eq!(page.body.matches("data-test=\"to-print-").count(), 2, "{}", page.body);
    assert!(page.body.contains("kaputt@example.org"));
    assert!(page.body.contains(&common::said("certs.print_mail_failed", &[])));
    assert!(page.body.contains(&common::said("certs.print_no_address", &[])));
}

both_backends!(a_mail_refused_for_good_is_on_the_print_list, refused_mail_is_printed);

/// Issues through the API for a run of these people: (run id, certificates).
async fn issued(api: &common::Api, code: &str, people: &[Person<'_>]) -> (i64, Vec<Value>) {
    let (run_id, _) = run_with(api, code, people).await;
    let (s, summary) = api.post(&format!("/api/v1/runs/{run_id}/certificates"), json!({})).await;
    assert_eq!(s, 200, "{summary}");
    (run_id, summary["issued"].as_array().unwrap().clone())
}

async fn certificate_status(api: &common::Api, run_id: i64, id: &Value) -> Value {
    let (_, list) = api.get(&format!("/api/v1/runs/{run_id}/certificates")).await;
    list.as_array().unwrap().iter().find(|c| c["id"] == *id).unwrap()["status"].clone()
}

async fn key_state(api: &common::Api, kid: i64) -> Value {
    let (s, keys) = api.get("/api/v1/keys").await;
    assert_eq!(s, 200, "{keys}");
    keys.as_array().unwrap().iter().find(|k| k["kid"] == kid).expect("the key")["state"].clone()
}

async fn confirmations_change_nothing(backend: Backend) {
    let app = common::spawn_app(backend).await;
    let org = app.create_org("bestaetigen");
    let api = app.api_token(&org.coordinator.email).await;
    let people: &[Person<'_>] = &[
        ("Olena", "Shevchenko", Some("olena@example.org"), None, true),
        ("Samir", "Haddad", None, None, true),
    ];
    let (run_id, certs) = issued(&api, "MS-W", people).await;
    let cert = certs[0]["id"].clone();
    let b = app.browser();
    b.login(&org.coordinator.email).await;

    // Revoke: the run page's form asks for the reason and leads to the confirmation.
    let run_page = b.get(&format!("/runs/{run_id}")).await;
    assert!(run_page
        .body
        .contains(&format!("method=\"get\" action=\"/certificates/{cert}/revoke\"")));
    let form = b.get(&format!("/certificates/{cert}/revoke")).await;
    assert_eq!(form.status, 200, "{}", form.body);
    assert!(form.body.contains("name=\"reason\""));
    let empty = b.get(&format!("/certificates/{cert}/revoke?reason=+")).await;
    assert_eq!(empty.status, 422, "a reason is required");
    let reason = "Falsche Person – interner Vermerk";
    let query = serde_html_form::to_string([("reason", reason)]).unwrap();
    let confirm_path = format!("/certificates/{cert}/revoke?{query}");
    let page = b.get(&confirm_path).await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("button-warning"), "destructive style");
    assert!(page.body.contains(&format!("name=\"reason\" value=\"{reason}\"")), "{}", page.body);
    assert!(page.body.contains(&common::said("certs.revoke_goes_final", &[])));
    assert_eq!(summary_value(&page.body, "certificates.reason").as_deref(), Some(reason));
    assert_eq!(certificate_status(&api, run_id, &cert).await, "valid", "the GET changed nothing");
    let done = b
        .submit(&confirm_path, &format!("/certificates/{cert}/revoke"), &[("reason", reason)])
        .await;
    assert_eq!(done.status, 303, "{}", done.body);
    assert_eq!(certificate_status(&api, run_id, &cert).await, "revoked");
    assert_eq!(b.get(&confirm_path).await.status, 409, "nothing left to revoke");

    // Keys: retire and compromise say what happens and change nothing on GET.
    let (_, keys) = api.get("/api/v1/keys").await;
    let key = keys.as_array().unwrap().iter().find(|k| k["state"] == "active").expect("a key");
    let kid = key["kid"].as_i64().unwrap();
    assert_eq!(key["certificates"], 2, "{keys}");
    let settings = b.get("/certificate-settings").await;
    assert!(settings.body.contains(&format!("href=\"/certificate-settings/keys/{kid}/retire\"")));
    let retire = b.get(&format!("/certificate-settings/keys/{kid}/retire")).await;
    assert_eq!(retire.status, 200, "{}", retire.body);
    assert!(retire.body.contains("button-warning"));
    assert!(retire.body.contains(&common::said("certs.retire_stays", &[("count", "2")])));
    let compromise = b.get(&format!("/certificate-settings/keys/{kid}/compromise")).await;
    assert_eq!(compromise.status, 200, "{}", compromise.body);
    assert!(compromise.body.contains("button-warning"));
    assert!(compromise
        .body
        .contains(&common::said("certs.compromise_goes_offline", &[("count", "2")])));
    assert!(compromise.body.contains("name=\"confirm\" value=\"yes\""));
    assert_eq!(key_state(&api, kid).await, "active", "the GETs changed nothing");
    let other = app.create_org("nachbar");
    let b2 = app.browser();
    b2.login(&other.coordinator.email).await;
    for path in [
        format!("/certificate-settings/keys/{kid}/retire"),
        format!("/certificate-settings/keys/{kid}/compromise"),
        format!("/certificates/{cert}/revoke"),
    ] {
        assert_eq!(b2.get(&path).await.status, 404, "{path}");
    }
    let trainer = app.browser();
    trainer.login(&org.trainer.email).await;
    assert_eq!(trainer.get(&format!("/certificate-settings/keys/{kid}/retire")).await.status, 403);
    assert_eq!(trainer.get(&format!("/certificates/{cert}/revoke")).await.status, 403);

    // Confirming the compromise does it; its page then says why the button is off.
    let path = format!("/certificate-settings/keys/{kid}/compromise");
    let done = b.submit(&path, &path, &[("confirm", "yes")]).await;
    assert_eq!(done.status, 303, "{}", done.body);
    assert_eq!(key_state(&api, kid).await, "compromised");
    assert!(b.get(&path).await.body.contains("data-test=\"confirm-blocked\""));

    // The same through the API: rotate, retire (once), compromise only when confirmed.
    let (s, new_key) = api.post("/api/v1/keys/rotate", json!({})).await;
    assert_eq!(s, 201, "{new_key}");
    let new_kid = new_key["kid"].as_i64().unwrap();
    assert_eq!(new_key["state"], "active");
    let (s, e) =
        api.post(&format!("/api/v1/keys/{new_kid}/compromise"), json!({"confirm": false})).await;
    assert_eq!((s, e["field"].as_str()), (422, Some("confirm")), "{e}");
    let (s, retired) = api.post(&format!("/api/v1/keys/{new_kid}/retire"), json!({})).await;
    assert_eq!((s, retired["state"].as_str()), (200, Some("retired")), "{retired}");
    assert_eq!(api.post(&format!("/api/v1/keys/{new_kid}/retire"), json!({})).await.0, 409);
    let api2 = app.api_token(&other.coordinator.email).await;
    assert_eq!(api2.post(&format!("/api/v1/keys/{new_kid}/retire"), json!({})).await.0, 404);
    let trainer_api = app.api_token(&org.trainer.email).await;
    assert_eq!(trainer_api.get("/api/v1/keys").await.0, 403);
}

both_backends!(revoke_retire_and_compromise_are_confirmed_first, confirmations_change_nothing);

fn png(width: u32) -> Vec<u8> {
    let mut png = Vec::new();
    image::RgbImage::from_fn(width, 40, |x, _| image::Rgb([(x % 250) as u8, 40, 120]))
        .write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
        .unwrap();
    png
}

async fn put_image(api: &common::Api, kind: &str, bytes: Vec<u8>) -> u16 {
    api.client
        .put(format!("{}/api/v1/certificate-settings/images/{kind}", api.base))
        .bearer_auth(&api.token)
        .header("content-type", "image/png")
        .body(bytes)
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

/// Whether the settings page shows the checklist item as done.
fn done(body: &str, item: &str) -> bool {
    let marker = format!("data-test=\"check-{item}\" data-done=\"");
    let at = body.find(&marker).unwrap_or_else(|| panic!("no {item} in {body}")) + marker.len();
    body[at..].starts_with("yes")
}

async fn checklist(backend: Backend) {
    let app = common::spawn_app(backend).await;
    let org = app.create_org("muster");
    let api = app.api_token(&org.coordinator.email).await;
    let b = app.browser();
    b.login(&org.coordinator.email).await;
    let items = ["logo", "signature", "address", "contact", "approval"];

    let page = b.get("/certificate-settings").await;
    assert_eq!(page.status, 200);
    for item in items {
        assert!(!done(&page.body, item), "{item} is open at first");
    }

    // Images through the API, address and contact through the page.
    assert_eq!(put_image(&api, "logo", png(120)).await, 204);
    assert_eq!(put_image(&api, "signature", png(90)).await, 204);
    assert_eq!(put_image(&api, "stempel", png(90)).await, 404);
    assert_eq!(put_image(&api, "logo", b"GIF89a".to_vec()).await, 422);
    let page = b.get("/certificate-settings").await;
    assert!(done(&page.body, "logo") && done(&page.body, "signature"));
    assert!(!done(&page.body, "address") && !done(&page.body, "contact"));

    // A wrong website is refused and what was typed stays in the form.
    let typed = [
        ("issuer_address", "Lindenaustraße 9, 04600 Altenburg"),
        ("contact_phone", "03447 586-0"),
        ("contact_email", "integration@example.org"),
        ("contact_website", "kein web"),
    ];
    let refused = b.submit("/certificate-settings", "/certificate-settings/profile", &typed).await;
    assert_eq!(refused.status, 422, "{}", refused.body);
    assert!(
        refused.body.contains("value=\"Lindenaustraße 9, 04600 Altenburg\""),
        "{}",
        refused.body
    );
    assert!(refused.body.contains("value=\"kein web\""));
    let mut fixed = typed;
    fixed[3].1 = "www.altenburgerland.de";
    let saved = b.submit("/certificate-settings", "/certificate-settings/profile", &fixed).await;
    assert_eq!(saved.status, 303, "{}", saved.body);
    let page = b.get("/certificate-settings").await;
    assert!(done(&page.body, "address") && done(&page.body, "contact"));
    assert!(!done(&page.body, "approval"));

    // The sample prints the letterhead; approving it completes the list.
    let (status, _, sample) = b.get_bytes("/certificate-settings/sample.pdf").await;
    assert_eq!(status, 200);
    assert!(sample.starts_with(b"%PDF-"));
    if common::tool_available("pdftotext") {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("muster.pdf");
        std::fs::write(&path, &sample).unwrap();
        let out = std::process::Command::new("pdftotext").arg(&path).arg("-").output().unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(text.contains("Lindenaustraße 9, 04600 Altenburg"), "{text}");
        assert!(text.contains("www.altenburgerland.de"), "{text}");
    }
    let approved = b.submit("/certificate-settings", "/certificate-settings/approve", &[]).await;
    assert_eq!(approved.status, 303, "{}", approved.body);
    let page = b.get("/certificate-settings").await;
    assert!(items.iter().all(|i| done(&page.body, i)), "{}", page.body);
    assert!(page.body.contains("data-test=\"checklist-complete\""));
    assert!(
        page.body.contains("data-test=\"approved\"") && page.body.contains("koordination muster")
    );
    let (s, settings) = api.get("/api/v1/certificate-settings").await;
    assert_eq!(s, 200, "{settings}");
    assert_eq!(
        (settings["approved"].as_bool(), settings["complete"].as_bool()),
        (Some(true), Some(true))
    );
    assert_eq!(settings["approved_by"], "koordination muster");

    // A later change withdraws the approval: the address through the API …
    let mut changed: serde_json::Map<String, Value> =
        fixed.iter().map(|(k, v)| (k.to_string(), json!(v))).collect();
    changed.insert("issuer_address".into(), json!("Markt 1, 04600 Altenburg"));
    let (s, settings) = api.put("/api/v1/certificate-settings", Value::Object(changed)).await;
    assert_eq!(s, 200, "{settings}");
    assert_eq!(settings["approved"], false);
    assert_eq!(settings["approval_withdrawn"], true);
    let page = b.get("/certificate-settings").await;
    assert!(!done(&page.body, "approval"));
    assert!(page.body.contains("data-test=\"approval-withdrawn\""));
    // … and the logo through the page, after a new approval through the API.
    let (s, settings) = api.post("/api/v1/certificate-settings/approval", json!({})).await;
    assert_eq!((s, settings["approved"].as_bool()), (200, Some(true)), "{settings}");
    let removed = b.submit("/certificate-settings", "/certificate-settings/logo/delete", &[]).await;
    assert_eq!(removed.status, 303);
    let (_, settings) = api.get("/api/v1/certificate-settings").await;
    assert_eq!(
        (settings["approved"].as_bool(), settings["logo"].as_bool()),
        (Some(false), Some(false))
    );

    // The API refuses what it cannot print or read, naming the field.
    let (s, e) =
        api.put("/api/v1/certificate-settings", json!({"contact_email": "kein-at-zeichen"})).await;
    assert_eq!((s, e["field"].as_str()), (422, Some("contact_email")), "{e}");
    let (s, e) = api
        .put("/api/v1/certificate-settings", json!({"issuer_address": "Straße 1\u{202e}"}))
        .await;
    assert_eq!((s, e["field"].as_str()), (422, Some("issuer_address")), "{e}");
    let trainer = app.api_token(&org.trainer.email).await;
    assert_eq!(trainer.get("/api/v1/certificate-settings").await.0, 403);
    assert_eq!(trainer.post("/api/v1/certificate-settings/approval", json!({})).await.0, 403);
    let other = app.create_org("anderswo");
    let api2 = app.api_token(&other.coordinator.email).await;
    let (_, theirs) = api2.get("/api/v1/certificate-settings").await;
    assert_eq!(theirs["issuer_address"], "", "each organisation its own");
}

both_backends!(the_checklist_follows_uploads_and_the_approval, checklist);

async fn certificates_page(backend: Backend) {
    let app = common::spawn_app(backend).await;
    let org = app.create_org("liste");
    let api = app.api_token(&org.coordinator.email).await;
    let b = app.browser();
    b.login(&org.coordinator.email).await;

    let page = b.get("/certificates").await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("data-test=\"no-certificates\""), "{}", page.body);
    assert!(page.body.contains(&escaped(&common::said("certs.list_empty", &[]))));

    let (run_a, certs_a) = issued(
        &api,
        "MS-L1",
        &[
            ("Olena", "Shevchenko", Some("olena@example.org"), None, true),
            ("Samir", "Haddad", None, None, true),
        ],
    )
    .await;
    let (run_b, certs_b) = issued(&api, "MS-L2", &[("Amir", "Karimi", None, None, true)]).await;
    let of = |name: &str| {
        certs_a.iter().find(|c| c["holder_name"] == name).expect("issued")["id"].clone()
    };
    let (olena, samir) = (of("Olena Shevchenko"), of("Samir Haddad"));
    let (s, _) =
        api.post(&format!("/api/v1/certificates/{samir}/revoke"), json!({"reason": "Test"})).await;
    assert_eq!(s, 200);

    let page = b.get("/certificates").await;
    assert_eq!(page.body.matches("data-test=\"certificate-").count() - 1, 3, "{}", page.body);
    // Newest first: the second run's certificate leads.
    let amir = page.body.find("Amir Karimi").unwrap();
    assert!(amir < page.body.find("Olena Shevchenko").unwrap());
    assert!(page.body.contains(&format!("href=\"/certificates/{olena}/pdf\"")));
    assert!(page.body.contains(&format!("href=\"/certificates/{olena}/revoke\"")));
    assert!(!page.body.contains(&format!("href=\"/certificates/{samir}/revoke\"")), "revoked");

    let page = b.get("/certificates?q=olena").await;
    assert!(page.body.contains("Olena Shevchenko") && !page.body.contains("Amir Karimi"));
    let code = certs_b[0]["code"].as_str().unwrap().to_lowercase();
    let page = b.get(&format!("/certificates?q={code}")).await;
    assert!(page.body.contains("Amir Karimi") && !page.body.contains("Olena Shevchenko"));
    let page = b.get(&format!("/certificates?run={run_a}&status=revoked")).await;
    assert!(
        page.body.contains("Samir Haddad") && !page.body.contains("Olena Shevchenko"),
        "{}",
        page.body
    );
    let page = b.get("/certificates?q=niemand").await;
    assert!(page.body.contains("data-test=\"no-match\""));
    // A page address with nonsense in it still shows the list.
    assert_eq!(b.get("/certificates?status=kaputt&page=x&run=-1").await.status, 200);

    let (s, list) = api.get(&format!("/api/v1/certificates?run={run_b}")).await;
    assert_eq!(s, 200, "{list}");
    assert_eq!(list["total"], 1);
    assert_eq!(list["items"][0]["holder_name"], "Amir Karimi");
    let (_, list) = api.get("/api/v1/certificates?status=valid").await;
    assert_eq!(list["total"], 2);
    let (_, list) = api.get("/api/v1/certificates?q=HADDAD").await;
    assert_eq!(
        (list["total"].as_i64(), list["items"][0]["status"].as_str()),
        (Some(1), Some("revoked"))
    );
    let (s, e) = api.get("/api/v1/certificates?status=kaputt").await;
    assert_eq!((s, e["field"].as_str()), (422, Some("status")), "{e}");
    let (s, e) = api.get("/api/v1/certificates?page=0").await;
    assert_eq!((s, e["field"].as_str()), (422, Some("page")), "{e}");

    // Another organisation sees none of them, and not the run.
    let other = app.create_org("nebenan");
    let api2 = app.api_token(&other.coordinator.email).await;
    let (_, theirs) = api2.get("/api/v1/certificates").await;
    assert_eq!(theirs["total"], 0);
    assert_eq!(api2.get(&format!("/api/v1/certificates?run={run_a}")).await.0, 404);
    let b2 = app.browser();
    b2.login(&other.coordinator.email).await;
    let page = b2.get(&format!("/certificates?run={run_a}")).await;
    assert!(page.body.contains("data-test=\"no-certificates\"") && !page.body.contains("Olena"));
    let trainer = app.browser();
    trainer.login(&org.trainer.email).await;
    assert_eq!(trainer.get("/certificates").await.status, 403);
    assert_eq!(app.api_token(&org.trainer.email).await.get("/api/v1/certificates").await.0, 403);
}

both_backends!(the_certificates_page_searches_and_filters, certificates_page);

/// In a real browser: the run page's button, the confirmation, the banner.
async fn in_the_browser(backend: Backend) {
    if !common::browser::available() {
        return;
    }
    let app = common::spawn_app(backend).await;
    let org = app.create_org("klick");
    let api = app.api_token(&org.coordinator.email).await;
    let (run_id, _) = run_with(&api, "MS-K", PEOPLE).await;
    let chrome = common::browser::Chromium::start(1200, 900).await;
    chrome.log_in(&app.url(""), &org.coordinator.email).await;
    chrome.goto(&app.url(&format!("/runs/{run_id}"))).await;
    chrome.click("[data-test=issue-certificates]").await;
    chrome.wait_for_text("data-test=\"confirm-summary\"").await;
    assert_eq!(app.count("certificates"), 0, "the confirmation issued nothing");
    // The click returns once the page it leads to has loaded (the banner, or the
    // progress page while the batch is still at work).
    chrome.click("[data-test=confirm-button]").await;
    let deadline = std::time::Instant::now();
    let mut body = chrome.source().await;
    while !body.contains("data-test=\"certs-outcome\"") {
        assert!(deadline.elapsed() < Duration::from_secs(60), "{body}");
        actix_web::rt::time::sleep(Duration::from_millis(200)).await;
        chrome.goto(&chrome.current_url().await).await;
        body = chrome.source().await;
    }
    let sentence = Text::key("done.certs_issued_to_print")
        .arg("issued", 4)
        .arg("undelivered", 1)
        .arg_list("names", vec![Text::Plain("Samir Haddad".into())])
        .render("de");
    assert!(body.contains(&escaped(&sentence)), "{body}");
    assert_eq!(app.count("certificates"), 4);
    chrome.click("[data-test=print-list]").await;
    let list = chrome.wait_for_text("data-test=\"to-print-").await;
    assert!(list.contains("Samir Haddad"));
}

both_backends!(issue_confirm_and_banner_in_a_browser, in_the_browser);
