//! Shared pieces of the browser UI: page context, form parsing with CSRF check, redirects.

use std::future::Future;
use std::pin::Pin;

use actix_session::{Session, SessionExt};
use actix_web::http::{header, StatusCode};
use actix_web::{web, FromRequest, HttpRequest, HttpResponse, ResponseError};
use rand::RngCore;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::auth::{Actor, Role};
use crate::error::{AppError, HtmlError, PageResult};
use crate::i18n;
use crate::templates;

mod client;
pub mod confirm;
mod lists;
pub mod nav;
mod ui;

pub use confirm::Confirmation;
pub use lists::{import_pages, ImportPage};
pub(crate) use ui::run_as;
pub use ui::Ui;

const CSRF_KEY: &str = "csrf";
/// What the page after a redirect says happened (post/redirect/get): shown once.
const FLASH_KEY: &str = "flash";
const FORM_LIMIT: usize = 256 * 1024;

/// The session's CSRF token, created on first use.
pub fn csrf_token(session: &Session) -> String {
    if let Ok(Some(token)) = session.get::<String>(CSRF_KEY) {
        return token;
    }
    let mut raw = [0u8; 24];
    rand::rngs::OsRng.fill_bytes(&mut raw);
    let token = data_encoding::BASE64URL_NOPAD.encode(&raw);
    // A failed insert only means the next form post is refused with a clear message.
    let _ = session.insert(CSRF_KEY, &token);
    token
}

fn csrf_matches(session: &Session, submitted: Option<&str>) -> bool {
    match (session.get::<String>(CSRF_KEY).ok().flatten(), submitted) {
        (Some(expected), Some(given)) => {
            expected.len() == given.len()
                && expected.bytes().zip(given.bytes()).fold(0u8, |acc, (a, b)| acc | (a ^ b)) == 0
        }
        _ => false,
    }
}

/// For forms not read through [`Form`] (file uploads).
pub fn verify_csrf(session: &Session, submitted: Option<&str>) -> Result<(), AppError> {
    if csrf_matches(session, submitted) {
        Ok(())
    } else {
        Err(AppError::Forbidden(i18n::Text::key("error.form_expired")))
    }
}

#[derive(Deserialize)]
struct CsrfField {
    csrf_token: Option<String>,
}

/// A form of only a button: nothing but its CSRF token.
#[derive(Deserialize)]
pub struct EmptyForm {}

/// An urlencoded form whose CSRF token has been checked against the session.
/// Repeated keys (checkbox lists) deserialize into `Vec`s.
pub struct Form<T>(pub T);

impl<T: DeserializeOwned + 'static> FromRequest for Form<T> {
    type Error = HtmlError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, HtmlError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut actix_web::dev::Payload) -> Self::Future {
        let session = req.get_session();
        let body = web::Bytes::from_request(req, payload);
        Box::pin(async move {
            let bytes = body
                .await
                .map_err(|_| AppError::invalid("form", i18n::Text::key("error.form_unreadable")))?;
            if bytes.len() > FORM_LIMIT {
                return Err(
                    AppError::invalid("form", i18n::Text::key("error.form_too_large")).into()
                );
            }
            let csrf: CsrfField = serde_html_form::from_bytes(&bytes)
                .map_err(|_| AppError::invalid("form", i18n::Text::key("error.form_unreadable")))?;
            if !csrf_matches(&session, csrf.csrf_token.as_deref()) {
                return Err(AppError::Forbidden(i18n::Text::key("error.form_expired")).into());
            }
            let value = serde_html_form::from_bytes(&bytes).map_err(|e| {
                AppError::invalid("form", i18n::Text::key("error.form_invalid").arg("detail", e))
            })?;
            Ok(Form(value))
        })
    }
}

pub fn redirect(location: &str) -> HttpResponse {
    HttpResponse::SeeOther().insert_header((header::LOCATION, location)).finish()
}

/// What the layout of every page shows around the page's own data.
#[derive(Serialize)]
struct Layout<'a> {
    lang: &'a str,
    dir: &'static str,
    title: String,
    csrf: String,
    nav: Vec<nav::NavItem>,
    user: Option<UserBadge<'a>>,
    /// Whose accessibility statement the footer links to (none: the general one).
    statement_org: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    flash: Option<String>,
    /// The page's own fields; they may replace a layout field of the same name.
    #[serde(flatten)]
    data: Map<String, Value>,
    /// A refused form's message, next to its field.
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<Refusal>,
}

