//! The planning use cases: courses, modules, runs, sessions, places and calendar links.
//! Each checks the caller's role and organisation; changes run in one transaction with an
//! audit entry. What the pages show is in [`super::views`].

use std::collections::HashMap;

use super::models::*;
use super::repo;
use crate::audit;
use crate::auth::{self, Actor};
use crate::db::DbConn;
use crate::error::{AppError, AppResult};
use crate::i18n::{self, Text};
use crate::ids::{CourseId, LocationId, ModuleId, OrgId, RunId, SessionId, UserId};
use crate::time;
use crate::validate;
use crate::validate::printable::{self, Printed};

pub const MAX_RUN_CAPACITY: i32 = 500;

// Lookups for the use cases of the domains above planning, which read courses, runs and
// sessions of an organisation they already checked.

/// A run of the organisation (not found when it belongs to another).
pub fn get_run(conn: &mut DbConn, org: OrgId, run_id: RunId) -> AppResult<CourseRun> {
    repo::get_run(conn, org, run_id)
}

/// The organisation's courses.
pub fn list_courses(conn: &mut DbConn, org: OrgId) -> AppResult<Vec<Course>> {
    repo::list_courses(conn, org)
}

pub fn get_course(conn: &mut DbConn, org: OrgId, course_id: CourseId) -> AppResult<Course> {
    repo::get_course(conn, org, course_id)
}

/// A course's modules, in their order.
pub fn modules_of(
    conn: &mut DbConn, org: OrgId, course_id: CourseId,
) -> AppResult<Vec<CourseModule>> {
    repo::modules_of(conn, org, course_id)
}

/// The modules of these courses, by course, each in their order.
pub fn modules_of_courses(
    conn: &mut DbConn, org: OrgId, course_ids: &[CourseId],
) -> AppResult<HashMap<CourseId, Vec<CourseModule>>> {
    let mut by_course: HashMap<CourseId, Vec<CourseModule>> = HashMap::new();
    for m in repo::modules_of_courses(conn, org, course_ids)? {
        by_course.entry(m.course_id).or_default().push(m);
    }
    Ok(by_course)
}

pub fn get_session(
    conn: &mut DbConn, org: OrgId, session_id: SessionId,
) -> AppResult<TrainingSession> {
    repo::get_session(conn, org, session_id)
}

/// Whether the user is one of the session's trainers.
pub fn is_trainer_of(conn: &mut DbConn, session_id: SessionId, user_id: UserId) -> AppResult<bool> {
    repo::is_trainer_of(conn, session_id, user_id)
}

pub fn create_course(conn: &mut DbConn, actor: &Actor, input: NewCourse) -> AppResult<Course> {
    let org = actor.coordinator_org()?;
    let (code, title, description) = super::correct::check_course(&input)?;
    crate::db::write_transaction(conn, |conn| {
        if repo::course_code_taken(conn, org, &code)? {
            return Err(AppError::Conflict(
                Text::key("error.planning.course_code_taken").arg("code", &code),
            ));
        }
        let course = repo::insert_course(
            conn,
            &CourseInsertForm {
                organisation_id: org,
                code,
                title,
                description,
                created_at: time::now_utc(),
            },
        )?;
        audit::Entry::new(Some(org), Some(actor.user_id), "course.create")
            .on("course", Some(course.id.into()))
            .record(conn)?;
        Ok(course)
    })
}

pub fn add_module(
    conn: &mut DbConn, actor: &Actor, course_id: CourseId, input: NewModule,
) -> AppResult<CourseModule> {
    let org = actor.coordinator_org()?;
    let title =
        printable::printed_text("title", "label.module_title", &input.title, 160, Printed::Text)?;
    let duration = validate::check_range(
        "duration_minutes",
        "label.duration_minutes",
        input.duration_minutes,
        5,
        600,
    )?;
    crate::db::write_transaction(conn, |conn| {
        repo::get_course(conn, org, course_id)?;
        let position = repo::next_module_position(conn, course_id)?;
        repo::insert_module(
            conn,
            &CourseModuleInsertForm {
                organisation_id: org,
                course_id,
                position,
                title,
                duration_minutes: duration,
                mandatory: input.mandatory,
                description: validate::optional_text(
                    "description",
                    "label.description",
                    Some(&input.description),
                    1000,
                )?
                .unwrap_or_default(),
            },
        )
    })
}

