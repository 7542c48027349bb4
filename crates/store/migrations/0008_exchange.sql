-- kojo schema, version 8. Portable SQL (SQLite and PostgreSQL).
--
-- Exchange between suppliers and customers.
--
-- 1. `company_keys`: the minisign public keys of companies, by key id. On the supplier's side,
--    the keys its own companies sign with; on the customer's side, the keys of its suppliers.
--    Rotating a key retires the current one (`retired_at`); a retired key still verifies the
--    packages made before it was retired.
-- 2. `suppliers`: the companies that are suppliers registered here (their assessments arrive
--    as packages; they are never edited here).
-- 3. `assessments.received`: the assessment was filed from a supplier's package; read-only.
-- 4. `receipts`: one row per received package, the package itself kept as a blob (re-verifiable,
--    downloadable).

CREATE TABLE company_keys (
    key_id      TEXT PRIMARY KEY,
    org_id      TEXT NOT NULL REFERENCES organisations(id),
    public_key  TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    created_by  TEXT NOT NULL,
    retired_at  TEXT
);
CREATE INDEX company_keys_org ON company_keys (org_id, created_at);

CREATE TABLE suppliers (
    org_id      TEXT PRIMARY KEY REFERENCES organisations(id),
    added_at    TEXT NOT NULL,
    added_by    TEXT NOT NULL
);

ALTER TABLE assessments ADD COLUMN received BOOLEAN NOT NULL DEFAULT FALSE;

CREATE TABLE receipts (
    seq            BIGINT PRIMARY KEY,
    assessment_id  TEXT NOT NULL UNIQUE REFERENCES assessments(id) ON DELETE CASCADE,
    org_id         TEXT NOT NULL REFERENCES organisations(id),
    key_id         TEXT NOT NULL REFERENCES company_keys(key_id),
    package_sha256 TEXT NOT NULL REFERENCES blobs(sha256),
    package_size   BIGINT NOT NULL,
    received_at    TEXT NOT NULL,
    received_by    TEXT NOT NULL
);
CREATE INDEX receipts_org ON receipts (org_id, seq);

INSERT INTO sequences (name, value) VALUES ('receipts', 0);
