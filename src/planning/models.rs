use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::db::schema::{course_modules, course_runs, courses, locations, training_sessions};
use crate::ids::{CourseId, LocationId, ModuleId, OrgId, RunId, SessionId, UserId};

#[derive(Debug, Clone, Queryable, Selectable, Serialize, ToSchema)]
#[diesel(table_name = courses)]
pub struct Course {
    #[schema(value_type = i32)]
    pub id: CourseId,
    #[schema(value_type = i32)]
    pub organisation_id: OrgId,
    pub code: String,
    pub title: String,
    pub description: String,
    #[serde(serialize_with = "crate::time::utc")]
    pub created_at: NaiveDateTime,
    /// Minimum share of the run's sessions a participant must attend, in percent.
    pub min_attendance_percent: Option<i32>,
    /// The final test, when the course has one.
    pub test_max_points: Option<i32>,
    pub test_pass_points: Option<i32>,
    /// Questions that must be answered correctly, whatever the points.
    pub test_must_pass_questions: i32,
    /// Archived: gone from lists and choices, history kept; can be restored.
    #[serde(serialize_with = "crate::time::utc_opt")]
    #[schema(value_type = Option<String>)]
    pub archived_at: Option<NaiveDateTime>,
}

#[derive(Insertable)]
#[diesel(table_name = courses)]
pub struct CourseInsertForm {
    pub organisation_id: OrgId,
    pub code: String,
    pub title: String,
    pub description: String,
    pub created_at: NaiveDateTime,
}

/// The completion rule and final test of a course.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct CourseRules {
    /// 1–100; none: only the mandatory modules count.
    pub min_attendance_percent: Option<i32>,
    /// Points of the final test; none: the course has no test.
    pub test_max_points: Option<i32>,
    pub test_pass_points: Option<i32>,
    pub test_must_pass_questions: i32,
}

#[derive(Debug, Clone, Queryable, Selectable, Serialize, ToSchema)]
#[diesel(table_name = course_modules)]
pub struct CourseModule {
    #[schema(value_type = i32)]
    pub id: ModuleId,
    #[schema(value_type = i32)]
    pub organisation_id: OrgId,
    #[schema(value_type = i32)]
    pub course_id: CourseId,
    pub position: i32,
    pub title: String,
    pub duration_minutes: i32,
    pub mandatory: bool,
    pub description: String,
}

#[derive(Insertable)]
#[diesel(table_name = course_modules)]
pub struct CourseModuleInsertForm {
    pub organisation_id: OrgId,
    pub course_id: CourseId,
    pub position: i32,
    pub title: String,
    pub duration_minutes: i32,
    pub mandatory: bool,
    pub description: String,
}

