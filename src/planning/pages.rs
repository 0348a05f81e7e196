//! Pages of the logged-in UI of planning: each handler parses the request, calls one use case and answers.

use actix_session::Session;
use actix_web::{get, post, web};
use serde::Deserialize;
use serde_json::{json, Value};

use super::models::{self, *};
use super::{repo, service};
use crate::auth::extract::CurrentUser;
use crate::auth::{self, Actor};
use crate::db::Db;
use crate::error::{AppResult, PageResult};
use crate::planning::forms::{RunForm, SessionForm};
use crate::time::fmt_date;
use crate::validate;
use crate::web::{page, page_with_error, redirect, Form};

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
                  "languages": crate::i18n::language_options(&[]), "module_form": {}, "run_form": {}}))
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
            data["languages"] = json!(crate::i18n::language_options(&selected));
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
            "languages": crate::i18n::language_options(&view.interpreter_language_codes.iter().map(String::as_str).collect::<Vec<_>>()),
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
        .run(move |conn| {
            crate::participants::schedule::update_session(conn, &actor, id, form.parse()?)
        })
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
            crate::participants::schedule::cancel_session(conn, &actor, id)?;
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
            crate::time::fmt_date(monday),
            crate::time::fmt_date(sunday)
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
            "date": crate::time::fmt_date(d), "day": d.day(), "weekday": WEEKDAYS[d.weekday().num_days_from_monday() as usize],
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

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(courses_page)
        .service(create_course)
        .service(course_page)
        .service(add_module)
        .service(create_run)
        .service(renew_my_link)
        .service(renew_run_link)
        .service(edit_session_page)
        .service(update_session)
        .service(cancel_session)
        .service(locations_page)
        .service(create_location)
        .service(set_rules)
        .service(calendar_page)
        .service(module_up);
}
