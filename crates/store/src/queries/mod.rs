//! Every query kojo runs, written once for both backends, one file per concern.

use crate::model::*;
use crate::{
    Result, Store, StoreError, at_most_one, exec, inserted, is_unique_violation, new_id, now, on,
    one_row, write_tx,
};
use kojo_domain::{ItemAnswer, Mark};

/// The columns of [`User`], in its fields' order, once for every query that reads or writes a
/// whole user (`user_columns!("u.")` with a table alias).
macro_rules! user_columns {
    ($p:literal) => {
        concat!(
            $p,
            "id, ",
            $p,
            "name, ",
            $p,
            "role, ",
            $p,
            "password_hash, ",
            $p,
            "disabled, ",
            $p,
            "lang, ",
            $p,
            "created_at, ",
            $p,
            "password_changed_at"
        )
    };
    () => {
        user_columns!("")
    };
}

macro_rules! assessment_columns {
    () => {
        "a.id, a.org_id, o.name AS org_name, a.site_id, s.code AS site_code, \
     s.name AS site_name, a.line_id, l.code AS line_code, l.name AS line_name, a.period, a.catalog_id, \
     a.status, a.revision, a.based_on, a.assessor, a.created_by, a.created_at, a.updated_at, a.inherits_from, a.received"
    };
}

macro_rules! assessment_from {
    () => {
        "FROM assessments a JOIN organisations o ON o.id = a.org_id JOIN sites s ON s.id = a.site_id \
     LEFT JOIN lines l ON l.id = a.line_id"
    };
}

macro_rules! assessment_select {
    () => {
        concat!("SELECT ", assessment_columns!(), " ", assessment_from!())
    };
}

/// A statement of one value: the own answers of the assessment whose id is `$id` (SQL text: a
/// parameter or a column), as a JSON array of [`answer_columns!`] rows (NULL if none), with
/// SQLite's aggregate or PostgreSQL's. One row instead of a row per answer: sqlx hands each row
/// of a SQLite result across a thread (see docs/performance.md).
macro_rules! answers_json {
    (sqlite, $id:expr) => {
        concat!(
            "SELECT json_group_array(json_array(",
            answer_columns!(),
            ")) FROM answers WHERE assessment_id = ",
            $id
        )
    };
    (postgres, $id:expr) => {
        concat!(
            "SELECT json_agg(json_build_array(",
            answer_columns!(),
            "))::text FROM answers WHERE assessment_id = ",
            $id
        )
    };
}

/// An assessment row (`a`) with its own answers as one JSON column, `answers_json`
/// ([`answers_json!`]), for [`AssessmentWithAnswers`]; `$engine` is `sqlite` or `postgres`.
/// `$rest` follows the joins (WHERE, ORDER BY). Unqualified answer columns name the subquery's
/// `answers` row.
macro_rules! assessment_with_answers_select {
    ($engine:ident, $rest:expr) => {
        concat!(
            "SELECT ",
            assessment_columns!(),
            ", (",
            answers_json!($engine, "a.id"),
            ") AS answers_json ",
            assessment_from!(),
            $rest
        )
    };
}

