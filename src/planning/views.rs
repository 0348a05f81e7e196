//! What the planning pages and the planning API show: one use case per page, typed, each
//! checking the caller's role itself. Where the browser and the API do the same thing (a
//! course with its modules and runs, a run with its sessions) both call the same use case;
//! the API answers with the part it documents.

use chrono::{Datelike, Duration, NaiveDate};
use serde::Serialize;

use super::correct::{self, ShowArchived};
use super::models::*;
use super::{repo, service};
use crate::auth::{self, Actor};
use crate::db::DbConn;
use crate::error::{AppError, AppResult};
use crate::i18n::{self, LanguageOption, Text};
use crate::ids::{CourseId, LocationId, ModuleId, OrgId, RunId, SessionId, UserId};
use crate::time::{self, fmt_date};

/// The organisation's courses in use (archived ones aside), by code.
pub fn courses(conn: &mut DbConn, actor: &Actor) -> AppResult<Vec<Course>> {
    correct::courses(conn, actor, ShowArchived(false))
}

#[derive(Debug, Serialize)]
pub struct CoursesPage {
    pub courses: Vec<Course>,
    /// What the new-course form shows: empty, or the input that was refused.
    pub form: NewCourse,
    /// Archived courses are listed too ("Archiv anzeigen").
    pub show_archived: bool,
    /// How many archived courses the filter would show.
    pub archived: usize,
}

pub fn courses_page(conn: &mut DbConn, actor: &Actor) -> AppResult<CoursesPage> {
    courses_page_with(conn, actor, ShowArchived(false))
}

pub fn courses_page_with(
    conn: &mut DbConn, actor: &Actor, show: ShowArchived,
) -> AppResult<CoursesPage> {
    let all = correct::courses(conn, actor, ShowArchived(true))?;
    let archived = all.iter().filter(|c| c.archived_at.is_some()).count();
    Ok(CoursesPage {
        courses: all.into_iter().filter(|c| show.0 || c.archived_at.is_none()).collect(),
        form: NewCourse::default(),
        show_archived: show.0,
        archived,
    })
}

/// A course with its modules (in order) and runs: `GET /api/v1/courses/{id}`.
#[derive(Debug, Serialize)]
pub struct CourseDetail {
    pub course: Course,
    pub modules: Vec<CourseModule>,
    pub runs: Vec<CourseRun>,
}

pub fn course(conn: &mut DbConn, actor: &Actor, course_id: CourseId) -> AppResult<CourseDetail> {
    let org = actor.coordinator_org()?;
    Ok(CourseDetail {
        course: repo::get_course(conn, org, course_id)?,
        modules: repo::modules_of(conn, org, course_id)?,
        runs: repo::runs_of_course(conn, org, course_id)?,
    })
}

/// The course page: the course, its modules and runs, and the forms for a new module and
/// a new run.
#[derive(Debug, Serialize)]
pub struct CoursePage {
    pub course: Course,
    pub modules: Vec<CourseModule>,
    pub runs: Vec<RunLine>,
    /// Archived runs are listed too.
    pub show_archived: bool,
    /// How many archived runs the filter would show.
    pub archived_runs: usize,
    /// Runs whose valid certificates print an older title or module text (filled by
    /// `runs::correct`, which sees certificates).
    pub older_text: Vec<OlderText>,
    /// Interpreter languages to tick for a new run.
    pub languages: Vec<LanguageOption>,
    pub module_form: ModuleFields,
    pub run_form: RunFields,
    /// The completion rules as stored, or as typed when a save was refused.
    pub rules_form: RulesFields,
}

/// The completion-rule fields as the form shows them.
#[derive(Debug, Default, Serialize)]
pub struct RulesFields {
    pub min_attendance_percent: String,
    pub test_max_points: String,
    pub test_pass_points: String,
    pub test_must_pass_questions: String,
}

impl RulesFields {
    fn of(course: &Course) -> Self {
        let text = |v: Option<i32>| v.map(|v| v.to_string()).unwrap_or_default();
        RulesFields {
            min_attendance_percent: text(course.min_attendance_percent),
            test_max_points: text(course.test_max_points),
            test_pass_points: text(course.test_pass_points),
            test_must_pass_questions: course.test_must_pass_questions.to_string(),
        }
    }
}

