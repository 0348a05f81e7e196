//! SQL of the audit log's reading side: filtered, paginated, always scoped.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::schema::{audit_log, organisations, users};
use crate::db::DbConn;
use crate::error::AppResult;
use crate::ids::{OrgId, ParticipantId, UserId};

/// Whose entries a query may see: one organisation's, or (an admin) the whole service's,
/// optionally narrowed to one organisation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Within {
    Organisation(OrgId),
    Service(Option<OrgId>),
}

/// The checked filter, as the repository applies it.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub from: Option<NaiveDateTime>,
    /// Exclusive.
    pub until: Option<NaiveDateTime>,
    pub action_prefix: Option<String>,
    pub actor: Option<UserId>,
    pub entity: Option<String>,
    pub entity_id: Option<i32>,
    pub participant: Option<ParticipantId>,
}

/// One entry with who did it and, across organisations, where.
#[derive(Debug, Clone, Queryable)]
pub struct StoredEntry {
    pub id: i32,
    pub organisation_id: Option<OrgId>,
    pub organisation_name: Option<String>,
    pub actor_user_id: Option<UserId>,
    pub actor_name: Option<String>,
    pub action: String,
    pub entity: String,
    pub entity_id: Option<i32>,
    pub detail: String,
    pub participant_id: Option<ParticipantId>,
    pub stakeholder_id: Option<i32>,
    pub created_at: NaiveDateTime,
}

/// `LIKE` treats `%` and `_` as wildcards; action codes contain `_`.
fn like_prefix(prefix: &str) -> String {
    let mut out = String::with_capacity(prefix.len() + 1);
    for c in prefix.chars() {
        if matches!(c, '%' | '_' | '!') {
            out.push('!');
        }
        out.push(c);
    }
    out.push('%');
    out
}

/// The entries matching `filter`, newest first: `limit` of them after skipping `offset`.
pub fn entries(
    conn: &mut DbConn, within: Within, filter: &Filter, offset: i64, limit: i64,
) -> AppResult<Vec<StoredEntry>> {
    let mut q = audit_log::table
        .left_join(users::table.on(users::id.nullable().eq(audit_log::actor_user_id)))
        .left_join(
            organisations::table.on(organisations::id.nullable().eq(audit_log::organisation_id)),
        )
        .select((
            audit_log::id,
            audit_log::organisation_id,
            organisations::name.nullable(),
            audit_log::actor_user_id,
            users::display_name.nullable(),
            audit_log::action,
            audit_log::entity,
            audit_log::entity_id,
            audit_log::detail,
            audit_log::participant_id,
            audit_log::stakeholder_id,
            audit_log::created_at,
        ))
        .into_boxed();
    q = match within {
        Within::Organisation(org) | Within::Service(Some(org)) => {
            q.filter(audit_log::organisation_id.eq(org))
        }
        Within::Service(None) => q,
    };
    if let Some(from) = filter.from {
        q = q.filter(audit_log::created_at.ge(from));
    }
    if let Some(until) = filter.until {
        q = q.filter(audit_log::created_at.lt(until));
    }
    if let Some(prefix) = &filter.action_prefix {
        q = q.filter(audit_log::action.like(like_prefix(prefix)).escape('!'));
    }
    if let Some(actor) = filter.actor {
        q = q.filter(audit_log::actor_user_id.eq(actor));
    }
    if let Some(entity) = &filter.entity {
        q = q.filter(audit_log::entity.eq(entity.clone()));
    }
    if let Some(id) = filter.entity_id {
        q = q.filter(audit_log::entity_id.eq(id));
    }
    if let Some(p) = filter.participant {
        // An entry is about a person when it says so, or when the person is its entity.
        q =
            q.filter(audit_log::participant_id.eq(p).or(
                audit_log::entity.eq("participant").and(audit_log::entity_id.eq(i32::from(p))),
            ));
    }
    Ok(q.order((audit_log::created_at.desc(), audit_log::id.desc()))
        .offset(offset)
        .limit(limit)
        .load(conn)?)
}

/// (id, display name) of the people whose actions a scope may filter by.
pub fn actors(conn: &mut DbConn, within: Within) -> AppResult<Vec<(UserId, String)>> {
    let q = users::table.select((users::id, users::display_name)).into_boxed();
    let q = match within {
        Within::Organisation(org) | Within::Service(Some(org)) => {
            q.filter(users::organisation_id.eq(org))
        }
        Within::Service(None) => q,
    };
    Ok(q.order((users::display_name, users::id)).load(conn)?)
}

/// (id, name) of every organisation, for an admin's filter.
pub fn organisations(conn: &mut DbConn) -> AppResult<Vec<(OrgId, String)>> {
    Ok(organisations::table
        .select((organisations::id, organisations::name))
        .order((organisations::name, organisations::id))
        .load(conn)?)
}

/// Whether the organisation exists (an admin's filter names one).
pub fn organisation_exists(conn: &mut DbConn, org: OrgId) -> AppResult<bool> {
    Ok(diesel::select(diesel::dsl::exists(organisations::table.filter(organisations::id.eq(org))))
        .get_result(conn)?)
}

#[cfg(test)]
mod tests {
    use super::like_prefix;

    #[test]
    fn a_prefix_matches_only_itself_and_what_follows() {
        assert_eq!(like_prefix("api_token"), "api!_token%");
        assert_eq!(like_prefix("50%!"), "50!%!!%");
    }
}
