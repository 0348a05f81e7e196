//! The attendance use cases: the roster, marks, test results, and completion. Completion
//! is decided by [`rules`] over plain data (sessions, marks, modules, the test result) and
//! named by [`reasons`] as [`Reason`]s, worded from `locales/` only when shown;
//! [`completion_for_run`] loads that data.

use std::collections::HashMap;

use chrono::{Duration, NaiveDate, NaiveDateTime};
use serde::Serialize;

use super::models::*;
use super::repo;
use crate::auth::Actor;
use crate::db::dialect::{self, AttendanceUpsert, TestResultUpsert};
use crate::db::DbConn;
use crate::error::{AppError, AppResult};
use crate::i18n::{self, Text};
use crate::ids::{ModuleId, OrgId, ParticipantId, RunId, SessionId};
use crate::participants::{self, models::Participant};
use crate::planning::models::{Course, CourseModule, CourseRun, SessionView};
use crate::planning::{self};
use crate::time;
use crate::validate;

/// The session if the actor may see and mark it.
fn session_for_marking(
    conn: &mut DbConn, actor: &Actor, session_id: SessionId,
) -> AppResult<(OrgId, SessionView)> {
    let org = actor.staff_org()?;
    let session = planning::service::get_session(conn, org, session_id)?;
    if !actor.is_coordinator()
        && !planning::service::is_trainer_of(conn, session_id, actor.user_id)?
    {
        return Err(AppError::Forbidden(Text::key("error.attendance.not_your_session")));
    }
    let view = planning::service::session_views(conn, org, Some(session.run_id), None)?
        .into_iter()
        .find(|s| s.id == session_id)
        .ok_or_else(|| AppError::not_found("thing.session"))?;
    Ok((org, view))
}

fn course_of_run(conn: &mut DbConn, org: OrgId, run_id: RunId) -> AppResult<Course> {
    let run = planning::service::get_run(conn, org, run_id)?;
    planning::service::get_course(conn, org, run.course_id)
}

fn test_result(course: &Course, points: i32, must_pass_correct: i32) -> TestResult {
    let enough_points = course.test_pass_points.is_none_or(|pass| points >= pass);
    TestResult {
        points,
        must_pass_correct,
        passed: enough_points && must_pass_correct >= course.test_must_pass_questions,
    }
}

/// A participant's line of the roster with their current mark (and who made it).
fn entry_of(p: &Participant, mark: Option<&(AttendanceMark, String)>) -> RosterEntry {
    RosterEntry {
        participant_id: p.id,
        name: p.sorted_name(),
        preferred_language: p.preferred_language.clone(),
        status: mark.map(|(m, _)| m.status),
        revision: mark.map_or(0, |(m, _)| m.revision),
        marked_by: mark.map(|(_, by)| by.clone()),
        marked_at_local: mark.map(|(m, _)| crate::time::fmt_datetime(m.marked_at)),
        left_early: mark.is_some_and(|(m, _)| m.left_early),
        test: None,
        apologised_at_local: None,
    }
}

/// The roster of a session with its course (for the test columns).
pub fn roster(
    conn: &mut DbConn, actor: &Actor, session_id: SessionId,
) -> AppResult<(SessionView, Vec<RosterEntry>)> {
    let (session, entries, _) = roster_with_course(conn, actor, session_id)?;
    Ok((session, entries))
}

pub fn roster_with_course(
    conn: &mut DbConn, actor: &Actor, session_id: SessionId,
) -> AppResult<(SessionView, Vec<RosterEntry>, Course)> {
    let (org, session) = session_for_marking(conn, actor, session_id)?;
    let course = course_of_run(conn, org, session.run_id)?;
    let people = participants::service::enrolled_in(conn, org, session.run_id)?;
    let apologies = crate::reminders::service::apologies_for_session(conn, session_id)?;
    let tests: HashMap<ParticipantId, (i32, i32)> =
        repo::test_results_for_run(conn, org, session.run_id)?
            .into_iter()
            .map(|(pid, points, must)| (pid, (points, must)))
            .collect();
    let marks: HashMap<ParticipantId, (AttendanceMark, String)> =
        repo::marks_for_session(conn, org, session_id)?
            .into_iter()
            .map(|(m, by)| (m.participant_id, (m, by)))
            .collect();
    let entries = people
        .iter()
        .map(|p| RosterEntry {
            test: tests.get(&p.id).map(|(points, must)| test_result(&course, *points, *must)),
            apologised_at_local: apologies
                .iter()
                .find(|(pid, _)| *pid == p.id)
                .map(|(_, at)| crate::time::fmt_datetime(*at)),
            ..entry_of(p, marks.get(&p.id))
        })
        .collect();
    Ok((session, entries, course))
}

/// The roster page of a session: who holds a place and how they were marked, with a
/// button per status, the test column when the course has a final test, and the person
/// just saved.
#[derive(Debug, Serialize)]
pub struct RosterPage {
    pub session: SessionView,
    pub entries: Vec<RosterLine>,
    pub saved: Option<SavedMark>,
    /// How many are marked already.
    pub marked: usize,
    pub total: usize,
    pub test: Option<TestColumn>,
    /// When the session starts taking marks, while it does not yet (local time): the
    /// roster then shows who is enrolled, without buttons.
    pub opens_at: Option<String>,
    /// Whether test results may be entered: once the session has started.
    pub test_open: bool,
    /// The card code as typed, shown again when the check-in was refused (to fix a typo).
    pub card: String,
}

#[derive(Debug, Serialize)]
pub struct RosterLine {
    pub participant_id: ParticipantId,
    pub name: String,
    /// The mark in words.
    pub status: Option<String>,
    /// The mark as the form sends it.
    pub status_value: Option<&'static str>,
    /// The revision of the mark shown, sent back with the form.
    pub revision: i32,
    pub marked_by: Option<String>,
    pub marked_at: Option<String>,
    pub apologised_at: Option<String>,
    pub left_early: bool,
    pub can_leave_early: bool,
    pub test: Option<TestResult>,
    pub buttons: Vec<StatusButton>,
}

#[derive(Debug, Serialize)]
pub struct StatusButton {
    pub value: &'static str,
    pub label: String,
    pub active: bool,
}

#[derive(Debug, Serialize)]
pub struct SavedMark {
    pub name: String,
    pub status: Option<String>,
}

/// The final test as the roster's column shows it.
#[derive(Debug, Serialize)]
pub struct TestColumn {
    pub max: i32,
    pub pass: Option<i32>,
    pub must: i32,
}

fn status_buttons(current: Option<AttendanceStatus>) -> Vec<StatusButton> {
    AttendanceStatus::ALL
        .iter()
        .map(|s| StatusButton { value: s.code(), label: s.label(), active: current == Some(*s) })
        .collect()
}