/// A run as the course page lists it.
#[derive(Debug, Serialize)]
pub struct RunLine {
    pub id: RunId,
    pub start: String,
    pub end: String,
    pub place: String,
    pub capacity: i32,
    pub archived: bool,
}

/// A run whose valid certificates print text the course no longer has.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct OlderText {
    #[schema(value_type = i32)]
    pub run_id: RunId,
    pub start: String,
    /// Valid certificates printing the older text.
    pub certificates: usize,
}

/// What the new-module form shows again after a refused save.
#[derive(Debug, Default, Serialize)]
pub struct ModuleFields {
    pub title: String,
    pub duration_minutes: String,
    pub mandatory: bool,
    pub description: String,
}

/// What the new-run form shows again after a refused save.
#[derive(Debug, Default, Serialize)]
pub struct RunFields {
    pub start_date: String,
    pub end_date: String,
    pub place: String,
    pub capacity: String,
}

pub fn course_page(conn: &mut DbConn, actor: &Actor, course_id: CourseId) -> AppResult<CoursePage> {
    course_page_with(conn, actor, course_id, ShowArchived(false))
}

pub fn course_page_with(
    conn: &mut DbConn, actor: &Actor, course_id: CourseId, show: ShowArchived,
) -> AppResult<CoursePage> {
    let CourseDetail { course, modules, runs } = course(conn, actor, course_id)?;
    let archived_runs = runs.iter().filter(|r| r.archived_at.is_some()).count();
    let runs = runs
        .into_iter()
        .filter(|r| show.0 || r.archived_at.is_none())
        .map(|r| RunLine {
            id: r.id,
            start: fmt_date(r.start_date),
            end: fmt_date(r.end_date),
            place: r.place,
            capacity: r.capacity,
            archived: r.archived_at.is_some(),
        })
        .collect();
    Ok(CoursePage {
        rules_form: RulesFields::of(&course),
        course,
        modules,
        runs,
        show_archived: show.0,
        archived_runs,
        older_text: Vec::new(),
        languages: i18n::language_options(&[]),
        module_form: ModuleFields::default(),
        run_form: RunFields::default(),
    })
}

/// A run with its sessions: `GET /api/v1/runs/{id}`.
#[derive(Debug, Serialize)]
pub struct RunDetail {
    pub run: CourseRun,
    pub sessions: Vec<SessionView>,
}

pub fn run(conn: &mut DbConn, actor: &Actor, run_id: RunId) -> AppResult<RunDetail> {
    run_detail(conn, actor.coordinator_org()?, run_id)
}

/// The run and its sessions (without planning warnings), for the API and the run page.
pub(crate) fn run_detail(conn: &mut DbConn, org: OrgId, run_id: RunId) -> AppResult<RunDetail> {
    Ok(RunDetail {
        run: repo::get_run(conn, org, run_id)?,
        sessions: service::session_views(conn, org, Some(run_id), None)?,
    })
}

/// The page for editing one session.
#[derive(Debug, Serialize)]
pub struct SessionEditPage {
    /// The session as planned, with its planning warnings.
    pub session: SessionView,
    pub run_id: RunId,
    pub modules: Vec<ModuleChoice>,
    pub trainers: Vec<TrainerChoice>,
    /// The places to choose from: those in use, and the session's own.
    pub locations: Vec<LocationChoice>,
    pub languages: Vec<LanguageOption>,
    pub form: SessionFields,
}

#[derive(Debug, Serialize)]
pub struct ModuleChoice {
    pub id: ModuleId,
    pub title: String,
    pub mandatory: bool,
}

#[derive(Debug, Serialize)]
pub struct TrainerChoice {
    pub id: UserId,
    pub name: String,
}

/// Date, times and place of a session as the forms show them (local time).
#[derive(Debug, Default, Clone, Serialize)]
pub struct SessionFields {
    pub date: String,
    pub start: String,
    pub end: String,
    pub location: String,
    /// The registered place chosen (its id), empty: none.
    pub location_id: String,
    /// The run page's new-session form is shown open (after a refusal, or a new place).
    pub open: bool,
    /// The boxes ticked (ids and language codes as the form sends them).
    pub trainer_ids: Vec<String>,
    pub module_ids: Vec<String>,
    pub interpreter_languages: Vec<String>,
}

