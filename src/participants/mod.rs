//! Participants and their enrollment in course runs.
//!
//! Rules:
//! - Collect only what the training needs: given and family name exactly as in the ID
//!   document (they are printed on the certificate), preferred language, and optionally a
//!   phone number or email address for reminders and the certificate. No nationality, no
//!   residence status, no date of birth.
//! - A participant is registered only with recorded consent (the date it was given).
//! - A run never holds more enrollments than its capacity, even under concurrent requests:
//!   the run row is locked before the count.

pub mod api;
pub mod forms;
pub mod import;
pub mod models;
pub mod pages;
pub mod repo;
pub mod schedule;
pub mod service;
