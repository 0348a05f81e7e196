//! The JSON API (`/api/v1`) of the library: each handler parses the request, calls one use case and answers.

use actix_web::{get, post, web};

use super::content::Content;
use super::service::{self, Copied, Publish, Shelf, TemplateDetail, TemplateLine};
use crate::api::{Answer, Caller, ErrorSchema, Json};
use crate::ids::TemplateId;
use crate::programmes::models::{NewProgramme, Programme};

/// The libraries the caller reads: a member organisation's coordinators those of its
/// programmes, the programme's office its own, admins all; with the version the caller's
/// organisation copied and whether a newer one exists.
#[utoipa::path(get, path = "/api/v1/library", tag = "library", security(("bearer" = [])),
    responses((status = 200, body = [Shelf]), (status = 403, body = ErrorSchema)))]
#[get("/api/v1/library")]
async fn api_shelves(caller: Caller) -> Answer {
    caller.ok(service::shelves).await
}

/// A template with its latest content, its versions, and what changed since the
/// caller's organisation copied it.
#[utoipa::path(get, path = "/api/v1/library/{id}", tag = "library", security(("bearer" = [])),
    params(("id" = i32, Path, description = "template id")),
    responses((status = 200, body = TemplateDetail),
        (status = 403, body = ErrorSchema), (status = 404, body = ErrorSchema)))]
#[get("/api/v1/library/{id}")]
async fn api_template(caller: Caller, id: web::Path<TemplateId>) -> Answer {
    caller.ok(move |conn, actor| service::detail(conn, actor, *id)).await
}

/// One version's content.
#[utoipa::path(get, path = "/api/v1/library/{id}/versions/{version}", tag = "library", security(("bearer" = [])),
    params(("id" = i32, Path, description = "template id"), ("version" = i32, Path, description = "version, from 1")),
    responses((status = 200, body = Content),
        (status = 403, body = ErrorSchema), (status = 404, body = ErrorSchema)))]
#[get("/api/v1/library/{id}/versions/{version}")]
async fn api_version(caller: Caller, path: web::Path<(TemplateId, i32)>) -> Answer {
    let (id, version) = path.into_inner();
    caller.ok(move |conn, actor| service::version(conn, actor, id, version)).await
}

/// Coordinators of a member sharing templates: publish a course or survey (again, as a
/// new version when it changed).
#[utoipa::path(post, path = "/api/v1/library", tag = "library", security(("bearer" = [])),
    request_body = Publish,
    responses((status = 201, body = TemplateLine),
        (status = 403, body = ErrorSchema),
        (status = 404, description = "no such course, survey or programme of the organisation", body = ErrorSchema),
        (status = 409, description = "the organisation does not share templates in the programme", body = ErrorSchema)))]
#[post("/api/v1/library")]
async fn api_publish(caller: Caller, body: Json<Publish>) -> Answer {
    let input = body.into_inner();
    caller.created(move |conn, actor| service::publish(conn, actor, input)).await
}

/// Coordinators of a member: copy the template's latest version into the organisation.
#[utoipa::path(post, path = "/api/v1/library/{id}/copy", tag = "library", security(("bearer" = [])),
    params(("id" = i32, Path, description = "template id")),
    responses((status = 201, body = Copied),
        (status = 403, body = ErrorSchema), (status = 404, body = ErrorSchema),
        (status = 409, body = ErrorSchema), (status = 422, description = "the template's content is refused as input would be", body = ErrorSchema)))]
#[post("/api/v1/library/{id}/copy")]
async fn api_copy(caller: Caller, id: web::Path<TemplateId>) -> Answer {
    caller.created(move |conn, actor| service::copy(conn, actor, *id)).await
}

/// Coordinators of a member: keep the copy as it is; the "new version" note goes.
#[utoipa::path(post, path = "/api/v1/library/{id}/acknowledge", tag = "library", security(("bearer" = [])),
    params(("id" = i32, Path, description = "template id")),
    responses((status = 204, description = "marked as seen"),
        (status = 403, body = ErrorSchema), (status = 404, body = ErrorSchema),
        (status = 409, description = "no copy older than the latest version", body = ErrorSchema)))]
#[post("/api/v1/library/{id}/acknowledge")]
async fn api_acknowledge(caller: Caller, id: web::Path<TemplateId>) -> Answer {
    caller.no_content(move |conn, actor| service::acknowledge(conn, actor, *id)).await
}

/// The publisher: withdraw a template; copies made stay.
#[utoipa::path(post, path = "/api/v1/library/{id}/withdraw", tag = "library", security(("bearer" = [])),
    params(("id" = i32, Path, description = "template id")),
    responses((status = 204, description = "withdrawn"),
        (status = 403, body = ErrorSchema), (status = 404, body = ErrorSchema)))]
#[post("/api/v1/library/{id}/withdraw")]
async fn api_withdraw(caller: Caller, id: web::Path<TemplateId>) -> Answer {
    caller.no_content(move |conn, actor| service::withdraw(conn, actor, *id)).await
}

/// Admins: every programme (here with the creation: one OpenAPI path item).
#[utoipa::path(get, path = "/api/v1/admin/programmes", tag = "programmes", security(("bearer" = [])),
    responses((status = 200, body = [Programme]),
        (status = 403, description = "not an admin", body = ErrorSchema)))]
#[get("/api/v1/admin/programmes")]
async fn api_programmes(caller: Caller) -> Answer {
    caller.ok(crate::programmes::service::list).await
}

/// Admins: create a programme with its reporting periods (whole quarters that do not
/// overlap; none given: the current calendar year). Its library starts with the starter
/// set (here, since the library sits above programmes).
#[utoipa::path(post, path = "/api/v1/admin/programmes", tag = "programmes", security(("bearer" = [])),
    request_body = NewProgramme,
    responses((status = 201, body = Programme),
        (status = 403, description = "not an admin", body = ErrorSchema),
        (status = 422, description = "a missing name, a period that is not whole quarters or overlaps another", body = ErrorSchema)))]
#[post("/api/v1/admin/programmes")]
async fn api_create_programme(caller: Caller, body: Json<NewProgramme>) -> Answer {
    let input = body.into_inner();
    caller.created(move |conn, actor| service::create_programme(conn, actor, input)).await
}

/// The operations of this file in the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(paths(
    api_programmes,
    api_create_programme,
    api_shelves,
    api_template,
    api_version,
    api_publish,
    api_copy,
    api_acknowledge,
    api_withdraw
))]
pub struct Doc;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(api_programmes)
        .service(api_create_programme)
        .service(api_shelves)
        .service(api_publish)
        .service(api_version)
        .service(api_copy)
        .service(api_acknowledge)
        .service(api_withdraw)
        .service(api_template);
}
