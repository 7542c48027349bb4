-- kojo schema, version 16. Portable SQL (SQLite and PostgreSQL).
--
-- What the register rules read of each entry (kojo_domain::register::facts::EntryFacts: its key,
-- the required fields it lacks, the few values the rules check), written with the entry's
-- values. `register_entries.facts` keeps it with the entry; `register_facts` holds it again for
-- the entries in effect only, in a narrow table of its own, so computing a plant's suggestions
-- reads a few MB instead of every entry's values (the rows of `register_entries` are a
-- kilobyte each). Both are written in the transaction that writes the entry.
--
-- The settings row `register_facts_layout` names the layout the facts were written under;
-- kojo_app derives them again from `data` when it differs from its own (as it does after this
-- migration: existing entries start with none).

ALTER TABLE register_entries ADD COLUMN facts TEXT NOT NULL DEFAULT '';

CREATE TABLE register_facts (
    seq     BIGINT PRIMARY KEY,
    site_id TEXT NOT NULL REFERENCES sites(id),
    kind    TEXT NOT NULL,
    facts   TEXT NOT NULL
);
CREATE INDEX register_facts_site ON register_facts (site_id, kind);
