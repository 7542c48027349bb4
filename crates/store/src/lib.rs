//! kojo's storage: the only crate with SQL.
//!
//! One migration set (`migrations/`) and one set of query strings serve SQLite (the default: a
//! file, WAL, foreign keys on, `synchronous=FULL` so a commit survives power loss) and
//! PostgreSQL, chosen by URL. Each query is written once; the [`on!`] macro runs it on the pool
//! of the configured backend. Row types derive `sqlx::FromRow` generically, so decoding is shared.
//!
//! Writes to an answer use optimistic concurrency: the caller passes the version it read, and a
//! stale version fails with [`StoreError::Conflict`] carrying the current value.
#![deny(missing_docs)]

pub mod backup;
pub mod chain;
mod cycle_model;
mod exchange_model;
mod group;
mod model;
mod pin;
mod queries;
mod register_model;
mod stamp;
pub use queries::{
    AUDIT_FIELD_MAX, Anchor, AnchorRow, AnswerWrite, BackupRun, CatalogCarry, ChainReport,
    ClockReading, MAX_UPLOADS_PER_USER, OverdueRow, PortfolioHead, QueueFilter, THROTTLE_MAX_ROWS,
};

pub use cycle_model::*;
pub use exchange_model::*;
pub use model::*;
pub use register_model::*;
pub use stamp::{ContentStamp, UNSTAMPED};

use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use std::path::PathBuf;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

/// The migrations, embedded.
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

/// Storage errors. Database errors are never hidden.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database URL is not `sqlite:PATH` or `postgres://…`.
    #[error("unsupported database URL {0:?} (use sqlite:PATH or postgres://…)")]
    BadUrl(String),
    /// The database reported an error.
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    /// Applying migrations failed.
    #[error("migration error: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// A stale version: someone else changed the answer first. Carries the current value.
    #[error("conflict: item {item} changed to version {}", current.as_ref().map(|c| c.version).unwrap_or(0))]
    Conflict {
        /// The item.
        item: u16,
        /// What is stored now (None: never answered).
        current: Option<Box<StoredAnswer>>,
    },
    /// A unique key exists already (site code, line code, user name, …).
    #[error("{what} {key} already exists")]
    Duplicate {
        /// Kind of thing (`site`, `line`, `user`).
        what: &'static str,
        /// Its key.
        key: String,
    },
    /// A row that must exist does not.
    #[error("{what} {key} not found")]
    NotFound {
        /// Kind of thing.
        what: &'static str,
        /// Its key.
        key: String,
    },
    /// The assessment inherits from no plant assessment, so nothing can be put back on it.
    #[error("the assessment does not inherit from its plant")]
    NotInheriting,
    /// The item is not overridden on the line, so there is nothing to put back.
    #[error("item {item} is not overridden")]
    NotOverridden {
        /// The item.
        item: u16,
    },
    /// The assessment is not a draft, so its content cannot change.
    #[error("the assessment is {status}, not a draft")]
    NotDraft {
        /// Its status key.
        status: String,
    },
    /// Another decision changed the assessment's status first.
    #[error("the assessment is no longer {expected}")]
    StateChanged {
        /// The status the caller expected.
        expected: String,
    },
    /// A new evidence blob would exceed the total quota.
    #[error("evidence quota exceeded: {used} + {size} > {max} bytes")]
    Quota {
        /// Bytes stored now.
        used: i64,
        /// Bytes of the new file.
        size: i64,
        /// The quota.
        max: i64,
    },
    /// The change would leave no enabled administrator.
    #[error("the last enabled administrator cannot be disabled or demoted")]
    LastAdmin,
    /// The database was migrated by a newer kojo.
    #[error(
        "the database has schema version {database}; this kojo knows up to {known}: use a newer kojo"
    )]
    SchemaNewer {
        /// The database's version.
        database: i64,
        /// The newest this kojo knows.
        known: i64,
    },
    /// A stored value kojo cannot read back (corrupt or written by a newer version).
    #[error("stored data is invalid: {0}")]
    Corrupt(String),
}

/// Result alias.
pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// Which database engine.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// SQLite file.
    Sqlite,
    /// PostgreSQL server.
    Postgres,
}

