//! The yearly cycle (guideline section 2): re-confirmation, the review of residual risks,
//! action plans, sign-off and the year-over-year difference. Pure data and rules.

use crate::{ItemNo, Mark};
use chrono::NaiveDate;
use kojo_i18n::Lang;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A sign-off step (作成 → 確認 → 承認), or sending the assessment back.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    /// The author submits the draft (提出).
    Submit,
    /// A reviewer confirms the submitted assessment (確認).
    Confirm,
    /// An approver approves the confirmed assessment (承認).
    Approve,
    /// A reviewer or approver sends it back to draft, with a required comment (差戻し).
    Return,
}

impl Decision {
    /// Every decision.
    pub const ALL: [Decision; 4] = [
        Decision::Submit,
        Decision::Confirm,
        Decision::Approve,
        Decision::Return,
    ];

    /// Stable key (`submit`, `confirm`, `approve`, `return`).
    pub fn key(self) -> &'static str {
        match self {
            Decision::Submit => "submit",
            Decision::Confirm => "confirm",
            Decision::Approve => "approve",
            Decision::Return => "return",
        }
    }

    /// Parses a key.
    pub fn from_key(s: &str) -> Option<Decision> {
        Decision::ALL.into_iter().find(|d| d.key() == s.trim())
    }

    /// Name in `lang` (提出, 確認, 承認, 差戻し).
    pub fn name(self, lang: Lang) -> &'static str {
        kojo_i18n::t(lang, &format!("decision.{}", self.key()))
    }

    /// The status this decision leads to from `from`, or `None` if it is not allowed there.
    pub fn apply(self, from: crate::Status) -> Option<crate::Status> {
        use crate::Status::*;
        match (from, self) {
            (Draft, Decision::Submit) => Some(Submitted),
            (Submitted, Decision::Confirm) => Some(Confirmed),
            (Confirmed, Decision::Approve) => Some(Approved),
            (Submitted | Confirmed, Decision::Return) => Some(Draft),
            _ => None,
        }
    }
}

/// The status of an action (対策) of an action plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ActionStatus {
    /// 未着手.
    Open,
    /// 対応中.
    InProgress,
    /// 完了.
    Done,
    /// 中止.
    Cancelled,
}

impl ActionStatus {
    /// Every status, in workflow order.
    pub const ALL: [ActionStatus; 4] = [
        ActionStatus::Open,
        ActionStatus::InProgress,
        ActionStatus::Done,
        ActionStatus::Cancelled,
    ];

    /// Stable key (`open`, `in_progress`, `done`, `cancelled`).
    pub fn key(self) -> &'static str {
        match self {
            ActionStatus::Open => "open",
            ActionStatus::InProgress => "in_progress",
            ActionStatus::Done => "done",
            ActionStatus::Cancelled => "cancelled",
        }
    }

    /// Parses a key or a name in either language (未着手, 対応中, 完了, 中止, "in progress").
    pub fn parse(s: &str) -> Option<ActionStatus> {
        let s = crate::normalize_width(s.trim());
        let k = s.to_ascii_lowercase().replace([' ', '-'], "_");
        ActionStatus::ALL.into_iter().find(|st| {
            st.key() == k || st.name(Lang::Ja) == s || st.name(Lang::En).eq_ignore_ascii_case(&s)
        })
    }

    /// Name in `lang`.
    pub fn name(self, lang: Lang) -> &'static str {
        kojo_i18n::t(lang, &format!("action_status.{}", self.key()))
    }

    /// Still to be done (未着手 or 対応中): carried to next year, can be overdue.
    pub fn is_open(self) -> bool {
        matches!(self, ActionStatus::Open | ActionStatus::InProgress)
    }
}

/// One item's review in this cycle (見直し). A □ review answers two questions (is the reason
/// still valid? how far has preparation come?); a △ or × review records the consideration
/// status. The review belongs to the mark it was made for: after a change of mark it no longer
/// counts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Review {
    /// Item.
    pub item: u16,
    /// The mark the review was made for.
    pub mark: Mark,
    /// □: is the reason for deferral still valid?
    pub valid: Option<bool>,
    /// □: preparation progress now (text).
    pub progress: Option<String>,
    /// □: preparation progress in percent (0–100).
    pub progress_pct: Option<u8>,
    /// △ ×: consideration status now (検討状況).
    pub status: Option<String>,
    /// △ ×: target date.
    pub target_date: Option<NaiveDate>,
    /// Note (for □, why the reason is or is no longer valid).
    pub note: Option<String>,
    /// Who reviewed.
    pub by: String,
    /// When (RFC 3339).
    pub at: String,
}