/// Inserts an assessment row (status draft; revision = 1 + the highest of the same scope and
/// period); expands inside a transaction.
macro_rules! insert_assessment {
    ($tx:expr, $new:expr, $org_id:expr, $id:expr, $at:expr) => {{
        let new: &NewAssessment = $new;
        let rev_sql = "SELECT COALESCE(MAX(revision), 0) FROM assessments WHERE site_id = $1 \
                       AND period = $2 AND COALESCE(line_id, '') = COALESCE(CAST($3 AS TEXT), '')";
        let (max_rev,): (i64,) = sqlx::query_as(rev_sql)
            .bind(&new.site_id)
            .bind(i64::from(new.period.year()))
            .bind(new.line_id.as_deref())
            .fetch_one(&mut *$tx)
            .await?;
        let sql = "INSERT INTO assessments (id, org_id, site_id, line_id, period, catalog_id, status, \
                   revision, based_on, assessor, created_by, created_at, updated_at, inherits_from) \
                   VALUES ($1, $2, $3, $4, $5, $6, 'draft', $7, $8, $9, $10, $11, $11, $12)";
        sqlx::query(sql)
            .bind($id)
            .bind($org_id)
            .bind(&new.site_id)
            .bind(new.line_id.as_deref())
            .bind(i64::from(new.period.year()))
            .bind(&new.catalog_id)
            .bind(max_rev + 1)
            .bind(new.based_on.as_deref())
            .bind(new.assessor.as_deref())
            .bind(&new.created_by)
            .bind($at)
            .bind(new.inherits_from.as_deref())
            .execute(&mut *$tx)
            .await?;
        if new.line_id.is_none() {
            // A new plant revision: the draft lines of the plant and period follow it.
            sqlx::query("UPDATE assessments SET inherits_from = $1 WHERE site_id = $2 AND period = $3 \
                         AND line_id IS NOT NULL AND inherits_from IS NOT NULL AND status = 'draft'")
                .bind($id)
                .bind(&new.site_id)
                .bind(i64::from(new.period.year()))
                .execute(&mut *$tx)
                .await?;
        }
    }};
}

/// Inserts a first answer row (version 1) and its history entry (from `$old`, the inherited
/// answer it overrides, if any); expands inside a transaction.
macro_rules! insert_answer {
    ($tx:expr, $assessment:expr, $item:expr, $answer:expr, $actor:expr, $at:expr, $seq:expr) => {
        insert_answer!($tx, $assessment, $item, $answer, $actor, $at, $seq, None)
    };
    ($tx:expr, $assessment:expr, $item:expr, $answer:expr, $actor:expr, $at:expr, $seq:expr, $old:expr) => {{
        let c = columns($answer);
        let sql = "INSERT INTO answers (assessment_id, item_no, mark, alternative, reason, review_by, accepted_by, \
                   progress, status, target_date, na_reason, note, version, updated_at, updated_by) \
                   VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, 1, $13, $14)";
        let mut q = sqlx::query(sql).bind($assessment).bind(i64::from($item));
        for v in &c {
            q = q.bind(v.as_deref());
        }
        q.bind($at).bind($actor).execute(&mut *$tx).await?;
        record_history!($tx, $assessment, $item, 1i64, $old, $answer, $actor, $at, $seq);
        StoredAnswer { item: $item, answer: $answer.cloned(), version: 1, updated_at: $at.to_string(), updated_by: $actor.to_string(), confirmed: true, inherited: false }
    }};
}

/// Takes the next value of the named counter in `sequences` (a monotonic order key); expands
/// inside a transaction, whose row lock orders concurrent writers.
macro_rules! next_seq {
    ($tx:expr, $name:expr) => {{
        let (v,): (i64,) = sqlx::query_as(
            "UPDATE sequences SET value = value + 1 WHERE name = $1 RETURNING value",
        )
        .bind($name)
        .fetch_one(&mut *$tx)
        .await?;
        v
    }};
}

