//! The account use cases: creating users, login and browser sessions, passwords, API
//! tokens, (de)activation, and the account page.

use std::sync::LazyLock;

use argon2::password_hash::{rand_core::OsRng, PasswordHash, PasswordHasher, SaltString};
use argon2::{Argon2, PasswordVerifier};
use chrono::{Duration, Utc};
use rand::RngCore;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::models::{
    Actor, ApiTokenInfo, ApiTokenInsertForm, Role, User, UserInsertForm, UserSessionInsertForm,
    NO_PASSWORD,
};
use super::{repo, throttle};
use crate::audit;
use crate::db::DbConn;
use crate::error::{AppError, AppResult};
use crate::i18n::Text;
use crate::ids::{OrgId, ProgrammeId, TokenId, UserId};
use crate::validate;

pub const MIN_PASSWORD_LEN: usize = 10;
/// How long a new API token lasts unless its owner chooses otherwise, and at most.
pub const API_TOKEN_DAYS: i64 = 90;
pub const API_TOKEN_MAX_DAYS: i64 = 365;
/// Last use of a session or token is written at most this often (seconds): a write per
/// request would cost more than the minute of precision is worth.
const TOUCH_EVERY_SECS: i64 = 60;

/// What login state depends on, from the settings: how long sessions last, and the key
/// that salts the hashes the login throttle stores.
#[derive(Clone)]
pub struct AuthSettings {
    pub session_idle: Duration,
    pub session_max: Duration,
    pub salt: std::sync::Arc<[u8]>,
}

impl AuthSettings {
    pub fn from_settings(settings: &crate::config::Settings) -> AuthSettings {
        AuthSettings {
            session_idle: Duration::minutes(settings.session_idle_minutes as i64),
            session_max: Duration::hours(settings.session_max_hours as i64),
            salt: settings.session_key_bytes().into(),
        }
    }

    pub(crate) fn key_hash(&self, key: &str) -> String {
        let mut h = Sha256::new();
        h.update(&self.salt);
        h.update(b"\0login-throttle\0");
        h.update(key.as_bytes());
        data_encoding::HEXLOWER.encode(&h.finalize())
    }
}

pub fn hash_password(password: &str) -> AppResult<String> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| AppError::Internal(anyhow::anyhow!("hashing password: {e}")))
}

fn password_matches(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash)
        .map(|parsed| Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok())
        .unwrap_or(false)
}

/// Spent on unknown emails so response time does not reveal which accounts exist.
static DUMMY_HASH: LazyLock<String> =
    LazyLock::new(|| hash_password("not-a-real-password").unwrap_or_default());

pub struct NewUser {
    pub organisation_id: Option<OrgId>,
    pub email: String,
    pub display_name: String,
    pub password: String,
    pub role: Role,
}

pub fn create_user(conn: &mut DbConn, actor: Option<&Actor>, input: NewUser) -> AppResult<User> {
    let email = validate::email("email", &input.email)?;
    let display_name =
        validate::required_text("display_name", "label.name", &input.display_name, 120)?;
    if input.password.chars().count() < MIN_PASSWORD_LEN {
        return Err(AppError::invalid(
            "password",
            Text::key("error.auth.password_short").arg("min", MIN_PASSWORD_LEN),
        ));
    }
    if input.role == Role::Programme {
        // A programme account is made by an admin on its programme (`programmes`).
        return Err(AppError::invalid("role", Text::key("error.programmes.role_elsewhere")));
    }
    if input.role != Role::Admin && input.organisation_id.is_none() {
        return Err(AppError::invalid("organisation", Text::key("error.auth.needs_organisation")));
    }
    if repo::find_by_email(conn, &email)?.is_some() {
        return Err(AppError::conflict("error.auth.email_taken"));
    }
    let form = UserInsertForm {
        organisation_id: if input.role == Role::Admin { None } else { input.organisation_id },
        programme_id: None,
        email,
        display_name,
        password_hash: hash_password(&input.password)?,
        role: input.role,
        active: true,
        created_at: crate::time::now_utc(),
    };
    let user = repo::insert_user(conn, &form)?;
    audit::Entry::new(user.organisation_id, actor.map(|a| a.user_id), "user.create")
        .on("user", Some(user.id.into()))
        .detail(user.role.code())
        .record(conn)?;
    Ok(user)
}

