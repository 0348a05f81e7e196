//! The accessibility statement (BITV 2.0 model text): a public page per organisation and a
//! general one, linked from the footer of every kind of page; its contact set by the
//! coordinator (page and API); the feedback form reaching the contact through a real SMTP
//! server on loopback, refusing hostile input with a clear 4xx, and its feedback invisible
//! to other organisations.

use std::time::Duration;

use serde_json::json;

use crate::both_backends;
use crate::common::{self, logs, smtp::SmtpServer, Backend, Options};

/// The `href` of the footer's statement link on a page.
fn statement_link(body: &str) -> String {
    common::attribute_of(body, "data-test=\"statement-link\"", "href")
        .unwrap_or_else(|| panic!("no statement link in the footer: {body}"))
}

async fn set_contact(api: &common::Api, email: &str) {
    let (s, saved) = api
        .put(
            "/api/v1/organisation/accessibility-statement",
            json!({
                "contact_name": "Team Barrierefreiheit",
                "contact_email": email,
                "contact_phone": "+49 30 1234567",
                "contact_address": "Rathausplatz 1\n12345 Musterstadt",
                "conformity": "partial",
                "known_issues": "Die Karte der Schulungsorte hat keine Textalternative.",
                "prepared_on": "2026-11-30"
            }),
        )
        .await;
    assert_eq!(s, 200, "{saved}");
}

