//! Stakeholder pre-surveys, the whole cycle: directory → survey with every question kind →
//! invitations and reminders through a real SMTP server → answers (bad ones refused and
//! changing nothing, a second submission refused) → results, exports, copy; the
//! respondent form in headless Chromium at 360 px. Anonymity: `anonymity.rs`.

use std::time::Duration;

use serde_json::{json, Value};

use crate::both_backends;
use crate::common::{self, smtp::SmtpServer, Backend, Options};
use mietschulung::surveys::invite::send_due_reminders;

fn token_in(mail: &str) -> String {
    // Quoted-printable soft line breaks first, then the personal link.
    let text = mail.replace("=\r\n", "").replace("=\n", "");
    let at = text.find("/s/").expect("mail has a survey link") + 3;
    text[at..].chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_').collect()
}

async fn contact(api: &common::Api, group: &str, name: &str, email: Option<&str>, consent: bool) {
    let (s, b) = api
        .post(
            "/api/v1/stakeholders",
            json!({"stakeholder_group": group, "name": name, "email": email, "contact_consent": consent}),
        )
        .await;
    assert_eq!(s, 201, "{b}");
}

async fn question(api: &common::Api, survey: i64, body: Value) -> i64 {
    let (s, q) = api.post(&format!("/api/v1/surveys/{survey}/questions"), body).await;
    assert_eq!(s, 201, "{q}");
    q["id"].as_i64().unwrap()
}