/// Known participant languages, each once, in the order given.
fn check_languages(codes: &[String]) -> AppResult<Vec<String>> {
    let mut languages: Vec<String> = Vec::new();
    for code in codes {
        let code = code.trim();
        if code.is_empty() {
            continue;
        }
        if !i18n::is_participant_language(code) {
            return Err(AppError::invalid(
                "interpreter_languages",
                Text::key("error.unknown_language").arg("code", code),
            ));
        }
        if !languages.iter().any(|l| l == code) {
            languages.push(code.to_string());
        }
    }
    Ok(languages)
}

/// A run's input, checked: dates in order, place, capacity, known languages.
fn check_run(input: &NewRun) -> AppResult<(String, i32, Vec<String>)> {
    if input.end_date < input.start_date {
        return Err(AppError::invalid("end_date", Text::key("error.planning.end_before_start")));
    }
    if (input.end_date - input.start_date).num_days() > 366 {
        return Err(AppError::invalid("end_date", Text::key("error.planning.run_too_long")));
    }
    let place = printable::printed_text("place", "label.place", &input.place, 200, Printed::Text)?;
    let capacity =
        validate::check_range("capacity", "label.capacity", input.capacity, 1, MAX_RUN_CAPACITY)?;
    Ok((place, capacity, check_languages(&input.interpreter_languages)?))
}

pub fn create_run(
    conn: &mut DbConn, actor: &Actor, course_id: CourseId, input: NewRun,
) -> AppResult<CourseRun> {
    let org = actor.coordinator_org()?;
    let (place, capacity, languages) = check_run(&input)?;
    crate::db::write_transaction(conn, |conn| {
        if repo::get_course(conn, org, course_id)?.archived_at.is_some() {
            return Err(AppError::conflict("error.plan.course_archived"));
        }
        let run = repo::insert_run(
            conn,
            &CourseRunInsertForm {
                organisation_id: org,
                course_id,
                start_date: input.start_date,
                end_date: input.end_date,
                place,
                capacity,
                created_at: time::now_utc(),
            },
            &languages,
        )?;
        audit::Entry::new(Some(org), Some(actor.user_id), "run.create")
            .on("course_run", Some(run.id.into()))
            .record(conn)?;
        Ok(run)
    })
}

/// A session's input, checked against its run: times in Berlin converted to UTC, the
/// location resolved, trainers and modules of this organisation and course.
struct CheckedSession {
    languages: Vec<String>,
    starts_at: chrono::NaiveDateTime,
    ends_at: chrono::NaiveDateTime,
    location_id: Option<LocationId>,
    trainers: Vec<UserId>,
    module_ids: Vec<ModuleId>,
}

