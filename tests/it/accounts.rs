//! User accounts (issue 14): invitations by mail with a one-time link instead of passwords
//! made up by an admin, "Passwort vergessen?", changes of name and role, deactivation and
//! reactivation, on the team page, the admin's organisation page and the API; with the real
//! loopback SMTP server.

use std::time::Duration;

use serde_json::{json, Value};

use crate::both_backends;
use crate::common::{self, logs, smtp::SmtpServer, Backend, Browser, Options, TestApp, PASSWORD};
use mietschulung::auth::{self, Role};

const INVITATION: &str = "/konto/einrichten/";
const RESET: &str = "/passwort-neu/";
const NEW_PASSWORD: &str = "ein-ganz-neues-passwort";

/// The secret after `prefix` in a mail (quoted-printable soft breaks removed first),
/// remembered as a secret of the run so the logs are checked for it.
fn secret_in(text: &str, prefix: &str) -> String {
    let text = text.replace("=\r\n", "").replace("=\n", "");
    let at =
        text.find(prefix).unwrap_or_else(|| panic!("no {prefix} link in {text}")) + prefix.len();
    let secret: String = text[at..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .collect();
    assert!(secret.len() >= 40, "a long random secret: {secret}");
    logs::secret(&secret)
}

/// The link of the newest queued mail to `email` (read from the outbox, for apps without
/// an SMTP server).
fn queued_link(app: &TestApp, email: &str, prefix: &str) -> String {
    let email = email.to_string();
    let mails = app.db.run_blocking(mietschulung::mail::outbox::all).expect("outbox");
    let mail = mails
        .into_iter()
        .filter(|m| m.recipient == email)
        .max_by_key(|m| m.id)
        .unwrap_or_else(|| panic!("no mail to {email}"));
    format!("{prefix}{}", secret_in(&mail.body_text, prefix))
}

/// Follows the invitation queued for `email` and chooses `password` (for tests that set
/// up accounts through the UI, as an admin or coordinator now does).
pub async fn accept_invitation(app: &TestApp, email: &str, password: &str) {
    let link = queued_link(app, email, INVITATION);
    let person = app.browser();
    let page = person
        .submit(&link, &link, &[("new_password", password), ("new_password_again", password)])
        .await;
    assert_eq!(page.status, 303, "the invitation of {email} is accepted: {}", page.body);
}

/// Waits for a mail to `email` whose text contains `prefix`, and returns its link's path.
async fn mailed_link(smtp: &SmtpServer, email: &str, prefix: &str, nth: usize) -> String {
    let mails = || -> Vec<String> {
        smtp.messages()
            .into_iter()
            .filter(|m| m.to.iter().any(|t| t.contains(email)))
            .map(|m| m.data)
            .filter(|d| d.replace("=\r\n", "").replace("=\n", "").contains(prefix))
            .collect()
    };
    common::wait_until(&format!("mail {nth} to {email}"), Duration::from_secs(30), || {
        mails().len() > nth
    })
    .await;
    format!("{prefix}{}", secret_in(&mails()[nth], prefix))
}

async fn app_with_smtp(backend: Backend) -> (TestApp, SmtpServer) {
    let smtp = SmtpServer::start_on(0).expect("smtp");
    let app = common::spawn_app_with(
        backend,
        Options { smtp_port: Some(smtp.port), ..Default::default() },
    )
    .await;
    (app, smtp)
}

fn audited(app: &TestApp, action: &str) -> i64 {
    app.count(&format!("audit_log WHERE action = '{action}'"))
}

/// A login through the form with a fresh browser: its status (303 in, 401 refused).
async fn login_status(app: &TestApp, email: &str, password: &str) -> u16 {
    app.browser()
        .submit("/login", "/login", &[("email", email), ("password", password)])
        .await
        .status
}

async fn set_password(browser: &Browser, link: &str, password: &str) -> common::Page {
    browser
        .submit(link, link, &[("new_password", password), ("new_password_again", password)])
        .await
}

async fn invitation(backend: Backend) {
    let (app, smtp) = app_with_smtp(backend).await;
    let org = app.create_org("team");
    let coordinator = app.browser();
    coordinator.login(&org.coordinator.email).await;

    // The coordinator invites a trainer on the team page: no password is made up.
    let team = coordinator.get("/team").await;
    assert_eq!(team.status, 200);
    assert!(!team.body.contains("name=\"password\""), "no password field");
    let page = coordinator
        .submit(
            "/team",
            "/team",
            &[
                ("display_name", "Tarek Neu"),
                ("email", "tarek@team.example.org"),
                ("role", "trainer"),
            ],
        )
        .await;
    assert_eq!((page.status, page.location.as_deref()), (303, Some("/team")), "{}", page.body);
    let team = coordinator.get("/team").await;
    assert!(team
        .body
        .contains(&common::said("done.account_invited", &[("email", "tarek@team.example.org")])));
    assert!(team.body.contains("data-status=\"invited\""));
    assert_eq!(audited(&app, "user.invite"), 1);
    // Until the link is used, no password opens the account.
    assert_eq!(login_status(&app, "tarek@team.example.org", "").await, 401);
    assert_eq!(login_status(&app, "tarek@team.example.org", "!not-set").await, 401);

    let link = mailed_link(&smtp, "tarek@team.example.org", INVITATION, 0).await;
    let mail = smtp.messages().into_iter().find(|m| m.to[0].contains("tarek@")).unwrap();
    assert!(mail.data.contains("Landkreis team"), "the mail names the organisation");

    // The page asks for the password twice, with the rules of every password change.
    let person = app.browser();
    let page = person.get(&link).await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("tarek@team.example.org"));
    let page = person
        .submit(&link, &link, &[("new_password", NEW_PASSWORD), ("new_password_again", "anders")])
        .await;
    assert_eq!(page.status, 422, "the passwords differ");
    assert!(page.body.contains(&common::said("error.auth.passwords_differ", &[])));
    let page = set_password(&person, &link, "kurz").await;
    assert_eq!(page.status, 422, "too short");
    // A refused attempt leaves the link usable; the right one logs the person in.
    let page = set_password(&person, &link, NEW_PASSWORD).await;
    assert_eq!((page.status, page.location.as_deref()), (303, Some("/my/sessions")));
    let home = person.get("/my/sessions").await;
    assert_eq!(home.status, 200, "logged in");
    assert!(home.body.contains(&common::said("done.account_set_up", &[])));
    assert_eq!(login_status(&app, "tarek@team.example.org", NEW_PASSWORD).await, 303);
    assert_eq!(audited(&app, "auth.invitation_accepted"), 1);

    // The link works once.
    let again = app.browser().get(&link).await;
    assert_eq!(again.status, 410);
    assert!(again.body.contains(&common::said("error.account.invitation_gone", &[])));
    let again = app
        .browser()
        .submit(
            "/login",
            &link,
            &[("new_password", "noch-ein-passwort"), ("new_password_again", "noch-ein-passwort")],
        )
        .await;
    assert_eq!(again.status, 410, "a second use is refused: {}", again.body);
    assert_eq!(login_status(&app, "tarek@team.example.org", NEW_PASSWORD).await, 303);

    // Inviting again sends a new link and ends the old one (through the API this time).
    let api = app.api_token(&org.coordinator.email).await;
    let (s, invited) = api
        .post(
            "/api/v1/users",
            json!({"email": "rita@team.example.org", "display_name": "Rita Ref", "role": "referrer"}),
        )
        .await;
    assert_eq!(s, 201, "{invited}");
    assert_eq!(
        (invited["status"].as_str(), invited["role"].as_str()),
        (Some("invited"), Some("referrer"))
    );
    assert!(invited["invitation_expires_at"].is_string());
    let id = invited["id"].as_i64().unwrap();
    let first = mailed_link(&smtp, "rita@team.example.org", INVITATION, 0).await;
    let (s, _) = api.post(&format!("/api/v1/users/{id}/invitation"), json!({})).await;
    assert_eq!(s, 200);
    let second = mailed_link(&smtp, "rita@team.example.org", INVITATION, 1).await;
    assert_ne!(first, second);
    assert_eq!(app.browser().get(&first).await.status, 410, "the old link has ended");
    assert_eq!(set_password(&app.browser(), &second, NEW_PASSWORD).await.status, 303);
    assert_eq!(audited(&app, "user.invite_again"), 1);
    // Someone who has chosen a password needs no invitation.
    let (s, e) = api.post(&format!("/api/v1/users/{id}/invitation"), json!({})).await;
    assert_eq!((s, e["code"].as_str()), (409, Some("conflict")), "{e}");
    let (_, list) = api.get("/api/v1/users").await;
    let statuses: Vec<&str> =
        list.as_array().unwrap().iter().filter_map(|a| a["status"].as_str()).collect();
    assert_eq!(statuses, vec!["active"; 4], "{list}");
}
both_backends!(invitation_sets_the_password_once, invitation);

