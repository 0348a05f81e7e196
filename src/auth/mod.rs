//! Accounts, login and roles.
//!
//! Rules:
//! - Three roles: `admin` (manages organisations and users, sees no training data),
//!   `coordinator` (plans, registers, issues certificates in one organisation) and
//!   `trainer` (sees their own sessions and marks attendance in one organisation).
//! - Passwords are hashed with argon2id; an unknown email costs the same work as a wrong
//!   password so the login form does not reveal who has an account.
//! - Browser logins use a signed and encrypted cookie session (stateless, so replicas share
//!   nothing but the session key); every form carries a CSRF token bound to that session.
//! - API clients exchange email and password for a bearer token; only its SHA-256 is stored.

pub mod extract;
pub mod models;
pub mod repo;
pub mod routes;
pub mod service;

pub use models::{Actor, Role};
