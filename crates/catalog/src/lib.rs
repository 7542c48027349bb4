//! The guideline as data.
//!
//! A [`Catalog`] is one version of the JAMA/JAPIA factory guideline: 17 labels, their objectives
//! and requirements, the 63 items with achievement conditions and criteria, the glossary, errata,
//! cross-references and suggested responsible areas. The data is embedded TOML (see
//! `docs/catalog-format.md`), parsed and validated once per process by [`builtin`].
//!
//! Japanese text is verbatim from the guideline; English is an unofficial translation.
#![deny(missing_docs)]

mod model;
pub mod oscal;
mod validate;

pub use kojo_i18n::Lang;
pub use model::*;

use std::sync::OnceLock;

/// Errors found while loading catalog data.
#[derive(Debug, thiserror::Error)]
pub enum CatalogError {
    /// A data file is not valid TOML or does not match the format.
    #[error("catalog file {file}: {message}")]
    Parse {
        /// The data file.
        file: String,
        /// The parser's message.
        message: String,
    },
    /// The data parsed but breaks an invariant (numbering, references, translations, …).
    #[error("catalog {id}: {problems:?}")]
    Invalid {
        /// The catalog id.
        id: String,
        /// Every problem found.
        problems: Vec<String>,
    },
}

/// The embedded source files of one catalog version: (file name, content).
pub struct Source {
    /// `catalog.toml`.
    pub catalog: &'static str,
    /// `labels/NN.toml`, in order.
    pub labels: &'static [(&'static str, &'static str)],
    /// `glossary.toml`.
    pub glossary: &'static str,
    /// `errata.toml`.
    pub errata: &'static str,
}

macro_rules! labels {
    ($dir:literal: $($n:literal),*) => {
        &[$(($n, include_str!(concat!("../data/", $dir, "/labels/", $n, ".toml")))),*]
    };
}

/// The embedded `jama-japia-factory@0.9` catalog sources.
pub const FACTORY_0_9: Source = Source {
    catalog: include_str!("../data/jama-japia-factory-0.9/catalog.toml"),
    labels: labels!("jama-japia-factory-0.9": "01", "02", "03", "04", "05", "06", "07", "08", "09", "10", "11", "12", "13", "14", "15", "16", "17"),
    glossary: include_str!("../data/jama-japia-factory-0.9/glossary.toml"),
    errata: include_str!("../data/jama-japia-factory-0.9/errata.toml"),
};

/// The id of the catalog kojo uses by default.
pub const DEFAULT_ID: &str = "jama-japia-factory@0.9";

/// Parses and validates catalog sources.
pub fn load(source: &Source) -> Result<Catalog, CatalogError> {
    let catalog = model::parse(source)?;
    validate::validate(&catalog)?;
    Ok(catalog)
}

/// The built-in catalog, parsed and validated once per process.
///
/// The embedded data is checked by the test suite, so a failure here means a broken build; the
/// error is still returned (not panicked) so the binary can report it.
pub fn builtin() -> Result<&'static Catalog, &'static CatalogError> {
    static CELL: OnceLock<Result<Catalog, CatalogError>> = OnceLock::new();
    CELL.get_or_init(|| load(&FACTORY_0_9)).as_ref()
}

/// Looks up a built-in catalog by id (`jama-japia-factory@0.9`).
pub fn by_id(id: &str) -> Option<&'static Catalog> {
    builtin().ok().filter(|c| c.id == id)
}
