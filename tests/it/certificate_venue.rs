//! What the certificate prints of its issuer and course beyond the plan, frozen at issue: the
//! issuer's seat and the venue with its preposition, and the course title in the holder's
//! language. The settings name the seat and the venue with its preposition,
//! so the certificate never guesses "in Volkshochschule": set through the form and the
//! API, shown in both, printed on the sample, refused with a clear 422 when unprintable.

use serde_json::json;

use crate::both_backends;
use crate::common::{self, Backend};

async fn seat_and_venue(backend: Backend) {
    let app = common::spawn_app(backend).await;
    let org = app.create_org("ort");
    let api = app.api_token(&org.coordinator.email).await;
    let b = app.browser();
    b.login(&org.coordinator.email).await;

    let page = b.get("/certificate-settings").await;
    assert!(page.body.contains("name=\"issuer_seat\""), "{}", page.body);
    assert!(page.body.contains("name=\"venue_phrase\""), "{}", page.body);

    let fields = [
        ("issuer_address", "Lindenaustraße 9, 04600 Altenburg"),
        ("issuer_seat", "Altenburg"),
        ("venue_phrase", "an der Volkshochschule Altenburger Land"),
    ];
    let saved = b.submit("/certificate-settings", "/certificate-settings/profile", &fields).await;
    assert_eq!(saved.status, 303, "{}", saved.body);
    let page = b.get("/certificate-settings").await;
    assert!(page.body.contains("value=\"an der Volkshochschule Altenburger Land\""));
    let (s, settings) = api.get("/api/v1/certificate-settings").await;
    assert_eq!(s, 200, "{settings}");
    assert_eq!(settings["issuer_seat"], "Altenburg");
    assert_eq!(settings["venue_phrase"], "an der Volkshochschule Altenburger Land");

    let (status, _, sample) = b.get_bytes("/certificate-settings/sample.pdf").await;
    assert_eq!(status, 200);
    if common::tool_available("pdftotext") {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("muster.pdf");
        std::fs::write(&path, &sample).unwrap();
        let out = std::process::Command::new("pdftotext").arg(&path).arg("-").output().unwrap();
        let text =
            String::from_utf8_lossy(&out.stdout).split_whitespace().collect::<Vec<_>>().join(" ");
        assert!(
            text.contains("an der Volkshochschule Altenburger Land teilgenommen hat"),
            "{text}"
        );
        assert!(text.contains("Altenburg, den "), "{text}");
    }

    // Through the API; what the fonts cannot print is refused, naming the field.
    let (s, settings) = api
        .put(
            "/api/v1/certificate-settings",
            json!({"issuer_seat": "Schmölln", "venue_phrase": "im Rathaus Schmölln"}),
        )
        .await;
    assert_eq!(s, 200, "{settings}");
    assert_eq!(
        (settings["issuer_seat"].as_str(), settings["venue_phrase"].as_str()),
        (Some("Schmölln"), Some("im Rathaus Schmölln"))
    );
    let (s, e) = api
        .put("/api/v1/certificate-settings", json!({"venue_phrase": "im Rathaus\u{202e}"}))
        .await;
    assert_eq!((s, e["field"].as_str()), (422, Some("venue_phrase")), "{e}");
    let refused = b
        .submit(
            "/certificate-settings",
            "/certificate-settings/profile",
            &[("issuer_seat", "Alten\u{202e}burg")],
        )
        .await;
    assert_eq!(refused.status, 422, "{}", refused.body);
    assert!(refused.body.contains(&common::said("certs.label_seat", &[])), "{}", refused.body);

    // Another organisation sees its own, empty settings.
    let other = app.create_org("anderswo");
    let api2 = app.api_token(&other.coordinator.email).await;
    let (_, theirs) = api2.get("/api/v1/certificate-settings").await;
    assert_eq!(theirs["venue_phrase"], "");
}

both_backends!(seat_and_venue_are_set_shown_and_printed, seat_and_venue);

