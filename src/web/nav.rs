//! The navigation: each role's items, named by task, with the item of the current page
//! marked (`aria-current="page"`), also on its sub-pages (`/courses/5` marks "Kurse"); and
//! the coordinator's settings hub (`/settings`), which gathers what is set up once.

use actix_web::{get, web};
use serde::Serialize;

use super::Ui;
use crate::auth::Role;
use crate::error::PageResult;
use crate::i18n;

/// One item: where it leads, its words, and the other paths whose pages belong to it.
struct Entry {
    href: &'static str,
    key: &'static str,
    also: &'static [&'static str],
}

const fn entry(href: &'static str, key: &'static str, also: &'static [&'static str]) -> Entry {
    Entry { href, key, also }
}

const COORDINATOR: &[Entry] = &[
    entry("/runs", "nav.runs", &["/certificate-batches"]),
    entry("/courses", "nav.courses", &["/bibliothek"]),
    entry("/calendar", "nav.calendar", &["/sessions"]),
    entry("/participants", "nav.participants", &[]),
    entry("/certificates", "nav.certificates", &[]),
    entry("/surveys", "nav.surveys", &["/stakeholders"]),
    entry("/reports", "nav.reports", &[]),
    entry(
        "/settings",
        "nav.settings",
        &["/locations", "/team", "/certificate-settings", "/audit", "/mail/failed", "/programme"],
    ),
];

const TRAINER: &[Entry] = &[entry("/my/sessions", "nav.my_sessions", &["/sessions"])];

const REFERRER: &[Entry] = &[
    entry("/vermittlung", "nav.referrals", &[]),
    entry("/vermittlung/anmelden", "nav.refer", &[]),
];

const PROGRAMME: &[Entry] =
    &[entry("/programm", "nav.programme_figures", &[]), entry("/bibliothek", "nav.library", &[])];

const ADMIN: &[Entry] = &[
    entry("/admin/organisations", "nav.organisations", &[]),
    entry("/admin/programme", "nav.programmes", &[]),
    entry("/certificate-settings", "nav.keys", &[]),
    entry("/audit", "nav.audit", &[]),
];

fn entries(role: Option<Role>) -> &'static [Entry] {
    match role {
        Some(Role::Admin) => ADMIN,
        Some(Role::Coordinator) => COORDINATOR,
        Some(Role::Trainer) => TRAINER,
        Some(Role::Referrer) => REFERRER,
        Some(Role::Programme) => PROGRAMME,
        None => &[],
    }
}

/// How much of `path` the prefix covers: the prefix's length when the path is the prefix
/// itself or one of its sub-pages or files (`/courses/5`, `/audit.csv`), else none.
fn covers(prefix: &str, path: &str) -> Option<usize> {
    let rest = path.strip_prefix(prefix)?;
    (rest.is_empty() || rest.starts_with(['/', '.'])).then_some(prefix.len())
}

#[derive(Debug, Serialize)]
pub struct NavItem {
    pub href: &'static str,
    pub label: String,
    /// The item of the page shown (the one whose paths cover the most of it).
    pub current: bool,
}

/// The navigation of a role at `path`, in `lang`.
pub fn items(role: Option<Role>, path: Option<&str>, lang: &str) -> Vec<NavItem> {
    let list = entries(role);
    let reach = |e: &Entry| {
        let path = path?;
        std::iter::once(e.href).chain(e.also.iter().copied()).filter_map(|p| covers(p, path)).max()
    };
    let best = list.iter().filter_map(reach).max();
    list.iter()
        .map(|e| NavItem {
            href: e.href,
            label: i18n::text(lang, e.key),
            current: best.is_some() && reach(e) == best,
        })
        .collect()
}

/// A link of the settings hub, with a line saying what is there.
#[derive(Debug, Serialize)]
struct SettingsLink {
    href: &'static str,
    label: String,
    hint: String,
}

#[derive(Debug, Serialize)]
struct SettingsPage {
    links: Vec<SettingsLink>,
}

const SETTINGS: &[(&str, &str, &str)] = &[
    ("/locations", "nav.locations_settings", "nav.hint.locations"),
    ("/team", "nav.team", "nav.hint.team"),
    ("/certificate-settings", "nav.certificate_keys", "nav.hint.certificate_settings"),
    ("/settings/privacy", "nav.privacy", "nav.hint.privacy"),
    ("/settings/accessibility", "nav.accessibility", "nav.hint.accessibility"),
    ("/programme", "nav.programmes", "nav.hint.programmes"),
    ("/audit", "nav.audit", "nav.hint.audit"),
    ("/mail/failed", "nav.mail_undelivered", "nav.hint.mail_failed"),
];

/// "Einstellungen": what a coordinator sets up once, one link each.
#[get("/settings")]
async fn settings_page(ui: Ui) -> PageResult {
    let page = ui
        .run(|_, actor| {
            actor.coordinator_org()?;
            let lang = i18n::DEFAULT_LANG;
            let links = SETTINGS
                .iter()
                .map(|(href, label, hint)| SettingsLink {
                    href,
                    label: i18n::text(lang, label),
                    hint: i18n::text(lang, hint),
                })
                .collect();
            Ok(SettingsPage { links })
        })
        .await?;
    ui.page("pages/settings", "title.nav_settings", &page)
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(settings_page);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn current(role: Role, path: &str) -> Vec<&'static str> {
        items(Some(role), Some(path), "de")
            .into_iter()
            .filter(|i| i.current)
            .map(|i| i.href)
            .collect()
    }

    #[test]
    fn the_page_and_its_sub_pages_mark_one_item() {
        assert_eq!(current(Role::Coordinator, "/courses"), ["/courses"]);
        assert_eq!(current(Role::Coordinator, "/courses/5"), ["/courses"]);
        assert_eq!(current(Role::Coordinator, "/stakeholders/3"), ["/surveys"]);
        assert_eq!(current(Role::Coordinator, "/settings/privacy"), ["/settings"]);
        assert_eq!(current(Role::Coordinator, "/audit.csv"), ["/settings"]);
        assert_eq!(current(Role::Referrer, "/vermittlung/anmelden"), ["/vermittlung/anmelden"]);
        assert_eq!(current(Role::Referrer, "/vermittlung"), ["/vermittlung"]);
        assert!(current(Role::Coordinator, "/coursesx").is_empty(), "a prefix of a word");
        assert!(current(Role::Coordinator, "/account").is_empty());
    }

    #[test]
    fn coordinators_have_no_trainer_items() {
        let hrefs: Vec<_> =
            items(Some(Role::Coordinator), None, "de").iter().map(|i| i.href).collect();
        assert!(!hrefs.contains(&"/my/sessions"));
        assert!(items(None, Some("/courses"), "de").is_empty());
    }
}
