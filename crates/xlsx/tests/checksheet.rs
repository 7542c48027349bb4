//! Export, import and the action list on real files (no spreadsheet program needed).

mod common;

use calamine::Data;
use common::*;
use kojo_domain::{Field, Mark, Scorer, Sheet};
use kojo_xlsx::{FORMAT_VERSION, Lang, action_list_csv, action_list_xlsx, blank, export, import};

fn today() -> chrono::NaiveDate {
    chrono::NaiveDate::from_ymd_opt(2027, 5, 10).expect("date")
}

fn main_name(lang: Lang) -> &'static str {
    match lang {
        Lang::Ja => "チェックシート",
        Lang::En => "Checksheet",
    }
}

fn summary_name(lang: Lang) -> &'static str {
    match lang {
        Lang::Ja => "集計",
        Lang::En => "Summary",
    }
}

#[test]
fn export_import_export_is_lossless() {
    let c = catalog();
    let sheet = sample_sheet();
    for lang in Lang::ALL {
        let bytes = export(c, &sheet, lang).expect("export");
        let back = import(&bytes, c).unwrap_or_else(|e| panic!("import ({lang}):\n{e}"));
        assert_eq!(back, sheet, "round trip ({lang})");
        let again = export(c, &back, lang).expect("export again");
        assert_eq!(
            import(&again, c).expect("import again"),
            sheet,
            "second round trip ({lang})"
        );
    }
}

#[test]
fn blank_imports_as_an_empty_sheet() {
    let c = catalog();
    for lang in Lang::ALL {
        let sheet = import(&blank(c, lang).expect("blank"), c).expect("import blank");
        assert_eq!(
            sheet,
            Sheet {
                catalog_id: c.id.clone(),
                ..Sheet::default()
            }
        );
    }
}

#[test]
fn blank_shows_every_condition_verbatim_with_the_catalog_texts() {
    let c = catalog();
    for lang in Lang::ALL {
        let bytes = blank(c, lang).expect("blank");
        let names = sheet_names(&bytes);
        assert_eq!(
            names[..3],
            [
                main_name(lang),
                if lang == Lang::Ja { "凡例" } else { "Legend" },
                summary_name(lang)
            ]
        );
        let range = read_sheet(&bytes, main_name(lang));
        let mut seen = 0;
        for view in c.items() {
            let row = item_row(view.item.number) - 1;
            assert_eq!(
                float(&range, row, 3),
                Some(f64::from(view.item.number)),
                "No. of row {}",
                row + 1
            );
            assert_eq!(
                text(&range, row, 4),
                view.item.condition.get(lang),
                "condition of item {}",
                view.item.number
            );
            assert_eq!(
                text(&range, row, 0),
                format!("{} {}", view.label.number, view.label.name.get(lang))
            );
            assert_eq!(text(&range, row, 2), view.requirement.text.get(lang));
            let criteria = text(&range, row, 5);
            for section in &view.item.criteria {
                if let Some(h) = &section.heading {
                    assert!(
                        criteria.contains(h.get(lang)),
                        "item {} heading {}",
                        view.item.number,
                        h.get(lang)
                    );
                }
                for e in &section.entries {
                    assert!(
                        criteria.contains(e.get(lang)),
                        "item {} entry {}",
                        view.item.number,
                        e.get(lang)
                    );
                }
            }
            for r in &view.item.references {
                assert!(
                    criteria.contains(&r.display(lang)),
                    "item {} reference {}",
                    view.item.number,
                    r.display(lang)
                );
            }
            let area = c.area(&view.item.area).expect("area").name.get(lang);
            assert_eq!(text(&range, row, 6), area);
            assert_eq!(
                text(&range, row, 7),
                "",
                "mark of item {} is empty",
                view.item.number
            );
            seen += 1;
        }
        assert_eq!(seen, 63);
        // Headings: the answer columns carry the domain's field names.
        for (i, field) in Field::ALL.iter().enumerate() {
            assert_eq!(
                text(&range, 7, 7 + i as u32).to_lowercase(),
                field.name(lang).to_lowercase()
            );
        }
        // Label 3's objective reads 同上 and says which label it means.
        let label3 = c.items().find(|v| v.label.number == 3).expect("label 3");
        let objective = text(&range, item_row(label3.item.number) - 1, 1);
        assert!(
            objective.starts_with(label3.label.objective.get(lang)),
            "{objective}"
        );
        assert!(objective.contains('2'), "{objective}");
    }
}

