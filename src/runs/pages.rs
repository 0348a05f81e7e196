//! The run page and the forms on it. Each handler parses the form, calls one use case and
//! answers with a redirect back to the page, or the page again with the message.

use std::sync::Arc;

use actix_session::Session;
use actix_web::{get, post, web};
use serde::Deserialize;

use super::service;
use crate::auth::extract::CurrentUser;
use crate::auth::Actor;
use crate::certificates::service::CertificateIssuer;
use crate::db::Db;
use crate::error::{AppError, PageResult};
use crate::i18n::Text;
use crate::participants::models::EnrollmentStatus;
use crate::planning::forms::{RunForm, SessionForm};
use crate::validate;
use crate::web::{context, page, page_with_error, redirect_with, Form};

const TEMPLATE: &str = "pages/planning/run";

#[get("/runs/{id}")]
async fn run_page(
    session: Session,
    user: CurrentUser,
    db: web::Data<Db>,
    issuer: web::Data<Arc<CertificateIssuer>>,
    path: web::Path<i32>,
) -> PageResult {
    let data = load(&db, &issuer, &user.0, path.into_inner()).await?;
    let title = format!("{} – Durchgang", data.course.title);
    let data = context(&data)?;
    page(&session, Some(&user.0), TEMPLATE, &title, data)
}

async fn load(
    db: &Db,
    issuer: &Arc<CertificateIssuer>,
    actor: &Actor,
    run_id: i32,
) -> Result<service::RunPage, AppError> {
    let (actor, issuer) = (actor.clone(), issuer.clone());
    db.run(move |conn| service::run_page(conn, &issuer, &actor, run_id))
        .await
}

/// The run page again after a refused form, with the message and, where given, what was
/// typed into the new-session form.
async fn show_with_error(
    session: &Session,
    actor: &Actor,
    db: &Db,
    issuer: &Arc<CertificateIssuer>,
    run_id: i32,
    session_form: Option<serde_json::Value>,
    error: AppError,
) -> PageResult {
    let mut data = load(db, issuer, actor, run_id).await?;
    if let Some(form) = session_form {
        data.session_form = form;
    }
    let data = context(&data)?;
    page_with_error(session, Some(actor), TEMPLATE, "Durchgang", data, error)
}

#[post("/runs/{id}")]
async fn update_run(
    session: Session,
    user: CurrentUser,
    db: web::Data<Db>,
    issuer: web::Data<Arc<CertificateIssuer>>,
    path: web::Path<i32>,
    Form(form): Form<RunForm>,
) -> PageResult {
    let run_id = path.into_inner();
    let actor = user.0.clone();
    let result = db
        .run(move |conn| {
            crate::participants::schedule::update_run(conn, &actor, run_id, form.parse()?)
        })
        .await;
    match result {
        Ok(_) => Ok(redirect_with(
            &session,
            &format!("/runs/{run_id}"),
            &Text::key("done.run_saved"),
        )),
        Err(e) => show_with_error(&session, &user.0, &db, &issuer, run_id, None, e).await,
    }
}

