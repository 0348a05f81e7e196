use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::models::{
    AccountLink, AccountLinkInsertForm, ApiTokenInsertForm, ApiTokenRow, LinkPurpose, Role, User,
    UserInsertForm, UserSession, UserSessionInsertForm,
};
use crate::db::schema::{account_links, api_tokens, login_failures, user_sessions, users};
use crate::db::DbConn;
use crate::error::AppResult;
use crate::ids::{OrgId, TokenId, UserId};

pub fn insert_user(conn: &mut DbConn, form: &UserInsertForm) -> AppResult<User> {
    Ok(diesel::insert_into(users::table).values(form).get_result(conn)?)
}

pub fn find_by_email(conn: &mut DbConn, email: &str) -> AppResult<Option<User>> {
    Ok(users::table
        .filter(users::email.eq(email))
        .select(User::as_select())
        .first(conn)
        .optional()?)
}

pub fn find_by_id(conn: &mut DbConn, id: UserId) -> AppResult<Option<User>> {
    Ok(users::table.find(id).select(User::as_select()).first(conn).optional()?)
}

pub fn list_for_organisation(conn: &mut DbConn, organisation_id: OrgId) -> AppResult<Vec<User>> {
    Ok(users::table
        .filter(users::organisation_id.eq(organisation_id))
        .order(users::display_name.asc())
        .select(User::as_select())
        .load(conn)?)
}

pub fn trainers_of(conn: &mut DbConn, organisation_id: OrgId) -> AppResult<Vec<User>> {
    Ok(users::table
        .filter(users::organisation_id.eq(organisation_id))
        .filter(users::role.eq_any([Role::Trainer, Role::Coordinator]))
        .filter(users::active.eq(true))
        .order(users::display_name.asc())
        .select(User::as_select())
        .load(conn)?)
}

pub fn insert_api_token(conn: &mut DbConn, form: &ApiTokenInsertForm) -> AppResult<ApiTokenRow> {
    let id: TokenId = diesel::insert_into(api_tokens::table)
        .values(form)
        .returning(api_tokens::id)
        .get_result(conn)?;
    Ok(api_tokens::table.find(id).select(ApiTokenRow::as_select()).first(conn)?)
}

pub fn user_for_token_hash(
    conn: &mut DbConn, hash: &str, now: NaiveDateTime,
) -> AppResult<Option<(TokenId, Option<NaiveDateTime>, User)>> {
    Ok(api_tokens::table
        .inner_join(users::table)
        .filter(api_tokens::token_hash.eq(hash))
        .filter(api_tokens::expires_at.gt(now))
        .select((api_tokens::id, api_tokens::last_used_at, User::as_select()))
        .first(conn)
        .optional()?)
}

pub fn touch_token(conn: &mut DbConn, id: TokenId, now: NaiveDateTime) -> AppResult<()> {
    diesel::update(api_tokens::table.find(id))
        .set(api_tokens::last_used_at.eq(Some(now)))
        .execute(conn)?;
    Ok(())
}

pub fn tokens_of_user(conn: &mut DbConn, user_id: UserId) -> AppResult<Vec<ApiTokenRow>> {
    Ok(api_tokens::table
        .filter(api_tokens::user_id.eq(user_id))
        .order(api_tokens::created_at.desc())
        .select(ApiTokenRow::as_select())
        .load(conn)?)
}

/// The tokens of an organisation's users, with the owner's e-mail.
pub fn tokens_of_organisation(
    conn: &mut DbConn, organisation_id: OrgId,
) -> AppResult<Vec<(ApiTokenRow, String)>> {
    Ok(api_tokens::table
        .inner_join(users::table)
        .filter(users::organisation_id.eq(organisation_id))
        .order((users::email.asc(), api_tokens::created_at.desc()))
        .select((ApiTokenRow::as_select(), users::email))
        .load(conn)?)
}

/// The token `id` if it belongs to a user of `organisation_id`.
pub fn token_in_organisation(
    conn: &mut DbConn, organisation_id: OrgId, id: TokenId,
) -> AppResult<Option<ApiTokenRow>> {
    Ok(api_tokens::table
        .inner_join(users::table)
        .filter(users::organisation_id.eq(organisation_id))
        .filter(api_tokens::id.eq(id))
        .select(ApiTokenRow::as_select())
        .first(conn)
        .optional()?)
}

