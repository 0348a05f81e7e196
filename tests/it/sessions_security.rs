//! Stolen cookies and guessed passwords: sessions end at logout, by idle time and by age,
//! on a password change and on deactivation (API tokens too); password guessing is
//! throttled per account and per address without locking a real user out of their own
//! browser; API tokens are named, listed, expired and revoked.

use std::time::Duration;

use diesel::RunQueryDsl;
use serde_json::{json, Value};

use crate::both_backends;
use crate::common::{self, Backend, TestApp, PASSWORD};

/// A client that keeps cookies by hand, so a test can copy one like a thief would.
struct Raw {
    client: reqwest::Client,
    base: String,
    cookie: String,
}

impl Raw {
    fn new(app: &TestApp) -> Raw {
        Raw {
            client: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .timeout(Duration::from_secs(30))
                .build()
                .unwrap(),
            base: app.base.clone(),
            cookie: String::new(),
        }
    }

    fn keep_cookies(&mut self, resp: &reqwest::Response) {
        for v in resp.headers().get_all("set-cookie") {
            let v = v.to_str().unwrap();
            if let Some(pair) = v.split(';').next() {
                if pair.starts_with("mietschulung=") {
                    self.cookie =
                        if pair == "mietschulung=" { String::new() } else { pair.to_string() };
                }
            }
        }
    }

    /// Sends with the kept cookie and keeps what the answer sets.
    async fn send(&mut self, req: reqwest::RequestBuilder) -> reqwest::Response {
        let resp = req.header("cookie", &self.cookie).send().await.unwrap();
        self.keep_cookies(&resp);
        resp
    }

    async fn answer(resp: reqwest::Response) -> (u16, String, Option<String>) {
        let status = resp.status().as_u16();
        let location = resp.headers().get("location").map(|v| v.to_str().unwrap().to_string());
        (status, resp.text().await.unwrap(), location)
    }

    async fn get(&mut self, path: &str) -> (u16, String, Option<String>) {
        let req = self.client.get(format!("{}{path}", self.base));
        Self::answer(self.send(req).await).await
    }

    fn form(&self, path: &str, fields: &[(&str, &str)]) -> reqwest::RequestBuilder {
        self.client
            .post(format!("{}{path}", self.base))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(serde_html_form::to_string(fields).unwrap())
    }

    async fn post(&mut self, path: &str, fields: &[(&str, &str)]) -> (u16, String, Option<String>) {
        let req = self.form(path, fields);
        Self::answer(self.send(req).await).await
    }

    async fn csrf(&mut self, path: &str) -> String {
        let (_, body, _) = self.get(path).await;
        let marker = "name=\"csrf_token\" value=\"";
        let start = body.find(marker).expect("csrf") + marker.len();
        body[start..start + body[start..].find('"').unwrap()].to_string()
    }

    async fn login(&mut self, email: &str, password: &str) -> u16 {
        let csrf = self.csrf("/login").await;
        let (status, _, _) = self
            .post("/login", &[("csrf_token", &csrf), ("email", email), ("password", password)])
            .await;
        if status == 303 {
            common::logs::secret(&self.cookie);
        }
        status
    }
}

fn exec(app: &TestApp, sql: &str) {
    let sql = sql.to_string();
    app.db
        .run_blocking(move |conn| {
            diesel::sql_query(sql).execute(conn)?;
            Ok(())
        })
        .unwrap();
}

fn hours_ago(app: &TestApp, hours: i64) -> String {
    let t = chrono::Utc::now().naive_utc() - chrono::Duration::hours(hours);
    let _ = app;
    t.format("%Y-%m-%d %H:%M:%S").to_string()
}

async fn logout_ends_a_copied_cookie(backend: Backend) {
    let app = common::spawn_app(backend).await;
    let org = app.create_org("dieb");
    let mut me = Raw::new(&app);
    assert_eq!(me.login(&org.coordinator.email, PASSWORD).await, 303);
    let csrf = me.csrf("/courses").await;
    // The thief copies the cookie (and a form token) before the owner logs out.
    let mut thief = Raw::new(&app);
    thief.cookie = me.cookie.clone();
    assert_eq!(thief.get("/courses").await.0, 200, "the copy works while logged in");
    let (s, _, loc) = me.post("/logout", &[("csrf_token", &csrf)]).await;
    assert_eq!((s, loc.as_deref()), (303, Some("/login")));
    let (s, _, loc) = thief.get("/courses").await;
    assert_eq!((s, loc.as_deref()), (303, Some("/login")), "page refused after logout");
    let (s, _, loc) = thief
        .post("/courses", &[("csrf_token", &csrf), ("code", "X1"), ("title", "Gestohlen")])
        .await;
    assert_eq!((s, loc.as_deref()), (303, Some("/login")), "form refused after logout");
    assert_eq!(app.count("courses"), 0, "nothing saved through the stolen cookie");
    assert_eq!(app.count("user_sessions"), 0);
}
both_backends!(logout_ends_session, logout_ends_a_copied_cookie);

