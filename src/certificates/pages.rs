//! Pages of the logged-in UI of certificates: each handler parses the request, calls one use case and answers.

use std::sync::Arc;

use actix_session::Session;
use actix_web::http::header;
use actix_web::{get, post, web, HttpResponse};
use serde::Deserialize;

use super::models::CertificateBatch;
use super::service::{self, CertificateIssuer};
use crate::auth::extract::CurrentUser;
use crate::db::Db;
use crate::error::{AppError, AppResult, PageResult};
use crate::web::{context, page, redirect, Form};

pub(crate) fn pdf_response(name: &str, bytes: Vec<u8>) -> HttpResponse {
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

/// Starts (or joins) the batch for the run and shows its progress page; the batch itself
/// runs in the background so a long run does not hold the request open.
#[post("/runs/{id}/certificates")]
async fn issue_for_run(
    user: CurrentUser,
    db: web::Data<Db>,
    issuer: web::Data<Arc<CertificateIssuer>>,
    path: web::Path<i32>,
    _form: Form<EmptyForm>,
) -> PageResult {
    let batch = start_batch_in_background(&db, &issuer, &user.0, path.into_inner()).await?;
    Ok(redirect(&format!("/certificate-batches/{}", batch.id)))
}

pub(crate) async fn start_batch_in_background(
    db: &web::Data<Db>,
    issuer: &web::Data<Arc<CertificateIssuer>>,
    actor: &crate::auth::Actor,
    run_id: i32,
) -> AppResult<CertificateBatch> {
    let a = actor.clone();
    let (batch, must_process) = db
        .run(move |conn| service::start_batch(conn, &a, run_id))
        .await?;
    if must_process {
        let db = db.clone();
        let issuer = issuer.get_ref().clone();
        let actor = actor.clone();
        let batch_id = batch.id;
        actix_web::rt::spawn(async move {
            let result = db
                .run(move |conn| service::process_batch(conn, &issuer, &actor, batch_id))
                .await;
            if let Err(e) = result {
                // The batch stays "running" without heartbeat and counts as interrupted
                // after a minute; starting again continues where it stopped.
                tracing::error!(batch_id, error = ?e, "certificate batch stopped");
            }
        });
    }
    Ok(batch)
}

#[get("/certificate-batches/{id}")]
async fn batch_page(
    session: Session,
    user: CurrentUser,
    db: web::Data<Db>,
    path: web::Path<i32>,
) -> PageResult {
    let actor = user.0.clone();
    let id = path.into_inner();
    let data = db
        .run(move |conn| service::batch_page(conn, &actor, id))
        .await?;
    page(
        &session,
        Some(&user.0),
        "pages/certificates/batch",
        "Bescheinigungen ausstellen",
        context(&data)?,
    )
}

#[get("/runs/{id}/certificates.zip")]
async fn zip_for_run(
    user: CurrentUser,
    db: web::Data<Db>,
    issuer: web::Data<Arc<CertificateIssuer>>,
    path: web::Path<i32>,
) -> PageResult {
    let (name, bytes) = zip_of_run(&db, &issuer, &user.0, path.into_inner()).await?;
    Ok(zip_response(&name, bytes))
}

pub(crate) async fn zip_of_run(
    db: &Db,
    issuer: &Arc<CertificateIssuer>,
    actor: &crate::auth::Actor,
    run_id: i32,
) -> AppResult<(String, Vec<u8>)> {
    let actor = actor.clone();
    let issuer = issuer.clone();
    db.run(move |conn| service::zip_for_run(conn, &issuer, &actor, run_id))
        .await
}

pub(crate) fn zip_response(name: &str, bytes: Vec<u8>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/zip")
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{name}\""),
        ))
        .body(bytes)
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
        .run(move |conn| crate::attendance::cards::cards_for_run(conn, &actor, &public_url, run_id))
        .await?;
    let bytes = issuer
        .renderer
        .render_cards(&org_name, &cards)
        .map_err(|e| AppError::Internal(e.context("rendering cards")))?;
    Ok(pdf_response(
        &format!("Teilnahmekarten-Durchgang-{run_id}.pdf"),
        bytes,
    ))
}

async fn settings_data(
    db: &Db,
    issuer: &Arc<CertificateIssuer>,
    actor: &crate::auth::Actor,
) -> AppResult<serde_json::Value> {
    let actor = actor.clone();
    let issuer = issuer.clone();
    let data = db
        .run(move |conn| service::settings_page(conn, &issuer, &actor))
        .await?;
    context(&data)
}

async fn settings_page_with(
    session: &Session,
    actor: &crate::auth::Actor,
    db: &Db,
    issuer: &Arc<CertificateIssuer>,
    error: Option<AppError>,
) -> PageResult {
    let data = settings_data(db, issuer, actor).await?;
    let title = "Bescheinigungen";
    match error {
        None => page(
            session,
            Some(actor),
            "pages/certificates/settings",
            title,
            data,
        ),
        Some(e) => crate::web::page_with_error(
            session,
            Some(actor),
            "pages/certificates/settings",
            title,
            data,
            e,
        ),
    }
}

fn require_settings_access(actor: &crate::auth::Actor) -> AppResult<()> {
    actor.require(&[crate::auth::Role::Admin, crate::auth::Role::Coordinator])
}

#[get("/certificate-settings")]
async fn settings_page(
    session: Session,
    user: CurrentUser,
    db: web::Data<Db>,
    issuer: web::Data<Arc<CertificateIssuer>>,
) -> PageResult {
    require_settings_access(&user.0)?;
    settings_page_with(&session, &user.0, &db, &issuer, None).await
}

