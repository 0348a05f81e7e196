//! Attendance describes the past: marks (roster, API, card check-in) only from an hour
//! before a session's start, test results only once it started; a mark carries the
//! revision its client saw, so a delayed older request cannot overwrite a newer mark; a
//! card check-in never turns late or left early into present; completion and reports
//! ignore sessions still to come.

use chrono::{Duration, NaiveDateTime};
use diesel::RunQueryDsl;
use mietschulung::attendance::models::ViolationKind;
use mietschulung::attendance::service::{attendance_violations, marks_open_at};
use mietschulung::ids::{OrgId, RunId};
use serde_json::{json, Value};

use crate::both_backends;
use crate::common::{self, Api, Backend, TestApp};

/// A UTC moment as the API takes it.
fn rfc3339(t: NaiveDateTime) -> String {
    t.format("%Y-%m-%dT%H:%M:00Z").to_string()
}

/// The session's start as the API answered it.
fn starts_at(session: &Value) -> NaiveDateTime {
    chrono::DateTime::parse_from_rfc3339(session["starts_at"].as_str().unwrap())
        .unwrap()
        .naive_utc()
}

struct Setup {
    app: TestApp,
    org: common::Org,
    api: Api,
    trainer: Api,
    run_id: i64,
    /// Started yesterday.
    past: Value,
    /// Starts in three days.
    future: Value,
    /// Starts in half an hour: check-in is open.
    soon: Value,
    people: Vec<i64>,
}

/// A run with a final test from the day before yesterday to ten days ahead, three
/// sessions (past, future, soon) for the org's trainer, and three enrolled people.
async fn setup(backend: Backend, slug: &str) -> Setup {
    let app = common::spawn_app(backend).await;
    let org = app.create_org(slug);
    let api = app.api_token(&org.coordinator.email).await;
    let trainer = app.api_token(&org.trainer.email).await;
    let today = mietschulung::time::today_local();
    let (from, to) =
        ((today - Duration::days(2)).to_string(), (today + Duration::days(10)).to_string());
    let (course_id, run_id, modules) =
        common::plan_run_between(&api, "MS-PAST", 10, &[("Mietvertrag", true)], &from, &to).await;
    let (s, e) = api
        .send(
            reqwest::Method::PUT,
            &format!("/api/v1/courses/{course_id}/rules"),
            Some(json!({"test_max_points": 20, "test_pass_points": 10})),
        )
        .await;
    assert_eq!(s, 200, "{e}");
    let now = mietschulung::time::now_utc();
    let mut made = Vec::new();
    for start in [now - Duration::days(1), now + Duration::days(3), now + Duration::minutes(30)] {
        let (s, session) = api
            .post(
                &format!("/api/v1/runs/{run_id}/sessions"),
                json!({"starts_at": rfc3339(start), "ends_at": rfc3339(start + Duration::hours(2)),
                    "trainer_id": org.trainer.user_id, "module_ids": modules}),
            )
            .await;
        assert_eq!(s, 201, "{session}");
        made.push(session);
    }
    let mut people = Vec::new();
    for name in ["Amal", "Bodo", "Cem"] {
        let pid = common::register(&api, name, "Muster", None).await;
        let (s, e) = api
            .post(&format!("/api/v1/runs/{run_id}/enrollments"), json!({"participant_id": pid}))
            .await;
        assert!(s == 200 || s == 201, "{e}");
        people.push(pid);
    }
    let soon = made.pop().unwrap();
    let future = made.pop().unwrap();
    let past = made.pop().unwrap();
    Setup { app, org, api, trainer, run_id, past, future, soon, people }
}

/// What a refused mark on `session` says: when marks open.
fn not_started(session: &Value) -> String {
    let opens = mietschulung::time::fmt_datetime(marks_open_at(starts_at(session)));
    common::said("error.attendance.not_started", &[("from", &opens)])
}

