//! The rule set: what the registers, their reviews and the periodic activities say about the
//! items, as of a date. Pure: the caller gathers the facts, the rules only read them.
//!
//! Per item that has a rule, a [`Suggestion`]: a suggested mark (○ △ ×, or none when the
//! registers say nothing) and the findings behind it. A suggestion is never applied; an answer
//! better than its suggestion is a mismatch ([`Suggestion::mismatch`]).
//!
//! How findings become a mark: a check that finds nothing wrong suggests ○; a check that fails
//! for some entries (or whose review or activity is overdue) suggests △; one that fails for every
//! entry (or whose register was never reviewed) suggests ×. An item's suggestion is the worst of
//! its checks. Dates: an entry is valid through its expiry date and expired from the day after;
//! a review or activity is due again once twelve months (one month, …) have passed since it was
//! done, so it is overdue from the day after its anniversary.

use crate::Mark;
use chrono::{Months, NaiveDate};
use kojo_catalog::Registers;
use kojo_catalog::registers::{FieldType, Frequency, RegisterKind};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

pub use super::facts::{EntryFacts, FIELDS_READ, Facts, RegisterFacts};

/// What a finding says is wrong.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Problem {
    /// An entry lacks a field the register requires.
    MissingFields,
    /// The register has entries but was never reviewed.
    NoReview,
    /// The last review is more than twelve months old.
    ReviewOverdue,
    /// An entry in effect is past its expiry date.
    Expired,
    /// Equipment in use is past its end of support.
    PastSupport,
    /// A patch is not applied and no reason is recorded.
    PatchNotApplied,
    /// A PC or server has no anti-malware and no reason is recorded.
    NoAntiMalware,
    /// A disposal has no erasure record.
    NoErasureRecord,
    /// A backup target has no restore procedure.
    NoRestoreProcedure,
    /// A backup target has no restore test in the last twelve months.
    NoRestoreTest,
    /// A periodic activity was not done within its interval.
    ActivityOverdue,
}

impl Problem {
    /// The stable key (`expired`).
    pub fn key(self) -> &'static str {
        match self {
            Problem::MissingFields => "missing-fields",
            Problem::NoReview => "no-review",
            Problem::ReviewOverdue => "review-overdue",
            Problem::Expired => "expired",
            Problem::PastSupport => "past-support",
            Problem::PatchNotApplied => "patch-not-applied",
            Problem::NoAntiMalware => "no-anti-malware",
            Problem::NoErasureRecord => "no-erasure-record",
            Problem::NoRestoreProcedure => "no-restore-procedure",
            Problem::NoRestoreTest => "no-restore-test",
            Problem::ActivityOverdue => "activity-overdue",
        }
    }

    /// Every problem, in order.
    pub const ALL: [Problem; 11] = [
        Problem::MissingFields,
        Problem::NoReview,
        Problem::ReviewOverdue,
        Problem::Expired,
        Problem::PastSupport,
        Problem::PatchNotApplied,
        Problem::NoAntiMalware,
        Problem::NoErasureRecord,
        Problem::NoRestoreProcedure,
        Problem::NoRestoreTest,
        Problem::ActivityOverdue,
    ];
}

/// One thing a rule found wrong.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    /// The register kind (or activity kind) it is about.
    pub register: String,
    /// The entry's key, when it is about one entry.
    pub entry: Option<String>,
    /// What is wrong.
    pub problem: Problem,
    /// The particulars, language-neutral: field ids, dates.
    pub detail: String,
}

/// What a suggestion was based on: per register, the entries read and the last review.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Basis {
    /// Register kind or activity kind id.
    pub register: String,
    /// Entries in effect (for an activity: occurrences recorded).
    pub entries: usize,
    /// The last review (for an activity: the last occurrence).
    pub last: Option<NaiveDate>,
}

/// The rules' word on one item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Suggestion {
    /// The item.
    pub item: u16,
    /// ○ △ ×, or `None` when the registers say nothing.
    pub suggested: Option<Mark>,
    /// What is wrong, in a stable order.
    pub findings: Vec<Finding>,
    /// What was read.
    pub basis: Vec<Basis>,
}

impl Suggestion {
    /// Whether `answered` claims more than the registers support: ○ □ △ × ranked best to worst;
    /// － (not applicable) is never a mismatch.
    pub fn mismatch(&self, answered: Option<Mark>) -> bool {
        match (answered.and_then(rank), self.suggested.and_then(rank)) {
            (Some(a), Some(s)) => a > s,
            _ => false,
        }
    }
}

fn rank(m: Mark) -> Option<u8> {
    match m {
        Mark::Implemented => Some(3),
        Mark::Deferred => Some(2),
        Mark::Considering => Some(1),
        Mark::NotConsidered => Some(0),
        Mark::NotApplicable => None,
    }
}

/// The outcome of one check: nothing to say, all good, some failing, or all failing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Verdict {
    Silent,
    Good,
    Partial,
    Failing,
}

