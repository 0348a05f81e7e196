//! Pages of the logged-in UI of participants: each handler parses the request, calls one use case and answers.

use actix_session::Session;
use actix_web::{get, post, web};
use serde::Deserialize;
use serde_json::{json, Value};

use super::models::*;
use super::{import, repo, service};
use crate::auth::extract::CurrentUser;
use crate::auth::Actor;
use crate::db::Db;
use crate::error::{AppResult, PageResult};
use crate::i18n;
use crate::time::fmt_date;
use crate::validate;
use crate::web::{page, page_with_error, redirect, Form};

async fn list_data(db: &Db, actor: &Actor) -> AppResult<Value> {
    let actor = actor.clone();
    db.run(move |conn| {
        let org = actor.coordinator_org()?;
        let people: Vec<Value> = repo::list(conn, org)?
            .into_iter()
            .map(|p| {
                json!({"id": p.id, "name": format!("{}, {}", p.family_name, p.given_name),
                       "language": i18n::participant_language_name(&p.preferred_language),
                       "contact": p.email.clone().or(p.phone.clone()).unwrap_or_default(),
                       "consent_date": fmt_date(p.consent_date)})
            })
            .collect();
        let languages: Vec<Value> = i18n::PARTICIPANT_LANGUAGES
            .iter()
            .map(|(c, n)| json!({"code": c, "name": n}))
            .collect();
        Ok(json!({"participants": people, "languages": languages,
                  "form": {"consent_date": crate::time::today_local().to_string(), "preferred_language": "ar"}}))
    })
    .await
}

#[derive(Deserialize)]
struct ListQuery {
    imported: Option<usize>,
}

#[get("/participants")]
async fn list_page(
    session: Session,
    user: CurrentUser,
    db: web::Data<Db>,
    q: web::Query<ListQuery>,
) -> PageResult {
    let mut data = list_data(&db, &user.0).await?;
    if let Some(n) = q.imported {
        data["notice"] = json!(format!("{n} Person(en) importiert."));
    }
    page(
        &session,
        Some(&user.0),
        "pages/participants/list",
        "Teilnehmende",
        data,
    )
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ParticipantForm {
    given_name: String,
    family_name: String,
    preferred_language: String,
    phone: String,
    email: String,
    consent: Option<String>,
    consent_date: String,
    referrer_name: String,
    referrer_organisation: String,
    referrer_contact: String,
}

#[post("/participants")]
async fn register(
    session: Session,
    user: CurrentUser,
    db: web::Data<Db>,
    Form(form): Form<ParticipantForm>,
) -> PageResult {
    let actor = user.0.clone();
    let echo = json!({"given_name": form.given_name, "family_name": form.family_name,
        "preferred_language": form.preferred_language, "phone": form.phone, "email": form.email,
        "consent": form.consent.is_some(), "consent_date": form.consent_date,
        "referrer_name": form.referrer_name, "referrer_organisation": form.referrer_organisation,
        "referrer_contact": form.referrer_contact});
    let result = db
        .run(move |conn| {
            let consent_date = match form.consent_date.trim() {
                "" => None,
                v => Some(validate::date("consent_date", "Datum der Einwilligung", v)?),
            };
            service::register(
                conn,
                &actor,
                NewParticipant {
                    given_name: form.given_name,
                    family_name: form.family_name,
                    preferred_language: form.preferred_language,
                    phone: Some(form.phone),
                    email: Some(form.email),
                    consent: form.consent.is_some(),
                    consent_date,
                    referrer_name: None,
                    referrer_organisation: None,
                    referrer_contact: None,
                },
            )
        })
        .await;
    match result {
        Ok(_) => Ok(redirect("/participants")),
        Err(e) => {
            let mut data = list_data(&db, &user.0).await?;
            data["form"] = echo;
            page_with_error(
                &session,
                Some(&user.0),
                "pages/participants/list",
                "Teilnehmende",
                data,
                e,
            )
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
    let (csrf, bytes) = crate::web::read_upload(payload, "file", import::MAX_FILE_BYTES).await?;
    crate::web::verify_csrf(&session, csrf.as_deref())?;
    let actor = user.0.clone();
    let result = db
        .run(move |conn| {
            let rows = import::parse_rows(import::read_table(&bytes)?)?;
            import::store_batch(conn, &actor, &rows)
        })
        .await;
    match result {
        Ok(batch) => Ok(redirect(&format!("/participants/import/{batch}"))),
        Err(e) => {
            let data = list_data(&db, &user.0).await?;
            page_with_error(
                &session,
                Some(&user.0),
                "pages/participants/list",
                "Teilnehmende",
                data,
                e,
            )
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
    let outcome = db
        .run(move |conn| {
            let rows = import::load_batch(conn, &actor, id)?;
            import::preview(conn, &actor, &rows)
        })
        .await?;
    page(
        &session,
        Some(&user.0),
        "pages/participants/import",
        "Import prüfen",
        json!({"batch": id, "outcome": outcome}),
    )
}

#[post("/participants/import/{id}")]
async fn import_confirm(
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
    Ok(redirect(&format!(
        "/participants?imported={}",
        outcome.imported
    )))
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(list_page)
        .service(register)
        .service(upload)
        .service(import_preview)
        .service(import_confirm);
}