async fn cycle(backend: Backend) {
    let smtp = SmtpServer::start_on(0).expect("smtp");
    let app = common::spawn_app_with(
        backend,
        Options { smtp_port: Some(smtp.port), ..Default::default() },
    )
    .await;
    let org = app.create_org("umfrage");
    let api = app.api_token(&org.coordinator.email).await;
    let (course_id, _, _) = common::plan_run(
        &api,
        "MS-U",
        10,
        &[("Mietvertrag", true), ("Heizen und Lüften", true), ("Mülltrennung", true)],
    )
    .await;
    contact(&api, "landlord", "Karl Brandt", Some("karl@brandt.example"), true).await;
    contact(&api, "landlord", "Petra Hausmann", Some("petra@hausmann.example"), true).await;
    contact(&api, "landlord", "Ohne Einverständnis", Some("nein@example.org"), false).await;
    contact(&api, "target_group", "Amina Yusuf", None, true).await;
    contact(&api, "vhs", "VHS (nicht befragt)", Some("vhs@example.org"), true).await;

    let today = mietschulung::time::today_local();
    let (s, survey) = api
        .post(
            "/api/v1/surveys",
            json!({"title": "Was soll die Mietschulung betonen?", "introduction": "Fünf Minuten.",
                   "opens_on": today.to_string(), "closes_on": (today + chrono::Duration::days(30)).to_string(),
                   "audience": ["landlord", "target_group"], "course_id": course_id,
                   "reminder_max": 2, "reminder_interval_days": 7, "open_groups": ["target_group"]}),
        )
        .await;
    assert_eq!(s, 201, "{survey}");
    let sid = survey["id"].as_i64().unwrap();
    // Bad survey input: a clear message and the field.
    let (s, e) = api
        .post("/api/v1/surveys", json!({"title": "X", "opens_on": "2026-12-10", "closes_on": "2026-12-01", "audience": ["landlord"]}))
        .await;
    assert_eq!((s, e["field"].as_str()), (422, Some("closes_on")), "{e}");
    let (s, e) = api
        .post("/api/v1/surveys", json!({"title": "X", "opens_on": "2026-12-01", "closes_on": "2026-12-10", "audience": []}))
        .await;
    assert_eq!((s, e["field"].as_str()), (422, Some("audience")), "{e}");

    let single = question(&api, sid, json!({"kind": "single", "text": "Wie oft vermieten Sie an Neuzugewanderte?", "required": true, "options": ["nie", "manchmal", "oft"]})).await;
    let multiple = question(&api, sid, json!({"kind": "multiple", "text": "Welche Probleme gab es?", "options": ["Lüften", "Müll", "Lärm"], "groups": ["landlord"]})).await;
    let scale = question(&api, sid, json!({"kind": "scale", "text": "Wie wichtig ist eine Schulung?", "options": ["unwichtig", "sehr wichtig"]})).await;
    let text =
        question(&api, sid, json!({"kind": "text", "text": "Was noch?", "max_length": 50})).await;
    let number = question(&api, sid, json!({"kind": "number", "text": "Wie viele Wohnungen?", "min_value": 0, "max_value": 1000, "groups": ["landlord"]})).await;
    let rank = question(
        &api,
        sid,
        json!({"kind": "rank", "text": "Ordnen Sie die Themen", "required": true}),
    )
    .await;
    let only_target = question(&api, sid, json!({"kind": "text", "text": "Was ist schwer bei der Wohnungssuche?", "groups": ["target_group"]})).await;
    for (body, field) in [
        (json!({"kind": "poll", "text": "?"}), "kind"),
        (json!({"kind": "single", "text": "Nur eine?", "options": ["a"]}), "options"),
        (json!({"kind": "text", "text": "Für VHS", "groups": ["vhs"]}), "groups"),
        (json!({"kind": "single", "text": "", "options": ["a", "b"]}), "text"),
    ] {
        let (s, e) = api.post(&format!("/api/v1/surveys/{sid}/questions"), body).await;
        assert_eq!((s, e["field"].as_str()), (422, Some(field)), "{e}");
    }
    let (_, detail) = api.get(&format!("/api/v1/surveys/{sid}")).await;
    assert_eq!(detail["questions"].as_array().unwrap().len(), 7);
    assert_eq!(detail["questions"][5]["options"][1]["label"], "Heizen und Lüften");

    // Invitations: two emails, one on paper (no address); no consent: no invitation at all.
    let (s, outcome) = api.post(&format!("/api/v1/surveys/{sid}/invitations"), json!({})).await;
    assert_eq!(s, 200, "{outcome}");
    assert_eq!(
        (outcome["invited"].as_i64(), outcome["emailed"].as_i64(), outcome["on_paper"].as_i64()),
        (Some(3), Some(2), Some(1))
    );
    assert_eq!(outcome["left_out"], 1, "{outcome}");
    let (_, again) = api.post(&format!("/api/v1/surveys/{sid}/invitations"), json!({})).await;
    assert_eq!(again["invited"], 0, "nobody is invited twice");
    common::wait_until("two invitations delivered", Duration::from_secs(30), || {
        smtp.messages().len() >= 2
    })
    .await;
    let mails = smtp.messages();
    let karl = mails.iter().find(|m| m.to[0].contains("karl@")).expect("mail to Karl");
    assert!(karl.data.contains("Ihre Meinung ist gefragt"));
    let karl_token = token_in(&karl.data);
    let petra_token = token_in(&mails.iter().find(|m| m.to[0].contains("petra@")).unwrap().data);
    assert_ne!(karl_token, petra_token);

    // Bad answers change nothing.
    let respond = |token: &str, body: Value| {
        let api = &api;
        let url = format!("/api/v1/responses/{token}");
        async move { api.post(&url, body).await }
    };
    let good = json!({single.to_string(): 2, multiple.to_string(): [0, 2], scale.to_string(): 4,
                      text.to_string(): "Mehr zu Nebenkosten", number.to_string(): 12, rank.to_string(): [1, 0, 2]});
    for (patch, words) in [
        (json!({single.to_string(): 7}), common::said("survey.answer.no_such_option", &[])),
        (
            json!({only_target.to_string(): "nicht meine Gruppe"}),
            common::said("survey.answer.not_for_group", &[]),
        ),
        (
            json!({text.to_string(): "x".repeat(51)}),
            common::said("survey.answer.too_long", &[("max", "50")]),
        ),
        (
            json!({number.to_string(): 5000}),
            common::said("survey.answer.between", &[("min", "0"), ("max", "1000")]),
        ),
        (json!({rank.to_string(): [0, 0, 1]}), common::said("survey.answer.place_twice", &[])),
        (json!({"999999": 1}), common::said("survey.answer.not_in_survey", &[])),
        (json!({scale.to_string(): 6}), common::said("survey.answer.scale", &[])),
    ] {
        let mut body = good.clone();
        for (k, v) in patch.as_object().unwrap() {
            body[k] = v.clone();
        }
        let (s, e) = respond(&karl_token, json!({"answers": body, "submit": true})).await;
        assert_eq!(s, 422, "{e}");
        assert!(e["message"].as_str().unwrap().contains(&words), "{words}: {e}");
    }
    let mut missing = good.clone();
    missing.as_object_mut().unwrap().remove(&rank.to_string());
    let (s, e) = respond(&karl_token, json!({"answers": missing, "submit": true})).await;
    assert_eq!(s, 422, "a required question is missing: {e}");
    assert_eq!(app.count("survey_responses"), 0);
    assert_eq!(app.count("survey_answers"), 0);
    let (s, e) =
        respond("forged-token-that-is-long-enough", json!({"answers": good, "submit": true})).await;
    assert_eq!(s, 404, "{e}");

    // What a respondent app reads: only the landlord's questions, no target-group one.
    let (s, view) = api.get(&format!("/api/v1/responses/{karl_token}")).await;
    assert_eq!(s, 200, "{view}");
    let texts: Vec<&str> =
        view["questions"].as_array().unwrap().iter().map(|q| q["text"].as_str().unwrap()).collect();
    assert_eq!(texts.len(), 6, "{texts:?}");
    assert!(!texts.contains(&"Was ist schwer bei der Wohnungssuche?"));
    let (_, invitations) = api.get(&format!("/api/v1/surveys/{sid}/invitations")).await;
    let amina = invitations
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["name"] == "Amina Yusuf")
        .unwrap()
        .clone();
    assert!(
        amina["url"].as_str().unwrap().contains("/s/"),
        "paper contacts get their link: {amina}"
    );
    let karl_row = invitations
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["name"] == "Karl Brandt")
        .unwrap()
        .clone();
    assert!(karl_row.get("url").is_none(), "emailed links are not handed out again");
    let (s, started) = api
        .post(&format!("/api/v1/surveys/open/{}/target_group", open_token(&app, sid)), json!({}))
        .await;
    assert_eq!(s, 201);
    let open_resp = started["token"].as_str().unwrap().to_string();
    let (s, r) = respond(&open_resp, json!({"answers": {single.to_string(): 0, rank.to_string(): [2, 1, 0], only_target.to_string(): "Die Kaution"}, "submit": true})).await;
    assert_eq!(s, 200, "{r}");
    let (s, _) = respond(
        &open_resp,
        json!({"answers": {single.to_string(): 0, rank.to_string(): [2, 1, 0]}, "submit": true}),
    )
    .await;
    assert_eq!(s, 404, "an open-link token answers once, then it is gone");

    // Save for later, then submit; the second submission is refused.
    let (s, _) = respond(&karl_token, json!({"answers": {single.to_string(): 1}})).await;
    assert_eq!(s, 200);
    assert_eq!(app.count("survey_drafts"), 1);
    let (s, r) = respond(&karl_token, json!({"answers": good, "submit": true})).await;
    assert_eq!((s, r["status"].as_str()), (200, Some("submitted")), "{r}");
    let (s, e) = respond(&karl_token, json!({"answers": good, "submit": true})).await;
    assert_eq!(s, 409, "{e}");
    assert_eq!(app.count("survey_responses"), 2);
    assert_eq!(app.count("survey_answers"), 9);
    assert_eq!(app.count("survey_drafts"), 0);
    // Not anonymous: the response is linked to Karl's invitation.
    let (_, invitations) = api.get(&format!("/api/v1/surveys/{sid}/invitations")).await;
    let answered: Vec<&str> = invitations
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["answered"] == true)
        .map(|i| i["name"].as_str().unwrap())
        .collect();
    assert_eq!(answered, ["Karl Brandt"]);

    // The open link for the target group: a resume link per respondent.
    let b = app.browser();
    let open = b.get(&format!("/s/o/{}/target_group", open_token(&app, sid))).await;
    assert_eq!(open.status, 303);
    let resume = open.location.unwrap();
    assert!(resume.starts_with("/s/"));
    let page = b.get(&resume).await;
    assert!(page.body.contains("Was ist schwer bei der Wohnungssuche?"));
    assert!(!page.body.contains("Welche Probleme gab es?"), "landlord-only question hidden");
    assert_eq!(b.get(&format!("/s/o/{}/landlord", open_token(&app, sid))).await.status, 404);

    // Reminders: to the one who has not answered, at most twice, a week apart.
    let now = chrono::Utc::now().naive_utc();
    let db = app.db.clone();
    let url = app.settings.public_url.clone();
    let remind = |days: i64| {
        let url = url.clone();
        db.run_blocking(move |conn| {
            send_due_reminders(conn, &url, now + chrono::Duration::days(days))
        })
        .unwrap()
    };
    assert_eq!(remind(1), 0, "not yet");
    assert_eq!(remind(8), 1, "Petra, a week later");
    assert_eq!(remind(8), 0, "not twice");
    assert_eq!(remind(16), 1);
    assert_eq!(remind(24), 0, "at most two reminders");
    common::wait_until("reminders delivered", Duration::from_secs(30), || {
        smtp.messages().len() >= 4
    })
    .await;
    let reminders: Vec<_> =
        smtp.messages().into_iter().filter(|m| m.data.contains("Erinnerung")).collect();
    assert_eq!(reminders.len(), 2);
    assert!(reminders.iter().all(|m| m.to[0].contains("petra@")));

    // Answered questions keep their meaning.
    let (s, e) = api
        .put(&format!("/api/v1/surveys/{sid}/questions/{single}"), json!({"kind": "single", "text": "Wie oft vermieten Sie an Neuzugewanderte?", "required": true, "options": ["nie", "selten", "oft"]}))
        .await;
    assert_eq!(s, 409, "{e}");
    assert_eq!(e["message"], common::said("error.surveys.question_answered", &[]));
    let (s, _) = api
        .put(&format!("/api/v1/surveys/{sid}/questions/{single}"), json!({"kind": "single", "text": "Wie oft vermieten Sie an neu zugewanderte Menschen?", "required": true, "options": ["nie", "manchmal", "oft"]}))
        .await;
    assert_eq!(s, 200, "the wording may be corrected");
    let (s, _) = api
        .send(reqwest::Method::DELETE, &format!("/api/v1/surveys/{sid}/questions/{single}"), None)
        .await;
    assert_eq!(s, 409);
    question(&api, sid, json!({"kind": "text", "text": "Nachgereicht: Ihre Telefonzeiten?"})).await;

    // Results, exports, copy.
    let (_, results) = api.get(&format!("/api/v1/surveys/{sid}/results")).await;
    assert_eq!(results["responses"], 2);
    let q_single = results["questions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|q| q["question_id"] == single)
        .unwrap();
    let landlords =
        q_single["groups"].as_array().unwrap().iter().find(|g| g["group"] == "landlord").unwrap();
    assert_eq!(landlords["options"][2]["count"], 1);
    assert_eq!(landlords["options"][2]["percent"], 100.0);
    // Karl ranked Heizen, Mietvertrag, Mülltrennung; the target group Mülltrennung, Heizen,
    // Mietvertrag: Heizen 3+2, Mülltrennung 1+3, Mietvertrag 2+1 points.
    let needs = results["topic_needs"].as_array().unwrap();
    assert_eq!(needs[0]["title"], "Heizen und Lüften");
    assert_eq!(needs[0]["score"], 75.0);
    assert_eq!(needs[0]["curriculum_position"], 2);
    assert_eq!(needs[2]["title"], "Mietvertrag");
    assert_eq!(needs[0]["by_group"]["target_group"], 50.0);
    let resp = api
        .client
        .get(app.url(&format!("/api/v1/surveys/{sid}/results.csv?part=raw")))
        .bearer_auth(&api.token)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let csv = resp.text().await.unwrap();
    assert!(csv.contains("Mehr zu Nebenkosten") && csv.contains("1. Heizen und Lüften"), "{csv}");
    let resp = api
        .client
        .get(app.url(&format!("/api/v1/surveys/{sid}/results.xlsx")))
        .bearer_auth(&api.token)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert!(resp.bytes().await.unwrap().starts_with(b"PK"));
    let (s, copy) = api.post(&format!("/api/v1/surveys/{sid}/copy"), json!({})).await;
    assert_eq!(s, 201, "{copy}");
    let (_, copied) = api.get(&format!("/api/v1/surveys/{}", copy["id"])).await;
    assert_eq!(copied["questions"].as_array().unwrap().len(), 8);
    assert_eq!(copied["responses"], 0);

    // Another organisation sees none of it.
    let other = app.create_org("andere-umfrage");
    let stranger = app.api_token(&other.coordinator.email).await;
    assert_eq!(stranger.get(&format!("/api/v1/surveys/{sid}")).await.0, 404);
    assert_eq!(stranger.get(&format!("/api/v1/surveys/{sid}/results")).await.0, 404);

    // Closing the survey: links answer politely, nothing is accepted.
    let (s, _) = api
        .put(&format!("/api/v1/surveys/{sid}"), json!({"title": "Was soll die Mietschulung betonen?", "opens_on": (today - chrono::Duration::days(10)).to_string(),
              "closes_on": (today - chrono::Duration::days(1)).to_string(), "audience": ["landlord", "target_group"], "course_id": course_id, "open_groups": ["target_group"]}))
        .await;
    assert_eq!(s, 200);
    let (s, e) = respond(&petra_token, json!({"answers": good, "submit": true})).await;
    assert_eq!(s, 409);
    assert_eq!(e["message"], common::said("respond.over", &[]), "{e}");
    let page = b.get(&format!("/s/{petra_token}")).await;
    assert!(page.body.contains(&common::said("respond.over_title", &[])), "{}", page.body);
}