/// The card code of each enrolled person, by name ("Amal Muster").
fn card_codes(app: &TestApp, org: &common::Org, run_id: i64) -> Vec<(String, String)> {
    let coordinator = org.coordinator.clone();
    let (_, cards) = app
        .db
        .run_blocking(move |conn| {
            mietschulung::attendance::cards::cards_for_run(
                conn,
                &coordinator,
                "http://localhost",
                RunId(run_id as i32),
            )
        })
        .expect("cards");
    cards.into_iter().map(|c| (c.name, c.code)).collect()
}

fn code_of(codes: &[(String, String)], given: &str) -> String {
    codes.iter().find(|(n, _)| n.starts_with(given)).expect("a card").1.clone()
}

async fn future_marks_are_refused(backend: Backend) {
    let Setup { app, org, api, trainer, run_id, future, soon, people, .. } =
        setup(backend, "zukunft").await;
    let (fid, pid) = (future["id"].as_i64().unwrap(), people[0]);
    let refused = not_started(&future);
    // The API.
    for status in ["present", "late", "excused", "absent"] {
        let (s, e) = trainer
            .put(&format!("/api/v1/sessions/{fid}/attendance/{pid}"), json!({"status": status}))
            .await;
        assert_eq!((s, e["message"].as_str()), (422, Some(refused.as_str())), "{status}: {e}");
    }
    let (s, e) = trainer
        .put(
            &format!("/api/v1/sessions/{fid}/attendance/{pid}"),
            json!({"status": "present", "left_early": true, "expected_revision": 0}),
        )
        .await;
    assert_eq!((s, e["message"].as_str()), (422, Some(refused.as_str())), "{e}");
    // The card check-in, through the API and the roster's form.
    let codes = card_codes(&app, &org, run_id);
    let code = code_of(&codes, "Amal");
    let (s, e) =
        trainer.post(&format!("/api/v1/sessions/{fid}/checkin"), json!({"card": code})).await;
    assert_eq!((s, e["message"].as_str()), (422, Some(refused.as_str())), "{e}");
    let b = app.browser();
    b.login(&org.trainer.email).await;
    let roster = format!("/sessions/{fid}/roster");
    let page = b.get(&roster).await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("data-test=\"not-open\""), "{}", page.body);
    assert!(!page.body.contains("class=\"mark-buttons\""), "no buttons before it opens");
    let page = b.submit(&roster, &format!("/sessions/{fid}/checkin"), &[("card", &code)]).await;
    assert_eq!(page.status, 422, "{}", page.body);
    assert!(page.body.contains(&refused), "{}", page.body);
    // The roster's form.
    let pid_text = pid.to_string();
    let form = [("participant_id", pid_text.as_str()), ("status", "present"), ("revision", "0")];
    let page = b.submit(&roster, &format!("/sessions/{fid}/attendance"), &form).await;
    assert_eq!(page.status, 422, "{}", page.body);
    assert!(page.body.contains(&refused), "{}", page.body);
    // A test result, from the future session's roster, by API and form.
    let start = mietschulung::time::fmt_datetime(starts_at(&future));
    let test_refused = common::said("error.attendance.test_not_started", &[("start", &start)]);
    let (s, e) =
        api.put(&format!("/api/v1/sessions/{fid}/test-results/{pid}"), json!({"points": 15})).await;
    assert_eq!((s, e["message"].as_str()), (422, Some(test_refused.as_str())), "{e}");
    let form = [("participant_id", pid_text.as_str()), ("points", "15")];
    let page = b.submit(&roster, &format!("/sessions/{fid}/test-results"), &form).await;
    assert_eq!(page.status, 422, "{}", page.body);
    assert!(page.body.contains(&test_refused), "{}", page.body);
    assert_eq!(
        (app.count("attendance"), app.count("attendance_marks"), app.count("test_results")),
        (0, 0, 0),
        "nothing recorded for a session still to come"
    );

    // Half an hour before its start, a session takes marks and check-ins, not tests.
    let sid = soon["id"].as_i64().unwrap();
    let (s, e) = trainer
        .put(&format!("/api/v1/sessions/{sid}/attendance/{pid}"), json!({"status": "late"}))
        .await;
    assert_eq!((s, e["status"].as_str(), e["revision"].as_i64()), (200, Some("late"), Some(1)));
    let bodo = code_of(&codes, "Bodo");
    let (s, e) =
        trainer.post(&format!("/api/v1/sessions/{sid}/checkin"), json!({"card": bodo})).await;
    assert_eq!((s, e["status"].as_str()), (200, Some("present")), "{e}");
    let roster = format!("/sessions/{sid}/roster");
    let cem = people[2].to_string();
    let form = [("participant_id", cem.as_str()), ("status", "excused"), ("revision", "0")];
    let page = b.submit(&roster, &format!("/sessions/{sid}/attendance"), &form).await;
    assert_eq!(page.status, 303, "{}", page.body);
    let (s, _) =
        api.put(&format!("/api/v1/sessions/{sid}/test-results/{pid}"), json!({"points": 15})).await;
    assert_eq!(s, 422, "a test only once the session started");
    assert_eq!(app.count("attendance"), 3);
    let found = app.db.run_blocking(attendance_violations).unwrap();
    assert!(found.is_empty(), "{found:?}");
}