pub fn session_edit_page(
    conn: &mut DbConn, actor: &Actor, session_id: SessionId,
) -> AppResult<SessionEditPage> {
    let org = actor.coordinator_org()?;
    let s = repo::get_session(conn, org, session_id)?;
    let run = repo::get_run(conn, org, s.run_id)?;
    let view = service::run_sessions_with_warnings(conn, org, s.run_id)?
        .into_iter()
        .find(|v| v.id == session_id)
        .ok_or_else(|| AppError::not_found("thing.session"))?;
    let modules = repo::modules_of(conn, org, run.course_id)?
        .into_iter()
        .map(|m| ModuleChoice { id: m.id, title: m.title, mandatory: m.mandatory })
        .collect();
    let trainers = auth::service::trainers_of(conn, org)?
        .into_iter()
        .map(|u| TrainerChoice { id: u.id, name: u.display_name })
        .collect();
    let local = time::to_local(s.starts_at);
    Ok(SessionEditPage {
        languages: i18n::language_options(&[]),
        form: SessionFields {
            date: local.date_naive().to_string(),
            start: local.format("%H:%M").to_string(),
            end: time::to_local(s.ends_at).format("%H:%M").to_string(),
            location: view.location.clone(),
            location_id: s.location_id.map(|id| id.to_string()).unwrap_or_default(),
            open: false,
            trainer_ids: view.trainer_ids.iter().map(ToString::to_string).collect(),
            module_ids: view.module_ids.iter().map(ToString::to_string).collect(),
            interpreter_languages: view.interpreter_language_codes.clone(),
        },
        session: view,
        run_id: run.id,
        modules,
        trainers,
        locations: choices(&location_choices(conn, org, s.location_id)?),
    })
}

/// A place as a session form's `<select>` offers it (the id as the form sends it back).
#[derive(Debug, Clone, Serialize)]
pub struct LocationChoice {
    pub id: String,
    pub name: String,
    pub room: String,
}

pub fn choices(locations: &[Location]) -> Vec<LocationChoice> {
    locations
        .iter()
        .map(|l| LocationChoice {
            id: l.id.to_string(),
            name: l.name.clone(),
            room: l.room.clone(),
        })
        .collect()
}

/// The places a session form offers: those in use, and the one already chosen (even when
/// archived since).
pub fn location_choices(
    conn: &mut DbConn, org: OrgId, chosen: Option<LocationId>,
) -> AppResult<Vec<Location>> {
    Ok(repo::list_all_locations(conn, org)?
        .into_iter()
        .filter(|l| l.archived_at.is_none() || Some(l.id) == chosen)
        .collect())
}

/// A trainer's own sessions (today's first) and their personal calendar link.
#[derive(Debug, Serialize)]
pub struct MySessionsPage {
    pub sessions: Vec<SessionView>,
    pub calendar_url: Option<String>,
}

pub fn my_sessions_page(
    conn: &mut DbConn, settings: &crate::config::Settings, actor: &Actor,
) -> AppResult<MySessionsPage> {
    Ok(MySessionsPage {
        sessions: service::my_sessions(conn, actor)?,
        calendar_url: service::my_calendar_url(conn, settings, actor)?,
    })
}

#[derive(Debug, Serialize)]
pub struct LocationsPage {
    pub locations: Vec<Location>,
    pub form: LocationFields,
    pub show_archived: bool,
    /// How many archived places the filter would show.
    pub archived: usize,
    /// The place a refused new one duplicates: the page links to it.
    pub duplicate_of: Option<Location>,
    /// Where a new place leads back to: the session form of this run or session.
    pub for_run: Option<RunId>,
    pub for_session: Option<SessionId>,
    /// What was typed into that session form, carried along and back (query-encoded).
    pub draft: String,
}

/// What the new-place form shows again after a refused save.
#[derive(Debug, Default, Serialize)]
pub struct LocationFields {
    pub name: String,
    pub address: String,
    pub room: String,
    pub capacity: String,
}

pub fn locations_page(conn: &mut DbConn, actor: &Actor) -> AppResult<LocationsPage> {
    locations_page_with(conn, actor, ShowArchived(false))
}