async fn statement_page(backend: Backend) {
    let app = common::spawn_app(backend).await;
    let org = app.create_org("erkl");
    let api = app.api_token(&org.coordinator.email).await;
    let visitor = app.browser();
    let path = format!("/barrierefreiheit/{}", org.id);

    // Before anything is set: the model text's parts, no contact, the form all the same.
    let page = visitor.get(&path).await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("<html lang=\"de\""), "{}", page.body);
    for key in [
        "statement.heading",
        "statement.conformity_heading",
        "statement.issues_heading",
        "statement.prepared_heading",
        "statement.contact_heading",
        "statement.enforcement_heading",
    ] {
        assert!(page.body.contains(&common::said(key, &[])), "{key}: {}", page.body);
    }
    assert!(page.body.contains("schlichtungsstelle-bgg.de"));
    assert!(page.body.contains("data-test=\"statement-no-contact\""));
    assert!(page.body.contains("data-test=\"feedback-form\""));
    assert!(page.body.contains("data-test=\"feedback-privacy\""));

    // The API: empty settings, then a contact; a refusal names the field.
    let (s, empty) = api.get("/api/v1/organisation/accessibility-statement").await;
    assert_eq!((s, empty["conformity"].as_str()), (200, Some("partial")), "{empty}");
    let (s, refused) = api
        .put(
            "/api/v1/organisation/accessibility-statement",
            json!({"contact_email": "kein-at", "conformity": "partial"}),
        )
        .await;
    assert_eq!((s, refused["field"].as_str()), (422, Some("contact_email")), "{refused}");
    let (s, refused) = api
        .put(
            "/api/v1/organisation/accessibility-statement",
            json!({"contact_email": "a11y@erkl.example.org", "conformity": "meistens"}),
        )
        .await;
    assert_eq!((s, refused["field"].as_str()), (422, Some("conformity")), "{refused}");
    set_contact(&api, "a11y@erkl.example.org").await;
    let (_, saved) = api.get("/api/v1/organisation/accessibility-statement").await;
    assert_eq!(saved["contact_email"], "a11y@erkl.example.org");
    assert_eq!(saved["prepared_on"], "2026-11-30");

    let page = visitor.get(&path).await;
    assert!(page.body.contains("data-test=\"statement-contact\""), "{}", page.body);
    assert!(page.body.contains("mailto:a11y@erkl.example.org"));
    assert!(page.body.contains("Rathausplatz 1"));
    assert!(page.body.contains("keine Textalternative"));
    assert!(page.body.contains("data-conformity=\"partial\""));
    assert!(page.body.contains("30.11.2026"));

    // The coordinator's settings page: it shows what the API saved, and saves through its form.
    let coordinator = app.browser();
    coordinator.login(&org.coordinator.email).await;
    let settings = coordinator.get("/settings").await;
    assert!(settings.body.contains("href=\"/settings/accessibility\""), "{}", settings.body);
    let form = coordinator.get("/settings/accessibility").await;
    assert_eq!(form.status, 200, "{}", form.body);
    assert!(form.body.contains("value=\"a11y@erkl.example.org\""));
    let refused = coordinator
        .submit(
            "/settings/accessibility",
            "/settings/accessibility",
            &[
                ("contact_email", "barriere@erkl.example.org"),
                ("contact_phone", "abc"),
                ("conformity", "full"),
            ],
        )
        .await;
    assert_eq!(refused.status, 422, "{}", refused.body);
    assert!(refused.body.contains("value=\"barriere@erkl.example.org\""), "typed input stays");
    let saved = coordinator
        .submit(
            "/settings/accessibility",
            "/settings/accessibility",
            &[
                ("contact_name", "Frau Kaya"),
                ("contact_email", "barriere@erkl.example.org"),
                ("conformity", "full"),
                ("prepared_on", ""),
            ],
        )
        .await;
    assert_eq!(saved.status, 303, "{}", saved.body);
    let page = visitor.get(&path).await;
    assert!(page.body.contains("mailto:barriere@erkl.example.org"), "{}", page.body);
    assert!(page.body.contains("data-conformity=\"full\""));

    // English by `?lang=en` and by the browser's language; the switch leads to the other.
    for english in [visitor.get(&format!("{path}?lang=en")).await.body, {
        let resp = visitor
            .client
            .get(app.url(&path))
            .header("accept-language", "fr;q=0.9, en-GB;q=0.8, de;q=0.1")
            .send()
            .await
            .unwrap();
        resp.text().await.unwrap()
    }] {
        assert!(english.contains("<html lang=\"en\""), "{english}");
        assert!(english.contains("Accessibility statement"), "{english}");
        assert!(english.contains("Enforcement procedure"));
        let switch = common::attribute_of(&english, "data-test=\"lang-switch\"", "href").unwrap();
        assert_eq!(switch, "?lang=de");
    }

    // The general page; unknown organisations and malformed ids are a 404, never a 500.
    let general = visitor.get("/barrierefreiheit").await;
    assert_eq!(general.status, 200);
    assert!(general.body.contains("data-test=\"statement-general\""));
    assert!(!general.body.contains("data-test=\"feedback-form\""));
    assert_eq!(visitor.get("/barrierefreiheit/999999").await.status, 404);
    assert_eq!(visitor.get("/barrierefreiheit/abc").await.status, 404);

    // Trainers neither see nor change the settings.
    let trainer = app.api_token(&org.trainer.email).await;
    assert_eq!(trainer.get("/api/v1/organisation/accessibility-statement").await.0, 403);
    assert_eq!(trainer.get("/api/v1/organisation/accessibility-feedback").await.0, 403);
    app.assert_rules_hold();
}

both_backends!(statement_page_settings_and_languages, statement_page);

