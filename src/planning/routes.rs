use std::sync::Arc;

use actix_session::Session;
use actix_web::{get, post, web, HttpResponse};
use serde::Deserialize;
use serde_json::{json, Value};

use super::models::{self, *};
use super::{repo, service};
use crate::attendance;
use crate::auth::extract::{ApiUser, CurrentUser};
use crate::auth::{self, Actor};
use crate::certificates::service::{self as certs, CertificateIssuer};
use crate::config::Settings;
use crate::db::Db;
use crate::error::{AppResult, PageResult};
use crate::i18n;
use crate::participants;
use crate::validate;
use crate::web::{fmt_date, page, page_with_error, redirect, Form};

// ---------- browser pages ----------

async fn courses_data(db: &Db, actor: &Actor) -> AppResult<Value> {
    let actor = actor.clone();
    db.run(move |conn| {
        let org = actor.coordinator_org()?;
        Ok(json!({"courses": repo::list_courses(conn, org)?}))
    })
    .await
}

#[get("/courses")]
async fn courses_page(session: Session, user: CurrentUser, db: web::Data<Db>) -> PageResult {
    let mut data = courses_data(&db, &user.0).await?;
    data["form"] = json!({});
    page(
        &session,
        Some(&user.0),
        "pages/planning/courses",
        "Kurse",
        data,
    )
}

#[post("/courses")]
async fn create_course(
    session: Session,
    user: CurrentUser,
    db: web::Data<Db>,
    Form(form): Form<NewCourse>,
) -> PageResult {
    let actor = user.0.clone();
    let echo = json!({"code": form.code, "title": form.title, "description": form.description});
    match db
        .run(move |conn| service::create_course(conn, &actor, form))
        .await
    {
        Ok(course) => Ok(redirect(&format!("/courses/{}", course.id))),
        Err(e) => {
            let mut data = courses_data(&db, &user.0).await?;
            data["form"] = echo;
            page_with_error(
                &session,
                Some(&user.0),
                "pages/planning/courses",
                "Kurse",
                data,
                e,
            )
        }
    }
}

fn language_options(selected: &[&str]) -> Value {
    Value::Array(
        i18n::PARTICIPANT_LANGUAGES
            .iter()
            .map(|(code, name)| json!({"code": code, "name": name, "selected": selected.contains(code)}))
            .collect(),
    )
}

async fn course_data(db: &Db, actor: &Actor, course_id: i32) -> AppResult<Value> {
    let actor = actor.clone();
    db.run(move |conn| {
        let org = actor.coordinator_org()?;
        let course = repo::get_course(conn, org, course_id)?;
        let modules = repo::modules_of(conn, org, course_id)?;
        let runs: Vec<Value> = repo::runs_of_course(conn, org, course_id)?
            .into_iter()
            .map(|r| {
                json!({"id": r.id, "start": fmt_date(r.start_date), "end": fmt_date(r.end_date),
                       "place": r.place, "capacity": r.capacity})
            })
            .collect();
        Ok(json!({"course": course, "modules": modules, "runs": runs,
                  "languages": language_options(&[]), "module_form": {}, "run_form": {}}))
    })
    .await
}

#[get("/courses/{id}")]
async fn course_page(
    session: Session,
    user: CurrentUser,
    db: web::Data<Db>,
    path: web::Path<i32>,
) -> PageResult {
    let data = course_data(&db, &user.0, path.into_inner()).await?;
    let title = data["course"]["title"]
        .as_str()
        .unwrap_or("Kurs")
        .to_string();
    page(
        &session,
        Some(&user.0),
        "pages/planning/course",
        &title,
        data,
    )
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ModuleForm {
    title: String,
    duration_minutes: String,
    mandatory: Option<String>,
    description: String,
}

#[post("/courses/{id}/modules")]
async fn add_module(
    session: Session,
    user: CurrentUser,
    db: web::Data<Db>,
    path: web::Path<i32>,
    Form(form): Form<ModuleForm>,
) -> PageResult {
    let course_id = path.into_inner();
    let actor = user.0.clone();
    let echo = json!({"title": form.title, "duration_minutes": form.duration_minutes, "mandatory": form.mandatory.is_some()});
    let result = db
        .run(move |conn| {
            let input = NewModule {
                description: form.description,
                duration_minutes: validate::int_in(
                    "duration_minutes",
                    "Dauer in Minuten",
                    &form.duration_minutes,
                    5,
                    600,
                )?,
                title: form.title,
                mandatory: form.mandatory.is_some(),
            };
            service::add_module(conn, &actor, course_id, input)
        })
        .await;
    match result {
        Ok(_) => Ok(redirect(&format!("/courses/{course_id}#modules"))),
        Err(e) => {
            let mut data = course_data(&db, &user.0, course_id).await?;
            data["module_form"] = echo;
            page_with_error(
                &session,
                Some(&user.0),
                "pages/planning/course",
                "Kurs",
                data,
                e,
            )
        }
    }
}

#[post("/courses/{id}/modules/{module_id}/up")]
async fn module_up(
    user: CurrentUser,
    db: web::Data<Db>,
    path: web::Path<(i32, i32)>,
    _form: Form<EmptyForm>,
) -> PageResult {
    let actor = user.0.clone();
    let (course_id, module_id) = path.into_inner();
    db.run(move |conn| service::move_module_up(conn, &actor, course_id, module_id))
        .await?;
    Ok(redirect(&format!("/courses/{course_id}#modules")))
}

#[utoipa::path(post, path = "/api/v1/courses/{id}/modules/{module_id}/up", tag = "planning", security(("bearer" = [])),
    responses((status = 200, body = [CourseModule], description = "the modules in their new order")))]