fn open_token(app: &common::TestApp, survey: i64) -> String {
    use diesel::prelude::*;
    use mietschulung::db::schema::surveys;
    let id = i32::try_from(survey).unwrap();
    app.db
        .run_blocking(move |conn| {
            Ok(surveys::table.find(id).select(surveys::open_token).first::<String>(conn)?)
        })
        .unwrap()
}

both_backends!(whole_cycle_with_invitations_reminders_and_results, cycle);

// Anonymous surveys: tests/it/anonymity.rs.

#[actix_web::test]
async fn respondent_form_on_a_phone_without_javascript_and_in_arabic() {
    if !common::browser::available() {
        eprintln!(
            "chromium/chromedriver not installed: browser test not run (.ci/run installs them)"
        );
        return;
    }
    let app = common::spawn_app(Backend::Sqlite).await;
    let org = app.create_org("umfrage-handy");
    let api = app.api_token(&org.coordinator.email).await;
    contact(&api, "target_group", "Amina Yusuf", None, true).await;
    let today = mietschulung::time::today_local();
    let (_, survey) = api
        .post("/api/v1/surveys", json!({"title": "Wohnen in Altenburg", "opens_on": today.to_string(), "closes_on": (today + chrono::Duration::days(5)).to_string(), "audience": ["target_group"]}))
        .await;
    let sid = survey["id"].as_i64().unwrap();
    let mut ids = Vec::new();
    for i in 0..6 {
        ids.push(question(&api, sid, json!({"kind": "single", "text": format!("Frage {i}"), "required": true, "options": ["ja", "nein"]})).await);
    }
    let (s, e) = api
        .put(&format!("/api/v1/surveys/{sid}/translations/ar"), json!({"title": "السكن في ألتنبورغ", "questions": {ids[0].to_string(): {"text": "السؤال الأول", "options": ["نعم", "لا"]}}}))
        .await;
    assert_eq!(s, 204, "{e}");
    api.post(&format!("/api/v1/surveys/{sid}/invitations"), json!({})).await;
    let token: String = {
        use diesel::prelude::*;
        use mietschulung::db::schema::survey_invitations;
        app.db
            .run_blocking(|conn| {
                Ok(survey_invitations::table.select(survey_invitations::token).first(conn)?)
            })
            .unwrap()
    };
    let phone = common::browser::Chromium::phone().await;
    phone.goto(&app.url(&format!("/s/{token}"))).await;
    phone.wait_for_text("Wohnen in Altenburg").await;
    phone.assert_fits_width().await;
    let source = phone.source().await;
    assert!(
        source.contains("Seite 1 / 2") && source.contains("<progress"),
        "progress for a long survey"
    );
    // Next without the required answers: messages beside the fields, nothing lost.
    phone.click(&format!("#q{}-0", ids[0])).await;
    phone.click("button[value=next]").await;
    let page = phone.wait_for_text("Bitte beantworten Sie diese Frage").await;
    assert!(page.contains(&format!("id=\"q{}-error\"", ids[1])));
    assert_eq!(
        phone.script(&format!("return document.querySelector('#q{}-0').checked;", ids[0])).await,
        json!(true)
    );
    phone.assert_fits_width().await;
    if let Ok(dir) = std::env::var("SCREENSHOT_DIR") {
        std::fs::write(format!("{dir}/survey-form-errors-360.png"), phone.screenshot().await)
            .unwrap();
    }
    for id in &ids[1..5] {
        phone.click(&format!("#q{id}-1")).await;
    }
    // "Save for later" must be visible on the white page (not the header's white link style).
    let color = phone
        .script("return getComputedStyle(document.querySelector('button[value=save]')).color;")
        .await;
    assert_ne!(color, json!("rgb(255, 255, 255)"));
    phone.click("button[value=save]").await;
    phone.wait_for_text("Gespeichert").await;
    assert_eq!(app.count("survey_drafts"), 1);
    // Continue later with the same link, in Arabic: right to left.
    phone.goto(&app.url(&format!("/s/{token}?lang=ar"))).await;
    let page = phone.wait_for_text("السكن في ألتنبورغ").await;
    assert!(page.contains("dir=\"rtl\"") && page.contains("السؤال الأول"));
    assert!(
        page.contains(&format!("id=\"q{}\" lang=\"de\" dir=\"ltr\"", ids[1])),
        "an untranslated question keeps German direction"
    );
    assert!(!page.contains(&format!("id=\"q{}\" lang=\"de\"", ids[0])));
    if let Ok(dir) = std::env::var("SCREENSHOT_DIR") {
        std::fs::write(format!("{dir}/survey-form-ar-360.png"), phone.screenshot().await).unwrap();
    }
    phone.assert_fits_width().await;
    assert_eq!(
        phone.script(&format!("return document.querySelector('#q{}-1').checked;", ids[1])).await,
        json!(true)
    );
    phone.click("button[value=next]").await;
    phone.wait_for_text(&format!("q{}-0", ids[5])).await;
    // A missing answer is explained in the respondent's language, beside the question.
    phone.click("button[value=submit]").await;
    let page = phone.wait_for_text(&mietschulung::i18n::text("ar", "survey.answer.required")).await;
    assert!(page.contains(&format!("id=\"q{}-error\"", ids[5])));
    phone.click(&format!("#q{}-0", ids[5])).await;
    phone.click("button[value=submit]").await;
    phone.wait_for_text("شكرًا جزيلًا").await;
    assert_eq!(app.count("survey_responses"), 1);
    assert_eq!(app.count("survey_answers"), 6);
    if let Ok(dir) = std::env::var("SCREENSHOT_DIR") {
        std::fs::write(format!("{dir}/survey-360.png"), phone.screenshot().await).unwrap();
    }
    // Back button after submitting: the link says it was answered.
    phone.goto(&app.url(&format!("/s/{token}"))).await;
    phone.wait_for_text("bereits beantwortet").await;
}

