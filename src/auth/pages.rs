//! Pages of the logged-in UI of auth: each handler parses the request, calls one use case and answers.

use actix_session::Session;
use actix_web::{get, post, web};
use serde::Deserialize;

use super::extract::SESSION_SECRET_KEY;
use super::service::{self, NewToken};
use crate::error::{AppError, PageResult};
use crate::i18n::Text;
use crate::ids::TokenId;
use crate::web::{redirect, EmptyForm, Form, Id, Ui};

/// A token just made, kept in the session until the account page has shown it once.
const NEW_TOKEN_KEY: &str = "new_token";
const ACCOUNT: &str = "pages/auth/account";

/// Puts a new session's secret into a fresh cookie (a new cookie on login prevents session
/// fixation) with a fresh CSRF token.
pub(crate) fn begin_browser_session(session: &Session, secret: String) -> Result<(), AppError> {
    session.renew();
    session.remove("csrf");
    session
        .insert(SESSION_SECRET_KEY, secret)
        .map_err(|e| AppError::Internal(anyhow::anyhow!("session: {e}")))
}

#[post("/logout")]
async fn logout(ui: Ui, _form: Form<EmptyForm>) -> PageResult {
    let secret = ui.session.get::<String>(SESSION_SECRET_KEY).ok().flatten();
    if let Some(secret) = secret {
        ui.db.run(move |conn| service::end_session(conn, &secret)).await?;
    }
    ui.session.purge();
    Ok(redirect("/login"))
}

#[get("/account")]
async fn account_page(ui: Ui) -> PageResult {
    let mut data = ui.run(service::account_page).await?;
    data.new_token = ui.session.remove_as::<NewToken>(NEW_TOKEN_KEY).and_then(Result::ok);
    ui.page(ACCOUNT, "title.account", &data)
}

/// The account page again, with the error next to its field.
async fn account_refused(ui: &Ui, error: AppError) -> PageResult {
    let data = ui.run(service::account_page).await?;
    ui.page_with_error(ACCOUNT, "title.account", &data, error)
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct PasswordForm {
    current_password: String,
    new_password: String,
    new_password_again: String,
}

#[post("/account/password")]
async fn change_password(ui: Ui, Form(form): Form<PasswordForm>) -> PageResult {
    let result = ui
        .run(move |conn, actor| {
            let (current, new) = (&form.current_password, &form.new_password);
            service::change_own_password(conn, actor, current, new, &form.new_password_again)
        })
        .await;
    match result {
        Ok(secret) => {
            begin_browser_session(&ui.session, secret)?;
            ui.done("/account", &Text::key("done.password_changed"))
        }
        Err(e) => account_refused(&ui, e).await,
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct NewTokenForm {
    label: String,
    expires_in_days: String,
}

#[post("/account/tokens")]
async fn create_token_page(ui: Ui, Form(form): Form<NewTokenForm>) -> PageResult {
    let typed = (form.label.clone(), form.expires_in_days.clone());
    let result = ui
        .run(move |conn, actor| {
            let days = match form.expires_in_days.trim() {
                "" => None,
                d => Some(d.parse::<i64>().map_err(|_| {
                    AppError::invalid(
                        "expires_in_days",
                        crate::i18n::Text::key("error.auth.token_days"),
                    )
                })?),
            };
            service::issue_api_token(conn, actor, &form.label, days)
        })
        .await;
    match result {
        Ok((token, info)) => {
            // Shown once, on the page this redirects to: it travels in the encrypted cookie
            // for that one request, is not stored, and a reload does not make another.
            let label = info.label;
            ui.session
                .insert(NEW_TOKEN_KEY, NewToken { token, label })
                .map_err(|e| AppError::Internal(anyhow::anyhow!("session: {e}")))?;
            ui.done("/account#tokens", &Text::key("done.token_created"))
        }
        Err(e) => {
            let mut data = ui.run(service::account_page).await?;
            (data.token_label, data.token_days) = typed;
            ui.page_with_error(ACCOUNT, "title.account", &data, e)
        }
    }
}

#[post("/account/tokens/{id}/revoke")]
async fn revoke_token_page(ui: Ui, id: Id<TokenId>, _form: Form<EmptyForm>) -> PageResult {
    ui.run(move |conn, actor| service::revoke_my_token(conn, actor, *id)).await?;
    ui.done("/account#tokens", &Text::key("done.token_revoked"))
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(logout)
        .service(account_page)
        .service(change_password)
        .service(create_token_page)
        .service(revoke_token_page);
}
