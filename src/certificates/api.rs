//! The JSON API (`/api/v1`) of certificates: each handler parses the request, calls one use case and answers.

use std::sync::Arc;

use actix_web::{get, post, web, HttpResponse};

use super::models::{
    CertificateBatch, CertificateView, IssueSummary, ReissueInput, ReissueRevokedInput, RevokeInput,
};
use super::own_page::{self, OwnPageLink};
use super::pages::{
    certificate_file, resume_batch_in_background, start_batch_in_background, CertificateFile,
};
use super::service::{self, CertificateIssuer};
use crate::api::{Answer, Caller, Json};
use crate::ids::{CertificateBatchId, CertificateId, ParticipantId, RunId};

type Issuer = web::Data<Arc<CertificateIssuer>>;

#[utoipa::path(post, path = "/api/v1/runs/{id}/certificates", tag = "certificates", security(("bearer" = [])),
    params(("id" = i32, Path)), responses((status = 200, body = IssueSummary, description = "every enrolled participant's outcome: issued, already had one, revoked (not reissued), not completed, or failed with the reason; a failure for one leaves the others issued"),
        (status = 422, description = "a stored text the certificate cannot print, naming the field (e.g. `course_title`) and the character", body = crate::api::ErrorSchema)))]
#[post("/api/v1/runs/{id}/certificates")]
async fn api_issue(caller: Caller, issuer: Issuer, id: web::Path<RunId>) -> Answer {
    let issuer = issuer.get_ref().clone();
    caller.ok(move |conn, actor| service::issue_for_run(conn, &issuer, actor, *id)).await
}

#[utoipa::path(get, path = "/api/v1/runs/{id}/certificates", tag = "certificates", security(("bearer" = [])),
    params(("id" = i32, Path)), responses((status = 200, body = [CertificateView])))]
#[get("/api/v1/runs/{id}/certificates")]
async fn api_list(caller: Caller, issuer: Issuer, id: web::Path<RunId>) -> Answer {
    let issuer = issuer.get_ref().clone();
    caller.ok(move |conn, actor| service::certificates_of_run(conn, &issuer, actor, *id)).await
}

#[utoipa::path(get, path = "/api/v1/certificates/{id}/pdf", tag = "certificates", security(("bearer" = [])),
    params(("id" = i32, Path)), responses((status = 200, content_type = "application/pdf", description = "the certificate PDF"),
        (status = 410, description = "the holder was erased: the certificate is a tombstone and has no PDF any more"),
        (status = 422, description = "a stored text the certificate cannot print, naming the field and the character", body = crate::api::ErrorSchema)))]
#[get("/api/v1/certificates/{id}/pdf")]
async fn api_pdf(caller: Caller, issuer: Issuer, id: web::Path<CertificateId>) -> Answer {
    certificate_file(&caller.db, &caller.actor, &issuer, CertificateFile::Pdf(*id)).await
}

#[utoipa::path(post, path = "/api/v1/certificates/{id}/revoke", tag = "certificates", security(("bearer" = [])),
    request_body = RevokeInput, params(("id" = i32, Path)), responses((status = 200, body = CertificateView), (status = 409)))]
#[post("/api/v1/certificates/{id}/revoke")]
async fn api_revoke(
    caller: Caller, issuer: Issuer, id: web::Path<CertificateId>, body: Json<RevokeInput>,
) -> Answer {
    let cert =
        caller.run(move |conn, actor| service::revoke(conn, actor, *id, &body.reason)).await?;
    Ok(HttpResponse::Ok().json(issuer.view(&cert)))
}

#[utoipa::path(post, path = "/api/v1/runs/{id}/certificate-batches", tag = "certificates", security(("bearer" = [])),
    params(("id" = i32, Path)), responses((status = 202, body = CertificateBatch, description = "the batch started (or the one already running); poll it for progress")))]
#[post("/api/v1/runs/{id}/certificate-batches")]
async fn api_start_batch(caller: Caller, issuer: Issuer, id: web::Path<RunId>) -> Answer {
    let batch = start_batch_in_background(&caller.db, &issuer, &caller.actor, *id).await?;
    Ok(HttpResponse::Accepted().json(batch))
}

#[utoipa::path(get, path = "/api/v1/certificate-batches/{id}", tag = "certificates", security(("bearer" = [])),
    params(("id" = i32, Path)), responses((status = 200, body = CertificateBatch)))]
#[get("/api/v1/certificate-batches/{id}")]
async fn api_batch(caller: Caller, id: web::Path<CertificateBatchId>) -> Answer {
    caller.ok(move |conn, actor| service::batch(conn, actor, *id)).await
}

#[utoipa::path(post, path = "/api/v1/certificate-batches/{id}/resume", tag = "certificates", security(("bearer" = [])),
    params(("id" = i32, Path)), responses((status = 202, body = CertificateBatch, description = "the interrupted batch, running again to issue the rest (or the batch of the run that is running now); poll it for progress"), (status = 409, description = "the batch is finished")))]
