//! The yearly cycle: carrying an assessment forward, re-confirmation, reviews, actions,
//! evidence blobs, sign-offs and the review queue.

use super::*;
use crate::cycle_model::*;
use kojo_domain::{ContentHash, ContentHeader, Decision, ItemContent, RawAnswer, Review, Status};
use std::collections::{BTreeMap, HashMap};

/// Reserves `$n` values of the named counter in `sequences`; returns the value before the first
/// (so the reserved ones are `base + 1 ..= base + n`). Expands inside a transaction.
macro_rules! reserve_seq {
    ($tx:expr, $name:expr, $n:expr) => {{
        let n: i64 = $n;
        let (v,): (i64,) = sqlx::query_as(
            "UPDATE sequences SET value = value + $1 WHERE name = $2 RETURNING value",
        )
        .bind(n)
        .bind($name)
        .fetch_one(&mut *$tx)
        .await?;
        v - n
    }};
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
            let exists: Option<(String,)> =
                sqlx::query_as("SELECT status FROM assessments WHERE id = $1")
                    .bind($id)
                    .fetch_optional(&mut *$tx)
                    .await?;
            return Err(match exists {
                None => StoreError::NotFound {
                    what: "assessment",
                    key: $id.to_string(),
                },
                Some((status,)) => StoreError::NotDraft { status },
            });
        }
    }};
}

/// Reads the canonical content of an assessment with `$exec` (a pool, or `&mut *tx`),
/// evaluated once per query.
macro_rules! read_content {
    ($exec:expr, $id:expr) => {{
        let header: Option<(String, String, Option<String>, i64, i64, String)> = sqlx::query_as(
            "SELECT id, site_id, line_id, period, revision, catalog_id FROM assessments WHERE id = $1",
        )
        .bind($id)
        .fetch_optional($exec)
        .await?;
        let Some((id, site_id, line_id, period, revision, catalog_id)) = header else {
            return Err(StoreError::NotFound { what: "assessment", key: $id.to_string() });
        };
        let header = ContentHeader { id, site_id, line_id, period, revision, catalog_id };
        let answers: Vec<AnswerRow> = sqlx::query_as(concat!("SELECT ", answer_columns!(), " FROM answers WHERE assessment_id = $1"))
            .bind($id)
            .fetch_all($exec)
            .await?;
        let reviews: Vec<ReviewRow> = sqlx::query_as(concat!("SELECT ", review_columns!(), " FROM reviews WHERE assessment_id = $1"))
            .bind($id)
            .fetch_all($exec)
            .await?;
        let evidence: Vec<(i64, String)> = sqlx::query_as("SELECT item_no, sha256 FROM evidence WHERE assessment_id = $1")
            .bind($id)
            .fetch_all($exec)
            .await?;
        content_of(header, answers, reviews, evidence)?
    }};
}

macro_rules! review_columns {
    () => {
        "item_no, mark, valid, progress, progress_pct, status, target_date, note, reviewed_by, reviewed_at"
    };
}

macro_rules! action_columns {
    () => {
        "x.id, x.assessment_id, x.item_no, x.title, x.owner, x.due, x.status, x.note, x.carried_from, \
         x.created_by, x.created_at, x.updated_by, x.updated_at"
    };
}

macro_rules! evidence_columns {
    () => {
        "id, assessment_id, item_no, sha256, name, media_type, size, uploaded_by, uploaded_at, \
         valid_until, carried_from"
    };
}

/// The stored fields exactly as they are (not re-parsed), so that even a value no longer valid
/// still hashes.
fn raw_of(r: &AnswerRow) -> Option<RawAnswer> {
    r.mark.as_ref()?;
    Some(RawAnswer {
        mark: r.mark.clone(),
        alternative_flagged: r.alternative.is_some(),
        alternative: r.alternative.clone(),
        reason: r.reason.clone(),
        review_by: r.review_by.clone(),
        accepted_by: r.accepted_by.clone(),
        progress: r.progress.clone(),
        status: r.status.clone(),
        target_date: r.target_date.clone(),
        na_reason: r.na_reason.clone(),
        note: r.note.clone(),
    })
}

