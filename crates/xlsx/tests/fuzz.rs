//! `fuzz_xlsx_import`: mutated real checksheets must never panic the import nor take it over
//! its memory budget (100 MiB of heap). An import may refuse a file; that is fine.
//!
//! Runs on stable Rust with proptest strategies driven by a fixed seed, so a run is
//! deterministic: `KOJO_FUZZ_CASES=N` sets the number of cases (default 300 in the normal
//! suite), `KOJO_FUZZ_SEED=<hex or decimal>` the seed. `scripts/fuzz` runs it with 100,000
//! cases. Every crash found becomes a named regression test (in `hostile.rs`).

mod common;
#[path = "common/counting_alloc.rs"]
mod counting_alloc;

use common::*;
use counting_alloc::{BUDGET, Counting, measure, mib, peak_rss};
use kojo_xlsx::{Lang, blank, export, import};
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
use std::io::Write;
use std::panic::{AssertUnwindSafe, catch_unwind};

#[global_allocator]
static ALLOC: Counting = Counting;

const DEFAULT_CASES: u64 = 300;
const DEFAULT_SEED: u64 = 0x6b6f_6a6f_7873_6c78; // "kojoxslx"

/// Values that stress attributes: far references, huge and negative counts, junk.
const ATTR_VALUES: &[&str] = &[
    "XFD1048576",
    "A1048576",
    "IV10000",
    "IW1",
    "A10001",
    "1048576",
    "1000000000000",
    "18446744073709551616",
    "-1",
    "0",
    "",
    "A0",
    "$A$1",
    "ZZZZ1",
    "A1:XFD1048576",
    "s",
    "inlineStr",
    "str",
    "b",
    "e",
    "d",
    "n",
    "bogus",
    "rId999",
    "../../../etc/passwd",
    "/xl/worksheets/sheet4.xml",
    "worksheets/sheet1.xml",
    "&amp;&lt;&#x41;&#65;",
    "&#0;",
    "&bogus;",
];

/// Numbers for `<v>`.
const NUMBERS: &[&str] = &[
    "46477",
    "36526",
    "73415",
    "1e308",
    "1e309",
    "-1e309",
    "NaN",
    "inf",
    "-0",
    "4.9e-324",
    "99999999999999999999999",
    "1.5",
    "",
    " 3 ",
    "0x10",
    "4294967296",
    "18446744073709551615",
];

/// Elements to insert.
const SNIPPETS: &[&str] = &[
    "<row r='1048576'><c r='XFD1048576' t='inlineStr'><is><t>x</t></is></c></row>",
    "<row r = \"10001\"><c r = \"A10001\"><v>1</v></c></row>",
    "<row><c><v>1</v></c><c t=\"s\"><v>99999999</v></c></row>",
    "<c r=\"H9\" t=\"inlineStr\"><is><r><t>○</t></r><rPh><t>まる</t></rPh></is></c>",
    "<c r=\"D9\" t=\"e\"><v>#N/A</v></c>",
    "<c r=\"K9\" t=\"d\"><v>2027-03-31T00:00:00</v></c>",
    "<c r=\"B7\" t=\"b\"><v>2</v></c>",
    "<si><t>x</t></si>",
    "<si><r><t>a</t></r><r><t>b</t></r></si>",
    "<dimension ref=\"A1:XFD1048576\"/>",
    "<sheet name=\"kojo\" sheetId=\"9\" r:id=\"rId1\"/>",
    "<Relationship Id=\"rId1\" Type=\"x/worksheet\" Target=\"worksheets/sheet9.xml\"/>",
    "<![CDATA[<c r=\"A1\">]]>",
    "<!DOCTYPE x [<!ENTITY a \"aaaaaaaaaa\"><!ENTITY b \"&a;&a;&a;&a;&a;\">]>",
    "&b;",
    "&#x110000;",
    "<?pi data?>",
    "<!-- comment -->",
    "</c>",
    "</row>",
    "</sheetData>",
    "<x:c xmlns:x=\"urn:x\" r=\"A1\"><x:v>1</x:v></x:c>",
];

/// Names for renamed entries.
const NAMES: &[&str] = &[
    "xl/workbook.xml",
    "xl/_rels/workbook.xml.rels",
    "xl/sharedStrings.xml",
    "XL/WORKSHEETS/SHEET1.XML",
    "xl/worksheets/sheet1.xml",
    "xl/worksheets/sheet4.xml",
    "../evil.xml",
    "",
];

