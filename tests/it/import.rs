//! Importing participant lists (CSV and XLSX): a preview with each row's problems first,
//! duplicates flagged, nothing saved until confirmed, and clear refusals for other files.

use serde_json::json;

use crate::both_backends;
use crate::common::{self, Backend};

const CSV: &str = "\u{feff}Vorname;Nachname;Sprache;Telefon;E-Mail;Einwilligung;Vermittelt von;Stelle;Kontakt Vermittlung\n\
Mariam;Ahmadi;Dari;0171 2345678;;ja;Frau Weber;Caritas;weber@caritas.example\n\
Taras;Bondarenko;ukrainisch;;taras@example.org;12.01.2026;;;\n\
Ohne;Einwilligung;de;;;nein;;;\n\
Falsche;Adresse;de;;kein-at-zeichen;ja;;;\n\
Mariam;Ahmadi;Dari;0171 2345678;;ja;;;\n\
Schon;Da;de;0151 999 000;;ja;;;\n\
王芳;Haddad;ar;;;ja;;;\n";

async fn csv_import(backend: Backend) {
    let app = common::spawn_app(backend).await;
    let org = app.create_org("import");
    let api = app.api_token(&org.coordinator.email).await;
    let (s, _) = api
        .post("/api/v1/participants", json!({"given_name": "Anders", "family_name": "Person", "preferred_language": "de", "phone": "0151 999000", "consent": true}))
        .await;
    assert_eq!(s, 201);
    let send = |dry: bool, body: Vec<u8>| {
        api.client
            .post(app.url(&format!("/api/v1/participants/import?dry_run={dry}")))
            .bearer_auth(&api.token)
            .header("content-type", "text/csv")
            .body(body)
            .send()
    };
    let resp = send(true, CSV.as_bytes().to_vec()).await.unwrap();
    assert_eq!(resp.status(), 200);
    let preview: serde_json::Value = resp.json().await.unwrap();
    assert_eq!(preview["valid"], 2, "{preview}");
    assert_eq!(preview["imported"], 0);
    let problems = |line: i64| {
        preview["rows"].as_array().unwrap().iter().find(|r| r["line"] == line).unwrap()["problems"]
            .to_string()
    };
    assert!(problems(4).contains("Einwilligung"), "{}", problems(4));
    assert!(problems(5).contains("E-Mail"), "{}", problems(5));
    assert!(problems(6).contains("doppelt in der Datei"), "{}", problems(6));
    assert!(problems(7).contains("schon registriert"), "same phone: {}", problems(7));
    assert!(problems(8).contains("U+738B"), "{}", problems(8));
    assert_eq!(app.count("participants"), 1, "a preview saves nothing");

    let resp = send(false, CSV.as_bytes().to_vec()).await.unwrap();
    let done: serde_json::Value = resp.json().await.unwrap();
    assert_eq!(done["imported"], 2);
    let (_, list) = api.get("/api/v1/participants").await;
    let mariam = list.as_array().unwrap().iter().find(|p| p["family_name"] == "Ahmadi").unwrap();
    assert_eq!(mariam["preferred_language"], "fa");
    assert_eq!(mariam["referrer_organisation"], "Caritas");
    let taras = list.as_array().unwrap().iter().find(|p| p["family_name"] == "Bondarenko").unwrap();
    assert_eq!(taras["consent_date"], "2026-01-12");
    // Importing the same file again imports nobody: everyone is already there.
    let again: serde_json::Value =
        send(false, CSV.as_bytes().to_vec()).await.unwrap().json().await.unwrap();
    assert_eq!(again["imported"], 0);

    // Files that are not participant lists.
    for (body, hint) in [
        (b"%PDF-1.7 binary".to_vec(), "Tabelle"),
        (Vec::new(), "leer"),
        (b"Farbe;Zahl\nrot;1\n".to_vec(), "Vorname"),
        (vec![0xff, 0xfe, 0x00, 0x41], "Tabelle"),
        (b"PK\x03\x04not really a zip".to_vec(), "Tabelle"),
    ] {
        let resp = send(true, body).await.unwrap();
        assert_eq!(resp.status(), 422);
        let e: serde_json::Value = resp.json().await.unwrap();
        assert!(e["message"].as_str().unwrap().contains(hint), "{e}");
    }
}

