//! What a landlord sees for good, tampered, foreign and garbage tokens and codes.

use serde_json::json;

use crate::both_backends;
use crate::common::{self, Backend};
use mietschulung::certificates::token;

/// A run with one completed participant and their certificate; returns (app, url, certificate id).
async fn issued(backend: Backend) -> (common::TestApp, String, i64) {
    issued_with(backend, common::Options::default()).await
}

async fn issued_with(backend: Backend, options: common::Options) -> (common::TestApp, String, i64) {
    let app = common::spawn_app_with(backend, options).await;
    let org = app.create_org("pruef");
    let api = app.api_token(&org.coordinator.email).await;
    let (_, run_id, modules) = common::plan_run(&api, "MS-V", 5, &[("Mietvertrag", true)]).await;
    let (_, s) = api
        .post(&format!("/api/v1/runs/{run_id}/sessions"), json!({"starts_at": "2026-03-03T09:00", "ends_at": "2026-03-03T10:00", "module_ids": modules}))
        .await;
    let pid = common::register(&api, "Dmytro", "Kovalenko", None).await;
    api.post(&format!("/api/v1/runs/{run_id}/enrollments"), json!({"participant_id": pid})).await;
    api.put(&format!("/api/v1/sessions/{}/attendance/{pid}", s["id"]), json!({"status": "late"}))
        .await;
    let (_, summary) = api.post(&format!("/api/v1/runs/{run_id}/certificates"), json!({})).await;
    let cert = &summary["issued"][0];
    (app, cert["verification_url"].as_str().unwrap().to_string(), cert["id"].as_i64().unwrap())
}

fn is_invalid_page(page: &common::Page) -> bool {
    page.status == 404
        && common::verdict(&page.body) == Some("invalid")
        && !page.body.contains("Kovalenko")
}

async fn tokens(backend: Backend) {
    let (app, url, _) = issued(backend).await;
    let b = app.browser();
    let token_text = url.rsplit('/').next().unwrap().to_string();
    let page = b.get(&format!("/Z/{token_text}")).await;
    assert_eq!(page.status, 200);
    assert!(common::verdict(&page.body) == Some("valid") && page.body.contains("Dmytro Kovalenko"));
    assert!(page.body.len() < 30_000, "the page stays small");
    let english = b.get(&format!("/z/{token_text}?lang=en")).await;
    assert!(
        english.body.contains("Valid")
            && english.body.contains("compare with an official ID document")
    );

    // Tampered: flip one base32 character in the middle (signature or payload).
    let mut chars: Vec<char> = token_text.chars().collect();
    for pos in [10, chars.len() / 2, chars.len() - 3] {
        let original = chars[pos];
        chars[pos] = if original == 'A' { 'B' } else { 'A' };
        let tampered: String = chars.iter().collect();
        chars[pos] = original;
        assert!(is_invalid_page(&b.get(&format!("/z/{tampered}")).await), "tampered at {pos}");
    }
    // Truncated, overlong, not base32, empty-ish.
    assert!(is_invalid_page(&b.get(&format!("/z/{}", &token_text[..token_text.len() - 8])).await));
    assert!(is_invalid_page(&b.get(&format!("/z/{}", "A".repeat(5000))).await));
    assert!(is_invalid_page(&b.get("/z/%F0%9F%98%80-not-base32").await));
    assert!(is_invalid_page(&b.get("/z/1").await));
    assert!(is_invalid_page(&b.get(&format!("/z/{token_text}/extra")).await));
    assert!(is_invalid_page(&b.get(&format!("/Z//{token_text}")).await));
    // `/Z/` alone leads to the manual form; the form itself still answers at `/Z` and `/z`.
    let bare = b.get("/Z/").await;
    assert_eq!((bare.status, bare.location.as_deref()), (303, Some("/z")));
    for form in ["/z", "/Z"] {
        let page = b.get(form).await;
        assert!(page.status == 200 && page.body.contains("name=\"code\""), "{form}");
    }
    // A link preview asks with HEAD: same status and headers, no body. Other methods: 405.
    let head = b.client.head(format!("{}/Z/{token_text}", b.base)).send().await.unwrap();
    assert_eq!(head.status(), 200);
    assert_eq!(head.headers()["cache-control"], "no-store");
    assert!(head.bytes().await.unwrap().is_empty());
    let post = b.client.post(format!("{}/Z/{token_text}", b.base)).send().await.unwrap();
    assert_eq!(post.status(), 405);

    // Re-signed with a key the service does not know (same kid number or another).
    let bytes = token::token_from_text(&token_text).unwrap();
    let v = token::verify(&bytes, |_| None);
    assert_eq!(v.unwrap_err(), token::TokenError::UnknownKey);
    let stranger = ed25519_dalek::SigningKey::generate(&mut rand::rngs::OsRng);
    let claims = token::CertificateClaims {
        issued_at: 1_770_000_000,
        code: token::new_code(),
        holder_name: "Dmytro Kovalenko".into(),
        course_code: "MS-V".into(),
        completion_date: chrono::NaiveDate::from_ymd_opt(2026, 3, 3).unwrap(),
    };
    for kid in [0u8, 1, 77] {
        let forged = token::sign(&claims, kid, &stranger).unwrap();
        let forged_url = token::verification_url(&app.base, &forged).unwrap();
        let path = &forged_url[app.base.len()..];
        assert!(is_invalid_page(&b.get(path).await), "forged with kid {kid}");
    }

    // Garbage in the code form: a clear answer, never a 500.
    assert_eq!(b.get("/z").await.status, 200);
    let page = b.get(&format!("/z?code={}", "x".repeat(100))).await;
    assert_eq!(page.status, 400);
    assert!(page.body.contains("16 Zeichen"));
    for code in ["ZZZZ-ZZZZ-ZZZZ-ZZZZ", "%3Cscript%3E", "0000"] {
        let page = b.get(&format!("/z?code={code}")).await;
        assert!(page.status == 404 || page.status == 400, "{code}: {}", page.status);
        assert!(!page.body.contains("<script>"));
    }
}

