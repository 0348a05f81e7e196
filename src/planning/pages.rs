//! Pages of the logged-in UI of planning: each handler parses the request, calls one use case and answers.

use actix_web::{get, post, web};
use serde::Deserialize;

use super::correct::{self, Deletion, ShowArchived};
use super::forms::{LocationForm, ModuleForm, RulesForm, RunForm, SessionForm};
use super::models::*;
use super::{service, views};
use crate::error::{AppError, PageResult};
use crate::i18n::Text;
use crate::ids::{CourseId, LocationId, ModuleId, RunId, SessionId};
use crate::validate;
use crate::web::confirm::Confirmation;
use crate::web::{EmptyForm, Form, Id, Title, Ui};

const COURSES: &str = "pages/planning/courses";
const COURSE: &str = "pages/planning/course";
const LOCATIONS: &str = "pages/planning/locations";
const COURSE_EDIT: &str = "pages/planning/course_edit";
const MODULE_EDIT: &str = "pages/planning/module_edit";
const LOCATION_EDIT: &str = "pages/planning/location_edit";
const LOCATION_NEW: &str = "pages/planning/location_new";

/// `?archive=1`: archived ones are listed too ("Archiv anzeigen").
#[derive(Deserialize)]
struct ArchiveQuery {
    archive: Option<String>,
}

impl ArchiveQuery {
    fn show(&self) -> ShowArchived {
        ShowArchived(self.archive.as_deref() == Some("1"))
    }
}

#[get("/courses")]
async fn courses_page(ui: Ui, q: web::Query<ArchiveQuery>) -> PageResult {
    let show = q.show();
    ui.show(COURSES, "title.courses", move |c, a| views::courses_page_with(c, a, show)).await
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
    course_data_with(ui, course_id, ShowArchived(false)).await
}

async fn course_data_with(
    ui: &Ui, course_id: CourseId, show: ShowArchived,
) -> Result<views::CoursePage, AppError> {
    ui.run(move |conn, actor| views::course_page_with(conn, actor, course_id, show)).await
}

/// The course's name as the title of its page.
fn course_title(data: &views::CoursePage) -> Title {
    Text::key("title.course").arg("course", &data.course.title).into()
}

/// The course page again with the message of a refused form.
fn course_refused(ui: &Ui, data: &views::CoursePage, error: AppError) -> PageResult {
    ui.page_with_error(COURSE, course_title(data), data, error)
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
    let (course_id, echo) = (*id, form.echo());
    let result =
        ui.run(move |c, actor| service::set_course_rules(c, actor, course_id, form.parse()?)).await;
    match result {
        Ok(_) => ui.done(&format!("/courses/{course_id}#rules"), &Text::key("done.rules_saved")),
        Err(e) => {
            let mut data = course_data(&ui, course_id).await?;
            data.rules_form = echo;
            course_refused(&ui, &data, e)
        }
    }
}

/// `?location_id=…`: a place just made on its own form, chosen in the session form.
#[derive(Deserialize)]
struct Chosen {
    location_id: Option<String>,
}

#[get("/sessions/{id}/edit")]
async fn edit_session_page(
    ui: Ui, id: Id<SessionId>, q: web::Query<Chosen>, req: actix_web::HttpRequest,
) -> PageResult {
    let template = "pages/planning/session_edit";
    let chosen = q.location_id.clone();
    let mut data = ui.run(move |conn, actor| views::session_edit_page(conn, actor, *id)).await?;
    // Back from "Neuen Ort anlegen": what was typed before, then the new place.
    if let Some(typed) = SessionForm::from_draft(req.query_string()) {
        data.form = typed.fields();
        data.form.open = false;
    }
    if let Some(chosen) = chosen.filter(|c| data.locations.iter().any(|l| l.id == *c)) {
        data.form.location_id = chosen;
    }
    ui.page(template, "title.session_edit", &data)
}

#[get("/locations")]
async fn locations_page(ui: Ui, q: web::Query<ArchiveQuery>) -> PageResult {
    let show = q.show();
    ui.show(LOCATIONS, "title.locations", move |c, a| views::locations_page_with(c, a, show)).await
}

/// Where a new place leads back to: the session form it was made from.
#[derive(Deserialize, Default)]
#[serde(default)]
struct ForForm {
    for_run: Option<String>,
    for_session: Option<String>,
}

/// "Neuen Ort anlegen": the place form on its own, returning to the session form.
#[get("/locations/new")]
async fn new_location_page(ui: Ui, q: web::Query<ForForm>) -> PageResult {
    let for_run = q.for_run.as_deref().and_then(|v| v.parse::<RunId>().ok());
    let for_session = q.for_session.as_deref().and_then(|v| v.parse::<SessionId>().ok());
    let mut data = ui.run(views::locations_page).await?;
    data.for_run = for_run;
    data.for_session = for_session;
    ui.page(LOCATION_NEW, "title.plan_location_new", &data)
}

