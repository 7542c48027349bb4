-- kojo schema, version 3. Portable SQL (SQLite and PostgreSQL).
--
-- 1. A monotonic order key. Two comments, history entries or access-log records written in the
--    same millisecond tied on their timestamp, and their random UUID ids broke the tie at random.
--    Comments and the access log take their key from `sequences` (one row per table); answer
--    history is numbered per assessment (`assessments.history_seq`), whose row every answer write
--    locks anyway, so concurrent saves of different assessments never queue on one counter.
-- 2. Login throttling in the database, shared by every instance and clearable by
--    `kojo user unlock`.

CREATE TABLE sequences (
    name  TEXT PRIMARY KEY,
    value BIGINT NOT NULL
);

ALTER TABLE comments ADD COLUMN seq BIGINT;
UPDATE comments SET seq = (
    SELECT COUNT(*) FROM comments c2
    WHERE c2.created_at < comments.created_at
       OR (c2.created_at = comments.created_at AND c2.id <= comments.id));
INSERT INTO sequences (name, value) SELECT 'comments', COALESCE(MAX(seq), 0) FROM comments;
CREATE UNIQUE INDEX comments_seq ON comments (seq);

ALTER TABLE audit_log ADD COLUMN seq BIGINT;
UPDATE audit_log SET seq = (
    SELECT COUNT(*) FROM audit_log a2
    WHERE a2.at < audit_log.at OR (a2.at = audit_log.at AND a2.id <= audit_log.id));
INSERT INTO sequences (name, value) SELECT 'audit_log', COALESCE(MAX(seq), 0) FROM audit_log;
CREATE UNIQUE INDEX audit_log_seq ON audit_log (seq);

ALTER TABLE assessments ADD COLUMN history_seq BIGINT NOT NULL DEFAULT 0;
ALTER TABLE answer_history ADD COLUMN seq BIGINT;
UPDATE answer_history SET seq = (
    SELECT COUNT(*) FROM answer_history h2
    WHERE h2.assessment_id = answer_history.assessment_id
      AND (h2.changed_at < answer_history.changed_at
           OR (h2.changed_at = answer_history.changed_at AND h2.item_no < answer_history.item_no)
           OR (h2.changed_at = answer_history.changed_at AND h2.item_no = answer_history.item_no
               AND h2.version <= answer_history.version)));
UPDATE assessments SET history_seq = (
    SELECT COUNT(*) FROM answer_history h WHERE h.assessment_id = assessments.id);
CREATE UNIQUE INDEX answer_history_seq ON answer_history (assessment_id, seq);

-- Failed logins: per (account, client) pair, per account and per client address. `account` is
-- the lower-cased login name ('' for scope 'client'), `client` the address ('' for 'account').
-- A 'pair' row with known = TRUE records that this address has logged in to this account before.
CREATE TABLE login_throttle (
    scope        TEXT NOT NULL,
    account      TEXT NOT NULL,
    client       TEXT NOT NULL,
    failures     BIGINT NOT NULL,
    last_failure TEXT,
    known        BOOLEAN NOT NULL,
    updated_at   TEXT NOT NULL,
    PRIMARY KEY (scope, account, client)
);
CREATE INDEX login_throttle_updated ON login_throttle (updated_at);
CREATE INDEX login_throttle_account ON login_throttle (account);

-- Changes that could leave no enabled administrator first update this row, so that on
-- PostgreSQL two such transactions queue instead of both passing the check.
INSERT INTO sequences (name, value) VALUES ('admin_guard', 0);
