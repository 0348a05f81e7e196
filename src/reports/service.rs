use std::collections::BTreeMap;

use serde::Serialize;
use utoipa::ToSchema;

use super::repo;
use crate::attendance::{self, models::AttendanceStatus};
use crate::auth::Actor;
use crate::db::DbConn;
use crate::error::AppResult;
use crate::ids::{ParticipantId, RunId, SessionId};
use crate::planning;
use crate::time;

#[derive(Debug, Serialize, ToSchema)]
pub struct SessionColumn {
    #[schema(value_type = i32)]
    pub id: SessionId,
    pub label: String,
    pub cancelled: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RunReportRow {
    #[schema(value_type = i32)]
    pub participant_id: ParticipantId,
    pub name: String,
    /// One entry per session column: anwesend, verspätet, entschuldigt, abwesend or empty
    /// (always empty for a session that has not started).
    pub marks: Vec<String>,
    pub attendance_percent: u32,
    pub test_points: Option<i32>,
    pub test_passed: Option<bool>,
    pub completed: bool,
    pub reasons: Vec<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RunReport {
    pub course_title: String,
    pub course_code: String,
    pub period: String,
    pub sessions: Vec<SessionColumn>,
    pub rows: Vec<RunReportRow>,
}

pub fn run_report(conn: &mut DbConn, actor: &Actor, run_id: RunId) -> AppResult<RunReport> {
    let org = actor.coordinator_org()?;
    let run = planning::service::get_run(conn, org, run_id)?;
    let course = planning::service::get_course(conn, org, run.course_id)?;
    let sessions = planning::service::session_views(conn, org, Some(run_id), None)?;
    // A session still to come shows no marks: the report describes what took place.
    let now = time::now_utc();
    let marks: Vec<_> = attendance::service::marks_for_run(conn, org, run_id)?
        .into_iter()
        .filter(|m| sessions.iter().any(|s| s.id == m.session_id && s.starts_at <= now))
        .collect();
    let rows = attendance::service::completion_for_run(conn, org, run_id)?
        .into_iter()
        .map(|c| RunReportRow {
            participant_id: c.participant_id,
            marks: sessions
                .iter()
                .map(|s| {
                    marks
                        .iter()
                        .find(|m| m.session_id == s.id && m.participant_id == c.participant_id)
                        .map(|m| m.status.label())
                        .unwrap_or_default()
                })
                .collect(),
            name: c.name,
            attendance_percent: c.attendance_percent,
            test_points: c.test.as_ref().map(|t| t.points),
            test_passed: c.test.as_ref().map(|t| t.passed),
            completed: c.completed,
            reasons: c.reasons,
        })
        .collect();
    Ok(RunReport {
        course_title: course.title,
        course_code: course.code,
        period: format!(
            "{} – {}",
            crate::time::fmt_date(run.start_date),
            crate::time::fmt_date(run.end_date)
        ),
        sessions: sessions
            .iter()
            .map(|s| SessionColumn {
                id: s.id,
                label: format!("{} {}", s.date, s.starts_at_local),
                cancelled: s.cancelled,
            })
            .collect(),
        rows,
    })
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MonthFigures {
    /// "2026-03"
    pub month: String,
    pub marks: u32,
    pub attended: u32,
    pub no_shows: u32,
    pub attendance_percent: u32,
    pub no_show_percent: u32,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OrganisationReport {
    pub participants: i64,
    pub runs: i64,
    pub sessions_held: i64,
    pub marks: u32,
    pub attendance_percent: u32,
    pub no_show_percent: u32,
    pub completions: i64,
    pub months: Vec<MonthFigures>,
}

fn percent(part: u32, whole: u32) -> u32 {
    (part * 100).checked_div(whole).unwrap_or(0)
}

pub fn organisation_report(conn: &mut DbConn, actor: &Actor) -> AppResult<OrganisationReport> {
    let org = actor.coordinator_org()?;
    let now = time::now_utc();
    let counts = repo::organisation_counts(conn, org, now)?;
    let marks = repo::marks_with_times(conn, org, now)?;
    let mut by_month: BTreeMap<String, (u32, u32, u32)> = BTreeMap::new();
    for (status, starts_at) in &marks {
        let month = time::to_local(*starts_at).format("%Y-%m").to_string();
        let entry = by_month.entry(month).or_default();
        entry.0 += 1;
        if status.attended() {
            entry.1 += 1;
        } else if *status == AttendanceStatus::Absent {
            entry.2 += 1;
        }
    }
    let months: Vec<MonthFigures> = by_month
        .into_iter()
        .map(|(month, (m, a, n))| MonthFigures {
            month,
            marks: m,
            attended: a,
            no_shows: n,
            attendance_percent: percent(a, m),
            no_show_percent: percent(n, m),
        })
        .collect();
    let total: u32 = months.iter().map(|m| m.marks).sum();
    let attended: u32 = months.iter().map(|m| m.attended).sum();
    let no_shows: u32 = months.iter().map(|m| m.no_shows).sum();
    Ok(OrganisationReport {
        participants: counts.participants,
        runs: counts.runs,
        sessions_held: counts.sessions_held,
        marks: total,
        attendance_percent: percent(attended, total),
        no_show_percent: percent(no_shows, total),
        completions: counts.completions,
        months,
    })
}

/// The report page of a run.
#[derive(Debug, Serialize)]
pub struct RunReportPage {
    pub run_id: RunId,
    pub report: RunReport,
}

/// A report leaves the service as a file (`csv`, `xlsx`): recorded in the audit log with
/// the run it is about (none: the organisation's report). Another format is not found,
/// before anything is recorded.
pub fn record_export(
    conn: &mut DbConn, actor: &Actor, run_id: Option<RunId>, format: &str,
) -> AppResult<()> {
    let org = actor.coordinator_org()?;
    let format = match format {
        "csv" => "csv",
        "xlsx" => "xlsx",
        _ => {
            return Err(crate::error::AppError::NotFound(crate::i18n::Text::key(
                "error.download_format",
            )))
        }
    };
    crate::db::write_transaction(conn, |conn| {
        let entry = crate::audit::Entry::new(Some(org), Some(actor.user_id), "report.export");
        match run_id {
            Some(run) => entry.on("course_run", Some(run.into())),
            None => entry.on("organisation", Some(org.into())),
        }
        .detail(format)
        .record(conn)
    })
}

pub fn run_report_page(
    conn: &mut DbConn, actor: &Actor, run_id: RunId,
) -> AppResult<RunReportPage> {
    Ok(RunReportPage { run_id, report: run_report(conn, actor, run_id)? })
}

/// The organisation's report page, with attendance by month drawn as a chart (SVG).
#[derive(Debug, Serialize)]
pub struct OrganisationReportPage {
    pub report: OrganisationReport,
    pub chart: Option<String>,
}

pub fn organisation_report_page(
    conn: &mut DbConn, actor: &Actor,
) -> AppResult<OrganisationReportPage> {
    let report = organisation_report(conn, actor)?;
    let chart = if report.months.is_empty() {
        None
    } else {
        Some(super::chart::attendance_by_month(&report.months)?)
    };
    Ok(OrganisationReportPage { report, chart })
}