/// "Neuen Ort anlegen" pressed inside a session form: the place form, carrying what was typed
/// into the session form so that it comes back filled in (a POST, so the CSRF-protected form
/// travels in the body and nothing typed lands in a URL before the place exists).
#[post("/locations/new")]
async fn new_location_from_session_form(
    ui: Ui, q: web::Query<ForForm>, Form(typed): Form<SessionForm>,
) -> PageResult {
    let for_run = q.for_run.as_deref().and_then(|v| v.parse::<RunId>().ok());
    let for_session = q.for_session.as_deref().and_then(|v| v.parse::<SessionId>().ok());
    let mut data = ui.run(views::locations_page).await?;
    data.for_run = for_run;
    data.for_session = for_session;
    data.draft = typed.draft();
    ui.page(LOCATION_NEW, "title.plan_location_new", &data)
}

#[post("/locations")]
async fn create_location(ui: Ui, Form(form): Form<LocationForm>) -> PageResult {
    let (echo, (for_run, for_session)) = (form.echo(), form.back_to());
    // Re-encoded from the fields: only the session form's own keys go into the redirect.
    let draft = SessionForm::from_draft(&form.draft).map(|d| d.draft()).unwrap_or_default();
    let typed = form.name.clone();
    let result =
        ui.run(move |conn, actor| service::create_location(conn, actor, form.parse()?)).await;
    match result {
        Ok(location) => {
            let done = Text::key("done.location_created");
            let back = |path: String| {
                let query = [draft.as_str(), &format!("location_id={}", location.id)]
                    .into_iter()
                    .filter(|p| !p.is_empty())
                    .collect::<Vec<_>>()
                    .join("&");
                format!("{path}?{query}")
            };
            match (for_run, for_session) {
                (Some(run), _) => {
                    ui.done(&format!("{}#sessions", back(format!("/runs/{run}"))), &done)
                }
                (None, Some(session)) => ui.done(&back(format!("/sessions/{session}/edit")), &done),
                (None, None) => ui.done("/locations", &done),
            }
        }
        Err(e) => {
            let mut data = ui.run(views::locations_page).await?;
            data.duplicate_of = ui.run(move |c, a| correct::location_named(c, a, &typed)).await?;
            data.form = echo;
            data.for_run = for_run;
            data.for_session = for_session;
            data.draft = draft;
            let (template, title) = if for_run.is_some() || for_session.is_some() {
                (LOCATION_NEW, "title.plan_location_new")
            } else {
                (LOCATIONS, "title.locations")
            };
            ui.page_with_error(template, title, &data, e)
        }
    }
}

// Correcting: one thing per page, the form kept after a refusal.

#[get("/courses/{id}/edit")]
async fn course_edit_page(ui: Ui, id: Id<CourseId>) -> PageResult {
    let id = *id;
    ui.show(COURSE_EDIT, "title.plan_course_edit", move |c, a| views::course_edit_page(c, a, id))
        .await
}

#[get("/courses/{id}/modules/{module_id}/edit")]
async fn module_edit_page(ui: Ui, path: web::Path<(CourseId, ModuleId)>) -> PageResult {
    let (course_id, module_id) = path.into_inner();
    ui.show(MODULE_EDIT, "title.plan_module_edit", move |c, a| {
        views::module_edit_page(c, a, course_id, module_id)
    })
    .await
}

#[post("/courses/{id}/modules/{module_id}/down")]
async fn module_down(
    ui: Ui, path: web::Path<(CourseId, ModuleId)>, _form: Form<EmptyForm>,
) -> PageResult {
    let (course_id, module_id) = path.into_inner();
    ui.run(move |conn, actor| correct::move_module_down(conn, actor, course_id, module_id)).await?;
    ui.done(&format!("/courses/{course_id}#modules"), &Text::key("done.module_moved"))
}

#[get("/locations/{id}/edit")]
async fn location_edit_page(ui: Ui, id: Id<LocationId>) -> PageResult {
    let id = *id;
    ui.show(LOCATION_EDIT, "title.plan_location_edit", move |c, a| {
        views::location_edit_page(c, a, id)
    })
    .await
}

#[post("/locations/{id}/edit")]
async fn update_location(ui: Ui, id: Id<LocationId>, Form(form): Form<LocationForm>) -> PageResult {
    let (id, echo, typed) = (*id, form.echo(), form.name.clone());
    let result =
        ui.run(move |c, actor| correct::update_location(c, actor, id, form.parse()?)).await;
    match result {
        Ok(_) => ui.done("/locations", &Text::key("done.plan_location_saved")),
        Err(e) => {
            let mut data = ui.run(move |c, a| views::location_edit_page(c, a, id)).await?;
            data.duplicate_of = ui
                .run(move |c, a| correct::location_named(c, a, &typed))
                .await?
                .filter(|l| l.id != id);
            data.form = echo;
            ui.page_with_error(LOCATION_EDIT, "title.plan_location_edit", &data, e)
        }
    }
}

