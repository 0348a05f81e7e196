//! Outgoing mail through an outbox.
//!
//! Rules:
//! - A message is written to `mail_outbox` in the same transaction as the change that causes
//!   it, so it is sent if and only if the change is committed.
//! - A worker claims due rows (on PostgreSQL with `FOR UPDATE SKIP LOCKED`, so replicas never
//!   send the same row twice), sends them over SMTP (or into files in development) and marks
//!   them sent. A failure schedules a retry with exponential back-off; after the last attempt
//!   the row stays as `failed` for a person to look at. Nothing is deleted, nothing lost.
//! - Logs name the outbox id, never the recipient or content.

pub mod outbox;
pub mod worker;
