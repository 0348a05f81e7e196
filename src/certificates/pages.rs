//! Pages of the logged-in UI of certificates: each handler parses the request, calls one use case and answers.

use std::sync::Arc;

use actix_web::http::header;
use actix_web::{get, post, web, HttpResponse};
use serde::Deserialize;

use super::models::CertificateBatch;
use super::service::{self, CertificateIssuer};
use crate::auth::Actor;
use crate::db::{Db, DbConn};
use crate::error::{AppError, AppResult, PageResult};
use crate::i18n::Text;
use crate::ids::{CertificateBatchId, CertificateId, ParticipantId, RunId};
use crate::web::{run_as, EmptyForm, Form, Id, Ui};

type Issuer = web::Data<Arc<CertificateIssuer>>;

/// A file to save (PDF, ZIP), never kept in a cache.
fn attachment(mime: &str, name: &str, bytes: Vec<u8>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type(mime)
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header((header::CONTENT_DISPOSITION, format!("attachment; filename=\"{name}\"")))
        .body(bytes)
}

fn pdf_response(name: &str, bytes: Vec<u8>) -> HttpResponse {
    attachment("application/pdf", name, bytes)
}

/// A file of certificates, for the page and the API alike.
#[derive(Clone, Copy)]
pub(crate) enum CertificateFile {
    /// One certificate's PDF.
    Pdf(CertificateId),
    /// Every valid certificate of a run, as PDFs in a ZIP.
    RunZip(RunId),
}

pub(crate) async fn certificate_file(
    db: &Db, actor: &Actor, issuer: &Arc<CertificateIssuer>, file: CertificateFile,
) -> AppResult<HttpResponse> {
    let issuer = issuer.clone();
    let (name, bytes) = run_as(db, actor, move |conn, actor| match file {
        CertificateFile::Pdf(id) => service::pdf(conn, &issuer, actor, id),
        CertificateFile::RunZip(run_id) => service::zip_for_run(conn, &issuer, actor, run_id),
    })
    .await?;
    let mime = match file {
        CertificateFile::Pdf(_) => "application/pdf",
        CertificateFile::RunZip(_) => "application/zip",
    };
    Ok(attachment(mime, &name, bytes))
}

/// Starts (or joins) the batch for the run and shows its progress page; the batch itself
/// runs in the background so a long run does not hold the request open.
#[post("/runs/{id}/certificates")]
async fn issue_for_run(
    ui: Ui, issuer: Issuer, run_id: Id<RunId>, _form: Form<EmptyForm>,
) -> PageResult {
    let batch = start_batch_in_background(&ui.db, &issuer, &ui.actor, *run_id).await?;
    // No confirmation: the page it leads to is the batch's progress.
    Ok(crate::web::redirect(&format!("/certificate-batches/{}", batch.id)))
}

pub(crate) async fn start_batch_in_background(
    db: &Db, issuer: &Arc<CertificateIssuer>, actor: &Actor, run_id: RunId,
) -> AppResult<CertificateBatch> {
    let (batch, must_process) =
        run_as(db, actor, move |conn, actor| service::start_batch(conn, actor, run_id)).await?;
    if must_process {
        process_in_background(db, issuer, actor, batch.id);
    }
    Ok(batch)
}

/// "Fortsetzen" for the page and the API: claims the interrupted batch and works through
/// the rest in the background.
pub(crate) async fn resume_batch_in_background(
    db: &Db, issuer: &Arc<CertificateIssuer>, actor: &Actor, batch_id: CertificateBatchId,
) -> AppResult<CertificateBatch> {
    let (batch, must_process) =
        run_as(db, actor, move |conn, actor| service::resume_batch(conn, actor, batch_id)).await?;
    if must_process {
        process_in_background(db, issuer, actor, batch.id);
    }
    Ok(batch)
}

/// Works through the batch on a background task, with a heartbeat beside it: a page reads
/// the batch as interrupted once the beat stops, which happens only when the work ends or
/// the process dies.
fn process_in_background(
    db: &Db, issuer: &Arc<CertificateIssuer>, actor: &Actor, batch_id: CertificateBatchId,
) {
    let (db, issuer, actor) = (db.clone(), issuer.clone(), actor.clone());
    actix_web::rt::spawn(async move {
        let beat_db = db.clone();
        let beat = actix_web::rt::spawn(async move {
            let period = std::time::Duration::from_secs(service::BATCH_HEARTBEAT_SECS);
            let mut every = actix_web::rt::time::interval(period);
            loop {
                every.tick().await;
                if let Err(e) =
                    beat_db.run(move |conn| service::batch_heartbeat(conn, batch_id)).await
                {
                    tracing::warn!(batch_id = batch_id.0, error = ?e, "batch heartbeat not saved");
                }
            }
        });
        let result =
            db.run(move |conn| service::process_batch(conn, &issuer, &actor, batch_id)).await;
        beat.abort();
        if let Err(e) = result {
            // The batch stays "running" without heartbeat and reads as interrupted within
            // a minute; "fortsetzen" goes on where it stopped.
            tracing::error!(batch_id = batch_id.0, error = ?e, "certificate batch stopped");
        }
    });
}

