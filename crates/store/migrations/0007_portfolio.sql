-- kojo schema, version 7. Portable SQL (SQLite and PostgreSQL).
--
-- The portfolio (issue 10 §3–§5) reads every plant's figures at once, so each assessment keeps
-- a summary of its own answers, maintained in the same transaction as every answer write:
-- `marks`, one character per item in item order (`O` ○, `D` □, `C` △, `X` ×, `N` －, `.`
-- unanswered, `i` follows the plant on a line that inherits; items past the end are `.`, or `i`
-- on a line that inherits). Which label an item belongs to is catalog data, applied when the
-- summary is read. NULL until computed: the store fills it in when it opens the database.

ALTER TABLE assessments ADD COLUMN marks TEXT;

-- Overdue □ (review-by date passed) per assessment without reading every answer.
CREATE INDEX answers_mark_review_by ON answers (mark, review_by);
CREATE INDEX actions_status_due ON actions (status, due);
