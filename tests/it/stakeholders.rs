//! The stakeholder directory: contacts per organisation and group, checked input, one
//! contact per email address, scoped to the organisation, and a list import (CSV, XLSX)
//! previewed row by row before anything is saved.

use serde_json::json;

use crate::both_backends;
use crate::common::{self, Backend};

async fn directory(backend: Backend) {
    let app = common::spawn_app(backend).await;
    let org = app.create_org("kontakte");
    let api = app.api_token(&org.coordinator.email).await;
    let (s, landlord) = api
        .post(
            "/api/v1/stakeholders",
            json!({"stakeholder_group": "landlord", "name": "Petra Hausmann",
                   "organisation_name": "Hausverwaltung Hausmann", "email": "Petra@Hausmann.example",
                   "preferred_language": "de", "contact_consent": true}),
        )
        .await;
    assert_eq!(s, 201, "{landlord}");
    assert_eq!(landlord["email"], "petra@hausmann.example");
    let id = landlord["id"].as_i64().unwrap();
    let (s, _) = api
        .post(
            "/api/v1/stakeholders",
            json!({"stakeholder_group": "target_group", "name": "Yonas Tesfay",
                   "preferred_language": "ti"}),
        )
        .await;
    assert_eq!(s, 201, "a contact reached only on paper is fine");

    // Bad input: a clear message naming the field, and nothing saved.
    for (body, field, words) in [
        (json!({"stakeholder_group": "landlord"}), "name", "Name"),
        (json!({"stakeholder_group": "mayor", "name": "X"}), "stakeholder_group", "Gruppe"),
        (json!({"stakeholder_group": "vhs", "name": "X", "email": "nope"}), "email", "E-Mail"),
        (json!({"stakeholder_group": "vhs", "name": "X", "phone": "call me"}), "phone", "Telefon"),
        (
            json!({"stakeholder_group": "vhs", "name": "X", "preferred_language": "klingon"}),
            "preferred_language",
            "Sprache",
        ),
        (json!({"stakeholder_group": "vhs", "name": "X".repeat(121)}), "name", "höchstens"),
    ] {
        let (s, e) = api.post("/api/v1/stakeholders", body).await;
        assert_eq!(s, 422, "{e}");
        assert_eq!(e["field"], field, "{e}");
        assert!(e["message"].as_str().unwrap().contains(words), "{e}");
    }
    let (s, e) = api
        .post(
            "/api/v1/stakeholders",
            json!({"stakeholder_group": "social_worker", "name": "Jemand", "email": "petra@hausmann.example"}),
        )
        .await;
    assert_eq!(s, 409, "{e}");
    assert_eq!(
        e["message"],
        common::said("error.stakeholders.email_taken", &[("name", "Petra Hausmann")])
    );
    assert_eq!(app.count("stakeholders"), 2);

    // Filter, update, and another organisation sees nothing of it.
    let (_, landlords) = api.get("/api/v1/stakeholders?group=landlord").await;
    assert_eq!(landlords.as_array().unwrap().len(), 1);
    assert_eq!(api.get("/api/v1/stakeholders?group=mayor").await.0, 422);
    let (s, updated) = api
        .put(
            &format!("/api/v1/stakeholders/{id}"),
            json!({"stakeholder_group": "housing_company", "name": "Petra Hausmann",
                   "email": "petra@hausmann.example", "contact_consent": false}),
        )
        .await;
    assert_eq!(s, 200, "{updated}");
    assert_eq!(updated["stakeholder_group"], "housing_company");
    assert_eq!(updated["contact_consent"], false);
    assert!(updated["organisation_name"].is_null());
    let other = app.create_org("andere");
    let stranger = app.api_token(&other.coordinator.email).await;
    assert_eq!(stranger.get(&format!("/api/v1/stakeholders/{id}")).await.0, 404);
    let (_, none) = stranger.get("/api/v1/stakeholders").await;
    assert!(none.as_array().unwrap().is_empty());
    let (s, _) =
        stranger.send(reqwest::Method::DELETE, &format!("/api/v1/stakeholders/{id}"), None).await;
    assert_eq!(s, 404);
    let trainer = app.api_token(&org.trainer.email).await;
    assert_eq!(trainer.get("/api/v1/stakeholders").await.0, 403);
    let (s, _) =
        api.send(reqwest::Method::DELETE, &format!("/api/v1/stakeholders/{id}"), None).await;
    assert_eq!(s, 204);
    assert_eq!(app.count("stakeholders"), 1);
}

