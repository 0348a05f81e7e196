//! The JSON API (`/api/v1`) of planning: each handler parses the request, calls one use case and answers.

use actix_web::{delete, get, post, put, web, HttpResponse};
use serde::Deserialize;

use super::correct::{self, ShowArchived};
use super::models::*;
use super::{service, views};
use crate::api::{Answer, Caller, Json};
use crate::config::Settings;
use crate::error::{AppError, AppResult};
use crate::i18n::Text;
use crate::ids::{CourseId, LocationId, ModuleId, RunId, SessionId};

#[utoipa::path(post, path = "/api/v1/courses/{id}/modules/{module_id}/up", tag = "planning", security(("bearer" = [])),
    params(("id" = i32, Path), ("module_id" = i32, Path)),
    responses((status = 200, body = [CourseModule], description = "the modules in their new order")))]
#[post("/api/v1/courses/{id}/modules/{module_id}/up")]
async fn api_module_up(caller: Caller, path: web::Path<(CourseId, ModuleId)>) -> Answer {
    let (course_id, module_id) = path.into_inner();
    caller.ok(move |c, actor| service::move_module_up(c, actor, course_id, module_id)).await
}

/// `?archived=true` lists archived ones too.
#[derive(Deserialize)]
struct ArchiveFilter {
    archived: Option<String>,
}

impl ArchiveFilter {
    fn show(&self) -> AppResult<ShowArchived> {
        match self.archived.as_deref().map(str::trim) {
            None | Some("" | "false") => Ok(ShowArchived(false)),
            Some("true") => Ok(ShowArchived(true)),
            Some(_) => Err(AppError::invalid("archived", Text::key("error.plan.archived_filter"))),
        }
    }
}

#[utoipa::path(get, path = "/api/v1/locations", tag = "planning", security(("bearer" = [])),
    params(("archived" = Option<bool>, Query, description = "list archived places too")),
    responses((status = 200, body = [Location]), (status = 422)))]
#[get("/api/v1/locations")]
async fn api_locations(caller: Caller, q: web::Query<ArchiveFilter>) -> Answer {
    let show = q.show()?;
    caller.ok(move |c, actor| correct::locations(c, actor, show)).await
}

#[utoipa::path(post, path = "/api/v1/locations", tag = "planning", security(("bearer" = [])),
    request_body = NewLocation, responses((status = 201, body = Location), (status = 409), (status = 422)))]
#[post("/api/v1/locations")]
async fn api_create_location(caller: Caller, body: Json<NewLocation>) -> Answer {
    caller.created(move |c, actor| service::create_location(c, actor, body.into_inner())).await
}

#[utoipa::path(put, path = "/api/v1/courses/{id}/rules", tag = "planning", security(("bearer" = [])),
    request_body = CourseRules, params(("id" = i32, Path)), responses((status = 200, body = Course), (status = 422)))]
#[actix_web::put("/api/v1/courses/{id}/rules")]
async fn api_set_rules(caller: Caller, id: web::Path<CourseId>, body: Json<CourseRules>) -> Answer {
    caller.ok(move |c, actor| service::set_course_rules(c, actor, *id, body.into_inner())).await
}

#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct CalendarLink {
    /// Subscribe to this URL in a calendar app; renewing makes the previous link stop working.
    pub url: String,
}

#[utoipa::path(post, path = "/api/v1/my/calendar-link", tag = "planning", security(("bearer" = [])),
    responses((status = 200, body = CalendarLink)))]
#[post("/api/v1/my/calendar-link")]
async fn api_renew_my_link(caller: Caller, settings: web::Data<Settings>) -> Answer {
    let token = caller.run(service::renew_my_calendar_link).await?;
    Ok(HttpResponse::Ok()
        .json(CalendarLink { url: service::feed_url(&settings, "trainer", &token) }))
}

#[utoipa::path(post, path = "/api/v1/runs/{id}/calendar-link", tag = "planning", security(("bearer" = [])),
    params(("id" = i32, Path)), responses((status = 200, body = CalendarLink)))]
#[post("/api/v1/runs/{id}/calendar-link")]
async fn api_renew_run_link(
    caller: Caller, settings: web::Data<Settings>, id: web::Path<RunId>,
) -> Answer {
    let token =
        caller.run(move |conn, actor| service::renew_run_calendar_link(conn, actor, *id)).await?;
    Ok(HttpResponse::Ok().json(CalendarLink { url: service::feed_url(&settings, "run", &token) }))
}

