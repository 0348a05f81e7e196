//! Figures as German readers write them: `60,0 %`, `1.234`, "November 2026". Percentages
//! are kept as tenths of a percent (600 = 60,0 %), rounded half up, so the page, the chart
//! and the exports agree to the digit.

use crate::i18n;

/// `part` of `whole` in tenths of a percent, rounded half up; 0 of nothing is 0.
pub fn tenths_of_percent(part: u64, whole: u64) -> u32 {
    if whole == 0 {
        return 0;
    }
    let part = part.min(whole);
    let tenths = (part * 2000 + whole) / (2 * whole);
    u32::try_from(tenths).unwrap_or(1000)
}

/// `600` → `60,0 %` (one decimal, a comma, a space before the sign).
pub fn percent(tenths: u32) -> String {
    format!("{},{} %", tenths / 10, tenths % 10)
}

/// The same as a number with one decimal (`60.0`), for JSON and spreadsheets.
pub fn percent_value(tenths: u32) -> f64 {
    f64::from(tenths) / 10.0
}

/// `1234567` → `1.234.567`.
pub fn number(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push('.');
        }
        out.push(c);
    }
    if n < 0 {
        format!("-{out}")
    } else {
        out
    }
}

const MONTHS: [&str; 12] = [
    "rep.month.1",
    "rep.month.2",
    "rep.month.3",
    "rep.month.4",
    "rep.month.5",
    "rep.month.6",
    "rep.month.7",
    "rep.month.8",
    "rep.month.9",
    "rep.month.10",
    "rep.month.11",
    "rep.month.12",
];

/// `2026`, `11` → "November 2026" in `lang`; a month out of range is shown as its number.
pub fn month(lang: &str, year: i32, month: u32) -> String {
    match month.checked_sub(1).and_then(|i| MONTHS.get(i as usize)) {
        Some(key) => format!("{} {year}", i18n::text(lang, key)),
        None => format!("{month:02}/{year}"),
    }
}

/// `"2026-11"` (as the API names months) → "November 2026".
pub fn month_key(lang: &str, key: &str) -> String {
    let mut parts = key.splitn(2, '-');
    let year = parts.next().and_then(|y| y.parse().ok());
    let m = parts.next().and_then(|m| m.parse().ok());
    match (year, m) {
        (Some(y), Some(m)) => month(lang, y, m),
        _ => key.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn german_forms() {
        assert_eq!(percent(tenths_of_percent(3, 5)), "60,0 %");
        assert_eq!(percent(tenths_of_percent(1, 3)), "33,3 %");
        assert_eq!(percent(tenths_of_percent(2, 3)), "66,7 %");
        assert_eq!(percent(tenths_of_percent(0, 0)), "0,0 %");
        assert_eq!(percent(tenths_of_percent(7, 7)), "100,0 %");
        assert_eq!(number(0), "0");
        assert_eq!(number(999), "999");
        assert_eq!(number(1000), "1.000");
        assert_eq!(number(1234567), "1.234.567");
        assert_eq!(number(-1234), "-1.234");
        assert_eq!(month("de", 2026, 11), "November 2026");
        assert_eq!(month("de", 2026, 3), "März 2026");
        assert_eq!(month("en", 2026, 3), "March 2026");
        assert_eq!(month_key("de", "2026-01"), "Januar 2026");
    }

    proptest! {
        /// The shown percentage is the exact share to within half a tenth, never above
        /// 100 %, and always written with one decimal after a comma.
        #[test]
        fn percent_is_the_share_rounded(whole in 1u64..100_000, share in 0.0f64..=1.0) {
            let part = (whole as f64 * share).floor() as u64;
            let tenths = tenths_of_percent(part, whole);
            let exact = part as f64 * 1000.0 / whole as f64;
            prop_assert!((f64::from(tenths) - exact).abs() <= 0.5 + 1e-9);
            prop_assert!(tenths <= 1000);
            let text = percent(tenths);
            prop_assert!(text.ends_with(" %"));
            let number = text.trim_end_matches(" %");
            let (int, dec) = number.split_once(',').unwrap();
            prop_assert_eq!(dec.len(), 1);
            prop_assert_eq!(int.parse::<u32>().unwrap() * 10 + dec.parse::<u32>().unwrap(), tenths);
        }

        /// Thousands separators: removing the dots gives the number back, and every group
        /// after the first has three digits.
        #[test]
        fn numbers_group_by_thousands(n in any::<i64>()) {
            let text = number(n);
            prop_assert_eq!(text.replace('.', "").parse::<i128>().unwrap(), i128::from(n));
            let groups: Vec<&str> = text.trim_start_matches('-').split('.').collect();
            prop_assert!(groups[0].len() <= 3 && !groups[0].is_empty());
            prop_assert!(groups[1..].iter().all(|g| g.len() == 3));
        }

        /// Every month of every year has a German name (no key shows through).
        #[test]
        fn every_month_has_a_name(year in 1990i32..2100, m in 1u32..=12) {
            let text = month("de", year, m);
            prop_assert!(!text.contains("rep."));
            let suffix = format!(" {year}");
            prop_assert!(text.ends_with(&suffix));
        }
    }
}
