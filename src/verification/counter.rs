//! How often certificates were checked, summed in memory and written every few seconds.
//!
//! The counts are statistics for the coordinator (design: counts and dates, nothing about
//! the checker). Writing one row per scan would make every public check a database write,
//! which on SQLite serialises all checks behind one lock; summing first turns a busy minute
//! into a handful of upserts. A crash loses at most the last interval's counts.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::Duration;

use chrono::NaiveDate;

use crate::db::{Db, DbConn};
use crate::error::AppResult;
use crate::ids::{CertificateId, OrgId};
use crate::jobs::Job;

/// How often pending counts are written.
pub const FLUSH_INTERVAL: Duration = Duration::from_secs(2);

type Key = (OrgId, CertificateId, NaiveDate);

#[derive(Default)]
pub struct CheckCounter {
    pending: Mutex<HashMap<Key, i32>>,
    /// Every check counted since start (for monitoring; the rows above are per certificate).
    total: AtomicU64,
}

impl CheckCounter {
    pub fn record(&self, organisation_id: OrgId, certificate_id: CertificateId, day: NaiveDate) {
        self.total.fetch_add(1, Ordering::Relaxed);
        if let Ok(mut pending) = self.pending.lock() {
            *pending.entry((organisation_id, certificate_id, day)).or_insert(0) += 1;
        }
    }

    /// Writes what has been counted; counts that could not be written are kept for the
    /// next attempt.
    pub fn flush(&self, conn: &mut DbConn) -> AppResult<usize> {
        let batch: Vec<(Key, i32)> = match self.pending.lock() {
            Ok(mut pending) => pending.drain().collect(),
            Err(_) => return Ok(0),
        };
        let mut written = 0;
        let mut failed: Option<crate::error::AppError> = None;
        for (i, ((org, cert, day), n)) in batch.iter().enumerate() {
            if let Err(e) = crate::db::dialect::count_certificate_check(conn, *org, *cert, *day, *n)
            {
                if let Ok(mut pending) = self.pending.lock() {
                    for ((org, cert, day), n) in &batch[i..] {
                        *pending.entry((*org, *cert, *day)).or_insert(0) += n;
                    }
                }
                failed = Some(e);
                break;
            }
            written += 1;
        }
        match failed {
            Some(e) => Err(e),
            None => Ok(written),
        }
    }

    /// Checks that found a certificate since this process started.
    pub fn total(&self) -> u64 {
        self.total.load(Ordering::Relaxed)
    }

    fn is_empty(&self) -> bool {
        self.pending.lock().map(|p| p.is_empty()).unwrap_or(true)
    }
}

/// Writes the counts every [`FLUSH_INTERVAL`], and once more when the service stops, so a
/// shutdown loses no count.
pub fn flush_job(db: Db, counter: std::sync::Arc<CheckCounter>) -> Job {
    let flush = move || {
        let (db, counter) = (db.clone(), counter.clone());
        async move {
            if counter.is_empty() {
                return Ok(());
            }
            db.run(move |conn| counter.flush(conn)).await.map(|_| ())
        }
    };
    Job::every("check counts", FLUSH_INTERVAL, flush.clone()).finally(flush)
}