pub fn authenticate(conn: &mut DbConn, email: &str, password: &str) -> AppResult<Actor> {
    let wrong = || AppError::invalid("email", Text::key("error.auth.wrong_credentials"));
    let email = email.trim().to_lowercase();
    match repo::find_by_email(conn, &email)? {
        Some(user) => {
            // The same work whether the account is usable or not: the answer's time does
            // not tell an invited or deactivated account from one with a wrong password.
            let hash = if user.has_password() { &user.password_hash } else { &*DUMMY_HASH };
            if password_matches(password, hash) && user.active && user.has_password() {
                Actor::from_user(&user)
            } else {
                Err(wrong())
            }
        }
        None => {
            let _ = password_matches(password, &DUMMY_HASH);
            Err(wrong())
        }
    }
}

/// Who is logging in, from where, and whether this device has logged in to the account
/// before (see [`throttle`]).
pub struct LoginAttempt<'a> {
    pub email: &'a str,
    pub password: &'a str,
    pub client: std::net::IpAddr,
    pub known_device_user: Option<UserId>,
}

/// [`authenticate`] behind the login throttle: refused unchecked while the account or the
/// address has too many recent failures; a failure is counted, a success clears the
/// account's count.
pub fn login(conn: &mut DbConn, auth: &AuthSettings, attempt: LoginAttempt) -> AppResult<Actor> {
    let now = crate::time::now_utc();
    let since = now - throttle::window();
    let account = auth.key_hash(&throttle::account_key(attempt.email));
    let address = auth.key_hash(&throttle::address_key(attempt.client));
    let known_device = match attempt.known_device_user {
        Some(id) => repo::find_by_email(conn, &attempt.email.trim().to_lowercase())?
            .is_some_and(|u| u.id == id),
        None => false,
    };
    // The attempt is written down before anything is checked, so parallel attempts see
    // each other: however many arrive at once, no more than the limit get a password check.
    // A refused attempt takes its rows back, so refusals never extend a lock.
    let account_row = repo::insert_login_failure(conn, &account, now)?;
    let address_row = repo::insert_login_failure(conn, &address, now)?;
    let others =
        |rows: Vec<(i32, chrono::NaiveDateTime)>, own: i32| -> Vec<chrono::NaiveDateTime> {
            rows.into_iter().filter(|(id, _)| *id != own).map(|(_, at)| at).collect()
        };
    let mut waits = vec![throttle::wait(
        &others(repo::login_failures_since(conn, &address, since)?, address_row),
        throttle::ADDRESS_LIMIT,
        now,
    )];
    if !known_device {
        waits.push(throttle::wait(
            &others(repo::login_failures_since(conn, &account, since)?, account_row),
            throttle::ACCOUNT_LIMIT,
            now,
        ));
    }
    if let Some(wait) = waits.into_iter().flatten().max() {
        repo::delete_login_failures(conn, &[account_row, address_row])?;
        return Err(AppError::Throttled {
            retry_after_secs: wait.num_seconds().max(1) as u64,
            message: throttle::message(wait, now),
        });
    }
    match authenticate(conn, attempt.email, attempt.password) {
        Ok(actor) => {
            repo::delete_login_failures(conn, &[address_row])?;
            repo::clear_login_failures(conn, &account)?;
            audit::Entry::new(actor.organisation_id, Some(actor.user_id), "auth.login")
                .on("user", Some(actor.user_id.into()))
                .record(conn)?;
            Ok(actor)
        }
        Err(e) => {
            repo::purge_login_failures(conn, now - Duration::days(1))?;
            if matches!(e, AppError::Validation { .. }) {
                audit_failed_login(conn, attempt.email)?;
            }
            Err(e)
        }
    }
}

