//! The backup runs of this installation (shown on the admin page; not part of backups).

use super::*;

/// One backup run.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, sqlx::FromRow)]
pub struct BackupRun {
    /// Order key.
    pub seq: i64,
    /// When it started.
    pub started_at: String,
    /// When it ended.
    pub finished_at: String,
    /// The file written.
    pub file: String,
    /// Its size in bytes (0 when it failed).
    pub size: i64,
    /// Its SHA-256.
    pub sha256: Option<String>,
    /// Whether reading it back verified every entry.
    pub verified: bool,
    /// Why it failed, if it did.
    pub error: Option<String>,
    /// Written by the schedule of `kojo serve` (else by `kojo backup`).
    pub scheduled: bool,
}

impl Store {
    /// Records a backup run; returns its order key.
    pub async fn record_backup(&self, run: &BackupRun) -> Result<i64> {
        write_tx!(self, |tx| {
            async {
                let seq = next_seq!(tx, "backups");
                sqlx::query(
                    "INSERT INTO backups (seq, started_at, finished_at, file, size, sha256, verified, error, scheduled) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                )
                .bind(seq)
                .bind(&run.started_at)
                .bind(&run.finished_at)
                .bind(&run.file)
                .bind(run.size)
                .bind(run.sha256.as_deref())
                .bind(run.verified)
                .bind(run.error.as_deref())
                .bind(run.scheduled)
                .execute(&mut *tx)
                .await?;
                Ok::<_, StoreError>(seq)
            }
            .await
        })
    }

    /// The latest backup runs, newest first.
    pub async fn backup_runs(&self, limit: i64) -> Result<Vec<BackupRun>> {
        Ok(on!(self, |pool| sqlx::query_as(
            "SELECT seq, started_at, finished_at, file, size, sha256, verified, error, scheduled \
             FROM backups ORDER BY seq DESC LIMIT $1"
        )
        .bind(limit)
        .fetch_all(pool)
        .await)?)
    }

    /// The latest verified backup run.
    pub async fn last_good_backup(&self) -> Result<Option<BackupRun>> {
        Ok(on!(self, |pool| sqlx::query_as(
            "SELECT seq, started_at, finished_at, file, size, sha256, verified, error, scheduled \
             FROM backups WHERE verified ORDER BY seq DESC LIMIT 1"
        )
        .fetch_optional(pool)
        .await)?)
    }
}
