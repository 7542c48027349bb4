//! What `kojo serve` does on a schedule: session purge (every minute), the daily audit anchor
//! and retention, and backups (`--backup-dir`, `--backup-every`, `--backup-keep`).
//!
//! Several instances on one PostgreSQL database each keep these timers, but a job runs in a
//! slot only on the instance whose claim wins ([`kojo_app::jobs`]), so it runs once.

use crate::Config;
use kojo_app::jobs::{Job, slot_of};
use kojo_app::{Actor, App};
use std::time::Duration;

/// Backups on a schedule.
#[derive(Debug, Clone)]
pub struct BackupSchedule {
    /// Where backups go.
    pub dir: std::path::PathBuf,
    /// How often.
    pub every: Duration,
    /// How many to keep (older ones are removed after a new one verifies).
    pub keep: usize,
}

/// Starts the jobs; abort the handles to stop them.
pub fn start(app: &App, config: &Config) -> Vec<tokio::task::JoinHandle<()>> {
    let mut jobs = Vec::new();
    {
        let app = app.clone();
        let idle = config.session_idle;
        jobs.push(tokio::spawn(async move {
            let every = Duration::from_secs(60);
            let mut tick = tokio::time::interval(every);
            loop {
                tick.tick().await;
                if !claimed(&app, Job::Purge, &slot_of(chrono::Utc::now(), every)).await {
                    continue;
                }
                if let Err(e) = app.purge(idle).await {
                    tracing::warn!(error = %e, "purging idle sessions and old login failures failed");
                }
            }
        }));
    }
    {
        let app = app.clone();
        let retention = config.audit_retention;
        jobs.push(tokio::spawn(async move {
            let actor = Actor::system();
            let Some(admin) = app.admin(&actor) else {
                return;
            };
            let every = Duration::from_secs(24 * 3600);
            let mut tick = tokio::time::interval(every);
            loop {
                tick.tick().await;
                if !claimed(&app, Job::Daily, &slot_of(chrono::Utc::now(), every)).await {
                    continue;
                }
                if let Some(keep) = retention {
                    let cutoff = chrono::Utc::now()
                        - chrono::Duration::from_std(keep).unwrap_or(chrono::Duration::MAX);
                    let cutoff = cutoff.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string();
                    match admin.audit_prune(&cutoff).await {
                        Ok(0) => {}
                        Ok(n) => tracing::info!(removed = n, before = %cutoff, "audit retention"),
                        Err(e) => tracing::warn!(error = %e, "audit retention failed"),
                    }
                }
                // The head goes to the log (and the admin page) to be copied elsewhere.
                if let Err(e) = admin.record_anchor().await {
                    tracing::warn!(error = %e, "recording the audit anchor failed");
                }
            }
        }));
    }
    if let Some(s) = config.backup.clone() {
        let app = app.clone();
        jobs.push(tokio::spawn(async move {
            let actor = Actor::system();
            let Some(admin) = app.admin(&actor) else { return };
            loop {
                // Due one interval after the last verified backup (at once if there is none),
                // so a restart neither skips nor repeats one.
                let last_good = admin.last_good_backup().await;
                let since = match &last_good {
                    Ok(Some(last)) => last.started_at.clone(),
                    _ => "none".to_string(),
                };
                let due = match last_good {
                    Ok(Some(last)) => chrono::DateTime::parse_from_rfc3339(&last.started_at)
                        .ok()
                        .map(|t| {
                            let next = t.with_timezone(&chrono::Utc) + chrono::Duration::from_std(s.every).unwrap_or(chrono::Duration::MAX);
                            (next - chrono::Utc::now()).to_std().unwrap_or(Duration::ZERO)
                        })
                        .unwrap_or(Duration::ZERO),
                    Ok(None) => Duration::ZERO,
                    Err(e) => {
                        tracing::warn!(error = %e, "reading the last backup failed");
                        s.every
                    }
                };
                tokio::time::sleep(due).await;
                // One instance takes the backup that is due; the others look again after a
                // tenth of the interval (by then the backup has been recorded, or failed and
                // is due again in a new slot).
                let slot = format!("{since}/{}", slot_of(chrono::Utc::now(), s.every / 10));
                if !claimed(&app, Job::Backup, &slot).await {
                    tokio::time::sleep(s.every / 10).await;
                    continue;
                }
                // The backup compresses and hashes on a blocking thread, away from requests.
                let (app2, dir, keep) = (app.clone(), s.dir.clone(), s.keep);
                let handle = tokio::runtime::Handle::current();
                let r = tokio::task::spawn_blocking(move || {
                    let actor = Actor::system();
                    let admin = app2.admin(&actor).expect("the system actor administers");
                    handle.block_on(admin.scheduled_backup(&dir, keep))
                })
                .await;
                match r {
                    Ok(Ok(info)) => tracing::info!(file = %info.file.display(), size = info.size, "scheduled backup written and verified"),
                    Ok(Err(e)) => {
                        tracing::error!(error = %e, "scheduled backup failed");
                        // Try again after a tenth of the interval, not at once in a loop.
                        tokio::time::sleep(s.every / 10).await;
                    }
                    Err(e) => tracing::error!(error = %e, "scheduled backup task failed"),
                }
            }
        }));
    }
    jobs
}

/// Whether this instance runs `job` in `slot` (not when another instance has it, or when the
/// database cannot be asked: the job waits for the next slot).
async fn claimed(app: &App, job: Job, slot: &str) -> bool {
    match app.claim_job(job, slot).await {
        Ok(mine) => {
            // Which instance ran which slot, for operators (and the two-instance test).
            tracing::info!(job = job.key(), slot, mine, "scheduled job slot");
            mine
        }
        Err(e) => {
            tracing::warn!(error = %e, job = job.key(), "claiming a scheduled job failed");
            false
        }
    }
}
