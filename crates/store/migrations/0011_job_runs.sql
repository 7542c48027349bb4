-- kojo schema, version 11. Portable SQL (SQLite and PostgreSQL).
--
-- Scheduled jobs run once per slot however many `kojo serve` instances share the database:
-- an instance runs a job (session purge, audit anchor and retention, backup) only after it
-- has inserted the job's row for the current slot, and the primary key lets one insert win.
-- Installation-local, like sessions: not part of a backup. Rows older than a week are purged.

CREATE TABLE job_runs (
    job        TEXT NOT NULL,
    slot       TEXT NOT NULL,
    instance   TEXT NOT NULL,
    started_at TEXT NOT NULL,
    PRIMARY KEY (job, slot)
);
CREATE INDEX job_runs_started ON job_runs (started_at);
