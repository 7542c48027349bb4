-- Review comments on an assessment (whole assessment or one item), by reviewers, assessors and
-- administrators. Comments are never edited; a correction is a new comment.
CREATE TABLE comments (
    id            TEXT PRIMARY KEY,
    assessment_id TEXT NOT NULL REFERENCES assessments(id) ON DELETE CASCADE,
    item_no       BIGINT,
    author        TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    body          TEXT NOT NULL
);
CREATE INDEX comments_assessment ON comments (assessment_id, item_no, created_at);
