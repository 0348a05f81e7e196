//! A one-second memory of database answers for the public check page.
//!
//! A certificate that is being checked a lot (a viewing with many interested landlords, or
//! someone hammering a link) would otherwise cost a database round trip per scan. Answers
//! are kept for [`TTL`]; a revocation or replacement made through this process clears them
//! at once, one made through another replica shows at most [`TTL`] later.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::certificates::models::Certificate;

pub const TTL: Duration = Duration::from_secs(1);
const MAX_ENTRIES: usize = 4096;

/// Bumped whenever a certificate's status changes in this process.
static GENERATION: AtomicU64 = AtomicU64::new(0);

/// Forget every remembered answer (after a revocation or replacement).
pub fn invalidate_all() {
    GENERATION.fetch_add(1, Ordering::SeqCst);
}

type Entry = (Instant, u64, Arc<Option<(Certificate, String)>>);

#[derive(Default)]
pub struct LookupCache {
    entries: Mutex<HashMap<String, Entry>>,
}

impl LookupCache {
    /// The remembered answer for a stored code (`Some(None)`: known not to exist).
    pub fn get(&self, code: &str) -> Option<Arc<Option<(Certificate, String)>>> {
        let generation = GENERATION.load(Ordering::SeqCst);
        let entries = self.entries.lock().ok()?;
        let (at, gen, value) = entries.get(code)?;
        (*gen == generation && at.elapsed() < TTL).then(|| value.clone())
    }

    /// Remembers an answer read from the database under the generation seen *before* the
    /// read, so a change that raced with the read is not remembered as current.
    pub fn put(&self, code: String, generation: u64, value: Arc<Option<(Certificate, String)>>) {
        if let Ok(mut entries) = self.entries.lock() {
            if entries.len() >= MAX_ENTRIES {
                entries.retain(|_, (at, _, _)| at.elapsed() < TTL);
                if entries.len() >= MAX_ENTRIES {
                    entries.clear();
                }
            }
            entries.insert(code, (Instant::now(), generation, value));
        }
    }
}

pub fn generation() -> u64 {
    GENERATION.load(Ordering::SeqCst)
}
