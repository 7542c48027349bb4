-- kojo schema, version 6. Portable SQL (SQLite and PostgreSQL).
--
-- Lines inherit from their plant (issue 10 §2). A line assessment created on top of the
-- plant's assessment of the same period (`inherits_from`) answers only what differs on the
-- line; every other item shows the plant's answer, live.
--
-- 1. `assessments.inherits_from`: the plant assessment a line inherits from (NULL: the line
--    answers every item itself, as before). A draft line follows the plant's latest revision:
--    creating a plant revision re-points the draft lines of that plant and period.
-- 2. `answers.inherit`: the line's own row is not in effect and the item follows the plant.
--    Un-overriding keeps the row (its version keeps growing, so a stale writer never wins)
--    and sets the flag; overriding again clears it.
-- 3. `answer_history.inherit`: after this change the item follows the plant (an un-override).
-- 4. `effective_answers`: what every reader sees: the assessment's own answers in effect,
--    the plant's answers for inherited items (`inherited` TRUE, the line's own version or 0),
--    and inherited items the plant has not answered (mark NULL).

ALTER TABLE assessments ADD COLUMN inherits_from TEXT REFERENCES assessments(id);
CREATE INDEX assessments_inherits_from ON assessments (inherits_from);

ALTER TABLE answers ADD COLUMN inherit BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE answer_history ADD COLUMN inherit BOOLEAN NOT NULL DEFAULT FALSE;

CREATE VIEW effective_answers AS
    SELECT x.assessment_id, x.item_no, x.mark, x.alternative, x.reason, x.review_by, x.accepted_by,
           x.progress, x.status, x.target_date, x.na_reason, x.note, x.version, x.updated_at,
           x.updated_by, x.confirmed, FALSE AS inherited
      FROM answers x
     WHERE NOT x.inherit
    UNION ALL
    SELECT a.id, p.item_no, p.mark, p.alternative, p.reason, p.review_by, p.accepted_by,
           p.progress, p.status, p.target_date, p.na_reason, p.note, COALESCE(o.version, 0), p.updated_at,
           p.updated_by, p.confirmed, TRUE
      FROM assessments a
      JOIN answers p ON p.assessment_id = a.inherits_from
      LEFT JOIN answers o ON o.assessment_id = a.id AND o.item_no = p.item_no
     WHERE a.inherits_from IS NOT NULL AND (o.item_no IS NULL OR o.inherit)
    UNION ALL
    SELECT o.assessment_id, o.item_no, NULL, NULL, NULL, NULL, NULL,
           NULL, NULL, NULL, NULL, NULL, o.version, o.updated_at,
           o.updated_by, TRUE, TRUE
      FROM answers o
      JOIN assessments a ON a.id = o.assessment_id
     WHERE o.inherit
       AND NOT EXISTS (SELECT 1 FROM answers p WHERE p.assessment_id = a.inherits_from AND p.item_no = o.item_no);