fn content_of(
    header: ContentHeader,
    answers: Vec<AnswerRow>,
    reviews: Vec<ReviewRow>,
    evidence: Vec<(i64, String)>,
) -> Result<(ContentHeader, BTreeMap<u16, ItemContent>)> {
    let item = |n: i64| u16::try_from(n).map_err(|_| StoreError::Corrupt(format!("item_no {n}")));
    let mut items: BTreeMap<u16, ItemContent> = BTreeMap::new();
    for a in &answers {
        items.entry(item(a.item_no)?).or_default().answer = raw_of(a);
    }
    for r in reviews {
        let n = item(r.item_no)?;
        items.entry(n).or_default().review = Some(r.into_review()?);
    }
    for (n, sha) in evidence {
        items.entry(item(n)?).or_default().evidence.push(sha);
    }
    Ok((header, items))
}

#[derive(sqlx::FromRow)]
struct ReviewKeyed {
    assessment_id: String,
    #[sqlx(flatten)]
    review: ReviewRow,
}

/// Filters of the review queue.
#[derive(Debug, Clone, Default)]
pub struct QueueFilter {
    /// Only this plant.
    pub site_id: Option<String>,
    /// Only this assessment (else: the latest revision of the latest period of every scope).
    pub assessment_id: Option<String>,
    /// Only plants granted to this user id.
    pub visible_to: Option<String>,
    /// Today (YYYY-MM-DD), for overdue actions and expired evidence.
    pub today: String,
}

/// The latest assessment of each scope: no other has a later period, or the same period and a
/// higher revision.
macro_rules! latest_only {
    () => {
        "NOT EXISTS (SELECT 1 FROM assessments b WHERE b.site_id = a.site_id \
         AND COALESCE(b.line_id, '') = COALESCE(a.line_id, '') \
         AND (b.period > a.period OR (b.period = a.period AND b.revision > a.revision)))"
    };
}