/// A run as stored in `course_runs`; its interpreter languages are rows of their own.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = course_runs)]
pub struct CourseRunRow {
    pub id: RunId,
    pub organisation_id: OrgId,
    pub course_id: CourseId,
    pub start_date: NaiveDate,
    pub end_date: NaiveDate,
    pub place: String,
    pub capacity: i32,
    pub created_at: NaiveDateTime,
    pub calendar_token: Option<String>,
    pub archived_at: Option<NaiveDateTime>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CourseRun {
    #[schema(value_type = i32)]
    pub id: RunId,
    #[schema(value_type = i32)]
    pub organisation_id: OrgId,
    #[schema(value_type = i32)]
    pub course_id: CourseId,
    pub start_date: NaiveDate,
    pub end_date: NaiveDate,
    pub place: String,
    pub capacity: i32,
    /// Comma-separated language codes, e.g. "ar,fa".
    #[serde(serialize_with = "crate::db::text_enum::comma_separated")]
    #[schema(value_type = String)]
    pub interpreter_languages: Vec<String>,
    #[serde(serialize_with = "crate::time::utc")]
    pub created_at: NaiveDateTime,
    #[serde(skip)]
    pub calendar_token: Option<String>,
    /// Archived: gone from lists and choices, history kept; can be restored.
    #[serde(serialize_with = "crate::time::utc_opt")]
    #[schema(value_type = Option<String>)]
    pub archived_at: Option<NaiveDateTime>,
}

impl CourseRun {
    pub fn from_row(row: CourseRunRow, interpreter_languages: Vec<String>) -> CourseRun {
        CourseRun {
            id: row.id,
            organisation_id: row.organisation_id,
            course_id: row.course_id,
            start_date: row.start_date,
            end_date: row.end_date,
            place: row.place,
            capacity: row.capacity,
            interpreter_languages,
            created_at: row.created_at,
            calendar_token: row.calendar_token,
            archived_at: row.archived_at,
        }
    }
}

#[derive(Insertable)]
#[diesel(table_name = course_runs)]
pub struct CourseRunInsertForm {
    pub organisation_id: OrgId,
    pub course_id: CourseId,
    pub start_date: NaiveDate,
    pub end_date: NaiveDate,
    pub place: String,
    pub capacity: i32,
    pub created_at: NaiveDateTime,
}

/// A session as stored in `training_sessions`; its interpreter languages are rows of their
/// own.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = training_sessions)]
pub struct TrainingSessionRow {
    pub id: SessionId,
    pub organisation_id: OrgId,
    pub run_id: RunId,
    pub starts_at: NaiveDateTime,
    pub ends_at: NaiveDateTime,
    pub location_id: Option<LocationId>,
    pub trainer_id: Option<UserId>,
    pub cancelled: bool,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TrainingSession {
    #[schema(value_type = i32)]
    pub id: SessionId,
    #[schema(value_type = i32)]
    pub organisation_id: OrgId,
    #[schema(value_type = i32)]
    pub run_id: RunId,
    #[serde(serialize_with = "crate::time::utc")]
    pub starts_at: NaiveDateTime,
    #[serde(serialize_with = "crate::time::utc")]
    pub ends_at: NaiveDateTime,
    #[schema(value_type = Option<i32>)]
    pub location_id: Option<LocationId>,
    #[schema(value_type = Option<i32>)]
    pub trainer_id: Option<UserId>,
    pub cancelled: bool,
    #[serde(serialize_with = "crate::time::utc")]
    pub created_at: NaiveDateTime,
    /// Comma-separated language codes; empty: as planned for the run.
    #[serde(serialize_with = "crate::db::text_enum::comma_separated")]
    #[schema(value_type = String)]
    pub interpreter_languages: Vec<String>,
}

impl TrainingSession {
    pub fn from_row(
        row: TrainingSessionRow, interpreter_languages: Vec<String>,
    ) -> TrainingSession {
        TrainingSession {
            id: row.id,
            organisation_id: row.organisation_id,
            run_id: row.run_id,
            starts_at: row.starts_at,
            ends_at: row.ends_at,
            location_id: row.location_id,
            trainer_id: row.trainer_id,
            cancelled: row.cancelled,
            created_at: row.created_at,
            interpreter_languages,
        }
    }
}

#[derive(Insertable)]
#[diesel(table_name = training_sessions)]
pub struct TrainingSessionInsertForm {
    pub organisation_id: OrgId,
    pub run_id: RunId,
    pub starts_at: NaiveDateTime,
    pub ends_at: NaiveDateTime,
    pub location_id: Option<LocationId>,
    pub trainer_id: Option<UserId>,
    pub cancelled: bool,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Serialize, ToSchema)]
#[diesel(table_name = locations)]
pub struct Location {
    #[schema(value_type = i32)]
    pub id: LocationId,
    #[schema(value_type = i32)]
    pub organisation_id: OrgId,
    pub name: String,
    pub address: String,
    pub room: String,
    pub capacity: Option<i32>,
    /// Archived: gone from the session form's choices, history kept; can be restored.
    #[serde(serialize_with = "crate::time::utc_opt")]
    #[schema(value_type = Option<String>)]
    pub archived_at: Option<NaiveDateTime>,
}

/// Input for a new course, from the form or the API (and what the form shows again).
#[derive(Debug, Default, Clone, Deserialize, Serialize, ToSchema)]
#[serde(default)]
pub struct NewCourse {
    pub code: String,
    pub title: String,
    pub description: String,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct NewModule {
    pub title: String,
    pub duration_minutes: i32,
    #[serde(default)]
    pub mandatory: bool,
    #[serde(default)]
    pub description: String,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct NewRun {
    pub start_date: NaiveDate,
    pub end_date: NaiveDate,
    pub place: String,
    pub capacity: i32,
    /// Language codes of the interpreters, e.g. ["ar", "fa"].
    #[serde(default)]
    pub interpreter_languages: Vec<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct NewSession {
    /// Local time in Europe/Berlin, e.g. "2026-12-01T09:00", or RFC 3339 with an offset.
    #[serde(deserialize_with = "crate::validate::de_local_datetime")]
    #[schema(value_type = String, example = "2026-12-01T09:00")]
    pub starts_at: NaiveDateTime,
    /// Local time in Europe/Berlin, e.g. "2026-12-01T11:00", or RFC 3339 with an offset.
    #[serde(deserialize_with = "crate::validate::de_local_datetime")]
    #[schema(value_type = String, example = "2026-12-01T11:00")]
    pub ends_at: NaiveDateTime,
    /// A registered location of the organisation (see `GET /api/v1/locations`); wins over
    /// `location`.
    #[serde(default)]
    #[schema(value_type = Option<i32>)]
    pub location_id: Option<LocationId>,
    /// A location by name: a registered one (case and spaces do not matter), or a new one.
    #[serde(default)]
    pub location: String,
    /// The lead trainer.
    #[serde(default)]
    #[schema(value_type = Option<i32>)]
    pub trainer_id: Option<UserId>,
    /// Further trainers (co-trainers).
    #[serde(default)]
    #[schema(value_type = Vec<i32>)]
    pub trainer_ids: Vec<UserId>,
    #[serde(default)]
    #[schema(value_type = Vec<i32>)]
    pub module_ids: Vec<ModuleId>,
    /// Interpreter languages of this session, e.g. ["ar"]; empty: as planned for the run.
    #[serde(default)]
    pub interpreter_languages: Vec<String>,
}

#[derive(Debug, Default, Clone, Deserialize, ToSchema)]
#[serde(default)]
pub struct NewLocation {
    pub name: String,
    pub address: String,
    pub room: String,
    pub capacity: Option<i32>,
}

/// A session as shown in lists: times in local time, names resolved.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SessionView {
    #[schema(value_type = i32)]
    pub id: SessionId,
    #[schema(value_type = i32)]
    pub run_id: RunId,
    pub course_title: String,
    pub course_code: String,
    pub date: String,
    pub starts_at_local: String,
    pub ends_at_local: String,
    #[serde(serialize_with = "crate::time::utc")]
    pub starts_at: NaiveDateTime,
    #[serde(serialize_with = "crate::time::utc")]
    pub ends_at: NaiveDateTime,
    pub location: String,
    #[schema(value_type = Option<i32>)]
    pub trainer_id: Option<UserId>,
    /// Names of all trainers, comma-separated.
    pub trainer_name: String,
    #[schema(value_type = Vec<i32>)]
    pub trainer_ids: Vec<UserId>,
    #[schema(value_type = Option<i32>)]
    pub location_id: Option<LocationId>,
    /// Planning problems: a trainer or room booked twice, a room too small.
    pub warnings: Vec<String>,
    /// Interpreter languages of this session (names), when set for the session.
    pub interpreter_languages: String,
    pub interpreter_language_codes: Vec<String>,
    pub modules: Vec<String>,
    #[schema(value_type = Vec<i32>)]
    pub module_ids: Vec<ModuleId>,
    pub cancelled: bool,
    pub is_today: bool,
}
