//! Hostile strings and a strict API contract: bidi and control characters refused in names
//! and titles, formula-looking headings neutralised in every CSV export, JSON arrays refused
//! where objects are expected, times written with their offset, every error status of the
//! OpenAPI document with its schema, and HSTS behind https.

use serde_json::{json, Value};

use crate::both_backends;
use crate::common::{self, Backend};

async fn bidi_and_control_characters_are_refused(backend: Backend) {
    let app = common::spawn_app(backend).await;
    let org = app.create_org("bidi");
    let api = app.api_token(&org.coordinator.email).await;
    for title in [
        "Mietführerschein\u{202E}gnirpsuA",
        "Kurs\u{2066}versteckt\u{2069}",
        "Zeile eins\nBEGIN:VEVENT",
        "Glocke\u{7}",
    ] {
        let (s, e) = api.post("/api/v1/courses", json!({"code": "B1", "title": title})).await;
        assert_eq!((s, e["field"].as_str()), (422, Some("title")), "{title:?}: {e}");
        assert!(e["message"].as_str().unwrap().contains(&common::said("label.title", &[])), "{e}");
    }
    // Arabic and Persian with ZWNJ are fine in names; what the certificate cannot print
    // (an emoji in a printed title) and 10,000 characters are refused, never a 500.
    let (s, c) = api
        .post(
            "/api/v1/participants",
            json!({"given_name": "دورة السكن", "family_name": "می\u{200C}خواهم",
            "preferred_language": "fa", "consent": true}),
        )
        .await;
    assert_eq!(s, 201, "{c}");
    let (s, e) = api.post("/api/v1/courses", json!({"code": "B2", "title": "Wohnen 🏠"})).await;
    assert_eq!((s, e["field"].as_str()), (422, Some("title")), "{e}");
    let (s, e) =
        api.post("/api/v1/courses", json!({"code": "B3", "title": "x".repeat(10_000)})).await;
    assert_eq!(s, 422, "{e}");
    // The list isolates the right-to-left name from what stands around it.
    let b = app.browser();
    b.login(&org.coordinator.email).await;
    let page = b.get("/participants").await;
    assert!(page.body.contains("دورة السكن"));
    assert!(
        page.body.contains("dir=\"auto\"") || page.body.contains("<bdi>"),
        "user text is isolated on the page"
    );
}
both_backends!(bidi_refused, bidi_and_control_characters_are_refused);

async fn csv_headings_are_neutralised(backend: Backend) {
    let app = common::spawn_app(backend).await;
    let org = app.create_org("formel");
    let api = app.api_token(&org.coordinator.email).await;
    let today = mietschulung::time::today_local();
    let (s, survey) = api
        .post("/api/v1/surveys", json!({"title": "Umfrage", "opens_on": today.to_string(),
            "closes_on": (today + chrono::Duration::days(10)).to_string(), "audience": ["landlord"]}))
        .await;
    assert_eq!(s, 201, "{survey}");
    let sid = survey["id"].as_i64().unwrap();
    for text in ["=HYPERLINK(\"http://böse.example\";\"Klick\")", "@SUMME(A1:A9)", " +1+1", "－1"]
    {
        let (s, q) = api
            .post(
                &format!("/api/v1/surveys/{sid}/questions"),
                json!({"kind": "text", "text": text}),
            )
            .await;
        assert_eq!(s, 201, "{q}");
    }
    for part in ["", "?part=raw"] {
        let resp = api
            .client
            .get(app.url(&format!("/api/v1/surveys/{sid}/results.csv{part}")))
            .bearer_auth(&api.token)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 200);
        let text = resp.text().await.unwrap();
        let mut reader = csv::ReaderBuilder::new()
            .delimiter(b';')
            .has_headers(false)
            .flexible(true)
            .from_reader(text.trim_start_matches('\u{feff}').as_bytes());
        let mut seen = 0;
        for record in reader.records() {
            for cell in record.unwrap().iter() {
                let t = cell.trim_start();
                assert!(
                    !t.starts_with(['=', '+', '-', '@', '＝', '＋', '－', '＠']),
                    "{part}: {cell:?}"
                );
                if cell.contains("HYPERLINK") || cell.contains("SUMME") {
                    seen += 1;
                }
            }
        }
        if part.is_empty() {
            assert!(seen > 0, "the summary names the questions: {text}");
        }
    }
}
both_backends!(csv_formulas, csv_headings_are_neutralised);

