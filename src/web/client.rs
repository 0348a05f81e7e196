//! The client's address, which every per-client limit is keyed by (the check page, the own
//! page, survey open links, accessibility feedback, login throttling): [`client_ip`].
//!
//! Rules:
//! - Proxy headers are read only when the TCP peer is a trusted proxy
//!   (`MIETSCHULUNG_TRUSTED_PROXIES`); anyone else could write any address into them, so
//!   otherwise the peer is the client.
//! - From a trusted peer, `Forwarded` (RFC 7239, its `for=`) and `X-Forwarded-For` are read
//!   from the right, the end our own proxies appended to, and the first address that is not
//!   itself a trusted proxy is the client. What lies to its left was written by the client
//!   and is never believed, so a made-up left-most entry gains nothing.
//! - When both headers are present they must name the same client: a proxy sets one of them
//!   and passes the other on as the client sent it, so a disagreement means one is made up.
//! - Anything unreadable on the way (`unknown`, an obfuscated `_name`, a port on its own,
//!   an over-long or non-ASCII value, more hops than [`MAX_HOPS`]) or a disagreement makes
//!   the peer the client: a shared allowance for those requests, never a panic and never an
//!   address someone chose.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use actix_web::http::header::{HeaderMap, HeaderName, FORWARDED};
use actix_web::{web, HttpRequest};

use crate::config::{plain, Settings, TrustedProxies};

/// Proxies in front of one service: a CDN, a load balancer, a local proxy, and some room.
const MAX_HOPS: usize = 16;

const X_FORWARDED_FOR: HeaderName = HeaderName::from_static("x-forwarded-for");

/// The client's address: the peer, or behind trusted proxies the address they name.
pub fn client_ip(req: &HttpRequest) -> IpAddr {
    let peer = peer(req);
    match trusted(req) {
        Some(trusted) => client_behind(peer, req.headers(), trusted),
        None => peer,
    }
}

/// The `X-Request-Id` a trusted proxy sent, if it is well-formed, so the proxy's log and
/// ours name a request alike; from anyone else the service makes its own.
pub fn forwarded_request_id(req: &HttpRequest) -> Option<String> {
    if !trusted(req)?.contains(peer(req)) {
        return None;
    }
    let value = req.headers().get(crate::telemetry::REQUEST_ID)?.to_str().ok()?;
    crate::telemetry::well_formed_request_id(value).then(|| value.to_string())
}

fn trusted(req: &HttpRequest) -> Option<&TrustedProxies> {
    req.app_data::<web::Data<Settings>>()
        .map(|s| &s.trusted_proxies)
        .filter(|trusted| !trusted.is_empty())
}

fn peer(req: &HttpRequest) -> IpAddr {
    req.peer_addr().map(|a| plain(a.ip())).unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED))
}

/// The client behind `peer` as the forwarded headers name it (see the module's rules).
pub fn client_behind(peer: IpAddr, headers: &HeaderMap, trusted: &TrustedProxies) -> IpAddr {
    if !trusted.contains(peer) {
        return peer;
    }
    let from_forwarded = named_by(headers, &FORWARDED, forwarded_for, trusted);
    let from_xff = named_by(headers, &X_FORWARDED_FOR, node, trusted);
    match (from_forwarded, from_xff) {
        (Named::Client(a), Named::Client(b)) if a == b => a,
        (Named::Client(a), Named::Absent) | (Named::Absent, Named::Client(a)) => a,
        _ => peer,
    }
}

enum Named {
    /// The header is not there (or names only trusted proxies).
    Absent,
    Client(IpAddr),
    /// Unreadable where it matters.
    Garbage,
}

/// The client one header names: its entries, all of its lines in order, from the right.
fn named_by(
    headers: &HeaderMap, name: &HeaderName, read: impl Fn(&str) -> Option<IpAddr>,
    trusted: &TrustedProxies,
) -> Named {
    let mut lines = Vec::new();
    for value in headers.get_all(name) {
        match value.to_str() {
            Ok(line) => lines.push(line),
            Err(_) => return Named::Garbage,
        }
    }
    if lines.is_empty() {
        return Named::Absent;
    }
    // A quote the client opened must not swallow what our proxy appended after it, so the
    // entries are split at every comma, quoted or not.
    let entries = lines.iter().rev().copied().flat_map(|line| line.rsplit(','));
    for entry in entries.take(MAX_HOPS) {
        match read(entry) {
            Some(addr) if trusted.contains(addr) => continue,
            Some(addr) => return Named::Client(addr),
            None => return Named::Garbage,
        }
    }
    // Only trusted proxies within the hops read, or too many hops to tell.
    Named::Absent
}

