//! Attendance marks and the completion rule.
//!
//! Rules:
//! - A mark is one of present, late, excused, absent, per (session, participant enrolled in
//!   the session's run). Marking again corrects the mark; the current mark is one row
//!   (upsert), and every mark ever made is kept in `attendance_marks` with who and when.
//! - Trainers mark only the sessions assigned to them; coordinators mark any session of
//!   their organisation.
//! - A participant completes a run when every mandatory module of the course was covered by
//!   a (not cancelled) session they attended as present or late, and they attended at least
//!   one session. The completion date is the day of the last such session.

pub mod api;
pub mod cards;
pub mod models;
pub mod pages;
pub mod repo;
pub mod service;
