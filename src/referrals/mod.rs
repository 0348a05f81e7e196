//! Referrals: social workers and volunteers with an account of the role "Vermittlung"
//! (`referrer`) register people for an organisation's open runs on their behalf and follow
//! only those people.
//!
//! Rules: a referrer sees and acts only within their own organisation, and only on the
//! people whose `referred_by_user_id` is their account (anyone else's: not found). A
//! registration is the participants' registration and enrolment (`participants::service`:
//! the same checks, capacity and waiting list), with the referrer's account stored as the
//! person's referrer (name and e-mail taken from the account); the person's consent is
//! required. Mail about a person without an address of their own goes to the referrer's
//! account (`participants::service::contact_email_in`). A referrer downloads a
//! certificate's PDF only for a person without an e-mail address (the person receives it
//! by mail otherwise), and only a valid one. An erased person leaves the referrer's list.

pub mod api;
pub mod forms;
pub mod models;
pub mod pages;
pub mod repo;
pub mod service;
