//! Accounts, login and roles.
//!
//! Rules:
//! - Four roles: `admin` (manages organisations and users, sees no training data),
//!   `coordinator` (plans, registers, issues certificates and manages the accounts of one
//!   organisation), `trainer` (sees their own sessions and marks attendance in one
//!   organisation) and `referrer` ("Vermittlung": registers participants on their behalf).
//! - Nobody makes up another person's password: an account is created by an invitation
//!   whose one-time link lets the person choose it; a forgotten password is replaced the
//!   same way ([`links`]). Only the operator's `user create` sets one, for the first admin.
//! - Passwords are hashed with argon2id; an unknown email costs the same work as a wrong
//!   password so the login form does not reveal who has an account.
//! - Browser logins are rows in `user_sessions`; the signed and encrypted cookie carries
//!   only a random secret whose SHA-256 is the row's key. A session ends at logout, after
//!   `MIETSCHULUNG_SESSION_IDLE_MINUTES` without a request, `MIETSCHULUNG_SESSION_MAX_HOURS`
//!   after login, and when its user changes the password or is deactivated; every replica
//!   sees that at the next request. Every form carries a CSRF token bound to the session.
//! - API clients exchange email and password for a named bearer token that expires (1–365
//!   days); only its SHA-256 is stored. Owners list and revoke their tokens, admins those of
//!   an organisation's users. A password change or deactivation deletes them all.
//! - Password guessing is throttled per account and per client address ([`throttle`]).

pub mod api;
pub mod extract;
pub mod links;
pub mod models;
pub mod pages;
pub mod public;
pub mod repo;
pub mod service;
pub mod throttle;

pub use models::{Actor, Role};
