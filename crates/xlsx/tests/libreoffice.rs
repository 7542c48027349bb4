//! Checks with a real spreadsheet program: LibreOffice (headless) recalculates the summary
//! formulas and re-saves files that kojo must import.
//!
//! These tests FAIL (never skip) when LibreOffice is missing: install `libreoffice-calc-nogui`.

mod common;

use calamine::Data;
use common::*;
use kojo_domain::{FiscalYear, Header, Mark, Scorer, Sheet, Stats};
use kojo_xlsx::{Lang, blank, export, import};
use std::collections::BTreeMap;

/// Compares a summary row recalculated by LibreOffice with kojo's statistics.
fn assert_row(range: &calamine::Range<Data>, row: u32, stats: &Stats, what: &str) {
    let at = |col| float(range, row, col);
    assert_eq!(at(1), Some(f64::from(stats.items)), "{what}: items");
    for (i, mark) in Mark::ALL.iter().enumerate() {
        assert_eq!(
            at(2 + i as u32),
            Some(f64::from(stats.counts.get(*mark))),
            "{what}: count of {}",
            mark.symbol()
        );
    }
    assert_eq!(at(7), Some(f64::from(stats.answered)), "{what}: answered");
    assert_eq!(
        at(8),
        Some(f64::from(stats.items - stats.answered)),
        "{what}: unanswered"
    );
    match stats.achievement_rate {
        Some(r) => {
            let got = at(9).unwrap_or_else(|| {
                panic!(
                    "{what}: rate is not a number: {:?}",
                    range.get_value((row, 9))
                )
            });
            assert!((got - r).abs() < 1e-9, "{what}: rate {got} vs kojo {r}");
        }
        None => assert_eq!(
            text(range, row, 9),
            "",
            "{what}: no rate when every item is －"
        ),
    }
    let completion = at(10).unwrap_or(f64::NAN);
    assert!(
        (completion - stats.completion).abs() < 1e-9,
        "{what}: completion {completion} vs kojo {}",
        stats.completion
    );
}

/// Every row of the summary sheet against kojo's Scorer for `sheet`.
fn assert_summary(bytes: &[u8], summary_sheet: &str, sheet: &Sheet) {
    let c = catalog();
    let summary = Scorer::new(c).summarize(sheet.answers.iter().map(|(n, a)| (*n, a)));
    let range = read_sheet(bytes, summary_sheet);
    assert_row(&range, 3, &summary.overall, "overall");
    for (i, label) in summary.labels.iter().enumerate() {
        assert_row(
            &range,
            4 + i as u32,
            &label.stats,
            &format!("label {}", label.label),
        );
    }
}

/// Replaces every cached formula result of a sheet XML with 0, so only a recalculation can
/// produce the right figures.
fn zero_cached_results(xml: &str) -> String {
    let mut out = String::with_capacity(xml.len());
    let mut rest = xml;
    while let Some(i) = rest.find("</f><v>") {
        let (head, tail) = rest.split_at(i + "</f><v>".len());
        out.push_str(head);
        let end = tail.find("</v>").expect("</v>");
        out.push('0');
        rest = &tail[end..];
    }
    out.push_str(rest);
    // String results ("" for no rate) become numbers too.
    out.replace(" t=\"str\"", "")
}

#[test]
fn libreoffice_recalculates_the_summary_of_a_filled_export() {
    let c = catalog();
    let sheet = sample_sheet();
    assert!(
        sheet
            .answers
            .values()
            .any(|a| a.mark() == Mark::NotApplicable),
        "sample has －"
    );
    assert!(
        sheet.answers.len() < c.item_count(),
        "sample has unanswered items"
    );
    let bytes = export(c, &sheet, Lang::Ja).expect("export");
    let stale = patch(&bytes, SUMMARY_XML, zero_cached_results);
    assert!(entry(&unzip(&stale), SUMMARY_XML).contains("<v>0</v>"));

    let recalculated = libreoffice_resave(&stale, "filled-export");
    assert_summary(&recalculated, "集計", &sheet);
    // And the file LibreOffice wrote imports to the same sheet.
    let back =
        import(&recalculated, c).unwrap_or_else(|e| panic!("import after LibreOffice:\n{e}"));
    assert_eq!(back, sheet);
}

#[test]
fn english_export_survives_libreoffice() {
    let c = catalog();
    let sheet = sample_sheet();
    let resaved = libreoffice_resave(
        &export(c, &sheet, Lang::En).expect("export"),
        "english-export",
    );
    assert_eq!(import(&resaved, c).unwrap_or_else(|e| panic!("{e}")), sheet);
    assert_summary(&resaved, "Summary", &sheet);
}

fn answer(mark: &str, fields: &[(&str, &str)]) -> kojo_domain::ItemAnswer {
    raw(mark, fields)
}