#[derive(Serialize)]
struct UserBadge<'a> {
    name: &'a str,
    role: Role,
}

#[derive(Serialize)]
struct Refusal {
    field: Option<&'static str>,
    message: String,
}

/// A page's title: a key into `locales/` (`title.*`), with arguments where the title names
/// something (a course), put into words in the page's language.
pub struct Title(i18n::Text);

impl From<&'static str> for Title {
    fn from(key: &'static str) -> Title {
        debug_assert!(key.starts_with("title."), "not a title key: {key}");
        Title(i18n::Text::key(key))
    }
}

impl From<i18n::Text> for Title {
    fn from(text: i18n::Text) -> Title {
        Title(text)
    }
}

/// Renders a page with the fields every layout needs (language, navigation, CSRF token).
/// With `refused`, it is a form's page again: the message next to its field, and status
/// 422 (409 for a conflict); other errors answer the error page.
pub fn page(
    session: &Session, actor: Option<&Actor>, template: &str, title: impl Into<Title>, data: Value,
    refused: Option<AppError>,
) -> PageResult {
    page_at(session, actor, None, template, title, data, refused)
}

/// [`page`] at the request's path, whose navigation item is marked as the current one.
pub fn page_at(
    session: &Session, actor: Option<&Actor>, path: Option<&str>, template: &str,
    title: impl Into<Title>, data: Value, refused: Option<AppError>,
) -> PageResult {
    let (status, refused) = match refused {
        None => (StatusCode::OK, None),
        Some(e @ AppError::Validation { .. }) => (StatusCode::UNPROCESSABLE_ENTITY, Some(e)),
        Some(e @ AppError::Conflict(_)) => (StatusCode::CONFLICT, Some(e)),
        Some(other) => return Err(other.into()),
    };
    let lang = i18n::DEFAULT_LANG;
    let data = match data {
        Value::Object(map) => map,
        _ => Map::new(),
    };
    let layout = Layout {
        lang,
        dir: if i18n::is_rtl(lang) { "rtl" } else { "ltr" },
        title: title.into().0.render(lang),
        csrf: csrf_token(session),
        nav: nav::items(actor.map(|a| a.role), path, lang),
        user: actor.map(|a| UserBadge { name: &a.display_name, role: a.role }),
        statement_org: actor.and_then(|a| a.organisation_id).map(|o| o.0),
        flash: session.remove_as::<String>(FLASH_KEY).and_then(Result::ok),
        data,
        error: refused.map(|e| Refusal { field: e.field(), message: e.message(lang) }),
    };
    let body = templates::render(template, &context(&layout)?)?;
    Ok(HttpResponse::build(status)
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .content_type("text/html; charset=utf-8")
        .body(body))
}

/// Typed page data as the template context.
pub fn context<T: serde::Serialize>(data: &T) -> Result<Value, AppError> {
    serde_json::to_value(data).map_err(|e| AppError::Internal(e.into()))
}

/// After a successful form: a redirect (303) to `location`, whose page then says once
/// what happened ("Gespeichert", "3 Bescheinigungen ausgestellt"). A reload of that page
/// neither posts again nor repeats the message.
pub fn redirect_with(session: &Session, location: &str, done: &i18n::Text) -> HttpResponse {
    // Without the session the redirect still happens; only the confirmation is missing.
    let _ = session.insert(FLASH_KEY, done.render(i18n::DEFAULT_LANG));
    redirect(location)
}

fn file_too_large(max_bytes: usize) -> AppError {
    AppError::invalid(
        "file",
        i18n::Text::key("error.file_too_large").arg("mb", max_bytes.div_ceil(1024 * 1024)),
    )
}

/// The file of an upload form (field `file`) whose CSRF token checks out: what an import
/// page reads, once the caller's role has been settled.
pub async fn read_form_file(
    session: &Session, payload: actix_multipart::Multipart, max_bytes: usize,
) -> Result<Vec<u8>, AppError> {
    let (csrf, bytes) = read_upload(payload, "file", max_bytes).await?;
    verify_csrf(session, csrf.as_deref())?;
    Ok(bytes)
}

