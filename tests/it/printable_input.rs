//! Every field a certificate prints accepts exactly what the certificate fonts draw: line
//! breaks, control and bidi characters, characters without a glyph and absurd lengths are
//! refused at input (UI, API, list import) with a 422 naming the field and the character,
//! and nothing is stored; names mixing look-alike scripts need a confirmation; Arabic and
//! Ukrainian names print; stored text that cannot be printed is a 422 at issuance.

use serde_json::{json, Value};

use crate::both_backends;
use crate::common::{self, Backend};

/// A value no printed field may take, and what the refusal must name (`None`: too long,
/// the message names the field and its limit).
fn bad_values() -> Vec<(String, Option<&'static str>)> {
    vec![
        ("Anna\nBerg".into(), Some("U+000A LINE FEED")),
        ("Anna\u{202E}greB".into(), Some("U+202E RIGHT-TO-LEFT OVERRIDE")),
        ("Anna\u{7}Berg".into(), Some("U+0007 BELL")),
        ("Anna 😀".into(), Some("U+1F600")),
        ("王芳".into(), Some("U+738B")),
        ("x".repeat(10_000), None),
    ]
}

/// The refusal names the field (by its label) and the character.
fn assert_names(message: &str, label: &'static str, char_named: Option<&str>, what: &str) {
    assert!(message.contains(&common::said(label, &[])), "{what}: label missing in {message}");
    if let Some(c) = char_named {
        assert!(message.contains(c), "{what}: {c} missing in {message}");
    }
}

fn counts(app: &common::TestApp) -> [i64; 5] {
    ["participants", "courses", "course_modules", "course_runs", "organisations"]
        .map(|t| app.count(t))
}

async fn api_refuses_every_printed_field(backend: Backend) {
    let app = common::spawn_app(backend).await;
    let org = app.create_org("druck");
    let api = app.api_token(&org.coordinator.email).await;
    let (course_id, _, _) = common::plan_run(&api, "D1", 10, &[("Mietvertrag", true)]).await;
    let before = counts(&app);
    for (bad, named) in bad_values() {
        let person = |field: &str| {
            let mut body = json!({"given_name": "Anna", "family_name": "Berg",
                "preferred_language": "uk", "consent": true});
            body[field] = Value::String(bad.clone());
            body
        };
        let cases: Vec<(String, Value, &str, &'static str)> = vec![
            ("/api/v1/participants".into(), person("given_name"), "given_name", "label.given_name"),
            (
                "/api/v1/participants".into(),
                person("family_name"),
                "family_name",
                "label.family_name",
            ),
            ("/api/v1/courses".into(), json!({"code": "D2", "title": bad}), "title", "label.title"),
            (
                format!("/api/v1/courses/{course_id}/modules"),
                json!({"title": bad, "duration_minutes": 60, "mandatory": true}),
                "title",
                "label.module_title",
            ),
            (
                format!("/api/v1/courses/{course_id}/runs"),
                json!({"start_date": "2026-04-01", "end_date": "2026-04-30", "place": bad,
                    "capacity": 10, "interpreter_languages": []}),
                "place",
                "label.place",
            ),
        ];
        for (path, body, field, label) in cases {
            let what = format!("{path} {field} {:?}", bad.chars().take(12).collect::<String>());
            let (s, e) = api.post(&path, body).await;
            assert_eq!((s, e["field"].as_str()), (422, Some(field)), "{what}: {e}");
            assert_names(e["message"].as_str().unwrap_or_default(), label, named, &what);
        }
    }
    assert_eq!(counts(&app), before, "nothing refused is stored");
}
both_backends!(api_refuses_every_printed_field, api_refuses_every_printed_field);

/// Who submits, the page with the form, where it posts, the fields, the refused field's
/// label key.
type UiCase<'a> = (&'a common::Browser, &'a str, String, Vec<(&'a str, &'a str)>, &'static str);