#[test]
fn checksheet_filled_outside_kojo_recalculates_and_imports() {
    // A blank checksheet filled in the way another program writes cells (inline strings, serial
    // numbers for dates, text dates, stray spaces, a hidden row, two rows swapped), then loaded
    // and saved by LibreOffice. Its summary was cached for an empty sheet, so the figures can
    // only be right if LibreOffice computed the formulas.
    let c = catalog();
    let r = item_row;
    let cell = |col: &str, n: u16| format!("{col}{}", r(n));
    let mut cells: Vec<(String, Val<'static>)> = vec![
        ("B2".into(), Val::Inline(" 株式会社エルオー ")),
        ("B3".into(), Val::Inline("P7")),
        ("C3".into(), Val::Inline("エルオー工場")),
        ("B4".into(), Val::Inline("L1")),
        ("C4".into(), Val::Inline("第1ライン")),
        ("B5".into(), Val::Num(2025.0)),
        ("B6".into(), Val::Inline("評価 者")),
        ("B7".into(), Val::Num(46000.0)),
        // rows of items 1 and 2 swapped (both in label 1)
        (cell("D", 1), Val::Num(2.0)),
        (cell("H", 1), Val::Inline("○")),
        (cell("I", 1), Val::Inline("代替策あり")),
        (cell("D", 2), Val::Num(1.0)),
        (cell("H", 2), Val::Inline("×")),
        (cell("H", 4), Val::Inline("□")),
        (cell("J", 4), Val::Inline("理由")),
        (cell("K", 4), Val::Num(46477.0)),
        (cell("H", 5), Val::Inline("△")),
        (cell("N", 5), Val::Inline("検討")),
        (cell("H", 6), Val::Inline("×")),
        (cell("H", 7), Val::Inline("－")),
        (cell("P", 7), Val::Inline("該当なし")),
        (cell("H", 13), Val::Inline("－")),
        (cell("P", 13), Val::Inline("なし")),
        (cell("H", 20), Val::Inline("□")),
        (cell("J", 20), Val::Inline("  更新待ち  ")),
        (cell("K", 20), Val::Inline("2027/4/1")),
        (cell("H", 30), Val::Inline("△")),
        (cell("N", 30), Val::Inline("s")),
        (cell("O", 30), Val::Inline("2026-10-01")),
        (cell("H", 50), Val::Inline("×")),
        (cell("Q", 50), Val::Inline("備考")),
        (cell("H", 63), Val::Inline("－")),
        (cell("P", 63), Val::Inline("対象外")),
    ];
    for n in (8..=12).chain(40..=45) {
        cells.push((cell("H", n), Val::Inline("○")));
    }
    let cell_refs: Vec<(&str, Val<'_>)> = cells.iter().map(|(k, v)| (k.as_str(), *v)).collect();
    let filled = patch(&blank(c, Lang::Ja).expect("blank"), MAIN_XML, |xml| {
        hide_row(&set_cells(xml, &cell_refs), r(5))
    });

    let mut answers = BTreeMap::new();
    answers.insert(no(2), answer("○", &[("alternative", "代替策あり")]));
    answers.insert(no(1), answer("×", &[]));
    answers.insert(
        no(4),
        answer("□", &[("reason", "理由"), ("review_by", "2027-03-31")]),
    );
    answers.insert(no(5), answer("△", &[("status", "検討")]));
    answers.insert(no(6), answer("×", &[]));
    answers.insert(no(7), answer("－", &[("na_reason", "該当なし")]));
    answers.insert(no(13), answer("－", &[("na_reason", "なし")]));
    answers.insert(
        no(20),
        answer("□", &[("reason", "更新待ち"), ("review_by", "2027-04-01")]),
    );
    answers.insert(
        no(30),
        answer("△", &[("status", "s"), ("target_date", "2026-10-01")]),
    );
    answers.insert(no(50), answer("×", &[("note", "備考")]));
    answers.insert(no(63), answer("－", &[("na_reason", "対象外")]));
    for n in (8..=12).chain(40..=45) {
        answers.insert(no(n), answer("○", &[]));
    }
    let expected = Sheet {
        catalog_id: c.id.clone(),
        header: Header {
            company: "株式会社エルオー".into(),
            site_code: "P7".into(),
            site_name: "エルオー工場".into(),
            line_code: Some("L1".into()),
            line_name: Some("第1ライン".into()),
            period: FiscalYear::new(2025),
            assessor: Some("評価 者".into()),
            // serial 46000 in the 1900 date system
            date: chrono::NaiveDate::from_ymd_opt(2025, 12, 9),
        },
        answers,
    };
    // Label 3 has a single item, marked －: no rate there.
    let label3 = c.label(3).expect("label 3");
    assert_eq!(
        label3
            .requirements
            .iter()
            .map(|r| r.items.len())
            .sum::<usize>(),
        1
    );

    // kojo reads the file as the other program left it …
    assert_eq!(
        import(&filled, c).unwrap_or_else(|e| panic!("{e}")),
        expected
    );
    // … and as LibreOffice re-saved it, with LibreOffice's own formula results.
    let resaved = libreoffice_resave(&filled, "filled-outside");
    let imported = import(&resaved, c).unwrap_or_else(|e| panic!("import after LibreOffice:\n{e}"));
    assert_eq!(imported, expected);
    assert_summary(&resaved, "集計", &expected);
    let s = Scorer::new(c).summarize(imported.answers.iter().map(|(n, a)| (*n, a)));
    assert_eq!(s.overall.achievement_rate, Some(12.0 / 60.0));
    assert_eq!(s.labels[2].stats.achievement_rate, None);
}

#[test]
fn lookalike_marks_typed_in_a_spreadsheet_import() {
    // Marks typed without the drop-down (look-alikes, full width, stray spaces) in the English
    // checksheet, saved by LibreOffice.
    let c = catalog();
    let r = item_row;
    let filled = patch(&blank(c, Lang::En).expect("blank"), MAIN_XML, |xml| {
        set_cells(
            xml,
            &[
                ("B5", Val::Inline("FY2027")),
                ("B7", Val::Inline("2027-04-01")),
                (&format!("H{}", r(1)), Val::Inline("o")),
                (&format!("H{}", r(2)), Val::Inline("〇")),
                (&format!("H{}", r(3)), Val::Inline(" X ")),
                (&format!("H{}", r(4)), Val::Inline("ｰ")),
                (&format!("P{}", r(4)), Val::Inline("no such equipment")),
                (&format!("H{}", r(5)), Val::Inline("\u{3000}☐\u{3000}")),
                (&format!("J{}", r(5)), Val::Inline("budget")),
                (&format!("K{}", r(5)), Val::Inline("２０２７年３月３１日")),
                (&format!("H{}", r(6)), Val::Inline("consider")),
                (&format!("N{}", r(6)), Val::Inline("in review")),
            ],
        )
    });
    let resaved = libreoffice_resave(&filled, "lookalikes");
    let sheet = import(&resaved, c).unwrap_or_else(|e| panic!("{e}"));
    let marks: Vec<Option<Mark>> = (1..=7)
        .map(|n| sheet.answers.get(&no(n)).map(|a| a.mark()))
        .collect();
    assert_eq!(
        marks,
        [
            Some(Mark::Implemented),
            Some(Mark::Implemented),
            Some(Mark::NotConsidered),
            Some(Mark::NotApplicable),
            Some(Mark::Deferred),
            Some(Mark::Considering),
            None
        ]
    );
    assert_eq!(sheet.header.period, FiscalYear::new(2027));
    assert_eq!(
        sheet.header.date,
        chrono::NaiveDate::from_ymd_opt(2027, 4, 1)
    );
    assert_eq!(
        sheet.answers[&no(5)].to_raw().review_by.as_deref(),
        Some("2027-03-31")
    );
    let s = Scorer::new(c).summarize(sheet.answers.iter().map(|(n, a)| (*n, a)));
    assert_eq!(s.overall.achievement_rate, Some(2.0 / 62.0));
    assert_eq!(s.overall.completion, 6.0 / 63.0);
}

#[test]
fn export_with_the_cycle_columns_survives_libreoffice() {
    // The informational columns (last year's mark, a review with a date and a percentage) as
    // LibreOffice re-saves them: the file still imports to the same answers.
    let c = catalog();
    let sheet = sample_sheet();
    let marks = BTreeMap::from([(no(4), Mark::Deferred), (no(5), Mark::NotConsidered)]);
    let reviews = [kojo_domain::Review {
        item: 4,
        mark: Mark::Deferred,
        valid: Some(false),
        progress: Some("見積取得済み".into()),
        progress_pct: Some(40),
        status: None,
        target_date: chrono::NaiveDate::from_ymd_opt(2027, 9, 30),
        note: Some("=1+1".into()),
        by: "山田".into(),
        at: "2027-05-01T09:00:00+09:00".into(),
    }];
    let cycle = kojo_xlsx::CycleColumns {
        previous: Some(kojo_xlsx::PreviousMarks {
            caption: "2026年度",
            marks: &marks,
        }),
        reviews: &reviews,
        inherited: &[],
    };
    let bytes = kojo_xlsx::export_cycle(c, &sheet, &cycle, Lang::Ja).expect("export");
    let resaved = libreoffice_resave(&bytes, "cycle-export");
    let range = read_sheet(&resaved, "チェックシート");
    assert_eq!(text(&range, item_row(4) - 1, 17), "□");
    assert_eq!(float(&range, item_row(4) - 1, 20), Some(0.4));
    assert_eq!(text(&range, item_row(4) - 1, 23), "=1+1");
    assert_eq!(
        import(&resaved, c).unwrap_or_else(|e| panic!("import after LibreOffice:\n{e}")),
        sheet
    );
    assert_summary(&resaved, "集計", &sheet);
}
