//! The HTML report: content, escaping, self-containment, both languages.

mod common;

use common::*;
use kojo_i18n::Lang;

fn condition(n: u16, lang: Lang) -> String {
    catalog()
        .item(n)
        .expect("item")
        .item
        .condition
        .get(lang)
        .to_string()
}

fn escaped(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

#[test]
fn japanese_report_has_cover_rates_risks_and_every_item() {
    let sheet = sheet();
    let summary = summary(&sheet);
    let html = kojo_report::html(&input(&sheet, &summary, Lang::Ja));

    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(html.contains("<html lang=\"ja\">"));
    assert!(html.contains("size: A4 portrait"));
    // Cover.
    for s in [
        "株式会社サンプル自動車部品",
        "浜松第一工場 (P01)",
        "プレス第2ライン (L2)",
        "2026年度",
        "2026年7月1日",
        "提出済み",
        "作成",
        "確認",
        "承認",
        "氏名",
        "日付",
    ] {
        assert!(html.contains(s), "cover lacks {s}");
    }
    // Rates: overall, a full label, an undefined label.
    let overall = expected_overall(&sheet);
    assert!(
        html.contains(&format!("id=\"overall-rate\">{overall}<")),
        "overall rate {overall} not shown"
    );
    assert!(
        html.contains("<strong>100.0%</strong>"),
        "label 1 should be 100.0%"
    );
    assert!(
        html.contains("<strong>—</strong>"),
        "label 17 (all －) should show —"
    );
    assert!(html.contains(&format!("{} / 63 項目回答済み", sheet.answers.len())));
    // Every condition, verbatim (escaped).
    for n in 1..=63u16 {
        assert!(
            html.contains(&escaped(&condition(n, Lang::Ja))),
            "condition {n} missing"
        );
    }
    // Residual risks with their fields.
    for s in [
        DEFERRED_REASON,
        DEFERRED_PROGRESS,
        ACCEPTED_BY,
        "2027年3月31日",
        CONSIDERING_STATUS,
        "2026年12月15日",
        NA_REASON,
    ] {
        assert!(html.contains(s), "missing {s}");
    }
    for s in [
        "評価結果の概要",
        "評価の分布",
        "ラベル別達成率",
        "残存リスク",
        "全項目一覧",
        "未回答",
    ] {
        assert!(html.contains(s), "heading {s} missing");
    }
    // The radar chart is inline.
    assert!(html.contains("<svg xmlns=\"http://www.w3.org/2000/svg\""));
    assert!(!html.contains("unofficial translation"));
}

#[test]
fn hostile_note_is_escaped() {
    let sheet = sheet();
    let summary = summary(&sheet);
    let html = kojo_report::html(&input(&sheet, &summary, Lang::Ja));
    assert!(!html.contains("<script"), "a script tag got through");
    assert!(html.contains(
        "&lt;script&gt;alert(&quot;x&amp;y&quot;)&lt;/script&gt; &#39;quoted&#39; &amp; &quot;double&quot; 日本語の備考"
    ));
    assert!(!html.contains(HOSTILE_NOTE));

    // Header fields are data too.
    let mut sheet = sheet.clone();
    sheet.header.company = "<b>A&B</b> \"株式会社\"".into();
    sheet.header.line_name = Some("<i>L</i>".into());
    let html = kojo_report::html(&input(&sheet, &summary, Lang::En));
    assert!(!html.contains("<b>A&B") && !html.contains("<i>L</i>"));
    assert!(html.contains("&lt;b&gt;A&amp;B&lt;/b&gt; &quot;株式会社&quot;"));
}

#[test]
fn html_is_self_contained() {
    let sheet = sheet();
    let summary = summary(&sheet);
    let html = kojo_report::html(&input(&sheet, &summary, Lang::Ja));
    for bad in [
        "<script", "<link", "<img", "<iframe", "src=", "href=", "@import", "https:",
    ] {
        assert!(!html.contains(bad), "external asset or script: {bad}");
    }
    let http: Vec<_> = html
        .match_indices("http:")
        .map(|(i, _)| &html[i..i + 30])
        .collect();
    assert!(
        http.iter()
            .all(|s| s.starts_with("http://www.w3.org/2000/svg")),
        "{http:?}"
    );
    let urls: Vec<_> = html
        .match_indices("url(")
        .map(|(i, _)| &html[i..i + 22])
        .collect();
    assert!(
        urls.iter().all(|s| s.starts_with("url(#kojo-radar-")),
        "{urls:?}"
    );
}

#[test]
fn english_report_marks_guideline_text_as_unofficial() {
    let sheet = sheet();
    let summary = summary(&sheet);
    let html = kojo_report::html(&input(&sheet, &summary, Lang::En));
    assert!(html.contains("<html lang=\"en\">"));
    assert!(html.contains("unofficial translation"));
    assert!(html.contains("FY2026"));
    assert!(html.contains("2026-07-01"));
    assert!(html.contains("Submitted"));
    assert!(html.contains(&escaped(&condition(1, Lang::En))));
    assert!(html.contains(&escaped(&condition(5, Lang::En))));
    assert!(
        html.contains("Prepared by")
            && html.contains("Reviewed by")
            && html.contains("Approved by")
    );
    assert!(html.contains(&expected_overall(&sheet)));
    // Data stays as entered.
    assert!(html.contains(DEFERRED_REASON));
}

#[test]
fn every_string_is_translated() {
    let sheet = sheet();
    let summary = summary(&sheet);
    let keys = |lang| {
        kojo_i18n::keys(lang)
            .filter(|k| k.starts_with("report."))
            .collect::<std::collections::BTreeSet<_>>()
    };
    assert_eq!(
        keys(Lang::Ja),
        keys(Lang::En),
        "report.* keys differ between ja and en"
    );
    for lang in Lang::ALL {
        let html = kojo_report::html(&input(&sheet, &summary, lang));
        let svg = kojo_report::radar_svg(catalog(), &summary, lang);
        for prefix in [
            "report.", "cover.", "signoff.", "summary.", "marks.", "labels.", "radar.", "risks.",
            "items.", "field.", "mark.", "status.",
        ] {
            assert!(
                !html.contains(prefix) && !svg.contains(prefix),
                "untranslated key {prefix}… in the {lang} report"
            );
        }
    }
}

#[test]
fn empty_assessment_renders() {
    let mut sheet = sheet();
    sheet.answers.clear();
    sheet.header = Default::default();
    let summary = summary(&sheet);
    let html = kojo_report::html(&kojo_report::ReportInput {
        status: None,
        ..input(&sheet, &summary, Lang::Ja)
    });
    assert!(html.contains("id=\"overall-rate\">0.0%<"));
    assert!(html.contains("該当する項目はありません。"));
    assert!(html.contains("工場全体"));
}

#[test]
fn achievement_rate_is_labelled_as_kojos_measure() {
    let sheet = sheet();
    let summary = summary(&sheet);
    for (lang, note, captions) in [
        (
            Lang::Ja,
            RATE_NOTE_JA,
            ["全体達成率（kojo の指標）", "ラベル別達成率（kojo の指標）"],
        ),
        (
            Lang::En,
            RATE_NOTE_EN,
            [
                "Overall achievement rate (kojo's measure)",
                "Achievement rate per label (kojo's measure)",
            ],
        ),
    ] {
        let html = kojo_report::html(&input(&sheet, &summary, lang));
        // On the summary page and above the item list, whose label rows print rates too.
        assert_eq!(
            html.matches(&escaped(note)).count(),
            2,
            "{lang}: rate note missing or misplaced"
        );
        let summary_at = html.find("class=\"summary\"").expect("summary section");
        let items_at = html.find("class=\"items\"").expect("items section");
        let first = html.find(&escaped(note)).unwrap();
        let last = html.rfind(&escaped(note)).unwrap();
        assert!(summary_at < first && first < items_at && items_at < last);
        for c in captions {
            assert!(html.contains(&escaped(c)), "{lang}: caption {c} missing");
        }
        assert!(!html.contains("{items}"), "{lang}: placeholder left");
    }
}
