//! Access requests (Art. 15/20 GDPR), correction (Art. 16) and the consent history.
//!
//! Rules:
//! - A coordinator gets, in one click, everything stored about a participant or a
//!   stakeholder contact of their organisation: as a readable page (German, with the
//!   headings also in the person's language where the service has them) and as JSON. Other
//!   organisations' people are not found (404); trainers are refused (403).
//! - Every table is classified in [`PERSONAL_TABLES`]: whose data it holds, and the part of
//!   the export that shows it, or why it holds nobody's. A test compares the list with the
//!   live database, so a new table cannot hold personal data unnoticed.
//! - The answers of an anonymous survey are nobody's: the export shows only that the
//!   contact was invited and whether the link was used, not even the day.
//! - Keys are not data about the person and are left out: the apology links of reminders,
//!   the survey links, the check-in card's code, the certificate's signed token.
//! - An erased person's export is gone (410): what is left (tombstones, counts) no longer
//!   names them.
//! - Each export is an audit entry about the person (`participant.export`,
//!   `stakeholder.export`).
//! - A correction uses the rules of registration; a changed name of someone holding a valid
//!   certificate is saved, and the certificate keeps the old name until the coordinator
//!   replaces it (the existing "replace" flow).

pub mod api;
pub mod models;
pub mod pages;
pub mod public;
pub mod repo;
pub mod service;

/// Whose data a table holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Holds {
    /// A participant's; the JSON pointer of the export's part that shows it.
    Participant(&'static str),
    /// A stakeholder contact's; the same for their export.
    Stakeholder(&'static str),
    /// Either's, shown in the same part of both exports.
    Both(&'static str),
    /// Nobody's of the two (staff accounts, planning, keys …): why.
    Nobody(&'static str),
}

/// Every table of the schema and whose data it holds. A table that is missing here fails
/// `tests/it/access_export.rs`.
pub const PERSONAL_TABLES: &[(&str, Holds)] = &[
    ("participants", Holds::Participant("/person")),
    ("enrollments", Holds::Participant("/enrollments")),
    ("attendance", Holds::Participant("/attendance")),
    ("attendance_marks", Holds::Participant("/attendance_history")),
    ("test_results", Holds::Participant("/test_results")),
    ("certificates", Holds::Participant("/certificates")),
    ("certificate_checks", Holds::Participant("/certificates/0/checks")),
    ("certificate_reissues", Holds::Participant("/certificate_reissues")),
    ("certificate_modules", Holds::Participant("/certificates/0/modules")),
    ("session_reminders", Holds::Participant("/reminders")),
    ("stakeholders", Holds::Stakeholder("/person")),
    ("survey_invitations", Holds::Stakeholder("/survey_invitations")),
    ("survey_responses", Holds::Stakeholder("/survey_responses")),
    ("survey_answers", Holds::Stakeholder("/survey_responses/0/answers")),
    ("survey_drafts", Holds::Stakeholder("/survey_drafts")),
    ("mail_outbox", Holds::Both("/mails")),
    ("consent_events", Holds::Both("/consent_events")),
    ("audit_log", Holds::Both("/audit_entries")),
    ("erasures", Holds::Both("/erasures")),
    ("organisations", Holds::Nobody("the municipality's own settings")),
    ("organisation_images", Holds::Nobody("logo and signature of the organisation")),
    ("users", Holds::Nobody("staff accounts (coordinators, trainers, admins)")),
    ("api_tokens", Holds::Nobody("staff's API keys")),
    ("user_sessions", Holds::Nobody("staff's browser sessions")),
    ("account_links", Holds::Nobody("hashed one-time links of staff invitations and resets")),
    ("login_failures", Holds::Nobody("hashed keys of failed staff logins")),
    ("locations", Holds::Nobody("training rooms")),
    ("courses", Holds::Nobody("course catalogue")),
    ("course_modules", Holds::Nobody("course catalogue")),
    ("course_title_translations", Holds::Nobody("course catalogue")),
    ("module_title_translations", Holds::Nobody("course catalogue")),
    ("course_runs", Holds::Nobody("planning")),
    ("training_sessions", Holds::Nobody("planning")),
    ("run_interpreter_languages", Holds::Nobody("planning")),
    ("session_interpreter_languages", Holds::Nobody("planning")),
    ("session_modules", Holds::Nobody("planning")),
    ("session_trainers", Holds::Nobody("which staff teach a session")),
    ("signing_keys", Holds::Nobody("public keys of the certificate signatures")),
    ("certificate_batches", Holds::Nobody("progress counters of an issuing run")),
    (
        "certificate_prints",
        Holds::Nobody(
            "a run's dates and place as its issued certificates print them; the course title \
             in the holder's language (catalogue text) is blanked on erasure",
        ),
    ),
    (
        "import_batches",
        Holds::Nobody(
            "an uploaded list before anyone is registered; gone on confirmation or after a day",
        ),
    ),
    ("surveys", Holds::Nobody("questionnaires")),
    ("survey_audience", Holds::Nobody("questionnaires")),
    ("survey_open_groups", Holds::Nobody("questionnaires")),
    ("survey_question_groups", Holds::Nobody("questionnaires")),
    ("survey_translations", Holds::Nobody("questionnaires")),
    ("survey_questions", Holds::Nobody("questionnaires")),
    ("survey_question_translations", Holds::Nobody("questionnaires")),
    (
        "survey_pending_answers",
        Holds::Nobody("sealed answers of anonymous surveys waiting for their batch: nobody's"),
    ),
    ("survey_result_summaries", Holds::Nobody("a survey's figures, small groups withheld")),
    ("job_runs", Holds::Nobody("which daily job ran when")),
    ("accessibility_statements", Holds::Nobody("the organisation's accessibility contact")),
    (
        "accessibility_feedback",
        Holds::Nobody(
            "messages from visitors of the accessibility statement, who are neither participants nor contacts; deleted by the coordinator when dealt with",
        ),
    ),
    (
        "certificate_profiles",
        Holds::Nobody("the issuer's office address and contact, and who approved the sample"),
    ),
    ("programmes", Holds::Nobody("state programmes: name and funding body")),
    ("programme_periods", Holds::Nobody("a programme's reporting periods")),
    ("programme_quarters", Holds::Nobody("a programme's frozen counts per member and quarter")),
    ("programme_members", Holds::Nobody("which organisations share what with a programme")),
    ("library_templates", Holds::Nobody("course and survey templates: catalogue text")),
    ("library_versions", Holds::Nobody("course and survey templates: catalogue text")),
    ("library_copies", Holds::Nobody("which template an organisation copied into what")),
];

/// Whose data `table` holds, if the table is classified.
pub fn holds(table: &str) -> Option<Holds> {
    PERSONAL_TABLES.iter().find(|(t, _)| *t == table).map(|(_, h)| *h)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_table_is_classified_once_and_says_where_or_why() {
        let mut seen = std::collections::HashSet::new();
        for (table, holds) in PERSONAL_TABLES {
            assert!(seen.insert(*table), "{table} is listed twice");
            match holds {
                Holds::Participant(at) | Holds::Stakeholder(at) | Holds::Both(at) => {
                    assert!(at.starts_with('/'), "{table}: {at} is not a JSON pointer")
                }
                Holds::Nobody(why) => assert!(!why.trim().is_empty(), "{table}: say why"),
            }
        }
    }
}