async fn sessions_end_by_idle_time_and_by_age(backend: Backend) {
    let app = common::spawn_app(backend).await;
    let org = app.create_org("uhr");
    let mut idle = Raw::new(&app);
    assert_eq!(idle.login(&org.coordinator.email, PASSWORD).await, 303);
    let mut old = Raw::new(&app);
    assert_eq!(old.login(&org.trainer.email, PASSWORD).await, 303);
    assert_eq!(idle.get("/courses").await.0, 200);
    assert_eq!(old.get("/my/sessions").await.0, 200);
    // Default: 480 minutes idle, 24 hours in all.
    let coord = org.coordinator.user_id;
    let trainer = org.trainer.user_id;
    exec(
        &app,
        &format!(
            "UPDATE user_sessions SET last_seen_at = '{}' WHERE user_id = {coord}",
            hours_ago(&app, 9)
        ),
    );
    exec(&app, &format!("UPDATE user_sessions SET created_at = '{}', last_seen_at = '{}' WHERE user_id = {trainer}", hours_ago(&app, 25), hours_ago(&app, 0)));
    assert_eq!(idle.get("/courses").await.0, 303, "idle for 9 hours");
    assert_eq!(old.get("/my/sessions").await.0, 303, "logged in 25 hours ago, active");
    // A fresh session is not touched by either rule.
    let mut fresh = Raw::new(&app);
    assert_eq!(fresh.login(&org.coordinator.email, PASSWORD).await, 303);
    exec(&app, &format!("UPDATE user_sessions SET created_at = '{}', last_seen_at = '{}' WHERE user_id = {coord}", hours_ago(&app, 23), hours_ago(&app, 7)));
    assert_eq!(fresh.get("/courses").await.0, 200);
}
both_backends!(session_timeouts, sessions_end_by_idle_time_and_by_age);

async fn password_change_and_deactivation_end_everything(backend: Backend) {
    let app = common::spawn_app(backend).await;
    let org = app.create_org("wechsel");
    let admin = app.create_admin("admin@wechsel.example.org");
    let mut here = Raw::new(&app);
    assert_eq!(here.login(&org.coordinator.email, PASSWORD).await, 303);
    let mut elsewhere = Raw::new(&app);
    assert_eq!(elsewhere.login(&org.coordinator.email, PASSWORD).await, 303);
    let api = app.api_token(&org.coordinator.email).await;
    assert_eq!(api.get("/api/v1/courses").await.0, 200);

    let csrf = here.csrf("/account").await;
    let (s, body, _) = here
        .post(
            "/account/password",
            &[
                ("csrf_token", &csrf),
                ("current_password", "falsch-falsch"),
                ("new_password", "neues-langes-passwort"),
                ("new_password_again", "neues-langes-passwort"),
            ],
        )
        .await;
    assert_eq!(s, 422, "a wrong current password is refused");
    assert!(body.contains("bisherige Passwort ist falsch"), "{body}");
    let (s, _, loc) = here
        .post(
            "/account/password",
            &[
                ("csrf_token", &csrf),
                ("current_password", PASSWORD),
                ("new_password", "neues-langes-passwort"),
                ("new_password_again", "neues-langes-passwort"),
            ],
        )
        .await;
    assert_eq!((s, loc.as_deref()), (303, Some("/account")));
    let (s, body, _) = here.get("/account").await;
    assert_eq!(s, 200, "the browser that changed it stays logged in");
    assert!(body.contains(&common::said("done.password_changed", &[])));
    assert_eq!(elsewhere.get("/courses").await.0, 303, "other sessions end");
    assert_eq!(api.get("/api/v1/courses").await.0, 401, "API tokens end");
    assert_eq!(Raw::new(&app).login(&org.coordinator.email, PASSWORD).await, 401, "old password");
    assert_eq!(Raw::new(&app).login(&org.coordinator.email, "neues-langes-passwort").await, 303);

    // Deactivation by an admin ends the trainer's sessions and tokens at once, and
    // reactivating does not bring the tokens back.
    let mut trainer = Raw::new(&app);
    assert_eq!(trainer.login(&org.trainer.email, PASSWORD).await, 303);
    let trainer_api = app.api_token(&org.trainer.email).await;
    let mut admin_b = Raw::new(&app);
    assert_eq!(admin_b.login(&admin.email, PASSWORD).await, 303);
    let csrf = admin_b.csrf(&format!("/admin/organisations/{}", org.id)).await;
    let (s, _, _) = admin_b
        .post(
            &format!("/admin/organisations/{}/users/{}/deactivate", org.id, org.trainer.user_id),
            &[("csrf_token", &csrf)],
        )
        .await;
    assert_eq!(s, 303);
    assert_eq!(trainer.get("/my/sessions").await.0, 303);
    assert_eq!(trainer_api.get("/api/v1/my/sessions").await.0, 401);
    assert_eq!(Raw::new(&app).login(&org.trainer.email, PASSWORD).await, 401);
    let (s, _, _) = admin_b
        .post(
            &format!("/admin/organisations/{}/users/{}/activate", org.id, org.trainer.user_id),
            &[("csrf_token", &csrf)],
        )
        .await;
    assert_eq!(s, 303);
    assert_eq!(trainer_api.get("/api/v1/my/sessions").await.0, 401, "tokens stay ended");
    assert_eq!(Raw::new(&app).login(&org.trainer.email, PASSWORD).await, 303);
    // The API's password change ends the token it was made with.
    let api = app.api_token(&org.trainer.email).await;
    let (s, _) = api
        .post(
            "/api/v1/auth/password",
            json!({"current_password": PASSWORD, "new_password": "noch-ein-passwort"}),
        )
        .await;
    assert_eq!(s, 204);
    assert_eq!(api.get("/api/v1/my/sessions").await.0, 401);
}
both_backends!(password_change_ends_sessions, password_change_and_deactivation_end_everything);

