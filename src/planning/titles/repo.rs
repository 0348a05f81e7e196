use diesel::prelude::*;

use crate::db::schema::{course_title_translations, module_title_translations};
use crate::db::DbConn;
use crate::error::AppResult;
use crate::ids::{CourseId, ModuleId, OrgId};

/// (lang, title) of a course's translations.
pub fn course_titles(
    conn: &mut DbConn, org: OrgId, course: CourseId,
) -> AppResult<Vec<(String, String)>> {
    Ok(course_title_translations::table
        .filter(course_title_translations::organisation_id.eq(org))
        .filter(course_title_translations::course_id.eq(course))
        .select((course_title_translations::lang, course_title_translations::title))
        .load(conn)?)
}

/// (module, lang, title, description) of the given modules' translations.
pub fn module_titles(
    conn: &mut DbConn, org: OrgId, modules: &[ModuleId],
) -> AppResult<Vec<(ModuleId, String, String, String)>> {
    Ok(module_title_translations::table
        .filter(module_title_translations::organisation_id.eq(org))
        .filter(module_title_translations::module_id.eq_any(modules.to_vec()))
        .select((
            module_title_translations::module_id,
            module_title_translations::lang,
            module_title_translations::title,
            module_title_translations::description,
        ))
        .load(conn)?)
}

/// Replaces a course's title in `lang` (none: removes it).
pub fn set_course_title(
    conn: &mut DbConn, org: OrgId, course: CourseId, lang: &str, title: Option<&str>,
) -> AppResult<()> {
    diesel::delete(
        course_title_translations::table
            .filter(course_title_translations::course_id.eq(course))
            .filter(course_title_translations::lang.eq(lang)),
    )
    .execute(conn)?;
    if let Some(title) = title {
        diesel::insert_into(course_title_translations::table)
            .values((
                course_title_translations::course_id.eq(course),
                course_title_translations::organisation_id.eq(org),
                course_title_translations::lang.eq(lang),
                course_title_translations::title.eq(title),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// Replaces a module's title and description in `lang` (none: removes them).
pub fn set_module_title(
    conn: &mut DbConn, org: OrgId, module: ModuleId, lang: &str, text: Option<(&str, &str)>,
) -> AppResult<()> {
    diesel::delete(
        module_title_translations::table
            .filter(module_title_translations::module_id.eq(module))
            .filter(module_title_translations::lang.eq(lang)),
    )
    .execute(conn)?;
    if let Some((title, description)) = text {
        diesel::insert_into(module_title_translations::table)
            .values((
                module_title_translations::module_id.eq(module),
                module_title_translations::organisation_id.eq(org),
                module_title_translations::lang.eq(lang),
                module_title_translations::title.eq(title),
                module_title_translations::description.eq(description),
            ))
            .execute(conn)?;
    }
    Ok(())
}
