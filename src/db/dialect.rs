//! The only place where SQLite and PostgreSQL need different SQL.
//!
//! diesel's `MultiConnection` cannot express upserts, row locks or immediate transactions,
//! so each helper matches the connection variant.

use chrono::NaiveDateTime;
use diesel::connection::SimpleConnection;
use diesel::prelude::*;

use super::schema::{
    attendance, certificate_checks, job_runs, mail_outbox, programme_quarters, session_reminders,
    test_results,
};
use super::DbConn;
use crate::error::AppError;
use crate::ids::{CertificateId, OrgId, ParticipantId, RunId, SessionId, UserId};

/// Takes SQLite's write lock before the transaction reads anything.
///
/// A deferred SQLite transaction that reads and then writes fails at once with
/// `SQLITE_BUSY` when another connection committed in between (its snapshot is stale;
/// `busy_timeout` does not help). A no-op write as the first statement makes it wait for
/// the lock instead. PostgreSQL needs nothing here.
pub fn begin_write(conn: &mut DbConn) -> Result<(), AppError> {
    if let DbConn::Sqlite(c) = conn {
        diesel::sql_query("UPDATE organisations SET id = id WHERE 0 = 1").execute(c)?;
    }
    Ok(())
}

/// Takes the write lock on one row as the first statement of a transaction, so a
/// read-then-write check (capacity, idempotency) cannot race another request.
///
/// PostgreSQL: `SELECT .. FOR UPDATE` on the row. SQLite: a no-op `UPDATE` of the row,
/// which takes the database's write lock before anything is read; other writers wait on
/// `busy_timeout` instead of failing later with a stale snapshot.
pub fn lock_for_update(
    conn: &mut DbConn, table: &'static str, id: impl Into<i32>,
) -> Result<(), AppError> {
    let id: i32 = id.into();

    // `table` is always a literal from our own code, never input.
    match conn {
        DbConn::Pg(c) => {
            diesel::sql_query(format!("SELECT id FROM {table} WHERE id = $1 FOR UPDATE"))
                .bind::<diesel::sql_types::Integer, _>(id)
                .execute(c)?;
        }
        DbConn::Sqlite(c) => {
            diesel::sql_query(format!("UPDATE {table} SET id = id WHERE id = ?"))
                .bind::<diesel::sql_types::Integer, _>(id)
                .execute(c)?;
        }
    }
    Ok(())
}

/// [`lock_for_update`] on many rows of one table at once, in order of id (so two callers
/// locking overlapping sets wait for each other rather than deadlock).
///
/// PostgreSQL: one `SELECT .. FOR UPDATE` over the ids. SQLite locks the whole database
/// for a writer: a no-op `UPDATE` of the first row takes it, as [`lock_for_update`] does.
pub fn lock_all_for_update(
    conn: &mut DbConn, table: &'static str, ids: &[i32],
) -> Result<(), AppError> {
    let Some(first) = ids.iter().min() else {
        return Ok(());
    };
    // `table` is always a literal from our own code, never input.
    match conn {
        DbConn::Pg(c) => {
            diesel::sql_query(format!(
                "SELECT id FROM {table} WHERE id = ANY($1) ORDER BY id FOR UPDATE"
            ))
            .bind::<diesel::sql_types::Array<diesel::sql_types::Integer>, _>(ids)
            .execute(c)?;
        }
        DbConn::Sqlite(c) => {
            diesel::sql_query(format!("UPDATE {table} SET id = id WHERE id = ?"))
                .bind::<diesel::sql_types::Integer, _>(*first)
                .execute(c)?;
        }
    }
    Ok(())
}

pub struct AttendanceUpsert<'a> {
    pub organisation_id: OrgId,
    pub session_id: SessionId,
    pub participant_id: ParticipantId,
    pub status: &'a str,
    pub marked_by: UserId,
    pub marked_at: NaiveDateTime,
    pub left_early: bool,
    /// The revision this mark becomes (1 for the first); the caller holds the session's
    /// lock and checked the revision it replaces.
    pub revision: i32,
}

