//! Pages of the logged-in UI of attendance: each handler parses the request, calls one use case and answers.

use actix_web::{get, post, web};
use serde::Deserialize;

use super::models::*;
use super::service;
use crate::error::{AppError, PageResult};
use crate::ids::{ParticipantId, SessionId};
use crate::planning;
use crate::validate;
use crate::web::{redirect, Form, Id, Ui};

const ROSTER: &str = "pages/attendance/roster";

#[get("/my/sessions")]
async fn my_sessions(ui: Ui, settings: web::Data<crate::config::Settings>) -> PageResult {
    let settings = settings.get_ref().clone();
    ui.show("pages/attendance/my_sessions", "title.my_sessions", move |c, actor| {
        planning::views::my_sessions_page(c, &settings, actor)
    })
    .await
}

#[derive(Deserialize)]
struct RosterQuery {
    saved: Option<ParticipantId>,
}

#[get("/sessions/{id}/roster")]
async fn roster_page(ui: Ui, id: Id<SessionId>, q: web::Query<RosterQuery>) -> PageResult {
    ui.show(ROSTER, "title.roster", move |conn, actor| {
        service::roster_page(conn, actor, *id, q.saved)
    })
    .await
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct CheckInForm {
    card: String,
}

/// Check-in by card code (typed, or filled in by the camera scanner).
#[post("/sessions/{id}/checkin")]
async fn check_in(ui: Ui, id: Id<SessionId>, Form(form): Form<CheckInForm>) -> PageResult {
    let (id, typed) = (*id, form.card.clone());
    let result =
        ui.run(move |conn, actor| super::cards::check_in(conn, actor, id, &form.card)).await;
    match result {
        Ok(entry) => saved_on_roster(id, entry.participant_id),
        Err(e) => {
            let mut data =
                ui.run(move |conn, actor| service::roster_page(conn, actor, id, None)).await?;
            data.card = typed;
            ui.page_with_error(ROSTER, "title.roster", &data, e)
        }
    }
}

/// Where a card's QR code leads: the trainer's sessions of today for this person.
#[get("/{k:[kK]}/{code}")]
async fn card_page(ui: Ui, path: web::Path<(String, String)>) -> PageResult {
    let (_, code) = path.into_inner();
    ui.show("pages/attendance/card", "title.card", move |conn, actor| {
        super::cards::card_page(conn, actor, code)
    })
    .await
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct MarkForm {
    participant_id: String,
    status: String,
    /// "1" marks leaving early, anything else clears it.
    left_early: String,
    /// The revision of the mark the roster showed (0: none yet).
    revision: String,
}

/// Back to the roster, which confirms whose entry was saved and scrolls to it.
fn saved_on_roster(session_id: SessionId, participant_id: ParticipantId) -> PageResult {
    let pid = participant_id;
    Ok(redirect(&format!("/sessions/{session_id}/roster?saved={pid}#p{pid}")))
}

fn participant_id(value: &str) -> crate::error::AppResult<ParticipantId> {
    validate::id("participant_id", "label.participant", value)
}

/// A mark from the roster, which says which revision it showed: when the mark changed
/// since (another trainer, a delayed retry), the roster shows it as it is now, with why.
#[post("/sessions/{id}/attendance")]
async fn mark(ui: Ui, id: Id<SessionId>, Form(form): Form<MarkForm>) -> PageResult {
    let id = *id;
    let result = ui
        .run(move |conn, actor| {
            let pid = participant_id(&form.participant_id)?;
            let request = MarkRequest {
                status: AttendanceStatus::parse(&form.status)?,
                left_early: form.left_early == "1",
                expected_revision: Some(validate::int_in(
                    "revision",
                    "label.revision",
                    &form.revision,
                    0,
                    i32::MAX,
                )?),
            };
            service::mark_as_seen(conn, actor, id, pid, request)
        })
        .await;
    let refused = match result {
        Ok(Marked::Saved(entry)) => return saved_on_roster(id, entry.participant_id),
        Ok(Marked::Stale(current)) => AppError::Conflict(service::stale_text(&current)),
        Err(e) => e,
    };
    let data = ui.run(move |conn, actor| service::roster_page(conn, actor, id, None)).await?;
    ui.page_with_error(ROSTER, "title.roster", &data, refused)
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct TestForm {
    participant_id: String,
    points: String,
    must_pass_correct: String,
}

#[post("/sessions/{id}/test-results")]
async fn record_test(ui: Ui, id: Id<SessionId>, Form(form): Form<TestForm>) -> PageResult {
    let id = *id;
    let pid = ui
        .run(move |conn, actor| {
            let pid = participant_id(&form.participant_id)?;
            let points = validate::int_in("points", "label.points", &form.points, 0, 10_000)?;
            let must_pass_correct = match form.must_pass_correct.trim() {
                "" => 0,
                v => validate::int_in("must_pass_correct", "label.must_pass_correct", v, 0, 1000)?,
            };
            let result = TestResultInput { points, must_pass_correct };
            service::record_test(conn, actor, id, pid, result)?;
            Ok(pid)
        })
        .await?;
    saved_on_roster(id, pid)
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(my_sessions)
        .service(roster_page)
        .service(mark)
        .service(check_in)
        .service(card_page)
        .service(record_test);
}