#[derive(Debug, Clone)]
pub(crate) enum Backend {
    /// `pool` for reads and single statements; `writer`, one connection, for the write
    /// transactions ([`write_tx!`]), which run one at a time: its page cache stays warm, where a
    /// pooled connection would start each transaction by re-reading the pages another wrote.
    /// `group` commits answer saves together on `writer` (see the `group` module).
    Sqlite {
        pool: SqlitePool,
        writer: SqlitePool,
        group: Arc<group::Group>,
    },
    Postgres(PgPool),
}

/// Runs `$body` with `$pool` bound to a connection of the backend's read pool (the same SQL on
/// both): the task's pinned connection inside [`Store::pinned`], else one from the pool.
macro_rules! on {
    ($store:expr, |$pool:ident| $body:expr) => {
        match &$store.backend {
            $crate::Backend::Sqlite { pool, .. } => {
                let mut lease = $crate::pin::lease(pool, $store.owner()).await?;
                let $pool = &mut *lease;
                $body
            }
            $crate::Backend::Postgres(pool) => {
                let mut lease = $crate::pin::lease(pool, $store.owner()).await?;
                let $pool = &mut *lease;
                $body
            }
        }
    };
}
pub(crate) use on;

/// Runs one statement (`$query`, written once for both engines) and returns how many rows it
/// changed. The count is the caller's to check ([`one_row`], [`inserted`], [`at_most_one`]) or
/// to return; it is never dropped.
macro_rules! exec {
    ($store:expr, $query:expr) => {
        on!($store, |pool| $query
            .execute(pool)
            .await
            .map(|r| r.rows_affected()))
    };
}
pub(crate) use exec;

/// A statement meant for one row changed `n`: none is [`StoreError::NotFound`] (`what` `key`),
/// more than one means the data breaks a key the schema promises.
pub(crate) fn one_row(n: u64, what: &'static str, key: &str) -> Result<()> {
    match n {
        1 => Ok(()),
        0 => Err(StoreError::NotFound {
            what,
            key: key.into(),
        }),
        n => Err(StoreError::Corrupt(format!(
            "{what} {key}: {n} rows changed, expected one"
        ))),
    }
}

/// A plain insert of one `what` changed `n` rows; anything but one is a broken promise.
pub(crate) fn inserted(n: u64, what: &'static str) -> Result<()> {
    match n {
        1 => Ok(()),
        n => Err(StoreError::Corrupt(format!(
            "inserting one {what} changed {n} rows"
        ))),
    }
}

/// An idempotent write (`ON CONFLICT DO NOTHING`, a conditional update or delete) of at most one
/// `what` changed `n` rows: whether it changed one.
pub(crate) fn at_most_one(n: u64, what: &'static str) -> Result<bool> {
    match n {
        0 => Ok(false),
        1 => Ok(true),
        n => Err(StoreError::Corrupt(format!(
            "{what}: {n} rows changed, expected at most one"
        ))),
    }
}

/// Runs `$body` inside one write transaction (`$tx`), committing on `Ok` and rolling back on
/// `Err`. On SQLite the transaction is `BEGIN IMMEDIATE` on the one writer connection, and
/// writers in this process queue on a mutex, so writes never fail with `SQLITE_BUSY` half-way.
macro_rules! write_tx {
    ($store:expr, |$tx:ident| $body:expr) => {
        match &$store.backend {
            $crate::Backend::Sqlite { writer, .. } => {
                let _guard = $store.write_lock.lock().await;
                let mut $tx = writer.begin_with("BEGIN IMMEDIATE").await?;
                let result = $body;
                match result {
                    Ok(v) => {
                        $tx.commit().await?;
                        Ok(v)
                    }
                    Err(e) => {
                        // The original error is what the caller needs; a failed rollback (the
                        // connection is closed and the server rolls back anyway) is only logged.
                        if let Err(r) = $tx.rollback().await {
                            tracing::warn!(error = %r, "rollback failed");
                        }
                        Err(e)
                    }
                }
            }
            $crate::Backend::Postgres(pool) => {
                let mut conn = $crate::pin::for_write(pool, $store.owner()).await?;
                let mut $tx = sqlx::Connection::begin(&mut *conn).await?;
                let result = $body;
                match result {
                    Ok(v) => {
                        $tx.commit().await?;
                        $crate::pin::give_back(conn, $store.owner()).await;
                        Ok(v)
                    }
                    Err(e) => {
                        // The original error is what the caller needs; a failed rollback (the
                        // connection is closed and the server rolls back anyway) is only logged.
                        if let Err(r) = $tx.rollback().await {
                            tracing::warn!(error = %r, "rollback failed");
                        }
                        Err(e)
                    }
                }
            }
        }
    };
}
pub(crate) use write_tx;

