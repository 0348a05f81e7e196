//! Reports per run and per organisation, as pages with a chart and as CSV and XLSX.

use serde_json::json;

use crate::both_backends;
use crate::common::{self, Backend};

async fn reports(backend: Backend) {
    let app = common::spawn_app(backend).await;
    let org = app.create_org("bericht");
    let other = app.create_org("anderes-amt");
    let api = app.api_token(&org.coordinator.email).await;
    let trainer = app.api_token(&org.trainer.email).await;
    let (_, run_id, modules) =
        common::plan_run(&api, "MS-REP", 10, &[("Mietvertrag", true), ("Lüften", true)]).await;
    let mut sessions = Vec::new();
    for (day, module) in [("03", modules[0]), ("10", modules[1])] {
        let (_, s) = api
            .post(&format!("/api/v1/runs/{run_id}/sessions"), json!({"starts_at": format!("2026-03-{day}T09:00"), "ends_at": format!("2026-03-{day}T11:00"),
                "trainer_id": org.trainer.user_id, "module_ids": [module]}))
            .await;
        sessions.push(s["id"].as_i64().unwrap());
    }
    let anna = common::register(&api, "Anna", "Nowak", None).await;
    let omar = common::register(&api, "Omar", "Haddad", None).await;
    for pid in [anna, omar] {
        api.post(&format!("/api/v1/runs/{run_id}/enrollments"), json!({"participant_id": pid}))
            .await;
    }
    for (pid, sid, status) in [
        (anna, sessions[0], "present"),
        (anna, sessions[1], "late"),
        (omar, sessions[0], "absent"),
        (omar, sessions[1], "excused"),
    ] {
        trainer
            .put(&format!("/api/v1/sessions/{sid}/attendance/{pid}"), json!({"status": status}))
            .await;
    }

    let (s, report) = api.get(&format!("/api/v1/runs/{run_id}/report")).await;
    assert_eq!(s, 200);
    let rows = report["rows"].as_array().unwrap();
    let omar_row = rows.iter().find(|r| r["participant_id"] == omar).unwrap();
    assert_eq!(omar_row["marks"], json!(["abwesend", "entschuldigt"]));
    assert_eq!(omar_row["completed"], false);
    assert!(omar_row["reasons"]
        .as_array()
        .unwrap()
        .iter()
        .any(|r| r.as_str().unwrap().contains("Mietvertrag")));
    let (s, figures) = api.get("/api/v1/reports/organisation").await;
    assert_eq!(s, 200);
    assert_eq!(figures["participants"], 2);
    assert_eq!(figures["sessions_held"], 2);
    assert_eq!(figures["marks"], 4);
    assert_eq!(figures["attendance_percent"], 50);
    assert_eq!(figures["no_show_percent"], 25, "excused is not a no-show");
    assert_eq!(figures["months"][0]["month"], "2026-03");
    let other_api = app.api_token(&other.coordinator.email).await;
    assert_eq!(other_api.get(&format!("/api/v1/runs/{run_id}/report")).await.0, 404);
    assert_eq!(other_api.get("/api/v1/reports/organisation").await.1["marks"], 0);
    assert_eq!(trainer.get("/api/v1/reports/organisation").await.0, 403);

    let b = app.browser();
    b.login(&org.coordinator.email).await;
    let page = b.get(&format!("/runs/{run_id}/report")).await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("Haddad, Omar") && page.body.contains("entschuldigt"));
    let page = b.get("/reports").await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("<svg") && page.body.contains("Anwesenheit"), "a server-side chart");
    let (s, ct, csv) = b.get_bytes(&format!("/runs/{run_id}/report.csv")).await;
    assert_eq!(s, 200);
    assert!(ct.unwrap().starts_with("text/csv"));
    let text = String::from_utf8(csv).unwrap();
    assert!(text.starts_with('\u{feff}'), "Excel needs the byte order mark for umlauts");
    assert!(text.contains("Name;03.03.2026 09:00;10.03.2026 09:00;Anwesenheit %"));
    assert!(text.contains("Haddad, Omar;abwesend;entschuldigt;0;"), "{text}");
    let (s, ct, xlsx) = b.get_bytes(&format!("/runs/{run_id}/report.xlsx")).await;
    assert_eq!(s, 200);
    assert!(ct.unwrap().contains("spreadsheetml"));
    assert!(xlsx.starts_with(b"PK"), "an XLSX file is a zip archive");
    assert!(xlsx.windows(24).any(|w| w == b"xl/worksheets/sheet1.xml"));
    let (s, _, csv) = b.get_bytes("/reports/organisation.csv").await;
    assert_eq!(s, 200);
    assert!(String::from_utf8(csv).unwrap().contains("2026-03;4;2;1;50;25"));
    assert_eq!(b.get(&format!("/runs/{run_id}/report.pdf")).await.status, 404);
}

both_backends!(reports_per_run_and_organisation_with_exports, reports);