fn roster_line(e: &RosterEntry) -> RosterLine {
    RosterLine {
        participant_id: e.participant_id,
        name: e.name.clone(),
        status: e.status.map(|s| s.label()),
        status_value: e.status.map(|s| s.code()),
        revision: e.revision,
        marked_by: e.marked_by.clone(),
        marked_at: e.marked_at_local.clone(),
        apologised_at: e.apologised_at_local.clone(),
        left_early: e.left_early,
        can_leave_early: e.status.is_some_and(|s| s.attended()),
        test: e.test.clone(),
        buttons: status_buttons(e.status),
    }
}

/// The roster page; `saved` names the participant whose mark was just saved.
pub fn roster_page(
    conn: &mut DbConn, actor: &Actor, session_id: SessionId, saved: Option<ParticipantId>,
) -> AppResult<RosterPage> {
    let (session, entries, course) = roster_with_course(conn, actor, session_id)?;
    let now = time::now_utc();
    let opens = marks_open_at(session.starts_at);
    let saved = saved
        .and_then(|pid| entries.iter().find(|e| e.participant_id == pid))
        .map(|e| SavedMark { name: e.name.clone(), status: e.status.map(|s| s.label()) });
    Ok(RosterPage {
        marked: entries.iter().filter(|e| e.status.is_some()).count(),
        total: entries.len(),
        entries: entries.iter().map(roster_line).collect(),
        saved,
        test: course.test_max_points.map(|max| TestColumn {
            max,
            pass: course.test_pass_points,
            must: course.test_must_pass_questions,
        }),
        opens_at: (now < opens).then(|| time::fmt_datetime(opens)),
        test_open: now >= session.starts_at,
        card: String::new(),
        session,
    })
}

/// How long before its start a session takes marks: people check in as they arrive.
pub const CHECK_IN_LEAD_MINUTES: i64 = planning::service::MARKS_OPEN_MINUTES_BEFORE;

/// The first moment a session takes marks (its start less the check-in hour).
pub fn marks_open_at(starts_at: NaiveDateTime) -> NaiveDateTime {
    starts_at - Duration::minutes(CHECK_IN_LEAD_MINUTES)
}

/// Attendance describes the past: a session that does not take marks yet refuses them,
/// naming when it will.
fn refuse_before_open(session: &SessionView, now: NaiveDateTime) -> AppResult<()> {
    let opens = marks_open_at(session.starts_at);
    if now < opens {
        return Err(AppError::invalid(
            "id",
            Text::key("error.attendance.not_started").arg("from", time::fmt_datetime(opens)),
        ));
    }
    Ok(())
}

/// What a request asks of a participant's mark.
#[derive(Debug, Clone, Copy)]
pub enum Change {
    /// A mark as sent from the roster or the API.
    Set(MarkRequest),
    /// A card check-in: present, unless already marked as attending (late or left early
    /// stay as they are).
    CheckIn,
}

/// What becomes of the current mark.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// It stays: the request asks for what is current (a retry, or a check-in of someone
    /// attending already).
    Keep,
    /// It stays, and the request is refused: the client saw an older revision.
    Stale,
    Write(AttendanceStatus, bool),
}

/// Decides a change against the current mark, before anything is written. Sending what
/// is current is always harmless; otherwise a stated revision must be the current one.
pub fn decide(change: Change, current: Option<&AttendanceMark>) -> Decision {
    let revision = current.map_or(0, |m| m.revision);
    match change {
        Change::CheckIn => match current {
            Some(m) if m.status.attended() => Decision::Keep,
            _ => Decision::Write(AttendanceStatus::Present, false),
        },
        Change::Set(r) => {
            if current.is_some_and(|m| m.status == r.status && m.left_early == r.left_early) {
                Decision::Keep
            } else if r.expected_revision.is_some_and(|seen| seen != revision) {
                Decision::Stale
            } else {
                Decision::Write(r.status, r.left_early)
            }
        }
    }
}

/// Why a mark was not saved: it changed since the client saw it. Names the mark as it is.
pub fn stale_text(current: &RosterEntry) -> Text {
    let now = match (current.status, current.left_early) {
        (Some(s), false) => Text::key(s.label_key()),
        (Some(s), true) => {
            Text::key("attendance.status_left_early").arg_key("status", s.label_key())
        }
        (None, _) => Text::key("roster.unmarked"),
    };
    Text::key("error.attendance.stale").arg("name", &current.name).arg_text("status", now)
}

/// Sets the current mark and keeps the history, without a revision to compare (the
/// demo data, clients that do not send one).
pub fn mark(
    conn: &mut DbConn, actor: &Actor, session_id: SessionId, participant_id: ParticipantId,
    status: AttendanceStatus, left_early: bool,
) -> AppResult<RosterEntry> {
    let request = MarkRequest { status, left_early, expected_revision: None };
    match mark_as_seen(conn, actor, session_id, participant_id, request)? {
        Marked::Saved(entry) | Marked::Stale(entry) => Ok(entry),
    }
}

/// Sets the current mark and keeps the history, unless the client saw an older revision
/// than the current one ([`Marked::Stale`]). Marking what is current already (a retried
/// form post) changes nothing, so a flaky connection cannot double-apply.
pub fn mark_as_seen(
    conn: &mut DbConn, actor: &Actor, session_id: SessionId, participant_id: ParticipantId,
    request: MarkRequest,
) -> AppResult<Marked> {
    if request.left_early && !request.status.attended() {
        return Err(AppError::invalid("left_early", Text::key("error.attendance.left_early")));
    }
    if let Some(seen) = request.expected_revision {
        validate::check_range("expected_revision", "label.revision", seen, 0, i32::MAX)?;
    }
    apply(conn, actor, session_id, participant_id, Change::Set(request))
}

/// A card check-in of a participant: present, or the mark they have when it says they
/// attend (late, left early). Answers the current entry.
pub fn check_in(
    conn: &mut DbConn, actor: &Actor, session_id: SessionId, participant_id: ParticipantId,
) -> AppResult<RosterEntry> {
    match apply(conn, actor, session_id, participant_id, Change::CheckIn)? {
        Marked::Saved(entry) | Marked::Stale(entry) => Ok(entry),
    }
}

