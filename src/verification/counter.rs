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

/// Counts written per transaction.
const ROWS_PER_TRANSACTION: usize = 500;

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
    /// next attempt. Rows go in transactions of [`ROWS_PER_TRANSACTION`]: one commit per row
    /// took a lock and a WAL append for each of thousands of certificates checked a minute,
    /// a tenth of a busy check page's CPU; a bounded transaction keeps other writers from
    /// waiting long behind it.
    pub fn flush(&self, conn: &mut DbConn) -> AppResult<usize> {
        let batch: Vec<(Key, i32)> = match self.pending.lock() {
            Ok(mut pending) => pending.drain().collect(),
            Err(_) => return Ok(0),
        };
        let mut written = 0;
        for (i, chunk) in batch.chunks(ROWS_PER_TRANSACTION).enumerate() {
            let result = crate::db::write_transaction(conn, |c| {
                for ((org, cert, day), n) in chunk {
                    crate::db::dialect::count_certificate_check(c, *org, *cert, *day, *n)?;
                }
                Ok(())
            });
            if let Err(e) = result {
                // This chunk was rolled back; it and the ones after it wait for next time.
                if let Ok(mut pending) = self.pending.lock() {
                    for ((org, cert, day), n) in &batch[i * ROWS_PER_TRANSACTION..] {
                        *pending.entry((*org, *cert, *day)).or_insert(0) += n;
                    }
                }
                return Err(e);
            }
            written += chunk.len();
        }
        Ok(written)
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
