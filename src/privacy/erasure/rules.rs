//! When personal data is due for erasure, from an organisation's retention periods: pure
//! date arithmetic, no database.
//!
//! A period of N months ends on the same day of the month N months later, or on that
//! month's last day when it is shorter (31 January + 1 month = 28/29 February); data is
//! due on the day its period ends, never before.

use chrono::{Months, NaiveDate, NaiveDateTime};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// An organisation's retention periods.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Retention {
    /// Participants' personal data, months after their last run ended.
    pub participant_months: i32,
    /// Raw survey answers and free texts, months after the survey closed.
    pub survey_months: i32,
    /// Sent mail (with certificate PDFs) in the outbox, days after sending.
    pub mail_days: i32,
    /// Audit entries, years after they were written.
    pub audit_years: i32,
}

impl Default for Retention {
    fn default() -> Self {
        Retention { participant_months: 24, survey_months: 12, mail_days: 30, audit_years: 3 }
    }
}

/// Allowed values of each period, inclusive: (field, min, max).
pub const BOUNDS: [(&str, i32, i32); 4] = [
    ("participant_months", 1, 120),
    ("survey_months", 1, 120),
    ("mail_days", 1, 365),
    ("audit_years", 1, 10),
];

impl Retention {
    pub fn values(&self) -> [i32; 4] {
        [self.participant_months, self.survey_months, self.mail_days, self.audit_years]
    }

    /// The first field outside its bounds, with the bounds.
    pub fn out_of_bounds(&self) -> Option<(&'static str, i32, i32)> {
        BOUNDS
            .iter()
            .zip(self.values())
            .find(|((_, min, max), v)| v < min || v > max)
            .map(|(b, _)| *b)
    }
}

fn months(n: i32) -> Months {
    Months::new(u32::try_from(n.max(0)).unwrap_or(0))
}

/// The day a period of `n` months that started on `from` ends.
pub fn period_end(from: NaiveDate, n: i32) -> NaiveDate {
    from.checked_add_months(months(n)).unwrap_or(NaiveDate::MAX)
}

/// Whether data whose period of `n` months started on `from` is due on `today`.
pub fn is_due(from: NaiveDate, n: i32, today: NaiveDate) -> bool {
    period_end(from, n) <= today
}

/// The first start day that is not yet due on `today`: everything that started before it
/// is due, nothing from it on. (The inverse of [`period_end`], which at month ends maps
/// several days onto one.)
pub fn first_not_due(today: NaiveDate, n: i32) -> NaiveDate {
    let mut day = today.checked_sub_months(months(n)).unwrap_or(NaiveDate::MIN);
    // At most three steps: 28, 29, 30 and 31 of one month end on the same short day.
    while day < NaiveDate::MAX && is_due(day, n, today) {
        day = day.succ_opt().unwrap_or(NaiveDate::MAX);
    }
    day
}

/// When a participant's personal data is due: `months` after their last run ended, or
/// after their registration when they never enrolled.
pub fn participant_due_on(
    last_run_end: Option<NaiveDate>, registered_on: NaiveDate, months: i32,
) -> NaiveDate {
    period_end(last_run_end.unwrap_or(registered_on), months)
}

/// Sent mail is due when it was sent before this moment.
pub fn mail_sent_before(now: NaiveDateTime, days: i32) -> NaiveDateTime {
    now - chrono::Duration::days(i64::from(days.max(0)))
}

/// Audit entries are due when written before this moment.
pub fn audit_written_before(now: NaiveDateTime, years: i32) -> NaiveDateTime {
    now.checked_sub_months(months(years.saturating_mul(12))).unwrap_or(NaiveDateTime::MIN)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn any_day() -> impl Strategy<Value = NaiveDate> {
        (0i64..20_000).prop_map(|n| day(2000, 1, 1) + chrono::Duration::days(n))
    }

    #[test]
    fn month_ends_clamp_to_the_shorter_month() {
        assert_eq!(period_end(day(2026, 1, 31), 1), day(2026, 2, 28));
        assert_eq!(period_end(day(2028, 1, 31), 1), day(2028, 2, 29));
        assert_eq!(period_end(day(2026, 8, 31), 24), day(2028, 8, 31));
        assert!(is_due(day(2026, 1, 29), 1, day(2026, 2, 28)));
        assert!(!is_due(day(2026, 3, 31), 1, day(2026, 4, 29)));
        assert_eq!(first_not_due(day(2026, 2, 28), 1), day(2026, 2, 1));
    }

    #[test]
    fn never_enrolled_counts_from_registration() {
        let registered = day(2024, 5, 10);
        assert_eq!(participant_due_on(None, registered, 24), day(2026, 5, 10));
        assert_eq!(participant_due_on(Some(day(2025, 1, 1)), registered, 24), day(2027, 1, 1));
    }

    #[test]
    fn defaults_lie_within_bounds() {
        assert_eq!(Retention::default().out_of_bounds(), None);
        let r = Retention { mail_days: 0, ..Retention::default() };
        assert_eq!(r.out_of_bounds(), Some(("mail_days", 1, 365)));
    }

    proptest! {
        #[test]
        fn nothing_is_due_before_its_period_ends(from in any_day(), n in 1i32..=120, today in any_day()) {
            if today < period_end(from, n) {
                prop_assert!(!is_due(from, n, today));
            } else {
                prop_assert!(is_due(from, n, today));
            }
            // A full period of days at least has passed: never early, whatever the month.
            if is_due(from, n, today) {
                prop_assert!(today - from >= chrono::Duration::days(i64::from(n) * 28));
            }
        }

        #[test]
        fn first_not_due_splits_exactly(today in any_day(), n in 1i32..=120, offset in -100i64..100) {
            let cut = first_not_due(today, n);
            let probe = cut + chrono::Duration::days(offset);
            prop_assert_eq!(is_due(probe, n, today), probe < cut);
        }

        #[test]
        fn a_later_end_is_never_due_earlier(a in any_day(), b in any_day(), n in 1i32..=120) {
            let (early, late) = if a <= b { (a, b) } else { (b, a) };
            prop_assert!(period_end(early, n) <= period_end(late, n));
        }

        #[test]
        fn mail_and_audit_cutoffs_lie_in_the_past(days in 1i32..=365, years in 1i32..=10, secs in 0i64..2_000_000_000) {
            let now = chrono::DateTime::from_timestamp(secs, 0).unwrap().naive_utc();
            prop_assert!(mail_sent_before(now, days) < now);
            prop_assert!(audit_written_before(now, years) < now);
            prop_assert!(now - audit_written_before(now, years) >= chrono::Duration::days(365 * i64::from(years)));
        }
    }
}