/// Applies a change under the session's lock: the session must take marks and the
/// participant hold a place; then [`decide`] settles what is written.
fn apply(
    conn: &mut DbConn, actor: &Actor, session_id: SessionId, participant_id: ParticipantId,
    change: Change,
) -> AppResult<Marked> {
    crate::db::write_transaction(conn, |conn| {
        dialect::lock_for_update(conn, "training_sessions", session_id)?;
        let (org, session) = session_for_marking(conn, actor, session_id)?;
        if session.cancelled {
            return Err(AppError::conflict("error.attendance.session_cancelled"));
        }
        let now = time::now_utc();
        refuse_before_open(&session, now)?;
        let participant = participants::service::get(conn, org, participant_id)?;
        if !participants::service::holds_place(conn, session.run_id, participant_id)? {
            return Err(AppError::invalid(
                "participant_id",
                Text::key("error.not_enrolled_in_run"),
            ));
        }
        let current = repo::current_mark(conn, session_id, participant_id)?;
        let (status, left_early) = match decide(change, current.as_ref().map(|(m, _)| m)) {
            Decision::Keep => return Ok(Marked::Saved(entry_of(&participant, current.as_ref()))),
            Decision::Stale => return Ok(Marked::Stale(entry_of(&participant, current.as_ref()))),
            Decision::Write(status, left_early) => (status, left_early),
        };
        let was_attended = current.as_ref().is_some_and(|(m, _)| m.status.attended());
        if was_attended
            && !status.attended()
            && repo::holds_valid_certificate(conn, session.run_id, participant_id)?
        {
            return Err(AppError::conflict("error.attendance.certificate_rests_on_it"));
        }
        // The history's order is the order of the marks, even when replicas' clocks differ.
        let last = repo::last_history_at(conn, session_id, participant_id)?;
        let m = AttendanceUpsert {
            organisation_id: org,
            session_id,
            participant_id,
            status: status.code(),
            marked_by: actor.user_id,
            marked_at: last.map_or(now, |last| last.max(now)),
            left_early,
            revision: current.as_ref().map_or(0, |(m, _)| m.revision) + 1,
        };
        dialect::upsert_attendance(conn, &m)?;
        repo::insert_history(conn, &m)?;
        let before = current.as_ref().map(|(c, _)| (mark_code(c.status, c.left_early), c.revision));
        let (action, detail) =
            audit_of(change, before, (mark_code(status, left_early), m.revision));
        crate::audit::Entry::new(Some(org), Some(actor.user_id), action)
            .on("training_session", Some(session_id.into()))
            .about_participant(participant_id)
            .detail(&detail)
            .record(conn)?;
        let current = repo::current_mark(conn, session_id, participant_id)?;
        Ok(Marked::Saved(entry_of(&participant, current.as_ref())))
    })
}

/// A mark as a short code for the audit log: `present`, `late+left_early`.
fn mark_code(status: AttendanceStatus, left_early: bool) -> String {
    if left_early {
        format!("{}+left_early", status.code())
    } else {
        status.code().to_string()
    }
}

/// The audit entry of a written mark: a first mark, a card check-in or a correction, with
/// the mark and revision before and after (`absent→present; revision 2→3`).
fn audit_of(
    change: Change, before: Option<(String, i32)>, after: (String, i32),
) -> (&'static str, String) {
    let (after_code, after_revision) = after;
    let (before_code, before_revision) = before.clone().unwrap_or_default();
    let detail = format!("{before_code}→{after_code}; revision {before_revision}→{after_revision}");
    let action = match (change, before) {
        (Change::CheckIn, _) => "attendance.check_in",
        (Change::Set(_), None) => "attendance.mark",
        (Change::Set(_), Some(_)) => "attendance.correct",
    };
    (action, detail)
}

/// Records (or corrects) a participant's final test result, from a session roster.
pub fn record_test(
    conn: &mut DbConn, actor: &Actor, session_id: SessionId, participant_id: ParticipantId,
    input: TestResultInput,
) -> AppResult<TestResult> {
    crate::db::write_transaction(conn, |conn| {
        let (org, session) = session_for_marking(conn, actor, session_id)?;
        let course = course_of_run(conn, org, session.run_id)?;
        let Some(max) = course.test_max_points else {
            return Err(AppError::conflict("error.attendance.no_test"));
        };
        if time::now_utc() < session.starts_at {
            return Err(AppError::invalid(
                "id",
                Text::key("error.attendance.test_not_started")
                    .arg("start", time::fmt_datetime(session.starts_at)),
            ));
        }
        let points = validate::check_range("points", "label.points", input.points, 0, max)?;
        let must = validate::check_range(
            "must_pass_correct",
            "label.must_pass_correct",
            input.must_pass_correct,
            0,
            course.test_must_pass_questions,
        )?;
        participants::service::get(conn, org, participant_id)?;
        if !participants::service::holds_place(conn, session.run_id, participant_id)? {
            return Err(AppError::invalid(
                "participant_id",
                Text::key("error.not_enrolled_in_run"),
            ));
        }
        if !test_result(&course, points, must).passed
            && repo::holds_valid_certificate(conn, session.run_id, participant_id)?
        {
            return Err(AppError::conflict("error.attendance.certificate_rests_on_it"));
        }
        dialect::upsert_test_result(
            conn,
            &TestResultUpsert {
                organisation_id: org,
                run_id: session.run_id,
                participant_id,
                points,
                must_pass_correct: must,
                recorded_by: actor.user_id,
                recorded_at: time::now_utc(),
            },
        )?;
        crate::audit::Entry::new(Some(org), Some(actor.user_id), "test.record")
            .on("participant", Some(participant_id.into()))
            .about_participant(participant_id)
            .record(conn)?;
        Ok(test_result(&course, points, must))
    })
}

/// Completion of every enrolled participant of a run (coordinators only).
pub fn completion_for_run(
    conn: &mut DbConn, org: OrgId, run_id: RunId,
) -> AppResult<Vec<Completion>> {
    Ok(completion(conn, org, run_id, None, false)?.into_iter().map(|(c, _)| c).collect())
}

/// Completion of one enrolled participant; `None` when they are not enrolled.
pub fn completion_of(
    conn: &mut DbConn, org: OrgId, run_id: RunId, participant_id: ParticipantId,
) -> AppResult<Option<Completion>> {
    Ok(completion(conn, org, run_id, Some(&[participant_id]), false)?.pop().map(|(c, _)| c))
}

/// A module a certificate lists: title, the first day attended, length in minutes.
pub type ListedModule = (String, NaiveDate, i32);

/// Completion of those of `people` who are enrolled, each with the modules a certificate
/// would list ([`modules_attended`]), decided on one load of the run: what issuing for many
/// people at once reads, instead of the whole run once per person.
pub fn certifiable(
    conn: &mut DbConn, org: OrgId, run_id: RunId, people: &[ParticipantId],
) -> AppResult<Vec<(Completion, Vec<ListedModule>)>> {
    completion(conn, org, run_id, Some(people), true)
}

/// A run with what was planned and what was recorded: what completion and the modules on
/// a certificate are decided on.
struct RunRecord {
    run: CourseRun,
    modules: Vec<CourseModule>,
    sessions: Vec<HeldSession>,
    marks: Vec<AttendanceMark>,
}

fn run_record(conn: &mut DbConn, org: OrgId, run_id: RunId) -> AppResult<RunRecord> {
    let run = planning::service::get_run(conn, org, run_id)?;
    let modules = planning::service::modules_of(conn, org, run.course_id)?;
    let now = time::now_utc();
    let sessions = planning::service::session_views(conn, org, Some(run_id), None)?
        .iter()
        .map(|s| HeldSession::of(s, now))
        .collect();
    let marks = repo::marks_for_run(conn, org, run_id)?;
    Ok(RunRecord { run, modules, sessions, marks })
}