#[post("/api/v1/certificate-batches/{id}/resume")]
async fn api_resume_batch(
    caller: Caller, issuer: Issuer, id: web::Path<CertificateBatchId>,
) -> Answer {
    let batch = resume_batch_in_background(&caller.db, &issuer, &caller.actor, *id).await?;
    Ok(HttpResponse::Accepted().json(batch))
}

#[utoipa::path(post, path = "/api/v1/runs/{id}/participants/{participant_id}/certificate/reissue", tag = "certificates", security(("bearer" = [])),
    request_body = ReissueRevokedInput, params(("id" = i32, Path), ("participant_id" = i32, Path)),
    responses((status = 201, body = CertificateView, description = "the new certificate; the revoked one stays revoked"),
        (status = 409, description = "no certificate of theirs for the run was revoked, they hold a valid one, or they have not completed"),
        (status = 422)))]
#[post("/api/v1/runs/{id}/participants/{participant_id}/certificate/reissue")]
async fn api_reissue_revoked(
    caller: Caller, issuer: Issuer, path: web::Path<(RunId, ParticipantId)>,
    body: Json<ReissueRevokedInput>,
) -> Answer {
    let (run_id, pid) = path.into_inner();
    let iss = issuer.get_ref().clone();
    let cert = caller
        .run(move |conn, actor| {
            service::reissue_revoked(conn, &iss, actor, run_id, pid, &body.reason)
        })
        .await?;
    Ok(HttpResponse::Created().json(issuer.view(&cert)))
}

#[utoipa::path(get, path = "/api/v1/runs/{id}/certificates.zip", tag = "certificates", security(("bearer" = [])),
    params(("id" = i32, Path)), responses((status = 200, content_type = "application/zip", description = "every valid certificate of the run as PDF"), (status = 409, description = "no valid certificate yet"),
        (status = 422, description = "a stored text a certificate cannot print, naming the field and the character", body = crate::api::ErrorSchema)))]
#[get("/api/v1/runs/{id}/certificates.zip")]
async fn api_zip(caller: Caller, issuer: Issuer, id: web::Path<RunId>) -> Answer {
    certificate_file(&caller.db, &caller.actor, &issuer, CertificateFile::RunZip(*id)).await
}

#[utoipa::path(post, path = "/api/v1/certificates/{id}/reissue", tag = "certificates", security(("bearer" = [])),
    request_body = ReissueInput, params(("id" = i32, Path)), responses((status = 200, body = CertificateView, description = "the new certificate; the old one is now replaced"), (status = 409), (status = 422)))]
#[post("/api/v1/certificates/{id}/reissue")]
async fn api_reissue(
    caller: Caller, issuer: Issuer, id: web::Path<CertificateId>, body: Json<ReissueInput>,
) -> Answer {
    let iss = issuer.get_ref().clone();
    let cert = caller
        .run(move |conn, actor| {
            service::reissue_with_name(conn, &iss, actor, *id, &body.given_name, &body.family_name)
        })
        .await?;
    Ok(HttpResponse::Ok().json(issuer.view(&cert)))
}

/// The operations of this file in the OpenAPI document.
/// "Link neu erzeugen": a new personal link to the participant's own page; every earlier
/// link stops working. The URL is in this answer only (the database cannot make it again
/// without the deployment's key), so the answer is never cached.
#[utoipa::path(post, path = "/api/v1/participants/{id}/own-page-link", tag = "certificates", security(("bearer" = [])),
    params(("id" = i32, Path)), responses((status = 200, body = OwnPageLink, description = "the new link"),
        (status = 403, description = "not a coordinator", body = crate::api::ErrorSchema),
        (status = 404, description = "no such participant in the organisation, or erased", body = crate::api::ErrorSchema)))]
#[post("/api/v1/participants/{id}/own-page-link")]
async fn api_renew_own_page_link(
    caller: Caller, issuer: Issuer, id: web::Path<ParticipantId>,
) -> Answer {
    let issuer = issuer.get_ref().clone();
    let id = *id;
    let link =
        caller.run(move |conn, actor| own_page::renew_link(conn, &issuer, actor, id)).await?;
    Ok(HttpResponse::Ok().insert_header(("Cache-Control", "no-store")).json(link))
}

#[derive(utoipa::OpenApi)]
#[openapi(paths(
    api_renew_own_page_link,
    api_issue,
    api_list,
    api_pdf,
    api_revoke,
    api_start_batch,
    api_batch,
    api_zip,
    api_reissue,
    api_resume_batch,
    api_reissue_revoked,
))]
pub struct Doc;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(api_issue)
        .service(api_list)
        .service(api_pdf)
        .service(api_revoke)
        .service(api_start_batch)
        .service(api_batch)
        .service(api_zip)
        .service(api_reissue)
        .service(api_resume_batch)
        .service(api_reissue_revoked)
        .service(api_renew_own_page_link);
}