both_backends!(marks_for_a_session_still_to_come_are_refused, future_marks_are_refused);

async fn stale_requests(backend: Backend) {
    let Setup { app, org, trainer, past, people, .. } = setup(backend, "stand").await;
    let (sid, pid) = (past["id"].as_i64().unwrap(), people[0]);
    let path = format!("/api/v1/sessions/{sid}/attendance/{pid}");
    let history = |app: &TestApp| app.count("attendance_marks");
    let (s, e) = trainer.put(&path, json!({"status": "present", "expected_revision": 0})).await;
    assert_eq!((s, e["revision"].as_i64()), (200, Some(1)), "{e}");
    let (s, e) = trainer.put(&path, json!({"status": "late", "expected_revision": 1})).await;
    assert_eq!((s, e["status"].as_str(), e["revision"].as_i64()), (200, Some("late"), Some(2)));
    // The first request again, delayed: it saw no mark, and there is a newer one now.
    let (s, e) = trainer.put(&path, json!({"status": "absent", "expected_revision": 0})).await;
    assert_eq!(s, 409, "{e}");
    assert_eq!(e["code"], "conflict");
    assert_eq!(e["current"]["status"], "late");
    assert_eq!(e["current"]["revision"], 2);
    assert_eq!(e["current"]["participant_id"], pid);
    assert_eq!(history(&app), 2, "nothing written");
    // The second request again: what it asks is current, so it is harmless.
    let (s, e) = trainer.put(&path, json!({"status": "late", "expected_revision": 1})).await;
    assert_eq!((s, e["revision"].as_i64()), (200, Some(2)), "{e}");
    let (s, _) = trainer.put(&path, json!({"status": "late"})).await;
    assert_eq!(s, 200);
    assert_eq!(history(&app), 2, "a retry adds no history row");
    // A client that sends no revision saw no mark: it cannot overwrite one.
    let (s, e) = trainer.put(&path, json!({"status": "present", "left_early": true})).await;
    assert_eq!((s, e["current"]["revision"].as_i64()), (409, Some(2)), "{e}");
    let (s, e) = trainer
        .put(&path, json!({"status": "present", "left_early": true, "expected_revision": 2}))
        .await;
    assert_eq!((s, e["revision"].as_i64(), e["left_early"].as_bool()), (200, Some(3), Some(true)));
    let (s, e) = trainer.put(&path, json!({"status": "absent", "expected_revision": -1})).await;
    assert_eq!((s, e["field"].as_str()), (422, Some("expected_revision")), "{e}");
    let (s, roster) = trainer.get(&format!("/api/v1/sessions/{sid}/roster")).await;
    assert_eq!(s, 200);
    let entry = roster.as_array().unwrap().iter().find(|e| e["participant_id"] == pid).unwrap();
    assert_eq!((entry["revision"].as_i64(), entry["status"].as_str()), (Some(3), Some("present")));
    let unmarked = roster.as_array().unwrap().iter().find(|e| e["participant_id"] == people[1]);
    assert_eq!(unmarked.unwrap()["revision"], 0);

    // The roster's form: a page shown before the last change posts an older revision.
    let b = app.browser();
    b.login(&org.trainer.email).await;
    let roster = format!("/sessions/{sid}/roster");
    let page = b.get(&roster).await;
    assert!(page.body.contains("name=\"revision\" value=\"3\""), "{}", page.body);
    let pid_text = pid.to_string();
    let stale = [("participant_id", pid_text.as_str()), ("status", "absent"), ("revision", "2")];
    let page = b.submit(&roster, &format!("/sessions/{sid}/attendance"), &stale).await;
    assert_eq!(page.status, 409, "{}", page.body);
    let shown = common::said("attendance.status_left_early", &[("status", "anwesend")]);
    let name = "Muster, Amal";
    let message = common::said("error.attendance.stale", &[("name", name), ("status", &shown)]);
    assert!(page.body.contains(&message), "{}", page.body);
    assert!(page.body.contains("name=\"revision\" value=\"3\""), "the roster shows it as it is");
    assert_eq!(history(&app), 3);
    let missing = [("participant_id", pid_text.as_str()), ("status", "absent")];
    let page = b.submit(&roster, &format!("/sessions/{sid}/attendance"), &missing).await;
    assert_eq!(page.status, 422, "the form must say what it showed");
    let fresh = [("participant_id", pid_text.as_str()), ("status", "absent"), ("revision", "3")];
    let page = b.submit(&roster, &format!("/sessions/{sid}/attendance"), &fresh).await;
    assert_eq!(page.status, 303, "{}", page.body);
    let page = b.submit(&roster, &format!("/sessions/{sid}/attendance"), &fresh).await;
    assert_eq!(page.status, 303, "the same form twice is harmless");
    assert_eq!(history(&app), 4);
    // The history never goes back in time, and holds nothing the check would name.
    let found = app.db.run_blocking(attendance_violations).unwrap();
    assert!(found.is_empty(), "{found:?}");
}