/// What the review of one □ △ × item still needs, or why it needs attention.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReviewNeed {
    /// □ whose review-by date (見直し期限) has passed.
    Overdue,
    /// An open action whose due date has passed.
    ActionOverdue,
    /// An evidence file past its validity end date (有効期限).
    EvidenceExpired,
    /// Carried from last year and not yet re-confirmed (要再確認).
    Unconfirmed,
    /// □: whether the reason is still valid has not been answered in this cycle.
    Validity,
    /// □: the preparation progress has not been recorded in this cycle.
    Progress,
    /// △ ×: the consideration status has not been updated in this cycle.
    Status,
    /// The answer claims more than the registers support (台帳との不整合): a prompt to look,
    /// not a gap in the review.
    RegisterMismatch,
}

impl ReviewNeed {
    /// Stable key.
    pub fn key(self) -> &'static str {
        match self {
            ReviewNeed::Overdue => "overdue",
            ReviewNeed::ActionOverdue => "action_overdue",
            ReviewNeed::EvidenceExpired => "evidence_expired",
            ReviewNeed::Unconfirmed => "unconfirmed",
            ReviewNeed::Validity => "validity",
            ReviewNeed::Progress => "progress",
            ReviewNeed::Status => "status",
            ReviewNeed::RegisterMismatch => "register_mismatch",
        }
    }

    /// Name in `lang`.
    pub fn name(self, lang: Lang) -> &'static str {
        kojo_i18n::t(lang, &format!("review_need.{}", self.key()))
    }

    /// Whether this need keeps the assessment from being submitted (the review is missing).
    pub fn blocks_submission(self) -> bool {
        matches!(
            self,
            ReviewNeed::Validity | ReviewNeed::Progress | ReviewNeed::Status
        )
    }
}

/// Whether `review` completes this cycle's review of an item answered `mark`: a □ review needs
/// both answers (validity and progress, text or percent), a △ × review the consideration
/// status. The review must have been made for the same mark.
pub fn review_gaps(mark: Mark, review: Option<&Review>) -> Vec<ReviewNeed> {
    let r = review.filter(|r| r.mark == mark);
    match mark {
        Mark::Deferred => {
            let mut out = Vec::new();
            if r.and_then(|r| r.valid).is_none() {
                out.push(ReviewNeed::Validity);
            }
            if r.is_none_or(|r| r.progress.is_none() && r.progress_pct.is_none()) {
                out.push(ReviewNeed::Progress);
            }
            out
        }
        Mark::Considering | Mark::NotConsidered => {
            if r.and_then(|r| r.status.as_ref()).is_none() {
                vec![ReviewNeed::Status]
            } else {
                Vec::new()
            }
        }
        Mark::Implemented | Mark::NotApplicable => Vec::new(),
    }
}

/// How an item's mark moved between two assessments of the same scope.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChangeKind {
    /// Worse (○ → □ → △ → ×, in any step).
    Regressed,
    /// Better (× → △ → □ → ○, in any step).
    Improved,
    /// Now － (not applicable) and not before.
    NewlyNotApplicable,
    /// Was －, now marked.
    NewlyApplicable,
    /// Answered now, unanswered before.
    Added,
    /// Unanswered now, answered before.
    Removed,
    /// The same mark.
    Unchanged,
}

impl ChangeKind {
    /// Stable key.
    pub fn key(self) -> &'static str {
        match self {
            ChangeKind::Regressed => "regressed",
            ChangeKind::Improved => "improved",
            ChangeKind::NewlyNotApplicable => "newly_not_applicable",
            ChangeKind::NewlyApplicable => "newly_applicable",
            ChangeKind::Added => "added",
            ChangeKind::Removed => "removed",
            ChangeKind::Unchanged => "unchanged",
        }
    }

    /// Name in `lang`.
    pub fn name(self, lang: Lang) -> &'static str {
        kojo_i18n::t(lang, &format!("change.{}", self.key()))
    }

    /// Classifies `from` → `to`.
    pub fn of(from: Option<Mark>, to: Option<Mark>) -> ChangeKind {
        // ○ best, × worst; － and unanswered are outside the scale.
        fn rank(m: Mark) -> Option<u8> {
            match m {
                Mark::Implemented => Some(3),
                Mark::Deferred => Some(2),
                Mark::Considering => Some(1),
                Mark::NotConsidered => Some(0),
                Mark::NotApplicable => None,
            }
        }
        match (from, to) {
            (None, None) => ChangeKind::Unchanged,
            (Some(_), None) => ChangeKind::Removed,
            (None, Some(_)) => ChangeKind::Added,
            (Some(a), Some(b)) if a == b => ChangeKind::Unchanged,
            (Some(_), Some(Mark::NotApplicable)) => ChangeKind::NewlyNotApplicable,
            (Some(Mark::NotApplicable), Some(_)) => ChangeKind::NewlyApplicable,
            (Some(a), Some(b)) => {
                if rank(b) > rank(a) {
                    ChangeKind::Improved
                } else {
                    ChangeKind::Regressed
                }
            }
        }
    }
}

