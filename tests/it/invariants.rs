//! What a certificate says stays true, whatever happens in whatever order: random sequences
//! of the coordinator's and trainer's operations (enrol, cancel, mark, correct, check in,
//! issue, revoke, reissue, rename) at random moments, on both backends, with the rules
//! checked after every step, by `mietschulung check` and by a model of what the service
//! confirmed.
//!
//! The use cases are called as the handlers call them, each under its own clock
//! (`time::as_if_at`): the clock only moves forward within a sequence, by random steps
//! from before the first session to after the last, and every moment lies in the past of
//! the real clock, so the end-of-test check (real time) sees the same past.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{Duration, NaiveDateTime};
use proptest::prelude::*;
use proptest::test_runner::{Config, RngAlgorithm, TestCaseError, TestRng, TestRunner};
use serde_json::json;

use mietschulung::attendance::{
    self,
    models::{AttendanceStatus, MarkRequest, Marked},
};
use mietschulung::auth::Actor;
use mietschulung::certificates::{self, models::CertificateStatus, service::Issued};
use mietschulung::db::DbConn;
use mietschulung::error::AppError;
use mietschulung::ids::{CertificateId, ParticipantId, RunId, SessionId};
use mietschulung::{integrity, participants, planning, time};

use crate::both_backends;
use crate::common::{self, Backend, TestApp};

const PEOPLE: usize = 3;
const SESSIONS: usize = 3;

#[derive(Debug, Clone)]
enum Op {
    /// The clock moves on by this many hours.
    Wait(u16),
    Enrol(usize),
    Cancel(usize),
    /// session, person, status, left early, and whether the client saw an older state.
    Mark(usize, usize, AttendanceStatus, bool, bool),
    /// The trainer marks the person present in every session that takes marks now.
    Attend(usize),
    CheckIn(usize, usize),
    Issue(usize),
    IssueRun,
    Revoke(usize),
    Reissue(usize),
    Rename(usize),
}

fn status() -> impl Strategy<Value = AttendanceStatus> {
    prop_oneof![3 => Just(AttendanceStatus::Present), 2 => prop::sample::select(AttendanceStatus::ALL.to_vec())]
}

fn op() -> impl Strategy<Value = Op> {
    let p = 0..PEOPLE;
    let s = 0..SESSIONS;
    prop_oneof![
        3 => (1u16..=200).prop_map(Op::Wait),
        3 => p.clone().prop_map(Op::Attend),
        2 => p.clone().prop_map(Op::Enrol),
        1 => p.clone().prop_map(Op::Cancel),
        5 => (s.clone(), p.clone(), status(), any::<bool>(), prop::bool::weighted(0.2))
            .prop_map(|(s, p, st, early, stale)| Op::Mark(s, p, st, early, stale)),
        2 => (s, p.clone()).prop_map(|(s, p)| Op::CheckIn(s, p)),
        2 => p.clone().prop_map(Op::Issue),
        1 => Just(Op::IssueRun),
        2 => p.clone().prop_map(Op::Revoke),
        1 => p.clone().prop_map(Op::Reissue),
        1 => p.prop_map(Op::Rename),
    ]
}

/// One run with two mandatory modules: the first session covers A, the second B, the
/// third A again; three people registered (not yet enrolled).
struct Stage {
    run: RunId,
    sessions: Vec<(SessionId, NaiveDateTime)>,
    people: Vec<ParticipantId>,
    names: Vec<String>,
}

/// What the service has confirmed so far.
#[derive(Default, Debug)]
struct Model {
    enrolled: BTreeSet<usize>,
    /// (session, person) -> (status, left early, revision)
    marks: BTreeMap<(usize, usize), (AttendanceStatus, bool, i32)>,
    /// The valid certificate of a person, if any.
    valid: BTreeMap<usize, CertificateId>,
    /// People whose last certificate was revoked and not explicitly reissued since.
    revoked: BTreeSet<usize>,
    renamed: usize,
}

