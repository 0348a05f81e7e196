//! Public verification of certificates: what a landlord sees after scanning the QR code.
//!
//! Rules:
//! - Checks run in a fixed order: length cap, base32, CBOR size cap, algorithm allow-list,
//!   kid, signature (against cached public keys), and only then the database (revoked?
//!   replaced?). A bad token never costs a database query.
//! - Every invalid token, whatever the reason, gets the same "Ungültig" answer.
//! - A typed code is read before anything else: one whose check character does not fit, or
//!   that is too short or too long, gets the form again with "Tippfehler?" (or what is
//!   wrong) and what was typed, never the "Ungültig" page, and costs no database lookup.
//! - The page shows status, the holder's name with the hint to compare it with an official
//!   ID, course, completion date, issuing body with its address and contact (from its
//!   certificate settings), code and time of the check, and for "Widerrufen" and
//!   "Ungültig" what that means and what to do: never anything else about the person,
//!   never the revocation reason, never the key fingerprint (the API still gives it).
//! - It speaks German, English, Turkish, Russian and Arabic (right to left), by `?lang=`
//!   or `Accept-Language`, with a switch; the language is not stored either.
//! - Responses are not cached, not indexed, send no referrer, and allow no script.
//! - Checks are counted per certificate and day (summed in memory, written every two
//!   seconds): nothing about the checker is kept.
//! - A signed list of revoked and replaced codes is published for offline verifiers
//!   (`certificates::revocation`); online, the database decides. Its answers are kept for
//!   one second (`cache`): a revocation shows at once on this replica, within a second on
//!   the others.
//! - The web app at `/pruefen` checks scans without a connection (`offline`).

pub mod api;
pub mod counter;
pub mod offline;
pub mod page;
pub mod public;
pub mod repo;
pub mod service;
