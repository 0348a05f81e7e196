//! Outgoing mail through an outbox, so that every mail is sent once.
//!
//! Rules:
//! - A message is written to `mail_outbox` in the same transaction as the change that causes
//!   it, so it is sent if and only if the change is committed. It gets its `Message-ID`
//!   (`<uuid@host of the public URL>`) then, and every attempt sends that same header.
//! - A worker claims one due row at a time (on PostgreSQL with `FOR UPDATE SKIP LOCKED`) by
//!   leasing it: its next attempt moves two minutes ahead, and the sending worker renews the
//!   lease every 30 seconds for as long as its SMTP conversation lasts. So no replica takes
//!   over a live attempt, however slow the server, and a dead worker's row is free again
//!   within two minutes.
//! - The SMTP client waits for each reply as long as RFC 5321 §4.5.3.2 recommends: lettre
//!   has one timeout for every step, so it is the longest, 10 minutes after the final "."
//!   (`smtp_timeout_secs`). A slow server that accepts the mail in the end is not asked for
//!   it again because the client gave up first.
//! - A failure schedules a retry with exponential back-off; a permanent refusal (5xx, an
//!   address that cannot be written) or the last attempt leaves the row `failed`. Nothing is
//!   deleted, nothing lost.
//! - Failed mail is shown to the coordinators of its organisation (page `/mail/failed`,
//!   `GET /api/v1/mail/failed`: what, to whom, why) and only to them; "erneut senden"
//!   queues it again with the same Message-ID (audited as `mail.resend`). `/readyz` counts
//!   pending and failed mail of the whole service.
//! - What cannot be made exactly-once: the worker dies after the server said "250" but
//!   before the row is marked sent, or the "250" is lost on the way. The row stays pending
//!   and is sent again when its lease ends, with the same Message-ID, so the recipient's
//!   server or mail program can recognise and drop the copy. Marking before sending would
//!   instead lose mail, which is worse.
//! - Logs name the outbox id, never the recipient or content.

pub mod api;
pub mod outbox;
pub mod pages;
pub mod service;
pub mod worker;
