//! What the registers said when an assessment was signed: the suggestion of every item that has
//! a rule, its findings counted per problem, and its basis (entries read, last review or
//! occurrence). A sign-off step records it as canonical JSON and seals it into its content hash
//! ([`crate::ContentHash::with_registers`]), so a report or a customer sees what the ledgers
//! said on the day, and a changed record no longer verifies.
//!
//! The findings are counted, not listed: a plant's 50,000-entry ledger must not become part of
//! every sign-off. The counts and the basis are what a reviewer weighs; the entries themselves
//! stay in the register with their history.

use super::rules::{Basis, Suggestion};
use crate::Mark;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The registers' word on an assessment's plant as of a date.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Snapshot {
    /// The day the registers were read as of (`YYYY-MM-DD`).
    pub as_of: NaiveDate,
    /// Every item that has a rule, in item order.
    pub items: Vec<SnapshotItem>,
}

/// One item of a [`Snapshot`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SnapshotItem {
    /// The item.
    pub item: u16,
    /// ○ △ ×, or none when the registers say nothing.
    pub suggested: Option<Mark>,
    /// Problem key ([`super::Problem::key`]) → how many findings.
    pub findings: BTreeMap<String, usize>,
    /// Per register or activity: entries (occurrences) read and the last review (occurrence).
    pub basis: Vec<SnapshotBasis>,
}

/// One line of an item's basis.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SnapshotBasis {
    /// Register kind or activity kind id.
    pub register: String,
    /// Entries in effect (for an activity: occurrences recorded).
    pub entries: usize,
    /// The last review (for an activity: the last occurrence).
    pub last: Option<NaiveDate>,
}

impl Snapshot {
    /// The snapshot of the rules' suggestions as of `as_of`.
    pub fn of(suggestions: &[Suggestion], as_of: NaiveDate) -> Snapshot {
        Snapshot {
            as_of,
            items: suggestions
                .iter()
                .map(|s| {
                    let mut findings = BTreeMap::new();
                    for f in &s.findings {
                        *findings.entry(f.problem.key().to_string()).or_insert(0) += 1;
                    }
                    SnapshotItem {
                        item: s.item,
                        suggested: s.suggested,
                        findings,
                        basis: s.basis.iter().map(SnapshotBasis::from).collect(),
                    }
                })
                .collect(),
        }
    }

    /// Whether the registers said anything at all (some item has a suggestion).
    pub fn says_anything(&self) -> bool {
        self.items.iter().any(|i| i.suggested.is_some())
    }

    /// The canonical JSON that is recorded and hashed (field order as declared, items in item
    /// order, findings in key order).
    pub fn to_json(&self) -> String {
        // Plain structs of strings, numbers and dates: serialising cannot fail.
        serde_json::to_string(self).unwrap_or_default()
    }

    /// Reads a recorded snapshot.
    pub fn from_json(s: &str) -> Result<Snapshot, serde_json::Error> {
        serde_json::from_str(s)
    }
}

impl SnapshotItem {
    /// Whether `answered` claims more than the registers supported (see
    /// [`Suggestion::mismatch`]).
    pub fn mismatch(&self, answered: Option<Mark>) -> bool {
        Suggestion {
            item: self.item,
            suggested: self.suggested,
            findings: Vec::new(),
            basis: Vec::new(),
        }
        .mismatch(answered)
    }
}

impl From<&Basis> for SnapshotBasis {
    fn from(b: &Basis) -> Self {
        SnapshotBasis {
            register: b.register.clone(),
            entries: b.entries,
            last: b.last,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::register::rules::{Finding, Problem};

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn findings_are_counted_per_problem_and_the_json_reads_back() {
        let finding = |p, e: &str| Finding {
            register: "firewall-rules".into(),
            entry: Some(e.into()),
            problem: p,
            detail: String::new(),
        };
        let s = Suggestion {
            item: 45,
            suggested: Some(Mark::Considering),
            findings: vec![
                finding(Problem::Expired, "FW-1"),
                finding(Problem::Expired, "FW-2"),
                finding(Problem::ReviewOverdue, "-"),
            ],
            basis: vec![Basis {
                register: "firewall-rules".into(),
                entries: 3,
                last: Some(d("2025-04-01")),
            }],
        };
        let snap = Snapshot::of(&[s], d("2026-12-06"));
        assert_eq!(snap.items[0].findings["expired"], 2);
        assert_eq!(snap.items[0].findings["review-overdue"], 1);
        let json = snap.to_json();
        assert_eq!(
            json,
            r#"{"as_of":"2026-12-06","items":[{"item":45,"suggested":"considering","findings":{"expired":2,"review-overdue":1},"basis":[{"register":"firewall-rules","entries":3,"last":"2025-04-01"}]}]}"#
        );
        assert_eq!(Snapshot::from_json(&json).unwrap(), snap);
        assert!(snap.says_anything());
        assert!(snap.items[0].mismatch(Some(Mark::Implemented)));
        assert!(!snap.items[0].mismatch(Some(Mark::NotConsidered)));
    }
}
