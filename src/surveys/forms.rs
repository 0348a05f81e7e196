//! The surveys' HTML forms and query strings read into typed input. Nothing here looks at
//! the database: numbers that are not numbers are refused here, everything else is the
//! use cases' to check.

use serde::Deserialize;

use super::models::{NewQuestion, NewSurvey};
use super::overview::SurveyFields;
use super::questions::QuestionFields;
use super::respond::Step;
use super::translations::{NewTranslation, TranslatedQuestion};
use crate::error::{AppError, AppResult};
use crate::i18n::Text;
use crate::ids::{CourseId, QuestionId};

/// A posted form as name–value pairs, for forms whose field names carry ids
/// (`text_12`, `q12_3`) or repeat (checkboxes).
pub fn pairs(body: &[u8]) -> AppResult<Vec<(String, String)>> {
    serde_html_form::from_bytes(body)
        .map_err(|_| AppError::invalid("form", Text::key("error.form_unreadable")))
}

/// The first value posted under `name`.
pub fn field(pairs: &[(String, String)], name: &str) -> Option<String> {
    pairs.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone())
}

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct SurveyFormInput {
    title: String,
    introduction: String,
    opens_on: String,
    closes_on: String,
    audience: Vec<String>,
    anonymous: Option<String>,
    course_id: String,
    reminder_max: String,
    reminder_interval_days: String,
    open_groups: Vec<String>,
}

impl SurveyFormInput {
    /// The form as typed, to show again after a refusal (a number that is not one shows
    /// as typed).
    pub fn fields(&self) -> SurveyFields {
        SurveyFields {
            title: self.title.clone(),
            introduction: self.introduction.clone(),
            opens_on: self.opens_on.clone(),
            closes_on: self.closes_on.clone(),
            anonymous: self.anonymous.is_some(),
            course_id: self.course_id.trim().parse().ok().map(CourseId),
            reminder_max: self.reminder_max.clone(),
            reminder_interval_days: self.reminder_interval_days.clone(),
            audience: self.audience.clone(),
            open_groups: self.open_groups.clone(),
        }
    }

    pub fn into_new(self) -> AppResult<NewSurvey> {
        let num = |field: &'static str, label: &'static str, v: &str| -> AppResult<Option<i32>> {
            match v.trim() {
                "" => Ok(None),
                t => t.parse().map(Some).map_err(|_| {
                    AppError::invalid(field, Text::key("error.number").arg_key("label", label))
                }),
            }
        };
        Ok(NewSurvey {
            title: self.title,
            introduction: self.introduction,
            opens_on: self.opens_on,
            closes_on: self.closes_on,
            audience: self.audience,
            anonymous: self.anonymous.is_some(),
            course_id: num("course_id", "label.course", &self.course_id)?.map(CourseId),
            reminder_max: num("reminder_max", "label.reminders", &self.reminder_max)?,
            reminder_interval_days: num(
                "reminder_interval_days",
                "label.reminder_interval",
                &self.reminder_interval_days,
            )?,
            open_groups: self.open_groups,
        })
    }
}

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct QuestionFormInput {
    kind: String,
    text: String,
    help: String,
    required: Option<String>,
    groups: Vec<String>,
    options: String,
    scale_low: String,
    scale_high: String,
    min_value: String,
    max_value: String,
    max_length: String,
}

impl QuestionFormInput {
    /// The form as typed, to show again after a refusal.
    pub fn fields(&self) -> QuestionFields {
        QuestionFields {
            kind: self.kind.trim().to_lowercase(),
            text: self.text.clone(),
            help: self.help.clone(),
            required: self.required.is_some(),
            groups: self.groups.clone(),
            options: self.options.clone(),
            scale_low: self.scale_low.clone(),
            scale_high: self.scale_high.clone(),
            min_value: self.min_value.clone(),
            max_value: self.max_value.clone(),
            max_length: self.max_length.clone(),
        }
    }

    pub fn into_new(self) -> AppResult<NewQuestion> {
        let num = |field: &'static str, v: &str| -> AppResult<Option<i32>> {
            match v.trim() {
                "" => Ok(None),
                t => t
                    .parse()
                    .map(Some)
                    .map_err(|_| AppError::invalid(field, Text::key("error.whole_number"))),
            }
        };
        let scale = self.kind.trim().eq_ignore_ascii_case("scale");
        let options = if scale
            && !(self.scale_low.trim().is_empty() && self.scale_high.trim().is_empty())
        {
            // The labels of a scale are for its ends: both or none.
            for (field, label) in [("scale_low", &self.scale_low), ("scale_high", &self.scale_high)]
            {
                if label.trim().is_empty() {
                    return Err(AppError::invalid(field, Text::key("error.svy.scale_both_labels")));
                }
            }
            vec![self.scale_low.clone(), self.scale_high.clone()]
        } else {
            self.options.lines().map(str::to_string).collect()
        };
        Ok(NewQuestion {
            kind: self.kind,
            text: self.text,
            help: self.help,
            required: self.required.is_some(),
            groups: self.groups,
            options,
            min_value: num("min_value", &self.min_value)?,
            max_value: num("max_value", &self.max_value)?,
            max_length: num("max_length", &self.max_length)?,
        })
    }
}

/// `?kind=` of the question form: which kind's fields it shows.
#[derive(Deserialize, Default)]
pub struct KindQuery {
    pub kind: Option<String>,
}

/// The translation form: `title`, `introduction`, and per question `text_<id>` with its
/// option labels one per line in `options_<id>`. Questions left empty are not translated.
pub fn translation(pairs: &[(String, String)]) -> NewTranslation {
    let mut input = NewTranslation {
        title: field(pairs, "title").unwrap_or_default(),
        introduction: field(pairs, "introduction").unwrap_or_default(),
        ..Default::default()
    };
    for (k, v) in pairs {
        let Some(id) = k.strip_prefix("text_").and_then(|i| i.parse::<QuestionId>().ok()) else {
            continue;
        };
        if v.trim().is_empty() {
            continue;
        }
        let options = field(pairs, &format!("options_{id}"))
            .map(|o| {
                o.lines().map(str::trim).filter(|l| !l.is_empty()).map(str::to_string).collect()
            })
            .unwrap_or_default();
        input.questions.insert(id, TranslatedQuestion { text: v.clone(), options });
    }
    input
}

/// Which button of the respondent's form was pressed; anything unknown saves.
pub fn step(action: &str) -> Step {
    match action {
        "next" => Step::Next,
        "back" => Step::Back,
        "submit" => Step::Submit,
        _ => Step::Save,
    }
}

#[derive(Deserialize)]
pub struct RespondQuery {
    pub page: Option<usize>,
    pub lang: Option<String>,
    pub saved: Option<u8>,
}

#[derive(Deserialize)]
pub struct PreviewQuery {
    pub group: Option<String>,
    pub page: Option<usize>,
    pub lang: Option<String>,
}

#[derive(Deserialize)]
pub struct ExportQuery {
    #[serde(default)]
    pub part: Option<String>,
}