/// Appends one record to the access log, chained to the record before it (see
/// [`crate::chain`]); returns its order key. Every text field is cut to [`AUDIT_FIELD_MAX`]
/// characters. Expands inside a transaction: taking the order key locks the `audit_log` counter,
/// so concurrent writers append one after another and each sees the hash of the one before.
macro_rules! append_audit {
    ($tx:expr, $at:expr, $actor:expr, $client:expr, $action:expr, $target:expr, $detail:expr, $ref_hash:expr) => {{
        // The order key and the hash of the record before it, in one statement: the counter's
        // row lock orders concurrent writers. A record without a hash reads as ''.
        let (seq, last): (i64, Option<String>) = sqlx::query_as(
            "UPDATE sequences SET value = value + 1 WHERE name = 'audit_log' RETURNING value, \
             (SELECT COALESCE(hash, '') FROM audit_log WHERE seq < sequences.value ORDER BY seq DESC LIMIT 1)",
        )
        .fetch_one(&mut *$tx)
        .await?;
        let prev = match last {
            Some(h) if !h.is_empty() => h,
            Some(_) => return Err(crate::StoreError::Corrupt("an access-log record without a hash".into()).into()),
            None => {
                let anchor: Option<(String,)> = sqlx::query_as(
                    "SELECT head_hash FROM audit_anchors WHERE kind = 'prune' ORDER BY seq DESC LIMIT 1",
                )
                .fetch_optional(&mut *$tx)
                .await?;
                anchor.map(|a| a.0).unwrap_or_else(|| $crate::chain::GENESIS.to_string())
            }
        };
        let actor: Option<&str> = $actor;
        let client: Option<&str> = $client;
        let target: Option<&str> = $target;
        let detail: Option<&str> = $detail;
        let mut rec = $crate::chain::ChainRecord {
            seq,
            at: $at.to_string(),
            actor: actor.map(crate::queries::cap),
            client: client.map(crate::queries::cap),
            action: crate::queries::cap($action),
            target: target.map(crate::queries::cap),
            detail: detail.map(crate::queries::cap),
            ref_hash: $ref_hash,
            prev_hash: None,
            hash: None,
        };
        rec.hash = Some(rec.compute(&prev));
        rec.prev_hash = Some(prev);
        sqlx::query("INSERT INTO audit_log (id, at, actor, client, action, target, detail, seq, ref_hash, prev_hash, hash) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)")
            .bind(crate::new_id())
            .bind(&rec.at)
            .bind(&rec.actor)
            .bind(&rec.client)
            .bind(&rec.action)
            .bind(&rec.target)
            .bind(&rec.detail)
            .bind(seq)
            .bind(&rec.ref_hash)
            .bind(&rec.prev_hash)
            .bind(&rec.hash)
            .execute(&mut *$tx)
            .await?;
        seq
    }};
}
pub(crate) use append_audit;

/// Appends one history entry (old → new as JSON of the raw fields) with its per-assessment order
/// key `$seq`, announced by an `answer_change` record of the access log that holds the entry's
/// hash; expands inside a transaction.
macro_rules! record_history {
    ($tx:expr, $assessment:expr, $item:expr, $version:expr, $old:expr, $new:expr, $actor:expr, $at:expr, $seq:expr) => {
        record_history!($tx, $assessment, $item, $version, $old, $new, $actor, $at, $seq, false)
    };
    ($tx:expr, $assessment:expr, $item:expr, $version:expr, $old:expr, $new:expr, $actor:expr, $at:expr, $seq:expr, $inherit:expr) => {{
        let old: Option<&ItemAnswer> = $old;
        let new: Option<&ItemAnswer> = $new;
        let json = |a: Option<&ItemAnswer>| -> Result<Option<String>> {
            a.map(|a| serde_json::to_string(&a.to_raw()).map_err(|e| StoreError::Corrupt(e.to_string()))).transpose()
        };
        let (id, old_json, new_json) = (new_id(), json(old)?, json(new)?);
        let (assessment, item, version, at, actor, hseq, inherit): (&str, u16, i64, &str, &str, i64, bool) =
            ($assessment, $item, $version, $at, $actor, $seq, $inherit);
        let hash = $crate::chain::history_hash(&id, assessment, i64::from(item), version, at, actor,
            old_json.as_deref(), new_json.as_deref(), Some(hseq), inherit);
        let detail = format!("item {item} v{version}");
        let audit_seq = append_audit!($tx, at, Some(actor), None, "answer_change", Some(assessment), Some(detail.as_str()), Some(hash));
        sqlx::query("INSERT INTO answer_history (id, assessment_id, item_no, version, changed_at, changed_by, old_value, new_value, seq, inherit, audit_seq) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)")
            .bind(&id)
            .bind(assessment)
            .bind(i64::from(item))
            .bind(version)
            .bind(at)
            .bind(actor)
            .bind(old_json)
            .bind(new_json)
            .bind(hseq)
            .bind(inherit)
            .bind(audit_seq)
            .execute(&mut *$tx)
            .await?;
    }};
}

