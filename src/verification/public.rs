//! Pages and feeds that need no login of verification: each handler parses the request, calls one use case and answers.

use std::sync::Arc;

use actix_web::http::header;
use actix_web::http::Method;
use actix_web::{get, routes, web, FromRequest, HttpRequest, HttpResponse};
use serde::Deserialize;
use serde_json::json;

use super::service::{self, PublicChecks, Verification, VerificationStatus};
use crate::certificates::keys::{self, KeyRing};
use crate::db::Db;
use crate::error::{AppError, AppResult, HtmlError};
use crate::i18n;
use crate::rate_limit::VerifyLimits;
use crate::templates;
use crate::web::client_ip;

const CSP: &str = "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

fn public_page(status: actix_web::http::StatusCode, body: String) -> HttpResponse {
    HttpResponse::build(status)
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header(("X-Robots-Tag", "noindex, nofollow"))
        .insert_header(("Referrer-Policy", "no-referrer"))
        .insert_header(("Content-Security-Policy", CSP))
        .insert_header(("X-Content-Type-Options", "nosniff"))
        .content_type("text/html; charset=utf-8")
        .body(body)
}

pub(crate) fn render_result(v: &Verification, lang: &str) -> Result<HttpResponse, HtmlError> {
    let checked_at = crate::time::fmt_datetime(crate::time::now_utc());
    let body = super::page::render(lang, v.status, v.facts.as_ref(), &checked_at)?;
    let status = match v.status {
        VerificationStatus::Valid | VerificationStatus::Revoked => actix_web::http::StatusCode::OK,
        _ => actix_web::http::StatusCode::NOT_FOUND,
    };
    Ok(public_page(status, body))
}

fn dir(lang: &str) -> &'static str {
    if i18n::is_rtl(lang) {
        "rtl"
    } else {
        "ltr"
    }
}

/// The friendly answer when a client checks too often; nothing was looked at.
pub(crate) fn too_many(lang: &str, retry_after: u64) -> Result<HttpResponse, HtmlError> {
    let ctx = json!({
        "lang": lang,
        "dir": dir(lang),
        "title": i18n::text(lang, "verify.too_many_title"),
        "seconds": retry_after,
        "langs": super::page::language_links(lang),
    });
    let body = templates::render("pages/verification/too_many", &ctx)?;
    let mut resp = public_page(actix_web::http::StatusCode::TOO_MANY_REQUESTS, body);
    resp.headers_mut().insert(header::RETRY_AFTER, header::HeaderValue::from(retry_after));
    Ok(resp)
}

#[derive(Deserialize)]
pub(crate) struct LangQuery {
    pub(crate) lang: Option<String>,
}

/// The page's language: `?lang=`, else the browser's `Accept-Language`, among the check
/// page's languages; German otherwise.
pub(crate) fn lang_of(req: &HttpRequest, asked: Option<&str>) -> &'static str {
    crate::web::page_language(req, asked, &super::page::LANGS)
}

/// What a certificate check needs: the database, the signing keys, the check counters
/// and the per-client limits.
pub(crate) struct Checker {
    db: web::Data<Db>,
    keyring: web::Data<Arc<KeyRing>>,
    checks: web::Data<Arc<PublicChecks>>,
    pub(crate) limits: web::Data<VerifyLimits>,
}

impl FromRequest for Checker {
    type Error = AppError;
    type Future = std::future::Ready<Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        fn data<T: 'static>(req: &HttpRequest) -> AppResult<web::Data<T>> {
            req.app_data::<web::Data<T>>()
                .cloned()
                .ok_or_else(|| AppError::Internal(anyhow::anyhow!("checks not configured")))
        }
        let checker = || {
            Ok(Checker {
                db: data(req)?,
                keyring: data(req)?,
                checks: data(req)?,
                limits: data(req)?,
            })
        };
        std::future::ready(checker())
    }
}

impl Checker {
    /// The check of a token from a QR code.
    pub(crate) async fn token(&self, token: &str) -> AppResult<Verification> {
        service::verify_token(&self.db, &self.keyring, &self.checks, token).await
    }

    /// The check of a code typed from the paper.
    pub(crate) async fn code(&self, code: &str) -> AppResult<Verification> {
        service::verify_code(&self.db, &self.keyring, &self.checks, code).await
    }
}

#[derive(Deserialize)]
struct CodeQuery {
    code: Option<String>,
    lang: Option<String>,
}