both_backends!(directory_checks_scopes_and_refuses_duplicates, directory);

const CSV: &str = "\u{feff}Gruppe;Name;Organisation;E-Mail;Telefon;Sprache;Einverständnis\n\
Vermieter;Karl Brandt;;karl@brandt.example;;de;ja\n\
Genossenschaft;Frau Lehmann;WBG Altenburg eG;lehmann@wbg.example;0344 12345;;ja\n\
Zielgruppe;Amina Yusuf;;;;arabisch;\n\
Bürgermeister;Unbekannt;;;;;\n\
VHS;Doppelt;VHS;karl@brandt.example;;;ja\n\
Ehrenamt;Schon Da;;bekannt@example.org;;;ja\n\
Sozialarbeit;Falsche Mail;;kein-at;;;\n";

async fn import(backend: Backend) {
    let app = common::spawn_app(backend).await;
    let org = app.create_org("kontaktliste");
    let api = app.api_token(&org.coordinator.email).await;
    let (s, _) = api
        .post(
            "/api/v1/stakeholders",
            json!({"stakeholder_group": "volunteer", "name": "Bekannt", "email": "bekannt@example.org"}),
        )
        .await;
    assert_eq!(s, 201);
    let send = |dry: bool, body: Vec<u8>| {
        api.client
            .post(app.url(&format!("/api/v1/stakeholders/import?dry_run={dry}")))
            .bearer_auth(&api.token)
            .header("content-type", "text/csv")
            .body(body)
            .send()
    };
    let preview: serde_json::Value =
        send(true, CSV.as_bytes().to_vec()).await.unwrap().json().await.unwrap();
    assert_eq!(preview["valid"], 3, "{preview}");
    let problems = |line: i64| {
        preview["rows"].as_array().unwrap().iter().find(|r| r["line"] == line).unwrap()["problems"]
            .to_string()
    };
    assert!(problems(5).contains("Gruppe"), "{}", problems(5));
    assert!(problems(6).contains("doppelt in der Datei"), "{}", problems(6));
    assert!(problems(7).contains("schon im Verzeichnis"), "{}", problems(7));
    assert!(problems(8).contains("E-Mail"), "{}", problems(8));
    assert_eq!(app.count("stakeholders"), 1, "a preview saves nothing");

    let done: serde_json::Value =
        send(false, CSV.as_bytes().to_vec()).await.unwrap().json().await.unwrap();
    assert_eq!(done["imported"], 3);
    let (_, all) = api.get("/api/v1/stakeholders").await;
    let find =
        |name: &str| all.as_array().unwrap().iter().find(|s| s["name"] == name).cloned().unwrap();
    assert_eq!(find("Frau Lehmann")["stakeholder_group"], "housing_company");
    assert_eq!(find("Frau Lehmann")["organisation_name"], "WBG Altenburg eG");
    assert_eq!(find("Amina Yusuf")["preferred_language"], "ar");
    assert_eq!(find("Amina Yusuf")["contact_consent"], false);
    assert_eq!(find("Karl Brandt")["contact_consent"], true);
    let again: serde_json::Value =
        send(false, CSV.as_bytes().to_vec()).await.unwrap().json().await.unwrap();
    assert_eq!(again["imported"], 0, "importing twice adds nobody");
    let resp = send(true, b"Vorname;Nachname\nA;B\n".to_vec()).await.unwrap();
    assert_eq!(resp.status(), 422);
    let e: serde_json::Value = resp.json().await.unwrap();
    assert!(e["message"].as_str().unwrap().contains("Gruppe"), "{e}");
}

both_backends!(import_previews_rows_and_flags_duplicates, import);

fn multipart(boundary: &str, csrf: &str, bytes: &[u8]) -> Vec<u8> {
    let mut body = Vec::new();
    body.extend_from_slice(
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"csrf_token\"\r\n\r\n{csrf}\r\n\
             --{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"kontakte.xlsx\"\r\n\
             Content-Type: application/octet-stream\r\n\r\n"
        )
        .as_bytes(),
    );
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    body
}

