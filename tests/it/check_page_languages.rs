//! The landlord's check page in German, English, Turkish, Russian and Arabic (right to
//! left): chosen by `?lang=` and by `Accept-Language`, with a visible switch; the issuer's
//! contact from its certificate settings; "Was bedeutet das? Was können Sie tun?" for
//! "Widerrufen" and "Ungültig"; never the key's fingerprint; and still nothing about the
//! checker kept.

use serde_json::json;

use crate::both_backends;
use crate::common::{self, Backend};

const LANGS: [(&str, &str); 5] =
    [("de", "ltr"), ("en", "ltr"), ("tr", "ltr"), ("ru", "ltr"), ("ar", "rtl")];

fn text(lang: &str, key: &str) -> String {
    let words = mietschulung::i18n::text(lang, key);
    // As handlebars writes it into the page.
    handlebars::html_escape(&words)
}

async fn check_page(backend: Backend) {
    let options = common::Options { rate_limits: Some((0, 0)), ..Default::default() };
    let app = common::spawn_app_with(backend, options).await;
    let org = app.create_org("pruef");
    let api = app.api_token(&org.coordinator.email).await;
    let (s, profile) = api
        .put(
            "/api/v1/certificate-settings",
            json!({
                "issuer_address": "Marktplatz 3, 12345 Prüfstadt",
                "contact_phone": "+49 30 555123",
                "contact_email": "integration@pruef.example.org",
                "contact_website": ""
            }),
        )
        .await;
    assert_eq!(s, 200, "{profile}");
    let (run_id, _, _) = common::certified(&api, "MS-LANG", "Ayşe", "Yılmaz", None).await;
    let (_, list) = api.get(&format!("/api/v1/runs/{run_id}/certificates")).await;
    let cert = list[0].clone();
    let url = cert["verification_url"].as_str().unwrap().to_string();
    let path = url[app.base.len()..].to_string();
    let (_, v) = api.get(&format!("/api/v1/verify/code/{}", cert["code"].as_str().unwrap())).await;
    let fingerprint =
        v["facts"]["key_fingerprint"].as_str().expect("the API keeps the fingerprint");
    assert_eq!(v["facts"]["issuer_email"], "integration@pruef.example.org", "{v}");
    let visitor = app.browser();

    for (lang, dir) in LANGS {
        let page = visitor.get(&format!("{path}?lang={lang}")).await;
        assert_eq!(page.status, 200, "{lang}");
        let body = &page.body;
        assert!(body.contains(&format!("<html lang=\"{lang}\" dir=\"{dir}\"")), "{lang}: {body}");
        assert_eq!(common::verdict(body), Some("valid"));
        for key in ["verify.valid", "verify.holder", "verify.issuer", "verify.issuer_contact"] {
            assert!(body.contains(&text(lang, key)), "{lang} {key}: {body}");
        }
        if lang != "de" {
            assert!(!body.contains(&text("de", "verify.issuer")), "{lang}: no German left");
        }
        // The issuer's contact, and never the fingerprint.
        assert!(body.contains("Marktplatz 3, 12345 Prüfstadt"), "{lang}");
        assert!(body.contains("+49 30 555123 · integration@pruef.example.org"), "{lang}");
        assert!(!body.contains(fingerprint), "{lang}: fingerprint on the page");
        assert!(!body.contains(&text(lang, "verify.key")), "{lang}");
        assert!(!body.contains("data-test=\"what-now\""), "valid needs no advice");
        // The switch: every language, the current one marked, each a link to itself.
        for (other, _) in LANGS {
            let link = format!("href=\"?lang={other}\" hreflang=\"{other}\" lang=\"{other}\"");
            assert!(body.contains(&link), "{lang}: switch to {other}");
        }
        assert!(body.contains(&format!("lang=\"{lang}\" aria-current=\"true\"")), "{lang}");
        // The footer leads to the issuer's accessibility statement.
        let statement = common::attribute_of(body, "data-test=\"statement-link\"", "href").unwrap();
        assert!(statement.starts_with(&format!("/barrierefreiheit/{}", org.id)), "{statement}");
    }

    // Chosen by the browser's language when the address does not say.
    for (header, lang) in [
        ("ru-RU,ru;q=0.9,de;q=0.5", "ru"),
        ("ar-SY", "ar"),
        ("tr", "tr"),
        ("fr-FR, en;q=0.5", "en"),
        ("pl", "de"),
    ] {
        let body = visitor
            .client
            .get(app.url(&path))
            .header("accept-language", header)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(body.contains(&format!("<html lang=\"{lang}\"")), "{header} → {lang}");
    }

    // Ungültig: what it means and what to do, in each language.
    for (lang, dir) in LANGS {
        let page = visitor.get(&format!("/Z/AAAAAAAAAAAAAAAA?lang={lang}")).await;
        assert_eq!(page.status, 404);
        let body = &page.body;
        assert!(body.contains(&format!("<html lang=\"{lang}\" dir=\"{dir}\"")), "{lang}");
        assert_eq!(common::verdict(body), Some("invalid"));
        assert!(body.contains("data-test=\"what-now\""), "{lang}");
        for key in
            ["verify.what_means", "verify.what_do", "verify.invalid_means", "verify.invalid_do"]
        {
            assert!(body.contains(&text(lang, key)), "{lang} {key}");
        }
        let form = visitor.get(&format!("/z?lang={lang}")).await;
        assert!(form.body.contains(&format!("<html lang=\"{lang}\" dir=\"{dir}\"")), "{lang}");
        assert!(form.body.contains(&text(lang, "verify.form_title")), "{lang}");
    }

    // Widerrufen: the same section, and still the issuer's contact to ask.
    let (s, _) = api
        .post(&format!("/api/v1/certificates/{}/revoke", cert["id"]), json!({"reason": "Irrtum"}))
        .await;
    assert_eq!(s, 200);
    for (lang, _) in LANGS {
        let page = visitor.get(&format!("{path}?lang={lang}")).await;
        let body = &page.body;
        assert_eq!(common::verdict(body), Some("revoked"), "{lang}");
        for key in
            ["verify.revoked", "verify.what_means", "verify.revoked_means", "verify.revoked_do"]
        {
            assert!(body.contains(&text(lang, key)), "{lang} {key}");
        }
        assert!(body.contains("integration@pruef.example.org"));
        assert!(!body.contains("Irrtum"), "never the reason");
        assert!(!body.contains(fingerprint));
    }
    // Nothing about the checker: no cookie set by the check page.
    let resp = reqwest::get(app.url(&path)).await.unwrap();
    assert!(resp.headers().get("set-cookie").is_none());
    app.assert_rules_hold();
}

both_backends!(the_check_page_in_five_languages, check_page);