#[post("/api/v1/courses/{id}/modules/{module_id}/up")]
async fn api_module_up(
    user: ApiUser,
    db: web::Data<Db>,
    path: web::Path<(i32, i32)>,
) -> AppResult<HttpResponse> {
    let actor = user.0;
    let (course_id, module_id) = path.into_inner();
    let modules = db
        .run(move |conn| service::move_module_up(conn, &actor, course_id, module_id))
        .await?;
    Ok(HttpResponse::Ok().json(modules))
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct RunForm {
    start_date: String,
    end_date: String,
    place: String,
    capacity: String,
    interpreter_languages: Vec<String>,
}

impl RunForm {
    fn parse(self) -> AppResult<NewRun> {
        Ok(NewRun {
            start_date: validate::date("start_date", "Erster Tag", &self.start_date)?,
            end_date: validate::date("end_date", "Letzter Tag", &self.end_date)?,
            capacity: validate::int_in(
                "capacity",
                "Plätze",
                &self.capacity,
                1,
                service::MAX_RUN_CAPACITY,
            )?,
            place: self.place,
            interpreter_languages: self.interpreter_languages,
        })
    }
}

#[post("/courses/{id}/runs")]
async fn create_run(
    session: Session,
    user: CurrentUser,
    db: web::Data<Db>,
    path: web::Path<i32>,
    Form(form): Form<RunForm>,
) -> PageResult {
    let course_id = path.into_inner();
    let actor = user.0.clone();
    let echo = json!({"start_date": form.start_date, "end_date": form.end_date, "place": form.place, "capacity": form.capacity});
    let langs = form.interpreter_languages.clone();
    let result = db
        .run(move |conn| {
            let input = form.parse()?;
            service::create_run(conn, &actor, course_id, input)
        })
        .await;
    match result {
        Ok(run) => Ok(redirect(&format!("/runs/{}", run.id))),
        Err(e) => {
            let mut data = course_data(&db, &user.0, course_id).await?;
            data["run_form"] = echo;
            let selected: Vec<&str> = langs.iter().map(String::as_str).collect();
            data["languages"] = language_options(&selected);
            page_with_error(
                &session,
                Some(&user.0),
                "pages/planning/course",
                "Kurs",
                data,
                e,
            )
        }
    }
}

/// Everything the run page shows: sessions, enrollments, completion, certificates.
pub async fn run_data(
    db: &Db,
    issuer: &Arc<CertificateIssuer>,
    actor: &Actor,
    run_id: i32,
) -> AppResult<Value> {
    let actor = actor.clone();
    let issuer = issuer.clone();
    let public_url = issuer.public_url.clone();
    db.run(move |conn| {
        let org = actor.coordinator_org()?;
        let run = repo::get_run(conn, org, run_id)?;
        let course = repo::get_course(conn, org, run.course_id)?;
        let modules = repo::modules_of(conn, org, run.course_id)?;
        let sessions = service::run_sessions_with_warnings(conn, org, run_id)?;
        let enrolled = participants::repo::enrolled_in(conn, org, run_id)?;
        let waiting: Vec<Value> = participants::repo::waiting_list(conn, org, run_id)?
            .into_iter()
            .enumerate()
            .map(|(i, p)| json!({"position": i + 1, "participant_id": p.id, "name": format!("{}, {}", p.family_name, p.given_name)}))
            .collect();
        let candidates: Vec<Value> = participants::repo::list(conn, org)?
            .into_iter()
            .filter(|p| !enrolled.iter().any(|e| e.id == p.id))
            .filter(|p| !waiting.iter().any(|w| w["participant_id"] == p.id))
            .map(|p| json!({"id": p.id, "name": format!("{}, {}", p.family_name, p.given_name)}))
            .collect();
        let completion = attendance::service::completion_for_run(conn, org, run_id)?;
        let certificates = certs::list_for_run(conn, &issuer, org, run_id)?;
        let trainers: Vec<Value> = auth::repo::trainers_of(conn, org)?
            .into_iter()
            .map(|u| json!({"id": u.id, "name": u.display_name}))
            .collect();
        let completion: Vec<Value> = completion
            .into_iter()
            .map(|c| {
                let cert = certificates.iter().find(|x| x.participant_id == c.participant_id && x.status == "valid");
                json!({"participant_id": c.participant_id, "name": c.name, "completed": c.completed,
                       "missing": c.reasons.join("; "), "sessions_attended": c.sessions_attended,
                       "attendance_percent": c.attendance_percent, "test": c.test,
                       "completion_date": c.completion_date.map(fmt_date), "certificate": cert})
            })
            .collect();
        let completed_without = completion
            .iter()
            .filter(|c| c["completed"] == json!(true) && c["certificate"].is_null())
            .count();
        let languages: Vec<&str> = run
            .interpreter_languages
            .split(',')
            .filter(|s| !s.is_empty())
            .map(i18n::participant_language_name)
            .collect();
        Ok(json!({
            "run": {"id": run.id, "start": fmt_date(run.start_date), "end": fmt_date(run.end_date),
                    "start_iso": run.start_date.to_string(), "end_iso": run.end_date.to_string(), "place": run.place, "capacity": run.capacity,
                    "languages": languages.join(", "), "enrolled": enrolled.len(),
                    "free": (run.capacity as usize).saturating_sub(enrolled.len())},
            "course": course,
            "modules": modules,
            "sessions": sessions,
            "trainers": trainers,
            "locations": repo::list_locations(conn, org)?,
            "candidates": candidates,
            "completion": completion,
            "waiting": waiting,
            "session_languages": language_options(&[]),
            "run_languages": language_options(&run.interpreter_languages.split(',').collect::<Vec<_>>()),
            "calendar_url": run.calendar_token.as_ref().map(|t| format!("{public_url}/calendar/run/{t}.ics")),
            "completed_without_certificate": completed_without,
            "certificates": certificates,
            "last_batch": certs::last_batch_summary(conn, org, run_id)?,
            "session_form": {"date": run.start_date.to_string(), "start": "09:00", "end": "11:00", "location": run.place},
        }))
    })
    .await
}

/// The run page shown again after a failed action on it, with the message and, where
/// given, the user's input for the session form.
pub async fn run_page_with_error(
    session: &Session,
    actor: &Actor,
    db: &Db,
    issuer: &Arc<CertificateIssuer>,
    run_id: i32,
    session_form: Option<Value>,
    error: crate::error::AppError,
) -> PageResult {
    let mut data = run_data(db, issuer, actor, run_id).await?;
    if let Some(form) = session_form {
        data["session_form"] = form;
    }
    page_with_error(
        session,
        Some(actor),
        "pages/planning/run",
        "Durchgang",
        data,
        error,
    )
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
            let input = form.parse()?;
            service::update_run(conn, &actor, run_id, input)
        })
        .await;
    match result {
        Ok(_) => Ok(redirect(&format!("/runs/{run_id}"))),
        Err(e) => run_page_with_error(&session, &user.0, &db, &issuer, run_id, None, e).await,
    }
}

