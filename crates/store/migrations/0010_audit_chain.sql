-- Tamper-evident audit trail (issue 12): every access-log record carries the hash of the record
-- before it, and every answer-history row is referenced by a record that holds the row's hash.
-- Hashes of rows written before this migration are filled in by kojo when it first opens the
-- database (SHA-256 is not portable SQL); see `Store::seal_audit_chain`.

ALTER TABLE audit_log ADD COLUMN ref_hash TEXT;
ALTER TABLE audit_log ADD COLUMN prev_hash TEXT;
ALTER TABLE audit_log ADD COLUMN hash TEXT;

ALTER TABLE answer_history ADD COLUMN audit_seq BIGINT;
CREATE INDEX answer_history_audit ON answer_history (audit_seq);

-- Recorded heads of the chain: `daily` (written by `kojo serve`, copied elsewhere by an
-- operator) and `prune` (the last record removed by retention; the chain restarts from it).
CREATE TABLE audit_anchors (
    seq         BIGINT PRIMARY KEY,
    kind        TEXT NOT NULL,
    at          TEXT NOT NULL,
    head_seq    BIGINT NOT NULL,
    head_hash   TEXT NOT NULL
);
INSERT INTO sequences (name, value) VALUES ('audit_anchors', 0);

-- Backups written by `kojo backup` and by the schedule of `kojo serve`, with their verification.
CREATE TABLE backups (
    seq         BIGINT PRIMARY KEY,
    started_at  TEXT NOT NULL,
    finished_at TEXT NOT NULL,
    file        TEXT NOT NULL,
    size        BIGINT NOT NULL,
    sha256      TEXT,
    verified    BOOLEAN NOT NULL,
    error       TEXT,
    scheduled   BOOLEAN NOT NULL
);
INSERT INTO sequences (name, value) VALUES ('backups', 0);
