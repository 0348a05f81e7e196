//! Audit log: who changed what and when, scoped by organisation.
//!
//! Rules: written in the same transaction as the change; holds ids and short codes, never
//! personal data, tokens or free-text reasons (those stay in their own rows, where erasure
//! can reach them).

use diesel::prelude::*;

use crate::db::schema::audit_log;
use crate::db::DbConn;
use crate::error::AppResult;
use crate::ids::{OrgId, UserId};

pub fn record(
    conn: &mut DbConn, organisation_id: Option<OrgId>, actor_user_id: Option<UserId>, action: &str,
    entity: &str, entity_id: Option<i32>, detail: &str,
) -> AppResult<()> {
    diesel::insert_into(audit_log::table)
        .values((
            audit_log::organisation_id.eq(organisation_id),
            audit_log::actor_user_id.eq(actor_user_id),
            audit_log::action.eq(action),
            audit_log::entity.eq(entity),
            audit_log::entity_id.eq(entity_id),
            audit_log::detail.eq(detail),
            audit_log::created_at.eq(crate::time::now_utc()),
        ))
        .execute(conn)?;
    Ok(())
}

pub fn count_for_entity(conn: &mut DbConn, entity: &str, entity_id: i32) -> AppResult<i64> {
    Ok(audit_log::table
        .filter(audit_log::entity.eq(entity))
        .filter(audit_log::entity_id.eq(entity_id))
        .count()
        .get_result(conn)?)
}