#[utoipa::path(put, path = "/api/v1/runs/{id}", tag = "planning", security(("bearer" = [])),
    request_body = NewRun, responses((status = 200, body = CourseRun), (status = 422, description = "e.g. capacity below current enrollment")))]
#[actix_web::put("/api/v1/runs/{id}")]
async fn api_update_run(
    user: ApiUser,
    db: web::Data<Db>,
    path: web::Path<i32>,
    body: crate::api::Json<NewRun>,
) -> AppResult<HttpResponse> {
    let actor = user.0;
    let id = path.into_inner();
    let run = db
        .run(move |conn| service::update_run(conn, &actor, id, body.into_inner()))
        .await?;
    Ok(HttpResponse::Ok().json(run))
}

#[derive(Deserialize)]
struct RunQuery {
    enrolled: Option<String>,
}

#[get("/runs/{id}")]
async fn run_page(
    session: Session,
    user: CurrentUser,
    db: web::Data<Db>,
    issuer: web::Data<Arc<CertificateIssuer>>,
    path: web::Path<i32>,
    q: web::Query<RunQuery>,
) -> PageResult {
    let mut data = run_data(&db, &issuer, &user.0, path.into_inner()).await?;
    match q.enrolled.as_deref() {
        Some("waiting") => data["notice"] = json!("Der Durchgang ist voll: die Person steht jetzt auf der Warteliste."),
        Some("enrolled") => data["notice"] = json!("Die Person ist angemeldet."),
        Some("cancelled") => data["notice"] = json!("Die Anmeldung ist storniert."),
        Some("promoted") => data["notice"] = json!("Die Anmeldung ist storniert; die erste Person der Warteliste hat den Platz bekommen und wird benachrichtigt."),
        _ => {}
    }
    let title = format!(
        "{} – Durchgang",
        data["course"]["title"].as_str().unwrap_or("")
    );
    page(&session, Some(&user.0), "pages/planning/run", &title, data)
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct SessionForm {
    date: String,
    start: String,
    end: String,
    location: String,
    trainer_ids: Vec<String>,
    module_ids: Vec<String>,
    interpreter_languages: Vec<String>,
}

impl SessionForm {
    fn echo(&self) -> Value {
        json!({"date": self.date, "start": self.start, "end": self.end, "location": self.location})
    }

    /// The form's fields as checked input (the first trainer ticked leads).
    fn parse(self) -> AppResult<NewSession> {
        let date = validate::date("date", "Datum", &self.date)?;
        let start = validate::time("start", "Beginn", &self.start)?;
        let end = validate::time("end", "Ende", &self.end)?;
        let trainer_ids = self
            .trainer_ids
            .iter()
            .map(|v| validate::id("trainer_id", "Trainer:in", v))
            .collect::<AppResult<Vec<i32>>>()?;
        let module_ids = self
            .module_ids
            .iter()
            .map(|v| validate::id("module_ids", "Modul", v))
            .collect::<AppResult<Vec<i32>>>()?;
        Ok(NewSession {
            starts_at: date.and_time(start),
            ends_at: date.and_time(end),
            location: self.location,
            trainer_id: None,
            trainer_ids,
            module_ids,
            interpreter_languages: self.interpreter_languages,
        })
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
        .run(move |conn| service::create_session(conn, &actor, run_id, form.parse()?))
        .await;
    match result {
        Ok(_) => Ok(redirect(&format!("/runs/{run_id}#sessions"))),
        Err(e) => run_page_with_error(&session, &user.0, &db, &issuer, run_id, Some(echo), e).await,
    }
}

async fn session_edit_data(db: &Db, actor: &Actor, session_id: i32) -> AppResult<Value> {
    let actor = actor.clone();
    db.run(move |conn| {
        let org = actor.coordinator_org()?;
        let s = repo::get_session(conn, org, session_id)?;
        let run = repo::get_run(conn, org, s.run_id)?;
        let view = service::run_sessions_with_warnings(conn, org, s.run_id)?
            .into_iter()
            .find(|v| v.id == session_id)
            .ok_or_else(|| crate::error::AppError::not_found("Der Termin"))?;
        let modules: Vec<Value> = repo::modules_of(conn, org, run.course_id)?
            .into_iter()
            .map(|m| json!({"id": m.id, "title": m.title, "mandatory": m.mandatory, "checked": view.module_ids.contains(&m.id)}))
            .collect();
        let trainers: Vec<Value> = auth::repo::trainers_of(conn, org)?
            .into_iter()
            .map(|u| json!({"id": u.id, "name": u.display_name, "checked": view.trainer_ids.contains(&u.id)}))
            .collect();
        let local = crate::time::to_local(s.starts_at);
        Ok(json!({
            "session": view,
            "run_id": run.id,
            "modules": modules,
            "trainers": trainers,
            "locations": repo::list_locations(conn, org)?,
            "locations": repo::list_locations(conn, org)?,
            "languages": language_options(&view.interpreter_language_codes.iter().map(String::as_str).collect::<Vec<_>>()),
            "form": {"date": local.date_naive().to_string(), "start": local.format("%H:%M").to_string(),
                     "end": crate::time::to_local(s.ends_at).format("%H:%M").to_string(), "location": view.location},
        }))
    })
    .await
}

#[get("/sessions/{id}/edit")]
async fn edit_session_page(
    session: Session,
    user: CurrentUser,
    db: web::Data<Db>,
    path: web::Path<i32>,
) -> PageResult {
    let data = session_edit_data(&db, &user.0, path.into_inner()).await?;
    page(
        &session,
        Some(&user.0),
        "pages/planning/session_edit",
        "Termin bearbeiten",
        data,
    )
}

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
    let echo = form.echo();
    match db
        .run(move |conn| service::update_session(conn, &actor, id, form.parse()?))
        .await
    {
        Ok(s) => Ok(redirect(&format!("/runs/{}#sessions", s.run_id))),
        Err(e) => {
            let mut data = session_edit_data(&db, &user.0, id).await?;
            data["form"] = echo;
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
        .run(move |conn| {
            service::cancel_session(conn, &actor, id)?;
            Ok(repo::get_session(conn, actor.coordinator_org()?, id)?.run_id)
        })
        .await?;
    Ok(redirect(&format!("/runs/{run_id}#sessions")))
}

async fn locations_data(db: &Db, actor: &Actor) -> AppResult<Value> {
    let actor = actor.clone();
    db.run(move |conn| Ok(json!({"locations": service::list_locations(conn, &actor)?, "form": {}})))
        .await
}

#[get("/locations")]
async fn locations_page(session: Session, user: CurrentUser, db: web::Data<Db>) -> PageResult {
    let data = locations_data(&db, &user.0).await?;
    page(
        &session,
        Some(&user.0),
        "pages/planning/locations",
        "Orte",
        data,
    )
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct LocationForm {
    name: String,
    address: String,
    room: String,
    capacity: String,
}

#[post("/locations")]
async fn create_location(
    session: Session,
    user: CurrentUser,
    db: web::Data<Db>,
    Form(form): Form<LocationForm>,
) -> PageResult {
    let actor = user.0.clone();
    let echo = json!({"name": form.name, "address": form.address, "room": form.room, "capacity": form.capacity});
    let result = db
        .run(move |conn| {
            let capacity = match form.capacity.trim() {
                "" => None,
                v => Some(validate::int_in("capacity", "Plätze im Raum", v, 1, 1000)?),
            };
            service::create_location(
                conn,
                &actor,
                NewLocation {
                    name: form.name,
                    address: form.address,
                    room: form.room,
                    capacity,
                },
            )
        })
        .await;
    match result {
        Ok(_) => Ok(redirect("/locations")),
        Err(e) => {
            let mut data = locations_data(&db, &user.0).await?;
            data["form"] = echo;
            page_with_error(
                &session,
                Some(&user.0),
                "pages/planning/locations",
                "Orte",
                data,
                e,
            )
        }
    }
}

#[utoipa::path(put, path = "/api/v1/sessions/{id}", tag = "planning", security(("bearer" = [])),
    request_body = NewSession, responses((status = 200, body = TrainingSession), (status = 422), (status = 409)))]
#[actix_web::put("/api/v1/sessions/{id}")]
async fn api_update_session(
    user: ApiUser,
    db: web::Data<Db>,
    path: web::Path<i32>,
    body: crate::api::Json<NewSession>,
) -> AppResult<HttpResponse> {
    let actor = user.0;
    let id = path.into_inner();
    let s = db
        .run(move |conn| service::update_session(conn, &actor, id, body.into_inner()))
        .await?;
    Ok(HttpResponse::Ok().json(s))
}

#[utoipa::path(post, path = "/api/v1/sessions/{id}/cancel", tag = "planning", security(("bearer" = [])),
    responses((status = 204), (status = 404)))]