// Deleting: a confirmation that says what goes and what stays; what has history is
// archived instead.

/// Where the confirmation of deleting something posts and leads.
struct DeletePaths {
    delete: String,
    archive: Option<String>,
    change: Option<String>,
    back: String,
}

/// The confirmation page of a deletion: delete (a warning button); or, where history
/// keeps it, the reason and archiving instead; or the reason and a disabled button.
fn deletion_page(ui: &Ui, d: Deletion, label: &'static str, paths: DeletePaths) -> PageResult {
    let page = |heading: &'static str, action: &str, button: &'static str| {
        Confirmation::new(
            Text::key(heading).arg("name", &d.name),
            action.to_string(),
            Text::key(button),
            paths.back.clone(),
        )
        .row(Text::key(label), d.name.clone(), paths.change.clone())
    };
    let confirmation = match (&d.blocked, &paths.archive) {
        (Some(why), Some(archive)) if d.can_archive && !d.archived => {
            page("plan.archive.heading", archive, "plan.archive.button")
                .lead(Text::key("plan.delete.refused_lead").arg_text("why", why.clone()))
                .goes(Text::key("plan.archive.goes"))
                .stays(Text::key("plan.archive.stays"))
        }
        (Some(why), _) => page("plan.delete.heading", &paths.delete, "plan.delete.button")
            .destructive()
            .blocked(why.clone()),
        (None, _) => {
            let mut c = page("plan.delete.heading", &paths.delete, "plan.delete.button")
                .destructive()
                .warning(Text::key("plan.delete.warning"));
            for g in &d.goes {
                c = c.goes(g.clone());
            }
            for s in &d.stays {
                c = c.stays(s.clone());
            }
            c
        }
    };
    ui.page(crate::web::confirm::TEMPLATE, "title.plan_delete", &confirmation)
}

#[get("/courses/{id}/delete")]
async fn course_delete_page(ui: Ui, id: Id<CourseId>) -> PageResult {
    let id = *id;
    let d = ui.run(move |c, a| correct::course_deletion(c, a, id)).await?;
    let paths = DeletePaths {
        delete: format!("/courses/{id}/delete"),
        archive: Some(format!("/courses/{id}/archive")),
        change: Some(format!("/courses/{id}/edit")),
        back: format!("/courses/{id}"),
    };
    deletion_page(&ui, d, "plan.label.course", paths)
}

#[post("/courses/{id}/delete")]
async fn delete_course(ui: Ui, id: Id<CourseId>, _form: Form<EmptyForm>) -> PageResult {
    let id = *id;
    ui.run(move |c, a| correct::delete_course(c, a, id)).await?;
    ui.done("/courses", &Text::key("done.plan_course_deleted"))
}

#[post("/courses/{id}/archive")]
async fn archive_course(ui: Ui, id: Id<CourseId>, _form: Form<EmptyForm>) -> PageResult {
    let id = *id;
    ui.run(move |c, a| correct::set_course_archived(c, a, id, true)).await?;
    ui.done(&format!("/courses/{id}"), &Text::key("done.plan_archived"))
}

#[post("/courses/{id}/restore")]
async fn restore_course(ui: Ui, id: Id<CourseId>, _form: Form<EmptyForm>) -> PageResult {
    let id = *id;
    ui.run(move |c, a| correct::set_course_archived(c, a, id, false)).await?;
    ui.done(&format!("/courses/{id}"), &Text::key("done.plan_restored"))
}

#[get("/courses/{id}/modules/{module_id}/delete")]
async fn module_delete_page(ui: Ui, path: web::Path<(CourseId, ModuleId)>) -> PageResult {
    let (course_id, module_id) = path.into_inner();
    let d = ui.run(move |c, a| correct::module_deletion(c, a, course_id, module_id)).await?;
    let paths = DeletePaths {
        delete: format!("/courses/{course_id}/modules/{module_id}/delete"),
        archive: None,
        change: Some(format!("/courses/{course_id}/modules/{module_id}/edit")),
        back: format!("/courses/{course_id}#modules"),
    };
    deletion_page(&ui, d, "plan.label.module", paths)
}

#[get("/runs/{id}/delete")]
async fn run_delete_page(ui: Ui, id: Id<RunId>) -> PageResult {
    let id = *id;
    let d = ui.run(move |c, a| correct::run_deletion(c, a, id)).await?;
    let paths = DeletePaths {
        delete: format!("/runs/{id}/delete"),
        archive: Some(format!("/runs/{id}/archive")),
        change: Some(format!("/runs/{id}/edit")),
        back: format!("/runs/{id}"),
    };
    deletion_page(&ui, d, "plan.label.run", paths)
}