/// The words of a PDF as `pdftotext` reads them, on one line.
fn words_of(pdf: &[u8]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("b.pdf");
    std::fs::write(&path, pdf).unwrap();
    let out = std::process::Command::new("pdftotext").arg(&path).arg("-").output().unwrap();
    String::from_utf8_lossy(&out.stdout).split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A certificate prints the seat and venue of the settings at its issue: setting them later
/// changes the next certificates, never one already issued.
async fn frozen_at_issue(backend: Backend) {
    if !common::tool_available("pdftotext") {
        return;
    }
    let app = common::spawn_app(backend).await;
    let org = app.create_org("ortfest");
    let api = app.api_token(&org.coordinator.email).await;
    let b = app.browser();
    b.login(&org.coordinator.email).await;
    let issue = |code: &'static str| {
        let api = &api;
        async move {
            let (_, _, summary) = common::certified(api, code, "Olena", "Koval", None).await;
            summary["issued"][0]["id"].as_i64().expect("a certificate")
        }
    };
    let pdf = |id: i64| {
        let b = &b;
        async move {
            let (s, _, bytes) = b.get_bytes(&format!("/certificates/{id}/pdf")).await;
            assert_eq!(s, 200);
            words_of(&bytes)
        }
    };

    let before = issue("MS-VOR").await;
    let printed = pdf(before).await;
    assert!(!printed.contains("im Rathaus Schmölln"), "{printed}");
    let (s, body) = api
        .put(
            "/api/v1/certificate-settings",
            json!({"issuer_seat": "Schmölln", "venue_phrase": "im Rathaus Schmölln"}),
        )
        .await;
    assert_eq!(s, 200, "{body}");
    assert_eq!(pdf(before).await, printed, "the issued certificate prints as it did");
    let after = issue("MS-NACH").await;
    let text = pdf(after).await;
    assert!(text.contains("im Rathaus Schmölln teilgenommen hat"), "{text}");
    assert!(text.contains("Schmölln, den "), "{text}");
    // And the newer one keeps its venue when the settings change again.
    api.put("/api/v1/certificate-settings", json!({"venue_phrase": "", "issuer_seat": ""})).await;
    assert_eq!(pdf(after).await, text);
}

both_backends!(seat_and_venue_are_frozen_at_issue, frozen_at_issue);

/// The course title in the holder's language, as the coordinator translated it, is printed
/// in the certificate's participant-language panel and frozen at issue: a later change of
/// the translation never changes the issued certificate; while the holder's language is
/// another one, the line is left out rather than printed in the wrong language.
async fn translated_title_frozen_at_issue(backend: Backend) {
    if !common::tool_available("pdftotext") {
        return;
    }
    let app = common::spawn_app(backend).await;
    let org = app.create_org("titelfest");
    let api = app.api_token(&org.coordinator.email).await;
    let b = app.browser();
    b.login(&org.coordinator.email).await;
    let (course_id, run_id, modules) =
        common::plan_run(&api, "MS-AR", 5, &[("Mietvertrag", true)]).await;
    let translate = |title: &'static str| {
        let api = &api;
        async move {
            let path = format!("/api/v1/courses/{course_id}/translations/ar");
            let (s, body) = api.put(&path, json!({"course_title": title})).await;
            assert_eq!(s, 200, "{body}");
        }
    };
    translate("رخصة الإيجار").await;
    // Registered reading Arabic.
    let (pid, summary) = common::certify(&api, run_id, &modules, "Amal", "Haddad", None).await;
    let id = summary["issued"][0]["id"].as_i64().expect("a certificate");
    let pdf = || {
        let b = &b;
        async move {
            let (s, _, bytes) = b.get_bytes(&format!("/certificates/{id}/pdf")).await;
            assert_eq!(s, 200);
            bytes
        }
    };

    let text = words_of(&pdf().await);
    for word in ["رخصة", "الإيجار"] {
        assert!(text.contains(word), "{word} missing: {text}");
    }
    // Page 2 closes with the landlord notes in Arabic, after the German ones.
    assert!(text.contains("ملاحظات للمؤجرين"), "{text}");

    translate("رخصة السكن").await;
    assert_eq!(words_of(&pdf().await), text, "the issued certificate prints as it did");

    let correct = |lang: &'static str| {
        let api = &api;
        async move {
            let body =
                json!({"given_name": "Amal", "family_name": "Haddad", "preferred_language": lang});
            let (s, e) = api.put(&format!("/api/v1/participants/{pid}"), body).await;
            assert_eq!(s, 200, "{e}");
        }
    };
    correct("fa").await;
    let persian = words_of(&pdf().await);
    assert!(!persian.contains("رخصة"), "an Arabic title on a Persian panel: {persian}");
    assert!(persian.contains("نکاتی برای موجران"), "{persian}");
    correct("ar").await;
    assert_eq!(words_of(&pdf().await), text);
}

both_backends!(
    the_translated_course_title_is_printed_and_frozen_at_issue,
    translated_title_frozen_at_issue
);
