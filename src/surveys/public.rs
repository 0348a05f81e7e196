//! Pages and feeds that need no login of surveys: each handler parses the request, calls one use case and answers.

use actix_web::http::{header, StatusCode};
use actix_web::{get, middleware::from_fn, post, web, HttpResponse};
use serde::Serialize;

use super::api::OpenLinkLimit;
use super::forms::{self, RespondQuery};
use super::questionnaire::MessagePage;
use super::release::PoolKey;
use super::respond::{self, Answering, Given, RespondOutcome, RespondScreen};
use crate::db::Db;
use crate::error::{AppError, HtmlError};
use crate::templates;
use crate::web::{in_readers_language, redirect};

/// A respondent's page: never cached, never indexed, and the personal link in its address
/// never passed on as a referrer.
pub(crate) fn public_html(status: StatusCode, body: String) -> HttpResponse {
    HttpResponse::build(status)
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header(("X-Robots-Tag", "noindex, nofollow"))
        .insert_header(("Referrer-Policy", "no-referrer"))
        .content_type("text/html; charset=utf-8")
        .body(body)
}

fn render(
    template: &str, data: &impl Serialize, status: StatusCode,
) -> Result<HttpResponse, HtmlError> {
    let ctx = serde_json::to_value(data).map_err(|e| AppError::Internal(e.into()))?;
    Ok(public_html(status, templates::render(template, &ctx)?))
}

fn message(page: &MessagePage, status: StatusCode) -> Result<HttpResponse, HtmlError> {
    render("pages/surveys/message", page, status)
}

const FORM: &str = "pages/surveys/respond";

#[get("/s/{token}", wrap = "from_fn(in_readers_language)")]
async fn respond_page(
    db: web::Data<Db>, settings: web::Data<crate::config::Settings>, path: web::Path<String>,
    q: web::Query<RespondQuery>,
) -> Result<HttpResponse, HtmlError> {
    let key = PoolKey::from_settings(&settings);
    let token = path.into_inner();
    let q = q.into_inner();
    let today = crate::time::today_local();
    let screen = db
        .run(move |conn| {
            let (page_no, saved) = (q.page.unwrap_or(0), q.saved.is_some());
            respond::form(conn, &key, &token, q.lang.as_deref(), page_no, saved, today)
        })
        .await?;
    match screen {
        RespondScreen::Form(form) => render(FORM, &form, StatusCode::OK),
        RespondScreen::Message(page) => message(&page, StatusCode::OK),
    }
}

#[post("/s/{token}", wrap = "from_fn(in_readers_language)")]
async fn respond_post(
    db: web::Data<Db>, settings: web::Data<crate::config::Settings>, path: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, HtmlError> {
    if body.len() > 64 * 1024 {
        return Err(
            AppError::invalid("form", crate::i18n::Text::key("error.form_too_large")).into()
        );
    }
    let fields = forms::pairs(&body)?;
    // The language the form was shown in, for the page that says it was answered meanwhile.
    let shown_in = forms::field(&fields, "lang")
        .filter(|l| crate::i18n::is_participant_language(l))
        .unwrap_or_else(|| crate::i18n::DEFAULT_LANG.to_string());
    let answering = Answering {
        lang: forms::field(&fields, "lang"),
        step: forms::step(&forms::field(&fields, "action").unwrap_or_default()),
        given: Given::Page {
            page: forms::field(&fields, "page").and_then(|p| p.parse().ok()).unwrap_or(0),
            fields,
        },
    };
    let token = path.into_inner();
    let today = crate::time::today_local();
    let key = PoolKey::from_settings(&settings);
    let outcome = db.run(move |conn| respond::answer(conn, &key, &token, answering, today)).await;
    match outcome {
        Ok(RespondOutcome::Saved(next)) => Ok(redirect(&next.url())),
        Ok(RespondOutcome::Submitted(thanks)) => message(&thanks, StatusCode::OK),
        Ok(RespondOutcome::Refused { form, .. }) => {
            render(FORM, &form, StatusCode::UNPROCESSABLE_ENTITY)
        }
        Ok(RespondOutcome::Closed { message: page, .. }) => message(&page, StatusCode::CONFLICT),
        // Answered through this link in the meantime (another tab, another device).
        Err(AppError::Conflict(_)) => {
            message(&MessagePage::new(&shown_in, "respond.answered"), StatusCode::CONFLICT)
        }
        Err(e) => Err(e.into()),
    }
}

#[get("/s/o/{open_token}/{group}", wrap = "from_fn(in_readers_language)")]
async fn open_link(
    req: actix_web::HttpRequest, limit: web::Data<OpenLinkLimit>, db: web::Data<Db>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, HtmlError> {
    limit.check(&req)?;
    let (open, group) = path.into_inner();
    let token = db.run(move |conn| respond::start_open(conn, &open, &group)).await?;
    // Nobody told the open link a language: the form opens in the browser's, as if the
    // respondent had chosen it on the form.
    match crate::web::reader_language(&req) {
        crate::i18n::DEFAULT_LANG => Ok(redirect(&format!("/s/{token}"))),
        lang => Ok(redirect(&format!("/s/{token}?lang={lang}"))),
    }
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(open_link).service(respond_page).service(respond_post);
}
