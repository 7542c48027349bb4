//! The portfolio over many plants (全社ダッシュボード): per-assessment mark summaries, a plant's
//! figure for a fiscal year, rates per label, the company's pooled rate, the weakest items and
//! the trend over years. Pure: the callers load the summaries.
//!
//! Aggregation rules (also printed under the portfolio):
//! - A scope's (plant's or line's) figure for a fiscal year is its latest revision.
//! - When a plant has a plant-level assessment, that is the plant's figure, and its lines appear
//!   as children. A plant assessed only by lines has the answers of its lines pooled as its
//!   figure.
//! - A line that inherits from its plant is scored on its effective marks (the plant's answer
//!   for every item it does not override).
//! - Rates are ○ ÷ (items − －), unanswered items counting as not achieved. A company's (or the
//!   whole portfolio's) rate pools the answers of its plants' figures: Σ○ ÷ Σ(items − －); the
//!   mean of the plant rates is given beside it.

use crate::Mark;

/// The character of a mark in a stored summary.
pub fn mark_code(mark: Option<Mark>) -> u8 {
    match mark {
        Some(Mark::Implemented) => b'O',
        Some(Mark::Deferred) => b'D',
        Some(Mark::Considering) => b'C',
        Some(Mark::NotConsidered) => b'X',
        Some(Mark::NotApplicable) => b'N',
        None => UNANSWERED,
    }
}

/// Unanswered.
pub const UNANSWERED: u8 = b'.';
/// On a line that inherits: the item follows the plant.
pub const INHERITED: u8 = b'i';

/// The mark of a summary character (`None`: unanswered, or not a mark).
pub fn mark_of_code(c: u8) -> Option<Mark> {
    match c {
        b'O' => Some(Mark::Implemented),
        b'D' => Some(Mark::Deferred),
        b'C' => Some(Mark::Considering),
        b'X' => Some(Mark::NotConsidered),
        b'N' => Some(Mark::NotApplicable),
        _ => None,
    }
}

/// The effective marks of `items` items from a stored summary, overlaying `parent` (the plant's
/// summary) where the summary says the item follows the plant.
pub fn effective_marks(
    own: &str,
    parent: Option<&str>,
    inherits: bool,
    items: usize,
) -> Vec<Option<Mark>> {
    let own = own.as_bytes();
    let parent = parent.map(str::as_bytes);
    (0..items)
        .map(|i| {
            let c = own
                .get(i)
                .copied()
                .unwrap_or(if inherits { INHERITED } else { UNANSWERED });
            if c == INHERITED {
                parent
                    .and_then(|p| p.get(i).copied())
                    .and_then(mark_of_code)
            } else {
                mark_of_code(c)
            }
        })
        .collect()
}

/// ○ and － counts and the number of items, over a set of items: a rate's numerator and
/// denominator, poolable.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct Pool {
    /// Items counted.
    pub items: u32,
    /// ○.
    pub implemented: u32,
    /// －.
    pub not_applicable: u32,
}

impl Pool {
    /// Counts `marks` at the positions `include` selects (item index 0-based).
    pub fn of(marks: &[Option<Mark>], include: impl Fn(usize) -> bool) -> Pool {
        let mut p = Pool::default();
        for (i, m) in marks.iter().enumerate() {
            if include(i) {
                p.items += 1;
                match m {
                    Some(Mark::Implemented) => p.implemented += 1,
                    Some(Mark::NotApplicable) => p.not_applicable += 1,
                    _ => {}
                }
            }
        }
        p
    }

    /// Adds another pool.
    pub fn add(&mut self, other: Pool) {
        self.items += other.items;
        self.implemented += other.implemented;
        self.not_applicable += other.not_applicable;
    }

    /// ○ ÷ (items − －); `None` when nothing is left (every item －, or no items).
    pub fn rate(&self) -> Option<f64> {
        let d = self.items - self.not_applicable;
        (d > 0).then(|| f64::from(self.implemented) / f64::from(d))
    }
}

/// The mean of the rates that are defined; `None` when none is.
pub fn mean(rates: impl IntoIterator<Item = Option<f64>>) -> Option<f64> {
    let v: Vec<f64> = rates.into_iter().flatten().collect();
    (!v.is_empty()).then(|| v.iter().sum::<f64>() / v.len() as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip() {
        for m in Mark::ALL {
            assert_eq!(mark_of_code(mark_code(Some(m))), Some(m));
        }
        assert_eq!(mark_code(None), UNANSWERED);
        assert_eq!(mark_of_code(INHERITED), None);
    }

    #[test]
    fn effective_marks_overlay_the_plant() {
        let e = effective_marks("Oi.X", Some("XDCNO"), true, 6);
        assert_eq!(
            e,
            [
                Some(Mark::Implemented),
                Some(Mark::Deferred),
                None,
                Some(Mark::NotConsidered),
                Some(Mark::Implemented),
                None
            ]
        );
        // Not inheriting: past the end is unanswered, the parent is ignored.
        assert_eq!(
            effective_marks("O", Some("XX"), false, 2),
            [Some(Mark::Implemented), None]
        );
    }

    #[test]
    fn pools_rate_and_mean() {
        let m = [
            Some(Mark::Implemented),
            Some(Mark::NotApplicable),
            None,
            Some(Mark::Deferred),
        ];
        let p = Pool::of(&m, |_| true);
        assert_eq!((p.items, p.implemented, p.not_applicable), (4, 1, 1));
        assert_eq!(p.rate(), Some(1.0 / 3.0));
        let mut q = Pool::of(&m, |i| i == 1);
        assert_eq!(q.rate(), None);
        q.add(p);
        assert_eq!(q.rate(), Some(1.0 / 3.0));
        assert_eq!(mean([Some(0.5), None, Some(1.0)]), Some(0.75));
        assert_eq!(mean([None]), None);
    }
}
