//! The answers of anonymous surveys on their way into the results: held sealed in a pool,
//! released in shuffled batches.
//!
//! Rules:
//! - A submitted answer of an anonymous survey is not written beside the "answered" mark of
//!   its link: it goes, in a transaction of its own, into `survey_pending_answers`, under a
//!   random id, without a timestamp, sealed (XChaCha20-Poly1305, key derived from the
//!   deployment's session key with HKDF-SHA256), so a reader of the database learns nothing
//!   from a pending row, not even its group or language.
//! - Pending answers are released into `survey_responses`/`survey_answers` per cell (group
//!   and language): a cell's answers go as soon as [`BATCH_SIZE`] of them are pending, and
//!   every pending answer of a survey goes once it has closed (the survey job). One
//!   release is one transaction that takes the survey's row lock, inserts its answers in a
//!   random order and deletes their pool rows; so the responses of a batch share one
//!   transaction id (PostgreSQL's `xmin`), and neither their ids nor their physical order
//!   say who answered first. Whoever reads invitations and responses side by side can tell
//!   at most which [`BATCH_SIZE`] or more invitations of a cell a batch came from.
//! - Released responses carry no invitation and, as their day, the Monday of the week the
//!   survey opened: nothing finer than the survey's week.
//! - A draft of an anonymous survey is sealed the same way, bound to its link.
//! - A row that cannot be opened (the session key was replaced) stays in the pool, counted in
//!   the log, so the old key can still recover it; it is never released half-read.

use std::collections::BTreeMap;

use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use chrono::{Datelike, Duration, NaiveDate};
use rand::seq::SliceRandom;
use rand::RngCore;
use serde::{Deserialize, Serialize};

use super::answers::Answers;
use super::models::{StakeholderGroup, Survey, ANONYMITY_THRESHOLD};
use super::repo;
use crate::config::Settings;
use crate::db::{dialect, DbConn};
use crate::error::{AppError, AppResult};
use crate::ids::{QuestionId, SurveyId};

/// A cell's pending answers are released once this many wait (the anonymity threshold, so
/// a batch is never smaller than the smallest group whose results are shown).
pub const BATCH_SIZE: usize = ANONYMITY_THRESHOLD;

/// The key that seals pending answers; derived from the session key, never stored.
#[derive(Clone)]
pub struct PoolKey([u8; 32]);

impl std::fmt::Debug for PoolKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PoolKey(..)")
    }
}

impl PoolKey {
    pub fn from_settings(settings: &Settings) -> Self {
        Self::derive(&settings.session_key_bytes())
    }

    pub fn derive(secret: &[u8]) -> Self {
        let mut key = [0u8; 32];
        hkdf::Hkdf::<sha2::Sha256>::new(None, secret)
            .expand(b"mietschulung/survey-pending-answers/v1", &mut key)
            .expect("32 bytes is a valid HKDF-SHA256 length");
        PoolKey(key)
    }

    fn cipher(&self) -> XChaCha20Poly1305 {
        XChaCha20Poly1305::new((&self.0).into())
    }

    /// Nonce and ciphertext, base64; bound to the survey so a row cannot be moved to another.
    fn seal(&self, survey: SurveyId, answer: &PendingAnswer) -> AppResult<String> {
        let msg = serde_json::to_vec(answer).map_err(|e| AppError::Internal(e.into()))?;
        self.seal_bytes(&msg, &survey.0.to_be_bytes())
    }

    fn open(&self, survey: SurveyId, sealed: &str) -> Option<PendingAnswer> {
        serde_json::from_slice(&self.open_bytes(sealed, &survey.0.to_be_bytes())?).ok()
    }

    fn seal_bytes(&self, msg: &[u8], aad: &[u8]) -> AppResult<String> {
        let mut nonce = [0u8; 24];
        rand::rngs::OsRng.fill_bytes(&mut nonce);
        let sealed = self
            .cipher()
            .encrypt(XNonce::from_slice(&nonce), Payload { msg, aad })
            .map_err(|_| AppError::Internal(anyhow::anyhow!("sealing failed")))?;
        let mut out = nonce.to_vec();
        out.extend(sealed);
        Ok(data_encoding::BASE64.encode(&out))
    }

