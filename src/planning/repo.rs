use std::collections::HashMap;

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::models::*;
use crate::db::schema::{
    course_modules, course_runs, courses, enrollments, locations, run_interpreter_languages,
    session_interpreter_languages, session_modules, session_trainers, training_sessions, users,
};
use crate::db::DbConn;
use crate::error::{AppError, AppResult};
use crate::ids::{CourseId, LocationId, ModuleId, OrgId, RunId, SessionId, UserId};

pub fn insert_course(conn: &mut DbConn, form: &CourseInsertForm) -> AppResult<Course> {
    Ok(diesel::insert_into(courses::table).values(form).get_result(conn)?)
}

pub fn course_code_taken(conn: &mut DbConn, org: OrgId, code: &str) -> AppResult<bool> {
    let n: i64 = courses::table
        .filter(courses::organisation_id.eq(org))
        .filter(courses::code.eq(code))
        .count()
        .get_result(conn)?;
    Ok(n > 0)
}

pub fn list_courses(conn: &mut DbConn, org: OrgId) -> AppResult<Vec<Course>> {
    Ok(courses::table
        .filter(courses::organisation_id.eq(org))
        .order(courses::code.asc())
        .select(Course::as_select())
        .load(conn)?)
}

pub fn get_course(conn: &mut DbConn, org: OrgId, id: CourseId) -> AppResult<Course> {
    courses::table
        .filter(courses::organisation_id.eq(org))
        .filter(courses::id.eq(id))
        .select(Course::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| AppError::not_found("thing.course"))
}

pub fn insert_module(conn: &mut DbConn, form: &CourseModuleInsertForm) -> AppResult<CourseModule> {
    Ok(diesel::insert_into(course_modules::table).values(form).get_result(conn)?)
}

pub fn modules_of(
    conn: &mut DbConn, org: OrgId, course_id: CourseId,
) -> AppResult<Vec<CourseModule>> {
    Ok(course_modules::table
        .filter(course_modules::organisation_id.eq(org))
        .filter(course_modules::course_id.eq(course_id))
        .order(course_modules::position.asc())
        .select(CourseModule::as_select())
        .load(conn)?)
}

/// The modules of these courses, each course's in their order.
pub fn modules_of_courses(
    conn: &mut DbConn, org: OrgId, course_ids: &[CourseId],
) -> AppResult<Vec<CourseModule>> {
    Ok(course_modules::table
        .filter(course_modules::organisation_id.eq(org))
        .filter(course_modules::course_id.eq_any(course_ids))
        .order((course_modules::course_id.asc(), course_modules::position.asc()))
        .select(CourseModule::as_select())
        .load(conn)?)
}

pub fn next_module_position(conn: &mut DbConn, course_id: CourseId) -> AppResult<i32> {
    let max: Option<i32> = course_modules::table
        .filter(course_modules::course_id.eq(course_id))
        .select(diesel::dsl::max(course_modules::position))
        .first(conn)?;
    Ok(max.unwrap_or(0) + 1)
}

pub fn insert_run(
    conn: &mut DbConn, form: &CourseRunInsertForm, languages: &[String],
) -> AppResult<CourseRun> {
    let row: CourseRunRow =
        diesel::insert_into(course_runs::table).values(form).get_result(conn)?;
    set_run_languages(conn, row.organisation_id, row.id, languages)?;
    Ok(CourseRun::from_row(row, languages.to_vec()))
}

/// Interpreter languages by run, each run's in the order chosen.
fn languages_of_runs(
    conn: &mut DbConn, run_ids: &[RunId],
) -> AppResult<HashMap<RunId, Vec<String>>> {
    let rows: Vec<(RunId, String)> = run_interpreter_languages::table
        .filter(run_interpreter_languages::run_id.eq_any(run_ids))
        .order((run_interpreter_languages::run_id, run_interpreter_languages::position))
        .select((run_interpreter_languages::run_id, run_interpreter_languages::language))
        .load(conn)?;
    Ok(grouped(rows))
}

fn grouped<K: Eq + std::hash::Hash>(rows: Vec<(K, String)>) -> HashMap<K, Vec<String>> {
    let mut by_owner: HashMap<K, Vec<String>> = HashMap::new();
    for (owner, language) in rows {
        by_owner.entry(owner).or_default().push(language);
    }
    by_owner
}