both_backends!(tokens_are_checked_before_anything_is_shown, tokens);

async fn jwks_and_headers(backend: Backend) {
    let (app, url, _) = issued(backend).await;
    let jwks: serde_json::Value =
        reqwest::get(app.url("/.well-known/jwks.json")).await.unwrap().json().await.unwrap();
    // The organisation's key (the first is the deployment's, which signs revocation lists).
    let key = jwks["keys"].as_array().unwrap().iter().find(|k| !k["organisation_id"].is_null());
    let key = key.expect("the organisation's key is published");
    assert_eq!(key["kty"], "OKP");
    assert_eq!(key["crv"], "Ed25519");
    let raw = data_encoding::BASE64URL_NOPAD.decode(key["x"].as_str().unwrap().as_bytes()).unwrap();
    let vk = ed25519_dalek::VerifyingKey::from_bytes(&raw.try_into().unwrap()).unwrap();
    let kid: u8 = key["kid"].as_str().unwrap().parse().unwrap();
    let bytes = token::token_from_text(&url).unwrap();
    let verified = token::verify(&bytes, |k| (k == kid).then_some(vk))
        .expect("token verifies with the published key");
    assert_eq!(verified.claims.holder_name, "Dmytro Kovalenko");

    let resp = reqwest::get(format!("{}{}", app.base, &url[app.base.len()..])).await.unwrap();
    let h = resp.headers();
    assert_eq!(h["cache-control"], "no-store");
    assert!(h["x-robots-tag"].to_str().unwrap().contains("noindex"));
    assert_eq!(h["referrer-policy"], "no-referrer");
    assert!(h["content-security-policy"].to_str().unwrap().contains("default-src 'none'"));
    let body = resp.text().await.unwrap();
    assert!(!body.contains("<script"), "no JavaScript on the public page");
    // Nothing about the person beyond the design's list (the language switch names every
    // language the page offers, whoever the holder is).
    let switch_end = body.find("</nav>").map_or(0, |at| at + "</nav>".len());
    assert!(!body[switch_end..].contains("ar\""), "no language");
    assert!(!body.to_lowercase().contains("verspätet"), "no attendance detail");
}

both_backends!(jwks_verifies_tokens_and_public_page_headers_are_strict, jwks_and_headers);

async fn rate_limits(backend: Backend) {
    let options = common::Options { rate_limits: Some((3, 2)), ..Default::default() };
    let (app, url, _) = issued_with(backend, options).await;
    let org_api = app.api_token("koordination@pruef.example.org").await;
    let (_, certs) = org_api.get("/api/v1/runs/1/certificates").await;
    let code = certs[0]["code"].as_str().unwrap().to_string();
    let api = org_api;
    let path = url[app.base.len()..].to_string();
    let b = app.browser();
    // Two bad tokens and one good one use up the allowance of three.
    assert_eq!(b.get("/z/AAAA").await.status, 404);
    assert_eq!(b.get("/z/BBBB").await.status, 404);
    assert_eq!(b.get(&path).await.status, 200);
    let resp = b.client.get(app.url(&path)).send().await.unwrap();
    assert_eq!(resp.status(), 429);
    let wait: u64 = resp.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=60).contains(&wait));
    assert_eq!(resp.headers()["cache-control"], "no-store");
    let text = resp.text().await.unwrap();
    assert!(
        text.contains(&common::said("verify.too_many_title", &[])) && !text.contains("Kovalenko")
    );
    let (s, _) = api.get(&format!("/api/v1/verify/{}", url.rsplit('/').next().unwrap())).await;
    assert_eq!(s, 429, "the JSON check shares the limit");
    // The code form is stricter, and only submitted codes count.
    assert_eq!(b.get("/z").await.status, 200);
    assert_eq!(b.get(&format!("/z?code={code}")).await.status, 200);
    assert_eq!(b.get("/z?code=0000-0000-0000-0000").await.status, 404);
    assert_eq!(b.get(&format!("/z?code={code}")).await.status, 429);
    assert_eq!(b.get("/z").await.status, 200);
}

both_backends!(verification_is_rate_limited_per_client, rate_limits);

async fn check_counts(backend: Backend) {
    let (app, url, cert_id) = issued(backend).await;
    let b = app.browser();
    let path = url[app.base.len()..].to_string();
    for _ in 0..3 {
        assert_eq!(b.get(&path).await.status, 200);
    }
    assert_eq!(b.get("/z/AAAAAAAA").await.status, 404, "invalid tokens are not counted");
    let api = app.api_token("koordination@pruef.example.org").await;
    // Counts are summed in memory and written every two seconds.
    let start = std::time::Instant::now();
    let cert = loop {
        let (_, certs) = api.get("/api/v1/runs/1/certificates").await;
        let cert = certs.as_array().unwrap().iter().find(|c| c["id"] == cert_id).unwrap().clone();
        if cert["checks"] == 3 || start.elapsed() > std::time::Duration::from_secs(20) {
            break cert;
        }
        actix_web::rt::time::sleep(std::time::Duration::from_millis(200)).await;
    };
    assert_eq!(cert["checks"], 3);
    assert_eq!(cert["last_checked"], mietschulung::time::today_local().to_string());
    assert_eq!(
        app.count("certificate_checks"),
        1,
        "one row per certificate and day, nothing about the checker"
    );
}

both_backends!(checks_are_counted_without_identifying_the_checker, check_counts);
