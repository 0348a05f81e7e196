//! Correcting the plan: editing, deleting and archiving courses, modules, runs, sessions
//! and places. Each use case checks the caller's role and organisation; changes run in one
//! transaction with an audit entry.
//!
//! Rules:
//! - What has history is not deleted: a course with runs (or questionnaires about it), a
//!   run anyone was enrolled in (or with marks, test results, certificates, reminders), a
//!   session in which anyone was marked or about which reminders went out, a module covered
//!   by a session with marks, a place where sessions were held. Deleting those is refused
//!   with the reason; courses, runs and places can be **archived** instead: they leave the
//!   lists and choices, everything else stays, and they can be restored.
//! - Before deleting, [`Deletion`] says what goes with it and what stays; the pages show it
//!   on a confirmation page, the API answers 409 with the reason.
//! - A session of a run people are enrolled in is cancelled, not deleted, so they are told.
//! - Places are not duplicated: a name that only differs in case or spaces from another
//!   place of the organisation is refused, naming that place.
//! - What issued certificates print does not change with any of this (see
//!   `certificates::printed`); the half of a course or module edit that concerns
//!   certificates lives in `runs::correct`.

use std::collections::HashMap;

use chrono::NaiveDateTime;
use serde::Serialize;

use super::models::*;
use super::repo;
use crate::audit;
use crate::auth::Actor;
use crate::db::DbConn;
use crate::error::{AppError, AppResult};
use crate::i18n::Text;
use crate::ids::{CourseId, LocationId, ModuleId, OrgId, RunId, SessionId};
use crate::time;
use crate::validate;
use crate::validate::printable::{self, Printed};

/// What deleting something would do: what goes with it, what stays, and, when it cannot be
/// deleted, why (and whether it can be archived instead).
#[derive(Debug, Clone)]
pub struct Deletion {
    /// The thing's name as shown (a title, a date).
    pub name: String,
    pub goes: Vec<Text>,
    pub stays: Vec<Text>,
    /// Why it cannot be deleted; `None`: it can.
    pub blocked: Option<Text>,
    /// Whether archiving is offered instead (courses, runs and places).
    pub can_archive: bool,
    pub archived: bool,
}

impl Deletion {
    fn new(name: impl Into<String>, can_archive: bool, archived: bool) -> Deletion {
        Deletion {
            name: name.into(),
            goes: Vec::new(),
            stays: Vec::new(),
            blocked: None,
            can_archive,
            archived,
        }
    }

    /// The refusal for the API and a form posted anyway.
    fn refuse(&self) -> AppResult<()> {
        match &self.blocked {
            None => Ok(()),
            Some(why) if self.can_archive => Err(AppError::Conflict(
                Text::key("error.plan.delete_refused_archive").arg_text("why", why.clone()),
            )),
            Some(why) => Err(AppError::Conflict(
                Text::key("error.plan.delete_refused").arg_text("why", why.clone()),
            )),
        }
    }
}

/// The archive filter of a list: archived ones hidden unless asked for.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct ShowArchived(pub bool);

fn now() -> NaiveDateTime {
    time::now_utc()
}

// Courses

/// A course's code, title and description, checked.
pub(crate) fn check_course(input: &NewCourse) -> AppResult<(String, String, String)> {
    let code = input.code.trim().to_uppercase();
    if code.is_empty()
        || code.len() > 16
        || !code.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '-')
    {
        return Err(AppError::invalid("code", Text::key("error.planning.course_code")));
    }
    let title = printable::printed_text("title", "label.title", &input.title, 160, Printed::Text)?;
    let description = validate::optional_text(
        "description",
        "label.description",
        Some(&input.description),
        2000,
    )?
    .unwrap_or_default();
    Ok((code, title, description))
}

/// The planning half of correcting a course (code, title, description), inside the
/// caller's transaction. Issued certificates keep the title and code they print.
pub fn apply_course_update(
    conn: &mut DbConn, actor: &Actor, org: OrgId, course_id: CourseId, input: &NewCourse,
) -> AppResult<(Course, Course)> {
    let (code, title, description) = check_course(input)?;
    let before = repo::get_course(conn, org, course_id)?;
    if repo::course_code_taken_by_other(conn, org, &code, course_id)? {
        return Err(AppError::Conflict(
            Text::key("error.planning.course_code_taken").arg("code", &code),
        ));
    }
    let after = repo::update_course(conn, course_id, &code, &title, &description)?;
    audit::Entry::new(Some(org), Some(actor.user_id), "course.update")
        .on("course", Some(course_id.into()))
        .record(conn)?;
    Ok((before, after))
}

