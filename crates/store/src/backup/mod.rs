//! Backups: one gzip-compressed tar file holding every table and every evidence blob, written
//! from one consistent snapshot, verifiable without a database, restorable into an empty
//! database of either engine.
//!
//! Why tar + gzip (the `tar` and `flate2` crates): the file streams both ways (no central
//! directory, so neither writing nor reading needs the whole file or a seekable one), and an
//! operator can list or extract it with the standard `tar` tool in an emergency. The reader
//! takes tar headers raw (no GNU long names or PAX extensions, which the `tar` crate would read
//! into memory whole) and refuses anything but the regular files kojo writes.
//!
//! Layout, in order:
//! 1. `kojo-backup.json` — [`Header`]: format, schema version, engine, every table's columns;
//! 2. per table of [`TABLES`], in dependency order: `tables/NAME.jsonl`, one JSON array per row
//!    (the `blobs` table without its data, which follows as `blobs/SHA256`, one entry per blob,
//!    right before `tables/blobs.jsonl`);
//! 3. `manifest.json` — [`Manifest`]: SHA-256, size and row count of every entry, blob totals
//!    and the head of the audit chain.
//!
//! Memory: a reader holds at most one header ([`MAX_HEADER_BYTES`]), one row
//! ([`MAX_LINE_BYTES`]), one batch of rows and one blob ([`MAX_BLOB_BYTES`], the largest
//! evidence file kojo accepts). No count or size declared in the file is trusted for an
//! allocation.

mod dump;
mod read;
mod restore;
mod write;

pub use read::{VerifyReport, verify};
pub use restore::{RestoreOptions, RestoreReport, restore};
pub use write::{BackupInfo, file_sum};

use serde::{Deserialize, Serialize};

/// The `format` of a backup header.
pub const FORMAT: &str = "kojo-backup";
/// The version of the layout this kojo writes and reads.
pub const FORMAT_VERSION: u32 = 1;
/// The largest header or manifest accepted.
pub const MAX_HEADER_BYTES: u64 = 1024 * 1024;
/// The largest row (one JSONL line) accepted.
pub const MAX_LINE_BYTES: usize = 16 * 1024 * 1024;
/// The largest blob accepted: the largest evidence file kojo can be set to accept (1 GiB).
pub const MAX_BLOB_BYTES: u64 = 1024 * 1024 * 1024;
/// The most tables a header may list.
pub const MAX_TABLES: usize = 256;
/// The most columns a table may have.
pub const MAX_COLUMNS: usize = 256;

/// The tables a backup holds, in an order that satisfies every foreign key (assessments refer
/// to one another; those two columns are set after all assessments are in), with the columns
/// that order their rows.
pub const TABLES: &[(&str, &str)] = &[
    ("organisations", "id"),
    ("sites", "id"),
    ("lines", "id"),
    ("users", "id"),
    ("grants", "user_id, site_id"),
    ("company_grants", "user_id, org_id"),
    ("settings", "key"),
    ("sequences", "name"),
    ("assessments", "id"),
    ("answers", "assessment_id, item_no"),
    ("answer_history", "id"),
    ("comments", "id"),
    ("reviews", "assessment_id, item_no"),
    ("actions", "id"),
    ("action_events", "seq"),
    ("blobs", "sha256"),
    ("evidence", "id"),
    ("signoffs", "seq"),
    ("company_keys", "key_id"),
    ("suppliers", "org_id"),
    ("receipts", "seq"),
    ("api_tokens", "id"),
    ("register_entries", "id"),
    ("register_facts", "seq"),
    ("register_fact_sets", "site_id, kind"),
    ("register_history", "entry_id, version"),
    ("register_reviews", "id"),
    ("activity_records", "id"),
    ("register_stamps", "site_id"),
    ("audit_log", "seq"),
    ("audit_anchors", "seq"),
];

/// Tables a backup leaves out, because they describe one running installation rather than
/// its data: web sessions (a restored copy must not accept old cookies), login throttling,
/// this installation's backup runs and scheduled-job slots, ledger files
/// in the middle of an import, the register rules' cached results (derived, and valid only
/// under the stamp they were computed for), the content stamp (a restored database gets a new
/// one), and sqlx's migration bookkeeping (rebuilt on restore).
pub const EXCLUDED: &[&str] = &[
    "sessions",
    "login_throttle",
    "backups",
    "job_runs",
    "register_uploads",
    "register_suggestions",
    "content_stamp",
    "_sqlx_migrations",
];

/// Views kojo creates (dropped with the tables by a forced restore).
pub(crate) const VIEWS: &[&str] = &["site_access", "effective_answers"];

/// Columns of `assessments` that refer to other assessments: restored after every row is in.
pub(crate) const DEFERRED: &[&str] = &["based_on", "inherits_from"];

/// The kind of a column's values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ColumnKind {
    /// Text.
    Text,
    /// 64-bit integer.
    Int,
    /// Boolean.
    Bool,
    /// Bytes (only `blobs.data`, which travels as its own entries).
    Bytes,
}