#[actix_web::test]
async fn coordinator_pages_build_invite_print_and_read_results() {
    let app = common::spawn_app(Backend::Sqlite).await;
    let org = app.create_org("umfrage-seiten");
    let api = app.api_token(&org.coordinator.email).await;
    let (course_id, _, _) =
        common::plan_run(&api, "MS-S", 10, &[("Mietvertrag", true), ("Heizen", true)]).await;
    contact(&api, "volunteer", "Helga Ehrenamt", None, true).await;
    let b = app.browser();
    b.login(&org.coordinator.email).await;
    let list = b.get("/surveys").await;
    assert_eq!(list.status, 200);
    let today = mietschulung::time::today_local().to_string();
    let later = (mietschulung::time::today_local() + chrono::Duration::days(9)).to_string();
    let course = course_id.to_string();
    let bad = b
        .submit(
            "/surveys",
            "/surveys",
            &[("title", "Ehrenamt 2027"), ("opens_on", &today), ("closes_on", &later)],
        )
        .await;
    assert_eq!(bad.status, 422);
    assert!(
        bad.body.contains(&common::said("error.surveys.choose_audience", &[]))
            && bad.body.contains("Ehrenamt 2027")
    );
    let made = b
        .submit(
            "/surveys",
            "/surveys",
            &[
                ("title", "Ehrenamt 2027"),
                ("opens_on", &today),
                ("closes_on", &later),
                ("audience", "volunteer"),
                ("course_id", &course),
            ],
        )
        .await;
    assert_eq!(made.status, 303);
    let path = made.location.unwrap();
    let added = b
        .submit(
            &path,
            &format!("{path}/questions"),
            &[
                ("kind", "single"),
                ("text", "Wie oft helfen Sie?"),
                ("options", "selten\noft"),
                ("required", "on"),
            ],
        )
        .await;
    assert_eq!(added.status, 303);
    let rank = b
        .submit(
            &path,
            &format!("{path}/questions"),
            &[("kind", "rank"), ("text", "Was ist am wichtigsten?")],
        )
        .await;
    assert_eq!(rank.status, 303);
    let bad_q = b
        .submit(
            &path,
            &format!("{path}/questions"),
            &[("kind", "single"), ("text", "Nur eine"), ("options", "a")],
        )
        .await;
    assert_eq!(bad_q.status, 422);
    assert!(bad_q.body.contains(&common::said("error.surveys.two_options", &[])));
    let qid: i64 = {
        let (_, d) = api.get(&format!("/api/v1{path}")).await;
        d["questions"][0]["id"].as_i64().unwrap()
    };
    let edit = b.get(&format!("{path}/questions/{qid}")).await;
    assert!(
        edit.body.contains("Wie oft helfen Sie?") && edit.body.contains("selten"),
        "{}",
        edit.body
    );
    let saved = b
        .submit(
            &format!("{path}/questions/{qid}"),
            &format!("{path}/questions/{qid}"),
            &[
                ("kind", "single"),
                ("text", "Wie oft helfen Sie mit?"),
                ("options", "selten\noft"),
                ("required", "on"),
            ],
        )
        .await;
    assert_eq!(saved.status, 303);
    let tr = b.get(&format!("{path}/translations/ar")).await;
    assert_eq!(tr.status, 200);
    assert!(tr.body.contains("dir=\"rtl\""));
    let (text_field, options_field) = (format!("text_{qid}"), format!("options_{qid}"));
    let bad_tr = b
        .submit(
            &format!("{path}/translations/ar"),
            &format!("{path}/translations/ar"),
            &[("title", "تطوع"), (&text_field, "كم مرة؟"), (&options_field, "نادرًا")],
        )
        .await;
    assert_eq!(bad_tr.status, 422, "one option for two");
    assert!(bad_tr.body.contains("genau 2"));
    let ok_tr = b
        .submit(
            &format!("{path}/translations/ar"),
            &format!("{path}/translations/ar"),
            &[("title", "تطوع"), (&text_field, "كم مرة؟"), (&options_field, "نادرًا\nغالبًا")],
        )
        .await;
    assert_eq!(ok_tr.status, 303);
    assert_eq!(b.get(&format!("{path}/translations/xx")).await.status, 404);
    // Preview as the group sees it; and the rank question moved to the top.
    let preview = b.get(&format!("{path}/preview")).await;
    assert_eq!(preview.status, 200);
    assert!(
        preview.body.contains("Vorschau")
            && preview.body.contains("Wie oft helfen Sie mit?")
            && !preview.body.contains("value=\"submit\"")
    );
    let rank_id: i64 = {
        let (_, d) = api.get(&format!("/api/v1{path}")).await;
        d["questions"][1]["id"].as_i64().unwrap()
    };
    let up = b.submit(&path, &format!("{path}/questions/{rank_id}/up"), &[]).await;
    assert_eq!(up.status, 303);
    let (_, d) = api.get(&format!("/api/v1{path}")).await;
    assert_eq!(d["questions"][0]["id"].as_i64(), Some(rank_id));
    let invited = b.submit(&path, &format!("{path}/invite"), &[]).await;
    assert_eq!(invited.status, 303);
    let detail = b.get(&path).await;
    assert!(
        detail.body.contains("Wie oft helfen Sie mit?")
            && detail.body.contains("Helga Ehrenamt")
            && detail.body.contains("Papier")
    );
    let sheet = b.get(&format!("{path}/sheet")).await;
    assert_eq!(sheet.status, 200);
    assert!(
        sheet.body.contains("<svg")
            && sheet.body.contains("Helga Ehrenamt")
            && sheet.body.contains("/s/")
    );
    let results = b.get(&format!("{path}/results")).await;
    assert_eq!(results.status, 200, "{}", results.body);
    assert!(results.body.contains("Wie oft helfen Sie mit?") && results.body.contains("<svg"));
    let (status, _, bytes) = b.get_bytes(&format!("{path}/results.csv")).await;
    assert_eq!(status, 200);
    assert!(String::from_utf8_lossy(&bytes).contains("Wie oft helfen Sie mit?"));
    let copied = b.submit(&path, &format!("{path}/copy"), &[]).await;
    assert_eq!(copied.status, 303);
    assert!(b.get(&copied.location.unwrap()).await.body.contains("Ehrenamt 2027 (Kopie)"));
    // A trainer has no business here.
    let t = app.browser();
    t.login(&org.trainer.email).await;
    assert_eq!(t.get(&path).await.status, 403);
}

