//! The chained access log: sealing rows written before the chain existed, verification, ranges
//! for export, anchors and retention. Reads go page by page on the order key, so memory stays
//! bounded however long the log is.

use super::*;
use crate::chain::{Break, ChainRecord, GENESIS, Walker, history_hash};

/// Records and history rows read per query.
const PAGE: i64 = 1000;

macro_rules! record_select {
    () => {
        "SELECT seq, at, actor, client, action, target, detail, ref_hash, prev_hash, hash FROM audit_log"
    };
}

/// Chains what was written before the chain existed, inside a transaction: hashes access-log
/// records without one, in order, and announces every answer-history row no record announces.
macro_rules! seal_chain {
    ($tx:expr) => {{
        use $crate::chain::ChainRecord;
        let mut prev = $crate::chain::GENESIS.to_string();
        let mut after = 0i64;
        loop {
            let page: Vec<ChainRecord> = sqlx::query_as(
                "SELECT seq, at, actor, client, action, target, detail, ref_hash, prev_hash, hash \
                 FROM audit_log WHERE seq > $1 ORDER BY seq LIMIT 1000",
            )
            .bind(after)
            .fetch_all(&mut *$tx)
            .await?;
            let Some(last) = page.last() else { break };
            after = last.seq;
            for r in page {
                match r.hash {
                    Some(h) => prev = h,
                    None => {
                        let h = r.compute(&prev);
                        sqlx::query(
                            "UPDATE audit_log SET prev_hash = $1, hash = $2 WHERE seq = $3",
                        )
                        .bind(&prev)
                        .bind(&h)
                        .bind(r.seq)
                        .execute(&mut *$tx)
                        .await?;
                        prev = h;
                    }
                }
            }
        }
        loop {
            let rows: Vec<$crate::queries::audit::HistoryRow> = sqlx::query_as(
                "SELECT id, assessment_id, item_no, version, changed_at, changed_by, old_value, \
                 new_value, seq, inherit, audit_seq, NULL AS ref_hash FROM answer_history \
                 WHERE audit_seq IS NULL ORDER BY changed_at, assessment_id, seq LIMIT 1000",
            )
            .fetch_all(&mut *$tx)
            .await?;
            if rows.is_empty() {
                break;
            }
            for h in rows {
                let hash = $crate::queries::audit::hash_of(&h);
                let detail = format!("item {} v{} (chained on upgrade)", h.item_no, h.version);
                let seq = $crate::queries::append_audit!(
                    $tx,
                    h.changed_at,
                    Some(h.changed_by.as_str()),
                    None,
                    "answer_change",
                    Some(h.assessment_id.as_str()),
                    Some(detail.as_str()),
                    Some(hash)
                );
                sqlx::query("UPDATE answer_history SET audit_seq = $1 WHERE id = $2")
                    .bind(seq)
                    .bind(&h.id)
                    .execute(&mut *$tx)
                    .await?;
            }
        }
    }};
}
pub(crate) use seal_chain;

/// What walking the whole chain found.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ChainReport {
    /// The anchor the walk started from: `(0, GENESIS)`, or the last record removed by retention.
    pub start: Anchor,
    /// The last record: order key and hash.
    pub head: Anchor,
    /// Records walked.
    pub records: u64,
    /// Answer-history rows checked against the chain.
    pub history_rows: u64,
    /// History rows older than the retained chain (their records were pruned), not checkable.
    pub history_predating: u64,
    /// Breaks found, in order (chain first, then history), at most the limit asked for.
    pub breaks: Vec<Break>,
    /// Breaks found in all.
    pub break_count: u64,
}

/// A point of the chain: a record's order key and hash.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, sqlx::FromRow)]
pub struct Anchor {
    /// Order key (0 before the first record).
    pub seq: i64,
    /// Hash.
    pub hash: String,
}

/// A recorded anchor.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, sqlx::FromRow)]
pub struct AnchorRow {
    /// Order key of the anchor itself.
    pub seq: i64,
    /// `daily` or `prune`.
    pub kind: String,
    /// When it was recorded.
    pub at: String,
    /// The record it names.
    pub head_seq: i64,
    /// That record's hash.
    pub head_hash: String,
}

#[derive(sqlx::FromRow)]
pub(crate) struct HistoryRow {
    pub(crate) id: String,
    pub(crate) assessment_id: String,
    pub(crate) item_no: i64,
    pub(crate) version: i64,
    pub(crate) changed_at: String,
    pub(crate) changed_by: String,
    pub(crate) old_value: Option<String>,
    pub(crate) new_value: Option<String>,
    pub(crate) seq: Option<i64>,
    pub(crate) inherit: bool,
    pub(crate) audit_seq: Option<i64>,
    pub(crate) ref_hash: Option<String>,
}

impl Store {
    /// The last record of the chain (`(0, GENESIS)` when the log is empty).
    pub async fn audit_head(&self) -> Result<Anchor> {
        let last: Option<(i64, Option<String>)> = on!(self, |pool| sqlx::query_as(
            "SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1"
        )
        .fetch_optional(pool)
        .await)?;
        match last {
            Some((seq, hash)) => Ok(Anchor {
                seq,
                hash: hash.unwrap_or_default(),
            }),
            None => self.chain_start().await,
        }
    }