both_backends!(a_stale_revision_conflicts_and_a_retry_is_harmless, stale_requests);

async fn check_in_keeps_marks(backend: Backend) {
    let Setup { app, org, trainer, run_id, past, people, .. } = setup(backend, "karte").await;
    let sid = past["id"].as_i64().unwrap();
    let codes = card_codes(&app, &org, run_id);
    let mark = |pid: i64, body: Value| {
        let trainer = &trainer;
        async move {
            let (s, e) =
                trainer.put(&format!("/api/v1/sessions/{sid}/attendance/{pid}"), body).await;
            assert_eq!(s, 200, "{e}");
        }
    };
    mark(people[0], json!({"status": "late"})).await;
    mark(people[1], json!({"status": "present", "left_early": true})).await;
    mark(people[2], json!({"status": "absent"})).await;
    let before = app.count("attendance_marks");
    for (given, status, left_early) in
        [("Amal", "late", false), ("Bodo", "present", true), ("Cem", "present", false)]
    {
        let card = code_of(&codes, given);
        let (s, e) =
            trainer.post(&format!("/api/v1/sessions/{sid}/checkin"), json!({"card": card})).await;
        assert_eq!(s, 200, "{e}");
        assert_eq!(
            (e["status"].as_str(), e["left_early"].as_bool()),
            (Some(status), Some(left_early))
        );
    }
    assert_eq!(app.count("attendance_marks"), before + 1, "only the absent one changed");

    // The card's page names the current mark; checking in from it keeps "late".
    let today = common::started_today();
    let api = app.api_token(&org.coordinator.email).await;
    let (s, session) = api
        .post(
            &format!("/api/v1/runs/{run_id}/sessions"),
            json!({"starts_at": today.0, "ends_at": today.1, "trainer_id": org.trainer.user_id}),
        )
        .await;
    assert_eq!(s, 201, "{session}");
    let now_id = session["id"].as_i64().unwrap();
    mark_at(&trainer, now_id, people[0], "late").await;
    let b = app.browser();
    b.login(&org.trainer.email).await;
    let card = code_of(&codes, "Amal").replace('-', "");
    let page = b.get(&format!("/K/{card}")).await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("data-test=\"card-mark\""), "{}", page.body);
    assert!(page.body.contains("verspätet"), "{}", page.body);
    let page = b
        .submit(&format!("/K/{card}"), &format!("/sessions/{now_id}/checkin"), &[("card", &card)])
        .await;
    assert_eq!(page.status, 303, "{}", page.body);
    let roster = b.get(page.location.as_deref().unwrap()).await;
    assert!(roster.body.contains("Muster, Amal</bdi> – verspätet"), "{}", roster.body);
}

