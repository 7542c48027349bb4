-- kojo schema, version 18. Portable SQL (SQLite and PostgreSQL).
--
-- The content stamp: one value that changes with every committed change of what pages show, so
-- a rendered page can be kept under the stamp it was read at (kojo_web's page cache) and is
-- never shown after the data under it changed, on this instance or any other. Triggers on every
-- table but a few per-installation ones set a new random value; they differ per engine, so
-- kojo_store creates them when it opens the database (`stamp.rs`), not here. A stamp is random,
-- so a restored database never repeats a stamp of data it replaced. 'unset' is replaced by a
-- random value at the same time.

CREATE TABLE content_stamp (
    id    INTEGER PRIMARY KEY CHECK (id = 1),
    stamp TEXT NOT NULL
);

INSERT INTO content_stamp (id, stamp) VALUES (1, 'unset');
