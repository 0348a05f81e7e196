use diesel::prelude::*;

use super::models::{Organisation, OrganisationInsertForm};
use crate::db::schema::organisations;
use crate::db::DbConn;
use crate::error::{AppError, AppResult};

pub fn insert(conn: &mut DbConn, form: &OrganisationInsertForm) -> AppResult<Organisation> {
    Ok(diesel::insert_into(organisations::table)
        .values(form)
        .get_result(conn)?)
}

pub fn list(conn: &mut DbConn) -> AppResult<Vec<Organisation>> {
    Ok(organisations::table
        .order(organisations::name.asc())
        .select(Organisation::as_select())
        .load(conn)?)
}

pub fn get(conn: &mut DbConn, id: i32) -> AppResult<Organisation> {
    organisations::table
        .find(id)
        .select(Organisation::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| AppError::not_found("Die Organisation"))
}

pub fn find_by_slug(conn: &mut DbConn, slug: &str) -> AppResult<Option<Organisation>> {
    Ok(organisations::table
        .filter(organisations::slug.eq(slug))
        .select(Organisation::as_select())
        .first(conn)
        .optional()?)
}
