//! Scheduled jobs shared by every `kojo serve` instance on one database: a job runs in a slot
//! only on the instance whose insert of `(job, slot)` won.

use super::*;

impl Store {
    /// Claims `job` for `slot` for `instance`. True when this call took it (run the job); false
    /// when another instance (or an earlier call) already has it. One statement, so two
    /// instances racing for a slot cannot both win.
    pub async fn claim_job(&self, job: &str, slot: &str, instance: &str, at: &str) -> Result<bool> {
        let sql = "INSERT INTO job_runs (job, slot, instance, started_at) VALUES ($1, $2, $3, $4) \
                   ON CONFLICT (job, slot) DO NOTHING";
        let n = exec!(
            self,
            sqlx::query(sql)
                .bind(job)
                .bind(slot)
                .bind(instance)
                .bind(at)
        )?;
        at_most_one(n, "job run")
    }

    /// Who ran `job` in `slot`, if anybody.
    pub async fn job_run(&self, job: &str, slot: &str) -> Result<Option<String>> {
        let sql = "SELECT instance FROM job_runs WHERE job = $1 AND slot = $2";
        let row: Option<(String,)> = on!(self, |pool| sqlx::query_as(sql)
            .bind(job)
            .bind(slot)
            .fetch_optional(pool)
            .await)?;
        Ok(row.map(|(i,)| i))
    }

    /// Forgets job runs started before `before`; returns how many.
    pub async fn purge_job_runs(&self, before: &str) -> Result<u64> {
        let sql = "DELETE FROM job_runs WHERE started_at < $1";
        Ok(exec!(self, sqlx::query(sql).bind(before))?)
    }
}