impl Verdict {
    fn of(failing: usize, total: usize) -> Verdict {
        match (failing, total) {
            (_, 0) => Verdict::Silent,
            (0, _) => Verdict::Good,
            (f, t) if f >= t => Verdict::Failing,
            _ => Verdict::Partial,
        }
    }

    fn mark(self) -> Option<Mark> {
        match self {
            Verdict::Silent => None,
            Verdict::Good => Some(Mark::Implemented),
            Verdict::Partial => Some(Mark::Considering),
            Verdict::Failing => Some(Mark::NotConsidered),
        }
    }
}

/// Collects the checks of one item.
struct ItemCheck<'a> {
    item: u16,
    verdict: Verdict,
    findings: Vec<Finding>,
    basis: Vec<Basis>,
    facts: &'a Facts,
}

static EMPTY: RegisterFacts = RegisterFacts {
    entries: Vec::new(),
    last_review: None,
};

impl<'a> ItemCheck<'a> {
    fn register(&mut self, kind: &str) -> &'a RegisterFacts {
        let r = self.facts.registers.get(kind).unwrap_or(&EMPTY);
        if !self.basis.iter().any(|b| b.register == kind) {
            self.basis.push(Basis {
                register: kind.to_string(),
                entries: r.entries.len(),
                last: r.last_review,
            });
        }
        r
    }

    /// An entry-by-entry check over `entries` (those it applies to).
    fn per_entry<'e>(
        &mut self,
        kind: &str,
        entries: impl Iterator<Item = &'e EntryFacts>,
        problem: Problem,
        fails: impl Fn(&EntryFacts) -> Option<String>,
    ) {
        let (mut total, mut failing) = (0, 0);
        for e in entries {
            total += 1;
            if let Some(detail) = fails(e) {
                failing += 1;
                self.findings.push(Finding {
                    register: kind.to_string(),
                    entry: Some(e.key().to_string()),
                    problem,
                    detail,
                });
            }
        }
        self.verdict = self.verdict.max(Verdict::of(failing, total));
    }

    /// The yearly review (棚卸) of a register with entries.
    fn review(&mut self, kind: &str, as_of: NaiveDate) {
        let r = self.register(kind);
        if r.entries.is_empty() && r.last_review.is_none() {
            return;
        }
        let (verdict, finding) = match r.last_review {
            None => (Verdict::Failing, Some((Problem::NoReview, String::new()))),
            Some(d) if overdue(d, 12, as_of) => (
                Verdict::Partial,
                Some((Problem::ReviewOverdue, d.to_string())),
            ),
            Some(_) => (Verdict::Good, None),
        };
        if let Some((problem, detail)) = finding {
            self.findings.push(Finding {
                register: kind.to_string(),
                entry: None,
                problem,
                detail,
            });
        }
        self.verdict = self.verdict.max(verdict);
    }

    fn finish(mut self) -> Suggestion {
        self.findings.sort_by(|a, b| {
            (a.problem, &a.register, &a.entry).cmp(&(b.problem, &b.register, &b.entry))
        });
        Suggestion {
            item: self.item,
            suggested: self.verdict.mark(),
            findings: self.findings,
            basis: self.basis,
        }
    }
}

/// Whether something done on `done` and due every `months` is overdue on `as_of`: true from the
/// day after its anniversary.
pub fn overdue(done: NaiveDate, months: u32, as_of: NaiveDate) -> bool {
    done.checked_add_months(Months::new(months))
        .is_none_or(|due| as_of > due)
}

fn interval_months(f: Frequency) -> u32 {
    12 / f.per_year()
}

/// Whether an entry is in effect by its state field (entries without one are).
fn in_effect(e: &EntryFacts, state_field: &str, active: &[&str]) -> bool {
    e.get(state_field).is_none_or(|s| active.contains(&s))
}

/// The checks of `item`, started on first use.
fn at<'m, 'a>(
    items: &'m mut BTreeMap<u16, ItemCheck<'a>>,
    facts: &'a Facts,
    item: u16,
) -> &'m mut ItemCheck<'a> {
    items.entry(item).or_insert_with(|| ItemCheck {
        item,
        verdict: Verdict::Silent,
        findings: Vec::new(),
        basis: Vec::new(),
        facts,
    })
}

