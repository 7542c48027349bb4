//! The yearly cycle in the exports: last year's mark and the review in the checksheet (written,
//! never read back), and the action plan in the action lists.

mod common;

use calamine::Data;
use chrono::NaiveDate;
use common::*;
use kojo_domain::{ActionItem, ActionStatus, FiscalYear, ItemNo, Mark, Review, Sheet};
use kojo_i18n::t;
use kojo_xlsx::{
    CycleColumns, FORMAT_VERSION, Lang, PreviousMarks, action_list_csv, action_list_xlsx, export,
    export_cycle, import,
};
use std::collections::BTreeMap;

const MAIN_JA: &str = "チェックシート";

fn main_name(lang: Lang) -> &'static str {
    match lang {
        Lang::Ja => MAIN_JA,
        Lang::En => "Checksheet",
    }
}

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("date")
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
    };
    export_cycle(catalog(), sheet, &cycle, lang).expect("export with the cycle's columns")
}

fn date_cell(range: &calamine::Range<Data>, row: u32, col: u32) -> Option<NaiveDate> {
    match range.get_value((row, col)) {
        Some(Data::DateTime(dt)) => {
            let (y, m, d, ..) = dt.to_ymd_hms_milli();
            NaiveDate::from_ymd_opt(i32::from(y), u32::from(m), u32::from(d))
        }
        Some(Data::Empty) | None => None,
        Some(other) => panic!("date cell holds {other:?}"),
    }
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
        // Nothing right of the last column.
        assert_eq!(text(&range, header, Y + 1), "");

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
    assert!(main.contains("<autoFilter ref=\"A8:Y71\""), "autofilter");
    assert!(
        main.contains("paperSize=\"9\"") && main.contains("orientation=\"landscape\""),
        "A4 landscape"
    );
    assert!(
        main.contains("fitToPage=\"1\"") && main.contains("fitToHeight=\"0\""),
        "fit to width"
    );
    // The metadata says which layout this is.
    assert_eq!(FORMAT_VERSION, "2");
    let meta = read_sheet(&bytes, "kojo");
    assert!(
        (0..6).any(|r| text(&meta, r, 0) == "format_version" && text(&meta, r, 1) == "2"),
        "format_version 2 in the metadata"
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

fn today() -> NaiveDate {
    date(2027, 5, 10)
}

/// Actions of the sample sheet: item 4 (□) has two (one overdue, one without a date), item 3
/// (×) one done, item 1 (○) one done, item 63 (×) one due later. Given out of item order.
fn actions() -> Vec<ActionItem> {
    vec![
        ActionItem {
            item: 4,
            title: "見積を取り直す".into(),
            owner: Some("購買 田中".into()),
            due: Some(date(2027, 4, 30)),
            status: ActionStatus::InProgress,
            note: Some("予算申請中, 再見積".into()),
        },
        ActionItem {
            item: 63,
            title: "監視の導入".into(),
            owner: None,
            due: Some(date(2027, 6, 1)),
            status: ActionStatus::Open,
            note: None,
        },
        ActionItem {
            item: 3,
            title: "ログ監視を導入".into(),
            owner: Some("情シス".into()),
            due: Some(date(2027, 3, 31)),
            status: ActionStatus::Done,
            note: None,
        },
        ActionItem {
            item: 4,
            title: "代替機を検討".into(),
            owner: None,
            due: None,
            status: ActionStatus::Open,
            note: None,
        },
        ActionItem {
            item: 1,
            title: "手順書を改訂した".into(),
            owner: Some("品質保証".into()),
            due: Some(date(2026, 12, 1)),
            status: ActionStatus::Done,
            note: None,
        },
    ]
}

fn csv_records(csv_text: &str) -> (csv::StringRecord, Vec<csv::StringRecord>) {
    assert!(csv_text.starts_with('\u{FEFF}'), "UTF-8 BOM");
    let mut reader = csv::Reader::from_reader(csv_text.trim_start_matches('\u{FEFF}').as_bytes());
    let headers = reader.headers().expect("headers").clone();
    let records = reader.records().map(|r| r.expect("record")).collect();
    (headers, records)
}

#[test]
fn action_list_csv_joins_the_actions_to_the_residual_risks() {
    let c = catalog();
    let sheet = sample_sheet();
    let implemented = sheet
        .answers
        .values()
        .filter(|a| a.mark() == Mark::Implemented)
        .count();
    for lang in Lang::ALL {
        let (headers, records) =
            csv_records(&action_list_csv(c, &sheet, &actions(), today(), lang));
        let plan_keys = [
            "xlsx.plan.action",
            "xlsx.plan.owner",
            "xlsx.plan.due",
            "xlsx.plan.status",
            "xlsx.plan.overdue",
            "xlsx.plan.note",
        ];
        assert_eq!(headers.len(), 14 + plan_keys.len());
        for (i, key) in plan_keys.iter().enumerate() {
            assert_eq!(&headers[14 + i], t(lang, key));
        }
        // Every residual item once, item 4 once more (two actions), item 1 (○) for its action.
        assert_eq!(records.len(), 63 - implemented + 2);
        let rows_of = |n: u16| -> Vec<&csv::StringRecord> {
            records.iter().filter(|r| r[1] == n.to_string()).collect()
        };
        let overdue = t(lang, "xlsx.plan.overdue");
        let four = rows_of(4);
        assert_eq!(four.len(), 2);
        assert_eq!(
            four[0].iter().skip(14).collect::<Vec<_>>(),
            [
                "見積を取り直す",
                "購買 田中",
                "2027-04-30",
                ActionStatus::InProgress.name(lang),
                overdue,
                "予算申請中, 再見積"
            ]
        );
        assert_eq!(
            four[1].iter().skip(14).collect::<Vec<_>>(),
            [
                "代替機を検討",
                "",
                "",
                ActionStatus::Open.name(lang),
                "",
                ""
            ]
        );
        // Both rows repeat the item's columns.
        assert_eq!(
            four[0].iter().take(14).collect::<Vec<_>>(),
            four[1].iter().take(14).collect::<Vec<_>>()
        );
        assert_eq!((&four[0][4], &four[0][7]), ("□", "2027-03-31"));
        let three = rows_of(3);
        assert_eq!(
            (&three[0][17], &three[0][18]),
            (ActionStatus::Done.name(lang), ""),
            "done is never overdue"
        );
        let sixty_three = rows_of(63);
        assert_eq!(
            (&sixty_three[0][14], &sixty_three[0][18]),
            ("監視の導入", ""),
            "not due yet"
        );
        let one = rows_of(1);
        assert_eq!(one.len(), 1);
        assert_eq!((&one[0][4], &one[0][14]), ("○", "手順書を改訂した"));
        // An item without actions: one row, the action columns empty.
        let six = rows_of(6);
        assert_eq!(six.len(), 1);
        assert!(six[0].iter().skip(14).all(|f| f.is_empty()));
        // Catalog order, then the given order.
        let order: Vec<u16> = records.iter().map(|r| r[1].parse().expect("No.")).collect();
        assert!(order.windows(2).all(|w| w[0] <= w[1]), "{order:?}");
        assert_eq!(
            records.iter().filter(|r| &r[18] == overdue).count(),
            1,
            "one overdue"
        );
    }
}

#[test]
fn action_list_csv_without_actions_has_empty_action_columns() {
    let c = catalog();
    let sheet = sample_sheet();
    let (headers, records) = csv_records(&action_list_csv(c, &sheet, &[], today(), Lang::Ja));
    assert_eq!(headers.len(), 20);
    assert!(
        records
            .iter()
            .all(|r| r.len() == 20 && r.iter().skip(14).all(|f| f.is_empty()))
    );
    // An action of an item outside the catalog is ignored.
    let stray = ActionItem {
        item: 999,
        ..actions()[0].clone()
    };
    let (_, with_stray) = csv_records(&action_list_csv(c, &sheet, &[stray], today(), Lang::Ja));
    assert_eq!(with_stray, records);
}

/// An expected row of the action plan sheet: No., mark, action, due, status, overdue.
type PlanRow = (
    u16,
    &'static str,
    &'static str,
    Option<NaiveDate>,
    ActionStatus,
    bool,
);

#[test]
fn action_list_xlsx_has_the_action_plan_sheet() {
    let c = catalog();
    let sheet = sample_sheet();
    for lang in Lang::ALL {
        let bytes = action_list_xlsx(c, &sheet, &actions(), today(), lang).expect("action list");
        let names = sheet_names(&bytes);
        let plan_name = t(lang, "xlsx.sheet.plan");
        assert_eq!(names, [t(lang, "xlsx.sheet.actions"), plan_name]);
        let range = read_sheet(&bytes, plan_name);
        assert_eq!(text(&range, 0, 0), t(lang, "xlsx.plan.title"));
        let context = match lang {
            Lang::Ja => "基準日 2027-05-10 / 対策 5 件（うち期限超過 1 件）",
            Lang::En => "As of 2027-05-10 / 5 actions (1 overdue)",
        };
        assert_eq!(text(&range, 1, 0), context);
        assert_eq!(text(&range, 3, 3), t(lang, "xlsx.plan.action"));
        assert_eq!(text(&range, 3, 7), t(lang, "xlsx.plan.overdue"));
        // By item, then in the order given.
        let expected: [PlanRow; 5] = [
            (
                1,
                "○",
                "手順書を改訂した",
                Some(date(2026, 12, 1)),
                ActionStatus::Done,
                false,
            ),
            (
                3,
                "×",
                "ログ監視を導入",
                Some(date(2027, 3, 31)),
                ActionStatus::Done,
                false,
            ),
            (
                4,
                "□",
                "見積を取り直す",
                Some(date(2027, 4, 30)),
                ActionStatus::InProgress,
                true,
            ),
            (4, "□", "代替機を検討", None, ActionStatus::Open, false),
            (
                63,
                "×",
                "監視の導入",
                Some(date(2027, 6, 1)),
                ActionStatus::Open,
                false,
            ),
        ];
        for (i, (n, mark, title, due, status, overdue)) in expected.iter().enumerate() {
            let row = 4 + i as u32;
            assert_eq!(float(&range, row, 0), Some(f64::from(*n)), "row {row}");
            assert_eq!(
                text(&range, row, 1),
                c.item(*n).expect("item").item.condition.get(lang)
            );
            assert_eq!(text(&range, row, 2), *mark);
            assert_eq!(text(&range, row, 3), *title);
            assert_eq!(date_cell(&range, row, 5), *due);
            assert_eq!(text(&range, row, 6), status.name(lang));
            let flag = if *overdue {
                t(lang, "xlsx.plan.overdue")
            } else {
                ""
            };
            assert_eq!(text(&range, row, 7), flag, "overdue flag row {row}");
        }
        assert_eq!(text(&range, 4, 4), "品質保証");
        assert_eq!(text(&range, 6, 8), "予算申請中, 再見積");
        assert_eq!(text(&range, 9, 0), "", "no extra rows");

        // The first sheet is the residual-risk list as before.
        let first = read_sheet(&bytes, t(lang, "xlsx.sheet.actions"));
        let (_, records) = csv_records(&action_list_csv(c, &sheet, &[], today(), lang));
        for (i, record) in records.iter().enumerate() {
            assert_eq!(text(&first, 4 + i as u32, 0), record[0].to_string());
        }
        assert_eq!(text(&first, 4 + records.len() as u32, 0), "");
    }
}

#[test]
fn action_list_xlsx_refuses_an_action_outside_the_catalog() {
    let stray = ActionItem {
        item: 999,
        ..actions()[0].clone()
    };
    let e = action_list_xlsx(catalog(), &sample_sheet(), &[stray], today(), Lang::Ja)
        .expect_err("refused");
    assert!(e.to_string().contains("999"), "{e}");
}
