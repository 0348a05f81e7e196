//! The JSON API (`/api/v1`) of planning: each handler parses the request, calls one use case and answers.

use actix_web::{get, post, web, HttpResponse};

use super::models::*;
use super::{service, views};
use crate::auth::extract::ApiUser;
use crate::config::Settings;
use crate::db::Db;
use crate::error::AppResult;

#[utoipa::path(post, path = "/api/v1/courses/{id}/modules/{module_id}/up", tag = "planning", security(("bearer" = [])),
    responses((status = 200, body = [CourseModule], description = "the modules in their new order")))]
#[post("/api/v1/courses/{id}/modules/{module_id}/up")]
async fn api_module_up(
    user: ApiUser,
    db: web::Data<Db>,
    path: web::Path<(i32, i32)>,
) -> AppResult<HttpResponse> {
    let actor = user.0;
    let (course_id, module_id) = path.into_inner();
    crate::api::ok(&db, move |conn| {
        service::move_module_up(conn, &actor, course_id, module_id)
    })
    .await
}

#[utoipa::path(get, path = "/api/v1/locations", tag = "planning", security(("bearer" = [])),
    responses((status = 200, body = [Location])))]
#[get("/api/v1/locations")]
async fn api_locations(user: ApiUser, db: web::Data<Db>) -> AppResult<HttpResponse> {
    let actor = user.0;
    Ok(HttpResponse::Ok().json(
        db.run(move |conn| service::list_locations(conn, &actor))
            .await?,
    ))
}

#[utoipa::path(post, path = "/api/v1/locations", tag = "planning", security(("bearer" = [])),
    request_body = NewLocation, responses((status = 201, body = Location), (status = 409), (status = 422)))]
#[post("/api/v1/locations")]
async fn api_create_location(
    user: ApiUser,
    db: web::Data<Db>,
    body: crate::api::Json<NewLocation>,
) -> AppResult<HttpResponse> {
    let actor = user.0;
    crate::api::created(&db, move |conn| {
        service::create_location(conn, &actor, body.into_inner())
    })
    .await
}

#[utoipa::path(put, path = "/api/v1/courses/{id}/rules", tag = "planning", security(("bearer" = [])),
    request_body = CourseRules, responses((status = 200, body = Course), (status = 422)))]
#[actix_web::put("/api/v1/courses/{id}/rules")]
async fn api_set_rules(
    user: ApiUser,
    db: web::Data<Db>,
    path: web::Path<i32>,
    body: crate::api::Json<CourseRules>,
) -> AppResult<HttpResponse> {
    let actor = user.0;
    let id = path.into_inner();
    crate::api::ok(&db, move |conn| {
        service::set_course_rules(conn, &actor, id, body.into_inner())
    })
    .await
}

#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct CalendarLink {
    /// Subscribe to this URL in a calendar app; renewing makes the previous link stop working.
    pub url: String,
}

#[utoipa::path(post, path = "/api/v1/my/calendar-link", tag = "planning", security(("bearer" = [])),
    responses((status = 200, body = CalendarLink)))]
#[post("/api/v1/my/calendar-link")]
async fn api_renew_my_link(
    user: ApiUser,
    db: web::Data<Db>,
    settings: web::Data<Settings>,
) -> AppResult<HttpResponse> {
    let actor = user.0;
    let token = db
        .run(move |conn| service::renew_my_calendar_link(conn, &actor))
        .await?;
    Ok(HttpResponse::Ok().json(CalendarLink {
        url: service::feed_url(&settings, "trainer", &token),
    }))
}

#[utoipa::path(post, path = "/api/v1/runs/{id}/calendar-link", tag = "planning", security(("bearer" = [])),
    responses((status = 200, body = CalendarLink)))]
#[post("/api/v1/runs/{id}/calendar-link")]
async fn api_renew_run_link(
    user: ApiUser,
    db: web::Data<Db>,
    settings: web::Data<Settings>,
    path: web::Path<i32>,
) -> AppResult<HttpResponse> {
    let actor = user.0;
    let run_id = path.into_inner();
    let token = db
        .run(move |conn| service::renew_run_calendar_link(conn, &actor, run_id))
        .await?;
    Ok(HttpResponse::Ok().json(CalendarLink {
        url: service::feed_url(&settings, "run", &token),
    }))
}

/// Courses of the caller's organisation.
#[utoipa::path(get, path = "/api/v1/courses", tag = "planning", security(("bearer" = [])),
    responses((status = 200, body = [Course])))]
