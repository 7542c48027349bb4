-- kojo schema, version 17. Portable SQL (SQLite and PostgreSQL).
--
-- A plant's register facts, per kind, concatenated into one value: what computing the plant's
-- suggestions reads. Aggregating 50,000 rows of `register_facts` on every computation cost
-- PostgreSQL about 30 ms (its per-row cost); reading one value costs a few. The set is written
-- again, from `register_facts`, in every transaction that changes the plant's entries of the
-- kind, after it has given the plant a new stamp (which, on PostgreSQL, waits for any other
-- such transaction of the plant to end, so the set always includes every committed change).
-- No row: the plant keeps no entries of the kind in effect.

CREATE TABLE register_fact_sets (
    site_id TEXT NOT NULL REFERENCES sites(id),
    kind    TEXT NOT NULL,
    facts   TEXT NOT NULL,
    PRIMARY KEY (site_id, kind)
);

INSERT INTO register_fact_sets (site_id, kind, facts)
    SELECT site_id, kind, string_agg(facts, '') FROM register_facts GROUP BY site_id, kind;