/// Completion of every enrolled participant of each of these runs, by run: what
/// [`completion_for_run`] says of each, loaded in a fixed number of queries however many
/// runs (the overview of every run) and decided by the same code. A run of another
/// organisation, or one not found, is missing.
pub fn completion_for_runs(
    conn: &mut DbConn, org: OrgId, run_ids: &[RunId],
) -> AppResult<HashMap<RunId, Vec<Completion>>> {
    if run_ids.is_empty() {
        return Ok(HashMap::new());
    }
    let runs: Vec<CourseRun> = planning::correct::runs_of_org(conn, org)?
        .into_iter()
        .filter(|r| run_ids.contains(&r.id))
        .collect();
    let run_ids: Vec<RunId> = runs.iter().map(|r| r.id).collect();
    let course_ids: Vec<_> = runs.iter().map(|r| r.course_id).collect();
    let courses = planning::service::list_courses(conn, org)?;
    let modules = planning::service::modules_of_courses(conn, org, &course_ids)?;
    let now = time::now_utc();
    let mut sessions = planning::service::session_views_of_runs(conn, org, &run_ids)?;
    let mut marks: HashMap<RunId, Vec<AttendanceMark>> = HashMap::new();
    for (run, mark) in repo::marks_for_runs(conn, org, &run_ids)? {
        marks.entry(run).or_default().push(mark);
    }
    let mut tests: HashMap<RunId, Vec<(ParticipantId, i32, i32)>> = HashMap::new();
    for (run, pid, points, must) in repo::test_results_for_runs(conn, org, &run_ids)? {
        tests.entry(run).or_default().push((pid, points, must));
    }
    let mut people = participants::service::enrolled_in_runs(conn, org, &run_ids)?;
    let mut out = HashMap::new();
    for run in runs {
        let Some(course) = courses.iter().find(|c| c.id == run.course_id) else { continue };
        let record = RunRecord {
            modules: modules.get(&run.course_id).cloned().unwrap_or_default(),
            sessions: sessions
                .remove(&run.id)
                .unwrap_or_default()
                .iter()
                .map(|s| HeldSession::of(s, now))
                .collect(),
            marks: marks.remove(&run.id).unwrap_or_default(),
            run,
        };
        let id = record.run.id;
        let facts = RunFacts {
            tests: tests.remove(&id).unwrap_or_default(),
            people: people.remove(&id).unwrap_or_default(),
            course: course.clone(),
            record,
        };
        out.insert(id, decide_completion(facts, None, false).into_iter().map(|(c, _)| c).collect());
    }
    Ok(out)
}

/// Everything completion of one run is decided on.
struct RunFacts {
    record: RunRecord,
    course: Course,
    /// (participant, points, must-pass questions correct)
    tests: Vec<(ParticipantId, i32, i32)>,
    /// The people holding a place.
    people: Vec<Participant>,
}

/// Loads what completion is decided on, applies [`rules`] to each enrolled participant
/// (or only to those in `only`) and words the outcome; with `listed`, also the modules a
/// certificate would list for each.
fn completion(
    conn: &mut DbConn, org: OrgId, run_id: RunId, only: Option<&[ParticipantId]>, listed: bool,
) -> AppResult<Vec<(Completion, Vec<ListedModule>)>> {
    let record = run_record(conn, org, run_id)?;
    let course = planning::service::get_course(conn, org, record.run.course_id)?;
    let tests = repo::test_results_for_run(conn, org, run_id)?;
    let people = participants::service::enrolled_in(conn, org, run_id)?;
    Ok(decide_completion(RunFacts { record, course, tests, people }, only, listed))
}

/// Completion of each person holding a place (or only of `only`), in their order: the one
/// place where loaded facts meet [`rules`], for one run or many.
fn decide_completion(
    facts: RunFacts, only: Option<&[ParticipantId]>, listed: bool,
) -> Vec<(Completion, Vec<ListedModule>)> {
    let RunFacts { record: RunRecord { modules, sessions, marks, .. }, course, tests, people } =
        facts;
    let tests: HashMap<ParticipantId, (i32, i32)> =
        tests.into_iter().map(|(pid, points, must)| (pid, (points, must))).collect();
    // Each person's marks once, rather than a search through the run's marks per person.
    let mut marks_by_person: HashMap<ParticipantId, Vec<(SessionId, AttendanceStatus)>> =
        HashMap::new();
    for m in &marks {
        marks_by_person.entry(m.participant_id).or_default().push((m.session_id, m.status));
    }
    let rule = CompletionRule::of(&course);
    people
        .into_iter()
        .filter(|p| only.is_none_or(|ids| ids.contains(&p.id)))
        .map(|p| {
            let test = tests.get(&p.id).map(|(points, must)| test_result(&course, *points, *must));
            let marks = marks_by_person.get(&p.id).map_or(&[][..], Vec::as_slice);
            let facts = rules(&rule, &modules, &sessions, marks, test.as_ref());
            let listed =
                if listed { modules_attended(&modules, &sessions, marks) } else { Vec::new() };
            let completion = Completion {
                participant_id: p.id,
                name: p.sorted_name(),
                completed: facts.completed(),
                // The API and the pages answer in German.
                reasons: reasons(&facts)
                    .iter()
                    .map(|r| r.text().render(i18n::DEFAULT_LANG))
                    .collect(),
                missing_modules: facts.missing_modules,
                completion_date: facts.completion_date,
                sessions_attended: facts.sessions_attended,
                attendance_percent: facts.attendance_percent,
                test,
            };
            (completion, listed)
        })
        .collect()
}

/// Every stored fact that breaks an attendance rule, in all organisations, for the
/// operator's `mietschulung check`: marks (current or kept) made more than the check-in
/// hour before their session started, a history whose marks go back in time, and test
/// results recorded before their run's first session started.
pub fn attendance_violations(conn: &mut DbConn) -> AppResult<Vec<Violation>> {
    let current = repo::all_current_mark_times(conn)?;
    let history = repo::all_history_mark_times(conn)?;
    let tests = repo::all_test_result_times(conn)?;
    let sessions = repo::sessions_of_tested_runs(conn)?;
    Ok(violations_in(&current, &history, &tests, &sessions))
}

