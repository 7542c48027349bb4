//! Registers as files: what `register_xlsx` / `register_csv` write has the header, the frozen
//! row, the filter and the drop-down lists a ledger needs, and reads back through
//! `ledger::read_any` to the same values (the export → import round trip).

mod common;

use common::{catalog, date, read_sheet, unzip};
use kojo_domain::register::value;
use kojo_xlsx::Lang;
use kojo_xlsx::ledger::{Grid, read_any};
use kojo_xlsx::register::{EntryValues, register_csv, register_xlsx};
use std::collections::BTreeMap;

fn kind(id: &str) -> &'static kojo_catalog::registers::RegisterKind {
    catalog()
        .registers
        .as_ref()
        .expect("the built-in catalog has registers")
        .kind(id)
        .expect("kind")
}

fn firewall_rows() -> Vec<EntryValues> {
    let row = |pairs: &[(&str, &str)]| -> EntryValues {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    };
    vec![
        row(&[
            ("rule-id", "FW-1"),
            ("applicant", "山田"),
            ("source-ip", "10.0.0.0/24"),
            ("destination-ip", "192.168.1.5"),
            ("direction", "inbound"),
            ("protocol", "TCP"),
            ("ports", "502,8080"),
            ("purpose", "=HYPERLINK(\"x\") 保守"),
            ("registered", "2025-04-01"),
            ("expiry", "2026-03-31"),
        ]),
        row(&[
            ("rule-id", "FW-2"),
            ("applicant", "佐藤, 一郎"),
            ("source-ip", "10.0.1.0/24"),
            ("destination-ip", "192.168.1.6"),
            ("ports", "161-162"),
            ("purpose", "監視\n（夜間）"),
            ("expiry", "2027-03-31"),
        ]),
    ]
}

/// Every cell of the grid parsed as the importer does, by header → field.
fn parsed(grid: &Grid, kind: &kojo_catalog::registers::RegisterKind) -> Vec<EntryValues> {
    let header = &grid.rows[0].cells;
    grid.rows[1..]
        .iter()
        .map(|row| {
            let mut out = BTreeMap::new();
            for (c, name) in header.iter().enumerate() {
                let f = kind
                    .fields
                    .iter()
                    .find(|f| f.name.ja == *name || f.name.en == *name)
                    .unwrap_or_else(|| panic!("header {name} is a field name"));
                let raw = row.cells.get(c).map(String::as_str).unwrap_or("");
                if let Some(v) = value::parse(f, raw).expect("a valid cell") {
                    out.insert(f.id.clone(), v);
                }
            }
            out
        })
        .collect()
}

#[test]
fn an_exported_register_has_its_header_frozen_filtered_with_lists_and_reads_back() {
    let k = kind("firewall-rules");
    let rows = firewall_rows();
    let refs: Vec<&EntryValues> = rows.iter().collect();
    for lang in [Lang::Ja, Lang::En] {
        let bytes = register_xlsx(k, &refs, lang).unwrap();
        let entries = unzip(&bytes);
        let sheet = entries
            .iter()
            .find(|(n, _)| n == "xl/worksheets/sheet1.xml")
            .map(|(_, d)| String::from_utf8_lossy(d).to_string())
            .unwrap();
        assert!(sheet.contains("state=\"frozen\""), "frozen header row");
        assert!(sheet.contains("<autoFilter ref=\"A1:"), "filter");
        // One list per enum field (direction, protocol, state …), naming the labels.
        let enums = k
            .fields
            .iter()
            .filter(|f| f.ty == kojo_catalog::registers::FieldType::Enum)
            .count();
        assert!(enums >= 2);
        assert_eq!(sheet.matches("type=\"list\"").count(), enums, "{sheet}");
        let direction = k.field("direction").unwrap();
        let label = match lang {
            Lang::Ja => &direction.values[0].ja,
            Lang::En => &direction.values[0].en,
        };
        assert!(sheet.contains(label.as_str()), "the list names {label}");

        // As a spreadsheet shows it: field names on row 1, a real date, the enum's label.
        let name = read_sheet_names(&bytes);
        let range = read_sheet(&bytes, &name);
        let headers: Vec<String> = (0..k.fields.len() as u32)
            .map(|c| common::text(&range, 0, c))
            .collect();
        let want: Vec<&str> = k.fields.iter().map(|f| f.name.get(lang)).collect();
        assert_eq!(headers, want);
        let expiry = k.fields.iter().position(|f| f.id == "expiry").unwrap() as u32;
        assert_eq!(
            common::date_cell(&range, 1, expiry),
            Some(date(2026, 3, 31))
        );

        // Back through the importer's reader: the same values.
        let grid = read_any(&bytes, None, None).unwrap();
        assert_eq!(grid.rows.len(), 3);
        assert_eq!(parsed(&grid, k), rows, "{lang:?}");
    }
}

fn read_sheet_names(bytes: &[u8]) -> String {
    common::sheet_names(bytes).into_iter().next().unwrap()
}

#[test]
fn a_csv_export_is_utf8_with_bom_guarded_against_formulas_and_reads_back() {
    let k = kind("firewall-rules");
    let rows = firewall_rows();
    let refs: Vec<&EntryValues> = rows.iter().collect();
    let csv = register_csv(k, &refs, Lang::Ja);
    assert!(csv.starts_with('\u{feff}'));
    assert!(
        csv.contains("\"'=HYPERLINK"),
        "the formula is guarded: {csv}"
    );
    assert!(csv.contains("\"佐藤, 一郎\""));
    let grid = read_any(csv.as_bytes(), None, None).unwrap();
    assert_eq!(grid.rows[0].number, 1);
    assert_eq!(parsed(&grid, k), rows);
}

#[test]
fn the_template_is_the_header_alone_in_every_kind() {
    let registers = catalog().registers.as_ref().unwrap();
    for k in &registers.kinds {
        let bytes = register_xlsx(k, &[], Lang::Ja).unwrap();
        let grid = read_any(&bytes, None, None).unwrap();
        assert_eq!(grid.rows.len(), 1, "{}", k.id);
        let want: Vec<String> = k.fields.iter().map(|f| f.name.ja.clone()).collect();
        assert_eq!(grid.rows[0].cells, want, "{}", k.id);
    }
}
