//! Stakeholder pre-surveys: what landlords, social workers, housing companies, the VHS,
//! volunteers and the target group want the training to stress.
//!
//! Rules:
//! - A survey belongs to one organisation and is addressed to one or more stakeholder
//!   groups (its audience); a question can be limited to some of those groups.
//! - Question kinds: single choice, multiple choice, rating scale 1–5, free text, number,
//!   and "rank these topics", whose options are the modules of the survey's course, so
//!   the answers can be laid beside the curriculum.
//! - Once a survey has answers, its questions can be added to but not changed in ways that
//!   would corrupt what was answered: options, kind, groups and limits of an answered
//!   question stay as they are (wording and help text may be corrected).
//! - Answers are accepted only between the opening and the closing day, only to questions
//!   the respondent's group sees, only with existing options and within the limits; a
//!   rejected submission changes nothing.
//! - A survey nobody answered can be deleted (with its questions, translations and
//!   invitations); once anyone answered it can only be archived: closed for answers,
//!   invitations and reminders at once, its results kept ([`service`]).
//! - Only contacts who agreed to be contacted are invited: by email where they have an
//!   address, on a printed sheet in their language otherwise; the coordinator checks who
//!   gets what, and who is left out and why, before anything is sent ([`invite`]). A
//!   survey without questions invites nobody.
//! - Each invited contact has a personal link with an unguessable token; a token answers
//!   once (a second submission is refused, not counted twice). An open link (no token) can
//!   be enabled per group.
//! - Anonymous surveys keep the link between token and answers out of the database, the
//!   WAL-visible columns and the logs: the invitation only records the week it was
//!   answered; the answer is written in another transaction than that mark, waits sealed
//!   in a pool and is released in shuffled batches of at least five per group and language
//!   (and at closing), with no invitation and only the survey's week ([`release`]); a draft
//!   saved "to continue later" is deleted on submission and cannot be written after it.
//! - Results of an anonymous survey are withheld (results and counts) for a group with
//!   fewer than five responses, and totals are never the complement of a withheld group.
//!   When the raw answers are erased after the retention period, the figures stay
//!   ([`retention`]).
//!
//! The use cases, by who acts:
//! - the coordinator builds a survey: [`service`] (the survey itself; every other use case
//!   of the coordinator finds its survey there), [`questions`], [`translations`];
//! - the coordinator reaches contacts: [`invite`] (personal links, mails, reminders, the
//!   paper sheet), and reads the outcome: [`results`] (summaries, charts, exports);
//! - the coordinator's pages over all of it: [`overview`] (the list, the survey page);
//! - the respondent answers: [`respond`], over [`links`] (personal and open links, drafts,
//!   the one submission per link), [`questionnaire`] (what the respondent sees, and the
//!   coordinator's preview of it) and [`answers`] (the rules an answer must meet).
//!
//! The files use each other without cycles, lowest first: `answers`, `release`, `links`,
//! `service`, `questions`, `questionnaire`, `translations`, `invite`, `results`,
//! `retention`, `overview`, `respond`, `forms` (the coordinator's HTML forms read into
//! input). The handlers on top,
//! [`pages`], [`public`] and [`api`], call the same use cases for the HTML pages and the
//! API.

pub mod answers;
pub mod api;
pub mod forms;
pub mod invite;
pub mod links;
pub mod models;
pub mod overview;
pub mod pages;
pub mod public;
pub mod questionnaire;
pub mod questions;
pub mod release;
pub mod repo;
pub mod respond;
pub mod results;
pub mod retention;
pub mod service;
pub mod translations;