fn check_session(
    conn: &mut DbConn, org: OrgId, run: &CourseRun, input: &NewSession,
    current_location: Option<LocationId>,
) -> AppResult<CheckedSession> {
    if input.ends_at <= input.starts_at {
        return Err(AppError::invalid("ends_at", Text::key("error.planning.ends_before_start")));
    }
    if (input.ends_at - input.starts_at).num_hours() > 12 {
        return Err(AppError::invalid("ends_at", Text::key("error.planning.session_too_long")));
    }
    let location =
        validate::optional_text("location", "label.session_location", Some(&input.location), 200)?;
    let starts_at = time::from_local("starts_at", input.starts_at)?;
    let ends_at = time::from_local("ends_at", input.ends_at)?;
    let date = input.starts_at.date();
    if date < run.start_date || date > run.end_date {
        return Err(AppError::invalid(
            "starts_at",
            Text::key("error.planning.session_outside_run")
                .arg("start", crate::time::fmt_date(run.start_date))
                .arg("end", crate::time::fmt_date(run.end_date)),
        ));
    }
    let mut trainers: Vec<UserId> = Vec::new();
    for id in input.trainer_id.iter().chain(input.trainer_ids.iter()) {
        if trainers.contains(id) {
            continue;
        }
        let ok = auth::service::user(conn, *id)?.is_some_and(|u| {
            u.organisation_id == Some(org) && u.active && u.role != auth::Role::Admin
        });
        if !ok {
            return Err(AppError::invalid(
                "trainer_id",
                Text::key("error.planning.unknown_trainer"),
            ));
        }
        trainers.push(*id);
    }
    let course_modules = repo::modules_of(conn, org, run.course_id)?;
    let mut module_ids: Vec<ModuleId> = Vec::new();
    for id in &input.module_ids {
        if !course_modules.iter().any(|m| m.id == *id) {
            return Err(AppError::invalid(
                "module_ids",
                Text::key("error.planning.module_of_other_course"),
            ));
        }
        if !module_ids.contains(id) {
            module_ids.push(*id);
        }
    }
    let location_id = match (input.location_id, &location) {
        (Some(id), _) => {
            let chosen = repo::get_location(conn, org, id).map_err(|_| {
                AppError::invalid("location_id", Text::key("error.plan.unknown_location"))
            })?;
            // An archived place stays where it was chosen before, but is no new choice.
            if chosen.archived_at.is_some() && current_location != Some(id) {
                return Err(AppError::invalid(
                    "location_id",
                    Text::key("error.plan.location_archived").arg("name", &chosen.name),
                ));
            }
            Some(id)
        }
        (None, Some(name)) => match repo::location_named(conn, org, name, None)? {
            Some(known) if known.archived_at.is_some() && current_location != Some(known.id) => {
                return Err(AppError::invalid(
                    "location",
                    Text::key("error.plan.location_archived").arg("name", &known.name),
                ));
            }
            Some(known) => Some(known.id),
            None => Some(repo::find_or_create_location(conn, org, name)?),
        },
        (None, None) => None,
    };
    Ok(CheckedSession {
        languages: check_languages(&input.interpreter_languages)?,
        starts_at,
        ends_at,
        location_id,
        trainers,
        module_ids,
    })
}

pub fn create_session(
    conn: &mut DbConn, actor: &Actor, run_id: RunId, input: NewSession,
) -> AppResult<TrainingSession> {
    let org = actor.coordinator_org()?;
    crate::db::write_transaction(conn, |conn| {
        let run = repo::get_run(conn, org, run_id)?;
        let c = check_session(conn, org, &run, &input, None)?;
        let session = repo::insert_session(
            conn,
            &TrainingSessionInsertForm {
                organisation_id: org,
                run_id,
                starts_at: c.starts_at,
                ends_at: c.ends_at,
                location_id: c.location_id,
                trainer_id: c.trainers.first().copied(),
                cancelled: false,
                created_at: time::now_utc(),
            },
            &c.module_ids,
            &c.languages,
        )?;
        repo::set_session_trainers(conn, org, session.id, &c.trainers)?;
        audit::Entry::new(Some(org), Some(actor.user_id), "session.create")
            .on("training_session", Some(session.id.into()))
            .record(conn)?;
        Ok(session)
    })
}

/// The organisation's places in use (archived ones aside).
pub fn list_locations(conn: &mut DbConn, actor: &Actor) -> AppResult<Vec<Location>> {
    super::correct::locations(conn, actor, super::correct::ShowArchived(false))
}

