//! The audit log can be read: an attendance correction shows what it was before and after
//! on the page, in the CSV and in the API; the filters narrow; a coordinator never sees
//! another organisation's entries, a trainer is refused, an admin sees every organisation;
//! logins (also failed ones, without the address typed) and downloads of the log are in it.

use serde_json::{json, Value};

use crate::both_backends;
use crate::common::{self, Backend};

/// A run with a session on 3 March 2026 and one enrolled participant: (session, participant).
async fn marked_once(api: &common::Api, code: &str) -> (i64, i64) {
    let (_, run_id, modules) = common::plan_run(api, code, 5, &[("Mietvertrag", true)]).await;
    let (s, session) = api
        .post(&format!("/api/v1/runs/{run_id}/sessions"), json!({"starts_at": "2026-03-03T09:00", "ends_at": "2026-03-03T10:00", "module_ids": modules}))
        .await;
    assert_eq!(s, 201, "{session}");
    let sid = session["id"].as_i64().unwrap();
    let pid = common::register(api, "Olena", "Shevchenko", None).await;
    let (s, e) = api
        .post(&format!("/api/v1/runs/{run_id}/enrollments"), json!({"participant_id": pid}))
        .await;
    assert_eq!(s, 201, "{e}");
    let (s, m) = api
        .put(&format!("/api/v1/sessions/{sid}/attendance/{pid}"), json!({"status": "absent"}))
        .await;
    assert_eq!(s, 200, "{m}");
    (sid, pid)
}

fn entries(list: &Value) -> &Vec<Value> {
    list["entries"].as_array().unwrap_or_else(|| panic!("no entries: {list}"))
}

