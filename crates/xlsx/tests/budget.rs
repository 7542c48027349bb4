//! The memory budget of an import: at most 100 MiB of heap at peak, on every hostile case the
//! suite knows (`common/hostile.rs`), measured with a counting global allocator.
//!
//! One test, run sequentially, so nothing else allocates while an import is measured. It
//! asserts on memory only, never on time.

mod common;
#[path = "common/counting_alloc.rs"]
mod counting_alloc;

use common::catalog;
use counting_alloc::{BUDGET, Counting, measure, mib, peak_rss};
use kojo_xlsx::{MAX_FILE_BYTES, import};

#[global_allocator]
static ALLOC: Counting = Counting;

#[test]
fn import_peak_heap_stays_within_budget() {
    let mut over = Vec::new();
    let cases = common::hostile::all();
    for (name, build) in &cases {
        let bytes = build();
        assert!(
            bytes.len() <= MAX_FILE_BYTES,
            "{name}: {} bytes",
            bytes.len()
        );
        let (result, peak) = measure(|| import(&bytes, catalog()));
        let outcome = match &result {
            Ok(_) => "imported".to_string(),
            Err(e) => format!("refused: {}", e.message(kojo_xlsx::Lang::En)),
        };
        let outcome: String = outcome.chars().take(100).collect();
        println!(
            "budget {name}: peak heap {} (input {} KiB) — {outcome}",
            mib(peak),
            bytes.len() / 1024
        );
        if peak > BUDGET {
            over.push(format!("{name}: {}", mib(peak)));
        }
    }
    // The counter sees the import's allocations: a normal import must register some.
    let filled = common::hostile::filled_ja();
    let (_, normal) = measure(|| import(&filled, catalog()));
    assert!(normal > 0, "the counting allocator counts nothing");
    println!(
        "budget: {} cases, peak RSS {}",
        cases.len(),
        peak_rss().map(mib).unwrap_or_else(|| "unknown".into())
    );
    assert!(over.is_empty(), "imports over the 100 MiB budget: {over:?}");
}
