//! Registers (台帳): canonical values of ledger cells and the rule set that reads the ledgers,
//! their reviews and the periodic activities to suggest marks (see `kojo_catalog::registers`
//! for the kinds and fields, which are data).

pub mod facts;
pub mod plan;
pub mod rules;
pub mod snapshot;
pub mod value;

pub use rules::{Facts, Finding, Problem, Suggestion, suggest};
pub use snapshot::{Snapshot, SnapshotBasis, SnapshotItem};
pub use value::{ValueError, ValueProblem};