async fn mark_at(api: &Api, sid: i64, pid: i64, status: &str) {
    let (s, e) = api
        .put(&format!("/api/v1/sessions/{sid}/attendance/{pid}"), json!({"status": status}))
        .await;
    assert_eq!(s, 200, "{e}");
}

both_backends!(card_check_in_keeps_late_and_left_early, check_in_keeps_marks);

async fn future_never_counts(backend: Backend) {
    let Setup { app, org, api, trainer, run_id, past, future, people, .. } =
        setup(backend, "bericht-zukunft").await;
    let (sid, fid, pid) = (past["id"].as_i64().unwrap(), future["id"].as_i64().unwrap(), people[0]);
    mark_at(&trainer, sid, pid, "absent").await;
    // A mark on the future session, as data from before this rule may hold one.
    let org_id = org.id;
    let marked_at = mietschulung::time::now_utc().format("%Y-%m-%d %H:%M:%S").to_string();
    let user = org.trainer.user_id.0;
    app.db
        .run_blocking(move |conn| {
            let sql = format!(
                "INSERT INTO attendance (organisation_id, session_id, participant_id, status, \
                 marked_by, marked_at, left_early, revision) \
                 VALUES ({org_id}, {fid}, {pid}, 'present', {user}, '{marked_at}', FALSE, 1)"
            );
            Ok(diesel::sql_query(sql).execute(conn)?)
        })
        .unwrap();
    let (s, completion) = api.get(&format!("/api/v1/runs/{run_id}/completion")).await;
    assert_eq!(s, 200);
    let amal = completion.as_array().unwrap().iter().find(|c| c["participant_id"] == pid).unwrap();
    assert_eq!(amal["sessions_attended"], 0, "{amal}");
    assert_eq!(amal["completed"], false);
    let (_, report) = api.get(&format!("/api/v1/runs/{run_id}/report")).await;
    let row = report["rows"].as_array().unwrap().iter().find(|r| r["participant_id"] == pid);
    let marks = row.unwrap()["marks"].as_array().unwrap().clone();
    assert!(!marks.iter().any(|m| m == "anwesend"), "{marks:?}");
    let (_, figures) = api.get("/api/v1/reports/organisation").await;
    assert_eq!(
        (figures["marks"].as_i64(), figures["attendance_percent"].as_i64()),
        (Some(1), Some(0))
    );
    // The check names it.
    let found = app.db.run_blocking(attendance_violations).unwrap();
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(
        (found[0].organisation_id, found[0].session_id.0 as i64, found[0].what),
        (OrgId(org_id), fid, ViolationKind::MarkBeforeStart)
    );
    let said = found[0].text().render("de");
    assert!(said.contains(&fid.to_string()) && said.contains(&pid.to_string()), "{said}");
    // Without the planted mark, the rules hold again.
    app.db
        .run_blocking(move |conn| {
            let sql = format!("DELETE FROM attendance WHERE session_id = {fid}");
            Ok(diesel::sql_query(sql).execute(conn)?)
        })
        .unwrap();
    assert!(app.db.run_blocking(attendance_violations).unwrap().is_empty());
}

