//! Participation certificates: issuing, revoking, the PDF, the signed QR token, the keys.
//!
//! Rules:
//! - Only a participant who completed the run (see `attendance`) gets a certificate; at most
//!   one valid certificate per participant and run (a unique index enforces it), so issuing
//!   again is harmless and a crashed batch can simply be rerun.
//! - The QR code holds `<PUBLIC_URL>/Z/<base32(COSE_Sign1)>` in upper case, signed with the
//!   organisation's Ed25519 key (kid of one byte). The token carries the holder's name
//!   exactly as printed, the course code and the completion date: nothing else personal.
//! - Issuing fails loudly when a token or URL would exceed the QR budget (README, "Certificates and verification").
//! - Private keys live in files (mode 0400) under the keys directory, never in the database;
//!   the database keeps the public key, kid and its state (retired / compromised).
//! - Revocation is decided by the database and keeps its reason internal; the public page
//!   only says "Widerrufen".
//! - A certificate is emailed to the participant (through the outbox) when an email exists.

pub mod api;
pub mod cache;
pub mod keys;
pub mod models;
pub mod pages;
pub mod pdf;
pub mod qr;
pub mod repo;
pub mod revocation;
pub mod service;
pub mod token;