fn runs_with_languages(conn: &mut DbConn, rows: Vec<CourseRunRow>) -> AppResult<Vec<CourseRun>> {
    let ids: Vec<RunId> = rows.iter().map(|r| r.id).collect();
    let mut languages = languages_of_runs(conn, &ids)?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let codes = languages.remove(&r.id).unwrap_or_default();
            CourseRun::from_row(r, codes)
        })
        .collect())
}

fn set_run_languages(
    conn: &mut DbConn, org: OrgId, run_id: RunId, languages: &[String],
) -> AppResult<()> {
    diesel::delete(
        run_interpreter_languages::table.filter(run_interpreter_languages::run_id.eq(run_id)),
    )
    .execute(conn)?;
    for (position, language) in (0..).zip(languages) {
        diesel::insert_into(run_interpreter_languages::table)
            .values((
                run_interpreter_languages::organisation_id.eq(org),
                run_interpreter_languages::run_id.eq(run_id),
                run_interpreter_languages::language.eq(language),
                run_interpreter_languages::position.eq(position),
            ))
            .execute(conn)?;
    }
    Ok(())
}

pub fn runs_of_course(
    conn: &mut DbConn, org: OrgId, course_id: CourseId,
) -> AppResult<Vec<CourseRun>> {
    let rows = course_runs::table
        .filter(course_runs::organisation_id.eq(org))
        .filter(course_runs::course_id.eq(course_id))
        .order(course_runs::start_date.desc())
        .select(CourseRunRow::as_select())
        .load(conn)?;
    runs_with_languages(conn, rows)
}

fn one_run(conn: &mut DbConn, row: CourseRunRow) -> AppResult<CourseRun> {
    let mut languages = languages_of_runs(conn, &[row.id])?;
    let codes = languages.remove(&row.id).unwrap_or_default();
    Ok(CourseRun::from_row(row, codes))
}

pub fn get_run(conn: &mut DbConn, org: OrgId, id: RunId) -> AppResult<CourseRun> {
    let row = course_runs::table
        .filter(course_runs::organisation_id.eq(org))
        .filter(course_runs::id.eq(id))
        .select(CourseRunRow::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| AppError::not_found("thing.run"))?;
    one_run(conn, row)
}

pub fn find_or_create_location(conn: &mut DbConn, org: OrgId, name: &str) -> AppResult<LocationId> {
    let existing: Option<LocationId> = locations::table
        .filter(locations::organisation_id.eq(org))
        .filter(locations::name.eq(name))
        .select(locations::id)
        .first(conn)
        .optional()?;
    if let Some(id) = existing {
        return Ok(id);
    }
    Ok(diesel::insert_into(locations::table)
        .values((
            locations::organisation_id.eq(org),
            locations::name.eq(name),
            locations::address.eq(""),
            locations::room.eq(""),
        ))
        .returning(locations::id)
        .get_result(conn)?)
}

pub fn insert_session(
    conn: &mut DbConn, form: &TrainingSessionInsertForm, module_ids: &[ModuleId],
    languages: &[String],
) -> AppResult<TrainingSession> {
    let row: TrainingSessionRow =
        diesel::insert_into(training_sessions::table).values(form).get_result(conn)?;
    for module_id in module_ids {
        diesel::insert_into(session_modules::table)
            .values((
                session_modules::organisation_id.eq(form.organisation_id),
                session_modules::session_id.eq(row.id),
                session_modules::module_id.eq(module_id),
            ))
            .execute(conn)?;
    }
    set_session_languages(conn, row.organisation_id, row.id, languages)?;
    Ok(TrainingSession::from_row(row, languages.to_vec()))
}

/// Interpreter languages by session, each session's in the order chosen.
fn languages_of_sessions(
    conn: &mut DbConn, session_ids: &[SessionId],
) -> AppResult<HashMap<SessionId, Vec<String>>> {
    let rows: Vec<(SessionId, String)> = session_interpreter_languages::table
        .filter(session_interpreter_languages::session_id.eq_any(session_ids))
        .order((session_interpreter_languages::session_id, session_interpreter_languages::position))
        .select((
            session_interpreter_languages::session_id,
            session_interpreter_languages::language,
        ))
        .load(conn)?;
    Ok(grouped(rows))
}

