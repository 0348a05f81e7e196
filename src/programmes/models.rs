//! Rows of programmes, their reporting periods and members, and the forms that write them.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::db::schema::{programme_members, programme_periods, programmes};
use crate::ids::{OrgId, ProgrammeId};

crate::db::text_enum! {
    /// Where an organisation stands in a programme.
    pub enum MemberState("membership state") {
        /// Invited by an admin; the organisation's coordinators have not answered yet.
        Invited = "invited",
        /// Accepted: shares what it chose.
        Member = "member",
        /// Said no to the invitation.
        Declined = "declined",
        /// Left: shares nothing from then on.
        Left = "left",
    }
}

#[derive(Debug, Clone, Queryable, Selectable, Serialize, ToSchema)]
#[diesel(table_name = programmes)]
pub struct Programme {
    #[schema(value_type = i32)]
    pub id: ProgrammeId,
    pub name: String,
    /// Who funds it ("Freistaat Thüringen, TMASGFF").
    pub funding_body: String,
    pub created_at: NaiveDateTime,
}

#[derive(Insertable)]
#[diesel(table_name = programmes)]
pub struct ProgrammeInsertForm {
    pub name: String,
    pub funding_body: String,
    pub created_at: NaiveDateTime,
}

/// A reporting period: whole quarters, from the first day of one to the last day of one.
#[derive(Debug, Clone, Queryable, Selectable, Serialize, ToSchema)]
#[diesel(table_name = programme_periods)]
pub struct Period {
    pub id: i32,
    #[serde(skip)]
    pub programme_id: ProgrammeId,
    /// "Förderjahr 2026"
    pub label: String,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
}

#[derive(Insertable)]
#[diesel(table_name = programme_periods)]
pub struct PeriodInsertForm {
    pub programme_id: ProgrammeId,
    pub label: String,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = programme_members)]
pub struct MemberRow {
    pub programme_id: ProgrammeId,
    pub organisation_id: OrgId,
    pub state: MemberState,
    pub share_figures: bool,
    pub share_templates: bool,
    pub invited_at: NaiveDateTime,
    pub decided_at: Option<NaiveDateTime>,
}

#[derive(Insertable)]
#[diesel(table_name = programme_members)]
pub struct MemberInsertForm {
    pub programme_id: ProgrammeId,
    pub organisation_id: OrgId,
    pub state: MemberState,
    pub share_figures: bool,
    pub share_templates: bool,
    pub invited_at: NaiveDateTime,
    pub decided_at: Option<NaiveDateTime>,
}

/// A new programme as an admin enters it.
#[derive(Debug, Clone, Default, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewProgramme {
    pub name: String,
    pub funding_body: String,
    /// Its reporting periods; none: the calendar year of today.
    #[serde(default)]
    pub periods: Vec<NewPeriod>,
}

/// A reporting period as entered: whole quarters (`2026-01-01` to `2026-12-31`).
#[derive(Debug, Clone, Default, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewPeriod {
    pub label: String,
    /// The first day of a quarter, `2026-01-01` or `01.01.2026`.
    pub starts_on: String,
    /// The last day of a quarter, `2026-12-31` or `31.12.2026`.
    pub ends_on: String,
}

/// What a member organisation shares with the programme.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Sharing {
    /// Its figures, as aggregates with small numbers held back.
    #[serde(default)]
    pub figures: bool,
    /// Its published courses and surveys as templates for the other members.
    #[serde(default)]
    pub templates: bool,
}
