//! `org create`: a new organisation (municipality) with the issuing body and signatory
//! printed on its certificates. Runs as the operator (no acting user); the slug rules
//! and the duplicate check are the service's. Exits 1 with the service's message when
//! the input is refused.

use clap::Subcommand;

use super::user_error;
use crate::config::Settings;
use crate::orgs;
use crate::startup::AppState;

#[derive(Subcommand)]
pub(super) enum OrgCommand {
    /// Create an organisation.
    Create {
        #[arg(long)]
        slug: String,
        #[arg(long)]
        name: String,
        /// Issuing body printed on certificates.
        #[arg(long)]
        issuer: String,
        #[arg(long)]
        signatory: String,
        #[arg(long, default_value = "")]
        signatory_title: String,
    },
}

pub(super) fn run(settings: &Settings, command: OrgCommand) -> anyhow::Result<()> {
    let OrgCommand::Create { slug, name, issuer, signatory, signatory_title } = command;
    let state = AppState::new(settings)?;
    let org = state
        .db
        .run_blocking(|conn| {
            // With its signing key, so the key is published before the first certificate.
            crate::certificates::keys::create_organisation(
                conn,
                &state.keyring,
                None,
                orgs::models::NewOrganisation {
                    slug,
                    name,
                    issuer_name: issuer,
                    signatory_name: signatory,
                    signatory_title,
                },
            )
        })
        .map_err(user_error)?;
    println!("created organisation {} (id {})", org.slug, org.id);
    Ok(())
}
