//! A line's report that inherits from its plant: the notice with the count, and each inherited
//! item marked 「工場から引継ぎ」, in HTML and (through `pdftotext`) in the PDF.

mod common;

use common::*;
use kojo_domain::{ItemNo, Scorer};
use kojo_i18n::{Lang, t};

fn inherited_summary(sheet: &kojo_domain::Sheet) -> kojo_domain::Summary {
    let mut s = summary(sheet);
    let items = [1u16, 2, 3].map(|n| ItemNo::new(n, catalog()).expect("item"));
    Scorer::new(catalog()).apply_inherited(&mut s, items);
    s
}

/// The item list's row of item `n` in the HTML.
fn item_row(html: &str, n: u16) -> &str {
    let table = &html[html.find("<table class=\"items\">").expect("item list")..];
    let start = table
        .find(&format!("<tr><td class=\"c\">{n}</td>"))
        .unwrap_or_else(|| panic!("row of item {n}"));
    let row = &table[start..];
    &row[..row.find("</tr>").expect("row end")]
}

#[test]
fn html_marks_inherited_items_and_says_how_many() {
    let sheet = sheet();
    for lang in Lang::ALL {
        let with = inherited_summary(&sheet);
        let html = kojo_report::html(&input(&sheet, &with, lang));
        let mark = t(lang, "report.inherited.mark");
        assert!(
            html.contains(t(lang, "report.inherited.heading")),
            "{lang}: notice"
        );
        let count = match lang {
            Lang::Ja => "3 項目",
            Lang::En => "3 items",
        };
        assert!(html.contains(count), "{lang}: count");
        for n in [1, 2, 3] {
            assert!(item_row(&html, n).contains(mark), "{lang}: item {n} marked");
        }
        for n in [4, 5, 63] {
            assert!(
                !item_row(&html, n).contains(mark),
                "{lang}: item {n} not marked"
            );
        }
        // Without inheritance, no notice and no marker.
        let plain = summary(&sheet);
        let html = kojo_report::html(&input(&sheet, &plain, lang));
        assert!(!html.contains(mark), "{lang}: nothing inherited");
    }
}

#[test]
fn pdf_marks_inherited_items() {
    let tools = Tools::new();
    let sheet = sheet();
    let summary = inherited_summary(&sheet);
    let bytes = kojo_report::pdf(&input(&sheet, &summary, Lang::Ja)).expect("pdf renders");
    let path = tools.write("report-inherited.pdf", &bytes);
    let flat = squeeze(&tools.run("pdftotext", &["-layout", "-enc", "UTF-8"], &path));
    assert!(flat.contains(&squeeze(t(Lang::Ja, "report.inherited.heading"))));
    let marks = flat
        .matches(&squeeze(t(Lang::Ja, "report.inherited.mark")))
        .count();
    // Three items, plus the notice that names the marker once.
    assert_eq!(marks, 4, "{flat}");
}
