//! The memory budget of reading a ledger (台帳): at most 200 MiB of heap at peak, for a real
//! 50,000-row asset ledger and for every hostile file below (refused or read, never over),
//! measured with a counting global allocator.
//!
//! One test, so nothing else allocates while a read is measured. It asserts on memory only,
//! never on time.

mod common;
#[path = "common/counting_alloc.rs"]
mod counting_alloc;

use common::{catalog, patch};
use counting_alloc::{Counting, measure, mib, peak_rss};
use kojo_xlsx::Lang;
use kojo_xlsx::ledger::{
    CsvEncoding, MAX_LEDGER_BYTES, MAX_LEDGER_CELLS, MAX_LEDGER_COLS, MAX_LEDGER_ROWS, read_any,
};
use kojo_xlsx::register::{EntryValues, register_xlsx};
use std::fmt::Write;

#[global_allocator]
static ALLOC: Counting = Counting;

/// The budget of one ledger read.
const LEDGER_BUDGET: usize = 200 * 1024 * 1024;

fn kind(id: &str) -> &'static kojo_catalog::registers::RegisterKind {
    catalog().registers.as_ref().unwrap().kind(id).unwrap()
}

/// A real asset ledger of `n` rows, as kojo exports it.
fn assets(n: usize) -> Vec<u8> {
    let rows: Vec<EntryValues> = (0..n)
        .map(|i| {
            [
                ("asset-id", format!("A-{i:06}")),
                ("device", format!("ライン{} 制御PC {i}", i % 40)),
                (
                    "device-type",
                    ["pc", "server", "plc", "hmi"][i % 4].to_string(),
                ),
                ("importance", "high".to_string()),
                ("maker", "〇〇電機".to_string()),
                (
                    "ip-address",
                    format!("10.{}.{}.{}", i / 65536 % 256, i / 256 % 256, i % 256),
                ),
                ("os", "Windows 10 IoT Enterprise LTSC".to_string()),
                ("version", format!("21H2 build {}", 19044 + i % 100)),
                ("manager", format!("担当者{}", i % 300)),
                ("department", "生産技術部".to_string()),
                ("location", format!("第一工場 {}棟", i % 12)),
                ("support-end", "2032-01-13".to_string()),
                ("patch-state", "applied".to_string()),
                ("state", "in-use".to_string()),
            ]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect()
        })
        .collect();
    let refs: Vec<&EntryValues> = rows.iter().collect();
    register_xlsx(kind("assets"), &refs, Lang::Ja).unwrap()
}

/// An xlsx ledger whose first sheet's data is `sheet_data` (the inside of `<sheetData>`).
fn xlsx_with(sheet_data: &str) -> Vec<u8> {
    let base = register_xlsx(kind("assets"), &[], Lang::Ja).unwrap();
    patch(&base, "xl/worksheets/sheet1.xml", |xml| {
        let start = xml.find("<sheetData>").unwrap() + "<sheetData>".len();
        let end = xml.find("</sheetData>").unwrap();
        format!("{}{sheet_data}{}", &xml[..start], &xml[end..])
    })
}

/// A named way to build a file.
type Case = (&'static str, Box<dyn Fn() -> Vec<u8>>);

fn cases() -> Vec<Case> {
    vec![
        (
            "50,000-row asset ledger (xlsx)",
            Box::new(|| assets(50_000)),
        ),
        (
            "one row more than allowed (CSV)",
            Box::new(|| "a\n".repeat(MAX_LEDGER_ROWS + 1).into_bytes()),
        ),
        (
            "32 MiB of commas (CSV)",
            Box::new(|| {
                let line = format!("{}\n", ",".repeat(MAX_LEDGER_COLS - 1));
                line.repeat(MAX_LEDGER_BYTES / line.len()).into_bytes()
            }),
        ),
        (
            "one cell more than allowed (CSV)",
            Box::new(|| {
                let line = format!("{}x\n", "x,".repeat(29));
                line.repeat(MAX_LEDGER_CELLS / 30 + 1).into_bytes()
            }),
        ),
        (
            "32 MiB of Shift_JIS text (CSV)",
            Box::new(|| {
                let line = format!("{},{}\n", "漢".repeat(8000), "字".repeat(8000));
                let (b, _, _) = encoding_rs::SHIFT_JIS.encode(&line);
                b.repeat(MAX_LEDGER_BYTES / b.len())
            }),
        ),
        (
            "an unclosed quote over 32 MiB (CSV)",
            Box::new(|| {
                let mut s = String::from("a,\"");
                s.push_str(&"x".repeat(MAX_LEDGER_BYTES - 4));
                s.into_bytes()
            }),
        ),
        (
            "content far below the last row (xlsx)",
            Box::new(|| {
                xlsx_with(&format!(
                    "<row r=\"{r}\"><c r=\"A{r}\" t=\"inlineStr\"><is><t>x</t></is></c></row>",
                    r = MAX_LEDGER_ROWS + 1
                ))
            }),
        ),
        (
            "one cell more than allowed (xlsx)",
            Box::new(|| {
                let mut s = String::new();
                let per_row = 30;
                for r in 1..=(MAX_LEDGER_CELLS / per_row + 1) {
                    write!(s, "<row r=\"{r}\">").unwrap();
                    for c in 0..per_row {
                        let col = char::from(b'A' + c as u8 % 26);
                        let col = if c >= 26 {
                            format!("A{col}")
                        } else {
                            col.to_string()
                        };
                        write!(s, "<c r=\"{col}{r}\"><v>1</v></c>").unwrap();
                    }
                    s.push_str("</row>");
                }
                xlsx_with(&s)
            }),
        ),
        (
            "32 MiB of inline text (xlsx)",
            Box::new(|| {
                let mut s = String::new();
                let cell = "字".repeat(10_000);
                for r in 1..=1200 {
                    write!(
                        s,
                        "<row r=\"{r}\"><c r=\"A{r}\" t=\"inlineStr\"><is><t>{cell}</t></is></c></row>"
                    )
                    .unwrap();
                }
                xlsx_with(&s)
            }),
        ),
    ]
}

#[test]
fn ledger_reads_stay_within_their_budget() {
    let mut over = Vec::new();
    let mut read = 0;
    for (name, build) in cases() {
        let bytes = build();
        let (result, peak) = measure(|| read_any(&bytes, None, None));
        let outcome = match &result {
            Ok(g) => {
                read += 1;
                format!("read {} rows", g.rows.len())
            }
            Err(e) => format!("refused: {}", e.message(Lang::En)),
        };
        let outcome: String = outcome.chars().take(100).collect();
        println!(
            "ledger budget {name}: peak heap {} (input {} KiB) — {outcome}",
            mib(peak),
            bytes.len() / 1024
        );
        if peak > LEDGER_BUDGET {
            over.push(format!("{name}: {}", mib(peak)));
        }
        if name.starts_with("50,000") {
            assert_eq!(result.map(|g| g.rows.len()).ok(), Some(50_001), "{name}");
        }
    }
    // A CSV named Shift_JIS but holding UTF-8 is read, not refused (every byte decodes).
    assert!(read_any("a,b\n".as_bytes(), Some(CsvEncoding::ShiftJis), None).is_ok());
    println!(
        "ledger budget: peak RSS {}",
        peak_rss().map(mib).unwrap_or_else(|| "unknown".into())
    );
    assert!(read >= 1, "the real ledger must be read");
    assert!(over.is_empty(), "reads over the 200 MiB budget: {over:?}");
}
