use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::schema::{session_reminders, training_sessions};
use crate::db::DbConn;
use crate::error::AppResult;
use crate::ids::{OrgId, ParticipantId, SessionId};
use crate::planning::models::TrainingSessionRow;

/// Sessions (all organisations) starting after `now` and at most `until`, not cancelled.
pub fn upcoming_sessions(
    conn: &mut DbConn, now: NaiveDateTime, until: NaiveDateTime,
) -> AppResult<Vec<TrainingSessionRow>> {
    Ok(training_sessions::table
        .filter(training_sessions::cancelled.eq(false))
        .filter(training_sessions::starts_at.gt(now))
        .filter(training_sessions::starts_at.le(until))
        .order(training_sessions::starts_at.asc())
        .select(TrainingSessionRow::as_select())
        .load(conn)?)
}

/// (reminder id, session id, participant id, organisation id, apologised at) of a link.
pub type ReminderRef = (i32, SessionId, ParticipantId, OrgId, Option<NaiveDateTime>);

pub fn by_token(conn: &mut DbConn, token: &str) -> AppResult<Option<ReminderRef>> {
    Ok(session_reminders::table
        .filter(session_reminders::apology_token.eq(token))
        .select((
            session_reminders::id,
            session_reminders::session_id,
            session_reminders::participant_id,
            session_reminders::organisation_id,
            session_reminders::apologised_at,
        ))
        .first(conn)
        .optional()?)
}

/// Marks every reminder of the (session, participant) as answered with an apology.
pub fn record_apology(
    conn: &mut DbConn, session_id: SessionId, participant_id: ParticipantId, now: NaiveDateTime,
) -> AppResult<()> {
    diesel::update(
        session_reminders::table
            .filter(session_reminders::session_id.eq(session_id))
            .filter(session_reminders::participant_id.eq(participant_id))
            .filter(session_reminders::apologised_at.is_null()),
    )
    .set(session_reminders::apologised_at.eq(Some(now)))
    .execute(conn)?;
    Ok(())
}

/// Participants of a session who sent an apology, with when.
pub fn apologies_for_session(
    conn: &mut DbConn, session_id: SessionId,
) -> AppResult<Vec<(ParticipantId, NaiveDateTime)>> {
    let rows: Vec<(ParticipantId, Option<NaiveDateTime>)> = session_reminders::table
        .filter(session_reminders::session_id.eq(session_id))
        .filter(session_reminders::apologised_at.is_not_null())
        .select((session_reminders::participant_id, session_reminders::apologised_at))
        .load(conn)?;
    Ok(rows.into_iter().filter_map(|(p, at)| at.map(|a| (p, a))).collect())
}