pub fn create_location(
    conn: &mut DbConn, actor: &Actor, input: NewLocation,
) -> AppResult<Location> {
    let org = actor.coordinator_org()?;
    let checked = super::correct::check_location(&input)?;
    crate::db::write_transaction(conn, |conn| {
        super::correct::refuse_duplicate(conn, org, &checked.name, None)?;
        let location = repo::insert_location(conn, org, &checked)?;
        audit::Entry::new(Some(org), Some(actor.user_id), "location.create")
            .on("location", Some(location.id.into()))
            .record(conn)?;
        Ok(location)
    })
}

/// Planning problems of a session: a trainer or room booked at the same time elsewhere,
/// or a room with fewer places than the run has participants.
fn warnings_for(
    conn: &mut DbConn, org: OrgId, view: &SessionView, locations: &[Location],
) -> AppResult<Vec<String>> {
    if view.cancelled {
        return Ok(Vec::new());
    }
    let mut warnings = Vec::new();
    let others = repo::overlapping(conn, org, view.id, view.starts_at, view.ends_at)?;
    if !others.is_empty() {
        let other_ids: Vec<SessionId> = others.iter().map(|o| o.id).collect();
        let busy = repo::trainers_of_sessions(conn, &other_ids)?;
        let mut named: Vec<&str> = Vec::new();
        for (_, user_id, name) in &busy {
            if view.trainer_ids.contains(user_id) && !named.contains(&name.as_str()) {
                named.push(name);
                warnings.push(Text::key("warning.trainer_busy").arg("name", name));
            }
        }
        if view.location_id.is_some() && others.iter().any(|o| o.location_id == view.location_id) {
            warnings.push(Text::key("warning.room_busy").arg("room", &view.location));
        }
    }
    if let Some(capacity) =
        locations.iter().find(|l| Some(l.id) == view.location_id).and_then(|l| l.capacity)
    {
        let enrolled = repo::enrolled_count(conn, view.run_id)?;
        if enrolled > i64::from(capacity) {
            warnings.push(
                Text::key("warning.room_too_small")
                    .arg("capacity", capacity)
                    .arg("enrolled", enrolled),
            );
        }
    }
    // Pages show them in German, the planning pages' language.
    Ok(warnings.iter().map(|w| w.render(i18n::DEFAULT_LANG)).collect())
}

pub fn session_views(
    conn: &mut DbConn, org: OrgId, run_id: Option<RunId>, trainer_id: Option<UserId>,
) -> AppResult<Vec<SessionView>> {
    let today = time::today_local();
    let rows = repo::sessions_with_names(conn, org, run_id, trainer_id)?;
    let ids: Vec<SessionId> = rows.iter().map(|r| r.0 .0.id).collect();
    let trainers = repo::trainers_of_sessions(conn, &ids)?;
    Ok(rows.into_iter().map(|row| view_of(row, today, &trainers)).collect())
}

/// The sessions of these runs, by run, each run's as [`session_views`] lists them: a
/// fixed number of queries however many runs (the overview of every run).
pub fn session_views_of_runs(
    conn: &mut DbConn, org: OrgId, runs: &[RunId],
) -> AppResult<HashMap<RunId, Vec<SessionView>>> {
    let today = time::today_local();
    let rows = repo::sessions_with_names_of_runs(conn, org, runs)?;
    let ids: Vec<SessionId> = rows.iter().map(|r| r.0 .0.id).collect();
    let trainers = repo::trainers_of_sessions(conn, &ids)?;
    let mut by_run: HashMap<RunId, Vec<SessionView>> = HashMap::new();
    for row in rows {
        let view = view_of(row, today, &trainers);
        by_run.entry(view.run_id).or_default().push(view);
    }
    Ok(by_run)
}