async fn password_guessing_is_throttled(backend: Backend) {
    let app = common::spawn_app(backend).await;
    let org = app.create_org("raten");
    // The coordinator logged in from their own browser before.
    let mut owner = Raw::new(&app);
    assert_eq!(owner.login(&org.coordinator.email, PASSWORD).await, 303);
    let device_cookie = {
        // The device cookie is set for /login only; fetch it by logging in with a cookie jar.
        let b = app.browser();
        b.login(&org.coordinator.email).await;
        b
    };

    let mut attacker = Raw::new(&app);
    for i in 0..10 {
        assert_eq!(attacker.login(&org.coordinator.email, &format!("rate-{i}-xxxxx")).await, 401);
    }
    // The account is throttled now: even the right password is not checked.
    let csrf = attacker.csrf("/login").await;
    let req = attacker.form(
        "/login",
        &[("csrf_token", &csrf), ("email", &org.coordinator.email), ("password", PASSWORD)],
    );
    let resp = attacker.send(req).await;
    assert_eq!(resp.status(), 429);
    let retry: u64 = resp.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=15 * 60).contains(&retry), "retry after {retry} s");
    let body = resp.text().await.unwrap();
    assert!(body.contains("Minuten erneut"), "says when to try again: {body}");
    // The API endpoint shares the count.
    let resp = reqwest::Client::new()
        .post(app.url("/api/v1/auth/token"))
        .json(&json!({"email": org.coordinator.email, "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 429);
    assert!(resp.headers().contains_key("retry-after"));
    let body: Value = resp.json().await.unwrap();
    assert!(body["message"].as_str().unwrap().contains("erneut"), "{body}");

    // The real user, on the device they used before, is not locked out.
    let page = device_cookie
        .submit("/login", "/login", &[("email", &org.coordinator.email), ("password", PASSWORD)])
        .await;
    assert_eq!(page.status, 303, "known device logs in despite the throttle");
    // A different account from the same address is not affected by the account limit.
    assert_eq!(Raw::new(&app).login(&org.trainer.email, PASSWORD).await, 303);

    // After the window the account is free again.
    exec(&app, &format!("UPDATE login_failures SET failed_at = '{}'", hours_ago(&app, 1)));
    assert_eq!(Raw::new(&app).login(&org.coordinator.email, PASSWORD).await, 303);

    // One address guessing across many accounts hits the address limit.
    let mut spray = Raw::new(&app);
    for i in 0..30 {
        assert_eq!(
            spray.login(&format!("niemand{i}@raten.example.org"), "falsch-falsch-1").await,
            401
        );
    }
    assert_eq!(spray.login(&org.trainer.email, PASSWORD).await, 429, "address limit");
    // The throttle stores no e-mail address and no client address.
    let sql = "SELECT key_hash FROM login_failures".to_string();
    #[derive(diesel::QueryableByName)]
    struct K {
        #[diesel(sql_type = diesel::sql_types::Text)]
        key_hash: String,
    }
    let keys: Vec<K> =
        app.db.run_blocking(move |conn| Ok(diesel::sql_query(sql).load::<K>(conn)?)).unwrap();
    assert!(keys.iter().all(|k| !k.key_hash.contains('@') && !k.key_hash.contains("127.0.0.1")));
}
both_backends!(login_throttle, password_guessing_is_throttled);

async fn api_tokens_are_named_listed_expired_and_revoked(backend: Backend) {
    let app = common::spawn_app(backend).await;
    let org = app.create_org("token");
    let other = app.create_org("anders");
    let admin = app.create_admin("admin@token.example.org");
    let api = app.api_token(&org.coordinator.email).await;
    let (s, made) = api
        .post("/api/v1/auth/tokens", json!({"label": "Tabellen-Skript", "expires_in_days": 7}))
        .await;
    assert_eq!(s, 201, "{made}");
    let script_token = common::logs::secret(made["token"].as_str().unwrap());
    assert_eq!(made["label"], "Tabellen-Skript");
    let expires =
        chrono::DateTime::parse_from_rfc3339(made["expires_at"].as_str().unwrap()).unwrap();
    let days = (expires.with_timezone(&chrono::Utc) - chrono::Utc::now()).num_hours();
    assert!((6 * 24..=7 * 24).contains(&days), "{days} h");
    for bad in [
        json!({"label": "x", "expires_in_days": 0}),
        json!({"label": "x", "expires_in_days": 366}),
        json!({"label": ""}),
        json!(["Skript", 7]),
    ] {
        let (s, body) = api.post("/api/v1/auth/tokens", bad.clone()).await;
        assert_eq!(s, 422, "{bad}: {body}");
    }
    let (s, list) = api.get("/api/v1/auth/tokens").await;
    assert_eq!(s, 200);
    let list = list.as_array().unwrap().clone();
    assert_eq!(list.len(), 2);
    assert!(
        !serde_json::to_string(&list).unwrap().contains(&script_token),
        "the list never shows tokens"
    );
    let script_id = made["id"].as_i64().unwrap();

    // Someone else's token id is not found; the admin sees and revokes it.
    let other_api = app.api_token(&other.coordinator.email).await;
    let (s, _) = other_api
        .send(reqwest::Method::DELETE, &format!("/api/v1/auth/tokens/{script_id}"), None)
        .await;
    assert_eq!(s, 404);
    let admin_api = app.api_token(&admin.email).await;
    let (s, tokens) =
        admin_api.get(&format!("/api/v1/admin/organisations/{}/tokens", org.id)).await;
    assert_eq!(s, 200, "{tokens}");
    assert_eq!(tokens.as_array().unwrap().len(), 2);
    assert_eq!(tokens[0]["owner_email"], org.coordinator.email.as_str());
    let (s, _) = admin_api.get(&format!("/api/v1/admin/organisations/{}/tokens", org.id)).await;
    assert_eq!(s, 200);
    let (s, _) = other_api.get(&format!("/api/v1/admin/organisations/{}/tokens", org.id)).await;
    assert_eq!(s, 403, "coordinators are not admins");
    let script = common::Api {
        client: api.client.clone(),
        base: api.base.clone(),
        token: script_token.clone(),
    };
    assert_eq!(script.get("/api/v1/courses").await.0, 200);
    let (s, _) = admin_api
        .send(
            reqwest::Method::DELETE,
            &format!("/api/v1/admin/organisations/{}/tokens/{script_id}", other.id),
            None,
        )
        .await;
    assert_eq!(s, 404, "a token is revoked only through its own organisation");
    let (s, _) = admin_api
        .send(
            reqwest::Method::DELETE,
            &format!("/api/v1/admin/organisations/{}/tokens/{script_id}", org.id),
            None,
        )
        .await;
    assert_eq!(s, 204);
    assert_eq!(script.get("/api/v1/courses").await.0, 401, "revoked");

    // Expired tokens stop working and are shown as expired.
    exec(
        &app,
        &format!(
            "UPDATE api_tokens SET expires_at = '{}' WHERE user_id = {}",
            hours_ago(&app, 1),
            org.coordinator.user_id
        ),
    );
    assert_eq!(api.get("/api/v1/courses").await.0, 401);
    // The owner revokes their own token in the browser, which shows the new token once.
    let b = app.browser();
    b.login(&org.coordinator.email).await;
    let page = b
        .submit("/account", "/account/tokens", &[("label", "Laptop"), ("expires_in_days", "30")])
        .await;
    assert_eq!(page.status, 303, "post, then redirect: a reload makes no second token");
    let page = b.get(page.location.as_deref().unwrap()).await;
    assert_eq!(page.status, 200);
    let start = page.body.find("ms_").expect("new token shown once");
    let shown: String = page.body[start..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '-')
        .collect();
    common::logs::secret(&shown);
    let laptop =
        common::Api { client: api.client.clone(), base: api.base.clone(), token: shown.clone() };
    assert_eq!(laptop.get("/api/v1/courses").await.0, 200);
    let account = b.get("/account").await;
    assert!(account.body.contains("Laptop") && account.body.contains("abgelaufen"));
    assert!(!account.body.contains(&shown), "not shown again");
    let (s, list) = laptop.get("/api/v1/auth/tokens").await;
    assert_eq!(s, 200);
    let laptop_id = list.as_array().unwrap().iter().find(|t| t["label"] == "Laptop").unwrap()["id"]
        .as_i64()
        .unwrap();
    let page = b.submit("/account", &format!("/account/tokens/{laptop_id}/revoke"), &[]).await;
    assert_eq!(page.status, 303);
    assert_eq!(laptop.get("/api/v1/courses").await.0, 401);
}
both_backends!(api_tokens, api_tokens_are_named_listed_expired_and_revoked);

async fn parallel_guesses_get_no_more_checks_than_the_limit(backend: Backend) {
    let app = common::spawn_app(backend).await;
    let org = app.create_org("parallel");
    let client = reqwest::Client::new();
    let guesses = (0..40).map(|i| {
        let client = client.clone();
        let url = app.url("/api/v1/auth/token");
        let email = org.coordinator.email.clone();
        async move {
            client
                .post(url)
                .json(&json!({"email": email, "password": format!("geraten-{i}-xxxx")}))
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }
    });
    let statuses = futures_util::future::join_all(guesses).await;
    let checked = statuses.iter().filter(|s| **s == 422).count();
    let refused = statuses.iter().filter(|s| **s == 429).count();
    assert_eq!(checked + refused, 40, "{statuses:?}");
    assert!(checked <= 10, "{checked} passwords checked in parallel: {statuses:?}");
    assert!(checked >= 1);
}
both_backends!(parallel_guesses, parallel_guesses_get_no_more_checks_than_the_limit);

async fn a_second_replica_honours_logout_and_the_throttle(backend: Backend) {
    let app = common::spawn_app(backend).await;
    let org = app.create_org("replik");
    let other = common::spawn_replica(&app).await;
    let mut a = Raw::new(&app);
    assert_eq!(a.login(&org.coordinator.email, PASSWORD).await, 303);
    let mut b = Raw::new(&app);
    b.base = other.clone();
    b.cookie = a.cookie.clone();
    assert_eq!(b.get("/courses").await.0, 200, "the login holds on the other replica");
    let csrf = a.csrf("/courses").await;
    assert_eq!(a.post("/logout", &[("csrf_token", &csrf)]).await.0, 303);
    assert_eq!(b.get("/courses").await.0, 303, "logout on one replica ends it on all");
    // Guesses spread over both replicas add up.
    let mut guesser_a = Raw::new(&app);
    let mut guesser_b = Raw::new(&app);
    guesser_b.base = other.clone();
    for i in 0..5 {
        assert_eq!(guesser_a.login(&org.trainer.email, &format!("falsch-a-{i}-xx")).await, 401);
        assert_eq!(guesser_b.login(&org.trainer.email, &format!("falsch-b-{i}-xx")).await, 401);
    }
    assert_eq!(guesser_b.login(&org.trainer.email, PASSWORD).await, 429);
    assert_eq!(guesser_a.login(&org.trainer.email, PASSWORD).await, 429);
}
both_backends!(second_replica, a_second_replica_honours_logout_and_the_throttle);
