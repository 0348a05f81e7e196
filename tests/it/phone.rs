//! The pages people use on phones, in a real headless Chromium at 360 px: a trainer marks
//! attendance one-handed; a landlord sees the verification result.

use serde_json::json;

use crate::common::{self, browser::Chromium, Backend};

#[actix_web::test]
async fn trainer_marks_attendance_on_a_phone_and_landlord_checks_on_a_phone() {
    if !common::browser::available() {
        eprintln!(
            "chromium/chromedriver not installed: browser test not run (.ci/run installs them)"
        );
        return;
    }
    let app = common::spawn_app(Backend::Sqlite).await;
    let org = app.create_org("phone");
    let api = app.api_token(&org.coordinator.email).await;
    let (_, run_id, modules) =
        common::plan_run(&api, "MS-PHONE", 10, &[("Mietvertrag", true)]).await;
    let (_, s) = api
        .post(&format!("/api/v1/runs/{run_id}/sessions"), json!({"starts_at": "2026-03-03T09:00", "ends_at": "2026-03-03T12:00",
            "location": "Stadtteilzentrum Nord", "trainer_id": org.trainer.user_id, "module_ids": modules}))
        .await;
    let session_id = s["id"].as_i64().unwrap();
    let mut people = Vec::new();
    for (given, family) in
        [("Abdullah Mohammed", "Al-Rashidi-Hashemi"), ("Olena", "Kovalenko"), ("Yonas", "Tesfay")]
    {
        let pid = common::register(&api, given, family, None).await;
        api.post(&format!("/api/v1/runs/{run_id}/enrollments"), json!({"participant_id": pid}))
            .await;
        people.push(pid);
    }

    let phone = Chromium::phone().await;
    phone.goto(&app.url("/login")).await;
    phone.assert_fits_width().await;
    phone.type_into("#email", &org.trainer.email).await;
    phone.type_into("#password", common::PASSWORD).await;
    phone.click("button[type=submit]").await;
    phone.wait_for_text("Meine Termine</h1>").await;
    assert!(phone.current_url().await.ends_with("/my/sessions"));
    phone.assert_fits_width().await;
    phone.click(&format!("a[href='/sessions/{session_id}/roster']")).await;
    phone.wait_for_text("roster-row").await;
    phone.assert_fits_width().await;
    let target = people[0];
    phone.click(&format!("#p{target} button[value=present]")).await;
    let page = phone.wait_for_text("Gespeichert").await;
    assert!(page.contains("1 / 3"), "progress shown");
    // The tapped button is shown as pressed, with a tap target of a usable size.
    let pressed = phone
        .script(&format!("var b = document.querySelector('#p{target} button[value=present]'); var r = b.getBoundingClientRect(); return [b.getAttribute('aria-pressed'), r.height, r.width];"))
        .await;
    assert_eq!(pressed[0], "true");
    assert!(pressed[1].as_f64().unwrap() >= 44.0, "tap target height {}", pressed[1]);
    assert!(pressed[2].as_f64().unwrap() >= 44.0, "tap target width {}", pressed[2]);
    phone.assert_fits_width().await;
    // A second tap on another status corrects the mark.
    phone.click(&format!("#p{target} button[value=late]")).await;
    phone
        .wait_for_text("Gespeichert: <bdi>Al-Rashidi-Hashemi, Abdullah Mohammed</bdi> – verspätet")
        .await;
    assert_eq!(app.count("attendance"), 1);
    assert_eq!(app.count("attendance_marks"), 2);
    if let Ok(dir) = std::env::var("SCREENSHOT_DIR") {
        std::fs::write(format!("{dir}/roster-360.png"), phone.screenshot().await).unwrap();
    }

    // The landlord's phone: certificate status at a glance.
    for pid in &people[1..] {
        api.put(
            &format!("/api/v1/sessions/{session_id}/attendance/{pid}"),
            json!({"status": "present"}),
        )
        .await;
    }
    let (_, summary) = api.post(&format!("/api/v1/runs/{run_id}/certificates"), json!({})).await;
    let url = summary["issued"][0]["verification_url"].as_str().unwrap().to_string();
    let landlord = Chromium::phone().await;
    // Headless Chromium asks for English; this landlord reads German (the page's switch).
    landlord.goto(&format!("{url}?lang=de")).await;
    landlord.assert_fits_width().await;
    let page = landlord.wait_for_text("Gültig").await;
    assert!(page.contains(&common::said("verify.id_hint", &[])));
    let status_box = landlord
        .script("var r = document.querySelector('.status').getBoundingClientRect(); return [r.top, r.height];")
        .await;
    assert!(status_box[0].as_f64().unwrap() < 200.0, "the status is the first thing on screen");
    if let Ok(dir) = std::env::var("SCREENSHOT_DIR") {
        std::fs::write(format!("{dir}/verify-360.png"), landlord.screenshot().await).unwrap();
        landlord.goto(&app.url("/z")).await;
        std::fs::write(format!("{dir}/code-form-360.png"), landlord.screenshot().await).unwrap();
    }
}

/// A trainer's own account on a phone: password change and API tokens fit 360 px, and a
/// new token is shown once in full (it wraps, it does not push the page sideways).
#[actix_web::test]
async fn account_page_fits_a_phone() {
    if !common::browser::available() {
        eprintln!("chromium/chromedriver not installed: browser test not run");
        return;
    }
    let app = common::spawn_app(Backend::Sqlite).await;
    let org = app.create_org("konto");
    let phone = Chromium::phone().await;
    phone.log_in(&app.url(""), &org.trainer.email).await;
    phone.goto(&app.url("/account")).await;
    phone.wait_for_text("Mein Konto</h1>").await;
    phone.assert_fits_width().await;
    phone
        .type_into("#label", "Tabellenabgleich mit dem Integrationsamt, Laptop im Büro 2.14")
        .await;
    phone.click("form[action='/account/tokens'] button[type=submit]").await;
    let page = phone.wait_for_text("nur dieses eine Mal").await;
    let start = page.find("ms_").expect("token shown");
    common::logs::secret(
        &page[start..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '-')
            .collect::<String>(),
    );
    phone.assert_fits_width().await;
    if let Ok(dir) = std::env::var("SCREENSHOT_DIR") {
        std::fs::write(format!("{dir}/account-phone.png"), phone.screenshot().await).unwrap();
    }
}
