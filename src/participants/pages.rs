//! Pages of the logged-in UI of participants: each handler parses the request, calls one use case and answers.

use actix_session::Session;
use actix_web::{get, post, web};
use serde::Deserialize;

use super::forms::ParticipantForm;
use super::service::ParticipantsPage;
use super::{import, service};
use crate::auth::extract::CurrentUser;
use crate::auth::Actor;
use crate::db::Db;
use crate::error::{AppError, AppResult, PageResult};
use crate::i18n::Text;
use crate::planning::forms::SessionForm;
use crate::web::{context, page, page_with_error, redirect, redirect_with, Form};

const LIST: &str = "pages/participants/list";
const TITLE: &str = "Teilnehmende";

async fn list_data(db: &Db, actor: &Actor) -> AppResult<ParticipantsPage> {
    let actor = actor.clone();
    db.run(move |conn| service::participants_page(conn, &actor))
        .await
}

/// The list again with the message of a refused form or file.
fn list_with_error(
    session: &Session,
    actor: &Actor,
    data: &ParticipantsPage,
    error: AppError,
) -> PageResult {
    page_with_error(session, Some(actor), LIST, TITLE, context(data)?, error)
}

#[get("/participants")]
async fn list_page(session: Session, user: CurrentUser, db: web::Data<Db>) -> PageResult {
    let data = list_data(&db, &user.0).await?;
    page(&session, Some(&user.0), LIST, TITLE, context(&data)?)
}

#[post("/participants")]
async fn register(
    session: Session,
    user: CurrentUser,
    db: web::Data<Db>,
    Form(form): Form<ParticipantForm>,
) -> PageResult {
    let actor = user.0.clone();
    let echo = form.echo();
    let result = db
        .run(move |conn| service::register(conn, &actor, form.parse()?))
        .await;
    match result {
        Ok(_) => Ok(redirect("/participants")),
        Err(e) => {
            let mut data = list_data(&db, &user.0).await?;
            data.form = echo;
            list_with_error(&session, &user.0, &data, e)
        }
    }
}

#[derive(Deserialize)]
struct EmptyForm {}

#[post("/participants/import")]
async fn upload(
    session: Session,
    user: CurrentUser,
    db: web::Data<Db>,
    payload: actix_multipart::Multipart,
) -> PageResult {
    // Who may import is settled before a byte of the file is read.
    user.0.coordinator_org()?;
    let bytes = crate::web::read_form_file(&session, payload, import::MAX_FILE_BYTES).await?;
    let actor = user.0.clone();
    let result = db
        .run(move |conn| import::upload(conn, &actor, &bytes))
        .await;
    match result {
        Ok(batch) => Ok(redirect(&format!("/participants/import/{batch}"))),
        Err(e) => {
            let data = list_data(&db, &user.0).await?;
            list_with_error(&session, &user.0, &data, e)
        }
    }
}

#[get("/participants/import/{id}")]
async fn import_preview(
    session: Session,
    user: CurrentUser,
    db: web::Data<Db>,
    path: web::Path<i32>,
) -> PageResult {
    let actor = user.0.clone();
    let id = path.into_inner();
    let preview = db
        .run(move |conn| import::preview_batch(conn, &actor, id))
        .await?;
    page(
        &session,
        Some(&user.0),
        "pages/participants/import",
        "Import prüfen",
        context(&preview)?,
    )
}

#[post("/participants/import/{id}")]
async fn import_confirm(
    session: Session,
    user: CurrentUser,
    db: web::Data<Db>,
    path: web::Path<i32>,
    _form: Form<EmptyForm>,
) -> PageResult {
    let actor = user.0.clone();
    let id = path.into_inner();
    let outcome = db
        .run(move |conn| import::import_batch(conn, &actor, id))
        .await?;
    Ok(redirect_with(
        &session,
        "/participants",
        &Text::key("done.imported_people").arg("count", outcome.imported),
    ))
}

/// Moving or cancelling a session reaches the people enrolled (`schedule`), so these forms
/// live here, above planning: the session edit page itself is planning's.
#[post("/sessions/{id}")]
async fn update_session(
    session: Session,
    user: CurrentUser,
    db: web::Data<Db>,
    path: web::Path<i32>,
    Form(form): Form<SessionForm>,
) -> PageResult {
    let id = path.into_inner();
    let actor = user.0.clone();
    let echo = form.fields();
    match db
        .run(move |conn| super::schedule::update_session(conn, &actor, id, form.parse()?))
        .await
    {
        Ok(s) => Ok(redirect(&format!("/runs/{}#sessions", s.run_id))),
        Err(e) => {
            let a = user.0.clone();
            let mut data = db
                .run(move |conn| crate::planning::views::session_edit_page(conn, &a, id))
                .await?;
            data.form = echo;
            let data = context(&data)?;
            page_with_error(
                &session,
                Some(&user.0),
                "pages/planning/session_edit",
                "Termin bearbeiten",
                data,
                e,
            )
        }
    }
}

#[post("/sessions/{id}/cancel")]
async fn cancel_session(
    user: CurrentUser,
    db: web::Data<Db>,
    path: web::Path<i32>,
    _form: Form<EmptyForm>,
) -> PageResult {
    let id = path.into_inner();
    let actor = user.0.clone();
    let run_id = db
        .run(move |conn| super::schedule::cancel_session(conn, &actor, id))
        .await?;
    Ok(redirect(&format!("/runs/{run_id}#sessions")))
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(update_session)
        .service(cancel_session)
        .service(list_page)
        .service(register)
        .service(upload)
        .service(import_preview)
        .service(import_confirm);
}