async fn forgotten_password(backend: Backend) {
    let (app, smtp) = app_with_smtp(backend).await;
    let org = app.create_org("vergessen");
    let login = app.browser().get("/login").await;
    assert!(login.body.contains("href=\"/passwort-vergessen\""));

    // An unknown address gets the same answer as a known one, and no mail.
    let ask = |email: &'static str| {
        let b = app.browser();
        async move {
            let page =
                b.submit("/passwort-vergessen", "/passwort-vergessen", &[("email", email)]).await;
            assert_eq!((page.status, page.location.as_deref()), (303, Some("/passwort-vergessen")));
            b.get("/passwort-vergessen").await.body
        }
    };
    let unknown = ask("niemand@vergessen.example.org").await;
    assert!(unknown.contains(&common::said("done.account_reset_requested", &[])));
    let (s, _) = api_reset(&app, "auch-niemand@example.org").await;
    assert_eq!(s, 202);
    assert_eq!(app.count("mail_outbox"), 0, "nothing is sent for unknown addresses");
    assert_eq!(app.count("account_links"), 0);

    // The coordinator is logged in elsewhere, in a browser and with an API token.
    let elsewhere = app.browser();
    elsewhere.login(&org.coordinator.email).await;
    let api = app.api_token(&org.coordinator.email).await;
    let known = ask("koordination@vergessen.example.org").await;
    assert!(known.contains(&common::said("done.account_reset_requested", &[])), "the same answer");
    let link = mailed_link(&smtp, &org.coordinator.email, RESET, 0).await;
    assert_eq!(audited(&app, "auth.password_reset_request"), 1);

    let person = app.browser();
    assert_eq!(person.get(&link).await.status, 200);
    let page = set_password(&person, &link, NEW_PASSWORD).await;
    assert_eq!((page.status, page.location.as_deref()), (303, Some("/courses")));
    assert_eq!(person.get("/courses").await.status, 200, "this browser is logged in");
    assert_eq!(elsewhere.get("/courses").await.status, 303, "the other session has ended");
    assert_eq!(api.get("/api/v1/courses").await.0, 401, "API tokens have ended");
    assert_eq!(login_status(&app, &org.coordinator.email, PASSWORD).await, 401);
    assert_eq!(login_status(&app, &org.coordinator.email, NEW_PASSWORD).await, 303);
    assert_eq!(app.browser().get(&link).await.status, 410, "the link is used up");
    assert_eq!(audited(&app, "auth.password_reset"), 1);

    // Through the API as well; a deactivated account gets no mail.
    let (s, _) = api_reset(&app, &org.trainer.email).await;
    assert_eq!(s, 202);
    mailed_link(&smtp, &org.trainer.email, RESET, 0).await;
    let coordinator = api_token_with(&app, &org.coordinator.email, NEW_PASSWORD).await;
    let (s, _) = coordinator
        .post(&format!("/api/v1/users/{}/deactivate", org.trainer.user_id), json!({}))
        .await;
    assert_eq!(s, 200);
    let queued = app.count("mail_outbox");
    let (s, _) = api_reset(&app, &org.trainer.email).await;
    assert_eq!(s, 202, "the same answer");
    assert_eq!(app.count("mail_outbox"), queued, "no mail for a deactivated account");
    let (s, e) = api_reset(&app, "keine-adresse").await;
    assert_eq!((s, e["field"].as_str()), (422, Some("email")));
}
both_backends!(forgotten_password_answers_alike_and_ends_other_sessions, forgotten_password);

