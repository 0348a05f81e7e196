//! The accessibility statement ("Erklärung zur Barrierefreiheit", BITV 2.0 § 7 and its
//! model text) of each organisation, and the feedback visitors send through it.
//!
//! Rules:
//! - The statement is public: one page per organisation, and a general one for pages that
//!   belong to none (login, error pages). Every page's footer links to the one that fits.
//! - Only the coordinator of an organisation edits its contact and the state of conformity;
//!   the fixed parts (enforcement procedure, Schlichtungsstelle nach § 16 BGG) are the
//!   model text's and live in `locales/`.
//! - Feedback keeps the message, and name and e-mail only when the sender gave them: no
//!   address, no browser, no session. It goes to the organisation's contact through the
//!   mail outbox and is listed for its coordinator, who deletes it when it is dealt with.
//! - The form is rate-limited per client like the other public forms and CSRF-protected.

pub mod api;
pub mod models;
pub mod pages;
pub mod public;
pub mod repo;
pub mod service;
