//! mietschulung: tenant trainings (Mietschulungen) for German municipalities.
//!
//! Coordinators plan courses, runs and sessions and register participants; trainers mark
//! attendance on their phones; participants who complete a run receive a PDF certificate
//! whose QR code a landlord scans to see at once whether it is genuine.

pub mod accessibility;
pub mod api;
pub mod attendance;
pub mod audit;
pub mod auth;
pub mod backup;
pub mod certificates;
pub mod cli;
pub mod config;
pub mod db;
pub mod error;
pub mod i18n;
pub mod ids;
pub mod integrity;
pub mod jobs;
pub mod library;
pub mod mail;
pub mod metrics;
pub mod openapi;
pub mod orgs;
pub mod participants;
pub mod planning;
pub mod privacy;
pub mod programmes;
pub mod rate_limit;
pub mod referrals;
pub mod reminders;
pub mod reports;
pub mod runs;
pub mod spreadsheet;
pub mod stakeholders;
pub mod startup;
pub mod surveys;
pub mod telemetry;
pub mod templates;
pub mod time;
pub mod validate;
pub mod verification;
pub mod web;