/// The manual form for the printed code.
#[routes]
#[get("/z")]
#[get("/Z")]
async fn code_form(
    req: HttpRequest, checker: Checker, q: web::Query<CodeQuery>,
) -> Result<HttpResponse, HtmlError> {
    let lang = lang_of(&req, q.lang.as_deref());
    let Some(code) = q.code.as_deref().map(str::trim).filter(|c| !c.is_empty()) else {
        // Showing the empty form costs nothing and is not counted.
        return code_form_page(lang, "", None);
    };
    if let Err(wait) = checker.limits.code_form.check(client_ip(&req)) {
        return too_many(lang, wait);
    }
    match checker.code(code).await {
        Ok(v) => render_result(&v, lang),
        // Not a code (a typo, too short): the form again with what was typed and why,
        // never the red answer meant for forgeries.
        Err(e @ AppError::Validation { .. }) => code_form_page(lang, code, Some(e.message(lang))),
        Err(e) => Err(e.into()),
    }
}

/// Typed text shown back in the form is cut here; a code is far shorter.
const ECHO_CHARS: usize = 80;

fn code_form_page(
    lang: &str, typed: &str, error: Option<String>,
) -> Result<HttpResponse, HtmlError> {
    let ctx = json!({
        "lang": lang,
        "dir": dir(lang),
        "langs": super::page::language_links(lang),
        "title": i18n::text(lang, "verify.form_title"),
        "code": typed.chars().take(ECHO_CHARS).collect::<String>(),
        "error": error,
    });
    let body = templates::render("pages/verification/form", &ctx)?;
    let status = if ctx["error"].is_null() {
        actix_web::http::StatusCode::OK
    } else {
        actix_web::http::StatusCode::BAD_REQUEST
    };
    Ok(public_page(status, body))
}

#[get("/.well-known/jwks.json")]
async fn jwks(db: web::Data<Db>) -> AppResult<HttpResponse> {
    let records = db.run(keys::all_records).await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "public, max-age=300"))
        .insert_header((header::ACCESS_CONTROL_ALLOW_ORIGIN, "*"))
        .json(keys::jwks(&records)))
}

/// The signed list of revoked and replaced certificate codes, for offline verifiers.
/// Signing takes microseconds, so it is built per request and always current; shared
/// caches may keep it for a minute.
#[get("/.well-known/revoked")]
async fn revoked(
    db: web::Data<Db>, keyring: web::Data<Arc<KeyRing>>,
    issuer: web::Data<Arc<crate::certificates::service::CertificateIssuer>>,
) -> AppResult<HttpResponse> {
    let kr = keyring.get_ref().clone();
    let url = issuer.public_url.clone();
    let bytes = db.run(move |conn| service::revocation_list(conn, &kr, &url)).await?;
    Ok(HttpResponse::Ok()
        .content_type("application/cose; cose-type=\"cose-sign1\"")
        .insert_header((header::CACHE_CONTROL, "public, max-age=60"))
        .insert_header((header::ACCESS_CONTROL_ALLOW_ORIGIN, "*"))
        .body(bytes))
}

/// The URL in the QR code: `/Z/<token>` (the token itself in any case).
///
/// Mounted as the default service of the static scopes `/Z` and `/z` rather than as a
/// `/Z/{token}` pattern: a pattern is a regular expression run over the whole
/// 300-character path, and on the busiest public path that match cost more than the
/// check itself. The token is whatever follows the prefix; anything that is not a token
/// (including further slashes) simply fails to decode and gets the Ungültig page.
async fn verify_token(
    req: HttpRequest, checker: Checker, q: web::Query<LangQuery>,
) -> Result<HttpResponse, HtmlError> {
    // No pattern matched, so the request line would say `(unmatched)`: name the route.
    let route = if req.path().starts_with("/z") { "/z/{token}" } else { "/Z/{token}" };
    crate::telemetry::name_route(&req, route);
    if !matches!(*req.method(), Method::GET | Method::HEAD) {
        return Ok(HttpResponse::MethodNotAllowed()
            .insert_header((header::ALLOW, "GET, HEAD"))
            .finish());
    }
    let path = req.match_info().unprocessed();
    let token = path.strip_prefix('/').unwrap_or(path);
    if token.is_empty() {
        // `/Z/` with nothing after it: the manual form is what the person needs.
        return Ok(HttpResponse::SeeOther().insert_header((header::LOCATION, "/z")).finish());
    }
    if let Err(wait) = checker.limits.token.check(client_ip(&req)) {
        return too_many(lang_of(&req, q.lang.as_deref()), wait);
    }
    let v = checker.token(token).await?;
    render_result(&v, lang_of(&req, q.lang.as_deref()))
}

