//! Rows of the yearly cycle: reviews, actions, evidence, sign-offs and the review queue.

use crate::{Result, StoreError};
use kojo_domain::{Mark, Review};
use serde::Serialize;

/// How a new assessment is carried from an existing one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Carry {
    /// Next fiscal year: answers need re-confirmation, reviews start afresh, open actions and
    /// evidence (by reference) are carried.
    NextYear,
    /// A new revision of an approved assessment: everything is carried as it stands.
    Revision,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub(crate) struct ReviewRow {
    pub item_no: i64,
    pub mark: String,
    pub valid: Option<bool>,
    pub progress: Option<String>,
    pub progress_pct: Option<i64>,
    pub status: Option<String>,
    pub target_date: Option<String>,
    pub note: Option<String>,
    pub reviewed_by: String,
    pub reviewed_at: String,
}

impl ReviewRow {
    pub(crate) fn into_review(self) -> Result<Review> {
        let corrupt =
            |what: &str| StoreError::Corrupt(format!("review of item {}: {what}", self.item_no));
        Ok(Review {
            item: u16::try_from(self.item_no).map_err(|_| corrupt("item"))?,
            mark: Mark::parse(&self.mark).map_err(|_| corrupt("mark"))?,
            valid: self.valid,
            progress: self.progress.clone(),
            progress_pct: self
                .progress_pct
                .map(|p| u8::try_from(p).map_err(|_| corrupt("progress_pct")))
                .transpose()?,
            status: self.status.clone(),
            target_date: self
                .target_date
                .as_deref()
                .map(|d| {
                    chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d")
                        .map_err(|_| corrupt("target_date"))
                })
                .transpose()?,
            note: self.note.clone(),
            by: self.reviewed_by.clone(),
            at: self.reviewed_at.clone(),
        })
    }
}

/// An action (対策) of an action plan. Its id is a small number people can type.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct ActionRow {
    /// Id (from a monotonic counter).
    pub id: i64,
    /// The assessment.
    pub assessment_id: String,
    /// The item.
    pub item_no: i64,
    /// What is to be done.
    pub title: String,
    /// Who (user name or free text).
    pub owner: Option<String>,
    /// Due date (YYYY-MM-DD).
    pub due: Option<String>,
    /// Status (stored as its key, `open`, `in_progress`, `done`, `cancelled`).
    #[sqlx(try_from = "String")]
    pub status: kojo_domain::ActionStatus,
    /// Note.
    pub note: Option<String>,
    /// The action of the previous assessment this one was carried from.
    pub carried_from: Option<i64>,
    /// Created by.
    pub created_by: String,
    /// Created.
    pub created_at: String,
    /// Last changed by.
    pub updated_by: String,
    /// Last change.
    pub updated_at: String,
}

/// A new action.
#[derive(Debug, Clone)]
pub struct NewAction {
    /// Item.
    pub item: u16,
    /// Title.
    pub title: String,
    /// Owner.
    pub owner: Option<String>,
    /// Due date (YYYY-MM-DD).
    pub due: Option<String>,
    /// Note.
    pub note: Option<String>,
}

/// One change of an action's status (its history).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct ActionEvent {
    /// Order key.
    pub seq: i64,
    /// The action.
    pub action_id: i64,
    /// When.
    pub at: String,
    /// Who.
    pub by_user: String,
    /// Status set (stored as its key).
    #[sqlx(try_from = "String")]
    pub status: kojo_domain::ActionStatus,
    /// Note given with it.
    pub note: Option<String>,
}

/// An action with the scope of its assessment, for lists over many plants.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct ActionListRow {
    /// The action.
    #[sqlx(flatten)]
    #[serde(flatten)]
    pub action: ActionRow,
    /// Plant code.
    pub site_code: String,
    /// Line code.
    pub line_code: Option<String>,
    /// Fiscal year.
    pub period: i64,
    /// Revision.
    pub revision: i64,
}

/// An evidence file attached to an item; the bytes are a blob shared by SHA-256.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct EvidenceRow {
    /// Id (from a monotonic counter).
    pub id: i64,
    /// The assessment.
    pub assessment_id: String,
    /// The item.
    pub item_no: i64,
    /// SHA-256 of the content (hex).
    pub sha256: String,
    /// File name as uploaded.
    pub name: String,
    /// Media type (sniffed).
    pub media_type: String,
    /// Size in bytes.
    pub size: i64,
    /// Who.
    pub uploaded_by: String,
    /// When.
    pub uploaded_at: String,
    /// Validity end date (有効期限, YYYY-MM-DD).
    pub valid_until: Option<String>,
    /// The evidence row of the previous assessment this one was carried from.
    pub carried_from: Option<i64>,
}

/// A new evidence file.
#[derive(Debug, Clone, Copy)]
pub struct NewEvidence<'a> {
    /// Item.
    pub item: u16,
    /// File name.
    pub name: &'a str,
    /// Media type.
    pub media_type: &'a str,
    /// The bytes.
    pub data: &'a [u8],
    /// Validity end date (YYYY-MM-DD).
    pub valid_until: Option<&'a str>,
}

/// A recorded sign-off step.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct SignOffRow {
    /// Order key.
    pub seq: i64,
    /// The assessment.
    pub assessment_id: String,
    /// Decision (stored as its key).
    #[sqlx(try_from = "String")]
    pub decision: kojo_domain::Decision,
    /// Who.
    pub by_user: String,
    /// When.
    pub at: String,
    /// Comment.
    pub comment: Option<String>,
    /// SHA-256 of the canonical content.
    pub content_hash: String,
    /// JSON object item → SHA-256.
    #[serde(skip)]
    pub item_hashes: String,
    /// What the registers said ([`kojo_domain::register::Snapshot`] as canonical JSON), sealed
    /// into `content_hash`; `None` for a plant without register data.
    #[serde(skip)]
    pub registers: Option<String>,
}

impl SignOffRow {
    /// The step as the domain reads it (signature boxes, verification).
    pub fn sign_off(&self) -> kojo_domain::SignOff {
        kojo_domain::SignOff {
            decision: self.decision,
            by: self.by_user.clone(),
            at: self.at.clone(),
            comment: self.comment.clone(),
            content_hash: self.content_hash.clone(),
        }
    }
}

/// One □ △ × item of the latest assessment of a scope, with its review state.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct QueueRow {
    /// Assessment.
    pub assessment_id: String,
    /// Plant code.
    pub site_code: String,
    /// Plant name.
    pub site_name: String,
    /// Line code.
    pub line_code: Option<String>,
    /// Fiscal year.
    pub period: i64,
    /// Revision.
    pub revision: i64,
    /// Assessment status.
    pub status: kojo_domain::Status,
    /// The assessment's catalog version.
    pub catalog_id: String,
    /// Plant id (internal: what the register rules are kept by).
    #[serde(skip)]
    pub site_id: String,
    /// Item.
    pub item: u16,
    /// Mark.
    pub mark: Mark,
    /// □: review-by date.
    pub review_by: Option<String>,
    /// Re-confirmed (or not carried).
    pub confirmed: bool,
    /// This cycle's review.
    pub review: Option<Review>,
    /// Open actions past their due date.
    pub overdue_actions: i64,
    /// Evidence files past their validity end.
    pub expired_evidence: i64,
}

/// Counts for the dashboard's cycle panel over the latest assessment of every visible scope.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct CycleCounts {
    /// Answers awaiting re-confirmation.
    pub unconfirmed: i64,
    /// Actions per status key, in [`kojo_domain::ActionStatus::ALL`] order.
    pub actions: [i64; 4],
    /// Open actions past their due date.
    pub overdue_actions: i64,
}
