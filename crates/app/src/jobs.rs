//! Scheduled jobs that run once however many `kojo serve` instances share one database
//! (issue 13 §3): time is cut into slots of the job's period, and in each slot only the
//! instance whose claim wins runs the job. The claim is one insert under a primary key, so
//! it holds on SQLite and PostgreSQL alike, without a lease to renew or expire.

use crate::App;
use crate::auth::stamp;
use crate::error::AppError;
use chrono::{DateTime, Utc};
use std::time::Duration;

/// A scheduled job.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Job {
    /// Ending idle sessions and forgetting old login failures (every minute).
    Purge,
    /// Audit retention and the daily anchor (every day).
    Daily,
    /// A scheduled backup (`--backup-every`).
    Backup,
}

impl Job {
    /// The name kept in the database.
    pub fn key(self) -> &'static str {
        match self {
            Job::Purge => "purge",
            Job::Daily => "daily",
            Job::Backup => "backup",
        }
    }
}

/// How long job claims are kept.
const KEEP_RUNS: Duration = Duration::from_secs(7 * 24 * 3600);

/// The slot of period `every` that holds `at`: the slot's start (whole periods since the Unix
/// epoch), so every instance names the same slot whatever its start time.
pub fn slot_of(at: DateTime<Utc>, every: Duration) -> String {
    let every = every.as_secs().max(1) as i64;
    let start = at.timestamp().div_euclid(every) * every;
    DateTime::from_timestamp(start, 0)
        .unwrap_or(at)
        .format("%Y-%m-%dT%H:%M:%SZ")
        .to_string()
}

impl App {
    /// This process's name in job claims (random, fixed for the process's life).
    pub fn instance(&self) -> &str {
        &self.instance
    }

    /// Claims `job` for `slot`: true when this instance should run it now, false when another
    /// instance has it (or this one had it already).
    pub async fn claim_job(&self, job: Job, slot: &str) -> Result<bool, AppError> {
        let now = stamp(Utc::now());
        Ok(self
            .store
            .claim_job(job.key(), slot, &self.instance, &now)
            .await?)
    }

    /// The instance that ran `job` in `slot`, if any.
    pub async fn job_run(&self, job: Job, slot: &str) -> Result<Option<String>, AppError> {
        Ok(self.store.job_run(job.key(), slot).await?)
    }

    /// Forgets job claims older than a week (part of the purge).
    pub(crate) async fn purge_job_runs(&self) -> Result<(), AppError> {
        let before = Utc::now() - chrono::Duration::from_std(KEEP_RUNS).unwrap_or_default();
        self.store.purge_job_runs(&stamp(before)).await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slots_are_whole_periods_since_the_epoch() {
        let at = |s: &str| DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc);
        let minute = Duration::from_secs(60);
        assert_eq!(
            slot_of(at("2026-12-05T10:00:59Z"), minute),
            "2026-12-05T10:00:00Z"
        );
        assert_eq!(
            slot_of(at("2026-12-05T10:01:00Z"), minute),
            "2026-12-05T10:01:00Z"
        );
        let day = Duration::from_secs(24 * 3600);
        assert_eq!(
            slot_of(at("2026-12-05T23:59:59Z"), day),
            "2026-12-05T00:00:00Z"
        );
        // A zero period is treated as one second rather than dividing by zero.
        assert_eq!(
            slot_of(at("2026-12-05T10:00:07Z"), Duration::ZERO),
            "2026-12-05T10:00:07Z"
        );
    }
}
