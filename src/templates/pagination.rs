//! Long lists a page at a time, as GOV.UK pages them: the page shows one part of the list
//! and a navigation ("Vorherige", page numbers, "Nächste") to the others. Rendered by
//! `partials/pagination`; every link is a plain GET, so it works without JavaScript.

use serde::Serialize;

/// Rows on one page: enough to find someone by scrolling on a phone, few enough that the
/// page stays small and fast whatever the list's length.
pub const PER_PAGE: usize = 50;

/// The navigation of a list longer than one page.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Pagination {
    /// The locale key naming the navigation (its `aria-label`): which list it pages.
    pub label: &'static str,
    pub previous: Option<String>,
    pub next: Option<String>,
    pub links: Vec<PageLink>,
    /// The rows shown, counted from 1, and how many there are.
    pub from: usize,
    pub to: usize,
    pub total: usize,
}

/// A page number in the navigation, or a gap ("…") where numbers are left out.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct PageLink {
    /// `None`: a gap.
    pub number: Option<usize>,
    pub href: String,
    pub current: bool,
}

/// The page number asked for in a query (`?page=3`): from 1; anything else is the first.
pub fn wanted(raw: &str) -> usize {
    raw.trim().parse::<usize>().ok().filter(|n| *n >= 1).unwrap_or(1)
}

/// The page [`page`] shows of a list of `len` rows when page `wanted` is asked for: the
/// last one past the end.
pub fn current(wanted: usize, len: usize) -> usize {
    wanted.clamp(1, len.div_ceil(PER_PAGE).max(1))
}

/// Keeps page `wanted` of `items` (counted from 1; past the last page, the last), at most
/// [`PER_PAGE`] rows, and answers the navigation to every page, whose links `href` makes;
/// `None` when the whole list fits on one page.
pub fn page<T>(
    items: &mut Vec<T>, wanted: usize, label: &'static str, href: impl Fn(usize) -> String,
) -> Option<Pagination> {
    let total = items.len();
    if total <= PER_PAGE {
        return None;
    }
    let last = total.div_ceil(PER_PAGE);
    let current = current(wanted, total);
    let from = (current - 1) * PER_PAGE;
    let to = (from + PER_PAGE).min(total);
    items.truncate(to);
    items.drain(..from);
    // The first and last page, the current one and its neighbours; a gap for the rest
    // (a gap of one page shows that page instead).
    let shown = |n: usize| n == 1 || n == last || n.abs_diff(current) <= 1;
    let mut links = Vec::new();
    for n in 1..=last {
        if shown(n) || (shown(n - 1) && shown(n + 1) && n > 1) {
            links.push(PageLink { number: Some(n), href: href(n), current: n == current });
        } else if links.last().is_some_and(|l: &PageLink| l.number.is_some()) {
            links.push(PageLink { number: None, href: String::new(), current: false });
        }
    }
    Some(Pagination {
        label,
        previous: (current > 1).then(|| href(current - 1)),
        next: (current < last).then(|| href(current + 1)),
        links,
        from: from + 1,
        to,
        total,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn href(n: usize) -> String {
        format!("?page={n}")
    }

    #[test]
    fn a_long_list_shows_first_last_and_around_the_current_page() {
        let mut rows: Vec<usize> = (0..500).collect();
        let nav = page(&mut rows, 5, "pagination.participants", href).expect("ten pages");
        assert_eq!(rows, (200..250).collect::<Vec<_>>());
        let numbers: Vec<Option<usize>> = nav.links.iter().map(|l| l.number).collect();
        assert_eq!(numbers, [Some(1), None, Some(4), Some(5), Some(6), None, Some(10)]);
        assert_eq!((nav.from, nav.to, nav.total), (201, 250, 500));
        assert_eq!(nav.previous.as_deref(), Some("?page=4"));
        assert_eq!(nav.next.as_deref(), Some("?page=6"));
        // A gap of a single page shows that page.
        let nav = page(&mut (0..500).collect::<Vec<_>>(), 3, "l", href).unwrap();
        let numbers: Vec<Option<usize>> = nav.links.iter().map(|l| l.number).collect();
        assert_eq!(numbers, [Some(1), Some(2), Some(3), Some(4), None, Some(10)]);
    }

    #[test]
    fn what_is_asked_for_is_read_leniently() {
        assert_eq!(wanted("3"), 3);
        assert_eq!(wanted(" 2 "), 2);
        for other in ["", "0", "-1", "zwei", "1e3", "99999999999999999999999"] {
            assert_eq!(wanted(other), 1, "{other}");
        }
    }

    proptest! {
        /// The pages together hold every row once, in order; each page at most
        /// [`PER_PAGE`]; the navigation is there exactly when the list is longer than a page,
        /// names the current page once, always the first and the last, every link leads to a
        /// page that exists, and "Vorherige"/"Nächste" are there except at the ends.
        #[test]
        fn pages_cover_the_list_once(total in 0usize..400, wanted in 0usize..12) {
            let all: Vec<usize> = (0..total).collect();
            let mut shown = all.clone();
            let nav = page(&mut shown, wanted, "l", href);
            prop_assert!(shown.len() <= PER_PAGE);
            prop_assert_eq!(nav.is_some(), total > PER_PAGE);
            let Some(nav) = nav else {
                prop_assert_eq!(shown, all);
                return Ok(());
            };
            let last = total.div_ceil(PER_PAGE);
            let current = wanted.clamp(1, last);
            prop_assert_eq!(&shown[..], &all[nav.from - 1..nav.to]);
            let mut together = Vec::new();
            for n in 1..=last {
                let mut rows = all.clone();
                page(&mut rows, n, "l", href);
                together.extend(rows);
            }
            prop_assert_eq!(together, all);
            let numbers: Vec<usize> = nav.links.iter().filter_map(|l| l.number).collect();
            prop_assert_eq!(numbers.first(), Some(&1));
            prop_assert_eq!(numbers.last(), Some(&last));
            prop_assert!(numbers.windows(2).all(|w| w[0] < w[1]));
            prop_assert!(numbers.len() <= 7, "{:?}", numbers);
            let currents: Vec<_> = nav.links.iter().filter(|l| l.current).collect();
            prop_assert_eq!(currents.len(), 1);
            prop_assert_eq!(currents[0].number, Some(current));
            for l in &nav.links {
                match l.number {
                    Some(n) => prop_assert_eq!(&l.href, &href(n)),
                    None => prop_assert!(!l.current),
                }
            }
            // No two gaps side by side, and a gap stands for at least two pages.
            for w in nav.links.windows(2) {
                prop_assert!(w[0].number.is_some() || w[1].number.is_some());
                if let (Some(a), None) = (w[0].number, w[1].number) {
                    prop_assert!(!numbers.contains(&(a + 1)) && !numbers.contains(&(a + 2)));
                }
            }
            prop_assert_eq!(nav.previous, (current > 1).then(|| href(current - 1)));
            prop_assert_eq!(nav.next, (current < last).then(|| href(current + 1)));
        }
    }
}