async fn audit_log(backend: Backend) {
    let app = common::spawn_app(backend).await;
    let a = app.create_org("protokoll-a");
    let b = app.create_org("protokoll-b");
    let admin = app.create_admin("admin@protokoll.example.org");
    let api = app.api_token(&a.coordinator.email).await;
    let (sid, pid) = marked_once(&api, "MS-PA").await;
    // The correction, as a phone sends it: with the revision it saw.
    let (s, m) = api
        .put(
            &format!("/api/v1/sessions/{sid}/attendance/{pid}"),
            json!({"status": "present", "expected_revision": 1}),
        )
        .await;
    assert_eq!(s, 200, "{m}");
    let api_b = app.api_token(&b.coordinator.email).await;
    let (_, pid_b) = marked_once(&api_b, "MS-PB").await;

    // API: the correction with before and after, about the person, in the session.
    let (s, list) = api.get("/api/v1/audit?action=attendance").await;
    assert_eq!(s, 200, "{list}");
    let marks = entries(&list);
    assert_eq!(marks.len(), 2, "{list}");
    let correction = &marks[0];
    assert_eq!(correction["action"], "attendance.correct");
    assert_eq!(correction["detail"], "absent→present; revision 1→2");
    assert_eq!(correction["participant_id"], pid);
    assert_eq!(
        (correction["entity"].as_str(), correction["entity_id"].as_i64()),
        (Some("training_session"), Some(sid))
    );
    assert_eq!(correction["actor_user_id"], a.coordinator.user_id.0);
    assert_eq!(correction["description"], common::said("audit.action.attendance.correct", &[]));
    assert_eq!(marks[1]["detail"], "→absent; revision 0→1");

    // Filters: the person (enrolment, creation, marks), nobody else; days; the actor.
    let (_, about) = api.get(&format!("/api/v1/audit?participant={pid}")).await;
    let actions: Vec<&str> =
        entries(&about).iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert_eq!(
        actions,
        ["attendance.correct", "attendance.mark", "enrollment.create", "participant.create"],
        "{about}"
    );
    let today = mietschulung::time::today_local();
    let (_, on_day) =
        api.get(&format!("/api/v1/audit?from={today}&to={today}&action=attendance.correct")).await;
    assert_eq!(entries(&on_day).len(), 1, "{on_day}");
    let (_, long_ago) = api.get("/api/v1/audit?to=2020-01-01").await;
    assert!(entries(&long_ago).is_empty(), "{long_ago}");
    let (_, by_trainer) = api.get(&format!("/api/v1/audit?actor={}", a.trainer.user_id)).await;
    assert!(entries(&by_trainer).is_empty(), "{by_trainer}");
    for (query, field) in [
        ("from=gestern", "from"),
        ("from=2026-12-02&to=2026-12-01", "to"),
        ("action=x%27%20OR%201=1", "action"),
        ("page=0", "page"),
    ] {
        let (s, e) = api.get(&format!("/api/v1/audit?{query}")).await;
        assert_eq!((s, e["field"].as_str()), (422, Some(field)), "{query}: {e}");
    }

    // Another organisation's entries never appear, whatever the filter names.
    let (_, all_a) = api.get("/api/v1/audit").await;
    assert!(entries(&all_a).iter().all(|e| e["organisation_id"] == a.id), "{all_a}");
    let (_, b_person) = api.get(&format!("/api/v1/audit?participant={pid_b}")).await;
    assert!(entries(&b_person).is_empty(), "{b_person}");
    let (_, b_only) = api.get(&format!("/api/v1/audit?organisation={}", b.id)).await;
    assert!(entries(&b_only).iter().all(|e| e["organisation_id"] == a.id), "{b_only}");

    // A trainer is refused; an admin sees both organisations and can narrow to one.
    let trainer = app.api_token(&a.trainer.email).await;
    let (s, _) = trainer.get("/api/v1/audit").await;
    assert_eq!(s, 403);
    let admin_api = app.api_token(&admin.email).await;
    let (s, everything) = admin_api.get("/api/v1/audit?action=attendance").await;
    assert_eq!(s, 200, "{everything}");
    let orgs: std::collections::BTreeSet<i64> =
        entries(&everything).iter().map(|e| e["organisation_id"].as_i64().unwrap()).collect();
    assert_eq!(orgs, [i64::from(a.id), i64::from(b.id)].into(), "{everything}");
    let (_, just_b) =
        admin_api.get(&format!("/api/v1/audit?organisation={}&action=attendance", b.id)).await;
    assert!(
        !entries(&just_b).is_empty()
            && entries(&just_b).iter().all(|e| e["organisation_id"] == b.id)
    );
    let (s, _) = admin_api.get("/api/v1/audit?organisation=99999").await;
    assert_eq!(s, 404);

    // The page: a failed login is there (by account id, without what was typed), the
    // correction shows before and after, and the CSV holds it with formulas neutralised.
    let browser = app.browser();
    let failed = browser
        .submit(
            "/login",
            "/login",
            &[("email", &a.coordinator.email), ("password", "falsch-falsch-falsch")],
        )
        .await;
    assert_eq!(failed.status, 401);
    let sneaky = app
        .db
        .run_blocking(move |conn| {
            let u = mietschulung::auth::service::create_user(
                conn,
                None,
                mietschulung::auth::service::NewUser {
                    organisation_id: Some(mietschulung::ids::OrgId(a.id)),
                    email: "formel@protokoll.example.org".into(),
                    display_name: "=HYPERLINK(\"http://evil\")".into(),
                    password: common::PASSWORD.into(),
                    role: mietschulung::auth::Role::Coordinator,
                },
            )?;
            Ok(u.email)
        })
        .expect("user");
    browser.login(&sneaky).await;
    let page = browser.get("/audit?action=attendance").await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("data-action=\"attendance.correct\""), "{}", page.body);
    assert!(page.body.contains("absent→present; revision 1→2"));
    assert!(page.body.contains("table-stack"), "stacks as cards on phones");
    let logins = browser.get("/audit?action=auth").await.body;
    assert!(logins.contains("data-action=\"auth.login_failed\""), "{logins}");
    assert!(logins.contains("data-action=\"auth.login\""));
    let refused = browser.get("/audit?from=morgen").await;
    assert_eq!(refused.status, 422);
    assert!(refused.body.contains("error-summary") && refused.body.contains("value=\"morgen\""));
    let resp = browser.client.get(app.url("/audit.csv?action=a")).send().await.expect("csv");
    assert_eq!(resp.status(), 200);
    assert!(resp.headers()["content-type"].to_str().unwrap().starts_with("text/csv"));
    let csv = resp.text().await.unwrap();
    assert!(csv.contains("absent→present; revision 1→2"), "{csv}");
    assert!(csv.contains("'=HYPERLINK"), "the actor's name is neutralised: {csv}");
    assert!(!csv.contains(";=HYPERLINK"));

    // Stored: no typed address anywhere in the log, and the download is itself an entry.
    let (_, exports) = api.get("/api/v1/audit?action=audit.export").await;
    assert_eq!(entries(&exports).len(), 1, "{exports}");
    let (_, failures) = api.get("/api/v1/audit?action=auth.login_failed").await;
    assert_eq!(entries(&failures)[0]["entity_id"], a.coordinator.user_id.0);
    assert_eq!(entries(&failures)[0]["actor_user_id"], Value::Null);
    assert_eq!(app.count("audit_log WHERE detail LIKE '%@%'"), 0);
    let trainer_browser = app.browser();
    trainer_browser.login(&a.trainer.email).await;
    assert_eq!(trainer_browser.get("/audit").await.status, 403);
    assert_eq!(trainer_browser.get("/audit.csv").await.status, 403);
}

both_backends!(audit_log_is_readable_filtered_scoped_and_exported, audit_log);
