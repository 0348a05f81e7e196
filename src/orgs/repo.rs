use diesel::prelude::*;

use super::models::{ImageKind, Organisation, OrganisationInsertForm};
use crate::db::schema::{organisation_images, organisations};
use crate::db::DbConn;
use crate::error::{AppError, AppResult};
use crate::ids::OrgId;

pub fn insert(conn: &mut DbConn, form: &OrganisationInsertForm) -> AppResult<Organisation> {
    // The model does not select every column; a plain `get_result` would read them all.
    let id: i32 = diesel::insert_into(organisations::table)
        .values(form)
        .returning(organisations::id)
        .get_result(conn)?;
    Ok(organisations::table.find(id).select(Organisation::as_select()).first(conn)?)
}

pub fn list(conn: &mut DbConn) -> AppResult<Vec<Organisation>> {
    Ok(organisations::table
        .order(organisations::name.asc())
        .select(Organisation::as_select())
        .load(conn)?)
}

pub fn get(conn: &mut DbConn, id: OrgId) -> AppResult<Organisation> {
    organisations::table
        .find(id)
        .select(Organisation::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| AppError::not_found("thing.organisation"))
}

pub fn update_names(
    conn: &mut DbConn, id: OrgId, name: &str, issuer_name: &str, signatory_name: &str,
    signatory_title: &str,
) -> AppResult<()> {
    diesel::update(organisations::table.find(id))
        .set((
            organisations::name.eq(name),
            organisations::issuer_name.eq(issuer_name),
            organisations::signatory_name.eq(signatory_name),
            organisations::signatory_title.eq(signatory_title),
        ))
        .execute(conn)?;
    Ok(())
}

pub fn find_by_slug(conn: &mut DbConn, slug: &str) -> AppResult<Option<Organisation>> {
    Ok(organisations::table
        .filter(organisations::slug.eq(slug))
        .select(Organisation::as_select())
        .first(conn)
        .optional()?)
}

/// The organisation's logo or signature image as stored.
pub fn image(
    conn: &mut DbConn, org: OrgId, kind: ImageKind,
) -> AppResult<Option<(String, Vec<u8>)>> {
    Ok(organisation_images::table
        .filter(organisation_images::organisation_id.eq(org))
        .filter(organisation_images::kind.eq(kind))
        .select((organisation_images::content_type, organisation_images::bytes))
        .first(conn)
        .optional()?)
}

/// Replaces an image (delete + insert works the same on both databases).
pub fn set_image(
    conn: &mut DbConn, org: OrgId, kind: ImageKind, content_type: &str, bytes: &[u8],
    now: chrono::NaiveDateTime,
) -> AppResult<()> {
    delete_image(conn, org, kind)?;
    diesel::insert_into(organisation_images::table)
        .values((
            organisation_images::organisation_id.eq(org),
            organisation_images::kind.eq(kind),
            organisation_images::content_type.eq(content_type),
            organisation_images::bytes.eq(bytes),
            organisation_images::updated_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

pub fn delete_image(conn: &mut DbConn, org: OrgId, kind: ImageKind) -> AppResult<()> {
    diesel::delete(
        organisation_images::table
            .filter(organisation_images::organisation_id.eq(org))
            .filter(organisation_images::kind.eq(kind)),
    )
    .execute(conn)?;
    Ok(())
}