/// "Fortsetzen" on an interrupted batch's page: back to its progress.
#[post("/certificate-batches/{id}/resume")]
async fn resume_batch(
    ui: Ui, issuer: Issuer, id: Id<CertificateBatchId>, _form: Form<EmptyForm>,
) -> PageResult {
    let batch = resume_batch_in_background(&ui.db, &issuer, &ui.actor, *id).await?;
    Ok(crate::web::redirect(&format!("/certificate-batches/{}", batch.id)))
}

#[get("/certificate-batches/{id}")]
async fn batch_page(ui: Ui, id: Id<CertificateBatchId>) -> PageResult {
    let template = "pages/certificates/batch";
    ui.show(template, "title.certificate_batch", move |conn, actor| {
        service::batch_page(conn, actor, *id)
    })
    .await
}

#[get("/runs/{id}/certificates.zip")]
async fn zip_for_run(ui: Ui, issuer: Issuer, run_id: Id<RunId>) -> PageResult {
    let file = CertificateFile::RunZip(*run_id);
    Ok(certificate_file(&ui.db, &ui.actor, &issuer, file).await?)
}

#[get("/certificates/{id}/pdf")]
async fn download(ui: Ui, issuer: Issuer, id: Id<CertificateId>) -> PageResult {
    Ok(certificate_file(&ui.db, &ui.actor, &issuer, CertificateFile::Pdf(*id)).await?)
}

/// Check-in cards for everyone holding a place in the run, ready to print.
#[get("/runs/{id}/cards.pdf")]
async fn cards(ui: Ui, issuer: Issuer, run_id: Id<RunId>) -> PageResult {
    let (run_id, public_url) = (*run_id, issuer.public_url.clone());
    let (org_name, cards) = ui
        .run(move |conn, actor| {
            crate::attendance::cards::cards_for_run(conn, actor, &public_url, run_id)
        })
        .await?;
    let bytes = issuer
        .renderer
        .render_cards(&org_name, &cards)
        .map_err(|e| AppError::Internal(e.context("rendering cards")))?;
    let name = format!("Teilnahmekarten-Durchgang-{run_id}.pdf");
    Ok(pdf_response(&name, bytes))
}

const SETTINGS: &str = "pages/certificates/settings";

/// The settings page again with the message of a refused form.
async fn settings_refused(ui: &Ui, issuer: &Arc<CertificateIssuer>, error: AppError) -> PageResult {
    let issuer = issuer.clone();
    let data = ui.run(move |conn, actor| service::settings_page(conn, &issuer, actor)).await?;
    ui.page_with_error(SETTINGS, "title.certificate_settings", &data, error)
}

fn require_settings_access(actor: &Actor) -> AppResult<()> {
    actor.require(&[crate::auth::Role::Admin, crate::auth::Role::Coordinator])
}

#[get("/certificate-settings")]
async fn settings_page(ui: Ui, issuer: Issuer) -> PageResult {
    require_settings_access(&ui.actor)?;
    let issuer = issuer.get_ref().clone();
    ui.show(SETTINGS, "title.certificate_settings", move |c, actor| {
        service::settings_page(c, &issuer, actor)
    })
    .await
}

/// Runs a settings action and goes back to the page's part `anchor` with the confirmation
/// `done`, or shows the page again with the error next to it.
async fn settings_action<F>(
    ui: &Ui, issuer: &Arc<CertificateIssuer>, anchor: &str, done: &'static str, action: F,
) -> PageResult
where
    F: FnOnce(&mut DbConn, &Actor) -> AppResult<()> + Send + 'static,
{
    require_settings_access(&ui.actor)?;
    match ui.run(action).await {
        Ok(()) => ui.done(&format!("/certificate-settings#{anchor}"), &Text::key(done)),
        Err(e) => settings_refused(ui, issuer, e).await,
    }
}

#[post("/certificate-settings/keys/rotate")]
async fn rotate_key(ui: Ui, issuer: Issuer, _form: Form<EmptyForm>) -> PageResult {
    let keyring = issuer.keyring.clone();
    settings_action(&ui, &issuer, "keys", "done.key_rotated", move |conn, actor| {
        super::keys::rotate_for(conn, &keyring, actor).map(|_| ())
    })
    .await
}

