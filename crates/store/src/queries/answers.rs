//! Answers with optimistic versions, and their history.

use super::*;

/// The statements of [`Store::write_answers`] on `$tx` (a transaction, or a savepoint of a
/// group commit on SQLite), evaluating to its result; `$id`, `$writes`, `$actor` and `$at` are
/// `&str`, `&[AnswerWrite]`, `&str` and `&str`.
macro_rules! write_answers_in {
    ($tx:ident, $id:ident, $writes:ident, $actor:ident, $at:ident) => {
            async {
                // Lock the assessment first: on PostgreSQL this row lock also orders concurrent
                // writers of the same assessment. The same statement reserves the history keys
                // and reads what the writes need of the row.
                let (mut seq, inherits_from, marks) = lock_draft_reserving!($tx, $id, $at, $writes.len());
                // On a line that inherits, an item the line does not answer itself shows the
                // plant's answer: the "before" of an override, and what a conflict reports (with
                // the line's own version, 0 when it never wrote the item).
                let mut out = Vec::with_capacity($writes.len());
                let own = concat!("SELECT ", answer_columns!(), ", inherit AS inherited FROM answers WHERE assessment_id = $1 AND item_no = $2");
                for w in $writes {
                    let mut current: Option<StoredAnswer> = sqlx::query_as::<_, AnswerRow>(own)
                        .bind($id)
                        .bind(i64::from(w.item))
                        .fetch_optional(&mut *$tx)
                        .await?
                        .map(AnswerRow::into_stored)
                        .transpose()?;
                    if let Some(parent) = &inherits_from
                        && current.as_ref().is_none_or(|c| c.inherited)
                    {
                        let plant: Option<StoredAnswer> = sqlx::query_as::<_, AnswerRow>(own)
                            .bind(parent)
                            .bind(i64::from(w.item))
                            .fetch_optional(&mut *$tx)
                            .await?
                            .map(AnswerRow::into_stored)
                            .transpose()?;
                        let version = current.as_ref().map(|c| c.version).unwrap_or(0);
                        current = Some(match plant {
                            Some(p) => StoredAnswer { version, inherited: true, ..p },
                            None => StoredAnswer {
                                item: w.item,
                                answer: None,
                                version,
                                updated_at: String::new(),
                                updated_by: String::new(),
                                confirmed: true,
                                inherited: true,
                            },
                        });
                    }
                    let current_version = current.as_ref().map(|c| c.version).unwrap_or(0);
                    let expected = w.expected_version.unwrap_or(current_version);
                    if current_version != expected {
                        return Err(StoreError::Conflict { item: w.item, current: current.map(Box::new) });
                    }
                    let stored = if current_version == 0 {
                        let old = current.and_then(|c| c.answer);
                        insert_answer!($tx, $id, w.item, w.answer.as_ref(), $actor, $at, seq, old.as_ref())
                    } else {
                        let c = columns(w.answer.as_ref());
                        let sql = "UPDATE answers SET mark = $1, alternative = $2, reason = $3, review_by = $4, \
                                   accepted_by = $5, progress = $6, status = $7, target_date = $8, na_reason = $9, \
                                   note = $10, version = version + 1, updated_at = $11, updated_by = $12, confirmed = TRUE, inherit = FALSE \
                                   WHERE assessment_id = $13 AND item_no = $14 AND version = $15";
                        let mut q = sqlx::query(sql);
                        for v in &c {
                            q = q.bind(v.as_deref());
                        }
                        let r = q
                            .bind($at)
                            .bind($actor)
                            .bind($id)
                            .bind(i64::from(w.item))
                            .bind(expected)
                            .execute(&mut *$tx)
                            .await?;
                        if r.rows_affected() != 1 {
                            return Err(StoreError::Conflict { item: w.item, current: current.map(Box::new) });
                        }
                        let stored = StoredAnswer {
                            item: w.item,
                            answer: w.answer.clone(),
                            version: expected + 1,
                            updated_at: $at.to_string(),
                            updated_by: $actor.to_string(),
                            confirmed: true,
                            inherited: false,
                        };
                        let old = current.and_then(|c| c.answer);
                        record_history!($tx, $id, w.item, stored.version, old.as_ref(), w.answer.as_ref(), $actor, $at, seq);
                        stored
                    };
                    seq += 1;
                    out.push(stored);
                }
                // The summary changes only where an answer was written: patched, not recomputed
                // from every row (the store tests check that both agree).
                match patch_marks(marks, inherits_from.is_some(), $writes.iter().map(|w| (w.item, w.answer.as_ref()))) {
                    Some(marks) => {
                        sqlx::query("UPDATE assessments SET marks = $1 WHERE id = $2")
                            .bind(marks)
                            .bind($id)
                            .execute(&mut *$tx)
                            .await?;
                    }
                    None => refresh_marks!($tx, $id),
                }
                Ok::<_, StoreError>(out)
            }
            .await
    };
}

