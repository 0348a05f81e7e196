//! Uploaded lists kept between preview and confirmation (`import_batches`).

use diesel::prelude::*;

use crate::db::schema::import_batches;
use crate::db::DbConn;
use crate::error::AppResult;
use crate::ids::{OrgId, UserId};

crate::db::text_enum! {
    /// What an uploaded list holds, so one import's confirmation cannot take another's rows.
    pub enum ImportKind("import kind") {
        Participants = "participants",
        Stakeholders = "stakeholders",
    }
}

pub fn insert_import_batch(
    conn: &mut DbConn, org: OrgId, user_id: UserId, kind: ImportKind, rows_json: &str,
) -> AppResult<i32> {
    Ok(diesel::insert_into(import_batches::table)
        .values((
            import_batches::organisation_id.eq(org),
            import_batches::created_by.eq(user_id),
            import_batches::rows_json.eq(rows_json),
            import_batches::created_at.eq(crate::time::now_utc()),
            import_batches::kind.eq(kind),
        ))
        .returning(import_batches::id)
        .get_result(conn)?)
}

/// A batch of the same organisation and uploader.
pub fn import_batch(
    conn: &mut DbConn, org: OrgId, user_id: UserId, kind: ImportKind, id: i32,
) -> AppResult<Option<String>> {
    Ok(import_batches::table
        .filter(import_batches::id.eq(id))
        .filter(import_batches::kind.eq(kind))
        .filter(import_batches::organisation_id.eq(org))
        .filter(import_batches::created_by.eq(user_id))
        .select(import_batches::rows_json)
        .first(conn)
        .optional()?)
}

pub fn delete_import_batch(conn: &mut DbConn, id: i32) -> AppResult<()> {
    diesel::delete(import_batches::table.find(id)).execute(conn)?;
    Ok(())
}

pub fn purge_old_import_batches(conn: &mut DbConn, before: chrono::NaiveDateTime) -> AppResult<()> {
    diesel::delete(import_batches::table.filter(import_batches::created_at.lt(before)))
        .execute(conn)?;
    Ok(())
}