/// Courses of the caller's organisation (archived ones with `?archived=true`).
#[utoipa::path(get, path = "/api/v1/courses", tag = "planning", security(("bearer" = [])),
    params(("archived" = Option<bool>, Query, description = "list archived courses too")),
    responses((status = 200, body = [Course]), (status = 422)))]
#[get("/api/v1/courses")]
async fn api_courses(caller: Caller, q: web::Query<ArchiveFilter>) -> Answer {
    let show = q.show()?;
    caller.ok(move |c, actor| correct::courses(c, actor, show)).await
}

#[utoipa::path(post, path = "/api/v1/courses", tag = "planning", security(("bearer" = [])),
    request_body = NewCourse, responses((status = 201, body = Course), (status = 422), (status = 409)))]
#[post("/api/v1/courses")]
async fn api_create_course(caller: Caller, body: Json<NewCourse>) -> Answer {
    caller.created(move |c, actor| service::create_course(c, actor, body.into_inner())).await
}

#[utoipa::path(get, path = "/api/v1/courses/{id}", tag = "planning", security(("bearer" = [])),
    params(("id" = i32, Path)), responses((status = 200, description = "course with modules and runs"), (status = 404)))]
#[get("/api/v1/courses/{id}")]
async fn api_course(caller: Caller, id: web::Path<CourseId>) -> Answer {
    caller.ok(move |conn, actor| views::course(conn, actor, *id)).await
}

#[utoipa::path(post, path = "/api/v1/courses/{id}/modules", tag = "planning", security(("bearer" = [])),
    request_body = NewModule, params(("id" = i32, Path)), responses((status = 201, body = CourseModule), (status = 422)))]
#[post("/api/v1/courses/{id}/modules")]
async fn api_add_module(caller: Caller, id: web::Path<CourseId>, body: Json<NewModule>) -> Answer {
    caller.created(move |c, actor| service::add_module(c, actor, *id, body.into_inner())).await
}

#[utoipa::path(post, path = "/api/v1/courses/{id}/runs", tag = "planning", security(("bearer" = [])),
    request_body = NewRun, params(("id" = i32, Path)), responses((status = 201, body = CourseRun), (status = 422)))]
#[post("/api/v1/courses/{id}/runs")]
async fn api_create_run(caller: Caller, id: web::Path<CourseId>, body: Json<NewRun>) -> Answer {
    caller.created(move |c, actor| service::create_run(c, actor, *id, body.into_inner())).await
}

#[utoipa::path(get, path = "/api/v1/runs/{id}", tag = "planning", security(("bearer" = [])),
    params(("id" = i32, Path)), responses((status = 200, description = "run with sessions"), (status = 404)))]
#[get("/api/v1/runs/{id}")]
async fn api_run(caller: Caller, id: web::Path<RunId>) -> Answer {
    caller.ok(move |conn, actor| views::run(conn, actor, *id)).await
}

#[utoipa::path(post, path = "/api/v1/runs/{id}/sessions", tag = "planning", security(("bearer" = [])),
    request_body = NewSession, params(("id" = i32, Path)), responses((status = 201, body = TrainingSession), (status = 422)))]
#[post("/api/v1/runs/{id}/sessions")]
async fn api_create_session(
    caller: Caller, id: web::Path<RunId>, body: Json<NewSession>,
) -> Answer {
    caller.created(move |c, actor| service::create_session(c, actor, *id, body.into_inner())).await
}

#[utoipa::path(get, path = "/api/v1/my/sessions", tag = "attendance", security(("bearer" = [])),
    responses((status = 200, body = [SessionView])))]
#[get("/api/v1/my/sessions")]
async fn api_my_sessions(caller: Caller) -> Answer {
    caller.ok(service::my_sessions).await
}

#[utoipa::path(delete, path = "/api/v1/courses/{id}", tag = "planning", security(("bearer" = [])),
    params(("id" = i32, Path)),
    responses((status = 204, description = "deleted with its modules"), (status = 404),
        (status = 409, description = "the course has runs: archive it instead (`POST /api/v1/courses/{id}/archive`)", body = crate::api::ErrorSchema)))]
#[delete("/api/v1/courses/{id}")]
async fn api_delete_course(caller: Caller, id: web::Path<CourseId>) -> Answer {
    caller.no_content(move |c, actor| correct::delete_course(c, actor, *id)).await
}

#[utoipa::path(post, path = "/api/v1/courses/{id}/archive", tag = "planning", security(("bearer" = [])),
    params(("id" = i32, Path)), responses((status = 200, body = Course), (status = 404)))]
