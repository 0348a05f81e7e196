//! Effects happen once: a slow SMTP server gets each mail once, a resend carries the same
//! Message-ID, failed mail is seen (and sent again) only by its own organisation, and
//! replicas starting together on one empty database migrate it once and all start.

use std::sync::{Arc, Barrier};
use std::time::Duration;

use diesel::RunQueryDsl;
use serde_json::json;

use crate::both_backends;
use crate::common::smtp::{Behaviour, SmtpServer};
use crate::common::{self, Backend, Options, TestApp};
use mietschulung::db::Db;
use mietschulung::ids::OrgId;
use mietschulung::mail::outbox::{self, MailStatus, OutboxMessage};

/// Queues one mail of organisation `org` to `to`, as a use case would.
fn queue(app: &TestApp, org: i32, to: &str) -> i32 {
    let to = to.to_string();
    let ctx = json!({"participant_name": "Mariam Ahmadi", "referrer_name": null,
        "course_title": "Mietführerschein", "place": "VHS", "start": "2.3.2026",
        "end": "31.3.2026", "first_session": null});
    app.db
        .run_blocking(move |conn| {
            outbox::enqueue(
                conn,
                Some(OrgId(org)),
                outbox::About::Nobody,
                &to,
                "waitlist_promoted",
                &ctx,
                None,
            )
        })
        .expect("queued")
}

fn row(app: &TestApp, id: i32) -> OutboxMessage {
    app.db.run_blocking(move |conn| outbox::get(conn, id)).expect("outbox row")
}

async fn wait_for_status(app: &TestApp, id: i32, status: MailStatus, within: Duration) {
    common::wait_until(&format!("outbox row {id} {status:?}"), within, || {
        row(app, id).status == status
    })
    .await;
    // Time for a would-be second delivery to show up.
    actix_web::rt::time::sleep(Duration::from_millis(1500)).await;
}

async fn app_with(backend: Backend, server: &SmtpServer) -> TestApp {
    common::spawn_app_with(backend, Options { smtp_port: Some(server.port), ..Default::default() })
        .await
}

/// Invariant: a server that takes longer than the old 15-second client timeout to accept
/// (RFC 5321 allows 10 minutes after the final ".") receives the mail exactly once, in one
/// attempt, with the Message-ID stored when it was queued.
async fn slow_server(backend: Backend) {
    let behaviour = Behaviour { accept_delay: Duration::from_secs(17), ..Default::default() };
    let server = SmtpServer::start_with(0, behaviour).expect("SMTP server");
    let app = app_with(backend, &server).await;
    let org = app.create_org("langsam");
    let id = queue(&app, org.id, "mariam@example.org");
    wait_for_status(&app, id, MailStatus::Sent, Duration::from_secs(60)).await;
    let sent = row(&app, id);
    assert_eq!(sent.attempts, 1, "accepted at the first attempt");
    let messages = server.messages();
    assert_eq!(messages.len(), 1, "the slow server got the mail once");
    assert_eq!(messages[0].message_id().as_deref(), Some(sent.message_id.as_str()));
}

both_backends!(a_slow_smtp_server_gets_each_mail_once, slow_server);

/// Invariant: when the server has the mail but the worker never learns it (the "250" is
/// lost, as when the worker dies before marking the row sent), the retry carries the same
/// Message-ID, so the two copies are recognisably one mail; the row ends sent.
async fn lost_answer(backend: Backend) {
    let behaviour = Behaviour { lose_answer_for: 1, ..Default::default() };
    let server = SmtpServer::start_with(0, behaviour).expect("SMTP server");
    let app = app_with(backend, &server).await;
    let org = app.create_org("verloren");
    let id = queue(&app, org.id, "mariam@example.org");
    let stored = row(&app, id).message_id;
    assert!(stored.starts_with('<') && stored.ends_with("@127.0.0.1>"), "{stored}");
    wait_for_status(&app, id, MailStatus::Sent, Duration::from_secs(30)).await;
    assert_eq!(row(&app, id).attempts, 2, "one lost answer, one delivery");
    let ids: Vec<Option<String>> = server.messages().iter().map(|m| m.message_id()).collect();
    assert_eq!(ids, vec![Some(stored.clone()), Some(stored)], "same Message-ID both times");
}

both_backends!(a_resend_after_a_lost_answer_keeps_the_message_id, lost_answer);

