//! The programme's shared library of courses and surveys.
//!
//! Rules:
//! - A member organisation that shares its templates publishes one of its courses
//!   (modules with descriptions and translations, the completion rule and final test) or
//!   surveys (questions, groups, translations) as a template. Publishing again after a
//!   change makes a new version; publishing an unchanged one changes nothing. Each
//!   version's content is kept, so any two can be compared.
//! - The programme ships a starter set with every new programme: the five-module
//!   Mietschulung and the stakeholder pre-survey, in German and the participant languages
//!   where it addresses participants.
//! - Coordinators of member organisations copy a template into their organisation, where
//!   it is an ordinary course or survey to adapt; the copy is checked as if typed in, and
//!   a failed copy leaves nothing behind. When the template has a newer version, the copy's
//!   template shows "neue Version verfügbar" with the differences; the organisation copies
//!   the new version or marks it as seen.
//! - A member's templates are on offer only while it is a member sharing templates and has
//!   not withdrawn them: leaving or no longer sharing takes them off the shelf at once,
//!   copies already made stay with those who made them.
//! - The programme's office and admins read the library; they copy nothing (they have no
//!   organisation). Another programme's template is not found.

pub mod api;
pub mod content;
pub mod pages;
pub mod repo;
pub mod service;