/// [`attendance_violations`] over loaded rows; `history` in the order it was written.
fn violations_in(
    current: &[repo::MarkTime], history: &[repo::MarkTime],
    tests: &[(OrgId, RunId, ParticipantId, NaiveDateTime)],
    sessions: &[(RunId, SessionId, NaiveDateTime)],
) -> Vec<Violation> {
    let early = |(org, sid, pid, at, starts): &repo::MarkTime, what| {
        (*at < marks_open_at(*starts)).then_some(Violation {
            organisation_id: *org,
            session_id: *sid,
            participant_id: *pid,
            what,
        })
    };
    let mut found: Vec<Violation> = current
        .iter()
        .filter_map(|m| early(m, ViolationKind::MarkBeforeStart))
        .chain(history.iter().filter_map(|m| early(m, ViolationKind::HistoryMarkBeforeStart)))
        .collect();
    for pair in history.windows(2) {
        let ((org, sid, pid, before, _), (_, sid2, pid2, after, _)) = (&pair[0], &pair[1]);
        if (sid, pid) == (sid2, pid2) && after < before {
            found.push(Violation {
                organisation_id: *org,
                session_id: *sid,
                participant_id: *pid,
                what: ViolationKind::HistoryOutOfOrder,
            });
        }
    }
    for (org, run, pid, recorded_at) in tests {
        let first = sessions.iter().filter(|(r, _, _)| r == run).min_by_key(|(_, _, at)| *at);
        if let Some((_, sid, _)) = first.filter(|(_, _, starts)| recorded_at < starts) {
            found.push(Violation {
                organisation_id: *org,
                session_id: *sid,
                participant_id: *pid,
                what: ViolationKind::TestBeforeSession,
            });
        }
    }
    found
}

/// Every current mark of a run's sessions (for reports).
pub fn marks_for_run(
    conn: &mut DbConn, org: OrgId, run_id: RunId,
) -> AppResult<Vec<AttendanceMark>> {
    repo::marks_for_run(conn, org, run_id)
}

/// One participant's marks of the run as (session, status).
fn marks_of(
    marks: &[AttendanceMark], participant_id: ParticipantId,
) -> Vec<(SessionId, AttendanceStatus)> {
    marks
        .iter()
        .filter(|m| m.participant_id == participant_id)
        .map(|m| (m.session_id, m.status))
        .collect()
}

/// A session of the run as completion sees it.
#[derive(Debug, Clone)]
pub struct HeldSession {
    pub id: SessionId,
    pub module_ids: Vec<ModuleId>,
    /// The local day it took place.
    pub day: NaiveDate,
    pub cancelled: bool,
    /// Whether it had started when the run was loaded: a session still to come counts
    /// neither as attended nor in the share, whatever marks it holds.
    pub started: bool,
}

impl HeldSession {
    fn of(s: &SessionView, now: NaiveDateTime) -> Self {
        HeldSession {
            id: s.id,
            module_ids: s.module_ids.clone(),
            day: time::to_local(s.starts_at).date_naive(),
            cancelled: s.cancelled,
            started: s.starts_at <= now,
        }
    }

    /// Counts for completion: took place (or is taking place) and was not cancelled.
    pub fn counts(&self) -> bool {
        self.started && !self.cancelled
    }
}

/// How a course is completed: a minimum share of the sessions, and a final test.
#[derive(Debug, Clone, Copy, Default)]
pub struct CompletionRule {
    pub min_attendance_percent: Option<i32>,
    /// The must-pass questions of the final test, when the course has one.
    pub test: Option<i32>,
}

impl CompletionRule {
    pub fn of(course: &Course) -> Self {
        CompletionRule {
            min_attendance_percent: course.min_attendance_percent,
            test: course.test_max_points.map(|_| course.test_must_pass_questions),
        }
    }
}

/// Where a participant stands with the final test.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TestStanding {
    /// The course has no test.
    NoTest,
    NotRecorded,
    /// Too few must-pass questions right, whatever the points.
    FailedMustPass,
    FailedPoints,
    Passed,
}

/// What completion is decided on, worked out for one participant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CompletionFacts {
    /// Sessions (started, not cancelled) the participant attended as present or late.
    pub sessions_attended: usize,
    /// Share of the run's sessions (started, not cancelled) attended, in percent, rounded
    /// down.
    pub attendance_percent: u32,
    /// Titles of mandatory modules no attended session covered, in course order.
    pub missing_modules: Vec<String>,
    /// The course's minimum share, when the participant is below it.
    pub below_minimum: Option<i32>,
    pub test: TestStanding,
    /// The day of the last attended session, once completed.
    pub completion_date: Option<NaiveDate>,
}

impl CompletionFacts {
    pub fn completed(&self) -> bool {
        self.sessions_attended > 0
            && self.missing_modules.is_empty()
            && self.below_minimum.is_none()
            && matches!(self.test, TestStanding::NoTest | TestStanding::Passed)
    }
}

/// The completion rule over plain data: a participant completes when they attended at
/// least one session, every mandatory module was covered by a session they attended,
/// their share of the sessions reaches the course's minimum, and they passed the final
/// test where there is one. Cancelled sessions and sessions not started yet count neither
/// as attended nor in the share; only present and late count as attended.
pub fn rules(
    rule: &CompletionRule, modules: &[CourseModule], sessions: &[HeldSession],
    marks: &[(SessionId, AttendanceStatus)], test: Option<&TestResult>,
) -> CompletionFacts {
    let held: Vec<&HeldSession> = sessions.iter().filter(|s| s.counts()).collect();
    let attended: Vec<&HeldSession> = held
        .iter()
        .copied()
        .filter(|s| marks.iter().any(|(id, st)| *id == s.id && st.attended()))
        .collect();
    let missing_modules: Vec<String> = modules
        .iter()
        .filter(|m| m.mandatory)
        .filter(|m| !attended.iter().any(|s| s.module_ids.contains(&m.id)))
        .map(|m| m.title.clone())
        .collect();
    let attendance_percent =
        if held.is_empty() { 0 } else { (attended.len() * 100 / held.len()) as u32 };
    let below_minimum =
        rule.min_attendance_percent.filter(|min| i64::from(attendance_percent) < i64::from(*min));
    let test = match (rule.test, test) {
        (None, _) => TestStanding::NoTest,
        (Some(_), None) => TestStanding::NotRecorded,
        (Some(_), Some(t)) if t.passed => TestStanding::Passed,
        (Some(must), Some(t)) if t.must_pass_correct < must => TestStanding::FailedMustPass,
        (Some(_), Some(_)) => TestStanding::FailedPoints,
    };
    let mut facts = CompletionFacts {
        sessions_attended: attended.len(),
        attendance_percent,
        missing_modules,
        below_minimum,
        test,
        completion_date: None,
    };
    if facts.completed() {
        facts.completion_date = attended.iter().map(|s| s.day).max();
    }
    facts
}

/// Why a participant has not completed (yet).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reason {
    NeverAttended,
    /// Titles of the mandatory modules not attended.
    MissingModules(Vec<String>),
    BelowMinimum {
        percent: u32,
        min: i32,
    },
    TestNotRecorded,
    TestFailedMustPass,
    TestFailedPoints,
}

