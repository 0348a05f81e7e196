//! Pages of the logged-in UI of planning: each handler parses the request, calls one use case and answers.

use actix_web::{get, post, web};
use serde::Deserialize;

use super::forms::{LocationForm, ModuleForm, RulesForm, RunForm};
use super::models::*;
use super::{service, views};
use crate::error::{AppError, PageResult};
use crate::i18n::Text;
use crate::ids::{CourseId, ModuleId, RunId, SessionId};
use crate::validate;
use crate::web::{EmptyForm, Form, Id, Title, Ui};

const COURSES: &str = "pages/planning/courses";
const COURSE: &str = "pages/planning/course";
const LOCATIONS: &str = "pages/planning/locations";

#[get("/courses")]
async fn courses_page(ui: Ui) -> PageResult {
    ui.show(COURSES, "title.courses", views::courses_page).await
}

#[post("/courses")]
async fn create_course(ui: Ui, Form(form): Form<NewCourse>) -> PageResult {
    let echo = form.clone();
    match ui.run(move |conn, actor| service::create_course(conn, actor, form)).await {
        Ok(course) => {
            ui.done(&format!("/courses/{}", course.id), &Text::key("done.course_created"))
        }
        Err(e) => {
            let mut data = ui.run(views::courses_page).await?;
            data.form = echo;
            ui.page_with_error(COURSES, "title.courses", &data, e)
        }
    }
}

async fn course_data(ui: &Ui, course_id: CourseId) -> Result<views::CoursePage, AppError> {
    ui.run(move |conn, actor| views::course_page(conn, actor, course_id)).await
}

/// The course's name as the title of its page.
fn course_title(data: &views::CoursePage) -> Title {
    Text::key("title.course").arg("course", &data.course.title).into()
}

/// The course page again with the message of a refused form.
fn course_refused(ui: &Ui, data: &views::CoursePage, error: AppError) -> PageResult {
    ui.page_with_error(COURSE, course_title(data), data, error)
}

#[get("/courses/{id}")]
async fn course_page(ui: Ui, id: Id<CourseId>) -> PageResult {
    let data = course_data(&ui, *id).await?;
    ui.page(COURSE, course_title(&data), &data)
}

#[post("/courses/{id}/modules")]
async fn add_module(ui: Ui, id: Id<CourseId>, Form(form): Form<ModuleForm>) -> PageResult {
    let (course_id, echo) = (*id, form.echo());
    let result =
        ui.run(move |conn, actor| service::add_module(conn, actor, course_id, form.parse()?)).await;
    match result {
        Ok(_) => ui.done(&format!("/courses/{course_id}#modules"), &Text::key("done.module_added")),
        Err(e) => {
            let mut data = course_data(&ui, course_id).await?;
            data.module_form = echo;
            course_refused(&ui, &data, e)
        }
    }
}

#[post("/courses/{id}/modules/{module_id}/up")]
async fn module_up(
    ui: Ui, path: web::Path<(CourseId, ModuleId)>, _form: Form<EmptyForm>,
) -> PageResult {
    let (course_id, module_id) = path.into_inner();
    ui.run(move |conn, actor| service::move_module_up(conn, actor, course_id, module_id)).await?;
    let done = Text::key("done.module_moved");
    ui.done(&format!("/courses/{course_id}#modules"), &done)
}

#[post("/courses/{id}/runs")]
async fn create_run(ui: Ui, id: Id<CourseId>, Form(form): Form<RunForm>) -> PageResult {
    let (course_id, echo) = (*id, form.echo());
    let langs = form.interpreter_languages.clone();
    let result =
        ui.run(move |conn, actor| service::create_run(conn, actor, course_id, form.parse()?)).await;
    match result {
        Ok(run) => ui.done(&format!("/runs/{}", run.id), &Text::key("done.run_created")),
        Err(e) => {
            let mut data = course_data(&ui, course_id).await?;
            data.run_form = echo;
            let selected: Vec<&str> = langs.iter().map(String::as_str).collect();
            data.languages = crate::i18n::language_options(&selected);
            course_refused(&ui, &data, e)
        }
    }
}

#[post("/courses/{id}/rules")]
async fn set_rules(ui: Ui, id: Id<CourseId>, Form(form): Form<RulesForm>) -> PageResult {
    let course_id = *id;
    let result =
        ui.run(move |c, actor| service::set_course_rules(c, actor, course_id, form.parse()?)).await;
    match result {
        Ok(_) => ui.done(&format!("/courses/{course_id}#rules"), &Text::key("done.rules_saved")),
        Err(e) => course_refused(&ui, &course_data(&ui, course_id).await?, e),
    }
}

#[get("/sessions/{id}/edit")]
async fn edit_session_page(ui: Ui, id: Id<SessionId>) -> PageResult {
    let template = "pages/planning/session_edit";
    ui.show(template, "title.session_edit", move |conn, actor| {
        views::session_edit_page(conn, actor, *id)
    })
    .await
}

#[get("/locations")]
async fn locations_page(ui: Ui) -> PageResult {
    ui.show(LOCATIONS, "title.locations", views::locations_page).await
}

#[post("/locations")]
async fn create_location(ui: Ui, Form(form): Form<LocationForm>) -> PageResult {
    let echo = form.echo();
    let result =
        ui.run(move |conn, actor| service::create_location(conn, actor, form.parse()?)).await;
    match result {
        Ok(_) => ui.done("/locations", &Text::key("done.location_created")),
        Err(e) => {
            let mut data = ui.run(views::locations_page).await?;
            data.form = echo;
            ui.page_with_error(LOCATIONS, "title.locations", &data, e)
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
async fn calendar_page(ui: Ui, q: web::Query<CalendarQuery>) -> PageResult {
    let month_view = q.view.as_deref() == Some("month");
    let day = match q.date.as_deref() {
        Some(d) => Some(validate::date("date", "Datum", d)?),
        None => None,
    };
    ui.show("pages/planning/calendar", "title.calendar", move |c, actor| {
        views::calendar_page(c, actor, month_view, day)
    })
    .await
}

#[post("/my/calendar-link")]
async fn renew_my_link(ui: Ui, _form: Form<EmptyForm>) -> PageResult {
    ui.run(service::renew_my_calendar_link).await?;
    let done = Text::key("done.calendar_link_renewed");
    ui.done("/my/sessions#calendar", &done)
}

#[post("/runs/{id}/calendar-link")]
async fn renew_run_link(ui: Ui, id: Id<RunId>, _form: Form<EmptyForm>) -> PageResult {
    let run_id = *id;
    ui.run(move |conn, actor| service::renew_run_calendar_link(conn, actor, run_id)).await?;
    let done = Text::key("done.calendar_link_renewed");
    ui.done(&format!("/runs/{run_id}#calendar"), &done)
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
