-- kojo schema, version 12. Portable SQL (SQLite and PostgreSQL).
--
-- Registers (台帳, issue 15): the ledgers a plant keeps (assets, firewall rules, remote-access
-- IDs, …), their reviews (棚卸) and the occurrences of periodic activities. The kinds and their
-- fields are data beside the catalog (kojo_catalog::registers); a row stores one entry's values
-- as a JSON object of field id -> canonical text (see kojo_domain::register::value), so a new
-- field is a data change, not a schema change.
--
-- `search` holds the values alone, lower-cased, one per line: what a search matches (not the
-- field ids of the JSON).
--
-- Entries are never deleted: retiring one keeps it (retired = TRUE) and its history. Among the
-- entries in effect of a plant and kind, the key field's value (entry_key) is unique.

CREATE TABLE register_entries (
    id          TEXT PRIMARY KEY,
    site_id     TEXT NOT NULL REFERENCES sites(id),
    line_id     TEXT REFERENCES lines(id),
    kind        TEXT NOT NULL,
    entry_key   TEXT NOT NULL,
    data        TEXT NOT NULL,
    search      TEXT NOT NULL,
    retired     BOOLEAN NOT NULL,
    version     BIGINT NOT NULL,
    seq         BIGINT NOT NULL,
    created_at  TEXT NOT NULL,
    created_by  TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    updated_by  TEXT NOT NULL
);
CREATE INDEX register_entries_list ON register_entries (site_id, kind, retired, seq);
CREATE UNIQUE INDEX register_entries_key ON register_entries (site_id, kind, entry_key)
    WHERE NOT retired;
CREATE UNIQUE INDEX register_entries_seq ON register_entries (seq);

-- Every change of an entry: who, when, what (add, edit, retire, restore), old -> new data.
CREATE TABLE register_history (
    entry_id    TEXT NOT NULL REFERENCES register_entries(id),
    version     BIGINT NOT NULL,
    seq         BIGINT NOT NULL,
    change      TEXT NOT NULL,
    changed_at  TEXT NOT NULL,
    changed_by  TEXT NOT NULL,
    old_data    TEXT,
    new_data    TEXT,
    PRIMARY KEY (entry_id, version)
);
CREATE UNIQUE INDEX register_history_seq ON register_history (seq);

-- A review (棚卸) of one register of one plant: the date, the reviewer, a note, and the count
-- and SHA-256 of the entries as reviewed.
CREATE TABLE register_reviews (
    id           TEXT PRIMARY KEY,
    site_id      TEXT NOT NULL REFERENCES sites(id),
    kind         TEXT NOT NULL,
    reviewed_on  TEXT NOT NULL,
    reviewer     TEXT NOT NULL,
    note         TEXT,
    entries      BIGINT NOT NULL,
    entries_hash TEXT NOT NULL,
    seq          BIGINT NOT NULL,
    recorded_at  TEXT NOT NULL,
    recorded_by  TEXT NOT NULL
);
CREATE INDEX register_reviews_site ON register_reviews (site_id, kind, reviewed_on);

-- One occurrence of a periodic activity (an activity kind of kojo_catalog::registers).
CREATE TABLE activity_records (
    id           TEXT PRIMARY KEY,
    site_id      TEXT NOT NULL REFERENCES sites(id),
    activity     TEXT NOT NULL,
    item_no      BIGINT NOT NULL,
    done_on      TEXT NOT NULL,
    what         TEXT,
    participants TEXT,
    note         TEXT,
    evidence     TEXT,
    seq          BIGINT NOT NULL,
    recorded_at  TEXT NOT NULL,
    recorded_by  TEXT NOT NULL
);
CREATE INDEX activity_records_site ON activity_records (site_id, done_on);

INSERT INTO sequences (name, value) VALUES
    ('register_entries', 0), ('register_history', 0), ('register_reviews', 0), ('activity_records', 0);
