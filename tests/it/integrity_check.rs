//! `mietschulung check`, as an operator runs it beside the service: it finds nothing on
//! data the service wrote, names a rule broken by hand in the database, and exits 1.

use std::process::Command;

use serde_json::json;

use crate::both_backends;
use crate::common::{self, Backend, TestApp};

fn check(app: &TestApp) -> (i32, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_mietschulung"))
        .env_remove("MIETSCHULUNG_CONFIG")
        .env("MIETSCHULUNG_DATA_DIR", app.data_dir.path())
        .env("DATABASE_URL", &app.settings.database_url)
        .env("RUST_LOG", "warn")
        .arg("check")
        .output()
        .expect("run mietschulung check");
    (out.status.code().unwrap_or(-1), String::from_utf8_lossy(&out.stdout).into_owned())
}

async fn check_command(backend: Backend) {
    let app = common::spawn_app(backend).await;
    let org = app.create_org("pruefung");
    let api = app.api_token(&org.coordinator.email).await;
    let (_, run, modules) = common::plan_run(&api, "MS-CHK", 5, &[("Mietvertrag", true)]).await;
    let (s, session) = api
        .post(
            &format!("/api/v1/runs/{run}/sessions"),
            json!({"starts_at": "2026-03-03T09:00", "ends_at": "2026-03-03T12:00", "module_ids": modules}),
        )
        .await;
    assert_eq!(s, 201, "{session}");
    let session = session["id"].as_i64().unwrap();
    let amal = common::register(&api, "Amal", "Yousef", None).await;
    api.post(&format!("/api/v1/runs/{run}/enrollments"), json!({"participant_id": amal})).await;
    let (s, mark) = api
        .put(&format!("/api/v1/sessions/{session}/attendance/{amal}"), json!({"status": "present"}))
        .await;
    assert_eq!(s, 200, "{mark}");
    let (s, summary) = api.post(&format!("/api/v1/runs/{run}/certificates"), json!({})).await;
    assert_eq!((s, summary["issued"].as_array().map(Vec::len)), (200, Some(1)), "{summary}");

    let (code, out) = check(&app);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains(&common::said("check.none", &[])), "{out}");

    // By hand in the database, the session moves to next year: the mark and the
    // certificate now claim attendance at a session still to come.
    app.breaks_rules.set(true);
    app.db
        .run_blocking(|conn| {
            use diesel::prelude::*;
            use mietschulung::db::schema::training_sessions as ts;
            let row = ts::table.filter(ts::id.eq(session as i32));
            let (starts, ends): (chrono::NaiveDateTime, chrono::NaiveDateTime) =
                row.select((ts::starts_at, ts::ends_at)).first(conn)?;
            let year = chrono::Duration::days(365);
            diesel::update(row)
                .set((ts::starts_at.eq(starts + year), ts::ends_at.eq(ends + year)))
                .execute(conn)?;
            Ok(())
        })
        .expect("hand edit");
    let (code, out) = check(&app);
    assert_eq!(code, 1, "{out}");
    let (session, amal) = (session.to_string(), amal.to_string());
    let named = common::said(
        "check.attendance.mark_before_start",
        &[("session", &session), ("participant", &amal)],
    );
    assert!(out.contains(&named), "{out}");
    assert!(out.contains("[org "), "each violation names its organisation: {out}");
}

both_backends!(check_finds_nothing_then_names_a_hand_edit, check_command);

/// Replicas starting at the same moment on one empty database and one shared data
/// directory (keys, session key) all start: migrations run once, and the keys made at
/// start-up leave nothing for `check` to find.
async fn replicas_start_together(backend: Backend) {
    let data_dir = tempfile::tempdir().expect("tempdir");
    let (url, _pg) = match backend {
        Backend::Sqlite => (None, None),
        Backend::Postgres => {
            let (url, db) = common::pg_database();
            (Some(url), Some(db))
        }
    };
    let settings =
        mietschulung::config::Settings::with_data_dir(data_dir.path().to_path_buf(), url, None)
            .expect("settings");
    let starts: Vec<_> = (0..4)
        .map(|_| {
            let settings = settings.clone();
            std::thread::spawn(move || {
                let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("port");
                actix_web::rt::System::new().block_on(async move {
                    mietschulung::startup::Application::build_with_listener(
                        settings,
                        listener,
                        Some(1),
                    )
                    .await
                    .map(drop)
                    .map_err(|e| format!("{e:#}"))
                })
            })
        })
        .collect();
    for start in starts {
        start.join().expect("thread").expect("every replica starts");
    }
    let db = mietschulung::db::Db::connect(&settings.database_url, 1, true).expect("connect");
    let keys_dir = settings.keys_dir.clone();
    let found = db
        .run_blocking(move |conn| mietschulung::integrity::check(conn, &keys_dir))
        .expect("check");
    let found: Vec<String> = found.iter().map(|v| v.describe()).collect();
    assert!(found.is_empty(), "{found:#?}");
    let ring = mietschulung::certificates::keys::KeyRing::new(settings.keys_dir.clone());
    let problems = db.run_blocking(|conn| ring.problems(conn)).expect("problems");
    assert!(problems.is_empty(), "{problems:?}");
}

