//! Issuing for a run in chunks (issue 16): many participants per transaction, their PDFs
//! rendered before it, and still exactly what the rules allow, exactly once.
//!
//! - A batch worked by two workers at once, beside "ausstellen" for the same run and a
//!   coordinator revoking certificates as they appear, issues each completed participant
//!   one certificate and one mail, never issues again after a revocation, and every mailed
//!   PDF is the certificate as stored.
//! - For random attendance (marks in a session still to come included) and random earlier
//!   certificates, a batch issues to exactly those who completed and held no certificate
//!   (valid or revoked) before, and counts each participant once.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;
use proptest::prelude::*;
use proptest::test_runner::{Config, RngAlgorithm, TestCaseError, TestRng, TestRunner};

use mietschulung::attendance::models::AttendanceStatus;
use mietschulung::auth::Actor;
use mietschulung::certificates::models::{BatchState, Certificate, CertificateStatus};
use mietschulung::certificates::service::{self as certs, CertificateIssuer, Issued};
use mietschulung::db::Db;
use mietschulung::ids::{ParticipantId, RunId, SessionId};
use mietschulung::planning::models::{NewCourse, NewModule, NewRun, NewSession};
use mietschulung::{participants, planning, time};

use crate::both_backends;
use crate::common::{self, Backend, TestApp};

/// A run with two modules: session 1 covers the first, session 2 the second (both held),
/// session 3 both, still to come.
struct Stage {
    run: RunId,
    held: [SessionId; 2],
    to_come: SessionId,
    people: Vec<ParticipantId>,
}

fn stage(
    app: &TestApp, coord: &Actor, name: &str, people: usize, email: &dyn Fn(usize) -> bool,
) -> Stage {
    let (coord, name) = (coord.clone(), name.to_string());
    let with_email: Vec<bool> = (0..people).map(email).collect();
    app.db
        .run_blocking(move |conn| {
            let course = planning::service::create_course(
                conn,
                &coord,
                NewCourse {
                    code: format!("MS-{name}"),
                    title: "Mietführerschein".into(),
                    description: String::new(),
                },
            )?;
            let mut modules = Vec::new();
            for title in ["Mietvertrag", "Heizen und Lüften"] {
                let module = NewModule {
                    description: String::new(),
                    title: title.into(),
                    duration_minutes: 90,
                    mandatory: true,
                };
                modules.push(planning::service::add_module(conn, &coord, course.id, module)?.id);
            }
            // Sessions are entered in local time, like the run's dates.
            let now = time::to_local(time::now_utc()).naive_local();
            let first = now - Duration::days(20);
            let later = now + Duration::days(10);
            let run = planning::service::create_run(
                conn,
                &coord,
                course.id,
                NewRun {
                    start_date: first.date(),
                    end_date: later.date(),
                    place: "VHS".into(),
                    capacity: 500,
                    interpreter_languages: vec![],
                },
            )?;
            let mut session = |starts: NaiveDateTime, module_ids: Vec<_>| {
                planning::service::create_session(
                    conn,
                    &coord,
                    run.id,
                    NewSession {
                        starts_at: starts,
                        ends_at: starts + Duration::hours(2),
                        location_id: None,
                        location: "Raum 1".into(),
                        trainer_id: None,
                        trainer_ids: vec![],
                        interpreter_languages: vec![],
                        module_ids,
                    },
                )
                .map(|s| s.id)
            };
            let s1 = session(first, vec![modules[0]])?;
            let s2 = session(first + Duration::days(7), vec![modules[1]])?;
            let s3 = session(later, modules.clone())?;
            let mut ids = Vec::new();
            for (i, email) in with_email.iter().enumerate() {
                let p = participants::service::register(
                    conn,
                    &coord,
                    participants::models::NewParticipant {
                        given_name: "Olena".into(),
                        family_name: format!("{name} {}", letters(i)),
                        preferred_language: if i.is_multiple_of(3) { "uk" } else { "de" }.into(),
                        phone: None,
                        email: email.then(|| format!("p{i}.{name}@example.org")),
                        consent: true,
                        consent_date: None,
                        referrer_name: None,
                        referrer_organisation: None,
                        referrer_contact: None,
                        confirm_mixed_script: false,
                    },
                )?;
                participants::service::enroll(conn, &coord, run.id, p.id)?;
                ids.push(p.id);
            }
            Ok(Stage { run: run.id, held: [s1, s2], to_come: s3, people: ids })
        })
        .expect("stage")
}

/// A name part without digits (names refuse them): 0 → "Aa", 27 → "Bb" …
fn letters(i: usize) -> String {
    let a = |n: usize| char::from(b'A' + (n % 26) as u8);
    format!("{}{}{}", a(i / 26 / 26), a(i / 26), a(i).to_ascii_lowercase())
}

