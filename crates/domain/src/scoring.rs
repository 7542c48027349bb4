//! Achievement rate, completion, counts per mark, residual risks.
//!
//! Achievement rate = ○ ÷ (items − －), overall and per label. Unanswered items count as not
//! achieved; completion = answered ÷ items is reported beside it.

use crate::{Answer, ItemAnswer, ItemNo, Mark};
use kojo_catalog::Catalog;
use serde::ser::SerializeMap;
use serde::{Serialize, Serializer};

/// Number of answers per mark, serialised keyed by the guideline's symbols (○ □ △ × －).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts(pub [u32; 5]);

impl Counts {
    /// The count for `mark`.
    pub fn get(&self, mark: Mark) -> u32 {
        self.0[mark.index()]
    }

    /// Sum over all marks.
    pub fn total(&self) -> u32 {
        self.0.iter().sum()
    }
}

impl Serialize for Counts {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(5))?;
        for mark in Mark::ALL {
            m.serialize_entry(mark.symbol(), &self.get(mark))?;
        }
        m.end()
    }
}

/// Statistics over a set of items.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Stats {
    /// Items in scope.
    pub items: u32,
    /// Items with an answer.
    pub answered: u32,
    /// Answers per mark.
    pub counts: Counts,
    /// ○ ÷ (items − －), a fraction in 0..=1; `None` when every item is －.
    pub achievement_rate: Option<f64>,
    /// (answered − unconfirmed) ÷ items, a fraction in 0..=1.
    pub completion: f64,
    /// Answers carried from last year and not yet re-confirmed (要再確認): they count in the
    /// marks and the rate (shown as provisional) but not in the completion.
    pub unconfirmed: u32,
    /// On a line that inherits from its plant: items that follow the plant's answer (they
    /// count in the marks and the rate like the line's own).
    pub inherited: u32,
}

impl Stats {
    /// Statistics from counts over `items` items.
    pub fn from_counts(items: u32, counts: Counts) -> Stats {
        let answered = counts.total();
        let denominator = items - counts.get(Mark::NotApplicable);
        Stats {
            items,
            answered,
            counts,
            achievement_rate: (denominator > 0)
                .then(|| f64::from(counts.get(Mark::Implemented)) / f64::from(denominator)),
            completion: if items == 0 {
                0.0
            } else {
                f64::from(answered) / f64::from(items)
            },
            unconfirmed: 0,
            inherited: 0,
        }
    }

    /// The same statistics with `n` of the answers not yet re-confirmed.
    pub fn with_unconfirmed(self, n: u32) -> Stats {
        let n = n.min(self.answered);
        Stats {
            unconfirmed: n,
            completion: if self.items == 0 {
                0.0
            } else {
                f64::from(self.answered - n) / f64::from(self.items)
            },
            ..self
        }
    }
}

/// Statistics of one label.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LabelStats {
    /// Label number.
    pub label: u16,
    /// Its statistics.
    #[serde(flatten)]
    pub stats: Stats,
}

/// An item whose answer leaves a residual risk (□ △ ×).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ResidualRisk {
    /// The item.
    pub item: ItemNo,
    /// Its label.
    pub label: u16,
    /// The mark's symbol.
    pub mark: &'static str,
    /// The answer with its fields.
    pub answer: ItemAnswer,
}

/// The scored result of one assessment.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Summary {
    /// All items.
    pub overall: Stats,
    /// Per label, in label order.
    pub labels: Vec<LabelStats>,
    /// □ △ × items in item order.
    pub residual_risks: Vec<ResidualRisk>,
    /// Items carried from last year and not yet re-confirmed, in item order.
    pub unconfirmed: Vec<ItemNo>,
    /// On a line that inherits: the items that follow the plant, in item order.
    pub inherited: Vec<ItemNo>,
}

/// Scores assessments against one catalog. Build once, reuse for many assessments.
#[derive(Debug, Clone)]
pub struct Scorer {
    /// Label index (0-based) of each item (index = item − 1).
    item_label: Vec<usize>,
    labels: Vec<u16>,
    label_sizes: Vec<u32>,
}

impl Scorer {
    /// A scorer for `catalog`.
    pub fn new(catalog: &Catalog) -> Scorer {
        let labels: Vec<u16> = catalog.labels.iter().map(|l| l.number).collect();
        let mut label_sizes = vec![0u32; labels.len()];
        let item_label: Vec<usize> = catalog
            .items()
            .map(|v| {
                let idx = labels
                    .iter()
                    .position(|l| *l == v.label.number)
                    .unwrap_or(0);
                label_sizes[idx] += 1;
                idx
            })
            .collect();
        Scorer {
            item_label,
            labels,
            label_sizes,
        }
    }

    /// Number of items.
    pub fn item_count(&self) -> usize {
        self.item_label.len()
    }

