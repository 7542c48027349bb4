-- kojo schema, version 15. Portable SQL (SQLite and PostgreSQL).
--
-- The register rules' last result per plant (kojo_app::suggestions) under the register stamp and
-- the as-of date it was computed for, so a new process (`kojo suggest`, a restarted or second
-- `kojo serve`) reads it instead of every entry while the plant's registers are unchanged. A
-- stamp names one state of a plant's register data (a new random one with every change), so a
-- row is valid exactly while its stamp is the plant's current one; other rows are never used.
-- Derived data: backups leave it out.

CREATE TABLE register_suggestions (
    site_id     TEXT PRIMARY KEY REFERENCES sites(id),
    stamp       TEXT NOT NULL,
    as_of       TEXT NOT NULL,
    suggestions TEXT NOT NULL
);