#[get("/api/v1/courses")]
async fn api_courses(user: ApiUser, db: web::Data<Db>) -> AppResult<HttpResponse> {
    let actor = user.0;
    crate::api::ok(&db, move |conn| views::courses(conn, &actor)).await
}

#[utoipa::path(post, path = "/api/v1/courses", tag = "planning", security(("bearer" = [])),
    request_body = NewCourse, responses((status = 201, body = Course), (status = 422), (status = 409)))]
#[post("/api/v1/courses")]
async fn api_create_course(
    user: ApiUser,
    db: web::Data<Db>,
    body: crate::api::Json<NewCourse>,
) -> AppResult<HttpResponse> {
    let actor = user.0;
    crate::api::created(&db, move |conn| {
        service::create_course(conn, &actor, body.into_inner())
    })
    .await
}

#[utoipa::path(get, path = "/api/v1/courses/{id}", tag = "planning", security(("bearer" = [])),
    responses((status = 200, description = "course with modules and runs"), (status = 404)))]
#[get("/api/v1/courses/{id}")]
async fn api_course(
    user: ApiUser,
    db: web::Data<Db>,
    path: web::Path<i32>,
) -> AppResult<HttpResponse> {
    let actor = user.0;
    let id = path.into_inner();
    crate::api::ok(&db, move |conn| views::course(conn, &actor, id)).await
}

#[utoipa::path(post, path = "/api/v1/courses/{id}/modules", tag = "planning", security(("bearer" = [])),
    request_body = NewModule, responses((status = 201, body = CourseModule), (status = 422)))]
#[post("/api/v1/courses/{id}/modules")]
async fn api_add_module(
    user: ApiUser,
    db: web::Data<Db>,
    path: web::Path<i32>,
    body: crate::api::Json<NewModule>,
) -> AppResult<HttpResponse> {
    let actor = user.0;
    let id = path.into_inner();
    crate::api::created(&db, move |conn| {
        service::add_module(conn, &actor, id, body.into_inner())
    })
    .await
}

#[utoipa::path(post, path = "/api/v1/courses/{id}/runs", tag = "planning", security(("bearer" = [])),
    request_body = NewRun, responses((status = 201, body = CourseRun), (status = 422)))]
#[post("/api/v1/courses/{id}/runs")]
async fn api_create_run(
    user: ApiUser,
    db: web::Data<Db>,
    path: web::Path<i32>,
    body: crate::api::Json<NewRun>,
) -> AppResult<HttpResponse> {
    let actor = user.0;
    let id = path.into_inner();
    crate::api::created(&db, move |conn| {
        service::create_run(conn, &actor, id, body.into_inner())
    })
    .await
}

#[utoipa::path(get, path = "/api/v1/runs/{id}", tag = "planning", security(("bearer" = [])),
    responses((status = 200, description = "run with sessions"), (status = 404)))]
#[get("/api/v1/runs/{id}")]
async fn api_run(
    user: ApiUser,
    db: web::Data<Db>,
    path: web::Path<i32>,
) -> AppResult<HttpResponse> {
    let actor = user.0;
    let id = path.into_inner();
    crate::api::ok(&db, move |conn| views::run(conn, &actor, id)).await
}

#[utoipa::path(post, path = "/api/v1/runs/{id}/sessions", tag = "planning", security(("bearer" = [])),
    request_body = NewSession, responses((status = 201, body = TrainingSession), (status = 422)))]
#[post("/api/v1/runs/{id}/sessions")]
async fn api_create_session(
    user: ApiUser,
    db: web::Data<Db>,
    path: web::Path<i32>,
    body: crate::api::Json<NewSession>,
) -> AppResult<HttpResponse> {
    let actor = user.0;
    let id = path.into_inner();
    crate::api::created(&db, move |conn| {
        service::create_session(conn, &actor, id, body.into_inner())
    })
    .await
}

#[utoipa::path(get, path = "/api/v1/my/sessions", tag = "attendance", security(("bearer" = [])),
    responses((status = 200, body = [SessionView])))]
#[get("/api/v1/my/sessions")]
async fn api_my_sessions(user: ApiUser, db: web::Data<Db>) -> AppResult<HttpResponse> {
    let actor = user.0;
    crate::api::ok(&db, move |conn| service::my_sessions(conn, &actor)).await
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