#[post("/api/v1/sessions/{id}/cancel")]
async fn api_cancel_session(
    user: ApiUser,
    db: web::Data<Db>,
    path: web::Path<i32>,
) -> AppResult<HttpResponse> {
    let actor = user.0;
    let id = path.into_inner();
    db.run(move |conn| service::cancel_session(conn, &actor, id))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

#[utoipa::path(get, path = "/api/v1/locations", tag = "planning", security(("bearer" = [])),
    responses((status = 200, body = [Location])))]
#[get("/api/v1/locations")]
async fn api_locations(user: ApiUser, db: web::Data<Db>) -> AppResult<HttpResponse> {
    let actor = user.0;
    Ok(HttpResponse::Ok().json(
        db.run(move |conn| service::list_locations(conn, &actor))
            .await?,
    ))
}

#[utoipa::path(post, path = "/api/v1/locations", tag = "planning", security(("bearer" = [])),
    request_body = NewLocation, responses((status = 201, body = Location), (status = 409), (status = 422)))]
#[post("/api/v1/locations")]
async fn api_create_location(
    user: ApiUser,
    db: web::Data<Db>,
    body: crate::api::Json<NewLocation>,
) -> AppResult<HttpResponse> {
    let actor = user.0;
    let l = db
        .run(move |conn| service::create_location(conn, &actor, body.into_inner()))
        .await?;
    Ok(HttpResponse::Created().json(l))
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct RulesForm {
    min_attendance_percent: String,
    test_max_points: String,
    test_pass_points: String,
    test_must_pass_questions: String,
}

fn optional_int(field: &'static str, label: &str, value: &str) -> AppResult<Option<i32>> {
    match value.trim() {
        "" => Ok(None),
        v => validate::int_in(field, label, v, 0, 1000).map(Some),
    }
}

#[post("/courses/{id}/rules")]
async fn set_rules(
    session: Session,
    user: CurrentUser,
    db: web::Data<Db>,
    path: web::Path<i32>,
    Form(form): Form<RulesForm>,
) -> PageResult {
    let course_id = path.into_inner();
    let actor = user.0.clone();
    let result = db
        .run(move |conn| {
            let rules = CourseRules {
                min_attendance_percent: optional_int(
                    "min_attendance_percent",
                    "Mindestanwesenheit",
                    &form.min_attendance_percent,
                )?,
                test_max_points: optional_int(
                    "test_max_points",
                    "Höchstpunktzahl",
                    &form.test_max_points,
                )?,
                test_pass_points: optional_int(
                    "test_pass_points",
                    "Punkte zum Bestehen",
                    &form.test_pass_points,
                )?,
                test_must_pass_questions: optional_int(
                    "test_must_pass_questions",
                    "Pflichtfragen",
                    &form.test_must_pass_questions,
                )?
                .unwrap_or(0),
            };
            service::set_course_rules(conn, &actor, course_id, rules)
        })
        .await;
    match result {
        Ok(_) => Ok(redirect(&format!("/courses/{course_id}#rules"))),
        Err(e) => {
            let data = course_data(&db, &user.0, course_id).await?;
            page_with_error(
                &session,
                Some(&user.0),
                "pages/planning/course",
                "Kurs",
                data,
                e,
            )
        }
    }
}

#[utoipa::path(put, path = "/api/v1/courses/{id}/rules", tag = "planning", security(("bearer" = [])),
    request_body = CourseRules, responses((status = 200, body = Course), (status = 422)))]