/// A failed login in the log of the account's organisation, naming the account by its id
/// only: the address typed is never written, since a mistyped one may be someone else's.
fn audit_failed_login(conn: &mut DbConn, email: &str) -> AppResult<()> {
    let entry = match repo::find_by_email(conn, &email.trim().to_lowercase())? {
        Some(user) => audit::Entry::new(user.organisation_id, None, "auth.login_failed")
            .on("user", Some(user.id.into())),
        None => audit::Entry::new(None, None, "auth.login_failed").detail("unknown_account"),
    };
    entry.record(conn)
}

pub fn actor_for_user_id(conn: &mut DbConn, user_id: UserId) -> AppResult<Option<Actor>> {
    match repo::find_by_id(conn, user_id)? {
        Some(user) if user.active => Ok(Some(Actor::from_user(&user)?)),
        _ => Ok(None),
    }
}

pub(crate) fn random_secret(prefix: &str) -> String {
    let mut raw = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut raw);
    format!("{prefix}{}", data_encoding::BASE64URL_NOPAD.encode(&raw))
}

/// Starts a browser session; returns the secret for the cookie (only its hash is stored).
pub fn start_session(conn: &mut DbConn, user_id: UserId) -> AppResult<String> {
    let secret = random_secret("");
    let now = crate::time::now_utc();
    repo::insert_session(
        conn,
        &UserSessionInsertForm {
            user_id,
            secret_hash: token_hash(&secret),
            created_at: now,
            last_seen_at: now,
        },
    )?;
    Ok(secret)
}

/// The user of a live session. A session ends at logout, after `session_idle` without a
/// request, `session_max` after login, and when its user is deactivated or changes the
/// password; an ended one is deleted when met.
pub fn actor_for_session(
    conn: &mut DbConn, auth: &AuthSettings, secret: &str,
) -> AppResult<Option<Actor>> {
    let now = crate::time::now_utc();
    let hash = token_hash(secret);
    let Some((session, user)) = repo::session_with_user(conn, &hash)? else {
        return Ok(None);
    };
    let expired = now - session.last_seen_at > auth.session_idle
        || now - session.created_at > auth.session_max;
    if expired || !user.active {
        repo::delete_session_by_id(conn, session.id)?;
        return Ok(None);
    }
    if now - session.last_seen_at > Duration::seconds(TOUCH_EVERY_SECS) {
        repo::touch_session(conn, session.id, now)?;
    }
    Ok(Some(Actor::from_user(&user)?))
}

/// Logout: the session ends on every replica, and the log says who left.
pub fn end_session(conn: &mut DbConn, secret: &str) -> AppResult<()> {
    let hash = token_hash(secret);
    crate::db::write_transaction(conn, |conn| {
        if let Some((_, user)) = repo::session_with_user(conn, &hash)? {
            audit::Entry::new(user.organisation_id, Some(user.id), "auth.logout")
                .on("user", Some(user.id.into()))
                .record(conn)?;
        }
        repo::delete_session(conn, &hash)
    })
}

/// Forgets sessions that have ended by time (the daily tidy-up; met ones go at once).
pub fn purge_sessions(conn: &mut DbConn, auth: &AuthSettings) -> AppResult<usize> {
    let now = crate::time::now_utc();
    repo::purge_sessions(conn, now - auth.session_idle, now - auth.session_max)
}

/// Ends every browser session, API token and unused one-time link of a user.
pub(crate) fn end_everything_of(conn: &mut DbConn, user_id: UserId) -> AppResult<(usize, usize)> {
    repo::close_links(conn, user_id, None, crate::time::now_utc())?;
    Ok((repo::delete_sessions_of_user(conn, user_id)?, repo::delete_tokens_of_user(conn, user_id)?))
}

pub(crate) fn check_new_password(password: &str) -> AppResult<()> {
    if password.chars().count() < MIN_PASSWORD_LEN {
        return Err(AppError::invalid(
            "new_password",
            Text::key("error.auth.password_short").arg("min", MIN_PASSWORD_LEN),
        ));
    }
    if password.chars().count() > 1000 {
        return Err(AppError::invalid("new_password", Text::key("error.auth.password_long")));
    }
    Ok(())
}

