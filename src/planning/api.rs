//! The JSON API (`/api/v1`) of planning: each handler parses the request, calls one use case and answers.

use actix_web::{get, post, web, HttpResponse};

use super::models::*;
use super::{service, views};
use crate::api::{Answer, Caller, Json};
use crate::config::Settings;
use crate::ids::{CourseId, ModuleId, RunId};

#[utoipa::path(post, path = "/api/v1/courses/{id}/modules/{module_id}/up", tag = "planning", security(("bearer" = [])),
    params(("id" = i32, Path), ("module_id" = i32, Path)),
    responses((status = 200, body = [CourseModule], description = "the modules in their new order")))]
#[post("/api/v1/courses/{id}/modules/{module_id}/up")]
async fn api_module_up(caller: Caller, path: web::Path<(CourseId, ModuleId)>) -> Answer {
    let (course_id, module_id) = path.into_inner();
    caller.ok(move |c, actor| service::move_module_up(c, actor, course_id, module_id)).await
}

#[utoipa::path(get, path = "/api/v1/locations", tag = "planning", security(("bearer" = [])),
    responses((status = 200, body = [Location])))]
#[get("/api/v1/locations")]
async fn api_locations(caller: Caller) -> Answer {
    caller.ok(service::list_locations).await
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

/// Courses of the caller's organisation.
#[utoipa::path(get, path = "/api/v1/courses", tag = "planning", security(("bearer" = [])),
    responses((status = 200, body = [Course])))]
#[get("/api/v1/courses")]
async fn api_courses(caller: Caller) -> Answer {
    caller.ok(views::courses).await
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
        .service(api_set_rules);
}