pub fn locations_page_with(
    conn: &mut DbConn, actor: &Actor, show: ShowArchived,
) -> AppResult<LocationsPage> {
    let all = correct::locations(conn, actor, ShowArchived(true))?;
    let archived = all.iter().filter(|l| l.archived_at.is_some()).count();
    Ok(LocationsPage {
        locations: all.into_iter().filter(|l| show.0 || l.archived_at.is_none()).collect(),
        form: LocationFields::default(),
        show_archived: show.0,
        archived,
        duplicate_of: None,
        draft: String::new(),
        for_run: None,
        for_session: None,
    })
}

/// The page of one course's code, title and description.
#[derive(Debug, Serialize)]
pub struct CourseEditPage {
    pub course: Course,
    pub form: NewCourse,
}

pub fn course_edit_page(
    conn: &mut DbConn, actor: &Actor, course_id: CourseId,
) -> AppResult<CourseEditPage> {
    let course = repo::get_course(conn, actor.coordinator_org()?, course_id)?;
    let form = NewCourse {
        code: course.code.clone(),
        title: course.title.clone(),
        description: course.description.clone(),
    };
    Ok(CourseEditPage { course, form })
}

/// The page of one module.
#[derive(Debug, Serialize)]
pub struct ModuleEditPage {
    pub course: Course,
    pub module: CourseModule,
    pub form: ModuleFields,
}

pub fn module_edit_page(
    conn: &mut DbConn, actor: &Actor, course_id: CourseId, module_id: ModuleId,
) -> AppResult<ModuleEditPage> {
    let org = actor.coordinator_org()?;
    let module = correct::get_module(conn, org, course_id, module_id)?;
    Ok(ModuleEditPage {
        course: repo::get_course(conn, org, course_id)?,
        form: ModuleFields {
            title: module.title.clone(),
            duration_minutes: module.duration_minutes.to_string(),
            mandatory: module.mandatory,
            description: module.description.clone(),
        },
        module,
    })
}

/// The page of one place.
#[derive(Debug, Serialize)]
pub struct LocationEditPage {
    pub location: Location,
    pub form: LocationFields,
    pub duplicate_of: Option<Location>,
}

pub fn location_edit_page(
    conn: &mut DbConn, actor: &Actor, id: LocationId,
) -> AppResult<LocationEditPage> {
    let location = correct::get_location(conn, actor, id)?;
    Ok(LocationEditPage {
        form: LocationFields {
            name: location.name.clone(),
            address: location.address.clone(),
            room: location.room.clone(),
            capacity: location.capacity.map(|c| c.to_string()).unwrap_or_default(),
        },
        location,
        duplicate_of: None,
    })
}

/// Keys of the weekdays' short names, Monday first.
const WEEKDAYS: [&str; 7] = [
    "calendar.day.mon",
    "calendar.day.tue",
    "calendar.day.wed",
    "calendar.day.thu",
    "calendar.day.fri",
    "calendar.day.sat",
    "calendar.day.sun",
];

const MONTHS: [&str; 12] = [
    "calendar.month.jan",
    "calendar.month.feb",
    "calendar.month.mar",
    "calendar.month.apr",
    "calendar.month.may",
    "calendar.month.jun",
    "calendar.month.jul",
    "calendar.month.aug",
    "calendar.month.sep",
    "calendar.month.oct",
    "calendar.month.nov",
    "calendar.month.dec",
];

/// The calendar's words are German, the planning pages' language.
fn word(key: &str) -> String {
    i18n::text(i18n::DEFAULT_LANG, key)
}