fn setup(app: &TestApp, coordinator: &Actor, case: usize, base: NaiveDateTime) -> Stage {
    app.db
        .run_blocking(|conn| {
            let course = planning::service::create_course(
                conn,
                coordinator,
                serde_json::from_value(json!({"code": format!("INV-{case}"), "title": "Mietführerschein", "description": ""}))
                    .unwrap(),
            )?;
            let mut modules = Vec::new();
            for title in ["Mietvertrag", "Heizen und Lüften"] {
                modules.push(
                    planning::service::add_module(
                        conn,
                        coordinator,
                        course.id,
                        serde_json::from_value(json!({"title": title, "duration_minutes": 90, "mandatory": true})).unwrap(),
                    )?
                    .id,
                );
            }
            let day = |d: i64| time::to_local(base + Duration::days(d)).date_naive().to_string();
            let run = planning::service::create_run(
                conn,
                coordinator,
                course.id,
                serde_json::from_value(json!({"start_date": day(0), "end_date": day(20), "place": "VHS", "capacity": 2})).unwrap(),
            )?;
            let mut sessions = Vec::new();
            for (i, module) in [modules[0], modules[1], modules[0]].into_iter().enumerate() {
                let starts = base + Duration::days(7 * i as i64);
                let local = |t: NaiveDateTime| time::to_local(t).format("%Y-%m-%dT%H:%M").to_string();
                let s = planning::service::create_session(
                    conn,
                    coordinator,
                    run.id,
                    serde_json::from_value(json!({"starts_at": local(starts), "ends_at": local(starts + Duration::hours(2)), "module_ids": [module]})).unwrap(),
                )?;
                sessions.push((s.id, s.starts_at));
            }
            let mut people = Vec::new();
            let mut names = Vec::new();
            for (given, family) in [("Amal", "Yousef"), ("Olena", "Kovalenko"), ("Dawit", "Tesfaye")] {
                let p = participants::service::register(
                    conn,
                    coordinator,
                    serde_json::from_value(json!({"given_name": given, "family_name": format!("{family} {case}"), "preferred_language": "ar", "consent": true})).unwrap(),
                )?;
                people.push(p.id);
                names.push(p.full_name());
            }
            Ok(Stage { run: run.id, sessions, people, names })
        })
        .expect("stage")
}

/// Whether the model says the person has completed: both modules covered by a started
/// session they attended.
fn completed(model: &Model, stage: &Stage, person: usize, now: NaiveDateTime) -> bool {
    let attended = |s: usize| {
        stage.sessions[s].1 <= now
            && model.marks.get(&(s, person)).is_some_and(|(st, _, _)| st.attended())
    };
    (attended(0) || attended(2)) && attended(1)
}

/// An error the rules may answer with; anything else (a 500) fails the case.
fn refused(e: &AppError) -> bool {
    !matches!(e, AppError::Internal(_) | AppError::Unavailable(_))
}

/// How often the interesting things happened over all cases, so the test cannot pass by
/// never reaching them.
#[derive(Default, Debug)]
struct Seen {
    issued: usize,
    refused_early: usize,
    revoked: usize,
    reissued: usize,
}

struct Runner<'a> {
    app: &'a TestApp,
    seen: &'a std::cell::RefCell<Seen>,
    issuer: &'a certificates::service::CertificateIssuer,
    coordinator: &'a Actor,
    trainer: &'a Actor,
    stage: Stage,
    model: Model,
    now: NaiveDateTime,
}