impl Store {
    // ---- answers -------------------------------------------------------------------------

    /// Every answer in effect in an assessment (one query), by item: its own, and on a line
    /// that inherits, the plant's for the items it does not override (`inherited`).
    pub async fn answers(&self, assessment_id: &str) -> Result<Vec<StoredAnswer>> {
        let sql = concat!(
            "SELECT ",
            answer_columns!(),
            ", inherited FROM effective_answers WHERE assessment_id = $1 ORDER BY item_no"
        );
        let rows: Vec<AnswerRow> = on!(self, |pool| sqlx::query_as::<_, AnswerRow>(sql)
            .bind(assessment_id)
            .fetch_all(pool)
            .await)?;
        rows.into_iter().map(AnswerRow::into_stored).collect()
    }

    /// [`Store::answers`] of an assessment already read: an assessment that inherits nothing
    /// reads its own rows directly (the view's other branches cannot contribute).
    pub async fn answers_of(&self, a: &Assessment) -> Result<Vec<StoredAnswer>> {
        if a.inherits_from.is_some() {
            return self.answers(&a.id).await;
        }
        let (json,): (Option<String>,) = match &self.backend {
            crate::Backend::Sqlite { pool, .. } => {
                let mut c = crate::pin::lease(pool, self.owner()).await?;
                sqlx::query_as(answers_json!(sqlite, "$1"))
                    .bind(&a.id)
                    .fetch_one(&mut *c)
                    .await?
            }
            crate::Backend::Postgres(pool) => {
                let mut c = crate::pin::lease(pool, self.owner()).await?;
                sqlx::query_as(answers_json!(postgres, "$1"))
                    .bind(&a.id)
                    .fetch_one(&mut *c)
                    .await?
            }
        };
        answers_from_json(&a.id, json.as_deref())
    }

    /// [`Store::assessment`] and [`Store::answers_of`] in one statement: the answers come as a
    /// JSON column of the assessment's row.
    pub async fn assessment_with_answers(
        &self,
        id: &str,
    ) -> Result<Option<(Assessment, Vec<StoredAnswer>)>> {
        let row: Option<AssessmentWithAnswers> = match &self.backend {
            crate::Backend::Sqlite { pool, .. } => {
                let mut c = crate::pin::lease(pool, self.owner()).await?;
                sqlx::query_as(assessment_with_answers_select!(sqlite, " WHERE a.id = $1"))
                    .bind(id)
                    .fetch_optional(&mut *c)
                    .await?
            }
            crate::Backend::Postgres(pool) => {
                let mut c = crate::pin::lease(pool, self.owner()).await?;
                sqlx::query_as(assessment_with_answers_select!(
                    postgres,
                    " WHERE a.id = $1"
                ))
                .bind(id)
                .fetch_optional(&mut *c)
                .await?
            }
        };
        match row {
            Some(r) => Ok(Some(self.with_answers(r).await?)),
            None => Ok(None),
        }
    }

    /// The assessment of a row read with its own answers, and its answers in effect: its own,
    /// or for a line that inherits, [`Store::answers`] (its plant's where it has none).
    pub(crate) async fn with_answers(
        &self,
        r: AssessmentWithAnswers,
    ) -> Result<(Assessment, Vec<StoredAnswer>)> {
        let a = r.assessment;
        let answers = if a.inherits_from.is_some() {
            self.answers(&a.id).await?
        } else {
            answers_from_json(&a.id, r.answers_json.as_deref())?
        };
        Ok((a, answers))
    }

    /// One item's answer in effect (see [`Store::answers`]); its `version` is the one a writer
    /// must hold.
    pub async fn answer(&self, assessment_id: &str, item: u16) -> Result<Option<StoredAnswer>> {
        let sql = concat!(
            "SELECT ",
            answer_columns!(),
            ", inherited FROM effective_answers WHERE assessment_id = $1 AND item_no = $2"
        );
        let row: Option<AnswerRow> = on!(self, |pool| sqlx::query_as::<_, AnswerRow>(sql)
            .bind(assessment_id)
            .bind(i64::from(item))
            .fetch_optional(pool)
            .await)?;
        row.map(AnswerRow::into_stored).transpose()
    }