/// Every item that has a rule, in item order, with the rules' suggestion as of `as_of`.
pub fn suggest(registers: &Registers, facts: &Facts, as_of: NaiveDate) -> Vec<Suggestion> {
    let mut items: BTreeMap<u16, ItemCheck<'_>> = BTreeMap::new();
    for kind in &registers.kinds {
        // Completeness: the register's first item (the one that asks for the list).
        let Some(&first) = kind.items.first() else {
            continue;
        };
        let c = at(&mut items, facts, first);
        let r = c.register(&kind.id);
        c.per_entry(&kind.id, r.entries.iter(), Problem::MissingFields, |e| {
            e.missing().map(str::to_string)
        });
        // The yearly review, for the items whose criteria ask for one.
        for &item in &kind.items {
            if REVIEWED.contains(&item) {
                at(&mut items, facts, item).review(&kind.id, as_of);
            }
        }
        match kind.id.as_str() {
            "firewall-rules" => {
                let c = at(&mut items, facts, 45);
                let r = c.register(&kind.id);
                let expires = kind.expires.as_deref().unwrap_or("expiry");
                c.per_entry(
                    &kind.id,
                    r.entries
                        .iter()
                        .filter(|e| in_effect(e, "state", &["active"])),
                    Problem::Expired,
                    |e| past(e, expires, as_of),
                );
            }
            "remote-ids" => {
                let c = at(&mut items, facts, 46);
                let r = c.register(&kind.id);
                let expires = kind.expires.as_deref().unwrap_or("expiry");
                c.per_entry(
                    &kind.id,
                    r.entries
                        .iter()
                        .filter(|e| in_effect(e, "state", &["active"])),
                    Problem::Expired,
                    |e| past(e, expires, as_of),
                );
            }
            "assets" => {
                let in_use = |e: &&EntryFacts| in_effect(e, "state", &["in-use"]);
                let c = at(&mut items, facts, 53);
                let r = c.register(&kind.id);
                let eos = kind.end_of_support.as_deref().unwrap_or("support-end");
                c.per_entry(
                    &kind.id,
                    r.entries.iter().filter(in_use),
                    Problem::PastSupport,
                    |e| past(e, eos, as_of),
                );
                let c = at(&mut items, facts, 54);
                let r = c.register(&kind.id);
                c.per_entry(
                    &kind.id,
                    r.entries
                        .iter()
                        .filter(in_use)
                        .filter(|e| e.get("patch-state").is_some()),
                    Problem::PatchNotApplied,
                    |e| {
                        (e.get("patch-state") == Some("pending")
                            && e.get("patch-exemption-reason").is_none())
                        .then(|| "patch-state=pending".to_string())
                    },
                );
                let c = at(&mut items, facts, 57);
                let r = c.register(&kind.id);
                c.per_entry(
                    &kind.id,
                    r.entries
                        .iter()
                        .filter(in_use)
                        .filter(|e| matches!(e.get("device-type"), Some("pc" | "server"))),
                    Problem::NoAntiMalware,
                    |e| {
                        (e.get("anti-malware") != Some("installed")
                            && e.get("anti-malware-reason").is_none())
                        .then(|| format!("anti-malware={}", e.get("anti-malware").unwrap_or("")))
                    },
                );
            }
            "disposals" => {
                let c = at(&mut items, facts, 28);
                let r = c.register(&kind.id);
                c.per_entry(&kind.id, r.entries.iter(), Problem::NoErasureRecord, |e| {
                    e.get("erasure-record").is_none().then(String::new)
                });
            }
            "backups" => {
                let c = at(&mut items, facts, 61);
                let r = c.register(&kind.id);
                c.per_entry(
                    &kind.id,
                    r.entries.iter(),
                    Problem::NoRestoreProcedure,
                    |e| e.get("restore-procedure").is_none().then(String::new),
                );
                let c = at(&mut items, facts, 62);
                let r = c.register(&kind.id);
                c.per_entry(
                    &kind.id,
                    r.entries.iter(),
                    Problem::NoRestoreTest,
                    |e| match e.date("last-restore-test") {
                        None => Some(String::new()),
                        Some(d) if overdue(d, 12, as_of) => Some(d.to_string()),
                        Some(_) => None,
                    },
                );
            }
            _ => {}
        }
    }
    for a in &registers.activities {
        let dates = facts.occurrences.get(&a.id);
        let last = dates.and_then(|d| d.iter().filter(|d| **d <= as_of).max().copied());
        let c = at(&mut items, facts, a.item);
        c.basis.push(Basis {
            register: a.id.clone(),
            entries: dates.map_or(0, Vec::len),
            last,
        });
        // Silent until the activity was recorded once: a plant that keeps no activity records
        // in kojo gets no suggestion, not a wall of ×.
        let Some(last) = last else { continue };
        let verdict = if overdue(last, interval_months(a.frequency), as_of) {
            c.findings.push(Finding {
                register: a.id.clone(),
                entry: None,
                problem: Problem::ActivityOverdue,
                detail: last.to_string(),
            });
            Verdict::Partial
        } else {
            Verdict::Good
        };
        c.verdict = c.verdict.max(verdict);
    }
    items.into_values().map(ItemCheck::finish).collect()
}

/// Items whose criteria ask for a yearly review of their register (22, 26, 37, 45, 46).
pub const REVIEWED: &[u16] = &[22, 26, 37, 45, 46];

/// `Some(date)` when the entry's `field` date is before `as_of` (valid through the date itself).
fn past(e: &EntryFacts, field: &str, as_of: NaiveDate) -> Option<String> {
    let d = e.date(field)?;
    (as_of > d).then(|| format!("{field}={d}"))
}

/// The field types the rules expect, for [`FIELDS_READ`]'s date fields.
pub fn is_date(kind: &RegisterKind, field: &str) -> bool {
    kind.field(field).is_some_and(|f| f.ty == FieldType::Date)
}
