//! Pages of the logged-in UI of attendance: each handler parses the request, calls one use case and answers.

use actix_session::Session;
use actix_web::{get, post, web};
use serde::Deserialize;

use super::models::*;
use super::service;
use crate::auth::extract::CurrentUser;
use crate::db::Db;
use crate::error::{AppResult, PageResult};
use crate::planning;
use crate::validate;
use crate::web::{context, page, page_with_error, redirect, Form};

#[get("/my/sessions")]
async fn my_sessions(
    session: Session,
    user: CurrentUser,
    db: web::Data<Db>,
    settings: web::Data<crate::config::Settings>,
) -> PageResult {
    let (actor, settings) = (user.0.clone(), settings.get_ref().clone());
    let data = db
        .run(move |conn| planning::views::my_sessions_page(conn, &settings, &actor))
        .await?;
    page(
        &session,
        Some(&user.0),
        "pages/attendance/my_sessions",
        "Meine Termine",
        context(&data)?,
    )
}

#[derive(Deserialize)]
struct RosterQuery {
    saved: Option<i32>,
}

async fn roster_data(
    db: &Db,
    actor: &crate::auth::Actor,
    id: i32,
    saved: Option<i32>,
) -> AppResult<serde_json::Value> {
    let actor = actor.clone();
    let data = db
        .run(move |conn| service::roster_page(conn, &actor, id, saved))
        .await?;
    context(&data)
}

#[get("/sessions/{id}/roster")]
async fn roster_page(
    session: Session,
    user: CurrentUser,
    db: web::Data<Db>,
    path: web::Path<i32>,
    q: web::Query<RosterQuery>,
) -> PageResult {
    let data = roster_data(&db, &user.0, path.into_inner(), q.saved).await?;
    page(
        &session,
        Some(&user.0),
        "pages/attendance/roster",
        "Anwesenheit",
        data,
    )
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct CheckInForm {
    card: String,
}

/// Check-in by card code (typed, or filled in by the camera scanner).
#[post("/sessions/{id}/checkin")]
async fn check_in(
    session: Session,
    user: CurrentUser,
    db: web::Data<Db>,
    path: web::Path<i32>,
    Form(form): Form<CheckInForm>,
) -> PageResult {
    let actor = user.0.clone();
    let id = path.into_inner();
    match db
        .run(move |conn| crate::attendance::cards::check_in(conn, &actor, id, &form.card))
        .await
    {
        Ok(entry) => Ok(redirect(&format!(
            "/sessions/{id}/roster?saved={}#p{}",
            entry.participant_id, entry.participant_id
        ))),
        Err(e) => {
            let data = roster_data(&db, &user.0, id, None).await?;
            page_with_error(
                &session,
                Some(&user.0),
                "pages/attendance/roster",
                "Anwesenheit",
                data,
                e,
            )
        }
    }
}

/// Where a card's QR code leads: the trainer's sessions of today for this person.
#[get("/{k:[kK]}/{code}")]
async fn card_page(
    session: Session,
    user: CurrentUser,
    db: web::Data<Db>,
    path: web::Path<(String, String)>,
) -> PageResult {
    let actor = user.0.clone();
    let (_, code) = path.into_inner();
    let data = db
        .run(move |conn| crate::attendance::cards::card_page(conn, &actor, code))
        .await?;
    page(
        &session,
        Some(&user.0),
        "pages/attendance/card",
        "Teilnahmekarte",
        context(&data)?,
    )
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct MarkForm {
    participant_id: String,
    status: String,
    /// "1" marks leaving early, anything else clears it.
    left_early: String,
}

#[post("/sessions/{id}/attendance")]
async fn mark(
    user: CurrentUser,
    db: web::Data<Db>,
    path: web::Path<i32>,
    Form(form): Form<MarkForm>,
) -> PageResult {
    let actor = user.0.clone();
    let id = path.into_inner();
    let pid = db
        .run(move |conn| {
            let pid = validate::id(
                "participant_id",
                "Teilnehmende Person",
                &form.participant_id,
            )?;
            let status = AttendanceStatus::parse(&form.status)?;
            service::mark(conn, &actor, id, pid, status, form.left_early == "1")?;
            Ok(pid)
        })
        .await?;
    Ok(redirect(&format!(
        "/sessions/{id}/roster?saved={pid}#p{pid}"
    )))
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct TestForm {
    participant_id: String,
    points: String,
    must_pass_correct: String,
}

#[post("/sessions/{id}/test-results")]
async fn record_test(
    user: CurrentUser,
    db: web::Data<Db>,
    path: web::Path<i32>,
    Form(form): Form<TestForm>,
) -> PageResult {
    let actor = user.0.clone();
    let id = path.into_inner();
    let pid = db
        .run(move |conn| {
            let pid = validate::id(
                "participant_id",
                "Teilnehmende Person",
                &form.participant_id,
            )?;
            let points = validate::int_in("points", "Punkte", &form.points, 0, 10_000)?;
            let must_pass_correct = match form.must_pass_correct.trim() {
                "" => 0,
                v => validate::int_in("must_pass_correct", "richtige Pflichtfragen", v, 0, 1000)?,
            };
            service::record_test(
                conn,
                &actor,
                id,
                pid,
                TestResultInput {
                    points,
                    must_pass_correct,
                },
            )?;
            Ok(pid)
        })
        .await?;
    Ok(redirect(&format!(
        "/sessions/{id}/roster?saved={pid}#p{pid}"
    )))
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(my_sessions)
        .service(roster_page)
        .service(mark)
        .service(check_in)
        .service(card_page)
        .service(record_test);
}
