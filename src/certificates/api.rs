//! The JSON API (`/api/v1`) of certificates: each handler parses the request, calls one use case and answers.

use std::sync::Arc;

use actix_web::{delete, get, post, put, web, HttpResponse};

use super::models::{
    CertificateBatch, CertificateList, CertificateProfileInput, CertificateQuery,
    CertificateSettings, CertificateView, IssuePreview, IssueSummary, ReissueInput,
    ReissueRevokedInput, RevokeInput, UndeliveredCertificate,
};
use super::own_page::{self, OwnPageLink};
use super::pages::{
    certificate_file, resume_batch_in_background, start_batch_in_background, CertificateFile,
};
use super::service::KeyLine;
use super::service::{self, CertificateIssuer};
use super::{delivery, keys, profile};
use crate::api::{Answer, Caller, Json};
use crate::auth::Role;
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

// ---------- issue 14: what issuing will do and did, the list, settings and keys ----------

#[utoipa::path(get, path = "/api/v1/runs/{id}/certificates/preview", tag = "certificates", security(("bearer" = [])),
    params(("id" = i32, Path)), responses((status = 200, body = IssuePreview, description = "what issuing for the run would do now (issues nothing): how many, who by mail, who through their referrer, who needs a printout, what the certificate settings lack"),
        (status = 403, description = "not a coordinator", body = crate::api::ErrorSchema),
        (status = 404, description = "no such run in the organisation", body = crate::api::ErrorSchema)))]
#[get("/api/v1/runs/{id}/certificates/preview")]
async fn api_preview(caller: Caller, id: web::Path<RunId>) -> Answer {
    caller.ok(move |conn, actor| delivery::issue_preview(conn, actor, *id)).await
}

#[utoipa::path(get, path = "/api/v1/runs/{id}/certificates/undelivered", tag = "certificates", security(("bearer" = [])),
    params(("id" = i32, Path)), responses((status = 200, body = [UndeliveredCertificate], description = "valid certificates of the run that reached nobody by e-mail (no address, or the mail failed for good): print and hand them over"),
        (status = 403, description = "not a coordinator", body = crate::api::ErrorSchema),
        (status = 404, description = "no such run in the organisation", body = crate::api::ErrorSchema)))]
#[get("/api/v1/runs/{id}/certificates/undelivered")]
async fn api_undelivered(caller: Caller, id: web::Path<RunId>) -> Answer {
    caller.ok(move |conn, actor| delivery::undelivered(conn, actor, *id)).await
}

#[utoipa::path(get, path = "/api/v1/runs/{id}/certificates/undelivered.zip", tag = "certificates", security(("bearer" = [])),
    params(("id" = i32, Path)), responses((status = 200, content_type = "application/zip", description = "the undelivered certificates as PDFs"),
        (status = 403, description = "not a coordinator", body = crate::api::ErrorSchema),
        (status = 404, description = "no such run in the organisation", body = crate::api::ErrorSchema),
        (status = 409, description = "nothing to print", body = crate::api::ErrorSchema)))]
#[get("/api/v1/runs/{id}/certificates/undelivered.zip")]
async fn api_undelivered_zip(caller: Caller, issuer: Issuer, id: web::Path<RunId>) -> Answer {
    let (issuer, run_id) = (issuer.get_ref().clone(), *id);
    let (name, bytes) =
        caller.run(move |conn, actor| delivery::print_zip(conn, &issuer, actor, run_id)).await?;
    Ok(HttpResponse::Ok()
        .content_type("application/zip")
        .insert_header(("Cache-Control", "no-store"))
        .insert_header(("Content-Disposition", format!("attachment; filename=\"{name}\"")))
        .body(bytes))
}

#[utoipa::path(get, path = "/api/v1/certificates", tag = "certificates", security(("bearer" = [])),
    params(CertificateQuery), responses((status = 200, body = CertificateList, description = "the organisation's certificates, newest first, 50 a page"),
        (status = 403, description = "not a coordinator", body = crate::api::ErrorSchema),
        (status = 404, description = "no such run in the organisation", body = crate::api::ErrorSchema),
        (status = 422, description = "a filter value is wrong (the field is named)", body = crate::api::ErrorSchema)))]
#[get("/api/v1/certificates")]
async fn api_certificates(
    caller: Caller, issuer: Issuer, q: web::Query<CertificateQuery>,
) -> Answer {
    let (issuer, q) = (issuer.get_ref().clone(), q.into_inner());
    caller
        .ok(move |conn, actor| {
            actor.coordinator_org()?;
            delivery::list(conn, &issuer, actor, &delivery::ListQuery::strict(&q)?)
        })
        .await
}