macro_rules! answer_columns {
    () => {
        "item_no, mark, alternative, reason, review_by, accepted_by, progress, status, \
     target_date, na_reason, note, version, updated_at, updated_by, confirmed"
    };
}

/// Inside a transaction: locks the assessment's row and fails with [`StoreError::NotDraft`]
/// (or `NotFound`) unless it is a draft.
macro_rules! lock_draft {
    ($tx:expr, $id:expr, $at:expr) => {{
        let r = sqlx::query(
            "UPDATE assessments SET updated_at = $1 WHERE id = $2 AND status = 'draft'",
        )
        .bind($at)
        .bind($id)
        .execute(&mut *$tx)
        .await?;
        if r.rows_affected() == 0 {
            return Err(not_draft!($tx, $id));
        }
    }};
}

/// Inside a transaction, after a draft-only update of assessment `$id` changed nothing: the
/// error to return, [`StoreError::NotFound`] or [`StoreError::NotDraft`].
macro_rules! not_draft {
    ($tx:expr, $id:expr) => {{
        let exists: Option<(String,)> =
            sqlx::query_as("SELECT status FROM assessments WHERE id = $1")
                .bind($id)
                .fetch_optional(&mut *$tx)
                .await?;
        match exists {
            None => StoreError::NotFound {
                what: "assessment",
                key: $id.to_string(),
            },
            Some((status,)) => StoreError::NotDraft { status },
        }
    }};
}

/// [`lock_draft!`] and [`reserve_history_seq!`] in one statement, for the answer writes, which
/// also need what the locked row says: evaluates to `(first history key, inherits_from, marks)`.
macro_rules! lock_draft_reserving {
    ($tx:expr, $id:expr, $at:expr, $n:expr) => {{
        let n = i64::try_from($n).unwrap_or(i64::MAX);
        let row: Option<(i64, Option<String>, Option<String>)> = sqlx::query_as(
            "UPDATE assessments SET updated_at = $1, history_seq = history_seq + $2 \
             WHERE id = $3 AND status = 'draft' RETURNING history_seq, inherits_from, marks",
        )
        .bind($at)
        .bind(n)
        .bind($id)
        .fetch_optional(&mut *$tx)
        .await?;
        match row {
            Some((last, inherits_from, marks)) => (last - n + 1, inherits_from, marks),
            None => return Err(not_draft!($tx, $id)),
        }
    }};
}

/// Recomputes an assessment's mark summary (`assessments.marks`, see migration 0007) from its
/// own answer rows; expands inside a transaction, after the answers changed.
macro_rules! refresh_marks {
    ($tx:expr, $assessment:expr) => {{
        let rows: Vec<(i64, Option<String>, bool)> =
            sqlx::query_as("SELECT item_no, mark, inherit FROM answers WHERE assessment_id = $1")
                .bind($assessment)
                .fetch_all(&mut *$tx)
                .await?;
        let (inherits,): (Option<String>,) =
            sqlx::query_as("SELECT inherits_from FROM assessments WHERE id = $1")
                .bind($assessment)
                .fetch_one(&mut *$tx)
                .await?;
        let marks = crate::queries::marks_summary(&rows, inherits.is_some())?;
        sqlx::query("UPDATE assessments SET marks = $1 WHERE id = $2")
            .bind(marks)
            .bind($assessment)
            .execute(&mut *$tx)
            .await?;
    }};
}

