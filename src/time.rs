//! Times are stored as naive UTC and shown in Europe/Berlin, where all trainings take place.

use chrono::{NaiveDateTime, TimeZone};
use chrono_tz::{Europe::Berlin, Tz};

use crate::error::{AppError, AppResult};

pub const ZONE: Tz = Berlin;

pub fn to_local(utc: NaiveDateTime) -> chrono::DateTime<Tz> {
    ZONE.from_utc_datetime(&utc)
}

/// A wall-clock time in Berlin to UTC. In the autumn hour that occurs twice the earlier one
/// is meant; the spring hour that does not exist is refused.
pub fn from_local(field: &'static str, local: NaiveDateTime) -> AppResult<NaiveDateTime> {
    ZONE.from_local_datetime(&local)
        .earliest()
        .map(|dt| dt.naive_utc())
        .ok_or_else(|| {
            AppError::invalid(
                field,
                "Diese Uhrzeit gibt es wegen der Zeitumstellung nicht. Bitte wählen Sie eine andere.",
            )
        })
}

pub fn now_utc() -> NaiveDateTime {
    chrono::Utc::now().naive_utc()
}

pub fn today_local() -> chrono::NaiveDate {
    to_local(now_utc()).date_naive()
}