/// The user's own password change: the current password proves it is them. Ends all their
/// sessions and API tokens; the caller starts a fresh session for the browser in hand.
pub fn change_password(
    conn: &mut DbConn, actor: &Actor, current: &str, new: &str,
) -> AppResult<()> {
    let user = repo::find_by_id(conn, actor.user_id)?
        .ok_or_else(|| AppError::not_found("thing.account"))?;
    if !password_matches(current, &user.password_hash) {
        return Err(AppError::invalid(
            "current_password",
            Text::key("error.auth.wrong_current_password"),
        ));
    }
    replace_password(conn, &user, new, Some(actor.user_id), "user.password_change")
}

/// Stores a new password and ends every session and token of the user, in one transaction.
pub(crate) fn replace_password(
    conn: &mut DbConn, user: &User, new: &str, by: Option<UserId>, action: &str,
) -> AppResult<()> {
    check_new_password(new)?;
    let hash = hash_password(new)?;
    crate::db::write_transaction(conn, |conn| {
        repo::set_password_hash(conn, user.id, &hash)?;
        let (sessions, tokens) = end_everything_of(conn, user.id)?;
        audit::Entry::new(user.organisation_id, by, action)
            .on("user", Some(user.id.into()))
            .detail(&format!("{sessions} sessions, {tokens} tokens ended"))
            .record(conn)
    })
}

/// Sets a password from the command line (an operator's reset); ends sessions and tokens.
pub fn set_password(conn: &mut DbConn, email: &str, new: &str) -> AppResult<()> {
    let user = repo::find_by_email(conn, &email.trim().to_lowercase())?
        .ok_or_else(|| AppError::not_found("thing.account"))?;
    replace_password(conn, &user, new, None, "user.password_reset")
}

/// An admin (de)activates an account; deactivation ends its sessions and API tokens at once.
pub fn set_user_active(
    conn: &mut DbConn, actor: &Actor, user_id: UserId, active: bool,
) -> AppResult<User> {
    actor.require(&[Role::Admin])?;
    if user_id == actor.user_id && !active {
        return Err(AppError::conflict("error.auth.deactivate_self"));
    }
    let user =
        repo::find_by_id(conn, user_id)?.ok_or_else(|| AppError::not_found("thing.account"))?;
    crate::db::write_transaction(conn, |conn| {
        repo::set_active(conn, user.id, active)?;
        let ended = if active { (0, 0) } else { end_everything_of(conn, user.id)? };
        audit::Entry::new(
            user.organisation_id,
            Some(actor.user_id),
            if active { "user.activate" } else { "user.deactivate" },
        )
        .on("user", Some(user.id.into()))
        .detail(&format!("{} sessions, {} tokens ended", ended.0, ended.1))
        .record(conn)
    })?;
    Ok(User { active, ..user })
}

/// Deactivates an account by e-mail from the command line.
pub fn deactivate_by_email(conn: &mut DbConn, email: &str) -> AppResult<()> {
    let user = repo::find_by_email(conn, &email.trim().to_lowercase())?
        .ok_or_else(|| AppError::not_found("thing.account"))?;
    crate::db::write_transaction(conn, |conn| {
        repo::set_active(conn, user.id, false)?;
        let (sessions, tokens) = end_everything_of(conn, user.id)?;
        audit::Entry::new(user.organisation_id, None, "user.deactivate")
            .on("user", Some(user.id.into()))
            .detail(&format!("{sessions} sessions, {tokens} tokens ended"))
            .record(conn)
    })
}

pub(crate) fn token_hash(token: &str) -> String {
    data_encoding::HEXLOWER.encode(&Sha256::digest(token.as_bytes()))
}

