//! One-time links sent by mail: the invitation to choose the first password of a new
//! account, and the new password after "Passwort vergessen?".
//!
//! Rules:
//! - Only the SHA-256 of a link's secret is stored (`account_links`); the secret is in the
//!   mail and nowhere else, never in a log.
//! - An invitation is valid 7 days, a reset link 1 hour ([`LinkPurpose::valid_for`]). A new
//!   link of the same kind ends the earlier ones; using a link ends every other open link
//!   of the account, its sessions and its API tokens, and logs the person in.
//! - A link is used at most once, also when two requests use it at the same moment: the
//!   claim is a conditional update that only one of them can make.
//! - Asking for a reset answers the same whether the address has an account or not; a
//!   deactivated account gets no mail. Requests are throttled per client address (429) and
//!   per address asked for (beyond the limit: the same answer, no further mail).

use chrono::NaiveDateTime;
use serde::Serialize;
use serde_json::json;

use super::models::{AccountLink, AccountLinkInsertForm, Actor, LinkPurpose, User};
use super::service::{
    check_new_password, end_everything_of, hash_password, random_secret, start_session, token_hash,
    AuthSettings,
};
use super::{repo, throttle};
use crate::audit;
use crate::db::DbConn;
use crate::error::{AppError, AppResult};
use crate::i18n::Text;
use crate::mail::outbox::{self, About};
use crate::validate;

/// Where the invitation's link leads (followed by the secret).
pub const INVITATION_PATH: &str = "/konto/einrichten/";
/// Where the reset link leads (followed by the secret).
pub const RESET_PATH: &str = "/passwort-neu/";
/// Reset mails to one address within the throttle's window; further requests get the
/// same answer and no mail, so nobody can fill someone's inbox.
pub const RESET_ACCOUNT_LIMIT: usize = 3;
/// Reset requests from one client address within the window; further ones answer 429.
pub const RESET_ADDRESS_LIMIT: usize = 10;

fn path_of(purpose: LinkPurpose) -> &'static str {
    match purpose {
        LinkPurpose::Invitation => INVITATION_PATH,
        LinkPurpose::PasswordReset => RESET_PATH,
    }
}

/// The full address of a link, for the mail.
pub fn url(public_url: &str, purpose: LinkPurpose, secret: &str) -> String {
    format!("{}{}{secret}", public_url.trim_end_matches('/'), path_of(purpose))
}

/// A new link for `user`; the user's earlier unused links of the same purpose end. Returns
/// the link's secret (for the mail only) and when it expires.
pub fn issue(
    conn: &mut DbConn, user: &User, purpose: LinkPurpose,
) -> AppResult<(String, NaiveDateTime)> {
    let now = crate::time::now_utc();
    repo::close_links(conn, user.id, Some(purpose), now)?;
    let secret = random_secret("");
    let expires_at = now + purpose.valid_for();
    repo::insert_link(
        conn,
        &AccountLinkInsertForm {
            user_id: user.id,
            purpose,
            token_hash: token_hash(&secret),
            created_at: now,
            expires_at,
        },
    )?;
    Ok((secret, expires_at))
}

/// The answer for a link that cannot be used (unknown, used, expired, replaced by a newer
/// one, or its account deactivated): one sentence saying whom to ask, whatever the reason.
fn gone(purpose: LinkPurpose) -> AppError {
    AppError::Gone(Text::key(match purpose {
        LinkPurpose::Invitation => "error.account.invitation_gone",
        LinkPurpose::PasswordReset => "error.account.reset_gone",
    }))
}

fn live(
    conn: &mut DbConn, secret: &str, purpose: LinkPurpose, now: NaiveDateTime,
) -> AppResult<(AccountLink, User)> {
    if secret.is_empty() || secret.len() > 100 {
        return Err(gone(purpose));
    }
    match repo::link_by_hash(conn, &token_hash(secret))? {
        Some((link, user))
            if link.purpose == purpose
                && link.used_at.is_none()
                && link.expires_at > now
                && user.active =>
        {
            Ok((link, user))
        }
        _ => Err(gone(purpose)),
    }
}

/// What the page of a usable link shows: whose account it is, and until when it works.
#[derive(Debug, Serialize)]
pub struct LinkPage {
    pub display_name: String,
    pub email: String,
    pub purpose: LinkPurpose,
    pub expires: String,
    pub min_length: usize,
}

/// The page of a link, or 410 when it cannot be used (nothing is changed).
pub fn open(conn: &mut DbConn, secret: &str, purpose: LinkPurpose) -> AppResult<LinkPage> {
    let (link, user) = live(conn, secret, purpose, crate::time::now_utc())?;
    Ok(LinkPage {
        display_name: user.display_name,
        email: user.email,
        purpose,
        expires: crate::time::fmt_datetime(link.expires_at),
        min_length: super::service::MIN_PASSWORD_LEN,
    })
}