/// An API token of `email` logging in with `password`.
async fn api_token_with(app: &TestApp, email: &str, password: &str) -> common::Api {
    let client = reqwest::Client::new();
    let resp = client
        .post(app.url("/api/v1/auth/token"))
        .json(&json!({"email": email, "password": password}))
        .send()
        .await
        .expect("token request");
    assert_eq!(resp.status(), 200, "token for {email}");
    let body: Value = resp.json().await.expect("json");
    common::Api {
        client,
        base: app.base.clone(),
        token: logs::secret(body["token"].as_str().expect("token")),
    }
}

async fn api_reset(app: &TestApp, email: &str) -> (u16, Value) {
    let resp = reqwest::Client::new()
        .post(app.url("/api/v1/auth/password-reset"))
        .json(&json!({ "email": email }))
        .send()
        .await
        .expect("reset request");
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap_or(Value::Null))
}

/// Reset requests for one address are capped: beyond the cap the answer stays the same and
/// no further mail goes out.
async fn reset_throttle(backend: Backend) {
    let app = common::spawn_app(backend).await;
    let org = app.create_org("drossel");
    for _ in 0..mietschulung::auth::links::RESET_ACCOUNT_LIMIT + 2 {
        assert_eq!(api_reset(&app, &org.trainer.email).await.0, 202);
    }
    assert_eq!(
        app.count("mail_outbox") as usize,
        mietschulung::auth::links::RESET_ACCOUNT_LIMIT,
        "no more mails than the cap"
    );
    // One client asking too often is told to wait.
    let mut last = 0;
    for i in 0..mietschulung::auth::links::RESET_ADDRESS_LIMIT {
        last = api_reset(&app, &format!("x{i}@drossel.example.org")).await.0;
    }
    assert_eq!(last, 429);
}
both_backends!(reset_requests_are_throttled, reset_throttle);

