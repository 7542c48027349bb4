//! Restoring a backup into an empty database of either engine, all or nothing: on PostgreSQL in
//! one transaction; on SQLite into a new file renamed into place when complete.

use super::read::{Msg, read};
use super::write::{PG_COLUMNS, SQLITE_COLUMNS, table_specs};
use super::*;
use crate::{StoreError, now};
use serde_json::Value;
use sqlx::Connection;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::AtomicU64;

/// How to restore.
#[derive(Debug, Clone)]
pub struct RestoreOptions {
    /// Overwrite a target that holds data.
    pub force: bool,
    /// Who restores (recorded in the audit trail of the restored database).
    pub actor: String,
    /// Test hook: after this many row batches, report on stderr and wait forever (so a test can
    /// kill the process mid-restore at a known point). Read from `KOJO_FAILPOINT_RESTORE_PAUSE`.
    pub pause_after_batches: Option<u64>,
}

/// What a restore did.
#[derive(Debug, Clone, serde::Serialize)]
pub struct RestoreReport {
    /// The backup's schema version.
    pub schema_from: i64,
    /// The schema version after migrating.
    pub schema_to: i64,
    /// Rows per table.
    pub tables: Vec<(String, u64)>,
    /// Blobs restored.
    pub blobs: u64,
    /// Their bytes.
    pub blob_bytes: u64,
}

/// What holds data in a database that is not empty.
const CONTENT: &[&str] = &["users", "sites", "assessments", "audit_log", "blobs"];

/// Counts the rows of the content tables that exist; `None` when none hold any.
macro_rules! content_of {
    ($conn:expr, $exists_sql:expr) => {{
        let mut found = Vec::new();
        for t in CONTENT {
            let (exists,): (bool,) = sqlx::query_as($exists_sql)
                .bind(*t)
                .fetch_one(&mut *$conn)
                .await?;
            if exists {
                let sql = format!("SELECT COUNT(*) FROM {t}");
                let (n,): (i64,) = sqlx::query_as(sqlx::AssertSqlSafe(sql))
                    .fetch_one(&mut *$conn)
                    .await?;
                if n > 0 {
                    found.push(format!("{t}: {n}"));
                }
            }
        }
        (!found.is_empty()).then(|| found.join(", "))
    }};
}