async fn ui_refuses_every_printed_field(backend: Backend) {
    let app = common::spawn_app(backend).await;
    let org = app.create_org("formular");
    let api = app.api_token(&org.coordinator.email).await;
    let (course_id, _, _) = common::plan_run(&api, "F1", 10, &[("Mietvertrag", true)]).await;
    let admin = app.create_admin("admin@druck.example.org");
    let coordinator = app.browser();
    coordinator.login(&org.coordinator.email).await;
    let admin_browser = app.browser();
    admin_browser.login(&admin.email).await;
    let course_page = format!("/courses/{course_id}");
    let before = counts(&app);
    for (bad, named) in bad_values() {
        let bad = bad.as_str();
        let participant = |field: &'static str| {
            let mut f = vec![
                ("given_name", "Anna"),
                ("family_name", "Berg"),
                ("preferred_language", "uk"),
                ("consent", "on"),
            ];
            f.retain(|(k, _)| *k != field);
            f.push((field, bad));
            f
        };
        let org_form = |field: &'static str| {
            let mut f = vec![
                ("slug", "neu"),
                ("name", "Landkreis Neu"),
                ("issuer_name", "Landratsamt Neu"),
                ("signatory_name", "Dr. Sabine Müller"),
                ("signatory_title", "Leiterin"),
            ];
            f.retain(|(k, _)| *k != field);
            f.push((field, bad));
            f
        };
        let modules = format!("{course_page}/modules");
        let runs = format!("{course_page}/runs");
        let cases: Vec<UiCase<'_>> = vec![
            (
                &coordinator,
                "/participants",
                "/participants".into(),
                participant("given_name"),
                "label.given_name",
            ),
            (
                &coordinator,
                "/participants",
                "/participants".into(),
                participant("family_name"),
                "label.family_name",
            ),
            (
                &coordinator,
                "/courses",
                "/courses".into(),
                vec![("code", "F2"), ("title", bad)],
                "label.title",
            ),
            (
                &coordinator,
                &course_page,
                modules,
                vec![("title", bad), ("duration_minutes", "60")],
                "label.module_title",
            ),
            (
                &coordinator,
                &course_page,
                runs,
                vec![
                    ("start_date", "2026-04-01"),
                    ("end_date", "2026-04-30"),
                    ("place", bad),
                    ("capacity", "10"),
                ],
                "label.place",
            ),
            (
                &admin_browser,
                "/admin/organisations",
                "/admin/organisations".into(),
                org_form("name"),
                "label.name",
            ),
            (
                &admin_browser,
                "/admin/organisations",
                "/admin/organisations".into(),
                org_form("issuer_name"),
                "label.issuer_name",
            ),
            (
                &admin_browser,
                "/admin/organisations",
                "/admin/organisations".into(),
                org_form("signatory_name"),
                "label.signatory_name",
            ),
            (
                &admin_browser,
                "/admin/organisations",
                "/admin/organisations".into(),
                org_form("signatory_title"),
                "label.signatory_title",
            ),
        ];
        for (browser, page, action, fields, label) in cases {
            let what = format!("{action} {label} {:?}", bad.chars().take(12).collect::<String>());
            let refused = browser.submit(page, &action, &fields).await;
            assert_eq!(refused.status, 422, "{what}: {}", refused.body);
            assert_names(&refused.body, label, named, &what);
        }
    }
    assert_eq!(counts(&app), before, "nothing refused is stored");
}
both_backends!(ui_refuses_every_printed_field, ui_refuses_every_printed_field);

async fn mixed_script_names_need_confirmation(backend: Backend) {
    let app = common::spawn_app(backend).await;
    let org = app.create_org("schrift");
    let api = app.api_token(&org.coordinator.email).await;
    // "Mаria" with a Cyrillic а (U+0430).
    let body = json!({"given_name": "M\u{430}ria", "family_name": "Berg",
        "preferred_language": "de", "consent": true});
    let (s, e) = api.post("/api/v1/participants", body.clone()).await;
    assert_eq!((s, e["field"].as_str()), (422, Some("confirm_mixed_script")), "{e}");
    let message = e["message"].as_str().unwrap();
    assert!(message.contains("M\u{430}ria") && message.contains("U+0430"), "{message}");
    assert_eq!(app.count("participants"), 0);
    let mut confirmed = body.clone();
    confirmed["confirm_mixed_script"] = json!(true);
    let (s, p) = api.post("/api/v1/participants", confirmed).await;
    assert_eq!(s, 201, "{p}");
    assert_eq!(p["given_name"], "M\u{430}ria");

    let b = app.browser();
    b.login(&org.coordinator.email).await;
    let fields = [
        ("given_name", "\u{391}lexis"),
        ("family_name", "Berg"),
        ("preferred_language", "de"),
        ("consent", "on"),
    ];
    let warned = b.submit("/participants", "/participants", &fields).await;
    assert_eq!(warned.status, 422, "{}", warned.body);
    assert!(warned.body.contains("data-test=\"mixed-script-warning\""), "{}", warned.body);
    assert!(warned.body.contains("name=\"confirm_mixed_script\""));
    assert!(warned.body.contains(&common::said("participants.confirm_mixed_script", &[])));
    assert!(warned.body.contains("U+0391"), "{}", warned.body);
    assert_eq!(app.count("participants"), 1);
    let mut confirmed = fields.to_vec();
    confirmed.push(("confirm_mixed_script", "on"));
    let saved = b.submit("/participants", "/participants", &confirmed).await;
    assert_eq!(saved.status, 303, "{}", saved.body);
    assert_eq!(app.count("participants"), 2);
}
both_backends!(mixed_script_names_need_confirmation, mixed_script_names_need_confirmation);

