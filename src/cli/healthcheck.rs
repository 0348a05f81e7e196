//! `healthcheck`: asks the service at the configured address (`MIETSCHULUNG_BIND`, or
//! `--bind`) for `/readyz`, so a container image needs no curl for its `HEALTHCHECK`.
//!
//! Rules: exit 0 only on a 200 within [`TIMEOUT`]; anything else (no connection, a slow
//! or unready answer) is exit 1 with one line saying why, which the container runtime
//! shows in its health log. A wildcard bind address (`0.0.0.0`, `[::]`) is asked on
//! loopback, where the service also listens.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::process::ExitCode;
use std::time::Duration;

use crate::config::Settings;

/// Long enough for a busy replica, short enough to answer before an orchestrator's own
/// probe timeout (Docker: 30 s by default).
const TIMEOUT: Duration = Duration::from_secs(5);

pub(super) fn run(settings: &Settings, bind: Option<&str>) -> ExitCode {
    let url = format!("http://{}/readyz", target(bind.unwrap_or(&settings.bind)));
    match ask(&url) {
        Ok(()) => {
            println!("ready");
            ExitCode::SUCCESS
        }
        Err(reason) => {
            eprintln!("not ready: {reason}");
            ExitCode::FAILURE
        }
    }
}

/// The address to ask: the bind address, with a wildcard replaced by loopback.
fn target(bind: &str) -> String {
    match bind.parse::<SocketAddr>() {
        Ok(addr) if addr.ip().is_unspecified() => {
            let ip = match addr.ip() {
                IpAddr::V4(_) => IpAddr::V4(Ipv4Addr::LOCALHOST),
                IpAddr::V6(_) => IpAddr::V6(Ipv6Addr::LOCALHOST),
            };
            SocketAddr::new(ip, addr.port()).to_string()
        }
        Ok(addr) => addr.to_string(),
        // A host name (`localhost:8080`): as it is.
        Err(_) => bind.to_string(),
    }
}

fn ask(url: &str) -> Result<(), String> {
    let agent = ureq::AgentBuilder::new().timeout(TIMEOUT).redirects(0).build();
    match agent.get(url).call() {
        Ok(response) if response.status() == 200 => Ok(()),
        Ok(response) => Err(format!("{url} answered {}", response.status())),
        Err(ureq::Error::Status(code, response)) => {
            // `/readyz` says why in `reason`; one line, whatever it holds.
            let reason = response
                .into_json::<serde_json::Value>()
                .ok()
                .and_then(|v| v["reason"].as_str().map(one_line))
                .unwrap_or_default();
            Err(format!("{url} answered {code} {reason}").trim_end().to_string())
        }
        Err(ureq::Error::Transport(e)) => {
            Err(format!("no answer from {url}: {}", one_line(&e.to_string())))
        }
    }
}

fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_wildcard_bind_is_asked_on_loopback() {
        assert_eq!(target("0.0.0.0:8080"), "127.0.0.1:8080");
        assert_eq!(target("[::]:8080"), "[::1]:8080");
        assert_eq!(target("10.1.2.3:80"), "10.1.2.3:80");
        assert_eq!(target("localhost:8080"), "localhost:8080");
    }
}
