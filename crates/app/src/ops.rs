//! Operations: opening a database under the upgrade rules, backups (written, verified, recorded,
//! scheduled and pruned), restore, the canonical dump that compares two databases.

use crate::{Actor, Admin, App, AppError};
use kojo_store::backup::{self, BackupError, BackupInfo, ProgressFn, RestoreReport, VerifyReport};
use kojo_store::{BackupRun, Kind, SchemaState, Store, StoreError};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::AtomicU64;

pub use kojo_store::Connections;
pub use kojo_store::backup::{MAX_BLOB_BYTES, Progress};

/// How to open a database whose schema is older than this kojo's.
#[derive(Debug, Clone, Copy, Default)]
pub struct OpenOptions {
    /// PostgreSQL: the operator confirms a backup exists, so migrating may proceed. (A SQLite
    /// file is backed up automatically, next to it, before it is migrated.)
    pub backup_confirmed: bool,
    /// How many connections reads may use (see [`Connections`]).
    pub connections: Connections,
}

/// An error of the backup layer as an application error (ja/en, naming where).
pub fn backup_error(e: BackupError) -> AppError {
    match e {
        BackupError::Newer { backup, known } => AppError::bad(
            "ops.backup_newer",
            &[("backup", &backup), ("known", &known)],
        ),
        BackupError::NotEmpty { what } => {
            AppError::bad("ops.restore_not_empty", &[("what", &what)])
        }
        BackupError::Invalid { entry, detail } => AppError::bad(
            "ops.backup_invalid",
            &[("entry", &entry), ("detail", &detail)],
        ),
        BackupError::Io { path, source } => {
            AppError::bad("ops.io", &[("path", &path), ("detail", &source)])
        }
        BackupError::Store(e) => store_error(e),
    }
}

/// A store error, with the schema refusal in words.
pub(crate) fn store_error(e: StoreError) -> AppError {
    match e {
        StoreError::SchemaNewer { database, known } => AppError::bad(
            "ops.schema_newer",
            &[("database", &database), ("known", &known)],
        ),
        other => other.into(),
    }
}

impl App {
    /// Opens the database at `url` under the upgrade rules: a database of a newer kojo is
    /// refused; an older one is migrated in one transaction, after a verified backup next to the
    /// file (SQLite) or once the operator confirmed a backup (PostgreSQL). `notice` hears where
    /// an automatic backup went.
    pub async fn open_with(
        url: &str,
        opts: OpenOptions,
        notice: &dyn Fn(&Path),
    ) -> Result<App, AppError> {
        let store = Store::connect_with(url, opts.connections)
            .await
            .map_err(store_error)?;
        let state = store.schema_state().await.map_err(store_error)?;
        if state.database > state.latest {
            return Err(store_error(StoreError::SchemaNewer {
                database: state.database,
                known: state.latest,
            }));
        }
        if state.database > 0 && state.pending() {
            match store.kind() {
                Kind::Sqlite => {
                    let file = pre_migration_file(url, &state);
                    let info = store.backup(&file, &|_| {}).await.map_err(backup_error)?;
                    backup::verify(&info.file, &AtomicU64::new(0)).map_err(backup_error)?;
                    tracing::info!(file = %info.file.display(), from = state.database, to = state.latest, "backup before migrating");
                    notice(&info.file);
                }
                Kind::Postgres if !opts.backup_confirmed => {
                    return Err(AppError::bad(
                        "ops.needs_backup",
                        &[("from", &state.database), ("to", &state.latest)],
                    ));
                }
                Kind::Postgres => {}
            }
        }
        store.migrate_from(state).await.map_err(store_error)?;
        App::with_store(store).await
    }
}

/// Reading commands must not create an empty SQLite file where none is.
fn refuse_missing_file(url: &str) -> Result<(), AppError> {
    match url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))
    {
        Some(p) if !Path::new(p.split('?').next().unwrap_or(p)).exists() => {
            Err(AppError::bad("ops.no_database_file", &[("path", &p)]))
        }
        _ => Ok(()),
    }
}

/// `<file>.pre-v<latest>-<UTC time>.kojo-backup`, beside the SQLite file.
fn pre_migration_file(url: &str, state: &SchemaState) -> PathBuf {
    let path = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))
        .unwrap_or(url);
    let path = path.split('?').next().unwrap_or(path);
    let stamp = chrono::Utc::now().format("%Y%m%dT%H%M%SZ");
    PathBuf::from(format!("{path}.pre-v{}-{stamp}.kojo-backup", state.latest))
}

/// Writes a backup of the database at `url` to `file` without migrating it (so an old database
/// can be saved before an upgrade), reads it back to verify it, and records the run.
pub async fn backup(
    url: &str,
    file: &Path,
    actor: &Actor,
    progress: ProgressFn<'_>,
) -> Result<BackupInfo, AppError> {
    refuse_missing_file(url)?;
    let store = Store::connect(url).await.map_err(store_error)?;
    let r = backup_store(&store, file, actor, false, progress).await;
    store.close().await;
    r
}