/// One item of a year-over-year difference.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Change {
    /// Item.
    pub item: u16,
    /// Mark in the older assessment.
    pub from: Option<Mark>,
    /// Mark in the newer assessment.
    pub to: Option<Mark>,
    /// Classification.
    pub kind: ChangeKind,
}

/// Every item whose mark differs between `old` and `new`, regressions first, then by item.
pub fn diff(old: &BTreeMap<ItemNo, Mark>, new: &BTreeMap<ItemNo, Mark>) -> Vec<Change> {
    let mut items: Vec<ItemNo> = old.keys().chain(new.keys()).copied().collect();
    items.sort();
    items.dedup();
    let mut out: Vec<Change> = items
        .into_iter()
        .map(|i| {
            let (from, to) = (old.get(&i).copied(), new.get(&i).copied());
            Change {
                item: i.get(),
                from,
                to,
                kind: ChangeKind::of(from, to),
            }
        })
        .filter(|c| c.kind != ChangeKind::Unchanged)
        .collect();
    out.sort_by_key(|c| (c.kind, c.item));
    out
}

/// A recorded sign-off step.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignOff {
    /// What was decided.
    pub decision: Decision,
    /// Who (user name).
    pub by: String,
    /// When (RFC 3339).
    pub at: String,
    /// Comment (required for a return).
    pub comment: Option<String>,
    /// SHA-256 (hex) of the canonical content as it stood.
    pub content_hash: String,
}

/// The names and dates for the 作成・確認・承認 boxes: the latest submit, confirm and approve
/// since the last return, in step order.
pub fn signature_boxes(signoffs: &[SignOff]) -> [Option<&SignOff>; 3] {
    let start = signoffs
        .iter()
        .rposition(|s| s.decision == Decision::Return)
        .map_or(0, |i| i + 1);
    let mut out = [None, None, None];
    for s in &signoffs[start..] {
        let slot = match s.decision {
            Decision::Submit => 0,
            Decision::Confirm => 1,
            Decision::Approve => 2,
            Decision::Return => continue,
        };
        out[slot] = Some(s);
    }
    out
}

/// One action (対策) of an action plan, as reports and exports show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActionItem {
    /// Item.
    pub item: u16,
    /// What is to be done.
    pub title: String,
    /// Who (a kojo user name or free text).
    pub owner: Option<String>,
    /// Due date.
    pub due: Option<NaiveDate>,
    /// Status.
    pub status: ActionStatus,
    /// Note.
    pub note: Option<String>,
}

impl ActionItem {
    /// Open and past its due date on `today`.
    pub fn is_overdue(&self, today: NaiveDate) -> bool {
        self.status.is_open() && self.due.is_some_and(|d| d < today)
    }
}

/// The yearly cycle's part of a report: the sign-off boxes, the review results, the year-over-
/// year difference and the action plan.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct CycleReport {
    /// Sign-off steps in the order they were made.
    pub signoffs: Vec<SignOff>,
    /// How many different people the sign-off needs (3, or 2 where relaxed for small plants).
    pub required_signers: u8,
    /// This cycle's reviews of □ △ × items.
    pub reviews: Vec<Review>,
    /// Items carried from last year and not yet re-confirmed (shown as provisional).
    pub unconfirmed: Vec<u16>,
    /// The previous assessment of the same scope, if any.
    pub previous: Option<Previous>,
    /// The action plan.
    pub actions: Vec<ActionItem>,
    /// What the plant's registers say (the report's appendix 「台帳との整合」); `None` when the
    /// plant keeps no register data in kojo.
    pub registers: Option<RegistersReport>,
}

/// What the registers said about an assessment, and when.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RegistersReport {
    /// The suggestions, their findings counted and their basis.
    pub snapshot: crate::register::Snapshot,
    /// The sign-off step that sealed it; `None` when it was read from the registers for this
    /// report (an assessment being prepared).
    pub sealed_by: Option<SignOff>,
}