/// How many connections a [`Store`] opens for reads.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Connections {
    /// A pool for concurrent requests (`kojo serve`, and the default).
    #[default]
    Pool,
    /// One, for a command that does one thing at a time. A query then waits for the connection
    /// the previous one returns, where a pool would open another (on PostgreSQL ~7 ms: a
    /// returned connection reaches the pool only after a ping, on another task). Only for
    /// callers that never hold a transaction while they query; on SQLite, write transactions
    /// keep their own connection either way.
    One,
}

/// A connection to kojo's database.
#[derive(Debug, Clone)]
pub struct Store {
    pub(crate) backend: Backend,
    pub(crate) write_lock: Arc<tokio::sync::Mutex<()>>,
    description: String,
}

/// The default database file: `<per-user data dir>/kojo/kojo.sqlite3`.
pub fn default_sqlite_path() -> PathBuf {
    let base = std::env::var_os("XDG_DATA_HOME")
        .map(PathBuf::from)
        .filter(|p| p.is_absolute())
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local/share")))
        .unwrap_or_else(|| PathBuf::from("."));
    base.join("kojo").join("kojo.sqlite3")
}

fn redact(url: &str) -> String {
    // postgres://user:secret@host/db -> postgres://user:***@host/db
    if let Some((scheme, rest)) = url.split_once("://")
        && let Some((cred, host)) = rest.split_once('@')
        && let Some((user, _)) = cred.split_once(':')
    {
        return format!("{scheme}://{user}:***@{host}");
    }
    url.to_string()
}

impl Store {
    /// Opens (creating and migrating on first use) the database at `url`:
    /// `sqlite:PATH` / `sqlite://PATH` or `postgres://…` / `postgresql://…`.
    pub async fn open(url: &str) -> Result<Store> {
        let store = Store::connect(url).await?;
        store.migrate().await?;
        Ok(store)
    }

    /// Connects to the database at `url` (creating an empty SQLite file) without migrating it.
    pub async fn connect(url: &str) -> Result<Store> {
        Store::connect_with(url, Connections::Pool).await
    }