impl Runner<'_> {
    fn db<T>(&self, f: impl FnOnce(&mut DbConn) -> Result<T, AppError>) -> Result<T, AppError> {
        time::as_if_at(self.now, || self.app.db.run_blocking(f))
    }

    fn apply(&mut self, op: &Op) -> Result<(), TestCaseError> {
        let (run, coord) = (self.stage.run, self.coordinator);
        match *op {
            Op::Wait(hours) => self.now += Duration::hours(i64::from(hours)),
            Op::Enrol(p) => {
                let pid = self.stage.people[p];
                match self.db(|c| participants::service::enroll(c, coord, run, pid)) {
                    Ok(e) if e.status == participants::models::EnrollmentStatus::Enrolled => {
                        self.model.enrolled.insert(p);
                    }
                    Ok(_) => {}
                    Err(e) => prop_assert!(refused(&e), "enrol: {e:?}"),
                }
            }
            Op::Cancel(p) => {
                let pid = self.stage.people[p];
                match self.db(|c| participants::service::cancel(c, coord, run, pid)) {
                    Ok(_) => {
                        self.model.enrolled.remove(&p);
                        self.reload_enrolled()?;
                    }
                    Err(e) => prop_assert!(refused(&e), "cancel: {e:?}"),
                }
            }
            Op::Mark(s, p, status, early, stale) => self.mark(s, p, status, early, stale)?,
            Op::Attend(p) => {
                for s in 0..SESSIONS {
                    if self.now >= self.stage.sessions[s].1 - Duration::hours(1) {
                        self.mark(s, p, AttendanceStatus::Present, false, false)?;
                    }
                }
            }
            Op::CheckIn(s, p) => self.check_in(s, p)?,
            Op::Issue(p) => self.issue(p)?,
            Op::IssueRun => {
                for p in 0..PEOPLE {
                    self.issue(p)?;
                }
            }
            Op::Revoke(p) => self.revoke(p)?,
            Op::Reissue(p) => self.reissue(p)?,
            Op::Rename(p) => self.rename(p)?,
        }
        self.assert_rules()
    }

    /// Who holds a place now (a cancellation may move someone up).
    fn reload_enrolled(&mut self) -> Result<(), TestCaseError> {
        let (run, coord) = (self.stage.run, self.coordinator);
        let enrolled = self
            .db(|c| participants::service::enrolled(c, coord, run))
            .map_err(|e| TestCaseError::fail(format!("{e:?}")))?;
        self.model.enrolled = (0..PEOPLE)
            .filter(|p| enrolled.iter().any(|e| e.id == self.stage.people[*p]))
            .collect();
        Ok(())
    }

    fn mark(
        &mut self, s: usize, p: usize, status: AttendanceStatus, early: bool, stale: bool,
    ) -> Result<(), TestCaseError> {
        let (sid, starts) = self.stage.sessions[s];
        let pid = self.stage.people[p];
        let seen = self.model.marks.get(&(s, p)).map_or(0, |m| m.2);
        let sent = if stale && seen > 0 { seen - 1 } else { seen };
        let trainer = self.trainer;
        let request = MarkRequest { status, left_early: early, expected_revision: Some(sent) };
        let result = self.db(|c| attendance::service::mark_as_seen(c, trainer, sid, pid, request));
        let may = self.now >= starts - Duration::hours(1) && self.model.enrolled.contains(&p);
        match result {
            Ok(Marked::Saved(entry)) => {
                prop_assert!(may, "a mark at {} for a session at {starts} was taken", self.now);
                let unchanged =
                    self.model.marks.get(&(s, p)).is_some_and(|m| (m.0, m.1) == (status, early));
                prop_assert!(
                    sent == seen || unchanged,
                    "a stale mark (revision {sent} < {seen}) was taken"
                );
                self.model.marks.insert((s, p), (status, early, entry.revision));
            }
            Ok(Marked::Stale(entry)) => {
                prop_assert!(sent != seen, "a mark on the current revision was called stale");
                prop_assert_eq!(entry.revision, seen, "the stale answer shows the current mark");
            }
            Err(e) => {
                prop_assert!(refused(&e), "mark: {e:?}");
                if self.now < starts - Duration::hours(1) {
                    self.seen.borrow_mut().refused_early += 1;
                }
                prop_assert!(
                    !may || early && !status.attended()
                        || self.blocked_by_certificate(s, p, status),
                    "a mark that may be made was refused: {e:?}"
                );
            }
        }
        Ok(())
    }

    /// A correction that would take away what a valid certificate rests on is refused.
    fn blocked_by_certificate(&self, s: usize, p: usize, status: AttendanceStatus) -> bool {
        self.model.valid.contains_key(&p)
            && !status.attended()
            && self.model.marks.get(&(s, p)).is_some_and(|m| m.0.attended())
    }

    fn check_in(&mut self, s: usize, p: usize) -> Result<(), TestCaseError> {
        let (sid, starts) = self.stage.sessions[s];
        let trainer = self.trainer;
        let card = self.card_of(p)?;
        let result = self.db(|c| attendance::cards::check_in(c, trainer, sid, &card));
        let may = self.now >= starts - Duration::hours(1) && self.model.enrolled.contains(&p);
        match result {
            Ok(entry) => {
                prop_assert!(may, "a check-in at {} for a session at {starts} was taken", self.now);
                let before = self.model.marks.get(&(s, p)).copied();
                // Check-in never turns late or left-early into present.
                if let Some((AttendanceStatus::Late, early, _)) | Some((_, early @ true, _)) =
                    before
                {
                    prop_assert_eq!(entry.status, before.map(|b| b.0));
                    prop_assert_eq!(entry.left_early, early);
                }
                let status = entry.status.expect("a checked-in person has a mark");
                self.model.marks.insert((s, p), (status, entry.left_early, entry.revision));
            }
            Err(e) => prop_assert!(
                refused(&e) && (!may || self.model.valid.contains_key(&p)),
                "check-in: {e:?}"
            ),
        }
        Ok(())
    }

    /// The person's check-in card code (cards are made when printed, for those holding a
    /// place); someone without a card shows a code nobody holds.
    fn card_of(&self, p: usize) -> Result<String, TestCaseError> {
        let (run, coord) = (self.stage.run, self.coordinator);
        let cards = match self.db(|c| attendance::cards::cards_for_run(c, coord, "http://x", run)) {
            Ok((_, cards)) => cards,
            Err(_) => Vec::new(),
        };
        Ok(cards
            .into_iter()
            .find(|c| c.name == self.stage.names[p])
            .map_or_else(|| "ZZZZZ-ZZZZZ".to_string(), |c| c.code))
    }

    fn issue(&mut self, p: usize) -> Result<(), TestCaseError> {
        let pid = self.stage.people[p];
        let (run, coord, issuer) = (self.stage.run, self.coordinator, self.issuer);
        let result = self.db(|c| certificates::service::issue_one(c, issuer, coord, run, pid));
        match result {
            Ok(Issued::New(cert)) => {
                prop_assert!(
                    !self.model.revoked.contains(&p),
                    "a revoked certificate was followed by a new one without reissue"
                );
                prop_assert!(
                    completed(&self.model, &self.stage, p, self.now),
                    "issued without completion on past attendance: {:?}",
                    self.model
                );
                prop_assert!(!self.model.valid.contains_key(&p), "a second valid certificate");
                prop_assert!(cert.completion_date <= time::to_local(self.now).date_naive());
                self.model.valid.insert(p, cert.id);
                self.seen.borrow_mut().issued += 1;
            }
            Ok(Issued::AlreadyHad) => prop_assert!(self.model.valid.contains_key(&p)),
            Ok(Issued::Revoked) => prop_assert!(self.model.revoked.contains(&p)),
            Ok(Issued::NotCompleted(..)) => prop_assert!(
                !completed(&self.model, &self.stage, p, self.now)
                    || !self.model.enrolled.contains(&p)
            ),
            Err(e) => prop_assert!(refused(&e), "issue: {e:?}"),
        }
        Ok(())
    }

    fn revoke(&mut self, p: usize) -> Result<(), TestCaseError> {
        // Whoever holds a valid certificate, when this person does not.
        let p = if self.model.valid.contains_key(&p) {
            p
        } else {
            self.model.valid.keys().next().copied().unwrap_or(p)
        };
        let Some(&id) = self.model.valid.get(&p) else { return Ok(()) };
        let coord = self.coordinator;
        let revoked = self.db(|c| certificates::service::revoke(c, coord, id, "Test"));
        prop_assert!(revoked.is_ok(), "revoke: {revoked:?}");
        self.seen.borrow_mut().revoked += 1;
        self.model.valid.remove(&p);
        self.model.revoked.insert(p);
        Ok(())
    }

    fn reissue(&mut self, p: usize) -> Result<(), TestCaseError> {
        // Mostly someone whose certificate was revoked; otherwise the refusal is tried.
        let p = self.model.revoked.iter().next().copied().filter(|_| p > 0).unwrap_or(p);
        let pid = self.stage.people[p];
        let (run, coord, issuer) = (self.stage.run, self.coordinator, self.issuer);
        let result = self.db(|c| {
            certificates::service::reissue_revoked(
                c,
                issuer,
                coord,
                run,
                pid,
                "Irrtum beim Widerruf",
            )
        });
        match result {
            Ok(cert) => {
                prop_assert!(
                    self.model.revoked.contains(&p),
                    "reissued without a revoked certificate"
                );
                prop_assert!(
                    completed(&self.model, &self.stage, p, self.now),
                    "reissued without completion"
                );
                self.model.revoked.remove(&p);
                self.model.valid.insert(p, cert.id);
                self.seen.borrow_mut().reissued += 1;
            }
            Err(e) => prop_assert!(refused(&e), "reissue: {e:?}"),
        }
        Ok(())
    }

    fn rename(&mut self, p: usize) -> Result<(), TestCaseError> {
        let Some(&id) = self.model.valid.get(&p) else { return Ok(()) };
        self.model.renamed += 1;
        let (coord, issuer) = (self.coordinator, self.issuer);
        let family = format!("Neu{}", self.model.renamed);
        match self.db(|c| {
            certificates::service::reissue_with_name(c, issuer, coord, id, "Amira", &family)
        }) {
            Ok(cert) => {
                self.model.valid.insert(p, cert.id);
                self.stage.names[p] = format!("Amira {family}");
            }
            Err(e) => prop_assert!(refused(&e), "rename: {e:?}"),
        }
        Ok(())
    }

    /// `mietschulung check` finds nothing, and the database agrees with the model.
    fn assert_rules(&self) -> Result<(), TestCaseError> {
        let keys_dir = self.app.settings.keys_dir.clone();
        let found = self
            .db(|c| integrity::check(c, &keys_dir))
            .map_err(|e| TestCaseError::fail(format!("{e:?}")))?;
        let found: Vec<String> = found.iter().map(|v| v.describe()).collect();
        prop_assert!(found.is_empty(), "broken rules at {}: {found:#?}", self.now);
        let (run, coord) = (self.stage.run, self.coordinator);
        let certs = self
            .db(|c| certificates::service::certificates_of_run(c, self.issuer, coord, run))
            .map_err(|e| TestCaseError::fail(format!("{e:?}")))?;
        for p in 0..PEOPLE {
            let valid: Vec<_> = certs
                .iter()
                .filter(|c| {
                    c.participant_id == self.stage.people[p] && c.status == CertificateStatus::Valid
                })
                .collect();
            prop_assert!(valid.len() <= 1, "two valid certificates for one person and run");
            prop_assert_eq!(valid.first().map(|c| c.id), self.model.valid.get(&p).copied());
        }
        Ok(())
    }
}

