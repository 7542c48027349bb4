//! The API's JSON shapes (request and response bodies), with their OpenAPI schemas. Kept apart
//! from the app's rows so the public contract changes only on purpose.

use super::ApiError;
use kojo_app::{Assessment, StoredAnswer};
use kojo_domain::{Mark, RawAnswer};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// Default page size of every list.
pub const DEFAULT_LIMIT: usize = 50;
/// Largest page size of every list.
pub const MAX_LIMIT: usize = 200;

/// Cursor pagination: `limit` (1–200, default 50) and the `next_cursor` of the previous page.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// Items per page, 1–200 (default 50).
    pub limit: Option<usize>,
    /// The previous page's `next_cursor`.
    pub cursor: Option<String>,
}

/// One page of a list.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Page<T: ToSchema> {
    /// The items, in a stable order.
    pub items: Vec<T>,
    /// Pass as `cursor` for the next page; absent on the last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

fn hex(s: &str) -> String {
    s.bytes().map(|b| format!("{b:02x}")).collect()
}

fn unhex(s: &str) -> Option<String> {
    if !s.len().is_multiple_of(2) || s.len() > 512 {
        return None;
    }
    let bytes: Option<Vec<u8>> = (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect();
    String::from_utf8(bytes?).ok()
}

/// One page of `items` ordered by `key` (unique), after the cursor's key.
pub fn paginate<T: ToSchema>(
    mut items: Vec<T>,
    key: impl Fn(&T) -> String,
    q: &PageQuery,
) -> Result<Page<T>, ApiError> {
    let limit = q.limit.unwrap_or(DEFAULT_LIMIT);
    if !(1..=MAX_LIMIT).contains(&limit) {
        return Err(ApiError::bad(
            "api.bad_limit",
            &[("max", &MAX_LIMIT), ("limit", &limit)],
        ));
    }
    let after = match q.cursor.as_deref().filter(|c| !c.is_empty()) {
        None => None,
        Some(c) => Some(unhex(c).ok_or_else(|| ApiError::bad("api.bad_cursor", &[]))?),
    };
    items.sort_by_key(|t| key(t));
    let mut page: Vec<T> = items
        .into_iter()
        .filter(|t| after.as_ref().is_none_or(|a| key(t) > *a))
        .take(limit + 1)
        .collect();
    let next_cursor = if page.len() > limit {
        page.truncate(limit);
        page.last().map(|t| hex(&key(t)))
    } else {
        None
    };
    Ok(Page {
        items: page,
        next_cursor,
    })
}

/// A plant.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SiteOut {
    /// Plant code.
    pub code: String,
    /// Name.
    pub name: String,
}

/// A line of a plant.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct LineOut {
    /// Line code.
    pub code: String,
    /// Name.
    pub name: String,
}

/// A plant or line to create.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct SiteIn {
    /// Code (letters, digits, `-`, `_`).
    pub code: String,
    /// Name.
    pub name: String,
}

/// An assessment without its answers.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AssessmentSummary {
    /// Id.
    pub id: String,
    /// Company code's name.
    pub company: String,
    /// Plant code.
    pub site: String,
    /// Line code, for a line's assessment.
    pub line: Option<String>,
    /// Fiscal year (年度).
    pub period: i64,
    /// Catalog id.
    pub catalog: String,
    /// `draft`, `submitted`, `confirmed`, `approved`.
    pub status: String,
    /// Revision.
    pub revision: i64,
    /// Received from a supplier (read-only).
    pub received: bool,
    /// Last change.
    pub updated_at: String,
}

impl AssessmentSummary {
    pub fn of(a: &Assessment) -> AssessmentSummary {
        AssessmentSummary {
            id: a.id.clone(),
            company: a.org_name.clone(),
            site: a.site_code.clone(),
            line: a.line_code.clone(),
            period: a.period,
            catalog: a.catalog_id.clone(),
            status: a.status.key().to_string(),
            revision: a.revision,
            received: a.received,
            updated_at: a.updated_at.clone(),
        }
    }
}

