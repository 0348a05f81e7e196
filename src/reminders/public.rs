//! Pages and feeds that need no login of reminders: each handler parses the request, calls one use case and answers.

use actix_session::Session;
use actix_web::{get, middleware::from_fn, post, web, HttpResponse};
use serde_json::json;

use super::service;
use crate::db::Db;
use crate::error::PageResult;
use crate::i18n;
use crate::templates;
use crate::web::{csrf_token, in_readers_language, EmptyForm, Form};

fn render(
    session: &Session, token: &str, view: &service::ApologyView, sent_now: bool,
) -> PageResult {
    let lang = view.lang.as_str();
    let ctx = json!({
        "lang": lang,
        "dir": i18n::direction(lang),
        "title": i18n::text(lang, "apology.title"),
        "csrf": csrf_token(session),
        "token": token,
        "session": view,
        "statement_org": view.statement_org,
        "sent_now": sent_now,
    });
    let body = templates::render("pages/reminders/apology", &ctx)?;
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .insert_header(("Referrer-Policy", "no-referrer"))
        .insert_header(("X-Robots-Tag", "noindex"))
        .content_type("text/html; charset=utf-8")
        .body(body))
}

/// The link in a reminder: "I cannot come".
#[get("/absage/{token}", wrap = "from_fn(in_readers_language)")]
async fn apology_page(session: Session, db: web::Data<Db>, token: web::Path<String>) -> PageResult {
    apology(&session, &db, token.into_inner(), false).await
}

#[post("/absage/{token}", wrap = "from_fn(in_readers_language)")]
async fn send_apology(
    session: Session, db: web::Data<Db>, token: web::Path<String>, _form: Form<EmptyForm>,
) -> PageResult {
    apology(&session, &db, token.into_inner(), true).await
}

/// The apology page of the link's token; with `send`, after sending the apology (once).
async fn apology(session: &Session, db: &Db, token: String, send: bool) -> PageResult {
    let t = token.clone();
    let view = db
        .run(move |conn| match send {
            true => service::send_apology(conn, &t),
            false => service::apology_view(conn, &t),
        })
        .await?;
    render(session, &token, &view, send)
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(apology_page).service(send_apology);
}