/// Backs up `store` to `file`, verifies the file, records the run and audits it.
async fn backup_store(
    store: &Store,
    file: &Path,
    actor: &Actor,
    scheduled: bool,
    progress: ProgressFn<'_>,
) -> Result<BackupInfo, AppError> {
    let started = kojo_store::now();
    let state = store.schema_state().await.map_err(store_error)?;
    if state.database == 0 {
        return Err(AppError::bad("ops.backup_empty", &[]));
    }
    if state.database > state.latest {
        return Err(store_error(StoreError::SchemaNewer {
            database: state.database,
            known: state.latest,
        }));
    }
    let result = async {
        let info = store.backup(file, progress).await.map_err(backup_error)?;
        if let Err(e) = backup::verify(&info.file, &AtomicU64::new(0)) {
            // A file that does not verify is no backup: it must not count among those kept.
            let _ = std::fs::remove_file(&info.file);
            return Err(backup_error(e));
        }
        Ok::<_, AppError>(info)
    }
    .await;
    // The bookkeeping needs this kojo's schema; an older database (backed up before its
    // upgrade) keeps none.
    if state.database >= 10 {
        let run = BackupRun {
            seq: 0,
            started_at: started,
            finished_at: kojo_store::now(),
            file: file.display().to_string(),
            size: result
                .as_ref()
                .map(|i| i64::try_from(i.size).unwrap_or(i64::MAX))
                .unwrap_or(0),
            sha256: result.as_ref().ok().map(|i| i.sha256.clone()),
            verified: result.is_ok(),
            error: result
                .as_ref()
                .err()
                .map(|e| e.message(kojo_i18n::Lang::En)),
            scheduled,
        };
        store.record_backup(&run).await?;
        let detail = match &result {
            Ok(i) => format!("{} bytes, sha256 {}", i.size, i.sha256),
            Err(e) => format!("failed: {}", e.message(kojo_i18n::Lang::En)),
        };
        store
            .audit(
                Some(&actor.name),
                actor.client.as_deref(),
                "backup",
                Some(&file.display().to_string()),
                Some(&detail),
            )
            .await?;
    }
    result
}

/// Checks a whole backup file without a database. `read` counts the bytes read (progress).
pub fn verify_backup(file: &Path, read: &AtomicU64) -> Result<VerifyReport, AppError> {
    backup::verify(file, read).map_err(backup_error)
}

/// Restores `file` into the empty database at `url` (or, with `force`, over what it holds).
/// `read` counts the file's bytes read (progress).
pub async fn restore(
    file: &Path,
    url: &str,
    force: bool,
    actor: &Actor,
    read: Arc<AtomicU64>,
) -> Result<RestoreReport, AppError> {
    let opts = backup::RestoreOptions {
        force,
        actor: actor.name.clone(),
        pause_after_batches: std::env::var("KOJO_FAILPOINT_RESTORE_PAUSE")
            .ok()
            .and_then(|v| v.parse().ok()),
    };
    backup::restore(file, url, &opts, read)
        .await
        .map_err(backup_error)
}

/// Writes the canonical JSON dump of the database at `url` (not migrated) to `w`.
pub async fn dump(url: &str, w: &mut dyn std::io::Write) -> Result<(), AppError> {
    refuse_missing_file(url)?;
    let store = Store::connect(url).await.map_err(store_error)?;
    let r = store.canonical_dump(w).await.map_err(backup_error);
    store.close().await;
    r
}

impl Admin<'_> {
    /// One scheduled backup: writes `dir/kojo-<UTC time>.kojo-backup`, verifies and records it,
    /// and only then removes all but the newest `keep` backups of the schedule in `dir`.
    pub async fn scheduled_backup(&self, dir: &Path, keep: usize) -> Result<BackupInfo, AppError> {
        std::fs::create_dir_all(dir).map_err(|e| {
            backup_error(BackupError::Io {
                path: dir.display().to_string(),
                source: e,
            })
        })?;
        let name = format!(
            "kojo-{}.kojo-backup",
            chrono::Utc::now().format("%Y%m%dT%H%M%S%.3fZ")
        );
        let info =
            backup_store(&self.app.store, &dir.join(name), self.actor, true, &|_| {}).await?;
        prune_backups(dir, keep.max(1));
        Ok(info)
    }

    /// The latest backup runs, newest first.
    pub async fn backup_runs(&self, limit: i64) -> Result<Vec<BackupRun>, AppError> {
        Ok(self.app.store.backup_runs(limit).await?)
    }

    /// The latest verified backup.
    pub async fn last_good_backup(&self) -> Result<Option<BackupRun>, AppError> {
        Ok(self.app.store.last_good_backup().await?)
    }
}

/// Removes scheduled backups in `dir` beyond the newest `keep` (by name, which sorts by time).
fn prune_backups(dir: &Path, keep: usize) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut names: Vec<String> = entries
        .filter_map(|e| e.ok())
        .filter_map(|e| e.file_name().into_string().ok())
        .filter(|n| n.starts_with("kojo-") && n.ends_with(".kojo-backup"))
        .collect();
    names.sort();
    let excess = names.len().saturating_sub(keep);
    for n in &names[..excess] {
        match std::fs::remove_file(dir.join(n)) {
            Ok(()) => tracing::info!(file = %n, "old backup removed"),
            Err(e) => tracing::warn!(file = %n, error = %e, "could not remove an old backup"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pruning_keeps_the_newest_scheduled_backups_and_nothing_else_is_touched() {
        let dir = tempfile::tempdir().unwrap();
        let names = [
            "kojo-20261201T000000.000Z.kojo-backup",
            "kojo-20261202T000000.000Z.kojo-backup",
            "kojo-20261203T000000.000Z.kojo-backup",
            "kojo-20261204T000000.000Z.kojo-backup",
            "manual.kojo-backup",
            "kojo-notes.txt",
        ];
        for n in names {
            std::fs::write(dir.path().join(n), b"x").unwrap();
        }
        prune_backups(dir.path(), 2);
        let mut left: Vec<String> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        left.sort();
        assert_eq!(
            left,
            [
                "kojo-20261203T000000.000Z.kojo-backup",
                "kojo-20261204T000000.000Z.kojo-backup",
                "kojo-notes.txt",
                "manual.kojo-backup"
            ]
        );
    }
}
