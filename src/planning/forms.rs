//! The planning forms of the browser UI, read into checked input: what a person typed
//! (strings) becomes a `NewRun` or `NewSession`, or a message naming the field.

use serde::Deserialize;
use serde_json::{json, Value};

use super::models::{NewRun, NewSession};
use super::service;
use crate::error::AppResult;
use crate::validate;

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
    pub fn parse(self) -> AppResult<NewRun> {
        Ok(NewRun {
            start_date: validate::date("start_date", "Erster Tag", &self.start_date)?,
            end_date: validate::date("end_date", "Letzter Tag", &self.end_date)?,
            capacity: validate::int_in(
                "capacity",
                "Plätze",
                &self.capacity,
                1,
                service::MAX_RUN_CAPACITY,
            )?,
            place: self.place,
            interpreter_languages: self.interpreter_languages,
        })
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct SessionForm {
    pub date: String,
    pub start: String,
    pub end: String,
    pub location: String,
    pub trainer_ids: Vec<String>,
    pub module_ids: Vec<String>,
    pub interpreter_languages: Vec<String>,
}

impl SessionForm {
    /// What the form shows again after a refused save.
    pub fn echo(&self) -> Value {
        json!({"date": self.date, "start": self.start, "end": self.end, "location": self.location})
    }

    /// The form's fields as checked input (the first trainer ticked leads).
    pub fn parse(self) -> AppResult<NewSession> {
        let date = validate::date("date", "Datum", &self.date)?;
        let start = validate::time("start", "Beginn", &self.start)?;
        let end = validate::time("end", "Ende", &self.end)?;
        let trainer_ids = self
            .trainer_ids
            .iter()
            .map(|v| validate::id("trainer_id", "Trainer:in", v))
            .collect::<AppResult<Vec<i32>>>()?;
        let module_ids = self
            .module_ids
            .iter()
            .map(|v| validate::id("module_ids", "Modul", v))
            .collect::<AppResult<Vec<i32>>>()?;
        Ok(NewSession {
            starts_at: date.and_time(start),
            ends_at: date.and_time(end),
            location: self.location,
            trainer_id: None,
            trainer_ids,
            module_ids,
            interpreter_languages: self.interpreter_languages,
        })
    }
}
