//! Pages and feeds that need no login of auth: each handler parses the request, calls one use case and answers.

use actix_session::Session;
use actix_web::cookie::{Cookie, CookieJar, SameSite};
use actix_web::{get, post, web, HttpRequest};
use serde::{Deserialize, Serialize};

use super::api::{device_key, known_device_user, DEVICE_COOKIE};
use super::extract::session_actor;
use super::models::{Actor, Role};
use super::pages::begin_browser_session;
use super::service::{self, AuthSettings, LoginAttempt};
use crate::config::Settings;
use crate::db::Db;
use crate::error::{AppError, PageResult};
use crate::ids::UserId;
use crate::web::{page, redirect, Form};

pub fn home_of(actor: &Actor) -> &'static str {
    match actor.role {
        Role::Admin => "/admin/organisations",
        Role::Coordinator => "/courses",
        Role::Trainer => "/my/sessions",
        Role::Referrer => "/",
    }
}

const DEVICE_DAYS: i64 = 180;

fn device_cookie(settings: &Settings, user_id: UserId) -> Option<Cookie<'static>> {
    let mut jar = CookieJar::new();
    let mut cookie = Cookie::new(DEVICE_COOKIE, user_id.to_string());
    cookie.set_http_only(true);
    cookie.set_secure(settings.cookie_secure());
    cookie.set_same_site(SameSite::Lax);
    cookie.set_path("/login");
    cookie.set_max_age(actix_web::cookie::time::Duration::days(DEVICE_DAYS));
    jar.signed_mut(&device_key(settings)).add(cookie);
    jar.get(DEVICE_COOKIE).cloned()
}

#[get("/")]
async fn index(session: Session, req: HttpRequest, db: web::Data<Db>) -> PageResult {
    let auth = super::extract::auth_settings_of(&req)?;
    match session_actor(&session, &db, auth).await? {
        Some(actor) => Ok(redirect(home_of(&actor))),
        None => Ok(redirect("/login")),
    }
}

/// The login form: empty, or again with the address typed (never the password).
#[derive(Serialize)]
struct LoginPage {
    email: String,
}

fn login_context(email: String) -> serde_json::Value {
    serde_json::to_value(LoginPage { email }).unwrap_or_default()
}

const LOGIN: &str = "pages/auth/login";

#[get("/login")]
async fn login_page(session: Session) -> PageResult {
    let form = login_context(String::new());
    page(&session, None, LOGIN, "title.login", form, None)
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct LoginForm {
    email: String,
    password: String,
}

#[post("/login")]
async fn login(
    session: Session, req: HttpRequest, db: web::Data<Db>, auth: web::Data<AuthSettings>,
    settings: web::Data<Settings>, Form(form): Form<LoginForm>,
) -> PageResult {
    let email = form.email.clone();
    let client = crate::web::client_ip(&req);
    let known = known_device_user(&req, &settings);
    let auth = auth.get_ref().clone();
    let result = db
        .run(move |conn| {
            let actor = service::login(
                conn,
                &auth,
                LoginAttempt {
                    email: &form.email,
                    password: &form.password,
                    client,
                    known_device_user: known,
                },
            )?;
            let secret = service::start_session(conn, actor.user_id)?;
            Ok((actor, secret))
        })
        .await;
    match result {
        Ok((actor, secret)) => {
            begin_browser_session(&session, secret)?;
            let mut resp = redirect(home_of(&actor));
            if let Some(cookie) = device_cookie(&settings, actor.user_id) {
                let _ = resp.add_cookie(&cookie);
            }
            Ok(resp)
        }
        Err(e) => {
            let status = match &e {
                AppError::Throttled { .. } => actix_web::http::StatusCode::TOO_MANY_REQUESTS,
                // A wrong password is an authentication failure, not malformed input.
                _ => actix_web::http::StatusCode::UNAUTHORIZED,
            };
            let retry = e.retry_after_secs();
            let e = match e {
                AppError::Throttled { message, .. } => AppError::invalid("email", message),
                other => other,
            };
            let form = login_context(email);
            let mut resp = page(&session, None, LOGIN, "title.login", form, Some(e))?;
            *resp.status_mut() = status;
            if let Some(secs) = retry {
                resp.headers_mut().insert(
                    actix_web::http::header::RETRY_AFTER,
                    actix_web::http::header::HeaderValue::from(secs),
                );
            }
            Ok(resp)
        }
    }
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(index).service(login_page).service(login);
}