both_backends!(replicas_starting_together_all_start_with_sound_keys, replicas_start_together);

/// What a certificate rests on cannot be taken away behind its back: a session with marks
/// does not move to after them, an attended one is not cancelled, and a valid
/// certificate's attendance is not corrected away until the certificate is revoked.
async fn guards(backend: Backend) {
    let app = common::spawn_app(backend).await;
    let org = app.create_org("grundlage");
    let api = app.api_token(&org.coordinator.email).await;
    let today = mietschulung::time::today_local();
    let (from, to) = (today.to_string(), (today + chrono::Duration::days(7)).to_string());
    let (_, run, modules) =
        common::plan_run_between(&api, "MS-GRD", 5, &[("Mietvertrag", true)], &from, &to).await;
    let body = |starts: &str, ends: &str| json!({"starts_at": starts, "ends_at": ends, "module_ids": modules});
    let (started, ends) = common::started_today();
    let (s, session) =
        api.post(&format!("/api/v1/runs/{run}/sessions"), body(&started, &ends)).await;
    assert_eq!(s, 201, "{session}");
    let session = session["id"].as_i64().unwrap();
    let amal = common::register(&api, "Amal", "Yousef", None).await;
    api.post(&format!("/api/v1/runs/{run}/enrollments"), json!({"participant_id": amal})).await;
    common::mark_present(&api, run, &[amal]).await;

    // Two days later, the mark of today would precede the session.
    let later = (today + chrono::Duration::days(2)).to_string();
    let (s, e) = api
        .put(
            &format!("/api/v1/sessions/{session}"),
            body(&format!("{later}T09:00"), &format!("{later}T12:00")),
        )
        .await;
    assert_eq!(s, 409, "{e}");
    assert_eq!(e["message"], common::said("error.planning.marked_session_later", &[]));
    let (s, e) = api.put(&format!("/api/v1/sessions/{session}"), body(&started, &ends)).await;
    assert_eq!(s, 200, "other changes keep the marks in the past: {e}");
    let (s, e) = api.post(&format!("/api/v1/sessions/{session}/cancel"), json!({})).await;
    assert_eq!(s, 409, "{e}");

    let (s, summary) = api.post(&format!("/api/v1/runs/{run}/certificates"), json!({})).await;
    assert_eq!((s, summary["issued"].as_array().map(Vec::len)), (200, Some(1)), "{summary}");
    let mark = format!("/api/v1/sessions/{session}/attendance/{amal}");
    let (s, e) = api.put(&mark, json!({"status": "absent", "expected_revision": 1})).await;
    assert_eq!(s, 409, "{e}");
    assert_eq!(e["message"], common::said("error.attendance.certificate_rests_on_it", &[]));
    let (s, e) = api.put(&mark, json!({"status": "late", "expected_revision": 1})).await;
    assert_eq!(s, 200, "a correction that keeps the attendance is fine: {e}");
    let (_, certs) = api.get(&format!("/api/v1/runs/{run}/certificates")).await;
    let cert = certs[0]["id"].as_i64().expect("certificate");
    let (s, _) =
        api.post(&format!("/api/v1/certificates/{cert}/revoke"), json!({"reason": "Irrtum"})).await;
    assert_eq!(s, 200);
    let (s, e) = api.put(&mark, json!({"status": "absent", "expected_revision": 2})).await;
    assert_eq!(s, 200, "once revoked, the record can be corrected: {e}");
}

both_backends!(what_a_certificate_rests_on_stays, guards);
