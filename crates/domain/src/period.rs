//! Japanese fiscal years (年度): `2026` is April 2026 – March 2027.

use crate::normalize_width;
use chrono::{Datelike, NaiveDate};
use kojo_i18n::Lang;
use serde::{Deserialize, Serialize};

/// A Japanese fiscal year (年度), April to March. Only 2000–2100 exist.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "u16", into = "u16")]
pub struct FiscalYear(u16);

/// Text that is not a fiscal year.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", kojo_i18n::both("error.period_invalid", &[("period", &self.0)]))]
pub struct PeriodError(pub String);

impl PeriodError {
    /// The message in one language.
    pub fn message(&self, lang: Lang) -> String {
        kojo_i18n::tr(lang, "error.period_invalid", &[("period", &self.0)])
    }
}

impl FiscalYear {
    /// Fiscal year `year` (2000–2100).
    pub fn new(year: u16) -> Option<Self> {
        (2000..=2100).contains(&year).then_some(FiscalYear(year))
    }

    /// Parses `2026`, `2026年度`, `FY2026`, `令和8年度`, full-width digits included.
    pub fn parse(s: &str) -> Result<Self, PeriodError> {
        let n = normalize_width(s.trim());
        let n = n.trim_end_matches('度').trim_end_matches('年').trim();
        let year = if let Some(r) = n.strip_prefix("令和") {
            let r = r.trim();
            let k: u16 = if r == "元" {
                1
            } else {
                r.parse().map_err(|_| PeriodError(s.to_string()))?
            };
            2018 + k
        } else {
            let digits = n.trim_start_matches("FY").trim_start_matches("fy").trim();
            digits
                .parse::<u16>()
                .map_err(|_| PeriodError(s.to_string()))?
        };
        Self::new(year).ok_or_else(|| PeriodError(s.to_string()))
    }

    /// The fiscal year containing `date`.
    pub fn containing(date: NaiveDate) -> Self {
        let y = if date.month() >= 4 {
            date.year()
        } else {
            date.year() - 1
        };
        FiscalYear(y.clamp(2000, 2100) as u16)
    }

    /// The year number.
    pub fn year(self) -> u16 {
        self.0
    }

    /// 1 April.
    pub fn start(self) -> NaiveDate {
        NaiveDate::from_ymd_opt(i32::from(self.0), 4, 1).unwrap_or_default()
    }

    /// 31 March of the next year.
    pub fn end(self) -> NaiveDate {
        NaiveDate::from_ymd_opt(i32::from(self.0) + 1, 3, 31).unwrap_or_default()
    }

    /// The next fiscal year (for starting from last year's assessment).
    pub fn next(self) -> Option<Self> {
        Self::new(self.0 + 1)
    }

    /// `2026年度` or `FY2026`.
    pub fn label(self, lang: Lang) -> String {
        kojo_i18n::tr(lang, "period.label", &[("year", &self.0)])
    }
}

impl TryFrom<u16> for FiscalYear {
    type Error = PeriodError;
    fn try_from(y: u16) -> Result<Self, PeriodError> {
        Self::new(y).ok_or_else(|| PeriodError(y.to_string()))
    }
}

impl From<FiscalYear> for u16 {
    fn from(f: FiscalYear) -> u16 {
        f.0
    }
}

impl std::fmt::Display for FiscalYear {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fiscal_years_run_april_to_march() {
        let fy = FiscalYear::parse("2026").unwrap();
        assert_eq!(fy.start(), NaiveDate::from_ymd_opt(2026, 4, 1).unwrap());
        assert_eq!(fy.end(), NaiveDate::from_ymd_opt(2027, 3, 31).unwrap());
        assert_eq!(fy.label(Lang::Ja), "2026年度");
        assert_eq!(
            FiscalYear::containing(NaiveDate::from_ymd_opt(2027, 3, 31).unwrap()),
            fy
        );
        assert_eq!(
            FiscalYear::containing(NaiveDate::from_ymd_opt(2026, 4, 1).unwrap()),
            fy
        );
    }

    #[test]
    fn spellings_parse_and_nonsense_is_refused() {
        for s in ["2026年度", "FY2026", "２０２６", "令和8年度", " 2026 "] {
            assert_eq!(FiscalYear::parse(s).map(FiscalYear::year), Ok(2026), "{s}");
        }
        for s in ["", "26", "abc", "1999", "2101"] {
            assert!(FiscalYear::parse(s).is_err(), "{s}");
        }
    }
}