/// A run with one session, these people enrolled and present: (run id, participant ids).
async fn attended_run(api: &common::Api, code: &str, people: &[(&str, &str)]) -> (i64, Vec<i64>) {
    let (_, run_id, modules) = common::plan_run(api, code, 10, &[("Mietvertrag", true)]).await;
    let (s, session) = api
        .post(
            &format!("/api/v1/runs/{run_id}/sessions"),
            json!({"starts_at": "2026-03-03T09:00",
            "ends_at": "2026-03-03T10:00", "module_ids": modules}),
        )
        .await;
    assert_eq!(s, 201, "{session}");
    let (_, run) = api.get(&format!("/api/v1/runs/{run_id}")).await;
    let sid = run["sessions"][0]["id"].as_i64().expect("session");
    let mut ids = Vec::new();
    for (i, (given, family)) in people.iter().enumerate() {
        // With an email address the certificate is rendered (and mailed) when issued.
        let email = format!("person{i}@{}.example.org", code.to_lowercase());
        let (s, p) = api
            .post(
                "/api/v1/participants",
                json!({"given_name": given, "family_name": family,
                "preferred_language": "ar", "email": email, "consent": true}),
            )
            .await;
        assert_eq!(s, 201, "{given} {family}: {p}");
        let pid = p["id"].as_i64().unwrap();
        let (s, e) = api
            .post(&format!("/api/v1/runs/{run_id}/enrollments"), json!({"participant_id": pid}))
            .await;
        assert!((200..300).contains(&s), "{e}");
        let (s, m) = api
            .put(&format!("/api/v1/sessions/{sid}/attendance/{pid}"), json!({"status": "present"}))
            .await;
        assert_eq!(s, 200, "{m}");
        ids.push(pid);
    }
    (run_id, ids)
}

async fn arabic_and_ukrainian_names_are_accepted_and_printed(backend: Backend) {
    let app = common::spawn_app(backend).await;
    let org = app.create_org("namen");
    let api = app.api_token(&org.coordinator.email).await;
    let people = [("محمد", "الأحمد"), ("Олена", "Шевченко-Ґалаґан"), ("مریم", "احمدی\u{200C}نژاد")];
    let (run_id, _) = attended_run(&api, "N1", &people).await;
    let b = app.browser();
    b.login(&org.coordinator.email).await;
    let saved = b
        .submit(
            "/participants",
            "/participants",
            &[
                ("given_name", "Амір"),
                ("family_name", "حداد"),
                ("preferred_language", "ar"),
                ("consent", "on"),
            ],
        )
        .await;
    assert_eq!(saved.status, 303, "a name in two scripts, word by word, is no mix: {}", saved.body);

    let (s, summary) = api.post(&format!("/api/v1/runs/{run_id}/certificates"), json!({})).await;
    assert_eq!(s, 200, "{summary}");
    let issued = summary["issued"].as_array().expect("issued");
    assert_eq!(issued.len(), people.len(), "{summary}");
    for cert in issued {
        let id = cert["id"].as_i64().unwrap();
        let resp = api
            .client
            .get(app.url(&format!("/api/v1/certificates/{id}/pdf")))
            .bearer_auth(&api.token)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 200);
        assert!(resp.bytes().await.unwrap().starts_with(b"%PDF"));
    }
    let (status, _, cards) = b.get_bytes(&format!("/runs/{run_id}/cards.pdf")).await;
    assert_eq!(status, 200, "check-in cards print Arabic names too");
    assert!(cards.starts_with(b"%PDF"));
}
both_backends!(
    arabic_and_ukrainian_names_print,
    arabic_and_ukrainian_names_are_accepted_and_printed
);

