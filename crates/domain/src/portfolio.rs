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
use std::collections::BTreeMap;

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

/// The heatmap's colour scale: a single-hue blue sequence (ColorBrewer "Blues", readable by
/// colour-blind readers and in grey), darker for a higher rate, with the text colour that keeps
/// contrast ≥ 4.5:1 on each. Classes `h0` (below 20 %) … `h4` (80 % and more).
pub const HEAT: [(&str, &str); 5] = [
    ("#EFF3FF", "#1B1F24"),
    ("#C6DBEF", "#1B1F24"),
    ("#6BAED6", "#1B1F24"),
    ("#2171B5", "#FFFFFF"),
    ("#08306B", "#FFFFFF"),
];

/// The heatmap class of a rate: 0–4 (see [`HEAT`]), `None` without a rate.
pub fn heat_class(rate: Option<f64>) -> Option<usize> {
    rate.filter(|r| r.is_finite())
        .map(|r| ((r * 5.0).floor() as i64).clamp(0, 4) as usize)
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

/// One plant's or line's figure for the year.
#[derive(Debug, Clone, serde::Serialize)]
pub struct PortfolioRow {
    /// Company code.
    pub company: String,
    /// Plant code.
    pub site: String,
    /// Plant name.
    pub site_name: String,
    /// Line code (a child of its plant's row), `None` for the plant.
    pub line: Option<String>,
    /// Line name.
    pub line_name: Option<String>,
    /// Fiscal year.
    pub period: i64,
    /// The assessment (its latest revision), if any.
    pub assessment: Option<String>,
    /// Its revision.
    pub revision: Option<i64>,
    /// `not_started`, `by_lines` (a plant assessed only by its lines, whose answers are pooled
    /// as its figure), or the assessment's status key.
    pub status: String,
    /// Overall rate over the selected items.
    pub rate: Option<f64>,
    /// Rate per label (the selected labels), keyed by label number.
    pub labels: BTreeMap<String, Option<f64>>,
    /// The counts behind `rate`.
    pub pool: Pool,
    /// A line that inherits from its plant.
    pub inherits: bool,
    /// Received from a supplier (「受領」): read-only, outside this installation's own cycle.
    pub received: bool,
    /// □ past their review-by date.
    pub overdue_reviews: i64,
    /// Actions past due.
    pub overdue_actions: i64,
}

/// Pooled figures of a set of plants.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Aggregate {
    /// Company code (`None`: every plant shown).
    pub company: Option<String>,
    /// Company name.
    pub name: Option<String>,
    /// Σ○ ÷ Σ(items − －) over the plants' figures.
    pub rate: Option<f64>,
    /// The mean of the plants' rates.
    pub mean_of_plant_rates: Option<f64>,
    /// Pooled rate per label.
    pub labels: BTreeMap<String, Option<f64>>,
    /// Plants with a figure / plants.
    pub plants_with_figure: usize,
    /// Plants.
    pub plants: usize,
}

/// One plant's (or the company's) rate over the fiscal years.
#[derive(Debug, Clone, serde::Serialize)]
pub struct TrendSeries {
    /// Plant code, or company code for a company's series.
    pub code: String,
    /// Name.
    pub name: String,
    /// A company's pooled series (else a plant's).
    pub company: bool,
    /// (fiscal year, rate), every year of [`Portfolio::periods`].
    pub points: Vec<(i64, Option<f64>)>,
}

/// An item often □ △ × across the plants.
#[derive(Debug, Clone, serde::Serialize)]
pub struct WeakItem {
    /// Item number.
    pub item: u16,
    /// Its label.
    pub label: u16,
    /// Plants (or lines of plants assessed by line) where it is □ △ ×.
    pub count: usize,
    /// How many of each: □, △, ×.
    pub deferred: usize,
    /// △.
    pub considering: usize,
    /// ×.
    pub not_considered: usize,
    /// Where: plant codes (`P1/L1` for a line).
    pub plants: Vec<String>,
}

/// The portfolio for one fiscal year.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Portfolio {
    /// The fiscal year shown.
    pub period: i64,
    /// Every fiscal year with an assessment (ascending): the trend's axis and the year filter.
    pub periods: Vec<i64>,
    /// The labels shown (all, or the one filtered).
    pub labels: Vec<u16>,
    /// Companies the actor may see (the company filter).
    pub companies: Vec<Company>,
    /// Plants, each followed by its lines, by company and code.
    pub plants: Vec<PortfolioRow>,
    /// Every plant shown, pooled.
    pub aggregate: Aggregate,
    /// Per company shown, pooled.
    pub company_aggregates: Vec<Aggregate>,
    /// Rates over the years: each plant, then each company.
    pub trend: Vec<TrendSeries>,
    /// The items most often □ △ × this year, most first (at most 10).
    pub weakest: Vec<WeakItem>,
}

/// A company, as the portfolio names it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Company {
    /// Code.
    pub code: String,
    /// Name.
    pub name: String,
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
