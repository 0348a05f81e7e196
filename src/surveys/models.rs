use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::db::schema::{survey_invitations, survey_questions, surveys};

/// Free-text answers are cut off here unless a question sets a lower limit.
pub const MAX_TEXT_CHARS: i32 = 2000;
/// A group's results of an anonymous survey are shown from this many responses on.
pub const ANONYMITY_THRESHOLD: usize = 3;

#[derive(Debug, Clone, Queryable, Selectable, Serialize, ToSchema)]
#[diesel(table_name = surveys)]
pub struct Survey {
    pub id: i32,
    #[serde(skip)]
    pub organisation_id: i32,
    pub title: String,
    pub introduction: String,
    pub opens_on: NaiveDate,
    pub closes_on: NaiveDate,
    /// Comma-separated stakeholder groups, e.g. `landlord,social_worker`.
    pub audience: String,
    pub anonymous: bool,
    pub course_id: Option<i32>,
    pub reminder_max: i32,
    pub reminder_interval_days: i32,
    /// Groups that may answer through the open link.
    pub open_groups: String,
    #[serde(skip)]
    pub open_token: String,
    pub copied_from: Option<i32>,
    #[serde(serialize_with = "crate::time::utc")]
    pub created_at: NaiveDateTime,
    #[serde(serialize_with = "crate::time::utc")]
    pub updated_at: NaiveDateTime,
}

pub fn split_groups(list: &str) -> Vec<String> {
    list.split(',')
        .map(str::trim)
        .filter(|g| !g.is_empty())
        .map(str::to_string)
        .collect()
}

impl Survey {
    pub fn audience_groups(&self) -> Vec<String> {
        split_groups(&self.audience)
    }

    pub fn open_group_list(&self) -> Vec<String> {
        split_groups(&self.open_groups)
    }

    pub fn is_open_on(&self, day: NaiveDate) -> bool {
        self.opens_on <= day && day <= self.closes_on
    }
}

#[derive(Debug, Clone, Insertable, AsChangeset)]
#[diesel(table_name = surveys)]
pub struct SurveyForm {
    pub title: String,
    pub introduction: String,
    pub opens_on: NaiveDate,
    pub closes_on: NaiveDate,
    pub audience: String,
    pub anonymous: bool,
    #[diesel(treat_none_as_null = true)]
    pub course_id: Option<i32>,
    pub reminder_max: i32,
    pub reminder_interval_days: i32,
    pub open_groups: String,
}

/// A survey as entered (not yet checked).
#[derive(Debug, Default, Clone, Deserialize, Serialize, ToSchema)]
#[serde(default)]
pub struct NewSurvey {
    pub title: String,
    pub introduction: String,
    /// ISO date (`2026-12-01`) or German (`01.12.2026`).
    pub opens_on: String,
    pub closes_on: String,
    /// Stakeholder groups asked, e.g. `["landlord", "target_group"]`.
    pub audience: Vec<String>,
    pub anonymous: bool,
    /// The course whose modules a "rank these topics" question lists.
    pub course_id: Option<i32>,
    /// How many reminders at most (0–5); 2 when absent.
    pub reminder_max: Option<i32>,
    /// Days between reminders (1–60); 7 when absent.
    pub reminder_interval_days: Option<i32>,
    /// Groups that may answer through the open link (no personal token).
    pub open_groups: Vec<String>,
}

/// One answer option; `module_id` links a "rank these topics" option to a course module.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct QuestionOption {
    pub label: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub module_id: Option<i32>,
}

crate::db::text_enum! {
    /// What a question asks for. Stored as its code, which is also what the API reads and
    /// writes.
    pub enum QuestionKind("question kind") {
        Single = "single",
        Multiple = "multiple",
        /// 1 to 5; its options are at most the labels of 1 and 5.
        Scale = "scale",
        Text = "text",
        Number = "number",
        /// "Rank these topics": the options are the modules of the survey's course.
        Rank = "rank",
    }
}

impl QuestionKind {
    /// The kind of `code`, as entered: case and surrounding blanks do not matter.
    pub fn parse(code: &str) -> Option<QuestionKind> {
        QuestionKind::from_code(&code.trim().to_lowercase())
    }

