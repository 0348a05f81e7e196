use actix_session::Session;
use actix_web::{get, post, web, HttpResponse};
use serde::Deserialize;
use serde_json::{json, Value};

use super::models::*;
use super::{import, repo, service};
use crate::auth::extract::{ApiUser, CurrentUser};
use crate::auth::Actor;
use crate::db::Db;
use crate::error::{AppResult, PageResult};
use crate::i18n;
use crate::validate;
use crate::web::{fmt_date, page, page_with_error, redirect, Form};

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
    issuer: web::Data<std::sync::Arc<crate::certificates::service::CertificateIssuer>>,
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
            service::enroll(conn, &actor, run_id, pid)
        })
        .await;
    match result {
        Ok(e) => Ok(redirect(&format!(
            "/runs/{run_id}?enrolled={}#participants",
            e.status
        ))),
        Err(e) => {
            crate::planning::routes::run_page_with_error(
                &session, &user.0, &db, &issuer, run_id, None, e,
            )
            .await
        }
    }
}

#[post("/runs/{id}/enrollments/{participant_id}/cancel")]
async fn cancel(
    session: Session,
    user: CurrentUser,
    db: web::Data<Db>,
    issuer: web::Data<std::sync::Arc<crate::certificates::service::CertificateIssuer>>,
    path: web::Path<(i32, i32)>,
    _form: Form<EmptyForm>,
) -> PageResult {
    let (run_id, pid) = path.into_inner();
    let actor = user.0.clone();
    match db
        .run(move |conn| service::cancel(conn, &actor, run_id, pid))
        .await
    {
        Ok(outcome) => {
            let what = if outcome.promoted.is_some() {
                "promoted"
            } else {
                "cancelled"
            };
            Ok(redirect(&format!(
                "/runs/{run_id}?enrolled={what}#participants"
            )))
        }
        Err(e) => {
            crate::planning::routes::run_page_with_error(
                &session, &user.0, &db, &issuer, run_id, None, e,
            )
            .await
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

#[derive(Deserialize)]
struct ImportQuery {
    #[serde(default)]
    dry_run: bool,
}

/// Import a CSV or XLSX file sent as the request body; `?dry_run=true` only checks.
#[utoipa::path(post, path = "/api/v1/participants/import", tag = "participants", security(("bearer" = [])),
    params(("dry_run" = Option<bool>, Query, description = "only check the rows")),
    request_body(content = Vec<u8>, content_type = "text/csv", description = "CSV (UTF-8, ; or ,) or XLSX"),
    responses((status = 200, body = import::ImportOutcome), (status = 422, description = "not a readable list")))]
#[post("/api/v1/participants/import")]
async fn api_import(
    user: ApiUser,
    db: web::Data<Db>,
    q: web::Query<ImportQuery>,
    payload: web::Payload,
) -> AppResult<HttpResponse> {
    let actor = user.0;
    actor.coordinator_org()?;
    let body = crate::web::read_body(payload, import::MAX_FILE_BYTES).await?;
    let dry_run = q.dry_run;
    let outcome = db
        .run(move |conn| {
            let rows = import::parse_rows(import::read_table(&body)?)?;
            if dry_run {
                import::preview(conn, &actor, &rows)
            } else {
                import::import(conn, &actor, &rows)
            }
        })
        .await?;
    Ok(HttpResponse::Ok().json(outcome))
}

// ---------- JSON API ----------

#[utoipa::path(get, path = "/api/v1/participants", tag = "participants", security(("bearer" = [])),
    responses((status = 200, body = [Participant])))]
#[get("/api/v1/participants")]
async fn api_list(user: ApiUser, db: web::Data<Db>) -> AppResult<HttpResponse> {
    let actor = user.0;
    let list = db
        .run(move |conn| repo::list(conn, actor.coordinator_org()?))
        .await?;
    Ok(HttpResponse::Ok().json(list))
}

