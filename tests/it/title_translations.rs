//! Course and module titles in the participant languages: entered through the course's
//! page and the API ("n/10 übersetzt": nine languages and Leichte Sprache), refused with a clear 4xx when hostile, scoped to the
//! organisation, and shown on the survey form of a respondent reading that language, with
//! untranslated titles isolated (`<bdi>`) inside the right-to-left page.

use serde_json::json;

use crate::both_backends;
use crate::common::{self, Backend};

async fn titles(backend: Backend) {
    let app = common::spawn_app(backend).await;
    let org = app.create_org("titel");
    let other = app.create_org("anderswo");
    let api = app.api_token(&org.coordinator.email).await;
    let other_api = app.api_token(&other.coordinator.email).await;
    let (course_id, _, modules) =
        common::plan_run(&api, "MS-TIT", 5, &[("Mietvertrag", true), ("Heizen und Lüften", true)])
            .await;
    let path = format!("/api/v1/courses/{course_id}/translations");

    let (s, before) = api.get(&path).await;
    assert_eq!(s, 200, "{before}");
    assert_eq!(
        (before["translated"].as_i64(), before["languages_total"].as_i64()),
        (Some(1), Some(10))
    );
    let langs: Vec<&str> = before["languages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["lang"].as_str().unwrap())
        .collect();
    assert_eq!(langs, ["en", "ar", "fa", "uk", "ru", "tr", "ti", "ps", "de-simple"]);

    // Arabic: the course and one module only, so not complete yet.
    let (s, saved) = api
        .put(
            &format!("{path}/ar"),
            json!({"course_title": "رخصة الإيجار", "modules": [
                {"module_id": modules[0], "title": "عقد الإيجار", "description": "ما يجب معرفته"}
            ]}),
        )
        .await;
    assert_eq!(s, 200, "{saved}");
    let ar = &saved["languages"][1];
    assert_eq!((ar["lang"].as_str(), ar["complete"].as_bool()), (Some("ar"), Some(false)));
    assert_eq!(ar["modules"][0]["title"], "عقد الإيجار");
    assert_eq!(ar["modules"][1]["title"], "");
    assert_eq!(saved["translated"], 1);
    let (s, saved) = api
        .put(
            &format!("{path}/ar"),
            json!({"course_title": "رخصة الإيجار", "modules": [
                {"module_id": modules[0], "title": "عقد الإيجار"},
                {"module_id": modules[1], "title": "التدفئة والتهوية"}
            ]}),
        )
        .await;
    assert_eq!((s, saved["translated"].as_i64()), (200, Some(2)), "{saved}");

    // Hostile or wrong input: a clear 4xx, nothing changed.
    for (lang, body, status, field) in [
        ("ar", json!({"course_title": "رخصة\u{202E}الإيجار"}), 422, Some("course_title")),
        ("ar", json!({"course_title": "x".repeat(10_000)}), 422, Some("course_title")),
        ("ar", json!({"course_title": "A\nB"}), 422, Some("course_title")),
        ("ar", json!({"modules": [{"module_id": 999999, "title": "x"}]}), 422, Some("modules")),
        ("xx", json!({"course_title": "x"}), 404, None),
        ("de", json!({"course_title": "x"}), 404, None),
    ] {
        let (s, e) = api.put(&format!("{path}/{lang}"), body).await;
        assert_eq!((s, e["field"].as_str()), (status, field), "{lang}: {e}");
    }
    let (_, now) = api.get(&path).await;
    assert_eq!(now["languages"][1]["course_title"], "رخصة الإيجار");

    // Another organisation neither sees nor changes them.
    assert_eq!(other_api.get(&path).await.0, 404);
    assert_eq!(other_api.put(&format!("{path}/en"), json!({"course_title": "x"})).await.0, 404);

    // The page: reached from the course, counts, and saves one language's form.
    let b = app.browser();
    b.login(&org.coordinator.email).await;
    let course = b.get(&format!("/courses/{course_id}")).await;
    assert!(course.body.contains(&format!("href=\"/courses/{course_id}/translations\"")));
    let page_path = format!("/courses/{course_id}/translations");
    let page = b.get(&page_path).await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("data-translated=\"2\" data-total=\"10\""), "{}", page.body);
    assert!(page.body.contains("2/10"));
    assert!(page.body.contains("data-test=\"titles-ar\" data-complete=\"yes\""));
    let m0 = format!("module_{}_title", modules[0]);
    let m1 = format!("module_{}_title", modules[1]);
    let saved = b
        .submit(
            &page_path,
            &format!("{page_path}/tr"),
            &[
                ("course_title", "Kira Ehliyeti"),
                (m0.as_str(), "Kira sözleşmesi"),
                (m1.as_str(), "Isıtma ve havalandırma"),
            ],
        )
        .await;
    assert_eq!(saved.status, 303, "{}", saved.body);
    let page = b.get(&page_path).await;
    assert!(page.body.contains("data-translated=\"3\""), "{}", page.body);
    assert!(page.body.contains("value=\"Kira sözleşmesi\""));
    let refused =
        b.submit(&page_path, &format!("{page_path}/tr"), &[("course_title", "Kira\u{2066}")]).await;
    assert_eq!(refused.status, 422);
    // Clearing a title removes that language's translation.
    let cleared = b
        .submit(
            &page_path,
            &format!("{page_path}/tr"),
            &[("course_title", ""), (m0.as_str(), ""), (m1.as_str(), "")],
        )
        .await;
    assert_eq!(cleared.status, 303);
    let (_, now) = api.get(&path).await;
    assert_eq!(now["translated"], 2);

    // The survey form in Arabic lists the modules by their Arabic titles; a module
    // without one keeps its German title, isolated in the right-to-left page.
    let (s, _) = api
        .put(
            &format!("{path}/ar"),
            json!({"course_title": "رخصة الإيجار", "modules": [
                {"module_id": modules[0], "title": "عقد الإيجار"},
                {"module_id": modules[1], "title": ""}
            ]}),
        )
        .await;
    assert_eq!(s, 200);
    let (s, c) = api
        .post(
            "/api/v1/stakeholders",
            json!({"stakeholder_group": "target_group", "name": "Amina Yusuf", "email": null, "contact_consent": true, "preferred_language": "ar"}),
        )
        .await;
    assert!(s == 201, "{c}");
    let today = mietschulung::time::today_local();
    let (_, survey) = api
        .post("/api/v1/surveys", json!({"title": "Themen", "opens_on": today.to_string(), "closes_on": (today + chrono::Duration::days(5)).to_string(), "audience": ["target_group"], "course_id": course_id}))
        .await;
    let sid = survey["id"].as_i64().unwrap();
    let (s, q) = api
        .post(
            &format!("/api/v1/surveys/{sid}/questions"),
            json!({"kind": "rank", "text": "Ordnen Sie die Themen", "required": true}),
        )
        .await;
    assert_eq!(s, 201, "{q}");
    let (s, e) = api
        .put(&format!("/api/v1/surveys/{sid}/translations/ar"), json!({"title": "المواضيع", "questions": {q["id"].to_string(): {"text": "رتّب المواضيع"}}}))
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
    let form = app.browser().get(&format!("/s/{}?lang=ar", common::logs::secret(&token))).await;
    assert_eq!(form.status, 200, "{}", form.body);
    assert!(form.body.contains("dir=\"rtl\""), "{}", form.body);
    assert!(form.body.contains("<bdi>عقد الإيجار</bdi>"), "{}", form.body);
    assert!(form.body.contains("<bdi>Heizen und Lüften</bdi>"), "untranslated, isolated");
    assert!(!form.body.contains("<bdi>Mietvertrag</bdi>"));

    // Deleting a module takes its translations with it.
    let (s, _) = api
        .send(
            reqwest::Method::DELETE,
            &format!("/api/v1/courses/{course_id}/modules/{}", modules[1]),
            None,
        )
        .await;
    assert!(s == 204 || s == 409, "{s}");
    app.assert_rules_hold();
}

both_backends!(course_and_module_titles_in_participant_languages, titles);