/// Uses the link: the password typed twice (the rules of every password change) becomes
/// the account's, every other session, API token and link of the account ends, and a new
/// browser session begins, whose secret is returned with the person.
pub fn redeem(
    conn: &mut DbConn, secret: &str, purpose: LinkPurpose, new: &str, new_again: &str,
) -> AppResult<(Actor, String)> {
    // A link that cannot be used says so before the passwords are judged.
    live(conn, secret, purpose, crate::time::now_utc())?;
    if new != new_again {
        return Err(AppError::invalid(
            "new_password_again",
            Text::key("error.auth.passwords_differ"),
        ));
    }
    check_new_password(new)?;
    let hash = hash_password(new)?;
    crate::db::write_transaction(conn, |conn| {
        let now = crate::time::now_utc();
        let (link, user) = live(conn, secret, purpose, now)?;
        if !repo::claim_link(conn, link.id, now)? {
            return Err(gone(purpose));
        }
        repo::set_password_hash(conn, user.id, &hash)?;
        let (sessions, tokens) = end_everything_of(conn, user.id)?;
        let action = match purpose {
            LinkPurpose::Invitation => "auth.invitation_accepted",
            LinkPurpose::PasswordReset => "auth.password_reset",
        };
        audit::Entry::new(user.organisation_id, Some(user.id), action)
            .on("user", Some(user.id.into()))
            .detail(&format!("{sessions} sessions, {tokens} tokens ended"))
            .record(conn)?;
        let session = start_session(conn, user.id)?;
        Ok((Actor::from_user(&user)?, session))
    })
}

/// "Passwort vergessen?": a reset link by mail to the account of `email`, if there is one
/// and it is active. The answer is the same either way (a 429 only says the client asked
/// too often, never whether the account exists).
pub fn request_password_reset(
    conn: &mut DbConn, auth: &AuthSettings, public_url: &str, email: &str, client: std::net::IpAddr,
) -> AppResult<()> {
    let email = validate::email("email", email)?;
    let now = crate::time::now_utc();
    let since = now - throttle::window();
    let address = auth.key_hash(&format!("reset {}", throttle::address_key(client)));
    let account = auth.key_hash(&format!("reset {}", throttle::account_key(&email)));
    let times = |rows: Vec<(i32, NaiveDateTime)>| -> Vec<NaiveDateTime> {
        rows.into_iter().map(|(_, at)| at).collect()
    };
    crate::db::write_transaction(conn, |conn| {
        let from_address = times(repo::login_failures_since(conn, &address, since)?);
        if let Some(wait) = throttle::wait(&from_address, RESET_ADDRESS_LIMIT, now) {
            return Err(AppError::Throttled {
                retry_after_secs: wait.num_seconds().max(1) as u64,
                message: throttle::until("error.account.reset_throttled", wait, now),
            });
        }
        repo::insert_login_failure(conn, &address, now)?;
        let for_account = times(repo::login_failures_since(conn, &account, since)?);
        let quiet = throttle::wait(&for_account, RESET_ACCOUNT_LIMIT, now).is_some();
        if !quiet {
            repo::insert_login_failure(conn, &account, now)?;
        }
        let Some(user) = repo::find_by_email(conn, &email)? else {
            return Ok(());
        };
        let outcome = if !user.active {
            "inactive, no mail"
        } else if quiet {
            "throttled, no mail"
        } else {
            let purpose = LinkPurpose::PasswordReset;
            let (secret, _) = issue(conn, &user, purpose)?;
            let ctx = json!({
                "name": user.display_name,
                "link": url(public_url, purpose, &secret),
                "minutes": purpose.valid_for().num_minutes(),
            });
            outbox::enqueue(
                conn,
                user.organisation_id,
                About::Nobody,
                &user.email,
                "account_password_reset",
                &ctx,
                None,
            )?;
            "mail queued"
        };
        audit::Entry::new(user.organisation_id, None, "auth.password_reset_request")
            .on("user", Some(user.id.into()))
            .detail(outcome)
            .record(conn)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_lead_to_their_page_under_the_public_address() {
        assert_eq!(
            url("https://schulung.example.org/", LinkPurpose::Invitation, "abc"),
            "https://schulung.example.org/konto/einrichten/abc"
        );
        assert_eq!(
            url("http://127.0.0.1:8080", LinkPurpose::PasswordReset, "xyz"),
            "http://127.0.0.1:8080/passwort-neu/xyz"
        );
    }
}