fn set_session_languages(
    conn: &mut DbConn, org: OrgId, session_id: SessionId, languages: &[String],
) -> AppResult<()> {
    diesel::delete(
        session_interpreter_languages::table
            .filter(session_interpreter_languages::session_id.eq(session_id)),
    )
    .execute(conn)?;
    for (position, language) in (0..).zip(languages) {
        diesel::insert_into(session_interpreter_languages::table)
            .values((
                session_interpreter_languages::organisation_id.eq(org),
                session_interpreter_languages::session_id.eq(session_id),
                session_interpreter_languages::language.eq(language),
                session_interpreter_languages::position.eq(position),
            ))
            .execute(conn)?;
    }
    Ok(())
}

fn one_session(conn: &mut DbConn, row: TrainingSessionRow) -> AppResult<TrainingSession> {
    let mut languages = languages_of_sessions(conn, &[row.id])?;
    let codes = languages.remove(&row.id).unwrap_or_default();
    Ok(TrainingSession::from_row(row, codes))
}

pub fn get_session(conn: &mut DbConn, org: OrgId, id: SessionId) -> AppResult<TrainingSession> {
    let row = training_sessions::table
        .filter(training_sessions::organisation_id.eq(org))
        .filter(training_sessions::id.eq(id))
        .select(TrainingSessionRow::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| AppError::not_found("thing.session"))?;
    one_session(conn, row)
}

/// A session with its course, location name and trainer name.
pub type SessionRow = (TrainingSession, Course, Option<String>, Option<String>);
type StoredSessionRow = (TrainingSessionRow, Course, Option<String>, Option<String>);
/// A session row with the (id, title) of the modules it covers.
pub type SessionWithModules = (SessionRow, Vec<(ModuleId, String)>);

fn session_rows(
    conn: &mut DbConn, org: OrgId, run_id: Option<RunId>, trainer_id: Option<UserId>,
    between: Option<(chrono::NaiveDateTime, chrono::NaiveDateTime)>, runs: Option<&[RunId]>,
) -> AppResult<Vec<StoredSessionRow>> {
    let mut q = training_sessions::table
        .inner_join(course_runs::table.inner_join(courses::table))
        .left_join(locations::table)
        .left_join(users::table)
        .filter(training_sessions::organisation_id.eq(org))
        .select((
            TrainingSessionRow::as_select(),
            Course::as_select(),
            locations::name.nullable(),
            users::display_name.nullable(),
        ))
        .order(training_sessions::starts_at.asc())
        .into_boxed();
    if let Some(run_id) = run_id {
        q = q.filter(training_sessions::run_id.eq(run_id));
    }
    if let Some(runs) = runs {
        q = q.filter(training_sessions::run_id.eq_any(runs));
    }
    if let Some((from, to)) = between {
        q = q
            .filter(training_sessions::starts_at.ge(from))
            .filter(training_sessions::starts_at.lt(to));
    }
    if let Some(trainer_id) = trainer_id {
        q = q.filter(
            training_sessions::id.eq_any(
                session_trainers::table
                    .filter(session_trainers::user_id.eq(trainer_id))
                    .select(session_trainers::session_id),
            ),
        );
    }
    Ok(q.load(conn)?)
}

/// (session id, module id, module title) for the given sessions.
pub fn modules_of_sessions(
    conn: &mut DbConn, session_ids: &[SessionId],
) -> AppResult<Vec<(SessionId, ModuleId, String)>> {
    Ok(session_modules::table
        .inner_join(course_modules::table)
        .filter(session_modules::session_id.eq_any(session_ids))
        .order(course_modules::position.asc())
        .select((session_modules::session_id, course_modules::id, course_modules::title))
        .load(conn)?)
}

pub fn sessions_with_names(
    conn: &mut DbConn, org: OrgId, run_id: Option<RunId>, trainer_id: Option<UserId>,
) -> AppResult<Vec<SessionWithModules>> {
    let rows = session_rows(conn, org, run_id, trainer_id, None, None)?;
    with_modules(conn, rows)
}

/// The sessions of these runs with names and modules, in one go however many runs.
pub fn sessions_with_names_of_runs(
    conn: &mut DbConn, org: OrgId, runs: &[RunId],
) -> AppResult<Vec<SessionWithModules>> {
    let rows = session_rows(conn, org, None, None, None, Some(runs))?;
    with_modules(conn, rows)
}

/// Sessions starting in [from, to) with names and modules.
pub fn sessions_with_names_between(
    conn: &mut DbConn, org: OrgId, from: chrono::NaiveDateTime, to: chrono::NaiveDateTime,
) -> AppResult<Vec<SessionWithModules>> {
    let rows = session_rows(conn, org, None, None, Some((from, to)), None)?;
    with_modules(conn, rows)
}