impl Reason {
    /// The reason in the coordinator's words.
    pub fn text(&self) -> Text {
        match self {
            Reason::NeverAttended => Text::key("completion.reason.never_attended"),
            Reason::MissingModules(titles) => {
                Text::key("completion.reason.missing_modules").arg("modules", titles.join(", "))
            }
            Reason::BelowMinimum { percent, min } => {
                Text::key("completion.reason.below_minimum").arg("percent", percent).arg("min", min)
            }
            Reason::TestNotRecorded => Text::key("completion.reason.test_not_recorded"),
            Reason::TestFailedMustPass => Text::key("completion.reason.test_failed_must_pass"),
            Reason::TestFailedPoints => Text::key("completion.reason.test_failed_points"),
        }
    }
}

/// Why a participant has not completed yet (empty once completed).
pub fn reasons(facts: &CompletionFacts) -> Vec<Reason> {
    let mut reasons = Vec::new();
    if facts.sessions_attended == 0 {
        reasons.push(Reason::NeverAttended);
    }
    if !facts.missing_modules.is_empty() {
        reasons.push(Reason::MissingModules(facts.missing_modules.clone()));
    }
    if let Some(min) = facts.below_minimum {
        reasons.push(Reason::BelowMinimum { percent: facts.attendance_percent, min });
    }
    match facts.test {
        TestStanding::NotRecorded => reasons.push(Reason::TestNotRecorded),
        TestStanding::FailedMustPass => reasons.push(Reason::TestFailedMustPass),
        TestStanding::FailedPoints => reasons.push(Reason::TestFailedPoints),
        TestStanding::NoTest | TestStanding::Passed => {}
    }
    reasons
}

/// The modules a participant attended, with the date of the session, for the certificate.
pub fn attended_modules(
    conn: &mut DbConn, org: OrgId, run_id: RunId, participant_id: ParticipantId,
) -> AppResult<Vec<(String, chrono::NaiveDate, i32)>> {
    let RunRecord { modules, sessions, marks, .. } = run_record(conn, org, run_id)?;
    Ok(modules_attended(&modules, &sessions, &marks_of(&marks, participant_id)))
}

