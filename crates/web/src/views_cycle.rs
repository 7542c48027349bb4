//! Template structs of the yearly cycle: the sign-off part of the assessment page, the item's
//! review, actions and evidence, the review queue, the cycle panel and the year-over-year
//! comparison. Every string comes from the i18n files through [`Page::t`].

use crate::views::{AssessmentHead, OptVm, Page};
use askama::Template;

/// One of the 作成・確認・承認 boxes.
pub struct BoxVm {
    pub key: &'static str,
    pub step: &'static str,
    pub by: String,
    pub at: String,
}

/// A sign-off step the user may take now (a button).
pub struct DecisionVm {
    pub key: &'static str,
    pub name: &'static str,
}

/// The state of an assessment in the yearly cycle, for its page.
pub struct CycleHead {
    pub status_key: &'static str,
    pub status: &'static str,
    pub revision: i64,
    pub boxes: Vec<BoxVm>,
    pub decisions: Vec<DecisionVm>,
    pub can_return: bool,
    pub can_revise: bool,
    /// Sign-off by two people (small plants).
    pub relaxed: bool,
    /// Why the page is read-only, naming the state.
    pub notice: Option<String>,
    /// The latest return while the assessment is a draft again: who, when, why.
    pub returned: Option<(String, String, String)>,
    /// The fiscal year of the previous assessment of the same scope, when there is one.
    pub previous: Option<String>,
    /// Answers awaiting re-confirmation.
    pub unconfirmed: usize,
    /// How a received assessment arrived (supplier, when, key, package hash).
    pub received: Option<String>,
    /// An approved revision of one's own that an administrator may pack for submission.
    pub can_package: bool,
}

/// Counts of the yearly cycle (all visible plants, or one assessment).
pub struct CyclePanelVm {
    pub unconfirmed: i64,
    pub to_review: usize,
    pub overdue_reviews: usize,
    pub open_actions: i64,
    pub overdue_actions: i64,
    /// Where the review queue for these counts is.
    pub queue_link: String,
}

/// This cycle's review of an item as recorded.
pub struct ReviewVm {
    pub by: String,
    pub at: String,
    pub valid: Option<&'static str>,
    pub progress: String,
    pub pct: String,
    pub status: String,
    pub target: String,
    pub note: String,
    /// Made for another mark than the item has now: it no longer counts.
    pub stale: bool,
}

/// What the review form shows (the stored review, or what was just entered).
#[derive(Default, serde::Deserialize)]
pub struct ReviewFormVm {
    #[serde(default)]
    pub valid: String,
    #[serde(default)]
    pub progress: String,
    #[serde(default)]
    pub progress_pct: String,
    #[serde(default)]
    pub status: String,
    #[serde(default)]
    pub target_date: String,
    #[serde(default)]
    pub note: String,
}

/// One action of an item's action plan.
pub struct ActionVm {
    pub id: i64,
    pub title: String,
    pub owner: String,
    pub due: String,
    pub status_key: &'static str,
    pub status: &'static str,
    pub overdue: bool,
    pub note: String,
    pub updated: String,
    pub statuses: Vec<OptVm>,
}

/// One evidence file of an item.
pub struct EvidenceVm {
    pub id: i64,
    pub name: String,
    pub size: String,
    pub media_type: String,
    pub by: String,
    pub at: String,
    pub valid_until: String,
    pub expired: bool,
}

#[derive(Template)]
#[template(path = "item_cycle.html")]
pub struct ItemCyclePage {
    pub page: Page,
    pub a: AssessmentHead,
    pub n: u16,
    pub condition: &'static str,
    pub area: &'static str,
    /// This year's mark: key, symbol, name.
    pub mark: Option<(&'static str, &'static str, &'static str)>,
    /// Last year's mark symbol.
    pub prev: Option<&'static str>,
    pub answer: String,
    pub unconfirmed: bool,
    /// On a line that inherits: the item shows the plant's answer.
    pub inherited: bool,
    /// □ △ ×: reviewed, with actions.
    pub residual: bool,
    /// □ (validity and progress) rather than △ × (consideration status).
    pub deferred: bool,
    /// The review form and evidence changes are offered (a draft, an editor).
    pub editable: bool,
    /// Actions may be added and changed (an editor, at every status).
    pub can_act: bool,
    pub review: Option<ReviewVm>,
    pub form: ReviewFormVm,
    pub needs: Vec<&'static str>,
    pub actions: Vec<ActionVm>,
    pub evidence: Vec<EvidenceVm>,
    pub max_size: String,
    pub error: Option<String>,
}

/// One entry of the review queue.
pub struct QueueRowVm {
    pub assessment_id: String,
    pub scope: String,
    pub period: String,
    pub status: &'static str,
    pub item: u16,
    pub condition: &'static str,
    pub mark_key: &'static str,
    pub mark: &'static str,
    /// What the review still needs: key, name, whether it keeps the assessment from submission.
    pub needs: Vec<(&'static str, &'static str, bool)>,
    pub overdue: bool,
    /// The registers' suggestion when they contradict the answer.
    pub suggested: Option<&'static str>,
    /// Where to act: the item's review (□ △ ×), or its suggestion on the assessment page.
    pub link: String,
}

#[derive(Template)]
#[template(path = "queue.html")]
pub struct QueuePage {
    pub page: Page,
    pub panel: CyclePanelVm,
    pub rows: Vec<QueueRowVm>,
    pub sites: Vec<OptVm>,
    pub labels: Vec<OptVm>,
    pub areas: Vec<OptVm>,
    pub overdue: bool,
}

/// A rate then and now.
pub struct RateRowVm {
    pub n: u16,
    pub label: String,
    pub old: String,
    pub new: String,
    pub delta: String,
    /// `up`, `down` or `same`.
    pub trend: &'static str,
}

/// One item whose mark changed.
pub struct ChangeVm {
    pub item: u16,
    pub condition: &'static str,
    pub kind_key: &'static str,
    pub kind: &'static str,
    pub from: &'static str,
    pub to: &'static str,
}

#[derive(Template)]
#[template(path = "diff.html")]
pub struct DiffPage {
    pub page: Page,
    pub a: AssessmentHead,
    /// The assessment compared with (its title), when there is one.
    pub old: Option<(String, String)>,
    pub overall: Option<RateRowVm>,
    pub labels: Vec<RateRowVm>,
    pub changes: Vec<ChangeVm>,
    pub choices: Vec<OptVm>,
}