async fn double_submit(backend: Backend) {
    let app = common::spawn_app(backend).await;
    let org = app.create_org("doppelt");
    let api = app.api_token(&org.coordinator.email).await;
    contact(&api, "volunteer", "Eilige Person", None, true).await;
    let today = mietschulung::time::today_local();
    let (_, survey) = api
        .post("/api/v1/surveys", json!({"title": "Schnell", "opens_on": today.to_string(), "closes_on": today.to_string(), "audience": ["volunteer"], "open_groups": ["volunteer"]}))
        .await;
    let sid = survey["id"].as_i64().unwrap();
    let q = question(&api, sid, json!({"kind": "number", "text": "Wie viele?"})).await;
    api.post(&format!("/api/v1/surveys/{sid}/invitations"), json!({})).await;
    let (_, inv) = api.get(&format!("/api/v1/surveys/{sid}/invitations")).await;
    let url = inv[0]["url"].as_str().unwrap().to_string();
    let token = url.rsplit('/').next().unwrap().to_string();
    let (_, started) = api
        .post(&format!("/api/v1/surveys/open/{}/volunteer", open_token(&app, sid)), json!({}))
        .await;
    let open = started["token"].as_str().unwrap().to_string();
    // Eight impatient taps on "send" at once, through the personal and the open link.
    for t in [token, open] {
        let sends = (0..8).map(|i| {
            let client = reqwest::Client::new();
            let url = app.url(&format!("/api/v1/responses/{t}"));
            async move {
                client
                    .post(url)
                    .json(&json!({"answers": {q.to_string(): i}, "submit": true}))
                    .send()
                    .await
                    .unwrap()
                    .status()
                    .as_u16()
            }
        });
        let statuses = futures_util::future::join_all(sends).await;
        assert_eq!(statuses.iter().filter(|s| **s == 200).count(), 1, "{statuses:?}");
        assert!(statuses.iter().all(|s| [200, 404, 409].contains(s)), "{statuses:?}");
    }
    assert_eq!(app.count("survey_responses"), 2);
    assert_eq!(app.count("survey_answers"), 2);
}