/// The offline check's page may run its own scripts, talk to this server and install its
/// service worker; nothing else.
const APP_CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; manifest-src 'self'; worker-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

/// The web app for checking without a connection (`offline`). Without JavaScript it is a
/// page with a link to the online check.
#[get("/pruefen")]
async fn offline_app(
    req: HttpRequest, q: web::Query<LangQuery>,
) -> Result<HttpResponse, HtmlError> {
    let lang = lang_of(&req, q.lang.as_deref());
    let ctx = json!({
        "lang": lang,
        "dir": dir(lang),
        "langs": super::page::language_links(lang),
        "title": i18n::text(lang, "pruefen.title"),
        "manifest": format!("/pruefen/manifest.webmanifest?lang={lang}"),
        "texts": super::page::offline_app_texts(lang).to_string(),
    });
    let body = templates::render("pages/verification/offline", &ctx)?;
    let mut resp = public_page(actix_web::http::StatusCode::OK, body);
    resp.headers_mut().insert(
        header::HeaderName::from_static("content-security-policy"),
        header::HeaderValue::from_static(APP_CSP),
    );
    Ok(resp)
}

/// The service worker. Served from `/pruefen/` but allowed to control `/Z/` and `/z/`,
/// where the QR links land; browsers look for a new version on every visit.
#[get("/pruefen/sw.js")]
async fn offline_worker() -> HttpResponse {
    match templates::static_file("pruefen-sw.js") {
        Some((bytes, mime)) => HttpResponse::Ok()
            .content_type(mime)
            .insert_header((header::CACHE_CONTROL, "no-cache"))
            .insert_header(("Service-Worker-Allowed", "/"))
            .insert_header(("X-Content-Type-Options", "nosniff"))
            .body(bytes),
        None => HttpResponse::NotFound().finish(),
    }
}

/// The web app manifest: installs `/pruefen` on the home screen.
#[get("/pruefen/manifest.webmanifest")]
async fn offline_manifest(req: HttpRequest, q: web::Query<LangQuery>) -> HttpResponse {
    let lang = lang_of(&req, q.lang.as_deref());
    let manifest = json!({
        "name": format!("{} – Mietschulung", i18n::text(lang, "pruefen.app_name")),
        "short_name": i18n::text(lang, "pruefen.app_name"),
        "lang": lang,
        "dir": dir(lang),
        "start_url": format!("/pruefen?lang={lang}"),
        "scope": "/",
        "display": "standalone",
        "background_color": "#ffffff",
        "theme_color": "#00703c",
        "icons": [{"src": "/static/pruefen-icon.svg", "sizes": "any", "type": "image/svg+xml", "purpose": "any"}],
    });
    HttpResponse::Ok()
        .content_type("application/manifest+json")
        .insert_header((header::CACHE_CONTROL, "public, max-age=3600"))
        .body(manifest.to_string())
}

/// The result pages the service worker fills in offline, in one of the check page's
/// languages.
#[get("/pruefen/vorlagen/{lang}.json")]
async fn offline_templates(lang: web::Path<String>) -> AppResult<HttpResponse> {
    let Some(lang) = super::page::LANGS.iter().find(|l| **l == lang.as_str()) else {
        return Err(AppError::NotFound(i18n::Text::key("error.no_such_page")));
    };
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "public, max-age=300"))
        .json(super::page::offline_templates(lang)?))
}

/// Issuer names, contacts and course titles, for the facts an offline check shows.
#[get("/pruefen/aussteller.json")]
async fn offline_issuers(db: web::Data<Db>) -> AppResult<HttpResponse> {
    let directory = db.run(service::issuer_directory).await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "public, max-age=300"))
        .json(directory))
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    // The form at `/z` itself first: the scopes below would also take the bare prefix.
    cfg.service(code_form)
        .service(web::scope("/Z").default_service(web::to(verify_token)))
        .service(web::scope("/z").default_service(web::to(verify_token)))
        .service(jwks)
        .service(revoked)
        .service(offline_app)
        .service(offline_worker)
        .service(offline_manifest)
        .service(offline_templates)
        .service(offline_issuers);
}
