//! What the system guarantees, checked against the stored data.
//!
//! The rules live in their domains and are enforced when data is written; this module asks
//! each domain for what in the database breaks them anyway (data from before a rule
//! existed, a hand-edited row, a bug), so `mietschulung check` can list it and the
//! integration tests can assert after every test that nothing does:
//! - attendance and test results lie in the past (a session that has started, check-in
//!   allowed an hour before);
//! - a participant holds at most one place per run, and is marked only in runs they are
//!   enrolled in;
//! - every valid certificate rests on completed, past attendance, dated on or after the
//!   last session it lists; at most one is valid per participant and run; none follows a
//!   revoked one without an explicit reissue;
//! - every printed field of a valid certificate can be drawn by the certificate fonts;
//! - every active signing key has its private half in the keys directory.

use serde::Serialize;

use crate::db::DbConn;
use crate::error::AppResult;
use crate::i18n::Text;
use crate::ids::OrgId;
use crate::{attendance, certificates, participants};

/// One broken rule, named in the operator's words.
#[derive(Debug, Clone, Serialize)]
pub struct Violation {
    pub organisation_id: Option<OrgId>,
    /// The locale key of the rule (`check.…`), stable for scripts.
    pub rule: &'static str,
    #[serde(skip)]
    pub text: Text,
}

impl Violation {
    pub fn new(organisation_id: Option<OrgId>, text: Text) -> Violation {
        Violation { organisation_id, rule: text.key_name().unwrap_or("check"), text }
    }

    /// A violation its domain words itself (the key ring's operator texts).
    pub fn worded(rule: &'static str, words: String) -> Violation {
        Violation { organisation_id: None, rule, text: Text::Plain(words) }
    }

    /// The violation in German, as the CLI prints it.
    pub fn describe(&self) -> String {
        let org = self.organisation_id.map(|o| format!("[org {}] ", o.0)).unwrap_or_default();
        format!("{org}{}", self.text.render(crate::i18n::DEFAULT_LANG))
    }
}

/// Every violation of every rule above, in the whole database.
pub fn check(conn: &mut DbConn, keys_dir: &std::path::Path) -> AppResult<Vec<Violation>> {
    let mut found = Vec::new();
    // A missing key of an owner is made at the next start and at the first signature; a
    // lost or wrong private half never is, so only that is a broken rule.
    let keys = certificates::keys::KeyRing::new(keys_dir.to_path_buf());
    for problem in keys.problems(conn)?.into_iter().filter(|p| p.stops_start_up()) {
        found.push(Violation::worded("check.keys", problem.to_string()));
    }
    for (org, text) in participants::service::enrolment_violations(conn)? {
        found.push(Violation::new(Some(org), text));
    }
    for v in attendance::service::attendance_violations(conn)? {
        found.push(Violation::new(Some(v.organisation_id), v.text()));
    }
    for v in certificates::service::certificate_violations(conn)? {
        found.push(Violation::new(Some(v.organisation_id), v.text()));
    }
    for (org, text) in certificates::service::printing_violations(conn)? {
        found.push(Violation::new(Some(org), text));
    }
    Ok(found)
}
