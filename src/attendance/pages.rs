//! Pages of the logged-in UI of attendance: each handler parses the request, calls one use case and answers.

use actix_session::Session;
use actix_web::{get, post, web};
use serde::Deserialize;
use serde_json::{json, Value};

use super::models::*;
use super::service;
use crate::auth::extract::CurrentUser;
use crate::db::Db;
use crate::error::{AppResult, PageResult};
use crate::planning;
use crate::validate;
use crate::web::{page, page_with_error, redirect, Form};

#[get("/my/sessions")]
async fn my_sessions(
    session: Session,
    user: CurrentUser,
    db: web::Data<Db>,
    settings: web::Data<crate::config::Settings>,
) -> PageResult {
    let actor = user.0.clone();
    let sessions = db
        .run(move |conn| planning::service::my_sessions(conn, &actor))
        .await?;
    let (actor, settings) = (user.0.clone(), settings.get_ref().clone());
    let calendar_url = db
        .run(move |conn| planning::service::my_calendar_url(conn, &settings, &actor))
        .await?;
    page(
        &session,
        Some(&user.0),
        "pages/attendance/my_sessions",
        "Meine Termine",
        json!({"sessions": sessions, "calendar_url": calendar_url}),
    )
}

fn status_buttons(current: Option<AttendanceStatus>) -> Value {
    Value::Array(
        AttendanceStatus::ALL
            .iter()
            .map(|s| json!({"value": s.as_str(), "label": s.label_de(), "active": current == Some(*s)}))
            .collect(),
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
) -> AppResult<Value> {
    let actor = actor.clone();
    let (view, entries, course) = db
        .run(move |conn| service::roster_with_course(conn, &actor, id))
        .await?;
    let saved = saved
        .and_then(|pid| entries.iter().find(|e| e.participant_id == pid))
        .map(|e| json!({"name": e.name, "status": e.status.map(|s| s.label_de())}));
    let marked = entries.iter().filter(|e| e.status.is_some()).count();
    let rows: Vec<Value> = entries
        .iter()
        .map(|e| {
            json!({"participant_id": e.participant_id, "name": e.name, "status": e.status.map(|s| s.label_de()),
                   "marked_by": e.marked_by, "marked_at": e.marked_at_local, "apologised_at": e.apologised_at_local,
                   "left_early": e.left_early, "can_leave_early": e.status.is_some_and(|s| s.attended()),
                   "status_value": e.status.map(|s| s.as_str()), "test": e.test,
                   "buttons": status_buttons(e.status)})
        })
        .collect();
    Ok(
        json!({"session": view, "entries": rows, "saved": saved, "marked": marked, "total": entries.len(),
              "test": course.test_max_points.map(|max| json!({"max": max, "pass": course.test_pass_points,
                  "must": course.test_must_pass_questions}))}),
    )
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
    let c = code.clone();
    let (p, sessions) = db
        .run(move |conn| crate::attendance::cards::sessions_for_card(conn, &actor, &c))
        .await?;
    page(
        &session,
        Some(&user.0),
        "pages/attendance/card",
        "Teilnahmekarte",
        json!({
            "name": p.full_name(), "code": code, "sessions": sessions,
        }),
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
