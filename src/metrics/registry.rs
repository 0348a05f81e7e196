//! The series and their names, registered once per process; the scrape sets the gauges
//! read at scrape time and writes everything out in the Prometheus text format (0.0.4).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::metrics::info::Info;
use prometheus_client::registry::Registry;

use crate::db::{Backend, PoolUse};
use crate::mail::service::OutboxState;

/// Every series starts with this.
pub const PREFIX: &str = "mietschulung";

/// The `Content-Type` of the answer.
pub const CONTENT_TYPE: &str = prometheus_client::encoding::prometheus_text::CONTENT_TYPE;

/// Upper bounds of the latency buckets, in seconds: the public check aims at a few
/// milliseconds, pages at under 50 ms, a certificate batch's start at about a second.
const LATENCY_BUCKETS: [f64; 14] =
    [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0];

/// The route label of a request no route matched.
pub const UNMATCHED: &str = "unmatched";

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RequestLabels {
    pub method: &'static str,
    pub route: Arc<str>,
    pub status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RouteLabels {
    pub route: Arc<str>,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct BuildLabels {
    version: &'static str,
    commit: &'static str,
    backend: &'static str,
}

fn latency_histogram() -> Histogram {
    Histogram::new(LATENCY_BUCKETS)
}

/// What the scrape read just before writing the series out.
#[derive(Debug, Clone, Copy, Default)]
pub struct Snapshot {
    /// `None` when the database did not answer.
    pub stored: Option<StoredGauges>,
    pub pool: PoolUse,
    pub certificate_checks: u64,
}

/// The numbers kept in the database, over the whole service.
#[derive(Debug, Clone, Copy, Default)]
pub struct StoredGauges {
    pub outbox: OutboxState,
    pub batches_running: i64,
    pub invitations_pending: i64,
}

/// The process's series. One per process, shared by every HTTP worker.
pub struct Metrics {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    latency: Family<RouteLabels, Histogram, fn() -> Histogram>,
    database_up: Gauge,
    outbox_pending: Gauge,
    outbox_failed: Gauge,
    outbox_oldest_pending_age: Gauge<f64, AtomicU64>,
    batches_running: Gauge,
    invitations_pending: Gauge,
    certificate_checks: Counter,
    pool_in_use: Gauge,
    pool_idle: Gauge,
    pool_max: Gauge,
    /// Two scrapes at once would otherwise interleave setting the gauges and writing them.
    scrape: Mutex<()>,
}

impl Metrics {
    pub fn new(backend: Backend) -> Metrics {
        let mut registry = Registry::with_prefix(PREFIX);
        let requests = Family::<RequestLabels, Counter>::default();
        registry.register(
            "http_requests",
            "HTTP requests answered, by method, route pattern and status",
            requests.clone(),
        );
        let latency = Family::<RouteLabels, Histogram, fn() -> Histogram>::new_with_constructor(
            latency_histogram,
        );
        registry.register(
            "http_request_duration_seconds",
            "Time from receiving a request to its answer, by route pattern",
            latency.clone(),
        );
        let gauge = |registry: &mut Registry, name: &str, help: &str| {
            let g = Gauge::default();
            registry.register(name, help, g.clone());
            g
        };
        let database_up = gauge(
            &mut registry,
            "database_up",
            "1 when the database answered this scrape's counts, else 0 (the counts below keep their last values)",
        );
        let outbox_pending =
            gauge(&mut registry, "outbox_pending", "Mails waiting to be sent (all organisations)");
        let outbox_failed = gauge(
            &mut registry,
            "outbox_failed",
            "Mails given up after their last attempt, waiting for a coordinator",
        );
        let outbox_oldest_pending_age = Gauge::<f64, AtomicU64>::default();
        registry.register(
            "outbox_oldest_pending_age_seconds",
            "How long the oldest waiting mail has waited (0 when none waits)",
            outbox_oldest_pending_age.clone(),
        );
        let batches_running =
            gauge(&mut registry, "certificate_batches_running", "Certificate batches running");
        let invitations_pending = gauge(
            &mut registry,
            "survey_invitations_pending",
            "Survey invitations without an answer in surveys open today",
        );
        let certificate_checks = Counter::default();
        registry.register(
            "certificate_checks",
            "Public certificate checks that found a certificate, since this process started",
            certificate_checks.clone(),
        );
        let pool_in_use =
            gauge(&mut registry, "db_pool_connections_in_use", "Database connections lent out");
        let pool_idle =
            gauge(&mut registry, "db_pool_connections_idle", "Database connections open and idle");
        let pool_max = gauge(
            &mut registry,
            "db_pool_connections_max",
            "Most database connections the pool opens (MIETSCHULUNG_DB_POOL_SIZE)",
        );
        registry.register(
            "build",
            "Version, git commit and database backend of this process",
            Info::new(BuildLabels {
                version: env!("CARGO_PKG_VERSION"),
                commit: option_env!("MIETSCHULUNG_GIT_COMMIT")
                    .filter(|c| !c.is_empty())
                    .unwrap_or("unknown"),
                backend: match backend {
                    Backend::Postgres => "postgres",
                    Backend::Sqlite => "sqlite",
                },
            }),
        );
        Metrics {
            registry,
            requests,
            latency,
            database_up,
            outbox_pending,
            outbox_failed,
            outbox_oldest_pending_age,
            batches_running,
            invitations_pending,
            certificate_checks,
            pool_in_use,
            pool_idle,
            pool_max,
            scrape: Mutex::new(()),
        }
    }

    /// Counts one answered request. `route` is a pattern, never a path.
    pub fn observe(&self, method: &'static str, route: Arc<str>, status: u16, seconds: f64) {
        let labels = RouteLabels { route };
        self.latency.get_or_create(&labels).observe(seconds);
        let RouteLabels { route } = labels;
        self.requests.get_or_create(&RequestLabels { method, route, status }).inc();
    }

    /// Sets the gauges from `snapshot` and writes every series out.
    pub fn render(&self, snapshot: Snapshot) -> String {
        let _one_at_a_time = self.scrape.lock().unwrap_or_else(|e| e.into_inner());
        match snapshot.stored {
            Some(stored) => {
                self.database_up.set(1);
                self.outbox_pending.set(stored.outbox.pending);
                self.outbox_failed.set(stored.outbox.failed);
                self.outbox_oldest_pending_age.set(stored.outbox.oldest_pending_age_secs);
                self.batches_running.set(stored.batches_running);
                self.invitations_pending.set(stored.invitations_pending);
            }
            None => {
                self.database_up.set(0);
            }
        }
        self.pool_in_use.set(i64::from(snapshot.pool.in_use));
        self.pool_idle.set(i64::from(snapshot.pool.idle));
        self.pool_max.set(i64::from(snapshot.pool.max));
        // The count lives with the check page; the counter shows its value.
        self.certificate_checks.inner().store(snapshot.certificate_checks, Ordering::Relaxed);
        let mut out = String::with_capacity(16 * 1024);
        // Writing into a String cannot fail.
        let _ = prometheus_client::encoding::prometheus_text::encode(&mut out, &self.registry);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn series_carry_the_prefix_and_route_patterns() {
        let m = Metrics::new(Backend::Sqlite);
        m.observe("GET", Arc::from("/z/{token}"), 200, 0.003);
        let text = m.render(Snapshot::default());
        assert!(
            text.contains(
                "mietschulung_http_requests_total{method=\"GET\",route=\"/z/{token}\",status=\"200\"} 1"
            ),
            "{text}"
        );
        assert!(text.contains("mietschulung_http_request_duration_seconds_bucket{"), "{text}");
        assert!(text.contains("mietschulung_build_info{version=\""), "{text}");
        assert!(text.contains("mietschulung_database_up 0"), "{text}");
    }

    /// A request costs a label lookup and a few atomic additions, whatever the number of
    /// routes (the bound is generous: debug builds, a busy machine).
    #[test]
    fn counting_a_request_is_cheap() {
        let m = Metrics::new(Backend::Sqlite);
        let routes: Vec<Arc<str>> =
            (0..200).map(|i| Arc::from(format!("/route/{i}/{{id}}").as_str())).collect();
        let n = 200_000u32;
        let start = std::time::Instant::now();
        for i in 0..n {
            let route = routes[i as usize % routes.len()].clone();
            m.observe("GET", route, 200 + (i % 3) as u16, 0.001);
        }
        let per_request = start.elapsed() / n;
        let start = std::time::Instant::now();
        let text = m.render(Snapshot::default());
        let scrape = start.elapsed();
        // Read with `--nocapture`: the numbers in the report.
        eprintln!(
            "metrics: {per_request:?} per counted request; scrape of {} bytes ({} routes) in {scrape:?}",
            text.len(),
            routes.len()
        );
        assert!(per_request < std::time::Duration::from_micros(20), "{per_request:?}");
    }
}