fn mark(
    app: &TestApp, coord: &Actor, session: SessionId, pid: ParticipantId, status: AttendanceStatus,
) {
    let coord = coord.clone();
    app.db
        .run_blocking(move |conn| {
            mietschulung::attendance::service::mark(conn, &coord, session, pid, status, false)
        })
        .expect("mark");
}

/// A mark in a session still to come, written past the use case (which refuses it), as
/// stored data that completion must ignore; [`forget_marks_to_come`] removes it before
/// the end-of-test check, which would rightly call it a mark made before its session.
fn mark_to_come(app: &TestApp, coord: &Actor, session: SessionId, pid: ParticipantId) {
    let (org, user) = (coord.organisation_id.expect("org"), coord.user_id);
    app.db
        .run_blocking(move |conn| {
            mietschulung::db::dialect::upsert_attendance(
                conn,
                &mietschulung::db::dialect::AttendanceUpsert {
                    organisation_id: org,
                    session_id: session,
                    participant_id: pid,
                    status: AttendanceStatus::Present.code(),
                    marked_by: user,
                    marked_at: time::now_utc(),
                    left_early: false,
                    revision: 1,
                },
            )
        })
        .expect("mark to come");
}

fn forget_marks_to_come(app: &TestApp, session: SessionId) {
    use mietschulung::db::schema::attendance;
    app.db
        .run_blocking(move |conn| {
            diesel::delete(attendance::table.filter(attendance::session_id.eq(session)))
                .execute(conn)?;
            Ok(())
        })
        .expect("forget");
}

fn certificates_of(db: &Db, run: RunId) -> Vec<Certificate> {
    use mietschulung::db::schema::certificates;
    db.run_blocking(move |conn| {
        Ok(certificates::table
            .filter(certificates::run_id.eq(run))
            .order(certificates::id.asc())
            .select(Certificate::as_select())
            .load(conn)?)
    })
    .expect("certificates")
}

/// (attachment name, attachment) of every queued mail with a PDF.
fn mailed_pdfs(app: &TestApp) -> Vec<(String, Vec<u8>)> {
    use mietschulung::db::schema::mail_outbox;
    app.db
        .run_blocking(|conn| {
            let rows: Vec<(Option<String>, Option<Vec<u8>>)> = mail_outbox::table
                .filter(mail_outbox::attachment_name.is_not_null())
                .select((mail_outbox::attachment_name, mail_outbox::attachment))
                .load(conn)?;
            Ok(rows.into_iter().filter_map(|(n, b)| n.zip(b)).collect())
        })
        .expect("mails")
}

