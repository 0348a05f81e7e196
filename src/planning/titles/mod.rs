//! Course and module titles in the participant languages (issue 15).
//!
//! Rules:
//! - The coordinator enters, per participant language, the course's title and each
//!   module's title and description; German is the original (the course's own fields).
//!   An empty title removes that language's translation.
//! - Readers in a language without a translation see the original; pages isolate it
//!   (`<bdi>`), so an untranslated German title keeps its direction inside Arabic text.
//! - The survey form shows a "rank these topics" option in the respondent's language
//!   where its module has a translated title.

pub mod api;
pub mod pages;
pub mod repo;
pub mod service;
