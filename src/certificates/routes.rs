use std::sync::Arc;

use actix_session::Session;
use actix_web::http::header;
use actix_web::{get, post, web, HttpResponse};
use serde::Deserialize;

use super::models::{CertificateView, IssueSummary, RevokeInput};
use super::service::{self, CertificateIssuer};
use crate::auth::extract::{ApiUser, CurrentUser};
use crate::db::Db;
use crate::error::{AppResult, PageResult};
use crate::web::{redirect, Form};

fn pdf_response(name: &str, bytes: Vec<u8>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/pdf")
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{name}\""),
        ))
        .body(bytes)
}

#[derive(Deserialize)]
struct EmptyForm {}

#[post("/runs/{id}/certificates")]
async fn issue_for_run(
    user: CurrentUser,
    db: web::Data<Db>,
    issuer: web::Data<Arc<CertificateIssuer>>,
    path: web::Path<i32>,
    _form: Form<EmptyForm>,
) -> PageResult {
    let actor = user.0.clone();
    let run_id = path.into_inner();
    let issuer = issuer.get_ref().clone();
    let summary = db
        .run(move |conn| service::issue_for_run(conn, &issuer, &actor, run_id))
        .await?;
    Ok(redirect(&format!(
        "/runs/{run_id}?issued={}#certificates",
        summary.issued.len()
    )))
}

#[get("/certificates/{id}/pdf")]
async fn download(
    user: CurrentUser,
    db: web::Data<Db>,
    issuer: web::Data<Arc<CertificateIssuer>>,
    path: web::Path<i32>,
) -> PageResult {
    let actor = user.0.clone();
    let id = path.into_inner();
    let issuer = issuer.get_ref().clone();
    let (name, bytes) = db
        .run(move |conn| service::pdf(conn, &issuer, &actor, id))
        .await?;
    Ok(pdf_response(&name, bytes))
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct RevokeForm {
    reason: String,
}

#[post("/certificates/{id}/revoke")]
async fn revoke(
    session: Session,
    user: CurrentUser,
    db: web::Data<Db>,
    issuer: web::Data<Arc<CertificateIssuer>>,
    path: web::Path<i32>,
    Form(form): Form<RevokeForm>,
) -> PageResult {
    let actor = user.0.clone();
    let id = path.into_inner();
    match db
        .run(move |conn| service::revoke(conn, &actor, id, &form.reason))
        .await
    {
        Ok(cert) => Ok(redirect(&format!("/runs/{}#certificates", cert.run_id))),
        Err(e) => {
            let actor = user.0.clone();
            let run_id = db
                .run(move |conn| Ok(super::repo::get(conn, actor.coordinator_org()?, id)?.run_id))
                .await?;
            crate::planning::routes::run_page_with_error(
                &session, &user.0, &db, &issuer, run_id, None, e,
            )
            .await
        }
    }
}

/// Check-in cards for everyone holding a place in the run, ready to print.
#[get("/runs/{id}/cards.pdf")]
async fn cards(
    user: CurrentUser,
    db: web::Data<Db>,
    issuer: web::Data<Arc<CertificateIssuer>>,
    path: web::Path<i32>,
) -> PageResult {
    let actor = user.0.clone();
    let run_id = path.into_inner();
    let public_url = issuer.public_url.clone();
    let (org_name, cards) = db
        .run(move |conn| {
            crate::participants::cards::cards_for_run(conn, &actor, &public_url, run_id)
        })
        .await?;
    let bytes = issuer
        .renderer
        .render_cards(&org_name, &cards)
        .map_err(|e| crate::error::AppError::Internal(e.context("rendering cards")))?;
    Ok(pdf_response(
        &format!("Teilnahmekarten-Durchgang-{run_id}.pdf"),
        bytes,
    ))
}

// ---------- JSON API ----------

#[utoipa::path(post, path = "/api/v1/runs/{id}/certificates", tag = "certificates", security(("bearer" = [])),
    responses((status = 200, body = IssueSummary)))]
#[post("/api/v1/runs/{id}/certificates")]
async fn api_issue(
    user: ApiUser,
    db: web::Data<Db>,
    issuer: web::Data<Arc<CertificateIssuer>>,
    path: web::Path<i32>,
) -> AppResult<HttpResponse> {
    let actor = user.0;
    let run_id = path.into_inner();
    let issuer = issuer.get_ref().clone();
    let summary = db
        .run(move |conn| service::issue_for_run(conn, &issuer, &actor, run_id))
        .await?;
    Ok(HttpResponse::Ok().json(summary))
}

#[utoipa::path(get, path = "/api/v1/runs/{id}/certificates", tag = "certificates", security(("bearer" = [])),
    responses((status = 200, body = [CertificateView])))]
#[get("/api/v1/runs/{id}/certificates")]
async fn api_list(
    user: ApiUser,
    db: web::Data<Db>,
    issuer: web::Data<Arc<CertificateIssuer>>,
    path: web::Path<i32>,
) -> AppResult<HttpResponse> {
    let actor = user.0;
    let run_id = path.into_inner();
    let issuer = issuer.get_ref().clone();
    let list = db
        .run(move |conn| {
            let org = actor.coordinator_org()?;
            crate::planning::repo::get_run(conn, org, run_id)?;
            service::list_for_run(conn, &issuer, org, run_id)
        })
        .await?;
    Ok(HttpResponse::Ok().json(list))
}

#[utoipa::path(get, path = "/api/v1/certificates/{id}/pdf", tag = "certificates", security(("bearer" = [])),
    responses((status = 200, content_type = "application/pdf", description = "the certificate PDF")))]
#[get("/api/v1/certificates/{id}/pdf")]
async fn api_pdf(
    user: ApiUser,
    db: web::Data<Db>,
    issuer: web::Data<Arc<CertificateIssuer>>,
    path: web::Path<i32>,
) -> AppResult<HttpResponse> {
    let actor = user.0;
    let id = path.into_inner();
    let issuer = issuer.get_ref().clone();
    let (name, bytes) = db
        .run(move |conn| service::pdf(conn, &issuer, &actor, id))
        .await?;
    Ok(pdf_response(&name, bytes))
}

#[utoipa::path(post, path = "/api/v1/certificates/{id}/revoke", tag = "certificates", security(("bearer" = [])),
    request_body = RevokeInput, responses((status = 200, body = CertificateView), (status = 409)))]
#[post("/api/v1/certificates/{id}/revoke")]
async fn api_revoke(
    user: ApiUser,
    db: web::Data<Db>,
    issuer: web::Data<Arc<CertificateIssuer>>,
    path: web::Path<i32>,
    body: web::Json<RevokeInput>,
) -> AppResult<HttpResponse> {
    let actor = user.0;
    let id = path.into_inner();
    let cert = db
        .run(move |conn| service::revoke(conn, &actor, id, &body.reason))
        .await?;
    Ok(HttpResponse::Ok().json(issuer.view(&cert)))
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(issue_for_run)
        .service(download)
        .service(cards)
        .service(revoke)
        .service(api_issue)
        .service(api_list)
        .service(api_pdf)
        .service(api_revoke);
}
