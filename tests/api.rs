//! The one integration test binary: the real app, real databases, real HTTP, real SMTP.

mod common;
mod it;
