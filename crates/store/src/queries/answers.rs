//! Answers with optimistic versions, and their history.

use super::*;

impl Store {
    // ---- answers -------------------------------------------------------------------------

    /// Every stored answer of an assessment (one query), by item.
    pub async fn answers(&self, assessment_id: &str) -> Result<Vec<StoredAnswer>> {
        let sql = concat!(
            "SELECT ",
            answer_columns!(),
            " FROM answers WHERE assessment_id = $1 ORDER BY item_no"
        );
        let rows: Vec<AnswerRow> = on!(self, |pool| sqlx::query_as::<_, AnswerRow>(sql)
            .bind(assessment_id)
            .fetch_all(pool)
            .await)?;
        rows.into_iter().map(AnswerRow::into_stored).collect()
    }

    /// One item's stored answer.
    pub async fn answer(&self, assessment_id: &str, item: u16) -> Result<Option<StoredAnswer>> {
        let sql = concat!(
            "SELECT ",
            answer_columns!(),
            " FROM answers WHERE assessment_id = $1 AND item_no = $2"
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
        write_tx!(self, |tx| {
            async {
                // Touch the assessment first: on PostgreSQL this row lock also orders concurrent
                // writers of the same assessment.
                let r = sqlx::query("UPDATE assessments SET updated_at = $1 WHERE id = $2 AND status = 'draft'")
                    .bind(&at)
                    .bind(assessment_id)
                    .execute(&mut *tx)
                    .await?;
                if r.rows_affected() == 0 {
                    let exists: Option<(String,)> = sqlx::query_as("SELECT status FROM assessments WHERE id = $1")
                        .bind(assessment_id)
                        .fetch_optional(&mut *tx)
                        .await?;
                    return Err(match exists {
                        None => StoreError::NotFound { what: "assessment", key: assessment_id.into() },
                        Some((status,)) => StoreError::NotDraft { status },
                    });
                }
                let mut seq = reserve_history_seq!(tx, assessment_id, writes.len());
                let mut out = Vec::with_capacity(writes.len());
                let select = concat!("SELECT ", answer_columns!(), " FROM answers WHERE assessment_id = $1 AND item_no = $2");
                for w in writes {
                    let current: Option<StoredAnswer> = sqlx::query_as::<_, AnswerRow>(select)
                        .bind(assessment_id)
                        .bind(i64::from(w.item))
                        .fetch_optional(&mut *tx)
                        .await?
                        .map(AnswerRow::into_stored)
                        .transpose()?;
                    let current_version = current.as_ref().map(|c| c.version).unwrap_or(0);
                    if current_version != w.expected_version {
                        return Err(StoreError::Conflict { item: w.item, current: current.map(Box::new) });
                    }
                    let stored = if current.is_none() {
                        insert_answer!(tx, assessment_id, w.item, w.answer.as_ref(), actor, at.as_str(), seq)
                    } else {
                        let c = columns(w.answer.as_ref());
                        let sql = "UPDATE answers SET mark = $1, alternative = $2, reason = $3, review_by = $4, \
                                   accepted_by = $5, progress = $6, status = $7, target_date = $8, na_reason = $9, \
                                   note = $10, version = version + 1, updated_at = $11, updated_by = $12, confirmed = TRUE \
                                   WHERE assessment_id = $13 AND item_no = $14 AND version = $15";
                        let mut q = sqlx::query(sql);
                        for v in &c {
                            q = q.bind(v.as_deref());
                        }
                        let r = q
                            .bind(&at)
                            .bind(actor)
                            .bind(assessment_id)
                            .bind(i64::from(w.item))
                            .bind(w.expected_version)
                            .execute(&mut *tx)
                            .await?;
                        if r.rows_affected() != 1 {
                            return Err(StoreError::Conflict { item: w.item, current: current.map(Box::new) });
                        }
                        let stored = StoredAnswer {
                            item: w.item,
                            answer: w.answer.clone(),
                            version: w.expected_version + 1,
                            updated_at: at.clone(),
                            updated_by: actor.to_string(),
                            confirmed: true,
                        };
                        let old = current.and_then(|c| c.answer);
                        record_history!(tx, assessment_id, w.item, stored.version, old.as_ref(), w.answer.as_ref(), actor, at.as_str(), seq);
                        stored
                    };
                    seq += 1;
                    out.push(stored);
                }
                Ok::<_, StoreError>(out)
            }
            .await
        })
    }

    /// The change history of an assessment (all items, or one), oldest first.
    pub async fn history(
        &self,
        assessment_id: &str,
        item: Option<u16>,
    ) -> Result<Vec<HistoryEntry>> {
        let sql = "SELECT item_no, version, changed_at, changed_by, old_value, new_value FROM answer_history \
                   WHERE assessment_id = $1 AND (CAST($2 AS BIGINT) IS NULL OR item_no = $2) \
                   ORDER BY seq";
        let rows: Vec<HistoryRow> = on!(self, |pool| sqlx::query_as::<_, HistoryRow>(sql)
            .bind(assessment_id)
            .bind(item.map(i64::from))
            .fetch_all(pool)
            .await)?;
        rows.into_iter().map(HistoryRow::into_entry).collect()
    }
}