#[post("/runs/{id}/delete")]
async fn delete_run(ui: Ui, id: Id<RunId>, _form: Form<EmptyForm>) -> PageResult {
    let id = *id;
    let course_id = ui.run(move |c, a| correct::delete_run(c, a, id)).await?;
    ui.done(&format!("/courses/{course_id}#runs"), &Text::key("done.plan_run_deleted"))
}

#[post("/runs/{id}/archive")]
async fn archive_run(ui: Ui, id: Id<RunId>, _form: Form<EmptyForm>) -> PageResult {
    let id = *id;
    ui.run(move |c, a| correct::set_run_archived(c, a, id, true)).await?;
    ui.done(&format!("/runs/{id}"), &Text::key("done.plan_archived"))
}

#[post("/runs/{id}/restore")]
async fn restore_run(ui: Ui, id: Id<RunId>, _form: Form<EmptyForm>) -> PageResult {
    let id = *id;
    ui.run(move |c, a| correct::set_run_archived(c, a, id, false)).await?;
    ui.done(&format!("/runs/{id}"), &Text::key("done.plan_restored"))
}

#[get("/sessions/{id}/delete")]
async fn session_delete_page(ui: Ui, id: Id<SessionId>) -> PageResult {
    let id = *id;
    let d = ui.run(move |c, a| correct::session_deletion(c, a, id)).await?;
    let run_id =
        ui.run(move |c, a| Ok(service::get_session(c, a.coordinator_org()?, id)?.run_id)).await?;
    let paths = DeletePaths {
        delete: format!("/sessions/{id}/delete"),
        archive: None,
        change: Some(format!("/sessions/{id}/edit")),
        back: format!("/runs/{run_id}#sessions"),
    };
    deletion_page(&ui, d, "plan.label.session", paths)
}

#[post("/sessions/{id}/delete")]
async fn delete_session(ui: Ui, id: Id<SessionId>, _form: Form<EmptyForm>) -> PageResult {
    let id = *id;
    let run_id = ui.run(move |c, a| correct::delete_session(c, a, id)).await?;
    ui.done(&format!("/runs/{run_id}#sessions"), &Text::key("done.plan_session_deleted"))
}

#[get("/locations/{id}/delete")]
async fn location_delete_page(ui: Ui, id: Id<LocationId>) -> PageResult {
    let id = *id;
    let d = ui.run(move |c, a| correct::location_deletion(c, a, id)).await?;
    let paths = DeletePaths {
        delete: format!("/locations/{id}/delete"),
        archive: Some(format!("/locations/{id}/archive")),
        change: Some(format!("/locations/{id}/edit")),
        back: "/locations".to_string(),
    };
    deletion_page(&ui, d, "plan.label.location", paths)
}

#[post("/locations/{id}/delete")]
async fn delete_location(ui: Ui, id: Id<LocationId>, _form: Form<EmptyForm>) -> PageResult {
    let id = *id;
    ui.run(move |c, a| correct::delete_location(c, a, id)).await?;
    ui.done("/locations", &Text::key("done.plan_location_deleted"))
}

#[post("/locations/{id}/archive")]
async fn archive_location(ui: Ui, id: Id<LocationId>, _form: Form<EmptyForm>) -> PageResult {
    let id = *id;
    ui.run(move |c, a| correct::set_location_archived(c, a, id, true)).await?;
    ui.done("/locations?archive=1", &Text::key("done.plan_archived"))
}

#[post("/locations/{id}/restore")]
async fn restore_location(ui: Ui, id: Id<LocationId>, _form: Form<EmptyForm>) -> PageResult {
    let id = *id;
    ui.run(move |c, a| correct::set_location_archived(c, a, id, false)).await?;
    ui.done("/locations", &Text::key("done.plan_restored"))
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
        .service(add_module)
        .service(create_run)
        .service(renew_my_link)
        .service(renew_run_link)
        .service(edit_session_page)
        .service(locations_page)
        .service(create_location)
        .service(set_rules)
        .service(calendar_page)
        .service(module_up)
        .service(new_location_page)
        .service(new_location_from_session_form)
        .service(course_edit_page)
        .service(module_edit_page)
        .service(module_down)
        .service(location_edit_page)
        .service(update_location)
        .service(course_delete_page)
        .service(delete_course)
        .service(archive_course)
        .service(restore_course)
        .service(module_delete_page)
        .service(run_delete_page)
        .service(delete_run)
        .service(archive_run)
        .service(restore_run)
        .service(session_delete_page)
        .service(delete_session)
        .service(location_delete_page)
        .service(delete_location)
        .service(archive_location)
        .service(restore_location);
}
