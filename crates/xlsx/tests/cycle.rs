//! The yearly cycle in the checksheet: last year's mark and the review (written, never read
//! back); the action lists are in `action_lists.rs`.

mod common;

use common::*;
use kojo_domain::{FiscalYear, ItemNo, Mark, Review, Sheet};
use kojo_i18n::t;
use kojo_xlsx::{CycleColumns, FORMAT_VERSION, Lang, PreviousMarks, export, export_cycle, import};
use std::collections::BTreeMap;

const MAIN_JA: &str = "チェックシート";

fn main_name(lang: Lang) -> &'static str {
    match lang {
        Lang::Ja => MAIN_JA,
        Lang::En => "Checksheet",
    }
}

/// 0-based columns of the informational block.
const R: u32 = 17;
const S: u32 = 18;
const T: u32 = 19;
const U: u32 = 20;
const V: u32 = 21;
const W: u32 = 22;
const X: u32 = 23;
const Y: u32 = 24;
const Z: u32 = 25;

fn review(item: u16, mark: Mark) -> Review {
    Review {
        item,
        mark,
        valid: None,
        progress: None,
        progress_pct: None,
        status: None,
        target_date: None,
        note: None,
        by: "山田".into(),
        at: "2027-05-01T09:00:00+09:00".into(),
    }
}

/// Reviews of the sample sheet: item 4 (□) complete, item 5 (△) with a target date, item 6
/// reviewed for □ but now △ (not shown), item 50 (□) reviewed twice (the last counts), and an
/// item outside the catalog (ignored).
fn reviews() -> Vec<Review> {
    vec![
        Review {
            valid: Some(true),
            progress: Some("見積取得済み".into()),
            progress_pct: Some(40),
            note: Some("予算は来期".into()),
            ..review(4, Mark::Deferred)
        },
        Review {
            status: Some("検討継続".into()),
            target_date: Some(date(2027, 9, 30)),
            by: "佐藤".into(),
            at: "2027-05-02T00:00:00Z".into(),
            ..review(5, Mark::Considering)
        },
        Review {
            valid: Some(true),
            progress: Some("古い見直し".into()),
            ..review(6, Mark::Deferred)
        },
        Review {
            valid: Some(true),
            ..review(50, Mark::Deferred)
        },
        Review {
            valid: Some(false),
            note: Some("理由が古い".into()),
            ..review(50, Mark::Deferred)
        },
        Review {
            status: Some("範囲外".into()),
            ..review(999, Mark::NotConsidered)
        },
    ]
}

fn previous_marks() -> BTreeMap<ItemNo, Mark> {
    BTreeMap::from([
        (no(1), Mark::NotConsidered),
        (no(4), Mark::Deferred),
        (no(5), Mark::NotConsidered),
        (no(63), Mark::Considering),
    ])
}

fn cycle_export(sheet: &Sheet, lang: Lang) -> Vec<u8> {
    let marks = previous_marks();
    let reviews = reviews();
    let caption = FiscalYear::new(2026).expect("year").label(lang);
    let cycle = CycleColumns {
        previous: Some(PreviousMarks {
            caption: &caption,
            marks: &marks,
        }),
        reviews: &reviews,
        inherited: &[2, 63],
    };
    export_cycle(catalog(), sheet, &cycle, lang).expect("export with the cycle's columns")
}