async fn deactivation_and_roles(backend: Backend) {
    let app = common::spawn_app(backend).await;
    let org = app.create_org("wechsel");
    let coordinator = app.browser();
    coordinator.login(&org.coordinator.email).await;
    let trainer = app.browser();
    trainer.login(&org.trainer.email).await;
    let trainer_api = app.api_token(&org.trainer.email).await;
    let tid = org.trainer.user_id;

    // The confirmation says what ends, and changes nothing by being shown.
    let confirm = coordinator.get(&format!("/team/{tid}/deactivate")).await;
    assert_eq!(confirm.status, 200);
    assert!(
        confirm.body.contains(&common::said(
            "account.confirm.ends_access",
            &[("sessions", "1"), ("tokens", "1")]
        )),
        "{}",
        confirm.body
    );
    assert!(confirm.body.contains("button-warning"));
    assert_eq!(trainer.get("/my/sessions").await.status, 200);
    assert_eq!(trainer_api.get("/api/v1/my/sessions").await.0, 200);

    // Deactivating ends the browser session and the API token at once.
    let page = coordinator
        .submit(&format!("/team/{tid}/deactivate"), &format!("/team/{tid}/deactivate"), &[])
        .await;
    assert_eq!((page.status, page.location.as_deref()), (303, Some("/team")));
    assert!(coordinator
        .get("/team")
        .await
        .body
        .contains(&common::said("done.account_deactivated", &[])));
    assert_eq!(trainer.get("/my/sessions").await.status, 303, "the session has ended");
    assert_eq!(trainer_api.get("/api/v1/my/sessions").await.0, 401, "the token has ended");
    assert_eq!(login_status(&app, &org.trainer.email, PASSWORD).await, 401);
    assert_eq!(audited(&app, "user.deactivate"), 1);

    // Reactivation (through the API): the person logs in again; the token stays ended.
    let api = app.api_token(&org.coordinator.email).await;
    let (s, a) = api.post(&format!("/api/v1/users/{tid}/activate"), json!({})).await;
    assert_eq!((s, a["status"].as_str()), (200, Some("active")), "{a}");
    assert_eq!(trainer_api.get("/api/v1/my/sessions").await.0, 401);
    let trainer = app.browser();
    trainer.login(&org.trainer.email).await;
    assert_eq!(trainer.get("/courses").await.status, 403, "a trainer plans nothing");

    // A role change applies at once, to the session that is already open.
    let (s, a) = api.put(&format!("/api/v1/users/{tid}"), json!({"role": "coordinator"})).await;
    assert_eq!((s, a["role"].as_str()), (200, Some("coordinator")), "{a}");
    assert_eq!(trainer.get("/courses").await.status, 200, "now a coordinator");
    assert_eq!(audited(&app, "user.role_change"), 1);

    // Through the pages: the check page shows the change and saves nothing.
    let check = coordinator
        .get(&format!("/team/{tid}/check?display_name=Tanja+Training&role=trainer"))
        .await;
    assert_eq!(check.status, 200, "{}", check.body);
    assert!(check.body.contains("data-test=\"confirm-summary\""));
    assert!(check.body.contains("Tanja Training"));
    assert_eq!(api.get(&format!("/api/v1/users/{tid}")).await.1["role"], "coordinator");
    let refused = coordinator.get(&format!("/team/{tid}/check?display_name=&role=trainer")).await;
    assert_eq!(refused.status, 422, "a name is needed");
    let page = coordinator
        .submit(
            &format!("/team/{tid}/check?display_name=Tanja+Training&role=trainer"),
            &format!("/team/{tid}"),
            &[("display_name", "Tanja Training"), ("role", "trainer")],
        )
        .await;
    assert_eq!((page.status, page.location.as_deref()), (303, Some("/team")), "{}", page.body);
    let (_, a) = api.get(&format!("/api/v1/users/{tid}")).await;
    assert_eq!(
        (a["role"].as_str(), a["display_name"].as_str()),
        (Some("trainer"), Some("Tanja Training"))
    );
    assert_eq!(trainer.get("/courses").await.status, 403, "a trainer again");
    assert_eq!(audited(&app, "user.rename"), 1);

    // The last coordinator cannot demote or deactivate themselves.
    let me = org.coordinator.user_id;
    let (s, e) = api.put(&format!("/api/v1/users/{me}"), json!({"role": "trainer"})).await;
    assert_eq!((s, e["code"].as_str()), (409, Some("conflict")), "{e}");
    assert_eq!(e["message"], common::said("error.account.last_coordinator", &[]));
    let (s, _) = api.post(&format!("/api/v1/users/{me}/deactivate"), json!({})).await;
    assert_eq!(s, 409);
    let confirm = coordinator.get(&format!("/team/{me}/deactivate")).await;
    assert!(confirm.body.contains("data-test=\"confirm-blocked\""), "the button says why not");
    let page =
        coordinator.submit(&format!("/team/{me}"), &format!("/team/{me}/deactivate"), &[]).await;
    assert_eq!(page.status, 409);
    assert_eq!(coordinator.get("/team").await.status, 200, "still in");
    // With a second coordinator, stepping down is fine.
    let (s, _) = api.put(&format!("/api/v1/users/{tid}"), json!({"role": "coordinator"})).await;
    assert_eq!(s, 200);
    let (s, a) = api.put(&format!("/api/v1/users/{me}"), json!({"role": "trainer"})).await;
    assert_eq!((s, a["role"].as_str()), (200, Some("trainer")));
    assert_eq!(api.get("/api/v1/users").await.0, 403, "no longer manages the team");
}
both_backends!(deactivation_and_role_changes_apply_at_once, deactivation_and_roles);