/// Runs a settings action and shows the page again: with the error next to it, or fresh.
async fn settings_action<F>(
    session: &Session,
    actor: &crate::auth::Actor,
    db: &Db,
    issuer: &Arc<CertificateIssuer>,
    anchor: &str,
    action: F,
) -> PageResult
where
    F: FnOnce(&mut crate::db::DbConn) -> AppResult<()> + Send + 'static,
{
    require_settings_access(actor)?;
    match db.run(action).await {
        Ok(()) => Ok(redirect(&format!("/certificate-settings#{anchor}"))),
        Err(e) => settings_page_with(session, actor, db, issuer, Some(e)).await,
    }
}

#[post("/certificate-settings/keys/rotate")]
async fn rotate_key(
    session: Session,
    user: CurrentUser,
    db: web::Data<Db>,
    issuer: web::Data<Arc<CertificateIssuer>>,
    _form: Form<EmptyForm>,
) -> PageResult {
    let actor = user.0.clone();
    let keyring = issuer.keyring.clone();
    settings_action(&session, &user.0, &db, &issuer, "keys", move |conn| {
        super::keys::rotate_for(conn, &keyring, &actor).map(|_| ())
    })
    .await
}

#[post("/certificate-settings/keys/{kid}/retire")]
async fn retire_key(
    session: Session,
    user: CurrentUser,
    db: web::Data<Db>,
    issuer: web::Data<Arc<CertificateIssuer>>,
    path: web::Path<i32>,
    _form: Form<EmptyForm>,
) -> PageResult {
    let actor = user.0.clone();
    let kid = path.into_inner();
    settings_action(&session, &user.0, &db, &issuer, "keys", move |conn| {
        super::keys::retire_for(conn, &actor, kid)
    })
    .await
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct CompromiseForm {
    confirm: Option<String>,
}

#[post("/certificate-settings/keys/{kid}/compromise")]
async fn compromise_key(
    session: Session,
    user: CurrentUser,
    db: web::Data<Db>,
    issuer: web::Data<Arc<CertificateIssuer>>,
    path: web::Path<i32>,
    Form(form): Form<CompromiseForm>,
) -> PageResult {
    let actor = user.0.clone();
    let kid = path.into_inner();
    let keyring = issuer.keyring.clone();
    let confirmed = form.confirm.as_deref() == Some("yes");
    settings_action(&session, &user.0, &db, &issuer, "keys", move |conn| {
        super::keys::compromise_for(conn, &keyring, &actor, kid, confirmed)
    })
    .await
}

#[post("/certificate-settings/{kind}")]
async fn upload_image(
    session: Session,
    user: CurrentUser,
    db: web::Data<Db>,
    issuer: web::Data<Arc<CertificateIssuer>>,
    path: web::Path<String>,
    payload: actix_multipart::Multipart,
) -> PageResult {
    // Only coordinators set their organisation's images; settled before the file is read.
    user.0.coordinator_org()?;
    let upload = crate::web::read_upload(payload, "file", service::MAX_IMAGE_BYTES).await;
    let (csrf, bytes) = match upload {
        Ok(u) => u,
        Err(e) => return settings_page_with(&session, &user.0, &db, &issuer, Some(e)).await,
    };
    crate::web::verify_csrf(&session, csrf.as_deref())?;
    let actor = user.0.clone();
    let kind = path.into_inner();
    settings_action(&session, &user.0, &db, &issuer, "images", move |conn| {
        service::set_org_image(conn, &actor, &kind, &bytes)
    })
    .await
}

#[post("/certificate-settings/{kind}/delete")]
async fn delete_image(
    session: Session,
    user: CurrentUser,
    db: web::Data<Db>,
    issuer: web::Data<Arc<CertificateIssuer>>,
    path: web::Path<String>,
    _form: Form<EmptyForm>,
) -> PageResult {
    let actor = user.0.clone();
    let kind = path.into_inner();
    settings_action(&session, &user.0, &db, &issuer, "images", move |conn| {
        service::remove_org_image(conn, &actor, &kind)
    })
    .await
}

#[get("/certificate-settings/sample.pdf")]
async fn sample_pdf(
    user: CurrentUser,
    db: web::Data<Db>,
    issuer: web::Data<Arc<CertificateIssuer>>,
) -> PageResult {
    let actor = user.0.clone();
    let issuer = issuer.get_ref().clone();
    let bytes = db
        .run(move |conn| service::sample_pdf(conn, &issuer, &actor))
        .await?;
    Ok(pdf_response("Musterbescheinigung.pdf", bytes))
}

#[get("/certificate-settings/{kind}")]
async fn show_image(user: CurrentUser, db: web::Data<Db>, path: web::Path<String>) -> PageResult {
    let actor = user.0.clone();
    let kind = path.into_inner();
    let image = db
        .run(move |conn| service::org_image(conn, &actor, &kind))
        .await?
        .ok_or_else(|| AppError::not_found("Das Bild"))?;
    Ok(HttpResponse::Ok()
        .content_type(image.0)
        .insert_header((header::CACHE_CONTROL, "private, no-store"))
        .body(image.1))
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(issue_for_run)
        .service(download)
        .service(cards)
        .service(batch_page)
        .service(zip_for_run)
        .service(settings_page)
        .service(rotate_key)
        .service(retire_key)
        .service(compromise_key)
        .service(delete_image)
        .service(upload_image)
        .service(sample_pdf)
        .service(show_image);
}