/// Invariant: failed mail is listed for the coordinators of its organisation only (what,
/// to whom, why); another organisation sees nothing and gets 404 for its id; "erneut
/// senden" (audited) delivers it once with the same Message-ID; a second resend is refused.
async fn failed_mail(backend: Backend) {
    let server = SmtpServer::start_with(0, Behaviour::default()).expect("SMTP server");
    server.refuse_recipients_with(Some("kaputt"));
    let app = app_with(backend, &server).await;
    let (a, b) = (app.create_org("eins"), app.create_org("zwei"));
    let id = queue(&app, a.id, "kaputt@example.org");
    let other = queue(&app, b.id, "gut@example.org");
    // A permanent refusal (550) is final at once: no point asking eleven more times.
    wait_for_status(&app, id, MailStatus::Failed, Duration::from_secs(20)).await;
    wait_for_status(&app, other, MailStatus::Sent, Duration::from_secs(20)).await;
    let message_id = row(&app, id).message_id;

    let ready: serde_json::Value =
        reqwest::get(app.url("/readyz")).await.unwrap().json().await.unwrap();
    assert_eq!(ready["mail"], json!({"pending": 0, "failed": 1}), "{ready}");

    let api_a = app.api_token(&a.coordinator.email).await;
    let (s, list) = api_a.get("/api/v1/mail/failed").await;
    assert_eq!(s, 200, "{list}");
    assert_eq!(list.as_array().map(Vec::len), Some(1), "{list}");
    assert_eq!(list[0]["id"], id);
    assert_eq!(list[0]["recipient"], "kaputt@example.org");
    assert_eq!(list[0]["message_id"], message_id.as_str());
    assert!(list[0]["reason"].as_str().is_some_and(|r| r.contains("550")), "{list}");
    assert!(list[0]["subject"].as_str().is_some_and(|s| s.contains("Platz frei")), "{list}");

    let api_b = app.api_token(&b.coordinator.email).await;
    assert_eq!(api_b.get("/api/v1/mail/failed").await, (200, json!([])));
    let (s, e) = api_b.post(&format!("/api/v1/mail/failed/{id}/resend"), json!({})).await;
    assert_eq!((s, e["code"].as_str()), (404, Some("not_found")), "{e}");
    let trainer = app.api_token(&a.trainer.email).await;
    assert_eq!(trainer.get("/api/v1/mail/failed").await.0, 403);

    let browser_b = app.browser();
    browser_b.login(&b.coordinator.email).await;
    let page = browser_b.get("/mail/failed").await;
    assert!(page.body.contains("data-test=\"no-failed-mail\""), "{}", page.body);
    assert!(!page.body.contains("kaputt@example.org"));
    assert_eq!(
        browser_b.submit("/mail/failed", &format!("/mail/failed/{id}/resend"), &[]).await.status,
        404
    );

    let browser = app.browser();
    browser.login(&a.coordinator.email).await;
    let page = browser.get("/mail/failed").await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains(&format!("data-test=\"failed-mail-{id}\"")), "{}", page.body);
    assert!(page.body.contains("kaputt@example.org") && page.body.contains("550"));
    assert_eq!(server.messages().len(), 1, "only the other organisation's mail so far");

    server.refuse_recipients_with(None);
    let done = browser.submit("/mail/failed", &format!("/mail/failed/{id}/resend"), &[]).await;
    assert_eq!(done.status, 303, "{}", done.body);
    let after = browser.get("/mail/failed").await;
    assert!(after.body.contains(&common::said("done.mail_resent", &[])), "{}", after.body);
    assert!(after.body.contains("data-test=\"no-failed-mail\""));
    wait_for_status(&app, id, MailStatus::Sent, Duration::from_secs(20)).await;
    let delivered: Vec<_> =
        server.messages().into_iter().filter(|m| m.to[0].contains("kaputt")).collect();
    assert_eq!(delivered.len(), 1, "delivered once after the resend");
    assert_eq!(delivered[0].message_id(), Some(message_id));
    let audited =
        app.db.run_blocking(move |c| mietschulung::audit::count_for_entity(c, "mail_outbox", id));
    assert_eq!(audited.unwrap(), 1, "the resend is audited");

    let (s, e) = api_a.post(&format!("/api/v1/mail/failed/{id}/resend"), json!({})).await;
    assert_eq!(
        (s, e["code"].as_str()),
        (409, Some("conflict")),
        "sent mail is not queued again: {e}"
    );
}

