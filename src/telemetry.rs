//! Logging to stderr, filtered by `RUST_LOG` (default `info`). Request lines carry status
//! and duration and a path with verification tokens cut off: no tokens or personal data.

use tracing_subscriber::EnvFilter;

pub fn init() {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}

/// The request path as it may appear in logs.
pub fn loggable_path(path: &str) -> String {
    let lower = path.to_ascii_lowercase();
    if lower.starts_with("/z/") {
        "/z/<token>".into()
    } else {
        path.chars().take(120).collect()
    }
}
