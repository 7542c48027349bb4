//! kojo's domain: pure types and rules, no I/O and no async.
//!
//! Parse, don't validate: a [`Mark`] is one of five; an [`Answer`] cannot be built without the
//! fields its mark requires; a [`FiscalYear`] is a Japanese fiscal year in a sane range; an
//! [`ItemNo`] exists in the catalog. Errors name the offending field in Japanese and English.
#![deny(missing_docs)]

mod answer;
mod assessment;
mod content;
mod cycle;
mod mark;
pub mod migrate;
mod period;
pub mod portfolio;
pub mod register;
mod role;
mod scoring;
mod stored;
mod text;

pub use answer::*;
pub use assessment::*;
pub use content::*;
pub use cycle::*;
pub use mark::*;
pub use period::*;
pub use role::*;
pub use scoring::*;
pub use stored::*;
pub use text::*;

pub use kojo_i18n::Lang;

/// An item number that exists in a given catalog (1..=63 for the factory guideline v0.9).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(transparent)]
pub struct ItemNo(u16);

/// An item number outside the catalog.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", kojo_i18n::both("error.item_out_of_range", &[("item", &self.given), ("max", &self.max)]))]
pub struct ItemOutOfRange {
    /// What was given.
    pub given: String,
    /// The catalog's last item.
    pub max: usize,
}

impl ItemOutOfRange {
    /// The message in one language.
    pub fn message(&self, lang: Lang) -> String {
        kojo_i18n::tr(
            lang,
            "error.item_out_of_range",
            &[("item", &self.given), ("max", &self.max)],
        )
    }
}

impl ItemNo {
    /// Parses `s` as an item number of `catalog` (accepts `16`, `No.16`, `No16`, full-width digits).
    pub fn parse(s: &str, catalog: &kojo_catalog::Catalog) -> Result<Self, ItemOutOfRange> {
        let norm = normalize_width(s.trim());
        let digits = norm
            .trim_start_matches(['N', 'n'])
            .trim_start_matches(['o', 'O'])
            .trim_start_matches('.')
            .trim();
        match digits.parse::<u16>() {
            Ok(n) => Self::new(n, catalog).ok_or(ItemOutOfRange {
                given: s.trim().to_string(),
                max: catalog.item_count(),
            }),
            Err(_) => Err(ItemOutOfRange {
                given: s.trim().to_string(),
                max: catalog.item_count(),
            }),
        }
    }

    /// `n` if the catalog has that item.
    pub fn new(n: u16, catalog: &kojo_catalog::Catalog) -> Option<Self> {
        (n >= 1 && usize::from(n) <= catalog.item_count()).then_some(ItemNo(n))
    }

    /// The number.
    pub fn get(self) -> u16 {
        self.0
    }
}

impl std::fmt::Display for ItemNo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0)
    }
}
