use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::db::schema::{survey_invitations, survey_questions, surveys};
use crate::ids::{CourseId, ModuleId, OrgId, QuestionId, StakeholderId, SurveyId};
pub use crate::stakeholders::models::StakeholderGroup;

/// Free-text answers are cut off here unless a question sets a lower limit.
pub const MAX_TEXT_CHARS: i32 = 2000;
/// A group's results of an anonymous survey are shown from this many responses on (k); the
/// answers of an anonymous survey are released in batches of at least this many.
pub const ANONYMITY_THRESHOLD: usize = 5;

/// How many responses may be named: every response of a survey with names; of an anonymous
/// survey only those of groups with at least [`ANONYMITY_THRESHOLD`] responses, so that no
/// total minus the groups shown ever gives a withheld group's count away.
pub fn responses_shown(anonymous: bool, per_group: &[(StakeholderGroup, i64)]) -> i64 {
    let k = i64::try_from(ANONYMITY_THRESHOLD).unwrap_or(i64::MAX);
    per_group.iter().map(|(_, n)| *n).filter(|n| !anonymous || *n >= k).sum()
}

/// A survey as stored in `surveys`; its groups are rows of their own.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = surveys)]
pub struct SurveyRow {
    pub id: SurveyId,
    pub organisation_id: OrgId,
    pub title: String,
    pub introduction: String,
    pub opens_on: NaiveDate,
    pub closes_on: NaiveDate,
    pub anonymous: bool,
    pub course_id: Option<CourseId>,
    pub reminder_max: i32,
    pub reminder_interval_days: i32,
    pub open_token: String,
    pub copied_from: Option<SurveyId>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub archived_at: Option<NaiveDateTime>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Survey {
    #[schema(value_type = i32)]
    pub id: SurveyId,
    #[serde(skip)]
    #[schema(value_type = i32)]
    pub organisation_id: OrgId,
    pub title: String,
    pub introduction: String,
    pub opens_on: NaiveDate,
    pub closes_on: NaiveDate,
    /// Comma-separated stakeholder groups, e.g. `landlord,social_worker`.
    #[serde(serialize_with = "crate::db::text_enum::comma_separated")]
    #[schema(value_type = String)]
    pub audience: Vec<StakeholderGroup>,
    pub anonymous: bool,
    #[schema(value_type = Option<i32>)]
    pub course_id: Option<CourseId>,
    pub reminder_max: i32,
    pub reminder_interval_days: i32,
    /// Groups that may answer through the open link.
    #[serde(serialize_with = "crate::db::text_enum::comma_separated")]
    #[schema(value_type = String)]
    pub open_groups: Vec<StakeholderGroup>,
    #[serde(skip)]
    pub open_token: String,
    #[schema(value_type = Option<i32>)]
    pub copied_from: Option<SurveyId>,
    #[serde(serialize_with = "crate::time::utc")]
    pub created_at: NaiveDateTime,
    #[serde(serialize_with = "crate::time::utc")]
    pub updated_at: NaiveDateTime,
    /// Set once the survey is archived: closed for answers, invitations and reminders;
    /// its results stay.
    #[serde(serialize_with = "crate::time::utc_opt")]
    pub archived_at: Option<NaiveDateTime>,
}

impl Survey {
    pub fn from_row(
        row: SurveyRow, audience: Vec<StakeholderGroup>, open_groups: Vec<StakeholderGroup>,
    ) -> Survey {
        Survey {
            id: row.id,
            organisation_id: row.organisation_id,
            title: row.title,
            introduction: row.introduction,
            opens_on: row.opens_on,
            closes_on: row.closes_on,
            audience,
            anonymous: row.anonymous,
            course_id: row.course_id,
            reminder_max: row.reminder_max,
            reminder_interval_days: row.reminder_interval_days,
            open_groups,
            open_token: row.open_token,
            copied_from: row.copied_from,
            created_at: row.created_at,
            updated_at: row.updated_at,
            archived_at: row.archived_at,
        }
    }

    pub fn is_open_on(&self, day: NaiveDate) -> bool {
        self.archived_at.is_none() && self.opens_on <= day && day <= self.closes_on
    }

