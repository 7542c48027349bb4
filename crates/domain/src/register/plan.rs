//! The year plan of periodic activities (年間活動): per activity, the periods of a fiscal year
//! and whether each is done, due, overdue or still ahead, as of a date.

use chrono::{Datelike, Months, NaiveDate};
use kojo_catalog::registers::{ActivityKind, Frequency};
use serde::Serialize;

/// Where one period of an activity stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum PeriodState {
    /// Done at least once within the period.
    Done,
    /// The period is running and nothing is recorded yet.
    Due,
    /// The period ended with nothing recorded.
    Overdue,
    /// The period has not started.
    Ahead,
}

impl PeriodState {
    /// The stable key (`overdue`).
    pub fn key(self) -> &'static str {
        match self {
            PeriodState::Done => "done",
            PeriodState::Due => "due",
            PeriodState::Overdue => "overdue",
            PeriodState::Ahead => "ahead",
        }
    }
}

/// One period of an activity in a fiscal year.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Period {
    /// First day.
    pub from: NaiveDate,
    /// Last day.
    pub to: NaiveDate,
    /// Where it stands.
    pub state: PeriodState,
    /// The days it was done within the period.
    pub done_on: Vec<NaiveDate>,
}

/// The periods of fiscal year `fy` (April `fy` to March `fy + 1`) for `frequency`.
pub fn periods(fy: i32, frequency: Frequency) -> Vec<(NaiveDate, NaiveDate)> {
    let Some(start) = NaiveDate::from_ymd_opt(fy, 4, 1) else {
        return Vec::new();
    };
    let n = frequency.per_year();
    let len = 12 / n;
    (0..n)
        .filter_map(|i| {
            let from = start.checked_add_months(Months::new(i * len))?;
            let to = from.checked_add_months(Months::new(len))?.pred_opt()?;
            Some((from, to))
        })
        .collect()
}

/// The periods of `activity` in fiscal year `fy` as of `as_of`, given the days it was done.
pub fn plan(activity: &ActivityKind, fy: i32, done: &[NaiveDate], as_of: NaiveDate) -> Vec<Period> {
    periods(fy, activity.frequency)
        .into_iter()
        .map(|(from, to)| {
            let mut done_on: Vec<NaiveDate> = done
                .iter()
                .copied()
                .filter(|d| (from..=to).contains(d) && *d <= as_of)
                .collect();
            done_on.sort();
            let state = if !done_on.is_empty() {
                PeriodState::Done
            } else if as_of > to {
                PeriodState::Overdue
            } else if as_of >= from {
                PeriodState::Due
            } else {
                PeriodState::Ahead
            };
            Period {
                from,
                to,
                state,
                done_on,
            }
        })
        .collect()
}

/// The first and last day of fiscal year `fy`.
pub fn fiscal_year_bounds(fy: i32) -> Option<(NaiveDate, NaiveDate)> {
    Some((
        NaiveDate::from_ymd_opt(fy, 4, 1)?,
        NaiveDate::from_ymd_opt(fy + 1, 3, 31)?,
    ))
}

/// The fiscal year of `d` (April–March).
pub fn fiscal_year(d: NaiveDate) -> i32 {
    if d.month() >= 4 {
        d.year()
    } else {
        d.year() - 1
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn activity(frequency: Frequency) -> ActivityKind {
        ActivityKind {
            id: "x".into(),
            item: 34,
            name: kojo_catalog::Text {
                ja: "x".into(),
                en: "x".into(),
            },
            frequency,
            quote: String::new(),
        }
    }

    #[test]
    fn periods_split_the_fiscal_year() {
        assert_eq!(
            periods(2026, Frequency::Yearly),
            [(d("2026-04-01"), d("2027-03-31"))]
        );
        let half = periods(2026, Frequency::HalfYearly);
        assert_eq!(half[1], (d("2026-10-01"), d("2027-03-31")));
        let months = periods(2026, Frequency::Monthly);
        assert_eq!(months.len(), 12);
        assert_eq!(months[10], (d("2027-02-01"), d("2027-02-28")));
        assert_eq!(periods(2026, Frequency::Quarterly)[3].1, d("2027-03-31"));
    }

    #[test]
    fn a_period_is_done_due_overdue_or_ahead() {
        let a = activity(Frequency::Monthly);
        let p = plan(
            &a,
            2026,
            &[d("2026-04-15"), d("2026-07-01")],
            d("2026-06-10"),
        );
        let states: Vec<PeriodState> = p.iter().take(4).map(|p| p.state).collect();
        assert_eq!(
            states,
            [
                PeriodState::Done,
                PeriodState::Overdue,
                PeriodState::Due,
                PeriodState::Ahead
            ],
            "July's record is after the as-of date"
        );
        // The last day of a period is still due; the day after, overdue.
        let y = activity(Frequency::Yearly);
        assert_eq!(
            plan(&y, 2025, &[], d("2026-03-31"))[0].state,
            PeriodState::Due
        );
        assert_eq!(
            plan(&y, 2025, &[], d("2026-04-01"))[0].state,
            PeriodState::Overdue
        );
        assert_eq!(
            plan(&y, 2025, &[], d("2025-03-31"))[0].state,
            PeriodState::Ahead
        );
        assert_eq!(fiscal_year(d("2026-03-31")), 2025);
    }
}