fn view_of(
    row: repo::SessionWithModules, today: chrono::NaiveDate,
    trainers: &[(SessionId, UserId, String)],
) -> SessionView {
    let ((s, course, location, lead), modules) = row;
    let local_start = time::to_local(s.starts_at);
    let mine: Vec<&(SessionId, UserId, String)> = trainers.iter().filter(|t| t.0 == s.id).collect();
    SessionView {
        id: s.id,
        run_id: s.run_id,
        course_title: course.title,
        course_code: course.code,
        date: local_start.format("%d.%m.%Y").to_string(),
        starts_at_local: local_start.format("%H:%M").to_string(),
        ends_at_local: time::to_local(s.ends_at).format("%H:%M").to_string(),
        starts_at: s.starts_at,
        ends_at: s.ends_at,
        location: location.unwrap_or_default(),
        location_id: s.location_id,
        trainer_id: s.trainer_id,
        trainer_name: if mine.is_empty() {
            lead.unwrap_or_default()
        } else {
            mine.iter().map(|t| t.2.as_str()).collect::<Vec<_>>().join(", ")
        },
        trainer_ids: mine.iter().map(|t| t.1).collect(),
        module_ids: modules.iter().map(|(id, _)| *id).collect(),
        modules: modules.into_iter().map(|(_, t)| t).collect(),
        cancelled: s.cancelled,
        is_today: local_start.date_naive() == today,
        warnings: Vec::new(),
        interpreter_languages: s
            .interpreter_languages
            .iter()
            .map(|c| i18n::participant_language_name(c))
            .collect::<Vec<_>>()
            .join(", "),
        interpreter_language_codes: s.interpreter_languages,
    }
}

/// The sessions of a run with their planning warnings (for the coordinator).
pub fn run_sessions_with_warnings(
    conn: &mut DbConn, org: OrgId, run_id: RunId,
) -> AppResult<Vec<SessionView>> {
    let mut views = session_views(conn, org, Some(run_id), None)?;
    let locations = repo::list_all_locations(conn, org)?;
    add_warnings(conn, org, &mut views, &locations)?;
    Ok(views)
}

fn add_warnings(
    conn: &mut DbConn, org: OrgId, views: &mut [SessionView], locations: &[Location],
) -> AppResult<()> {
    for v in views {
        v.warnings = warnings_for(conn, org, v, locations)?;
    }
    Ok(())
}

/// A trainer's sessions: today's first, then upcoming, then past (most recent first).
pub fn my_sessions(conn: &mut DbConn, actor: &Actor) -> AppResult<Vec<SessionView>> {
    let org = actor.staff_org()?;
    let mut sessions = session_views(conn, org, None, Some(actor.user_id))?;
    let today = time::today_local();
    sessions.sort_by_key(|s| {
        let day = time::to_local(s.starts_at).date_naive();
        let group = if day == today {
            0
        } else if day > today {
            1
        } else {
            2
        };
        let order = if group == 2 {
            -s.starts_at.and_utc().timestamp()
        } else {
            s.starts_at.and_utc().timestamp()
        };
        (group, order)
    });
    Ok(sessions)
}

/// A new secret for a calendar link; long enough that links cannot be guessed.
fn calendar_secret() -> String {
    use rand::RngCore;
    let mut raw = [0u8; 24];
    rand::rngs::OsRng.fill_bytes(&mut raw);
    data_encoding::BASE64URL_NOPAD.encode(&raw)
}

pub fn feed_url(settings: &crate::config::Settings, kind: &str, token: &str) -> String {
    format!("{}/calendar/{kind}/{token}.ics", settings.public_url)
}

/// The caller's current personal calendar link, if one was made.
pub fn my_calendar_url(
    conn: &mut DbConn, settings: &crate::config::Settings, actor: &Actor,
) -> AppResult<Option<String>> {
    let token = repo::user_calendar_token(conn, actor.user_id)?;
    Ok(token.map(|t| feed_url(settings, "trainer", &t)))
}

/// Creates or replaces the actor's personal calendar link; the old link stops working.
pub fn renew_my_calendar_link(conn: &mut DbConn, actor: &Actor) -> AppResult<String> {
    actor.staff_org()?;
    let token = calendar_secret();
    repo::set_user_calendar_token(conn, actor.user_id, &token)?;
    audit::Entry::new(actor.organisation_id, Some(actor.user_id), "calendar.renew")
        .on("user", Some(actor.user_id.into()))
        .record(conn)?;
    Ok(token)
}