/// An answer as entered: the mark and the fields the mark asks for.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AnswerIn {
    /// `○ □ △ × －` or `implemented`, `deferred`, `partial`, `not_considered`, `not_applicable`.
    pub mark: Option<String>,
    /// ○ by an alternative measure (代替策).
    #[serde(default)]
    pub alternative_flagged: bool,
    /// The alternative measure.
    pub alternative: Option<String>,
    /// □: why it is deferred.
    pub reason: Option<String>,
    /// □: when to review (YYYY-MM-DD).
    pub review_by: Option<String>,
    /// □: who accepted the deferral.
    pub accepted_by: Option<String>,
    /// △: progress.
    pub progress: Option<String>,
    /// △ ×: status.
    pub status: Option<String>,
    /// △ ×: target date (YYYY-MM-DD).
    pub target_date: Option<String>,
    /// －: why not applicable.
    pub na_reason: Option<String>,
    /// A note.
    pub note: Option<String>,
}

impl AnswerIn {
    pub fn raw(&self) -> RawAnswer {
        RawAnswer {
            mark: self.mark.clone(),
            alternative_flagged: self.alternative_flagged,
            alternative: self.alternative.clone(),
            reason: self.reason.clone(),
            review_by: self.review_by.clone(),
            accepted_by: self.accepted_by.clone(),
            progress: self.progress.clone(),
            status: self.status.clone(),
            target_date: self.target_date.clone(),
            na_reason: self.na_reason.clone(),
            note: self.note.clone(),
        }
    }

    fn of(r: RawAnswer) -> AnswerIn {
        AnswerIn {
            mark: r.mark.as_deref().map(|m| {
                Mark::parse(m)
                    .map(|m| m.symbol().to_string())
                    .unwrap_or(m.to_string())
            }),
            alternative_flagged: r.alternative_flagged,
            alternative: r.alternative,
            reason: r.reason,
            review_by: r.review_by,
            accepted_by: r.accepted_by,
            progress: r.progress,
            status: r.status,
            target_date: r.target_date,
            na_reason: r.na_reason,
            note: r.note,
        }
    }
}

/// A stored answer with its version (send the version back to change it).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AnswerOut {
    /// Item number (1–63).
    pub item: u16,
    /// The answer; absent when unanswered.
    pub answer: Option<AnswerIn>,
    /// Optimistic version: send it with a change; 0 when never answered.
    pub version: i64,
    /// Confirmed this cycle (a carried answer is unconfirmed until re-confirmed).
    pub confirmed: bool,
    /// Follows the plant's answer (a line that inherits).
    pub inherited: bool,
    /// Who changed it last.
    pub updated_by: String,
    /// When.
    pub updated_at: String,
}

impl AnswerOut {
    pub fn of(s: &StoredAnswer) -> AnswerOut {
        AnswerOut {
            item: s.item,
            answer: s.answer.as_ref().map(|a| AnswerIn::of(a.to_raw())),
            version: s.version,
            confirmed: s.confirmed,
            inherited: s.inherited,
            updated_by: s.updated_by.clone(),
            updated_at: s.updated_at.clone(),
        }
    }

    pub fn unanswered(item: u16) -> AnswerOut {
        AnswerOut {
            item,
            answer: None,
            version: 0,
            confirmed: true,
            inherited: false,
            updated_by: String::new(),
            updated_at: String::new(),
        }
    }
}

/// An assessment with its answers and figures.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AssessmentOut {
    /// The assessment.
    #[serde(flatten)]
    pub summary: AssessmentSummary,
    /// Items answered.
    pub answered: u32,
    /// Achievement rate (0–1), absent while nothing counts.
    pub achievement_rate: Option<f64>,
    /// Every item's answer, in item order (unanswered ones with version 0).
    pub answers: Vec<AnswerOut>,
}

/// An assessment to create.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AssessmentIn {
    /// Plant code.
    pub site: String,
    /// Line code (an assessment of one line).
    pub line: Option<String>,
    /// Fiscal year (年度).
    pub period: u16,
    /// Who assesses (free text, printed on the checksheet).
    pub assessor: Option<String>,
}

/// A change of one answer.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AnswerChange {
    /// The version the change is based on (from `AnswerOut.version`); a different stored
    /// version is 409 with the current value.
    pub version: i64,
    /// The new answer; `null` clears it.
    pub answer: Option<AnswerIn>,
}

/// One answer of a batch.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BatchAnswer {
    /// Item number.
    pub item: u16,
    /// The version the change is based on.
    pub version: i64,
    /// The new answer; `null` clears it.
    pub answer: Option<AnswerIn>,
}

/// Several answers, saved all or nothing.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AnswerBatch {
    /// At most 63 answers, each item once.
    pub answers: Vec<BatchAnswer>,
}

/// The saved answers.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AnswersOut {
    /// In item order.
    pub answers: Vec<AnswerOut>,
}
