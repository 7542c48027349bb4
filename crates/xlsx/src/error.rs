//! Errors of export (one cause) and import (every problem, each naming its sheet and cell).

use kojo_i18n::{Lang, tr};
use std::fmt;

/// Why a checksheet or action list could not be written.
#[derive(Debug, thiserror::Error)]
pub enum XlsxError {
    /// The xlsx writer failed (a text too long for a cell, an internal limit, …).
    #[error("{}", kojo_i18n::both("xlsx.error.write", &[("detail", &.0)]))]
    Write(#[from] rust_xlsxwriter::XlsxError),
    /// The sheet belongs to another catalog than the one given.
    #[error("{}", kojo_i18n::both("xlsx.error.catalog_mismatch", &[("found", &.found), ("expected", &.expected)]))]
    CatalogMismatch {
        /// The sheet's catalog id.
        found: String,
        /// The catalog given.
        expected: String,
    },
    /// The sheet answers an item the catalog does not have.
    #[error("{}", kojo_i18n::both("xlsx.error.unknown_item", &[("item", &.item), ("catalog", &.catalog)]))]
    UnknownItem {
        /// The item number.
        item: u16,
        /// The catalog id.
        catalog: String,
    },
}

/// One problem found while importing a checksheet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CellError {
    /// The worksheet (`チェックシート`, `kojo`, …); empty for problems with the file itself.
    pub sheet: String,
    /// The cell in A1 notation (`H23`), when the problem is in one cell.
    pub cell: Option<String>,
    /// The message in Japanese.
    pub message_ja: String,
    /// The message in English.
    pub message_en: String,
}

impl CellError {
    /// A problem with the file as a whole (not a zip, too large, …).
    pub(crate) fn file(key: &str, args: &[(&str, &dyn fmt::Display)]) -> Self {
        CellError {
            sheet: String::new(),
            cell: None,
            message_ja: tr(Lang::Ja, key, args),
            message_en: tr(Lang::En, key, args),
        }
    }

    /// A problem in `sheet` (at `cell`, if given) with the messages already rendered.
    pub(crate) fn at(sheet: &str, cell: Option<String>, message: impl Fn(Lang) -> String) -> Self {
        CellError {
            sheet: sheet.to_string(),
            cell,
            message_ja: message(Lang::Ja),
            message_en: message(Lang::En),
        }
    }

    /// The message in `lang`.
    pub fn message(&self, lang: Lang) -> &str {
        match lang {
            Lang::Ja => &self.message_ja,
            Lang::En => &self.message_en,
        }
    }

    /// Where the problem is: `チェックシート!H23`, `kojo`, or empty for the file itself.
    pub fn location(&self) -> String {
        match (&self.cell, self.sheet.is_empty()) {
            (Some(cell), false) => format!("{}!{cell}", self.sheet),
            (Some(cell), true) => cell.clone(),
            (None, _) => self.sheet.clone(),
        }
    }
}

impl fmt::Display for CellError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let location = self.location();
        if location.is_empty() {
            write!(f, "{} / {}", self.message_ja, self.message_en)
        } else {
            write!(f, "{location}: {} / {}", self.message_ja, self.message_en)
        }
    }
}

/// Every problem that made an import fail; never empty.
///
/// Displayed as one line per problem, e.g.
/// `チェックシート!J23: □ には見送り理由が必要です / mark □ needs a reason for deferral`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", lines(.0))]
pub struct ImportErrors(Vec<CellError>);

fn lines(errors: &[CellError]) -> String {
    errors
        .iter()
        .map(CellError::to_string)
        .collect::<Vec<_>>()
        .join("\n")
}

impl ImportErrors {
    /// Wraps `errors`; `None` when there are none (an `ImportErrors` is never empty).
    pub(crate) fn new(errors: Vec<CellError>) -> Option<Self> {
        (!errors.is_empty()).then_some(ImportErrors(errors))
    }

    /// A single problem.
    pub(crate) fn one(error: CellError) -> Self {
        ImportErrors(vec![error])
    }

    /// The problems, in sheet order (header first, then rows top to bottom).
    pub fn errors(&self) -> &[CellError] {
        &self.0
    }

    /// Number of problems (at least one).
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Always false: kept for API symmetry with [`ImportErrors::len`].
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The problems as a vector.
    pub fn into_vec(self) -> Vec<CellError> {
        self.0
    }

    /// One line per problem, in `lang` only.
    pub fn message(&self, lang: Lang) -> String {
        self.0
            .iter()
            .map(|e| {
                let location = e.location();
                if location.is_empty() {
                    e.message(lang).to_string()
                } else {
                    format!("{location}: {}", e.message(lang))
                }
            })
            .collect::<Vec<_>>()
            .join("\n")
    }
}

impl IntoIterator for ImportErrors {
    type Item = CellError;
    type IntoIter = std::vec::IntoIter<CellError>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}
