//! Retention and erasure: the job erases exactly what is due, once across replicas and
//! harmlessly twice; an erased participant's certificates stay verifiable (check page,
//! typed code, `mietschulung verify`) while no byte of the name stays in the database
//! (the SQLite file and its write-ahead log, or every PostgreSQL row cast to text).

use std::process::Command;

use chrono::{Duration, NaiveDate};
use diesel::prelude::*;
use serde_json::{json, Value};

use crate::both_backends;
use crate::common::{self, Backend};
use mietschulung::certificates::keys::KeyRing;
use mietschulung::db::schema::{audit_log, import_batches, mail_outbox, participants};
use mietschulung::ids::{OrgId, ParticipantId};
use mietschulung::privacy::erasure::service as erasure;

fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_mietschulung"));
    c.env_remove("DATABASE_URL").env_remove("MIETSCHULUNG_CONFIG").env("RUST_LOG", "warn");
    c
}

/// The CLI on the test app's data directory and database.
fn cli(app: &common::TestApp, args: &[&str]) -> std::process::Output {
    let mut c = bin();
    c.env("MIETSCHULUNG_DATA_DIR", app.data_dir.path())
        .env("MIETSCHULUNG_KEYS_DIR", &app.settings.keys_dir);
    if app.backend == Backend::Postgres {
        c.env("DATABASE_URL", &app.settings.database_url);
    }
    c.args(args).output().expect("run the CLI")
}

fn today() -> NaiveDate {
    mietschulung::time::today_local()
}

