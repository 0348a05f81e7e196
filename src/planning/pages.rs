//! Pages of the logged-in UI of planning: each handler parses the request, calls one use case and answers.

use actix_session::Session;
use actix_web::{get, post, web};
use serde::{Deserialize, Serialize};

use super::forms::{LocationForm, ModuleForm, RulesForm, RunForm};
use super::models::*;
use super::{service, views};
use crate::auth::extract::CurrentUser;
use crate::auth::Actor;
use crate::db::Db;
use crate::error::{AppError, AppResult, PageResult};
use crate::validate;
use crate::web::{context, page, page_with_error, redirect, Form};

/// Shows `data` in `template`: fresh, or again with the message of a refused form.
fn show<T: Serialize>(
    session: &Session,
    actor: &Actor,
    template: &str,
    title: &str,
    data: &T,
    error: Option<AppError>,
) -> PageResult {
    let data = context(data)?;
    match error {
        None => page(session, Some(actor), template, title, data),
        Some(e) => page_with_error(session, Some(actor), template, title, data, e),
    }
}

async fn courses_page_data(db: &Db, actor: &Actor) -> AppResult<views::CoursesPage> {
    let actor = actor.clone();
    db.run(move |conn| views::courses_page(conn, &actor)).await
}

#[get("/courses")]
async fn courses_page(session: Session, user: CurrentUser, db: web::Data<Db>) -> PageResult {
    let data = courses_page_data(&db, &user.0).await?;
    show(
        &session,
        &user.0,
        "pages/planning/courses",
        "Kurse",
        &data,
        None,
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
    let echo = form.clone();
    match db
        .run(move |conn| service::create_course(conn, &actor, form))
        .await
    {
        Ok(course) => Ok(redirect(&format!("/courses/{}", course.id))),
        Err(e) => {
            let mut data = courses_page_data(&db, &user.0).await?;
            data.form = echo;
            show(
                &session,
                &user.0,
                "pages/planning/courses",
                "Kurse",
                &data,
                Some(e),
            )
        }
    }
}

async fn course_page_data(db: &Db, actor: &Actor, course_id: i32) -> AppResult<views::CoursePage> {
    let actor = actor.clone();
    db.run(move |conn| views::course_page(conn, &actor, course_id))
        .await
}

/// The course page again with the message of a refused form.
fn course_with_error(
    session: &Session,
    actor: &Actor,
    data: &views::CoursePage,
    error: AppError,
) -> PageResult {
    show(
        session,
        actor,
        "pages/planning/course",
        "Kurs",
        data,
        Some(error),
    )
}

#[get("/courses/{id}")]
async fn course_page(
    session: Session,
    user: CurrentUser,
    db: web::Data<Db>,
    path: web::Path<i32>,
) -> PageResult {
    let data = course_page_data(&db, &user.0, path.into_inner()).await?;
    let title = data.course.title.clone();
    show(
        &session,
        &user.0,
        "pages/planning/course",
        &title,
        &data,
        None,
    )
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
    let echo = form.echo();
    let result = db
        .run(move |conn| service::add_module(conn, &actor, course_id, form.parse()?))
        .await;
    match result {
        Ok(_) => Ok(redirect(&format!("/courses/{course_id}#modules"))),
        Err(e) => {
            let mut data = course_page_data(&db, &user.0, course_id).await?;
            data.module_form = echo;
            course_with_error(&session, &user.0, &data, e)
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
    let echo = form.echo();
    let langs = form.interpreter_languages.clone();
    let result = db
        .run(move |conn| service::create_run(conn, &actor, course_id, form.parse()?))
        .await;
    match result {
        Ok(run) => Ok(redirect(&format!("/runs/{}", run.id))),
        Err(e) => {
            let mut data = course_page_data(&db, &user.0, course_id).await?;
            data.run_form = echo;
            let selected: Vec<&str> = langs.iter().map(String::as_str).collect();
            data.languages = crate::i18n::language_options(&selected);
            course_with_error(&session, &user.0, &data, e)
        }
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
        .run(move |conn| service::set_course_rules(conn, &actor, course_id, form.parse()?))
        .await;
    match result {
        Ok(_) => Ok(redirect(&format!("/courses/{course_id}#rules"))),
        Err(e) => {
            let data = course_page_data(&db, &user.0, course_id).await?;
            course_with_error(&session, &user.0, &data, e)
        }
    }
}

async fn session_edit_data(
    db: &Db,
    actor: &Actor,
    session_id: i32,
) -> AppResult<views::SessionEditPage> {
    let actor = actor.clone();
    db.run(move |conn| views::session_edit_page(conn, &actor, session_id))
        .await
}

const SESSION_EDIT: &str = "pages/planning/session_edit";

#[get("/sessions/{id}/edit")]
async fn edit_session_page(
    session: Session,
    user: CurrentUser,
    db: web::Data<Db>,
    path: web::Path<i32>,
) -> PageResult {
    let data = session_edit_data(&db, &user.0, path.into_inner()).await?;
    show(
        &session,
        &user.0,
        SESSION_EDIT,
        "Termin bearbeiten",
        &data,
        None,
    )
}

async fn locations_data(db: &Db, actor: &Actor) -> AppResult<views::LocationsPage> {
    let actor = actor.clone();
    db.run(move |conn| views::locations_page(conn, &actor))
        .await
}

#[get("/locations")]
async fn locations_page(session: Session, user: CurrentUser, db: web::Data<Db>) -> PageResult {
    let data = locations_data(&db, &user.0).await?;
    show(
        &session,
        &user.0,
        "pages/planning/locations",
        "Orte",
        &data,
        None,
    )
}

#[post("/locations")]
async fn create_location(
    session: Session,
    user: CurrentUser,
    db: web::Data<Db>,
    Form(form): Form<LocationForm>,
) -> PageResult {
    let actor = user.0.clone();
    let echo = form.echo();
    let result = db
        .run(move |conn| service::create_location(conn, &actor, form.parse()?))
        .await;
    match result {
        Ok(_) => Ok(redirect("/locations")),
        Err(e) => {
            let mut data = locations_data(&db, &user.0).await?;
            data.form = echo;
            show(
                &session,
                &user.0,
                "pages/planning/locations",
                "Orte",
                &data,
                Some(e),
            )
        }
    }
}

#[derive(Deserialize)]
struct CalendarQuery {
    view: Option<String>,
    date: Option<String>,
}

/// The organisation's sessions by week or by month.
#[get("/calendar")]
async fn calendar_page(
    session: Session,
    user: CurrentUser,
    db: web::Data<Db>,
    q: web::Query<CalendarQuery>,
) -> PageResult {
    let month_view = q.view.as_deref() == Some("month");
    let day = match q.date.as_deref() {
        Some(d) => Some(validate::date("date", "Datum", d)?),
        None => None,
    };
    let actor = user.0.clone();
    let data = db
        .run(move |conn| views::calendar_page(conn, &actor, month_view, day))
        .await?;
    show(
        &session,
        &user.0,
        "pages/planning/calendar",
        "Kalender",
        &data,
        None,
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
        .service(locations_page)
        .service(create_location)
        .service(set_rules)
        .service(calendar_page)
        .service(module_up);
}
