//! The coordinator's page of a course's titles in the participant languages. Each handler
//! parses the request, calls one use case and answers.

use std::collections::HashMap;

use actix_web::{get, post, web};

use super::service::{self, ModuleTitleInput, TitlesInput};
use crate::error::{AppError, PageResult};
use crate::i18n::Text;
use crate::ids::{CourseId, ModuleId};
use crate::web::{Form, Id, Ui};

const TEMPLATE: &str = "pages/planning/titles";

#[get("/courses/{id}/translations")]
async fn titles_page(ui: Ui, id: Id<CourseId>) -> PageResult {
    let id = *id;
    ui.show(TEMPLATE, "title.course_translations", move |c, a| service::course_titles(c, a, id))
        .await
}

/// One language's form: `course_title`, and `module_<id>_title` / `module_<id>_description`
/// for each module.
fn input_from(fields: &HashMap<String, String>) -> TitlesInput {
    let mut modules: Vec<ModuleTitleInput> = Vec::new();
    for (key, value) in fields {
        let Some(rest) = key.strip_prefix("module_") else { continue };
        let Some((id, part)) = rest.split_once('_') else { continue };
        let Ok(id) = id.parse::<i32>() else { continue };
        let entry = match modules.iter().position(|m| m.module_id == ModuleId(id)) {
            Some(i) => &mut modules[i],
            None => {
                modules.push(ModuleTitleInput {
                    module_id: ModuleId(id),
                    title: String::new(),
                    description: String::new(),
                });
                modules.last_mut().expect("just pushed")
            }
        };
        match part {
            "title" => entry.title = value.clone(),
            "description" => entry.description = value.clone(),
            _ => {}
        }
    }
    modules.sort_by_key(|m| m.module_id);
    TitlesInput { course_title: fields.get("course_title").cloned().unwrap_or_default(), modules }
}

#[post("/courses/{id}/translations/{lang}")]
async fn save(
    ui: Ui, path: web::Path<(CourseId, String)>, Form(fields): Form<HashMap<String, String>>,
) -> PageResult {
    let (id, lang) = path.into_inner();
    let input = input_from(&fields);
    let l = lang.clone();
    let result = ui.run(move |c, a| service::save_titles(c, a, id, &l, input)).await;
    match result {
        Ok(_) => ui.done(
            &format!("/courses/{}/translations#lang-{lang}", id.0),
            &Text::key("done.titles_saved"),
        ),
        Err(e @ AppError::Validation { .. }) => {
            let data = ui.run(move |c, a| service::course_titles(c, a, id)).await?;
            ui.page_with_error(TEMPLATE, "title.course_translations", &data, e)
        }
        Err(e) => Err(e.into()),
    }
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(titles_page).service(save);
}
