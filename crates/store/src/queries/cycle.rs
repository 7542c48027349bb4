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

/// Reads the canonical content of an assessment with `$exec` (a pool, or `&mut *tx`),
/// evaluated once per query.
macro_rules! read_content {
    ($exec:expr, $id:expr) => {{
        let header: Option<(String, String, Option<String>, i64, i64, String)> = sqlx::query_as(
            "SELECT id, site_id, line_id, period, revision, catalog_id FROM assessments WHERE id = $1",
        )
        .bind($id)
        .fetch_optional(&mut *$exec)
        .await?;
        let Some((id, site_id, line_id, period, revision, catalog_id)) = header else {
            return Err(StoreError::NotFound { what: "assessment", key: $id.to_string() });
        };
        let header = ContentHeader { id, site_id, line_id, period, revision, catalog_id };
        let answers: Vec<AnswerRow> = sqlx::query_as(concat!("SELECT ", answer_columns!(), " FROM effective_answers WHERE assessment_id = $1"))
            .bind($id)
            .fetch_all(&mut *$exec)
            .await?;
        let reviews: Vec<ReviewRow> = sqlx::query_as(concat!("SELECT ", review_columns!(), " FROM reviews WHERE assessment_id = $1"))
            .bind($id)
            .fetch_all(&mut *$exec)
            .await?;
        let evidence: Vec<(i64, String)> = sqlx::query_as("SELECT item_no, sha256 FROM evidence WHERE assessment_id = $1")
            .bind($id)
            .fetch_all(&mut *$exec)
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
        "NOT a.received AND (CAST($1 AS TEXT) IS NULL OR a.org_id = $1) AND (CAST($2 AS TEXT) IS NULL OR a.site_id = $2) \
         AND (CAST($3 AS TEXT) IS NULL OR a.site_id IN (SELECT site_id FROM site_access WHERE user_id = $3)) \
         AND ((CAST($4 AS TEXT) IS NULL AND "
    };
}

// After the macros: `macro_rules!` is visible only below its definition.
mod actions;
mod carry;
mod migrate;
pub use migrate::CatalogCarry;
mod evidence;
mod exchange;
mod queue;
mod settings;
mod signoff;