    fn open_bytes(&self, sealed: &str, aad: &[u8]) -> Option<Vec<u8>> {
        let raw = data_encoding::BASE64.decode(sealed.as_bytes()).ok()?;
        if raw.len() < 24 {
            return None;
        }
        let (nonce, ciphertext) = raw.split_at(24);
        self.cipher().decrypt(XNonce::from_slice(nonce), Payload { msg: ciphertext, aad }).ok()
    }

    /// A draft of an anonymous survey as stored: sealed and bound to its link, so the
    /// answers saved "to continue later" cannot be read beside the token either.
    pub fn seal_draft(&self, token: &str, json: &str) -> AppResult<String> {
        Ok(format!("{DRAFT_PREFIX}{}", self.seal_bytes(json.as_bytes(), token.as_bytes())?))
    }

    /// The draft's JSON: opened when sealed, as it is otherwise (a survey with names, an
    /// open link's empty start); `None` when it cannot be opened.
    pub fn open_draft(&self, token: &str, stored: &str) -> Option<String> {
        match stored.strip_prefix(DRAFT_PREFIX) {
            Some(sealed) => String::from_utf8(self.open_bytes(sealed, token.as_bytes())?).ok(),
            None => Some(stored.to_string()),
        }
    }
}

/// Marks a sealed draft (JSON never starts like this).
const DRAFT_PREFIX: &str = "sealed:";

/// One respondent's answer while it waits: what the response row will hold.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PendingAnswer {
    pub group: StakeholderGroup,
    pub language: String,
    pub answers: Answers,
}

/// The Monday of the week `day` falls in.
pub fn monday_of(day: NaiveDate) -> NaiveDate {
    day - Duration::days(i64::from(day.weekday().num_days_from_monday()))
}

/// The only day an anonymous response carries: the Monday of the week the survey opened.
pub fn response_day(survey: &Survey) -> NaiveDate {
    monday_of(survey.opens_on)
}

fn pool_id() -> String {
    let mut raw = [0u8; 16];
    rand::rngs::OsRng.fill_bytes(&mut raw);
    data_encoding::HEXLOWER.encode(&raw)
}

/// Puts one answer into the pool, in a transaction of its own.
pub fn hold(
    conn: &mut DbConn, key: &PoolKey, survey: SurveyId, answer: &PendingAnswer,
) -> AppResult<()> {
    let sealed = key.seal(survey, answer)?;
    crate::db::write_transaction(conn, |conn| {
        repo::insert_pending(conn, &pool_id(), survey, &sealed)
    })
}

/// Which pending answers a release takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Take {
    /// Only cells (group and language) with at least [`BATCH_SIZE`] pending.
    FullCells,
    /// Everything pending: the survey has closed.
    All,
}