    /// Counts only (no residual list): the fast path for dashboards over many assessments.
    pub fn counts<'a>(
        &self,
        answers: impl IntoIterator<Item = (ItemNo, &'a Answer)>,
    ) -> (Counts, Vec<Counts>) {
        let mut overall = Counts::default();
        let mut per_label = vec![Counts::default(); self.labels.len()];
        for (item, answer) in answers {
            let Some(&l) = self.item_label.get(usize::from(item.get()) - 1) else {
                continue;
            };
            let m = answer.mark().index();
            overall.0[m] += 1;
            per_label[l].0[m] += 1;
        }
        (overall, per_label)
    }

    /// Scores one assessment. Each item should appear at most once; order does not matter.
    pub fn summarize<'a>(
        &self,
        answers: impl IntoIterator<Item = (ItemNo, &'a ItemAnswer)>,
    ) -> Summary {
        let mut residual = Vec::new();
        let mut overall = Counts::default();
        let mut per_label = vec![Counts::default(); self.labels.len()];
        for (item, a) in answers {
            let Some(&l) = self.item_label.get(usize::from(item.get()) - 1) else {
                continue;
            };
            let mark = a.mark();
            overall.0[mark.index()] += 1;
            per_label[l].0[mark.index()] += 1;
            if mark.is_residual_risk() {
                residual.push(ResidualRisk {
                    item,
                    label: self.labels[l],
                    mark: mark.symbol(),
                    answer: a.clone(),
                });
            }
        }
        residual.sort_by_key(|r| r.item);
        Summary {
            overall: Stats::from_counts(self.item_label.len() as u32, overall),
            labels: self
                .labels
                .iter()
                .zip(per_label)
                .zip(&self.label_sizes)
                .map(|((label, counts), size)| LabelStats {
                    label: *label,
                    stats: Stats::from_counts(*size, counts),
                })
                .collect(),
            residual_risks: residual,
            unconfirmed: Vec::new(),
            inherited: Vec::new(),
        }
    }

    /// Records `items` as inherited from the plant in `summary` (counts per label and overall;
    /// the marks and rates already include them).
    pub fn apply_inherited(&self, summary: &mut Summary, items: impl IntoIterator<Item = ItemNo>) {
        let mut list: Vec<ItemNo> = items.into_iter().collect();
        list.sort();
        list.dedup();
        let mut per_label = vec![0u32; self.labels.len()];
        for i in &list {
            if let Some(&l) = self.item_label.get(usize::from(i.get()) - 1) {
                per_label[l] += 1;
            }
        }
        summary.overall.inherited = list.len() as u32;
        for (ls, n) in summary.labels.iter_mut().zip(per_label) {
            ls.stats.inherited = n;
        }
        summary.inherited = list;
    }

    /// Marks `items` (answered, carried and not yet re-confirmed) as unconfirmed in `summary`:
    /// completion counts confirmed answers only.
    pub fn apply_unconfirmed(
        &self,
        summary: &mut Summary,
        items: impl IntoIterator<Item = ItemNo>,
    ) {
        let mut list: Vec<ItemNo> = items.into_iter().collect();
        list.sort();
        list.dedup();
        let mut per_label = vec![0u32; self.labels.len()];
        for i in &list {
            if let Some(&l) = self.item_label.get(usize::from(i.get()) - 1) {
                per_label[l] += 1;
            }
        }
        summary.overall = summary.overall.with_unconfirmed(list.len() as u32);
        for (ls, n) in summary.labels.iter_mut().zip(per_label) {
            ls.stats = ls.stats.with_unconfirmed(n);
        }
        summary.unconfirmed = list;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{NonEmpty, RawAnswer};
    use proptest::prelude::*;

    fn catalog() -> &'static Catalog {
        kojo_catalog::builtin().unwrap()
    }

    fn answer(mark: Mark) -> ItemAnswer {
        let n = || NonEmpty::new("x").unwrap();
        let answer = match mark {
            Mark::Implemented => Answer::Implemented { alternative: None },
            Mark::Deferred => Answer::Deferred {
                reason: n(),
                review_by: chrono::NaiveDate::from_ymd_opt(2027, 3, 31).unwrap(),
                accepted_by: None,
                progress: None,
            },
            Mark::Considering => Answer::Considering {
                status: n(),
                target_date: None,
            },
            Mark::NotConsidered => Answer::NotConsidered,
            Mark::NotApplicable => Answer::NotApplicable { reason: n() },
        };
        ItemAnswer { answer, note: None }
    }

    #[test]
    fn empty_assessment_has_zero_rate_and_completion() {
        let s = Scorer::new(catalog()).summarize(std::iter::empty());
        assert_eq!(s.overall.items, 63);
        assert_eq!(s.overall.achievement_rate, Some(0.0));
        assert_eq!(s.overall.completion, 0.0);
        assert_eq!(s.labels.len(), 17);
    }