/// Creates or replaces a run's calendar link.
pub fn renew_run_calendar_link(
    conn: &mut DbConn, actor: &Actor, run_id: RunId,
) -> AppResult<String> {
    let org = actor.coordinator_org()?;
    repo::get_run(conn, org, run_id)?;
    let token = calendar_secret();
    repo::set_run_calendar_token(conn, org, run_id, &token)?;
    audit::Entry::new(Some(org), Some(actor.user_id), "calendar.renew")
        .on("course_run", Some(run_id.into()))
        .record(conn)?;
    Ok(token)
}

/// The feed behind a trainer's link, or `None` for an unknown link.
pub fn trainer_feed(conn: &mut DbConn, token: &str, host: &str) -> AppResult<Option<String>> {
    let Some((org, user_id)) = repo::user_by_calendar_token(conn, token)? else {
        return Ok(None);
    };
    let sessions = session_views(conn, org, None, Some(user_id))?;
    Ok(Some(super::calendar::sessions_ics(
        &Text::key("calendar.feed_mine").render(i18n::DEFAULT_LANG),
        host,
        &sessions,
    )))
}

/// The feed behind a run's link, or `None` for an unknown link.
pub fn run_feed(conn: &mut DbConn, token: &str, host: &str) -> AppResult<Option<String>> {
    let Some(run) = repo::run_by_calendar_token(conn, token)? else {
        return Ok(None);
    };
    let course = repo::get_course(conn, run.organisation_id, run.course_id)?;
    let sessions = session_views(conn, run.organisation_id, Some(run.id), None)?;
    Ok(Some(super::calendar::sessions_ics(
        &Text::key("calendar.feed_run")
            .arg("course", &course.title)
            .arg("start", crate::time::fmt_date(run.start_date))
            .render(i18n::DEFAULT_LANG),
        host,
        &sessions,
    )))
}

/// Sets how participants complete the course: the attendance share and the final test.
pub fn set_course_rules(
    conn: &mut DbConn, actor: &Actor, course_id: CourseId, rules: CourseRules,
) -> AppResult<Course> {
    let org = actor.coordinator_org()?;
    if let Some(p) = rules.min_attendance_percent {
        validate::check_range("min_attendance_percent", "label.min_attendance_percent", p, 1, 100)?;
    }
    let rules = match rules.test_max_points {
        None => {
            if rules.test_pass_points.is_some() || rules.test_must_pass_questions != 0 {
                return Err(AppError::invalid(
                    "test_max_points",
                    Text::key("error.planning.test_needs_max_points"),
                ));
            }
            rules
        }
        Some(max) => {
            validate::check_range("test_max_points", "label.test_max_points", max, 1, 1000)?;
            let pass = rules.test_pass_points.unwrap_or(max);
            validate::check_range("test_pass_points", "label.test_pass_points", pass, 0, max)?;
            validate::check_range(
                "test_must_pass_questions",
                "label.test_must_pass_questions",
                rules.test_must_pass_questions,
                0,
                100,
            )?;
            CourseRules { test_pass_points: Some(pass), ..rules }
        }
    };
    crate::db::write_transaction(conn, |conn| {
        repo::get_course(conn, org, course_id)?;
        let course = repo::set_course_rules(conn, org, course_id, &rules)?;
        audit::Entry::new(Some(org), Some(actor.user_id), "course.rules")
            .on("course", Some(course_id.into()))
            .record(conn)?;
        Ok(course)
    })
}

/// How long before its start a session takes marks (check-in at the door); attendance
/// uses the same lead.
pub const MARKS_OPEN_MINUTES_BEFORE: i64 = 60;

