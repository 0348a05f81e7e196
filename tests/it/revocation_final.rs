//! Every certificate tells the truth: a revocation is final (no batch, page action or API
//! call undoes it; only "neu ausstellen" with a reason does, on the record), issuing for a
//! run reports each participant's outcome and a failure for one leaves the others issued,
//! and a batch whose worker died reads as interrupted and is continued without duplicates.

use serde_json::{json, Value};

use crate::both_backends;
use crate::common::{self, Backend};
use mietschulung::ids::{CertificateBatchId, ParticipantId, RunId};

/// A run with one session on 3 March 2026 and these people enrolled (given, family, email).
async fn run_with(
    api: &common::Api, code: &str, people: &[(&str, &str, Option<&str>)],
) -> (i64, Vec<i64>) {
    let (_, run_id, modules) = common::plan_run(api, code, 10, &[("Mietvertrag", true)]).await;
    let (status, session) = api
        .post(&format!("/api/v1/runs/{run_id}/sessions"), json!({"starts_at": "2026-03-03T09:00", "ends_at": "2026-03-03T10:00", "module_ids": modules}))
        .await;
    assert_eq!(status, 201, "{session}");
    let mut ids = Vec::new();
    for (given, family, email) in people {
        let pid = common::register(api, given, family, *email).await;
        let (s, e) = api
            .post(&format!("/api/v1/runs/{run_id}/enrollments"), json!({"participant_id": pid}))
            .await;
        assert_eq!(s, 201, "{e}");
        ids.push(pid);
    }
    (run_id, ids)
}

