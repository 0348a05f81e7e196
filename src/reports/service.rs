use std::collections::BTreeMap;

use serde::Serialize;
use utoipa::ToSchema;

use super::chart::{self, Bar};
use super::filter::{Preset, ReportFilter, ReportQuery};
use super::{format, repo};
use crate::attendance::{self, models::AttendanceStatus};
use crate::auth::Actor;
use crate::db::DbConn;
use crate::error::AppResult;
use crate::i18n::{self, Text};
use crate::ids::{CourseId, ParticipantId, RunId, SessionId};
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
    /// Attendance in each session held (started, not cancelled), in order.
    pub attendance_by_session: Vec<SessionAttendance>,
}

/// How many of the people with a place attended (present or late) one held session.
#[derive(Debug, Serialize, ToSchema)]
pub struct SessionAttendance {
    #[schema(value_type = i32)]
    pub session_id: SessionId,
    /// "03.03.2026 09:00"
    pub label: String,
    /// "03.03.2026"
    pub date: String,
    pub attended: u32,
    pub enrolled: u32,
    /// Percent with one decimal (60.0), rounded half up.
    pub attendance_rate: f64,
    #[serde(skip)]
    pub tenths: u32,
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
    let rows: Vec<RunReportRow> = attendance::service::completion_for_run(conn, org, run_id)?
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
    let enrolled = u32::try_from(rows.len()).unwrap_or(u32::MAX);
    let attendance_by_session = sessions
        .iter()
        .filter(|s| !s.cancelled && s.starts_at <= now)
        .map(|s| {
            let attended = marks
                .iter()
                .filter(|m| m.session_id == s.id && m.status.attended())
                .filter(|m| rows.iter().any(|r| r.participant_id == m.participant_id))
                .count();
            let attended = u32::try_from(attended).unwrap_or(u32::MAX);
            let tenths = format::tenths_of_percent(u64::from(attended), u64::from(enrolled));
            SessionAttendance {
                session_id: s.id,
                label: format!("{} {}", s.date, s.starts_at_local),
                date: s.date.clone(),
                attended,
                enrolled,
                attendance_rate: format::percent_value(tenths),
                tenths,
            }
        })
        .collect();
    Ok(RunReport {
        attendance_by_session,
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
    /// Whole percent, rounded down (as before the one-decimal rates).
    pub attendance_percent: u32,
    pub no_show_percent: u32,
    /// Percent with one decimal (60.0), rounded half up.
    pub attendance_rate: f64,
    pub no_show_rate: f64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OrganisationReport {
    /// What the figures cover (none: everything).
    pub filter: ReportFilter,
    /// People holding a place in the runs covered.
    pub participants: i64,
    /// Runs of the course (any, without one) that overlap the period.
    pub runs: i64,
    /// Sessions of those runs held (started, not cancelled) within the period.
    pub sessions_held: i64,
    pub marks: u32,
    pub attendance_percent: u32,
    pub no_show_percent: u32,
    /// Percent with one decimal (60.0), rounded half up.
    pub attendance_rate: f64,
    pub no_show_rate: f64,
    /// Valid certificates of the runs covered.
    pub completions: i64,
    pub months: Vec<MonthFigures>,
}

fn percent(part: u32, whole: u32) -> u32 {
    (part * 100).checked_div(whole).unwrap_or(0)
}

fn rate(part: u32, whole: u32) -> f64 {
    format::percent_value(format::tenths_of_percent(u64::from(part), u64::from(whole)))
}

/// Midnight (local) of the day, in UTC.
fn local_midnight(day: chrono::NaiveDate) -> AppResult<chrono::NaiveDateTime> {
    time::from_local("from", day.and_time(chrono::NaiveTime::MIN))
}

/// The organisation's figures within the filter (a course, a period).
pub fn organisation_report(
    conn: &mut DbConn, actor: &Actor, filter: ReportFilter,
) -> AppResult<OrganisationReport> {
    let org = actor.coordinator_org()?;
    if let Some(course) = filter.course {
        planning::service::get_course(conn, org, course)?;
    }
    let now = time::now_utc();
    let runs = repo::runs_in_scope(conn, org, filter.course, filter.from, filter.to)?;
    let since = filter.from.map(local_midnight).transpose()?;
    let before = filter.to.and_then(|t| t.succ_opt()).map(local_midnight).transpose()?;
    let marks = repo::marks_with_times(conn, org, &runs, since, before, now)?;
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
            attendance_rate: rate(a, m),
            no_show_rate: rate(n, m),
        })
        .collect();
    let total: u32 = months.iter().map(|m| m.marks).sum();
    let attended: u32 = months.iter().map(|m| m.attended).sum();
    let no_shows: u32 = months.iter().map(|m| m.no_shows).sum();
    Ok(OrganisationReport {
        filter,
        participants: repo::people_with_a_place(conn, org, &runs)?,
        runs: i64::try_from(runs.len()).unwrap_or(i64::MAX),
        sessions_held: repo::sessions_held(conn, org, &runs, since, before, now)?,
        marks: total,
        attendance_percent: percent(attended, total),
        no_show_percent: percent(no_shows, total),
        attendance_rate: rate(attended, total),
        no_show_rate: rate(no_shows, total),
        completions: repo::completions(conn, org, &runs)?,
        months,
    })
}

/// The report page of a run: the matrix, and attendance per held session as a chart and
/// a table.
#[derive(Debug, Serialize)]
pub struct RunReportPage {
    pub run_id: RunId,
    pub report: RunReport,
    pub sessions: Vec<SessionLine>,
    pub chart: Option<String>,
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

/// One held session's attendance in the run report's chart and its table.
#[derive(Debug, Serialize)]
pub struct SessionLine {
    pub label: String,
    pub attended: u32,
    pub enrolled: u32,
    pub attendance: String,
}

pub fn run_report_page(
    conn: &mut DbConn, actor: &Actor, run_id: RunId,
) -> AppResult<RunReportPage> {
    let report = run_report(conn, actor, run_id)?;
    let lang = i18n::DEFAULT_LANG;
    let lines: Vec<SessionLine> = report
        .attendance_by_session
        .iter()
        .map(|s| SessionLine {
            label: s.label.clone(),
            attended: s.attended,
            enrolled: s.enrolled,
            attendance: format::percent(s.tenths),
        })
        .collect();
    let chart = (!lines.is_empty()).then(|| {
        let bars: Vec<Bar> = report
            .attendance_by_session
            .iter()
            .map(|s| Bar {
                label: s.date.clone(),
                tenths: s.tenths,
                value: format::percent(s.tenths),
                detail: Some(
                    Text::key("rep.of")
                        .arg("part", s.attended)
                        .arg("whole", s.enrolled)
                        .render(lang),
                ),
            })
            .collect();
        let summary = Text::key("rep.chart_sessions_desc").arg("count", bars.len()).render(lang);
        chart::bars("sessions", &i18n::text(lang, "rep.chart_sessions"), &summary, &bars)
    });
    Ok(RunReportPage { run_id, report, sessions: lines, chart })
}

/// A month of the organisation's report as the page shows it.
#[derive(Debug, Serialize)]
pub struct MonthLine {
    pub label: String,
    pub marks: String,
    pub attended: String,
    pub attendance: String,
    pub no_shows: String,
}

/// The report's figures in German form.
#[derive(Debug, Serialize)]
pub struct Figures {
    pub participants: String,
    pub runs: String,
    pub sessions_held: String,
    pub attendance: String,
    pub no_shows: String,
    pub completions: String,
}

#[derive(Debug, Serialize)]
pub struct CourseOption {
    pub id: CourseId,
    pub label: String,
    pub selected: bool,
}

#[derive(Debug, Serialize)]
pub struct PresetLink {
    pub href: String,
    pub label: String,
    pub current: bool,
}

/// What the filter form shows: the dates and course as typed or chosen.
#[derive(Debug, Default, Serialize)]
pub struct FilterFields {
    pub from: String,
    pub to: String,
    pub course: String,
}

/// The organisation's report page: the filter, the figures, attendance by month as a
/// chart and as a table; without figures when the filter was refused.
#[derive(Debug, Serialize)]
pub struct OrganisationReportPage {
    pub form: FilterFields,
    pub courses: Vec<CourseOption>,
    pub presets: Vec<PresetLink>,
    /// "01.01.2026 – 31.03.2026", "ab …", "bis …", or nothing (all of it).
    pub period: Option<String>,
    pub figures: Option<Figures>,
    pub months: Vec<MonthLine>,
    pub chart: Option<String>,
    /// The filter as a query string for the export links (`?from=…`), or empty: checked
    /// dates and a number only, so the template writes it unescaped.
    pub export_query: String,
}

fn period_words(filter: &ReportFilter, lang: &str) -> Option<String> {
    let date = |d: chrono::NaiveDate| time::fmt_date(d);
    match (filter.from, filter.to) {
        (Some(f), Some(t)) => Some(format!("{} – {}", date(f), date(t))),
        (Some(f), None) => Some(Text::key("rep.since").arg("date", date(f)).render(lang)),
        (None, Some(t)) => Some(Text::key("rep.until").arg("date", date(t)).render(lang)),
        (None, None) => None,
    }
}

/// The page with the filter's form as `query` sent it; figures when `filter` is the
/// checked filter, none when it was refused.
pub fn organisation_report_page(
    conn: &mut DbConn, actor: &Actor, query: &ReportQuery, filter: Option<ReportFilter>,
) -> AppResult<OrganisationReportPage> {
    let org = actor.coordinator_org()?;
    let lang = i18n::DEFAULT_LANG;
    let today = time::today_local();
    let text = |v: &Option<String>| v.clone().unwrap_or_default();
    let form = match filter {
        Some(f) => FilterFields {
            from: f.from.map(|d| d.to_string()).unwrap_or_default(),
            to: f.to.map(|d| d.to_string()).unwrap_or_default(),
            course: f.course.map(|c| c.to_string()).unwrap_or_default(),
        },
        None => FilterFields {
            from: text(&query.from),
            to: text(&query.to),
            course: text(&query.course),
        },
    };
    let courses = planning::service::list_courses(conn, org)?
        .into_iter()
        .map(|c| CourseOption {
            selected: form.course == c.id.to_string(),
            label: format!("{} ({})", c.title, c.code),
            id: c.id,
        })
        .collect();
    let course_part =
        if form.course.is_empty() { String::new() } else { format!("&course={}", form.course) };
    let presets = Preset::ALL
        .iter()
        .map(|p| {
            let (from, to) = p.range(today);
            PresetLink {
                href: format!("/reports?period={}{course_part}", p.code()),
                label: i18n::text(lang, p.label_key()),
                current: filter.is_some_and(|f| f.from == Some(from) && f.to == Some(to)),
            }
        })
        .collect();
    let Some(filter) = filter else {
        let page = OrganisationReportPage {
            form,
            courses,
            presets,
            period: None,
            figures: None,
            months: Vec::new(),
            chart: None,
            export_query: String::new(),
        };
        return Ok(page);
    };
    let report = organisation_report(conn, actor, filter)?;
    let figures = Figures {
        participants: format::number(report.participants),
        runs: format::number(report.runs),
        sessions_held: format::number(report.sessions_held),
        attendance: format::percent(tenths(report.attendance_rate)),
        no_shows: format::percent(tenths(report.no_show_rate)),
        completions: format::number(report.completions),
    };
    let months: Vec<MonthLine> = report
        .months
        .iter()
        .map(|m| MonthLine {
            label: format::month_key(lang, &m.month),
            marks: format::number(i64::from(m.marks)),
            attended: format::number(i64::from(m.attended)),
            attendance: format::percent(tenths(m.attendance_rate)),
            no_shows: format::percent(tenths(m.no_show_rate)),
        })
        .collect();
    let chart = (!months.is_empty()).then(|| {
        let bars: Vec<Bar> = report
            .months
            .iter()
            .zip(&months)
            .map(|(m, line)| Bar {
                label: line.label.clone(),
                tenths: tenths(m.attendance_rate),
                value: line.attendance.clone(),
                detail: Some(
                    Text::key("rep.of").arg("part", m.attended).arg("whole", m.marks).render(lang),
                ),
            })
            .collect();
        let summary = Text::key("rep.chart_months_desc").arg("count", bars.len()).render(lang);
        chart::bars("months", &i18n::text(lang, "rep.chart_months"), &summary, &bars)
    });
    Ok(OrganisationReportPage {
        form,
        courses,
        presets,
        period: period_words(&filter, lang),
        figures: Some(figures),
        months,
        chart,
        export_query: filter.query_string(),
    })
}

/// A rate (60.0) back in tenths of a percent (600).
fn tenths(rate: f64) -> u32 {
    // Rates are tenths divided by ten: the product is a whole number in 0..=1000.
    (rate * 10.0).round().clamp(0.0, 1000.0) as u32
}