    #[test]
    fn rate_excludes_not_applicable_and_counts_unanswered_as_not_achieved() {
        let c = catalog();
        let mut answers = vec![];
        for n in 1..=10u16 {
            answers.push((ItemNo::new(n, c).unwrap(), answer(Mark::Implemented)));
        }
        for n in 11..=13u16 {
            answers.push((ItemNo::new(n, c).unwrap(), answer(Mark::NotApplicable)));
        }
        answers.push((ItemNo::new(14, c).unwrap(), answer(Mark::Deferred)));
        let s = Scorer::new(c).summarize(answers.iter().map(|(i, a)| (*i, a)));
        assert_eq!(s.overall.achievement_rate, Some(10.0 / 60.0));
        assert_eq!(s.overall.completion, 14.0 / 63.0);
        assert_eq!(s.overall.counts.get(Mark::NotApplicable), 3);
        assert_eq!(s.residual_risks.len(), 1);
        // label 1 = items 1–3, all ○
        assert_eq!(s.labels[0].stats.achievement_rate, Some(1.0));
        let json = serde_json::to_value(&s).unwrap();
        assert_eq!(json["overall"]["counts"]["○"], 10);
        assert_eq!(json["overall"]["counts"]["－"], 3);
        assert_eq!(json["labels"][0]["counts"]["○"], 3);
    }

    #[test]
    fn all_not_applicable_has_no_rate() {
        let c = catalog();
        let answers: Vec<_> = (1..=3u16)
            .map(|n| (ItemNo::new(n, c).unwrap(), answer(Mark::NotApplicable)))
            .collect();
        let s = Scorer::new(c).summarize(answers.iter().map(|(i, a)| (*i, a)));
        assert_eq!(s.labels[0].stats.achievement_rate, None);
    }

    fn arb_answers() -> impl Strategy<Value = Vec<(u16, usize)>> {
        proptest::collection::btree_map(1u16..=63, 0usize..5, 0..=63)
            .prop_map(|m| m.into_iter().collect())
    }

    proptest! {
        #[test]
        fn rates_stay_in_0_1(answers in arb_answers()) {
            let c = catalog();
            let items: Vec<_> = answers.iter().map(|(n, m)| (ItemNo::new(*n, c).unwrap(), answer(Mark::ALL[*m]))).collect();
            let s = Scorer::new(c).summarize(items.iter().map(|(i, a)| (*i, a)));
            for st in std::iter::once(&s.overall).chain(s.labels.iter().map(|l| &l.stats)) {
                if let Some(r) = st.achievement_rate { prop_assert!((0.0..=1.0).contains(&r)); }
                prop_assert!((0.0..=1.0).contains(&st.completion));
            }
            prop_assert_eq!(s.overall.answered as usize, answers.len());
        }

        #[test]
        fn order_of_answers_does_not_matter(answers in arb_answers(), seed in any::<u64>()) {
            let c = catalog();
            let items: Vec<_> = answers.iter().map(|(n, m)| (ItemNo::new(*n, c).unwrap(), answer(Mark::ALL[*m]))).collect();
            let mut shuffled = items.clone();
            // deterministic shuffle from the seed
            let len = shuffled.len();
            for i in (1..len).rev() {
                let j = ((seed.wrapping_mul(6364136223846793005).wrapping_add(i as u64)) % (i as u64 + 1)) as usize;
                shuffled.swap(i, j);
            }
            let scorer = Scorer::new(c);
            prop_assert_eq!(scorer.summarize(items.iter().map(|(i, a)| (*i, a))), scorer.summarize(shuffled.iter().map(|(i, a)| (*i, a))));
        }

        #[test]
        fn marking_an_item_na_never_lowers_another_labels_rate(answers in arb_answers(), target in 1u16..=63) {
            let c = catalog();
            let scorer = Scorer::new(c);
            let mut items: Vec<_> = answers.iter().map(|(n, m)| (ItemNo::new(*n, c).unwrap(), answer(Mark::ALL[*m]))).collect();
            let before = scorer.summarize(items.iter().map(|(i, a)| (*i, a)));
            let t = ItemNo::new(target, c).unwrap();
            items.retain(|(i, _)| *i != t);
            items.push((t, answer(Mark::NotApplicable)));
            let after = scorer.summarize(items.iter().map(|(i, a)| (*i, a)));
            let target_label = c.item(target).unwrap().label.number;
            for (b, a) in before.labels.iter().zip(&after.labels) {
                if b.label != target_label {
                    prop_assert_eq!(b, a);
                }
            }
        }
    }

    #[test]
    fn raw_answers_feed_the_scorer() {
        let c = catalog();
        let a = RawAnswer {
            mark: Some("ok".into()),
            ..Default::default()
        }
        .parse()
        .unwrap();
        let s = Scorer::new(c).summarize([(ItemNo::new(1, c).unwrap(), &a)]);
        assert_eq!(s.overall.counts.get(Mark::Implemented), 1);
    }
}
