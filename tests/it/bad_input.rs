//! Bad input gets a clear 4xx message and changes nothing.

use serde_json::json;

use crate::both_backends;
use crate::common::{self, Backend};

async fn json_api_rejects_bad_input(backend: Backend) {
    let app = common::spawn_app(backend).await;
    let org = app.create_org("gera");
    let api = app.api_token(&org.coordinator.email).await;
    let (_, run_id, modules) = common::plan_run(&api, "MS-BAD", 2, &[("Mietvertrag", true)]).await;
    let courses_before = app.count("courses");

    let cases: Vec<(&str, serde_json::Value, Option<&str>)> = vec![
        ("/api/v1/courses", json!({"code": "", "title": "x"}), Some("code")),
        ("/api/v1/courses", json!({"code": "MS BAD!", "title": "x"}), Some("code")),
        ("/api/v1/courses", json!({"code": "OK1", "title": "   "}), Some("title")),
        ("/api/v1/courses", json!({"code": "OK2", "title": "x".repeat(500)}), Some("title")),
        ("/api/v1/courses", json!({"code": 5}), None),
        ("/api/v1/courses", json!("nonsense"), None),
        (
            "/api/v1/courses/1/runs",
            json!({"start_date": "2026-04-10", "end_date": "2026-04-01", "place": "VHS", "capacity": 5}),
            Some("end_date"),
        ),
        (
            "/api/v1/courses/1/runs",
            json!({"start_date": "10.04.2026", "end_date": "2026-04-11", "place": "VHS", "capacity": 5}),
            None,
        ),
        (
            "/api/v1/courses/1/runs",
            json!({"start_date": "2026-04-10", "end_date": "2026-04-11", "place": "VHS", "capacity": 0}),
            Some("capacity"),
        ),
        (
            "/api/v1/courses/1/runs",
            json!({"start_date": "2026-04-10", "end_date": "2026-04-11", "place": "VHS", "capacity": 5, "interpreter_languages": ["xx"]}),
            Some("interpreter_languages"),
        ),
        (
            "/api/v1/participants",
            json!({"given_name": "A", "family_name": "B", "preferred_language": "ar", "consent": false}),
            Some("consent"),
        ),
        (
            "/api/v1/participants",
            json!({"given_name": "A", "family_name": "B", "preferred_language": "ar", "consent": true, "email": "not-an-email"}),
            Some("email"),
        ),
        (
            "/api/v1/participants",
            json!({"given_name": "A", "family_name": "B", "preferred_language": "ar", "consent": true, "phone": "call me"}),
            Some("phone"),
        ),
        (
            "/api/v1/participants",
            json!({"given_name": "A", "family_name": "B", "preferred_language": "klingon", "consent": true}),
            Some("preferred_language"),
        ),
        (
            "/api/v1/participants",
            json!({"given_name": "A\u{7}", "family_name": "B", "preferred_language": "ar", "consent": true}),
            Some("given_name"),
        ),
        (
            "/api/v1/participants",
            json!({"given_name": "王芳", "family_name": "B", "preferred_language": "ar", "consent": true}),
            Some("given_name"),
        ),
    ];
    for (path, body, field) in cases {
        let path = path
            .replace("/courses/1/", &format!("/courses/{}/", course_of_run(&api, run_id).await));
        let (status, resp) = api.post(&path, body.clone()).await;
        assert!((400..500).contains(&status), "{path} {body} -> {status} {resp}");
        let message =
            resp["message"].as_str().unwrap_or_else(|| panic!("message for {body}: {resp}"));
        assert!(!message.is_empty());
        if let Some(f) = field {
            assert_eq!(resp["field"], f, "{body} -> {resp}");
        }
    }
    let bad_sessions = [
        json!({"starts_at": "2026-03-03T12:00", "ends_at": "2026-03-03T09:00", "module_ids": [modules[0]]}),
        json!({"starts_at": "2026-05-03T09:00", "ends_at": "2026-05-03T12:00", "module_ids": [modules[0]]}),
        json!({"starts_at": "2026-03-03T09:00", "ends_at": "2026-03-03T12:00", "module_ids": [999_999]}),
        json!({"starts_at": "2026-03-03T09:00", "ends_at": "2026-03-03T12:00", "trainer_id": 999_999}),
        json!({"starts_at": "2026-03-29T02:30", "ends_at": "2026-03-29T04:00"}),
    ];
    for body in bad_sessions {
        let (status, resp) =
            api.post(&format!("/api/v1/runs/{run_id}/sessions"), body.clone()).await;
        assert_eq!(status, 422, "{body} -> {resp}");
    }
    assert_eq!(app.count("training_sessions"), 0, "nothing half-saved");
    let (status, _) =
        api.post("/api/v1/runs/999999/enrollments", json!({"participant_id": 1})).await;
    assert_eq!(status, 404);
    let (status, _) = api.get("/api/v1/runs/not-a-number").await;
    assert_eq!(status, 404);
    let resp = api
        .client
        .post(app.url("/api/v1/courses"))
        .bearer_auth(&api.token)
        .header("content-type", "application/json")
        .body("{\"code\": ")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 422);
    let resp = api
        .client
        .post(app.url("/api/v1/courses"))
        .bearer_auth(&api.token)
        .header("content-type", "text/plain")
        .body("code=X")
        .send()
        .await
        .unwrap();
    assert!(resp.status().is_client_error());
    assert_eq!(app.count("courses"), courses_before, "no course was created by bad input");
}