    /// How the coordinator's pages call it.
    pub fn name(self) -> &'static str {
        match self {
            QuestionKind::Single => "Einfachauswahl",
            QuestionKind::Multiple => "Mehrfachauswahl",
            QuestionKind::Scale => "Skala 1–5",
            QuestionKind::Text => "Freitext",
            QuestionKind::Number => "Zahl",
            QuestionKind::Rank => "Themen ordnen (Module des Kurses)",
        }
    }

    /// Results count answers per option and draw a bar chart.
    pub fn is_charted(self) -> bool {
        matches!(
            self,
            QuestionKind::Single
                | QuestionKind::Multiple
                | QuestionKind::Scale
                | QuestionKind::Rank
        )
    }
}

#[derive(Debug, Clone, Queryable, Selectable, Serialize, ToSchema)]
#[diesel(table_name = survey_questions)]
pub struct Question {
    pub id: i32,
    #[serde(skip)]
    pub survey_id: i32,
    pub position: i32,
    pub kind: QuestionKind,
    pub text: String,
    pub help: String,
    pub required: bool,
    /// Comma-separated groups that see the question; empty: the whole audience.
    pub groups: String,
    #[serde(skip)]
    pub options_json: String,
    pub min_value: Option<i32>,
    pub max_value: Option<i32>,
    pub max_length: Option<i32>,
    #[serde(skip)]
    #[serde(serialize_with = "crate::time::utc")]
    pub created_at: NaiveDateTime,
}

impl Question {
    pub fn options(&self) -> Vec<QuestionOption> {
        serde_json::from_str(&self.options_json).unwrap_or_default()
    }

    /// Whether a respondent of `group` sees this question.
    pub fn visible_to(&self, group: &str) -> bool {
        let groups = split_groups(&self.groups);
        groups.is_empty() || groups.iter().any(|g| g == group)
    }
}

#[derive(Debug, Clone, Insertable, AsChangeset)]
#[diesel(table_name = survey_questions)]
#[diesel(treat_none_as_null = true)]
pub struct QuestionForm {
    pub kind: QuestionKind,
    pub text: String,
    pub help: String,
    pub required: bool,
    pub groups: String,
    pub options_json: String,
    pub min_value: Option<i32>,
    pub max_value: Option<i32>,
    pub max_length: Option<i32>,
}

/// A question as entered (not yet checked).
#[derive(Debug, Default, Clone, Deserialize, Serialize, ToSchema)]
#[serde(default)]
pub struct NewQuestion {
    /// `single`, `multiple`, `scale`, `text`, `number` or `rank`.
    pub kind: String,
    pub text: String,
    pub help: String,
    pub required: bool,
    /// Only these groups see it; empty: the whole audience.
    pub groups: Vec<String>,
    /// Labels of the options (single, multiple); for `scale` the labels of 1 and 5.
    /// Ignored for `rank`: its options are the course's modules.
    pub options: Vec<String>,
    pub min_value: Option<i32>,
    pub max_value: Option<i32>,
    pub max_length: Option<i32>,
}

/// A survey with its questions, as the API shows it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SurveyDetail {
    #[serde(flatten)]
    pub survey: Survey,
    pub questions: Vec<QuestionDetail>,
    pub responses: i64,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct QuestionDetail {
    #[serde(flatten)]
    pub question: Question,
    pub options: Vec<QuestionOption>,
    /// Answers exist: options, kind, groups and limits are fixed now.
    pub answered: bool,
}

#[derive(Debug, Clone, Queryable, Selectable, Serialize, ToSchema)]
#[diesel(table_name = survey_invitations)]
pub struct Invitation {
    pub id: i32,
    pub survey_id: i32,
    pub stakeholder_id: i32,
    #[serde(skip)]
    pub token: String,
    #[serde(serialize_with = "crate::time::utc_opt")]
    pub sent_at: Option<NaiveDateTime>,
    pub reminders_sent: i32,
    #[serde(serialize_with = "crate::time::utc_opt")]
    pub last_sent_at: Option<NaiveDateTime>,
    pub answered_on: Option<NaiveDate>,
    #[serde(serialize_with = "crate::time::utc")]
    pub created_at: NaiveDateTime,
}