#[test]
fn every_mark_cell_has_the_drop_down() {
    let c = catalog();
    for lang in Lang::ALL {
        let entries = unzip(&blank(c, lang).expect("blank"));
        let xml = entry(&entries, MAIN_XML);
        let start = xml.find("<dataValidation ").expect("a data validation");
        let dv = &xml[start..start + xml[start..].find("</dataValidation>").expect("end")];
        assert!(dv.contains("type=\"list\""), "{dv}");
        assert!(
            dv.contains("sqref=\"H9:H71\""),
            "covers every mark cell H9:H71: {dv}"
        );
        // The list is the five symbols exactly: ○ U+25CB □ U+25A1 △ U+25B3 × U+00D7 － U+FF0D.
        assert!(
            dv.contains("<formula1>\"\u{25CB},\u{25A1},\u{25B3},\u{00D7},\u{FF0D}\"</formula1>"),
            "{dv}"
        );
        assert_eq!(xml.matches("<dataValidation ").count(), 1);
    }
}

#[test]
fn layout_is_ready_to_print_and_fill_in() {
    let c = catalog();
    let entries = unzip(&blank(c, Lang::Ja).expect("blank"));
    let main = entry(&entries, MAIN_XML);
    assert!(
        main.contains(
            "<pane ySplit=\"8\" topLeftCell=\"A9\" activePane=\"bottomLeft\" state=\"frozen\"/>"
        ),
        "frozen panes"
    );
    assert!(
        main.contains("paperSize=\"9\"") && main.contains("orientation=\"landscape\""),
        "A4 landscape"
    );
    assert!(
        main.contains("fitToPage=\"1\"") && main.contains("fitToHeight=\"0\""),
        "fit to width"
    );
    assert!(main.contains("<autoFilter ref=\"A8:Z71\""), "autofilter");
    let workbook = entry(&entries, "xl/workbook.xml");
    assert!(
        workbook.contains("_xlnm.Print_Titles\" localSheetId=\"0\">チェックシート!$8:$8<"),
        "header row repeated: {workbook}"
    );
    assert!(
        workbook.contains("name=\"kojo\" sheetId=\"4\" state=\"veryHidden\""),
        "metadata very hidden"
    );
    assert!(
        entry(&entries, META_XML).contains("<sheetProtection"),
        "metadata protected"
    );
}

#[test]
fn metadata_and_legend() {
    let c = catalog();
    for lang in Lang::ALL {
        let bytes = blank(c, lang).expect("blank");
        let meta = read_sheet(&bytes, "kojo");
        let pairs: Vec<(String, String)> = (0..6)
            .map(|r| (text(&meta, r, 0), text(&meta, r, 1)))
            .collect();
        assert!(pairs.contains(&("catalog_id".into(), c.id.clone())));
        assert!(pairs.contains(&("catalog_version".into(), c.version.clone())));
        assert!(pairs.contains(&("format_version".into(), FORMAT_VERSION.into())));

        let legend = read_sheet(&bytes, if lang == Lang::Ja { "凡例" } else { "Legend" });
        for (i, def) in c.marks.iter().enumerate() {
            assert_eq!(text(&legend, 3 + i as u32, 0), def.symbol);
            assert_eq!(text(&legend, 3 + i as u32, 2), def.definition.get(lang));
        }
        let all: Vec<String> = legend.cells().map(|(_, _, d)| d.to_string()).collect();
        let note = c.translation_note.get(Lang::En);
        assert_eq!(
            all.iter().any(|s| s == note),
            lang == Lang::En,
            "unofficial-translation note only in English"
        );
        assert!(
            all.iter().any(|s| s.contains(c.areas_meta.note.get(lang))),
            "areas are marked as suggestions"
        );
    }
}

