//! Privacy lifecycle (GDPR): how long personal data is kept, how it is erased, and how a
//! person learns what is stored about them.
//!
//! Rules:
//! - Each organisation sets its retention periods (`organisations.retention_*`): a
//!   participant's personal data goes a number of months after their last run ended, raw
//!   survey answers a number of months after the survey closed, sent mail a number of days
//!   after sending, audit entries a number of years after they were written.
//! - Erasing a participant empties their row (kept, so attendance and reports still count
//!   them) and turns each of their certificates into a tombstone: code, status, run, issuer,
//!   key id and an HMAC of the normalised name stay; the name and the token go. The check
//!   page then takes the name from the signed token the landlord scanned.
//! - Every erasure is recorded in `erasures` with its reason (chosen from a list) and who
//!   asked; the daily retention job runs once per day across replicas (`job_runs`).
//! - An access request (Art. 15/20) gets everything stored about the person, as a page and
//!   as JSON; the answers of an anonymous survey are never part of it.

pub mod access;
pub mod erasure;
