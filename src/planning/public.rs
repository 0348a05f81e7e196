//! Pages and feeds that need no login of planning: each handler parses the request, calls one use case and answers.

use actix_web::{get, web, HttpResponse};

use super::service;
use crate::config::Settings;
use crate::db::Db;
use crate::error::AppResult;

fn host_of(settings: &Settings) -> String {
    let url = settings.public_url.as_str();
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    rest.split(['/', ':'])
        .next()
        .unwrap_or("mietschulung")
        .to_string()
}

fn ics_response(body: Option<String>) -> AppResult<HttpResponse> {
    match body {
        Some(ics) => Ok(HttpResponse::Ok()
            .content_type("text/calendar; charset=utf-8")
            .insert_header(("Cache-Control", "private, max-age=300"))
            .insert_header(("Referrer-Policy", "no-referrer"))
            .body(ics)),
        // An unknown or renewed link: nothing to say about why.
        None => Err(crate::error::AppError::NotFound(
            "Diesen Kalender gibt es nicht (mehr).".into(),
        )),
    }
}

#[get("/calendar/trainer/{token}.ics")]
async fn trainer_feed(
    db: web::Data<Db>,
    settings: web::Data<Settings>,
    path: web::Path<String>,
) -> AppResult<HttpResponse> {
    let token = path.into_inner();
    let host = host_of(&settings);
    ics_response(
        db.run(move |conn| service::trainer_feed(conn, &token, &host))
            .await?,
    )
}

#[get("/calendar/run/{token}.ics")]
async fn run_feed(
    db: web::Data<Db>,
    settings: web::Data<Settings>,
    path: web::Path<String>,
) -> AppResult<HttpResponse> {
    let token = path.into_inner();
    let host = host_of(&settings);
    ics_response(
        db.run(move |conn| service::run_feed(conn, &token, &host))
            .await?,
    )
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(trainer_feed).service(run_feed);
}