#[utoipa::path(get, path = "/api/v1/certificate-settings", tag = "certificates", security(("bearer" = [])),
    responses((status = 200, body = CertificateSettings, description = "address, contact, images and the checklist before the first issue"),
        (status = 403, description = "not a coordinator", body = crate::api::ErrorSchema)))]
#[get("/api/v1/certificate-settings")]
async fn api_settings(caller: Caller) -> Answer {
    caller.ok(profile::settings).await
}

#[utoipa::path(put, path = "/api/v1/certificate-settings", tag = "certificates", security(("bearer" = [])),
    request_body = CertificateProfileInput,
    responses((status = 200, body = CertificateSettings, description = "saved; a change withdraws the approval of the sample"),
        (status = 403, description = "not a coordinator", body = crate::api::ErrorSchema),
        (status = 422, description = "a field is wrong or cannot be printed (the field is named)", body = crate::api::ErrorSchema)))]
#[put("/api/v1/certificate-settings")]
async fn api_update_settings(caller: Caller, body: Json<CertificateProfileInput>) -> Answer {
    caller.ok(move |conn, actor| profile::update(conn, actor, &body)).await
}

#[utoipa::path(post, path = "/api/v1/certificate-settings/approval", tag = "certificates", security(("bearer" = [])),
    responses((status = 200, body = CertificateSettings, description = "\"Muster freigeben\": the settings as they are now are approved (who and when are kept); a later change of any of them withdraws it"),
        (status = 403, description = "not a coordinator", body = crate::api::ErrorSchema)))]
#[post("/api/v1/certificate-settings/approval")]
async fn api_approve(caller: Caller) -> Answer {
    caller.ok(profile::approve).await
}

#[utoipa::path(get, path = "/api/v1/certificate-settings/sample.pdf", tag = "certificates", security(("bearer" = [])),
    responses((status = 200, content_type = "application/pdf", description = "a sample certificate with the organisation's letterhead"),
        (status = 403, description = "not a coordinator", body = crate::api::ErrorSchema)))]
#[get("/api/v1/certificate-settings/sample.pdf")]
async fn api_sample(caller: Caller, issuer: Issuer) -> Answer {
    let issuer = issuer.get_ref().clone();
    let bytes = caller.run(move |conn, actor| service::sample_pdf(conn, &issuer, actor)).await?;
    Ok(HttpResponse::Ok()
        .content_type("application/pdf")
        .insert_header(("Cache-Control", "no-store"))
        .body(bytes))
}

#[utoipa::path(put, path = "/api/v1/certificate-settings/images/{kind}", tag = "certificates", security(("bearer" = [])),
    params(("kind" = String, Path, description = "`logo` or `signature`")),
    request_body(content = Vec<u8>, content_type = "image/png", description = "PNG or JPEG, at most 2 MB"),
    responses((status = 204, description = "saved"),
        (status = 403, description = "not a coordinator", body = crate::api::ErrorSchema),
        (status = 404, description = "no such kind of image", body = crate::api::ErrorSchema),
        (status = 422, description = "not an image the certificate can print", body = crate::api::ErrorSchema)))]
#[put("/api/v1/certificate-settings/images/{kind}")]
async fn api_put_image(caller: Caller, kind: web::Path<String>, payload: web::Payload) -> Answer {
    // Settled before the body is read.
    caller.actor.coordinator_org()?;
    let bytes = crate::web::read_body(payload, service::MAX_IMAGE_BYTES).await?;
    let kind = kind.into_inner();
    caller.no_content(move |conn, actor| service::set_org_image(conn, actor, &kind, &bytes)).await
}

#[utoipa::path(delete, path = "/api/v1/certificate-settings/images/{kind}", tag = "certificates", security(("bearer" = [])),
    params(("kind" = String, Path, description = "`logo` or `signature`")),
    responses((status = 204, description = "removed (or there was none)"),
        (status = 403, description = "not a coordinator", body = crate::api::ErrorSchema),
        (status = 404, description = "no such kind of image", body = crate::api::ErrorSchema)))]
#[delete("/api/v1/certificate-settings/images/{kind}")]
async fn api_delete_image(caller: Caller, kind: web::Path<String>) -> Answer {
    let kind = kind.into_inner();
    caller.no_content(move |conn, actor| service::remove_org_image(conn, actor, &kind)).await
}

#[utoipa::path(get, path = "/api/v1/keys", tag = "certificates", security(("bearer" = [])),
    responses((status = 200, body = [KeyLine], description = "the signing keys the caller manages (a coordinator their organisation's, an admin every key), newest first, with state and how many certificates each signed"),
        (status = 403, description = "not a coordinator or admin", body = crate::api::ErrorSchema)))]
#[get("/api/v1/keys")]
async fn api_keys(caller: Caller, issuer: Issuer) -> Answer {
    let issuer = issuer.get_ref().clone();
    caller
        .ok(move |conn, actor| {
            actor.require(&[Role::Admin, Role::Coordinator])?;
            service::key_overview(conn, &issuer, actor)
        })
        .await
}