/// The organisation's sessions by week or by month.
#[derive(Debug, Serialize)]
pub struct CalendarPage {
    pub month_view: bool,
    pub heading: String,
    pub days: Vec<CalendarDay>,
    /// The same days, seven to a row (the month grid).
    pub weeks: Vec<Vec<CalendarDay>>,
    pub weekdays: Vec<String>,
    pub prev: String,
    pub next: String,
    /// The same date in the other view.
    pub switch: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct CalendarDay {
    pub date: String,
    pub day: u32,
    pub weekday: String,
    pub today: bool,
    /// In the month grid, a day of the month before or after.
    pub other_month: bool,
    pub sessions: Vec<SessionView>,
}

/// The days a calendar view covers, where its arrows lead and its heading: a week from
/// Monday to Sunday, or a month filled up to whole weeks.
#[derive(Debug, PartialEq, Eq)]
pub struct CalendarSpan {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub prev: NaiveDate,
    pub next: NaiveDate,
    pub heading: String,
}

pub fn calendar_span(day: NaiveDate, month_view: bool) -> CalendarSpan {
    let monday_of =
        |d: NaiveDate| d - Duration::days(i64::from(d.weekday().num_days_from_monday()));
    if month_view {
        let first = day.with_day(1).unwrap_or(day);
        let next_month = (first + Duration::days(32)).with_day(1).unwrap_or(first);
        let prev_month = (first - Duration::days(1)).with_day(1).unwrap_or(first);
        let last = next_month - Duration::days(1);
        CalendarSpan {
            from: monday_of(first),
            to: monday_of(last) + Duration::days(6),
            prev: prev_month,
            next: next_month,
            heading: format!("{} {}", word(MONTHS[first.month0() as usize]), first.year()),
        }
    } else {
        let monday = monday_of(day);
        let sunday = monday + Duration::days(6);
        CalendarSpan {
            from: monday,
            to: sunday,
            prev: monday - Duration::days(7),
            next: monday + Duration::days(7),
            heading: Text::key("calendar.week_heading")
                .arg("week", monday.iso_week().week())
                .arg("from", fmt_date(monday))
                .arg("to", fmt_date(sunday))
                .render(i18n::DEFAULT_LANG),
        }
    }
}

/// The calendar around `day` (today when none is given).
pub fn calendar_page(
    conn: &mut DbConn, actor: &Actor, month_view: bool, day: Option<NaiveDate>,
) -> AppResult<CalendarPage> {
    let day = day.unwrap_or_else(time::today_local);
    let span = calendar_span(day, month_view);
    let sessions = service::sessions_with_warnings_between(conn, actor, span.from, span.to)?;
    let today = time::today_local();
    let mut days = Vec::new();
    let mut d = span.from;
    while d <= span.to {
        days.push(CalendarDay {
            date: fmt_date(d),
            day: d.day(),
            weekday: word(WEEKDAYS[d.weekday().num_days_from_monday() as usize]),
            today: d == today,
            other_month: month_view && d.month() != day.month(),
            sessions: sessions
                .iter()
                .filter(|s| time::to_local(s.starts_at).date_naive() == d)
                .cloned()
                .collect(),
        });
        d += Duration::days(1);
    }
    let view = if month_view { "month" } else { "week" };
    let other = if month_view { "week" } else { "month" };
    Ok(CalendarPage {
        month_view,
        heading: span.heading,
        weeks: days.chunks(7).map(<[CalendarDay]>::to_vec).collect(),
        days,
        weekdays: WEEKDAYS.iter().map(|k| word(k)).collect(),
        prev: format!("/calendar?view={view}&date={}", span.prev),
        next: format!("/calendar?view={view}&date={}", span.next),
        switch: format!("/calendar?view={other}&date={day}"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn a_week_runs_from_monday_to_sunday() {
        let span = calendar_span(date("2026-12-03"), false);
        assert_eq!(span.from, date("2026-11-30"));
        assert_eq!(span.to, date("2026-12-06"));
        assert_eq!(span.prev, date("2026-11-23"));
        assert_eq!(span.next, date("2026-12-07"));
        assert_eq!(span.heading, "Woche 49 · 30.11.2026 – 06.12.2026");
    }

    #[test]
    fn a_month_is_filled_up_to_whole_weeks() {
        let span = calendar_span(date("2026-02-14"), true);
        assert_eq!(span.from, date("2026-01-26"));
        assert_eq!(span.to, date("2026-03-01"));
        assert_eq!(span.prev, date("2026-01-01"));
        assert_eq!(span.next, date("2026-03-01"));
        assert_eq!(span.heading, "Februar 2026");
    }

    proptest::proptest! {
        #[test]
        fn every_view_starts_on_monday_and_holds_the_day(days in 0i64..20_000, month in proptest::bool::ANY) {
            let day = date("2000-01-01") + Duration::days(days);
            let span = calendar_span(day, month);
            proptest::prop_assert_eq!(span.from.weekday(), chrono::Weekday::Mon);
            proptest::prop_assert_eq!(span.to.weekday(), chrono::Weekday::Sun);
            proptest::prop_assert!(span.from <= day && day <= span.to);
            proptest::prop_assert!(span.prev < day && day < span.next);
        }
    }
}