/// The rows with their interpreter languages and modules.
fn with_modules(
    conn: &mut DbConn, rows: Vec<StoredSessionRow>,
) -> AppResult<Vec<SessionWithModules>> {
    let ids: Vec<SessionId> = rows.iter().map(|r| r.0.id).collect();
    let modules = modules_of_sessions(conn, &ids)?;
    let mut languages = languages_of_sessions(conn, &ids)?;
    Ok(rows
        .into_iter()
        .map(|(session, course, location, trainer)| {
            let mods = modules
                .iter()
                .filter(|(sid, _, _)| *sid == session.id)
                .map(|(_, mid, title)| (*mid, title.clone()))
                .collect();
            let codes = languages.remove(&session.id).unwrap_or_default();
            let session = TrainingSession::from_row(session, codes);
            ((session, course, location, trainer), mods)
        })
        .collect())
}

/// (organisation, user id) of the active user owning a calendar link.
pub fn user_by_calendar_token(
    conn: &mut DbConn, token: &str,
) -> AppResult<Option<(OrgId, UserId)>> {
    Ok(users::table
        .filter(users::calendar_token.eq(token))
        .filter(users::active.eq(true))
        .select((users::organisation_id, users::id))
        .first::<(Option<OrgId>, UserId)>(conn)
        .optional()?
        .and_then(|(org, id)| org.map(|o| (o, id))))
}

pub fn set_user_calendar_token(conn: &mut DbConn, user_id: UserId, token: &str) -> AppResult<()> {
    diesel::update(users::table.find(user_id))
        .set(users::calendar_token.eq(Some(token)))
        .execute(conn)?;
    Ok(())
}

pub fn user_calendar_token(conn: &mut DbConn, user_id: UserId) -> AppResult<Option<String>> {
    Ok(users::table.find(user_id).select(users::calendar_token).first(conn)?)
}

pub fn run_by_calendar_token(conn: &mut DbConn, token: &str) -> AppResult<Option<CourseRun>> {
    let row = course_runs::table
        .filter(course_runs::calendar_token.eq(token))
        .select(CourseRunRow::as_select())
        .first(conn)
        .optional()?;
    row.map(|r| one_run(conn, r)).transpose()
}

pub fn set_run_calendar_token(
    conn: &mut DbConn, org: OrgId, run_id: RunId, token: &str,
) -> AppResult<()> {
    diesel::update(
        course_runs::table
            .filter(course_runs::organisation_id.eq(org))
            .filter(course_runs::id.eq(run_id)),
    )
    .set(course_runs::calendar_token.eq(Some(token)))
    .execute(conn)?;
    Ok(())
}

/// (session id, user id, display name) of the trainers of the given sessions.
pub fn trainers_of_sessions(
    conn: &mut DbConn, session_ids: &[SessionId],
) -> AppResult<Vec<(SessionId, UserId, String)>> {
    Ok(session_trainers::table
        .inner_join(users::table)
        .filter(session_trainers::session_id.eq_any(session_ids))
        .order(users::display_name.asc())
        .select((session_trainers::session_id, users::id, users::display_name))
        .load(conn)?)
}

pub fn is_trainer_of(conn: &mut DbConn, session_id: SessionId, user_id: UserId) -> AppResult<bool> {
    let n: i64 = session_trainers::table
        .filter(session_trainers::session_id.eq(session_id))
        .filter(session_trainers::user_id.eq(user_id))
        .count()
        .get_result(conn)?;
    Ok(n > 0)
}

pub fn set_session_trainers(
    conn: &mut DbConn, org: OrgId, session_id: SessionId, user_ids: &[UserId],
) -> AppResult<()> {
    diesel::delete(session_trainers::table.filter(session_trainers::session_id.eq(session_id)))
        .execute(conn)?;
    for user_id in user_ids {
        diesel::insert_into(session_trainers::table)
            .values((
                session_trainers::organisation_id.eq(org),
                session_trainers::session_id.eq(session_id),
                session_trainers::user_id.eq(user_id),
            ))
            .execute(conn)?;
    }
    Ok(())
}

