//! Two replicas on one PostgreSQL database, as a municipality runs them behind a load
//! balancer: two real `serve` processes sharing the database and one data volume (`keys/`,
//! `session.key`, organisation images), each on its own port with all its background
//! workers, one SMTP server for both. The whole path crosses between them:
//!
//! - a browser session made on one replica works on the other; logout on one ends it on
//!   both (sessions are rows, not memory);
//! - parallel enrolments sent half to each replica never overbook the run, and the waiting
//!   list keeps the order in which the run's lock was taken;
//! - a certificate batch started on one replica whose process is killed (`kill -9`) is
//!   finished on the other, and nobody gets two certificates;
//! - restarted together, both replicas' reminder jobs tick at the same moment: each session
//!   reminder, survey reminder and outbox mail reaches the SMTP server exactly once;
//! - the revocation list and the key set read the same from both right after a revocation.
//!
//! PostgreSQL only: SQLite is one instance by design.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::time::{Duration, Instant};

use diesel::RunQueryDsl;
use serde_json::{json, Value};

use super::shutdown::{self, Running};
use crate::common::{self, smtp::SmtpServer, Api, Backend, Browser};

#[derive(diesel::QueryableByName)]
struct N {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    n: i64,
}

#[derive(diesel::QueryableByName)]
struct Id {
    #[diesel(sql_type = diesel::sql_types::Integer)]
    id: i32,
}

/// One number from the shared database.
fn count(db: &mietschulung::db::Db, sql: &str) -> i64 {
    let sql = sql.to_string();
    db.run_blocking(move |conn| Ok(diesel::sql_query(sql).get_result::<N>(conn)?.n)).unwrap()
}

fn ids(db: &mietschulung::db::Db, sql: &str) -> Vec<i32> {
    let sql = sql.to_string();
    db.run_blocking(move |conn| {
        Ok(diesel::sql_query(sql).load::<Id>(conn)?.into_iter().map(|r| r.id).collect())
    })
    .unwrap()
}

#[derive(diesel::QueryableByName, Debug)]
struct Sent {
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Integer>)]
    participant_id: Option<i32>,
    #[diesel(sql_type = diesel::sql_types::Text)]
    message_id: String,
}

/// The outbox rows that match `filter` (all sent by now).
fn outbox_rows(db: &mietschulung::db::Db, filter: &str) -> Vec<Sent> {
    let sql = format!(
        "SELECT participant_id, message_id FROM mail_outbox WHERE status = 'sent' AND {filter}"
    );
    db.run_blocking(move |conn| Ok(diesel::sql_query(sql).load::<Sent>(conn)?)).unwrap()
}

fn execute(db: &mietschulung::db::Db, sql: &str) -> usize {
    let sql = sql.to_string();
    db.run_blocking(move |conn| Ok(diesel::sql_query(sql).execute(conn)?)).unwrap()
}

/// The environment of every replica: the one SMTP server, a quick outbox poll.
fn vars(smtp: &SmtpServer) -> Vec<(&'static str, String)> {
    vec![
        ("MIETSCHULUNG_SMTP_URL", format!("smtp://127.0.0.1:{}", smtp.port)),
        ("MIETSCHULUNG_OUTBOX_POLL_MILLIS", "200".to_string()),
    ]
}

