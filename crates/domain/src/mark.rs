//! The five marks of the guideline (section 2).

use kojo_i18n::Lang;
use serde::{Deserialize, Serialize};

/// A mark for one item, as defined in section 2 of the guideline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Mark {
    /// ○ implemented (including an alternative measure).
    Implemented,
    /// □ deferred / in preparation (including risk accepted).
    Deferred,
    /// △ under consideration.
    Considering,
    /// × not considered.
    NotConsidered,
    /// － not applicable (no such equipment, device or service).
    NotApplicable,
}

impl Mark {
    /// All marks in the guideline's order.
    pub const ALL: [Mark; 5] = [
        Mark::Implemented,
        Mark::Deferred,
        Mark::Considering,
        Mark::NotConsidered,
        Mark::NotApplicable,
    ];

    /// The symbol exactly as the guideline prints it: ○ U+25CB, □ U+25A1, △ U+25B3, × U+00D7, － U+FF0D.
    pub fn symbol(self) -> &'static str {
        match self {
            Mark::Implemented => "\u{25CB}",
            Mark::Deferred => "\u{25A1}",
            Mark::Considering => "\u{25B3}",
            Mark::NotConsidered => "\u{00D7}",
            Mark::NotApplicable => "\u{FF0D}",
        }
    }

    /// Stable key used in storage and URLs.
    pub fn key(self) -> &'static str {
        match self {
            Mark::Implemented => "implemented",
            Mark::Deferred => "deferred",
            Mark::Considering => "considering",
            Mark::NotConsidered => "not_considered",
            Mark::NotApplicable => "not_applicable",
        }
    }

    /// The short CLI alias (`ok`, `defer`, `consider`, `no`, `na`).
    pub fn alias(self) -> &'static str {
        match self {
            Mark::Implemented => "ok",
            Mark::Deferred => "defer",
            Mark::Considering => "consider",
            Mark::NotConsidered => "no",
            Mark::NotApplicable => "na",
        }
    }

    /// Position in [`Mark::ALL`].
    pub fn index(self) -> usize {
        self as usize
    }

    /// Whether the mark leaves a residual risk to be reviewed yearly (□ △ ×).
    pub fn is_residual_risk(self) -> bool {
        matches!(
            self,
            Mark::Deferred | Mark::Considering | Mark::NotConsidered
        )
    }

    /// Short name in `lang` (実施済み / Implemented …).
    pub fn name(self, lang: Lang) -> &'static str {
        kojo_i18n::t(lang, &format!("mark.{}.name", self.key()))
    }

    /// Parses a mark as people and spreadsheets write it: the five symbols, their full-width,
    /// half-width and look-alike variants, the aliases and the keys.
    pub fn parse(input: &str) -> Result<Mark, MarkParseError> {
        let s = input
            .trim()
            .trim_matches(|c: char| c.is_whitespace() || c == '\u{3000}');
        let mark = match s {
            // ○ and look-alikes: white circle, large circle, ideographic zero, latin/fullwidth o.
            "\u{25CB}" | "\u{25EF}" | "\u{3007}" | "\u{26AA}" | "\u{25E6}" | "o" | "O"
            | "\u{FF4F}" | "\u{FF2F}" | "0" | "\u{FF10}" => Mark::Implemented,
            // □ and look-alikes.
            "\u{25A1}" | "\u{25FB}" | "\u{2610}" | "\u{25A2}" | "\u{2B1C}" | "\u{25FD}" => {
                Mark::Deferred
            }
            // △ and look-alikes.
            "\u{25B3}" | "\u{25B5}" | "\u{2206}" | "\u{22BF}" | "\u{1F6C6}" => Mark::Considering,
            // × and look-alikes.
            "\u{00D7}" | "\u{2715}" | "\u{2716}" | "\u{2573}" | "\u{2717}" | "\u{2A2F}" | "x"
            | "X" | "\u{FF58}" | "\u{FF38}" => Mark::NotConsidered,
            // － and dash/long-vowel look-alikes.
            "\u{FF0D}" | "-" | "\u{FF70}" | "\u{30FC}" | "\u{2212}" | "\u{2010}" | "\u{2011}"
            | "\u{2012}" | "\u{2013}" | "\u{2014}" | "\u{2015}" | "\u{2500}" | "\u{FE63}"
            | "\u{2E3A}" => Mark::NotApplicable,
            other => match other.to_ascii_lowercase().as_str() {
                "ok" | "implemented" | "done" => Mark::Implemented,
                "defer" | "deferred" => Mark::Deferred,
                "consider" | "considering" => Mark::Considering,
                "no" | "not_considered" | "not-considered" => Mark::NotConsidered,
                "na" | "n/a" | "not_applicable" | "not-applicable" => Mark::NotApplicable,
                _ => return Err(MarkParseError(input.to_string())),
            },
        };
        Ok(mark)
    }
}

impl std::fmt::Display for Mark {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.symbol())
    }
}

/// Text that is not one of the five marks.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", kojo_i18n::both("error.mark_unknown", &[("mark", &self.0)]))]
pub struct MarkParseError(pub String);

impl MarkParseError {
    /// The message in one language.
    pub fn message(&self, lang: Lang) -> String {
        kojo_i18n::tr(lang, "error.mark_unknown", &[("mark", &self.0)])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn symbols_are_the_guideline_code_points() {
        let cps: Vec<u32> = Mark::ALL
            .iter()
            .map(|m| m.symbol().chars().next().unwrap() as u32)
            .collect();
        assert_eq!(cps, [0x25CB, 0x25A1, 0x25B3, 0x00D7, 0xFF0D]);
    }

    #[test]
    fn variants_and_aliases_parse() {
        for (s, m) in [
            ("○", Mark::Implemented),
            ("◯", Mark::Implemented),
            ("〇", Mark::Implemented),
            (" ok ", Mark::Implemented),
            ("□", Mark::Deferred),
            ("defer", Mark::Deferred),
            ("☐", Mark::Deferred),
            ("△", Mark::Considering),
            ("consider", Mark::Considering),
            ("×", Mark::NotConsidered),
            ("x", Mark::NotConsidered),
            ("✕", Mark::NotConsidered),
            ("NO", Mark::NotConsidered),
            ("－", Mark::NotApplicable),
            ("ｰ", Mark::NotApplicable),
            ("-", Mark::NotApplicable),
            ("ー", Mark::NotApplicable),
            ("na", Mark::NotApplicable),
            ("\u{3000}○\u{3000}", Mark::Implemented),
        ] {
            assert_eq!(Mark::parse(s), Ok(m), "{s:?}");
        }
        for m in Mark::ALL {
            assert_eq!(Mark::parse(m.symbol()), Ok(m));
            assert_eq!(Mark::parse(m.alias()), Ok(m));
            assert_eq!(Mark::parse(m.key()), Ok(m));
        }
    }

    #[test]
    fn unknown_marks_are_refused_with_a_bilingual_message() {
        let e = Mark::parse("◎").unwrap_err();
        assert!(e.to_string().contains("◎"));
        assert!(Mark::parse("").is_err());
        assert!(e.message(Lang::En).contains("mark"));
    }
}