pub fn set_session_modules(
    conn: &mut DbConn, org: OrgId, session_id: SessionId, module_ids: &[ModuleId],
) -> AppResult<()> {
    diesel::delete(session_modules::table.filter(session_modules::session_id.eq(session_id)))
        .execute(conn)?;
    for module_id in module_ids {
        diesel::insert_into(session_modules::table)
            .values((
                session_modules::organisation_id.eq(org),
                session_modules::session_id.eq(session_id),
                session_modules::module_id.eq(module_id),
            ))
            .execute(conn)?;
    }
    Ok(())
}

pub fn update_session_times(
    conn: &mut DbConn, id: SessionId, starts_at: chrono::NaiveDateTime,
    ends_at: chrono::NaiveDateTime, location_id: Option<LocationId>, lead_trainer: Option<UserId>,
    interpreter_languages: &[String],
) -> AppResult<TrainingSession> {
    let row: TrainingSessionRow = diesel::update(training_sessions::table.find(id))
        .set((
            training_sessions::starts_at.eq(starts_at),
            training_sessions::ends_at.eq(ends_at),
            training_sessions::location_id.eq(location_id),
            training_sessions::trainer_id.eq(lead_trainer),
        ))
        .get_result(conn)?;
    set_session_languages(conn, row.organisation_id, row.id, interpreter_languages)?;
    Ok(TrainingSession::from_row(row, interpreter_languages.to_vec()))
}

pub fn set_cancelled(conn: &mut DbConn, id: SessionId, cancelled: bool) -> AppResult<()> {
    diesel::update(training_sessions::table.find(id))
        .set(training_sessions::cancelled.eq(cancelled))
        .execute(conn)?;
    Ok(())
}

/// Other sessions of the organisation, not cancelled, overlapping [starts, ends).
pub fn overlapping(
    conn: &mut DbConn, org: OrgId, exclude: SessionId, starts_at: chrono::NaiveDateTime,
    ends_at: chrono::NaiveDateTime,
) -> AppResult<Vec<TrainingSessionRow>> {
    Ok(training_sessions::table
        .filter(training_sessions::organisation_id.eq(org))
        .filter(training_sessions::id.ne(exclude))
        .filter(training_sessions::cancelled.eq(false))
        .filter(training_sessions::starts_at.lt(ends_at))
        .filter(training_sessions::ends_at.gt(starts_at))
        .select(TrainingSessionRow::as_select())
        .load(conn)?)
}

pub fn insert_location(conn: &mut DbConn, org: OrgId, input: &NewLocation) -> AppResult<Location> {
    Ok(diesel::insert_into(locations::table)
        .values((
            locations::organisation_id.eq(org),
            locations::name.eq(&input.name),
            locations::address.eq(&input.address),
            locations::room.eq(&input.room),
            locations::capacity.eq(input.capacity),
        ))
        .get_result(conn)?)
}

/// Enrolled counts per run, for the room-size warning and the capacity check.
pub fn enrolled_count(conn: &mut DbConn, run_id: RunId) -> AppResult<i64> {
    Ok(enrollments::table
        .filter(enrollments::run_id.eq(run_id))
        // `participants::models::EnrollmentStatus::Enrolled`, which planning (a lower
        // layer) cannot name.
        .filter(enrollments::status.eq("enrolled"))
        .count()
        .get_result(conn)?)
}

pub fn set_course_rules(
    conn: &mut DbConn, org: OrgId, course_id: CourseId, rules: &CourseRules,
) -> AppResult<Course> {
    Ok(diesel::update(
        courses::table.filter(courses::organisation_id.eq(org)).filter(courses::id.eq(course_id)),
    )
    .set((
        courses::min_attendance_percent.eq(rules.min_attendance_percent),
        courses::test_max_points.eq(rules.test_max_points),
        courses::test_pass_points.eq(rules.test_pass_points),
        courses::test_must_pass_questions.eq(rules.test_must_pass_questions),
    ))
    .get_result(conn)?)
}

pub fn update_run(
    conn: &mut DbConn, id: RunId, start_date: chrono::NaiveDate, end_date: chrono::NaiveDate,
    place: &str, capacity: i32, interpreter_languages: &[String],
) -> AppResult<CourseRun> {
    let row: CourseRunRow = diesel::update(course_runs::table.find(id))
        .set((
            course_runs::start_date.eq(start_date),
            course_runs::end_date.eq(end_date),
            course_runs::place.eq(place),
            course_runs::capacity.eq(capacity),
        ))
        .get_result(conn)?;
    set_run_languages(conn, row.organisation_id, row.id, interpreter_languages)?;
    Ok(CourseRun::from_row(row, interpreter_languages.to_vec()))
}

