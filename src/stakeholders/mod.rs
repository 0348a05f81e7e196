//! The stakeholder directory: everyone a municipality asks before a training series.
//!
//! Rules:
//! - A contact belongs to one organisation and one group: landlord, social worker, housing
//!   company or cooperative, adult education centre (VHS), volunteer, target group, other.
//! - Collect only what reaching them needs: name, their organisation, email and/or phone,
//!   preferred language, and whether they agreed to be contacted. Nothing else about them.
//! - No email goes to a contact without `contact_consent`; contacts without an email
//!   address are reached with a printed invitation.
//! - One contact per email address within an organisation (a person gets one invitation
//!   per survey); the import flags duplicates instead of saving them.
//! - An import shows every row's problems before anything is saved, then saves all valid
//!   rows in one transaction.

pub mod api;
pub mod import;
pub mod models;
pub mod pages;
pub mod repo;
pub mod service;
