//! Attendance marks and the completion rule.
//!
//! Rules:
//! - A mark is one of present, late, excused, absent (present and late may carry "left
//!   early"), per (session, participant holding a place in the session's run). The current
//!   mark is one row (upsert); every change is kept in `attendance_marks` with who and when,
//!   and that history never goes back in time (`marked_at` never decreases per session and
//!   participant, even across replicas' clocks).
//! - Attendance describes the past: a session takes marks (roster, API, card check-in) from
//!   one hour before its start, so people can check in as they arrive; earlier, a mark is
//!   refused with 422 naming when it opens. A cancelled session takes none (409). Test
//!   results are entered from a session's roster once that session has started.
//! - Marks are never overwritten by stale requests: the current mark has a `revision`
//!   (1 for the first, +1 on every change). The roster form sends the revision it showed,
//!   the API may send it as `expected_revision` (0: no mark yet); when the mark changed
//!   since, nothing is saved and the answer is 409 with the mark as it is now. Sending the
//!   mark that is current already changes nothing and answers 200 (a retry is harmless).
//! - A card check-in marks present only who is not yet marked as attending: late and left
//!   early stay, and the answer is the participant's current mark.
//! - Trainers mark only the sessions assigned to them; coordinators mark any session of
//!   their organisation.
//! - A participant completes a run when every mandatory module of the course was covered by
//!   a session that has started, was not cancelled and which they attended as present or
//!   late, and they attended at least one such session; a session still to come counts
//!   neither as attended nor in the share. The completion date is the day of the last
//!   attended session.
//! - `service::attendance_violations` lists stored facts that break these rules (marks made
//!   before their session took marks, a history going back in time, test results recorded
//!   before their run's first session started) for the operator's check.

pub mod api;
pub mod cards;
pub mod models;
pub mod pages;
pub mod repo;
pub mod service;