/// Deletes token `id` of `user_id`; false when there is no such token of that user.
pub fn delete_token(conn: &mut DbConn, user_id: UserId, id: TokenId) -> AppResult<bool> {
    let n = diesel::delete(
        api_tokens::table.filter(api_tokens::id.eq(id)).filter(api_tokens::user_id.eq(user_id)),
    )
    .execute(conn)?;
    Ok(n > 0)
}

pub fn delete_tokens_of_user(conn: &mut DbConn, user_id: UserId) -> AppResult<usize> {
    Ok(diesel::delete(api_tokens::table.filter(api_tokens::user_id.eq(user_id))).execute(conn)?)
}

pub fn insert_session(conn: &mut DbConn, form: &UserSessionInsertForm) -> AppResult<()> {
    diesel::insert_into(user_sessions::table).values(form).execute(conn)?;
    Ok(())
}

pub fn session_with_user(
    conn: &mut DbConn, secret_hash: &str,
) -> AppResult<Option<(UserSession, User)>> {
    Ok(user_sessions::table
        .inner_join(users::table)
        .filter(user_sessions::secret_hash.eq(secret_hash))
        .select((UserSession::as_select(), User::as_select()))
        .first(conn)
        .optional()?)
}

pub fn touch_session(conn: &mut DbConn, id: i32, now: NaiveDateTime) -> AppResult<()> {
    diesel::update(user_sessions::table.find(id))
        .set(user_sessions::last_seen_at.eq(now))
        .execute(conn)?;
    Ok(())
}

pub fn delete_session(conn: &mut DbConn, secret_hash: &str) -> AppResult<()> {
    diesel::delete(user_sessions::table.filter(user_sessions::secret_hash.eq(secret_hash)))
        .execute(conn)?;
    Ok(())
}

pub fn delete_session_by_id(conn: &mut DbConn, id: i32) -> AppResult<()> {
    diesel::delete(user_sessions::table.find(id)).execute(conn)?;
    Ok(())
}

pub fn delete_sessions_of_user(conn: &mut DbConn, user_id: UserId) -> AppResult<usize> {
    Ok(diesel::delete(user_sessions::table.filter(user_sessions::user_id.eq(user_id)))
        .execute(conn)?)
}

pub fn sessions_of_user(conn: &mut DbConn, user_id: UserId) -> AppResult<Vec<UserSession>> {
    Ok(user_sessions::table
        .filter(user_sessions::user_id.eq(user_id))
        .order(user_sessions::last_seen_at.desc())
        .select(UserSession::as_select())
        .load(conn)?)
}

/// Removes sessions idle since before `idle_before` or begun before `created_before`.
pub fn purge_sessions(
    conn: &mut DbConn, idle_before: NaiveDateTime, created_before: NaiveDateTime,
) -> AppResult<usize> {
    Ok(diesel::delete(
        user_sessions::table.filter(
            user_sessions::last_seen_at
                .lt(idle_before)
                .or(user_sessions::created_at.lt(created_before)),
        ),
    )
    .execute(conn)?)
}

pub fn set_password_hash(conn: &mut DbConn, user_id: UserId, hash: &str) -> AppResult<()> {
    diesel::update(users::table.find(user_id)).set(users::password_hash.eq(hash)).execute(conn)?;
    Ok(())
}

pub fn set_active(conn: &mut DbConn, user_id: UserId, active: bool) -> AppResult<()> {
    diesel::update(users::table.find(user_id)).set(users::active.eq(active)).execute(conn)?;
    Ok(())
}

/// Records an attempt under `key_hash`; returns its id.
pub fn insert_login_failure(
    conn: &mut DbConn, key_hash: &str, now: NaiveDateTime,
) -> AppResult<i32> {
    Ok(diesel::insert_into(login_failures::table)
        .values((login_failures::key_hash.eq(key_hash), login_failures::failed_at.eq(now)))
        .returning(login_failures::id)
        .get_result(conn)?)
}

/// The attempts under `key_hash` since `since`, oldest first, with their ids.
pub fn login_failures_since(
    conn: &mut DbConn, key_hash: &str, since: NaiveDateTime,
) -> AppResult<Vec<(i32, NaiveDateTime)>> {
    Ok(login_failures::table
        .filter(login_failures::key_hash.eq(key_hash))
        .filter(login_failures::failed_at.gt(since))
        .order((login_failures::failed_at.asc(), login_failures::id.asc()))
        .select((login_failures::id, login_failures::failed_at))
        .limit(1000)
        .load(conn)?)
}

pub fn delete_login_failures(conn: &mut DbConn, ids: &[i32]) -> AppResult<()> {
    diesel::delete(login_failures::table.filter(login_failures::id.eq_any(ids))).execute(conn)?;
    Ok(())
}