async fn isolation(backend: Backend) {
    let app = common::spawn_app(backend).await;
    let a = app.create_org("eins");
    let b = app.create_org("zwei");
    let referrer = {
        let org = mietschulung::ids::OrgId(a.id);
        app.db
            .run_blocking(move |conn| {
                auth::service::create_user(
                    conn,
                    None,
                    auth::service::NewUser {
                        organisation_id: Some(org),
                        email: "vermittlung@eins.example.org".into(),
                        display_name: "Vera Vermittlung".into(),
                        password: PASSWORD.into(),
                        role: Role::Referrer,
                    },
                )
            })
            .expect("referrer")
    };
    let coordinator = app.api_token(&a.coordinator.email).await;
    let browser = app.browser();
    browser.login(&a.coordinator.email).await;

    // Another organisation's account is not found, whatever is asked.
    let other = b.trainer.user_id;
    assert_eq!(coordinator.get(&format!("/api/v1/users/{other}")).await.0, 404);
    assert_eq!(
        coordinator.put(&format!("/api/v1/users/{other}"), json!({"role": "coordinator"})).await.0,
        404
    );
    for action in ["deactivate", "activate", "invitation"] {
        assert_eq!(
            coordinator.post(&format!("/api/v1/users/{other}/{action}"), json!({})).await.0,
            404
        );
    }
    assert_eq!(browser.get(&format!("/team/{other}")).await.status, 404);
    assert_eq!(browser.get(&format!("/team/{other}/deactivate")).await.status, 404);
    let page = browser.submit("/team", &format!("/team/{other}/deactivate"), &[]).await;
    assert_eq!(page.status, 404);
    let (_, list) = coordinator.get("/api/v1/users").await;
    let emails: Vec<&str> =
        list.as_array().unwrap().iter().filter_map(|u| u["email"].as_str()).collect();
    assert!(!emails.iter().any(|e| e.contains("zwei")), "{emails:?}");
    assert_eq!(emails.len(), 3);
    assert_eq!(login_status(&app, &b.trainer.email, PASSWORD).await, 303, "untouched");

    // Nobody becomes an admin through an invitation; coordinators are not admins.
    let (s, e) = coordinator
        .post(
            "/api/v1/users",
            json!({"email": "boss@eins.example.org", "display_name": "Boss", "role": "admin"}),
        )
        .await;
    assert_eq!((s, e["field"].as_str()), (422, Some("role")), "{e}");
    let (s, e) = coordinator
        .post(
            "/api/v1/users",
            json!({"email": a.trainer.email, "display_name": "Doppelt", "role": "trainer"}),
        )
        .await;
    assert_eq!((s, e["field"].as_str()), (422, Some("email")), "one account per address: {e}");
    let (s, me) = coordinator.get("/api/v1/auth/me").await;
    assert_eq!(
        (s, me["role"].as_str(), me["organisation_id"].as_i64()),
        (200, Some("coordinator"), Some(a.id as i64))
    );
    assert_eq!(coordinator.get("/api/v1/admin/organisations").await.0, 403);
    assert_eq!(
        coordinator.get(&format!("/api/v1/admin/organisations/{}/users", a.id)).await.0,
        403
    );

    // Trainers and referrers manage no accounts.
    for email in [a.trainer.email.as_str(), referrer.email.as_str()] {
        let api = app.api_token(email).await;
        assert_eq!(api.get("/api/v1/users").await.0, 403, "{email}");
        let (s, _) = api
            .post(
                "/api/v1/users",
                json!({"email": "x@eins.example.org", "display_name": "X", "role": "trainer"}),
            )
            .await;
        assert_eq!(s, 403);
        assert_eq!(
            api.put(
                &format!("/api/v1/users/{}", a.coordinator.user_id),
                json!({"role": "trainer"})
            )
            .await
            .0,
            403
        );
        assert_eq!(
            api.post(&format!("/api/v1/users/{}/deactivate", a.coordinator.user_id), json!({}))
                .await
                .0,
            403
        );
        let b = app.browser();
        b.login(email).await;
        assert_eq!(b.get("/team").await.status, 403);
    }

    // The admin manages any organisation's accounts, in the API and on the pages.
    app.create_admin("admin@example.org");
    let admin = app.api_token("admin@example.org").await;
    let (s, orgs) = admin.get("/api/v1/admin/organisations").await;
    assert_eq!((s, orgs.as_array().map(Vec::len)), (200, Some(2)));
    let (s, created) = admin
        .post(
            "/api/v1/admin/organisations",
            json!({"slug": "drei", "name": "Stadt Drei", "issuer_name": "Stadt Drei – Integration", "signatory_name": "Dora Drei"}),
        )
        .await;
    assert_eq!(s, 201, "{created}");
    let three = created["id"].as_i64().unwrap();
    let (s, changed) = admin
        .put(&format!("/api/v1/admin/organisations/{three}"), json!({"name": "Stadt Drei am See"}))
        .await;
    assert_eq!((s, changed["name"].as_str()), (200, Some("Stadt Drei am See")));
    assert_eq!(changed["issuer_name"], "Stadt Drei – Integration", "left out, left alone");
    let (s, e) =
        admin.put(&format!("/api/v1/admin/organisations/{three}"), json!({"slug": "x"})).await;
    assert_eq!(s, 422, "the short name stays: {e}");
    assert_eq!(admin.get("/api/v1/admin/organisations/999999").await.0, 404);
    let (s, invited) = admin
        .post(
            &format!("/api/v1/admin/organisations/{three}/users"),
            json!({"email": "chefin@drei.example.org", "display_name": "Chefin", "role": "coordinator"}),
        )
        .await;
    assert_eq!((s, invited["status"].as_str()), (201, Some("invited")), "{invited}");
    accept_invitation(&app, "chefin@drei.example.org", NEW_PASSWORD).await;
    let (s, users) = admin.get(&format!("/api/v1/admin/organisations/{three}/users")).await;
    assert_eq!((s, users[0]["status"].as_str()), (200, Some("active")), "{users}");
    // An account of one organisation is not found under another.
    assert_eq!(
        admin.get(&format!("/api/v1/admin/organisations/{three}/users/{other}")).await.0,
        404
    );
    let (s, _) = admin
        .post(&format!("/api/v1/admin/organisations/{}/users/{other}/deactivate", b.id), json!({}))
        .await;
    assert_eq!(s, 200);
    assert_eq!(login_status(&app, &b.trainer.email, PASSWORD).await, 401);
    let page = app.browser();
    page.login("admin@example.org").await;
    let show = page.get(&format!("/admin/organisations/{}", b.id)).await;
    assert!(show.body.contains("data-status=\"deactivated\""));
    assert!(!show.body.contains("name=\"password\""), "no password made up by the admin");
    let confirm = page.get(&format!("/admin/organisations/{}/users/{other}/activate", b.id)).await;
    assert_eq!(confirm.status, 200);
    assert!(confirm.body.contains("data-test=\"confirm-button\""));
}
both_backends!(accounts_are_managed_only_within_the_organisation, isolation);