#[test]
fn export_shows_last_years_marks_and_the_reviews() {
    let sheet = sample_sheet();
    for lang in Lang::ALL {
        let bytes = cycle_export(&sheet, lang);
        let range = read_sheet(&bytes, main_name(lang));
        let row = |n: u16| item_row(n) - 1;
        let header = 7;
        let fy = FiscalYear::new(2026).expect("year").label(lang);
        assert_eq!(
            text(&range, header, R),
            kojo_i18n::tr(lang, "xlsx.cycle.previous_of", &[("period", &fy)])
        );
        assert!(text(&range, header, R).contains(&fy));
        let review_headings = [
            "xlsx.cycle.valid",
            "xlsx.cycle.progress",
            "xlsx.cycle.progress_pct",
            "xlsx.cycle.status",
            "xlsx.cycle.target_date",
            "xlsx.cycle.note",
            "xlsx.cycle.by",
        ];
        for (i, key) in review_headings.iter().enumerate() {
            assert_eq!(text(&range, header, S + i as u32), t(lang, key), "{key}");
        }
        assert_eq!(text(&range, header, Z), t(lang, "xlsx.cycle.inherited"));
        // Nothing right of the last column.
        assert_eq!(text(&range, header, Z + 1), "");
        // Inherited from the plant: items 2 and 63 only.
        let inherited = t(lang, "xlsx.cycle.inherited_mark");
        for n in 1..=63u16 {
            let want = if n == 2 || n == 63 { inherited } else { "" };
            assert_eq!(text(&range, row(n), Z), want, "item {n}");
        }

        // Last year's marks.
        assert_eq!(text(&range, row(1), R), "×");
        assert_eq!(text(&range, row(2), R), "");
        assert_eq!(text(&range, row(4), R), "□");
        assert_eq!(text(&range, row(5), R), "×");
        assert_eq!(text(&range, row(63), R), "△");

        // Item 4 (□): every □ column.
        let (yes, no_) = (t(lang, "xlsx.cycle.yes"), t(lang, "xlsx.cycle.no"));
        assert_eq!(text(&range, row(4), S), yes);
        assert_eq!(text(&range, row(4), T), "見積取得済み");
        assert_eq!(float(&range, row(4), U), Some(0.4));
        assert_eq!(text(&range, row(4), V), "");
        assert_eq!(date_cell(&range, row(4), W), None);
        assert_eq!(text(&range, row(4), X), "予算は来期");
        let by = match lang {
            Lang::Ja => "山田（2027-05-01）",
            Lang::En => "山田 (2027-05-01)",
        };
        assert_eq!(text(&range, row(4), Y), by);

        // Item 5 (△): status and target date.
        assert_eq!(text(&range, row(5), S), "");
        assert_eq!(text(&range, row(5), V), "検討継続");
        assert_eq!(date_cell(&range, row(5), W), Some(date(2027, 9, 30)));
        assert!(text(&range, row(5), Y).starts_with("佐藤"));

        // Item 6 was reviewed as □ but is △ now: the review does not count.
        for col in S..=Y {
            assert_eq!(text(&range, row(6), col), "", "item 6 column {col}");
        }
        // Item 50: the last review counts.
        assert_eq!(text(&range, row(50), S), no_);
        assert_eq!(text(&range, row(50), X), "理由が古い");
        // An item without a review.
        for col in S..=Y {
            assert_eq!(text(&range, row(3), col), "", "item 3 column {col}");
        }
    }
}

#[test]
fn export_has_the_columns_empty_and_export_cycle_without_data_is_the_same() {
    let sheet = sample_sheet();
    for lang in Lang::ALL {
        let plain = export(catalog(), &sheet, lang).expect("export");
        let empty =
            export_cycle(catalog(), &sheet, &CycleColumns::default(), lang).expect("export_cycle");
        for bytes in [&plain, &empty] {
            let range = read_sheet(bytes, main_name(lang));
            assert_eq!(text(&range, 7, R), t(lang, "xlsx.cycle.previous"));
            assert_eq!(text(&range, 7, Y), t(lang, "xlsx.cycle.by"));
            for n in [1u16, 4, 5, 63] {
                for col in R..=Y {
                    assert_eq!(text(&range, item_row(n) - 1, col), "", "item {n} col {col}");
                }
            }
        }
        assert_eq!(
            entry(&unzip(&plain), MAIN_XML),
            entry(&unzip(&empty), MAIN_XML),
            "one layout"
        );
    }
}

#[test]
fn layout_spans_the_new_columns_and_prints_on_a4_landscape() {
    let bytes = cycle_export(&sample_sheet(), Lang::Ja);
    let entries = unzip(&bytes);
    let main = entry(&entries, MAIN_XML);
    assert!(main.contains("<autoFilter ref=\"A8:Z71\""), "autofilter");
    assert!(
        main.contains("paperSize=\"9\"") && main.contains("orientation=\"landscape\""),
        "A4 landscape"
    );
    assert!(
        main.contains("fitToPage=\"1\"") && main.contains("fitToHeight=\"0\""),
        "fit to width"
    );
    // The metadata says which layout this is.
    assert_eq!(FORMAT_VERSION, "3");
    let meta = read_sheet(&bytes, "kojo");
    assert!(
        (0..6).any(|r| text(&meta, r, 0) == "format_version" && text(&meta, r, 1) == "3"),
        "format_version 3 in the metadata"
    );
}

#[test]
fn export_cycle_import_is_lossless_and_ignores_the_review_columns() {
    let sheet = sample_sheet();
    for lang in Lang::ALL {
        let bytes = cycle_export(&sheet, lang);
        let back = import(&bytes, catalog()).unwrap_or_else(|e| panic!("import ({lang}):\n{e}"));
        assert_eq!(back, sheet, "round trip ({lang})");
    }
}

