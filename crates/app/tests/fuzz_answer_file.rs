//! Fuzzing the JSON answer file of `kojo assessment apply` (`kojo_app::parse_answer_file`):
//! real answer files mutated (structure, keys, values, nesting, numbers, encodings) and raw
//! bytes. It must never panic, and whatever it is given stays within the documented budget.
//!
//! The suite runs a small seeded run; `scripts/fuzz` runs `KOJO_FUZZ_CASES` (≥ 100,000) cases.
//! `KOJO_FUZZ_SEED` picks another seed. The closing line reports cases, crashes and peak RSS.

use proptest::prelude::*;
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};

fn cases() -> u32 {
    std::env::var("KOJO_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(400)
}

fn seed() -> [u8; 32] {
    let n: u64 = std::env::var("KOJO_FUZZ_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0x6b6f6a6f);
    let mut s = [0u8; 32];
    s[..8].copy_from_slice(&n.to_le_bytes());
    s
}

fn peak_rss_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok())
        })
        .map(|kb| kb / 1024.0)
        .unwrap_or(f64::NAN)
}

const KEYS: &[&str] = &[
    "item",
    "mark",
    "alternative_flagged",
    "alternative",
    "reason",
    "review_by",
    "accepted_by",
    "progress",
    "status",
    "target_date",
    "na_reason",
    "note",
    "na_reson",
    "",
    "item\u{0}",
];
const MARKS: &[&str] = &[
    "○", "□", "△", "×", "－", "ok", "defer", "na", "◯", "-", "x", "",
];

fn value() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::sample::select(MARKS).prop_map(|m| format!("{m:?}")),
        any::<i64>().prop_map(|n| n.to_string()),
        any::<f64>().prop_map(|f| format!("{f:?}")),
        Just("1e400".to_string()),
        Just("-0".to_string()),
        Just("null".to_string()),
        Just("true".to_string()),
        "\\PC{0,40}".prop_map(|s| format!("{s:?}")),
        (1usize..5000).prop_map(|n| format!("\"{}\"", "字".repeat(n))),
        Just("\"2027-03-31\"".to_string()),
        Just("\"2027年3月31日\"".to_string()),
        (1usize..300).prop_map(|d| format!("{}1{}", "[".repeat(d), "]".repeat(d))),
        (1usize..300).prop_map(|d| format!(
            "{}{}",
            "{\"a\":".repeat(d),
            "1".to_string() + &"}".repeat(d)
        )),
        Just("\"\\ud800\"".to_string()),
    ]
}

fn entry() -> impl Strategy<Value = String> {
    prop::collection::vec((prop::sample::select(KEYS), value()), 0..8).prop_map(|kv| {
        let body: Vec<String> = kv.iter().map(|(k, v)| format!("{k:?}: {v}")).collect();
        format!("{{{}}}", body.join(", "))
    })
}

fn file() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        // Well-formed arrays of (mostly wrong) entries, sometimes very many.
        (prop::collection::vec(entry(), 0..20), 1usize..400).prop_map(|(es, rep)| {
            let mut all = Vec::new();
            for _ in 0..rep.min(if es.is_empty() { 1 } else { 1_200 / es.len().max(1) }) {
                all.extend(es.iter().cloned());
            }
            format!("[{}]", all.join(",")).into_bytes()
        }),
        // A valid file, then cut or corrupted at a random place.
        (any::<prop::sample::Index>(), any::<u8>(), any::<bool>()).prop_map(|(at, byte, cut)| {
            let mut f = r#"[{"item": 1, "mark": "○"}, {"item": "2", "mark": "□", "reason": "予算", "review_by": "2027-03-31"}, {"item": 5, "mark": "－", "na_reason": "無線なし"}]"#.as_bytes().to_vec();
            let i = at.index(f.len());
            if cut { f.truncate(i) } else { f[i] = byte }
            f
        }),
        // Encodings: BOMs, UTF-16, invalid UTF-8.
        Just(b"\xef\xbb\xbf[{\"item\":1,\"mark\":\"ok\"}]".to_vec()),
        Just(b"\xff\xfe[\x00{\x00}\x00]\x00".to_vec()),
        prop::collection::vec(any::<u8>(), 0..512),
        // Not an array at all.
        value().prop_map(String::into_bytes),
    ]
}

#[test]
fn fuzz_answer_file() {
    let catalog = kojo_catalog::builtin().unwrap();
    let n = cases();
    let mut runner = TestRunner::new_with_rng(
        Config {
            cases: n,
            failure_persistence: None,
            ..Config::default()
        },
        TestRng::from_seed(RngAlgorithm::ChaCha, &seed()),
    );
    let ran = std::sync::atomic::AtomicU64::new(0);
    let result = runner.run(&file(), |bytes| {
        ran.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let outcome = std::panic::catch_unwind(|| kojo_app::parse_answer_file(&bytes, catalog));
        prop_assert!(
            outcome.is_ok(),
            "panicked on {:?}",
            String::from_utf8_lossy(&bytes)
        );
        if let Ok(Ok(answers)) = outcome {
            prop_assert!(answers.len() <= kojo_app::MAX_ANSWER_ENTRIES);
        }
        Ok(())
    });
    let crashes = u32::from(result.is_err());
    println!(
        "fuzz answer_file: cases {}, crashes {crashes}, peak RSS {:.1} MiB",
        ran.into_inner(),
        peak_rss_mib()
    );
    result.unwrap();
}
