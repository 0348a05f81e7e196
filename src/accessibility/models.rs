use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::db::schema::{accessibility_feedback, accessibility_statements};
use crate::ids::OrgId;

crate::db::text_enum! {
    /// How far the service meets BITV 2.0 / WCAG 2.1 AA, in the model text's three words.
    pub enum Conformity("conformity") {
        Full = "full",
        Partial = "partial",
        None = "none",
    }
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = accessibility_statements)]
pub struct StatementRow {
    pub organisation_id: OrgId,
    pub contact_name: String,
    pub contact_email: String,
    pub contact_phone: String,
    pub contact_address: String,
    pub conformity: Conformity,
    pub known_issues: String,
    pub prepared_on: Option<NaiveDate>,
    pub updated_at: NaiveDateTime,
}

/// An organisation's statement settings, as the coordinator and the API see them.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct StatementSettings {
    pub contact_name: String,
    pub contact_email: String,
    pub contact_phone: String,
    pub contact_address: String,
    /// `full`, `partial` or `none`.
    #[schema(schema_with = Conformity::schema_ref)]
    pub conformity: Conformity,
    /// What is not yet accessible, and why (running text).
    pub known_issues: String,
    /// The day the statement was prepared (shown as "Erstellung der Erklärung").
    pub prepared_on: Option<NaiveDate>,
}

/// A change of the statement settings, as the form or the API sends it (text, checked in
/// the use case).
#[derive(Debug, Default, Clone, Deserialize, Serialize, ToSchema)]
#[serde(default, deny_unknown_fields)]
pub struct StatementInput {
    pub contact_name: String,
    pub contact_email: String,
    pub contact_phone: String,
    pub contact_address: String,
    /// `full`, `partial` or `none`.
    pub conformity: String,
    pub known_issues: String,
    /// `YYYY-MM-DD`, or empty for today.
    pub prepared_on: String,
}

#[derive(Debug, Clone, Queryable, Selectable, Serialize, ToSchema)]
#[diesel(table_name = accessibility_feedback)]
pub struct Feedback {
    pub id: i32,
    #[serde(skip)]
    #[schema(value_type = i32)]
    pub organisation_id: OrgId,
    pub sender_name: Option<String>,
    pub sender_email: Option<String>,
    pub message: String,
    #[serde(serialize_with = "crate::time::utc")]
    pub created_at: NaiveDateTime,
}

/// What a visitor typed into the feedback form.
#[derive(Debug, Default, Clone, Deserialize, Serialize)]
#[serde(default)]
pub struct FeedbackInput {
    pub name: String,
    pub email: String,
    pub message: String,
}