async fn course_of_run(api: &common::Api, run_id: i64) -> i64 {
    let (_, run) = api.get(&format!("/api/v1/runs/{run_id}")).await;
    run["run"]["course_id"].as_i64().unwrap()
}

both_backends!(json_api_answers_bad_input_with_4xx, json_api_rejects_bad_input);

async fn forms_rerender_with_message(backend: Backend) {
    let app = common::spawn_app(backend).await;
    let org = app.create_org("zeitz");
    let b = app.browser();
    b.login(&org.coordinator.email).await;
    let page = b.submit("/courses", "/courses", &[("code", "MS-1"), ("title", "")]).await;
    assert_eq!(page.status, 422);
    // The message is the locale's sentence for the field, whatever its wording.
    assert!(
        page.body.contains(&common::said("error.required", &[("label", "Titel")])),
        "{}",
        page.body
    );
    assert!(page.body.contains("value=\"MS-1\""), "input is kept");
    let page = b.submit("/courses", "/courses", &[("code", "MS-1"), ("title", "Kurs")]).await;
    assert_eq!(page.status, 303);
    let course = page.location.unwrap();
    let page = b
        .submit(
            &course,
            &format!("{course}/runs"),
            &[
                ("start_date", "morgen"),
                ("end_date", "2026-01-01"),
                ("place", "VHS"),
                ("capacity", "10"),
            ],
        )
        .await;
    assert_eq!(page.status, 422);
    assert!(page.body.contains(&common::said("error.date", &[("label", "Erster Tag")])));
    let page = b
        .submit(
            &course,
            &format!("{course}/runs"),
            &[
                ("start_date", "2026-01-01"),
                ("end_date", "2026-01-02"),
                ("place", "VHS"),
                ("capacity", "viele"),
            ],
        )
        .await;
    assert_eq!(page.status, 422);
    assert!(page.body.contains(&common::said("error.integer", &[("label", "Plätze")])));
    let page = b
        .submit(
            &course,
            &format!("{course}/modules"),
            &[("title", "Mietvertrag"), ("duration_minutes", "-5")],
        )
        .await;
    assert_eq!(page.status, 422);
    // The completion rules: the refused values come back as typed, next to the message.
    let page = b
        .submit(
            &course,
            &format!("{course}/rules"),
            &[
                ("min_attendance_percent", "viel"),
                ("test_max_points", "20"),
                ("test_pass_points", "12"),
                ("test_must_pass_questions", "0"),
            ],
        )
        .await;
    assert_eq!(page.status, 422, "{}", page.body);
    assert!(page.body.contains("value=\"viel\"") && page.body.contains("value=\"20\""));
    assert!(page.body.contains("value=\"12\""), "what was typed stays");
    let page = b
        .submit(
            "/participants",
            "/participants",
            &[("given_name", "Lena"), ("family_name", "Roth"), ("preferred_language", "de")],
        )
        .await;
    assert_eq!(page.status, 422);
    assert!(page.body.contains("Einwilligung"));
    assert!(page.body.contains("value=\"Lena\""));
    let page = b
        .submit(
            "/participants",
            "/participants",
            &[
                ("given_name", "Lena"),
                ("family_name", "Roth"),
                ("preferred_language", "de"),
                ("consent", "on"),
                ("consent_date", "2999-01-01"),
            ],
        )
        .await;
    assert_eq!(page.status, 422);
    // A garbled body is refused with a message, not a 500.
    let csrf = b.get("/courses").await.csrf();
    let page = b.post_form("/courses", &[("csrf_token", &csrf), ("code", "%%%")]).await;
    assert!((400..500).contains(&page.status), "{}", page.status);
    assert_eq!(app.count("course_runs"), 0);
    assert_eq!(app.count("participants"), 0);
    assert_eq!(app.count("course_modules"), 0);
    // Unknown pages and ids.
    assert_eq!(b.get("/courses/424242").await.status, 404);
    assert_eq!(b.get("/courses/abc").await.status, 404);
    assert_eq!(b.get("/no/such/page").await.status, 404);
}

both_backends!(forms_answer_bad_input_with_the_form_and_a_message, forms_rerender_with_message);
