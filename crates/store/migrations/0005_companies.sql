-- kojo schema, version 5. Portable SQL (SQLite and PostgreSQL).
--
-- Companies (会社): `organisations` becomes the company level above plants. A deployment that
-- has only the default company (code `default`, created at first run) never sees the level.
--
-- 1. Plant codes are unique across the deployment (the CLI and URLs name plants by code alone).
--    Before, they were unique per organisation, and there was only one.
-- 2. A user can be granted a whole company: every plant of it, including plants added later.
-- 3. `site_access` is what a user may see: plant grants and the plants of granted companies.
--    Every visibility filter reads it, so both kinds of grant mean the same everywhere.

CREATE UNIQUE INDEX sites_code_unique ON sites (code);

CREATE TABLE company_grants (
    user_id     TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    org_id      TEXT NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
    PRIMARY KEY (user_id, org_id)
);

CREATE VIEW site_access AS
    SELECT user_id, site_id FROM grants
    UNION
    SELECT cg.user_id, s.id AS site_id FROM company_grants cg JOIN sites s ON s.org_id = cg.org_id;
