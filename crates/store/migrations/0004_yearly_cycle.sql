-- kojo schema, version 4: the yearly cycle. Portable SQL (SQLite and PostgreSQL).
--
-- answers.confirmed: FALSE for an answer carried from last year until an assessor re-confirms
--   or changes it (要再確認). Answers written before this migration were all confirmed.
-- reviews: this cycle's review (見直し) of a □ △ × item, for the mark it was made for.
-- actions / action_events: action plans (対策計画); ids are small numbers from `sequences`,
--   so people can type them. A carried action keeps its history (events are copied).
-- blobs / evidence: evidence files (根拠資料) stored once per SHA-256, attached by reference.
--   BYTEA is PostgreSQL's binary type; SQLite stores the bytes as a BLOB value whatever the
--   declared type.
-- signoffs: 提出 / 確認 / 承認 / 差戻し with the SHA-256 of the canonical content and of each item.

ALTER TABLE answers ADD COLUMN confirmed BOOLEAN NOT NULL DEFAULT TRUE;

CREATE TABLE reviews (
    assessment_id TEXT NOT NULL REFERENCES assessments(id) ON DELETE CASCADE,
    item_no       BIGINT NOT NULL,
    mark          TEXT NOT NULL,
    valid         BOOLEAN,
    progress      TEXT,
    progress_pct  BIGINT,
    status        TEXT,
    target_date   TEXT,
    note          TEXT,
    reviewed_by   TEXT NOT NULL,
    reviewed_at   TEXT NOT NULL,
    PRIMARY KEY (assessment_id, item_no)
);

CREATE TABLE actions (
    id            BIGINT PRIMARY KEY,
    assessment_id TEXT NOT NULL REFERENCES assessments(id) ON DELETE CASCADE,
    item_no       BIGINT NOT NULL,
    title         TEXT NOT NULL,
    owner         TEXT,
    due           TEXT,
    status        TEXT NOT NULL,
    note          TEXT,
    carried_from  BIGINT,
    created_by    TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    updated_by    TEXT NOT NULL,
    updated_at    TEXT NOT NULL
);
CREATE INDEX actions_assessment ON actions (assessment_id, item_no, id);

CREATE TABLE action_events (
    seq           BIGINT PRIMARY KEY,
    action_id     BIGINT NOT NULL REFERENCES actions(id) ON DELETE CASCADE,
    at            TEXT NOT NULL,
    by_user       TEXT NOT NULL,
    status        TEXT NOT NULL,
    note          TEXT
);
CREATE INDEX action_events_action ON action_events (action_id, seq);

CREATE TABLE blobs (
    sha256        TEXT PRIMARY KEY,
    size          BIGINT NOT NULL,
    data          BYTEA NOT NULL,
    created_at    TEXT NOT NULL
);

CREATE TABLE evidence (
    id            BIGINT PRIMARY KEY,
    assessment_id TEXT NOT NULL REFERENCES assessments(id) ON DELETE CASCADE,
    item_no       BIGINT NOT NULL,
    sha256        TEXT NOT NULL REFERENCES blobs(sha256),
    name          TEXT NOT NULL,
    media_type    TEXT NOT NULL,
    size          BIGINT NOT NULL,
    uploaded_by   TEXT NOT NULL,
    uploaded_at   TEXT NOT NULL,
    valid_until   TEXT,
    carried_from  BIGINT
);
CREATE INDEX evidence_assessment ON evidence (assessment_id, item_no, id);
CREATE INDEX evidence_sha256 ON evidence (sha256);

CREATE TABLE signoffs (
    seq           BIGINT PRIMARY KEY,
    assessment_id TEXT NOT NULL REFERENCES assessments(id) ON DELETE CASCADE,
    decision      TEXT NOT NULL,
    by_user       TEXT NOT NULL,
    at            TEXT NOT NULL,
    comment       TEXT,
    content_hash  TEXT NOT NULL,
    item_hashes   TEXT NOT NULL
);
CREATE INDEX signoffs_assessment ON signoffs (assessment_id, seq);

CREATE INDEX assessments_scope ON assessments (site_id, line_id, period, revision);

INSERT INTO sequences (name, value) VALUES ('actions', 0);
INSERT INTO sequences (name, value) VALUES ('action_events', 0);
INSERT INTO sequences (name, value) VALUES ('evidence', 0);
INSERT INTO sequences (name, value) VALUES ('signoffs', 0);
