//! How fast passwords may be guessed.
//!
//! Rules:
//! - Failed logins are counted per account and per client address over a sliding window of
//!   15 minutes. After 10 failures for one account, or 30 from one address, further attempts
//!   are refused without checking the password until the oldest counted failure leaves the
//!   window; the answer says when to try again. A refused attempt counts nothing, so a
//!   throttle never lasts longer than the window.
//! - The account limit does not apply on a device that has logged in to that account before
//!   (a signed device cookie): someone guessing a coordinator's password elsewhere cannot
//!   lock the coordinator out of their own browser.
//! - Account and address are stored only as keyed hashes: the table counts, it does not say
//!   who tried.

use chrono::{Duration, NaiveDateTime};

use crate::i18n::Text;

pub const WINDOW_MINUTES: i64 = 15;
pub const ACCOUNT_LIMIT: usize = 10;
pub const ADDRESS_LIMIT: usize = 30;

pub fn window() -> Duration {
    Duration::minutes(WINDOW_MINUTES)
}

/// How long to wait before the next attempt, given the failures inside the window (oldest
/// first), or `None` when an attempt may be made now.
pub fn wait(failures: &[NaiveDateTime], limit: usize, now: NaiveDateTime) -> Option<Duration> {
    if failures.len() < limit {
        return None;
    }
    // The attempt is free again when enough failures have left the window that fewer than
    // `limit` remain.
    let freeing = failures[failures.len() - limit];
    let free_at = freeing + window();
    (free_at > now).then(|| free_at - now)
}

/// Client addresses as the throttle counts them: IPv6 by /64 network, since one household
/// or phone gets a whole /64 and could otherwise rotate through it.
pub fn address_key(addr: std::net::IpAddr) -> String {
    match addr {
        std::net::IpAddr::V4(v4) => format!("ip:{v4}"),
        std::net::IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => format!("ip:{v4}"),
            None => {
                let s = v6.segments();
                format!("ip:{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
            }
        },
    }
}

pub fn account_key(email: &str) -> String {
    format!("account:{}", email.trim().to_lowercase())
}

/// "in 12 Minuten (um 22:41 Uhr)": when the next attempt may be made.
pub fn message(wait: Duration, now_utc: NaiveDateTime) -> Text {
    until("error.login_throttled", wait, now_utc)
}

/// The sentence `key` with `{span}` ("12 Minuten") and `{at}` ("22:41") of the wait.
pub fn until(key: &'static str, wait: Duration, now_utc: NaiveDateTime) -> Text {
    let secs = wait.num_seconds().max(1);
    let at = crate::time::to_local(now_utc + wait).format("%H:%M");
    let span = if secs < 60 {
        Text::key("throttle.seconds").arg("n", secs)
    } else {
        let minutes = (secs + 59) / 60;
        if minutes == 1 {
            Text::key("throttle.one_minute")
        } else {
            Text::key("throttle.minutes").arg("n", minutes)
        }
    };
    Text::key(key).arg_text("span", span).arg("at", at)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn t0() -> NaiveDateTime {
        chrono::NaiveDate::from_ymd_opt(2026, 11, 29).unwrap().and_hms_opt(12, 0, 0).unwrap()
    }

    #[test]
    fn below_the_limit_nothing_waits() {
        let now = t0();
        let f: Vec<_> = (0..9).map(|i| now - Duration::seconds(i)).rev().collect();
        assert_eq!(wait(&f, 10, now), None);
    }

    #[test]
    fn at_the_limit_waits_until_the_oldest_leaves() {
        let now = t0();
        let f: Vec<_> =
            (0..10).map(|i| now - Duration::minutes(10) + Duration::seconds(i)).collect();
        assert_eq!(wait(&f, 10, now), Some(Duration::minutes(5)));
    }

    #[test]
    fn addresses_of_one_v6_network_share_a_key() {
        let a: std::net::IpAddr = "2001:db8:1:2:aaaa::1".parse().unwrap();
        let b: std::net::IpAddr = "2001:db8:1:2:bbbb::9".parse().unwrap();
        let c: std::net::IpAddr = "2001:db8:1:3::1".parse().unwrap();
        assert_eq!(address_key(a), address_key(b));
        assert_ne!(address_key(a), address_key(c));
        let mapped: std::net::IpAddr = "::ffff:192.0.2.7".parse().unwrap();
        assert_eq!(address_key(mapped), "ip:192.0.2.7");
    }

    proptest! {
        /// Whatever the failures, a wait never exceeds the window, and once the window has
        /// passed since the last failure nothing waits: no one is locked out for long.
        #[test]
        fn waits_are_bounded(offsets in proptest::collection::vec(0i64..3600, 0..60), limit in 1usize..40) {
            let now = t0();
            let mut f: Vec<_> = offsets.iter().map(|s| now - Duration::seconds(*s))
                .filter(|t| *t > now - window()).collect();
            f.sort();
            if let Some(w) = wait(&f, limit, now) {
                prop_assert!(w <= window());
                prop_assert!(w > Duration::zero());
                prop_assert!(f.len() >= limit);
            } else {
                prop_assert!(f.len() < limit || f[f.len() - limit] + window() <= now);
            }
            let later = f.last().copied().unwrap_or(now) + window();
            let still: Vec<_> = f.iter().copied().filter(|t| *t > later - window()).collect();
            prop_assert_eq!(wait(&still, limit, later), None);
        }
    }
}