pub fn set_module_position(conn: &mut DbConn, module_id: ModuleId, position: i32) -> AppResult<()> {
    diesel::update(course_modules::table.find(module_id))
        .set(course_modules::position.eq(position))
        .execute(conn)?;
    Ok(())
}

/// When the first mark of a session was made (current or corrected since), if any: a
/// session that took marks cannot move to after them.
pub fn first_mark_at(conn: &mut DbConn, session_id: SessionId) -> AppResult<Option<NaiveDateTime>> {
    use crate::db::schema::attendance_marks;
    Ok(attendance_marks::table
        .filter(attendance_marks::session_id.eq(session_id))
        .select(diesel::dsl::min(attendance_marks::marked_at))
        .first(conn)?)
}

/// Whether anyone is marked as attending the session (present or late).
pub fn anyone_attended(conn: &mut DbConn, session_id: SessionId) -> AppResult<bool> {
    use crate::db::schema::attendance;
    Ok(diesel::select(diesel::dsl::exists(
        attendance::table
            .filter(attendance::session_id.eq(session_id))
            .filter(attendance::status.eq_any(["present", "late"])),
    ))
    .get_result(conn)?)
}

// Correcting the plan: editing, deleting and archiving (`super::correct`).

/// Case and spaces do not make a place another one: "Rathaus  Saal" is "rathaus saal".
pub fn normalised_name(name: &str) -> String {
    name.split_whitespace().collect::<Vec<_>>().join(" ").to_lowercase()
}

/// The organisation's place with this name (case and spaces normalised), archived or not.
pub fn location_named(
    conn: &mut DbConn, org: OrgId, name: &str, except: Option<LocationId>,
) -> AppResult<Option<Location>> {
    let wanted = normalised_name(name);
    Ok(list_all_locations(conn, org)?
        .into_iter()
        .find(|l| Some(l.id) != except && normalised_name(&l.name) == wanted))
}

/// Every place of the organisation, archived ones too, by name.
pub fn list_all_locations(conn: &mut DbConn, org: OrgId) -> AppResult<Vec<Location>> {
    Ok(locations::table
        .filter(locations::organisation_id.eq(org))
        .order(locations::name.asc())
        .select(Location::as_select())
        .load(conn)?)
}

pub fn get_location(conn: &mut DbConn, org: OrgId, id: LocationId) -> AppResult<Location> {
    locations::table
        .filter(locations::organisation_id.eq(org))
        .filter(locations::id.eq(id))
        .select(Location::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| AppError::not_found("plan.thing.location"))
}

pub fn update_location(
    conn: &mut DbConn, id: LocationId, input: &NewLocation,
) -> AppResult<Location> {
    diesel::update(locations::table.find(id))
        .set((
            locations::name.eq(&input.name),
            locations::address.eq(&input.address),
            locations::room.eq(&input.room),
            locations::capacity.eq(input.capacity),
        ))
        .execute(conn)?;
    Ok(locations::table.find(id).select(Location::as_select()).first(conn)?)
}

pub fn set_location_archived(
    conn: &mut DbConn, id: LocationId, at: Option<NaiveDateTime>,
) -> AppResult<()> {
    diesel::update(locations::table.find(id)).set(locations::archived_at.eq(at)).execute(conn)?;
    Ok(())
}

pub fn delete_location(conn: &mut DbConn, id: LocationId) -> AppResult<()> {
    diesel::delete(locations::table.find(id)).execute(conn)?;
    Ok(())
}

/// Sessions at a place: (all, held: started and not cancelled).
pub fn sessions_at(conn: &mut DbConn, id: LocationId, now: NaiveDateTime) -> AppResult<(i64, i64)> {
    let all: i64 = training_sessions::table
        .filter(training_sessions::location_id.eq(id))
        .count()
        .get_result(conn)?;
    let held: i64 = training_sessions::table
        .filter(training_sessions::location_id.eq(id))
        .filter(training_sessions::cancelled.eq(false))
        .filter(training_sessions::starts_at.le(now))
        .count()
        .get_result(conn)?;
    Ok((all, held))
}

pub fn update_course(
    conn: &mut DbConn, id: CourseId, code: &str, title: &str, description: &str,
) -> AppResult<Course> {
    diesel::update(courses::table.find(id))
        .set((
            courses::code.eq(code),
            courses::title.eq(title),
            courses::description.eq(description),
        ))
        .execute(conn)?;
    Ok(courses::table.find(id).select(Course::as_select()).first(conn)?)
}

