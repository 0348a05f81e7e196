//! `erase --due [--dry-run] [--org SLUG]`: erases (or, with `--dry-run`, lists) what the
//! organisations' retention periods make due, as the daily job does. An operator's
//! explicit call: it runs whether or not today's job ran, and a second run finds nothing
//! left. Prints per organisation what is or would be erased: participants by id and
//! count, surveys, mails, audit entries. Exits 0.

use super::{org_by_slug, user_error};
use crate::config::Settings;
use crate::i18n::{Text, DEFAULT_LANG};
use crate::privacy::erasure::service::{self, DueInOrganisation};
use crate::startup::AppState;

pub(super) fn run(
    settings: &Settings, due: bool, dry_run: bool, org: Option<&str>,
) -> anyhow::Result<()> {
    if !due {
        anyhow::bail!("{}", crate::i18n::text(DEFAULT_LANG, "erasure.cli.needs_due"));
    }
    let state = AppState::new(settings)?;
    let started = std::time::Instant::now();
    let found = state
        .db
        .run_blocking(|conn| {
            let only = match org {
                Some(slug) => Some(org_by_slug(conn, slug)?.id),
                None => None,
            };
            service::run_due(conn, &state.keyring, only, dry_run)
        })
        .map_err(user_error)?;
    for o in &found {
        print_organisation(o, dry_run);
    }
    let key = if dry_run { "erasure.cli.dry_run_done" } else { "erasure.cli.done" };
    let participants: usize = found.iter().map(|o| o.participants.len()).sum();
    println!(
        "{}",
        Text::key(key)
            .arg("participants", participants)
            .arg("seconds", format!("{:.1}", started.elapsed().as_secs_f64()))
            .render(DEFAULT_LANG)
    );
    Ok(())
}

fn print_organisation(o: &DueInOrganisation, dry_run: bool) {
    let say = |t: Text| println!("{}", t.render(DEFAULT_LANG));
    let heading = if dry_run { "erasure.cli.would_erase_in" } else { "erasure.cli.erased_in" };
    say(Text::key(heading).arg("org", &o.organisation_slug));
    if o.is_empty() {
        say(Text::key("erasure.cli.nothing_due"));
        return;
    }
    let ids: Vec<String> = o.participants.iter().map(ToString::to_string).collect();
    say(Text::key("erasure.cli.participants")
        .arg("count", o.participants.len())
        .arg("ids", if ids.is_empty() { "-".to_string() } else { ids.join(", ") }));
    let surveys: Vec<String> =
        o.surveys.iter().map(|s| format!("{} ({})", s.survey_id, s.responses)).collect();
    say(Text::key("erasure.cli.surveys")
        .arg("count", o.surveys.len())
        .arg("ids", if surveys.is_empty() { "-".to_string() } else { surveys.join(", ") }));
    say(Text::key("erasure.cli.mails").arg("count", o.mails));
    say(Text::key("erasure.cli.audit").arg("count", o.audit_entries));
    say(Text::key("erasure.cli.imports").arg("count", o.import_lists));
}