async fn stored_unprintable_text_is_a_422_at_issuance(backend: Backend) {
    let app = common::spawn_app(backend).await;
    let org = app.create_org("altdaten");
    let api = app.api_token(&org.coordinator.email).await;
    let (run_id, _) = attended_run(&api, "A1", &[("Anna", "Berg")]).await;
    let (late_run, _) = attended_run(&api, "A2", &[("Olga", "Weber")]).await;
    let (s, summary) = api.post(&format!("/api/v1/runs/{late_run}/certificates"), json!({})).await;
    assert_eq!(s, 200, "{summary}");
    let issued_id = summary["issued"][0]["id"].as_i64().expect("issued");
    // Written before the input checks existed (or by hand into the database).
    app.db
        .run_blocking(|conn| {
            use diesel::prelude::*;
            use mietschulung::db::schema::{courses, organisations};
            diesel::update(courses::table.filter(courses::code.eq("A1")))
                .set(courses::title.eq("Mietführerschein\u{202E}gnirpsuA"))
                .execute(conn)?;
            diesel::update(organisations::table)
                .set(organisations::issuer_name.eq("Landratsamt\nZweite Zeile"))
                .execute(conn)?;
            Ok(())
        })
        .expect("old data");
    let before = app.count("certificates");
    // Issuing answers each participant's outcome: this one failed, naming the field.
    let (s, e) = api.post(&format!("/api/v1/runs/{run_id}/certificates"), json!({})).await;
    assert_eq!((s, e["failed"].as_i64()), (200, Some(1)), "{e}");
    assert_eq!(e["participants"][0]["outcome"], "failed", "{e}");
    let message = e["participants"][0]["message"].as_str().unwrap();
    assert_names(message, "label.course_title", Some("U+202E"), "issue");
    assert_eq!(app.count("certificates"), before, "nothing issued");
    // A certificate issued before: its PDF names the field too, in the API and the browser.
    let (s, e) = api.get(&format!("/api/v1/certificates/{issued_id}/pdf")).await;
    assert_eq!((s, e["field"].as_str()), (422, Some("issuer_name")), "{e}");
    assert_names(
        e["message"].as_str().unwrap(),
        "label.issuer_name",
        Some("U+000A LINE FEED"),
        "pdf",
    );
    let b = app.browser();
    b.login(&org.coordinator.email).await;
    let (status, _, _) = b.get_bytes(&format!("/certificates/{issued_id}/pdf")).await;
    assert_eq!(status, 422);
    // Corrected, the same certificate prints again; the database ends without the planted
    // text (the stored-data check after every test would rightly report it).
    app.db
        .run_blocking(|conn| {
            use diesel::prelude::*;
            use mietschulung::db::schema::{courses, organisations};
            diesel::update(courses::table.filter(courses::code.eq("A1")))
                .set(courses::title.eq("Mietführerschein"))
                .execute(conn)?;
            diesel::update(organisations::table)
                .set(organisations::issuer_name.eq("Landratsamt Altdaten"))
                .execute(conn)?;
            Ok(())
        })
        .expect("corrected data");
    let (status, _, pdf) = b.get_bytes(&format!("/certificates/{issued_id}/pdf")).await;
    assert_eq!(status, 200);
    assert!(pdf.starts_with(b"%PDF"));
}
both_backends!(stored_unprintable_text_is_a_422, stored_unprintable_text_is_a_422_at_issuance);

async fn import_reports_unprintable_rows(backend: Backend) {
    let app = common::spawn_app(backend).await;
    let org = app.create_org("liste");
    let api = app.api_token(&org.coordinator.email).await;
    let csv = "Vorname;Nachname;Sprache;Einwilligung\n\
        محمد;الأحمد;ar;ja\n\
        Олена;Шевченко;uk;ja\n\
        Anna\u{202E};Berg;de;ja\n\
        Wang;王;de;ja\n\
        Mar\tia;Berg;de;ja\n\
        M\u{430}ria;Weber;de;ja\n";
    let send = |dry: bool| {
        api.client
            .post(app.url(&format!("/api/v1/participants/import?dry_run={dry}")))
            .bearer_auth(&api.token)
            .header("content-type", "text/csv")
            .body(csv.as_bytes().to_vec())
            .send()
    };
    let preview: Value = send(true).await.unwrap().json().await.unwrap();
    assert_eq!(preview["valid"], 2, "{preview}");
    let problems = |line: i64| {
        preview["rows"].as_array().unwrap().iter().find(|r| r["line"] == line).unwrap()["problems"]
            .to_string()
    };
    assert!(problems(4).contains("U+202E RIGHT-TO-LEFT OVERRIDE"), "{}", problems(4));
    assert!(problems(5).contains("U+738B"), "{}", problems(5));
    assert!(problems(6).contains("U+0009 CHARACTER TABULATION"), "{}", problems(6));
    assert!(problems(7).contains("U+0430"), "mixed script: {}", problems(7));
    let done: Value = send(false).await.unwrap().json().await.unwrap();
    assert_eq!(done["imported"], 2, "{done}");
    assert_eq!(app.count("participants"), 2);
}
both_backends!(import_reports_unprintable_rows, import_reports_unprintable_rows);
