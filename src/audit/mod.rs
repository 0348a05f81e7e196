//! Audit log: who changed what and when, scoped by organisation.
//!
//! Rules:
//! - Written in the same transaction as the change; holds ids and short codes, never
//!   personal data, tokens or free-text reasons (those stay in their own rows, where erasure
//!   can reach them). A correction says what it was before and after as codes
//!   (`absent→present; revision 2→3`); an entry about one person names them with
//!   `about_participant` / `about_stakeholder`, so their access request lists it.
//! - Read by coordinators for their organisation and by admins across organisations
//!   (`service::Within`, settled by the handlers from the checked user); trainers and
//!   referrers are refused. Page, CSV and API share one filter (`service::AuditQuery`).
//! - Every CSV download of the log is itself an entry (`audit.export`), and its cells are
//!   formula-neutralised like every other export.
//! - Action codes are `<group>.<verb>` (`attendance.correct`); their words are the locale
//!   keys `audit.action.<code>`, so a new code shows as itself until it gets words.

use diesel::prelude::*;

use crate::db::schema::audit_log;
use crate::db::DbConn;
use crate::error::AppResult;
use crate::ids::{OrgId, ParticipantId, StakeholderId, UserId};

pub mod api;
pub mod pages;
pub mod repo;
pub mod service;

/// One audit entry: `Entry::new(org, user, "session.cancel").on("training_session",
/// Some(id)).record(conn)`.
pub struct Entry<'a> {
    organisation_id: Option<OrgId>,
    actor_user_id: Option<UserId>,
    action: &'a str,
    entity: &'a str,
    entity_id: Option<i32>,
    detail: &'a str,
    participant_id: Option<ParticipantId>,
    stakeholder_id: Option<StakeholderId>,
}

impl<'a> Entry<'a> {
    /// What was done, in which organisation (none: the whole service), by whom (none: the
    /// service itself or an operator's command).
    pub fn new(
        organisation_id: Option<OrgId>, actor_user_id: Option<UserId>, action: &'a str,
    ) -> Self {
        Entry {
            organisation_id,
            actor_user_id,
            action,
            entity: "",
            entity_id: None,
            detail: "",
            participant_id: None,
            stakeholder_id: None,
        }
    }

    /// What it was done to.
    pub fn on(self, entity: &'a str, entity_id: Option<i32>) -> Self {
        Entry { entity, entity_id, ..self }
    }

    /// The participant the entry is about, so their access request lists it.
    pub fn about_participant(self, participant_id: ParticipantId) -> Self {
        Entry { participant_id: Some(participant_id), ..self }
    }

    /// The stakeholder contact the entry is about.
    pub fn about_stakeholder(self, stakeholder_id: StakeholderId) -> Self {
        Entry { stakeholder_id: Some(stakeholder_id), ..self }
    }

    /// A short code or count (never personal data).
    pub fn detail(self, detail: &'a str) -> Self {
        Entry { detail, ..self }
    }

    /// Written in the caller's transaction.
    pub fn record(self, conn: &mut DbConn) -> AppResult<()> {
        diesel::insert_into(audit_log::table)
            .values((
                audit_log::organisation_id.eq(self.organisation_id),
                audit_log::actor_user_id.eq(self.actor_user_id),
                audit_log::action.eq(self.action),
                audit_log::entity.eq(self.entity),
                audit_log::entity_id.eq(self.entity_id),
                audit_log::detail.eq(self.detail),
                audit_log::participant_id.eq(self.participant_id),
                audit_log::stakeholder_id.eq(self.stakeholder_id),
                audit_log::created_at.eq(crate::time::now_utc()),
            ))
            .execute(conn)?;
        Ok(())
    }
}

pub fn count_for_entity(conn: &mut DbConn, entity: &str, entity_id: i32) -> AppResult<i64> {
    Ok(audit_log::table
        .filter(audit_log::entity.eq(entity))
        .filter(audit_log::entity_id.eq(entity_id))
        .count()
        .get_result(conn)?)
}