/// The own-page token in the certificate mail.
fn own_page_path(mail: &str) -> String {
    let text = mail.replace("=\r\n", "").replace("=\n", "");
    let prefix = "/meine-bescheinigungen/";
    let at = text.find(prefix).expect("own-page link") + prefix.len();
    let token: String = text[at..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .collect();
    format!("{prefix}{}", logs::secret(&token))
}

fn check_path(mail: &str) -> String {
    let text = mail.replace("=\r\n", "").replace("=\n", "");
    let at = text.find("/Z/").expect("a check link");
    let token: String = text[at + 3..].chars().take_while(|c| c.is_ascii_alphanumeric()).collect();
    format!("/Z/{token}")
}

async fn footer_links(backend: Backend) {
    let smtp = SmtpServer::start_on(0).expect("smtp");
    let app = common::spawn_app_with(
        backend,
        Options { smtp_port: Some(smtp.port), ..Default::default() },
    )
    .await;
    let org = app.create_org("fuss");
    let api = app.api_token(&org.coordinator.email).await;
    let own_statement = format!("/barrierefreiheit/{}", org.id);

    // Pages without an organisation: the general statement.
    let visitor = app.browser();
    for path in ["/login", "/z", "/passwort-vergessen"] {
        let page = visitor.get(path).await;
        assert_eq!(statement_link(&page.body), "/barrierefreiheit", "{path}");
    }
    let missing = visitor.get("/keine-seite").await;
    assert_eq!(missing.status, 404);
    assert_eq!(statement_link(&missing.body), "/barrierefreiheit");

    // Logged-in pages: the organisation's statement, for coordinator and trainer alike.
    let coordinator = app.browser();
    coordinator.login(&org.coordinator.email).await;
    for path in ["/runs", "/courses", "/settings", "/settings/accessibility", "/account"] {
        let page = coordinator.get(path).await;
        assert_eq!(page.status, 200, "{path}");
        assert_eq!(statement_link(&page.body), own_statement, "{path}");
    }
    let trainer = app.browser();
    trainer.login(&org.trainer.email).await;
    let page = trainer.get("/my/sessions").await;
    assert_eq!(statement_link(&page.body), own_statement);
    let admin = app.create_admin("admin@fuss.example.org");
    let admin_browser = app.browser();
    admin_browser.login(&admin.email).await;
    let page = admin_browser.get("/admin/organisations").await;
    assert_eq!(statement_link(&page.body), "/barrierefreiheit", "an admin belongs to none");

    // Public token pages: the organisation of the page (the participant's own page, the
    // certificate's check page).
    let _ = common::certified(&api, "MS-FUSS", "Olena", "Koval", Some("olena@example.org")).await;
    let certificate_mail =
        || smtp.messages().into_iter().find(|m| m.data.contains("application/pdf"));
    common::wait_until("the certificate mail", Duration::from_secs(30), || {
        certificate_mail().is_some()
    })
    .await;
    // The mail is in the participant's language, encoded as lettre chose: read it decoded.
    let mail = common::mime::decode(&certificate_mail().unwrap().data).text;
    let own = visitor.get(&own_page_path(&mail)).await;
    assert_eq!(own.status, 200, "{}", own.body);
    // In the page's language: the test's participants read Arabic.
    assert_eq!(statement_link(&own.body), format!("{own_statement}?lang=ar"));
    let check = visitor.get(&check_path(&mail)).await;
    assert_eq!(check.status, 200, "{}", check.body);
    assert_eq!(statement_link(&check.body), own_statement, "the issuer's statement");

    // The link leads somewhere real.
    assert_eq!(visitor.get(&own_statement).await.status, 200);
    app.assert_rules_hold();
}

both_backends!(footer_links_to_the_statement_that_fits, footer_links);

async fn feedback(backend: Backend) {
    let smtp = SmtpServer::start_on(0).expect("smtp");
    let app = common::spawn_app_with(
        backend,
        Options { smtp_port: Some(smtp.port), ..Default::default() },
    )
    .await;
    let org = app.create_org("rueck");
    let other = app.create_org("anders");
    let api = app.api_token(&org.coordinator.email).await;
    let other_api = app.api_token(&other.coordinator.email).await;
    set_contact(&api, "a11y@rueck.example.org").await;
    let path = format!("/barrierefreiheit/{}", org.id);

    let visitor = app.browser();
    let message = "Der Kontrast der Knoepfe ist zu schwach.\nZeile zwei: Fokus unsichtbar.";
    let sent = visitor
        .submit(
            &path,
            &path,
            &[("name", "Aylin Demir"), ("email", "aylin@example.org"), ("message", message)],
        )
        .await;
    assert_eq!(sent.status, 200, "{}", sent.body);
    assert!(sent.body.contains("data-test=\"feedback-sent\""), "{}", sent.body);

    // It reaches the contact through the outbox and the SMTP server.
    let feedback_mail = || {
        smtp.messages()
            .into_iter()
            .find(|m| m.to.iter().any(|t| t.contains("a11y@rueck.example.org")))
    };
    common::wait_until("the feedback mail", Duration::from_secs(30), || feedback_mail().is_some())
        .await;
    let mail = feedback_mail().unwrap().data.replace("=\r\n", "").replace("=\n", "");
    assert!(mail.contains("Kontrast der Knoepfe"), "{mail}");
    assert!(mail.contains("aylin@example.org"), "{mail}");

    // The coordinator sees it (page and API); the other organisation does not.
    let (s, list) = api.get("/api/v1/organisation/accessibility-feedback").await;
    assert_eq!(s, 200);
    let list = list.as_array().unwrap().clone();
    assert_eq!(list.len(), 1, "{list:?}");
    assert_eq!(list[0]["message"], message);
    assert_eq!(list[0]["sender_name"], "Aylin Demir");
    assert!(list[0].get("organisation_id").is_none());
    let id = list[0]["id"].as_i64().unwrap();
    let (_, others) = other_api.get("/api/v1/organisation/accessibility-feedback").await;
    assert_eq!(others, json!([]), "another organisation's feedback is invisible");
    let (s, _) = other_api
        .send(
            reqwest::Method::DELETE,
            &format!("/api/v1/organisation/accessibility-feedback/{id}"),
            None,
        )
        .await;
    assert_eq!(s, 404, "nor can it be deleted from there");
    let other_browser = app.browser();
    other_browser.login(&other.coordinator.email).await;
    let page = other_browser.get("/settings/accessibility").await;
    assert!(page.body.contains("data-test=\"feedback-none\""), "{}", page.body);
    assert!(!page.body.contains("Knoepfe"));
    assert_eq!(
        other_browser.get(&format!("/settings/accessibility/feedback/{id}/delete")).await.status,
        404
    );
    let coordinator = app.browser();
    coordinator.login(&org.coordinator.email).await;
    let page = coordinator.get("/settings/accessibility").await;
    assert!(page.body.contains("data-test=\"feedback-item\""), "{}", page.body);
    assert!(page.body.contains("Aylin Demir"));

    // Without name and e-mail it is just as welcome, and stores neither.
    let sent =
        visitor.submit(&path, &path, &[("message", "Anonym: Captcha fehlt zum Glueck.")]).await;
    assert_eq!(sent.status, 200, "{}", sent.body);
    let (_, list) = api.get("/api/v1/organisation/accessibility-feedback").await;
    assert_eq!(list.as_array().unwrap().len(), 2);
    assert_eq!(list[0]["sender_name"], serde_json::Value::Null, "{list}");
    assert_eq!(list[0]["sender_email"], serde_json::Value::Null);

    // Deleting: a confirmation page, then the POST; the API deletes the other one.
    let confirm = coordinator.get(&format!("/settings/accessibility/feedback/{id}/delete")).await;
    assert_eq!(confirm.status, 200, "{}", confirm.body);
    let deleted = coordinator
        .submit(
            &format!("/settings/accessibility/feedback/{id}/delete"),
            &format!("/settings/accessibility/feedback/{id}/delete"),
            &[],
        )
        .await;
    assert_eq!(deleted.status, 303, "{}", deleted.body);
    let rest = list.as_array().unwrap().iter().find(|f| f["id"] != id).unwrap()["id"].clone();
    let (s, _) = api
        .send(
            reqwest::Method::DELETE,
            &format!("/api/v1/organisation/accessibility-feedback/{rest}"),
            None,
        )
        .await;
    assert_eq!(s, 204);
    assert_eq!(app.count("accessibility_feedback"), 0);
    app.assert_rules_hold();
}

both_backends!(feedback_reaches_the_contact_and_stays_in_its_organisation, feedback);

async fn hostile(backend: Backend) {
    let app = common::spawn_app_with(
        backend,
        // The feedback form shares the code form's allowance: 5 posts a minute here.
        Options { rate_limits: Some((60, 5)), ..Default::default() },
    )
    .await;
    let org = app.create_org("feind");
    let api = app.api_token(&org.coordinator.email).await;
    set_contact(&api, "a11y@feind.example.org").await;
    let path = format!("/barrierefreiheit/{}", org.id);
    let visitor = app.browser();

    let long = "x".repeat(10_000);
    let cases: [(&[(&str, &str)], &str); 4] = [
        (&[("message", long.as_str())], "message"),
        (&[("message", "Hallo \u{202E}dlrow"), ("lang", "en")], "message"),
        (&[("name", "Erste Zeile\nZweite"), ("message", "Hallo"), ("lang", "en")], "name"),
        (&[("message", "   ")], "message"),
    ];
    for (fields, field) in cases {
        let page = visitor.submit(&path, &path, fields).await;
        assert_eq!(page.status, 422, "{fields:?}: {}", page.body);
        assert!(page.body.contains("data-test=\"feedback-error\""), "{}", page.body);
        assert!(page.body.contains(&format!("id=\"{field}-error\"")), "{field}: {}", page.body);
        // In the page's language.
        let english = fields.iter().any(|(k, v)| *k == "lang" && *v == "en");
        assert_eq!(page.body.contains("<html lang=\"en\""), english);
    }
    // The English refusal speaks English.
    let page = visitor.submit(&path, &path, &[("message", "a\u{2066}b"), ("lang", "en")]).await;
    assert!(!page.body.contains(&common::said("statement.label_message", &[])), "{}", page.body);
    // Without the form's CSRF token: refused before anything is read.
    let forged = visitor.post_form(&path, &[("message", "Hallo")]).await;
    assert_eq!(forged.status, 403);
    assert_eq!(app.count("accessibility_feedback"), 0, "nothing refused was stored");

    // Too many posts from one client: 429 with the wait, still nothing stored beyond.
    let page = visitor.submit(&path, &path, &[("message", "zu oft")]).await;
    assert_eq!(page.status, 429, "{}", page.body);
    assert_eq!(app.count("accessibility_feedback"), 0);
    app.assert_rules_hold();
}

both_backends!(hostile_feedback_gets_a_clear_4xx, hostile);

/// On a 360 px phone in Chromium: the statement and its form fit the screen, the footer
/// link and the form's controls are at least 44 px tall, and a feedback sent by tapping
/// arrives.
#[actix_web::test]
async fn statement_and_feedback_on_a_phone() {
    if !common::browser::available() {
        return;
    }
    let app = common::spawn_app(Backend::Sqlite).await;
    let org = app.create_org("handy");
    let api = app.api_token(&org.coordinator.email).await;
    set_contact(&api, "a11y@handy.example.org").await;
    let phone = common::browser::Chromium::phone().await;
    for lang in ["de", "en"] {
        phone.goto(&app.url(&format!("/barrierefreiheit/{}?lang={lang}", org.id))).await;
        phone.wait_for_text("schlichtungsstelle-bgg.de").await;
        phone.assert_fits_width().await;
        let small = phone
            .script(
                "return Array.from(document.querySelectorAll('footer a, .lang-switch a, button, textarea, input:not([type=hidden])')) \
                 .map(function (e) { var r = e.getBoundingClientRect(); return [e.tagName, Math.round(r.height)]; }) \
                 .filter(function (x) { return x[1] < 44; });",
            )
            .await;
        assert_eq!(small, json!([]), "{lang}: tap targets under 44 px");
    }
    phone.type_into("#message", "Der Kalender ist per Tastatur nicht bedienbar.").await;
    phone.click("[data-test=feedback-form] button[type=submit]").await;
    phone.wait_for_text(&mietschulung::i18n::text("en", "statement.feedback_sent")).await;
    assert_eq!(app.count("accessibility_feedback"), 1);
    // The check form in Arabic fits too, right to left.
    phone.goto(&app.url("/z?lang=ar")).await;
    phone.wait_for_text(&mietschulung::i18n::text("ar", "verify.form_title")).await;
    phone.assert_fits_width().await;
    assert_eq!(phone.script("return document.documentElement.dir;").await, json!("rtl"));
    app.assert_rules_hold();
}
