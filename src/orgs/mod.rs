//! Organisations (municipalities sharing one deployment) and their users.
//!
//! Rules: only admins create organisations and their users. The slug identifies an
//! organisation on the command line; the issuer name and signatory are printed on every
//! certificate the organisation issues.

pub mod api;
pub mod models;
pub mod pages;
pub mod repo;
pub mod service;

pub use models::Organisation;
