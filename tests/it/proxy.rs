//! Behind a reverse proxy: the client address every per-client limit is keyed by comes
//! from the forwarded headers only when the peer is a trusted proxy. The test client is
//! 127.0.0.1, so the app runs once trusting 127.0.0.1 and once trusting nobody.

use reqwest::header::HeaderMap;
use serde_json::json;

use crate::both_backends;
use crate::common::{self, Backend, Options, TestApp, PASSWORD};

const ALICE: &str = "198.51.100.1";
const BOB: &str = "198.51.100.2";

async fn app(backend: Backend, trusted: Option<&'static str>) -> TestApp {
    // Two scanned links per client and minute: the third is refused.
    let options =
        Options { rate_limits: Some((2, 2)), trusted_proxies: trusted, ..Default::default() };
    common::spawn_app_with(backend, options).await
}

fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
    let mut map = HeaderMap::new();
    for (name, value) in pairs {
        map.append(*name, value.parse().unwrap());
    }
    map
}

/// A check of an unknown certificate link (404) as seen through `headers`; it uses up the
/// allowance like any scanned link.
async fn check(app: &TestApp, headers: HeaderMap) -> u16 {
    let resp = reqwest::Client::new()
        .get(app.url("/z/AAAAAAAAAAAA"))
        .headers(headers)
        .send()
        .await
        .unwrap();
    resp.status().as_u16()
}

/// A wrong password through the API (422), or the right one (200), or the throttle's 429.
async fn log_in(app: &TestApp, headers: HeaderMap, email: &str, password: &str) -> u16 {
    let resp = reqwest::Client::new()
        .post(app.url("/api/v1/auth/token"))
        .headers(headers)
        .json(&json!({"email": email, "password": password}))
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    if status == 200 {
        let body: serde_json::Value = resp.json().await.unwrap();
        common::logs::secret(body["token"].as_str().unwrap_or_default());
    }
    status
}

fn xff(addr: &str) -> HeaderMap {
    headers(&[("x-forwarded-for", addr)])
}

/// Invariant: from a peer that is not a trusted proxy, forwarded headers are ignored: two
/// "different" forwarded clients share the peer's allowance, on the check page and in the
/// login throttle.
async fn untrusted_peer(backend: Backend) {
    let app = app(backend, None).await;
    assert_eq!(check(&app, xff(ALICE)).await, 404);
    assert_eq!(check(&app, headers(&[("forwarded", "for=198.51.100.2")])).await, 404);
    assert_eq!(check(&app, xff(BOB)).await, 429, "one peer, one allowance");

    let org = app.create_org("ungeprueft");
    for i in 0..mietschulung::auth::throttle::ADDRESS_LIMIT {
        let who = format!("niemand{i}@ungeprueft.example.org");
        assert_eq!(log_in(&app, xff(ALICE), &who, "falsch-falsch-1").await, 422);
    }
    assert_eq!(
        log_in(&app, xff(BOB), &org.trainer.email, PASSWORD).await,
        429,
        "the address limit holds for the peer, whatever the header says"
    );
}

both_backends!(forwarded_headers_from_an_untrusted_peer_are_ignored, untrusted_peer);

/// Invariant: behind a trusted proxy each forwarded client has its own allowance on the
/// check page and in the login throttle; a made-up left-most `X-Forwarded-For` entry does
/// not give a client a new one; `Forwarded` (RFC 7239) works the same; unreadable headers
/// count against the proxy's own address.
async fn trusted_proxy(backend: Backend) {
    let app = app(backend, Some("127.0.0.1")).await;
    assert_eq!(check(&app, xff(ALICE)).await, 404);
    assert_eq!(check(&app, xff(ALICE)).await, 404);
    assert_eq!(check(&app, xff(ALICE)).await, 429, "Alice used her allowance");
    let spoofed = format!("203.0.113.99, {ALICE}");
    assert_eq!(check(&app, xff(&spoofed)).await, 429, "a left-most entry is not believed");
    let via_two = format!("{ALICE}, 127.0.0.1");
    assert_eq!(check(&app, xff(&via_two)).await, 429, "a second trusted hop is skipped");
    assert_eq!(check(&app, xff(BOB)).await, 404, "Bob has his own allowance");
    let forwarded = headers(&[("forwarded", "for=\"[2001:db8::2]:4711\";proto=https")]);
    assert_eq!(check(&app, forwarded).await, 404, "Forwarded names a third client");
    assert_eq!(check(&app, xff(BOB)).await, 404);
    assert_eq!(check(&app, xff(BOB)).await, 429);
    // Garbage from the proxy's side: the proxy's own address, one allowance for all of it.
    let long = "9".repeat(10_000);
    for garbage in ["unknown", "_hidden", "[::1", long.as_str()] {
        let status = check(&app, xff(garbage)).await;
        assert!([404, 429].contains(&status), "{garbage:.20}: {status}");
    }
    assert_eq!(check(&app, HeaderMap::new()).await, 429, "garbage counted against the proxy");
    // Headers too long for the server are refused before any handler, not a 500.
    let huge = "1.2.3.4, ".repeat(10_000);
    let answer = reqwest::Client::new()
        .get(app.url("/z/AAAAAAAAAAAA"))
        .headers(xff(&huge))
        .send()
        .await
        .map(|r| r.status().as_u16());
    assert!(answer.as_ref().map_or(true, |s| *s < 500), "{answer:?}");

    // Login throttling: Alice's failures do not lock Bob out, and her spoofing does not
    // reset her own count.
    let org = app.create_org("vertraut");
    for i in 0..mietschulung::auth::throttle::ADDRESS_LIMIT {
        let who = format!("niemand{i}@vertraut.example.org");
        assert_eq!(log_in(&app, xff(ALICE), &who, "falsch-falsch-1").await, 422);
    }
    assert_eq!(log_in(&app, xff(&spoofed), &org.trainer.email, PASSWORD).await, 429);
    assert_eq!(log_in(&app, xff(BOB), &org.trainer.email, PASSWORD).await, 200);
}

both_backends!(behind_a_trusted_proxy_each_client_has_its_own_allowance, trusted_proxy);