macro_rules! queue_filter {
    () => {
        "a.org_id = $1 AND (CAST($2 AS TEXT) IS NULL OR a.site_id = $2) \
         AND (CAST($3 AS TEXT) IS NULL OR a.site_id IN (SELECT site_id FROM grants WHERE user_id = $3)) \
         AND ((CAST($4 AS TEXT) IS NULL AND "
    };
}

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
                let rows: Vec<AnswerRow> = sqlx::query_as(concat!("SELECT ", answer_columns!(), " FROM answers WHERE assessment_id = $1 AND mark IS NOT NULL ORDER BY item_no"))
                    .bind(from)
                    .fetch_all(&mut *tx)
                    .await?;
                let mut seq = reserve_history_seq!(tx, &id, rows.len());
                for row in rows {
                    let stored = row.into_stored()?;
                    insert_answer!(tx, &id, stored.item, stored.answer.as_ref(), actor, at.as_str(), seq);
                    seq += 1;
                }
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

    /// The latest assessment of the same scope (plant and line) for an earlier fiscal year
    /// (its highest revision), if any.
    pub async fn previous_of(&self, a: &Assessment) -> Result<Option<Assessment>> {
        let sql = concat!(
            assessment_select!(),
            " WHERE a.site_id = $1 AND COALESCE(a.line_id, '') = COALESCE(CAST($2 AS TEXT), '') AND a.period < $3 \
             ORDER BY a.period DESC, a.revision DESC LIMIT 1"
        );
        Ok(on!(self, |pool| sqlx::query_as::<_, Assessment>(sql)
            .bind(&a.site_id)
            .bind(a.line_id.as_deref())
            .bind(a.period)
            .fetch_optional(pool)
            .await)?)
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
                let rows: Vec<AnswerRow> = sqlx::query_as(concat!("SELECT ", answer_columns!(), " FROM answers WHERE assessment_id = $1 AND NOT confirmed ORDER BY item_no"))
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

    // ---- actions ---------------------------------------------------------------------------

    /// Adds an action (status `open`) with its first history entry. Allowed at every status:
    /// an action plan is followed through the year after approval.
    pub async fn add_action(&self, id: &str, a: &NewAction, actor: &str) -> Result<ActionRow> {
        let at = now();
        let action_id = write_tx!(self, |tx| {
            async {
                let action_id = next_seq!(tx, "actions");
                sqlx::query("INSERT INTO actions (id, assessment_id, item_no, title, owner, due, status, note, carried_from, created_by, created_at, updated_by, updated_at) \
                             VALUES ($1, $2, $3, $4, $5, $6, 'open', $7, NULL, $8, $9, $8, $9)")
                    .bind(action_id)
                    .bind(id)
                    .bind(i64::from(a.item))
                    .bind(&a.title)
                    .bind(a.owner.as_deref())
                    .bind(a.due.as_deref())
                    .bind(a.note.as_deref())
                    .bind(actor)
                    .bind(&at)
                    .execute(&mut *tx)
                    .await?;
                let seq = next_seq!(tx, "action_events");
                sqlx::query("INSERT INTO action_events (seq, action_id, at, by_user, status, note) VALUES ($1, $2, $3, $4, 'open', $5)")
                    .bind(seq)
                    .bind(action_id)
                    .bind(&at)
                    .bind(actor)
                    .bind(a.note.as_deref())
                    .execute(&mut *tx)
                    .await?;
                Ok::<_, StoreError>(action_id)
            }
            .await
        })?;
        self.action(action_id).await?.ok_or(StoreError::NotFound {
            what: "action",
            key: action_id.to_string(),
        })
    }

    /// Sets an action's status (and note, when given), recording the change.
    pub async fn set_action_status(
        &self,
        action_id: i64,
        status: &str,
        note: Option<&str>,
        actor: &str,
    ) -> Result<ActionRow> {
        let at = now();
        write_tx!(self, |tx| {
            async {
                let r = sqlx::query("UPDATE actions SET status = $1, note = COALESCE(CAST($2 AS TEXT), note), updated_by = $3, updated_at = $4 WHERE id = $5")
                    .bind(status)
                    .bind(note)
                    .bind(actor)
                    .bind(&at)
                    .bind(action_id)
                    .execute(&mut *tx)
                    .await?;
                if r.rows_affected() == 0 {
                    return Err(StoreError::NotFound { what: "action", key: action_id.to_string() });
                }
                let seq = next_seq!(tx, "action_events");
                sqlx::query("INSERT INTO action_events (seq, action_id, at, by_user, status, note) VALUES ($1, $2, $3, $4, $5, $6)")
                    .bind(seq)
                    .bind(action_id)
                    .bind(&at)
                    .bind(actor)
                    .bind(status)
                    .bind(note)
                    .execute(&mut *tx)
                    .await?;
                Ok::<_, StoreError>(())
            }
            .await
        })?;
        self.action(action_id).await?.ok_or(StoreError::NotFound {
            what: "action",
            key: action_id.to_string(),
        })
    }

    /// One action.
    pub async fn action(&self, action_id: i64) -> Result<Option<ActionRow>> {
        let sql = concat!(
            "SELECT ",
            action_columns!(),
            " FROM actions x WHERE x.id = $1"
        );
        Ok(on!(self, |pool| sqlx::query_as::<_, ActionRow>(sql)
            .bind(action_id)
            .fetch_optional(pool)
            .await)?)
    }

    /// The actions of an assessment, by item and id.
    pub async fn actions(&self, id: &str) -> Result<Vec<ActionRow>> {
        let sql = concat!(
            "SELECT ",
            action_columns!(),
            " FROM actions x WHERE x.assessment_id = $1 ORDER BY x.item_no, x.id"
        );
        Ok(on!(self, |pool| sqlx::query_as::<_, ActionRow>(sql)
            .bind(id)
            .fetch_all(pool)
            .await)?)
    }

    /// An action's history, oldest first.
    pub async fn action_events(&self, action_id: i64) -> Result<Vec<ActionEvent>> {
        let sql = "SELECT seq, action_id, at, by_user, status, note FROM action_events WHERE action_id = $1 ORDER BY seq";
        Ok(on!(self, |pool| sqlx::query_as::<_, ActionEvent>(sql)
            .bind(action_id)
            .fetch_all(pool)
            .await)?)
    }

    /// The actions of the latest assessment of every scope matching `f` (one query), by plant,
    /// line, item and id.
    pub async fn action_list(&self, org_id: &str, f: &QueueFilter) -> Result<Vec<ActionListRow>> {
        let sql = concat!(
            "SELECT ",
            action_columns!(),
            ", s.code AS site_code, l.code AS line_code, a.period, a.revision \
             FROM actions x JOIN assessments a ON a.id = x.assessment_id JOIN sites s ON s.id = a.site_id \
             LEFT JOIN lines l ON l.id = a.line_id WHERE ",
            queue_filter!(),
            latest_only!(),
            ") OR a.id = $4) ORDER BY s.code, l.code, x.item_no, x.id"
        );
        Ok(on!(self, |pool| sqlx::query_as::<_, ActionListRow>(sql)
            .bind(org_id)
            .bind(f.site_id.as_deref())
            .bind(f.visible_to.as_deref())
            .bind(f.assessment_id.as_deref())
            .fetch_all(pool)
            .await)?)
    }

    // ---- evidence --------------------------------------------------------------------------

    /// Attaches a file to an item of a draft. The bytes are stored once per SHA-256; a new blob
    /// must fit in `quota` bytes of all blobs together.
    pub async fn add_evidence(
        &self,
        id: &str,
        e: &NewEvidence<'_>,
        actor: &str,
        quota: i64,
    ) -> Result<EvidenceRow> {
        let at = now();
        let sha = kojo_domain::sha256_hex(e.data);
        let size = i64::try_from(e.data.len()).unwrap_or(i64::MAX);
        let evidence_id = write_tx!(self, |tx| {
            async {
                lock_draft!(tx, id, &at);
                let exists: Option<(i64,)> = sqlx::query_as("SELECT size FROM blobs WHERE sha256 = $1")
                    .bind(&sha)
                    .fetch_optional(&mut *tx)
                    .await?;
                if exists.is_none() {
                    let (used,): (i64,) = sqlx::query_as("SELECT CAST(COALESCE(SUM(size), 0) AS BIGINT) FROM blobs")
                        .fetch_one(&mut *tx)
                        .await?;
                    if used.saturating_add(size) > quota {
                        return Err(StoreError::Quota { used, size, max: quota });
                    }
                    sqlx::query("INSERT INTO blobs (sha256, size, data, created_at) VALUES ($1, $2, $3, $4) ON CONFLICT (sha256) DO NOTHING")
                        .bind(&sha)
                        .bind(size)
                        .bind(e.data)
                        .bind(&at)
                        .execute(&mut *tx)
                        .await?;
                }
                let evidence_id = next_seq!(tx, "evidence");
                sqlx::query(concat!("INSERT INTO evidence (", evidence_columns!(), ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, NULL)"))
                    .bind(evidence_id)
                    .bind(id)
                    .bind(i64::from(e.item))
                    .bind(&sha)
                    .bind(e.name)
                    .bind(e.media_type)
                    .bind(size)
                    .bind(actor)
                    .bind(&at)
                    .bind(e.valid_until)
                    .execute(&mut *tx)
                    .await?;
                Ok::<_, StoreError>(evidence_id)
            }
            .await
        })?;
        self.evidence(evidence_id)
            .await?
            .ok_or(StoreError::NotFound {
                what: "evidence",
                key: evidence_id.to_string(),
            })
    }

    /// Removes an attachment from a draft; the blob goes when nothing refers to it any more.
    pub async fn remove_evidence(&self, evidence_id: i64) -> Result<()> {
        let at = now();
        let row = self
            .evidence(evidence_id)
            .await?
            .ok_or(StoreError::NotFound {
                what: "evidence",
                key: evidence_id.to_string(),
            })?;
        write_tx!(self, |tx| {
            async {
                lock_draft!(tx, &row.assessment_id, &at);
                sqlx::query("DELETE FROM evidence WHERE id = $1").bind(evidence_id).execute(&mut *tx).await?;
                sqlx::query("DELETE FROM blobs WHERE sha256 = $1 AND NOT EXISTS (SELECT 1 FROM evidence WHERE sha256 = $1)")
                    .bind(&row.sha256)
                    .execute(&mut *tx)
                    .await?;
                Ok::<_, StoreError>(())
            }
            .await
        })
    }

    /// One attachment.
    pub async fn evidence(&self, evidence_id: i64) -> Result<Option<EvidenceRow>> {
        let sql = concat!(
            "SELECT ",
            evidence_columns!(),
            " FROM evidence WHERE id = $1"
        );
        Ok(on!(self, |pool| sqlx::query_as::<_, EvidenceRow>(sql)
            .bind(evidence_id)
            .fetch_optional(pool)
            .await)?)
    }

    /// The attachments of an assessment, by item and id.
    pub async fn evidence_list(&self, id: &str) -> Result<Vec<EvidenceRow>> {
        let sql = concat!(
            "SELECT ",
            evidence_columns!(),
            " FROM evidence WHERE assessment_id = $1 ORDER BY item_no, id"
        );
        Ok(on!(self, |pool| sqlx::query_as::<_, EvidenceRow>(sql)
            .bind(id)
            .fetch_all(pool)
            .await)?)
    }

    /// The bytes of a blob.
    pub async fn blob(&self, sha256: &str) -> Result<Option<Vec<u8>>> {
        let sql = "SELECT data FROM blobs WHERE sha256 = $1";
        let row: Option<(Vec<u8>,)> = on!(self, |pool| sqlx::query_as(sql)
            .bind(sha256)
            .fetch_optional(pool)
            .await)?;
        Ok(row.map(|r| r.0))
    }

    /// Bytes of all blobs together and their number.
    pub async fn blob_usage(&self) -> Result<(i64, i64)> {
        let sql = "SELECT CAST(COALESCE(SUM(size), 0) AS BIGINT), COUNT(*) FROM blobs";
        Ok(on!(self, |pool| sqlx::query_as(sql).fetch_one(pool).await)?)
    }

    // ---- sign-off --------------------------------------------------------------------------

    /// Moves an assessment from `from` to `to` and records the decision with the hash of the
    /// content as it stands, in one transaction: the status update locks the row, so no answer
    /// can change between hashing and recording, and a concurrent decision fails with
    /// [`StoreError::NotDraft`]-like [`StoreError::StateChanged`].
    #[allow(clippy::too_many_arguments)]
    pub async fn sign(
        &self,
        id: &str,
        from: Status,
        to: Status,
        decision: Decision,
        by: &str,
        comment: Option<&str>,
    ) -> Result<SignOffRow> {
        let at = now();
        let seq = write_tx!(self, |tx| {
            async {
                let r = sqlx::query("UPDATE assessments SET status = $1, updated_at = $2 WHERE id = $3 AND status = $4")
                    .bind(to.key())
                    .bind(&at)
                    .bind(id)
                    .bind(from.key())
                    .execute(&mut *tx)
                    .await?;
                if r.rows_affected() == 0 {
                    return Err(StoreError::StateChanged { expected: from.key().to_string() });
                }
                let (header, items) = read_content!(&mut *tx, id);
                let hash = ContentHash::compute(&header, &items);
                let item_hashes = serde_json::to_string(&hash.items).map_err(|e| StoreError::Corrupt(e.to_string()))?;
                let seq = next_seq!(tx, "signoffs");
                sqlx::query("INSERT INTO signoffs (seq, assessment_id, decision, by_user, at, comment, content_hash, item_hashes) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)")
                    .bind(seq)
                    .bind(id)
                    .bind(decision.key())
                    .bind(by)
                    .bind(&at)
                    .bind(comment)
                    .bind(&hash.hash)
                    .bind(&item_hashes)
                    .execute(&mut *tx)
                    .await?;
                Ok::<_, StoreError>(seq)
            }
            .await
        })?;
        let sql = "SELECT seq, assessment_id, decision, by_user, at, comment, content_hash, item_hashes FROM signoffs WHERE seq = $1";
        Ok(on!(self, |pool| sqlx::query_as::<_, SignOffRow>(sql)
            .bind(seq)
            .fetch_one(pool)
            .await)?)
    }

    /// The sign-off steps of an assessment, in order.
    pub async fn signoffs(&self, id: &str) -> Result<Vec<SignOffRow>> {
        let sql = "SELECT seq, assessment_id, decision, by_user, at, comment, content_hash, item_hashes FROM signoffs WHERE assessment_id = $1 ORDER BY seq";
        Ok(on!(self, |pool| sqlx::query_as::<_, SignOffRow>(sql)
            .bind(id)
            .fetch_all(pool)
            .await)?)
    }

    /// The sign-off steps of every assessment of a plant (one query), in order.
    pub async fn site_signoffs(&self, site_id: &str) -> Result<Vec<SignOffRow>> {
        let sql = "SELECT g.seq, g.assessment_id, g.decision, g.by_user, g.at, g.comment, g.content_hash, g.item_hashes \
                   FROM signoffs g JOIN assessments a ON a.id = g.assessment_id WHERE a.site_id = $1 ORDER BY g.seq";
        Ok(on!(self, |pool| sqlx::query_as::<_, SignOffRow>(sql)
            .bind(site_id)
            .fetch_all(pool)
            .await)?)
    }

    /// The hash of an assessment's content as it is stored now.
    pub async fn content_hash(&self, id: &str) -> Result<ContentHash> {
        let (header, items) = on!(self, |pool| {
            async {
                let c = read_content!(pool, id);
                Ok::<_, StoreError>(c)
            }
            .await
        })?;
        Ok(ContentHash::compute(&header, &items))
    }

    // ---- the review queue and the dashboard ----------------------------------------------

    /// Every □ △ × item of the latest assessment of each scope matching `f` (or of the one
    /// assessment named there), with its review, overdue actions and expired evidence; ordered
    /// by plant, line (plant-wide first), period and item. Four queries whatever the number of
    /// plants: the assessments, their □ △ × answers (five narrow columns: with SQLite every
    /// value of a row is copied out of the database, so the wide per-item row is not repeated),
    /// the reviews and the non-zero counts; joined here.
    pub async fn review_queue(&self, org_id: &str, f: &QueueFilter) -> Result<Vec<QueueRow>> {
        macro_rules! latest_cte {
            () => {
                concat!(
                    "WITH latest AS MATERIALIZED (SELECT a.id, a.site_id, a.line_id, a.period, a.revision, a.status FROM assessments a WHERE ",
                    queue_filter!(), latest_only!(), ") OR a.id = $4)) "
                )
            };
        }
        let heads_sql = concat!(
            latest_cte!(),
            "SELECT t.id, s.code, s.name, l.code, t.period, t.revision, t.status FROM latest t \
             JOIN sites s ON s.id = t.site_id LEFT JOIN lines l ON l.id = t.line_id"
        );
        let answers_sql = concat!(
            latest_cte!(),
            "SELECT x.assessment_id, x.item_no, x.mark, x.review_by, x.confirmed FROM answers x JOIN latest t ON t.id = x.assessment_id \
             WHERE x.mark IN ('deferred', 'considering', 'not_considered')"
        );
        let reviews_sql = concat!(
            latest_cte!(),
            "SELECT r.assessment_id, r.item_no, r.mark, r.valid, r.progress, r.progress_pct, r.status, r.target_date, r.note, \
             r.reviewed_by, r.reviewed_at FROM reviews r JOIN latest t ON t.id = r.assessment_id"
        );
        let counts_sql = concat!(
            latest_cte!(),
            "SELECT ac.assessment_id, ac.item_no, 'action', COUNT(*) FROM actions ac JOIN latest t ON t.id = ac.assessment_id \
             WHERE ac.status IN ('open', 'in_progress') AND ac.due IS NOT NULL AND ac.due < $5 GROUP BY ac.assessment_id, ac.item_no \
             UNION ALL SELECT e.assessment_id, e.item_no, 'evidence', COUNT(*) FROM evidence e JOIN latest t ON t.id = e.assessment_id \
             WHERE e.valid_until IS NOT NULL AND e.valid_until < $5 GROUP BY e.assessment_id, e.item_no"
        );
        type Head = (String, String, String, Option<String>, i64, i64, String);
        let (heads, answers, reviews, counts): (
            Vec<Head>,
            Vec<(String, i64, String, Option<String>, bool)>,
            Vec<(String, ReviewRow)>,
            Vec<(String, i64, String, i64)>,
        ) = on!(self, |pool| {
            async {
                macro_rules! bind4 {
                    ($q:expr) => {
                        sqlx::query_as($q)
                            .bind(org_id)
                            .bind(f.site_id.as_deref())
                            .bind(f.visible_to.as_deref())
                            .bind(f.assessment_id.as_deref())
                    };
                }
                let heads: Vec<Head> = bind4!(heads_sql).fetch_all(pool).await?;
                let answers = bind4!(answers_sql).fetch_all(pool).await?;
                let reviews: Vec<ReviewKeyed> = sqlx::query_as(reviews_sql)
                    .bind(org_id)
                    .bind(f.site_id.as_deref())
                    .bind(f.visible_to.as_deref())
                    .bind(f.assessment_id.as_deref())
                    .fetch_all(pool)
                    .await?;
                let counts = bind4!(counts_sql).bind(&f.today).fetch_all(pool).await?;
                Ok::<_, sqlx::Error>((
                    heads,
                    answers,
                    reviews
                        .into_iter()
                        .map(|r| (r.assessment_id, r.review))
                        .collect(),
                    counts,
                ))
            }
            .await
        })?;
        let mut reviews_by: HashMap<(String, i64), ReviewRow> = reviews
            .into_iter()
            .map(|(a, r)| ((a, r.item_no), r))
            .collect();
        let mut counts_by: HashMap<(String, i64), (i64, i64)> = HashMap::new();
        for (a, item, kind, n) in counts {
            let c = counts_by.entry((a, item)).or_default();
            if kind == "action" { c.0 += n } else { c.1 += n }
        }
        let heads: HashMap<String, Head> = heads.into_iter().map(|h| (h.0.clone(), h)).collect();
        let mut out = Vec::with_capacity(answers.len());
        for (aid, item_no, mark, review_by, confirmed) in answers {
            let Some(h) = heads.get(&aid) else { continue };
            let key = (aid, item_no);
            let review = reviews_by
                .remove(&key)
                .map(ReviewRow::into_review)
                .transpose()?;
            let (overdue_actions, expired_evidence) =
                counts_by.get(&key).copied().unwrap_or_default();
            out.push(QueueRow {
                assessment_id: key.0,
                site_code: h.1.clone(),
                site_name: h.2.clone(),
                line_code: h.3.clone(),
                period: h.4,
                revision: h.5,
                status: h.6.clone(),
                item: u16::try_from(item_no)
                    .map_err(|_| StoreError::Corrupt(format!("item_no {item_no}")))?,
                mark: Mark::parse(&mark)
                    .map_err(|_| StoreError::Corrupt(format!("mark {mark}")))?,
                review_by,
                confirmed,
                review,
                overdue_actions,
                expired_evidence,
            });
        }
        out.sort_by(|a, b| {
            (
                &a.site_code,
                &a.line_code,
                a.period,
                a.item,
                a.revision,
                &a.assessment_id,
            )
                .cmp(&(
                    &b.site_code,
                    &b.line_code,
                    b.period,
                    b.item,
                    b.revision,
                    &b.assessment_id,
                ))
        });
        Ok(out)
    }

    /// Unconfirmed answers and actions per status over the latest assessment of every scope
    /// matching `f` (two queries).
    pub async fn cycle_counts(&self, org_id: &str, f: &QueueFilter) -> Result<CycleCounts> {
        let unconfirmed_sql = concat!(
            "SELECT COUNT(*) FROM answers x JOIN assessments a ON a.id = x.assessment_id WHERE NOT x.confirmed AND ",
            queue_filter!(),
            latest_only!(),
            ") OR a.id = $4)"
        );
        let (unconfirmed,): (i64,) = on!(self, |pool| sqlx::query_as(unconfirmed_sql)
            .bind(org_id)
            .bind(f.site_id.as_deref())
            .bind(f.visible_to.as_deref())
            .bind(f.assessment_id.as_deref())
            .fetch_one(pool)
            .await)?;
        let actions_sql = concat!(
            "SELECT x.status, COUNT(*), CAST(SUM(CASE WHEN x.due IS NOT NULL AND x.due < $5 THEN 1 ELSE 0 END) AS BIGINT) \
             FROM actions x JOIN assessments a ON a.id = x.assessment_id WHERE ",
            queue_filter!(),
            latest_only!(),
            ") OR a.id = $4) GROUP BY x.status"
        );
        let rows: Vec<(String, i64, i64)> = on!(self, |pool| sqlx::query_as(actions_sql)
            .bind(org_id)
            .bind(f.site_id.as_deref())
            .bind(f.visible_to.as_deref())
            .bind(f.assessment_id.as_deref())
            .bind(&f.today)
            .fetch_all(pool)
            .await)?;
        let mut out = CycleCounts {
            unconfirmed,
            ..Default::default()
        };
        for (status, n, overdue) in rows {
            if let Some(i) = kojo_domain::ActionStatus::ALL
                .iter()
                .position(|s| s.key() == status)
            {
                out.actions[i] = n;
                if kojo_domain::ActionStatus::ALL[i].is_open() {
                    out.overdue_actions += overdue;
                }
            }
        }
        Ok(out)
    }

    // ---- settings --------------------------------------------------------------------------

    /// An instance setting.
    pub async fn setting(&self, key: &str) -> Result<Option<String>> {
        let sql = "SELECT value FROM settings WHERE key = $1";
        let row: Option<(String,)> = on!(self, |pool| sqlx::query_as(sql)
            .bind(key)
            .fetch_optional(pool)
            .await)?;
        Ok(row.map(|r| r.0))
    }

    /// Sets an instance setting.
    pub async fn set_setting(&self, key: &str, value: &str) -> Result<()> {
        let sql = "INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = $2";
        on!(self, |pool| sqlx::query(sql)
            .bind(key)
            .bind(value)
            .execute(pool)
            .await
            .map(|_| ()))?;
        Ok(())
    }
}
