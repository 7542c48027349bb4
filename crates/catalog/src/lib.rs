//! The guideline as data.
//!
//! A [`Catalog`] is one version of the JAMA/JAPIA factory guideline: 17 labels, their objectives
//! and requirements, the 63 items with achievement conditions and criteria, the glossary, errata,
//! cross-references and suggested responsible areas. The data is embedded TOML (see
//! `docs/catalog-format.md`), parsed and validated once per process by [`builtin`].
//!
//! Japanese text is verbatim from the guideline; English is an unofficial translation.
#![deny(missing_docs)]

pub mod diff;
pub mod mapping;
mod model;
pub mod oscal;
pub mod registers;
mod validate;

pub use mapping::{Change, MappedItem, Mapping};
pub use registers::Registers;

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
    /// `registers.toml` and `activities.toml`, where the version has them.
    pub registers: Option<(&'static str, &'static str)>,
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
    registers: Some((
        include_str!("../data/jama-japia-factory-0.9/registers.toml"),
        include_str!("../data/jama-japia-factory-0.9/activities.toml"),
    )),
};

/// The embedded test catalog `jama-japia-factory@0.9-test`: a small fictitious edit of 0.9
/// (one item reworded, two merged, one split, one removed, one new) that proves the version
/// machinery. It is not a guideline version; see [`TEST_CATALOG_HOOK`].
pub const FACTORY_0_9_TEST: Source = Source {
    catalog: include_str!("../data/jama-japia-factory-0.9-test/catalog.toml"),
    labels: &[
        (
            "01",
            include_str!("../data/jama-japia-factory-0.9/labels/01.toml"),
        ),
        (
            "02",
            include_str!("../data/jama-japia-factory-0.9/labels/02.toml"),
        ),
        (
            "03",
            include_str!("../data/jama-japia-factory-0.9/labels/03.toml"),
        ),
        (
            "04",
            include_str!("../data/jama-japia-factory-0.9/labels/04.toml"),
        ),
        (
            "05",
            include_str!("../data/jama-japia-factory-0.9/labels/05.toml"),
        ),
        (
            "06",
            include_str!("../data/jama-japia-factory-0.9/labels/06.toml"),
        ),
        (
            "07",
            include_str!("../data/jama-japia-factory-0.9/labels/07.toml"),
        ),
        (
            "08",
            include_str!("../data/jama-japia-factory-0.9/labels/08.toml"),
        ),
        (
            "09",
            include_str!("../data/jama-japia-factory-0.9/labels/09.toml"),
        ),
        (
            "10",
            include_str!("../data/jama-japia-factory-0.9/labels/10.toml"),
        ),
        (
            "11",
            include_str!("../data/jama-japia-factory-0.9/labels/11.toml"),
        ),
        (
            "12",
            include_str!("../data/jama-japia-factory-0.9/labels/12.toml"),
        ),
        (
            "13",
            include_str!("../data/jama-japia-factory-0.9/labels/13.toml"),
        ),
        (
            "14",
            include_str!("../data/jama-japia-factory-0.9/labels/14.toml"),
        ),
        (
            "15",
            include_str!("../data/jama-japia-factory-0.9/labels/15.toml"),
        ),
        (
            "16",
            include_str!("../data/jama-japia-factory-0.9-test/labels/16.toml"),
        ),
        (
            "17",
            include_str!("../data/jama-japia-factory-0.9-test/labels/17.toml"),
        ),
    ],
    glossary: include_str!("../data/jama-japia-factory-0.9/glossary.toml"),
    errata: include_str!("../data/jama-japia-factory-0.9-test/errata.toml"),
    registers: None,
};

/// The embedded mappings between catalog versions: (file name, content).
pub const MAPPINGS: &[(&str, &str)] = &[(
    "jama-japia-factory@0.9--jama-japia-factory@0.9-test.toml",
    include_str!("../data/mappings/jama-japia-factory@0.9--jama-japia-factory@0.9-test.toml"),
)];

/// The id of the catalog kojo uses by default.
pub const DEFAULT_ID: &str = "jama-japia-factory@0.9";

/// The id of the test catalog.
pub const TEST_ID: &str = "jama-japia-factory@0.9-test";

/// The environment variable that lists the test catalog (`1`). A test hook: kojo's own tests set
/// it so the version machinery runs end to end; nobody else should.
pub const TEST_CATALOG_HOOK: &str = "KOJO_TEST_CATALOG";