    /// Writes answers in one transaction: every write must hold the current version, else
    /// nothing is written and [`StoreError::Conflict`] names the first stale item with its
    /// current value. Each change is recorded in the history. Refuses a locked assessment.
    pub async fn write_answers(
        &self,
        assessment_id: &str,
        writes: &[AnswerWrite],
        actor: &str,
    ) -> Result<Vec<StoredAnswer>> {
        let at = now();
        match &self.backend {
            crate::Backend::Sqlite { group, .. } => {
                let (reply, answer) = tokio::sync::oneshot::channel();
                group.submit(Box::new(AnswerJob {
                    assessment_id: assessment_id.to_string(),
                    writes: writes.to_vec(),
                    actor: actor.to_string(),
                    at,
                    result: None,
                    reply,
                }));
                answer
                    .await
                    .unwrap_or_else(|_| Err(batch_failed("the save was not answered".into())))
            }
            crate::Backend::Postgres(_) => {
                let at = at.as_str();
                write_tx!(self, |tx| write_answers_in!(
                    tx,
                    assessment_id,
                    writes,
                    actor,
                    at
                ))
            }
        }
    }

    /// Puts items of a line back on the plant's answers (un-override) in one transaction: each
    /// write must hold the item's current version (as in [`Store::write_answers`]); the line's
    /// own row stays, flagged, and its version grows. Refuses an assessment that inherits
    /// nothing ([`StoreError::NotInheriting`]), a locked one, and items not overridden.
    pub async fn inherit_items(
        &self,
        assessment_id: &str,
        items: &[(u16, i64)],
        actor: &str,
    ) -> Result<Vec<StoredAnswer>> {
        let at = now();
        write_tx!(self, |tx| {
            async {
                lock_draft!(tx, assessment_id, &at);
                let (inherits_from,): (Option<String>,) = sqlx::query_as("SELECT inherits_from FROM assessments WHERE id = $1")
                    .bind(assessment_id)
                    .fetch_one(&mut *tx)
                    .await?;
                if inherits_from.is_none() {
                    return Err(StoreError::NotInheriting);
                }
                let mut seq = reserve_history_seq!(tx, assessment_id, items.len());
                let own = concat!("SELECT ", answer_columns!(), " FROM answers WHERE assessment_id = $1 AND item_no = $2 AND NOT inherit");
                let effective = concat!("SELECT ", answer_columns!(), ", inherited FROM effective_answers WHERE assessment_id = $1 AND item_no = $2");
                let mut out = Vec::with_capacity(items.len());
                for &(item, expected_version) in items {
                    let current: Option<StoredAnswer> = sqlx::query_as::<_, AnswerRow>(own)
                        .bind(assessment_id)
                        .bind(i64::from(item))
                        .fetch_optional(&mut *tx)
                        .await?
                        .map(AnswerRow::into_stored)
                        .transpose()?;
                    let Some(current) = current else {
                        return Err(StoreError::NotOverridden { item });
                    };
                    if current.version != expected_version {
                        return Err(StoreError::Conflict { item, current: Some(Box::new(current)) });
                    }
                    sqlx::query("UPDATE answers SET inherit = TRUE, version = version + 1, updated_at = $1, updated_by = $2 \
                                 WHERE assessment_id = $3 AND item_no = $4")
                        .bind(&at)
                        .bind(actor)
                        .bind(assessment_id)
                        .bind(i64::from(item))
                        .execute(&mut *tx)
                        .await?;
                    let now_effective: StoredAnswer = sqlx::query_as::<_, AnswerRow>(effective)
                        .bind(assessment_id)
                        .bind(i64::from(item))
                        .fetch_one(&mut *tx)
                        .await?
                        .into_stored()?;
                    record_history!(tx, assessment_id, item, now_effective.version, current.answer.as_ref(), now_effective.answer.as_ref(), actor, at.as_str(), seq, true);
                    seq += 1;
                    out.push(now_effective);
                }
                refresh_marks!(tx, assessment_id);
                Ok::<_, StoreError>(out)
            }
            .await
        })
    }

