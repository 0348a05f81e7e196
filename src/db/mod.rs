//! Database access for both backends.
//!
//! Rules: one `DbConn` enum covers SQLite (embedded default) and PostgreSQL (scale-out);
//! the variant is chosen from the URL scheme so real connection errors reach the operator.
//! Every SQLite connection turns on foreign keys, WAL and a busy timeout. Handlers never hold
//! a connection across `.await`: `Db::run` does checkout, queries and transaction in one
//! closure on the blocking pool. Migrations run under a database-wide lock, so replicas
//! that start together on one database apply each migration once and all start.

pub mod dialect;
pub mod schema;
pub mod text_enum;

pub(crate) use text_enum::text_enum;

use std::time::Duration;

use diesel::connection::SimpleConnection;
use diesel::pg::PgConnection;
use diesel::r2d2::{self, ManageConnection, Pool, PooledConnection};
use diesel::sqlite::SqliteConnection;
use diesel::{Connection, RunQueryDsl};
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};

use crate::error::AppError;

#[derive(diesel::MultiConnection)]
pub enum DbConn {
    Pg(PgConnection),
    Sqlite(SqliteConnection),
}

const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
const PG_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/postgres");

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Postgres,
    Sqlite,
}

impl Backend {
    pub fn from_url(url: &str) -> Backend {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Backend::Postgres
        } else {
            Backend::Sqlite
        }
    }
}

/// Opens a connection of the variant the URL asks for, keeping the driver's own error text.
pub fn establish(url: &str) -> Result<DbConn, diesel::ConnectionError> {
    match Backend::from_url(url) {
        Backend::Postgres => PgConnection::establish(url).map(DbConn::Pg),
        Backend::Sqlite => {
            let path = url.strip_prefix("sqlite://").unwrap_or(url);
            let mut conn = SqliteConnection::establish(path)?;
            conn.batch_execute(
                // secure_delete: an erased name must not stay readable in freed pages of
                // the database file. cache_size 1 MB instead of 2 for each of the pool's
                // connections: the system's page cache holds the file anyway; measured on
                // 20 demo years, /z kept its 11,900 checks/s and the resident size one minute
                // after the load fell from 69 to 64 MB.
                "PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 10000; \
                 PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; \
                 PRAGMA secure_delete = ON; PRAGMA cache_size = -1024;",
            )
            .map_err(diesel::ConnectionError::CouldntSetupConfiguration)?;
            Ok(DbConn::Sqlite(conn))
        }
    }
}

/// A transaction for changes: on SQLite it takes the write lock before reading, so
/// concurrent requests queue on `busy_timeout` instead of failing (see
/// [`dialect::begin_write`]).
pub fn write_transaction<T, F>(conn: &mut DbConn, f: F) -> Result<T, AppError>
where
    F: FnOnce(&mut DbConn) -> Result<T, AppError>,
{
    conn.transaction(|c| {
        dialect::begin_write(c)?;
        f(c)
    })
}

pub struct DbManager {
    url: String,
}

impl ManageConnection for DbManager {
    type Connection = DbConn;
    type Error = r2d2::Error;

    fn connect(&self) -> Result<DbConn, r2d2::Error> {
        establish(&self.url).map_err(r2d2::Error::ConnectionError)
    }

    /// Asked on every check-out. A SQLite connection is a file handle that cannot go stale,
    /// so only PostgreSQL's (a server restart, a proxy's idle cut) is asked, with a round trip.
    fn is_valid(&self, conn: &mut DbConn) -> Result<(), r2d2::Error> {
        match conn {
            DbConn::Sqlite(_) => Ok(()),
            DbConn::Pg(_) => diesel::sql_query("SELECT 1")
                .execute(conn)
                .map(|_| ())
                .map_err(r2d2::Error::QueryError),
        }
    }

    /// A connection whose transaction could not be ended is not handed out again.
    fn has_broken(&self, conn: &mut DbConn) -> bool {
        use diesel::r2d2::R2D2Connection;
        match conn {
            DbConn::Sqlite(c) => c.is_broken(),
            DbConn::Pg(c) => c.is_broken(),
        }
    }
}

pub type DbPool = Pool<DbManager>;
pub type PooledConn = PooledConnection<DbManager>;

