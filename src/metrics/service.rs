//! The scrape: who may read the numbers, and reading them.

use std::sync::Arc;

use secrecy::{ExposeSecret, SecretString};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use super::registry::{Metrics, Snapshot, StoredGauges};
use crate::db::{Db, DbConn};
use crate::error::AppResult;
use crate::verification::service::PublicChecks;

/// The configured token, kept as its SHA-256: comparing two digests of equal length in
/// constant time tells a guesser nothing about the token, not even its length.
#[derive(Clone)]
pub struct MetricsAccess {
    digest: [u8; 32],
}

impl MetricsAccess {
    pub fn new(token: &SecretString) -> MetricsAccess {
        MetricsAccess { digest: Sha256::digest(token.expose_secret().as_bytes()).into() }
    }

    /// Whether the `Authorization` header's value carries the token (`Bearer <token>`,
    /// the scheme in any case as RFC 9110 allows).
    pub fn allows(&self, authorization: Option<&[u8]>) -> bool {
        let Some(value) = authorization else {
            return false;
        };
        let presented = match value.split_at_checked(7) {
            Some((scheme, rest)) if scheme.eq_ignore_ascii_case(b"bearer ") => rest,
            _ => return false,
        };
        let presented: [u8; 32] = Sha256::digest(presented.trim_ascii()).into();
        presented.ct_eq(&self.digest).into()
    }
}

/// The numbers kept in the database: aggregate counts over the whole service, nothing
/// about an organisation or a person.
pub fn stored_gauges(conn: &mut DbConn) -> AppResult<StoredGauges> {
    Ok(StoredGauges {
        outbox: crate::mail::service::outbox_state(conn)?,
        batches_running: crate::certificates::service::running_batches(conn)?,
        invitations_pending: crate::surveys::service::pending_invitations(conn)?,
    })
}

/// Reads everything and writes the series out. A database that does not answer is shown
/// as `mietschulung_database_up 0`, not as a failed scrape: the process's own numbers
/// (requests, pool) matter most exactly then.
pub async fn scrape(db: &Db, metrics: &Metrics, checks: &Arc<PublicChecks>) -> String {
    // Before the scrape takes a connection of its own.
    let pool = db.pool_use();
    let stored = match db.run(stored_gauges).await {
        Ok(stored) => Some(stored),
        Err(e) => {
            let reason = crate::telemetry::redact(&e.to_string());
            tracing::warn!("metrics: the database did not answer the counts: {reason}");
            None
        }
    };
    metrics.render(Snapshot { stored, pool, certificate_checks: checks.counter.total() })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_exact_token_opens() {
        let access = MetricsAccess::new(&SecretString::from("a-long-metrics-token-1234"));
        assert!(access.allows(Some(b"Bearer a-long-metrics-token-1234")));
        assert!(access.allows(Some(b"bearer a-long-metrics-token-1234")));
        assert!(!access.allows(None));
        assert!(!access.allows(Some(b"Bearer a-long-metrics-token-123")));
        assert!(!access.allows(Some(b"Bearer a-long-metrics-token-12345")));
        assert!(!access.allows(Some(b"Basic a-long-metrics-token-1234")));
        assert!(!access.allows(Some(b"a-long-metrics-token-1234")));
        assert!(!access.allows(Some(b"Bearer")));
        assert!(!access.allows(Some(b"")));
    }
}
