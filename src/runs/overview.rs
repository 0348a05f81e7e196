//! "Durchgänge": every run of the organisation's courses in three parts — upcoming,
//! running, and to certify (ended, with people who completed and have no certificate
//! yet) — each with its counts and the next thing to do. The page `/runs` and
//! `GET /api/v1/runs?state=…` call the same use case.

use std::collections::HashSet;

use serde::Serialize;
use utoipa::ToSchema;

use crate::attendance::models::Completion;
use crate::auth::Actor;
use crate::certificates::models::CertificateStatus;
use crate::certificates::service as certs;
use crate::db::DbConn;
use crate::error::{AppError, AppResult};
use crate::i18n::{self, Text};
use crate::ids::{CourseId, ParticipantId, RunId, SessionId};
use crate::planning;
use crate::time::{self, fmt_date};

crate::db::text_enum! {
    /// Where a run stands today.
    pub enum RunState("run state") {
        /// Starts after today.
        Upcoming = "upcoming",
        /// Started, not ended.
        Running = "running",
        /// Ended, and someone completed who has no certificate yet.
        ToCertify = "to_certify",
        /// Ended, nothing left to certify.
        Done = "done",
    }
}

/// A run as the overview lists it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RunOverview {
    #[schema(value_type = i32)]
    pub run_id: RunId,
    #[schema(value_type = i32)]
    pub course_id: CourseId,
    pub course_title: String,
    pub course_code: String,
    pub start_date: chrono::NaiveDate,
    pub end_date: chrono::NaiveDate,
    /// Dates as shown (dd.mm.yyyy).
    pub start: String,
    pub end: String,
    pub place: String,
    pub state: RunState,
    pub enrolled: i64,
    pub capacity: i32,
    pub waiting: i64,
    /// Sessions that have started and were not cancelled.
    pub sessions_held: usize,
    /// Sessions planned, cancelled ones aside.
    pub sessions_planned: usize,
    /// People who completed and have no certificate yet.
    pub to_certify: usize,
    /// What to do next, in words, and where.
    pub next_action: String,
    pub next_href: String,
}

/// The overview page: the three parts, and whether there is any course at all (for the
/// empty state).
#[derive(Debug, Serialize)]
pub struct RunsPage {
    pub upcoming: Vec<RunOverview>,
    pub running: Vec<RunOverview>,
    pub to_certify: Vec<RunOverview>,
    pub counts: Counts,
    pub has_courses: bool,
}

/// How many runs each part lists.
#[derive(Debug, Serialize)]
pub struct Counts {
    pub upcoming: usize,
    pub running: usize,
    pub to_certify: usize,
}

/// Every run of the organisation in use (archived runs and courses aside), with its state
/// today. A fixed number of queries however many runs the organisation has held: each
/// part (sessions, places, completion, certificates) is loaded for all runs at once.
pub fn runs(conn: &mut DbConn, actor: &Actor) -> AppResult<Vec<RunOverview>> {
    let org = actor.coordinator_org()?;
    let courses = planning::service::list_courses(conn, org)?;
    let today = time::today_local();
    let now = time::now_utc();
    let in_use: Vec<(planning::models::CourseRun, &planning::models::Course)> =
        planning::correct::runs_of_org(conn, org)?
            .into_iter()
            .filter_map(|run| {
                let course = courses.iter().find(|c| c.id == run.course_id)?;
                (run.archived_at.is_none() && course.archived_at.is_none()).then_some((run, course))
            })
            .collect();
    let ids: Vec<RunId> = in_use.iter().map(|(r, _)| r.id).collect();
    let ended: Vec<RunId> =
        in_use.iter().filter(|(r, _)| r.end_date < today).map(|(r, _)| r.id).collect();
    let mut sessions_of = planning::service::session_views_of_runs(conn, org, &ids)?;
    let places = planning::correct::place_counts(conn, org)?;
    let completion = crate::attendance::service::completion_for_runs(conn, org, &ended)?;
    let certificates = certs::statuses_for_runs(conn, org, &ended)?;
    let mut out = Vec::with_capacity(in_use.len());
    for (run, course) in in_use {
        let sessions: Vec<_> = sessions_of
            .remove(&run.id)
            .unwrap_or_default()
            .into_iter()
            .filter(|s| !s.cancelled)
            .collect();
        let held = sessions.iter().filter(|s| s.starts_at <= now).count();
        let (enrolled, waiting) = places.get(&run.id).copied().unwrap_or_default();
        let (state, to_certify) = if run.start_date > today {
            (RunState::Upcoming, 0)
        } else if run.end_date >= today {
            (RunState::Running, 0)
        } else {
            let n = to_certify(
                completion.get(&run.id).map_or(&[][..], Vec::as_slice),
                certificates.get(&run.id).map_or(&[][..], Vec::as_slice),
            );
            (if n > 0 { RunState::ToCertify } else { RunState::Done }, n)
        };
        let next_session: Option<SessionId> =
            sessions.iter().find(|s| s.ends_at >= now).or(sessions.last()).map(|s| s.id);
        let (next, href) =
            next_action(state, &run, sessions.len(), enrolled, to_certify, next_session);
        out.push(RunOverview {
            run_id: run.id,
            course_id: course.id,
            course_title: course.title.clone(),
            course_code: course.code.clone(),
            start: fmt_date(run.start_date),
            end: fmt_date(run.end_date),
            start_date: run.start_date,
            end_date: run.end_date,
            place: run.place,
            state,
            enrolled,
            capacity: run.capacity,
            waiting,
            sessions_held: held,
            sessions_planned: sessions.len(),
            to_certify,
            next_action: next.render(i18n::DEFAULT_LANG),
            next_href: href,
        });
    }
    Ok(out)
}

