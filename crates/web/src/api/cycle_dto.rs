//! The yearly cycle's JSON bodies (reviews, actions, evidence, sign-off steps) and their
//! conversions from the application's rows.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// This cycle's review of a □ △ × item.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ReviewOut {
    /// Item number.
    pub item: u16,
    /// The mark reviewed (`○ □ △ × －`).
    pub mark: String,
    /// □: the reason is still valid.
    pub valid: Option<bool>,
    /// Progress (text).
    pub progress: Option<String>,
    /// Progress in percent.
    pub progress_pct: Option<u8>,
    /// △ ×: status.
    pub status: Option<String>,
    /// Target date.
    pub target_date: Option<String>,
    /// Note.
    pub note: Option<String>,
    /// Reviewed by.
    pub by: String,
    /// When.
    pub at: String,
}

/// A review to record (fields as the mark asks for them).
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReviewIn {
    /// □: `yes` / `no` — the reason is still valid.
    pub valid: Option<String>,
    /// Progress (text).
    pub progress: Option<String>,
    /// Progress in percent (0–100).
    pub progress_pct: Option<String>,
    /// △ ×: status.
    pub status: Option<String>,
    /// Target date (YYYY-MM-DD).
    pub target_date: Option<String>,
    /// Note.
    pub note: Option<String>,
}

/// An action (対策) on an item.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ActionOut {
    /// Id.
    pub id: i64,
    /// Item number.
    pub item: i64,
    /// What to do.
    pub title: String,
    /// Who.
    pub owner: Option<String>,
    /// Due date.
    pub due: Option<String>,
    /// `open`, `in_progress`, `done`, `dropped`.
    pub status: String,
    /// Note.
    pub note: Option<String>,
    /// Last change.
    pub updated_at: String,
}

/// An action to add.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ActionIn {
    /// Item number.
    pub item: u16,
    /// What to do.
    pub title: String,
    /// Who.
    pub owner: Option<String>,
    /// Due date (YYYY-MM-DD).
    pub due: Option<String>,
    /// Note.
    pub note: Option<String>,
}

/// A change of an action's status.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ActionChange {
    /// `open`, `in_progress`, `done`, `dropped`.
    pub status: String,
    /// Note.
    pub note: Option<String>,
}

/// An evidence file's metadata (download it at `/api/v1/evidence/{id}`).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct EvidenceOut {
    /// Id.
    pub id: i64,
    /// Item number.
    pub item: i64,
    /// File name.
    pub name: String,
    /// Media type.
    pub media_type: String,
    /// Size in bytes.
    pub size: i64,
    /// SHA-256 (hex).
    pub sha256: String,
    /// Uploaded by.
    pub uploaded_by: String,
    /// When.
    pub uploaded_at: String,
    /// Valid until.
    pub valid_until: Option<String>,
}

/// A sign-off step.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SignOffOut {
    /// Order.
    pub seq: i64,
    /// `submit`, `confirm`, `approve`, `return`.
    pub decision: String,
    /// Who.
    pub by: String,
    /// When.
    pub at: String,
    /// Comment (a return's reason).
    pub comment: Option<String>,
    /// SHA-256 of the content signed.
    pub content_hash: String,
}

/// A sign-off decision.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DecisionIn {
    /// `submit`, `confirm`, `approve` or `return`.
    pub decision: String,
    /// Comment (required to return).
    pub comment: Option<String>,
}

pub(super) fn review_out(r: kojo_domain::Review) -> ReviewOut {
    ReviewOut {
        item: r.item,
        mark: r.mark.symbol().to_string(),
        valid: r.valid,
        progress: r.progress,
        progress_pct: r.progress_pct,
        status: r.status,
        target_date: r.target_date.map(|d| d.to_string()),
        note: r.note,
        by: r.by,
        at: r.at,
    }
}

pub(super) fn action_out(a: kojo_app::ActionRow) -> ActionOut {
    ActionOut {
        id: a.id,
        item: a.item_no,
        title: a.title,
        owner: a.owner,
        due: a.due,
        status: a.status.key().to_string(),
        note: a.note,
        updated_at: a.updated_at,
    }
}

pub(super) fn signoff_out(s: kojo_app::SignOffRow) -> SignOffOut {
    SignOffOut {
        seq: s.seq,
        decision: s.decision.key().to_string(),
        by: s.by_user,
        at: s.at,
        comment: s.comment,
        content_hash: s.content_hash,
    }
}