#[utoipa::path(post, path = "/api/v1/participants", tag = "participants", security(("bearer" = [])),
    request_body = NewParticipant, responses((status = 201, body = Participant), (status = 422)))]
#[post("/api/v1/participants")]
async fn api_register(
    user: ApiUser,
    db: web::Data<Db>,
    body: crate::api::Json<NewParticipant>,
) -> AppResult<HttpResponse> {
    let actor = user.0;
    let p = db
        .run(move |conn| service::register(conn, &actor, body.into_inner()))
        .await?;
    Ok(HttpResponse::Created().json(p))
}

#[utoipa::path(post, path = "/api/v1/runs/{id}/enrollments", tag = "participants", security(("bearer" = [])),
    request_body = NewEnrollment, responses((status = 201, body = Enrollment, description = "status `enrolled`, or `waiting` when the run is full"), (status = 409, description = "already enrolled or waiting")))]
#[post("/api/v1/runs/{id}/enrollments")]
async fn api_enroll(
    user: ApiUser,
    db: web::Data<Db>,
    path: web::Path<i32>,
    body: crate::api::Json<NewEnrollment>,
) -> AppResult<HttpResponse> {
    let actor = user.0;
    let run_id = path.into_inner();
    let e = db
        .run(move |conn| service::enroll(conn, &actor, run_id, body.participant_id))
        .await?;
    Ok(HttpResponse::Created().json(e))
}

#[utoipa::path(post, path = "/api/v1/runs/{id}/enrollments/{participant_id}/cancel", tag = "participants",
    security(("bearer" = [])), responses((status = 200, body = service::CancelOutcome), (status = 404)))]
#[post("/api/v1/runs/{id}/enrollments/{participant_id}/cancel")]
async fn api_cancel(
    user: ApiUser,
    db: web::Data<Db>,
    path: web::Path<(i32, i32)>,
) -> AppResult<HttpResponse> {
    let actor = user.0;
    let (run_id, pid) = path.into_inner();
    let outcome = db
        .run(move |conn| service::cancel(conn, &actor, run_id, pid))
        .await?;
    Ok(HttpResponse::Ok().json(outcome))
}

#[utoipa::path(get, path = "/api/v1/runs/{id}/waiting-list", tag = "participants", security(("bearer" = [])),
    responses((status = 200, body = [Participant], description = "in order")))]
#[get("/api/v1/runs/{id}/waiting-list")]
async fn api_waiting(
    user: ApiUser,
    db: web::Data<Db>,
    path: web::Path<i32>,
) -> AppResult<HttpResponse> {
    let actor = user.0;
    let run_id = path.into_inner();
    let list = db
        .run(move |conn| {
            let org = actor.coordinator_org()?;
            crate::planning::repo::get_run(conn, org, run_id)?;
            repo::waiting_list(conn, org, run_id)
        })
        .await?;
    Ok(HttpResponse::Ok().json(list))
}

#[utoipa::path(get, path = "/api/v1/runs/{id}/participants", tag = "participants", security(("bearer" = [])),
    responses((status = 200, body = [Participant])))]
#[get("/api/v1/runs/{id}/participants")]
async fn api_enrolled(
    user: ApiUser,
    db: web::Data<Db>,
    path: web::Path<i32>,
) -> AppResult<HttpResponse> {
    let actor = user.0;
    let run_id = path.into_inner();
    let list = db
        .run(move |conn| {
            let org = actor.coordinator_org()?;
            crate::planning::repo::get_run(conn, org, run_id)?;
            repo::enrolled_in(conn, org, run_id)
        })
        .await?;
    Ok(HttpResponse::Ok().json(list))
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(list_page)
        .service(register)
        .service(enroll)
        .service(upload)
        .service(import_preview)
        .service(import_confirm)
        .service(api_import)
        .service(cancel)
        .service(api_cancel)
        .service(api_waiting)
        .service(api_list)
        .service(api_register)
        .service(api_enroll)
        .service(api_enrolled);
}
