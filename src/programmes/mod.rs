//! State programmes over the organisations ("Landesprogramm"): an admin creates a programme
//! with its funding body and reporting periods, invites organisations and the programme's
//! office (accounts of the role `programme`, "Programmkoordination").
//!
//! Rules:
//! - An organisation's coordinators accept an invitation or decline it, choose what the
//!   organisation shares (figures; its courses and surveys as templates) and may change
//!   that or leave at any time. Leaving, or sharing no figures, removes the organisation
//!   from every figure computed from then on. Every step is in the audit log.
//! - A programme account belongs to its programme, never to an organisation: it reads its
//!   programme's members, figures and library, and nothing else (every organisation route
//!   refuses it, 403; another programme is not found, 404).
//! - Figures are computed from aggregates only, per member and in total, per quarter and
//!   per reporting period ([`figures`]): no name, id or row about a person leaves an
//!   organisation, and counts of people from 1 to 4 are held back with complementary
//!   suppression ([`suppression`]) so no combination of published figures recovers them.
//! - Reporting periods are whole quarters and never overlap, so no two publications can
//!   be subtracted to uncover a held-back count.

pub mod api;
pub mod export;
pub mod figures;
pub mod models;
pub mod pages;
pub mod repo;
pub mod report;
pub mod service;
pub mod suppression;
pub mod views;
