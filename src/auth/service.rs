use std::sync::LazyLock;

use argon2::password_hash::{rand_core::OsRng, PasswordHash, PasswordHasher, SaltString};
use argon2::{Argon2, PasswordVerifier};
use chrono::{Duration, Utc};
use rand::RngCore;
use sha2::{Digest, Sha256};

use super::models::{Actor, ApiTokenInsertForm, Role, User, UserInsertForm};
use super::repo;
use crate::audit;
use crate::db::DbConn;
use crate::error::{AppError, AppResult};
use crate::validate;

pub const MIN_PASSWORD_LEN: usize = 10;
const API_TOKEN_DAYS: i64 = 90;

pub fn hash_password(password: &str) -> AppResult<String> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| AppError::Internal(anyhow::anyhow!("hashing password: {e}")))
}

fn password_matches(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash)
        .map(|parsed| {
            Argon2::default()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok()
        })
        .unwrap_or(false)
}

/// Spent on unknown emails so response time does not reveal which accounts exist.
static DUMMY_HASH: LazyLock<String> =
    LazyLock::new(|| hash_password("not-a-real-password").unwrap_or_default());

pub struct NewUser {
    pub organisation_id: Option<i32>,
    pub email: String,
    pub display_name: String,
    pub password: String,
    pub role: Role,
}

pub fn create_user(conn: &mut DbConn, actor: Option<&Actor>, input: NewUser) -> AppResult<User> {
    let email = validate::email("email", &input.email)?;
    let display_name = validate::required_text("display_name", "Name", &input.display_name, 120)?;
    if input.password.chars().count() < MIN_PASSWORD_LEN {
        return Err(AppError::invalid(
            "password",
            format!("Das Passwort muss mindestens {MIN_PASSWORD_LEN} Zeichen lang sein."),
        ));
    }
    if input.role != Role::Admin && input.organisation_id.is_none() {
        return Err(AppError::invalid(
            "organisation",
            "Koordinator:innen und Trainer:innen gehören zu einer Organisation.",
        ));
    }
    if repo::find_by_email(conn, &email)?.is_some() {
        return Err(AppError::Conflict(
            "Für diese E-Mail-Adresse gibt es schon ein Konto.".into(),
        ));
    }
    let form = UserInsertForm {
        organisation_id: if input.role == Role::Admin {
            None
        } else {
            input.organisation_id
        },
        email,
        display_name,
        password_hash: hash_password(&input.password)?,
        role: input.role.as_str().into(),
        active: true,
        created_at: Utc::now().naive_utc(),
    };
    let user = repo::insert_user(conn, &form)?;
    audit::record(
        conn,
        user.organisation_id,
        actor.map(|a| a.user_id),
        "user.create",
        "user",
        Some(user.id),
        user.role.as_str(),
    )?;
    Ok(user)
}

pub fn authenticate(conn: &mut DbConn, email: &str, password: &str) -> AppResult<Actor> {
    let wrong = || AppError::invalid("email", "E-Mail-Adresse oder Passwort ist falsch.");
    let email = email.trim().to_lowercase();
    match repo::find_by_email(conn, &email)? {
        Some(user) if user.active && password_matches(password, &user.password_hash) => {
            Actor::from_user(&user)
        }
        Some(_) => Err(wrong()),
        None => {
            let _ = password_matches(password, &DUMMY_HASH);
            Err(wrong())
        }
    }
}

pub fn actor_for_user_id(conn: &mut DbConn, user_id: i32) -> AppResult<Option<Actor>> {
    match repo::find_by_id(conn, user_id)? {
        Some(user) if user.active => Ok(Some(Actor::from_user(&user)?)),
        _ => Ok(None),
    }
}

fn token_hash(token: &str) -> String {
    data_encoding::HEXLOWER.encode(&Sha256::digest(token.as_bytes()))
}

/// Returns the bearer token once; only its hash is kept.
pub fn issue_api_token(conn: &mut DbConn, actor: &Actor, label: &str) -> AppResult<String> {
    let mut raw = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut raw);
    let token = format!("ms_{}", data_encoding::BASE64URL_NOPAD.encode(&raw));
    let now = Utc::now().naive_utc();
    repo::insert_api_token(
        conn,
        &ApiTokenInsertForm {
            user_id: actor.user_id,
            token_hash: token_hash(&token),
            label: label.chars().take(80).collect(),
            created_at: now,
            expires_at: now + Duration::days(API_TOKEN_DAYS),
        },
    )?;
    Ok(token)
}

pub fn actor_for_api_token(conn: &mut DbConn, token: &str) -> AppResult<Option<Actor>> {
    let now = Utc::now().naive_utc();
    match repo::user_for_token_hash(conn, &token_hash(token), now)? {
        Some(user) if user.active => Ok(Some(Actor::from_user(&user)?)),
        _ => Ok(None),
    }
}
