-- kojo schema, version 9. Portable SQL (SQLite and PostgreSQL).
--
-- Personal API tokens for `/api/v1`. The token is shown once; only its SHA-256 is kept. A
-- token acts as its user (role and grants), never more; a `read` token only reads. Revoked
-- and expired tokens stay listed (who had access when); `last_used_at` is updated at most
-- once a minute per token.

CREATE TABLE api_tokens (
    id           TEXT PRIMARY KEY,
    user_id      TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    name         TEXT NOT NULL,
    scope        TEXT NOT NULL,
    token_hash   TEXT NOT NULL UNIQUE,
    created_at   TEXT NOT NULL,
    expires_at   TEXT,
    last_used_at TEXT,
    revoked_at   TEXT,
    seq          BIGINT NOT NULL UNIQUE
);
CREATE INDEX api_tokens_user ON api_tokens (user_id, seq);

INSERT INTO sequences (name, value) VALUES ('api_tokens', 0);