#[actix_web::put("/api/v1/courses/{id}/rules")]
async fn api_set_rules(
    user: ApiUser,
    db: web::Data<Db>,
    path: web::Path<i32>,
    body: crate::api::Json<CourseRules>,
) -> AppResult<HttpResponse> {
    let actor = user.0;
    let id = path.into_inner();
    let course = db
        .run(move |conn| service::set_course_rules(conn, &actor, id, body.into_inner()))
        .await?;
    Ok(HttpResponse::Ok().json(course))
}

#[derive(Deserialize)]
struct CalendarQuery {
    view: Option<String>,
    date: Option<String>,
}

const WEEKDAYS: [&str; 7] = ["Mo", "Di", "Mi", "Do", "Fr", "Sa", "So"];
const MONTHS: [&str; 12] = [
    "Januar",
    "Februar",
    "März",
    "April",
    "Mai",
    "Juni",
    "Juli",
    "August",
    "September",
    "Oktober",
    "November",
    "Dezember",
];

/// The organisation's sessions by week or by month.
#[get("/calendar")]
async fn calendar_page(
    session: Session,
    user: CurrentUser,
    db: web::Data<Db>,
    q: web::Query<CalendarQuery>,
) -> PageResult {
    use chrono::{Datelike, Duration};
    let month_view = q.view.as_deref() == Some("month");
    let day = match q.date.as_deref() {
        Some(d) => validate::date("date", "Datum", d)?,
        None => crate::time::today_local(),
    };
    let (from, to, prev, next, heading) = if month_view {
        let first = day.with_day(1).unwrap_or(day);
        let next_month = (first + Duration::days(32)).with_day(1).unwrap_or(first);
        let prev_month = (first - Duration::days(1)).with_day(1).unwrap_or(first);
        let from = first - Duration::days(i64::from(first.weekday().num_days_from_monday()));
        let last = next_month - Duration::days(1);
        let to = last + Duration::days(i64::from(6 - last.weekday().num_days_from_monday()));
        let heading = format!("{} {}", MONTHS[first.month0() as usize], first.year());
        (from, to, prev_month, next_month, heading)
    } else {
        let monday = day - Duration::days(i64::from(day.weekday().num_days_from_monday()));
        let sunday = monday + Duration::days(6);
        let heading = format!(
            "Woche {} · {} – {}",
            monday.iso_week().week(),
            crate::web::fmt_date(monday),
            crate::web::fmt_date(sunday)
        );
        (
            monday,
            sunday,
            monday - Duration::days(7),
            monday + Duration::days(7),
            heading,
        )
    };
    let actor = user.0.clone();
    let sessions = db
        .run(move |conn| service::sessions_between(conn, &actor, from, to))
        .await?;
    let today = crate::time::today_local();
    let mut days = Vec::new();
    let mut d = from;
    while d <= to {
        let on_day: Vec<&models::SessionView> = sessions
            .iter()
            .filter(|s| crate::time::to_local(s.starts_at).date_naive() == d)
            .collect();
        days.push(json!({
            "date": crate::web::fmt_date(d), "day": d.day(), "weekday": WEEKDAYS[d.weekday().num_days_from_monday() as usize],
            "today": d == today, "other_month": month_view && d.month() != day.month(), "sessions": on_day,
        }));
        d += Duration::days(1);
    }
    let weeks: Vec<Value> = days.chunks(7).map(|w| json!(w)).collect();
    let view = if month_view { "month" } else { "week" };
    page(
        &session,
        Some(&user.0),
        "pages/planning/calendar",
        "Kalender",
        json!({
            "month_view": month_view, "heading": heading, "days": days, "weeks": weeks, "weekdays": WEEKDAYS,
            "prev": format!("/calendar?view={view}&date={prev}"), "next": format!("/calendar?view={view}&date={next}"),
            "switch": format!("/calendar?view={}&date={day}", if month_view { "week" } else { "month" }),
        }),
    )
}