#[post("/api/v1/courses/{id}/archive")]
async fn api_archive_course(caller: Caller, id: web::Path<CourseId>) -> Answer {
    caller.ok(move |c, actor| correct::set_course_archived(c, actor, *id, true)).await
}

#[utoipa::path(post, path = "/api/v1/courses/{id}/restore", tag = "planning", security(("bearer" = [])),
    params(("id" = i32, Path)), responses((status = 200, body = Course), (status = 404)))]
#[post("/api/v1/courses/{id}/restore")]
async fn api_restore_course(caller: Caller, id: web::Path<CourseId>) -> Answer {
    caller.ok(move |c, actor| correct::set_course_archived(c, actor, *id, false)).await
}

#[utoipa::path(post, path = "/api/v1/courses/{id}/modules/{module_id}/down", tag = "planning", security(("bearer" = [])),
    params(("id" = i32, Path), ("module_id" = i32, Path)),
    responses((status = 200, body = [CourseModule], description = "the modules in their new order"), (status = 404)))]
#[post("/api/v1/courses/{id}/modules/{module_id}/down")]
async fn api_module_down(caller: Caller, path: web::Path<(CourseId, ModuleId)>) -> Answer {
    let (course_id, module_id) = path.into_inner();
    caller.ok(move |c, actor| correct::move_module_down(c, actor, course_id, module_id)).await
}

#[utoipa::path(get, path = "/api/v1/locations/{id}", tag = "planning", security(("bearer" = [])),
    params(("id" = i32, Path)), responses((status = 200, body = Location), (status = 404)))]
#[get("/api/v1/locations/{id}")]
async fn api_location(caller: Caller, id: web::Path<LocationId>) -> Answer {
    caller.ok(move |c, actor| correct::get_location(c, actor, *id)).await
}

#[utoipa::path(put, path = "/api/v1/locations/{id}", tag = "planning", security(("bearer" = [])),
    request_body = NewLocation, params(("id" = i32, Path)),
    responses((status = 200, body = Location), (status = 404),
        (status = 409, description = "another place has this name (case and spaces aside)", body = crate::api::ErrorSchema), (status = 422)))]
#[put("/api/v1/locations/{id}")]
async fn api_update_location(
    caller: Caller, id: web::Path<LocationId>, body: Json<NewLocation>,
) -> Answer {
    caller.ok(move |c, actor| correct::update_location(c, actor, *id, body.into_inner())).await
}

#[utoipa::path(delete, path = "/api/v1/locations/{id}", tag = "planning", security(("bearer" = [])),
    params(("id" = i32, Path)),
    responses((status = 204), (status = 404),
        (status = 409, description = "sessions use the place: archive it instead (`POST /api/v1/locations/{id}/archive`)", body = crate::api::ErrorSchema)))]
#[delete("/api/v1/locations/{id}")]
async fn api_delete_location(caller: Caller, id: web::Path<LocationId>) -> Answer {
    caller.no_content(move |c, actor| correct::delete_location(c, actor, *id)).await
}

#[utoipa::path(post, path = "/api/v1/locations/{id}/archive", tag = "planning", security(("bearer" = [])),
    params(("id" = i32, Path)), responses((status = 200, body = Location), (status = 404)))]
#[post("/api/v1/locations/{id}/archive")]
async fn api_archive_location(caller: Caller, id: web::Path<LocationId>) -> Answer {
    caller.ok(move |c, actor| correct::set_location_archived(c, actor, *id, true)).await
}

#[utoipa::path(post, path = "/api/v1/locations/{id}/restore", tag = "planning", security(("bearer" = [])),
    params(("id" = i32, Path)), responses((status = 200, body = Location), (status = 404)))]
#[post("/api/v1/locations/{id}/restore")]
async fn api_restore_location(caller: Caller, id: web::Path<LocationId>) -> Answer {
    caller.ok(move |c, actor| correct::set_location_archived(c, actor, *id, false)).await
}

#[utoipa::path(delete, path = "/api/v1/runs/{id}", tag = "planning", security(("bearer" = [])),
    params(("id" = i32, Path)),
    responses((status = 204, description = "deleted with its sessions"), (status = 404),
        (status = 409, description = "the run has history (enrolments, marks, certificates): archive it instead (`POST /api/v1/runs/{id}/archive`)", body = crate::api::ErrorSchema)))]
#[delete("/api/v1/runs/{id}")]
async fn api_delete_run(caller: Caller, id: web::Path<RunId>) -> Answer {
    caller.no_content(move |c, actor| correct::delete_run(c, actor, *id)).await
}

#[utoipa::path(post, path = "/api/v1/runs/{id}/archive", tag = "planning", security(("bearer" = [])),
    params(("id" = i32, Path)), responses((status = 200, body = CourseRun), (status = 404)))]