pub fn course_deletion(
    conn: &mut DbConn, actor: &Actor, course_id: CourseId,
) -> AppResult<Deletion> {
    let org = actor.coordinator_org()?;
    let course = repo::get_course(conn, org, course_id)?;
    let modules = repo::modules_of(conn, org, course_id)?.len();
    let (runs, surveys) = repo::course_history(conn, course_id)?;
    let mut d = Deletion::new(course.title, true, course.archived_at.is_some());
    d.goes.push(Text::key("plan.goes.course_modules").arg("count", modules));
    if runs > 0 {
        d.blocked = Some(Text::key("plan.blocked.course_runs").arg("count", runs));
    } else if surveys > 0 {
        d.blocked = Some(Text::key("plan.blocked.course_surveys").arg("count", surveys));
    }
    d.stays.push(Text::key("plan.stays.certificates"));
    Ok(d)
}

pub fn delete_course(conn: &mut DbConn, actor: &Actor, course_id: CourseId) -> AppResult<()> {
    let org = actor.coordinator_org()?;
    crate::db::write_transaction(conn, |conn| {
        course_deletion(conn, actor, course_id)?.refuse()?;
        repo::delete_course(conn, course_id)?;
        audit::Entry::new(Some(org), Some(actor.user_id), "course.delete")
            .on("course", Some(course_id.into()))
            .record(conn)
    })
}

pub fn set_course_archived(
    conn: &mut DbConn, actor: &Actor, course_id: CourseId, archived: bool,
) -> AppResult<Course> {
    let org = actor.coordinator_org()?;
    crate::db::write_transaction(conn, |conn| {
        repo::get_course(conn, org, course_id)?;
        repo::set_course_archived(conn, course_id, archived.then(now))?;
        let action = if archived { "course.archive" } else { "course.restore" };
        audit::Entry::new(Some(org), Some(actor.user_id), action)
            .on("course", Some(course_id.into()))
            .record(conn)?;
        repo::get_course(conn, org, course_id)
    })
}

/// The organisation's courses, archived ones only when asked for.
pub fn courses(conn: &mut DbConn, actor: &Actor, show: ShowArchived) -> AppResult<Vec<Course>> {
    let org = actor.coordinator_org()?;
    Ok(repo::list_courses(conn, org)?
        .into_iter()
        .filter(|c| show.0 || c.archived_at.is_none())
        .collect())
}

// Modules

fn check_module(input: &NewModule) -> AppResult<(String, i32, String)> {
    let title =
        printable::printed_text("title", "label.module_title", &input.title, 160, Printed::Text)?;
    let duration = validate::check_range(
        "duration_minutes",
        "label.duration_minutes",
        input.duration_minutes,
        5,
        600,
    )?;
    let description = validate::optional_text(
        "description",
        "label.description",
        Some(&input.description),
        1000,
    )?
    .unwrap_or_default();
    Ok((title, duration, description))
}

/// A module of the course (not found when it belongs to another course or organisation).
pub fn get_module(
    conn: &mut DbConn, org: OrgId, course_id: CourseId, module_id: ModuleId,
) -> AppResult<CourseModule> {
    repo::get_course(conn, org, course_id)?;
    repo::modules_of(conn, org, course_id)?
        .into_iter()
        .find(|m| m.id == module_id)
        .ok_or_else(|| AppError::not_found("thing.module"))
}

/// The planning half of correcting a module, inside the caller's transaction.
pub fn apply_module_update(
    conn: &mut DbConn, actor: &Actor, org: OrgId, course_id: CourseId, module_id: ModuleId,
    input: &NewModule,
) -> AppResult<CourseModule> {
    let (title, duration, description) = check_module(input)?;
    get_module(conn, org, course_id, module_id)?;
    let module =
        repo::update_module(conn, module_id, &title, duration, input.mandatory, &description)?;
    audit::Entry::new(Some(org), Some(actor.user_id), "module.update")
        .on("course_module", Some(module_id.into()))
        .record(conn)?;
    Ok(module)
}