// ---------- calendar feeds ----------

fn feed_url(settings: &Settings, kind: &str, token: &str) -> String {
    format!("{}/calendar/{kind}/{token}.ics", settings.public_url)
}

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

#[derive(Deserialize)]
struct EmptyForm {}

#[post("/my/calendar-link")]
async fn renew_my_link(user: CurrentUser, db: web::Data<Db>, _form: Form<EmptyForm>) -> PageResult {
    let actor = user.0.clone();
    db.run(move |conn| service::renew_my_calendar_link(conn, &actor))
        .await?;
    Ok(redirect("/my/sessions#calendar"))
}

#[post("/runs/{id}/calendar-link")]
async fn renew_run_link(
    user: CurrentUser,
    db: web::Data<Db>,
    path: web::Path<i32>,
    _form: Form<EmptyForm>,
) -> PageResult {
    let actor = user.0.clone();
    let run_id = path.into_inner();
    db.run(move |conn| service::renew_run_calendar_link(conn, &actor, run_id))
        .await?;
    Ok(redirect(&format!("/runs/{run_id}#calendar")))
}

/// The caller's current personal calendar link, if one was made.
pub async fn my_calendar_url(
    db: &Db,
    settings: &Settings,
    actor: &Actor,
) -> AppResult<Option<String>> {
    let user_id = actor.user_id;
    let token = db
        .run(move |conn| repo::user_calendar_token(conn, user_id))
        .await?;
    Ok(token.map(|t| feed_url(settings, "trainer", &t)))
}

