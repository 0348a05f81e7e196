//! Reading the audit log: one typed query for the page, the CSV download and the API.
//!
//! `auth` sits above `audit`, so the handlers settle whose entries the caller may see
//! (`Within`: a coordinator their organisation, an admin every organisation or one) and pass
//! it in; nothing here widens it. A filter that names another organisation's person or user
//! simply finds nothing there.

use chrono::{Datelike, Duration, NaiveDate, NaiveDateTime};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

pub use super::repo::Within;
use super::repo::{self, Filter, StoredEntry};
use crate::db::{self, DbConn};
use crate::error::{AppError, AppResult};
use crate::i18n::{self, Text};
use crate::ids::{OrgId, ParticipantId, UserId};
use crate::validate;

/// Entries per page (page, CSV and API alike); the CSV has its own cap.
pub const PAGE_SIZE: i64 = 50;
/// The most rows one CSV download holds; narrow the filter for more.
pub const CSV_MAX_ROWS: i64 = 50_000;

/// The groups of actions a person filters by, each the first part of its codes
/// (`attendance.correct` is in `attendance`). The API takes any prefix.
pub const ACTION_GROUPS: &[&str] = &[
    "attendance",
    "auth",
    "certificate",
    "enrollment",
    "participant",
    "test",
    "key",
    "api_token",
    "user",
    "audit",
    "report",
    "erasure",
    "organisation",
    "course",
    "run",
    "session",
    "stakeholder",
    "survey",
    "mail",
    "calendar",
    "programme",
    "library",
];

/// The filter as typed into the form or the query string; every field is optional text,
/// checked here so that a wrong value is a 422 naming its field.
#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::IntoParams)]
#[serde(default)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    /// First day (Europe/Berlin), `2026-11-30` or `30.11.2026`.
    pub from: Option<String>,
    /// Last day, inclusive.
    pub to: Option<String>,
    /// Action code or its first part: `attendance`, `certificate.revoke`.
    pub action: Option<String>,
    /// Id of the user who acted.
    pub actor: Option<String>,
    /// What it was done to: `certificate`, `training_session`, `participant` …
    pub entity: Option<String>,
    /// Id of that thing.
    pub entity_id: Option<String>,
    /// Id of the participant the entry is about.
    pub participant: Option<String>,
    /// Admins only: one organisation's entries.
    pub organisation: Option<String>,
    /// Page number, from 1.
    pub page: Option<String>,
}

fn given(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

/// A code as the log writes them: lower-case letters, digits, `_` and `.`.
fn code(field: &'static str, label: &'static str, v: &str) -> AppResult<String> {
    let ok = v.len() <= 60
        && v.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '.');
    if ok {
        Ok(v.to_string())
    } else {
        Err(AppError::invalid(field, Text::key("audit.error.code").arg_key("label", label)))
    }
}

/// The checked filter and page of a query.
struct Checked {
    filter: Filter,
    organisation: Option<OrgId>,
    page: i64,
}

fn check(q: &AuditQuery) -> AppResult<Checked> {
    // Days outside these years are typing mistakes, and beyond what every backend stores.
    let day = |field, label, v: &Option<String>| -> AppResult<Option<NaiveDate>> {
        let Some(d) = given(v).map(|v| validate::date(field, label, v)).transpose()? else {
            return Ok(None);
        };
        if !(1900..=9999).contains(&d.year()) {
            return Err(AppError::invalid(field, Text::key("error.date").arg_key("label", label)));
        }
        Ok(Some(d))
    };
    let from = day("from", "audit.field.from", &q.from)?;
    let to = day("to", "audit.field.to", &q.to)?;
    if let (Some(f), Some(t)) = (from, to) {
        if t < f {
            return Err(AppError::invalid("to", Text::key("audit.error.to_before_from")));
        }
    }
    let midnight = |field, d: NaiveDate| -> AppResult<NaiveDateTime> {
        crate::time::from_local(field, d.and_hms_opt(0, 0, 0).unwrap_or_default())
    };
    let id = |field, label, v: &Option<String>| -> AppResult<Option<i32>> {
        given(v).map(|v| validate::int_in(field, label, v, 1, i32::MAX)).transpose()
    };
    let page = id("page", "audit.field.page", &q.page)?.unwrap_or(1);
    Ok(Checked {
        filter: Filter {
            from: from.map(|d| midnight("from", d)).transpose()?,
            until: to.map(|d| midnight("to", d + Duration::days(1))).transpose()?,
            action_prefix: given(&q.action)
                .map(|v| code("action", "audit.field.action", v))
                .transpose()?,
            actor: id("actor", "audit.field.actor", &q.actor)?.map(UserId::from),
            entity: given(&q.entity)
                .map(|v| code("entity", "audit.field.entity", v))
                .transpose()?,
            entity_id: id("entity_id", "audit.field.entity_id", &q.entity_id)?,
            participant: id("participant", "audit.field.participant", &q.participant)?
                .map(ParticipantId::from),
        },
        organisation: id("organisation", "audit.field.organisation", &q.organisation)?
            .map(OrgId::from),
        page: i64::from(page),
    })
}

