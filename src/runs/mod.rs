//! The run page ("Durchgang"): where a coordinator sees and acts on one run of a course —
//! its sessions, who holds a place and who waits, who has completed, and the
//! certificates.
//!
//! Rules:
//! - The page is read through one use case (`service::run_page`) that checks the caller's
//!   role and organisation and returns typed data; the page and its forms never touch a
//!   repository.
//! - Every form on the page (edit the run, add a session, enrol, cancel an enrolment,
//!   revoke or re-issue a certificate) answers on success with a redirect back to the page
//!   and a message saying what happened, and on failure with the page again, the message
//!   next to what was typed.
//! - The overview "Durchgänge" (`overview`) sorts every run in use into upcoming, running
//!   and to certify, with its counts and the next thing to do. It asks each domain once for
//!   all runs (sessions, places, completion, certificates), never once per run: years of
//!   runs cost the same number of queries as one.
//! - The lists that grow with a run's people (who holds a place, who waits, certificates,
//!   who could be enrolled) show 50 at a time with a page navigation
//!   (`templates::pagination`); the counts above them are the whole run's.
//! - Correcting a course or module (`correct`) first freezes what the runs' certificates
//!   print, then says how many valid certificates print the older text.
//! - The certificate column shows only a valid certificate; completion counts only sessions
//!   that have started (the attendance rules).

pub mod api;
pub mod correct;
pub mod overview;
pub mod pages;
pub mod service;
