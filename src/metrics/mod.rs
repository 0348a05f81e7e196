//! `/metrics`: the service's numbers in the Prometheus text format, for the operator's
//! monitoring.
//!
//! Rules:
//! - Reachable only with `Authorization: Bearer <MIETSCHULUNG_METRICS_TOKEN>`, compared in
//!   constant time; a missing or wrong token gets a bare 401. Without a configured token
//!   the route is not registered at all, so `/metrics` answers 404 like any unknown path.
//! - Labels never carry a path, a token, an id, a name or an organisation: requests are
//!   counted by method (the standard ones, others as `other`), route pattern
//!   (`crate::telemetry::route_pattern`; `unmatched` when no route matched) and status.
//!   Every label's set of values is bounded by the route table, so no client can make the
//!   series grow.
//! - Counting a request is a label lookup and a few atomic additions: the route pattern is
//!   found once per request and shared with the log line; the response is not touched.
//! - Numbers kept in the database (outbox, batches, survey invitations) are read at scrape
//!   time with aggregate counts over the whole service, through each domain's service;
//!   when the database does not answer, `mietschulung_database_up` is 0 and the scrape
//!   still answers with what the process knows.
//! - Counters and histograms are per process (per replica); Prometheus sums replicas.
//!
//! The handler is in `endpoint.rs`, not `public.rs`: it is no page for people, so the
//! route-table checks of pages (API parity, accessibility crawl) must not meet it.

pub mod endpoint;
pub mod registry;
pub mod requests;
pub mod service;

pub use registry::Metrics;
pub use service::MetricsAccess;