pub fn module_deletion(
    conn: &mut DbConn, actor: &Actor, course_id: CourseId, module_id: ModuleId,
) -> AppResult<Deletion> {
    let org = actor.coordinator_org()?;
    let module = get_module(conn, org, course_id, module_id)?;
    let (sessions, marked) = repo::module_use(conn, module_id)?;
    let mut d = Deletion::new(module.title, false, false);
    if sessions > 0 {
        d.goes.push(Text::key("plan.goes.module_sessions").arg("count", sessions));
    }
    d.stays.push(Text::key("plan.stays.sessions"));
    d.stays.push(Text::key("plan.stays.certificates"));
    if marked > 0 {
        d.blocked = Some(Text::key("plan.blocked.module_marked").arg("count", marked));
    }
    Ok(d)
}

pub fn delete_module(
    conn: &mut DbConn, actor: &Actor, course_id: CourseId, module_id: ModuleId,
) -> AppResult<()> {
    let org = actor.coordinator_org()?;
    crate::db::write_transaction(conn, |conn| {
        module_deletion(conn, actor, course_id, module_id)?.refuse()?;
        repo::delete_module(conn, module_id)?;
        audit::Entry::new(Some(org), Some(actor.user_id), "module.delete")
            .on("course_module", Some(module_id.into()))
            .record(conn)
    })
}

/// Moves a module one place down in the course's order.
pub fn move_module_down(
    conn: &mut DbConn, actor: &Actor, course_id: CourseId, module_id: ModuleId,
) -> AppResult<Vec<CourseModule>> {
    super::service::move_module(conn, actor, course_id, module_id, 1)
}

// Runs

pub fn run_deletion(conn: &mut DbConn, actor: &Actor, run_id: RunId) -> AppResult<Deletion> {
    let org = actor.coordinator_org()?;
    let run = repo::get_run(conn, org, run_id)?;
    let course = repo::get_course(conn, org, run.course_id)?;
    let h = repo::run_history(conn, run_id)?;
    let name = format!(
        "{} · {} – {}",
        course.title,
        time::fmt_date(run.start_date),
        time::fmt_date(run.end_date)
    );
    let mut d = Deletion::new(name, true, run.archived_at.is_some());
    d.goes.push(Text::key("plan.goes.run_sessions").arg("count", h.sessions));
    d.stays.push(Text::key("plan.stays.course"));
    d.blocked = if h.certificates > 0 {
        Some(Text::key("plan.blocked.run_certificates").arg("count", h.certificates))
    } else if h.marks > 0 || h.test_results > 0 {
        Some(Text::key("plan.blocked.run_attendance"))
    } else if h.enrollments > 0 {
        Some(Text::key("plan.blocked.run_enrollments").arg("count", h.enrollments))
    } else if h.reminders > 0 || h.batches > 0 {
        Some(Text::key("plan.blocked.run_history"))
    } else {
        None
    };
    Ok(d)
}

pub fn delete_run(conn: &mut DbConn, actor: &Actor, run_id: RunId) -> AppResult<CourseId> {
    let org = actor.coordinator_org()?;
    crate::db::write_transaction(conn, |conn| {
        crate::db::dialect::lock_for_update(conn, "course_runs", run_id)?;
        let run = repo::get_run(conn, org, run_id)?;
        run_deletion(conn, actor, run_id)?.refuse()?;
        repo::delete_run(conn, run_id)?;
        audit::Entry::new(Some(org), Some(actor.user_id), "run.delete")
            .on("course_run", Some(run_id.into()))
            .record(conn)?;
        Ok(run.course_id)
    })
}

pub fn set_run_archived(
    conn: &mut DbConn, actor: &Actor, run_id: RunId, archived: bool,
) -> AppResult<CourseRun> {
    let org = actor.coordinator_org()?;
    crate::db::write_transaction(conn, |conn| {
        repo::get_run(conn, org, run_id)?;
        repo::set_run_archived(conn, run_id, archived.then(now))?;
        let action = if archived { "run.archive" } else { "run.restore" };
        audit::Entry::new(Some(org), Some(actor.user_id), action)
            .on("course_run", Some(run_id.into()))
            .record(conn)?;
        repo::get_run(conn, org, run_id)
    })
}