both_backends!(parallel_submissions_make_one_response, double_submit);

#[actix_web::test]
async fn invitations_in_the_contacts_language() {
    let app = common::spawn_app(Backend::Sqlite).await;
    let org = app.create_org("sprachen");
    let api = app.api_token(&org.coordinator.email).await;
    for (name, email, lang) in [
        ("Olena Shevchenko", "olena@example.org", "uk"),
        ("Amal Haddad", "amal@example.org", "ar"),
        ("Ahmad Zai", "ahmad@example.org", "ps"),
    ] {
        let (s, b) = api
            .post(
                "/api/v1/stakeholders",
                json!({"stakeholder_group": "target_group", "name": name, "email": email,
                   "preferred_language": lang, "contact_consent": true}),
            )
            .await;
        assert_eq!(s, 201, "{b}");
    }
    let today = mietschulung::time::today_local();
    let (_, survey) = api
        .post("/api/v1/surveys", json!({"title": "Wohnen", "opens_on": today.to_string(), "closes_on": (today + chrono::Duration::days(3)).to_string(), "audience": ["target_group"]}))
        .await;
    let sid = survey["id"].as_i64().unwrap();
    question(&api, sid, json!({"kind": "text", "text": "Was ist Ihnen wichtig?"})).await;
    let (s, _) =
        api.put(&format!("/api/v1/surveys/{sid}/translations/uk"), json!({"title": "Житло"})).await;
    assert_eq!(s, 204);
    let (_, outcome) = api.post(&format!("/api/v1/surveys/{sid}/invitations"), json!({})).await;
    assert_eq!(outcome["emailed"], 3);
    let mails = app.db.run_blocking(mietschulung::mail::outbox::all).unwrap();
    let to = |who: &str| mails.iter().find(|m| m.recipient.starts_with(who)).unwrap();
    assert_eq!(to("olena").subject, "Ваша думка важлива: Житло");
    assert!(to("amal").subject.starts_with("رأيك مهم: Wohnen"), "{}", to("amal").subject);
    assert!(to("amal").body_html.contains("dir=\"rtl\""));
    // Pashto, written right to left like Arabic; the German title keeps its direction.
    assert_eq!(to("ahmad").subject, "ستاسو نظر مهم دی: Wohnen");
    assert!(to("ahmad").body_html.contains("<html lang=\"ps\" dir=\"rtl\">"));
    assert!(to("ahmad").body_html.contains("<bdi>Wohnen</bdi>"));
    assert!(mails.iter().all(|m| m.body_text.contains("/s/")));
}