#[test]
fn summary_caches_kojos_scores() {
    let c = catalog();
    let sheet = sample_sheet();
    let summary = Scorer::new(c).summarize(sheet.answers.iter().map(|(n, a)| (*n, a)));
    for lang in Lang::ALL {
        let bytes = export(c, &sheet, lang).expect("export");
        let range = read_sheet(&bytes, summary_name(lang));
        let rows = std::iter::once(&summary.overall).chain(summary.labels.iter().map(|l| &l.stats));
        for (i, stats) in rows.enumerate() {
            assert_stats_row(&range, 3 + i as u32, stats);
        }
    }
}

/// Checks a summary row's values: items, ○ □ △ × －, answered, unanswered, rate, completion.
pub fn assert_stats_row(range: &calamine::Range<Data>, row: u32, stats: &kojo_domain::Stats) {
    let at = |col| float(range, row, col);
    assert_eq!(
        at(1),
        Some(f64::from(stats.items)),
        "items, row {}",
        row + 1
    );
    for (i, mark) in Mark::ALL.iter().enumerate() {
        assert_eq!(
            at(2 + i as u32),
            Some(f64::from(stats.counts.get(*mark))),
            "{} row {}",
            mark.symbol(),
            row + 1
        );
    }
    assert_eq!(
        at(7),
        Some(f64::from(stats.answered)),
        "answered, row {}",
        row + 1
    );
    assert_eq!(
        at(8),
        Some(f64::from(stats.items - stats.answered)),
        "unanswered, row {}",
        row + 1
    );
    match stats.achievement_rate {
        Some(r) => assert!(
            (at(9).unwrap_or(f64::NAN) - r).abs() < 1e-9,
            "rate row {}: {:?} vs {r}",
            row + 1,
            at(9)
        ),
        None => assert_eq!(text(range, row, 9), "", "no rate, row {}", row + 1),
    }
    assert!(
        (at(10).unwrap_or(f64::NAN) - stats.completion).abs() < 1e-9,
        "completion row {}",
        row + 1
    );
}

#[test]
fn import_tolerates_other_writers_spellings_and_row_order() {
    // A checksheet as another program leaves it: inline strings, numbers for dates, look-alike
    // marks, stray spaces, a hidden row, two rows swapped (items are found by No.).
    let c = catalog();
    let bytes = blank(c, Lang::Ja).expect("blank");
    let r = item_row;
    let patched = patch(&bytes, MAIN_XML, |xml| {
        let xml = set_cells(
            xml,
            &[
                ("B2", Val::Inline("  株式会社テスト  ")),
                ("B3", Val::Inline("P9")),
                ("C3", Val::Inline("テスト工場")),
                ("B5", Val::Num(2026.0)),
                ("B6", Val::Inline("\u{3000}検査 太郎\u{3000}")),
                ("B7", Val::Inline("２０２６年７月１日")),
                // rows 9 and 10 swapped: row 9 now holds item 2, row 10 item 1
                (&format!("D{}", r(1)), Val::Num(2.0)),
                (&format!("D{}", r(2)), Val::Inline("No.1")),
                (&format!("H{}", r(1)), Val::Inline("ｏ")),
                (&format!("H{}", r(2)), Val::Inline(" × ")),
                // □ with a serial-number date and a text date
                (&format!("H{}", r(4)), Val::Inline("☐")),
                (&format!("J{}", r(4)), Val::Inline("予算待ち")),
                (&format!("K{}", r(4)), Val::Num(46477.0)),
                (&format!("H{}", r(5)), Val::Inline("□")),
                (&format!("J{}", r(5)), Val::Inline("更新時")),
                (&format!("K{}", r(5)), Val::Inline("2027/3/31")),
                (&format!("H{}", r(6)), Val::Inline("ー")),
                (&format!("P{}", r(6)), Val::Inline("対象設備なし")),
                (&format!("H{}", r(7)), Val::Inline("\u{25B3}")),
                (&format!("N{}", r(7)), Val::Inline("検討中")),
                (&format!("O{}", r(7)), Val::Inline("2026.12.1")),
            ],
        );
        hide_row(&xml, r(5))
    });
    let sheet = import(&patched, c).unwrap_or_else(|e| panic!("{e}"));
    let h = &sheet.header;
    assert_eq!(h.company, "株式会社テスト");
    assert_eq!(
        (h.site_code.as_str(), h.site_name.as_str()),
        ("P9", "テスト工場")
    );
    assert_eq!(h.period.map(|p| p.year()), Some(2026));
    assert_eq!(h.assessor.as_deref(), Some("検査 太郎"));
    assert_eq!(h.date, chrono::NaiveDate::from_ymd_opt(2026, 7, 1));
    assert_eq!(h.line_code, None);
    let mark = |n| sheet.answers.get(&no(n)).map(|a| a.mark());
    assert_eq!(mark(1), Some(Mark::NotConsidered));
    assert_eq!(mark(2), Some(Mark::Implemented));
    assert_eq!(mark(3), None);
    assert_eq!(mark(4), Some(Mark::Deferred));
    assert_eq!(mark(5), Some(Mark::Deferred));
    assert_eq!(mark(6), Some(Mark::NotApplicable));
    assert_eq!(mark(7), Some(Mark::Considering));
    let raw4 = sheet.answers[&no(4)].to_raw();
    assert_eq!(raw4.review_by.as_deref(), Some("2027-03-31"));
    assert_eq!(
        sheet.answers[&no(5)].to_raw().review_by.as_deref(),
        Some("2027-03-31")
    );
    assert_eq!(
        sheet.answers[&no(7)].to_raw().target_date.as_deref(),
        Some("2026-12-01")
    );
    assert_eq!(sheet.answers.len(), 6);
    let s = Scorer::new(c).summarize(sheet.answers.iter().map(|(n, a)| (*n, a)));
    assert_eq!(s.overall.achievement_rate, Some(1.0 / 62.0));
}