both_backends!(csv_import_previews_rows_and_flags_duplicates, csv_import);

fn multipart(boundary: &str, csrf: &str, file_name: &str, bytes: &[u8]) -> Vec<u8> {
    let mut body = Vec::new();
    body.extend_from_slice(
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"csrf_token\"\r\n\r\n{csrf}\r\n"
        )
        .as_bytes(),
    );
    body.extend_from_slice(
        format!("--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{file_name}\"\r\nContent-Type: application/octet-stream\r\n\r\n").as_bytes(),
    );
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    body
}

#[actix_web::test]
async fn xlsx_upload_in_the_browser_with_preview_and_confirmation() {
    let app = common::spawn_app(Backend::Sqlite).await;
    let org = app.create_org("excel");
    let mut book = rust_xlsxwriter::Workbook::new();
    let plain = rust_xlsxwriter::Format::new();
    let sheet = book.add_worksheet();
    for (r, row) in [
        ["Vorname", "Familienname", "Sprache", "Einwilligung"],
        ["Lina", "Saleh", "arabisch", "ja"],
        ["Kein", "Konsens", "de", ""],
    ]
    .iter()
    .enumerate()
    {
        for (c, v) in row.iter().enumerate() {
            sheet.write_string(r as u32, c as u16, v, &plain).unwrap();
        }
    }
    let xlsx = book.save_to_buffer().unwrap();
    let b = app.browser();
    b.login(&org.coordinator.email).await;
    let page = b.get("/participants").await;
    assert!(page.body.contains("enctype=\"multipart/form-data\""));
    let boundary = "----mietschulung-test-boundary";
    let upload = |csrf: String, bytes: Vec<u8>| {
        b.client
            .post(app.url("/participants/import"))
            .header("content-type", format!("multipart/form-data; boundary={boundary}"))
            .body(multipart(boundary, &csrf, "liste.xlsx", &bytes))
            .send()
    };
    // Without the form's CSRF token nothing happens.
    let resp = upload("forged".into(), xlsx.clone()).await.unwrap();
    assert_eq!(resp.status(), 403);
    let resp = upload(page.csrf(), b"nur Text ohne Spalten".to_vec()).await.unwrap();
    assert_eq!(resp.status(), 422);
    assert!(resp.text().await.unwrap().contains("Vorname"));
    let resp = upload(page.csrf(), xlsx).await.unwrap();
    assert_eq!(resp.status(), 303);
    let preview_path = resp.headers()["location"].to_str().unwrap().to_string();
    let preview = b.get(&preview_path).await;
    assert!(
        preview.body.contains("Lina Saleh") && preview.body.contains("Einwilligung"),
        "{}",
        preview.body
    );
    assert_eq!(app.count("participants"), 0);
    let page = b.submit(&preview_path, &preview_path, &[]).await;
    assert_eq!(page.status, 303);
    assert_eq!(page.location.as_deref(), Some("/participants"));
    let list = b.get("/participants").await;
    assert!(list.body.contains(&common::said("done.imported_people", &[("count", "1")])));
    assert_eq!(app.count("participants"), 1);
    assert_eq!(app.count("import_batches"), 0, "the uploaded list is not kept");
    assert_eq!(b.get(&preview_path).await.status, 404);
    // Another coordinator cannot open someone else's preview.
    let other = app.create_org("excel-zwei");
    let c = app.browser();
    c.login(&other.coordinator.email).await;
    assert_eq!(c.get("/participants/import/1").await.status, 404);
}
