//! Pages of the logged-in UI of certificates: each handler parses the request, calls one use case and answers.

use std::sync::Arc;

use actix_web::http::header;
use actix_web::{get, post, web, HttpResponse};
use serde::Deserialize;

use super::delivery;
use super::models::{
    BatchState, CertificateBatch, CertificateList, CertificateProfileInput, CertificateQuery,
    CertificateStatus, CertificateView, ChecklistItemKind, IssuePreview, PlannedRecipient,
};
use super::service::{self, CertificateIssuer};
use crate::auth::Actor;
use crate::db::{Db, DbConn};
use crate::error::{AppError, AppResult, PageResult};
use crate::i18n::Text;
use crate::ids::{CertificateBatchId, CertificateId, ParticipantId, RunId};
use crate::web::{run_as, Confirmation, EmptyForm, Form, Id, Ui};

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

/// "Bescheinigungen ausstellen": what issuing would do (how many, who by mail, who through
/// their referrer, who on paper, what is missing of the settings). Issues nothing.
#[get("/runs/{id}/certificates")]
async fn issue_confirmation(ui: Ui, run_id: Id<RunId>) -> PageResult {
    let run_id = *run_id;
    let preview = ui.run(move |conn, actor| delivery::issue_preview(conn, actor, run_id)).await?;
    let title = Text::key("title.certs_issue").arg("course", &preview.course_title);
    ui.page(crate::web::confirm::TEMPLATE, title, &issue_page(&preview))
}

/// Names with their count: "2: Olena Shevchenko, Amir Karimi".
fn people(list: &[PlannedRecipient], with_email: bool) -> String {
    let names = list
        .iter()
        .map(|p| match (&p.email, with_email) {
            (Some(to), true) => Text::key("certs.name_to").arg("name", &p.name).arg("email", to),
            _ => Text::Plain(p.name.clone()),
        })
        .collect();
    Text::key("certs.people").arg("count", list.len()).arg_list("names", names).to_string()
}

fn issue_page(p: &IssuePreview) -> Confirmation {
    let run = p.run_id;
    let button = Text::key("certs.issue_button").arg("count", p.to_issue);
    let mut page = Confirmation::new(
        Text::key("certs.issue_heading").arg("course", &p.course_title),
        format!("/runs/{run}/certificates"),
        button,
        format!("/runs/{run}#certificates"),
    )
    .lead(Text::key("certs.issue_lead"))
    .row(Text::key("certs.row_to_issue"), p.to_issue.to_string(), None);
    if !p.by_mail.is_empty() {
        page = page.row(Text::key("certs.row_by_mail"), people(&p.by_mail, false), None);
    }
    if !p.via_referrer.is_empty() {
        page = page.row(Text::key("certs.row_via_referrer"), people(&p.via_referrer, true), None);
    }
    if !p.to_print.is_empty() {
        page = page.row(
            Text::key("certs.row_to_print"),
            people(&p.to_print, false),
            Some("/participants".to_string()),
        );
    }
    page = page.goes(Text::key("certs.goes_signed"));
    if !p.by_mail.is_empty() || !p.via_referrer.is_empty() {
        page = page.goes(
            Text::key("certs.goes_mail").arg("count", p.by_mail.len() + p.via_referrer.len()),
        );
    }
    if !p.to_print.is_empty() {
        page = page.goes(Text::key("certs.goes_print").arg("count", p.to_print.len()));
    }
    if p.already_issued > 0 {
        page = page.stays(Text::key("certs.stays_issued").arg("count", p.already_issued));
    }
    if p.revoked > 0 {
        page = page.stays(Text::key("certs.stays_revoked").arg("count", p.revoked));
    }
    if p.not_completed > 0 {
        page = page.stays(Text::key("certs.stays_not_completed").arg("count", p.not_completed));
    }
    let missing: Vec<Text> = p
        .settings
        .checklist
        .iter()
        .filter(|i| !i.done && i.item != ChecklistItemKind::Approval)
        .map(|i| Text::Plain(i.label.clone()))
        .collect();
    let warning = match (p.settings.approved, missing.is_empty()) {
        (true, true) => None,
        (true, false) => Some(Text::key("certs.warn_missing").arg_list("missing", missing)),
        (false, true) => Some(Text::key("certs.warn_not_approved")),
        (false, false) => {
            Some(Text::key("certs.warn_not_approved_missing").arg_list("missing", missing))
        }
    };
    if let Some(w) = warning {
        page = page.warning(w).row(
            Text::key("certs.row_settings"),
            Text::key("certs.settings_incomplete").to_string(),
            Some("/certificate-settings".to_string()),
        );
    }
    if p.to_issue == 0 {
        page = page.blocked(Text::key("certs.nobody_to_issue"));
    }
    page
}