/// The pool's connections at one moment.
#[derive(Debug, Clone, Copy, Default)]
pub struct PoolUse {
    pub in_use: u32,
    pub idle: u32,
    pub max: u32,
}

/// The application's handle on the database: a pool plus the backend it talks to.
#[derive(Clone)]
pub struct Db {
    pool: DbPool,
    pub backend: Backend,
}

impl Db {
    /// A pool of at most `max_size` connections. `keep_idle`: the service keeps one open
    /// while idle, refilled by the pool's own thread. A command that exits when done must
    /// not: a connection the pool's thread is still opening when the process exits can
    /// crash it (OpenSSL's exit handler frees what libpq's TLS handshake in that thread is
    /// using; seen as `check` ending with SIGSEGV after printing its result). Without it,
    /// connections are opened only while a caller waits for one.
    pub fn connect(url: &str, max_size: u32, keep_idle: bool) -> anyhow::Result<Db> {
        let backend = Backend::from_url(url);
        // Fail fast with the driver's message instead of r2d2's generic timeout.
        establish(url).map_err(|e| anyhow::anyhow!("cannot open database: {e}"))?;
        // Connections are opened when work needs them, not all at start-up: each costs a
        // PostgreSQL backend or a SQLite page cache, and an idle service needs one.
        let pool = Pool::builder()
            .max_size(max_size)
            .min_idle(Some(u32::from(keep_idle)))
            .connection_timeout(Duration::from_secs(10))
            .build(DbManager { url: url.to_string() })?;
        Ok(Db { pool, backend })
    }

    /// Applies every pending migration and returns how many; safe to call from several
    /// replicas at once: the run holds a database-wide lock (PostgreSQL: see
    /// [`dialect::with_pg_migration_lock`]; SQLite: an immediate transaction, each
    /// migration a savepoint in it), so each migration is applied once and the others
    /// find nothing pending.
    pub fn migrate(&self) -> anyhow::Result<usize> {
        let mut conn = self.pool.get()?;
        match &mut *conn {
            // All pending migrations in one transaction: one commit instead of one per
            // migration (a fresh database's start-up), and a failure leaves none applied.
            DbConn::Pg(c) => dialect::with_pg_migration_lock(c, |c| {
                c.transaction(|c| c.run_pending_migrations(PG_MIGRATIONS).map(|v| v.len()))
            }),
            // Nothing pending, nothing to check: the foreign-key check after migrating reads
            // every table, and the pooled connection kept the pages it read (1.6 MB for three
            // demo years) for the life of the process.
            DbConn::Sqlite(c) => match c.has_pending_migration(SQLITE_MIGRATIONS) {
                Ok(false) => Ok(0),
                _ => dialect::sqlite_without_foreign_keys(c, |c| {
                    c.run_pending_migrations(SQLITE_MIGRATIONS).map(|v| v.len())
                }),
            },
        }
        .map_err(|e| anyhow::anyhow!("migration failed: {e}"))
    }

    /// Applies the pending migrations older than `version` (as in the folder name,
    /// `2026-11-30-000014`) and stops there: a test of that migration fills the database
    /// as it was before, then migrates and reads the data back.
    pub fn migrate_before(&self, version: &str) -> anyhow::Result<usize> {
        let mut conn = self.pool.get()?;
        match &mut *conn {
            DbConn::Pg(c) => {
                dialect::with_pg_migration_lock(c, |c| run_before(c, PG_MIGRATIONS, version))
            }
            DbConn::Sqlite(c) => dialect::sqlite_without_foreign_keys(c, |c| {
                run_before(c, SQLITE_MIGRATIONS, version)
            }),
        }
        .map_err(|e| anyhow::anyhow!("migration failed: {e}"))
    }

    /// Reverts the newest applied migration and returns its version (digits only, as
    /// diesel keeps it: `20261130000014`).
    pub fn revert_last(&self) -> anyhow::Result<String> {
        let mut conn = self.pool.get()?;
        match &mut *conn {
            DbConn::Pg(c) => c.revert_last_migration(PG_MIGRATIONS).map(|v| v.to_string()),
            DbConn::Sqlite(c) => dialect::sqlite_without_foreign_keys(c, |c| {
                c.revert_last_migration(SQLITE_MIGRATIONS).map(|v| v.to_string())
            }),
        }
        .map_err(|e| anyhow::anyhow!("reverting failed: {e}"))
    }