/// Returns the bearer token once; only its hash is kept. `days` defaults to
/// [`API_TOKEN_DAYS`] and may be 1 to [`API_TOKEN_MAX_DAYS`].
pub fn issue_api_token(
    conn: &mut DbConn, actor: &Actor, label: &str, days: Option<i64>,
) -> AppResult<(String, ApiTokenInfo)> {
    let label = validate::required_text("label", "label.token_name", label, 80)?;
    let days = days.unwrap_or(API_TOKEN_DAYS);
    if !(1..=API_TOKEN_MAX_DAYS).contains(&days) {
        return Err(AppError::invalid(
            "expires_in_days",
            Text::key("error.auth.token_days").arg("max", API_TOKEN_MAX_DAYS),
        ));
    }
    let token = random_secret("ms_");
    let now = crate::time::now_utc();
    let row = repo::insert_api_token(
        conn,
        &ApiTokenInsertForm {
            user_id: actor.user_id,
            token_hash: token_hash(&token),
            label,
            created_at: now,
            expires_at: now + Duration::days(days),
        },
    )?;
    audit::Entry::new(actor.organisation_id, Some(actor.user_id), "api_token.create")
        .on("api_token", Some(row.id.into()))
        .detail(&format!("{days} days"))
        .record(conn)?;
    Ok((token, ApiTokenInfo::from_row(row, None, now)))
}

pub fn actor_for_api_token(conn: &mut DbConn, token: &str) -> AppResult<Option<Actor>> {
    let now = crate::time::now_utc();
    match repo::user_for_token_hash(conn, &token_hash(token), now)? {
        Some((id, last_used, user)) if user.active => {
            if last_used.is_none_or(|t| now - t > Duration::seconds(TOUCH_EVERY_SECS)) {
                repo::touch_token(conn, id, now)?;
            }
            Ok(Some(Actor::from_user(&user)?))
        }
        _ => Ok(None),
    }
}

/// The caller's own API tokens, newest first.
pub fn my_tokens(conn: &mut DbConn, actor: &Actor) -> AppResult<Vec<ApiTokenInfo>> {
    let now = crate::time::now_utc();
    Ok(repo::tokens_of_user(conn, actor.user_id)?
        .into_iter()
        .map(|t| ApiTokenInfo::from_row(t, None, now))
        .collect())
}

/// Revokes one of the caller's own tokens (404 for anyone else's).
pub fn revoke_my_token(conn: &mut DbConn, actor: &Actor, id: TokenId) -> AppResult<()> {
    if !repo::delete_token(conn, actor.user_id, id)? {
        return Err(AppError::not_found("thing.token"));
    }
    audit::Entry::new(actor.organisation_id, Some(actor.user_id), "api_token.revoke")
        .on("api_token", Some(id.into()))
        .detail("own")
        .record(conn)
}

/// An admin's view of the API tokens of an organisation's users.
pub fn organisation_tokens(
    conn: &mut DbConn, actor: &Actor, organisation_id: OrgId,
) -> AppResult<Vec<ApiTokenInfo>> {
    actor.require(&[Role::Admin])?;
    let now = crate::time::now_utc();
    Ok(repo::tokens_of_organisation(conn, organisation_id)?
        .into_iter()
        .map(|(t, email)| ApiTokenInfo::from_row(t, Some(email), now))
        .collect())
}

/// An admin revokes a token of one of an organisation's users.
pub fn revoke_organisation_token(
    conn: &mut DbConn, actor: &Actor, organisation_id: OrgId, id: TokenId,
) -> AppResult<()> {
    actor.require(&[Role::Admin])?;
    let token = repo::token_in_organisation(conn, organisation_id, id)?
        .ok_or_else(|| AppError::not_found("thing.token"))?;
    repo::delete_token(conn, token.user_id, token.id)?;
    audit::Entry::new(Some(organisation_id), Some(actor.user_id), "api_token.revoke")
        .on("api_token", Some(id.into()))
        .detail("by admin")
        .record(conn)
}

/// The people of an organisation who may lead a session (trainers and coordinators).
pub fn trainers_of(conn: &mut DbConn, org: OrgId) -> AppResult<Vec<User>> {
    repo::trainers_of(conn, org)
}

/// An API token as the account and organisation pages list it: local times, never the
/// token itself.
#[derive(Debug, Serialize)]
pub struct TokenLine {
    pub id: TokenId,
    pub label: String,
    pub owner_email: Option<String>,
    pub created: String,
    pub expires: String,
    pub last_used: Option<String>,
    pub expired: bool,
}