/// Whose entries, after the filter's organisation: only an admin's view narrows by it; an
/// organisation that does not exist is not found.
fn narrowed(conn: &mut DbConn, within: Within, org: Option<OrgId>) -> AppResult<Within> {
    match (within, org) {
        (Within::Service(_), Some(org)) => {
            if !repo::organisation_exists(conn, org)? {
                return Err(AppError::not_found("thing.organisation"));
            }
            Ok(Within::Service(Some(org)))
        }
        (w, _) => Ok(w),
    }
}

/// One entry as people and programs read it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AuditRow {
    pub id: i32,
    #[serde(serialize_with = "crate::time::utc")]
    #[schema(value_type = String, format = DateTime)]
    pub at: NaiveDateTime,
    #[schema(value_type = Option<i32>)]
    pub organisation_id: Option<OrgId>,
    pub organisation_name: Option<String>,
    /// None: the service itself, an operator's command, or a failed login.
    #[schema(value_type = Option<i32>)]
    pub actor_user_id: Option<UserId>,
    pub actor_name: Option<String>,
    pub action: String,
    /// The action in words (German).
    pub description: String,
    pub entity: String,
    pub entity_id: Option<i32>,
    /// A short code: before→after of a correction, a count, a status.
    pub detail: String,
    #[schema(value_type = Option<i32>)]
    pub participant_id: Option<ParticipantId>,
    pub stakeholder_id: Option<i32>,
}

/// The action in the reader's words; a code without words is shown as it is.
pub fn describe(lang: &str, action: &str) -> String {
    let key = format!("audit.action.{action}");
    let words = i18n::text(lang, &key);
    if words == key {
        action.to_string()
    } else {
        words
    }
}

fn row(lang: &str, e: StoredEntry) -> AuditRow {
    AuditRow {
        id: e.id,
        at: e.created_at,
        organisation_id: e.organisation_id,
        organisation_name: e.organisation_name,
        actor_user_id: e.actor_user_id,
        actor_name: e.actor_name,
        description: describe(lang, &e.action),
        action: e.action,
        entity: e.entity,
        entity_id: e.entity_id,
        detail: e.detail,
        participant_id: e.participant_id,
        stakeholder_id: e.stakeholder_id,
    }
}

/// One page of entries, newest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuditList {
    pub entries: Vec<AuditRow>,
    pub page: i64,
    pub page_size: i64,
    /// Whether a next page has entries.
    pub has_next: bool,
}

/// The entries the caller may see that match the query, one page.
pub fn list(conn: &mut DbConn, within: Within, q: &AuditQuery) -> AppResult<AuditList> {
    let checked = check(q)?;
    let within = narrowed(conn, within, checked.organisation)?;
    let offset = (checked.page - 1).saturating_mul(PAGE_SIZE);
    let mut stored = repo::entries(conn, within, &checked.filter, offset, PAGE_SIZE + 1)?;
    let has_next = stored.len() as i64 > PAGE_SIZE;
    stored.truncate(PAGE_SIZE as usize);
    Ok(AuditList {
        entries: stored.into_iter().map(|e| row(i18n::DEFAULT_LANG, e)).collect(),
        page: checked.page,
        page_size: PAGE_SIZE,
        has_next,
    })
}