/// Starts two replicas on the same data directory and database at the same moment (as two
/// containers of one deployment would be), and waits until both answer.
async fn start_two(
    data: &Path, url: &Option<String>, vars: &[(&'static str, String)],
) -> ((Running, String), (Running, String)) {
    let (a, b) = std::thread::scope(|s| {
        let a = s.spawn(|| shutdown::serve_with(data, url, vars));
        let b = s.spawn(|| shutdown::serve_with(data, url, vars));
        (a.join().unwrap(), b.join().unwrap())
    });
    let (a, b) =
        ((a.0, format!("http://127.0.0.1:{}", a.1)), (b.0, format!("http://127.0.0.1:{}", b.1)));
    shutdown::wait_for_health(&a.1).await;
    shutdown::wait_for_health(&b.1).await;
    (a, b)
}

async fn token(base: &str, email: &str, password: &str) -> Api {
    let client = reqwest::Client::builder().timeout(Duration::from_secs(30)).build().unwrap();
    let resp = client
        .post(format!("{base}/api/v1/auth/token"))
        .json(&json!({"email": email, "password": password}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200, "token on {base}");
    let body: Value = resp.json().await.unwrap();
    Api { client, base: base.to_string(), token: body["token"].as_str().unwrap().to_string() }
}

/// The same bearer token against the other replica.
fn on(api: &Api, base: &str) -> Api {
    Api { client: api.client.clone(), base: base.to_string(), token: api.token.clone() }
}

/// A CSV of `n` people (letters only in names), with e-mail addresses when `mail`.
fn people_csv(prefix: &str, n: usize, mail: bool) -> String {
    let letter = |i: usize| char::from(b'a' + u8::try_from(i % 26).unwrap());
    let mut csv = String::from("Vorname;Nachname;Sprache;E-Mail;Einwilligung\n");
    for i in 0..n {
        let family = format!("{prefix}{}{}", letter(i / 26).to_ascii_uppercase(), letter(i));
        let email =
            if mail { format!("{}@example.org", family.to_lowercase()) } else { String::new() };
        csv.push_str(&format!("Person;{family};ar;{email};ja\n"));
    }
    csv
}

async fn import(api: &Api, csv: String, run_id: Option<i64>) -> Value {
    let query = run_id.map(|r| format!("&run_id={r}")).unwrap_or_default();
    let resp = api
        .client
        .post(format!("{}/api/v1/participants/import?dry_run=false{query}", api.base))
        .bearer_auth(&api.token)
        .header("content-type", "text/csv")
        .body(csv)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    resp.json().await.unwrap()
}

/// Local `YYYY-MM-DDTHH:MM`, `hours` from now.
fn local_in(hours: i64) -> String {
    let t = mietschulung::time::now_utc() + chrono::Duration::hours(hours);
    mietschulung::time::to_local(t).naive_local().format("%Y-%m-%dT%H:%M").to_string()
}

async fn two_replicas() {
    if !common::postgres_available() {
        return;
    }
    let started = Instant::now();
    let dir = tempfile::tempdir().unwrap();
    // One data directory for both: what two containers mounting the same volume see.
    let data = dir.path().join("data");
    let (url, _pg) = shutdown::database(Backend::Postgres);
    let db = mietschulung::db::Db::connect(url.as_deref().unwrap(), 2, true).unwrap();
    let (email, password) = shutdown::demo_login(&shutdown::demo(&data, &url));
    let smtp = SmtpServer::start_on(0).unwrap();
    let env = vars(&smtp);
    let ((mut a, base_a), (mut b, base_b)) = start_two(&data, &url, &env).await;

    // A browser session made on A is good on B (same session key, sessions are rows); a
    // logout on B ends it on A.
    let client = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap();
    // Cookies do not care about ports: one cookie jar serves both replicas on 127.0.0.1.
    let on_a = Browser { client: client.clone(), base: base_a.clone() };
    let on_b = Browser { client, base: base_b.clone() };
    let login =
        on_a.submit("/login", "/login", &[("email", &email), ("password", &password)]).await;
    assert_eq!(login.status, 303, "{}", login.body);
    assert_eq!(on_b.get("/courses").await.status, 200, "A's session works on B");
    assert_eq!(on_b.submit("/courses", "/logout", &[]).await.status, 303);
    assert_eq!(on_a.get("/courses").await.location.as_deref(), Some("/login"), "ended on A");
    assert_eq!(on_b.get("/courses").await.location.as_deref(), Some("/login"), "ended on B");

    let api_a = token(&base_a, &email, &password).await;
    let api_b = on(&api_a, &base_b);

    // Parallel enrolments, half to each replica, into a run of five places with a session
    // tomorrow (its reminders come later).
    let today = mietschulung::time::today_local();
    let (_, run, modules) = common::plan_run_between(
        &api_a,
        "MS-REPL",
        5,
        &[("Mietvertrag", true)],
        &today.to_string(),
        &(today + chrono::Duration::days(30)).to_string(),
    )
    .await;
    let (s, session) = api_b
        .post(
            &format!("/api/v1/runs/{run}/sessions"),
            json!({"starts_at": local_in(20), "ends_at": local_in(21), "module_ids": modules}),
        )
        .await;
    assert_eq!(s, 201, "{session}");
    let session_id = session["id"].as_i64().unwrap();
    assert_eq!(import(&api_b, people_csv("Wartend", 20, true), None).await["imported"], 20);
    let people =
        ids(&db, "SELECT id FROM participants WHERE family_name LIKE 'Wartend%' ORDER BY id");
    assert_eq!(people.len(), 20);
    let enrolments = people.iter().enumerate().map(|(i, pid)| {
        let api = if i % 2 == 0 { &api_a } else { &api_b };
        let path = format!("/api/v1/runs/{run}/enrollments");
        async move { api.post(&path, json!({"participant_id": pid})).await }
    });
    let answers = futures_util::future::join_all(enrolments).await;
    assert!(answers.iter().all(|(s, _)| *s == 201), "no 500, no refusal: {answers:?}");
    let said = |status: &str| answers.iter().filter(|(_, b)| b["status"] == status).count();
    assert_eq!((said("enrolled"), said("waiting")), (5, 15), "{answers:?}");
    let (_, places) = api_a.get(&format!("/api/v1/runs/{run}/participants")).await;
    assert_eq!(places.as_array().unwrap().len(), 5, "never more enrolled than places");
    let (_, queue) = api_b.get(&format!("/api/v1/runs/{run}/waiting-list")).await;
    let queued: Vec<i32> =
        queue.as_array().unwrap().iter().map(|p| p["id"].as_i64().unwrap() as i32).collect();
    // Ids are drawn while the run's lock is held, so their order is the order in which the
    // replicas got the lock; the waiting list must keep that order.
    let in_order = ids(
        &db,
        &format!("SELECT e.participant_id AS id FROM enrollments e WHERE e.run_id = {run} AND e.status = 'waiting' ORDER BY e.id"),
    );
    assert_eq!(queued, in_order, "the waiting list in the order the places were asked for");
    assert!(
        count(&db, &format!("SELECT CAST(MAX(id) AS BIGINT) AS n FROM enrollments WHERE run_id = {run} AND status = 'enrolled'"))
            < count(&db, &format!("SELECT CAST(MIN(id) AS BIGINT) AS n FROM enrollments WHERE run_id = {run} AND status = 'waiting'")),
        "whoever came first got a place"
    );

    // A survey of three landlords: the invitations go out through both outbox workers.
    let mut landlords = Vec::new();
    for name in ["Karl Brandt", "Petra Hausmann", "Jens Vogel"] {
        let address =
            format!("{}@vermieter.example", name.split(' ').nth(1).unwrap().to_lowercase());
        let (s, c) = api_a
            .post("/api/v1/stakeholders", json!({"stakeholder_group": "landlord", "name": name, "email": address, "contact_consent": true}))
            .await;
        assert_eq!(s, 201, "{c}");
        landlords.push(address);
    }
    let (s, survey) = api_b
        .post(
            "/api/v1/surveys",
            json!({"title": "Mietschulung: Ihre Meinung", "opens_on": today.to_string(),
            "closes_on": (today + chrono::Duration::days(30)).to_string(), "audience": ["landlord"],
            "reminder_max": 1, "reminder_interval_days": 7}),
        )
        .await;
    assert_eq!(s, 201, "{survey}");
    let sid = survey["id"].as_i64().unwrap();
    let (s, q) = api_b
        .post(&format!("/api/v1/surveys/{sid}/questions"), json!({"kind": "single", "text": "Hilft die Schulung?", "required": true, "options": ["ja", "nein"]}))
        .await;
    assert_eq!(s, 201, "{q}");
    let (s, invited) = api_a.post(&format!("/api/v1/surveys/{sid}/invitations"), json!({})).await;
    assert_eq!((s, invited["emailed"].as_i64()), (200, Some(3)), "{invited}");
    common::wait_until("three invitations delivered", Duration::from_secs(30), || {
        let mails = smtp.messages();
        landlords.iter().all(|to| mails.iter().any(|m| m.to[0].contains(to.as_str())))
    })
    .await;

    // A run of 200 who all completed, each marked present on one replica or the other.
    let (_, big_run, big_modules) =
        common::plan_run(&api_a, "MS-STAPEL", 250, &[("Mietvertrag", true)]).await;
    let (s, big_session) = api_a
        .post(
            &format!("/api/v1/runs/{big_run}/sessions"),
            json!({"starts_at": "2026-03-03T09:00", "ends_at": "2026-03-03T10:00", "module_ids": big_modules}),
        )
        .await;
    assert_eq!(s, 201, "{big_session}");
    let big_session = big_session["id"].as_i64().unwrap();
    assert_eq!(
        import(&api_a, people_csv("Stapel", 200, false), Some(big_run)).await["enrolled"],
        200
    );
    let graduates = ids(&db, "SELECT id FROM participants WHERE family_name LIKE 'Stapel%'");
    let marks = graduates.iter().enumerate().map(|(i, pid)| {
        let api = if i % 2 == 0 { &api_a } else { &api_b };
        let path = format!("/api/v1/sessions/{big_session}/attendance/{pid}");
        async move { api.put(&path, json!({"status": "present"})).await.0 }
    });
    let marked = futures_util::future::join_all(marks).await;
    assert!(marked.iter().all(|s| *s == 200), "{marked:?}");

    // The batch starts on A; A dies (SIGKILL: no goodbye) while it issues.
    let (s, batch) =
        api_a.post(&format!("/api/v1/runs/{big_run}/certificate-batches"), json!({})).await;
    assert_eq!(s, 202, "{batch}");
    let batch_id = batch["id"].as_i64().unwrap();
    // The same button pressed on B meanwhile joins A's batch rather than starting a second.
    let (s, again) =
        api_b.post(&format!("/api/v1/runs/{big_run}/certificate-batches"), json!({})).await;
    assert_eq!((s, again["id"].as_i64()), (202, Some(batch_id)), "{again}");
    let at_kill = loop {
        let (_, now) = api_b.get(&format!("/api/v1/certificate-batches/{batch_id}")).await;
        assert_ne!(now["state"], "done", "the batch finished before A could be killed: {now}");
        if now["done"].as_i64().unwrap_or(0) >= 3 {
            a.child.kill().unwrap();
            a.child.wait().unwrap();
            break now;
        }
        actix_web::rt::time::sleep(Duration::from_millis(5)).await;
    };
    let issued_by_a =
        count(&db, &format!("SELECT COUNT(*) AS n FROM certificates WHERE run_id = {big_run}"));
    assert!(issued_by_a < 200, "A was killed mid-batch: {issued_by_a} issued, {at_kill}");
    // The heartbeat's minute, as if it had passed (the test does not wait a real minute):
    // only then does the batch read as interrupted, so a slow live batch is never taken over.
    let (_, still) = api_b.get(&format!("/api/v1/certificate-batches/{batch_id}")).await;
    assert_eq!(still["state"], "running", "a fresh heartbeat reads as alive: {still}");
    execute(
        &db,
        &format!("UPDATE certificate_batches SET heartbeat_at = heartbeat_at - INTERVAL '2 minutes' WHERE id = {batch_id}"),
    );
    let (_, dead) = api_b.get(&format!("/api/v1/certificate-batches/{batch_id}")).await;
    assert_eq!(dead["state"], "interrupted", "{dead}");
    let (s, resumed) =
        api_b.post(&format!("/api/v1/certificate-batches/{batch_id}/resume"), json!({})).await;
    assert_eq!(s, 202, "{resumed}");
    let finished = common::wait_for_batch(&api_b, batch_id).await;
    assert_eq!(finished["done"], 200, "{finished}");
    assert_eq!(
        count(&db, &format!("SELECT COUNT(DISTINCT participant_id) AS n FROM certificates WHERE run_id = {big_run}")),
        200,
        "everyone got one"
    );
    assert_eq!(
        count(&db, &format!("SELECT COUNT(*) AS n FROM certificates WHERE run_id = {big_run}")),
        200,
        "nobody got two"
    );
    b.terminate().await;

    // A week has passed for the survey (its invitations went out eight days ago).
    assert_eq!(
        execute(&db, &format!("UPDATE survey_invitations SET sent_at = sent_at - INTERVAL '8 days', last_sent_at = last_sent_at - INTERVAL '8 days', created_at = created_at - INTERVAL '8 days' WHERE survey_id = {sid}")),
        3
    );

    // Both restarted at once: both reminder jobs tick at start, at the same moment.
    let ((a, base_a), (b, base_b)) = start_two(&data, &url, &env).await;
    let (api_a, api_b) = (on(&api_a, &base_a), on(&api_b, &base_b));
    let reminded =
        format!("SELECT COUNT(*) AS n FROM session_reminders WHERE session_id = {session_id}");
    common::wait_until("the session reminders", Duration::from_secs(20), || {
        count(&db, &reminded) == 5
    })
    .await;
    common::wait_until("the survey reminders", Duration::from_secs(20), || {
        count(&db, &format!("SELECT CAST(SUM(reminders_sent) AS BIGINT) AS n FROM survey_invitations WHERE survey_id = {sid}")) == 3
    })
    .await;
    let queue = || db.run_blocking(mietschulung::mail::service::queue_counts).unwrap();
    common::wait_until("the outbox empty", Duration::from_secs(30), || {
        let q = queue();
        q.pending == 0 && q.failed == 0
    })
    .await;

    // The revocation list and the key set read the same from both, right after a
    // revocation on A: each replica builds them from the database per request.
    let fetch = |base: String, path: &'static str| async move {
        let resp = reqwest::get(format!("{base}{path}")).await.unwrap();
        assert_eq!(resp.status(), 200);
        let cache = resp.headers()["cache-control"].to_str().unwrap().to_string();
        (cache, resp.bytes().await.unwrap().to_vec())
    };
    let (_, jwks_before) = fetch(base_b.clone(), "/.well-known/jwks.json").await;
    let jwks: Value = serde_json::from_slice(&jwks_before).unwrap();
    let keys: BTreeMap<u8, ed25519_dalek::VerifyingKey> = jwks["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| {
            let x =
                data_encoding::BASE64URL_NOPAD.decode(k["x"].as_str().unwrap().as_bytes()).unwrap();
            let kid = k["kid"].as_str().unwrap().parse().unwrap();
            (kid, ed25519_dalek::VerifyingKey::from_bytes(&x.try_into().unwrap()).unwrap())
        })
        .collect();
    let list = |bytes: &[u8]| {
        mietschulung::certificates::revocation::verify(
            bytes,
            |kid| keys.get(&kid).copied(),
            chrono::Utc::now().timestamp(),
        )
        .expect("a valid list signed with a key of the set")
    };
    let before = list(&fetch(base_b.clone(), "/.well-known/revoked").await.1).revoked.len();
    let (_, certs) = api_b.get(&format!("/api/v1/runs/{big_run}/certificates")).await;
    let cert = certs.as_array().unwrap()[0]["id"].as_i64().unwrap();
    let (s, revoked) =
        api_a.post(&format!("/api/v1/certificates/{cert}/revoke"), json!({"reason": "Test"})).await;
    assert_eq!(s, 200, "{revoked}");
    let (cache_a, list_a) = fetch(base_a.clone(), "/.well-known/revoked").await;
    let (cache_b, list_b) = fetch(base_b.clone(), "/.well-known/revoked").await;
    let (list_a, list_b) = (list(&list_a), list(&list_b));
    assert_eq!(list_a.revoked.len(), before + 1, "A lists the revocation at once");
    assert_eq!((&list_a.revoked, &list_a.replaced), (&list_b.revoked, &list_b.replaced), "B too");
    assert_eq!(cache_a, cache_b);
    assert_eq!(cache_a, "public, max-age=60", "what a shared cache may keep (README)");
    let (_, jwks_a) = fetch(base_a.clone(), "/.well-known/jwks.json").await;
    let (_, jwks_b) = fetch(base_b.clone(), "/.well-known/jwks.json").await;
    assert_eq!(jwks_a, jwks_b, "one key set");

    // Time for a would-be second delivery to show up, then count at the SMTP server.
    actix_web::rt::time::sleep(Duration::from_secs(3)).await;
    let mails = smtp.messages();
    let message_ids: Vec<String> =
        mails.iter().map(|m| m.message_id().expect("Message-ID")).collect();
    let distinct: BTreeSet<&String> = message_ids.iter().collect();
    assert_eq!(distinct.len(), message_ids.len(), "no mail went twice");
    assert_eq!(
        mails.len() as i64,
        count(&db, "SELECT COUNT(*) AS n FROM mail_outbox WHERE status = 'sent'"),
        "every sent row reached the server once"
    );
    let at_server = |id: &str| message_ids.iter().filter(|m| m.as_str() == id).count();
    // Session reminders (the only mail with a calendar file): one per enrolled person.
    let enrolled: Vec<i32> =
        places.as_array().unwrap().iter().map(|p| p["id"].as_i64().unwrap() as i32).collect();
    let reminders = outbox_rows(&db, "attachment_name = 'termin.ics'");
    let to: BTreeSet<i32> = reminders.iter().map(|r| r.participant_id.unwrap()).collect();
    assert_eq!(to, enrolled.iter().copied().collect(), "the enrolled, not the waiting list");
    assert_eq!(reminders.len(), 5, "one reminder each: {reminders:?}");
    for r in &reminders {
        assert_eq!(at_server(&r.message_id), 1, "{r:?} delivered once");
    }
    // Survey mails: the invitation and one reminder to each landlord.
    for address in &landlords {
        let rows = outbox_rows(&db, &format!("recipient = '{address}'"));
        assert_eq!(rows.len(), 2, "invitation and one reminder to {address}: {rows:?}");
        for r in &rows {
            assert_eq!(at_server(&r.message_id), 1, "{r:?} delivered once");
        }
    }

    // The stored data keeps every rule; no token reached a log.
    let check = shutdown::bin(&data, &url).arg("check").output().unwrap();
    common::assert_succeeded(&check);
    for replica in [&a, &b] {
        let log = replica.log();
        assert!(!log.contains(&api_a.token), "no token in a log");
        assert!(!log.contains("panicked"), "{log}");
    }
    eprintln!(
        "two replicas: {:.1} s; A killed after issuing {issued_by_a} of 200; {} mails, each once",
        started.elapsed().as_secs_f64(),
        mails.len()
    );
}

#[actix_web::test]
async fn two_replicas_on_one_postgresql_share_sessions_places_mail_and_batches() {
    two_replicas().await;
}