/// Restores everything on a connection inside its transaction `$tx`; evaluates to the report.
macro_rules! load {
    ($tx:expr, $rx:expr, $header:expr, $columns_sql:expr, $opts:expr, $numbered:expr) => {{
        let header: &Header = $header;
        let mut migrator = sqlx::migrate::Migrator::with_migrations(crate::MIGRATOR.iter().cloned().collect());
        migrator.set_locking(false);
        migrator.run_direct(Some(header.schema_version), &mut *$tx, false).await?;
        // The target, migrated to the backup's version, must have exactly the backup's columns.
        let mut target = table_specs!($tx, $columns_sql);
        target.retain(|t| header.tables.iter().any(|h| h.name == t.name));
        if target != header.tables {
            let t = target.iter().zip(&header.tables).find(|(a, b)| a != b).map(|(a, _)| a.name.clone()).unwrap_or_default();
            return Err(BackupError::invalid(format!("tables/{t}.jsonl"), "its columns differ from the schema of the same version"));
        }
        sqlx::query("CREATE TEMPORARY TABLE kojo_restore_refs (id TEXT PRIMARY KEY, based_on TEXT, inherits_from TEXT)")
            .execute(&mut *$tx).await?;
        let mut counts: Vec<(String, u64)> = header.tables.iter().map(|t| (t.name.clone(), 0)).collect();
        let mut cleared = vec![false; header.tables.len()];
        let (mut blobs, mut blob_bytes, mut batches) = (0u64, 0u64, 0u64);
        let mut complete = false;
        while let Some(msg) = $rx.recv().await {
            match msg {
                Msg::Header(_) => {}
                Msg::Blob(sha, data) => {
                    sqlx::query("INSERT INTO blobs (sha256, size, data, created_at) VALUES ($1, $2, $3, '')")
                        .bind(&sha)
                        .bind(i64::try_from(data.len()).unwrap_or(i64::MAX))
                        .bind(&data)
                        .execute(&mut *$tx).await?;
                    blobs += 1;
                    blob_bytes += data.len() as u64;
                }
                Msg::Rows(t, rows) => {
                    let spec = &header.tables[t];
                    if !cleared[t] {
                        // Migrations seed some rows (counters); the backup's replace them.
                        if spec.name != "blobs" {
                            let sql = format!("DELETE FROM {}", spec.name);
                            sqlx::query(sqlx::AssertSqlSafe(sql)).execute(&mut *$tx).await?;
                        }
                        cleared[t] = true;
                    }
                    counts[t].1 += rows.len() as u64;
                    let cols: Vec<&Column> = spec.columns.iter().filter(|c| c.kind != ColumnKind::Bytes).collect();
                    if spec.name == "blobs" {
                        let at = cols.iter().position(|c| c.name == "created_at");
                        let (sha, size) = (cols.iter().position(|c| c.name == "sha256"), cols.iter().position(|c| c.name == "size"));
                        let (Some(at), Some(sha), Some(size)) = (at, sha, size) else {
                            return Err(BackupError::invalid("tables/blobs.jsonl", "columns sha256, size, created_at expected"));
                        };
                        for row in &rows {
                            let r = sqlx::query("UPDATE blobs SET created_at = $1 WHERE sha256 = $2 AND size = $3 AND created_at = ''")
                                .bind(row[at].as_str())
                                .bind(row[sha].as_str())
                                .bind(row[size].as_i64())
                                .execute(&mut *$tx).await?;
                            if r.rows_affected() != 1 {
                                return Err(BackupError::invalid("tables/blobs.jsonl", format!("blob {} is not in the file", row[sha])));
                            }
                        }
                    } else {
                        let deferred: Vec<usize> = if spec.name == "assessments" {
                            cols.iter().enumerate().filter(|(_, c)| DEFERRED.contains(&c.name.as_str())).map(|(i, _)| i).collect()
                        } else {
                            Vec::new()
                        };
                        if !deferred.is_empty() {
                            let id = cols.iter().position(|c| c.name == "id").unwrap_or(0);
                            let pos = |n: &str| cols.iter().position(|c| c.name == n);
                            for row in &rows {
                                let get = |n: &str| pos(n).and_then(|i| row[i].as_str().map(str::to_string));
                                sqlx::query("INSERT INTO kojo_restore_refs (id, based_on, inherits_from) VALUES ($1, $2, $3)")
                                    .bind(row[id].as_str())
                                    .bind(get("based_on"))
                                    .bind(get("inherits_from"))
                                    .execute(&mut *$tx).await?;
                            }
                        }
                        let per = (30_000 / cols.len().max(1)).clamp(1, super::read::BATCH_ROWS);
                        for chunk in rows.chunks(per) {
                            let mut sql = format!("INSERT INTO {} ({}) VALUES ", spec.name, cols.iter().map(|c| c.name.as_str()).collect::<Vec<_>>().join(", "));
                            let mut n = 0;
                            for (r, _) in chunk.iter().enumerate() {
                                sql.push_str(if r == 0 { "(" } else { ", (" });
                                for c in 0..cols.len() {
                                    n += 1;
                                    if c > 0 { sql.push_str(", "); }
                                    // SQLite looks a named parameter up by walking a list, so
                                    // binding thousands of `$n` is quadratic (84% of a restore's
                                    // time); its anonymous `?` are bound in order.
                                    if $numbered { sql.push_str(&format!("${n}")) } else { sql.push('?') }
                                }
                                sql.push(')');
                            }
                            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
                            for row in chunk {
                                for (i, (v, c)) in row.iter().zip(&cols).enumerate() {
                                    let v = if deferred.contains(&i) { &Value::Null } else { v };
                                    q = match c.kind {
                                        ColumnKind::Text => q.bind(v.as_str().map(str::to_string)),
                                        ColumnKind::Int => q.bind(v.as_i64()),
                                        ColumnKind::Bool => q.bind(v.as_bool()),
                                        ColumnKind::Bytes => q.bind(Option::<Vec<u8>>::None),
                                    };
                                }
                            }
                            q.execute(&mut *$tx).await?;
                        }
                    }
                    batches += 1;
                    if $opts.pause_after_batches == Some(batches) {
                        eprintln!("failpoint: restore paused after {batches} batches");
                        std::future::pending::<()>().await;
                    }
                }
                Msg::End(_) => complete = true,
            }
        }
        if !complete {
            // The reader stopped at an error, which the caller reports.
            return Err(BackupError::invalid("file", "incomplete"));
        }
        let (left,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM blobs WHERE created_at = ''").fetch_one(&mut *$tx).await?;
        if left > 0 {
            return Err(BackupError::invalid("tables/blobs.jsonl", format!("{left} blobs have no row")));
        }
        sqlx::query("UPDATE assessments SET \
                     based_on = (SELECT r.based_on FROM kojo_restore_refs r WHERE r.id = assessments.id), \
                     inherits_from = (SELECT r.inherits_from FROM kojo_restore_refs r WHERE r.id = assessments.id) \
                     WHERE id IN (SELECT id FROM kojo_restore_refs)")
            .execute(&mut *$tx).await?;
        sqlx::query("DROP TABLE kojo_restore_refs").execute(&mut *$tx).await?;
        migrator.run_direct(None, &mut *$tx, false).await?;
        crate::queries::seal_chain!($tx);
        let detail = format!("schema {} from a backup of {} ({})", header.schema_version, header.created_at, header.engine);
        let at = now();
        crate::queries::append_audit!($tx, at, Some($opts.actor.as_str()), None, "restore", None, Some(detail.as_str()), None);
        RestoreReport { schema_from: header.schema_version, schema_to: latest_schema_version(), tables: counts, blobs, blob_bytes }
    }};
}

/// Restores the backup `file` into the database at `url` (`sqlite:PATH` or `postgres://…`).
/// Refuses a target holding data unless `force`. `read_bytes` counts the file's bytes read.
pub async fn restore(
    file: &Path,
    url: &str,
    opts: &RestoreOptions,
    read_bytes: Arc<AtomicU64>,
) -> Result<RestoreReport, BackupError> {
    // The reader runs on its own thread and hands over batches through a short channel, so at
    // most two batches (or blobs) are in memory at once.
    let (tx, mut rx) = tokio::sync::mpsc::channel::<Msg>(1);
    let path = file.to_path_buf();
    let counter = read_bytes.clone();
    let reader =
        std::thread::spawn(move || read(&path, &counter, &mut |m| tx.blocking_send(m).is_ok()));
    let header = match rx.recv().await {
        Some(Msg::Header(h)) => h,
        _ => {
            return Err(match reader.join() {
                Ok(Err(e)) => e,
                _ => BackupError::invalid("kojo-backup.json", "missing"),
            });
        }
    };
    let result = if let Some(p) = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))
    {
        let p = PathBuf::from(p.split('?').next().unwrap_or(p));
        restore_sqlite(&p, &mut rx, &header, opts).await
    } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        restore_postgres(url, &mut rx, &header, opts).await
    } else {
        Err(StoreError::BadUrl(url.to_string()).into())
    };
    drop(rx);
    // A reader error explains a failed load better than the load's own error.
    match (reader.join(), result) {
        (Ok(Err(e)), _) => Err(e),
        (_, r) => r,
    }
}

