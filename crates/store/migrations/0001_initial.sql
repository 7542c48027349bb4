-- kojo schema, version 1. Portable SQL: the same file runs on SQLite and PostgreSQL.
-- Ids are UUID text; timestamps are RFC 3339 UTC text (sortable); integers are BIGINT.
-- Never edit this file once released: add a new migration.

CREATE TABLE organisations (
    id          TEXT PRIMARY KEY,
    code        TEXT NOT NULL UNIQUE,
    name        TEXT NOT NULL,
    created_at  TEXT NOT NULL
);

CREATE TABLE sites (
    id          TEXT PRIMARY KEY,
    org_id      TEXT NOT NULL REFERENCES organisations(id),
    code        TEXT NOT NULL,
    name        TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    UNIQUE (org_id, code)
);

CREATE TABLE lines (
    id          TEXT PRIMARY KEY,
    site_id     TEXT NOT NULL REFERENCES sites(id),
    code        TEXT NOT NULL,
    name        TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    UNIQUE (site_id, code)
);

CREATE TABLE users (
    id                  TEXT PRIMARY KEY,
    name                TEXT NOT NULL UNIQUE,
    role                TEXT NOT NULL,
    password_hash       TEXT NOT NULL,
    disabled            BOOLEAN NOT NULL,
    lang                TEXT NOT NULL,
    created_at          TEXT NOT NULL,
    password_changed_at TEXT NOT NULL
);

CREATE TABLE grants (
    user_id     TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    site_id     TEXT NOT NULL REFERENCES sites(id) ON DELETE CASCADE,
    PRIMARY KEY (user_id, site_id)
);

CREATE TABLE assessments (
    id          TEXT PRIMARY KEY,
    org_id      TEXT NOT NULL REFERENCES organisations(id),
    site_id     TEXT NOT NULL REFERENCES sites(id),
    line_id     TEXT REFERENCES lines(id),
    period      BIGINT NOT NULL,
    catalog_id  TEXT NOT NULL,
    status      TEXT NOT NULL,
    revision    BIGINT NOT NULL,
    based_on    TEXT REFERENCES assessments(id),
    assessor    TEXT,
    created_by  TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL
);
CREATE INDEX assessments_site_period ON assessments (site_id, period);

-- One row per answered (or once answered, then cleared) item. mark NULL = unanswered.
-- version only grows, so a stale writer can never win after a clear and re-answer.
CREATE TABLE answers (
    assessment_id TEXT NOT NULL REFERENCES assessments(id) ON DELETE CASCADE,
    item_no       BIGINT NOT NULL,
    mark          TEXT,
    alternative   TEXT,
    reason        TEXT,
    review_by     TEXT,
    accepted_by   TEXT,
    progress      TEXT,
    status        TEXT,
    target_date   TEXT,
    na_reason     TEXT,
    note          TEXT,
    version       BIGINT NOT NULL,
    updated_at    TEXT NOT NULL,
    updated_by    TEXT NOT NULL,
    PRIMARY KEY (assessment_id, item_no)
);

-- Every change of an answer: who, when, old -> new (JSON of the raw fields, NULL = unanswered).
CREATE TABLE answer_history (
    id            TEXT PRIMARY KEY,
    assessment_id TEXT NOT NULL REFERENCES assessments(id) ON DELETE CASCADE,
    item_no       BIGINT NOT NULL,
    version       BIGINT NOT NULL,
    changed_at    TEXT NOT NULL,
    changed_by    TEXT NOT NULL,
    old_value     TEXT,
    new_value     TEXT
);
CREATE INDEX answer_history_item ON answer_history (assessment_id, item_no, version);

-- Access log (guideline items 18, 59): logins, failures, logouts, user and grant changes.
CREATE TABLE audit_log (
    id          TEXT PRIMARY KEY,
    at          TEXT NOT NULL,
    actor       TEXT,
    client      TEXT,
    action      TEXT NOT NULL,
    target      TEXT,
    detail      TEXT
);
CREATE INDEX audit_log_at ON audit_log (at);

-- Web sessions; the cookie holds a random token, the table its SHA-256.
CREATE TABLE sessions (
    token_hash  TEXT PRIMARY KEY,
    user_id     TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    csrf_token  TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    last_seen   TEXT NOT NULL,
    client      TEXT
);

-- Instance settings and one-time markers (e.g. that the first administrator was created).
CREATE TABLE settings (
    key         TEXT PRIMARY KEY,
    value       TEXT NOT NULL
);