#[utoipa::path(post, path = "/api/v1/keys/rotate", tag = "certificates", security(("bearer" = [])),
    responses((status = 201, body = KeyLine, description = "the new key; the owner's previous keys are retired and keep verifying"),
        (status = 403, description = "not a coordinator or admin", body = crate::api::ErrorSchema),
        (status = 409, description = "every key number is taken", body = crate::api::ErrorSchema)))]
#[post("/api/v1/keys/rotate")]
async fn api_rotate(caller: Caller, issuer: Issuer) -> Answer {
    let issuer = issuer.get_ref().clone();
    caller
        .created(move |conn, actor| {
            actor.require(&[Role::Admin, Role::Coordinator])?;
            let kid = i32::from(keys::rotate_for(conn, &issuer.keyring, actor)?);
            key_of(conn, &issuer, actor, kid)
        })
        .await
}

fn key_of(
    conn: &mut crate::db::DbConn, issuer: &CertificateIssuer, actor: &crate::auth::Actor, kid: i32,
) -> crate::error::AppResult<KeyLine> {
    service::key_overview(conn, issuer, actor)?.into_iter().find(|k| k.kid == kid).ok_or_else(
        || {
            crate::error::AppError::not_found_text(
                crate::i18n::Text::key("thing.key_numbered").arg("kid", kid),
            )
        },
    )
}

#[utoipa::path(post, path = "/api/v1/keys/{kid}/retire", tag = "certificates", security(("bearer" = [])),
    params(("kid" = i32, Path)),
    responses((status = 200, body = KeyLine, description = "retired: it signs no new certificates; those it signed keep verifying"),
        (status = 403, description = "not a coordinator or admin", body = crate::api::ErrorSchema),
        (status = 404, description = "no such key among the caller's", body = crate::api::ErrorSchema),
        (status = 409, description = "already retired", body = crate::api::ErrorSchema)))]
#[post("/api/v1/keys/{kid}/retire")]
async fn api_retire(caller: Caller, issuer: Issuer, kid: web::Path<i32>) -> Answer {
    let (issuer, kid) = (issuer.get_ref().clone(), *kid);
    caller
        .ok(move |conn, actor| {
            actor.require(&[Role::Admin, Role::Coordinator])?;
            keys::retire_for(conn, actor, kid)?;
            key_of(conn, &issuer, actor, kid)
        })
        .await
}

/// Confirms that the private key is in the wrong hands.
#[derive(Debug, serde::Deserialize, utoipa::ToSchema)]
pub struct CompromiseInput {
    /// Must be `true`.
    pub confirm: bool,
}

#[utoipa::path(post, path = "/api/v1/keys/{kid}/compromise", tag = "certificates", security(("bearer" = [])),
    params(("kid" = i32, Path)), request_body = CompromiseInput,
    responses((status = 200, body = KeyLine, description = "marked compromised: it leaves the public key set (offline checks of its certificates fail) and signs nothing more; online, its certificates hold only where they match the database exactly"),
        (status = 403, description = "not a coordinator or admin", body = crate::api::ErrorSchema),
        (status = 404, description = "no such key among the caller's", body = crate::api::ErrorSchema),
        (status = 409, description = "already marked compromised", body = crate::api::ErrorSchema),
        (status = 422, description = "`confirm` is not true", body = crate::api::ErrorSchema)))]
#[post("/api/v1/keys/{kid}/compromise")]
async fn api_compromise(
    caller: Caller, issuer: Issuer, kid: web::Path<i32>, body: Json<CompromiseInput>,
) -> Answer {
    let (issuer, kid, confirmed) = (issuer.get_ref().clone(), *kid, body.confirm);
    caller
        .ok(move |conn, actor| {
            actor.require(&[Role::Admin, Role::Coordinator])?;
            keys::compromise_for(conn, &issuer.keyring, actor, kid, confirmed)?;
            key_of(conn, &issuer, actor, kid)
        })
        .await
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
    api_preview,
    api_undelivered,
    api_undelivered_zip,
    api_certificates,
    api_settings,
    api_update_settings,
    api_approve,
    api_sample,
    api_put_image,
    api_delete_image,
    api_keys,
    api_rotate,
    api_retire,
    api_compromise,
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
        .service(api_renew_own_page_link)
        .service(api_preview)
        .service(api_undelivered)
        .service(api_undelivered_zip)
        .service(api_certificates)
        .service(api_settings)
        .service(api_update_settings)
        .service(api_approve)
        .service(api_sample)
        .service(api_put_image)
        .service(api_delete_image)
        .service(api_keys)
        .service(api_rotate)
        .service(api_retire)
        .service(api_compromise);
}
