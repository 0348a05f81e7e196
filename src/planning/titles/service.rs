//! The use cases of translated course and module titles.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::repo;
use crate::audit;
use crate::auth::Actor;
use crate::db::{write_transaction, DbConn};
use crate::error::{AppError, AppResult};
use crate::i18n::{self, Text};
use crate::ids::{CourseId, ModuleId, OrgId};
use crate::planning::service as planning;
use crate::validate;

const MAX_TITLE: usize = 200;
const MAX_DESCRIPTION: usize = 2000;

/// One module in one language.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ModuleTitle {
    #[schema(value_type = i32)]
    pub module_id: ModuleId,
    /// The original (German) title.
    pub original: String,
    pub title: String,
    pub description: String,
}

/// A course's titles in one participant language (empty where not translated).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct LanguageTitles {
    pub lang: String,
    pub name: String,
    /// `rtl` for Arabic, Farsi and Pashto.
    pub dir: &'static str,
    pub course_title: String,
    pub modules: Vec<ModuleTitle>,
    /// The course and every module have a title in this language.
    pub complete: bool,
}

/// The course's titles in every participant language: what the page and the API show.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CourseTitles {
    #[schema(value_type = i32)]
    pub course_id: CourseId,
    pub code: String,
    /// The original (German) title.
    pub title: String,
    /// Languages whose course and module titles are all there (German counts: it is the
    /// original).
    pub translated: usize,
    pub languages_total: usize,
    pub languages: Vec<LanguageTitles>,
}

/// What one language's form or PUT sends: empty titles remove the translation.
#[derive(Debug, Default, Clone, Deserialize, Serialize, ToSchema)]
#[serde(default, deny_unknown_fields)]
pub struct TitlesInput {
    pub course_title: String,
    pub modules: Vec<ModuleTitleInput>,
}

#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ModuleTitleInput {
    #[schema(value_type = i32)]
    pub module_id: ModuleId,
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub description: String,
}

/// The languages a coordinator translates into: every participant language but German.
fn target_languages() -> impl Iterator<Item = &'static (&'static str, &'static str)> {
    i18n::PARTICIPANT_LANGUAGES.iter().filter(|(code, _)| *code != i18n::DEFAULT_LANG)
}

pub fn course_titles(
    conn: &mut DbConn, actor: &Actor, course_id: CourseId,
) -> AppResult<CourseTitles> {
    let org = actor.coordinator_org()?;
    titles_of(conn, org, course_id)
}

fn titles_of(conn: &mut DbConn, org: OrgId, course_id: CourseId) -> AppResult<CourseTitles> {
    let course = planning::get_course(conn, org, course_id)?;
    let modules = planning::modules_of(conn, org, course_id)?;
    let course_titles: HashMap<String, String> =
        repo::course_titles(conn, org, course_id)?.into_iter().collect();
    let ids: Vec<ModuleId> = modules.iter().map(|m| m.id).collect();
    let mut module_titles: HashMap<(ModuleId, String), (String, String)> = HashMap::new();
    for (id, lang, title, description) in repo::module_titles(conn, org, &ids)? {
        module_titles.insert((id, lang), (title, description));
    }
    let languages: Vec<LanguageTitles> = target_languages()
        .map(|(code, name)| {
            let modules: Vec<ModuleTitle> = modules
                .iter()
                .map(|m| {
                    let (title, description) =
                        module_titles.get(&(m.id, code.to_string())).cloned().unwrap_or_default();
                    ModuleTitle { module_id: m.id, original: m.title.clone(), title, description }
                })
                .collect();
            let course_title = course_titles.get(*code).cloned().unwrap_or_default();
            let complete = !course_title.is_empty() && modules.iter().all(|m| !m.title.is_empty());
            LanguageTitles {
                lang: code.to_string(),
                name: name.to_string(),
                dir: if i18n::is_rtl(code) { "rtl" } else { "ltr" },
                course_title,
                modules,
                complete,
            }
        })
        .collect();
    Ok(CourseTitles {
        course_id,
        code: course.code,
        title: course.title,
        translated: 1 + languages.iter().filter(|l| l.complete).count(),
        languages_total: i18n::PARTICIPANT_LANGUAGES.len(),
        languages,
    })
}

/// Saves the course's titles in `lang`.
pub fn save_titles(
    conn: &mut DbConn, actor: &Actor, course_id: CourseId, lang: &str, input: TitlesInput,
) -> AppResult<CourseTitles> {
    let org = actor.coordinator_org()?;
    if !target_languages().any(|(code, _)| *code == lang) {
        return Err(AppError::not_found("thing.language"));
    }
    let modules = planning::modules_of(conn, org, course_id)?;
    planning::get_course(conn, org, course_id)?;
    let course_title = validate::optional_text(
        "course_title",
        "label.title",
        Some(&input.course_title),
        MAX_TITLE,
    )?;
    let mut module_texts = Vec::new();
    for m in &input.modules {
        if !modules.iter().any(|known| known.id == m.module_id) {
            return Err(AppError::invalid("modules", Text::key("error.titles.unknown_module")));
        }
        let title =
            validate::optional_text("module_title", "label.title", Some(&m.title), MAX_TITLE)?;
        let description = validate::optional_text(
            "description",
            "courses.description",
            Some(&m.description),
            MAX_DESCRIPTION,
        )?
        .unwrap_or_default();
        if title.is_none() && !description.is_empty() {
            return Err(AppError::invalid(
                "module_title",
                Text::key("error.required").arg_key("label", "label.title"),
            ));
        }
        module_texts.push((m.module_id, title.map(|t| (t, description))));
    }
    write_transaction(conn, |conn| {
        repo::set_course_title(conn, org, course_id, lang, course_title.as_deref())?;
        for (id, text) in &module_texts {
            let text = text.as_ref().map(|(t, d)| (t.as_str(), d.as_str()));
            repo::set_module_title(conn, org, *id, lang, text)?;
        }
        audit::Entry::new(Some(org), Some(actor.user_id), "course.translate")
            .on("course", Some(course_id.into()))
            .detail(lang)
            .record(conn)
    })?;
    titles_of(conn, org, course_id)
}

/// Module titles in `lang` where translated, for the domains above (the caller checked the
/// organisation).
pub fn module_titles_in(
    conn: &mut DbConn, org: OrgId, modules: &[ModuleId], lang: &str,
) -> AppResult<HashMap<ModuleId, String>> {
    if lang == i18n::DEFAULT_LANG || modules.is_empty() {
        return Ok(HashMap::new());
    }
    Ok(repo::module_titles(conn, org, modules)?
        .into_iter()
        .filter(|(_, l, _, _)| l == lang)
        .map(|(id, _, title, _)| (id, title))
        .collect())
}

/// The course's title in `lang` where translated (the caller checked the organisation).
pub fn course_title_in(
    conn: &mut DbConn, org: OrgId, course: CourseId, lang: &str,
) -> AppResult<Option<String>> {
    Ok(repo::course_titles(conn, org, course)?.into_iter().find(|(l, _)| l == lang).map(|(_, t)| t))
}
