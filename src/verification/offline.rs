//! Checking without a connection: the web app at `/pruefen` and its service worker.
//!
//! After one online visit the browser holds the key set (`/.well-known/jwks.json`), the
//! signed revocation list (`/.well-known/revoked`), the issuers' names, contacts and course
//! titles (`/pruefen/aussteller.json`) and the result page in every check-page language
//! (`/pruefen/vorlagen/{lang}.json`). A scan opens `/Z/…` as usual; when the network does
//! not answer within a few seconds, the service worker checks the token itself
//! (`static/verifier.js`: base32, COSE_Sign1, Ed25519 with WebCrypto) and shows the same page
//! as the server, marked as checked offline with the list's date.
//!
//! Rules (the JavaScript verifier follows them; the shared test vectors hold both to them):
//! - Online, the server's answer is the authority; offline answers exist only for scans
//!   (the token carries the signed facts). A typed code is a reference into the database
//!   and is never judged offline.
//! - A token that fails any check is "Ungültig", whatever the list says.
//! - A code on the list is "Widerrufen" (or "ersetzt") even when the list is past its next
//!   update: a revocation is final.
//! - "Gültig" only while the list is current: issued no more than [`CLOCK_SLACK_SECS`] in
//!   the device's future and its next update not yet reached. Otherwise the page says the
//!   list is out of date ([`OfflineVerdict::Stale`]), never a plain green.
//! - A list issued more than [`LIST_MAX_AGE_SECS`] ago, or none, is not used at all
//!   ([`OfflineVerdict::Unusable`]).
//! - The browser only stores a list whose signature holds with the deployment's key (a
//!   JWKS entry without organisation) and that is not older than the one it holds, so an
//!   old list cannot be replayed to undo a revocation.

use crate::certificates::revocation::Listed;

/// A list issued longer ago than this is not used at all (the "7 days").
pub const LIST_MAX_AGE_SECS: i64 = 7 * 24 * 3600;
/// How far in the device's future a list's issue time may be before the device's clock is
/// distrusted (a phone a few minutes slow must still see "Gültig").
pub const CLOCK_SLACK_SECS: i64 = 300;
/// How long the service worker waits for the server before it answers offline.
pub const NETWORK_TIMEOUT_MS: u32 = 3500;
/// Bulk check: at most this many codes or links at once.
pub const BULK_MAX: usize = 50;

/// What the offline check says about a scanned token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OfflineVerdict {
    Valid,
    /// Genuine and not listed, but the list is past its next update (or the clock is off).
    Stale,
    /// Genuine, but there is no list young enough to say whether it was revoked.
    Unusable,
    Revoked,
    Replaced,
    Invalid,
}

impl OfflineVerdict {
    /// The name the JavaScript verifier gives it.
    pub fn as_str(self) -> &'static str {
        match self {
            OfflineVerdict::Valid => "valid",
            OfflineVerdict::Stale => "stale",
            OfflineVerdict::Unusable => "unusable",
            OfflineVerdict::Revoked => "revoked",
            OfflineVerdict::Replaced => "replaced",
            OfflineVerdict::Invalid => "invalid",
        }
    }
}

/// The times of the list the device holds, and whether the token's code is on it.
#[derive(Debug, Clone, Copy)]
pub struct HeldList {
    pub issued_at: i64,
    pub next_update: i64,
    pub listed: Listed,
}

/// The offline verdict for a token whose signature did (`genuine`) or did not hold.
pub fn judge(genuine: bool, list: Option<HeldList>, now: i64) -> OfflineVerdict {
    if !genuine {
        return OfflineVerdict::Invalid;
    }
    let Some(list) = list.filter(|l| now - l.issued_at <= LIST_MAX_AGE_SECS) else {
        return OfflineVerdict::Unusable;
    };
    match list.listed {
        Listed::Revoked => OfflineVerdict::Revoked,
        Listed::Replaced => OfflineVerdict::Replaced,
        Listed::No if now >= list.next_update || list.issued_at - now > CLOCK_SLACK_SECS => {
            OfflineVerdict::Stale
        }
        Listed::No => OfflineVerdict::Valid,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const DAY: i64 = 24 * 3600;

    fn held(issued_at: i64, listed: Listed) -> Option<HeldList> {
        Some(HeldList { issued_at, next_update: issued_at + DAY, listed })
    }

    #[test]
    fn the_ages_of_a_list() {
        let t = 1_800_000_000;
        assert_eq!(judge(true, held(t, Listed::No), t + 60), OfflineVerdict::Valid);
        assert_eq!(judge(true, held(t, Listed::No), t + DAY), OfflineVerdict::Stale);
        assert_eq!(judge(true, held(t, Listed::No), t + 7 * DAY), OfflineVerdict::Stale);
        assert_eq!(judge(true, held(t, Listed::No), t + 7 * DAY + 1), OfflineVerdict::Unusable);
        assert_eq!(judge(true, None, t), OfflineVerdict::Unusable);
        // A phone a few minutes slow still sees green; one a day behind does not.
        assert_eq!(judge(true, held(t, Listed::No), t - 200), OfflineVerdict::Valid);
        assert_eq!(judge(true, held(t, Listed::No), t - DAY), OfflineVerdict::Stale);
    }

    #[test]
    fn a_revocation_is_final_and_a_forgery_stays_a_forgery() {
        let t = 1_800_000_000;
        assert_eq!(judge(true, held(t, Listed::Revoked), t + 3 * DAY), OfflineVerdict::Revoked);
        assert_eq!(judge(true, held(t, Listed::Replaced), t), OfflineVerdict::Replaced);
        assert_eq!(judge(false, held(t, Listed::No), t), OfflineVerdict::Invalid);
        assert_eq!(judge(false, None, t), OfflineVerdict::Invalid);
    }

    proptest! {
        /// Green needs a genuine token, an unlisted code and a list that is current at `now`.
        #[test]
        fn green_only_with_a_current_list(
            genuine: bool, issued in 0i64..4_000_000_000, age in -30 * DAY..30 * DAY,
            validity in 1i64..=DAY, listed in 0u8..3,
        ) {
            let listed = [Listed::No, Listed::Revoked, Listed::Replaced][usize::from(listed)];
            let list = HeldList { issued_at: issued, next_update: issued + validity, listed };
            let now = issued + age;
            let verdict = judge(genuine, Some(list), now);
            if verdict == OfflineVerdict::Valid {
                prop_assert!(genuine && listed == Listed::No);
                prop_assert!(now < list.next_update && now >= issued - CLOCK_SLACK_SECS);
            }
            if !genuine {
                prop_assert_eq!(verdict, OfflineVerdict::Invalid);
            }
        }
    }
}