#[actix_web::test]
async fn pages_add_edit_and_import_an_excel_list() {
    let app = common::spawn_app(Backend::Sqlite).await;
    let org = app.create_org("kontakt-seiten");
    let b = app.browser();
    b.login(&org.coordinator.email).await;
    let page = b.get("/stakeholders").await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("data-test=\"empty-state\""), "says what to do next");
    // A form error re-renders the form with the message beside the field and keeps input.
    let bad = b
        .submit(
            "/stakeholders",
            "/stakeholders",
            &[("stakeholder_group", "vhs"), ("name", "VHS Altenburg"), ("email", "falsch")],
        )
        .await;
    assert_eq!(bad.status, 422);
    assert!(
        bad.body.contains(&common::said("error.email", &[])) && bad.body.contains("VHS Altenburg")
    );
    let ok = b
        .submit(
            "/stakeholders",
            "/stakeholders",
            &[
                ("stakeholder_group", "vhs"),
                ("name", "VHS Altenburg"),
                ("email", "info@vhs.example"),
                ("contact_consent", "on"),
            ],
        )
        .await;
    assert_eq!(ok.status, 303);
    let list = b.get("/stakeholders?group=vhs").await;
    assert!(list.body.contains("VHS Altenburg") && list.body.contains("info@vhs.example"));
    let id = app.count("stakeholders");
    let edit = b.get(&format!("/stakeholders/{id}")).await;
    assert!(edit.body.contains("value=\"VHS Altenburg\""));
    let saved = b
        .submit(
            &format!("/stakeholders/{id}"),
            &format!("/stakeholders/{id}"),
            &[
                ("stakeholder_group", "vhs"),
                ("name", "Volkshochschule Altenburg"),
                ("email", "info@vhs.example"),
            ],
        )
        .await;
    assert_eq!(saved.status, 303);
    assert!(b.get("/stakeholders").await.body.contains("Volkshochschule Altenburg"));

    let mut book = rust_xlsxwriter::Workbook::new();
    let plain = rust_xlsxwriter::Format::new();
    let sheet = book.add_worksheet();
    for (r, row) in [
        ["Gruppe", "Name", "E-Mail", "Einverständnis"],
        ["Wohnungsunternehmen", "GWB Elstertal", "vermietung@gwb.example", "ja"],
        ["Sonstige", "", "", ""],
    ]
    .iter()
    .enumerate()
    {
        for (c, v) in row.iter().enumerate() {
            sheet.write_string(r as u32, c as u16, v, &plain).unwrap();
        }
    }
    let xlsx = book.save_to_buffer().unwrap();
    let boundary = "----kontakte-boundary";
    let resp = b
        .client
        .post(app.url("/stakeholders/import"))
        .header("content-type", format!("multipart/form-data; boundary={boundary}"))
        .body(multipart(boundary, &page.csrf(), &xlsx))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 303);
    let preview_path = resp.headers()["location"].to_str().unwrap().to_string();
    let preview = b.get(&preview_path).await;
    assert!(preview.body.contains("GWB Elstertal") && preview.body.contains("Name"));
    // A participant-import preview id is not a stakeholder preview.
    let batch: i32 = preview_path.rsplit('/').next().unwrap().parse().unwrap();
    assert_eq!(b.get(&format!("/participants/import/{batch}")).await.status, 404);
    let done = b.submit(&preview_path, &preview_path, &[]).await;
    assert_eq!(done.status, 303);
    assert_eq!(done.location.as_deref(), Some("/stakeholders"));
    let list = b.get("/stakeholders").await;
    assert!(list.body.contains(&common::said("done.imported_contacts", &[("count", "1")])));
    assert_eq!(app.count("stakeholders"), 2);
    // A mail about the contact (waiting or sent) goes with them: it holds their address.
    let (org_id, contact) = (org.id, mietschulung::ids::StakeholderId(id as i32));
    app.db
        .run_blocking(move |conn| {
            use mietschulung::mail::outbox;
            let ctx = serde_json::json!({"participant_name": "X", "course_title": "Y",
                "place": "Z", "start": "1.1.2026", "end": "2.1.2026"});
            let about = outbox::About::Stakeholder(contact);
            let org = Some(mietschulung::ids::OrgId(org_id));
            outbox::enqueue(conn, org, about, "k@example.org", "waitlist_promoted", &ctx, None)
        })
        .unwrap();
    assert_eq!(app.count("mail_outbox"), 1);
    let deleted =
        b.submit(&format!("/stakeholders/{id}"), &format!("/stakeholders/{id}/delete"), &[]).await;
    assert_eq!(deleted.status, 303);
    assert_eq!(app.count("stakeholders"), 1);
    assert_eq!(app.count("mail_outbox"), 0);
}