    /// Where the retained chain starts: the last record removed by retention, or the beginning.
    async fn chain_start(&self) -> Result<Anchor> {
        let a: Option<Anchor> = on!(self, |pool| sqlx::query_as(
            "SELECT head_seq AS seq, head_hash AS hash FROM audit_anchors WHERE kind = 'prune' \
             ORDER BY seq DESC LIMIT 1"
        )
        .fetch_optional(pool)
        .await)?;
        Ok(a.unwrap_or(Anchor {
            seq: 0,
            hash: GENESIS.into(),
        }))
    }

    /// Walks the whole chain and every answer-history row; keeps at most `limit` breaks.
    pub async fn audit_verify(&self, limit: usize) -> Result<ChainReport> {
        let start = self.chain_start().await?;
        let mut walker = Walker::new(start.seq, &start.hash);
        let mut breaks = Vec::new();
        let mut count = 0u64;
        let mut note = |b: Break, breaks: &mut Vec<Break>| {
            count += 1;
            if breaks.len() < limit {
                breaks.push(b);
            }
        };
        let mut after = start.seq;
        loop {
            let page = self.audit_page(after, i64::MAX, PAGE).await?;
            let Some(last) = page.last() else { break };
            after = last.seq;
            for r in &page {
                if let Some(b) = walker.step(r) {
                    note(b, &mut breaks);
                }
            }
        }
        // The end: the counter and every recorded anchor know how far the chain reached.
        let (counter,): (i64,) = on!(self, |pool| sqlx::query_as(
            "SELECT value FROM sequences WHERE name = 'audit_log'"
        )
        .fetch_one(pool)
        .await)?;
        let (furthest,): (Option<i64>,) = on!(self, |pool| sqlx::query_as(
            "SELECT MAX(head_seq) FROM audit_anchors"
        )
        .fetch_one(pool)
        .await)?;
        let reached = furthest.unwrap_or(0).max(counter);
        if reached > walker.last_seq() {
            note(
                Break::Truncated {
                    last: walker.last_seq(),
                    expected: reached,
                },
                &mut breaks,
            );
        }
        // Daily anchors naming a retained record must still match it (one query for all).
        let wrong: Vec<(i64,)> = on!(self, |pool| sqlx::query_as(
            "SELECT a.seq FROM audit_anchors a JOIN audit_log l ON l.seq = a.head_seq \
             WHERE a.kind = 'daily' AND (l.hash IS NULL OR l.hash <> a.head_hash) ORDER BY a.seq"
        )
        .fetch_all(pool)
        .await)?;
        for (seq,) in wrong {
            note(Break::Anchor { seq }, &mut breaks);
        }
        // History: every row is announced by a record holding its hash.
        let (mut rows, mut predating) = (0u64, 0u64);
        let mut after_id = String::new();
        loop {
            let page: Vec<HistoryRow> = on!(self, |pool| {
                sqlx::query_as(
                "SELECT h.id, h.assessment_id, h.item_no, h.version, h.changed_at, h.changed_by, \
                 h.old_value, h.new_value, h.seq, h.inherit, h.audit_seq, a.ref_hash \
                 FROM answer_history h LEFT JOIN audit_log a ON a.seq = h.audit_seq \
                 WHERE h.id > $1 ORDER BY h.id LIMIT $2"
            )
            .bind(&after_id)
            .bind(PAGE)
            .fetch_all(pool)
            .await
            })?;
            let Some(last) = page.last() else { break };
            after_id = last.id.clone();
            for h in page {
                rows += 1;
                let unchained = || Break::Unchained {
                    id: h.id.clone(),
                    assessment_id: h.assessment_id.clone(),
                    item: h.item_no,
                    version: h.version,
                };
                match (h.audit_seq, &h.ref_hash) {
                    (Some(s), _) if s <= start.seq => predating += 1,
                    (None, _) | (Some(_), None) => note(unchained(), &mut breaks),
                    (Some(_), Some(r)) if *r != hash_of(&h) => note(
                        Break::History {
                            id: h.id.clone(),
                            assessment_id: h.assessment_id.clone(),
                            item: h.item_no,
                            version: h.version,
                        },
                        &mut breaks,
                    ),
                    _ => {}
                }
            }
        }
        let missing: Vec<(i64,)> = on!(self, |pool| sqlx::query_as(
            "SELECT a.seq FROM audit_log a WHERE a.ref_hash IS NOT NULL AND NOT EXISTS \
             (SELECT 1 FROM answer_history h WHERE h.audit_seq = a.seq) ORDER BY a.seq LIMIT $1"
        )
        .bind(i64::try_from(limit).unwrap_or(i64::MAX).saturating_add(1))
        .fetch_all(pool)
        .await)?;
        for (seq,) in missing {
            note(Break::MissingHistory { seq }, &mut breaks);
        }
        Ok(ChainReport {
            head: Anchor {
                seq: walker.last_seq(),
                hash: walker.last_hash().to_string(),
            },
            start,
            records: walker.checked,
            history_rows: rows,
            history_predating: predating,
            breaks,
            break_count: count,
        })
    }

