//! Roles on every route, organisations never see each other, CSRF on every form.

use serde_json::json;

use crate::both_backends;
use crate::common::{self, Backend};

async fn isolation(backend: Backend) {
    let app = common::spawn_app(backend).await;
    let a = app.create_org("org-a");
    let b = app.create_org("org-b");
    app.create_admin("admin@example.org");
    let api_a = app.api_token(&a.coordinator.email).await;
    let api_b = app.api_token(&b.coordinator.email).await;
    let trainer_a = app.api_token(&a.trainer.email).await;
    let (course_a, run_a, modules_a) =
        common::plan_run(&api_a, "MS-A", 5, &[("Mietvertrag", true)]).await;
    let pa = common::register(&api_a, "Anna", "Nowak", None).await;
    api_a.post(&format!("/api/v1/runs/{run_a}/enrollments"), json!({"participant_id": pa})).await;
    let (_, s) = api_a
        .post(&format!("/api/v1/runs/{run_a}/sessions"), json!({"starts_at": "2026-03-03T09:00", "ends_at": "2026-03-03T10:00", "module_ids": modules_a}))
        .await;
    let session_a = s["id"].as_i64().unwrap();

    // Organisation B sees nothing of A.
    assert_eq!(api_b.get(&format!("/api/v1/courses/{course_a}")).await.0, 404);
    assert_eq!(api_b.get(&format!("/api/v1/runs/{run_a}")).await.0, 404);
    assert_eq!(api_b.get(&format!("/api/v1/runs/{run_a}/participants")).await.0, 404);
    assert_eq!(api_b.get("/api/v1/participants").await.1, json!([]));
    assert_eq!(api_b.get("/api/v1/courses").await.1, json!([]));
    assert_eq!(
        api_b
            .post(&format!("/api/v1/runs/{run_a}/enrollments"), json!({"participant_id": pa}))
            .await
            .0,
        404
    );
    let pb = common::register(&api_b, "Bert", "Berg", None).await;
    assert_eq!(
        api_a
            .post(&format!("/api/v1/runs/{run_a}/enrollments"), json!({"participant_id": pb}))
            .await
            .0,
        404
    );
    assert_eq!(
        api_b
            .put(
                &format!("/api/v1/sessions/{session_a}/attendance/{pa}"),
                json!({"status": "present"})
            )
            .await
            .0,
        404,
        "B cannot find A's session"
    );
    let (_, run_b, modules_b) = common::plan_run(&api_b, "MS-B", 5, &[("Mietvertrag", true)]).await;
    assert_eq!(
        api_b.post(&format!("/api/v1/runs/{run_b}/sessions"), json!({"starts_at": "2026-03-03T09:00", "ends_at": "2026-03-03T10:00", "trainer_id": a.trainer.user_id, "module_ids": modules_b})).await.0,
        422,
        "a trainer of another organisation cannot be assigned"
    );
    assert_eq!(
        api_b.post(&format!("/api/v1/runs/{run_b}/sessions"), json!({"starts_at": "2026-03-03T09:00", "ends_at": "2026-03-03T10:00", "module_ids": modules_a})).await.0,
        422,
        "modules of another organisation's course are refused"
    );

    // Trainer: no planning, only their own sessions.
    assert_eq!(trainer_a.get("/api/v1/courses").await.0, 403);
    assert_eq!(trainer_a.post("/api/v1/courses", json!({"code": "X", "title": "X"})).await.0, 403);
    assert_eq!(
        trainer_a.get(&format!("/api/v1/sessions/{session_a}/roster")).await.0,
        403,
        "session not assigned to this trainer"
    );
    assert_eq!(
        trainer_a
            .put(
                &format!("/api/v1/sessions/{session_a}/attendance/{pa}"),
                json!({"status": "present"})
            )
            .await
            .0,
        403
    );
    assert_eq!(app.count("attendance"), 0);

    // No token, bad token.
    let anon = reqwest::Client::new();
    assert_eq!(anon.get(app.url("/api/v1/courses")).send().await.unwrap().status(), 401);
    assert_eq!(
        anon.get(app.url("/api/v1/courses"))
            .bearer_auth("ms_forged")
            .send()
            .await
            .unwrap()
            .status(),
        401
    );

    // Browser: roles per page.
    let admin = app.browser();
    admin.login("admin@example.org").await;
    assert_eq!(admin.get("/courses").await.status, 403);
    assert_eq!(admin.get(&format!("/runs/{run_a}")).await.status, 403);
    let tb = app.browser();
    tb.login(&a.trainer.email).await;
    assert_eq!(tb.get("/admin/organisations").await.status, 403);
    assert_eq!(tb.get("/participants").await.status, 403);
    assert_eq!(tb.get(&format!("/sessions/{session_a}/roster")).await.status, 403);
    let cb = app.browser();
    cb.login(&b.coordinator.email).await;
    assert_eq!(cb.get(&format!("/courses/{course_a}")).await.status, 404);
    assert_eq!(cb.get(&format!("/runs/{run_a}")).await.status, 404);
    assert_eq!(cb.get(&format!("/sessions/{session_a}/roster")).await.status, 404);
    assert_eq!(cb.get("/admin/organisations").await.status, 403);
    let anon = app.browser();
    assert_eq!(anon.get("/courses").await.location.as_deref(), Some("/login"));
    assert_eq!(anon.get("/admin/organisations").await.location.as_deref(), Some("/login"));
}

both_backends!(roles_and_organisations_are_isolated, isolation);

async fn csrf(backend: Backend) {
    let app = common::spawn_app(backend).await;
    let org = app.create_org("csrf");
    let b = app.browser();
    // Login without a token from the form.
    b.get("/login").await;
    let page = b
        .post_form("/login", &[("email", &org.coordinator.email), ("password", common::PASSWORD)])
        .await;
    assert_eq!(page.status, 403);
    b.login(&org.coordinator.email).await;
    let page = b.post_form("/courses", &[("code", "MS-X"), ("title", "Ohne Token")]).await;
    assert_eq!(page.status, 403);
    assert!(page.body.contains("Formular ist abgelaufen"));
    let page = b
        .post_form(
            "/courses",
            &[("csrf_token", "forged"), ("code", "MS-X"), ("title", "Gefälscht")],
        )
        .await;
    assert_eq!(page.status, 403);
    assert_eq!(app.count("courses"), 0);
    // A token from another session does not work either.
    let other = app.browser();
    let foreign = other.get("/login").await.csrf();
    let page = b
        .post_form("/courses", &[("csrf_token", &foreign), ("code", "MS-X"), ("title", "Fremd")])
        .await;
    assert_eq!(page.status, 403);
    let page = b.submit("/courses", "/courses", &[("code", "MS-X"), ("title", "Mit Token")]).await;
    assert_eq!(page.status, 303);
    assert_eq!(app.count("courses"), 1);
    // Wrong password: 401 with the form again, no hint which part was wrong.
    let c = app.browser();
    let page = c
        .submit(
            "/login",
            "/login",
            &[("email", &org.coordinator.email), ("password", "falsch-falsch")],
        )
        .await;
    assert_eq!(page.status, 401);
    assert!(page.body.contains("E-Mail-Adresse oder Passwort ist falsch."));
    let page = c
        .submit(
            "/login",
            "/login",
            &[("email", "niemand@example.org"), ("password", "falsch-falsch")],
        )
        .await;
    assert_eq!(page.status, 401);
}

both_backends!(csrf_is_required_on_every_form, csrf);
