//! Retention and erasure of personal data, with certificates that stay verifiable.
//!
//! Rules:
//! - Each organisation keeps participants' personal data `retention_participant_months`
//!   after the end of the last run they were enrolled in (any status; never enrolled:
//!   after registration), raw survey answers `retention_survey_months` after the survey
//!   closed, sent mail `retention_mail_days` after sending and audit entries
//!   `retention_audit_years`. Defaults and bounds in [`rules`]; nothing is due before its
//!   period ends, and someone enrolled in a run that has not ended is never due.
//! - Erasing a participant is one write transaction: the row keeps its id, language and
//!   dates (so attendance, enrolments, test results and reports still count them) and
//!   loses name, contact, referrer and card; each certificate becomes a tombstone (code,
//!   status, course, dates, issuer key, and an HMAC of the normalised name under the
//!   organisation's name secret, a file beside the signing keys and never in the
//!   database); every mail about the person goes (pending ones too), reminder recipients,
//!   reissue reasons, consent events and names in certificate batch failures go. One
//!   `erasures` row and one audit entry (`participant.erase`, ids and the reason code).
//!   Erasing an erased participant changes nothing (409 on request).
//! - The check page of a tombstone takes the name from the signed token when its hash
//!   matches; a typed code shows no name. A revoked certificate stays revoked.
//! - The daily job claims `job_runs (retention, day)` from 03:00 local time, so one
//!   replica runs it per day; `mietschulung erase --due` runs regardless. Each
//!   participant, survey and mail chunk is its own transaction; a second run finds
//!   nothing left. On SQLite the write-ahead log is checkpointed afterwards, so no old
//!   page holding an erased name stays in the `-wal` file.

pub mod api;
pub mod pages;
pub mod repo;
pub mod rules;
pub mod service;
