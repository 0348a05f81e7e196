//! The planning forms of the browser UI, read into checked input: what a person typed
//! (strings) becomes a `NewModule`, `NewRun`, `NewSession`, `NewLocation` or `CourseRules`,
//! or a message naming the field. A refused form is shown again with what was typed.

use serde::Deserialize;
use serde_json::Value;

use super::models::{CourseRules, NewLocation, NewModule, NewRun, NewSession};
use super::service;
use super::views::{LocationFields, ModuleFields, RulesFields, RunFields, SessionFields};
use crate::error::AppResult;
use crate::ids::{ModuleId, RunId, SessionId, UserId};
use crate::validate;

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ModuleForm {
    pub title: String,
    pub duration_minutes: String,
    pub mandatory: Option<String>,
    pub description: String,
}

impl ModuleForm {
    pub fn echo(&self) -> ModuleFields {
        ModuleFields {
            title: self.title.clone(),
            duration_minutes: self.duration_minutes.clone(),
            mandatory: self.mandatory.is_some(),
            description: self.description.clone(),
        }
    }

    pub fn parse(self) -> AppResult<NewModule> {
        Ok(NewModule {
            duration_minutes: validate::int_in(
                "duration_minutes",
                "label.duration_minutes",
                &self.duration_minutes,
                5,
                600,
            )?,
            mandatory: self.mandatory.is_some(),
            title: self.title,
            description: self.description,
        })
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct RunForm {
    pub start_date: String,
    pub end_date: String,
    pub place: String,
    pub capacity: String,
    pub interpreter_languages: Vec<String>,
}

impl RunForm {
    pub fn echo(&self) -> RunFields {
        RunFields {
            start_date: self.start_date.clone(),
            end_date: self.end_date.clone(),
            place: self.place.clone(),
            capacity: self.capacity.clone(),
        }
    }

    pub fn parse(self) -> AppResult<NewRun> {
        Ok(NewRun {
            start_date: validate::date("start_date", "label.first_day", &self.start_date)?,
            end_date: validate::date("end_date", "label.last_day", &self.end_date)?,
            capacity: validate::int_in(
                "capacity",
                "label.capacity",
                &self.capacity,
                1,
                service::MAX_RUN_CAPACITY,
            )?,
            place: self.place,
            interpreter_languages: self.interpreter_languages,
        })
    }
}

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct SessionForm {
    pub date: String,
    pub start: String,
    pub end: String,
    pub location: String,
    pub location_id: String,
    pub trainer_ids: Vec<String>,
    pub module_ids: Vec<String>,
    pub interpreter_languages: Vec<String>,
}

impl SessionForm {
    /// What the form shows again after a refused save.
    pub fn fields(&self) -> SessionFields {
        SessionFields {
            date: self.date.clone(),
            start: self.start.clone(),
            end: self.end.clone(),
            location: self.location.clone(),
            location_id: self.location_id.clone(),
            open: true,
            trainer_ids: self.trainer_ids.clone(),
            module_ids: self.module_ids.clone(),
            interpreter_languages: self.interpreter_languages.clone(),
        }
    }

    /// What was typed, as a query string to carry through "Neuen Ort anlegen" and back.
    /// Re-encoded from the fields, so nothing else (no CSRF token, no stray key) rides along;
    /// the place is left out because the new one is chosen on return.
    pub fn draft(&self) -> String {
        let one = [("date", &self.date), ("start", &self.start), ("end", &self.end)];
        let many = [
            ("trainer_ids", &self.trainer_ids),
            ("module_ids", &self.module_ids),
            ("interpreter_languages", &self.interpreter_languages),
        ];
        let pairs: Vec<(&str, &str)> = one
            .into_iter()
            .map(|(k, v)| (k, v.as_str()))
            .chain(many.into_iter().flat_map(|(k, vs)| vs.iter().map(move |v| (k, v.as_str()))))
            .collect();
        serde_html_form::to_string(pairs).unwrap_or_default()
    }

    /// A draft carried back in a query string; `None` when the query holds none.
    pub fn from_draft(query: &str) -> Option<SessionForm> {
        let form: SessionForm = serde_html_form::from_str(query).ok()?;
        (!form.date.is_empty() || !form.start.is_empty()).then_some(form)
    }

    /// [`Self::fields`] for the run page, whose new-session form is untyped.
    pub fn echo(&self) -> Value {
        serde_json::to_value(self.fields()).unwrap_or_default()
    }

    /// The form's fields as checked input (the first trainer ticked leads).
    pub fn parse(self) -> AppResult<NewSession> {
        let date = validate::date("date", "label.date", &self.date)?;
        let start = validate::time("start", "label.start", &self.start)?;
        let end = validate::time("end", "label.end", &self.end)?;
        let trainer_ids = self
            .trainer_ids
            .iter()
            .map(|v| validate::id("trainer_id", "label.trainer", v))
            .collect::<AppResult<Vec<UserId>>>()?;
        let module_ids = self
            .module_ids
            .iter()
            .map(|v| validate::id("module_ids", "label.module", v))
            .collect::<AppResult<Vec<ModuleId>>>()?;
        let location_id = match self.location_id.trim() {
            "" => None,
            v => Some(validate::id("location_id", "label.session_location", v)?),
        };
        Ok(NewSession {
            starts_at: date.and_time(start),
            ends_at: date.and_time(end),
            location_id,
            location: self.location,
            trainer_id: None,
            trainer_ids,
            module_ids,
            interpreter_languages: self.interpreter_languages,
        })
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct LocationForm {
    pub name: String,
    pub address: String,
    pub room: String,
    pub capacity: String,
    /// Made from a session form: back to it, with the new place chosen.
    pub for_run: String,
    pub for_session: String,
    /// What was typed into that session form ([`SessionForm::draft`]).
    pub draft: String,
}

impl LocationForm {
    pub fn echo(&self) -> LocationFields {
        LocationFields {
            name: self.name.clone(),
            address: self.address.clone(),
            room: self.room.clone(),
            capacity: self.capacity.clone(),
        }
    }

    /// Where the form leads back to after saving: the run's or the session's form.
    pub fn back_to(&self) -> (Option<RunId>, Option<SessionId>) {
        (self.for_run.trim().parse().ok(), self.for_session.trim().parse().ok())
    }

    pub fn parse(self) -> AppResult<NewLocation> {
        let capacity = match self.capacity.trim() {
            "" => None,
            v => Some(validate::int_in("capacity", "label.room_capacity", v, 1, 1000)?),
        };
        Ok(NewLocation { name: self.name, address: self.address, room: self.room, capacity })
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct RulesForm {
    pub min_attendance_percent: String,
    pub test_max_points: String,
    pub test_pass_points: String,
    pub test_must_pass_questions: String,
}

fn optional_int(field: &'static str, label: &'static str, value: &str) -> AppResult<Option<i32>> {
    match value.trim() {
        "" => Ok(None),
        v => validate::int_in(field, label, v, 0, 1000).map(Some),
    }
}

impl RulesForm {
    pub fn echo(&self) -> RulesFields {
        RulesFields {
            min_attendance_percent: self.min_attendance_percent.clone(),
            test_max_points: self.test_max_points.clone(),
            test_pass_points: self.test_pass_points.clone(),
            test_must_pass_questions: self.test_must_pass_questions.clone(),
        }
    }

    pub fn parse(self) -> AppResult<CourseRules> {
        Ok(CourseRules {
            min_attendance_percent: optional_int(
                "min_attendance_percent",
                "label.min_attendance",
                &self.min_attendance_percent,
            )?,
            test_max_points: optional_int(
                "test_max_points",
                "label.test_max_points",
                &self.test_max_points,
            )?,
            test_pass_points: optional_int(
                "test_pass_points",
                "label.test_pass_points",
                &self.test_pass_points,
            )?,
            test_must_pass_questions: optional_int(
                "test_must_pass_questions",
                "label.must_pass_questions",
                &self.test_must_pass_questions,
            )?
            .unwrap_or(0),
        })
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::SessionForm;

    proptest! {
        /// Whatever was typed comes back from the draft as typed, however hostile, and a
        /// draft never carries a chosen place (the new one is chosen on return).
        #[test]
        fn a_draft_brings_back_what_was_typed(
            date in "\\PC{1,20}", start in "\\PC{0,10}", end in "\\PC{0,10}",
            trainers in proptest::collection::vec("[0-9]{1,4}", 0..4),
            modules in proptest::collection::vec("\\PC{0,6}", 0..4),
            languages in proptest::collection::vec("[a-z&=#]{0,4}", 0..4),
        ) {
            let typed = SessionForm {
                date, start, end,
                location: String::new(),
                location_id: "7".into(),
                trainer_ids: trainers,
                module_ids: modules,
                interpreter_languages: languages,
            };
            let back = SessionForm::from_draft(&typed.draft()).expect("a draft");
            prop_assert_eq!(&back.date, &typed.date);
            prop_assert_eq!(&back.start, &typed.start);
            prop_assert_eq!(&back.end, &typed.end);
            prop_assert_eq!(&back.trainer_ids, &typed.trainer_ids);
            prop_assert_eq!(&back.module_ids, &typed.module_ids);
            prop_assert_eq!(&back.interpreter_languages, &typed.interpreter_languages);
            prop_assert_eq!(back.location_id, "");
        }
    }

    #[test]
    fn a_query_without_a_draft_is_none() {
        assert!(SessionForm::from_draft("q=Olena&location_id=3").is_none());
        assert!(SessionForm::from_draft("").is_none());
    }
}