/// The mark summary `marks` (as stored; `None` if not yet computed) after the answers of `items`
/// were written as the assessment's own: each item's character becomes its new mark's, and a
/// summary shorter than the item grows with what items past its end mean. The same string
/// [`marks_summary`] gives for the rows after the write. `None` when there is nothing to patch.
pub(crate) fn patch_marks<'a>(
    marks: Option<String>,
    inherits: bool,
    items: impl IntoIterator<Item = (u16, Option<&'a ItemAnswer>)>,
) -> Option<String> {
    use kojo_domain::portfolio::{INHERITED, UNANSWERED, mark_code};
    let mut s = marks?.into_bytes();
    for (item, answer) in items {
        let i = usize::from(item).checked_sub(1)?;
        if s.len() <= i {
            s.resize(i + 1, if inherits { INHERITED } else { UNANSWERED });
        }
        s[i] = mark_code(answer.map(ItemAnswer::mark));
    }
    String::from_utf8(s).ok()
}

/// The mark summary of answer rows (item, mark key, follows the plant).
pub(crate) fn marks_summary(
    rows: &[(i64, Option<String>, bool)],
    inherits: bool,
) -> Result<String> {
    use kojo_domain::portfolio::{INHERITED, UNANSWERED, mark_code};
    let len = rows.iter().map(|r| r.0).max().unwrap_or(0).clamp(0, 10_000) as usize;
    let mut s = vec![if inherits { INHERITED } else { UNANSWERED }; len];
    for (item, mark, inherit) in rows {
        let Some(i) = usize::try_from(*item)
            .ok()
            .and_then(|i| i.checked_sub(1))
            .filter(|i| *i < len)
        else {
            continue;
        };
        s[i] = if *inherit {
            INHERITED
        } else {
            let m = mark
                .as_deref()
                .map(|m| Mark::parse(m).map_err(|_| StoreError::Corrupt(format!("mark {m}"))))
                .transpose()?;
            mark_code(m)
        };
    }
    Ok(String::from_utf8(s).unwrap_or_default())
}

/// Reserves `$n` history order keys of an assessment; returns the first. Expands inside a
/// transaction.
macro_rules! reserve_history_seq {
    ($tx:expr, $assessment:expr, $n:expr) => {{
        let n = i64::try_from($n).unwrap_or(i64::MAX);
        let (last,): (i64,) = sqlx::query_as("UPDATE assessments SET history_seq = history_seq + $1 WHERE id = $2 RETURNING history_seq")
            .bind(n)
            .bind($assessment)
            .fetch_one(&mut *$tx)
            .await?;
        last - n + 1
    }};
}

/// Inside a transaction: queues on the `admin_guard` row, then fails with
/// [`StoreError::LastAdmin`] if `$user` is the only enabled administrator.
macro_rules! guard_last_admin {
    ($tx:expr, $user:expr) => {{
        sqlx::query("UPDATE sequences SET value = value + 1 WHERE name = 'admin_guard'")
            .execute(&mut *$tx)
            .await?;
        let (is_admin, others): (i64, i64) = sqlx::query_as(
            "SELECT (SELECT COUNT(*) FROM users WHERE id = $1 AND role = 'admin' AND NOT disabled), \
                    (SELECT COUNT(*) FROM users WHERE id <> $1 AND role = 'admin' AND NOT disabled)",
        )
        .bind($user)
        .fetch_one(&mut *$tx)
        .await?;
        if is_admin > 0 && others == 0 {
            return Err(StoreError::LastAdmin);
        }
    }};
}

/// One answer write of a batch: the item, the version the writer read (0 = never answered) and
/// the new answer (None = clear).
#[derive(Debug, Clone)]
pub struct AnswerWrite {
    /// Item number.
    pub item: u16,
    /// The version the writer based its change on; `None`: whatever version is current when
    /// the write transaction reads it, under the assessment's lock (a batch that overwrites).
    /// Reading the version before the transaction instead would race with any other writer.
    pub expected_version: Option<i64>,
    /// New value; `None` clears the answer.
    pub answer: Option<ItemAnswer>,
}

