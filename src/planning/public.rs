//! Pages and feeds that need no login of planning: each handler parses the request, calls one use case and answers.

use actix_web::{get, web, HttpResponse};

use super::service;
use crate::config::Settings;
use crate::db::{Db, DbConn};
use crate::error::AppResult;

fn host_of(settings: &Settings) -> String {
    let url = settings.public_url.as_str();
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    rest.split(['/', ':']).next().unwrap_or("mietschulung").to_string()
}

fn ics_response(body: Option<String>) -> AppResult<HttpResponse> {
    match body {
        Some(ics) => Ok(HttpResponse::Ok()
            .content_type("text/calendar; charset=utf-8")
            .insert_header(("Cache-Control", "private, max-age=300"))
            .insert_header(("Referrer-Policy", "no-referrer"))
            .body(ics)),
        // An unknown or renewed link: nothing to say about why.
        None => {
            Err(crate::error::AppError::NotFound(crate::i18n::Text::key("error.calendar.gone")))
        }
    }
}

/// A calendar feed made for the link's token.
type Feed = fn(&mut DbConn, &str, &str) -> AppResult<Option<String>>;

async fn feed(db: &Db, settings: &Settings, token: String, make: Feed) -> AppResult<HttpResponse> {
    let host = host_of(settings);
    ics_response(db.run(move |conn| make(conn, &token, &host)).await?)
}

#[get("/calendar/trainer/{token}.ics")]
async fn trainer_feed(
    db: web::Data<Db>, settings: web::Data<Settings>, token: web::Path<String>,
) -> AppResult<HttpResponse> {
    feed(&db, &settings, token.into_inner(), service::trainer_feed).await
}

#[get("/calendar/run/{token}.ics")]
async fn run_feed(
    db: web::Data<Db>, settings: web::Data<Settings>, token: web::Path<String>,
) -> AppResult<HttpResponse> {
    feed(&db, &settings, token.into_inner(), service::run_feed).await
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(trainer_feed).service(run_feed);
}