#[post("/api/v1/runs/{id}/archive")]
async fn api_archive_run(caller: Caller, id: web::Path<RunId>) -> Answer {
    caller.ok(move |c, actor| correct::set_run_archived(c, actor, *id, true)).await
}

#[utoipa::path(post, path = "/api/v1/runs/{id}/restore", tag = "planning", security(("bearer" = [])),
    params(("id" = i32, Path)), responses((status = 200, body = CourseRun), (status = 404)))]
#[post("/api/v1/runs/{id}/restore")]
async fn api_restore_run(caller: Caller, id: web::Path<RunId>) -> Answer {
    caller.ok(move |c, actor| correct::set_run_archived(c, actor, *id, false)).await
}

#[utoipa::path(delete, path = "/api/v1/sessions/{id}", tag = "planning", security(("bearer" = [])),
    params(("id" = i32, Path)),
    responses((status = 204), (status = 404),
        (status = 409, description = "marks or reminders exist, or people enrolled would not be told: cancel it instead (`POST /api/v1/sessions/{id}/cancel`)", body = crate::api::ErrorSchema)))]
#[delete("/api/v1/sessions/{id}")]
async fn api_delete_session(caller: Caller, id: web::Path<SessionId>) -> Answer {
    caller.no_content(move |c, actor| correct::delete_session(c, actor, *id)).await
}

#[derive(Deserialize)]
struct CalendarRange {
    from: Option<String>,
    to: Option<String>,
}

/// The longest range the calendar answers at once.
const MAX_CALENDAR_DAYS: i64 = 366;

/// The organisation's sessions between two dates (inclusive, Europe/Berlin), with the
/// planning warnings the calendar page shows.
#[utoipa::path(get, path = "/api/v1/calendar", tag = "planning", security(("bearer" = [])),
    params(("from" = String, Query, description = "first day, YYYY-MM-DD"),
        ("to" = String, Query, description = "last day, YYYY-MM-DD; at most 366 days after `from`")),
    responses((status = 200, body = [SessionView]),
        (status = 422, description = "a missing or malformed date, `from` after `to`, or more than 366 days", body = crate::api::ErrorSchema)))]
#[get("/api/v1/calendar")]
async fn api_calendar(caller: Caller, q: web::Query<CalendarRange>) -> Answer {
    let date = |field: &'static str, label: &'static str, v: &Option<String>| {
        crate::validate::date(field, label, v.as_deref().unwrap_or(""))
    };
    let from = date("from", "plan.label.from", &q.from)?;
    let to = date("to", "plan.label.to", &q.to)?;
    if from > to {
        return Err(AppError::invalid("to", Text::key("error.plan.range_reversed")));
    }
    if (to - from).num_days() > MAX_CALENDAR_DAYS {
        return Err(AppError::invalid(
            "to",
            Text::key("error.plan.range_too_long").arg("days", MAX_CALENDAR_DAYS),
        ));
    }
    caller.ok(move |c, actor| service::sessions_with_warnings_between(c, actor, from, to)).await
}

/// The operations of this file in the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(paths(
    api_courses,
    api_create_course,
    api_course,
    api_add_module,
    api_create_run,
    api_run,
    api_create_session,
    api_my_sessions,
    api_renew_my_link,
    api_renew_run_link,
    api_locations,
    api_create_location,
    api_set_rules,
    api_module_up,
    api_delete_course,
    api_archive_course,
    api_restore_course,
    api_module_down,
    api_location,
    api_update_location,
    api_delete_location,
    api_archive_location,
    api_restore_location,
    api_delete_run,
    api_archive_run,
    api_restore_run,
    api_delete_session,
    api_calendar,
))]
pub struct Doc;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(api_courses)
        .service(api_create_course)
        .service(api_course)
        .service(api_add_module)
        .service(api_create_run)
        .service(api_run)
        .service(api_create_session)
        .service(api_my_sessions)
        .service(api_renew_my_link)
        .service(api_renew_run_link)
        .service(api_locations)
        .service(api_create_location)
        .service(api_module_up)
        .service(api_set_rules)
        .service(api_delete_course)
        .service(api_archive_course)
        .service(api_restore_course)
        .service(api_module_down)
        .service(api_location)
        .service(api_update_location)
        .service(api_delete_location)
        .service(api_archive_location)
        .service(api_restore_location)
        .service(api_delete_run)
        .service(api_archive_run)
        .service(api_restore_run)
        .service(api_delete_session)
        .service(api_calendar);
}