/// What a PDF says, as `pdftotext` reads it.
fn pdf_text(pdf: &[u8]) -> String {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("c.pdf");
    std::fs::write(&path, pdf).expect("write");
    let out =
        std::process::Command::new("pdftotext").arg(&path).arg("-").output().expect("pdftotext");
    common::assert_succeeded(&out);
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn issue_one(
    app: &TestApp, issuer: &CertificateIssuer, coord: &Actor, run: RunId, pid: ParticipantId,
) -> Issued {
    app.db.run_blocking(|conn| certs::issue_one(conn, issuer, coord, run, pid)).expect("issue")
}

fn revoke(db: &Db, coord: &Actor, cert: &Certificate) {
    db.run_blocking(|conn| certs::revoke(conn, coord, cert.id, "Täuschung festgestellt"))
        .expect("revoke");
}

async fn concurrent(backend: Backend) {
    let app = common::spawn_app(backend).await;
    let org = app.create_org("stapel");
    let coord = org.coordinator.clone();
    let state = mietschulung::startup::AppState::new(&app.settings).expect("state");
    let issuer = &state.issuer;
    // 130 people: three chunks. Every 7th missed the second session; every 11th held a
    // certificate before, every 13th had theirs revoked before.
    const PEOPLE: usize = 130;
    let st = stage(&app, &coord, "Stapel", PEOPLE, &|i| !i.is_multiple_of(17));
    let completed = |i: usize| !i.is_multiple_of(7);
    for (i, pid) in st.people.iter().enumerate() {
        mark(&app, &coord, st.held[0], *pid, AttendanceStatus::Present);
        let second = if completed(i) { AttendanceStatus::Late } else { AttendanceStatus::Absent };
        mark(&app, &coord, st.held[1], *pid, second);
    }
    let before = |i: usize| completed(i) && (i.is_multiple_of(11) || i.is_multiple_of(13));
    for (i, pid) in st.people.iter().enumerate().filter(|(i, _)| before(*i)) {
        let cert =
            issue_one(&app, issuer, &coord, st.run, *pid).certificate().expect("issued before");
        if i.is_multiple_of(13) {
            revoke(&app.db, &coord, &cert);
        }
    }
    let revoked_before: BTreeSet<ParticipantId> = st
        .people
        .iter()
        .enumerate()
        .filter(|(i, _)| before(*i) && i.is_multiple_of(13))
        .map(|(_, p)| *p)
        .collect();
    // Whom the coordinator revokes while the batch runs: every fifth of those it issues to.
    let to_revoke: BTreeSet<ParticipantId> = st
        .people
        .iter()
        .enumerate()
        .filter(|(i, _)| completed(*i) && !before(*i) && i.is_multiple_of(5))
        .map(|(_, p)| *p)
        .collect();
    assert!(to_revoke.len() >= 15, "{}", to_revoke.len());

    let (batch, must) =
        app.db.run_blocking(|conn| certs::start_batch(conn, &coord, st.run)).expect("start");
    assert!(must);
    let db = &app.db;
    std::thread::scope(|s| {
        // Two workers on one batch (a replica taking over one it wrongly thought dead)…
        for _ in 0..2 {
            s.spawn(|| {
                db.run_blocking(|conn| certs::process_batch(conn, issuer, &coord, batch.id))
                    .expect("worker")
            });
        }
        // … "ausstellen" for the same run at the same time …
        s.spawn(|| {
            db.run_blocking(|conn| certs::issue_for_run(conn, issuer, &coord, st.run))
                .expect("issue for run")
        });
        // … and the coordinator revoking certificates as soon as they appear.
        s.spawn(|| {
            let mut left = to_revoke.clone();
            let started = std::time::Instant::now();
            while !left.is_empty() {
                assert!(
                    started.elapsed() < std::time::Duration::from_secs(120),
                    "never issued: {left:?}"
                );
                for cert in certificates_of(db, st.run) {
                    if cert.status == CertificateStatus::Valid && left.remove(&cert.participant_id)
                    {
                        revoke(db, &coord, &cert);
                    }
                }
                std::thread::sleep(std::time::Duration::from_millis(2));
            }
        });
    });

    let all = certificates_of(&app.db, st.run);
    let mut by_person: BTreeMap<ParticipantId, Vec<&Certificate>> = BTreeMap::new();
    for c in &all {
        by_person.entry(c.participant_id).or_default().push(c);
    }
    for (i, pid) in st.people.iter().enumerate() {
        let mine = by_person.get(pid).cloned().unwrap_or_default();
        let valid = mine.iter().filter(|c| c.status == CertificateStatus::Valid).count();
        if !completed(i) {
            assert!(mine.is_empty(), "#{i} did not complete: {mine:?}");
        } else if revoked_before.contains(pid) || to_revoke.contains(pid) {
            // Revocation is final: nobody issued again, whenever it happened.
            assert_eq!((mine.len(), valid), (1, 0), "#{i} revoked: {mine:?}");
        } else {
            assert_eq!((mine.len(), valid), (1, 1), "#{i} exactly one: {mine:?}");
        }
    }
    // One mail per certificate with an address, carrying the certificate as stored (a draft
    // rendered before its transaction is mailed only if it prints the same).
    let mailed = mailed_pdfs(&app);
    let names: BTreeSet<&String> = mailed.iter().map(|(n, _)| n).collect();
    assert_eq!(names.len(), mailed.len(), "a PDF mailed twice");
    let with_email: Vec<&Certificate> = all
        .iter()
        .filter(|c| {
            st.people
                .iter()
                .position(|p| *p == c.participant_id)
                .is_some_and(|i| !i.is_multiple_of(17))
        })
        .collect();
    assert_eq!(mailed.len(), with_email.len(), "one mail per certificate with an address");
    if common::tool_available("pdftotext") {
        for cert in with_email {
            let name = certs::pdf_file_name(cert);
            let (_, mailed) = mailed.iter().find(|(n, _)| *n == name).expect("its mail");
            let (_, now) =
                app.db.run_blocking(|conn| certs::pdf(conn, issuer, &coord, cert.id)).expect("pdf");
            assert_eq!(
                pdf_text(mailed),
                pdf_text(&now),
                "the mailed PDF of {} is the certificate as stored",
                cert.code
            );
        }
    }
    let finished = app.db.run_blocking(|conn| certs::batch(conn, &coord, batch.id)).expect("batch");
    assert_eq!(finished.state, BatchState::Done, "{finished:?}");
    assert_eq!(finished.done as usize, PEOPLE, "{finished:?}");
}

both_backends!(a_chunked_batch_issues_once_beside_another_worker_and_revocations, concurrent);

/// One participant of a random case: marks in the two held sessions (`None`: none), a
/// mark in the session still to come, an e-mail address, and what they held before.
#[derive(Debug, Clone)]
struct Person {
    held: [Option<AttendanceStatus>; 2],
    marked_to_come: bool,
    email: bool,
    before: Before,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Before {
    Nothing,
    Valid,
    Revoked,
}

fn person() -> impl Strategy<Value = Person> {
    let status = prop::option::of(prop::sample::select(AttendanceStatus::ALL.to_vec()));
    (
        status.clone(),
        status,
        any::<bool>(),
        prop::bool::weighted(0.8),
        prop_oneof![6 => Just(Before::Nothing), 1 => Just(Before::Valid), 1 => Just(Before::Revoked)],
    )
        .prop_map(|(a, b, marked_to_come, email, before)| Person {
            held: [a, b],
            marked_to_come,
            email,
            before,
        })
}

/// The rule as the participant reads it: both modules attended (present or late) in the
/// sessions held; the session still to come counts for nothing.
fn completes(p: &Person) -> bool {
    p.held.iter().all(|s| s.is_some_and(|s| s.attended()))
}

async fn random_attendance(backend: Backend) {
    let app = common::spawn_app(backend).await;
    let org = app.create_org("zufall");
    let coord = org.coordinator.clone();
    let state = mietschulung::startup::AppState::new(&app.settings).expect("state");
    let issuer = &state.issuer;
    let config = Config { cases: 4, failure_persistence: None, ..Config::default() };
    let seed = if backend == Backend::Postgres { [5u8; 32] } else { [3u8; 32] };
    let mut runner =
        TestRunner::new_with_rng(config, TestRng::from_seed(RngAlgorithm::ChaCha, &seed));
    let case = std::cell::Cell::new(0usize);
    let result = runner.run(&prop::collection::vec(person(), 45..110), |people| {
        case.set(case.get() + 1);
        let name = format!("Zufall{}", letters(case.get()));
        let st = stage(&app, &coord, &name, people.len(), &|i| people[i].email);
        for (p, pid) in people.iter().zip(&st.people) {
            for (session, status) in st.held.iter().zip(p.held) {
                if let Some(status) = status {
                    mark(&app, &coord, *session, *pid, status);
                }
            }
            if p.marked_to_come {
                mark_to_come(&app, &coord, st.to_come, *pid);
            }
        }
        let mut had = BTreeSet::new();
        for (p, pid) in people.iter().zip(&st.people) {
            if p.before == Before::Nothing || !completes(p) {
                continue;
            }
            let cert = issue_one(&app, issuer, &coord, st.run, *pid).certificate();
            let cert = cert.ok_or_else(|| TestCaseError::fail(format!("{p:?} completed")))?;
            if p.before == Before::Revoked {
                revoke(&app.db, &coord, &cert);
            }
            had.insert(cert.id);
        }
        let (batch, _) =
            app.db.run_blocking(|conn| certs::start_batch(conn, &coord, st.run)).expect("start");
        let done = app
            .db
            .run_blocking(|conn| certs::process_batch(conn, issuer, &coord, batch.id))
            .expect("batch");
        forget_marks_to_come(&app, st.to_come);
        let issued: BTreeSet<ParticipantId> = certificates_of(&app.db, st.run)
            .into_iter()
            .filter(|c| !had.contains(&c.id))
            .map(|c| c.participant_id)
            .collect();
        let expected: BTreeSet<ParticipantId> = people
            .iter()
            .zip(&st.people)
            .filter(|(p, _)| completes(p) && p.before == Before::Nothing)
            .map(|(_, pid)| *pid)
            .collect();
        prop_assert_eq!(&issued, &expected, "issued == completed minus held before");
        let count = |f: &dyn Fn(&Person) -> bool| people.iter().filter(|p| f(p)).count() as i32;
        prop_assert_eq!(done.issued, expected.len() as i32);
        prop_assert_eq!(done.already_issued, count(&|p| completes(p) && p.before == Before::Valid));
        prop_assert_eq!(done.revoked, count(&|p| completes(p) && p.before == Before::Revoked));
        prop_assert_eq!(done.not_completed, count(&|p| !completes(p)));
        prop_assert_eq!(done.done as usize, people.len());
        prop_assert_eq!(certs::batch_failures(&done).len(), 0);
        Ok(())
    });
    if let Err(e) = result {
        panic!("{e}");
    }
}

both_backends!(a_batch_issues_to_exactly_who_completed_and_held_nothing, random_attendance);