    /// How many of the pool's connections are lent out, how many wait idle, and the most
    /// it opens (for monitoring).
    pub fn pool_use(&self) -> PoolUse {
        let state = self.pool.state();
        PoolUse {
            in_use: state.connections.saturating_sub(state.idle_connections),
            idle: state.idle_connections,
            max: self.pool.max_size(),
        }
    }

    /// Runs `f` with a pooled connection on the blocking thread pool.
    pub async fn run<F, T>(&self, f: F) -> Result<T, AppError>
    where
        F: FnOnce(&mut DbConn) -> Result<T, AppError> + Send + 'static,
        T: Send + 'static,
    {
        let pool = self.pool.clone();
        // The caller's span (a request's id) goes along, so what the use case logs on the
        // blocking thread is found with the request.
        let span = tracing::Span::current();
        actix_web::web::block(move || {
            let _in_request = span.enter();
            let mut conn = pool.get()?;
            f(&mut conn)
        })
        .await
        .map_err(|e| AppError::Internal(anyhow::anyhow!("blocking task failed: {e}")))?
    }

    /// The same for code that is not async (CLI, tests of the worker).
    pub fn run_blocking<F, T>(&self, f: F) -> Result<T, AppError>
    where
        F: FnOnce(&mut DbConn) -> Result<T, AppError>,
    {
        let mut conn = self.pool.get()?;
        f(&mut conn)
    }
}

fn run_before<B: diesel::backend::Backend>(
    conn: &mut impl MigrationHarness<B>, source: EmbeddedMigrations, version: &str,
) -> diesel::migration::Result<usize> {
    // diesel keeps a version's digits only (`20261130000014`).
    let digits = |v: &str| v.chars().filter(char::is_ascii_digit).collect::<String>();
    let before = digits(version);
    let mut pending = conn.pending_migrations(source)?;
    pending.sort_by_key(|m| digits(&m.name().version().to_string()));
    let mut applied = 0;
    for migration in pending.iter().filter(|m| digits(&m.name().version().to_string()) < before) {
        conn.run_migration(migration.as_ref())?;
        applied += 1;
    }
    Ok(applied)
}

#[cfg(test)]
mod tests {
    use diesel::sql_types::Integer;
    use diesel::RunQueryDsl;

    #[derive(diesel::QueryableByName)]
    struct Used {
        #[diesel(sql_type = Integer)]
        used: i32,
    }

    /// `.cargo/config.toml` builds the bundled SQLite with the query planner stability
    /// guarantee; without it every `.first()` is parsed and planned again on each run.
    #[test]
    fn bundled_sqlite_keeps_prepared_statements_across_bindings() {
        let super::DbConn::Sqlite(mut conn) = super::establish(":memory:").unwrap() else {
            unreachable!("a path is a SQLite URL")
        };
        let rows: Vec<Used> =
            diesel::sql_query("SELECT sqlite_compileoption_used('ENABLE_QPSG') AS used")
                .load(&mut conn)
                .unwrap();
        assert_eq!(rows[0].used, 1, "SQLite built without SQLITE_ENABLE_QPSG");
    }

    /// A command's pool opens connections only while its caller waits: nothing is left
    /// opening in the pool's thread when the command returns (and the process exits). The
    /// service's pool refills its idle connection in the background.
    #[test]
    fn a_commands_pool_opens_nothing_in_the_background() {
        let dir = tempfile::tempdir().unwrap();
        let url = dir.path().join("pool.sqlite").to_string_lossy().into_owned();
        let opened = |keep_idle: bool| {
            let db = super::Db::connect(&url, 4, keep_idle).unwrap();
            db.run_blocking(|_| Ok(())).unwrap();
            let _held = db.pool.get().unwrap();
            std::thread::sleep(std::time::Duration::from_millis(300));
            db.pool.state().connections
        };
        assert_eq!(opened(false), 1, "only the one the command asked for");
        assert!(opened(true) > 1, "the service's pool refills in the background");
    }
}