both_backends!(completion_and_reports_ignore_sessions_still_to_come, future_never_counts);

const REVISIONS: &str = "2026-11-30-000016";

fn exec(db: &mietschulung::db::Db, sql: &str) {
    db.run_blocking(|conn| Ok(diesel::sql_query(sql).execute(conn)?))
        .unwrap_or_else(|e| panic!("{sql}: {e:?}"));
}

/// A mark's revision after the migration: how many history rows it had (at least 1).
async fn revisions_migrate(backend: Backend) {
    let (db, _keep) = match backend {
        Backend::Sqlite => {
            let dir = tempfile::tempdir().expect("tempdir");
            let url = dir.path().join("m.sqlite").to_string_lossy().into_owned();
            let db = mietschulung::db::Db::connect(&url, 2, true).expect("connect");
            (db, Box::new(dir) as Box<dyn std::any::Any>)
        }
        Backend::Postgres => {
            let (url, pg) = common::pg_database();
            (mietschulung::db::Db::connect(&url, 2, true).expect("connect"), Box::new(pg) as _)
        }
    };
    db.migrate_before(REVISIONS).expect("migrate to the one before");
    let at = "'2026-03-03 10:00:00'";
    for sql in [
        format!("INSERT INTO organisations (id, slug, name, issuer_name, signatory_name, signatory_title, created_at) VALUES (1, 'alt', 'Alt', 'Alt', 'A', 'B', {at})"),
        format!("INSERT INTO users (id, organisation_id, email, display_name, password_hash, role, created_at) VALUES (1, 1, 't@alt.example.org', 'Tarek', 'x', 'trainer', {at})"),
        format!("INSERT INTO courses (id, organisation_id, code, title, description, created_at) VALUES (1, 1, 'MS', 'Mietschulung', '', {at})"),
        format!("INSERT INTO course_runs (id, organisation_id, course_id, start_date, end_date, place, capacity, created_at) VALUES (1, 1, 1, '2026-03-01', '2026-03-31', 'VHS', 10, {at})"),
        format!("INSERT INTO training_sessions (id, organisation_id, run_id, starts_at, ends_at, cancelled, created_at) VALUES (1, 1, 1, '2026-03-03 09:00:00', '2026-03-03 11:00:00', FALSE, {at})"),
        format!("INSERT INTO participants (id, organisation_id, given_name, family_name, preferred_language, consent_date, created_at) VALUES (1, 1, 'Amal', 'Muster', 'ar', '2026-03-01', {at}), (2, 1, 'Bodo', 'Muster', 'de', '2026-03-01', {at})"),
        format!("INSERT INTO attendance (organisation_id, session_id, participant_id, status, marked_by, marked_at) VALUES (1, 1, 1, 'late', 1, {at}), (1, 1, 2, 'present', 1, {at})"),
        format!("INSERT INTO attendance_marks (organisation_id, session_id, participant_id, status, marked_by, marked_at) VALUES (1, 1, 1, 'absent', 1, {at}), (1, 1, 1, 'present', 1, {at}), (1, 1, 1, 'late', 1, {at})"),
    ] {
        exec(&db, &sql);
    }
    db.migrate().expect("migrate up");
    let revision = |pid: i32| {
        db.run_blocking(move |conn| {
            mietschulung::attendance::repo::current_mark(
                conn,
                mietschulung::ids::SessionId(1),
                mietschulung::ids::ParticipantId(pid),
            )
        })
        .expect("read back")
        .map(|(m, _)| m.revision)
    };
    assert_eq!((revision(1), revision(2)), (Some(3), Some(1)));
    loop {
        let reverted = db.revert_last().expect("revert");
        if reverted.chars().filter(char::is_ascii_digit).collect::<String>()
            == REVISIONS.chars().filter(char::is_ascii_digit).collect::<String>()
        {
            break;
        }
    }
    db.migrate().expect("up again after down");
}

both_backends!(existing_marks_get_the_revision_their_history_counts, revisions_migrate);