/// One number from the database.
fn number(app: &common::TestApp, sql: &'static str) -> i64 {
    #[derive(diesel::QueryableByName)]
    struct N {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    app.db
        .run_blocking(move |conn| {
            use diesel::RunQueryDsl;
            Ok(diesel::sql_query(sql).get_result::<N>(conn)?)
        })
        .expect("a number")
        .n
}

fn valid_certificates(app: &common::TestApp) -> i64 {
    number(app, "SELECT COUNT(*) AS n FROM certificates WHERE status = 'valid'")
}

/// The participant's outcome in a synchronous issuing answer.
fn outcome_of(summary: &Value, pid: i64) -> Value {
    summary["participants"]
        .as_array()
        .and_then(|all| all.iter().find(|o| o["participant_id"] == pid))
        .cloned()
        .unwrap_or_else(|| panic!("no outcome for {pid}: {summary}"))
}

fn violations(
    app: &common::TestApp,
) -> Vec<mietschulung::certificates::models::CertificateViolation> {
    app.db.run_blocking(mietschulung::certificates::service::certificate_violations).expect("check")
}

async fn revocation_is_final(backend: Backend) {
    let app = common::spawn_app(backend).await;
    let org = app.create_org("widerruf");
    let api = app.api_token(&org.coordinator.email).await;
    let (run_id, pids) = run_with(
        &api,
        "MS-W",
        &[("Olena", "Shevchenko", Some("olena@example.org")), ("Amir", "Karimi", None)],
    )
    .await;
    let (olena, amir) = (pids[0], pids[1]);
    common::mark_present(&api, run_id, &pids).await;
    let issue = format!("/api/v1/runs/{run_id}/certificates");
    let (s, summary) = api.post(&issue, json!({})).await;
    assert_eq!(s, 200, "{summary}");
    let first = outcome_of(&summary, olena)["certificate"]["id"].as_i64().expect("issued");
    let (s, revoked) = api
        .post(
            &format!("/api/v1/certificates/{first}/revoke"),
            json!({"reason": "Anwesenheit falsch erfasst"}),
        )
        .await;
    assert_eq!(s, 200, "{revoked}");

    // Invariant: after the revocation, no way of issuing for the run gives Olena a
    // certificate again. The synchronous call says so for her.
    let (s, again) = api.post(&issue, json!({})).await;
    assert_eq!(s, 200, "{again}");
    assert_eq!(outcome_of(&again, olena)["outcome"], "revoked", "{again}");
    assert_eq!(outcome_of(&again, amir)["outcome"], "already_issued", "{again}");
    assert_eq!(
        (again["revoked"].as_i64(), again["issued"].as_array().map(Vec::len)),
        (Some(1), Some(0))
    );
    // The batch through the API.
    let (s, batch) =
        api.post(&format!("/api/v1/runs/{run_id}/certificate-batches"), json!({})).await;
    assert_eq!(s, 202, "{batch}");
    let done = common::wait_for_batch(&api, batch["id"].as_i64().unwrap()).await;
    assert_eq!((done["issued"].as_i64(), done["revoked"].as_i64()), (Some(0), Some(1)), "{done}");
    // The page action "Bescheinigungen ausstellen".
    let b = app.browser();
    b.login(&org.coordinator.email).await;
    let run_path = format!("/runs/{run_id}");
    let started = b.submit(&run_path, &format!("/runs/{run_id}/certificates"), &[]).await;
    assert_eq!(started.status, 303, "{}", started.body);
    let batch_path = started.location.expect("the batch's page");
    let id: i64 = batch_path.rsplit('/').next().and_then(|s| s.parse().ok()).expect("batch id");
    common::wait_for_batch(&api, id).await;
    assert_eq!(number(&app, "SELECT COUNT(*) AS n FROM certificates"), 2, "nothing new issued");
    assert_eq!(valid_certificates(&app), 1);

    // The batch summary and the run page show her as revoked, not as waiting for one.
    let page = b.get(&batch_path).await;
    assert!(page.body.contains("data-test=\"batch-revoked\""), "{}", page.body);
    assert!(page.body.contains("<bdi>Olena Shevchenko</bdi>"), "{}", page.body);
    let run_page = b.get(&run_path).await;
    assert!(run_page.body.contains("data-test=\"certificate-revoked\""), "{}", run_page.body);
    assert!(run_page.body.contains("data-test=\"revoked-count\""), "{}", run_page.body);
    assert!(run_page.body.contains("0 Person(en) haben abgeschlossen"), "{}", run_page.body);
    assert!(run_page.body.contains("data-test=\"batch-revoked\""), "{}", run_page.body);

    // "Neu ausstellen" needs a reason, a revocation and no valid certificate.
    let reissue =
        |pid: i64| format!("/api/v1/runs/{run_id}/participants/{pid}/certificate/reissue");
    let (s, e) = api.post(&reissue(olena), json!({"reason": "  "})).await;
    assert_eq!((s, e["field"].as_str()), (422, Some("reason")), "{e}");
    let (s, e) = api.post(&reissue(amir), json!({"reason": "Versehen"})).await;
    assert_eq!(s, 409, "{e}");
    let (s, new) = api.post(&reissue(olena), json!({"reason": "Anwesenheit belegt"})).await;
    assert_eq!(s, 201, "{new}");
    assert_eq!(new["status"], "valid");
    assert_ne!(new["id"].as_i64(), Some(first));
    let (s, e) = api.post(&reissue(olena), json!({"reason": "noch einmal"})).await;
    assert_eq!(s, 409, "a valid one exists: {e}");
    let (_, list) = api.get(&format!("/api/v1/runs/{run_id}/certificates")).await;
    let old = list.as_array().and_then(|l| l.iter().find(|c| c["id"] == first)).expect("old");
    assert_eq!(old["status"], "revoked", "the revoked one stays revoked");
    assert_eq!(number(&app, "SELECT COUNT(*) AS n FROM certificate_reissues"), 1);
    assert_eq!(
        number(
            &app,
            "SELECT COUNT(*) AS n FROM audit_log WHERE action = 'certificate.reissue_revoked'"
        ),
        1
    );

    // Revoked again, the page's form issues again (with its reason), and a batch still
    // leaves the revoked one alone in between.
    let second = new["id"].as_i64().unwrap();
    api.post(&format!("/api/v1/certificates/{second}/revoke"), json!({"reason": "Fehler"})).await;
    let (_, again) = api.post(&issue, json!({})).await;
    assert_eq!(outcome_of(&again, olena)["outcome"], "revoked", "{again}");
    let action = format!("/runs/{run_id}/participants/{olena}/certificate/reissue");
    assert!(b.get(&run_path).await.body.contains(&format!("action=\"{action}\"")));
    let refused = b.submit(&run_path, &action, &[("reason", "")]).await;
    assert_eq!(refused.status, 422, "{}", refused.body);
    let done = b.submit(&run_path, &action, &[("reason", "Nachweis vorgelegt")]).await;
    assert_eq!(done.status, 303, "{}", done.body);
    assert_eq!(valid_certificates(&app), 2);
    assert_eq!(number(&app, "SELECT COUNT(*) AS n FROM certificate_reissues"), 2);

    // The data check finds nothing; without the records of the reissues it would.
    assert_eq!(violations(&app), vec![]);
    app.db
        .run_blocking(|conn| {
            use diesel::RunQueryDsl;
            diesel::sql_query("DELETE FROM certificate_reissues").execute(conn)?;
            Ok(())
        })
        .expect("records gone");
    // Broken on purpose: `mietschulung check` must (and does) find it.
    app.breaks_rules.set(true);
    let found = violations(&app);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(
        found[0].kind,
        mietschulung::certificates::models::ViolationKind::IssuedAfterRevocation
    );
    assert_eq!(found[0].participant_id, ParticipantId(olena as i32));
}

both_backends!(a_revoked_certificate_is_only_reissued_explicitly, revocation_is_final);

async fn one_failure(backend: Backend) {
    let app = common::spawn_app(backend).await;
    let org = app.create_org("einzeln");
    let api = app.api_token(&org.coordinator.email).await;
    let too_long = "Abdullah Mohammed Abdulrahman Abdulaziz Al-Rashidi-Hashemi-Qahtani";
    let (run_id, pids) = run_with(
        &api,
        "MS-E",
        &[
            ("Olena", "Shevchenko", Some("olena@example.org")),
            (too_long, "Bakr", Some("bakr@example.org")),
            ("Samir", "Haddad", Some("samir@example.org")),
            ("Nadia", "Rahimi", None),
        ],
    )
    .await;
    common::mark_present(&api, run_id, &pids[..3]).await;

    let (s, summary) = api.post(&format!("/api/v1/runs/{run_id}/certificates"), json!({})).await;
    assert_eq!(s, 200, "the answer is the outcomes, not an error: {summary}");
    let outcomes: Vec<&str> = pids
        .iter()
        .map(|p| {
            summary["participants"].as_array().unwrap().iter().find(|o| o["participant_id"] == *p)
        })
        .map(|o| o.and_then(|o| o["outcome"].as_str()).unwrap_or("missing"))
        .collect();
    assert_eq!(outcomes, ["issued", "failed", "issued", "not_completed"], "{summary}");
    let failed = outcome_of(&summary, pids[1]);
    let why =
        common::said("error.certificates.name_too_long", &[("name", &format!("{too_long} Bakr"))]);
    assert_eq!(failed["message"].as_str(), Some(why.as_str()), "{failed}");
    assert!(outcome_of(&summary, pids[3])["message"].as_str().is_some_and(|m| !m.is_empty()));
    assert_eq!((summary["failed"].as_i64(), summary["not_completed"].as_i64()), (Some(1), Some(1)));
    assert_eq!(summary["issued"].as_array().map(Vec::len), Some(2));
    // All or nothing per person: the failed one left no row and no mail behind.
    assert_eq!(number(&app, "SELECT COUNT(*) AS n FROM certificates"), 2);
    assert_eq!(
        number(
            &app,
            "SELECT COUNT(*) AS n FROM mail_outbox WHERE attachment_mime = 'application/pdf'"
        ),
        2
    );
    assert_eq!(violations(&app), vec![]);
}

both_backends!(a_failure_for_one_leaves_the_others_issued, one_failure);

async fn dead_batch(backend: Backend) {
    let app = common::spawn_app(backend).await;
    let org = app.create_org("fortsetzen");
    let api = app.api_token(&org.coordinator.email).await;
    let people = [
        ("Olena", "Shevchenko", Some("olena@example.org")),
        ("Amir", "Karimi", Some("amir@example.org")),
        ("Samir", "Haddad", Some("samir@example.org")),
    ];
    let (run_id, pids) = run_with(&api, "MS-F", &people).await;
    // A batch that died after its first certificate: that one exists, the row still says
    // "running" after the first participant, its heartbeat stopped two minutes ago.
    common::mark_present(&api, run_id, &pids[..1]).await;
    api.post(&format!("/api/v1/runs/{run_id}/certificates"), json!({})).await;
    common::mark_present(&api, run_id, &pids[1..]).await;
    let dead: CertificateBatchId =
        common::dead_batch(&app, &org.coordinator, run_id, 2, Some(ParticipantId(pids[0] as i32)));

    // Read, it is interrupted: the API, its page and the run page say so, nothing says it runs.
    let (_, read) = api.get(&format!("/api/v1/certificate-batches/{dead}")).await;
    assert_eq!(read["state"], "interrupted", "{read}");
    let b = app.browser();
    b.login(&org.coordinator.email).await;
    let batch_path = format!("/certificate-batches/{dead}");
    let page = b.get(&batch_path).await;
    assert!(page.body.contains("data-test=\"batch-interrupted\""), "{}", page.body);
    assert!(!page.body.contains("http-equiv=\"refresh\""), "no progress for a dead batch");
    assert!(!page.body.contains(&common::said("certificates.batch_running", &[])));
    let resume = format!("/certificate-batches/{dead}/resume");
    assert!(page.body.contains(&format!("action=\"{resume}\"")), "{}", page.body);
    let run_page = b.get(&format!("/runs/{run_id}")).await;
    assert!(run_page.body.contains("data-test=\"batch-interrupted\""), "{}", run_page.body);

    // "Fortsetzen" issues the rest in the same batch, nobody twice.
    let resumed = b.submit(&batch_path, &resume, &[]).await;
    assert_eq!((resumed.status, resumed.location.as_deref()), (303, Some(batch_path.as_str())));
    let done = common::wait_for_batch(&api, i64::from(dead.0)).await;
    assert_eq!((done["done"].as_i64(), done["total"].as_i64()), (Some(3), Some(3)), "{done}");
    assert_eq!(
        (done["issued"].as_i64(), done["already_issued"].as_i64()),
        (Some(3), Some(0)),
        "{done}"
    );
    assert_eq!(number(&app, "SELECT COUNT(*) AS n FROM certificates"), 3);
    assert_eq!(
        number(
            &app,
            "SELECT COUNT(*) AS n FROM mail_outbox WHERE attachment_mime = 'application/pdf'"
        ),
        3,
        "one mail each"
    );
    // A finished batch is not continued.
    let (s, e) = api.post(&format!("/api/v1/certificate-batches/{dead}/resume"), json!({})).await;
    assert_eq!(s, 409, "{e}");
    assert_eq!(violations(&app), vec![]);
}

both_backends!(a_dead_batch_reads_interrupted_and_continues_without_duplicates, dead_batch);

async fn resume_api(backend: Backend) {
    let app = common::spawn_app(backend).await;
    let org = app.create_org("weiter");
    let api = app.api_token(&org.coordinator.email).await;
    let (run_id, pids) =
        run_with(&api, "MS-R", &[("Olena", "Shevchenko", None), ("Amir", "Karimi", None)]).await;
    common::mark_present(&api, run_id, &pids).await;
    let (actor, run) = (org.coordinator.clone(), RunId(run_id as i32));
    let dead: CertificateBatchId = app
        .db
        .run_blocking(move |conn| {
            let (batch, _) = mietschulung::certificates::service::start_batch(conn, &actor, run)?;
            use diesel::prelude::*;
            use mietschulung::db::schema::certificate_batches as cb;
            diesel::update(cb::table.find(batch.id))
                .set(
                    cb::heartbeat_at
                        .eq(mietschulung::time::now_utc() - chrono::Duration::seconds(61)),
                )
                .execute(conn)?;
            Ok(batch.id)
        })
        .expect("a dead batch");
    // Starting never joins the dead batch.
    let (s, started) =
        api.post(&format!("/api/v1/runs/{run_id}/certificate-batches"), json!({})).await;
    assert_eq!(s, 202, "{started}");
    assert_ne!(started["id"].as_i64(), Some(i64::from(dead.0)));
    common::wait_for_batch(&api, started["id"].as_i64().unwrap()).await;
    // Continuing the dead one afterwards issues nothing twice.
    let (s, resumed) =
        api.post(&format!("/api/v1/certificate-batches/{dead}/resume"), json!({})).await;
    assert_eq!((s, resumed["id"].as_i64()), (202, Some(i64::from(dead.0))), "{resumed}");
    let done = common::wait_for_batch(&api, i64::from(dead.0)).await;
    assert_eq!(
        (done["issued"].as_i64(), done["already_issued"].as_i64()),
        (Some(0), Some(2)),
        "{done}"
    );
    assert_eq!(number(&app, "SELECT COUNT(*) AS n FROM certificates"), 2);
    let (s, _) = api.post("/api/v1/certificate-batches/999999/resume", json!({})).await;
    assert_eq!(s, 404);
}

both_backends!(resuming_through_the_api_never_issues_twice, resume_api);

async fn not_before_the_session(backend: Backend) {
    let app = common::spawn_app(backend).await;
    let org = app.create_org("vorher");
    let api = app.api_token(&org.coordinator.email).await;
    let (_, run_id, modules) = common::plan_run_between(
        &api,
        "MS-V",
        10,
        &[("Mietvertrag", true)],
        "2027-05-01",
        "2027-06-30",
    )
    .await;
    let (s, session) = api
        .post(&format!("/api/v1/runs/{run_id}/sessions"), json!({"starts_at": "2027-06-01T09:00", "ends_at": "2027-06-01T10:00", "module_ids": modules}))
        .await;
    assert_eq!(s, 201, "{session}");
    let pid = common::register(&api, "Olena", "Shevchenko", None).await;
    api.post(&format!("/api/v1/runs/{run_id}/enrollments"), json!({"participant_id": pid})).await;
    let sid = session["id"].as_i64().expect("session id");
    // Whether or not a mark for a session not yet held is accepted, no certificate may
    // carry a completion date after the day it is issued.
    api.put(&format!("/api/v1/sessions/{sid}/attendance/{pid}"), json!({"status": "present"}))
        .await;
    let (s, summary) = api.post(&format!("/api/v1/runs/{run_id}/certificates"), json!({})).await;
    assert_eq!(s, 200, "{summary}");
    assert_ne!(outcome_of(&summary, pid)["outcome"], "issued", "{summary}");
    assert_eq!(number(&app, "SELECT COUNT(*) AS n FROM certificates"), 0);
}

both_backends!(no_certificate_before_its_completion_date, not_before_the_session);

/// Invariant: "neu ausstellen" clicked twice at once, or by two coordinators, gives one new
/// certificate; another organisation and a trainer get nothing.
async fn reissue_races(backend: Backend) {
    let app = common::spawn_app(backend).await;
    let org = app.create_org("doppelt");
    let other = app.create_org("fremd");
    let api = app.api_token(&org.coordinator.email).await;
    let api_other = app.api_token(&other.coordinator.email).await;
    let trainer = app.api_token(&org.trainer.email).await;
    let (run_id, people) = run_with(&api, "MS-DOP", &[("Olena", "Shevchenko", None)]).await;
    let olena = people[0];
    common::mark_present(&api, run_id, &[olena]).await;
    let (s, summary) = api.post(&format!("/api/v1/runs/{run_id}/certificates"), json!({})).await;
    assert_eq!(s, 200, "{summary}");
    let cert = summary["issued"][0]["id"].as_i64().expect("issued");
    let (s, _) =
        api.post(&format!("/api/v1/certificates/{cert}/revoke"), json!({"reason": "Irrtum"})).await;
    assert_eq!(s, 200);
    let path = format!("/api/v1/runs/{run_id}/participants/{olena}/certificate/reissue");
    assert_eq!(api_other.post(&path, json!({"reason": "fremd"})).await.0, 404);
    assert_eq!(trainer.post(&path, json!({"reason": "Trainer"})).await.0, 403);
    let body = json!({"reason": "Widerruf war ein Irrtum"});
    let answers =
        futures_util::future::join_all((0..3).map(|_| api.post(&path, body.clone()))).await;
    let mut statuses: Vec<u16> = answers.iter().map(|(s, _)| *s).collect();
    statuses.sort();
    assert_eq!(statuses, vec![201, 409, 409], "{answers:?}");
    assert_eq!(valid_certificates(&app), 1);
    assert_eq!(number(&app, "SELECT COUNT(*) AS n FROM certificate_reissues"), 1);
}

both_backends!(a_reissue_clicked_twice_gives_one_certificate, reissue_races);