fn iso(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

/// A run between the two days with one session on its first day, the people enrolled
/// through the API.
async fn run_between(
    api: &common::Api, code: &str, start: NaiveDate, end: NaiveDate, pids: &[i64],
) -> i64 {
    let (_, run_id, modules) =
        common::plan_run_between(api, code, 10, &[("Mietvertrag", true)], &iso(start), &iso(end))
            .await;
    let at = |h| format!("{}T{h}:00", iso(start));
    let (s, session) = api
        .post(
            &format!("/api/v1/runs/{run_id}/sessions"),
            json!({"starts_at": at("09"), "ends_at": at("10"), "module_ids": modules}),
        )
        .await;
    assert_eq!(s, 201, "{session}");
    for pid in pids {
        let (s, e) = api
            .post(&format!("/api/v1/runs/{run_id}/enrollments"), json!({"participant_id": pid}))
            .await;
        assert_eq!(s, 201, "{e}");
    }
    run_id
}

/// Every place the database could still hold `needle`: the SQLite file and its `-wal`
/// (raw bytes, as typed and in lower case), or every row of every PostgreSQL table cast
/// to text (bytea as hex too). Returns where it was found.
fn traces_of(app: &common::TestApp, needle: &str) -> Vec<String> {
    match app.backend {
        Backend::Sqlite => {
            let path = app.settings.database_url.trim_start_matches("sqlite://").to_string();
            let mut found = Vec::new();
            for file in [path.clone(), format!("{path}-wal")] {
                let bytes = std::fs::read(&file).unwrap_or_default();
                for n in [needle.to_string(), needle.to_lowercase()] {
                    if bytes.windows(n.len()).any(|w| w == n.as_bytes()) {
                        found.push(format!("{file}: {n}"));
                    }
                }
            }
            found
        }
        Backend::Postgres => {
            let needle = needle.to_lowercase();
            let hex = data_encoding::HEXLOWER.encode(needle.as_bytes());
            app.db
                .run_blocking(move |conn| {
                    #[derive(QueryableByName)]
                    struct Name {
                        #[diesel(sql_type = diesel::sql_types::Text)]
                        table_name: String,
                    }
                    #[derive(QueryableByName)]
                    struct N {
                        #[diesel(sql_type = diesel::sql_types::BigInt)]
                        n: i64,
                    }
                    let tables: Vec<Name> = diesel::sql_query(
                        "SELECT table_name::text AS table_name FROM information_schema.tables \
                         WHERE table_schema = 'public' AND table_type = 'BASE TABLE'",
                    )
                    .load(conn)?;
                    assert!(tables.len() > 30, "every table is searched");
                    let mut found = Vec::new();
                    for t in tables {
                        let sql = format!(
                            "SELECT COUNT(*) AS n FROM \"{0}\" x WHERE position($1 in lower(x::text)) > 0 \
                             OR position($2 in lower(x::text)) > 0",
                            t.table_name
                        );
                        let n = diesel::sql_query(sql)
                            .bind::<diesel::sql_types::Text, _>(&needle)
                            .bind::<diesel::sql_types::Text, _>(&hex)
                            .get_result::<N>(conn)?
                            .n;
                        if n > 0 {
                            found.push(format!("{}: {n} row(s)", t.table_name));
                        }
                    }
                    Ok(found)
                })
                .expect("search the rows")
        }
    }
}

fn scan_path(url: &str) -> String {
    let idx = url.find("/Z/").expect("a check URL");
    url[idx..].to_string()
}

async fn erased_certificates_stay_verifiable(backend: Backend) {
    let app = common::spawn_app(backend).await;
    let org = app.create_org("loeschen");
    let other = app.create_org("anderswo");
    let api = app.api_token(&org.coordinator.email).await;
    let olena = common::register(&api, "Olena", "Shevchenko", Some("olena.s@example.org")).await;
    let amir = common::register(&api, "Amir", "Karimi", None).await;
    let stays = common::register(&api, "Fatima", "Haddad", None).await;
    let start = today() - Duration::days(60);
    let run_id =
        run_between(&api, "MS-L", start, start + Duration::days(7), &[olena, amir, stays]).await;
    common::mark_present(&api, run_id, &[olena, amir, stays]).await;
    let (s, summary) = api.post(&format!("/api/v1/runs/{run_id}/certificates"), json!({})).await;
    assert_eq!(s, 200, "{summary}");
    let cert_of = |pid: i64| -> Value {
        summary["issued"]
            .as_array()
            .and_then(|all| all.iter().find(|c| c["participant_id"] == pid))
            .cloned()
            .unwrap_or_else(|| panic!("no certificate for {pid}: {summary}"))
    };
    let (olena_cert, amir_cert) = (cert_of(olena), cert_of(amir));
    let (s, r) = api
        .post(
            &format!("/api/v1/certificates/{}/revoke", amir_cert["id"]),
            json!({"reason": "Name falsch: Amir Karimi"}),
        )
        .await;
    assert_eq!(s, 200, "{r}");

    // The confirmation page: coordinator only, own organisation only, says what goes and
    // which tombstones stay; without a reason nothing happens.
    let b = app.browser();
    b.login(&org.coordinator.email).await;
    let erase_path = format!("/participants/{olena}/erase");
    let page = b.get(&erase_path).await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("data-test=\"erasure-tombstones\""), "{}", page.body);
    assert!(page.body.contains(olena_cert["code"].as_str().unwrap()), "{}", page.body);
    assert!(page.body.contains("button-warning"), "{}", page.body);
    let refused = b.submit(&erase_path, &erase_path, &[("reason", "")]).await;
    assert_eq!(refused.status, 422, "{}", refused.body);
    assert!(refused.body.contains(&common::said("erasure.reason_required", &[])));
    let trainer = app.browser();
    trainer.login(&org.trainer.email).await;
    assert_eq!(trainer.get(&erase_path).await.status, 403);
    let stranger = app.browser();
    stranger.login(&other.coordinator.email).await;
    assert_eq!(stranger.get(&erase_path).await.status, 404);
    let stranger_api = app.api_token(&other.coordinator.email).await;
    let (s, _) = stranger_api
        .post(&format!("/api/v1/participants/{olena}/erasure"), json!({"reason": "request"}))
        .await;
    assert_eq!(s, 404);

    // Erased on the page and through the API; a second time is a conflict.
    let done = b.submit(&erase_path, &erase_path, &[("reason", "request")]).await;
    assert_eq!((done.status, done.location.as_deref()), (303, Some("/participants")));
    let list = b.get("/participants").await;
    assert!(list.body.contains(&common::said("erasure.done", &[])), "{}", list.body);
    assert!(list.body.contains(&common::said("erasure.erased_name", &[])), "{}", list.body);
    assert!(!list.body.contains("Shevchenko"), "{}", list.body);
    assert_eq!(b.get(&erase_path).await.status, 409);
    let (s, e) = api
        .post(&format!("/api/v1/participants/{amir}/erasure"), json!({"reason": "vergessen"}))
        .await;
    assert_eq!((s, e["field"].as_str()), (422, Some("reason")), "{e}");
    let (s, erased) = api
        .post(
            &format!("/api/v1/participants/{amir}/erasure"),
            json!({"reason": "consent_withdrawn"}),
        )
        .await;
    assert_eq!(s, 200, "{erased}");
    assert_eq!(erased["erased"]["certificates"], 1, "{erased}");
    assert_eq!(erased["kept"]["certificates"][0]["status"], "revoked", "{erased}");
    assert_eq!(erased["kept"]["attendance_marks"], 1, "{erased}");
    let (s, _) = api
        .post(&format!("/api/v1/participants/{amir}/erasure"), json!({"reason": "request"}))
        .await;
    assert_eq!(s, 409);
    let (s, log) = api.get("/api/v1/erasures").await;
    assert_eq!((s, log.as_array().map(Vec::len)), (200, Some(2)), "{log}");

    // Scanned: still valid (revoked stays revoked), with the name from the signed token.
    let scan = b.get(&scan_path(olena_cert["verification_url"].as_str().unwrap())).await;
    assert_eq!(common::verdict(&scan.body), Some("valid"), "{}", scan.body);
    assert!(scan.body.contains("Olena Shevchenko"), "{}", scan.body);
    let scan = b.get(&scan_path(amir_cert["verification_url"].as_str().unwrap())).await;
    assert_eq!(common::verdict(&scan.body), Some("revoked"), "{}", scan.body);
    // Typed: the facts without a name, and the advice to compare with the paper and the ID.
    let code = olena_cert["code"].as_str().unwrap();
    let typed = b.get(&format!("/z?code={code}")).await;
    assert_eq!(common::verdict(&typed.body), Some("valid"), "{}", typed.body);
    assert!(typed.body.contains("data-test=\"name-erased\""), "{}", typed.body);
    // The PDF cannot be made any more: 410 with the reason.
    let pdf = format!("/api/v1/certificates/{}/pdf", olena_cert["id"]);
    let (s, gone) = api.get(&pdf).await;
    assert_eq!((s, gone["code"].as_str()), (410, Some("gone")), "{gone}");
    // Offline, against the server's key set and revocation list.
    let verify = bin().args(["verify", olena_cert["verification_url"].as_str().unwrap()]).output();
    let verify = verify.expect("run verify");
    common::assert_succeeded(&verify);
    assert!(String::from_utf8_lossy(&verify.stdout).contains("GÜLTIG"));
    let verify = bin().args(["verify", amir_cert["verification_url"].as_str().unwrap()]).output();
    assert!(!verify.expect("run verify").status.success(), "revoked stays revoked offline");

    // Figures stay counts: the run still has three people present.
    let (s, run) = api.get(&format!("/api/v1/runs/{run_id}")).await;
    assert_eq!(s, 200, "{run}");
    let marks = app.count("attendance");
    assert_eq!(marks, 3);

    // No trace of the names, the address or the revocation reason anywhere.
    for needle in ["Shevchenko", "Olena", "olena.s@example.org", "Karimi", "Name falsch"] {
        let found = traces_of(&app, needle);
        assert!(found.is_empty(), "{needle} is still stored: {found:?}");
    }
    // The one not erased is untouched.
    assert!(!traces_of(&app, "Haddad").is_empty(), "the search finds what is there");
}