/// Every run of the organisation (archived too), by start.
pub fn runs_of_org(conn: &mut DbConn, org: OrgId) -> AppResult<Vec<CourseRun>> {
    repo::runs_of_org(conn, org)
}

/// People holding a place in a run.
pub fn enrolled_count(conn: &mut DbConn, run_id: RunId) -> AppResult<i64> {
    repo::enrolled_count(conn, run_id)
}

/// A course's runs (archived too), newest first.
pub fn runs_of_course(
    conn: &mut DbConn, org: OrgId, course_id: CourseId,
) -> AppResult<Vec<CourseRun>> {
    repo::runs_of_course(conn, org, course_id)
}

/// (holding a place, waiting) for every run of the organisation, in one query; a run
/// nobody enrolled in is missing.
pub fn place_counts(conn: &mut DbConn, org: OrgId) -> AppResult<HashMap<RunId, (i64, i64)>> {
    let mut counts: HashMap<RunId, (i64, i64)> = HashMap::new();
    for (run, status, n) in repo::enrolment_counts(conn, org)? {
        // The codes of `participants::models::EnrollmentStatus`, which planning (a lower
        // layer) cannot name.
        match status.as_str() {
            "enrolled" => counts.entry(run).or_default().0 += n,
            "waiting" => counts.entry(run).or_default().1 += n,
            _ => {}
        }
    }
    Ok(counts)
}

/// People waiting for a place in a run.
pub fn waiting_count(conn: &mut DbConn, run_id: RunId) -> AppResult<i64> {
    repo::waiting_count(conn, run_id)
}

// Sessions

pub fn session_deletion(
    conn: &mut DbConn, actor: &Actor, session_id: SessionId,
) -> AppResult<Deletion> {
    let org = actor.coordinator_org()?;
    let session = repo::get_session(conn, org, session_id)?;
    let local = time::to_local(session.starts_at);
    let mut d = Deletion::new(local.format("%d.%m.%Y %H:%M").to_string(), false, false);
    d.goes.push(Text::key("plan.goes.session"));
    d.stays.push(Text::key("plan.stays.run"));
    let (marks, reminders) = repo::session_history(conn, session_id)?;
    let enrolled = repo::enrolled_count(conn, session.run_id)?;
    d.blocked = if marks > 0 {
        Some(Text::key("plan.blocked.session_marked"))
    } else if reminders > 0 {
        Some(Text::key("plan.blocked.session_reminded"))
    } else if enrolled > 0 && !session.cancelled && session.ends_at > time::now_utc() {
        Some(Text::key("plan.blocked.session_enrolled").arg("count", enrolled))
    } else {
        None
    };
    Ok(d)
}

pub fn delete_session(conn: &mut DbConn, actor: &Actor, session_id: SessionId) -> AppResult<RunId> {
    let org = actor.coordinator_org()?;
    crate::db::write_transaction(conn, |conn| {
        let session = repo::get_session(conn, org, session_id)?;
        session_deletion(conn, actor, session_id)?.refuse()?;
        repo::delete_session(conn, session_id)?;
        audit::Entry::new(Some(org), Some(actor.user_id), "session.delete")
            .on("training_session", Some(session_id.into()))
            .record(conn)?;
        Ok(session.run_id)
    })
}

// Places

/// A place's input, checked.
pub(crate) fn check_location(input: &NewLocation) -> AppResult<NewLocation> {
    Ok(NewLocation {
        name: validate::required_text("name", "label.name", &input.name, 200)?,
        address: validate::optional_text("address", "label.address", Some(&input.address), 300)?
            .unwrap_or_default(),
        room: validate::optional_text("room", "label.room", Some(&input.room), 100)?
            .unwrap_or_default(),
        capacity: match input.capacity {
            Some(c) => Some(validate::check_range("capacity", "label.room_capacity", c, 1, 1000)?),
            None => None,
        },
    })
}

