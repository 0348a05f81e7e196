//! The JSON API (`/api/v1`) of translated course and module titles. Each handler parses
//! the request, calls one use case and answers.

use actix_web::{get, put, web};

use super::service::{self, CourseTitles, TitlesInput};
use crate::api::{Answer, Caller, Json};
use crate::ids::CourseId;

#[utoipa::path(get, path = "/api/v1/courses/{id}/translations", tag = "planning",
    security(("bearer" = [])), params(("id" = i32, Path, description = "course id")),
    responses((status = 200, body = CourseTitles, description = "the course's and its modules' titles in every participant language"),
        (status = 401, description = "no or an invalid token", body = crate::api::ErrorSchema),
        (status = 403, description = "not a coordinator", body = crate::api::ErrorSchema),
        (status = 404, description = "no such course in the organisation", body = crate::api::ErrorSchema)))]
#[get("/api/v1/courses/{id}/translations")]
async fn api_titles(caller: Caller, id: web::Path<CourseId>) -> Answer {
    let id = *id;
    caller.ok(move |c, a| service::course_titles(c, a, id)).await
}

#[utoipa::path(put, path = "/api/v1/courses/{id}/translations/{lang}", tag = "planning",
    security(("bearer" = [])),
    params(("id" = i32, Path, description = "course id"),
        ("lang" = String, Path, description = "a participant language other than de: en, ar, fa, uk, ru, tr, ti, ps")),
    request_body = TitlesInput,
    responses((status = 200, body = CourseTitles, description = "saved; empty titles remove the translation"),
        (status = 401, description = "no or an invalid token", body = crate::api::ErrorSchema),
        (status = 403, description = "not a coordinator", body = crate::api::ErrorSchema),
        (status = 404, description = "no such course or language", body = crate::api::ErrorSchema),
        (status = 422, description = "invalid input", body = crate::api::ErrorSchema)))]
#[put("/api/v1/courses/{id}/translations/{lang}")]
async fn api_save_titles(
    caller: Caller, path: web::Path<(CourseId, String)>, body: Json<TitlesInput>,
) -> Answer {
    let (id, lang) = path.into_inner();
    let input = body.into_inner();
    caller.ok(move |c, a| service::save_titles(c, a, id, &lang, input)).await
}

#[derive(utoipa::OpenApi)]
#[openapi(paths(api_titles, api_save_titles))]
pub struct Doc;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(api_titles).service(api_save_titles);
}
