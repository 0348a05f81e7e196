//! Per-client rate limits for the public verification pages (governor, GCRA), so the
//! certificate codes cannot be enumerated and a scraper cannot load the service.
//! A limit of 0 turns it off (load tests behind a trusted proxy).

use std::net::IpAddr;
use std::num::NonZeroU32;

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

pub struct ClientLimiter {
    inner: Option<DefaultKeyedRateLimiter<IpAddr>>,
}

impl ClientLimiter {
    pub fn per_minute(n: u32) -> ClientLimiter {
        ClientLimiter {
            inner: NonZeroU32::new(n).map(|n| RateLimiter::dashmap(Quota::per_minute(n))),
        }
    }

    /// `Err(seconds to wait)` when the client has used up its allowance.
    pub fn check(&self, client: IpAddr) -> Result<(), u64> {
        match &self.inner {
            None => Ok(()),
            Some(limiter) => limiter.check_key(&client).map_err(|not_until| {
                not_until.wait_time_from(DefaultClock::default().now()).as_secs().max(1)
            }),
        }
    }

    /// Forgets clients whose allowance is full again, so memory stays bounded.
    pub fn retain_recent(&self) {
        if let Some(limiter) = &self.inner {
            limiter.retain_recent();
            limiter.shrink_to_fit();
        }
    }
}

/// The two limits: scanned QR links, and the stricter manual code form.
pub struct VerifyLimits {
    pub token: ClientLimiter,
    pub code_form: ClientLimiter,
}

impl VerifyLimits {
    pub fn new(token_per_minute: u32, code_form_per_minute: u32) -> VerifyLimits {
        VerifyLimits {
            token: ClientLimiter::per_minute(token_per_minute),
            code_form: ClientLimiter::per_minute(code_form_per_minute),
        }
    }
}