pub fn course_code_taken_by_other(
    conn: &mut DbConn, org: OrgId, code: &str, except: CourseId,
) -> AppResult<bool> {
    let n: i64 = courses::table
        .filter(courses::organisation_id.eq(org))
        .filter(courses::code.eq(code))
        .filter(courses::id.ne(except))
        .count()
        .get_result(conn)?;
    Ok(n > 0)
}

pub fn set_course_archived(
    conn: &mut DbConn, id: CourseId, at: Option<NaiveDateTime>,
) -> AppResult<()> {
    diesel::update(courses::table.find(id)).set(courses::archived_at.eq(at)).execute(conn)?;
    Ok(())
}

/// Runs of a course (archived too) and questionnaires about it: what keeps it from going.
pub fn course_history(conn: &mut DbConn, id: CourseId) -> AppResult<(i64, i64)> {
    use crate::db::schema::surveys;
    let runs: i64 =
        course_runs::table.filter(course_runs::course_id.eq(id)).count().get_result(conn)?;
    let surveys: i64 = surveys::table.filter(surveys::course_id.eq(id)).count().get_result(conn)?;
    Ok((runs, surveys))
}

/// Deletes a course without runs, with its modules.
pub fn delete_course(conn: &mut DbConn, id: CourseId) -> AppResult<()> {
    let modules: Vec<ModuleId> = course_modules::table
        .filter(course_modules::course_id.eq(id))
        .select(course_modules::id)
        .load(conn)?;
    diesel::delete(session_modules::table.filter(session_modules::module_id.eq_any(&modules)))
        .execute(conn)?;
    diesel::delete(course_modules::table.filter(course_modules::course_id.eq(id))).execute(conn)?;
    diesel::delete(courses::table.find(id)).execute(conn)?;
    Ok(())
}

pub fn update_module(
    conn: &mut DbConn, id: ModuleId, title: &str, duration_minutes: i32, mandatory: bool,
    description: &str,
) -> AppResult<CourseModule> {
    diesel::update(course_modules::table.find(id))
        .set((
            course_modules::title.eq(title),
            course_modules::duration_minutes.eq(duration_minutes),
            course_modules::mandatory.eq(mandatory),
            course_modules::description.eq(description),
        ))
        .execute(conn)?;
    Ok(course_modules::table.find(id).select(CourseModule::as_select()).first(conn)?)
}

/// Sessions covering a module: (all, those in which anyone was marked).
pub fn module_use(conn: &mut DbConn, id: ModuleId) -> AppResult<(i64, i64)> {
    use crate::db::schema::attendance;
    let all: i64 = session_modules::table
        .filter(session_modules::module_id.eq(id))
        .count()
        .get_result(conn)?;
    let marked: i64 = session_modules::table
        .filter(session_modules::module_id.eq(id))
        .filter(
            session_modules::session_id.eq_any(attendance::table.select(attendance::session_id)),
        )
        .count()
        .get_result(conn)?;
    Ok((all, marked))
}

pub fn delete_module(conn: &mut DbConn, id: ModuleId) -> AppResult<()> {
    diesel::delete(session_modules::table.filter(session_modules::module_id.eq(id)))
        .execute(conn)?;
    diesel::delete(course_modules::table.find(id)).execute(conn)?;
    Ok(())
}

/// What a run's history holds: what keeps it from being deleted.
#[derive(Debug, Default, Clone, Copy)]
pub struct RunHistory {
    /// Enrolments of any state (cancelled ones too).
    pub enrollments: i64,
    pub marks: i64,
    pub certificates: i64,
    pub test_results: i64,
    pub reminders: i64,
    pub batches: i64,
    pub sessions: i64,
}

pub fn run_history(conn: &mut DbConn, id: RunId) -> AppResult<RunHistory> {
    use crate::db::schema::{
        attendance, certificate_batches, certificates, session_reminders, test_results,
    };
    let sessions = training_sessions::table
        .filter(training_sessions::run_id.eq(id))
        .select(training_sessions::id);
    Ok(RunHistory {
        enrollments: enrollments::table
            .filter(enrollments::run_id.eq(id))
            .count()
            .get_result(conn)?,
        marks: attendance::table
            .filter(attendance::session_id.eq_any(sessions))
            .count()
            .get_result(conn)?,
        certificates: certificates::table
            .filter(certificates::run_id.eq(id))
            .count()
            .get_result(conn)?,
        test_results: test_results::table
            .filter(test_results::run_id.eq(id))
            .count()
            .get_result(conn)?,
        reminders: session_reminders::table
            .filter(
                session_reminders::session_id.eq_any(
                    training_sessions::table
                        .filter(training_sessions::run_id.eq(id))
                        .select(training_sessions::id),
                ),
            )
            .count()
            .get_result(conn)?,
        batches: certificate_batches::table
            .filter(certificate_batches::run_id.eq(id))
            .count()
            .get_result(conn)?,
        sessions: training_sessions::table
            .filter(training_sessions::run_id.eq(id))
            .count()
            .get_result(conn)?,
    })
}

