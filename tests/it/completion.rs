//! Completion rules: mandatory modules, a minimum attendance share, and a final test with
//! must-pass questions (missing one fails even with enough points).

use serde_json::json;

use crate::both_backends;
use crate::common::{self, Backend};

async fn rules(backend: Backend) {
    let app = common::spawn_app(backend).await;
    let org = app.create_org("regeln");
    let api = app.api_token(&org.coordinator.email).await;
    let trainer = app.api_token(&org.trainer.email).await;
    let (course_id, run_id, modules) =
        common::plan_run(&api, "MS-R", 10, &[("Mietvertrag", true), ("Energie sparen", false)])
            .await;
    let mut sessions = Vec::new();
    for (day, module) in
        [("03", modules[0]), ("04", modules[1]), ("05", modules[1]), ("06", modules[1])]
    {
        let (_, s) = api
            .post(&format!("/api/v1/runs/{run_id}/sessions"), json!({"starts_at": format!("2026-03-{day}T09:00"), "ends_at": format!("2026-03-{day}T11:00"),
                "trainer_id": org.trainer.user_id, "module_ids": [module]}))
            .await;
        sessions.push(s["id"].as_i64().unwrap());
    }
    // Bad rules are refused with the field named.
    for (body, field) in [
        (json!({"min_attendance_percent": 120}), "min_attendance_percent"),
        (json!({"test_pass_points": 10}), "test_max_points"),
        (json!({"test_max_points": 20, "test_pass_points": 30}), "test_pass_points"),
    ] {
        let (s, e) = api
            .send(reqwest::Method::PUT, &format!("/api/v1/courses/{course_id}/rules"), Some(body))
            .await;
        assert_eq!((s, e["field"].as_str()), (422, Some(field)), "{e}");
    }
    let (s, course) = api
        .send(reqwest::Method::PUT, &format!("/api/v1/courses/{course_id}/rules"),
            Some(json!({"min_attendance_percent": 75, "test_max_points": 20, "test_pass_points": 12, "test_must_pass_questions": 2})))
        .await;
    assert_eq!(s, 200, "{course}");

    let people: Vec<i64> = futures_util::future::join_all(
        ["Anna", "Bert", "Cem", "Dora"].iter().map(|n| common::register(&api, n, "Muster", None)),
    )
    .await;
    for pid in &people {
        api.post(&format!("/api/v1/runs/{run_id}/enrollments"), json!({"participant_id": pid}))
            .await;
    }
    // Anna: all sessions, passes the test. Bert: all sessions, enough points but misses a
    // must-pass question. Cem: 2 of 4 sessions (50 %). Dora: all sessions, no test yet.
    for (i, pid) in people.iter().enumerate() {
        for (k, sid) in sessions.iter().enumerate() {
            let status = if i == 2 && k >= 2 { "absent" } else { "present" };
            let left_early = i == 0 && k == 3;
            let (s, e) = trainer
                .put(
                    &format!("/api/v1/sessions/{sid}/attendance/{pid}"),
                    json!({"status": status, "left_early": left_early}),
                )
                .await;
            assert_eq!(s, 200, "{e}");
        }
    }
    let (s, e) = trainer
        .put(
            &format!("/api/v1/sessions/{}/attendance/{}", sessions[0], people[2]),
            json!({"status": "absent", "left_early": true}),
        )
        .await;
    assert_eq!(s, 422, "leaving early needs presence: {e}");
    for (pid, points, must) in [(people[0], 15, 2), (people[1], 19, 1), (people[2], 20, 2)] {
        let (s, r) = trainer
            .put(
                &format!("/api/v1/sessions/{}/test-results/{pid}", sessions[3]),
                json!({"points": points, "must_pass_correct": must}),
            )
            .await;
        assert_eq!(s, 200, "{r}");
    }
    let (s, e) = trainer
        .put(
            &format!("/api/v1/sessions/{}/test-results/{}", sessions[3], people[3]),
            json!({"points": 21}),
        )
        .await;
    assert_eq!((s, e["field"].as_str()), (422, Some("points")));

    let (_, completion) = api.get(&format!("/api/v1/runs/{run_id}/completion")).await;
    let of = |pid: i64| {
        completion.as_array().unwrap().iter().find(|c| c["participant_id"] == pid).unwrap().clone()
    };
    assert_eq!(of(people[0])["completed"], true, "{}", of(people[0]));
    assert_eq!(of(people[1])["completed"], false);
    assert_eq!(of(people[1])["reasons"], json!(["Abschlusstest nicht bestanden (Pflichtfragen)"]));
    assert_eq!(of(people[2])["attendance_percent"], 50);
    assert_eq!(of(people[2])["reasons"], json!(["Anwesenheit 50 % (mindestens 75 %)"]));
    assert_eq!(of(people[3])["reasons"], json!(["Abschlusstest noch nicht eingetragen"]));
    let (_, summary) = api.post(&format!("/api/v1/runs/{run_id}/certificates"), json!({})).await;
    assert_eq!(summary["issued"].as_array().unwrap().len(), 1);
    assert_eq!(summary["not_completed"], 3);

    // The roster shows early leave and test results; the run page the reasons.
    let (_, roster) = trainer.get(&format!("/api/v1/sessions/{}/roster", sessions[3])).await;
    let anna =
        roster.as_array().unwrap().iter().find(|e| e["participant_id"] == people[0]).unwrap();
    assert_eq!(anna["left_early"], true);
    assert_eq!(anna["test"]["passed"], true);
    let b = app.browser();
    b.login(&org.trainer.email).await;
    let roster_path = format!("/sessions/{}/roster", sessions[3]);
    let page = b.get(&roster_path).await;
    assert!(
        page.body.contains(&common::said("roster.left_early", &[]))
            && page.body.contains(&common::said("roster.failed", &[]))
    );
    let page = b
        .submit(
            &roster_path,
            &format!("/sessions/{}/test-results", sessions[3]),
            &[
                ("participant_id", &people[3].to_string()),
                ("points", "14"),
                ("must_pass_correct", "2"),
            ],
        )
        .await;
    assert_eq!(page.status, 303, "{}", page.body);
    let c = app.browser();
    c.login(&org.coordinator.email).await;
    let page = c.get(&format!("/runs/{run_id}")).await;
    assert!(page.body.contains("Anwesenheit 50 % (mindestens 75 %)"), "{}", page.body);
    let page = c.get(&format!("/courses/{course_id}")).await;
    assert!(page.body.contains("value=\"75\""));
}

both_backends!(completion_follows_the_course_rules_and_the_final_test, rules);