#[post("/runs/{id}/sessions")]
async fn create_session(
    session: Session,
    user: CurrentUser,
    db: web::Data<Db>,
    issuer: web::Data<Arc<CertificateIssuer>>,
    path: web::Path<i32>,
    Form(form): Form<SessionForm>,
) -> PageResult {
    let run_id = path.into_inner();
    let actor = user.0.clone();
    let echo = form.echo();
    let result = db
        .run(move |conn| {
            crate::planning::service::create_session(conn, &actor, run_id, form.parse()?)
        })
        .await;
    match result {
        Ok(_) => Ok(redirect_with(
            &session,
            &format!("/runs/{run_id}#sessions"),
            &Text::key("done.session_added"),
        )),
        Err(e) => show_with_error(&session, &user.0, &db, &issuer, run_id, Some(echo), e).await,
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct EnrollForm {
    participant_id: String,
}

#[post("/runs/{id}/enrollments")]
async fn enroll(
    session: Session,
    user: CurrentUser,
    db: web::Data<Db>,
    issuer: web::Data<Arc<CertificateIssuer>>,
    path: web::Path<i32>,
    Form(form): Form<EnrollForm>,
) -> PageResult {
    let run_id = path.into_inner();
    let actor = user.0.clone();
    let result = db
        .run(move |conn| {
            let pid = validate::id(
                "participant_id",
                "Teilnehmende Person",
                &form.participant_id,
            )?;
            crate::participants::service::enroll(conn, &actor, run_id, pid)
        })
        .await;
    match result {
        Ok(e) => {
            let done = if e.status == EnrollmentStatus::Waiting {
                "done.waiting"
            } else {
                "done.enrolled"
            };
            Ok(redirect_with(
                &session,
                &format!("/runs/{run_id}#participants"),
                &Text::key(done),
            ))
        }
        Err(e) => show_with_error(&session, &user.0, &db, &issuer, run_id, None, e).await,
    }
}

#[derive(Deserialize)]
struct EmptyForm {}

#[post("/runs/{id}/enrollments/{participant_id}/cancel")]
async fn cancel(
    session: Session,
    user: CurrentUser,
    db: web::Data<Db>,
    issuer: web::Data<Arc<CertificateIssuer>>,
    path: web::Path<(i32, i32)>,
    _form: Form<EmptyForm>,
) -> PageResult {
    let (run_id, pid) = path.into_inner();
    let actor = user.0.clone();
    match db
        .run(move |conn| crate::participants::service::cancel(conn, &actor, run_id, pid))
        .await
    {
        Ok(outcome) => {
            let done = if outcome.promoted.is_some() {
                "done.promoted"
            } else {
                "done.cancelled"
            };
            Ok(redirect_with(
                &session,
                &format!("/runs/{run_id}#participants"),
                &Text::key(done),
            ))
        }
        Err(e) => show_with_error(&session, &user.0, &db, &issuer, run_id, None, e).await,
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ReissueForm {
    given_name: String,
    family_name: String,
}

/// Corrects the name: the old certificate becomes "ersetzt", a new one is issued.
#[post("/certificates/{id}/reissue")]
async fn reissue(
    session: Session,
    user: CurrentUser,
    db: web::Data<Db>,
    issuer: web::Data<Arc<CertificateIssuer>>,
    path: web::Path<i32>,
    Form(form): Form<ReissueForm>,
) -> PageResult {
    let actor = user.0.clone();
    let id = path.into_inner();
    let iss = issuer.get_ref().clone();
    let result = db
        .run(move |conn| {
            crate::certificates::service::reissue_with_name(
                conn,
                &iss,
                &actor,
                id,
                &form.given_name,
                &form.family_name,
            )
        })
        .await;
    match result {
        Ok(cert) => Ok(redirect_with(
            &session,
            &format!("/runs/{}#certificates", cert.run_id),
            &Text::key("done.reissued"),
        )),
        Err(e) => certificate_refused(&session, &user.0, &db, &issuer, id, e).await,
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct RevokeForm {
    reason: String,
}

#[post("/certificates/{id}/revoke")]
async fn revoke(
    session: Session,
    user: CurrentUser,
    db: web::Data<Db>,
    issuer: web::Data<Arc<CertificateIssuer>>,
    path: web::Path<i32>,
    Form(form): Form<RevokeForm>,
) -> PageResult {
    let actor = user.0.clone();
    let id = path.into_inner();
    match db
        .run(move |conn| crate::certificates::service::revoke(conn, &actor, id, &form.reason))
        .await
    {
        Ok(cert) => Ok(redirect_with(
            &session,
            &format!("/runs/{}#certificates", cert.run_id),
            &Text::key("done.revoked"),
        )),
        Err(e) => certificate_refused(&session, &user.0, &db, &issuer, id, e).await,
    }
}

/// The page of the certificate's run again, with the message.
async fn certificate_refused(
    session: &Session,
    actor: &Actor,
    db: &Db,
    issuer: &Arc<CertificateIssuer>,
    certificate_id: i32,
    error: AppError,
) -> PageResult {
    let a = actor.clone();
    let run_id = db
        .run(move |conn| crate::certificates::service::run_of(conn, &a, certificate_id))
        .await?;
    show_with_error(session, actor, db, issuer, run_id, None, error).await
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(run_page)
        .service(update_run)
        .service(create_session)
        .service(enroll)
        .service(cancel)
        .service(reissue)
        .service(revoke);
}