both_backends!(
    erased_certificates_stay_verifiable_and_leave_no_trace,
    erased_certificates_stay_verifiable
);

/// Inserts a row for a mail sent (or, with `None`, failed) `days_ago`.
/// A mail queued `days_ago`, sent then (`sent`) or failed for good.
fn mail(app: &common::TestApp, org: i32, sent: bool, days_ago: i64) -> i32 {
    app.db
        .run_blocking(move |conn| {
            let now = mietschulung::time::now_utc();
            let at = now - Duration::days(days_ago);
            Ok(diesel::insert_into(mail_outbox::table)
                .values((
                    mail_outbox::organisation_id.eq(Some(OrgId(org))),
                    mail_outbox::recipient.eq("stelle@example.org"),
                    mail_outbox::subject.eq("Bericht"),
                    mail_outbox::body_text.eq("x"),
                    mail_outbox::body_html.eq("x"),
                    mail_outbox::status.eq(if sent { "sent" } else { "failed" }),
                    mail_outbox::attempts.eq(1),
                    mail_outbox::next_attempt_at.eq(at),
                    mail_outbox::created_at.eq(at),
                    mail_outbox::sent_at.eq(sent.then_some(at)),
                    mail_outbox::message_id.eq(format!("<{}@test>", rand::random::<u64>())),
                ))
                .returning(mail_outbox::id)
                .get_result(conn)?)
        })
        .expect("mail row")
}

