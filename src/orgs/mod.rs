//! Organisations (municipalities sharing one deployment) and their users.
//!
//! Rules: only admins create organisations; admins, and coordinators for their own
//! organisation, invite and manage its accounts ([`team`]). The slug identifies an
//! organisation on the command line; the issuer name and signatory are printed on every
//! certificate the organisation issues.

pub mod api;
pub mod models;
pub mod pages;
pub mod repo;
pub mod service;
pub mod team;

pub use models::Organisation;
