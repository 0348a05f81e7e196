//! The JSON API (`/api/v1`) of the runs overview, the run's check-in cards and the
//! corrections of a course that concern issued certificates: each handler parses the
//! request, calls one use case and answers.

use std::sync::Arc;

use actix_web::http::header;
use actix_web::{delete, get, put, web, HttpResponse};
use serde::Deserialize;

use super::correct::{self, CourseSaved, ModuleSaved};
use super::overview::{self, RunOverview};
use crate::api::{Answer, Caller, Json};
use crate::certificates::service::CertificateIssuer;
use crate::error::AppError;
use crate::ids::{CourseId, ModuleId, RunId};
use crate::planning::models::{NewCourse, NewModule};

type Issuer = web::Data<Arc<CertificateIssuer>>;

#[derive(Deserialize)]
struct StateFilter {
    state: Option<String>,
}

/// The organisation's runs in use with their counts and next action: upcoming, running,
/// to certify (ended, someone completed without a certificate) or done.
#[utoipa::path(get, path = "/api/v1/runs", tag = "planning", security(("bearer" = [])),
    params(("state" = Option<String>, Query, description = "`upcoming`, `running`, `to_certify` or `done`; none: every run in use")),
    responses((status = 200, body = [RunOverview]),
        (status = 422, description = "an unknown state", body = crate::api::ErrorSchema)))]
#[get("/api/v1/runs")]
async fn api_runs(caller: Caller, q: web::Query<StateFilter>) -> Answer {
    caller.ok(move |c, actor| overview::runs_in_state(c, actor, q.state.as_deref())).await
}

/// Check-in cards for everyone holding a place in the run, as `GET /runs/{id}/cards.pdf`.
#[utoipa::path(get, path = "/api/v1/runs/{id}/cards.pdf", tag = "attendance", security(("bearer" = [])),
    params(("id" = i32, Path)),
    responses((status = 200, content_type = "application/pdf", description = "one card per person holding a place"), (status = 404)))]
#[get("/api/v1/runs/{id}/cards.pdf")]
async fn api_cards(caller: Caller, issuer: Issuer, id: web::Path<RunId>) -> Answer {
    let (run_id, public_url) = (*id, issuer.public_url.clone());
    let (org_name, cards) = caller
        .run(move |conn, actor| {
            crate::attendance::cards::cards_for_run(conn, actor, &public_url, run_id)
        })
        .await?;
    let bytes = issuer
        .renderer
        .render_cards(&org_name, &cards)
        .map_err(|e| AppError::Internal(e.context("rendering cards")))?;
    Ok(HttpResponse::Ok()
        .content_type("application/pdf")
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"Teilnahmekarten-Durchgang-{run_id}.pdf\""),
        ))
        .body(bytes))
}

#[utoipa::path(put, path = "/api/v1/courses/{id}", tag = "planning", security(("bearer" = [])),
    request_body = NewCourse, params(("id" = i32, Path)),
    responses((status = 200, body = CourseSaved, description = "the course, and the runs whose valid certificates still print the older text (replace them there)"),
        (status = 404), (status = 409, description = "the code is taken"), (status = 422)))]
#[put("/api/v1/courses/{id}")]
async fn api_update_course(
    caller: Caller, id: web::Path<CourseId>, body: Json<NewCourse>,
) -> Answer {
    caller.ok(move |c, actor| correct::update_course(c, actor, *id, body.into_inner())).await
}

#[utoipa::path(put, path = "/api/v1/courses/{id}/modules/{module_id}", tag = "planning", security(("bearer" = [])),
    request_body = NewModule, params(("id" = i32, Path), ("module_id" = i32, Path)),
    responses((status = 200, body = ModuleSaved, description = "the module, and the runs whose valid certificates still print the older text"),
        (status = 404), (status = 422)))]
#[put("/api/v1/courses/{id}/modules/{module_id}")]
async fn api_update_module(
    caller: Caller, path: web::Path<(CourseId, ModuleId)>, body: Json<NewModule>,
) -> Answer {
    let (course_id, module_id) = path.into_inner();
    caller
        .ok(move |c, actor| {
            correct::update_module(c, actor, course_id, module_id, body.into_inner())
        })
        .await
}

#[utoipa::path(delete, path = "/api/v1/courses/{id}/modules/{module_id}", tag = "planning", security(("bearer" = [])),
    params(("id" = i32, Path), ("module_id" = i32, Path)),
    responses((status = 204), (status = 404),
        (status = 409, description = "sessions covering the module took marks", body = crate::api::ErrorSchema)))]
#[delete("/api/v1/courses/{id}/modules/{module_id}")]
async fn api_delete_module(caller: Caller, path: web::Path<(CourseId, ModuleId)>) -> Answer {
    let (course_id, module_id) = path.into_inner();
    caller.no_content(move |c, actor| correct::delete_module(c, actor, course_id, module_id)).await
}

/// The operations of this file in the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(paths(api_runs, api_cards, api_update_course, api_update_module, api_delete_module))]
pub struct Doc;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(api_runs)
        .service(api_cards)
        .service(api_update_course)
        .service(api_update_module)
        .service(api_delete_module);
}