/// The `for=` node of one `Forwarded` element (`for=192.0.2.60;proto=https;by=…`).
fn forwarded_for(element: &str) -> Option<IpAddr> {
    element.split(';').find_map(|pair| {
        let (name, value) = pair.split_once('=')?;
        name.trim().eq_ignore_ascii_case("for").then(|| node(value)).flatten()
    })
}

/// One node: `192.0.2.60`, `192.0.2.60:4711`, `2001:db8::1`, `[2001:db8::1]:4711`, quoted
/// or not; `unknown`, obfuscated names and anything else are `None`.
fn node(text: &str) -> Option<IpAddr> {
    let text = text.trim();
    let text = text.strip_prefix('"').and_then(|t| t.strip_suffix('"')).unwrap_or(text).trim();
    // The longest node is a bracketed IPv6 address with a port.
    if text.len() > 60 {
        return None;
    }
    if let Some(rest) = text.strip_prefix('[') {
        let (host, after) = rest.split_once(']')?;
        if !(after.is_empty() || after.strip_prefix(':').is_some_and(is_port)) {
            return None;
        }
        return host.parse::<Ipv6Addr>().ok().map(|v6| plain(IpAddr::V6(v6)));
    }
    if let Ok(addr) = text.parse::<IpAddr>() {
        return Some(plain(addr));
    }
    // IPv4 with a port, as some proxies write it.
    let (host, port) = text.split_once(':')?;
    if !is_port(port) {
        return None;
    }
    host.parse::<Ipv4Addr>().ok().map(IpAddr::V4)
}

/// A port, or an obfuscated one (RFC 7239 §6.3: `_` and letters, digits, `.`, `_`, `-`).
fn is_port(text: &str) -> bool {
    text.parse::<u16>().is_ok()
        || (text.starts_with('_')
            && text.bytes().all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b)))
}

#[cfg(test)]
mod tests {
    use actix_web::http::header::HeaderValue;
    use proptest::prelude::*;

    use super::*;

    fn proxies() -> TrustedProxies {
        "127.0.0.1, 10.0.0.0/8, fd00::/8".parse().expect("list")
    }