impl ColumnKind {
    /// The kind of a declared SQL type (SQLite's declared type, PostgreSQL's `data_type`).
    pub(crate) fn of(sql_type: &str) -> Option<ColumnKind> {
        let t = sql_type.to_ascii_lowercase();
        if t.contains("int") {
            Some(ColumnKind::Int)
        } else if t.starts_with("bool") {
            Some(ColumnKind::Bool)
        } else if t == "bytea" || t == "blob" {
            Some(ColumnKind::Bytes)
        } else if t == "text" || t.starts_with("character") || t.starts_with("varchar") {
            Some(ColumnKind::Text)
        } else {
            None
        }
    }
}

/// One column.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Column {
    /// Name.
    pub name: String,
    /// Kind.
    pub kind: ColumnKind,
}

/// One table's columns, as the header lists them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TableSpec {
    /// Name.
    pub name: String,
    /// Columns in the order each row lists its values.
    pub columns: Vec<Column>,
}

/// The first entry of a backup.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Header {
    /// Always [`FORMAT`].
    pub format: String,
    /// The layout version ([`FORMAT_VERSION`]).
    pub format_version: u32,
    /// The database schema version (the last migration applied).
    pub schema_version: i64,
    /// The kojo that wrote it.
    pub kojo_version: String,
    /// When the snapshot was taken (RFC 3339 UTC).
    pub created_at: String,
    /// `sqlite` or `postgres`.
    pub engine: String,
    /// Every table, in the order its entry follows.
    pub tables: Vec<TableSpec>,
}

/// One entry's checksum.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EntrySum {
    /// Entry path.
    pub path: String,
    /// Bytes.
    pub size: u64,
    /// SHA-256, lower-case hex.
    pub sha256: String,
    /// Rows (table entries).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rows: Option<u64>,
}

/// The last entry of a backup.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    /// Every entry before this one but the blobs, in order: the header and one per table.
    pub entries: Vec<EntrySum>,
    /// How many blobs.
    pub blob_count: u64,
    /// Their total size.
    pub blob_bytes: u64,
    /// SHA-256 over the blob hashes in order, each followed by a newline.
    pub blobs_digest: String,
    /// The head of the audit chain in the snapshot: `[seq, hash]`.
    pub audit_head: (i64, String),
}

/// What a long backup or restore reports as it goes.
#[derive(Debug, Clone, Copy)]
pub struct Progress<'a> {
    /// What is being done (a table name, `blobs`).
    pub what: &'a str,
    /// Units done.
    pub done: u64,
    /// Units in all (0 when unknown).
    pub total: u64,
}

/// A progress callback.
pub type ProgressFn<'a> = &'a (dyn Fn(Progress<'_>) + Send + Sync);

/// Why a backup file cannot be read or restored. Every variant names where.
#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    /// Reading or writing a file failed.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The error.
        source: std::io::Error,
    },
    /// The file is not a kojo backup or is damaged; `entry` names where.
    #[error("{entry}: {detail}")]
    Invalid {
        /// The entry (or `file`).
        entry: String,
        /// What is wrong.
        detail: String,
    },
    /// The backup was written by a newer kojo.
    #[error(
        "the backup has schema version {backup}; this kojo knows up to {known}: restore it with a newer kojo"
    )]
    Newer {
        /// Its schema version.
        backup: i64,
        /// The newest this kojo knows.
        known: i64,
    },
    /// The target database holds data and `--force` was not given.
    #[error(
        "the target database is not empty ({what}); restore refuses to overwrite it without --force"
    )]
    NotEmpty {
        /// What it holds.
        what: String,
    },
    /// The database failed.
    #[error(transparent)]
    Store(#[from] crate::StoreError),
}

impl BackupError {
    pub(crate) fn invalid(entry: impl Into<String>, detail: impl Into<String>) -> BackupError {
        BackupError::Invalid {
            entry: entry.into(),
            detail: detail.into(),
        }
    }
}

impl From<sqlx::Error> for BackupError {
    fn from(e: sqlx::Error) -> Self {
        BackupError::Store(e.into())
    }
}

impl From<sqlx::migrate::MigrateError> for BackupError {
    fn from(e: sqlx::migrate::MigrateError) -> Self {
        BackupError::Store(e.into())
    }
}

/// The newest schema version this kojo knows.
pub fn latest_schema_version() -> i64 {
    crate::MIGRATOR.iter().map(|m| m.version).max().unwrap_or(0)
}

/// A table name kojo wrote: listed in [`TABLES`].
pub(crate) fn known_table(name: &str) -> Option<&'static (&'static str, &'static str)> {
    TABLES.iter().find(|(n, _)| *n == name)
}

/// A plain SQL identifier (the column names introspected from a database).
pub(crate) fn is_identifier(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 63
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
        && !s.as_bytes()[0].is_ascii_digit()
}
