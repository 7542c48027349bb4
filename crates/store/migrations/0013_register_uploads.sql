-- kojo schema, version 13. Portable SQL (SQLite and PostgreSQL).
--
-- Ledger files uploaded to the web's import wizard (upload → mapping → preview → apply), kept
-- in the database between its steps so that every instance behind a load balancer sees them.
-- Transient: a row is removed when its import is applied and purged after an hour; backups
-- leave the table out.

CREATE TABLE register_uploads (
    id          TEXT PRIMARY KEY,
    site_id     TEXT NOT NULL REFERENCES sites(id),
    kind        TEXT NOT NULL,
    username    TEXT NOT NULL,
    file_name   TEXT NOT NULL,
    content     BYTEA NOT NULL,
    created_at  TEXT NOT NULL
);

CREATE INDEX register_uploads_created ON register_uploads (created_at);