async fn the_api_contract_is_strict_and_documented(backend: Backend) {
    let app = common::spawn_app(backend).await;
    let org = app.create_org("vertrag");
    let api = app.api_token(&org.coordinator.email).await;
    // An array where an object is expected (serde would read it as the fields in order).
    let (s, e) = api.post("/api/v1/courses", json!(["K1", "Kurs"])).await;
    assert_eq!(s, 422, "{e}");
    assert!(e["message"].as_str().unwrap().contains("JSON-Objekt"), "{e}");
    assert_eq!(app.count("courses"), 0);
    let resp = reqwest::Client::new()
        .post(app.url("/api/v1/auth/token"))
        .json(&json!([org.coordinator.email, common::PASSWORD]))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 422);
    // Times carry their offset.
    let (s, c) = api.post("/api/v1/courses", json!({"code": "K1", "title": "Kurs"})).await;
    assert_eq!(s, 201);
    let created = c["created_at"].as_str().unwrap();
    assert!(chrono::DateTime::parse_from_rfc3339(created).is_ok(), "{created}");

    // The document lists every error status with the error schema.
    let (s, doc) = api.get("/api/v1/openapi.json").await;
    assert_eq!(s, 200);
    let mut operations = 0;
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            if !["get", "post", "put", "delete"].contains(&method.as_str()) {
                continue;
            }
            operations += 1;
            let responses = op["responses"].as_object().unwrap();
            let secured = op.get("security").is_some_and(|s| !s.as_array().unwrap().is_empty());
            let mut needed = vec!["503"];
            if secured {
                needed.extend(["401", "403"]);
            }
            if path.contains('{') {
                needed.push("404");
            }
            if op.get("requestBody").is_some() {
                needed.push("422");
            }
            for status in needed {
                let r = responses
                    .get(status)
                    .unwrap_or_else(|| panic!("{method} {path} documents {status}"));
                assert_eq!(
                    r["content"]["application/json"]["schema"]["$ref"],
                    "#/components/schemas/ErrorSchema",
                    "{method} {path} {status}"
                );
            }
            for (status, r) in responses {
                if status.starts_with('4') || status.starts_with('5') {
                    assert!(
                        r["content"]["application/json"].is_object(),
                        "{method} {path} {status} has a body"
                    );
                }
            }
        }
    }
    assert!(operations > 60, "{operations} operations");
    assert_eq!(
        doc["paths"]["/api/v1/auth/token"]["post"]["responses"]["429"]["content"]
            ["application/json"]["schema"]["$ref"],
        "#/components/schemas/ErrorSchema"
    );
    // Date-times in the document are date-times, and answers match: no naive times left.
    let _: Value = doc;
}
both_backends!(api_contract, the_api_contract_is_strict_and_documented);

#[actix_web::test]
async fn hsts_only_behind_https() {
    let plain = common::spawn_app(Backend::Sqlite).await;
    let resp = reqwest::get(plain.url("/login")).await.unwrap();
    assert!(!resp.headers().contains_key("strict-transport-security"));
    let tls = common::spawn_app_with(
        Backend::Sqlite,
        common::Options {
            public_url: Some("https://mietschulung.example.org".into()),
            ..Default::default()
        },
    )
    .await;
    let resp = reqwest::get(tls.url("/login")).await.unwrap();
    assert_eq!(resp.headers()["strict-transport-security"], "max-age=31536000");
    let cookie = resp.headers()["set-cookie"].to_str().unwrap().to_string();
    assert!(
        cookie.contains("Secure") && cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"),
        "{cookie}"
    );
}

/// Tokens used in paths never reach the log, and a title that got line breaks into the
/// database (before titles were one line) adds no event to a calendar feed.
async fn feeds_and_logs_hold_against_stored_hostile_text(backend: Backend) {
    let app = common::spawn_app(backend).await;
    let org = app.create_org("feed");
    let api = app.api_token(&org.coordinator.email).await;
    let (_, run_id, modules) = common::plan_run(&api, "F-1", 10, &[("Mietvertrag", true)]).await;
    let (s, _) = api
        .post(
            &format!("/api/v1/runs/{run_id}/sessions"),
            json!({"starts_at": "2026-03-03T09:00", "ends_at": "2026-03-03T11:00",
            "location": "Raum 1", "trainer_id": org.trainer.user_id, "module_ids": modules}),
        )
        .await;
    assert_eq!(s, 201);
    let evil = "Kurs\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\nUID:evil\r\nSUMMARY:Gratis Wohnung\r\nDTSTART:20261224T100000Z\r\nEND:VEVENT\r\nBEGIN:VEVENT";
    let sql = format!("UPDATE courses SET title = '{}'", evil.replace('\'', "''"));
    app.db
        .run_blocking(move |conn| {
            use diesel::RunQueryDsl;
            diesel::sql_query(sql).execute(conn)?;
            Ok(())
        })
        .unwrap();
    let trainer = app.api_token(&org.trainer.email).await;
    let (s, link) = trainer.post("/api/v1/my/calendar-link", json!({})).await;
    assert_eq!(s, 200, "{link}");
    let url = link["url"].as_str().unwrap().to_string();
    let secret = url.rsplit('/').next().unwrap().trim_end_matches(".ics").to_string();
    let ics = reqwest::get(&url).await.unwrap().text().await.unwrap();
    let parsed: icalendar::Calendar = ics.parse().expect("the feed parses");
    assert_eq!(parsed.events().count(), 1, "{ics}");
    assert!(!ics.contains("\r\nUID:evil"), "{ics}");
    // A made-up certificate token on the check page and the API.
    let fake = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    common::logs::secret(fake);
    let _ = reqwest::get(app.url(&format!("/z/{fake}"))).await.unwrap();
    let _ = api.get(&format!("/api/v1/verify/{fake}")).await;
    let log = common::logs::text();
    assert!(log.contains("GET /calendar/trainer/{"), "the feed request is logged by its route");
    assert!(!log.contains(&secret) && !log.contains(fake));
    common::logs::assert_no_secrets();
}
both_backends!(stored_hostile_text, feeds_and_logs_hold_against_stored_hostile_text);