// After the macros: `macro_rules!` is visible only below its definition.
mod answers;
pub(crate) mod audit;
pub(crate) use audit::seal_chain;
pub use audit::{Anchor, AnchorRow, ChainReport};
mod assessments;
mod backups;
pub use backups::BackupRun;
mod comments;
mod health;
mod jobs;
pub use health::ClockReading;
mod cycle;
mod portfolio;
mod register_records;
mod registers;
pub use cycle::{CatalogCarry, QueueFilter};
pub use portfolio::{OverdueRow, PortfolioHead};
pub use register_records::MAX_UPLOADS_PER_USER;
mod sessions;
pub use throttle::THROTTLE_MAX_ROWS;
mod sites;
mod throttle;
mod tokens;
mod users;

/// The most characters the access log keeps of one field.
pub const AUDIT_FIELD_MAX: usize = 256;

/// Sets an instance setting (`$1` key, `$2` value), on a pool or inside a transaction.
pub(crate) const SET_SETTING: &str =
    "INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = $2";

/// `s` cut to [`AUDIT_FIELD_MAX`] characters, a cut marked with `…`.
pub(crate) fn cap(s: &str) -> String {
    match s.char_indices().nth(AUDIT_FIELD_MAX) {
        None => s.to_string(),
        Some(_) => {
            let mut t: String = s.chars().take(AUDIT_FIELD_MAX - 1).collect();
            t.push('…');
            t
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{marks_summary, patch_marks};
    use kojo_domain::{ItemAnswer, RawAnswer};
    use proptest::prelude::*;

    /// A valid answer of each mark the summary tells apart.
    fn answers() -> Vec<ItemAnswer> {
        let raw = |mark: &str, f: fn(&mut RawAnswer)| {
            let mut r = RawAnswer {
                mark: Some(mark.into()),
                ..RawAnswer::default()
            };
            f(&mut r);
            r.parse().expect("a valid answer")
        };
        vec![
            raw("○", |_| {}),
            raw("×", |_| {}),
            raw("△", |r| r.status = Some("対応中".into())),
            raw("－", |r| r.na_reason = Some("なし".into())),
            raw("□", |r| {
                r.reason = Some("予算待ち".into());
                r.review_by = Some("2099-01-01".into());
            }),
        ]
    }

    proptest! {
        /// Patching the stored summary with what a write changed gives the summary recomputed
        /// from the rows after it, on a plant and on a line that inherits, whatever the rows
        /// before (own, inherited, unanswered, shorter than the items written).
        #[test]
        fn a_patched_summary_equals_the_recomputed_one(
            inherits: bool,
            before in proptest::collection::vec((1i64..=63, proptest::option::of(0usize..5), any::<bool>()), 0..20),
            writes in proptest::collection::vec((1u16..=63, proptest::option::of(0usize..5)), 1..5),
        ) {
            let answers = answers();
            let key = |a: &Option<usize>| a.map(|i| answers[i].mark().key().to_string());
            // One row per item: the last one written wins, as in the table.
            let mut rows: std::collections::BTreeMap<i64, (Option<String>, bool)> = before
                .iter()
                .map(|(item, a, inherit)| (*item, (key(a), *inherit && inherits)))
                .collect();
            let flat = |rows: &std::collections::BTreeMap<i64, (Option<String>, bool)>| {
                rows.iter().map(|(i, (m, h))| (*i, m.clone(), *h)).collect::<Vec<_>>()
            };
            let stored = marks_summary(&flat(&rows), inherits).unwrap();
            for (item, a) in &writes {
                rows.insert(i64::from(*item), (key(a), false));
            }
            let patched = patch_marks(
                Some(stored),
                inherits,
                writes.iter().map(|(item, a)| (*item, a.map(|i| &answers[i]))),
            );
            prop_assert_eq!(patched, Some(marks_summary(&flat(&rows), inherits).unwrap()));
        }
    }

    #[test]
    fn a_summary_not_yet_computed_is_not_patched() {
        assert_eq!(patch_marks(None, false, [(1, None)]), None);
    }
}
