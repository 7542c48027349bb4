//! `fuzz_ledger_import`: mutated ledgers (CSV in UTF-8 and Shift_JIS, and xlsx) must never
//! panic the ledger reader or the value parsers behind it, nor take a read over its memory
//! budget (200 MiB of heap). A read may refuse a file; that is fine.
//!
//! Deterministic like `fuzz.rs`: proptest strategies driven by a fixed seed; `KOJO_FUZZ_CASES`
//! and `KOJO_FUZZ_SEED` as there (`scripts/fuzz` runs both harnesses long).

mod common;
#[path = "common/counting_alloc.rs"]
mod counting_alloc;

use common::{catalog, unzip, zip_entries};
use counting_alloc::{Counting, measure, mib, peak_rss};
use kojo_domain::register::value;
use kojo_xlsx::Lang;
use kojo_xlsx::ledger::{CsvEncoding, read_any};
use kojo_xlsx::register::{EntryValues, register_csv, register_xlsx};
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
use std::panic::{AssertUnwindSafe, catch_unwind};

#[global_allocator]
static ALLOC: Counting = Counting;

const DEFAULT_CASES: u64 = 300;
const DEFAULT_SEED: u64 = 0x6c65_6467_6572_6b6a; // "ledgerkj"
const LEDGER_BUDGET: usize = 200 * 1024 * 1024;

/// Bytes that matter to CSV, encodings and XML.
const TOKENS: &[&[u8]] = &[
    b"\"",
    b",",
    b"\r\n",
    b"\n",
    b"\r",
    b"\xEF\xBB\xBF",
    b"\x81",
    b"\x82\xA0",
    b"\xFF\xFE",
    b"\x00",
    b"<row r=\"100001\">",
    b"<c r=\"XFD1\" t=\"s\"><v>99999999</v></c>",
    b"<c r=\"A2\" t=\"inlineStr\"><is><t>",
    b"</t></is></c>",
    b"&#x0;",
    b"&amp;",
    b"2026/13/45",
    b"R99.99.99",
    b"999.999.999.999/99",
    b"65536-1",
    b"'=cmd",
];

#[derive(Debug, Clone)]
enum Mutation {
    Flip { at: u16, byte: u8 },
    Insert { at: u16, token: usize, times: u16 },
    Delete { at: u16, len: u16 },
    Repeat { at: u16, len: u16, times: u16 },
}

#[derive(Debug, Clone)]
struct Case {
    base: usize,
    /// For xlsx: mutate the sheet XML (true) or the zip bytes (false).
    inside: bool,
    mutations: Vec<Mutation>,
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<u16>(), any::<u8>()).prop_map(|(at, byte)| Mutation::Flip { at, byte }),
        (any::<u16>(), 0..TOKENS.len(), 1u16..2000)
            .prop_map(|(at, token, times)| Mutation::Insert { at, token, times }),
        (any::<u16>(), 1u16..400).prop_map(|(at, len)| Mutation::Delete { at, len }),
        (any::<u16>(), 1u16..200, 1u16..5000).prop_map(|(at, len, times)| Mutation::Repeat {
            at,
            len,
            times
        }),
    ]
}

fn case() -> impl Strategy<Value = Case> {
    (
        0usize..4,
        any::<bool>(),
        prop::collection::vec(mutation(), 1..6),
    )
        .prop_map(|(base, inside, mutations)| Case {
            base,
            inside,
            mutations,
        })
}

fn at(len: usize, frac: u16) -> usize {
    if len == 0 {
        0
    } else {
        (len as u64 * u64::from(frac) / 65_536) as usize
    }
}

fn apply(data: &mut Vec<u8>, m: &Mutation) {
    match m {
        Mutation::Flip { at: f, byte } => {
            let i = at(data.len(), *f);
            if let Some(b) = data.get_mut(i) {
                *b ^= *byte;
            }
        }
        Mutation::Insert {
            at: f,
            token,
            times,
        } => {
            let i = at(data.len(), *f);
            let piece = TOKENS[*token].repeat(usize::from(*times));
            data.splice(i..i, piece);
        }
        Mutation::Delete { at: f, len } => {
            let i = at(data.len(), *f);
            let end = (i + usize::from(*len)).min(data.len());
            data.drain(i..end);
        }
        Mutation::Repeat { at: f, len, times } => {
            let i = at(data.len(), *f);
            let end = (i + usize::from(*len)).min(data.len());
            let piece = data[i..end].repeat(usize::from(*times));
            data.splice(end..end, piece);
        }
    }
}

fn firewall() -> &'static kojo_catalog::registers::RegisterKind {
    catalog()
        .registers
        .as_ref()
        .unwrap()
        .kind("firewall-rules")
        .unwrap()
}