/// The current mark per (session, participant): a repeated or concurrent mark ends as one row.
pub fn upsert_attendance(conn: &mut DbConn, m: &AttendanceUpsert) -> Result<(), AppError> {
    let values = (
        attendance::organisation_id.eq(m.organisation_id),
        attendance::session_id.eq(m.session_id),
        attendance::participant_id.eq(m.participant_id),
        attendance::status.eq(m.status),
        attendance::marked_by.eq(m.marked_by),
        attendance::marked_at.eq(m.marked_at),
        attendance::left_early.eq(m.left_early),
        attendance::revision.eq(m.revision),
    );
    let update = (
        attendance::status.eq(m.status),
        attendance::marked_by.eq(m.marked_by),
        attendance::marked_at.eq(m.marked_at),
        attendance::left_early.eq(m.left_early),
        attendance::revision.eq(m.revision),
    );
    match conn {
        DbConn::Pg(c) => diesel::insert_into(attendance::table)
            .values(values)
            .on_conflict((attendance::session_id, attendance::participant_id))
            .do_update()
            .set(update)
            .execute(c)?,
        DbConn::Sqlite(c) => diesel::insert_into(attendance::table)
            .values(values)
            .on_conflict((attendance::session_id, attendance::participant_id))
            .do_update()
            .set(update)
            .execute(c)?,
    };
    Ok(())
}

/// Claims up to `limit` due outbox rows by pushing their next attempt past `lease_until`,
/// so another replica's worker skips them while this one sends.
pub fn claim_due_mail(
    conn: &mut DbConn, now: NaiveDateTime, lease_until: NaiveDateTime, limit: i64,
) -> Result<Vec<i32>, AppError> {
    let due = mail_outbox::table
        // `mail::outbox::MailStatus::Pending`, which db (a lower layer) cannot name.
        .filter(mail_outbox::status.eq("pending"))
        .filter(mail_outbox::next_attempt_at.le(now))
        .order(mail_outbox::next_attempt_at.asc())
        .select(mail_outbox::id)
        .limit(limit);
    let ids: Vec<i32> = match conn {
        DbConn::Pg(c) => c.transaction(|c| {
            let ids: Vec<i32> = due.for_update().skip_locked().load(c)?;
            diesel::update(mail_outbox::table.filter(mail_outbox::id.eq_any(&ids)))
                .set(mail_outbox::next_attempt_at.eq(lease_until))
                .execute(c)?;
            Ok::<_, diesel::result::Error>(ids)
        })?,
        DbConn::Sqlite(c) => c.immediate_transaction(|c| {
            let ids: Vec<i32> = due.load(c)?;
            diesel::update(mail_outbox::table.filter(mail_outbox::id.eq_any(&ids)))
                .set(mail_outbox::next_attempt_at.eq(lease_until))
                .execute(c)?;
            Ok::<_, diesel::result::Error>(ids)
        })?,
    };
    Ok(ids)
}

pub struct ReminderInsert<'a> {
    pub organisation_id: OrgId,
    pub session_id: SessionId,
    pub participant_id: ParticipantId,
    pub kind: &'a str,
    pub recipient: Option<&'a str>,
    pub apology_token: &'a str,
    pub created_at: NaiveDateTime,
}

/// Records a reminder unless one of the same kind exists; true when this call recorded it.
/// `ON CONFLICT DO NOTHING` keeps a PostgreSQL transaction usable when another replica won.
pub fn insert_reminder_once(conn: &mut DbConn, r: &ReminderInsert) -> Result<bool, AppError> {
    let values = (
        session_reminders::organisation_id.eq(r.organisation_id),
        session_reminders::session_id.eq(r.session_id),
        session_reminders::participant_id.eq(r.participant_id),
        session_reminders::kind.eq(r.kind),
        session_reminders::recipient.eq(r.recipient),
        session_reminders::apology_token.eq(r.apology_token),
        session_reminders::created_at.eq(r.created_at),
    );
    let target =
        (session_reminders::session_id, session_reminders::participant_id, session_reminders::kind);
    let inserted = match conn {
        DbConn::Pg(c) => diesel::insert_into(session_reminders::table)
            .values(values)
            .on_conflict(target)
            .do_nothing()
            .execute(c)?,
        DbConn::Sqlite(c) => diesel::insert_into(session_reminders::table)
            .values(values)
            .on_conflict(target)
            .do_nothing()
            .execute(c)?,
    };
    Ok(inserted == 1)
}

pub struct TestResultUpsert {
    pub organisation_id: OrgId,
    pub run_id: RunId,
    pub participant_id: ParticipantId,
    pub points: i32,
    pub must_pass_correct: i32,
    pub recorded_by: UserId,
    pub recorded_at: NaiveDateTime,
}