/// Two uses of one link at the same moment: exactly one sets the password.
async fn link_race(backend: Backend) {
    let app = common::spawn_app(backend).await;
    let org = app.create_org("rennen");
    let api = app.api_token(&org.coordinator.email).await;
    for round in 0..3 {
        let email = format!("gleichzeitig{round}@rennen.example.org");
        let (s, _) = api
            .post(
                "/api/v1/users",
                json!({"email": email, "display_name": "Gleich Zeitig", "role": "trainer"}),
            )
            .await;
        assert_eq!(s, 201);
        let link = queued_link(&app, &email, INVITATION);
        let (one, two) = (app.browser(), app.browser());
        let (csrf_one, csrf_two) = (one.get(&link).await.csrf(), two.get(&link).await.csrf());
        let post = |b: &Browser, csrf: String, password: &'static str| {
            let link = link.clone();
            let client = b.client.clone();
            let url = app.url(&link);
            async move {
                let form = [
                    ("csrf_token", csrf.as_str()),
                    ("new_password", password),
                    ("new_password_again", password),
                ];
                client
                    .post(url)
                    .header("content-type", "application/x-www-form-urlencoded")
                    .body(serde_html_form::to_string(form).unwrap())
                    .send()
                    .await
                    .expect("POST")
                    .status()
                    .as_u16()
            }
        };
        let (a, b) = tokio::join!(
            post(&one, csrf_one, "erstes-langes-passwort"),
            post(&two, csrf_two, "zweites-langes-passwort")
        );
        let mut statuses = [a, b];
        statuses.sort();
        assert_eq!(statuses, [303, 410], "exactly one use succeeds");
        let winner = if a == 303 { "erstes-langes-passwort" } else { "zweites-langes-passwort" };
        let loser = if a == 303 { "zweites-langes-passwort" } else { "erstes-langes-passwort" };
        assert_eq!(login_status(&app, &email, winner).await, 303);
        assert_eq!(login_status(&app, &email, loser).await, 401);
    }
    assert_eq!(audited(&app, "auth.invitation_accepted"), 3);
}
both_backends!(one_link_used_twice_at_once_works_once, link_race);

