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
        .ok_or_else(|| AppError::invalid(field, crate::i18n::Text::key("error.no_such_local_time")))
}

thread_local! {
    /// A clock set by [`as_if_at`] for this thread, so a rule over time can be tried at any
    /// moment (property tests call use cases directly with random clocks).
    static SET_CLOCK: std::cell::Cell<Option<NaiveDateTime>> = const { std::cell::Cell::new(None) };
}

/// Now, in UTC: the real clock, or the one [`as_if_at`] set for this thread.
pub fn now_utc() -> NaiveDateTime {
    SET_CLOCK.with(|c| c.get()).unwrap_or_else(|| chrono::Utc::now().naive_utc())
}

/// Runs `f` on this thread as if it were `at` (UTC). Only tests use it: the server's
/// handlers run on worker threads that never set it.
pub fn as_if_at<T>(at: NaiveDateTime, f: impl FnOnce() -> T) -> T {
    let before = SET_CLOCK.with(|c| c.replace(Some(at)));
    let result = f();
    SET_CLOCK.with(|c| c.set(before));
    result
}

pub fn today_local() -> chrono::NaiveDate {
    to_local(now_utc()).date_naive()
}

/// Times are stored as naive UTC; the API writes them as RFC 3339 with the offset
/// (`2026-12-01T08:00:00Z`), as its document promises.
pub fn utc<S: serde::Serializer>(t: &chrono::NaiveDateTime, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&t.and_utc().to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
}

pub fn utc_opt<S: serde::Serializer>(
    t: &Option<chrono::NaiveDateTime>, s: S,
) -> Result<S::Ok, S::Error> {
    match t {
        Some(t) => utc(t, s),
        None => s.serialize_none(),
    }
}

pub fn fmt_date(d: chrono::NaiveDate) -> String {
    d.format("%d.%m.%Y").to_string()
}

pub fn fmt_datetime(d: chrono::NaiveDateTime) -> String {
    crate::time::to_local(d).format("%d.%m.%Y %H:%M").to_string()
}

pub fn fmt_time(d: chrono::NaiveDateTime) -> String {
    crate::time::to_local(d).format("%H:%M").to_string()
}
