use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::db::schema::stakeholders;

/// The groups a municipality asks, as stored (`code`) and as shown (German, English).
pub const GROUPS: &[(&str, &str, &str)] = &[
    ("landlord", "Vermieter/in", "Landlord"),
    ("social_worker", "Sozialarbeit", "Social worker"),
    (
        "housing_company",
        "Wohnungsunternehmen / Genossenschaft",
        "Housing company or cooperative",
    ),
    (
        "vhs",
        "Volkshochschule (VHS)",
        "Adult education centre (VHS)",
    ),
    ("volunteer", "Ehrenamt", "Volunteer"),
    (
        "target_group",
        "Zielgruppe (Neuzugewanderte)",
        "Target group",
    ),
    ("other", "Sonstige", "Other"),
];

pub fn is_group(code: &str) -> bool {
    GROUPS.iter().any(|(c, _, _)| *c == code)
}

pub fn group_name(code: &str) -> &'static str {
    GROUPS
        .iter()
        .find(|(c, _, _)| *c == code)
        .map(|(_, de, _)| *de)
        .unwrap_or("Sonstige")
}

#[derive(Debug, Clone, Queryable, Selectable, Serialize, ToSchema)]
#[diesel(table_name = stakeholders)]
pub struct Stakeholder {
    pub id: i32,
    #[serde(skip)]
    pub organisation_id: i32,
    /// One of `landlord`, `social_worker`, `housing_company`, `vhs`, `volunteer`,
    /// `target_group`, `other`.
    pub stakeholder_group: String,
    pub name: String,
    /// The contact's own organisation (a housing company, a counselling service).
    pub organisation_name: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub preferred_language: String,
    /// Agreed to be contacted (invitations and reminders by email need it).
    pub contact_consent: bool,
    #[serde(serialize_with = "crate::time::utc")]
    pub created_at: NaiveDateTime,
    #[serde(serialize_with = "crate::time::utc")]
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, Insertable, AsChangeset)]
#[diesel(table_name = stakeholders)]
#[diesel(treat_none_as_null = true)]
pub struct StakeholderForm {
    pub stakeholder_group: String,
    pub name: String,
    pub organisation_name: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub preferred_language: String,
    pub contact_consent: bool,
}

/// A contact as entered in the form, the API or one import row (not yet checked).
#[derive(Debug, Default, Clone, Deserialize, Serialize, ToSchema)]
#[serde(default)]
pub struct NewStakeholder {
    pub stakeholder_group: String,
    pub name: String,
    pub organisation_name: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    /// Language code, e.g. "de", "ar", "uk"; German when empty.
    pub preferred_language: String,
    pub contact_consent: bool,
}