/// People of an ended run who completed and hold no certificate (a revoked one is not
/// issued again by a batch, so it does not count), from the run's completion and its
/// certificates' (holder, status).
pub fn to_certify(
    completion: &[Completion], certificates: &[(ParticipantId, CertificateStatus)],
) -> usize {
    let holding: HashSet<ParticipantId> = certificates
        .iter()
        .filter(|(_, status)| {
            matches!(status, CertificateStatus::Valid | CertificateStatus::Revoked)
        })
        .map(|(holder, _)| *holder)
        .collect();
    completion.iter().filter(|c| c.completed && !holding.contains(&c.participant_id)).count()
}

fn next_action(
    state: RunState, run: &planning::models::CourseRun, sessions: usize, enrolled: i64,
    to_certify: usize, next_session: Option<SessionId>,
) -> (Text, String) {
    let run_page = format!("/runs/{}", run.id);
    match state {
        _ if sessions == 0 && state != RunState::Done => {
            (Text::key("plan.next.plan_sessions"), format!("{run_page}#sessions"))
        }
        RunState::Upcoming if enrolled == 0 => {
            (Text::key("plan.next.enrol"), format!("{run_page}#participants"))
        }
        RunState::Upcoming => (Text::key("plan.next.open"), run_page),
        RunState::Running => match next_session {
            Some(id) => (Text::key("plan.next.attendance"), format!("/sessions/{id}/roster")),
            None => (Text::key("plan.next.open"), run_page),
        },
        RunState::ToCertify => (
            Text::key("plan.next.certify").arg("count", to_certify),
            format!("{run_page}#certificates"),
        ),
        RunState::Done => (Text::key("plan.next.open"), run_page),
    }
}

/// The overview page's three parts.
pub fn runs_page(conn: &mut DbConn, actor: &Actor) -> AppResult<RunsPage> {
    let all = runs(conn, actor)?;
    let org = actor.coordinator_org()?;
    let of = |state: RunState| -> Vec<RunOverview> {
        all.iter().filter(|r| r.state == state).cloned().collect()
    };
    let (upcoming, running, to_certify) =
        (of(RunState::Upcoming), of(RunState::Running), of(RunState::ToCertify));
    Ok(RunsPage {
        counts: Counts {
            upcoming: upcoming.len(),
            running: running.len(),
            to_certify: to_certify.len(),
        },
        upcoming,
        running,
        to_certify,
        has_courses: planning::service::list_courses(conn, org)?
            .iter()
            .any(|c| c.archived_at.is_none()),
    })
}

/// `GET /api/v1/runs?state=…`: the runs in one state, or all runs in use without one. A
/// state the service does not know is refused, naming the field.
pub fn runs_in_state(
    conn: &mut DbConn, actor: &Actor, state: Option<&str>,
) -> AppResult<Vec<RunOverview>> {
    let wanted = match state.map(str::trim).filter(|s| !s.is_empty()) {
        None => None,
        Some(code) => Some(code.parse::<RunState>().map_err(|_| {
            AppError::invalid("state", Text::key("error.plan.run_state").arg("state", code))
        })?),
    };
    let all = runs(conn, actor)?;
    Ok(all.into_iter().filter(|r| wanted.is_none_or(|w| r.state == w)).collect())
}
