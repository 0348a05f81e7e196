//! Which part of the organisation's work a report covers: a period (from, to; or a preset:
//! this quarter, last quarter, this year) and a course. A run is covered when it overlaps
//! the period (and is of the course); a session, when it started within the period.

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::error::{AppError, AppResult};
use crate::i18n::Text;
use crate::ids::CourseId;
use crate::validate;

crate::db::text_enum! {
    /// A period named by what it is rather than by its dates.
    pub enum Preset("period") {
        ThisQuarter = "this_quarter",
        LastQuarter = "last_quarter",
        ThisYear = "this_year",
    }
}

impl Preset {
    /// (first day, last day) of the preset's period, seen on `today`.
    pub fn range(self, today: NaiveDate) -> (NaiveDate, NaiveDate) {
        match self {
            Preset::ThisQuarter => quarter(today.year(), quarter_of(today)),
            Preset::LastQuarter => match quarter_of(today) {
                1 => quarter(today.year() - 1, 4),
                q => quarter(today.year(), q - 1),
            },
            Preset::ThisYear => (first(today.year(), 1), last_of_month(today.year(), 12)),
        }
    }

    pub fn label_key(self) -> &'static str {
        match self {
            Preset::ThisQuarter => "rep.preset.this_quarter",
            Preset::LastQuarter => "rep.preset.last_quarter",
            Preset::ThisYear => "rep.preset.this_year",
        }
    }
}

fn first(year: i32, month: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(year, month, 1).unwrap_or(NaiveDate::MIN)
}

fn last_of_month(year: i32, month: u32) -> NaiveDate {
    let next = if month == 12 { first(year + 1, 1) } else { first(year, month + 1) };
    next.pred_opt().unwrap_or(next)
}

/// 1 to 4.
pub fn quarter_of(day: NaiveDate) -> u32 {
    (day.month() - 1) / 3 + 1
}

/// (first day, last day) of the quarter.
pub fn quarter(year: i32, q: u32) -> (NaiveDate, NaiveDate) {
    let start_month = (q.clamp(1, 4) - 1) * 3 + 1;
    (first(year, start_month), last_of_month(year, start_month + 2))
}

/// The report's filter as the page's form and the API's query send it; empty fields are
/// no filter. A preset (`period`) fills `from` and `to`.
#[derive(Debug, Default, Clone, Deserialize, Serialize, IntoParams)]
#[serde(default)]
#[into_params(parameter_in = Query)]
pub struct ReportQuery {
    /// First day (`YYYY-MM-DD`), inclusive.
    pub from: Option<String>,
    /// Last day (`YYYY-MM-DD`), inclusive; not before `from`.
    pub to: Option<String>,
    /// A course of the organisation (its id).
    pub course: Option<String>,
    /// `this_quarter`, `last_quarter` or `this_year`: instead of `from` and `to`.
    pub period: Option<String>,
}

/// The checked filter.
#[derive(Debug, Default, Clone, Copy, PartialEq, Serialize, ToSchema)]
pub struct ReportFilter {
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    #[schema(value_type = Option<i32>)]
    pub course: Option<CourseId>,
}

fn given(value: &Option<String>) -> Option<&str> {
    value.as_deref().map(str::trim).filter(|v| !v.is_empty())
}

impl ReportQuery {
    /// The filter, seen on `today`: a wrong date, preset or course id, or a period that
    /// ends before it starts, is refused naming its field (422).
    pub fn parse(&self, today: NaiveDate) -> AppResult<ReportFilter> {
        let course = given(&self.course)
            .map(|c| validate::id::<CourseId>("course", "rep.label.course", c))
            .transpose()?;
        if let Some(p) = given(&self.period) {
            let preset = Preset::from_code(p)
                .ok_or_else(|| AppError::invalid("period", Text::key("error.rep.period")))?;
            let (from, to) = preset.range(today);
            return Ok(ReportFilter { from: Some(from), to: Some(to), course });
        }
        let date = |field: &'static str, label: &'static str, v: &Option<String>| {
            given(v).map(|v| validate::date(field, label, v)).transpose()
        };
        let from = date("from", "rep.label.from", &self.from)?;
        let to = date("to", "rep.label.to", &self.to)?;
        if let (Some(f), Some(t)) = (from, to) {
            if f > t {
                return Err(AppError::invalid("to", Text::key("error.rep.from_after_to")));
            }
        }
        Ok(ReportFilter { from, to, course })
    }
}

impl ReportFilter {
    /// The query string that asks for this filter again (for export links), starting with
    /// `?`, or nothing without a filter.
    pub fn query_string(&self) -> String {
        let mut parts = Vec::new();
        if let Some(f) = self.from {
            parts.push(format!("from={f}"));
        }
        if let Some(t) = self.to {
            parts.push(format!("to={t}"));
        }
        if let Some(c) = self.course {
            parts.push(format!("course={c}"));
        }
        if parts.is_empty() {
            String::new()
        } else {
            format!("?{}", parts.join("&"))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn q(from: &str, to: &str) -> ReportQuery {
        ReportQuery { from: Some(from.into()), to: Some(to.into()), ..ReportQuery::default() }
    }

    #[test]
    fn presets() {
        let today = d(2026, 11, 30);
        assert_eq!(Preset::ThisQuarter.range(today), (d(2026, 10, 1), d(2026, 12, 31)));
        assert_eq!(Preset::LastQuarter.range(today), (d(2026, 7, 1), d(2026, 9, 30)));
        assert_eq!(Preset::ThisYear.range(today), (d(2026, 1, 1), d(2026, 12, 31)));
        assert_eq!(Preset::LastQuarter.range(d(2026, 2, 3)), (d(2025, 10, 1), d(2025, 12, 31)));
        assert_eq!(quarter(2028, 1), (d(2028, 1, 1), d(2028, 3, 31)));
    }

    #[test]
    fn refused_filters_name_their_field() {
        let today = d(2026, 11, 30);
        let field = |query: ReportQuery| query.parse(today).unwrap_err().field();
        assert_eq!(field(q("2026-04-01", "2026-03-31")), Some("to"));
        assert_eq!(field(q("2026-13-01", "")), Some("from"));
        assert_eq!(field(q("", "2026-02-30")), Some("to"));
        let bad_course = ReportQuery { course: Some("x".into()), ..ReportQuery::default() };
        assert_eq!(field(bad_course), Some("course"));
        let bad_preset = ReportQuery { period: Some("decade".into()), ..ReportQuery::default() };
        assert_eq!(field(bad_preset), Some("period"));
        assert_eq!(ReportQuery::default().parse(today).unwrap(), ReportFilter::default());
        let same_day = q("2026-03-31", "2026-03-31").parse(today).unwrap();
        assert_eq!(same_day.query_string(), "?from=2026-03-31&to=2026-03-31");
    }

    proptest! {
        /// Every preset is a period that holds its own first and last day, starts on a
        /// month's first day, and holds today except "last quarter", which ends the day
        /// before this quarter starts.
        #[test]
        fn presets_are_whole_periods(days in 0i64..40_000) {
            let today = d(1990, 1, 1) + chrono::Duration::days(days);
            for p in Preset::ALL {
                let (from, to) = p.range(today);
                prop_assert!(from <= to);
                prop_assert_eq!(from.day(), 1);
                prop_assert_eq!(to.succ_opt().unwrap().day(), 1);
                if p == Preset::LastQuarter {
                    prop_assert_eq!(to.succ_opt().unwrap(), Preset::ThisQuarter.range(today).0);
                } else {
                    prop_assert!(from <= today && today <= to);
                }
            }
        }
    }
}
