//! The `mietschulung` command line: serve, migrate, user, org, keys, demo, verify, check,
//! erase, healthcheck, backup, restore.
//!
//! This file holds the command definitions and the dispatch only; each command group
//! lives in its own module and calls the domains' service functions, as the web pages
//! and the JSON API do, not their repositories (one marked stopgap below).
//!
//! Exit codes: 0 on success; 1 on any error (printed as `Fehler: …` by `main.rs`) and,
//! for `verify`, when the certificate is not valid, and for `check`, when a rule is broken,
//! and for `healthcheck`, when the service is not ready; 2 for a wrong command line (clap's
//! usage message).

mod backup;
mod check;
mod demo;
mod demo_year;
mod erase;
mod healthcheck;
mod keys;
mod org;
mod serve;
mod user;
mod verify;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::config::Settings;
use crate::db::DbConn;
use crate::error::AppError;
use crate::orgs;

#[derive(Parser)]
#[command(
    name = "mietschulung",
    version,
    about = "Tenant trainings for municipalities: planning, attendance, verifiable certificates"
)]
pub struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Run the web service (default).
    Serve {
        /// Address to listen on, e.g. 0.0.0.0:8080 (env MIETSCHULUNG_BIND).
        #[arg(long)]
        bind: Option<String>,
    },
    /// Apply pending database migrations and exit.
    Migrate,
    /// Manage user accounts.
    User {
        #[command(subcommand)]
        command: user::UserCommand,
    },
    /// Manage organisations (municipalities).
    Org {
        #[command(subcommand)]
        command: org::OrgCommand,
    },
    /// Manage certificate signing keys.
    Keys {
        #[command(subcommand)]
        command: keys::KeysCommand,
    },
    /// Create a demo organisation with a complete training and write its certificates
    /// (`--out DIR`), or a whole year of one Landkreis (`--scale year`).
    Demo {
        /// Directory for the certificate PDFs.
        #[arg(long, required_unless_present = "scale")]
        out: Option<PathBuf>,
        /// `year`: 40 runs, 600 participants, 1,000 certificates, 2 surveys (no PDFs written).
        #[arg(long, value_enum, conflicts_with = "out")]
        scale: Option<DemoScale>,
    },
    /// Check every guaranteed rule against the database; prints each violation and exits 1
    /// if there is any.
    Check,
    /// Erase what the retention periods make due (as the daily job does), or list it.
    Erase {
        /// Everything due now (the only selection so far; required).
        #[arg(long)]
        due: bool,
        /// List what would be erased; change nothing.
        #[arg(long)]
        dry_run: bool,
        /// Only this organisation (its slug).
        #[arg(long)]
        org: Option<String>,
    },
    /// Write one archive of the database (SQLite), the signing keys and the session key,
    /// while the service runs (README, "Sicherung und Wiederherstellung").
    Backup {
        /// The archive file to write (must not exist yet).
        #[arg(long)]
        out: PathBuf,
    },
    /// Restore an archive written by `backup`: checks it completely first; replaces
    /// existing data only with --force (the old data is kept aside).
    Restore {
        /// The archive file.
        file: PathBuf,
        /// Replace an existing database, keys directory or session key.
        #[arg(long)]
        force: bool,
    },
    /// Check a certificate URL or token offline against a JWKS; exits 1 when invalid.
    Verify {
        /// The URL from the QR code, or the bare base32 token.
        input: String,
        /// JWKS file or URL (default: <host of the URL>/.well-known/jwks.json).
        #[arg(long)]
        jwks: Option<String>,
        /// Signed revocation list, file or URL (default: <host of the URL>/.well-known/revoked);
        /// `none` skips the revocation check (the answer then says so).
        #[arg(long)]
        revoked: Option<String>,
    },
    /// Ask the running service at the configured address whether it is ready (`/readyz`):
    /// exit 0 when it is, else 1 with the reason (a container's HEALTHCHECK).
    Healthcheck {
        /// Address the service listens on (default: MIETSCHULUNG_BIND).
        #[arg(long)]
        bind: Option<String>,
    },
}

/// How much `demo` creates besides the one sample training.
#[derive(Clone, Copy, clap::ValueEnum)]
enum DemoScale {
    /// One Landkreis's year (see `demo_year.rs`).
    Year,
}

pub fn main() -> anyhow::Result<ExitCode> {
    let cli = Cli::parse();
    let command = cli.command.unwrap_or(Command::Serve { bind: None });
    // Offline verification touches no data directory or database.
    if let Command::Verify { input, jwks, revoked } = &command {
        crate::telemetry::init(crate::telemetry::LogFormat::Text);
        return verify::run(input, jwks.as_deref(), revoked.as_deref());
    }
    // Neither may read the settings first: that would make a session key in a wiped data
    // directory before the archive's is restored.
    let mut restore_completed = false;
    match &command {
        Command::Backup { out } => return backup::backup(out).map(|_| ExitCode::SUCCESS),
        Command::Restore { file, force } => {
            return backup::restore(file, *force).map(|_| ExitCode::SUCCESS)
        }
        Command::Serve { .. } => {
            // A restore interrupted after its checks is completed before anything starts.
            let paths = crate::config::DataPaths::load()?;
            restore_completed = crate::backup::service::finish_interrupted_restore(&paths)?;
        }
        _ => {}
    }
    // Settings first: they say how to log. Nothing is logged while they load; an error
    // reaches the operator through `main.rs`.
    let mut settings = Settings::load()?;
    // Every command but the service does its work and exits (see `Db::connect`).
    settings.db_keep_idle = matches!(command, Command::Serve { .. });
    crate::telemetry::init(settings.log_format);
    if restore_completed {
        tracing::warn!("completed an interrupted restore");
    }
    match command {
        Command::Serve { bind } => serve::serve(settings, bind)?,
        Command::Migrate => serve::migrate(&settings)?,
        Command::User { command } => user::run(&settings, command)?,
        Command::Org { command } => org::run(&settings, command)?,
        Command::Keys { command } => keys::run(&settings, command)?,
        Command::Demo { scale: Some(DemoScale::Year), .. } => demo_year::run(&settings)?,
        Command::Demo { out: Some(out), .. } => demo::run(&settings, &out)?,
        Command::Demo { out: None, scale: None } => {} // refused by clap: `--out` is required
        Command::Check => return check::run(&settings),
        Command::Healthcheck { bind } => return Ok(healthcheck::run(&settings, bind.as_deref())),
        Command::Erase { due, dry_run, org } => {
            erase::run(&settings, due, dry_run, org.as_deref())?
        }
        // Answered above, before any settings are read.
        Command::Verify { .. } | Command::Backup { .. } | Command::Restore { .. } => {}
    }
    Ok(ExitCode::SUCCESS)
}

/// A service error as the operator reads it: the user-facing message, no wrapping.
fn user_error(e: AppError) -> anyhow::Error {
    anyhow::anyhow!("{e}")
}

fn org_by_slug(conn: &mut DbConn, slug: &str) -> Result<orgs::Organisation, AppError> {
    find_org(conn, slug)?.ok_or_else(|| {
        AppError::invalid(
            "org",
            crate::i18n::Text::key("error.orgs.no_such_slug").arg("slug", slug),
        )
    })
}

fn find_org(conn: &mut DbConn, slug: &str) -> Result<Option<orgs::Organisation>, AppError> {
    orgs::service::find_by_slug(conn, slug)
}
