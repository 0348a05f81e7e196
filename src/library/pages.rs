//! Pages of the logged-in UI of the library: each handler parses the request, calls one use case and answers.

use actix_web::{get, post, web};
use serde::Deserialize;

use super::repo::TemplateKind;
use super::service::{self, Publish};
use crate::error::PageResult;
use crate::i18n::Text;
use crate::ids::{ProgrammeId, TemplateId};
use crate::programmes::views::{self, NewProgrammeFields};
use crate::web::{EmptyForm, Form, Id, Ui};

const LIST: &str = "pages/library/list";
const SHOW: &str = "pages/library/show";

#[get("/bibliothek")]
async fn list(ui: Ui) -> PageResult {
    ui.show(LIST, "title.library", service::library_page).await
}

#[get("/bibliothek/{id}")]
async fn show(ui: Ui, id: Id<TemplateId>) -> PageResult {
    let id = *id;
    ui.show(SHOW, "title.library_template", move |conn, actor| {
        service::detail_page(conn, actor, id)
    })
    .await
}

#[derive(Deserialize)]
struct PublishForm {
    programme_id: ProgrammeId,
    /// `course:5` or `survey:7`
    source: String,
}

#[post("/bibliothek")]
async fn publish(ui: Ui, Form(form): Form<PublishForm>) -> PageResult {
    let (kind, id) = form.source.split_once(':').unwrap_or(("", ""));
    let input = Publish {
        programme_id: form.programme_id,
        kind: TemplateKind::from_code(kind).unwrap_or(TemplateKind::Course),
        source_id: id.parse().unwrap_or(-1),
    };
    match ui.run(move |conn, actor| service::publish(conn, actor, input)).await {
        Ok(t) => {
            ui.done(&format!("/bibliothek/{}", t.template.id), &Text::key("done.library_published"))
        }
        Err(e) => {
            let data = ui.run(service::library_page).await?;
            ui.page_with_error(LIST, "title.library", &data, e)
        }
    }
}

#[post("/bibliothek/{id}/kopieren")]
async fn copy(ui: Ui, id: Id<TemplateId>, _f: Form<EmptyForm>) -> PageResult {
    let id = *id;
    match ui.run(move |conn, actor| service::copy(conn, actor, id)).await {
        Ok(c) => ui.done(&c.href, &Text::key("done.library_copied")),
        Err(e) => {
            let data = ui.run(move |conn, actor| service::detail_page(conn, actor, id)).await?;
            ui.page_with_error(SHOW, "title.library_template", &data, e)
        }
    }
}

#[post("/bibliothek/{id}/gesehen")]
async fn acknowledge(ui: Ui, id: Id<TemplateId>, _f: Form<EmptyForm>) -> PageResult {
    let id = *id;
    match ui.run(move |conn, actor| service::acknowledge(conn, actor, id)).await {
        Ok(()) => ui.done(&format!("/bibliothek/{id}"), &Text::key("done.library_seen")),
        Err(e) => {
            let data = ui.run(move |conn, actor| service::detail_page(conn, actor, id)).await?;
            ui.page_with_error(SHOW, "title.library_template", &data, e)
        }
    }
}

#[post("/bibliothek/{id}/zurueckziehen")]
async fn withdraw(ui: Ui, id: Id<TemplateId>, _f: Form<EmptyForm>) -> PageResult {
    let id = *id;
    ui.run(move |conn, actor| service::withdraw(conn, actor, id)).await?;
    ui.done("/bibliothek", &Text::key("done.library_withdrawn"))
}

/// An admin creates a programme (the form is on the programmes' page); its library starts
/// with the starter set.
#[post("/admin/programme")]
async fn create_programme(ui: Ui, Form(form): Form<NewProgrammeFields>) -> PageResult {
    let input = form.input();
    match ui.run(move |conn, actor| service::create_programme(conn, actor, input)).await {
        Ok(p) => {
            ui.done(&format!("/admin/programme/{}", p.id), &Text::key("done.programme_created"))
        }
        Err(e) => {
            let mut data = ui.run(views::admin_list).await?;
            data.form = form;
            ui.page_with_error("pages/programmes/admin_list", "title.programmes", &data, e)
        }
    }
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(create_programme)
        .service(list)
        .service(publish)
        .service(show)
        .service(copy)
        .service(acknowledge)
        .service(withdraw);
}