/// The assessment a report compares with.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Previous {
    /// Its fiscal year.
    pub period: crate::FiscalYear,
    /// Its revision.
    pub revision: i64,
    /// Its scores.
    pub summary: crate::Summary,
    /// Items whose mark changed (regressions first).
    pub changes: Vec<Change>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Status;

    #[test]
    fn decisions_follow_the_sign_off_order() {
        assert_eq!(
            Decision::Submit.apply(Status::Draft),
            Some(Status::Submitted)
        );
        assert_eq!(
            Decision::Confirm.apply(Status::Submitted),
            Some(Status::Confirmed)
        );
        assert_eq!(
            Decision::Approve.apply(Status::Confirmed),
            Some(Status::Approved)
        );
        assert_eq!(
            Decision::Return.apply(Status::Submitted),
            Some(Status::Draft)
        );
        assert_eq!(
            Decision::Return.apply(Status::Confirmed),
            Some(Status::Draft)
        );
        // Every other pair is refused.
        for d in Decision::ALL {
            for s in [
                Status::Draft,
                Status::Submitted,
                Status::Confirmed,
                Status::Approved,
            ] {
                let allowed = matches!(
                    (s, d),
                    (Status::Draft, Decision::Submit)
                        | (Status::Submitted, Decision::Confirm)
                        | (Status::Confirmed, Decision::Approve)
                        | (Status::Submitted | Status::Confirmed, Decision::Return)
                );
                assert_eq!(d.apply(s).is_some(), allowed, "{s:?} {d:?}");
            }
        }
    }

    #[test]
    fn changes_are_classified() {
        use Mark::*;
        assert_eq!(
            ChangeKind::of(Some(NotConsidered), Some(Deferred)),
            ChangeKind::Improved
        );
        assert_eq!(
            ChangeKind::of(Some(Deferred), Some(Implemented)),
            ChangeKind::Improved
        );
        assert_eq!(
            ChangeKind::of(Some(Implemented), Some(NotConsidered)),
            ChangeKind::Regressed
        );
        assert_eq!(
            ChangeKind::of(Some(Considering), Some(NotConsidered)),
            ChangeKind::Regressed
        );
        assert_eq!(
            ChangeKind::of(Some(Implemented), Some(NotApplicable)),
            ChangeKind::NewlyNotApplicable
        );
        assert_eq!(
            ChangeKind::of(Some(NotApplicable), Some(Implemented)),
            ChangeKind::NewlyApplicable
        );
        assert_eq!(ChangeKind::of(None, Some(Implemented)), ChangeKind::Added);
        assert_eq!(ChangeKind::of(Some(Implemented), None), ChangeKind::Removed);
        assert_eq!(
            ChangeKind::of(Some(Deferred), Some(Deferred)),
            ChangeKind::Unchanged
        );
    }

    #[test]
    fn diff_lists_regressions_first() {
        let cat = kojo_catalog::builtin().unwrap();
        let i = |n| ItemNo::new(n, cat).unwrap();
        let old = BTreeMap::from([
            (i(1), Mark::NotConsidered),
            (i(2), Mark::Implemented),
            (i(3), Mark::Deferred),
        ]);
        let new = BTreeMap::from([
            (i(1), Mark::Deferred),
            (i(2), Mark::NotConsidered),
            (i(3), Mark::Deferred),
        ]);
        let d = diff(&old, &new);
        assert_eq!(d.len(), 2);
        assert_eq!((d[0].item, d[0].kind), (2, ChangeKind::Regressed));
        assert_eq!((d[1].item, d[1].kind), (1, ChangeKind::Improved));
    }

    #[test]
    fn a_review_counts_only_for_its_mark_and_when_complete() {
        let r = Review {
            item: 5,
            mark: Mark::Deferred,
            valid: Some(true),
            progress: None,
            progress_pct: Some(40),
            status: None,
            target_date: None,
            note: None,
            by: "a".into(),
            at: "2027-05-01T00:00:00Z".into(),
        };
        assert!(review_gaps(Mark::Deferred, Some(&r)).is_empty());
        assert_eq!(
            review_gaps(Mark::Considering, Some(&r)),
            vec![ReviewNeed::Status]
        );
        assert_eq!(
            review_gaps(Mark::Deferred, None),
            vec![ReviewNeed::Validity, ReviewNeed::Progress]
        );
        let partial = Review {
            progress_pct: None,
            ..r
        };
        assert_eq!(
            review_gaps(Mark::Deferred, Some(&partial)),
            vec![ReviewNeed::Progress]
        );
        assert!(review_gaps(Mark::Implemented, None).is_empty());
    }

    #[test]
    fn boxes_restart_after_a_return() {
        let s = |d, by: &str| SignOff {
            decision: d,
            by: by.into(),
            at: String::new(),
            comment: None,
            content_hash: String::new(),
        };
        let all = vec![
            s(Decision::Submit, "a"),
            s(Decision::Return, "b"),
            s(Decision::Submit, "a2"),
            s(Decision::Confirm, "b"),
        ];
        let [w, c, a] = signature_boxes(&all);
        assert_eq!(w.map(|x| x.by.as_str()), Some("a2"));
        assert_eq!(c.map(|x| x.by.as_str()), Some("b"));
        assert!(a.is_none());
    }
}