#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct CalendarLink {
    /// Subscribe to this URL in a calendar app; renewing makes the previous link stop working.
    pub url: String,
}

#[utoipa::path(post, path = "/api/v1/my/calendar-link", tag = "planning", security(("bearer" = [])),
    responses((status = 200, body = CalendarLink)))]
#[post("/api/v1/my/calendar-link")]
async fn api_renew_my_link(
    user: ApiUser,
    db: web::Data<Db>,
    settings: web::Data<Settings>,
) -> AppResult<HttpResponse> {
    let actor = user.0;
    let token = db
        .run(move |conn| service::renew_my_calendar_link(conn, &actor))
        .await?;
    Ok(HttpResponse::Ok().json(CalendarLink {
        url: feed_url(&settings, "trainer", &token),
    }))
}

#[utoipa::path(post, path = "/api/v1/runs/{id}/calendar-link", tag = "planning", security(("bearer" = [])),
    responses((status = 200, body = CalendarLink)))]
#[post("/api/v1/runs/{id}/calendar-link")]
async fn api_renew_run_link(
    user: ApiUser,
    db: web::Data<Db>,
    settings: web::Data<Settings>,
    path: web::Path<i32>,
) -> AppResult<HttpResponse> {
    let actor = user.0;
    let run_id = path.into_inner();
    let token = db
        .run(move |conn| service::renew_run_calendar_link(conn, &actor, run_id))
        .await?;
    Ok(HttpResponse::Ok().json(CalendarLink {
        url: feed_url(&settings, "run", &token),
    }))
}

// ---------- JSON API ----------

/// Courses of the caller's organisation.
#[utoipa::path(get, path = "/api/v1/courses", tag = "planning", security(("bearer" = [])),
    responses((status = 200, body = [Course])))]
#[get("/api/v1/courses")]
async fn api_courses(user: ApiUser, db: web::Data<Db>) -> AppResult<HttpResponse> {
    let actor = user.0;
    let list = db
        .run(move |conn| repo::list_courses(conn, actor.coordinator_org()?))
        .await?;
    Ok(HttpResponse::Ok().json(list))
}

#[utoipa::path(post, path = "/api/v1/courses", tag = "planning", security(("bearer" = [])),
    request_body = NewCourse, responses((status = 201, body = Course), (status = 422), (status = 409)))]
#[post("/api/v1/courses")]
async fn api_create_course(
    user: ApiUser,
    db: web::Data<Db>,
    body: crate::api::Json<NewCourse>,
) -> AppResult<HttpResponse> {
    let actor = user.0;
    let course = db
        .run(move |conn| service::create_course(conn, &actor, body.into_inner()))
        .await?;
    Ok(HttpResponse::Created().json(course))
}

#[utoipa::path(get, path = "/api/v1/courses/{id}", tag = "planning", security(("bearer" = [])),
    responses((status = 200, description = "course with modules and runs"), (status = 404)))]
