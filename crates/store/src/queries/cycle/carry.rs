//! Carrying an assessment forward (next year or a revision), re-confirmation and reviews.

use super::*;

impl Store {
    /// Creates an assessment carried from `from` (see [`Carry`]) in one transaction: answers
    /// (unconfirmed for next year), reviews (revisions only), open actions (all for a revision)
    /// with their history, and evidence by reference (the blobs are not copied).
    pub async fn carry_assessment(
        &self,
        new: &NewAssessment,
        from: &str,
        carry: Carry,
    ) -> Result<Assessment> {
        let id = new_id();
        let at = now();
        let site = self
            .site(&new.site_id)
            .await?
            .ok_or_else(|| StoreError::NotFound {
                what: "site",
                key: new.site_id.clone(),
            })?;
        let actor = new.created_by.as_str();
        write_tx!(self, |tx| {
            async {
                insert_assessment!(tx, new, &site.org_id, &id, &at);
                // A line that inherits carries its own rows (overrides, and the flags of items
                // put back on the plant); anything else carries the answers in effect, so a
                // line that stops inheriting keeps what it showed.
                let sql = if new.inherits_from.is_some() {
                    concat!("SELECT ", answer_columns!(), ", inherit AS inherited FROM answers WHERE assessment_id = $1 AND (mark IS NOT NULL OR inherit) ORDER BY item_no")
                } else {
                    concat!("SELECT ", answer_columns!(), " FROM effective_answers WHERE assessment_id = $1 AND mark IS NOT NULL ORDER BY item_no")
                };
                let rows: Vec<AnswerRow> = sqlx::query_as(sql)
                    .bind(from)
                    .fetch_all(&mut *tx)
                    .await?;
                let mut seq = reserve_history_seq!(tx, &id, rows.len());
                for row in rows {
                    let stored = row.into_stored()?;
                    insert_answer!(tx, &id, stored.item, stored.answer.as_ref(), actor, at.as_str(), seq);
                    if stored.inherited {
                        sqlx::query("UPDATE answers SET inherit = TRUE WHERE assessment_id = $1 AND item_no = $2")
                            .bind(&id)
                            .bind(i64::from(stored.item))
                            .execute(&mut *tx)
                            .await?;
                    }
                    seq += 1;
                }
                refresh_marks!(tx, &id);
                if carry == Carry::NextYear {
                    sqlx::query("UPDATE answers SET confirmed = FALSE WHERE assessment_id = $1")
                        .bind(&id)
                        .execute(&mut *tx)
                        .await?;
                } else {
                    sqlx::query(concat!("INSERT INTO reviews (assessment_id, ", review_columns!(), ") SELECT $1, ", review_columns!(), " FROM reviews WHERE assessment_id = $2"))
                        .bind(&id)
                        .bind(from)
                        .execute(&mut *tx)
                        .await?;
                }
                // Evidence by reference: new rows, same blobs.
                let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM evidence WHERE assessment_id = $1")
                    .bind(from)
                    .fetch_one(&mut *tx)
                    .await?;
                if n > 0 {
                    let base = reserve_seq!(tx, "evidence", n);
                    sqlx::query("INSERT INTO evidence (id, assessment_id, item_no, sha256, name, media_type, size, uploaded_by, uploaded_at, valid_until, carried_from) \
                                 SELECT $1 + ROW_NUMBER() OVER (ORDER BY id), $2, item_no, sha256, name, media_type, size, uploaded_by, uploaded_at, valid_until, id \
                                 FROM evidence WHERE assessment_id = $3")
                        .bind(base)
                        .bind(&id)
                        .bind(from)
                        .execute(&mut *tx)
                        .await?;
                }
                // Actions (open ones for next year, all for a revision) with their history.
                let all = carry == Carry::Revision;
                let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM actions WHERE assessment_id = $1 AND ($2 OR status IN ('open', 'in_progress'))")
                    .bind(from)
                    .bind(all)
                    .fetch_one(&mut *tx)
                    .await?;
                if n > 0 {
                    let base = reserve_seq!(tx, "actions", n);
                    sqlx::query("INSERT INTO actions (id, assessment_id, item_no, title, owner, due, status, note, carried_from, created_by, created_at, updated_by, updated_at) \
                                 SELECT $1 + ROW_NUMBER() OVER (ORDER BY id), $2, item_no, title, owner, due, status, note, id, created_by, created_at, updated_by, updated_at \
                                 FROM actions WHERE assessment_id = $3 AND ($4 OR status IN ('open', 'in_progress'))")
                        .bind(base)
                        .bind(&id)
                        .bind(from)
                        .bind(all)
                        .execute(&mut *tx)
                        .await?;
                    let (m,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM action_events ev JOIN actions x ON x.carried_from = ev.action_id WHERE x.assessment_id = $1")
                        .bind(&id)
                        .fetch_one(&mut *tx)
                        .await?;
                    if m > 0 {
                        let base = reserve_seq!(tx, "action_events", m);
                        sqlx::query("INSERT INTO action_events (seq, action_id, at, by_user, status, note) \
                                     SELECT $1 + ROW_NUMBER() OVER (ORDER BY ev.seq), x.id, ev.at, ev.by_user, ev.status, ev.note \
                                     FROM action_events ev JOIN actions x ON x.carried_from = ev.action_id WHERE x.assessment_id = $2")
                            .bind(base)
                            .bind(&id)
                            .execute(&mut *tx)
                            .await?;
                    }
                }
                Ok::<_, StoreError>(())
            }
            .await
        })?;
        self.assessment(&id).await?.ok_or(StoreError::NotFound {
            what: "assessment",
            key: id,
        })
    }

    /// The latest assessment of the same scope (plant and line) for an earlier fiscal year (its
    /// highest revision), if any, with its answers ([`Store::assessment_with_answers`]), in one
    /// statement.
    pub async fn previous_with_answers(
        &self,
        a: &Assessment,
    ) -> Result<Option<(Assessment, Vec<StoredAnswer>)>> {
        macro_rules! previous {
            ($engine:ident) => {
                assessment_with_answers_select!(
                    $engine,
                    " WHERE a.site_id = $1 AND COALESCE(a.line_id, '') = COALESCE(CAST($2 AS TEXT), '') \
                     AND a.period < $3 ORDER BY a.period DESC, a.revision DESC LIMIT 1"
                )
            };
        }
        let row: Option<super::answers::AssessmentWithAnswers> = match &self.backend {
            crate::Backend::Sqlite { pool, .. } => {
                let mut c = crate::pin::lease(pool, self.owner()).await?;
                sqlx::query_as(previous!(sqlite))
                    .bind(&a.site_id)
                    .bind(a.line_id.as_deref())
                    .bind(a.period)
                    .fetch_optional(&mut *c)
                    .await?
            }
            crate::Backend::Postgres(pool) => {
                let mut c = crate::pin::lease(pool, self.owner()).await?;
                sqlx::query_as(previous!(postgres))
                    .bind(&a.site_id)
                    .bind(a.line_id.as_deref())
                    .bind(a.period)
                    .fetch_optional(&mut *c)
                    .await?
            }
        };
        match row {
            Some(r) => Ok(Some(self.with_answers(r).await?)),
            None => Ok(None),
        }
    }

    /// Marks carried answers as re-confirmed unchanged (all unconfirmed ones when `items` is
    /// `None`); each gets a new version and a history entry. Returns the items confirmed.
    pub async fn reconfirm(
        &self,
        id: &str,
        items: Option<&[u16]>,
        actor: &str,
    ) -> Result<Vec<u16>> {
        let at = now();
        write_tx!(self, |tx| {
            async {
                lock_draft!(tx, id, &at);
                let rows: Vec<AnswerRow> = sqlx::query_as(concat!("SELECT ", answer_columns!(), " FROM answers WHERE assessment_id = $1 AND NOT confirmed AND NOT inherit ORDER BY item_no"))
                    .bind(id)
                    .fetch_all(&mut *tx)
                    .await?;
                let rows: Vec<AnswerRow> = rows
                    .into_iter()
                    .filter(|r| items.is_none_or(|list| list.iter().any(|i| i64::from(*i) == r.item_no)))
                    .collect();
                let mut seq = reserve_history_seq!(tx, id, rows.len());
                let mut out = Vec::with_capacity(rows.len());
                for row in rows {
                    let stored = row.into_stored()?;
                    sqlx::query("UPDATE answers SET confirmed = TRUE, version = version + 1, updated_at = $1, updated_by = $2 WHERE assessment_id = $3 AND item_no = $4")
                        .bind(&at)
                        .bind(actor)
                        .bind(id)
                        .bind(i64::from(stored.item))
                        .execute(&mut *tx)
                        .await?;
                    record_history!(tx, id, stored.item, stored.version + 1, stored.answer.as_ref(), stored.answer.as_ref(), actor, at.as_str(), seq);
                    seq += 1;
                    out.push(stored.item);
                }
                Ok::<_, StoreError>(out)
            }
            .await
        })
    }

    /// Records (replaces) this cycle's review of one item. Drafts only.
    pub async fn set_review(&self, id: &str, r: &Review) -> Result<()> {
        let at = now();
        write_tx!(self, |tx| {
            async {
                lock_draft!(tx, id, &at);
                sqlx::query(
                    "INSERT INTO reviews (assessment_id, item_no, mark, valid, progress, progress_pct, status, target_date, note, reviewed_by, reviewed_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) \
                     ON CONFLICT (assessment_id, item_no) DO UPDATE SET mark = $3, valid = $4, progress = $5, progress_pct = $6, \
                     status = $7, target_date = $8, note = $9, reviewed_by = $10, reviewed_at = $11",
                )
                .bind(id)
                .bind(i64::from(r.item))
                .bind(r.mark.key())
                .bind(r.valid)
                .bind(r.progress.as_deref())
                .bind(r.progress_pct.map(i64::from))
                .bind(r.status.as_deref())
                .bind(r.target_date.map(|d| d.format("%Y-%m-%d").to_string()))
                .bind(r.note.as_deref())
                .bind(&r.by)
                .bind(&r.at)
                .execute(&mut *tx)
                .await?;
                Ok::<_, StoreError>(())
            }
            .await
        })
    }

    /// This cycle's reviews of an assessment, by item.
    pub async fn reviews(&self, id: &str) -> Result<Vec<Review>> {
        let sql = concat!(
            "SELECT ",
            review_columns!(),
            " FROM reviews WHERE assessment_id = $1 ORDER BY item_no"
        );
        let rows: Vec<ReviewRow> = on!(self, |pool| sqlx::query_as(sql)
            .bind(id)
            .fetch_all(pool)
            .await)?;
        rows.into_iter().map(ReviewRow::into_review).collect()
    }
}