/// Reads one uploaded file (the field `file_field`) and the CSRF token from a multipart
/// form, refusing files over `max_bytes` while reading.
pub async fn read_upload(
    mut payload: actix_multipart::Multipart, file_field: &str, max_bytes: usize,
) -> Result<(Option<String>, Vec<u8>), AppError> {
    use futures_util::TryStreamExt;
    // The form has two fields; anything else is read past, never kept, and the whole
    // request is bounded, so many parts cannot add up to more than one file.
    const CSRF_MAX: usize = 1024;
    let unreadable = || AppError::invalid("file", i18n::Text::key("error.file_unreadable"));
    let too_large = || file_too_large(max_bytes);
    let mut total = 0usize;
    let mut csrf = None;
    let mut file = Vec::new();
    while let Some(mut field) = payload.try_next().await.map_err(|_| unreadable())? {
        let name = field.name().unwrap_or_default().to_string();
        let keep = name == "csrf_token" || name == file_field;
        let limit = if name == "csrf_token" { CSRF_MAX } else { max_bytes };
        let mut bytes = Vec::new();
        while let Some(chunk) = field.try_next().await.map_err(|_| unreadable())? {
            total += chunk.len();
            if total > max_bytes + CSRF_MAX * 4 || (keep && bytes.len() + chunk.len() > limit) {
                return Err(too_large());
            }
            if keep {
                bytes.extend_from_slice(&chunk);
            }
        }
        if name == "csrf_token" {
            csrf = String::from_utf8(bytes).ok();
        } else if name == file_field {
            file = bytes;
        }
    }
    Ok((csrf, file))
}

/// A request body read in chunks up to `max_bytes`, for endpoints that must check who is
/// asking before they accept a large body.
pub async fn read_body(mut payload: web::Payload, max_bytes: usize) -> Result<Vec<u8>, AppError> {
    use futures_util::StreamExt;
    let mut body = Vec::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk
            .map_err(|_| AppError::invalid("file", i18n::Text::key("error.file_unreadable")))?;
        if body.len() + chunk.len() > max_bytes {
            return Err(file_too_large(max_bytes));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// The id in a page's path (`/courses/{id}`), typed: `Id<RunId>`. API handlers say
/// `web::Path<RunId>` and name the parameter in `params(("id" = i32, Path))`, since the
/// OpenAPI document would otherwise read the path parameter's schema from the id type.
pub type Id<T = i32> = web::Path<T>;

/// The service's public address (`public_url` of the settings), for the links it hands out
/// (survey links, calendar feeds).
pub struct PublicUrl(pub String);

impl FromRequest for PublicUrl {
    type Error = AppError;
    type Future = std::future::Ready<Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        let url = req
            .app_data::<web::Data<crate::config::Settings>>()
            .map(|s| PublicUrl(s.public_url.clone()))
            .ok_or_else(|| AppError::Internal(anyhow::anyhow!("settings not configured")));
        std::future::ready(url)
    }
}

pub use client::{client_ip, forwarded_request_id};

pub fn download(
    table: &crate::reports::export::Table, base_name: &str, format: &str,
) -> crate::error::AppResult<HttpResponse> {
    let (bytes, mime, ext) = match format {
        "csv" => (crate::reports::export::to_csv(table)?, "text/csv; charset=utf-8", "csv"),
        "xlsx" => (
            crate::reports::export::to_xlsx(table)?,
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "xlsx",
        ),
        _ => {
            return Err(crate::error::AppError::NotFound(i18n::Text::key("error.download_format")))
        }
    };
    Ok(HttpResponse::Ok()
        .content_type(mime)
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{base_name}.{ext}\""),
        ))
        .body(bytes))
}

/// A CSV download of text cells (semicolons, byte order mark, formulas neutralised, like
/// every report).
pub fn csv_download(
    headings: Vec<String>, rows: Vec<Vec<String>>, base_name: &str,
) -> crate::error::AppResult<HttpResponse> {
    use crate::reports::export::{Cell, Table};
    let table = Table {
        sheet: base_name.to_string(),
        headers: headings,
        rows: rows.into_iter().map(|r| r.into_iter().map(Cell::Text).collect()).collect(),
    };
    download(&table, base_name, "csv")
}

/// Errors on browser pages answer a page in the site's layout (the login page when the
/// session has ended); the JSON form lives with `AppError` itself. The page is German here;
/// public pages answer it in the reader's language ([`in_readers_language`]).
impl ResponseError for HtmlError {
    fn status_code(&self) -> StatusCode {
        self.0.status_code()
    }