#[get("/api/v1/courses/{id}")]
async fn api_course(
    user: ApiUser,
    db: web::Data<Db>,
    path: web::Path<i32>,
) -> AppResult<HttpResponse> {
    let actor = user.0;
    let id = path.into_inner();
    let data = db
        .run(move |conn| {
            let org = actor.coordinator_org()?;
            Ok(json!({"course": repo::get_course(conn, org, id)?, "modules": repo::modules_of(conn, org, id)?,
                      "runs": repo::runs_of_course(conn, org, id)?}))
        })
        .await?;
    Ok(HttpResponse::Ok().json(data))
}

#[utoipa::path(post, path = "/api/v1/courses/{id}/modules", tag = "planning", security(("bearer" = [])),
    request_body = NewModule, responses((status = 201, body = CourseModule), (status = 422)))]
#[post("/api/v1/courses/{id}/modules")]
async fn api_add_module(
    user: ApiUser,
    db: web::Data<Db>,
    path: web::Path<i32>,
    body: crate::api::Json<NewModule>,
) -> AppResult<HttpResponse> {
    let actor = user.0;
    let id = path.into_inner();
    let m = db
        .run(move |conn| service::add_module(conn, &actor, id, body.into_inner()))
        .await?;
    Ok(HttpResponse::Created().json(m))
}

#[utoipa::path(post, path = "/api/v1/courses/{id}/runs", tag = "planning", security(("bearer" = [])),
    request_body = NewRun, responses((status = 201, body = CourseRun), (status = 422)))]
#[post("/api/v1/courses/{id}/runs")]
async fn api_create_run(
    user: ApiUser,
    db: web::Data<Db>,
    path: web::Path<i32>,
    body: crate::api::Json<NewRun>,
) -> AppResult<HttpResponse> {
    let actor = user.0;
    let id = path.into_inner();
    let run = db
        .run(move |conn| service::create_run(conn, &actor, id, body.into_inner()))
        .await?;
    Ok(HttpResponse::Created().json(run))
}

#[utoipa::path(get, path = "/api/v1/runs/{id}", tag = "planning", security(("bearer" = [])),
    responses((status = 200, description = "run with sessions"), (status = 404)))]
#[get("/api/v1/runs/{id}")]
async fn api_run(
    user: ApiUser,
    db: web::Data<Db>,
    path: web::Path<i32>,
) -> AppResult<HttpResponse> {
    let actor = user.0;
    let id = path.into_inner();
    let data = db
        .run(move |conn| {
            let org = actor.coordinator_org()?;
            Ok(json!({"run": repo::get_run(conn, org, id)?, "sessions": service::session_views(conn, org, Some(id), None)?}))
        })
        .await?;
    Ok(HttpResponse::Ok().json(data))
}

#[utoipa::path(post, path = "/api/v1/runs/{id}/sessions", tag = "planning", security(("bearer" = [])),
    request_body = NewSession, responses((status = 201, body = TrainingSession), (status = 422)))]
#[post("/api/v1/runs/{id}/sessions")]
async fn api_create_session(
    user: ApiUser,
    db: web::Data<Db>,
    path: web::Path<i32>,
    body: crate::api::Json<NewSession>,
) -> AppResult<HttpResponse> {
    let actor = user.0;
    let id = path.into_inner();
    let s = db
        .run(move |conn| service::create_session(conn, &actor, id, body.into_inner()))
        .await?;
    Ok(HttpResponse::Created().json(s))
}

#[utoipa::path(get, path = "/api/v1/my/sessions", tag = "attendance", security(("bearer" = [])),
    responses((status = 200, body = [SessionView])))]
#[get("/api/v1/my/sessions")]
async fn api_my_sessions(user: ApiUser, db: web::Data<Db>) -> AppResult<HttpResponse> {
    let actor = user.0;
    let list = db
        .run(move |conn| service::my_sessions(conn, &actor))
        .await?;
    Ok(HttpResponse::Ok().json(list))
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(courses_page)
        .service(create_course)
        .service(course_page)
        .service(add_module)
        .service(create_run)
        .service(run_page)
        .service(create_session)
        .service(api_courses)
        .service(api_create_course)
        .service(api_course)
        .service(api_add_module)
        .service(api_create_run)
        .service(api_run)
        .service(api_create_session)
        .service(api_my_sessions)
        .service(trainer_feed)
        .service(run_feed)
        .service(renew_my_link)
        .service(renew_run_link)
        .service(api_renew_my_link)
        .service(api_renew_run_link)
        .service(edit_session_page)
        .service(update_session)
        .service(cancel_session)
        .service(locations_page)
        .service(create_location)
        .service(api_update_session)
        .service(api_cancel_session)
        .service(api_locations)
        .service(api_create_location)
        .service(set_rules)
        .service(calendar_page)
        .service(module_up)
        .service(api_module_up)
        .service(update_run)
        .service(api_update_run)
        .service(api_set_rules);
}
