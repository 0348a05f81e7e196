//! Courses, their modules, course runs and training sessions.
//!
//! Rules:
//! - A course (code unique per organisation) has ordered modules; a module is mandatory or
//!   optional. The course code is short and upper-case because it is signed into every QR code.
//! - A run is one offering of a course: dates, place, capacity, interpreter languages.
//! - A training session belongs to a run, lies within the run's dates, ends after it starts,
//!   has at most one trainer of the same organisation, and covers modules of the run's course.
//!   Times are entered and shown in Europe/Berlin and stored as UTC.
//! - Locations are kept per organisation and reused by name; a second place whose name
//!   differs only in case or spaces is refused. The session form chooses among the places
//!   in use; a new place is made on its own form.
//! - Courses, modules, runs, sessions and places can be corrected; what has history is
//!   archived rather than deleted (see [`correct`]).

pub mod api;
pub mod calendar;
pub mod correct;
pub mod forms;
pub mod models;
pub mod pages;
pub mod public;
pub mod repo;
pub mod service;
pub mod titles;
pub mod views;
