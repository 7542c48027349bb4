-- kojo schema, version 7. Portable SQL (SQLite and PostgreSQL).
--
-- The portfolio (issue 10 §3–§5) reads every plant's figures at once, so each assessment keeps
-- a summary of its own answers, maintained in the same transaction as every answer write:
-- `marks`, one character per item in item order (`O` ○, `D` □, `C` △, `X` ×, `N` －, `.`
-- unanswered, `i` follows the plant on a line that inherits; items past the end are `.`, or `i`
-- on a line that inherits). Which label an item belongs to is catalog data, applied when the
-- summary is read. NULL until computed: the store fills it in when it opens the database.

ALTER TABLE assessments ADD COLUMN marks TEXT;

-- Overdue □ (review-by date passed) and open actions of one assessment without reading all
-- its rows: partial indexes, probed per assessment.
CREATE INDEX answers_deferred ON answers (assessment_id, review_by) WHERE mark = 'deferred';
CREATE INDEX actions_open ON actions (assessment_id, due) WHERE status IN ('open', 'in_progress');