/// One test result per participant and run; entering it again corrects it.
pub fn upsert_test_result(conn: &mut DbConn, r: &TestResultUpsert) -> Result<(), AppError> {
    let values = (
        test_results::organisation_id.eq(r.organisation_id),
        test_results::run_id.eq(r.run_id),
        test_results::participant_id.eq(r.participant_id),
        test_results::points.eq(r.points),
        test_results::must_pass_correct.eq(r.must_pass_correct),
        test_results::recorded_by.eq(r.recorded_by),
        test_results::recorded_at.eq(r.recorded_at),
    );
    let update = (
        test_results::points.eq(r.points),
        test_results::must_pass_correct.eq(r.must_pass_correct),
        test_results::recorded_by.eq(r.recorded_by),
        test_results::recorded_at.eq(r.recorded_at),
    );
    let target = (test_results::run_id, test_results::participant_id);
    match conn {
        DbConn::Pg(c) => diesel::insert_into(test_results::table)
            .values(values)
            .on_conflict(target)
            .do_update()
            .set(update)
            .execute(c)?,
        DbConn::Sqlite(c) => diesel::insert_into(test_results::table)
            .values(values)
            .on_conflict(target)
            .do_update()
            .set(update)
            .execute(c)?,
    };
    Ok(())
}

/// Counts one check of a certificate on `day` (one row per certificate and day).
pub fn count_certificate_check(
    conn: &mut DbConn, organisation_id: OrgId, certificate_id: CertificateId,
    day: chrono::NaiveDate, n: i32,
) -> Result<(), AppError> {
    let values = (
        certificate_checks::organisation_id.eq(organisation_id),
        certificate_checks::certificate_id.eq(certificate_id),
        certificate_checks::day.eq(day),
        certificate_checks::checks.eq(n),
    );
    let target = (certificate_checks::certificate_id, certificate_checks::day);
    let bump = certificate_checks::checks.eq(certificate_checks::checks + n);
    match conn {
        DbConn::Pg(c) => diesel::insert_into(certificate_checks::table)
            .values(values)
            .on_conflict(target)
            .do_update()
            .set(bump)
            .execute(c)?,
        DbConn::Sqlite(c) => diesel::insert_into(certificate_checks::table)
            .values(values)
            .on_conflict(target)
            .do_update()
            .set(bump)
            .execute(c)?,
    };
    Ok(())
}

/// Claims the run of the daily job `name` on `day`: true for the one caller (across
/// replicas) whose insert took. `ON CONFLICT DO NOTHING` on both backends, so the loser's
/// PostgreSQL transaction stays usable.
pub fn claim_job_run(
    conn: &mut DbConn, name: &str, day: chrono::NaiveDate, now: NaiveDateTime,
) -> Result<bool, AppError> {
    let values = (job_runs::name.eq(name), job_runs::day.eq(day), job_runs::started_at.eq(now));
    let inserted = match conn {
        DbConn::Pg(c) => diesel::insert_into(job_runs::table)
            .values(values)
            .on_conflict((job_runs::name, job_runs::day))
            .do_nothing()
            .execute(c)?,
        DbConn::Sqlite(c) => diesel::insert_into(job_runs::table)
            .values(values)
            .on_conflict((job_runs::name, job_runs::day))
            .do_nothing()
            .execute(c)?,
    };
    Ok(inserted == 1)
}

/// Stores a programme's frozen quarter unless one is stored already (another request or
/// replica froze it first: that one stays). `ON CONFLICT DO NOTHING` on both backends.
pub fn freeze_quarter_once(
    conn: &mut DbConn, programme: crate::ids::ProgrammeId, starts_on: chrono::NaiveDate,
    figures: &str, at: NaiveDateTime,
) -> Result<(), AppError> {
    let values = (
        programme_quarters::programme_id.eq(programme),
        programme_quarters::starts_on.eq(starts_on),
        programme_quarters::frozen_at.eq(at),
        programme_quarters::figures.eq(figures),
    );
    let target = (programme_quarters::programme_id, programme_quarters::starts_on);
    match conn {
        DbConn::Pg(c) => diesel::insert_into(programme_quarters::table)
            .values(values)
            .on_conflict(target)
            .do_nothing()
            .execute(c)?,
        DbConn::Sqlite(c) => diesel::insert_into(programme_quarters::table)
            .values(values)
            .on_conflict(target)
            .do_nothing()
            .execute(c)?,
    };
    Ok(())
}

/// After an erasure on SQLite: copies the write-ahead log into the database file and
/// empties it, so no page with an erased name stays readable in the `-wal` file
/// (`secure_delete` has overwritten it in the main file). PostgreSQL needs nothing here:
/// its WAL is the server's, outside the service's files.
pub fn checkpoint_after_erasure(conn: &mut DbConn) -> Result<(), AppError> {
    if let DbConn::Sqlite(c) = conn {
        // Busy readers can make a checkpoint partial; it is tried again after the next
        // erasure, and SQLite checkpoints on its own as the log grows.
        use diesel::connection::SimpleConnection;
        c.batch_execute("PRAGMA wal_checkpoint(TRUNCATE);")?;
    }
    Ok(())
}