/// How long the confirmed issue waits for its batch before showing the progress page.
const WAIT_FOR_BATCH: std::time::Duration = std::time::Duration::from_secs(20);

/// Issues (after the confirmation page): starts or joins the run's batch, which runs in the
/// background. When it finishes within a short wait, its page opens with what happened in
/// the banner ("3 Bescheinigungen ausgestellt, 1 nicht zugestellt – bitte ausdrucken: …");
/// otherwise its progress page shows the same sentence once done.
#[post("/runs/{id}/certificates")]
async fn issue_for_run(
    ui: Ui, issuer: Issuer, run_id: Id<RunId>, _form: Form<EmptyForm>,
) -> PageResult {
    let batch = start_batch_in_background(&ui.db, &issuer, &ui.actor, *run_id).await?;
    let to = format!("/certificate-batches/{}", batch.id);
    let started = std::time::Instant::now();
    while started.elapsed() < WAIT_FOR_BATCH {
        let id = batch.id;
        let outcome = ui
            .run(move |conn, actor| {
                let batch = service::batch(conn, actor, id)?;
                match batch.state {
                    BatchState::Running => Ok(None),
                    _ => delivery::batch_outcome(conn, actor, &batch),
                }
            })
            .await?;
        if let Some(sentence) = outcome {
            return ui.done(&to, &sentence);
        }
        actix_web::rt::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    Ok(crate::web::redirect(&to))
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

/// The batch page with, once it is done, what it did in one sentence.
#[derive(serde::Serialize)]
struct BatchView {
    #[serde(flatten)]
    page: service::BatchPage,
    outcome: Option<String>,
    /// How many of the run's certificates must be printed (the print list).
    to_print: usize,
}

#[get("/certificate-batches/{id}")]
async fn batch_page(ui: Ui, id: Id<CertificateBatchId>) -> PageResult {
    let template = "pages/certificates/batch";
    ui.show(template, "title.certificate_batch", move |conn, actor| {
        let page = service::batch_page(conn, actor, *id)?;
        let outcome = if page.finished {
            delivery::batch_outcome(conn, actor, &page.batch)?.map(|t| t.to_string())
        } else {
            None
        };
        let to_print = delivery::undelivered(conn, actor, page.batch.run_id)?.len();
        Ok(BatchView { page, outcome, to_print })
    })
    .await
}

/// The run's certificates that reached nobody by e-mail, to print and hand over.
#[get("/runs/{id}/certificates/print")]
async fn print_list(ui: Ui, run_id: Id<RunId>) -> PageResult {
    let run_id = *run_id;
    let data = ui.run(move |conn, actor| delivery::print_list(conn, actor, run_id)).await?;
    let title = Text::key("title.certs_print").arg("course", &data.course_title);
    ui.page("pages/certificates/print", title, &data)
}

/// All of the print list in one ZIP.
#[get("/runs/{id}/certificates/print.zip")]
async fn print_zip(ui: Ui, issuer: Issuer, run_id: Id<RunId>) -> PageResult {
    let (run_id, issuer) = (*run_id, issuer.get_ref().clone());
    let (name, bytes) =
        ui.run(move |conn, actor| delivery::print_zip(conn, &issuer, actor, run_id)).await?;
    Ok(attachment("application/zip", &name, bytes))
}

/// The certificates page: every certificate of the organisation, searched and filtered.
#[derive(serde::Serialize)]
struct ListPage {
    list: CertificateList,
    q: String,
    status: Option<CertificateStatus>,
    runs: Vec<delivery::RunChoice>,
    statuses: Vec<StatusChoice>,
    /// The organisation has no certificate at all (not just none matching).
    none_yet: bool,
    previous: Option<String>,
    next: Option<String>,
    summary: String,
}

#[derive(serde::Serialize)]
struct StatusChoice {
    code: &'static str,
    label: String,
    selected: bool,
}

fn page_link(query: &delivery::ListQuery, page: usize) -> String {
    let mut params = vec![("page", page.to_string())];
    if !query.q.trim().is_empty() {
        params.push(("q", query.q.trim().to_string()));
    }
    if let Some(run) = query.run {
        params.push(("run", run.to_string()));
    }
    if let Some(status) = query.status {
        params.push(("status", status.code().to_string()));
    }
    format!("/certificates?{}", serde_html_form::to_string(&params).unwrap_or_default())
}

#[get("/certificates")]
async fn list_page(ui: Ui, issuer: Issuer, params: web::Query<CertificateQuery>) -> PageResult {
    let query = delivery::ListQuery::lenient(&params);
    let issuer = issuer.get_ref().clone();
    ui.show("pages/certificates/list", "title.certs_list", move |conn, actor| {
        let mut query = query;
        // A run of another organisation (or none) is no filter on the page.
        if let Some(run) = query.run {
            if crate::planning::service::get_run(conn, actor.coordinator_org()?, run).is_err() {
                query.run = None;
            }
        }
        let list = delivery::list(conn, &issuer, actor, &query)?;
        let none_yet = list.total == 0
            && delivery::list(conn, &issuer, actor, &delivery::ListQuery::default())?.total == 0;
        let statuses = CertificateStatus::ALL
            .into_iter()
            .map(|s| StatusChoice {
                code: s.code(),
                label: crate::i18n::text(crate::i18n::DEFAULT_LANG, status_key(s)),
                selected: query.status == Some(s),
            })
            .collect();
        Ok(ListPage {
            previous: (list.page > 1).then(|| page_link(&query, list.page - 1)),
            next: (list.page < list.pages).then(|| page_link(&query, list.page + 1)),
            summary: Text::key("certs.list_summary")
                .arg("total", list.total)
                .arg("page", list.page)
                .arg("pages", list.pages)
                .to_string(),
            runs: delivery::runs_with_certificates(conn, actor, query.run)?,
            statuses,
            none_yet,
            q: query.q.clone(),
            status: query.status,
            list,
        })
    })
    .await
}

fn status_key(s: CertificateStatus) -> &'static str {
    match s {
        CertificateStatus::Valid => "certificates.valid",
        CertificateStatus::Revoked => "certificates.revoked",
        CertificateStatus::Replaced => "certificates.replaced",
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct RevokeQuery {
    reason: Option<String>,
    /// Back to the reason's form with what was typed ("Ändern").
    edit: Option<String>,
}

/// The form asking why a certificate is revoked (before its confirmation).
#[derive(serde::Serialize)]
struct RevokeReasonPage {
    certificate: CertificateView,
    reason: String,
    course_title: String,
}

/// "Widerrufen …": without a reason, the form asking for it; with one, what revoking does
/// and the warning-styled button. Changes nothing.
#[get("/certificates/{id}/revoke")]
async fn revoke_confirmation(
    ui: Ui, issuer: Issuer, id: Id<CertificateId>, q: web::Query<RevokeQuery>,
) -> PageResult {
    let (id, issuer) = (*id, issuer.get_ref().clone());
    let typed = q.reason.clone().unwrap_or_default();
    let (cert, course_title, checks) = ui
        .run(move |conn, actor| service::certificate_for_revoke(conn, &issuer, actor, id))
        .await?;
    if cert.status != CertificateStatus::Valid {
        return Err(AppError::conflict("error.certificates.not_valid_any_more").into());
    }
    let form = RevokeReasonPage { certificate: cert.clone(), reason: typed.clone(), course_title };
    let title = Text::key("title.certs_revoke").arg("name", &cert.holder_name);
    if q.reason.is_none() || q.edit.is_some() {
        return ui.page("pages/certificates/revoke", title, &form);
    }
    let reason = match crate::validate::required_text("reason", "label.reason", &typed, 500) {
        Ok(r) => r,
        Err(e) => return ui.page_with_error("pages/certificates/revoke", title, &form, e),
    };
    let change = format!(
        "/certificates/{id}/revoke?{}",
        serde_html_form::to_string([("edit", "1"), ("reason", reason.as_str())])
            .unwrap_or_default()
    );
    let mut page = Confirmation::new(
        Text::key("certs.revoke_heading").arg("name", &cert.holder_name),
        format!("/certificates/{id}/revoke"),
        Text::key("certificates.revoke_confirm"),
        format!("/runs/{}#certificates", cert.run_id),
    )
    .destructive()
    .row(Text::key("certificates.holder"), cert.holder_name.clone(), None)
    .row(Text::key("certificates.code"), cert.code.clone(), None)
    .row(Text::key("certs.row_course"), form.course_title.clone(), None)
    .row(Text::key("certificates.reason"), reason.clone(), Some(change))
    .goes(Text::key("certs.revoke_goes_check"))
    .goes(Text::key("certs.revoke_goes_final"))
    .stays(Text::key("certs.revoke_stays_reason"))
    .hidden("reason", reason)
    .warning(Text::key("certs.revoke_warning"));
    if checks > 0 {
        page = page.stays(Text::key("certs.revoke_stays_checks").arg("count", checks));
    }
    ui.page(crate::web::confirm::TEMPLATE, title, &page)
}

/// What a key confirmation page needs of the key.
async fn key_line(
    ui: &Ui, issuer: &Arc<CertificateIssuer>, kid: i32,
) -> AppResult<service::KeyLine> {
    require_settings_access(&ui.actor)?;
    let issuer = issuer.clone();
    ui.run(move |conn, actor| {
        service::key_overview(conn, &issuer, actor)?.into_iter().find(|k| k.kid == kid).ok_or_else(
            || AppError::not_found_text(Text::key("thing.key_numbered").arg("kid", kid)),
        )
    })
    .await
}

fn key_rows(page: Confirmation, key: &service::KeyLine) -> Confirmation {
    page.row(Text::key("certs.row_key"), key.kid.to_string(), None)
        .row(Text::key("certsettings.fingerprint"), key.fingerprint.clone(), None)
        .row(Text::key("certsettings.created"), key.created.clone(), None)
        .row(Text::key("certsettings.signed"), key.certificates.to_string(), None)
}

/// "Außer Dienst stellen": what retiring does; changes nothing.
#[get("/certificate-settings/keys/{kid}/retire")]
async fn retire_confirmation(ui: Ui, issuer: Issuer, kid: Id) -> PageResult {
    let key = key_line(&ui, &issuer, *kid).await?;
    let mut page = Confirmation::new(
        Text::key("certs.retire_heading").arg("kid", key.kid),
        format!("/certificate-settings/keys/{}/retire", key.kid),
        Text::key("certsettings.retire"),
        "/certificate-settings#keys",
    )
    .destructive()
    .goes(Text::key("certs.retire_goes"))
    .stays(Text::key("certs.retire_stays").arg("count", key.certificates))
    .stays(Text::key("certs.retire_stays_next"));
    page = key_rows(page, &key);
    if key.state != "active" {
        page = page.blocked(Text::key("error.keys.already_retired"));
    }
    let title = Text::key("title.certs_retire").arg("kid", key.kid);
    ui.page(crate::web::confirm::TEMPLATE, title, &page)
}

/// "Als kompromittiert melden": what it does to the certificates signed with the key;
/// changes nothing.
#[get("/certificate-settings/keys/{kid}/compromise")]
async fn compromise_confirmation(ui: Ui, issuer: Issuer, kid: Id) -> PageResult {
    let key = key_line(&ui, &issuer, *kid).await?;
    let mut page = Confirmation::new(
        Text::key("certs.compromise_heading").arg("kid", key.kid),
        format!("/certificate-settings/keys/{}/compromise", key.kid),
        Text::key("certsettings.compromise_button"),
        "/certificate-settings#keys",
    )
    .destructive()
    .lead(Text::key("certs.compromise_lead"))
    .goes(Text::key("certs.compromise_goes_jwks"))
    .goes(Text::key("certs.compromise_goes_offline").arg("count", key.certificates))
    .goes(Text::key("certs.compromise_goes_signing"))
    .stays(Text::key("certs.compromise_stays_online").arg("count", key.certificates))
    .warning(Text::key("certs.compromise_warning"))
    .hidden("confirm", "yes");
    page = key_rows(page, &key);
    if key.state == "compromised" {
        page = page.blocked(Text::key("error.keys.already_compromised"));
    }
    let title = Text::key("title.certs_compromise").arg("kid", key.kid);
    ui.page(crate::web::confirm::TEMPLATE, title, &page)
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

#[post("/certificate-settings/profile")]
async fn save_profile(
    ui: Ui, issuer: Issuer, Form(form): Form<CertificateProfileInput>,
) -> PageResult {
    require_settings_access(&ui.actor)?;
    let input = form.clone();
    let error = match ui.run(move |conn, actor| super::profile::update(conn, actor, &input)).await {
        Ok(_) => {
            let done = Text::key("done.certs_profile_saved");
            return ui.done("/certificate-settings#profile", &done);
        }
        Err(e) => e,
    };
    // The page again with what was typed next to the message.
    let issuer = issuer.get_ref().clone();
    let mut data = ui.run(move |conn, actor| service::settings_page(conn, &issuer, actor)).await?;
    if let Some(shown) = data.certificate.as_mut() {
        shown.issuer_address = form.issuer_address;
        shown.contact_phone = form.contact_phone;
        shown.contact_email = form.contact_email;
        shown.contact_website = form.contact_website;
        shown.issuer_seat = form.issuer_seat;
        shown.venue_phrase = form.venue_phrase;
    }
    ui.page_with_error(SETTINGS, "title.certificate_settings", &data, error)
}

/// "Muster freigeben".
#[post("/certificate-settings/approve")]
async fn approve_sample(ui: Ui, issuer: Issuer, _form: Form<EmptyForm>) -> PageResult {
    settings_action(&ui, &issuer, "approval", "done.certs_sample_approved", |conn, actor| {
        super::profile::approve(conn, actor).map(|_| ())
    })
    .await
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
    cfg.service(issue_confirmation)
        .service(issue_for_run)
        .service(print_list)
        .service(print_zip)
        .service(list_page)
        .service(revoke_confirmation)
        .service(retire_confirmation)
        .service(compromise_confirmation)
        .service(save_profile)
        .service(approve_sample)
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