#[post("/certificate-settings/keys/{kid}/retire")]
async fn retire_key(ui: Ui, issuer: Issuer, kid: Id, _form: Form<EmptyForm>) -> PageResult {
    settings_action(&ui, &issuer, "keys", "done.key_retired", move |conn, actor| {
        super::keys::retire_for(conn, actor, *kid)
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
    ui: Ui, issuer: Issuer, kid: Id, Form(form): Form<CompromiseForm>,
) -> PageResult {
    let keyring = issuer.keyring.clone();
    let confirmed = form.confirm.as_deref() == Some("yes");
    let done = "done.key_compromised";
    settings_action(&ui, &issuer, "keys", done, move |conn, actor| {
        super::keys::compromise_for(conn, &keyring, actor, *kid, confirmed)
    })
    .await
}

#[post("/certificate-settings/{kind}")]
async fn upload_image(
    ui: Ui, issuer: Issuer, kind: web::Path<String>, payload: actix_multipart::Multipart,
) -> PageResult {
    // Only coordinators set their organisation's images; settled before the file is read.
    ui.actor.coordinator_org()?;
    let upload = crate::web::read_upload(payload, "file", service::MAX_IMAGE_BYTES).await;
    let (csrf, bytes) = match upload {
        Ok(u) => u,
        Err(e) => return settings_refused(&ui, &issuer, e).await,
    };
    crate::web::verify_csrf(&ui.session, csrf.as_deref())?;
    settings_action(&ui, &issuer, "images", "done.image_saved", move |c, actor| {
        service::set_org_image(c, actor, &kind, &bytes)
    })
    .await
}

#[post("/certificate-settings/{kind}/delete")]
async fn delete_image(
    ui: Ui, issuer: Issuer, kind: web::Path<String>, _form: Form<EmptyForm>,
) -> PageResult {
    settings_action(&ui, &issuer, "images", "done.image_removed", move |c, actor| {
        service::remove_org_image(c, actor, &kind)
    })
    .await
}

#[get("/certificate-settings/sample.pdf")]
async fn sample_pdf(ui: Ui, issuer: Issuer) -> PageResult {
    let issuer = issuer.get_ref().clone();
    let bytes = ui.run(move |conn, actor| service::sample_pdf(conn, &issuer, actor)).await?;
    Ok(pdf_response("Musterbescheinigung.pdf", bytes))
}

#[get("/certificate-settings/{kind}")]
async fn show_image(ui: Ui, kind: web::Path<String>) -> PageResult {
    let (mime, bytes) = ui
        .run(move |conn, actor| service::org_image(conn, actor, &kind))
        .await?
        .ok_or_else(|| AppError::not_found("thing.image"))?;
    Ok(HttpResponse::Ok()
        .content_type(mime)
        .insert_header((header::CACHE_CONTROL, "private, no-store"))
        .body(bytes))
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ReturnTo {
    run: Option<String>,
}

impl ReturnTo {
    /// The run page to return to; anything but a run's number is ignored.
    fn run(&self) -> Option<RunId> {
        self.run.as_deref().and_then(|r| r.trim().parse::<i32>().ok()).filter(|r| *r > 0).map(RunId)
    }
}

const OWN_LINK: &str = "pages/certificates/own_link";

/// "Link neu erzeugen": what happens, then the warning-styled button.
#[get("/participants/{id}/own-page-link")]
async fn own_link_page(ui: Ui, id: Id<ParticipantId>, q: web::Query<ReturnTo>) -> PageResult {
    let (id, run) = (*id, q.run());
    ui.show(OWN_LINK, Text::key("own.renew_title"), move |conn, actor| {
        super::own_page::renew_confirmation(conn, actor, id, run)
    })
    .await
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct RenewForm {
    run: Option<String>,
}

/// Makes the new link and shows it once, on the page the coordinator came from.
#[post("/participants/{id}/own-page-link")]
async fn renew_own_link(
    ui: Ui, issuer: Issuer, id: Id<ParticipantId>, form: Form<RenewForm>,
) -> PageResult {
    let id = *id;
    let back = ReturnTo { run: form.0.run }.run();
    let issuer = issuer.get_ref().clone();
    let link =
        ui.run(move |conn, actor| super::own_page::renew_link(conn, &issuer, actor, id)).await?;
    let to =
        back.map_or_else(|| "/participants".to_string(), |r| format!("/runs/{r}#certificates"));
    ui.done(&to, &Text::key("own.renewed").arg("url", link.url))
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(issue_for_run)
        .service(download)
        .service(cards)
        .service(batch_page)
        .service(resume_batch)
        .service(zip_for_run)
        .service(settings_page)
        .service(rotate_key)
        .service(retire_key)
        .service(compromise_key)
        .service(delete_image)
        .service(upload_image)
        .service(sample_pdf)
        .service(own_link_page)
        .service(renew_own_link)
        .service(show_image);
}
