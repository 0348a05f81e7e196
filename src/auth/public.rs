//! Pages and feeds that need no login of auth: each handler parses the request, calls one use case and answers.

use actix_session::Session;
use actix_web::cookie::{Cookie, CookieJar, SameSite};
use actix_web::{get, post, web, HttpRequest};
use serde::{Deserialize, Serialize};

use super::api::{device_key, known_device_user, DEVICE_COOKIE};
use super::extract::session_actor;
use super::links;
use super::models::{Actor, LinkPurpose, Role};
use super::pages::begin_browser_session;
use super::service::{self, AuthSettings, LoginAttempt};
use crate::config::Settings;
use crate::db::Db;
use crate::error::{AppError, PageResult};
use crate::i18n::Text;
use crate::ids::UserId;
use crate::web::{page, redirect, redirect_with, Form, PublicUrl};

pub fn home_of(actor: &Actor) -> &'static str {
    match actor.role {
        Role::Admin => "/admin/organisations",
        Role::Coordinator => "/courses",
        Role::Trainer => "/my/sessions",
        Role::Referrer => "/vermittlung",
        Role::Programme => "/programm",
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

const SET_PASSWORD: &str = "pages/auth/set_password";
const LINK_GONE: &str = "pages/auth/link_gone";
const FORGOT: &str = "pages/auth/forgot";

/// The page of a link that cannot be used: 410, saying whom to ask for a new one.
fn link_gone(session: &Session, purpose: LinkPurpose, error: AppError) -> PageResult {
    #[derive(Serialize)]
    struct Gone {
        purpose: LinkPurpose,
        message: String,
    }
    let data = Gone { purpose, message: error.message(crate::i18n::DEFAULT_LANG) };
    let data = serde_json::to_value(data).unwrap_or_default();
    let mut resp = page(session, None, LINK_GONE, "title.account_link_gone", data, None)?;
    *resp.status_mut() = actix_web::http::StatusCode::GONE;
    Ok(resp)
}

fn link_title(purpose: LinkPurpose) -> &'static str {
    match purpose {
        LinkPurpose::Invitation => "title.account_set_up",
        LinkPurpose::PasswordReset => "title.account_new_password",
    }
}

/// The page of a one-time link: whose account, and the new password twice. Nothing is
/// changed by showing it.
async fn link_page(
    session: Session, db: web::Data<Db>, secret: String, purpose: LinkPurpose,
) -> PageResult {
    let lookup = secret.clone();
    match db.run(move |conn| links::open(conn, &lookup, purpose)).await {
        Ok(data) => {
            let data = crate::web::context(&data)?;
            page(&session, None, SET_PASSWORD, link_title(purpose), data, None)
        }
        Err(e @ AppError::Gone(_)) => link_gone(&session, purpose, e),
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct NewPasswordForm {
    new_password: String,
    new_password_again: String,
}

/// Uses a one-time link: the password is set, every other session and token of the account
/// ends, and this browser is logged in.
async fn use_link(
    session: Session, db: web::Data<Db>, secret: String, purpose: LinkPurpose,
    form: NewPasswordForm,
) -> PageResult {
    let used = secret.clone();
    let result = db
        .run(move |conn| {
            links::redeem(conn, &used, purpose, &form.new_password, &form.new_password_again)
        })
        .await;
    match result {
        Ok((actor, session_secret)) => {
            begin_browser_session(&session, session_secret)?;
            let done = match purpose {
                LinkPurpose::Invitation => "done.account_set_up",
                LinkPurpose::PasswordReset => "done.account_password_reset",
            };
            Ok(redirect_with(&session, home_of(&actor), &Text::key(done)))
        }
        Err(e @ AppError::Gone(_)) => link_gone(&session, purpose, e),
        Err(e @ AppError::Validation { .. }) => {
            let lookup = secret.clone();
            let data = db.run(move |conn| links::open(conn, &lookup, purpose)).await;
            match data {
                Ok(data) => {
                    let data = crate::web::context(&data)?;
                    page(&session, None, SET_PASSWORD, link_title(purpose), data, Some(e))
                }
                Err(gone @ AppError::Gone(_)) => link_gone(&session, purpose, gone),
                Err(other) => Err(other.into()),
            }
        }
        Err(e) => Err(e.into()),
    }
}

#[get("/konto/einrichten/{token}")]
async fn invitation_page(
    session: Session, db: web::Data<Db>, token: web::Path<String>,
) -> PageResult {
    link_page(session, db, token.into_inner(), LinkPurpose::Invitation).await
}

#[post("/konto/einrichten/{token}")]
async fn accept_invitation(
    session: Session, db: web::Data<Db>, token: web::Path<String>,
    Form(form): Form<NewPasswordForm>,
) -> PageResult {
    use_link(session, db, token.into_inner(), LinkPurpose::Invitation, form).await
}

#[get("/passwort-neu/{token}")]
async fn reset_page(session: Session, db: web::Data<Db>, token: web::Path<String>) -> PageResult {
    link_page(session, db, token.into_inner(), LinkPurpose::PasswordReset).await
}

#[post("/passwort-neu/{token}")]
async fn reset_password(
    session: Session, db: web::Data<Db>, token: web::Path<String>,
    Form(form): Form<NewPasswordForm>,
) -> PageResult {
    use_link(session, db, token.into_inner(), LinkPurpose::PasswordReset, form).await
}

#[get("/passwort-vergessen")]
async fn forgot_page(session: Session) -> PageResult {
    let form = login_context(String::new());
    page(&session, None, FORGOT, "title.account_forgot", form, None)
}

/// "Passwort vergessen?": the same answer whether the address has an account or not.
#[post("/passwort-vergessen")]
async fn forgot(
    session: Session, req: HttpRequest, db: web::Data<Db>, auth: web::Data<AuthSettings>,
    public_url: PublicUrl, Form(form): Form<LoginForm>,
) -> PageResult {
    let email = form.email.clone();
    let client = crate::web::client_ip(&req);
    let auth = auth.get_ref().clone();
    let url = public_url.0;
    let result = db
        .run(move |conn| links::request_password_reset(conn, &auth, &url, &form.email, client))
        .await;
    match result {
        Ok(()) => Ok(redirect_with(
            &session,
            "/passwort-vergessen",
            &Text::key("done.account_reset_requested"),
        )),
        Err(e) => {
            let status = match &e {
                AppError::Throttled { .. } => actix_web::http::StatusCode::TOO_MANY_REQUESTS,
                AppError::Validation { .. } => actix_web::http::StatusCode::UNPROCESSABLE_ENTITY,
                _ => return Err(e.into()),
            };
            let retry = e.retry_after_secs();
            let e = match e {
                AppError::Throttled { message, .. } => AppError::invalid("email", message),
                other => other,
            };
            let form = login_context(email);
            let mut resp = page(&session, None, FORGOT, "title.account_forgot", form, Some(e))?;
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
    cfg.service(index)
        .service(login_page)
        .service(login)
        .service(invitation_page)
        .service(accept_invitation)
        .service(reset_page)
        .service(reset_password)
        .service(forgot_page)
        .service(forgot);
}
