use diesel::prelude::*;

use super::models::{Feedback, StatementRow};
use crate::db::schema::{accessibility_feedback, accessibility_statements};
use crate::db::DbConn;
use crate::error::AppResult;
use crate::ids::OrgId;

pub fn statement(conn: &mut DbConn, org: OrgId) -> AppResult<Option<StatementRow>> {
    Ok(accessibility_statements::table
        .find(org)
        .select(StatementRow::as_select())
        .first(conn)
        .optional()?)
}

/// Replaces the statement (delete + insert works the same on both databases).
pub fn save_statement(conn: &mut DbConn, row: &StatementRow) -> AppResult<()> {
    diesel::delete(accessibility_statements::table.find(row.organisation_id)).execute(conn)?;
    diesel::insert_into(accessibility_statements::table).values(row).execute(conn)?;
    Ok(())
}

pub fn insert_feedback(
    conn: &mut DbConn, org: OrgId, name: Option<&str>, email: Option<&str>, message: &str,
    now: chrono::NaiveDateTime,
) -> AppResult<i32> {
    Ok(diesel::insert_into(accessibility_feedback::table)
        .values((
            accessibility_feedback::organisation_id.eq(org),
            accessibility_feedback::sender_name.eq(name),
            accessibility_feedback::sender_email.eq(email),
            accessibility_feedback::message.eq(message),
            accessibility_feedback::created_at.eq(now),
        ))
        .returning(accessibility_feedback::id)
        .get_result(conn)?)
}

/// The organisation's feedback, newest first.
pub fn feedback_of(conn: &mut DbConn, org: OrgId) -> AppResult<Vec<Feedback>> {
    Ok(accessibility_feedback::table
        .filter(accessibility_feedback::organisation_id.eq(org))
        .order((accessibility_feedback::created_at.desc(), accessibility_feedback::id.desc()))
        .select(Feedback::as_select())
        .load(conn)?)
}

/// Deletes one feedback of the organisation; whether there was one.
pub fn delete_feedback(conn: &mut DbConn, org: OrgId, id: i32) -> AppResult<bool> {
    let n = diesel::delete(
        accessibility_feedback::table
            .filter(accessibility_feedback::organisation_id.eq(org))
            .filter(accessibility_feedback::id.eq(id)),
    )
    .execute(conn)?;
    Ok(n > 0)
}

pub fn feedback_one(conn: &mut DbConn, org: OrgId, id: i32) -> AppResult<Option<Feedback>> {
    Ok(accessibility_feedback::table
        .filter(accessibility_feedback::organisation_id.eq(org))
        .filter(accessibility_feedback::id.eq(id))
        .select(Feedback::as_select())
        .first(conn)
        .optional()?)
}