/// The planning half of editing a session (checked input, new times, trainers, modules,
/// audit entry), inside the caller's transaction. Returns the session before and after.
pub fn apply_session_update(
    conn: &mut DbConn, actor: &Actor, org: OrgId, session_id: SessionId, input: NewSession,
) -> AppResult<(TrainingSession, TrainingSession, CourseRun)> {
    let before = repo::get_session(conn, org, session_id)?;
    if before.cancelled {
        return Err(AppError::conflict("error.planning.cancelled_session"));
    }
    let run = repo::get_run(conn, org, before.run_id)?;
    let c = check_session(conn, org, &run, &input, before.location_id)?;
    // Marks describe the past: a session cannot move to after the marks made in it.
    if let Some(first) = repo::first_mark_at(conn, session_id)? {
        if first < c.starts_at - chrono::Duration::minutes(MARKS_OPEN_MINUTES_BEFORE) {
            return Err(AppError::conflict("error.planning.marked_session_later"));
        }
    }
    let after = repo::update_session_times(
        conn,
        session_id,
        c.starts_at,
        c.ends_at,
        c.location_id,
        c.trainers.first().copied(),
        &c.languages,
    )?;
    repo::set_session_trainers(conn, org, session_id, &c.trainers)?;
    repo::set_session_modules(conn, org, session_id, &c.module_ids)?;
    audit::Entry::new(Some(org), Some(actor.user_id), "session.update")
        .on("training_session", Some(session_id.into()))
        .record(conn)?;
    Ok((before, after, run))
}

/// The planning half of cancelling a session, inside the caller's transaction: the session
/// as it was, its run, and whether this call cancelled it (false: it was cancelled before,
/// nothing to do).
pub fn apply_cancel(
    conn: &mut DbConn, actor: &Actor, org: OrgId, session_id: SessionId,
) -> AppResult<(TrainingSession, CourseRun, bool)> {
    let session = repo::get_session(conn, org, session_id)?;
    let run = repo::get_run(conn, org, session.run_id)?;
    if session.cancelled {
        return Ok((session, run, false));
    }
    // It took place: attendance was recorded, and certificates may rest on it.
    if repo::anyone_attended(conn, session_id)? {
        return Err(AppError::conflict("error.planning.attended_session_cancel"));
    }
    repo::set_cancelled(conn, session_id, true)?;
    audit::Entry::new(Some(org), Some(actor.user_id), "session.cancel")
        .on("training_session", Some(session_id.into()))
        .record(conn)?;
    Ok((session, run, true))
}

/// The planning half of changing a run (checked input, capacity not below the places held,
/// sessions within the dates, audit entry), inside the caller's transaction.
pub fn apply_run_update(
    conn: &mut DbConn, actor: &Actor, org: OrgId, run_id: RunId, input: NewRun,
) -> AppResult<CourseRun> {
    let (place, capacity, languages) = check_run(&input)?;
    crate::db::dialect::lock_for_update(conn, "course_runs", run_id)?;
    repo::get_run(conn, org, run_id)?;
    let enrolled = repo::enrolled_count(conn, run_id)?;
    if i64::from(capacity) < enrolled {
        return Err(AppError::invalid(
            "capacity",
            Text::key("error.planning.capacity_below_enrolled").arg("enrolled", enrolled),
        ));
    }
    let outside = session_views(conn, org, Some(run_id), None)?
        .into_iter()
        .filter(|s| !s.cancelled)
        .map(|s| time::to_local(s.starts_at).date_naive())
        .any(|d| d < input.start_date || d > input.end_date);
    if outside {
        return Err(AppError::invalid(
            "start_date",
            Text::key("error.planning.sessions_outside_dates"),
        ));
    }
    let run = repo::update_run(
        conn,
        run_id,
        input.start_date,
        input.end_date,
        &place,
        capacity,
        &languages,
    )?;
    audit::Entry::new(Some(org), Some(actor.user_id), "run.update")
        .on("course_run", Some(run_id.into()))
        .record(conn)?;
    Ok(run)
}