/// A choice of the filter form.
#[derive(Debug, Serialize)]
pub struct Choice {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

/// The page: the filter as typed, its choices, one page of entries and the links to the
/// neighbouring pages and the CSV with the same filter.
#[derive(Debug, Serialize)]
pub struct AuditPage {
    pub query: AuditQuery,
    pub across_organisations: bool,
    pub actions: Vec<Choice>,
    pub actors: Vec<Choice>,
    pub organisations: Vec<Choice>,
    pub entries: Vec<PageRow>,
    pub page: i64,
    pub previous_link: Option<String>,
    pub next_link: Option<String>,
    pub csv_link: String,
}

#[derive(Debug, Serialize)]
pub struct PageRow {
    #[serde(flatten)]
    pub row: AuditRow,
    pub at_label: String,
    /// What it was done to, in words with its id.
    pub subject: String,
}

/// What an entry is about, in words: "Bescheinigung 12".
pub fn subject(lang: &str, entity: &str, entity_id: Option<i32>) -> String {
    if entity.is_empty() {
        return String::new();
    }
    let key = format!("audit.entity.{entity}");
    let words = i18n::text(lang, &key);
    let name = if words == key { entity.to_string() } else { words };
    match entity_id {
        Some(id) => format!("{name} {id}"),
        None => name,
    }
}

/// The query string of a filter (without the page), for links that keep it.
fn query_string(q: &AuditQuery, page: Option<i64>) -> String {
    let mut q = q.clone();
    q.page = page.filter(|p| *p > 1).map(|p| p.to_string());
    let pairs: Vec<(&str, &str)> = [
        ("from", &q.from),
        ("to", &q.to),
        ("action", &q.action),
        ("actor", &q.actor),
        ("entity", &q.entity),
        ("entity_id", &q.entity_id),
        ("participant", &q.participant),
        ("organisation", &q.organisation),
        ("page", &q.page),
    ]
    .into_iter()
    .filter_map(|(k, v)| given(v).map(|v| (k, v)))
    .collect();
    serde_html_form::to_string(pairs).unwrap_or_default()
}

fn with_query(path: &str, query: String) -> String {
    if query.is_empty() {
        path.to_string()
    } else {
        format!("{path}?{query}")
    }
}

/// The audit page for the caller's scope. A wrong filter value is refused (422) with the
/// form still filled in by the handler.
pub fn page(conn: &mut DbConn, within: Within, q: AuditQuery) -> AppResult<AuditPage> {
    let list = list(conn, within, &q)?;
    let scope = narrowed(conn, within, check(&q)?.organisation)?;
    form_page(conn, within, scope, q, Some(list))
}

/// The page after a refused filter: the form as typed, with its choices, and no entries.
pub fn refused_page(conn: &mut DbConn, within: Within, q: AuditQuery) -> AppResult<AuditPage> {
    form_page(conn, within, within, q, None)
}

fn form_page(
    conn: &mut DbConn, within: Within, scope: Within, q: AuditQuery, list: Option<AuditList>,
) -> AppResult<AuditPage> {
    let lang = i18n::DEFAULT_LANG;
    let list = list.unwrap_or(AuditList {
        entries: Vec::new(),
        page: 1,
        page_size: PAGE_SIZE,
        has_next: false,
    });
    let chosen = |v: &Option<String>, value: &str| given(v) == Some(value);
    let actions = ACTION_GROUPS
        .iter()
        .map(|g| Choice {
            value: (*g).to_string(),
            label: i18n::text(lang, &format!("audit.group.{g}")),
            selected: chosen(&q.action, g),
        })
        .collect();
    let actors = repo::actors(conn, scope)?
        .into_iter()
        .map(|(id, name)| Choice {
            selected: chosen(&q.actor, &id.to_string()),
            value: id.to_string(),
            label: name,
        })
        .collect();
    let across_organisations = matches!(within, Within::Service(_));
    let organisations = if across_organisations {
        repo::organisations(conn)?
            .into_iter()
            .map(|(id, name)| Choice {
                selected: chosen(&q.organisation, &id.to_string()),
                value: id.to_string(),
                label: name,
            })
            .collect()
    } else {
        Vec::new()
    };
    let entries = list
        .entries
        .into_iter()
        .map(|row| PageRow {
            at_label: crate::time::fmt_datetime(row.at),
            subject: subject(lang, &row.entity, row.entity_id),
            row,
        })
        .collect();
    Ok(AuditPage {
        previous_link: (list.page > 1)
            .then(|| with_query("/audit", query_string(&q, Some(list.page - 1)))),
        next_link: list
            .has_next
            .then(|| with_query("/audit", query_string(&q, Some(list.page + 1)))),
        csv_link: with_query("/audit.csv", query_string(&q, None)),
        page: list.page,
        query: q,
        across_organisations,
        actions,
        actors,
        organisations,
        entries,
    })
}

/// The rows of a CSV download: every matching entry up to [`CSV_MAX_ROWS`], with the
/// download itself recorded in the log (in the organisation whose entries it holds).
pub fn export(
    conn: &mut DbConn, within: Within, by: UserId, q: &AuditQuery,
) -> AppResult<Vec<AuditRow>> {
    let checked = check(q)?;
    let within = narrowed(conn, within, checked.organisation)?;
    db::write_transaction(conn, |conn| {
        let rows = repo::entries(conn, within, &checked.filter, 0, CSV_MAX_ROWS)?;
        let org = match within {
            Within::Organisation(org) | Within::Service(Some(org)) => Some(org),
            Within::Service(None) => None,
        };
        super::Entry::new(org, Some(by), "audit.export")
            .on("audit_log", None)
            .detail(&format!("csv {}", rows.len()))
            .record(conn)?;
        Ok(rows.into_iter().map(|e| row(i18n::DEFAULT_LANG, e)).collect())
    })
}

/// The CSV's headings (German), in the order of [`csv_cells`].
pub fn csv_headings() -> Vec<String> {
    [
        "audit.column.at",
        "audit.column.organisation",
        "audit.column.actor",
        "audit.column.action",
        "audit.column.description",
        "audit.column.subject",
        "audit.column.detail",
        "audit.column.participant",
    ]
    .iter()
    .map(|k| i18n::text(i18n::DEFAULT_LANG, k))
    .collect()
}

/// One entry as CSV cells (the handler neutralises formulas when writing).
pub fn csv_cells(r: &AuditRow) -> Vec<String> {
    vec![
        crate::time::fmt_datetime(r.at),
        r.organisation_name.clone().unwrap_or_default(),
        r.actor_name.clone().unwrap_or_default(),
        r.action.clone(),
        r.description.clone(),
        subject(i18n::DEFAULT_LANG, &r.entity, r.entity_id),
        r.detail.clone(),
        r.participant_id.map(|p| p.to_string()).unwrap_or_default(),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn a_day_range_covers_whole_local_days() {
        let q = AuditQuery {
            from: Some("2026-11-30".into()),
            to: Some("30.11.2026".into()),
            ..Default::default()
        };
        let c = check(&q).expect("valid");
        // Berlin is UTC+1 in November.
        assert_eq!(c.filter.from.unwrap().to_string(), "2026-11-29 23:00:00");
        assert_eq!(c.filter.until.unwrap().to_string(), "2026-11-30 23:00:00");
    }

    #[test]
    fn wrong_values_are_refused_naming_their_field() {
        let cases = [
            AuditQuery { from: Some("gestern".into()), ..Default::default() },
            AuditQuery {
                from: Some("2026-12-02".into()),
                to: Some("2026-12-01".into()),
                ..Default::default()
            },
            AuditQuery { action: Some("x' OR 1=1".into()), ..Default::default() },
            AuditQuery { actor: Some("-3".into()), ..Default::default() },
            AuditQuery { page: Some("0".into()), ..Default::default() },
            AuditQuery { to: Some("262143-12-31".into()), ..Default::default() },
        ];
        let fields = ["from", "to", "action", "actor", "page", "to"];
        for (q, field) in cases.iter().zip(fields) {
            let err = check(q).err().expect("refused");
            assert_eq!(err.field(), Some(field), "{q:?}");
        }
    }

    proptest! {
        /// Whatever is typed, checking a filter refuses or accepts; it never panics, and an
        /// accepted action is a plain code.
        #[test]
        fn any_filter_text_is_checked_without_panic(
            action in "\\PC{0,80}", page in "\\PC{0,12}", from in "\\PC{0,12}",
        ) {
            let q = AuditQuery {
                action: Some(action), page: Some(page), from: Some(from), ..Default::default()
            };
            if let Ok(c) = check(&q) {
                if let Some(a) = c.filter.action_prefix {
                    prop_assert!(a.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '.'));
                }
                prop_assert!(c.page >= 1);
            }
        }
    }
}