async fn sequences(backend: Backend) {
    let app = common::spawn_app(backend).await;
    let org = app.create_org("invariant");
    let state = mietschulung::startup::AppState::new(&app.settings).expect("state");
    let cases = if backend == Backend::Postgres { 24 } else { 32 };
    let config = Config { cases, failure_persistence: None, ..Config::default() };
    // A fixed seed, so every run tries the same sequences and reaches every rule (asserted
    // below); MIETSCHULUNG_EXPLORE=1 draws new ones.
    let mut runner = if std::env::var("MIETSCHULUNG_EXPLORE").is_ok_and(|v| v == "1") {
        TestRunner::new(config)
    } else {
        let seed = if backend == Backend::Postgres { [7u8; 32] } else { [11u8; 32] };
        TestRunner::new_with_rng(config, TestRng::from_seed(RngAlgorithm::ChaCha, &seed))
    };
    let case = std::cell::Cell::new(0usize);
    let seen = std::cell::RefCell::new(Seen::default());
    let result =
        runner.run(&(0i64..400, prop::collection::vec(op(), 5..60)), |(start_hours, ops)| {
            case.set(case.get() + 1);
            // Every moment of the case lies in the real past (the check at the end of the
            // test runs on the real clock).
            let base = time::now_utc() - Duration::days(60) + Duration::hours(start_hours % 24);
            let stage = setup(&app, &org.coordinator, case.get(), base);
            for p in 0..2 {
                let pid = stage.people[p];
                app.db
                    .run_blocking(|c| {
                        participants::service::enroll(c, &org.coordinator, stage.run, pid)
                    })
                    .expect("enrol");
            }
            let mut r = Runner {
                app: &app,
                seen: &seen,
                issuer: &state.issuer,
                coordinator: &org.coordinator,
                trainer: &org.coordinator,
                stage,
                model: Model { enrolled: [0, 1].into(), ..Model::default() },
                now: base - Duration::hours(48) + Duration::hours(start_hours / 24 * 24),
            };
            let _ = &org.trainer;
            for op in &ops {
                r.apply(op)?;
            }
            Ok(())
        });
    if let Err(e) = result {
        panic!("{e}");
    }
    let seen = seen.into_inner();
    eprintln!("{backend:?}: {seen:?}");
    assert!(
        seen.issued > 0 && seen.refused_early > 0 && seen.revoked > 0 && seen.reissued > 0,
        "the sequences reached every rule: {seen:?}"
    );
}

both_backends!(operations_in_any_order_keep_every_certificate_true, sequences);