/// A run with its course, modules, sessions (with planning warnings) and the places the
/// organisation has registered: the planning part of the run page.
pub struct RunPlan {
    pub run: CourseRun,
    pub course: Course,
    pub modules: Vec<CourseModule>,
    pub sessions: Vec<SessionView>,
    pub locations: Vec<Location>,
}

pub fn run_plan(conn: &mut DbConn, org: OrgId, run_id: RunId) -> AppResult<RunPlan> {
    let super::views::RunDetail { run, mut sessions } =
        super::views::run_detail(conn, org, run_id)?;
    let course = repo::get_course(conn, org, run.course_id)?;
    let modules = repo::modules_of(conn, org, run.course_id)?;
    let all = repo::list_all_locations(conn, org)?;
    add_warnings(conn, org, &mut sessions, &all)?;
    // The new-session form chooses among the places in use.
    let locations = all.into_iter().filter(|l| l.archived_at.is_none()).collect();
    Ok(RunPlan { sessions, locations, run, course, modules })
}

/// The organisation's sessions between two local dates (inclusive), for the calendar view.
pub fn sessions_between(
    conn: &mut DbConn, actor: &Actor, from: chrono::NaiveDate, to: chrono::NaiveDate,
) -> AppResult<Vec<SessionView>> {
    let org = actor.coordinator_org()?;
    let from_utc = time::from_local("date", from.and_hms_opt(0, 0, 0).unwrap_or_default())?;
    let to_utc = time::from_local(
        "date",
        (to + chrono::Duration::days(1)).and_hms_opt(0, 0, 0).unwrap_or_default(),
    )?;
    let rows = repo::sessions_with_names_between(conn, org, from_utc, to_utc)?;
    let ids: Vec<SessionId> = rows.iter().map(|r| r.0 .0.id).collect();
    let trainers = repo::trainers_of_sessions(conn, &ids)?;
    Ok(rows.into_iter().map(|row| view_of(row, time::today_local(), &trainers)).collect())
}

/// The organisation's sessions between two local dates (inclusive) with their planning
/// warnings: the calendar page and `GET /api/v1/calendar`.
pub fn sessions_with_warnings_between(
    conn: &mut DbConn, actor: &Actor, from: chrono::NaiveDate, to: chrono::NaiveDate,
) -> AppResult<Vec<SessionView>> {
    let org = actor.coordinator_org()?;
    let mut sessions = sessions_between(conn, actor, from, to)?;
    let locations = repo::list_all_locations(conn, org)?;
    add_warnings(conn, org, &mut sessions, &locations)?;
    Ok(sessions)
}

/// Moves a module one place up in the course's order.
pub fn move_module_up(
    conn: &mut DbConn, actor: &Actor, course_id: CourseId, module_id: ModuleId,
) -> AppResult<Vec<CourseModule>> {
    move_module(conn, actor, course_id, module_id, -1)
}

/// Swaps a module with its neighbour `step` places away (-1 up, +1 down); at either end
/// nothing moves.
pub(crate) fn move_module(
    conn: &mut DbConn, actor: &Actor, course_id: CourseId, module_id: ModuleId, step: isize,
) -> AppResult<Vec<CourseModule>> {
    let org = actor.coordinator_org()?;
    crate::db::write_transaction(conn, |conn| {
        repo::get_course(conn, org, course_id)?;
        let modules = repo::modules_of(conn, org, course_id)?;
        let at = modules
            .iter()
            .position(|m| m.id == module_id)
            .ok_or_else(|| AppError::not_found("thing.module"))?;
        if let Some(other) = at.checked_add_signed(step).and_then(|i| modules.get(i)) {
            let this = &modules[at];
            repo::set_module_position(conn, this.id, other.position)?;
            repo::set_module_position(conn, other.id, this.position)?;
            audit::Entry::new(Some(org), Some(actor.user_id), "module.move")
                .on("course_module", Some(module_id.into()))
                .record(conn)?;
        }
        repo::modules_of(conn, org, course_id)
    })
}