impl From<&ApiTokenInfo> for TokenLine {
    fn from(t: &ApiTokenInfo) -> Self {
        let local = |d: chrono::DateTime<Utc>| crate::time::fmt_datetime(d.naive_utc());
        TokenLine {
            id: t.id,
            label: t.label.clone(),
            owner_email: t.owner_email.clone(),
            created: local(t.created_at),
            expires: local(t.expires_at),
            last_used: t.last_used_at.map(local),
            expired: t.expired,
        }
    }
}

/// A token just made, shown once on the account page.
#[derive(Debug, Serialize, Deserialize)]
pub struct NewToken {
    pub token: String,
    pub label: String,
}

#[derive(Debug, Serialize)]
pub struct AccountSummary {
    pub name: String,
    pub email: String,
    pub role: Role,
}

/// The account page: who is logged in, their API tokens, and the forms for a new
/// password and a new token.
#[derive(Debug, Serialize)]
pub struct AccountPage {
    pub account: AccountSummary,
    pub tokens: Vec<TokenLine>,
    pub max_days: i64,
    pub new_token: Option<NewToken>,
    /// The new-token form as typed, shown again when it was refused.
    pub token_label: String,
    pub token_days: String,
}

pub fn account_page(conn: &mut DbConn, actor: &Actor) -> AppResult<AccountPage> {
    Ok(AccountPage {
        account: AccountSummary {
            name: actor.display_name.clone(),
            email: actor.email.clone(),
            role: actor.role,
        },
        tokens: my_tokens(conn, actor)?.iter().map(TokenLine::from).collect(),
        max_days: API_TOKEN_MAX_DAYS,
        new_token: None,
        token_label: String::new(),
        token_days: API_TOKEN_DAYS.to_string(),
    })
}

/// The password change of the account page: the new password typed twice alike, the
/// current one right. Every other login and token of the person ends; the browser in hand
/// continues with the returned new session secret.
pub fn change_own_password(
    conn: &mut DbConn, actor: &Actor, current: &str, new: &str, new_again: &str,
) -> AppResult<String> {
    if new != new_again {
        return Err(AppError::invalid(
            "new_password_again",
            Text::key("error.auth.passwords_differ"),
        ));
    }
    change_password(conn, actor, current, new)?;
    start_session(conn, actor.user_id)
}

/// The account with this id, for the use cases of the domains above (e.g. checking a
/// trainer chosen for a session).
pub fn user(conn: &mut DbConn, user_id: UserId) -> AppResult<Option<User>> {
    repo::find_by_id(conn, user_id)
}

// The accounts of an organisation as coordinators and admins manage them (`orgs::team`,
// which checks the caller's role and organisation before it calls these).

/// A new account for a person invited by mail: no password yet ([`NO_PASSWORD`]), so
/// nobody can log in to it until the person has followed the invitation's link.
pub fn create_invited(
    conn: &mut DbConn, by: &Actor, organisation_id: OrgId, email: &str, display_name: &str,
    role: Role,
) -> AppResult<User> {
    let display_name = validate::required_text("display_name", "label.name", display_name, 120)?;
    let email = validate::email("email", email)?;
    if matches!(role, Role::Admin | Role::Programme) {
        return Err(AppError::invalid("role", Text::key("error.orgs.admin_in_org")));
    }
    if repo::find_by_email(conn, &email)?.is_some() {
        return Err(AppError::invalid("email", Text::key("error.auth.email_taken")));
    }
    let user = repo::insert_user(
        conn,
        &UserInsertForm {
            organisation_id: Some(organisation_id),
            programme_id: None,
            email,
            display_name,
            password_hash: NO_PASSWORD.to_string(),
            role,
            active: true,
            created_at: crate::time::now_utc(),
        },
    )?;
    audit::Entry::new(Some(organisation_id), Some(by.user_id), "user.invite")
        .on("user", Some(user.id.into()))
        .detail(role.code())
        .record(conn)?;
    Ok(user)
}

