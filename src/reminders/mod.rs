//! Reminders before each training session, to fight no-shows.
//!
//! Rules:
//! - At configured times before a session (default 48 and 2 hours), every participant
//!   holding a place gets a reminder with the session as an `.ics` attachment: by email, or,
//!   without an email address, through the referrer who registered them.
//! - Each (session, participant, kind) is reminded once, whichever replica runs the job: a
//!   unique key decides. When a session is created late, only the latest due kind is sent.
//! - Reminders are in the participant's language where a translation exists, else German.
//! - Each reminder carries a personal link through which the participant or referrer can
//!   send an apology; the trainer sees it on the roster. The link shows no personal data.

pub mod public;
pub mod repo;
pub mod service;