fn delete_sessions(conn: &mut DbConn, ids: &[SessionId]) -> AppResult<()> {
    diesel::delete(session_modules::table.filter(session_modules::session_id.eq_any(ids)))
        .execute(conn)?;
    diesel::delete(session_trainers::table.filter(session_trainers::session_id.eq_any(ids)))
        .execute(conn)?;
    diesel::delete(
        session_interpreter_languages::table
            .filter(session_interpreter_languages::session_id.eq_any(ids)),
    )
    .execute(conn)?;
    diesel::delete(training_sessions::table.filter(training_sessions::id.eq_any(ids)))
        .execute(conn)?;
    Ok(())
}

/// Deletes a run without history, with its sessions.
pub fn delete_run(conn: &mut DbConn, id: RunId) -> AppResult<()> {
    let sessions: Vec<SessionId> = training_sessions::table
        .filter(training_sessions::run_id.eq(id))
        .select(training_sessions::id)
        .load(conn)?;
    delete_sessions(conn, &sessions)?;
    diesel::delete(
        run_interpreter_languages::table.filter(run_interpreter_languages::run_id.eq(id)),
    )
    .execute(conn)?;
    diesel::delete(course_runs::table.find(id)).execute(conn)?;
    Ok(())
}

pub fn set_run_archived(conn: &mut DbConn, id: RunId, at: Option<NaiveDateTime>) -> AppResult<()> {
    diesel::update(course_runs::table.find(id))
        .set(course_runs::archived_at.eq(at))
        .execute(conn)?;
    Ok(())
}

/// Every run of the organisation (archived too), newest start first.
pub fn runs_of_org(conn: &mut DbConn, org: OrgId) -> AppResult<Vec<CourseRun>> {
    let rows = course_runs::table
        .filter(course_runs::organisation_id.eq(org))
        .order((course_runs::start_date.asc(), course_runs::id.asc()))
        .select(CourseRunRow::as_select())
        .load(conn)?;
    runs_with_languages(conn, rows)
}

/// What a session's history holds: (marks, reminders sent).
pub fn session_history(conn: &mut DbConn, id: SessionId) -> AppResult<(i64, i64)> {
    use crate::db::schema::{attendance, attendance_marks, session_reminders};
    let marks: i64 =
        attendance::table.filter(attendance::session_id.eq(id)).count().get_result(conn)?;
    let history: i64 = attendance_marks::table
        .filter(attendance_marks::session_id.eq(id))
        .count()
        .get_result(conn)?;
    let reminders: i64 = session_reminders::table
        .filter(session_reminders::session_id.eq(id))
        .count()
        .get_result(conn)?;
    Ok((marks + history, reminders))
}

pub fn delete_session(conn: &mut DbConn, id: SessionId) -> AppResult<()> {
    delete_sessions(conn, &[id])
}

/// (run, enrolment status, how many) for every run of the organisation with anyone
/// enrolled, waiting or cancelled: one query for all runs.
pub fn enrolment_counts(conn: &mut DbConn, org: OrgId) -> AppResult<Vec<(RunId, String, i64)>> {
    Ok(enrollments::table
        .filter(enrollments::organisation_id.eq(org))
        .group_by((enrollments::run_id, enrollments::status))
        .select((enrollments::run_id, enrollments::status, diesel::dsl::count_star()))
        .load(conn)?)
}

/// People waiting for a place in a run.
pub fn waiting_count(conn: &mut DbConn, run_id: RunId) -> AppResult<i64> {
    Ok(enrollments::table
        .filter(enrollments::run_id.eq(run_id))
        // `participants::models::EnrollmentStatus::Waiting`, which planning cannot name.
        .filter(enrollments::status.eq("waiting"))
        .count()
        .get_result(conn)?)
}