    /// At most `limit` records with `after < seq <= upto`, in order.
    pub async fn audit_page(&self, after: i64, upto: i64, limit: i64) -> Result<Vec<ChainRecord>> {
        Ok(on!(self, |pool| sqlx::query_as(concat!(
            record_select!(),
            " WHERE seq > $1 AND seq <= $2 ORDER BY seq LIMIT $3"
        ))
        .bind(after)
        .bind(upto)
        .bind(limit)
        .fetch_all(pool)
        .await)?)
    }

    /// The order keys of the first record at or after `from` and the last record before `to`
    /// (RFC 3339 bounds); `None` when no record lies between.
    pub async fn audit_span(&self, from: &str, to: &str) -> Result<Option<(i64, i64)>> {
        let (first, last): (Option<i64>, Option<i64>) = on!(self, |pool| sqlx::query_as(
            "SELECT (SELECT MIN(seq) FROM audit_log WHERE at >= $1), \
                    (SELECT MAX(seq) FROM audit_log WHERE at < $2)"
        )
        .bind(from)
        .bind(to)
        .fetch_one(pool)
        .await)?;
        Ok(match (first, last) {
            (Some(f), Some(l)) if f <= l => Some((f, l)),
            _ => None,
        })
    }

    /// Records the head of the chain as an anchor of `kind` (`daily`); returns it.
    pub async fn audit_anchor(&self, kind: &str) -> Result<AnchorRow> {
        let at = now();
        write_tx!(self, |tx| {
            async {
                let head: Option<(i64, Option<String>)> =
                    sqlx::query_as("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1")
                        .fetch_optional(&mut *tx)
                        .await?;
                let (head_seq, head_hash) = match head {
                    Some((s, h)) => (s, h.unwrap_or_default()),
                    None => (0, GENESIS.to_string()),
                };
                let seq = next_seq!(tx, "audit_anchors");
                sqlx::query("INSERT INTO audit_anchors (seq, kind, at, head_seq, head_hash) VALUES ($1, $2, $3, $4, $5)")
                    .bind(seq)
                    .bind(kind)
                    .bind(&at)
                    .bind(head_seq)
                    .bind(&head_hash)
                    .execute(&mut *tx)
                    .await?;
                Ok::<_, StoreError>(AnchorRow { seq, kind: kind.to_string(), at: at.clone(), head_seq, head_hash })
            }
            .await
        })
    }

    /// The recorded anchors, newest first, at most `limit`.
    pub async fn audit_anchors(&self, limit: i64) -> Result<Vec<AnchorRow>> {
        Ok(on!(self, |pool| {
            sqlx::query_as(
            "SELECT seq, kind, at, head_seq, head_hash FROM audit_anchors ORDER BY seq DESC LIMIT $1"
        )
        .bind(limit)
        .fetch_all(pool)
        .await
        })?)
    }

    /// Retention: removes the records written before `cutoff` (RFC 3339), after recording the
    /// last of them as a `prune` anchor the chain restarts from. Records announcing history
    /// rows go too; those rows are then reported as predating the retained chain. Returns how
    /// many records were removed.
    pub async fn audit_prune(&self, cutoff: &str, actor: &str) -> Result<u64> {
        let at = now();
        write_tx!(self, |tx| {
            async {
                let last: Option<(i64, Option<String>)> = sqlx::query_as(
                    "SELECT seq, hash FROM audit_log WHERE seq <= (SELECT MAX(seq) FROM audit_log WHERE at < $1) \
                     ORDER BY seq DESC LIMIT 1",
                )
                .bind(cutoff)
                .fetch_optional(&mut *tx)
                .await?;
                let Some((head_seq, Some(head_hash))) = last else { return Ok(0) };
                let seq = next_seq!(tx, "audit_anchors");
                sqlx::query("INSERT INTO audit_anchors (seq, kind, at, head_seq, head_hash) VALUES ($1, 'prune', $2, $3, $4)")
                    .bind(seq)
                    .bind(&at)
                    .bind(head_seq)
                    .bind(&head_hash)
                    .execute(&mut *tx)
                    .await?;
                let removed = sqlx::query("DELETE FROM audit_log WHERE seq <= $1")
                    .bind(head_seq)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
                let detail = format!("{removed} records before {cutoff}");
                append_audit!(tx, at, Some(actor), None, "audit_prune", None, Some(detail.as_str()), None);
                Ok::<_, StoreError>(removed)
            }
            .await
        })
    }
}

pub(crate) fn hash_of(h: &HistoryRow) -> String {
    history_hash(
        &h.id,
        &h.assessment_id,
        h.item_no,
        h.version,
        &h.changed_at,
        &h.changed_by,
        h.old_value.as_deref(),
        h.new_value.as_deref(),
        h.seq,
        h.inherit,
    )
}