/// In Chromium: the coordinator invites a referrer from the team page, changes the role on
/// its check page and deactivates the account through its confirmation; each ends with a
/// banner, and nothing changes before the confirmation is pressed.
async fn team_in_the_browser(backend: Backend) {
    if !common::browser::available() {
        return;
    }
    let app = common::spawn_app(backend).await;
    let org = app.create_org("teamklick");
    let chrome = common::browser::Chromium::start(1200, 900).await;
    chrome.log_in(&app.url(""), &org.coordinator.email).await;

    chrome.goto(&app.url("/team")).await;
    chrome.type_into("#display_name", "Vera Beraterin").await;
    chrome.type_into("#email", "vera@beratung.example.org").await;
    chrome.script("document.querySelector('#role').value = 'referrer';").await;
    chrome.click("[data-test=invite-form] button[type=submit]").await;
    let invited = common::said("done.account_invited", &[("email", "vera@beratung.example.org")]);
    chrome.wait_for_text(&invited).await;
    let role_of = |email: &'static str| {
        app.count(&format!("users WHERE email = '{email}' AND role = 'referrer' AND active"))
    };
    assert_eq!(role_of("vera@beratung.example.org"), 1);

    let vera = app
        .db
        .run_blocking(|conn| {
            Ok(auth::repo::find_by_email(conn, "vera@beratung.example.org")?.expect("Vera"))
        })
        .unwrap();
    chrome.goto(&app.url(&format!("/team/{}", vera.id))).await;
    chrome.script("document.querySelector('#role').value = 'trainer';").await;
    chrome.click(&format!("form[action=\"/team/{}/check\"] button[type=submit]", vera.id)).await;
    chrome.wait_for_text("data-test=\"confirm-summary\"").await;
    assert_eq!(role_of("vera@beratung.example.org"), 1, "the check page changed nothing");
    chrome.click("[data-test=confirm-button]").await;
    chrome
        .wait_for_text(&common::said("done.account_changed", &[("name", "Vera Beraterin")]))
        .await;
    assert_eq!(role_of("vera@beratung.example.org"), 0, "now a trainer");

    chrome.goto(&app.url(&format!("/team/{}", vera.id))).await;
    chrome.click("[data-test=deactivate]").await;
    let page = chrome.wait_for_text("data-test=\"confirm-button\"").await;
    assert!(page.contains("button-warning"), "deactivating looks like a warning");
    chrome.click("[data-test=confirm-button]").await;
    chrome.wait_for_text(&common::said("done.account_deactivated", &[])).await;
    assert_eq!(app.count("users WHERE email = 'vera@beratung.example.org' AND active"), 0);
}
both_backends!(team_pages_in_a_browser, team_in_the_browser);