    pub fn is_archived(&self) -> bool {
        self.archived_at.is_some()
    }
}

/// A survey's settings, checked; its groups are written beside it.
#[derive(Debug, Clone, Insertable, AsChangeset)]
#[diesel(table_name = surveys)]
pub struct SurveyForm {
    pub title: String,
    pub introduction: String,
    pub opens_on: NaiveDate,
    pub closes_on: NaiveDate,
    #[diesel(skip_insertion, skip_update)]
    pub audience: Vec<StakeholderGroup>,
    pub anonymous: bool,
    #[diesel(treat_none_as_null = true)]
    pub course_id: Option<CourseId>,
    pub reminder_max: i32,
    pub reminder_interval_days: i32,
    #[diesel(skip_insertion, skip_update)]
    pub open_groups: Vec<StakeholderGroup>,
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
    #[schema(value_type = Vec<StakeholderGroup>)]
    pub audience: Vec<String>,
    pub anonymous: bool,
    /// The course whose modules a "rank these topics" question lists.
    #[schema(value_type = Option<i32>)]
    pub course_id: Option<CourseId>,
    /// How many reminders at most (0–5); 2 when absent.
    pub reminder_max: Option<i32>,
    /// Days between reminders (1–60); 7 when absent.
    pub reminder_interval_days: Option<i32>,
    /// Groups that may answer through the open link (no personal token).
    #[schema(value_type = Vec<StakeholderGroup>)]
    pub open_groups: Vec<String>,
}

/// One answer option; `module_id` links a "rank these topics" option to a course module.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct QuestionOption {
    pub label: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<i32>)]
    pub module_id: Option<ModuleId>,
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
    /// How the coordinator's pages call it.
    pub fn name(self) -> String {
        let key = match self {
            QuestionKind::Single => "question_kind.single",
            QuestionKind::Multiple => "question_kind.multiple",
            QuestionKind::Scale => "question_kind.scale",
            QuestionKind::Text => "question_kind.text",
            QuestionKind::Number => "question_kind.number",
            QuestionKind::Rank => "question_kind.rank",
        };
        crate::i18n::text(crate::i18n::DEFAULT_LANG, key)
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

/// A question as stored in `survey_questions`; its groups are rows of their own.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = survey_questions)]
pub struct QuestionRow {
    pub id: QuestionId,
    pub survey_id: SurveyId,
    pub position: i32,
    pub kind: QuestionKind,
    pub text: String,
    pub help: String,
    pub required: bool,
    pub options_json: String,
    pub min_value: Option<i32>,
    pub max_value: Option<i32>,
    pub max_length: Option<i32>,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Question {
    #[schema(value_type = i32)]
    pub id: QuestionId,
    #[serde(skip)]
    #[schema(value_type = i32)]
    pub survey_id: SurveyId,
    pub position: i32,
    pub kind: QuestionKind,
    pub text: String,
    pub help: String,
    pub required: bool,
    /// Comma-separated groups that see the question; empty: the whole audience.
    #[serde(serialize_with = "crate::db::text_enum::comma_separated")]
    #[schema(value_type = String)]
    pub groups: Vec<StakeholderGroup>,
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
    pub fn from_row(row: QuestionRow, groups: Vec<StakeholderGroup>) -> Question {
        Question {
            id: row.id,
            survey_id: row.survey_id,
            position: row.position,
            kind: row.kind,
            text: row.text,
            help: row.help,
            required: row.required,
            groups,
            options_json: row.options_json,
            min_value: row.min_value,
            max_value: row.max_value,
            max_length: row.max_length,
            created_at: row.created_at,
        }
    }

    pub fn options(&self) -> Vec<QuestionOption> {
        serde_json::from_str(&self.options_json).unwrap_or_default()
    }

    /// Whether a respondent of `group` sees this question.
    pub fn visible_to(&self, group: StakeholderGroup) -> bool {
        self.groups.is_empty() || self.groups.contains(&group)
    }
}

/// A question, checked; its groups are written beside it.
#[derive(Debug, Clone, Insertable, AsChangeset)]
#[diesel(table_name = survey_questions)]
#[diesel(treat_none_as_null = true)]
pub struct QuestionForm {
    pub kind: QuestionKind,
    pub text: String,
    pub help: String,
    pub required: bool,
    #[diesel(skip_insertion, skip_update)]
    pub groups: Vec<StakeholderGroup>,
    pub options_json: String,
    pub min_value: Option<i32>,
    pub max_value: Option<i32>,
    pub max_length: Option<i32>,
}

/// A question as entered (not yet checked).
#[derive(Debug, Default, Clone, Deserialize, Serialize, ToSchema)]
#[serde(default)]
pub struct NewQuestion {
    #[schema(schema_with = QuestionKind::schema_ref)]
    pub kind: String,
    pub text: String,
    pub help: String,
    pub required: bool,
    /// Only these groups see it; empty: the whole audience.
    #[schema(value_type = Vec<StakeholderGroup>)]
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
    /// Of an anonymous survey: the responses of groups with at least five (the others are
    /// not counted anywhere).
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
    #[schema(value_type = i32)]
    pub survey_id: SurveyId,
    #[schema(value_type = i32)]
    pub stakeholder_id: StakeholderId,
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::surveys::answers::tests::question;

    #[test]
    fn choices_scales_and_rankings_are_charted() {
        use QuestionKind::*;
        for kind in QuestionKind::ALL {
            assert_eq!(
                kind.is_charted(),
                matches!(kind, Single | Multiple | Scale | Rank),
                "{kind}"
            );
        }
        for kind in QuestionKind::ALL {
            assert_eq!(QuestionKind::from_entered(&kind.code().to_uppercase()), Some(kind));
        }
        assert_eq!(QuestionKind::from_entered("poll"), None);
    }

    #[test]
    fn a_question_without_groups_is_for_everyone_asked() {
        let mut q = question(1, QuestionKind::Text, 0);
        assert!(StakeholderGroup::ALL.into_iter().all(|g| q.visible_to(g)));
        q.groups = vec![StakeholderGroup::Landlord, StakeholderGroup::Vhs];
        for g in StakeholderGroup::ALL {
            assert_eq!(
                q.visible_to(g),
                matches!(g, StakeholderGroup::Landlord | StakeholderGroup::Vhs),
                "{g}"
            );
        }
    }

    #[test]
    fn stored_lists_are_written_comma_separated_as_before() {
        let mut q = question(1, QuestionKind::Text, 0);
        q.groups = vec![StakeholderGroup::TargetGroup, StakeholderGroup::Landlord];
        let json = serde_json::to_value(&q).unwrap();
        assert_eq!(json["groups"], "target_group,landlord");
        assert_eq!(json["kind"], "text");
        q.groups.clear();
        assert_eq!(serde_json::to_value(&q).unwrap()["groups"], "");
    }
}