/// SQLite: writes a copy of the whole database to the new file `target` while other
/// connections (the serving process) go on writing. `VACUUM INTO` reads in one read
/// transaction, so the copy is the database as of one commit, never half of a later one;
/// it leaves out free pages, so nothing erased before the copy is in it. PostgreSQL is
/// backed up with `pg_dump` (README, "Sicherung und Wiederherstellung").
pub fn sqlite_snapshot(conn: &mut DbConn, target: &str) -> Result<(), AppError> {
    match conn {
        DbConn::Sqlite(c) => {
            diesel::sql_query("VACUUM INTO ?")
                .bind::<diesel::sql_types::Text, _>(target)
                .execute(c)?;
            Ok(())
        }
        DbConn::Pg(_) => Err(AppError::Unavailable(anyhow::anyhow!(
            "a PostgreSQL database is backed up with pg_dump"
        ))),
    }
}

/// SQLite: whether the file is a sound SQLite database (`PRAGMA quick_check`), before a
/// restore puts it in place. PostgreSQL: nothing to check here (`pg_restore` checks).
pub fn sqlite_sound(conn: &mut DbConn) -> Result<bool, AppError> {
    #[derive(QueryableByName)]
    struct Check {
        #[diesel(sql_type = diesel::sql_types::Text)]
        quick_check: String,
    }
    match conn {
        DbConn::Sqlite(c) => {
            let rows: Vec<Check> = diesel::sql_query("PRAGMA quick_check").load(c)?;
            Ok(rows.len() == 1 && rows[0].quick_check == "ok")
        }
        DbConn::Pg(_) => Ok(true),
    }
}

/// The key of the PostgreSQL advisory lock that migrations hold ("mietmigr" in ASCII).
const MIGRATION_LOCK: i64 = 0x6d69_6574_6d69_6772;

/// Runs `migrate` as the only migration run on this PostgreSQL database: replicas starting
/// together on one empty database would otherwise each see every migration pending, and
/// all but one fail on tables that exist by then. The first to get the lock migrates; the
/// others wait, then find nothing pending, and start too.
///
/// A session advisory lock around the whole run (each migration keeps its own
/// transaction), released afterwards, or by the server when the connection dies. SQLite
/// needs no SQL for this: `db::Db::migrate` runs inside an immediate transaction.
pub fn with_pg_migration_lock<T, E>(
    conn: &mut diesel::pg::PgConnection,
    migrate: impl FnOnce(&mut diesel::pg::PgConnection) -> Result<T, E>,
) -> Result<T, E>
where
    E: From<diesel::result::Error>,
{
    use diesel::sql_types::BigInt;
    diesel::sql_query("SELECT pg_advisory_lock($1)")
        .bind::<BigInt, _>(MIGRATION_LOCK)
        .execute(conn)?;
    let result = migrate(conn);
    diesel::sql_query("SELECT pg_advisory_unlock($1)")
        .bind::<BigInt, _>(MIGRATION_LOCK)
        .execute(conn)?;
    result
}

/// Runs SQLite migrations in one immediate transaction with foreign keys off, and checks
/// them before committing: SQLite can change a table's CHECK only by building the table
/// anew, and dropping the old one with foreign keys on would delete every row that points
/// at it. The pragma has no effect inside a transaction, so it is set around it, on this
/// connection only; a violation left behind by a migration fails it and rolls it back.
pub fn sqlite_without_foreign_keys<T>(
    conn: &mut diesel::sqlite::SqliteConnection,
    migrate: impl FnOnce(
        &mut diesel::sqlite::SqliteConnection,
    ) -> Result<T, Box<dyn std::error::Error + Send + Sync>>,
) -> Result<T, Box<dyn std::error::Error + Send + Sync>> {
    #[derive(QueryableByName)]
    struct Violation {
        #[diesel(sql_type = diesel::sql_types::Text)]
        table: String,
    }
    conn.batch_execute("PRAGMA foreign_keys = OFF")?;
    let result = conn.immediate_transaction(|c| {
        let value = migrate(c)?;
        let broken = diesel::sql_query("PRAGMA foreign_key_check").load::<Violation>(c)?;
        if let Some(v) = broken.first() {
            return Err(format!("a migration left rows in {} pointing nowhere", v.table).into());
        }
        Ok(value)
    });
    conn.batch_execute("PRAGMA foreign_keys = ON")?;
    result
}
