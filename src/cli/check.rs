//! `check`: every rule the README's "Was das System garantiert" names, checked against the
//! database (and the keys directory); prints each violation, exits 1 if there is any.
//! It only reads (no migration, no key made), so it can run beside the serving replicas;
//! run it on a database the service (or `migrate`) has brought up to date.

use std::process::ExitCode;

use super::user_error;
use crate::config::Settings;
use crate::db::Db;
use crate::integrity;

pub(super) fn run(settings: &Settings) -> anyhow::Result<ExitCode> {
    let db = Db::connect(&settings.database_url, 2, false)?;
    let keys_dir = settings.keys_dir.clone();
    let found =
        db.run_blocking(move |conn| integrity::check(conn, &keys_dir)).map_err(user_error)?;
    for v in &found {
        println!("{}", v.describe());
    }
    if found.is_empty() {
        println!("{}", crate::i18n::text(crate::i18n::DEFAULT_LANG, "check.none"));
        Ok(ExitCode::SUCCESS)
    } else {
        println!(
            "{}",
            crate::i18n::Text::key("check.found")
                .arg("count", found.len())
                .render(crate::i18n::DEFAULT_LANG)
        );
        Ok(ExitCode::from(1))
    }
}
