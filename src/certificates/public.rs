//! The participant's own page, without login: the personal link from the certificate mail
//! (see `own_page`). Each handler checks the client's allowance, calls one use case and
//! answers with headers that keep the page out of caches, search engines and referrers.

use std::sync::Arc;

use actix_web::http::{header, StatusCode};
use actix_web::{get, middleware::from_fn, web, HttpRequest, HttpResponse};
use serde_json::json;

use super::own_page;
use super::service::CertificateIssuer;
use crate::db::Db;
use crate::error::{AppError, HtmlError};
use crate::i18n;
use crate::templates;
use crate::web::{client_ip, in_readers_language, reader_language, OwnPageLimit};

const CSP: &str = "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

fn private(status: StatusCode) -> actix_web::HttpResponseBuilder {
    let mut b = HttpResponse::build(status);
    b.insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header(("X-Robots-Tag", "noindex, nofollow"))
        .insert_header(("Referrer-Policy", "no-referrer"))
        .insert_header(("Content-Security-Policy", CSP))
        .insert_header(("X-Content-Type-Options", "nosniff"));
    b
}

fn html(
    status: StatusCode, template: &str, ctx: serde_json::Value,
) -> Result<HttpResponse, HtmlError> {
    let body = templates::render(template, &ctx)?;
    Ok(private(status).content_type("text/html; charset=utf-8").body(body))
}

/// The answer for every link that opens nothing (forged, mistyped, renewed, erased): the
/// same plain page, whatever the reason, in the reader's language (`web::reader_language`).
fn missing(lang: &str) -> Result<HttpResponse, HtmlError> {
    let ctx = json!({
        "lang": lang,
        "dir": i18n::direction(lang),
        "title": i18n::text(lang, "own.missing_title"),
    });
    html(StatusCode::NOT_FOUND, "pages/certificates/own_missing", ctx)
}

/// Too many requests from this client through personal links: when to try again, in the
/// reader's language.
fn too_many(lang: &str, seconds: u64) -> Result<HttpResponse, HtmlError> {
    let ctx = json!({
        "lang": lang,
        "dir": i18n::direction(lang),
        "title": i18n::text(lang, "own.too_many_title"),
        "seconds": seconds,
    });
    let mut resp = html(StatusCode::TOO_MANY_REQUESTS, "pages/certificates/own_too_many", ctx)?;
    resp.headers_mut().insert(header::RETRY_AFTER, header::HeaderValue::from(seconds));
    Ok(resp)
}

/// What every own-page handler needs.
struct Own {
    db: web::Data<Db>,
    issuer: web::Data<Arc<CertificateIssuer>>,
}

impl Own {
    /// Runs a use case with the issuer; `Ok(None)` when the link opens nothing.
    async fn run<T, F>(&self, use_case: F) -> Result<Option<T>, HtmlError>
    where
        F: FnOnce(&mut crate::db::DbConn, &CertificateIssuer) -> crate::error::AppResult<T>
            + Send
            + 'static,
        T: Send + 'static,
    {
        let issuer = self.issuer.get_ref().clone();
        match self.db.run(move |conn| use_case(conn, &issuer)).await {
            Ok(v) => Ok(Some(v)),
            Err(AppError::NotFound(_)) => Ok(None),
            Err(e) => Err(e.into()),
        }
    }
}

fn page_ctx<T: serde::Serialize>(
    data: &T, title_key: &str,
) -> Result<serde_json::Value, HtmlError> {
    let mut ctx = crate::web::context(data)?;
    let lang = ctx.get("lang").and_then(|l| l.as_str()).unwrap_or(i18n::DEFAULT_LANG).to_string();
    ctx["title"] = json!(i18n::text(&lang, title_key));
    Ok(ctx)
}

#[get("/meine-bescheinigungen/{token}", wrap = "from_fn(in_readers_language)")]
async fn show_own_page(
    req: HttpRequest, db: web::Data<Db>, issuer: web::Data<Arc<CertificateIssuer>>,
    limit: web::Data<OwnPageLimit>, token: web::Path<String>,
) -> Result<HttpResponse, HtmlError> {
    if let Err(wait) = limit.0.check(client_ip(&req)) {
        return too_many(reader_language(&req), wait);
    }
    let token = token.into_inner();
    let own = Own { db, issuer };
    match own.run(move |conn, issuer| own_page::page(conn, issuer, &token)).await? {
        Some(page) => {
            html(StatusCode::OK, "pages/certificates/own_page", page_ctx(&page, "own.title")?)
        }
        None => missing(reader_language(&req)),
    }
}

/// "PDF herunterladen": one of the person's valid certificates.
#[get("/meine-bescheinigungen/{token}/{code}.pdf", wrap = "from_fn(in_readers_language)")]
async fn own_pdf(
    req: HttpRequest, db: web::Data<Db>, issuer: web::Data<Arc<CertificateIssuer>>,
    limit: web::Data<OwnPageLimit>, path: web::Path<(String, String)>,
) -> Result<HttpResponse, HtmlError> {
    if let Err(wait) = limit.0.check(client_ip(&req)) {
        return too_many(reader_language(&req), wait);
    }
    let (token, code) = path.into_inner();
    let own = Own { db, issuer };
    match own.run(move |conn, issuer| own_page::pdf(conn, issuer, &token, &code)).await? {
        Some((name, bytes)) => Ok(private(StatusCode::OK)
            .content_type("application/pdf")
            .insert_header((
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ))
            .body(bytes)),
        None => missing(reader_language(&req)),
    }
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(own_pdf).service(show_own_page);
}