    fn error_response(&self) -> HttpResponse {
        self.0.log();
        error_page(&self.0, i18n::DEFAULT_LANG)
    }
}

/// The error page of `error` in `lang` (a redirect to the login page when the session has
/// ended), with the error's status and `Retry-After`.
pub fn error_page(error: &AppError, lang: &str) -> HttpResponse {
    if let AppError::Unauthenticated = error {
        return HttpResponse::SeeOther().insert_header((header::LOCATION, "/login")).finish();
    }
    let status = error.status_code();
    let body = templates::render_error_page(status.as_u16(), &error.message(lang), lang);
    let mut resp = HttpResponse::build(status);
    if let Some(secs) = error.retry_after_secs() {
        resp.insert_header((header::RETRY_AFTER, secs.to_string()));
    }
    resp.insert_header((header::CACHE_CONTROL, "no-store"))
        .content_type("text/html; charset=utf-8")
        .body(body)
}

/// The participant languages' codes, German first: what a public page may answer in.
pub fn participant_codes() -> Vec<&'static str> {
    i18n::PARTICIPANT_LANGUAGES.iter().map(|(code, _)| *code).collect()
}

/// The language of a public page a participant, respondent or landlord reaches without
/// login, where the page has no language of its own (a link that opens nothing, an error):
/// `?lang=`, else the browser's `Accept-Language`, among the participant languages; else
/// German. A header or address that cannot be read counts as no wish.
pub fn reader_language(req: &HttpRequest) -> &'static str {
    #[derive(Deserialize)]
    struct LangQuery {
        lang: Option<String>,
    }
    let asked = serde_html_form::from_str::<LangQuery>(req.query_string())
        .ok()
        .and_then(|q| q.lang)
        .filter(|l| l.len() <= 16);
    page_language(req, asked.as_deref(), &participant_codes())
}

/// Middleware of the public pages (each route says `wrap = "from_fn(in_readers_language)"`):
/// an error page of the handler or of its extractors (an unknown link, an expired form, a
/// wrong address, too many requests) is answered in the reader's language
/// ([`reader_language`]), with the same status and headers.
pub async fn in_readers_language(
    req: actix_web::dev::ServiceRequest,
    next: actix_web::middleware::Next<impl actix_web::body::MessageBody + 'static>,
) -> Result<actix_web::dev::ServiceResponse<actix_web::body::BoxBody>, actix_web::Error> {
    let lang = reader_language(req.request());
    let res = next.call(req).await?;
    let page = match res.response().error().and_then(|e| e.as_error::<HtmlError>()) {
        Some(e) if lang != i18n::DEFAULT_LANG => Some(error_page(&e.0, lang)),
        _ => None,
    };
    Ok(match page {
        Some(page) => res.into_response(page),
        None => res.map_into_boxed_body(),
    })
}

/// Per-client allowance of requests through a participant's personal link (the own page,
/// its PDFs and the person's own access request; the same rate as scanned QR links).
pub struct OwnPageLimit(pub crate::rate_limit::ClientLimiter);

/// The language of a public page: `?lang=` when the page offers it, else the first of the
/// browser's `Accept-Language` it offers, else the first offered (German).
pub fn page_language(
    req: &HttpRequest, asked: Option<&str>, offered: &[&'static str],
) -> &'static str {
    use actix_web::http::header::{AcceptLanguage, Preference};
    use actix_web::HttpMessage;
    // The whole tag where it is offered (`de-simple`, Leichte Sprache), else its language.
    let known = |code: &str| {
        let code = code.trim().to_ascii_lowercase();
        if let Some(whole) = offered.iter().copied().find(|o| *o == code) {
            return Some(whole);
        }
        let primary = code.split(['-', '_']).next().unwrap_or_default().to_string();
        offered.iter().copied().find(|o| *o == primary)
    };
    if let Some(lang) = asked.and_then(known) {
        return lang;
    }
    let ranked = req.get_header::<AcceptLanguage>().map(|h| h.ranked()).unwrap_or_default();
    ranked
        .iter()
        .find_map(|p| match p {
            Preference::Specific(tag) => known(tag.as_str()),
            Preference::Any => None,
        })
        .or_else(|| offered.first().copied())
        .unwrap_or(i18n::DEFAULT_LANG)
}