/// Releases pending answers of `survey` into its responses, in a random order, in one
/// transaction; returns how many responses were written (0 when there was nothing to take,
/// or another request took it first).
pub fn release(
    conn: &mut DbConn, key: &PoolKey, survey: &Survey, take: Take, rng: &mut impl rand::Rng,
) -> AppResult<usize> {
    let day = response_day(survey);
    let (released, unreadable) = crate::db::write_transaction(conn, |conn| {
        // One release at a time per survey: the second finds the rows gone.
        dialect::lock_for_update(conn, "surveys", survey.id)?;
        let mut cells: BTreeMap<(&str, String), Vec<(String, PendingAnswer)>> = BTreeMap::new();
        let mut unreadable = 0usize;
        for (id, sealed) in repo::pending(conn, survey.id)? {
            match key.open(survey.id, &sealed) {
                Some(a) => {
                    cells.entry((a.group.code(), a.language.clone())).or_default().push((id, a))
                }
                None => unreadable += 1,
            }
        }
        let mut batch: Vec<(String, PendingAnswer)> = cells
            .into_values()
            .filter(|cell| take == Take::All || cell.len() >= BATCH_SIZE)
            .flatten()
            .collect();
        batch.shuffle(rng);
        // Questions cannot change while answers are pending; a deleted one is skipped all
        // the same rather than holding the whole batch back.
        let asked: Vec<QuestionId> =
            repo::questions(conn, survey.id)?.iter().map(|q| q.id).collect();
        for (_, a) in &batch {
            let response = repo::insert_response(conn, survey.id, None, a.group, &a.language, day)?;
            for (question, value) in a.answers.iter().filter(|(q, _)| asked.contains(q)) {
                repo::insert_answer(conn, response, *question, &value.to_string())?;
            }
        }
        let ids: Vec<String> = batch.iter().map(|(id, _)| id.clone()).collect();
        repo::delete_pending(conn, &ids)?;
        Ok((batch.len(), unreadable))
    })?;
    if unreadable > 0 {
        tracing::warn!(
            survey_id = survey.id.0,
            unreadable,
            "pending survey answers could not be opened with the current session key"
        );
    }
    Ok(released)
}

/// The survey job's part: every pending answer of the surveys closed before `today`, and
/// the full cells of open ones (whose release after a submission failed).
pub fn release_due(conn: &mut DbConn, key: &PoolKey, today: NaiveDate) -> AppResult<usize> {
    let mut released = 0;
    for id in repo::surveys_with_pending(conn)? {
        if let Some(survey) = repo::by_id(conn, id)? {
            // An archived survey is closed: its answers wait for nobody else.
            let closed = survey.closes_on < today || survey.is_archived();
            let take = if closed { Take::All } else { Take::FullCells };
            released += release(conn, key, &survey, take, &mut rand::thread_rng())?;
        }
    }
    Ok(released)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn answer() -> PendingAnswer {
        PendingAnswer {
            group: StakeholderGroup::SocialWorker,
            language: "ar".into(),
            answers: [(crate::ids::QuestionId(7), json!("Mehr Beispiele"))].into(),
        }
    }

    #[test]
    fn a_sealed_answer_opens_only_with_its_key_and_survey() {
        let key = PoolKey::derive(&[1u8; 64]);
        let sealed = key.seal(SurveyId(3), &answer()).unwrap();
        assert!(!sealed.contains("Beispiele") && !sealed.contains("social"));
        assert_eq!(key.open(SurveyId(3), &sealed), Some(answer()));
        assert_eq!(key.open(SurveyId(4), &sealed), None, "bound to its survey");
        assert_eq!(PoolKey::derive(&[2u8; 64]).open(SurveyId(3), &sealed), None);
        assert_eq!(key.open(SurveyId(3), "kaputt"), None);
        assert_ne!(sealed, key.seal(SurveyId(3), &answer()).unwrap(), "a fresh nonce each time");
    }

    #[test]
    fn a_sealed_draft_opens_only_for_its_link() {
        let key = PoolKey::derive(&[1u8; 64]);
        let stored = key.seal_draft("tokenA", r#"{"7":"Mehr Beispiele"}"#).unwrap();
        assert!(!stored.contains("Beispiele"));
        assert_eq!(key.open_draft("tokenA", &stored).as_deref(), Some(r#"{"7":"Mehr Beispiele"}"#));
        assert_eq!(key.open_draft("tokenB", &stored), None);
        assert_eq!(
            key.open_draft("tokenB", "{}").as_deref(),
            Some("{}"),
            "plain drafts as they are"
        );
    }

    proptest::proptest! {
        #[test]
        fn the_day_of_a_response_is_the_monday_of_its_week(days in 0i64..4000) {
            let day = NaiveDate::from_ymd_opt(2024, 1, 1).unwrap() + Duration::days(days);
            let monday = monday_of(day);
            proptest::prop_assert_eq!(monday.weekday(), chrono::Weekday::Mon);
            proptest::prop_assert!(monday <= day && day - monday < Duration::days(7));
        }
    }
}
