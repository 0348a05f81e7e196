//! Participation certificates: issuing, revoking, the PDF, the signed QR token, the keys.
//!
//! Rules:
//! - Only a participant who completed the run (see `attendance`: recorded attendance only)
//!   gets a certificate. Its completion date is on or after the last session it lists and
//!   never after its issue date. At most one valid certificate per participant and run (a
//!   unique index enforces it), so issuing again is harmless.
//! - Issuing is all-or-nothing per participant: row, signed token, queued mail and audit
//!   entry commit together or not at all. Issuing for a run (page, API, batch) reports each
//!   participant's outcome (issued, already had one, revoked, not completed, failed with
//!   the reason); a failure for one never stops or hides the others.
//! - Revocation is final: no batch, rerun or API call issues again to a participant whose
//!   certificate for the run was revoked. Only "neu ausstellen" on that participant, with a
//!   reason, does; it leaves a `certificate_reissues` record and an audit entry, and the
//!   revoked certificate stays revoked. `service::certificate_violations` finds stored data
//!   that breaks these rules.
//! - A batch works through the run's participants by id and saves its progress and a
//!   heartbeat; when the heartbeat is a minute old the batch reads as interrupted (decided
//!   when read), and "fortsetzen" goes on after the last participant it handled. Starting a
//!   batch joins a live one, never a dead one.
//! - The QR code holds `<PUBLIC_URL>/Z/<base32(COSE_Sign1)>` in upper case, signed with the
//!   organisation's Ed25519 key (kid of one byte). The token carries the holder's name
//!   exactly as printed, the course code and the completion date: nothing else personal.
//! - Issuing fails loudly when a token or URL would exceed the QR budget (README, "Certificates and verification").
//! - Private keys live in files (mode 0400) under the keys directory, never in the database;
//!   the database keeps the public key, kid and its state (retired / compromised).
//! - Revocation is decided by the database and keeps its reason internal; the public page
//!   only says "Widerrufen".
//! - What a certificate prints of the plan (run dates, place, the modules it lists) is
//!   frozen when it is issued (`printed`): correcting the plan never changes it.
//! - A certificate is emailed to the participant (through the outbox) when an email exists,
//!   with the link to their own page (`own_page`), which the PDF never contains.
//! - Issuing in the UI shows first what it will do (`delivery::issue_preview`: how many, who
//!   by mail, who through a referrer, who on paper, what the settings lack) and says after
//!   the batch what it did; certificates that reached nobody by e-mail are listed for
//!   printing (`delivery`). Revoking, retiring and compromising a key have confirmation
//!   pages that change nothing.
//! - The issuer's address and contact and the approval of the sample live in `profile`; a
//!   change of anything the sample prints withdraws the approval.

pub mod api;
pub mod cache;
pub mod delivery;
pub mod keys;
pub mod models;
pub mod own_page;
pub mod pages;
pub mod pdf;
pub mod printed;
pub mod profile;
pub mod public;
pub mod qr;
pub mod repo;
pub mod revocation;
pub mod service;
pub mod token;