pub fn clear_login_failures(conn: &mut DbConn, key_hash: &str) -> AppResult<()> {
    diesel::delete(login_failures::table.filter(login_failures::key_hash.eq(key_hash)))
        .execute(conn)?;
    Ok(())
}

pub fn purge_login_failures(conn: &mut DbConn, before: NaiveDateTime) -> AppResult<usize> {
    Ok(diesel::delete(login_failures::table.filter(login_failures::failed_at.lt(before)))
        .execute(conn)?)
}

pub fn set_display_name(conn: &mut DbConn, user_id: UserId, name: &str) -> AppResult<()> {
    diesel::update(users::table.find(user_id)).set(users::display_name.eq(name)).execute(conn)?;
    Ok(())
}

pub fn set_role(conn: &mut DbConn, user_id: UserId, role: Role) -> AppResult<()> {
    diesel::update(users::table.find(user_id)).set(users::role.eq(role)).execute(conn)?;
    Ok(())
}

/// The active coordinators of an organisation other than `except`.
pub fn other_active_coordinators(
    conn: &mut DbConn, organisation_id: OrgId, except: UserId,
) -> AppResult<i64> {
    Ok(users::table
        .filter(users::organisation_id.eq(organisation_id))
        .filter(users::role.eq(Role::Coordinator))
        .filter(users::active.eq(true))
        .filter(users::id.ne(except))
        .count()
        .get_result(conn)?)
}

pub fn count_sessions_of_user(conn: &mut DbConn, user_id: UserId) -> AppResult<i64> {
    Ok(user_sessions::table.filter(user_sessions::user_id.eq(user_id)).count().get_result(conn)?)
}

pub fn count_tokens_of_user(conn: &mut DbConn, user_id: UserId) -> AppResult<i64> {
    Ok(api_tokens::table.filter(api_tokens::user_id.eq(user_id)).count().get_result(conn)?)
}

pub fn insert_link(conn: &mut DbConn, form: &AccountLinkInsertForm) -> AppResult<()> {
    diesel::insert_into(account_links::table).values(form).execute(conn)?;
    Ok(())
}

/// The link whose secret hashes to `hash`, with its account.
pub fn link_by_hash(conn: &mut DbConn, hash: &str) -> AppResult<Option<(AccountLink, User)>> {
    Ok(account_links::table
        .inner_join(users::table)
        .filter(account_links::token_hash.eq(hash))
        .select((AccountLink::as_select(), User::as_select()))
        .first(conn)
        .optional()?)
}

/// Marks the link used if nobody has yet; false when someone was first. The condition is
/// checked again under the row's lock, so of two requests at once exactly one gets true.
pub fn claim_link(conn: &mut DbConn, id: i32, now: NaiveDateTime) -> AppResult<bool> {
    let n = diesel::update(
        account_links::table
            .filter(account_links::id.eq(id))
            .filter(account_links::used_at.is_null()),
    )
    .set(account_links::used_at.eq(Some(now)))
    .execute(conn)?;
    Ok(n == 1)
}

/// Ends the unused links of a user (of one purpose, or all): they count as used from now.
pub fn close_links(
    conn: &mut DbConn, user_id: UserId, purpose: Option<LinkPurpose>, now: NaiveDateTime,
) -> AppResult<usize> {
    let open = account_links::table
        .filter(account_links::user_id.eq(user_id))
        .filter(account_links::used_at.is_null());
    let n = match purpose {
        Some(p) => diesel::update(open.filter(account_links::purpose.eq(p)))
            .set(account_links::used_at.eq(Some(now)))
            .execute(conn)?,
        None => diesel::update(open).set(account_links::used_at.eq(Some(now))).execute(conn)?,
    };
    Ok(n)
}

/// When the open invitations of an organisation's accounts expire, per account (the
/// latest, should there be more than one).
pub fn open_invitations(
    conn: &mut DbConn, organisation_id: OrgId, now: NaiveDateTime,
) -> AppResult<Vec<(UserId, NaiveDateTime)>> {
    Ok(account_links::table
        .inner_join(users::table)
        .filter(users::organisation_id.eq(organisation_id))
        .filter(account_links::purpose.eq(LinkPurpose::Invitation))
        .filter(account_links::used_at.is_null())
        .filter(account_links::expires_at.gt(now))
        .order(account_links::expires_at.asc())
        .select((account_links::user_id, account_links::expires_at))
        .load(conn)?)
}
