//! Database access for both backends.
//!
//! Rules: one `DbConn` enum covers SQLite (embedded default) and PostgreSQL (scale-out);
//! the variant is chosen from the URL scheme so real connection errors reach the operator.
//! Every SQLite connection turns on foreign keys, WAL and a busy timeout. Handlers never hold
//! a connection across `.await`: `Db::run` does checkout, queries and transaction in one
//! closure on the blocking pool.

pub mod dialect;
pub mod schema;

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
                "PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 10000; \
                 PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;",
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

    fn is_valid(&self, conn: &mut DbConn) -> Result<(), r2d2::Error> {
        diesel::sql_query("SELECT 1")
            .execute(conn)
            .map(|_| ())
            .map_err(r2d2::Error::QueryError)
    }

    fn has_broken(&self, _conn: &mut DbConn) -> bool {
        false
    }
}

pub type DbPool = Pool<DbManager>;
pub type PooledConn = PooledConnection<DbManager>;

/// The application's handle on the database: a pool plus the backend it talks to.
#[derive(Clone)]
pub struct Db {
    pool: DbPool,
    pub backend: Backend,
}

impl Db {
    pub fn connect(url: &str, max_size: u32) -> anyhow::Result<Db> {
        let backend = Backend::from_url(url);
        // Fail fast with the driver's message instead of r2d2's generic timeout.
        establish(url).map_err(|e| anyhow::anyhow!("cannot open database: {e}"))?;
        let pool = Pool::builder()
            .max_size(max_size)
            .connection_timeout(Duration::from_secs(10))
            .build(DbManager {
                url: url.to_string(),
            })?;
        Ok(Db { pool, backend })
    }

    pub fn migrate(&self) -> anyhow::Result<usize> {
        let mut conn = self.pool.get()?;
        let applied = match &mut *conn {
            DbConn::Pg(c) => c.run_pending_migrations(PG_MIGRATIONS),
            DbConn::Sqlite(c) => c.run_pending_migrations(SQLITE_MIGRATIONS),
        }
        .map_err(|e| anyhow::anyhow!("migration failed: {e}"))?;
        Ok(applied.len())
    }

    /// Runs `f` with a pooled connection on the blocking thread pool.
    pub async fn run<F, T>(&self, f: F) -> Result<T, AppError>
    where
        F: FnOnce(&mut DbConn) -> Result<T, AppError> + Send + 'static,
        T: Send + 'static,
    {
        let pool = self.pool.clone();
        actix_web::web::block(move || {
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
