use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::models::{ApiTokenInsertForm, User, UserInsertForm};
use crate::db::schema::{api_tokens, users};
use crate::db::DbConn;
use crate::error::AppResult;

pub fn insert_user(conn: &mut DbConn, form: &UserInsertForm) -> AppResult<User> {
    Ok(diesel::insert_into(users::table)
        .values(form)
        .get_result(conn)?)
}

pub fn find_by_email(conn: &mut DbConn, email: &str) -> AppResult<Option<User>> {
    Ok(users::table
        .filter(users::email.eq(email))
        .select(User::as_select())
        .first(conn)
        .optional()?)
}

pub fn find_by_id(conn: &mut DbConn, id: i32) -> AppResult<Option<User>> {
    Ok(users::table
        .find(id)
        .select(User::as_select())
        .first(conn)
        .optional()?)
}

pub fn list_for_organisation(conn: &mut DbConn, organisation_id: i32) -> AppResult<Vec<User>> {
    Ok(users::table
        .filter(users::organisation_id.eq(organisation_id))
        .order(users::display_name.asc())
        .select(User::as_select())
        .load(conn)?)
}

pub fn trainers_of(conn: &mut DbConn, organisation_id: i32) -> AppResult<Vec<User>> {
    Ok(users::table
        .filter(users::organisation_id.eq(organisation_id))
        .filter(users::role.eq_any(["trainer", "coordinator"]))
        .filter(users::active.eq(true))
        .order(users::display_name.asc())
        .select(User::as_select())
        .load(conn)?)
}

pub fn insert_api_token(conn: &mut DbConn, form: &ApiTokenInsertForm) -> AppResult<()> {
    diesel::insert_into(api_tokens::table)
        .values(form)
        .execute(conn)?;
    Ok(())
}

pub fn user_for_token_hash(
    conn: &mut DbConn,
    hash: &str,
    now: NaiveDateTime,
) -> AppResult<Option<User>> {
    Ok(api_tokens::table
        .inner_join(users::table)
        .filter(api_tokens::token_hash.eq(hash))
        .filter(api_tokens::expires_at.gt(now))
        .select(User::as_select())
        .first(conn)
        .optional()?)
}
