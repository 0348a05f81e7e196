//! The participant's own access request, without login: "Meine Daten anfordern" on the
//! page behind their personal link (`certificates::own_page`) gives the same disclosure a
//! coordinator gets, as a page and as JSON. The link is checked before anything is read;
//! a link that opens nothing gets the own page's plain 404.

use std::sync::Arc;

use actix_web::http::{header, StatusCode};
use actix_web::{get, middleware::from_fn, post, web, HttpRequest, HttpResponse};

use super::service;
use crate::certificates::own_page;
use crate::certificates::service::CertificateIssuer;
use crate::db::Db;
use crate::error::{AppError, HtmlError};
use crate::web::{client_ip, in_readers_language, OwnPageLimit};

/// The person's disclosure through their link; `None` when the link opens nothing.
async fn disclosure(
    req: &HttpRequest, db: &Db, issuer: &Arc<CertificateIssuer>, limit: &OwnPageLimit,
    token: String,
) -> Result<Result<super::models::ParticipantDisclosure, HttpResponse>, HtmlError> {
    if let Err(wait) = limit.0.check(client_ip(req)) {
        return Ok(Err(HttpResponse::TooManyRequests()
            .insert_header((header::RETRY_AFTER, wait.to_string()))
            .insert_header((header::CACHE_CONTROL, "no-store"))
            .finish()));
    }
    let issuer = issuer.clone();
    let found = db
        .run(move |conn| {
            let (org, participant, _) = own_page::export_subject(conn, &issuer, &token)?;
            service::participant_disclosure(conn, org, participant)
        })
        .await;
    match found {
        Ok(d) => Ok(Ok(d)),
        Err(AppError::NotFound(_) | AppError::Gone(_)) => {
            Ok(Err(private(StatusCode::NOT_FOUND).content_type("text/plain").body("404")))
        }
        Err(e) => Err(e.into()),
    }
}

/// Kept out of caches, search engines and referrers, like the own page.
fn private(status: StatusCode) -> actix_web::HttpResponseBuilder {
    let mut b = HttpResponse::build(status);
    b.insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header(("X-Robots-Tag", "noindex, nofollow"))
        .insert_header(("Referrer-Policy", "no-referrer"));
    b
}

/// "Meine Daten anfordern": everything stored about the person, as a readable page.
#[post("/meine-bescheinigungen/{token}", wrap = "from_fn(in_readers_language)")]
async fn own_disclosure(
    req: HttpRequest, db: web::Data<Db>, issuer: web::Data<Arc<CertificateIssuer>>,
    limit: web::Data<OwnPageLimit>, token: web::Path<String>,
) -> Result<HttpResponse, HtmlError> {
    let token = token.into_inner();
    let page = format!("/meine-bescheinigungen/{token}");
    let d = match disclosure(&req, &db, &issuer, &limit, token).await? {
        Ok(d) => d,
        Err(answer) => return Ok(answer),
    };
    let mut readable = service::participant_readable(&d);
    readable.json_href = Some(format!("{page}/daten.json"));
    readable.back_href = Some(page);
    let html = service::render_html(&readable)?;
    Ok(private(StatusCode::OK).content_type("text/html; charset=utf-8").body(html))
}

/// The same as JSON, to keep or take elsewhere (Art. 20).
#[get("/meine-bescheinigungen/{token}/daten.json", wrap = "from_fn(in_readers_language)")]
async fn own_disclosure_json(
    req: HttpRequest, db: web::Data<Db>, issuer: web::Data<Arc<CertificateIssuer>>,
    limit: web::Data<OwnPageLimit>, token: web::Path<String>,
) -> Result<HttpResponse, HtmlError> {
    let d = match disclosure(&req, &db, &issuer, &limit, token.into_inner()).await? {
        Ok(d) => d,
        Err(answer) => return Ok(answer),
    };
    let body = serde_json::to_vec_pretty(&d).map_err(|e| AppError::Internal(e.into()))?;
    Ok(private(StatusCode::OK)
        .insert_header((header::CONTENT_DISPOSITION, "attachment; filename=\"meine-daten.json\""))
        .content_type("application/json")
        .body(body))
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(own_disclosure_json).service(own_disclosure);
}