#[actix_web::test]
async fn open_link_starts_are_rate_limited_per_client() {
    let app = common::spawn_app_with(
        Backend::Sqlite,
        Options { survey_open_rate: Some(3), ..Default::default() },
    )
    .await;
    let org = app.create_org("offen");
    let api = app.api_token(&org.coordinator.email).await;
    let today = mietschulung::time::today_local();
    let (_, survey) = api
        .post("/api/v1/surveys", json!({"title": "Treffen", "opens_on": today.to_string(), "closes_on": today.to_string(),
               "audience": ["target_group"], "open_groups": ["target_group"]}))
        .await;
    let path = format!("/s/o/{}/target_group", open_token(&app, survey["id"].as_i64().unwrap()));
    let b = app.browser();
    for _ in 0..3 {
        assert_eq!(b.get(&path).await.status, 303);
    }
    let resp = b.client.get(app.url(&path)).send().await.unwrap();
    assert_eq!(resp.status(), 429);
    let wait = resp.headers()["retry-after"].to_str().unwrap().to_string();
    assert!(resp
        .text()
        .await
        .unwrap()
        .contains(&common::said("error.rate_limited", &[("seconds", &wait)])));
    assert_eq!(app.count("survey_drafts"), 3, "the refused visit stored nothing");
}
