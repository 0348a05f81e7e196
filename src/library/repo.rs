//! SQL of the library: templates, their versions and the copies organisations made.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;
use utoipa::ToSchema;

use crate::db::schema::{library_copies, library_templates, library_versions, organisations};
use crate::db::DbConn;
use crate::error::{AppError, AppResult};
use crate::ids::{OrgId, ProgrammeId, TemplateId};

crate::db::text_enum! {
    /// What a template is of.
    pub enum TemplateKind("template kind") {
        Course = "course",
        Survey = "survey",
    }
}

#[derive(Debug, Clone, Queryable, Selectable, Serialize, ToSchema)]
#[diesel(table_name = library_templates)]
pub struct Template {
    #[schema(value_type = i32)]
    pub id: TemplateId,
    #[schema(value_type = i32)]
    pub programme_id: ProgrammeId,
    /// The publishing member; none: the programme's starter set.
    #[serde(skip)]
    pub organisation_id: Option<OrgId>,
    pub kind: TemplateKind,
    #[serde(skip)]
    pub source_id: Option<i32>,
    pub title: String,
    /// The latest version (from 1).
    pub version: i32,
    #[serde(serialize_with = "crate::time::utc")]
    pub published_at: NaiveDateTime,
    #[serde(skip)]
    pub withdrawn_at: Option<NaiveDateTime>,
}

#[derive(Insertable)]
#[diesel(table_name = library_templates)]
pub struct TemplateInsertForm {
    pub programme_id: ProgrammeId,
    pub organisation_id: Option<OrgId>,
    pub kind: TemplateKind,
    pub source_id: Option<i32>,
    pub title: String,
    pub version: i32,
    pub published_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = library_copies)]
pub struct CopyRow {
    pub id: i32,
    pub organisation_id: OrgId,
    pub template_id: TemplateId,
    pub version: i32,
    pub kind: TemplateKind,
    pub target_id: i32,
    pub copied_at: NaiveDateTime,
}

#[derive(Insertable)]
#[diesel(table_name = library_copies)]
pub struct CopyInsertForm {
    pub organisation_id: OrgId,
    pub template_id: TemplateId,
    pub version: i32,
    pub kind: TemplateKind,
    pub target_id: i32,
    pub copied_at: NaiveDateTime,
}

pub fn insert_template(conn: &mut DbConn, form: &TemplateInsertForm) -> AppResult<TemplateId> {
    Ok(diesel::insert_into(library_templates::table)
        .values(form)
        .returning(library_templates::id)
        .get_result(conn)?)
}

pub fn insert_version(
    conn: &mut DbConn, template: TemplateId, version: i32, content: &str, at: NaiveDateTime,
) -> AppResult<()> {
    diesel::insert_into(library_versions::table)
        .values((
            library_versions::template_id.eq(template),
            library_versions::version.eq(version),
            library_versions::content.eq(content),
            library_versions::published_at.eq(at),
        ))
        .execute(conn)?;
    Ok(())
}

/// Moves the template to `version` if it still is at `version - 1` (two publishers at once:
/// one wins, the other gets 0 and retries nothing).
pub fn bump(
    conn: &mut DbConn, id: TemplateId, version: i32, title: &str, at: NaiveDateTime,
) -> AppResult<usize> {
    Ok(diesel::update(
        library_templates::table.find(id).filter(library_templates::version.eq(version - 1)),
    )
    .set((
        library_templates::version.eq(version),
        library_templates::title.eq(title),
        library_templates::published_at.eq(at),
        library_templates::withdrawn_at.eq(None::<NaiveDateTime>),
    ))
    .execute(conn)?)
}

pub fn get(conn: &mut DbConn, id: TemplateId) -> AppResult<Template> {
    library_templates::table
        .find(id)
        .select(Template::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| AppError::not_found("thing.template"))
}

/// The template an organisation published from its course or survey in a programme.
pub fn published_from(
    conn: &mut DbConn, programme: ProgrammeId, org: OrgId, kind: TemplateKind, source: i32,
) -> AppResult<Option<Template>> {
    Ok(library_templates::table
        .filter(library_templates::programme_id.eq(programme))
        .filter(library_templates::organisation_id.eq(org))
        .filter(library_templates::kind.eq(kind))
        .filter(library_templates::source_id.eq(source))
        .select(Template::as_select())
        .first(conn)
        .optional()?)
}

/// The programme's templates that can be copied, with the publisher's name (none: the
/// starter set), starter set first, then by title.
pub fn available(
    conn: &mut DbConn, programme: ProgrammeId,
) -> AppResult<Vec<(Template, Option<String>)>> {
    Ok(library_templates::table
        .left_join(organisations::table)
        .filter(library_templates::programme_id.eq(programme))
        .filter(library_templates::withdrawn_at.is_null())
        .order((library_templates::organisation_id.is_not_null(), library_templates::title.asc()))
        .select((Template::as_select(), organisations::name.nullable()))
        .load(conn)?)
}

pub fn content(conn: &mut DbConn, id: TemplateId, version: i32) -> AppResult<String> {
    library_versions::table
        .find((id, version))
        .select(library_versions::content)
        .first(conn)
        .optional()?
        .ok_or_else(|| AppError::not_found("thing.template_version"))
}

/// The versions of a template: number and when, newest first.
pub fn versions(conn: &mut DbConn, id: TemplateId) -> AppResult<Vec<(i32, NaiveDateTime)>> {
    Ok(library_versions::table
        .filter(library_versions::template_id.eq(id))
        .order(library_versions::version.desc())
        .select((library_versions::version, library_versions::published_at))
        .load(conn)?)
}

/// Withdraws a template: nobody can copy it any more.
pub fn withdraw_one(conn: &mut DbConn, id: TemplateId, at: NaiveDateTime) -> AppResult<usize> {
    Ok(diesel::update(
        library_templates::table.find(id).filter(library_templates::withdrawn_at.is_null()),
    )
    .set(library_templates::withdrawn_at.eq(Some(at)))
    .execute(conn)?)
}

pub fn insert_copy(conn: &mut DbConn, form: &CopyInsertForm) -> AppResult<()> {
    diesel::insert_into(library_copies::table).values(form).execute(conn)?;
    Ok(())
}

/// The organisation's copies, with their template, newest first.
pub fn copies_of(conn: &mut DbConn, org: OrgId) -> AppResult<Vec<(CopyRow, Template)>> {
    Ok(library_copies::table
        .inner_join(library_templates::table)
        .filter(library_copies::organisation_id.eq(org))
        .order(library_copies::copied_at.desc())
        .select((CopyRow::as_select(), Template::as_select()))
        .load(conn)?)
}

/// Marks the organisation's copies of a template as up to date with `version`.
pub fn acknowledge(
    conn: &mut DbConn, org: OrgId, template: TemplateId, version: i32,
) -> AppResult<usize> {
    Ok(diesel::update(
        library_copies::table
            .filter(library_copies::organisation_id.eq(org))
            .filter(library_copies::template_id.eq(template))
            .filter(library_copies::version.lt(version)),
    )
    .set(library_copies::version.eq(version))
    .execute(conn)?)
}