    /// The change history of an assessment (all items, or one), oldest first. On a line that
    /// inherits, the plant's changes of the items it inherits are listed too (`plant`), as the
    /// plant's: they are not the line's changes.
    pub async fn history(
        &self,
        assessment_id: &str,
        item: Option<u16>,
    ) -> Result<Vec<HistoryEntry>> {
        let sql = "SELECT item_no, version, changed_at, changed_by, old_value, new_value, inherit, plant FROM ( \
                     SELECT h.item_no, h.version, h.changed_at, h.changed_by, h.old_value, h.new_value, h.inherit, \
                            FALSE AS plant, h.seq \
                       FROM answer_history h WHERE h.assessment_id = $1 AND (CAST($2 AS BIGINT) IS NULL OR h.item_no = $2) \
                     UNION ALL \
                     SELECT h.item_no, h.version, h.changed_at, h.changed_by, h.old_value, h.new_value, h.inherit, \
                            TRUE AS plant, h.seq \
                       FROM assessments a JOIN answer_history h ON h.assessment_id = a.inherits_from \
                      WHERE a.id = $1 AND (CAST($2 AS BIGINT) IS NULL OR h.item_no = $2) \
                        AND NOT EXISTS (SELECT 1 FROM answers o WHERE o.assessment_id = a.id AND o.item_no = h.item_no AND NOT o.inherit) \
                   ) e ORDER BY plant, seq";
        let rows: Vec<HistoryRow> = on!(self, |pool| sqlx::query_as::<_, HistoryRow>(sql)
            .bind(assessment_id)
            .bind(item.map(i64::from))
            .fetch_all(pool)
            .await)?;
        // Each source in its own write order (`seq`), merged by time: a clock step back never
        // reorders one assessment's changes.
        let split = rows.iter().position(|r| r.plant).unwrap_or(rows.len());
        let mut rows = rows.into_iter();
        let own: Vec<HistoryRow> = rows.by_ref().take(split).collect();
        let plant: Vec<HistoryRow> = rows.collect();
        let mut out = Vec::with_capacity(own.len() + plant.len());
        let (mut own, mut plant) = (own.into_iter().peekable(), plant.into_iter().peekable());
        loop {
            let next = match (own.peek(), plant.peek()) {
                (Some(o), Some(p)) if p.changed_at < o.changed_at => plant.next(),
                (Some(_), _) => own.next(),
                (None, _) => plant.next(),
            };
            match next {
                Some(r) => out.push(r.into_entry()?),
                None => return Ok(out),
            }
        }
    }
}

/// A save of answers in a group commit (see [`crate::group`]).
struct AnswerJob {
    assessment_id: String,
    writes: Vec<AnswerWrite>,
    actor: String,
    at: String,
    result: Option<Result<Vec<StoredAnswer>>>,
    reply: tokio::sync::oneshot::Sender<Result<Vec<StoredAnswer>>>,
}

impl crate::group::GroupJob for AnswerJob {
    fn run<'c>(
        &'c mut self,
        conn: &'c mut sqlx::SqliteConnection,
    ) -> futures_util::future::BoxFuture<'c, bool> {
        Box::pin(async move {
            let (tx, assessment_id, writes, actor, at) = (
                conn,
                self.assessment_id.as_str(),
                self.writes.as_slice(),
                self.actor.as_str(),
                self.at.as_str(),
            );
            let result = write_answers_in!(tx, assessment_id, writes, actor, at);
            let ok = result.is_ok();
            self.result = Some(result);
            ok
        })
    }

    fn finish(self: Box<Self>, batch: std::result::Result<(), String>) {
        let result = match (batch, self.result) {
            // A job refused on its own is refused whatever became of the batch.
            (_, Some(Err(e))) => Err(e),
            (Ok(()), Some(Ok(v))) => Ok(v),
            (Err(e), _) => Err(batch_failed(e)),
            (Ok(()), None) => Err(batch_failed("the save was not written".into())),
        };
        // The caller may have gone (a closed request): the save stands or falls all the same.
        let _ = self.reply.send(result);
    }
}

/// The error of a save whose batch was not committed.
fn batch_failed(why: String) -> StoreError {
    StoreError::Database(sqlx::Error::Io(std::io::Error::other(why)))
}

/// An assessment row with its own answers as JSON ([`assessment_with_answers_select!`]).
#[derive(sqlx::FromRow)]
pub(crate) struct AssessmentWithAnswers {
    #[sqlx(flatten)]
    assessment: Assessment,
    answers_json: Option<String>,
}

/// The answers of assessment `id` from their JSON aggregate (absent: none), by item.
fn answers_from_json(id: &str, json: Option<&str>) -> Result<Vec<StoredAnswer>> {
    let mut rows: Vec<AnswerRow> = serde_json::from_str(json.unwrap_or("[]"))
        .map_err(|e| StoreError::Corrupt(format!("answers of {id}: {e}")))?;
    rows.sort_by_key(|r| r.item_no);
    rows.into_iter().map(AnswerRow::into_stored).collect()
}