    /// [`Store::connect`] with a choice of how many connections reads may use.
    pub async fn connect_with(url: &str, connections: Connections) -> Result<Store> {
        let write_lock = Arc::new(tokio::sync::Mutex::new(()));
        let (sqlite_max, pg_max) = match connections {
            Connections::Pool => (8, 16),
            Connections::One => (1, 1),
        };
        let backend = if let Some(path) = url
            .strip_prefix("sqlite://")
            .or_else(|| url.strip_prefix("sqlite:"))
        {
            let path = path.split('?').next().unwrap_or(path);
            if path.is_empty() {
                return Err(StoreError::BadUrl(url.to_string()));
            }
            if let Some(dir) = std::path::Path::new(path)
                .parent()
                .filter(|d| !d.as_os_str().is_empty())
            {
                std::fs::create_dir_all(dir)
                    .map_err(|e| StoreError::Database(sqlx::Error::Io(e)))?;
            }
            let opts = SqliteConnectOptions::new()
                .filename(path)
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Full)
                .foreign_keys(true)
                .busy_timeout(Duration::from_secs(30));
            // No ping before handing out a connection: it is in-process, so it cannot have
            // been dropped by a server or the network, and the ping is a round trip to the
            // connection's worker thread for every query (sqlx pings again on release anyway).
            // The writer connects on the first write, so read-only commands never open it.
            let writer = SqlitePoolOptions::new()
                .max_connections(1)
                .test_before_acquire(false)
                .connect_lazy_with(opts.clone());
            let pool = SqlitePoolOptions::new()
                .max_connections(sqlite_max)
                .test_before_acquire(false)
                .connect_with(opts)
                .await?;
            let group = Arc::new(group::Group::new(writer.clone(), Arc::clone(&write_lock)));
            Backend::Sqlite {
                pool,
                writer,
                group,
            }
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            let opts = PgConnectOptions::from_str(url)?;
            let pool = PgPoolOptions::new()
                .max_connections(pg_max)
                .acquire_timeout(Duration::from_secs(30))
                .after_connect(|conn, _| {
                    Box::pin(async move {
                        // lz4 compresses large values (a plant's stored suggestions, 1.3 MB of
                        // JSON for 50,000 assets) several times faster than the default pglz.
                        // A server built without lz4 refuses the setting and keeps pglz.
                        use sqlx::Executor;
                        let _ = conn.execute("SET default_toast_compression = 'lz4'").await;
                        Ok(())
                    })
                })
                .connect_with(opts)
                .await?;
            Backend::Postgres(pool)
        } else {
            return Err(StoreError::BadUrl(url.to_string()));
        };
        let store = Store {
            backend,
            write_lock,
            description: redact(url),
        };
        Ok(store)
    }

    /// The database's schema version and the newest this kojo knows.
    pub async fn schema_state(&self) -> Result<SchemaState> {
        Ok(SchemaState {
            database: self.schema_version().await?,
            latest: backup::latest_schema_version(),
        })
    }

    /// Applies every pending migration in one transaction (refusing a database of a newer
    /// kojo); an upgrade across migration 0010 chains the existing access log and history in
    /// the same transaction. Then fills missing mark summaries.
    pub async fn migrate(&self) -> Result<()> {
        let state = self.schema_state().await?;
        self.migrate_from(state).await
    }

    /// [`Store::migrate`] from the state the caller just read ([`Store::schema_state`]).
    pub async fn migrate_from(&self, state: SchemaState) -> Result<()> {
        if state.database > state.latest {
            return Err(StoreError::SchemaNewer {
                database: state.database,
                known: state.latest,
            });
        }
        if state.database < state.latest {
            let mut migrator =
                sqlx::migrate::Migrator::with_migrations(MIGRATOR.iter().cloned().collect());
            migrator.set_locking(false);
            match &self.backend {
                Backend::Sqlite { writer, .. } => {
                    let _guard = self.write_lock.lock().await;
                    let mut tx = writer.begin_with("BEGIN IMMEDIATE").await?;
                    migrator.run_direct(None, &mut *tx, false).await?;
                    if state.database < CHAIN_VERSION {
                        queries::seal_chain!(tx);
                    }
                    tx.commit().await?;
                }
                Backend::Postgres(pool) => {
                    let mut tx = begin_start_up(pool).await?;
                    migrator.run_direct(None, &mut *tx, false).await?;
                    if state.database < CHAIN_VERSION {
                        queries::seal_chain!(tx);
                    }
                    tx.commit().await?;
                }
            }
        }
        self.fill_mark_summaries().await?;
        self.ensure_content_stamp().await?;
        Ok(())
    }

    /// The engine.
    pub fn kind(&self) -> Kind {
        match self.backend {
            Backend::Sqlite { .. } => Kind::Sqlite,
            Backend::Postgres(_) => Kind::Postgres,
        }
    }

    /// The URL with any password hidden, for logs and start-up messages.
    pub fn description(&self) -> &str {
        &self.description
    }

    /// Closes the pools (waits for connections to finish).
    pub async fn close(&self) {
        match &self.backend {
            Backend::Sqlite { pool, writer, .. } => {
                writer.close().await;
                pool.close().await
            }
            Backend::Postgres(pool) => pool.close().await,
        }
    }
}

/// A PostgreSQL transaction for start-up work on the schema (migrations, the stamp's
/// triggers): instances starting together do it one after the other.
pub(crate) async fn begin_start_up(
    pool: &PgPool,
) -> Result<sqlx::Transaction<'static, sqlx::Postgres>> {
    let mut tx = pool.begin().await?;
    sqlx::query("SELECT pg_advisory_xact_lock(7402653321)")
        .execute(&mut *tx)
        .await?;
    Ok(tx)
}

/// The migration that introduced the audit chain: older databases are sealed when migrated.
const CHAIN_VERSION: i64 = 10;

/// A database's schema version beside the newest this kojo knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct SchemaState {
    /// The last migration applied to the database (0: none).
    pub database: i64,
    /// The last migration this kojo has.
    pub latest: i64,
}

impl SchemaState {
    /// Migrations this kojo would apply.
    pub fn pending(&self) -> bool {
        self.database < self.latest
    }
}

/// Current time as stored: RFC 3339 UTC with milliseconds (sorts as text).
pub fn now() -> String {
    chrono::Utc::now()
        .format("%Y-%m-%dT%H:%M:%S%.3fZ")
        .to_string()
}

/// A fresh random id.
pub fn new_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

pub(crate) fn is_unique_violation(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(d) if d.is_unique_violation())
}
