//! The participant's own page: the personal link from the real certificate mail opens it;
//! the PDF downloads again (sound, and without the link in it); checks of the certificate
//! show as counts per day; a tampered, renewed or erased person's link answers 404; the
//! token never reaches the logs.

use std::time::Duration;

use serde_json::json;

use crate::both_backends;
use crate::common::{self, logs, smtp::SmtpServer, Backend, Options};

const PREFIX: &str = "/meine-bescheinigungen/";

/// The token after `PREFIX` in a text (quoted-printable soft breaks removed first).
fn token_in(text: &str) -> String {
    let text = text.replace("=\r\n", "").replace("=\n", "");
    let at =
        text.find(PREFIX).unwrap_or_else(|| panic!("no own-page link in {text}")) + PREFIX.len();
    let token: String = text[at..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .collect();
    logs::secret(&token)
}

/// The `/Z/…` check address in the mail.
fn check_url_in(text: &str) -> String {
    let text = text.replace("=\r\n", "").replace("=\n", "");
    let at = text.find("/Z/").expect("a check link");
    let token: String = text[at + 3..].chars().take_while(|c| c.is_ascii_alphanumeric()).collect();
    format!("/Z/{token}")
}

fn tampered(token: &str) -> String {
    let mut chars: Vec<char> = token.chars().collect();
    chars[10] = if chars[10] == 'A' { 'B' } else { 'A' };
    chars.into_iter().collect()
}

async fn own_page(backend: Backend) {
    let smtp = SmtpServer::start_on(0).expect("smtp");
    let app = common::spawn_app_with(
        backend,
        Options { smtp_port: Some(smtp.port), ..Default::default() },
    )
    .await;
    let org = app.create_org("eigen");
    let other = app.create_org("fremd");
    let api = app.api_token(&org.coordinator.email).await;
    let (run_id, pid, _) =
        common::certified(&api, "MS-OWN", "Mariam", "Ahmadi", Some("mariam@example.org")).await;
    let certificate_mail =
        || smtp.messages().into_iter().find(|m| m.data.contains("application/pdf"));
    common::wait_until("the certificate mail", Duration::from_secs(30), || {
        certificate_mail().is_some()
    })
    .await;
    // Mariam reads Arabic: the body travels base64-encoded.
    let mail = common::mime::decode(&certificate_mail().unwrap().data).text;
    let token = token_in(&mail);
    assert_eq!(token.len(), mietschulung::certificates::own_page::TOKEN_CHARS, "{token}");

    // The page from the mail's link: private, unindexed, with the certificate.
    let client = reqwest::Client::new();
    let get = |path: String| {
        let client = client.clone();
        let url = app.url(&path);
        async move { client.get(url).send().await.expect("GET") }
    };
    let resp = get(format!("{PREFIX}{token}")).await;
    assert_eq!(resp.status(), 200);
    for (header, value) in [("cache-control", "no-store"), ("referrer-policy", "no-referrer")] {
        assert_eq!(resp.headers()[header], value, "{header}");
    }
    let body = resp.text().await.unwrap();
    assert!(body.contains("<meta name=\"robots\" content=\"noindex"), "{body}");
    // In the person's language (Arabic, right to left), where the page has the words.
    assert!(body.contains("lang=\"ar\" dir=\"rtl\""), "{body}");
    assert!(body.contains("data-test=\"own-certificate\" data-status=\"valid\""), "{body}");
    assert!(body.contains("Landkreis eigen") && body.contains("Mietführerschein MS-OWN"));
    assert!(body.contains("data-total=\"0\""));

    // The PDF again: sound, the same certificate, and the personal link nowhere in it.
    let pdf_path = {
        let at = body.find(&format!("{PREFIX}{token}/")).expect("a PDF link");
        body[at..].split('"').next().unwrap().to_string()
    };
    let resp = get(pdf_path.clone()).await;
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["content-type"], "application/pdf");
    let pdf = resp.bytes().await.unwrap().to_vec();
    assert!(pdf.starts_with(b"%PDF"));
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("own.pdf");
    std::fs::write(&file, &pdf).unwrap();
    common::qpdf_check(&file);
    if common::tool_available("pdftotext") {
        let out = std::process::Command::new("pdftotext").arg(&file).arg("-").output().unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(text.contains("Mariam"), "{text}");
        assert!(!text.contains(&token) && !text.contains("meine-bescheinigungen"), "{text}");
    }
    let raw = String::from_utf8_lossy(&pdf);
    assert!(!raw.contains(&token));

    // A check of the certificate shows as a count for today, nothing about the checker.
    let checked = get(check_url_in(&mail)).await;
    assert_eq!(checked.status(), 200);
    common::wait_until("the check counted", Duration::from_secs(20), || {
        app.count("certificate_checks") > 0
    })
    .await;
    let body = get(format!("{PREFIX}{token}")).await.text().await.unwrap();
    assert!(body.contains("data-total=\"1\""), "{body}");
    assert!(body.contains(&mietschulung::time::fmt_date(mietschulung::time::today_local())));

    // "Meine Daten anfordern": the stored data, and the request in the audit log.
    let data = client.post(app.url(&format!("{PREFIX}{token}"))).send().await.unwrap();
    assert_eq!(data.status(), 200);
    assert_eq!(data.headers()["cache-control"], "no-store");
    let data = data.text().await.unwrap();
    assert!(
        data.contains("data-test=\"download-json\"") && data.contains("mariam@example.org"),
        "{data}"
    );
    // The same as JSON (Art. 20), only through a link that opens.
    let json = get(format!("{PREFIX}{token}/daten.json")).await;
    assert_eq!(json.status(), 200);
    assert_eq!(json.headers()["cache-control"], "no-store");
    let json: serde_json::Value = json.json().await.unwrap();
    assert_eq!(json["person"]["email"], "mariam@example.org", "{json}");
    assert_eq!(get(format!("{PREFIX}{}/daten.json", tampered(&token))).await.status(), 404);
    let (_, exports) =
        api.get(&format!("/api/v1/audit?action=participant.export&participant={pid}")).await;
    assert_eq!(exports["entries"].as_array().unwrap().len(), 2, "{exports}");

    // Forged, mistyped, shortened: the same plain 404, and no PDF for a wrong code.
    for bad in [tampered(&token), token[..40].to_string(), "x".repeat(300), "AAAA".repeat(12)] {
        let resp = get(format!("{PREFIX}{bad}")).await;
        assert_eq!(resp.status(), 404, "{bad}");
        assert!(resp.text().await.unwrap().contains("data-test=\"own-missing\""));
    }
    let wrong_code =
        pdf_path.rsplit_once('/').unwrap().0.to_string() + "/0000-0000-0000-0000-0.pdf";
    assert_eq!(get(wrong_code).await.status(), 404);

    // A new link: the old one stops working. Only the participant's coordinator makes one.
    let trainer = app.api_token(&org.trainer.email).await;
    let path = format!("/api/v1/participants/{pid}/own-page-link");
    assert_eq!(trainer.post(&path, json!({})).await.0, 403);
    let stranger = app.api_token(&other.coordinator.email).await;
    assert_eq!(stranger.post(&path, json!({})).await.0, 404);
    let (s, renewed) = api.post(&path, json!({})).await;
    assert_eq!(s, 200, "{renewed}");
    let new_token = token_in(renewed["url"].as_str().unwrap());
    assert_ne!(new_token, token);
    assert_eq!(get(format!("{PREFIX}{token}")).await.status(), 404);
    assert_eq!(get(pdf_path).await.status(), 404);
    assert_eq!(get(format!("{PREFIX}{new_token}")).await.status(), 200);

    // From the run page: the confirmation, then the new link shown once.
    let browser = app.browser();
    browser.login(&org.coordinator.email).await;
    let run_page = browser.get(&format!("/runs/{run_id}")).await.body;
    assert!(run_page.contains(&format!("/participants/{pid}/own-page-link?run={run_id}")));
    let confirm = format!("/participants/{pid}/own-page-link?run={run_id}");
    let done = browser
        .submit(
            &confirm,
            &format!("/participants/{pid}/own-page-link"),
            &[("run", &run_id.to_string())],
        )
        .await;
    assert_eq!(
        (done.status, done.location.as_deref()),
        (303, Some(format!("/runs/{run_id}#certificates").as_str()))
    );
    let shown = browser.get(&format!("/runs/{run_id}")).await.body;
    let third = token_in(&shown);
    assert_eq!(get(format!("{PREFIX}{new_token}")).await.status(), 404);
    assert_eq!(get(format!("{PREFIX}{third}")).await.status(), 200);

    // On a phone at 360 px: the own page and the coordinator's audit log fit, and the
    // download is a full-size tap target.
    if common::browser::available() {
        let phone = common::browser::Chromium::phone().await;
        phone.goto(&app.url(&format!("{PREFIX}{third}"))).await;
        phone.wait_for_text("own-certificate").await;
        phone.assert_fits_width().await;
        let button = phone
            .script("var r = document.querySelector('[data-test=own-pdf]').getBoundingClientRect(); return r.height;")
            .await;
        assert!(button.as_f64().unwrap() >= 44.0, "tap target height {button}");
        phone.log_in(&app.url(""), &org.coordinator.email).await;
        phone.goto(&app.url("/audit")).await;
        phone.wait_for_text("audit-entry").await;
        phone.assert_fits_width().await;
        if let Ok(dir) = std::env::var("SCREENSHOT_DIR") {
            std::fs::write(format!("{dir}/audit-360.png"), phone.screenshot().await).unwrap();
            phone.goto(&app.url(&format!("{PREFIX}{third}"))).await;
            std::fs::write(format!("{dir}/own-page-360.png"), phone.screenshot().await).unwrap();
        }
    }

    // An erased person has no page (the mark is taken back afterwards: this test is not
    // about what erasure leaves behind).
    let erased = |at: Option<chrono::NaiveDateTime>| {
        app.db
            .run_blocking(move |conn| {
                use diesel::prelude::*;
                use mietschulung::db::schema::participants as p;
                diesel::update(p::table.find(pid as i32)).set(p::erased_at.eq(at)).execute(conn)?;
                Ok(())
            })
            .unwrap()
    };
    erased(Some(mietschulung::time::now_utc()));
    assert_eq!(get(format!("{PREFIX}{third}")).await.status(), 404);
    erased(None);
    assert!(!logs::text().contains(&third) && !logs::text().contains(&token));
}

both_backends!(own_page_from_the_mail_link, own_page);
