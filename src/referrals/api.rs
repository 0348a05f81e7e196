//! The JSON API (`/api/v1`) of referrals: each handler parses the request, calls one use
//! case and answers.

use std::sync::Arc;

use actix_web::http::header;
use actix_web::{get, post, web, HttpResponse};

use super::models::{NewReferral, OpenRun, Referral, Referred};
use super::service;
use crate::api::{Answer, Caller, ErrorSchema, Json};
use crate::certificates::service::CertificateIssuer;
use crate::ids::CertificateId;

#[utoipa::path(get, path = "/api/v1/referrals", tag = "referrals", security(("bearer" = [])),
    responses((status = 200, body = [Referral], description = "the people the referrer registered, with their standing per run"),
        (status = 403, description = "not a referrer account", body = ErrorSchema)))]
#[get("/api/v1/referrals")]
async fn api_referrals(caller: Caller) -> Answer {
    caller.ok(service::my_referrals).await
}

#[utoipa::path(get, path = "/api/v1/referrals/open-runs", tag = "referrals", security(("bearer" = [])),
    responses((status = 200, body = [OpenRun], description = "the organisation's runs not yet ended, with free places"),
        (status = 403, body = ErrorSchema)))]
#[get("/api/v1/referrals/open-runs")]
async fn api_open_runs(caller: Caller) -> Answer {
    caller.ok(service::open_runs).await
}

#[utoipa::path(post, path = "/api/v1/referrals", tag = "referrals", security(("bearer" = [])),
    request_body = NewReferral,
    responses((status = 201, body = Referred, description = "registered, and enrolled or on the waiting list"),
        (status = 403, body = ErrorSchema),
        (status = 422, description = "a field refused (consent missing, run not open, a name …)", body = ErrorSchema)))]
#[post("/api/v1/referrals")]
async fn api_refer(caller: Caller, body: Json<NewReferral>) -> Answer {
    let input = body.into_inner();
    caller.created(move |conn, actor| service::refer(conn, actor, input)).await
}

#[utoipa::path(get, path = "/api/v1/referrals/certificates/{id}/pdf", tag = "referrals", security(("bearer" = [])),
    params(("id" = i32, Path)),
    responses((status = 200, content_type = "application/pdf", description = "a valid certificate of a person the referrer registered who has no e-mail address"),
        (status = 403, body = ErrorSchema), (status = 404, body = ErrorSchema)))]
#[get("/api/v1/referrals/certificates/{id}/pdf")]
async fn api_certificate_pdf(
    caller: Caller, issuer: web::Data<Arc<CertificateIssuer>>, id: web::Path<CertificateId>,
) -> Answer {
    let (issuer, id) = (issuer.get_ref().clone(), *id);
    let (name, bytes) =
        caller.run(move |conn, actor| service::certificate_pdf(conn, &issuer, actor, id)).await?;
    Ok(HttpResponse::Ok()
        .content_type("application/pdf")
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header((header::CONTENT_DISPOSITION, format!("attachment; filename=\"{name}\"")))
        .body(bytes))
}

/// The operations of this file in the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(paths(api_referrals, api_open_runs, api_refer, api_certificate_pdf))]
pub struct Doc;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(api_open_runs)
        .service(api_referrals)
        .service(api_refer)
        .service(api_certificate_pdf);
}