fn bases() -> Vec<Vec<u8>> {
    let rows: Vec<EntryValues> = (0..20)
        .map(|i| {
            [
                ("rule-id", format!("FW-{i}")),
                ("applicant", "山田 太郎".to_string()),
                ("source-ip", format!("10.0.{i}.0/24")),
                ("destination-ip", "192.168.1.5".to_string()),
                ("direction", "inbound".to_string()),
                ("protocol", "TCP".to_string()),
                ("ports", "502,8000-8080".to_string()),
                ("purpose", "PLC 保守, \"夜間\"".to_string()),
                ("registered", "2025-04-01".to_string()),
                ("expiry", "2027-03-31".to_string()),
            ]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect()
        })
        .collect();
    let refs: Vec<&EntryValues> = rows.iter().collect();
    let csv = register_csv(firewall(), &refs, Lang::Ja);
    let sjis = encoding_rs::SHIFT_JIS
        .encode(csv.trim_start_matches('\u{feff}'))
        .0
        .into_owned();
    let mut xlsx = register_xlsx(firewall(), &refs, Lang::Ja).unwrap();
    // The writer stamps the creation time: zero its digits so every run has the same bases.
    let mut entries = unzip(&xlsx);
    for (name, data) in entries.iter_mut() {
        if name == "docProps/core.xml" {
            data.iter_mut()
                .filter(|b| b.is_ascii_digit())
                .for_each(|b| *b = b'0');
        }
    }
    xlsx = zip_entries(&entries);
    vec![
        csv.into_bytes(),
        sjis,
        xlsx.clone(),
        format!("台帳\r\n\r\n{}", register_csv(firewall(), &[], Lang::En)).into_bytes(),
    ]
}

fn build(bases: &[Vec<u8>], case: &Case) -> Vec<u8> {
    let base = &bases[case.base % bases.len()];
    if base.starts_with(b"PK") && case.inside {
        let mut entries = unzip(base);
        if let Some((_, sheet)) = entries
            .iter_mut()
            .find(|(n, _)| n == "xl/worksheets/sheet1.xml")
        {
            for m in &case.mutations {
                apply(sheet, m);
            }
        }
        return zip_entries(&entries);
    }
    let mut data = base.clone();
    for m in &case.mutations {
        apply(&mut data, m);
    }
    data
}

fn env_u64(name: &str) -> Option<u64> {
    let v = std::env::var(name).ok()?;
    let v = v.trim();
    match v.strip_prefix("0x") {
        Some(hex) => u64::from_str_radix(hex, 16).ok(),
        None => v.parse().ok(),
    }
}

/// Reads the ledger and parses every cell as every field of the firewall register would.
fn read_and_parse(bytes: &[u8], encoding: Option<CsvEncoding>) -> Result<usize, String> {
    let grid = read_any(bytes, encoding, None).map_err(|e| e.message(Lang::En).to_string())?;
    let mut ok = 0;
    for row in &grid.rows {
        for (cell, field) in row.cells.iter().zip(firewall().fields.iter().cycle()) {
            if value::parse(field, cell).is_ok() {
                ok += 1;
            }
        }
    }
    Ok(ok)
}

#[test]
fn fuzz_ledger_import() {
    let cases = env_u64("KOJO_FUZZ_CASES").unwrap_or(DEFAULT_CASES);
    let seed = env_u64("KOJO_FUZZ_SEED").unwrap_or(DEFAULT_SEED);
    let mut seed_bytes = [0u8; 32];
    seed_bytes[..8].copy_from_slice(&seed.to_le_bytes());
    let mut runner = TestRunner::new_with_rng(
        Config::default(),
        TestRng::from_seed(RngAlgorithm::ChaCha, &seed_bytes),
    );
    let bases = bases();
    let strategy = case();
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let (mut crashes, mut over_budget, mut refused) = (0u64, 0u64, 0u64);
    let mut peak_heap = 0usize;
    let mut reports = Vec::new();
    for i in 0..cases {
        let case = strategy
            .new_tree(&mut runner)
            .expect("strategy generates")
            .current();
        let bytes = build(&bases, &case);
        let encoding = match i % 3 {
            0 => None,
            1 => Some(CsvEncoding::ShiftJis),
            _ => Some(CsvEncoding::Utf8),
        };
        let (result, peak) =
            measure(|| catch_unwind(AssertUnwindSafe(|| read_and_parse(&bytes, encoding))));
        peak_heap = peak_heap.max(peak);
        match result {
            Err(panic) => {
                crashes += 1;
                let message = panic
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                    .unwrap_or_default();
                if reports.len() < 20 {
                    reports.push(format!("case {i}: panic {message:?} from {case:?}"));
                }
            }
            Ok(Err(_)) => refused += 1,
            Ok(Ok(_)) => {}
        }
        if peak > LEDGER_BUDGET {
            over_budget += 1;
            if reports.len() < 20 {
                reports.push(format!("case {i}: peak heap {} from {case:?}", mib(peak)));
            }
        }
    }
    std::panic::set_hook(hook);
    println!(
        "\nfuzz ledger_import: cases {cases}, crashes {crashes}, over budget {over_budget}, refused {refused}, seed {seed:#x}, peak heap {}, peak RSS {}",
        mib(peak_heap),
        peak_rss().map(mib).unwrap_or_else(|| "unknown".into())
    );
    for r in &reports {
        println!("  {r}");
    }
    assert!(
        refused > 0 && refused < cases || cases < 50,
        "refused {refused} of {cases}: the mutations must reach both outcomes"
    );
    assert_eq!(crashes + over_budget, 0, "{}", reports.join("\n"));
}
