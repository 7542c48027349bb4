//! Formula injection: action lists never hand a spreadsheet a formula, also when the text starts
//! with a full-width `＝＋－＠` (NFKC-normalised).

mod common;

use chrono::NaiveDate;
use common::*;
use kojo_domain::{ActionItem, ActionStatus};
use kojo_xlsx::{Lang, action_list_csv, action_list_xlsx};

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2027, 5, 10).expect("date")
}

/// Actions whose free texts (title, owner, note) look like formulas, on a listed item (4) and
/// on an item marked ○ (1), which the CSV lists for its action.
fn hostile_actions() -> (Vec<ActionItem>, Vec<&'static str>) {
    let texts = vec![
        "=HYPERLINK(\"http://evil.example\",\"x\")",
        "＋cmd|' /C calc'!A0",
        "@SUM(1+1)",
        "－2+3",
        "\t=1",
    ];
    let actions = vec![
        ActionItem {
            item: 4,
            title: texts[0].into(),
            owner: Some(texts[1].into()),
            due: NaiveDate::from_ymd_opt(2027, 4, 1),
            status: ActionStatus::Open,
            note: Some(texts[2].into()),
        },
        ActionItem {
            item: 1,
            title: texts[3].into(),
            owner: None,
            due: None,
            status: ActionStatus::Done,
            note: Some(texts[4].into()),
        },
    ];
    (actions, texts)
}

/// A sheet whose listed items carry formula-like texts (item 3 ×, item 4 □, item 63 ×).
fn hostile_sheet() -> (kojo_domain::Sheet, Vec<&'static str>) {
    let texts = vec![
        "＝HYPERLINK(\"http://evil.example\",\"x\")",
        "＠SUM(A1)",
        "＋1+1",
        "－1+1",
        "=1+1",
        "＠＠cmd",
    ];
    let mut sheet = sample_sheet();
    sheet.answers.insert(no(3), raw("×", &[("note", texts[0])]));
    sheet.answers.insert(
        no(4),
        raw(
            "□",
            &[
                ("reason", texts[1]),
                ("review_by", "2027-03-31"),
                ("accepted_by", texts[2]),
                ("progress", texts[3]),
                ("note", texts[4]),
            ],
        ),
    );
    sheet
        .answers
        .insert(no(63), raw("×", &[("note", texts[5])]));
    (sheet, texts)
}

#[test]
fn csv_defuses_full_width_formula_starts() {
    let (sheet, mut texts) = hostile_sheet();
    let (actions, action_texts) = hostile_actions();
    texts.extend(action_texts);
    for lang in Lang::ALL {
        let csv_text = action_list_csv(catalog(), &sheet, &actions, today(), lang);
        let mut reader =
            csv::Reader::from_reader(csv_text.trim_start_matches('\u{FEFF}').as_bytes());
        let fields: Vec<String> = reader
            .records()
            .flat_map(|r| {
                r.expect("record")
                    .iter()
                    .map(str::to_string)
                    .collect::<Vec<_>>()
            })
            .collect();
        for text in &texts {
            let guarded = format!("'{text}");
            assert!(fields.contains(&guarded), "{text:?} not defused ({lang:?})");
            assert!(!fields.contains(&text.to_string()), "{text:?} left as is");
        }
        // The not-applicable mark itself stays as it is.
        assert!(fields.iter().any(|f| f == "－"), "the － mark");
        assert!(
            !fields.iter().any(|f| f == "'－"),
            "the － mark is no formula"
        );
    }
}

/// The index of the `cellXfs` entry with `quotePrefix="1"` in styles.xml, if any.
fn quote_prefix_style(styles: &str) -> Option<usize> {
    let xfs = &styles[styles.find("<cellXfs")?..];
    let xfs = &xfs[..xfs.find("</cellXfs>")?];
    xfs.match_indices("<xf ").position(|(i, _)| {
        let tag = &xfs[i..];
        tag[..tag.find('>').unwrap_or(tag.len())].contains("quotePrefix=\"1\"")
    })
}

#[test]
fn xlsx_action_list_marks_formula_like_text_as_text() {
    let (sheet, texts) = hostile_sheet();
    let (actions, action_texts) = hostile_actions();
    for lang in Lang::ALL {
        let bytes =
            action_list_xlsx(catalog(), &sheet, &actions, today(), lang).expect("action list");
        let entries = unzip(&bytes);
        let style =
            quote_prefix_style(entry(&entries, "xl/styles.xml")).expect("a quote-prefix style");
        let xml = entry(&entries, "xl/worksheets/sheet1.xml");
        let quoted = xml.matches(&format!(" s=\"{style}\"")).count();
        assert_eq!(
            quoted,
            texts.len(),
            "one quote-prefixed cell per formula-like text"
        );
        // The action plan sheet: one per formula-like action text.
        let plan_xml = entry(&entries, "xl/worksheets/sheet2.xml");
        assert_eq!(
            plan_xml.matches(&format!(" s=\"{style}\"")).count(),
            action_texts.len(),
            "one quote-prefixed cell per formula-like action text"
        );
        // The texts are stored unchanged (no visible apostrophe).
        let shared = entry(&entries, "xl/sharedStrings.xml");
        assert!(shared.contains("＠SUM(A1)") && !shared.contains("'＠SUM(A1)"));
        // And a sheet without such texts has no quote-prefixed cells.
        let plain =
            action_list_xlsx(catalog(), &sample_sheet(), &[], today(), lang).expect("action list");
        let plain = unzip(&plain);
        if let Some(style) = quote_prefix_style(entry(&plain, "xl/styles.xml")) {
            let xml = entry(&plain, "xl/worksheets/sheet1.xml");
            assert_eq!(xml.matches(&format!(" s=\"{style}\"")).count(), 0);
        }
    }
}