#[test]
fn action_list_csv_lists_every_item_not_implemented() {
    let c = catalog();
    let sheet = sample_sheet();
    let implemented = sheet
        .answers
        .values()
        .filter(|a| a.mark() == Mark::Implemented)
        .count();
    for lang in Lang::ALL {
        let csv_text = action_list_csv(c, &sheet, &[], today(), lang);
        assert!(csv_text.starts_with('\u{FEFF}'), "UTF-8 BOM");
        assert!(csv_text.contains("\r\n"), "CRLF");
        let mut reader =
            csv::Reader::from_reader(csv_text.trim_start_matches('\u{FEFF}').as_bytes());
        let headers = reader.headers().expect("headers").clone();
        // The item's columns, then the action plan's six (empty without actions).
        assert_eq!(headers.len(), 4 + Field::ALL.len() + 6);
        assert_eq!(
            headers[4].to_lowercase(),
            Field::Mark.name(lang).to_lowercase()
        );
        let records: Vec<csv::StringRecord> =
            reader.records().map(|r| r.expect("record")).collect();
        assert_eq!(records.len(), 63 - implemented);
        let by_no = |n: u16| {
            records
                .iter()
                .find(|r| r[1] == n.to_string())
                .unwrap_or_else(|| panic!("No.{n} listed"))
        };
        assert!(records.iter().all(|r| r[4] != *"○"));
        let unanswered = if lang == Lang::Ja {
            "未回答"
        } else {
            "Unanswered"
        };
        assert_eq!(&by_no(7)[4], unanswered);
        assert_eq!(
            &by_no(7)[2],
            c.item(7).expect("item").item.condition.get(lang)
        );
        let four = by_no(4);
        assert_eq!(
            (&four[4], &four[6], &four[7]),
            ("□", "更新予算待ち\n来期に再申請", "2027-03-31")
        );
        assert_eq!(&four[13], "\"引用符\" と , を含む");
        assert_eq!(&by_no(21)[12], "001");
        assert_eq!(&by_no(20)[4], "－");
    }
}