/// A new account of a programme's office ("Programmkoordination"), invited by mail like an
/// organisation's accounts; `programmes` has checked that the caller is an admin.
pub fn create_invited_for_programme(
    conn: &mut DbConn, by: &Actor, programme_id: ProgrammeId, email: &str, display_name: &str,
) -> AppResult<User> {
    let display_name = validate::required_text("display_name", "label.name", display_name, 120)?;
    let email = validate::email("email", email)?;
    if repo::find_by_email(conn, &email)?.is_some() {
        return Err(AppError::invalid("email", Text::key("error.auth.email_taken")));
    }
    let user = repo::insert_user(
        conn,
        &UserInsertForm {
            organisation_id: None,
            programme_id: Some(programme_id),
            email,
            display_name,
            password_hash: NO_PASSWORD.to_string(),
            role: Role::Programme,
            active: true,
            created_at: crate::time::now_utc(),
        },
    )?;
    audit::Entry::new(None, Some(by.user_id), "user.invite")
        .on("user", Some(user.id.into()))
        .detail(&format!("programme {programme_id}"))
        .record(conn)?;
    Ok(user)
}

/// The account `user_id` if it belongs to `organisation_id` (404 for any other).
pub fn account_in(conn: &mut DbConn, organisation_id: OrgId, user_id: UserId) -> AppResult<User> {
    repo::find_by_id(conn, user_id)?
        .filter(|u| u.organisation_id == Some(organisation_id))
        .ok_or_else(|| AppError::not_found("thing.account"))
}

/// The accounts of an organisation, by name (for use cases that have checked the caller).
pub fn accounts_in(conn: &mut DbConn, organisation_id: OrgId) -> AppResult<Vec<User>> {
    repo::list_for_organisation(conn, organisation_id)
}

/// When each open invitation of the organisation's accounts expires.
pub fn open_invitations(
    conn: &mut DbConn, organisation_id: OrgId,
) -> AppResult<std::collections::HashMap<UserId, chrono::NaiveDateTime>> {
    Ok(repo::open_invitations(conn, organisation_id, crate::time::now_utc())?.into_iter().collect())
}

/// How many browser sessions and API tokens of the account are live (what deactivating
/// it ends).
pub fn live_access_of(conn: &mut DbConn, user_id: UserId) -> AppResult<(i64, i64)> {
    Ok((repo::count_sessions_of_user(conn, user_id)?, repo::count_tokens_of_user(conn, user_id)?))
}

/// How many other active coordinators the organisation has besides `except`.
pub fn other_coordinators(conn: &mut DbConn, org: OrgId, except: UserId) -> AppResult<i64> {
    repo::other_active_coordinators(conn, org, except)
}

/// Renames an account; the log says that it happened, not the names.
pub fn rename(conn: &mut DbConn, by: &Actor, user: &User, display_name: &str) -> AppResult<()> {
    repo::set_display_name(conn, user.id, display_name)?;
    audit::Entry::new(user.organisation_id, Some(by.user_id), "user.rename")
        .on("user", Some(user.id.into()))
        .record(conn)
}

/// Gives an account another role; it applies from the account's next request on.
pub fn change_role(conn: &mut DbConn, by: &Actor, user: &User, role: Role) -> AppResult<()> {
    repo::set_role(conn, user.id, role)?;
    audit::Entry::new(user.organisation_id, Some(by.user_id), "user.role_change")
        .on("user", Some(user.id.into()))
        .detail(&format!("{}→{}", user.role.code(), role.code()))
        .record(conn)
}

/// (De)activates an account; deactivation ends its sessions, API tokens and links at once.
/// Returns how many sessions and tokens ended.
pub fn change_active(
    conn: &mut DbConn, by: &Actor, user: &User, active: bool,
) -> AppResult<(usize, usize)> {
    repo::set_active(conn, user.id, active)?;
    let ended = if active { (0, 0) } else { end_everything_of(conn, user.id)? };
    audit::Entry::new(
        user.organisation_id,
        Some(by.user_id),
        if active { "user.activate" } else { "user.deactivate" },
    )
    .on("user", Some(user.id.into()))
    .detail(&format!("{} sessions, {} tokens ended", ended.0, ended.1))
    .record(conn)?;
    Ok(ended)
}