/// Parses and validates catalog sources.
pub fn load(source: &Source) -> Result<Catalog, CatalogError> {
    let mut catalog = model::parse(source)?;
    validate::validate(&catalog)?;
    if let Some((registers, activities)) = source.registers {
        catalog.registers = Some(Registers::load(&catalog, registers, activities)?);
    }
    Ok(catalog)
}

/// Every embedded catalog (the test catalog included), parsed and validated once per process,
/// oldest first.
fn embedded() -> Result<&'static [Catalog], &'static CatalogError> {
    static CELL: OnceLock<Result<Vec<Catalog>, CatalogError>> = OnceLock::new();
    CELL.get_or_init(|| {
        [&FACTORY_0_9, &FACTORY_0_9_TEST]
            .into_iter()
            .map(load)
            .collect()
    })
    .as_ref()
    .map(Vec::as_slice)
}

static TEST_CATALOG_ENABLED: std::sync::atomic::AtomicBool =
    std::sync::atomic::AtomicBool::new(false);

fn test_hook() -> bool {
    static CELL: OnceLock<bool> = OnceLock::new();
    TEST_CATALOG_ENABLED.load(std::sync::atomic::Ordering::Relaxed)
        || *CELL.get_or_init(|| std::env::var(TEST_CATALOG_HOOK).is_ok_and(|v| v == "1"))
}

/// Lists the test catalog from now on in this process, as [`TEST_CATALOG_HOOK`] does: for test
/// suites that run in-process (an `App` opened afterwards sees it).
pub fn enable_test_catalog_for_tests() {
    TEST_CATALOG_ENABLED.store(true, std::sync::atomic::Ordering::Relaxed);
}

/// The built-in catalog kojo uses for new assessments, parsed and validated once per process.
///
/// The embedded data is checked by the test suite, so a failure here means a broken build; the
/// error is still returned (not panicked) so the binary can report it.
pub fn builtin() -> Result<&'static Catalog, &'static CatalogError> {
    Ok(embedded()?
        .iter()
        .find(|c| c.id == DEFAULT_ID)
        .expect("the default catalog is embedded"))
}

/// The test catalog, whether or not the hook lists it (for tests of this crate and its users).
pub fn test_catalog() -> Result<&'static Catalog, &'static CatalogError> {
    Ok(embedded()?
        .iter()
        .find(|c| c.id == TEST_ID)
        .expect("the test catalog is embedded"))
}

/// The catalogs users can pick, oldest first: the guideline versions, and the test catalog when
/// [`TEST_CATALOG_HOOK`] is set.
pub fn available() -> Result<Vec<&'static Catalog>, &'static CatalogError> {
    let hook = test_hook();
    Ok(embedded()?
        .iter()
        .filter(|c| hook || c.id != TEST_ID)
        .collect())
}

/// Looks up an available catalog by id (`jama-japia-factory@0.9`).
pub fn by_id(id: &str) -> Option<&'static Catalog> {
    available().ok()?.into_iter().find(|c| c.id == id)
}

/// Looks up an available catalog by id or by version alone (`0.9`, `0.9-test`).
pub fn find(id_or_version: &str) -> Option<&'static Catalog> {
    let s = id_or_version.trim();
    available()
        .ok()?
        .into_iter()
        .find(|c| c.id == s || c.version == s)
}

/// The mapping from catalog `from` to catalog `to` (ids), if one is embedded and both are
/// available.
pub fn mapping(from: &str, to: &str) -> Option<&'static Mapping> {
    let (f, t) = (by_id(from)?, by_id(to)?);
    mappings()
        .ok()?
        .iter()
        .find(|m| m.from == f.id && m.to == t.id)
}

/// Every embedded mapping, parsed and checked against both of its catalogs once per process.
pub fn mappings() -> Result<&'static [Mapping], &'static CatalogError> {
    static CELL: OnceLock<Result<Vec<Mapping>, CatalogError>> = OnceLock::new();
    CELL.get_or_init(|| {
        let all = embedded().map_err(|e| CatalogError::Invalid {
            id: "mappings".into(),
            problems: vec![e.to_string()],
        })?;
        let get = |id: &str, file: &str| {
            all.iter()
                .find(|c| c.id == id)
                .ok_or_else(|| CatalogError::Parse {
                    file: file.to_string(),
                    message: format!("no embedded catalog {id}"),
                })
        };
        MAPPINGS
            .iter()
            .map(|(file, src)| {
                let raw = mapping::parse(file, src)?;
                let from = get(&raw.from, file)?;
                let to = get(&raw.to, file)?;
                Mapping::check(raw, from, to)
            })
            .collect()
    })
    .as_ref()
    .map(Vec::as_slice)
}
