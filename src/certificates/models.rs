use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::db::schema::certificates;

pub const VALID: &str = "valid";
pub const REVOKED: &str = "revoked";
pub const REPLACED: &str = "replaced";

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = certificates)]
pub struct Certificate {
    pub id: i32,
    pub organisation_id: i32,
    pub participant_id: i32,
    pub run_id: i32,
    pub code: String,
    pub kid: i32,
    pub token: String,
    pub holder_name: String,
    pub course_code: String,
    pub course_title: String,
    pub completion_date: NaiveDate,
    pub issued_at: NaiveDateTime,
    pub issued_by: Option<i32>,
    pub status: String,
    pub revoked_at: Option<NaiveDateTime>,
    pub revocation_reason: Option<String>,
    pub replaced_by_id: Option<i32>,
}

#[derive(Insertable)]
#[diesel(table_name = certificates)]
pub struct CertificateInsertForm {
    pub organisation_id: i32,
    pub participant_id: i32,
    pub run_id: i32,
    pub code: String,
    pub kid: i32,
    pub token: String,
    pub holder_name: String,
    pub course_code: String,
    pub course_title: String,
    pub completion_date: NaiveDate,
    pub issued_at: NaiveDateTime,
    pub issued_by: Option<i32>,
    pub status: String,
}

/// What a coordinator sees of a certificate.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CertificateView {
    pub id: i32,
    pub participant_id: i32,
    pub run_id: i32,
    pub holder_name: String,
    pub code: String,
    pub course_code: String,
    pub completion_date: NaiveDate,
    pub issued_at: NaiveDateTime,
    pub status: String,
    pub verification_url: String,
    /// How often the certificate was checked (counts only, nobody's identity).
    pub checks: i64,
    pub last_checked: Option<NaiveDate>,
}

#[derive(Debug, Default, Serialize, ToSchema)]
pub struct IssueSummary {
    pub issued: Vec<CertificateView>,
    pub already_issued: usize,
    pub not_completed: usize,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct RevokeInput {
    /// Kept internal; never shown on the public page.
    pub reason: String,
}