async fn restore_sqlite(
    path: &Path,
    rx: &mut tokio::sync::mpsc::Receiver<Msg>,
    header: &Header,
    opts: &RestoreOptions,
) -> Result<RestoreReport, BackupError> {
    use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqliteSynchronous};
    let io = |p: &Path, e: std::io::Error| BackupError::Io {
        path: p.display().to_string(),
        source: e,
    };
    if path.exists() {
        let ro = SqliteConnectOptions::new().filename(path).read_only(true);
        let mut conn = sqlx::SqliteConnection::connect_with(&ro).await?;
        let mut tx = conn.begin().await?;
        let held = content_of!(
            tx,
            "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = $1)"
        );
        tx.rollback().await?;
        conn.close().await?;
        if let Some(what) = held
            && !opts.force
        {
            return Err(BackupError::NotEmpty { what });
        }
    }
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| io(dir, e))?;
    }
    let temp = PathBuf::from(format!("{}.restoring", path.display()));
    for stale in [
        temp.clone(),
        PathBuf::from(format!("{}-journal", temp.display())),
    ] {
        if stale.exists() {
            std::fs::remove_file(&stale).map_err(|e| io(&stale, e))?;
        }
    }
    let result = async {
        // The file is invisible until it is complete, synced and renamed, and removed on any
        // failure, so the load needs neither a journal on disk nor a sync per spill of the
        // page cache (which made a 2 GB restore take minutes of fsync).
        let o = SqliteConnectOptions::new()
            .filename(&temp)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Memory)
            .synchronous(SqliteSynchronous::Off)
            .pragma("cache_size", "-65536")
            .foreign_keys(true);
        let mut conn = sqlx::SqliteConnection::connect_with(&o).await?;
        let mut tx = conn.begin().await?;
        let report = load!(tx, rx, header, SQLITE_COLUMNS, opts, false);
        tx.commit().await?;
        conn.close().await?;
        Ok::<_, BackupError>(report)
    }
    .await;
    let report = match result {
        Ok(r) => r,
        Err(e) => {
            let _ = std::fs::remove_file(&temp);
            return Err(e);
        }
    };
    std::fs::File::open(&temp)
        .and_then(|f| f.sync_all())
        .map_err(|e| io(&temp, e))?;
    // The old file's journal must not be applied to the new one.
    for side in ["-wal", "-shm", "-journal"] {
        let p = PathBuf::from(format!("{}{side}", path.display()));
        if p.exists() {
            std::fs::remove_file(&p).map_err(|e| io(&p, e))?;
        }
    }
    std::fs::rename(&temp, path).map_err(|e| io(path, e))?;
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty())
        && let Ok(d) = std::fs::File::open(dir)
    {
        let _ = d.sync_all();
    }
    Ok(report)
}