both_backends!(failed_mail_is_its_organisations_and_resent_once, failed_mail);

/// A fresh database of `backend` with nothing in it, its URL, and what must outlive it.
fn empty_database(backend: Backend) -> (String, Box<dyn std::any::Any>) {
    match backend {
        Backend::Sqlite => {
            let dir = tempfile::tempdir().expect("tempdir");
            let url = dir.path().join("replicas.sqlite").to_string_lossy().into_owned();
            (url, Box::new(dir))
        }
        Backend::Postgres => {
            let (url, pg) = common::pg_database();
            (url, Box::new(pg))
        }
    }
}

fn migrations_of(backend: Backend) -> usize {
    let dir = match backend {
        Backend::Sqlite => "migrations/sqlite",
        Backend::Postgres => "migrations/postgres",
    };
    std::fs::read_dir(dir).expect("migrations folder").filter(|e| e.is_ok()).count()
}

/// Invariant: N replicas migrating one empty database at the same moment all succeed, the
/// migrations they applied add up to each migration once, and the schema is complete.
async fn replicas(backend: Backend) {
    const REPLICAS: usize = 6;
    let (url, _keep) = empty_database(backend);
    let start = Arc::new(Barrier::new(REPLICAS));
    let threads: Vec<_> = (0..REPLICAS)
        .map(|_| {
            let (url, start) = (url.clone(), start.clone());
            std::thread::spawn(move || {
                let db = Db::connect(&url, 1, true).expect("replica connects");
                start.wait();
                db.migrate().map_err(|e| e.to_string())
            })
        })
        .collect();
    let applied: Vec<usize> = threads
        .into_iter()
        .map(|t| t.join().expect("no panic").expect("every replica's migration succeeds"))
        .collect();
    assert_eq!(applied.iter().sum::<usize>(), migrations_of(backend), "each once: {applied:?}");
    let db = Db::connect(&url, 1, true).expect("connect");
    assert_eq!(db.migrate().expect("migrate again"), 0, "nothing left pending");
    let recorded = db
        .run_blocking(|conn| {
            #[derive(diesel::QueryableByName)]
            struct N {
                #[diesel(sql_type = diesel::sql_types::BigInt)]
                n: i64,
            }
            let sql = "SELECT COUNT(*) AS n FROM __diesel_schema_migrations";
            Ok(diesel::sql_query(sql).get_result::<N>(conn)?.n)
        })
        .expect("migrations table");
    assert_eq!(recorded as usize, migrations_of(backend));
    // The newest columns are there and the app's own queries read them.
    assert!(db.run_blocking(outbox::all).expect("outbox readable").is_empty());
}

both_backends!(replicas_starting_together_migrate_once_and_all_start, replicas);

/// Invariant: mail queued before Message-IDs were stored gets one each in the migration,
/// and so does a row written afterwards by other means than the app; all different, in the
/// header's `<…@…>` form.
async fn old_rows(backend: Backend) {
    let (url, _keep) = empty_database(backend);
    let db = Db::connect(&url, 1, true).expect("connect");
    db.migrate_before("2026-11-30-000019").expect("migrate to before");
    let insert = |db: &Db, recipients: &[&str]| {
        for to in recipients {
            let sql = format!(
                "INSERT INTO mail_outbox (recipient, subject, body_text, body_html, status, \
                 attempts, next_attempt_at, created_at) VALUES ('{to}', 'S', 'T', 'H', \
                 'failed', 3, '2026-01-05 10:00:00', '2026-01-05 10:00:00')"
            );
            db.run_blocking(|conn| Ok(diesel::sql_query(sql).execute(conn)?)).expect("row");
        }
    };
    insert(&db, &["a@example.org", "b@example.org", "c@example.org"]);
    db.migrate().expect("migrate");
    insert(&db, &["d@example.org", "e@example.org"]);
    let ids: std::collections::BTreeSet<String> =
        db.run_blocking(outbox::all).expect("rows").into_iter().map(|m| m.message_id).collect();
    assert_eq!(ids.len(), 5, "{ids:?}");
    assert!(ids.iter().all(|i| i.starts_with('<') && i.ends_with('>') && i.contains('@')));
}

both_backends!(mail_queued_before_gets_a_message_id_each, old_rows);