    fn headers(pairs: &[(&HeaderName, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.append((*name).clone(), HeaderValue::from_str(value).expect("header value"));
        }
        map
    }

    fn ip(text: &str) -> IpAddr {
        text.parse().expect("address")
    }

    const PROXY: &str = "10.0.0.5";

    #[test]
    fn the_rightmost_untrusted_address_is_the_client() {
        let t = proxies();
        let xff = |v: &str| client_behind(ip(PROXY), &headers(&[(&X_FORWARDED_FOR, v)]), &t);
        assert_eq!(xff("203.0.113.7"), ip("203.0.113.7"));
        assert_eq!(xff("1.1.1.1, 203.0.113.7, 10.0.0.9"), ip("203.0.113.7"), "spoofed left entry");
        assert_eq!(xff("2001:db8::7"), ip("2001:db8::7"));
        assert_eq!(xff("[2001:db8::7]:4711"), ip("2001:db8::7"));
        assert_eq!(xff("203.0.113.7:4711"), ip("203.0.113.7"));
        assert_eq!(xff("::ffff:203.0.113.7"), ip("203.0.113.7"));
        let fwd = |v: &str| client_behind(ip(PROXY), &headers(&[(&FORWARDED, v)]), &t);
        assert_eq!(fwd("for=192.0.2.60;proto=https;by=203.0.113.43"), ip("192.0.2.60"));
        assert_eq!(fwd(r#"for="[2001:db8:cafe::17]:4711""#), ip("2001:db8:cafe::17"));
        assert_eq!(fwd("For=198.51.100.17, for=10.1.1.1"), ip("198.51.100.17"));
        assert_eq!(fwd(r#"for=6.6.6.6, for="_gazonk", for=198.51.100.17"#), ip("198.51.100.17"));
        // Several header lines are one list, in order.
        let two = headers(&[(&X_FORWARDED_FOR, "6.6.6.6"), (&X_FORWARDED_FOR, "198.51.100.1")]);
        assert_eq!(client_behind(ip(PROXY), &two, &t), ip("198.51.100.1"));
    }

    #[test]
    fn garbage_an_untrusted_peer_or_a_disagreement_leaves_the_peer() {
        let t = proxies();
        let peer = ip(PROXY);
        let long = "9".repeat(10_000);
        let long_chain = format!("{}, 10.0.0.1", "1.1.1.1".repeat(2000));
        for bad in [
            "unknown",
            "_hidden",
            "",
            "[2001:db8::1",
            "[2001:db8::1]x",
            "1.2.3.4:99999",
            "for=",
            "300.1.1.1",
            long.as_str(),
            long_chain.as_str(),
        ] {
            let h = headers(&[(&X_FORWARDED_FOR, bad), (&FORWARDED, &format!("for={bad}"))]);
            assert_eq!(client_behind(peer, &h, &t), peer, "{bad:?}");
        }
        let h = headers(&[(&X_FORWARDED_FOR, "198.51.100.1")]);
        assert_eq!(client_behind(ip("192.0.2.1"), &h, &t), ip("192.0.2.1"), "untrusted peer");
        let h = headers(&[(&X_FORWARDED_FOR, "198.51.100.1"), (&FORWARDED, "for=198.51.100.2")]);
        assert_eq!(client_behind(peer, &h, &t), peer, "the headers disagree");
        let h = headers(&[(&X_FORWARDED_FOR, "10.0.0.1, 127.0.0.1")]);
        assert_eq!(client_behind(peer, &h, &t), peer, "only proxies");
        let hops = vec!["10.0.0.1"; MAX_HOPS + 1].join(", ");
        let h = headers(&[(&X_FORWARDED_FOR, &format!("198.51.100.1, {hops}"))]);
        assert_eq!(client_behind(peer, &h, &t), peer, "too many hops");
    }

    fn any_peer() -> impl Strategy<Value = IpAddr> {
        prop_oneof![
            Just(ip("127.0.0.1")),
            Just(ip("10.9.8.7")),
            Just(ip("fd00::1")),
            Just(ip("192.0.2.1")),
            any::<u32>().prop_map(|n| IpAddr::V4(Ipv4Addr::from(n))),
        ]
    }

    /// Header text: printable ASCII with the characters these headers are made of.
    fn any_header() -> impl Strategy<Value = String> {
        prop_oneof![
            "[ -~]{0,300}",
            "([0-9a-fA-F:.\\[\\]\",;= _]|for=|10\\.0\\.0\\.1|unknown){0,60}",
            proptest::collection::vec(
                prop_oneof![
                    any::<u32>().prop_map(|n| Ipv4Addr::from(n).to_string()),
                    any::<u128>().prop_map(|n| format!("[{}]:80", Ipv6Addr::from(n))),
                    Just("10.1.2.3".to_string()),
                    Just("unknown".to_string()),
                ],
                0..20
            )
            .prop_map(|v| v.join(", ")),
        ]
    }

    proptest! {
        /// Whatever the headers say: no panic, and the answer is the peer or an address
        /// that is not a trusted proxy.
        #[test]
        fn never_panics_and_never_names_a_proxy(peer in any_peer(), xff in any_header(),
                                                fwd in any_header(), with_fwd in any::<bool>()) {
            let t = proxies();
            let (xff_name, fwd_name) = (X_FORWARDED_FOR, FORWARDED);
            let mut pairs = vec![(&xff_name, xff.as_str())];
            let fwd = format!("for={fwd}");
            if with_fwd {
                pairs.push((&fwd_name, fwd.as_str()));
            }
            let client = client_behind(peer, &headers(&pairs), &t);
            prop_assert!(client == peer || !t.contains(client), "{client} from {peer}");
        }

        /// A client behind our proxy cannot choose its address: whatever it sends in
        /// either header, our proxy's appended entry (or the peer) wins.
        #[test]
        fn what_the_client_writes_gains_nothing(sent_xff in any_header(), sent_fwd in any_header(),
                                                real in any::<u32>(), forwarded in any::<bool>()) {
            let t = proxies();
            let real = IpAddr::V4(Ipv4Addr::from(real));
            prop_assume!(!t.contains(real));
            let (xff, fwd) = if forwarded {
                (sent_xff, format!("{sent_fwd}, for={real}"))
            } else {
                (format!("{sent_xff}, {real}"), sent_fwd)
            };
            let h = headers(&[(&X_FORWARDED_FOR, &xff), (&FORWARDED, &fwd)]);
            let client = client_behind(ip(PROXY), &h, &t);
            prop_assert!(client == real || client == ip(PROXY), "{client} instead of {real}");
        }
    }
}