/// One change to a checksheet. Positions are fractions of the target's length (0..=u16::MAX),
/// so they apply to any entry.
#[derive(Debug, Clone)]
enum Mutation {
    DropEntry(usize),
    DuplicateEntry(usize),
    RenameEntry(usize, &'static str),
    TruncateEntry(usize, u16),
    /// Overwrite bytes of the finished zip file.
    CorruptZip(u16, Vec<u8>),
    /// Replace the value of the n-th attribute of an entry.
    AttrValue(usize, usize, &'static str),
    /// Switch the n-th attribute's quotes (`"` ↔ `'`) and pad around `=`.
    AttrQuoting(usize, usize, &'static str, &'static str),
    /// Replace the n-th `<v>` content.
    Number(usize, usize, &'static str),
    /// Insert an element at a tag boundary.
    Insert(usize, u16, &'static str),
    /// Duplicate a slice of an entry in place.
    DuplicateSlice(usize, u16, u16),
    /// Nest the content at a tag boundary `depth` times.
    Nest(usize, u16, u16),
    /// Re-encode an entry as UTF-16 LE with BOM.
    Utf16(usize),
    /// Insert invalid UTF-8 at a position.
    InvalidUtf8(usize, u16),
    /// Prefix an entry with a UTF-8 BOM.
    Utf8Bom(usize),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    let entry = 0usize..64;
    prop_oneof![
        1 => entry.clone().prop_map(Mutation::DropEntry),
        1 => entry.clone().prop_map(Mutation::DuplicateEntry),
        1 => (entry.clone(), prop::sample::select(NAMES)).prop_map(|(e, n)| Mutation::RenameEntry(e, n)),
        1 => (entry.clone(), any::<u16>()).prop_map(|(e, p)| Mutation::TruncateEntry(e, p)),
        1 => (any::<u16>(), prop::collection::vec(any::<u8>(), 1..16)).prop_map(|(p, b)| Mutation::CorruptZip(p, b)),
        4 => (entry.clone(), 0usize..4000, prop::sample::select(ATTR_VALUES))
            .prop_map(|(e, n, v)| Mutation::AttrValue(e, n, v)),
        2 => (
            entry.clone(),
            0usize..4000,
            prop::sample::select(&["", " ", "\t", "\n "][..]),
            prop::sample::select(&["", " ", "\r\n"][..]),
        )
            .prop_map(|(e, n, a, b)| Mutation::AttrQuoting(e, n, a, b)),
        3 => (entry.clone(), 0usize..2000, prop::sample::select(NUMBERS))
            .prop_map(|(e, n, v)| Mutation::Number(e, n, v)),
        4 => (entry.clone(), any::<u16>(), prop::sample::select(SNIPPETS))
            .prop_map(|(e, p, s)| Mutation::Insert(e, p, s)),
        1 => (entry.clone(), any::<u16>(), any::<u16>()).prop_map(|(e, p, l)| Mutation::DuplicateSlice(e, p, l)),
        1 => (entry.clone(), any::<u16>(), 1u16..200).prop_map(|(e, p, d)| Mutation::Nest(e, p, d)),
        1 => entry.clone().prop_map(Mutation::Utf16),
        1 => (entry.clone(), any::<u16>()).prop_map(|(e, p)| Mutation::InvalidUtf8(e, p)),
        1 => entry.prop_map(Mutation::Utf8Bom),
    ]
}

/// A fuzz case: which base checksheet, the mutations, and whether to deflate the result.
#[derive(Debug, Clone)]
struct Case {
    base: usize,
    mutations: Vec<Mutation>,
    deflate: bool,
}

fn case() -> impl Strategy<Value = Case> {
    (
        0usize..3,
        prop::collection::vec(mutation(), 1..5),
        prop::bool::weighted(0.1),
    )
        .prop_map(|(base, mutations, deflate)| Case {
            base,
            mutations,
            deflate,
        })
}

/// Offset `frac`/65535 into `len`.
fn at(len: usize, frac: u16) -> usize {
    len * usize::from(frac) / usize::from(u16::MAX)
}

/// The `<` at or after `pos` (a tag boundary), or the end.
fn boundary(data: &[u8], pos: usize) -> usize {
    data[pos.min(data.len())..]
        .iter()
        .position(|b| *b == b'<')
        .map_or(data.len(), |i| pos + i)
}

/// Byte ranges of attribute values (`="…"` or `='…'`), quotes included.
fn attr_values(data: &[u8]) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut i = 0;
    while i + 1 < data.len() {
        if data[i] == b'=' && (data[i + 1] == b'"' || data[i + 1] == b'\'') {
            let q = data[i + 1];
            if let Some(len) = data[i + 2..].iter().position(|b| *b == q) {
                out.push((i + 1, i + 3 + len));
                i += 3 + len;
                continue;
            }
        }
        i += 1;
    }
    out
}

fn apply(entries: &mut Vec<(String, Vec<u8>)>, m: &Mutation) {
    let n = entries.len();
    if n == 0 {
        return;
    }
    let pick = |e: usize| e % n;
    match m {
        Mutation::DropEntry(e) => {
            entries.remove(pick(*e));
        }
        Mutation::DuplicateEntry(e) => {
            let dup = entries[pick(*e)].clone();
            entries.push(dup);
        }
        Mutation::RenameEntry(e, name) => entries[pick(*e)].0 = (*name).to_string(),
        Mutation::TruncateEntry(e, p) => {
            let data = &mut entries[pick(*e)].1;
            data.truncate(at(data.len(), *p));
        }
        Mutation::CorruptZip(..) => {}
        Mutation::AttrValue(e, k, v) => {
            let data = &mut entries[pick(*e)].1;
            let attrs = attr_values(data);
            if let Some(&(s, end)) = attrs.get(k % attrs.len().max(1)) {
                let q = data[s];
                let mut new = vec![q];
                new.extend_from_slice(v.as_bytes());
                new.push(q);
                data.splice(s..end, new);
            }
        }
        Mutation::AttrQuoting(e, k, before, after) => {
            let data = &mut entries[pick(*e)].1;
            let attrs = attr_values(data);
            if let Some(&(s, end)) = attrs.get(k % attrs.len().max(1)) {
                let q = if data[s] == b'"' { b'\'' } else { b'"' };
                let inner = data[s + 1..end - 1].to_vec();
                if !inner.contains(&q) {
                    let mut new = after.as_bytes().to_vec();
                    new.push(q);
                    new.extend_from_slice(&inner);
                    new.push(q);
                    data.splice(s..end, new);
                    // Before `=`, which is at s - 1.
                    data.splice(s - 1..s - 1, before.bytes());
                }
            }
        }
        Mutation::Number(e, k, v) => {
            let data = &mut entries[pick(*e)].1;
            let mut starts = Vec::new();
            let mut i = 0;
            while let Some(p) = data[i..].windows(3).position(|w| w == b"<v>") {
                starts.push(i + p + 3);
                i += p + 3;
            }
            if let Some(&s) = starts.get(k % starts.len().max(1))
                && let Some(len) = data[s..].iter().position(|b| *b == b'<')
            {
                data.splice(s..s + len, v.bytes());
            }
        }
        Mutation::Insert(e, p, snippet) => {
            let data = &mut entries[pick(*e)].1;
            let b = boundary(data, at(data.len(), *p));
            data.splice(b..b, snippet.bytes());
        }
        Mutation::DuplicateSlice(e, p, l) => {
            let data = &mut entries[pick(*e)].1;
            let s = at(data.len(), *p);
            let end = (s + usize::from(*l) % 4096).min(data.len());
            let slice = data[s..end].to_vec();
            data.splice(end..end, slice);
        }
        Mutation::Nest(e, p, depth) => {
            let data = &mut entries[pick(*e)].1;
            let b = boundary(data, at(data.len(), *p));
            let depth = usize::from(*depth);
            let mut new = "<n>".repeat(depth).into_bytes();
            new.extend_from_slice("</n>".repeat(depth).as_bytes());
            data.splice(b..b, new);
        }
        Mutation::Utf16(e) => {
            let data = &mut entries[pick(*e)].1;
            let text = String::from_utf8_lossy(data).into_owned();
            let mut out = vec![0xFF, 0xFE];
            for unit in text.encode_utf16() {
                out.extend_from_slice(&unit.to_le_bytes());
            }
            *data = out;
        }
        Mutation::InvalidUtf8(e, p) => {
            let data = &mut entries[pick(*e)].1;
            let s = at(data.len(), *p);
            data.splice(s..s, [0xC3, 0x28, 0xFF, 0xE3, 0x81]);
        }
        Mutation::Utf8Bom(e) => {
            entries[pick(*e)].1.splice(0..0, [0xEF, 0xBB, 0xBF]);
        }
    }
}

fn build(bases: &[Vec<(String, Vec<u8>)>], case: &Case) -> Vec<u8> {
    let mut entries = bases[case.base % bases.len()].clone();
    for m in &case.mutations {
        apply(&mut entries, m);
    }
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let method = if case.deflate {
        zip::CompressionMethod::Deflated
    } else {
        zip::CompressionMethod::Stored
    };
    // A fixed timestamp: the same case gives the same bytes on every run.
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(method)
        .last_modified_time(zip::DateTime::default());
    for (name, data) in &entries {
        // The writer refuses some names (duplicates); such an entry is left out.
        if w.start_file(name.as_str(), opts).is_ok() {
            w.write_all(data).expect("write to memory");
        }
    }
    let mut bytes = w.finish().expect("finish").into_inner();
    for m in &case.mutations {
        if let Mutation::CorruptZip(p, junk) = m {
            let s = at(bytes.len(), *p);
            for (i, b) in junk.iter().enumerate() {
                if let Some(x) = bytes.get_mut(s + i) {
                    *x = *b;
                }
            }
        }
    }
    bytes
}

fn env_u64(name: &str) -> Option<u64> {
    let v = std::env::var(name).ok()?;
    let v = v.trim();
    match v.strip_prefix("0x") {
        Some(hex) => u64::from_str_radix(hex, 16).ok(),
        None => v.parse().ok(),
    }
}

#[test]
fn fuzz_xlsx_import() {
    let cases = env_u64("KOJO_FUZZ_CASES").unwrap_or(DEFAULT_CASES);
    let seed = env_u64("KOJO_FUZZ_SEED").unwrap_or(DEFAULT_SEED);
    let mut seed_bytes = [0u8; 32];
    seed_bytes[..8].copy_from_slice(&seed.to_le_bytes());
    let mut runner = TestRunner::new_with_rng(
        Config::default(),
        TestRng::from_seed(RngAlgorithm::ChaCha, &seed_bytes),
    );
    let c = catalog();
    // The writer stamps the creation time into docProps/core.xml: zero its digits so the
    // bases, and so every case, are the same bytes on every run.
    let fixed = |bytes: Vec<u8>| {
        let mut entries = unzip(&bytes);
        for (name, data) in entries.iter_mut() {
            if name == "docProps/core.xml" {
                data.iter_mut()
                    .filter(|b| b.is_ascii_digit())
                    .for_each(|b| *b = b'0');
            }
        }
        entries
    };
    let bases = [
        fixed(blank(c, Lang::Ja).expect("blank")),
        fixed(blank(c, Lang::En).expect("blank")),
        fixed(export(c, &sample_sheet(), Lang::Ja).expect("export")),
    ];
    let strategy = case();
    // Panics are counted and reported below, not printed one by one.
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
        let (result, peak) = measure(|| catch_unwind(AssertUnwindSafe(|| import(&bytes, c))));
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
        if peak > BUDGET {
            over_budget += 1;
            if reports.len() < 20 {
                reports.push(format!("case {i}: peak heap {} from {case:?}", mib(peak)));
            }
        }
    }
    std::panic::set_hook(hook);
    println!(
        "\nfuzz xlsx_import: cases {cases}, crashes {crashes}, over budget {over_budget}, refused {refused}, seed {seed:#x}, peak heap {}, peak RSS {}",
        mib(peak_heap),
        peak_rss().map(mib).unwrap_or_else(|| "unknown".into())
    );
    for r in &reports {
        println!("  {r}");
    }
    // Both outcomes must occur, or the mutations do not reach the reader.
    assert!(
        refused > 0 && refused < cases || cases < 50,
        "refused {refused} of {cases}"
    );
    assert_eq!(crashes + over_budget, 0, "{}", reports.join("\n"));
}
