//! `user create | set-password | deactivate`: account management by the operator (no
//! acting user, so no role check). `user create` is the bootstrap of the first admin;
//! everyone else is invited by mail from the web (`orgs::team`) and chooses their own
//! password. Passwords are never taken from the command line:
//! they are read from stdin, or prompted for on a terminal. Setting a password or
//! deactivating ends all the user's sessions and API tokens. Exits 1 with the
//! service's message when the input is refused.

use std::io::{BufRead, IsTerminal};

use clap::Subcommand;

use super::{org_by_slug, user_error};
use crate::auth::{self, Role};
use crate::config::Settings;
use crate::startup::AppState;

#[derive(Subcommand)]
pub(super) enum UserCommand {
    /// Create a user; the password is read from stdin (or prompted for).
    Create {
        /// Organisation slug (not for admins).
        #[arg(long)]
        org: Option<String>,
        #[arg(long)]
        email: String,
        /// admin, coordinator, trainer or referrer.
        #[arg(long)]
        role: String,
        /// Display name (default: the part of the email before @).
        #[arg(long)]
        name: Option<String>,
    },
    /// Set a user's password (read from stdin or prompted for); ends all their sessions and
    /// API tokens.
    SetPassword {
        #[arg(long)]
        email: String,
    },
    /// Deactivate a user: they can no longer log in, and their sessions and API tokens end.
    Deactivate {
        #[arg(long)]
        email: String,
    },
}

pub(super) fn run(settings: &Settings, command: UserCommand) -> anyhow::Result<()> {
    match command {
        UserCommand::Create { org, email, role, name } => create(settings, org, email, role, name),
        UserCommand::SetPassword { email } => set_password(settings, email),
        UserCommand::Deactivate { email } => deactivate(settings, email),
    }
}

fn create(
    settings: &Settings, org: Option<String>, email: String, role: String, name: Option<String>,
) -> anyhow::Result<()> {
    let password = read_password()?;
    let state = AppState::new(settings)?;
    let user = state
        .db
        .run_blocking(|conn| {
            let role = Role::parse(&role)?;
            let organisation_id = match org {
                Some(slug) => Some(org_by_slug(conn, &slug)?.id),
                None => None,
            };
            let display_name =
                name.unwrap_or_else(|| email.split('@').next().unwrap_or("").to_string());
            auth::service::create_user(
                conn,
                None,
                auth::service::NewUser { organisation_id, email, display_name, password, role },
            )
        })
        .map_err(user_error)?;
    println!("created {} ({})", user.email, user.role);
    Ok(())
}

fn set_password(settings: &Settings, email: String) -> anyhow::Result<()> {
    let password = read_password()?;
    let state = AppState::new(settings)?;
    state
        .db
        .run_blocking(|conn| auth::service::set_password(conn, &email, &password))
        .map_err(user_error)?;
    println!("password set; all sessions and API tokens of {email} ended");
    Ok(())
}

fn deactivate(settings: &Settings, email: String) -> anyhow::Result<()> {
    let state = AppState::new(settings)?;
    state
        .db
        .run_blocking(|conn| auth::service::deactivate_by_email(conn, &email))
        .map_err(user_error)?;
    println!("deactivated {email}; all sessions and API tokens ended");
    Ok(())
}

/// One line from stdin when piped (so scripts can set passwords), a hidden prompt on a
/// terminal.
fn read_password() -> anyhow::Result<String> {
    if std::io::stdin().is_terminal() {
        Ok(rpassword::prompt_password("Passwort: ")?)
    } else {
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line)?;
        Ok(line.trim_end_matches(['\r', '\n']).to_string())
    }
}
