-- kojo schema, version 14. Portable SQL (SQLite and PostgreSQL).
--
-- One stamp per plant that changes with every change of what the register rules read: its
-- register entries, reviews (棚卸) and activity records. kojo_app keeps the rules' suggestions
-- per plant under this stamp, so a page that shows them reads one row instead of every entry.
-- A stamp is random (a new one per change), so a restored database never repeats a stamp of the
-- data it replaced. A plant without a stamp has no register data.
--
-- Sign-off steps also record what the registers said (kojo_domain::register::Snapshot as
-- canonical JSON): the suggestions and their basis, sealed into the step's content hash.

CREATE TABLE register_stamps (
    site_id TEXT PRIMARY KEY REFERENCES sites(id),
    stamp   TEXT NOT NULL
);

INSERT INTO register_stamps (site_id, stamp)
SELECT site_id, 'migrated:' || site_id FROM (
    SELECT site_id FROM register_entries
    UNION SELECT site_id FROM register_reviews
    UNION SELECT site_id FROM activity_records
) AS with_data;

ALTER TABLE signoffs ADD COLUMN registers TEXT;

-- Staged ledger files are kept per user newest first by a monotonic key (two uploads within one
-- millisecond must not tie).
ALTER TABLE register_uploads ADD COLUMN seq BIGINT NOT NULL DEFAULT 0;
INSERT INTO sequences (name, value) VALUES ('register_uploads', 0);