#[test]
fn text_typed_into_the_review_columns_imports() {
    let sheet = sample_sheet();
    let bytes = cycle_export(&sheet, Lang::Ja);
    let r = |col: &str, n: u16| format!("{col}{}", item_row(n));
    let cells: Vec<(String, Val<'static>)> = vec![
        // Headings overwritten.
        ("R8".into(), Val::Inline("メモ")),
        ("Y8".into(), Val::Empty),
        // Values of every kind, also where a review is shown and on unanswered items.
        (r("R", 1), Val::Inline("ｘ（昨年）")),
        (r("S", 1), Val::Inline("わからない")),
        (r("T", 4), Val::Inline("=1+1")),
        (r("U", 4), Val::Inline("四割")),
        (r("U", 7), Val::Num(123.0)),
        (r("V", 7), Val::Inline("検討中\n続き")),
        (r("W", 5), Val::Inline("来年のどこか")),
        (r("W", 7), Val::Num(46477.0)),
        (r("X", 7), Val::Error("#N/A")),
        (r("Y", 63), Val::Inline("誰か 2027/5/1")),
    ];
    let refs: Vec<(&str, Val<'_>)> = cells.iter().map(|(k, v)| (k.as_str(), *v)).collect();
    // Also a number cell whose value is no number: refused if it were in a column import reads.
    let number_cell = r("U", 7);
    let typed = patch(&bytes, MAIN_XML, |xml| {
        let mut xml = set_cells(xml, &refs);
        let (start, end) = cell_span(&xml, &number_cell);
        let cell = xml[start..end].replace("<v>123</v>", "<v>not a number</v>");
        xml.replace_range(start..end, &cell);
        xml
    });
    assert!(entry(&unzip(&typed), MAIN_XML).contains("四割"));
    assert!(entry(&unzip(&typed), MAIN_XML).contains("<v>not a number</v>"));
    let back = import(&typed, catalog()).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(back, sheet);
}

#[test]
fn notes_right_of_the_new_last_column_are_ignored() {
    // Column Z, just right of the informational columns: where people write notes. Import has
    // always ignored such content (within IV10000); the wider layout keeps it that way.
    let sheet = sample_sheet();
    let bytes = cycle_export(&sheet, Lang::Ja);
    let noted = patch(&bytes, MAIN_XML, |xml| {
        let xml = insert_cell_after(xml, "Y8", "Z8", "メモ");
        insert_cell_after(
            &xml,
            &format!("Y{}", item_row(4)),
            &format!("Z{}", item_row(4)),
            "後で確認",
        )
    });
    let back = import(&noted, catalog()).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(back, sheet);
}

#[test]
fn content_beyond_the_readable_columns_is_refused_naming_the_cell() {
    // IW is the first column past what import reads at all (MAX_SHEET_COLS = 256, IV).
    let bytes = cycle_export(&sample_sheet(), Lang::Ja);
    let cell = format!("IW{}", item_row(4));
    let far = patch(&bytes, MAIN_XML, |xml| {
        insert_cell_after(xml, &format!("Y{}", item_row(4)), &cell, "x")
    });
    let e = match import(&far, catalog()) {
        Ok(s) => panic!("accepted content in {cell}: {s:?}"),
        Err(e) => e,
    };
    assert_eq!(e.len(), 1, "{e}");
    let err = &e.errors()[0];
    assert_eq!(err.location(), format!("{MAIN_JA}!{cell}"));
    assert_eq!(
        err.message_ja,
        format!("シートのデータが範囲外のセル {cell} まであります（読み込めるのは IV10000 まで）")
    );
    assert_eq!(
        err.message_en,
        format!("a sheet has data as far as cell {cell} (at most IV10000 can be read)")
    );
}

#[test]
fn format_version_1_files_still_import() {
    // A version 1 file: the metadata says 1 and there is nothing right of column Q.
    let sheet = sample_sheet();
    let bytes = export(catalog(), &sheet, Lang::Ja).expect("export");
    let v1 = patch(&bytes, META_XML, |xml| {
        set_cells(xml, &[("B2", Val::Inline("1"))])
    });
    let v1 = patch(&v1, MAIN_XML, |xml| {
        let mut xml = xml.to_string();
        for row in 8..=item_row(63) {
            for col in ["R", "S", "T", "U", "V", "W", "X", "Y"] {
                let (start, end) = cell_span(&xml, &format!("{col}{row}"));
                xml.replace_range(start..end, "");
            }
        }
        xml
    });
    assert!(!entry(&unzip(&v1), MAIN_XML).contains("<c r=\"R8\""));
    let back = import(&v1, catalog()).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(back, sheet);
}

/// Where cell `cell`'s element is in a sheet XML.
fn cell_span(xml: &str, cell: &str) -> (usize, usize) {
    let start = xml
        .find(&format!("<c r=\"{cell}\""))
        .unwrap_or_else(|| panic!("no {cell}"));
    let rest = &xml[start..];
    let open_end = rest.find('>').expect("tag end");
    let end = if rest[..open_end].ends_with('/') {
        open_end + 1
    } else {
        rest.find("</c>").expect("</c>") + 4
    };
    (start, start + end)
}

// ---------------------------------------------------------------------------------------------
// Action lists
