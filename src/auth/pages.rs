//! Pages of the logged-in UI of auth: each handler parses the request, calls one use case and answers.

use actix_session::Session;
use actix_web::{get, post, web};
use serde::Deserialize;

use super::extract::{CurrentUser, SESSION_SECRET_KEY};
use super::models::Actor;
use super::service::{self, AccountPage, NewToken};
use crate::db::Db;
use crate::error::{AppError, AppResult, PageResult};
use crate::web::{context, page, page_with_error, redirect, Form};

/// A token just made, kept in the session until the account page has shown it once.
const NEW_TOKEN_KEY: &str = "new_token";

/// Puts a new session's secret into a fresh cookie (a new cookie on login prevents session
/// fixation) with a fresh CSRF token.
pub(crate) fn begin_browser_session(session: &Session, secret: String) -> Result<(), AppError> {
    session.renew();
    session.remove("csrf");
    session
        .insert(SESSION_SECRET_KEY, secret)
        .map_err(|e| AppError::Internal(anyhow::anyhow!("session: {e}")))
}

#[derive(Deserialize)]
pub struct EmptyForm {}

#[post("/logout")]
async fn logout(
    session: Session,
    db: web::Data<Db>,
    _user: CurrentUser,
    _form: Form<EmptyForm>,
) -> PageResult {
    if let Some(secret) = session.get::<String>(SESSION_SECRET_KEY).ok().flatten() {
        db.run(move |conn| service::end_session(conn, &secret))
            .await?;
    }
    session.purge();
    Ok(redirect("/login"))
}

#[derive(Deserialize, Default)]
struct AccountQuery {
    saved: Option<String>,
}

async fn account_data(db: &Db, actor: &Actor) -> AppResult<AccountPage> {
    let a = actor.clone();
    db.run(move |conn| service::account_page(conn, &a)).await
}

/// What the redirect after a change asks the page to say.
fn saved_notice(what: Option<&str>) -> Option<&'static str> {
    match what? {
        "password" => Some("Das Passwort ist geändert. Alle anderen Anmeldungen und alle API-Tokens wurden beendet."),
        "revoked" => Some("Das Token ist widerrufen."),
        "token" => Some("Das Token ist erstellt."),
        _ => None,
    }
}

#[get("/account")]
async fn account_page(
    session: Session,
    user: CurrentUser,
    db: web::Data<Db>,
    q: web::Query<AccountQuery>,
) -> PageResult {
    let mut data = account_data(&db, &user.0).await?;
    data.new_token = session
        .remove_as::<NewToken>(NEW_TOKEN_KEY)
        .and_then(Result::ok);
    data.notice = saved_notice(q.saved.as_deref());
    page(
        &session,
        Some(&user.0),
        "pages/auth/account",
        "Mein Konto",
        context(&data)?,
    )
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct PasswordForm {
    current_password: String,
    new_password: String,
    new_password_again: String,
}

#[post("/account/password")]
async fn change_password(
    session: Session,
    user: CurrentUser,
    db: web::Data<Db>,
    Form(form): Form<PasswordForm>,
) -> PageResult {
    let actor = user.0.clone();
    let result = db
        .run(move |conn| {
            service::change_own_password(
                conn,
                &actor,
                &form.current_password,
                &form.new_password,
                &form.new_password_again,
            )
        })
        .await;
    match result {
        Ok(secret) => {
            begin_browser_session(&session, secret)?;
            Ok(redirect("/account?saved=password"))
        }
        Err(e) => account_page_with_error(&session, &user.0, &db, e).await,
    }
}

/// The account page again, with the error next to its field.
async fn account_page_with_error(
    session: &Session,
    actor: &Actor,
    db: &Db,
    error: AppError,
) -> PageResult {
    let data = account_data(db, actor).await?;
    page_with_error(
        session,
        Some(actor),
        "pages/auth/account",
        "Mein Konto",
        context(&data)?,
        error,
    )
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct NewTokenForm {
    label: String,
    expires_in_days: String,
}

#[post("/account/tokens")]
async fn create_token_page(
    session: Session,
    user: CurrentUser,
    db: web::Data<Db>,
    Form(form): Form<NewTokenForm>,
) -> PageResult {
    let actor = user.0.clone();
    let result = db
        .run(move |conn| {
            let days = match form.expires_in_days.trim() {
                "" => None,
                d => Some(d.parse::<i64>().map_err(|_| {
                    AppError::invalid(
                        "expires_in_days",
                        "Bitte geben Sie die Gültigkeit in ganzen Tagen an.",
                    )
                })?),
            };
            service::issue_api_token(conn, &actor, &form.label, days)
        })
        .await;
    match result {
        Ok((token, info)) => {
            // Shown once, on the page this redirects to: it travels in the encrypted cookie
            // for that one request, is not stored, and a reload does not make another.
            session
                .insert(
                    NEW_TOKEN_KEY,
                    NewToken {
                        token,
                        label: info.label,
                    },
                )
                .map_err(|e| AppError::Internal(anyhow::anyhow!("session: {e}")))?;
            Ok(redirect("/account?saved=token#tokens"))
        }
        Err(e) => account_page_with_error(&session, &user.0, &db, e).await,
    }
}

#[post("/account/tokens/{id}/revoke")]
async fn revoke_token_page(
    user: CurrentUser,
    db: web::Data<Db>,
    path: web::Path<i32>,
    _form: Form<EmptyForm>,
) -> PageResult {
    let actor = user.0;
    let id = path.into_inner();
    db.run(move |conn| service::revoke_my_token(conn, &actor, id))
        .await?;
    Ok(redirect("/account?saved=revoked"))
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(logout)
        .service(account_page)
        .service(change_password)
        .service(create_token_page)
        .service(revoke_token_page);
}