async fn restore_postgres(
    url: &str,
    rx: &mut tokio::sync::mpsc::Receiver<Msg>,
    header: &Header,
    opts: &RestoreOptions,
) -> Result<RestoreReport, BackupError> {
    let mut conn = sqlx::PgConnection::connect(url).await?;
    let mut tx = conn.begin().await?;
    let held = content_of!(tx, "SELECT to_regclass($1) IS NOT NULL");
    if let Some(what) = held
        && !opts.force
    {
        return Err(BackupError::NotEmpty { what });
    }
    // Whatever kojo objects exist (an empty but migrated database, or --force) go; the backup's
    // schema is rebuilt by its own migrations. Nothing else in the database is touched.
    for v in VIEWS {
        let sql = format!("DROP VIEW IF EXISTS {v} CASCADE");
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .execute(&mut *tx)
            .await?;
    }
    for t in TABLES
        .iter()
        .rev()
        .map(|t| t.0)
        .chain(EXCLUDED.iter().copied())
    {
        let sql = format!("DROP TABLE IF EXISTS {t} CASCADE");
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .execute(&mut *tx)
            .await?;
    }
    let report = load!(tx, rx, header, PG_COLUMNS, opts, true);
    tx.commit().await?;
    conn.close().await?;
    Ok(report)
}