fn audit_entry(app: &common::TestApp, org: i32, days_ago: i64) {
    app.db
        .run_blocking(move |conn| {
            diesel::insert_into(audit_log::table)
                .values((
                    audit_log::organisation_id.eq(Some(OrgId(org))),
                    audit_log::action.eq("test.old"),
                    audit_log::entity.eq("test"),
                    audit_log::detail.eq(""),
                    audit_log::created_at
                        .eq(mietschulung::time::now_utc() - Duration::days(days_ago)),
                ))
                .execute(conn)?;
            Ok(())
        })
        .expect("audit row")
}

fn import_list(app: &common::TestApp, org: i32, user: i32, days_ago: i64) {
    app.db
        .run_blocking(move |conn| {
            diesel::insert_into(import_batches::table)
                .values((
                    import_batches::organisation_id.eq(OrgId(org)),
                    import_batches::created_by.eq(user),
                    import_batches::rows_json.eq("[]"),
                    import_batches::kind.eq("participants"),
                    import_batches::created_at
                        .eq(mietschulung::time::now_utc() - Duration::days(days_ago)),
                ))
                .execute(conn)?;
            Ok(())
        })
        .expect("import row")
}

fn erased(app: &common::TestApp, pid: i64) -> bool {
    app.db
        .run_blocking(move |conn| {
            Ok(participants::table
                .find(ParticipantId(pid as i32))
                .select(participants::erased_at)
                .first::<Option<chrono::NaiveDateTime>>(conn)?
                .is_some())
        })
        .expect("participant")
}

fn ids(v: &Value) -> Vec<i64> {
    v.as_array().map(|a| a.iter().filter_map(Value::as_i64).collect()).unwrap_or_default()
}

