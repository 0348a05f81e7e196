//! Participants and their enrollment in course runs.
//!
//! Rules:
//! - Collect only what the training needs: given and family name exactly as in the ID
//!   document (they are printed on the certificate), preferred language, and optionally a
//!   phone number or email address for reminders and the certificate. No nationality, no
//!   residence status, no date of birth.
//! - Names hold only what the certificate prints (`validate::printable`: one line, no
//!   control or bidi characters, only characters the certificate fonts draw, Arabic script
//!   included). A word mixing Latin, Greek or Cyrillic letters is saved only when the
//!   coordinator confirms it; a list import reports such a row instead.
//! - A participant is registered only with recorded consent (the date it was given).
//! - A run never holds more enrollments than its capacity, even under concurrent requests:
//!   the run row is locked before the count. Enrolling many at once (or a list imported into
//!   a run) takes the places in the order given, then the waiting list in that order, under
//!   one lock; nobody is enrolled twice.
//! - A participant is deleted only when they left no history: someone who took part
//!   (attendance, test, certificate) stays as a row and can only be erased (Art. 17,
//!   `privacy::erasure`); someone enrolled or waiting is cancelled first. Deleting takes
//!   their cancelled enrollments, reminder marks, consent history and the mails about them;
//!   the audit log keeps ids only.
//! - "Angemeldet durch" (referrer name, organisation, contact) is optional, one line each;
//!   the contact is an email address or a phone number, and needs a name.

pub mod api;
pub mod forms;
pub mod import;
pub mod models;
pub mod pages;
pub mod repo;
pub mod schedule;
pub mod service;