#[test]
fn action_list_xlsx_matches_the_csv() {
    let c = catalog();
    let sheet = sample_sheet();
    for lang in Lang::ALL {
        let bytes = action_list_xlsx(c, &sheet, &[], today(), lang).expect("action list");
        let name = if lang == Lang::Ja {
            "対応リスト"
        } else {
            "Action list"
        };
        let range = read_sheet(&bytes, name);
        let csv_text = action_list_csv(c, &sheet, &[], today(), lang);
        let mut reader =
            csv::Reader::from_reader(csv_text.trim_start_matches('\u{FEFF}').as_bytes());
        let records: Vec<csv::StringRecord> =
            reader.records().map(|r| r.expect("record")).collect();
        for (i, record) in records.iter().enumerate() {
            let row = 4 + i as u32;
            assert_eq!(
                float(&range, row, 1).map(|f| f.to_string()),
                Some(record[1].to_string())
            );
            for col in [0usize, 2, 3, 4, 5, 6, 8, 9, 10, 12, 13] {
                assert_eq!(
                    text(&range, row, col as u32),
                    record[col],
                    "row {} col {col}",
                    row + 1
                );
            }
            for col in [7usize, 11] {
                let cell = range
                    .get_value((row, col as u32))
                    .cloned()
                    .unwrap_or(Data::Empty);
                let shown = match cell {
                    Data::DateTime(dt) => {
                        let (y, m, d, ..) = dt.to_ymd_hms_milli();
                        format!("{y:04}-{m:02}-{d:02}")
                    }
                    Data::Empty => String::new(),
                    other => panic!("date cell holds {other:?}"),
                };
                assert_eq!(shown, record[col], "date row {} col {col}", row + 1);
            }
        }
        assert_eq!(
            text(&range, 4 + records.len() as u32, 0),
            "",
            "no extra rows"
        );
    }
}

#[test]
fn export_refuses_a_sheet_of_another_catalog() {
    let c = catalog();
    let mut sheet = sample_sheet();
    sheet.catalog_id = "jama-japia-factory@1.0".into();
    let e = export(c, &sheet, Lang::Ja).expect_err("refused");
    assert!(e.to_string().contains("jama-japia-factory@1.0"), "{e}");
    assert!(action_list_xlsx(c, &sheet, &[], today(), Lang::En).is_err());
}

#[test]
fn awkward_texts_round_trip() {
    let c = catalog();
    let texts = [
        "_x0041_ は文字のまま",
        "タブ\tと改行\r\nと CR\r",
        "<tag> &amp; \"quotes\" 'single'",
        "工場 🏭 絵文字",
        "=1+1",
        "0123",
        "2027-03-31",
        "TRUE",
        "制御\u{1}文字",
    ];
    let mut sheet = sample_sheet();
    for (i, t) in texts.iter().enumerate() {
        sheet
            .answers
            .insert(no(22 + i as u16), raw("×", &[("note", t)]));
    }
    sheet.header.company = "A&B <会社>".into();
    sheet.header.line_code = None;
    sheet.header.line_name = None;
    sheet.header.assessor = None;
    for lang in Lang::ALL {
        let back =
            import(&export(c, &sheet, lang).expect("export"), c).unwrap_or_else(|e| panic!("{e}"));
        for (n, a) in &sheet.answers {
            assert_eq!(back.answers.get(n), Some(a), "item {n}");
        }
        assert_eq!(back, sheet);
    }
}

#[test]
fn headless_criteria_sections_are_set_apart() {
    let c = catalog();
    for n in [33u16, 38] {
        let view = c.item(n).expect("item");
        let sections = &view.item.criteria;
        // The catalog keeps the headless section where the source prints it: after a headed one.
        let headless = (1..sections.len())
            .find(|i| {
                sections[*i].heading.is_none() && sections[..*i].iter().any(|s| s.heading.is_some())
            })
            .unwrap_or_else(|| panic!("item {n} has a headless section after a headed one"));
        for lang in Lang::ALL {
            let criteria = kojo_xlsx::layout::criteria_text(&view, lang);
            let first = sections[headless].entries[0].get(lang);
            let at = criteria
                .find(first)
                .unwrap_or_else(|| panic!("item {n}: {first:?} in {criteria:?}"));
            let before = &criteria[..at];
            assert!(
                before.ends_with("\n\n・") || before.ends_with("\n\n• "),
                "item {n} ({lang:?}): blank line before the headless section: {criteria:?}"
            );
            // And in the checksheet's criteria cell.
            let bytes = blank(c, lang).expect("blank");
            let range = read_sheet(&bytes, main_name(lang));
            assert_eq!(text(&range, item_row(n) - 1, 5), criteria);
        }
    }
}