async fn retention_job_erases_exactly_what_is_due(backend: Backend) {
    let app = common::spawn_app(backend).await;
    let org = app.create_org("frist");
    let other = app.create_org("nachbar");
    let api = app.api_token(&org.coordinator.email).await;
    // Six months for participants, two days for mail, one year for the audit log.
    let (s, r) = api
        .put(
            "/api/v1/organisation/retention",
            json!({"participant_months": 6, "survey_months": 12, "mail_days": 2, "audit_years": 1}),
        )
        .await;
    assert_eq!(s, 200, "{r}");
    let (s, e) = api
        .put(
            "/api/v1/organisation/retention",
            json!({"participant_months": 0, "survey_months": 12, "mail_days": 2, "audit_years": 1}),
        )
        .await;
    assert_eq!((s, e["field"].as_str()), (422, Some("participant_months")), "{e}");

    let due_old_run = common::register(&api, "Alt", "Fertig", None).await;
    let still_in_a_run = common::register(&api, "Noch", "Dabei", None).await;
    let recent_run = common::register(&api, "Kurz", "Vorbei", None).await;
    let never_enrolled_old = common::register(&api, "Nie", "Angemeldet", None).await;
    let never_enrolled_new = common::register(&api, "Gerade", "Neu", None).await;
    let t = today();
    run_between(
        &api,
        "ALT",
        t - Duration::days(300),
        t - Duration::days(240),
        &[due_old_run, still_in_a_run],
    )
    .await;
    run_between(&api, "LAUF", t - Duration::days(10), t + Duration::days(30), &[still_in_a_run])
        .await;
    run_between(&api, "KURZ", t - Duration::days(60), t - Duration::days(30), &[recent_run]).await;
    // Registered long ago (the form cannot say so): straight in the row.
    app.db
        .run_blocking(move |conn| {
            diesel::update(participants::table.find(ParticipantId(never_enrolled_old as i32)))
                .set(
                    participants::created_at
                        .eq(mietschulung::time::now_utc() - Duration::days(400)),
                )
                .execute(conn)?;
            Ok(())
        })
        .unwrap();
    // The neighbour keeps the default 24 months: their old registration is not due.
    let other_api = app.api_token(&other.coordinator.email).await;
    let neighbour = common::register(&other_api, "Nach", "Bar", None).await;
    app.db
        .run_blocking(move |conn| {
            diesel::update(participants::table.find(ParticipantId(neighbour as i32)))
                .set(
                    participants::created_at
                        .eq(mietschulung::time::now_utc() - Duration::days(400)),
                )
                .execute(conn)?;
            Ok(())
        })
        .unwrap();
    let old_mail = mail(&app, org.id, true, 3);
    let new_mail = mail(&app, org.id, true, 1);
    // Failed for good: it holds the same data, and goes by the day it was queued.
    let old_failed_mail = mail(&app, org.id, false, 3);
    let failed_mail = mail(&app, org.id, false, 0);
    let neighbours_mail = mail(&app, other.id, true, 3);
    audit_entry(&app, org.id, 400);
    audit_entry(&app, org.id, 300);
    audit_entry(&app, other.id, 400);
    import_list(&app, org.id, org.coordinator.user_id.0, 2);
    import_list(&app, org.id, org.coordinator.user_id.0, 0);

    // The dry run (API and CLI) names exactly what is due, and erases nothing.
    let (s, due) = api.get("/api/v1/organisation/retention/due").await;
    assert_eq!(s, 200, "{due}");
    let mut expected = vec![due_old_run, never_enrolled_old];
    expected.sort_unstable();
    assert_eq!(ids(&due["participants"]), expected, "{due}");
    assert_eq!((due["mails"].as_i64(), due["audit_entries"].as_i64()), (Some(2), Some(1)), "{due}");
    assert_eq!(due["import_lists"], 1, "{due}");
    let dry = cli(&app, &["erase", "--due", "--dry-run", "--org", "frist"]);
    common::assert_succeeded(&dry);
    let out = String::from_utf8_lossy(&dry.stdout);
    assert!(out.contains(&format!("{due_old_run}, {never_enrolled_old}")), "{out}");
    assert!(!erased(&app, due_old_run));

    // Two replicas tick at once after 03:00: one runs the day's job, the other does
    // nothing. (This app's own job claimed today at its start when that was after 03:00:
    // forgotten here, so the two replicas meet an unclaimed day.)
    use chrono::Timelike;
    let now = mietschulung::time::now_utc();
    let at = if mietschulung::time::to_local(now).hour() >= 3 {
        common::wait_until("the app's own first tick", std::time::Duration::from_secs(10), || {
            app.count("job_runs") == 1
        })
        .await;
        app.db
            .run_blocking(|conn| {
                diesel::sql_query("DELETE FROM job_runs").execute(conn)?;
                Ok(())
            })
            .unwrap();
        now
    } else {
        let half_past_three = t.and_hms_opt(3, 30, 0).expect("a time");
        mietschulung::time::from_local("at", half_past_three).expect("a local time")
    };
    let ran: Vec<bool> = std::thread::scope(|s| {
        let replicas: Vec<_> = (0..2)
            .map(|_| {
                let (db, keys) = (app.db.clone(), KeyRing::new(app.settings.keys_dir.clone()));
                s.spawn(move || {
                    mietschulung::time::as_if_at(at, || {
                        db.run_blocking(|conn| erasure::daily_tick(conn, &keys))
                    })
                })
            })
            .collect();
        replicas.into_iter().map(|r| r.join().expect("replica").expect("tick")).collect()
    });
    assert_eq!(ran.iter().filter(|r| **r).count(), 1, "{ran:?}");
    let runs = app.db.run_blocking(erasure::job_runs).unwrap();
    assert_eq!(runs.len(), 1, "{runs:?}");
    assert!(runs[0].1.is_some(), "the run finished");
    // Before three o'clock nothing is claimed.
    let night = mietschulung::time::from_local(
        "at",
        (t + Duration::days(1)).and_hms_opt(2, 0, 0).expect("a time"),
    )
    .expect("a local time");
    let keys = KeyRing::new(app.settings.keys_dir.clone());
    let early = mietschulung::time::as_if_at(night, || {
        app.db.run_blocking(|conn| erasure::daily_tick(conn, &keys))
    });
    assert!(!early.unwrap());

    // Exactly what was due is gone.
    for (pid, gone) in [
        (due_old_run, true),
        (never_enrolled_old, true),
        (still_in_a_run, false),
        (recent_run, false),
        (never_enrolled_new, false),
        (neighbour, false),
    ] {
        assert_eq!(erased(&app, pid), gone, "participant {pid}");
    }
    let left: Vec<i32> = app
        .db
        .run_blocking(|conn| Ok(mail_outbox::table.select(mail_outbox::id).load(conn)?))
        .unwrap();
    assert!(!left.contains(&old_mail) && !left.contains(&old_failed_mail), "{left:?}");
    for kept in [new_mail, failed_mail, neighbours_mail] {
        assert!(left.contains(&kept), "mail {kept} kept: {left:?}");
    }
    let old_audit = |org: i32| {
        app.db
            .run_blocking(move |conn| {
                Ok(audit_log::table
                    .filter(audit_log::organisation_id.eq(OrgId(org)))
                    .filter(audit_log::action.eq("test.old"))
                    .count()
                    .get_result::<i64>(conn)?)
            })
            .unwrap()
    };
    assert_eq!((old_audit(org.id), old_audit(other.id)), (1, 1));
    assert_eq!(app.count("import_batches"), 1);
    let erasures = app.count("erasures");

    // The operator's explicit run the same day finds nothing left and changes nothing.
    let again = cli(&app, &["erase", "--due"]);
    common::assert_succeeded(&again);
    assert_eq!(app.count("erasures"), erasures);
    let (_, due) = api.get("/api/v1/organisation/retention/due").await;
    assert_eq!(ids(&due["participants"]), Vec::<i64>::new(), "{due}");

    // The settings page shows the periods, their defaults and the log.
    let b = app.browser();
    b.login(&org.coordinator.email).await;
    let page = b.get("/settings/privacy").await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("data-test=\"erasure-log\""), "{}", page.body);
    assert!(page.body.contains("value=\"6\""), "{}", page.body);
    let refused = b
        .submit(
            "/settings/privacy",
            "/settings/privacy",
            &[
                ("participant_months", "121"),
                ("survey_months", "12"),
                ("mail_days", "2"),
                ("audit_years", "1"),
            ],
        )
        .await;
    assert_eq!(refused.status, 422, "{}", refused.body);
    assert!(refused.body.contains("value=\"121\""), "{}", refused.body);
    let trainer = app.browser();
    trainer.login(&org.trainer.email).await;
    assert_eq!(trainer.get("/settings/privacy").await.status, 403);
}