/// Each module an attended session (started, not cancelled) covered, with the first such
/// day and the module's length in minutes, in course order.
pub fn modules_attended(
    modules: &[CourseModule], sessions: &[HeldSession], marks: &[(SessionId, AttendanceStatus)],
) -> Vec<(String, NaiveDate, i32)> {
    modules
        .iter()
        .filter_map(|module| {
            let first = sessions
                .iter()
                .filter(|s| s.counts() && s.module_ids.contains(&module.id))
                .filter(|s| marks.iter().any(|(id, st)| *id == s.id && st.attended()))
                .map(|s| s.day)
                .min()?;
            Some((module.title.clone(), first, module.duration_minutes))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use AttendanceStatus::{Absent, Excused, Late, Present};

    fn module(id: i32, title: &str, mandatory: bool) -> CourseModule {
        CourseModule {
            id: crate::ids::ModuleId(id),
            organisation_id: crate::ids::OrgId(1),
            course_id: crate::ids::CourseId(1),
            position: id,
            title: title.into(),
            duration_minutes: 90,
            mandatory,
            description: String::new(),
        }
    }

    fn day(n: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 3, n).unwrap()
    }

    fn session(id: i32, modules: &[i32], d: u32) -> HeldSession {
        let id = SessionId(id);
        HeldSession {
            id,
            module_ids: modules.iter().copied().map(crate::ids::ModuleId).collect(),
            day: day(d),
            cancelled: false,
            started: true,
        }
    }

    fn passed(passed: bool, must_pass_correct: i32) -> TestResult {
        TestResult { points: 10, must_pass_correct, passed }
    }

    /// Two mandatory modules and an optional one over four sessions.
    fn course() -> (Vec<CourseModule>, Vec<HeldSession>) {
        (
            vec![
                module(1, "Mietvertrag", true),
                module(2, "Energie", false),
                module(3, "Hausordnung", true),
            ],
            vec![
                session(11, &[1], 3),
                session(12, &[2], 4),
                session(13, &[3], 5),
                session(14, &[2], 6),
            ],
        )
    }

    /// A name, the course's rule, the person's marks, their test, and the reasons expected.
    type Case = (
        &'static str,
        CompletionRule,
        Vec<(SessionId, AttendanceStatus)>,
        Option<TestResult>,
        Vec<&'static str>,
    );

    #[test]
    fn completion_table() {
        let (modules, sessions) = course();
        let no_rule = CompletionRule::default();
        let min_75 = CompletionRule { min_attendance_percent: Some(75), test: None };
        let with_test = CompletionRule { min_attendance_percent: None, test: Some(2) };
        let all = [
            (SessionId(11), Present),
            (SessionId(12), Late),
            (SessionId(13), Present),
            (SessionId(14), Present),
        ];
        let cases: Vec<Case> = vec![
            (
                "nothing attended",
                no_rule,
                vec![],
                None,
                vec![
                    "hat noch an keinem Termin teilgenommen",
                    "Pflichtmodule fehlen: Mietvertrag, Hausordnung",
                ],
            ),
            (
                "mandatory modules only",
                no_rule,
                vec![(SessionId(11), Present), (SessionId(13), Late)],
                None,
                vec![],
            ),
            (
                "excused is not attended",
                no_rule,
                vec![(SessionId(11), Present), (SessionId(13), Excused)],
                None,
                vec!["Pflichtmodule fehlen: Hausordnung"],
            ),
            (
                "half is below 75 %",
                min_75,
                vec![(SessionId(11), Present), (SessionId(13), Present), (SessionId(12), Absent)],
                None,
                vec!["Anwesenheit 50 % (mindestens 75 %)"],
            ),
            (
                "three of four reach 75 %",
                min_75,
                vec![(SessionId(11), Present), (SessionId(13), Present), (SessionId(12), Present)],
                None,
                vec![],
            ),
            (
                "test not recorded",
                with_test,
                all.to_vec(),
                None,
                vec!["Abschlusstest noch nicht eingetragen"],
            ),
            (
                "test failed on a must-pass question",
                with_test,
                all.to_vec(),
                Some(passed(false, 1)),
                vec!["Abschlusstest nicht bestanden (Pflichtfragen)"],
            ),
            (
                "test failed on points",
                with_test,
                all.to_vec(),
                Some(passed(false, 2)),
                vec!["Abschlusstest nicht bestanden (Punkte)"],
            ),
            ("test passed", with_test, all.to_vec(), Some(passed(true, 2)), vec![]),
        ];
        for (name, rule, marks, test, expected) in cases {
            let facts = rules(&rule, &modules, &sessions, &marks, test.as_ref());
            let worded: Vec<String> =
                reasons(&facts).iter().map(|r| r.text().to_string()).collect();
            assert_eq!(worded, expected, "{name}");
            assert_eq!(facts.completed(), expected.is_empty(), "{name}");
            assert_eq!(facts.completion_date.is_some(), expected.is_empty(), "{name}");
        }
    }

    #[test]
    fn the_completion_date_is_the_last_attended_day() {
        let (modules, sessions) = course();
        let marks = [(SessionId(11), Present), (SessionId(13), Present), (SessionId(14), Absent)];
        let facts = rules(&CompletionRule::default(), &modules, &sessions, &marks, None);
        assert_eq!(facts.completion_date, Some(day(5)));
        assert_eq!(facts.attendance_percent, 50);
    }

    #[test]
    fn a_session_still_to_come_is_neither_attended_nor_counted() {
        // On 29.11., a run with one session held and one in December: a mark already made
        // for December must not make the share 100 %.
        let (modules, mut sessions) = course();
        sessions[2].started = false;
        sessions[3].started = false;
        let marks = [(SessionId(11), Present), (SessionId(12), Absent), (SessionId(13), Present)];
        let facts = rules(&CompletionRule::default(), &modules, &sessions, &marks, None);
        assert_eq!((facts.sessions_attended, facts.attendance_percent), (1, 50));
        assert_eq!(facts.missing_modules, ["Hausordnung"]);
        assert!(!facts.completed());
    }

    fn current(status: AttendanceStatus, left_early: bool, revision: i32) -> AttendanceMark {
        AttendanceMark {
            id: 1,
            organisation_id: crate::ids::OrgId(1),
            session_id: SessionId(11),
            participant_id: ParticipantId(7),
            status,
            marked_by: crate::ids::UserId(1),
            marked_at: day(3).and_hms_opt(9, 0, 0).unwrap(),
            left_early,
            revision,
        }
    }

    fn set(status: AttendanceStatus, left_early: bool, seen: Option<i32>) -> Change {
        Change::Set(MarkRequest { status, left_early, expected_revision: seen })
    }

    #[test]
    fn a_correction_is_audited_with_before_and_after() {
        let set = Change::Set(MarkRequest {
            status: AttendanceStatus::Present,
            left_early: false,
            expected_revision: Some(2),
        });
        let (action, detail) = audit_of(set, Some(("absent".into(), 2)), ("present".into(), 3));
        assert_eq!(
            (action, detail.as_str()),
            ("attendance.correct", "absent→present; revision 2→3")
        );
        let (action, detail) = audit_of(set, None, ("present".into(), 1));
        assert_eq!((action, detail.as_str()), ("attendance.mark", "→present; revision 0→1"));
        let (action, _) = audit_of(Change::CheckIn, None, ("present".into(), 1));
        assert_eq!(action, "attendance.check_in");
        assert_eq!(mark_code(AttendanceStatus::Late, true), "late+left_early");
    }

    #[test]
    fn a_stale_revision_is_refused_and_a_retry_is_harmless() {
        let late = current(Late, false, 2);
        assert_eq!(decide(set(Present, false, Some(1)), Some(&late)), Decision::Stale);
        assert_eq!(
            decide(set(Present, false, Some(2)), Some(&late)),
            Decision::Write(Present, false)
        );
        assert_eq!(decide(set(Late, false, Some(1)), Some(&late)), Decision::Keep, "a retry");
        assert_eq!(decide(set(Present, false, None), Some(&late)), Decision::Write(Present, false));
        assert_eq!(decide(set(Absent, false, Some(0)), None), Decision::Write(Absent, false));
        assert_eq!(decide(set(Absent, false, Some(1)), None), Decision::Stale);
    }

    fn at(d: u32, h: u32) -> NaiveDateTime {
        day(d).and_hms_opt(h, 0, 0).unwrap()
    }

    #[test]
    fn violations_name_early_marks_a_history_going_back_and_early_tests() {
        let (org, s, p) = (crate::ids::OrgId(1), SessionId(11), ParticipantId(7));
        let starts = at(10, 9);
        // Check-in opens an hour before the start: 08:00 is fine, 07:59 is not.
        let current = [(org, s, p, at(10, 8), starts), (org, SessionId(12), p, at(9, 9), starts)];
        let history = [
            (org, s, p, at(10, 7), starts),
            (org, s, p, at(10, 10), starts),
            (org, s, p, at(10, 9), starts),
            (org, SessionId(12), p, at(10, 8), starts),
        ];
        let tests = [(org, RunId(3), p, at(10, 8)), (org, RunId(4), p, at(10, 8))];
        let sessions = [
            (RunId(3), s, starts),
            (RunId(3), SessionId(12), at(11, 9)),
            (RunId(4), SessionId(13), at(1, 9)),
        ];
        let found: Vec<(SessionId, ViolationKind)> =
            violations_in(&current, &history, &tests, &sessions)
                .into_iter()
                .map(|v| (v.session_id, v.what))
                .collect();
        assert_eq!(
            found,
            [
                (SessionId(12), ViolationKind::MarkBeforeStart),
                (s, ViolationKind::HistoryMarkBeforeStart),
                (s, ViolationKind::HistoryOutOfOrder),
                (s, ViolationKind::TestBeforeSession),
            ]
        );
    }

    #[test]
    fn a_cancelled_session_is_neither_attended_nor_counted() {
        let (modules, mut sessions) = course();
        sessions[1].cancelled = true;
        let marks = [(SessionId(11), Present), (SessionId(12), Present), (SessionId(13), Present)];
        let facts = rules(&CompletionRule::default(), &modules, &sessions, &marks, None);
        assert_eq!(facts.sessions_attended, 2);
        assert_eq!(facts.attendance_percent, 66);
    }

    #[test]
    fn certificates_list_each_attended_module_with_its_first_day() {
        let (modules, mut sessions) = course();
        sessions.push(session(15, &[1], 7));
        let marks = [
            (SessionId(11), Absent),
            (SessionId(15), Present),
            (SessionId(12), Late),
            (SessionId(14), Present),
        ];
        assert_eq!(
            modules_attended(&modules, &sessions, &marks),
            vec![("Mietvertrag".to_string(), day(7), 90), ("Energie".to_string(), day(4), 90)]
        );
    }

    fn status() -> impl Strategy<Value = AttendanceStatus> {
        prop::sample::select(AttendanceStatus::ALL.to_vec())
    }

    /// A course of up to five modules and a run of up to eight sessions, each covering
    /// some modules, some cancelled, some still to come, with a mark or none for each.
    fn run(
    ) -> impl Strategy<Value = (Vec<CourseModule>, Vec<HeldSession>, Vec<(SessionId, AttendanceStatus)>)>
    {
        (
            prop::collection::vec(any::<bool>(), 0..5),
            prop::collection::vec(
                (
                    prop::collection::vec(1..6i32, 0..3),
                    1..28u32,
                    prop::bool::weighted(0.2),
                    prop::bool::weighted(0.8),
                    prop::option::of(status()),
                ),
                0..8,
            ),
        )
            .prop_map(|(mandatory, planned)| {
                let modules: Vec<CourseModule> = mandatory
                    .iter()
                    .enumerate()
                    .map(|(i, m)| module(i as i32 + 1, &format!("M{}", i + 1), *m))
                    .collect();
                let mut sessions = Vec::new();
                let mut marks = Vec::new();
                for (i, (covers, d, cancelled, started, mark)) in planned.into_iter().enumerate() {
                    let id = 100 + i as i32;
                    let mut s = session(id, &covers, d);
                    s.cancelled = cancelled;
                    s.started = started;
                    sessions.push(s);
                    if let Some(m) = mark {
                        marks.push((SessionId(id), m));
                    }
                }
                (modules, sessions, marks)
            })
    }

    fn rule() -> impl Strategy<Value = CompletionRule> {
        (prop::option::of(1..=100i32), prop::option::of(0..3i32))
            .prop_map(|(min, test)| CompletionRule { min_attendance_percent: min, test })
    }

    fn test_result() -> impl Strategy<Value = Option<TestResult>> {
        prop::option::of((any::<bool>(), 0..3i32).prop_map(|(p, m)| passed(p, m)))
    }

    proptest! {
        /// A cancelled session, whatever it covers and however the person was marked,
        /// changes nothing.
        #[test]
        fn a_cancelled_session_never_counts(
            (modules, sessions, marks) in run(), rule in rule(), test in test_result(),
            covers in prop::collection::vec(1..6i32, 0..3), mark in status(),
        ) {
            let before = rules(&rule, &modules, &sessions, &marks, test.as_ref());
            let mut more = sessions.clone();
            let mut cancelled = session(999, &covers, 27);
            cancelled.cancelled = true;
            more.push(cancelled);
            let mut marked = marks.clone();
            marked.push((SessionId(999), mark));
            prop_assert_eq!(rules(&rule, &modules, &more, &marked, test.as_ref()), before);
        }

        /// A session that has not started, whatever it covers and however the person was
        /// marked (a mark there breaks a rule, but stored data may hold one), changes
        /// nothing: neither attended nor in the share, nor on the certificate.
        #[test]
        fn a_session_not_started_never_counts(
            (modules, sessions, marks) in run(), rule in rule(), test in test_result(),
            covers in prop::collection::vec(1..6i32, 0..3), mark in status(), d in 1..28u32,
        ) {
            let before = rules(&rule, &modules, &sessions, &marks, test.as_ref());
            let listed = modules_attended(&modules, &sessions, &marks);
            let mut more = sessions.clone();
            let mut coming = session(999, &covers, d);
            coming.started = false;
            more.push(coming);
            let mut marked = marks.clone();
            marked.push((SessionId(999), mark));
            prop_assert_eq!(rules(&rule, &modules, &more, &marked, test.as_ref()), before);
            prop_assert_eq!(modules_attended(&modules, &more, &marked), listed);
        }

        /// Whatever the current mark and the request: a card check-in never turns an
        /// attending mark (late, left early) into anything else; a request that saw
        /// another revision never writes; sending what is current never writes.
        #[test]
        fn marks_are_never_downgraded_nor_overwritten_by_stale_requests(
            now in prop::option::of((status(), any::<bool>(), 1..5i32)),
            wanted in status(), left_early in any::<bool>(), seen in prop::option::of(0..5i32),
        ) {
            let left_early = left_early && wanted.attended();
            let mark = now.map(|(st, le, rev)| current(st, le && st.attended(), rev));
            let revision = mark.as_ref().map_or(0, |m| m.revision);
            match decide(Change::CheckIn, mark.as_ref()) {
                Decision::Keep => prop_assert!(mark.as_ref().is_some_and(|m| m.status.attended())),
                d => {
                    prop_assert_eq!(d, Decision::Write(Present, false));
                    prop_assert!(!mark.as_ref().is_some_and(|m| m.status.attended()));
                }
            }
            let same = mark.as_ref().is_some_and(|m| m.status == wanted && m.left_early == left_early);
            let decided = decide(set(wanted, left_early, seen), mark.as_ref());
            if same {
                prop_assert_eq!(decided, Decision::Keep);
            } else if seen.is_some_and(|s| s != revision) {
                prop_assert_eq!(decided, Decision::Stale);
            } else {
                prop_assert_eq!(decided, Decision::Write(wanted, left_early));
            }
        }

        /// Excused and absent are the same as no mark at all.
        #[test]
        fn only_present_and_late_count(
            (modules, sessions, marks) in run(), rule in rule(), test in test_result(),
        ) {
            let attended: Vec<(SessionId, AttendanceStatus)> =
                marks.iter().copied().filter(|(_, s)| s.attended()).collect();
            prop_assert_eq!(
                rules(&rule, &modules, &sessions, &marks, test.as_ref()),
                rules(&rule, &modules, &sessions, &attended, test.as_ref())
            );
        }

        /// Every mandatory module attended, enough attendance and the test passed (or no
        /// test) is complete; anything less is not.
        #[test]
        fn complete_exactly_when_every_condition_holds(
            (modules, sessions, marks) in run(), rule in rule(), test in test_result(),
        ) {
            let held: Vec<&HeldSession> = sessions.iter().filter(|s| s.counts()).collect();
            let attended: Vec<&HeldSession> = held
                .iter()
                .copied()
                .filter(|s| marks.iter().any(|(id, st)| *id == s.id && st.attended()))
                .collect();
            let all_mandatory = modules
                .iter()
                .filter(|m| m.mandatory)
                .all(|m| attended.iter().any(|s| s.module_ids.contains(&m.id)));
            let enough = rule
                .min_attendance_percent
                .is_none_or(|min| attended.len() * 100 >= held.len() * min as usize);
            let test_ok = rule.test.is_none() || test.as_ref().is_some_and(|t| t.passed);
            let facts = rules(&rule, &modules, &sessions, &marks, test.as_ref());
            prop_assert_eq!(
                facts.completed(),
                !attended.is_empty() && all_mandatory && enough && test_ok
            );
            prop_assert_eq!(facts.completed(), reasons(&facts).is_empty());
        }

        /// The share stays within 0–100 %, and a completion date is the last attended day.
        #[test]
        fn share_and_date_stay_in_range(
            (modules, sessions, marks) in run(), rule in rule(), test in test_result(),
        ) {
            let facts = rules(&rule, &modules, &sessions, &marks, test.as_ref());
            prop_assert!(facts.attendance_percent <= 100);
            let held = sessions.iter().filter(|s| s.counts()).count();
            prop_assert!(facts.sessions_attended <= held);
            if let Some(d) = facts.completion_date {
                let last = sessions
                    .iter()
                    .filter(|s| s.counts() && marks.iter().any(|(id, st)| *id == s.id && st.attended()))
                    .map(|s| s.day)
                    .max();
                prop_assert_eq!(Some(d), last);
            }
        }
    }
}
