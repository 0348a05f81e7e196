//! Personal check-in cards: printed with a QR code, scanned into the roster; a card of
//! another run is refused with a clear message.

use serde_json::json;

use crate::both_backends;
use crate::common::{self, Backend};

async fn cards(backend: Backend) {
    let app = common::spawn_app(backend).await;
    let org = app.create_org("karten");
    let api = app.api_token(&org.coordinator.email).await;
    let trainer = app.api_token(&org.trainer.email).await;
    let today = mietschulung::time::today_local();
    let (from, to) = (today.to_string(), (today + chrono::Duration::days(1)).to_string());
    let (_, run_a, modules) =
        common::plan_run_between(&api, "MS-KA", 5, &[("Mietvertrag", true)], &from, &to).await;
    let (_, run_b, _) =
        common::plan_run_between(&api, "MS-KB", 5, &[("Mietvertrag", true)], &from, &to).await;
    // A session of today that has started (check-in takes only sessions under way).
    let (starts, ends) = common::started_today();
    let (s, session) = api
        .post(
            &format!("/api/v1/runs/{run_a}/sessions"),
            json!({"starts_at": starts, "ends_at": ends,
            "trainer_id": org.trainer.user_id, "module_ids": modules}),
        )
        .await;
    assert_eq!(s, 201, "{session}");
    let session_id = session["id"].as_i64().unwrap();
    let amal = common::register(&api, "Amal", "Yousef", None).await;
    let bodo = common::register(&api, "Bodo", "Kraus", None).await;
    let clara = common::register(&api, "Clara", "Fremd", None).await;
    for (run, pid) in [(run_a, amal), (run_a, bodo), (run_b, clara)] {
        api.post(&format!("/api/v1/runs/{run}/enrollments"), json!({"participant_id": pid})).await;
    }

    let coord = app.browser();
    coord.login(&org.coordinator.email).await;
    let (s, ct, pdf) = coord.get_bytes(&format!("/runs/{run_a}/cards.pdf")).await;
    assert_eq!((s, ct.as_deref()), (200, Some("application/pdf")));
    let url = common::pdf_qr::decode_qr_from_pdf(&pdf).expect("a card's QR code decodes");
    assert!(url.starts_with(&format!("{}/K/", app.base.to_uppercase())), "{url}");
    if common::tool_available("pdftotext") {
        let path = app.data_dir.path().join("cards.pdf");
        std::fs::write(&path, &pdf).unwrap();
        let out = std::process::Command::new("pdftotext").arg(&path).arg("-").output().unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(
            text.contains("Amal Yousef") && text.contains("Bodo Kraus") && !text.contains("Clara"),
            "{text}"
        );
    }
    let (_, _, pdf_b) = coord.get_bytes(&format!("/runs/{run_b}/cards.pdf")).await;
    let clara_url = common::pdf_qr::decode_qr_from_pdf(&pdf_b).unwrap();
    let clara_code = clara_url.rsplit('/').next().unwrap().to_string();

    // The trainer's phone camera opens the card's URL: one tap checks the person in.
    let phone = app.browser();
    phone.login(&org.trainer.email).await;
    let card_path = url[app.base.len()..].to_string();
    let page = phone.get(&card_path).await;
    assert_eq!(page.status, 200, "{}", page.body);
    let first_name = if page.body.contains("Amal Yousef") { "Amal" } else { "Bodo" };
    assert!(page.body.contains("anwesend"));
    let code = card_path.rsplit('/').next().unwrap();
    let page = phone
        .submit(&card_path, &format!("/sessions/{session_id}/checkin"), &[("card", code)])
        .await;
    assert_eq!(page.status, 303, "{}", page.body);
    let roster = phone.get(page.location.as_deref().unwrap()).await;
    assert!(
        roster.body.contains(&format!(
            "Gespeichert: <bdi>{}</bdi>",
            if first_name == "Amal" { "Yousef, Amal" } else { "Kraus, Bodo" }
        )),
        "{}",
        roster.body
    );
    assert_eq!(app.count("attendance"), 1);

    // The card of someone in another run, an unknown card, garbage.
    let roster_path = format!("/sessions/{session_id}/roster");
    let page = phone
        .submit(
            &roster_path,
            &format!("/sessions/{session_id}/checkin"),
            &[("card", &clara_code.to_lowercase())],
        )
        .await;
    assert_eq!(page.status, 422);
    assert!(
        page.body.contains(&common::said("error.cards.other_run", &[("name", "Clara Fremd")])),
        "{}",
        page.body
    );
    let page = phone
        .submit(
            &roster_path,
            &format!("/sessions/{session_id}/checkin"),
            &[("card", "ZZZZZ-ZZZZZ")],
        )
        .await;
    assert!(page.status == 422 && page.body.contains(&common::said("error.cards.unknown", &[])));
    assert!(page.body.contains("value=\"ZZZZZ-ZZZZZ\""), "the typed code stays to be fixed");
    let page = phone
        .submit(&roster_path, &format!("/sessions/{session_id}/checkin"), &[("card", "<script>")])
        .await;
    assert_eq!(page.status, 422);
    assert!(page.body.contains("value=\"&lt;script&gt;\"") && !page.body.contains("\"<script>"));
    let page = phone.get(&format!("/K/{clara_code}")).await;
    assert!(page.body.contains(&common::said("card.none", &[])));
    // Through the API, with the scanned URL as it comes from the camera.
    let (s, entry) =
        trainer.post(&format!("/api/v1/sessions/{session_id}/checkin"), json!({"card": url})).await;
    assert_eq!(s, 200, "{entry}");
    assert_eq!(entry["status"], "present");
    // Another organisation's trainer cannot use the card.
    let other = app.create_org("karten-zwei");
    let other_api = app.api_token(&other.trainer.email).await;
    let (s, _) = other_api
        .post(&format!("/api/v1/sessions/{session_id}/checkin"), json!({"card": code}))
        .await;
    assert!(s == 404 || s == 422 || s == 403, "{s}");
}

both_backends!(check_in_cards_are_printed_scanned_and_checked, cards);