both_backends!(
    retention_job_erases_exactly_what_is_due_once,
    retention_job_erases_exactly_what_is_due
);

/// Issuing and erasing the same people at once: whichever comes first, no certificate is
/// signed with the name of someone erased (the end-of-test check finds any that names an
/// erased holder), and no mail about them is left.
async fn issuing_while_erasing(backend: Backend) {
    let app = common::spawn_app(backend).await;
    let org = app.create_org("wettlauf");
    let api = app.api_token(&org.coordinator.email).await;
    let mut people = Vec::new();
    for i in 0..6 {
        people.push(common::register(&api, "Rania", &format!("Wettlauf{i}"), None).await);
    }
    let start = today() - Duration::days(30);
    let run_id = run_between(&api, "MS-W", start, start + Duration::days(3), &people).await;
    common::mark_present(&api, run_id, &people).await;
    let issue_path = format!("/api/v1/runs/{run_id}/certificates");
    let erase_paths: Vec<String> =
        people.iter().map(|pid| format!("/api/v1/participants/{pid}/erasure")).collect();
    let issue = api.post(&issue_path, json!({}));
    let erase = futures_util::future::join_all(
        erase_paths.iter().map(|path| api.post(path, json!({"reason": "request"}))),
    );
    let ((s, summary), erased) = tokio::join!(issue, erase);
    assert_eq!(s, 200, "{summary}");
    for (s, e) in erased {
        assert_eq!(s, 200, "{e}");
    }
    for i in 0..6 {
        let found = traces_of(&app, &format!("Wettlauf{i}"));
        assert!(found.is_empty(), "Wettlauf{i} is still stored: {found:?}");
    }
}

both_backends!(no_certificate_names_someone_erased_meanwhile, issuing_while_erasing);