/// Refuses a name another place of the organisation already has (case and spaces aside).
pub(crate) fn refuse_duplicate(
    conn: &mut DbConn, org: OrgId, name: &str, except: Option<LocationId>,
) -> AppResult<()> {
    match repo::location_named(conn, org, name, except)? {
        Some(existing) => Err(duplicate(&existing)),
        None => Ok(()),
    }
}

/// The refusal of a second place of the same name; it names the first.
pub fn duplicate(existing: &Location) -> AppError {
    let key = if existing.archived_at.is_some() {
        "error.plan.location_exists_archived"
    } else {
        "error.plan.location_exists"
    };
    AppError::Conflict(Text::key(key).arg("name", &existing.name).arg("id", existing.id))
}

/// Case and spaces aside, as places are compared.
pub fn normalised_name(name: &str) -> String {
    repo::normalised_name(name)
}

/// The place of the organisation whose name (case and spaces aside) is `name`, if any:
/// where a refused duplicate leads.
pub fn location_named(conn: &mut DbConn, actor: &Actor, name: &str) -> AppResult<Option<Location>> {
    let org = actor.coordinator_org()?;
    repo::location_named(conn, org, name, None)
}

pub fn get_location(conn: &mut DbConn, actor: &Actor, id: LocationId) -> AppResult<Location> {
    repo::get_location(conn, actor.coordinator_org()?, id)
}

pub fn update_location(
    conn: &mut DbConn, actor: &Actor, id: LocationId, input: NewLocation,
) -> AppResult<Location> {
    let org = actor.coordinator_org()?;
    let checked = check_location(&input)?;
    crate::db::write_transaction(conn, |conn| {
        repo::get_location(conn, org, id)?;
        refuse_duplicate(conn, org, &checked.name, Some(id))?;
        let location = repo::update_location(conn, id, &checked)?;
        audit::Entry::new(Some(org), Some(actor.user_id), "location.update")
            .on("location", Some(id.into()))
            .record(conn)?;
        Ok(location)
    })
}

pub fn location_deletion(conn: &mut DbConn, actor: &Actor, id: LocationId) -> AppResult<Deletion> {
    let org = actor.coordinator_org()?;
    let location = repo::get_location(conn, org, id)?;
    let (all, held) = repo::sessions_at(conn, id, time::now_utc())?;
    let mut d = Deletion::new(location.name, true, location.archived_at.is_some());
    d.goes.push(Text::key("plan.goes.location"));
    d.stays.push(Text::key("plan.stays.sessions"));
    d.blocked = if held > 0 {
        Some(Text::key("plan.blocked.location_held").arg("count", held))
    } else if all > 0 {
        Some(Text::key("plan.blocked.location_planned").arg("count", all))
    } else {
        None
    };
    Ok(d)
}

pub fn delete_location(conn: &mut DbConn, actor: &Actor, id: LocationId) -> AppResult<()> {
    let org = actor.coordinator_org()?;
    crate::db::write_transaction(conn, |conn| {
        location_deletion(conn, actor, id)?.refuse()?;
        repo::delete_location(conn, id)?;
        audit::Entry::new(Some(org), Some(actor.user_id), "location.delete")
            .on("location", Some(id.into()))
            .record(conn)
    })
}

pub fn set_location_archived(
    conn: &mut DbConn, actor: &Actor, id: LocationId, archived: bool,
) -> AppResult<Location> {
    let org = actor.coordinator_org()?;
    crate::db::write_transaction(conn, |conn| {
        repo::get_location(conn, org, id)?;
        repo::set_location_archived(conn, id, archived.then(now))?;
        let action = if archived { "location.archive" } else { "location.restore" };
        audit::Entry::new(Some(org), Some(actor.user_id), action)
            .on("location", Some(id.into()))
            .record(conn)?;
        repo::get_location(conn, org, id)
    })
}

/// The organisation's places, archived ones only when asked for.
pub fn locations(conn: &mut DbConn, actor: &Actor, show: ShowArchived) -> AppResult<Vec<Location>> {
    let org = actor.coordinator_org()?;
    Ok(repo::list_all_locations(conn, org)?
        .into_iter()
        .filter(|l| show.0 || l.archived_at.is_none())
        .collect())
}
