//! The yearly cycle's parts of the report: sign-off boxes, provisional answers, review results,
//! year over year and the action plan, in HTML and (through `pdftotext`) in the PDF.

mod common;
mod cycle_fixture;

use common::*;
use cycle_fixture::*;
use kojo_domain::{CycleReport, FiscalYear, Previous};
use kojo_i18n::{Lang, t};
use kojo_report::ReportInput;

#[test]
fn html_shows_the_cycle() {
    let f = fixture(3);
    let html = kojo_report::html(&f.input(Lang::Ja));

    // Sign-off boxes: the latest steps since the return, with their days.
    let boxes = between(&html, "<table class=\"signoff\">", "</table>");
    assert!(
        boxes.contains(&format!(
            "<td>{AUTHOR}</td><td>{REVIEWER}</td><td>{APPROVER}</td>"
        )),
        "names not in the boxes: {boxes}"
    );
    assert!(
        boxes.contains("<td>2026-06-27</td><td>2026-06-28</td><td>2026-07-01</td>"),
        "dates not in the boxes: {boxes}"
    );
    assert!(
        !html.contains("2026-06-25"),
        "a submission before the return is shown"
    );
    assert!(!html.contains(t(Lang::Ja, "cycle.relaxed_note")));

    // Provisional answers, on the summary page.
    let summary = between(&html, "<section class=\"summary\">", "</section>");
    let notice = between(summary, "<div class=\"provisional\">", "</div>");
    assert!(notice.contains("暫定"), "{notice}");
    assert!(notice.contains("No.3、No.12"), "{notice}");
    assert!(notice.contains("次の 2 項目"), "{notice}");

    // Year over year: previous period, rates then → now, label rows, regressions first.
    let yoy = between(&html, "<section class=\"yoy\">", "</section>");
    assert!(yoy.contains("<h2>前年比</h2>"));
    assert!(yoy.contains("2025年度（改訂 2）"), "{yoy}");
    let (then, now) = (rate(&f.prev_summary, None), rate(&f.summary, None));
    assert_ne!(then, now);
    assert!(
        yoy.contains(&format!("id=\"overall-yoy\">{then} → {now}<")),
        "overall {then} → {now} missing"
    );
    let label = label_of(6);
    let (lthen, lnow) = (
        rate(&f.prev_summary, Some(label)),
        rate(&f.summary, Some(label)),
    );
    let labels = between(yoy, "<table class=\"yoy-labels\">", "</table>");
    assert!(
        row(labels, label).contains(&format!(
            "<td class=\"num\">{lthen}</td><td class=\"num\">{lnow}</td>"
        )),
        "label {label}: {lthen} → {lnow} missing: {}",
        row(labels, label)
    );
    let changes = between(yoy, "<table class=\"changes\">", "</table>");
    let r6 = row(changes, 6);
    assert!(
        r6.starts_with("<tr class=\"regressed\">")
            && r6.contains("<td class=\"mark\">○</td><td class=\"mark\">×</td><td>悪化</td>"),
        "{r6}"
    );
    let r3 = row(changes, 3);
    assert!(
        r3.contains("<td class=\"mark\">□</td><td class=\"mark\">○</td><td>改善</td>"),
        "{r3}"
    );
    assert!(
        row(changes, 5).contains("<td class=\"mark\">×</td><td class=\"mark\">△</td><td>改善</td>")
    );
    assert!(
        changes.find(r6) < changes.find(r3),
        "the regression is not listed first"
    );
    assert_eq!(
        changes.matches("<tr").count(),
        5,
        "header and four changes (item 58 is no longer answered)"
    );

    // Review results.
    let reviews = between(&html, "<section class=\"reviews\">", "</section>");
    let r4 = row(reviews, 4);
    for s in [
        "<dd>はい</dd>",
        PROGRESS_4,
        "<dd>40%</dd>",
        NOTE_4,
        REVIEW_BY_4,
        "<dd>2026-06-20</dd>",
    ] {
        assert!(r4.contains(s), "item 4's review lacks {s}: {r4}");
    }
    assert!(!r4.contains("未実施"));
    let r5 = row(reviews, 5);
    for s in [
        STATUS_5,
        "<dd>2026年11月30日</dd>",
        REVIEW_BY_5,
        "<dd>2026-06-21</dd>",
    ] {
        assert!(r5.contains(s), "item 5's review lacks {s}: {r5}");
    }
    for n in [6, 14] {
        let r = row(reviews, n);
        assert!(
            r.starts_with("<tr class=\"not-reviewed\">") && r.contains("<dd>未実施</dd>"),
            "item {n} should be not reviewed: {r}"
        );
    }
    assert!(
        !reviews.contains("古い見直し"),
        "a review for another mark is shown"
    );
    assert_eq!(
        reviews.matches("<tr class=\"not-reviewed\">").count(),
        not_reviewed(&f).len()
    );
    assert_eq!(
        reviews.matches("<tr").count(),
        f.summary.residual_risks.len() + 1
    );

    // Action plan: the open, past-due action is marked; the done one is not.
    let actions = between(&html, "<section class=\"actions\">", "</section>");
    let a6 = row(actions, 6);
    assert!(a6.starts_with("<tr class=\"overdue\">"), "{a6}");
    assert!(
        a6.contains("2026年6月15日<span class=\"overdue-mark\">期限超過</span>"),
        "{a6}"
    );
    assert!(a6.contains(ACTION_6) && a6.contains("情報システム部 伊藤") && a6.contains("未着手"));
    let a5 = row(actions, 5);
    assert!(a5.contains("完了") && !a5.contains("期限超過"), "{a5}");
    assert!(!row(actions, 4).contains("期限超過"));
    assert_eq!(actions.matches("期限超過").count(), 1);
    assert!(actions.contains("期限を過ぎた未完了の対策が 1 件あります"));
    // Action texts are data: escaped like every other.
    assert!(!html.contains("<script"));
    assert!(a6.contains("&lt;script&gt;alert(&quot;x&amp;y&quot;)&lt;/script&gt;"));

    // Order of the sections.
    let at = |c: &str| {
        html.find(&format!("<section class=\"{c}\">"))
            .unwrap_or_else(|| panic!("section {c}"))
    };
    let order = ["summary", "yoy", "risks", "reviews", "actions", "items"].map(at);
    assert!(order.is_sorted(), "sections out of order: {order:?}");
}

#[test]
fn english_cycle_is_translated() {
    let f = fixture(3);
    let html = kojo_report::html(&f.input(Lang::En));
    for s in [
        "Year over year",
        "FY2025 assessment (revision 2)",
        "Review results",
        "Action plan",
        "Provisional answers",
        "No.3, No.12",
        "<dd>Yes</dd>",
        "Not reviewed",
        "<span class=\"overdue-mark\">Overdue</span>",
        "<td>Regressed</td>",
        "2026-06-27",
    ] {
        assert!(html.contains(s), "English report lacks {s}");
    }
    for lang in Lang::ALL {
        let html = kojo_report::html(&f.input(lang));
        for prefix in [
            "report.",
            "review.",
            "yoy.",
            "actions.",
            "provisional.",
            "cycle.",
            "change.",
            "decision.",
            "action_status.",
        ] {
            assert!(
                !html.contains(prefix),
                "untranslated key {prefix}… in the {lang} report"
            );
        }
    }
}

#[test]
fn relaxed_sign_off_is_noted() {
    for lang in Lang::ALL {
        let note = t(lang, "cycle.relaxed_note");
        assert!(!note.is_empty() && note != "cycle.relaxed_note");
        let two = fixture(2);
        let three = fixture(3);
        let html = kojo_report::html(&two.input(lang));
        let cover = between(&html, "<section class=\"cover\">", "</section>");
        assert!(
            cover.contains(&format!("<p class=\"signoff-note\">{note}</p>")),
            "{lang}: relaxed note missing on the cover"
        );
        assert!(!kojo_report::html(&three.input(lang)).contains(note));
        // Without the cycle: neither the note nor the cycle's sections.
        let plain = kojo_report::html(&input(&three.sheet, &three.summary, lang));
        assert!(!plain.contains(note));
        for c in ["yoy", "reviews", "actions"] {
            assert!(!plain.contains(&format!("<section class=\"{c}\">")));
        }
    }
}

#[test]
fn sections_without_content_say_so() {
    // No previous assessment, no actions, no sign-off yet.
    let f = fixture(3);
    let cycle = CycleReport {
        required_signers: 3,
        reviews: f.cycle.reviews.clone(),
        ..Default::default()
    };
    let input = ReportInput {
        cycle: Some(&cycle),
        ..input(&f.sheet, &f.summary, Lang::Ja)
    };
    let html = kojo_report::html(&input);
    let yoy = between(&html, "<section class=\"yoy\">", "</section>");
    assert!(yoy.contains("比較できる前年度の評価（同じ工場・ライン）はありません。"));
    let actions = between(&html, "<section class=\"actions\">", "</section>");
    assert!(actions.contains("登録された対策はありません。"));
    assert!(!html.contains("class=\"provisional\""));
    let boxes = between(&html, "<table class=\"signoff\">", "</table>");
    assert_eq!(boxes.matches("<td></td>").count(), 6, "{boxes}");
    // No change since last year.
    let same = CycleReport {
        previous: Some(Previous {
            period: FiscalYear::new(2025).expect("year"),
            revision: 1,
            summary: f.summary.clone(),
            changes: vec![],
        }),
        ..cycle.clone()
    };
    let html = kojo_report::html(&ReportInput {
        cycle: Some(&same),
        ..input
    });
    assert!(html.contains("前年度から評価が変わった項目はありません。"));
    assert!(html.contains("<td class=\"num\">±0.0</td>"));
    // An assessment without □ △ ×.
    let mut sheet = f.sheet.clone();
    sheet.answers.retain(|_, a| !a.mark().is_residual_risk());
    let summary = common::summary(&sheet);
    let html = kojo_report::html(&ReportInput {
        cycle: Some(&cycle),
        ..common::input(&sheet, &summary, Lang::Ja)
    });
    let reviews = between(&html, "<section class=\"reviews\">", "</section>");
    assert!(reviews.contains("見直しの対象となる項目（□・△・×）はありません。"));
    assert!(
        kojo_report::pdf(&ReportInput {
            cycle: Some(&cycle),
            ..common::input(&sheet, &summary, Lang::Ja)
        })
        .is_ok()
    );
}

/// The squeezed PDF text between `from` and the next `to` (both squeezed).
fn region<'a>(flat: &'a str, from: &str, to: &str) -> &'a str {
    let (from, to) = (squeeze(from), squeeze(to));
    let start = flat
        .find(&from)
        .unwrap_or_else(|| panic!("{from} not found"));
    let rest = &flat[start..];
    &rest[..rest.find(&to).unwrap_or(rest.len())]
}

#[test]
fn pdf_shows_the_cycle() {
    let tools = Tools::new();
    let f = fixture(3);
    let bytes = kojo_report::pdf(&f.input(Lang::Ja)).expect("pdf renders");
    let path = tools.write("report-cycle-ja.pdf", &bytes);
    let text = tools.run("pdftotext", &["-layout", "-enc", "UTF-8"], &path);
    let flat = squeeze(&text);

    // Sign-off boxes.
    let boxes = region(&flat, "承認欄", "kojo により作成");
    assert!(
        boxes.contains(&format!("{AUTHOR}{REVIEWER}{APPROVER}")),
        "names: {boxes}"
    );
    assert!(
        boxes.contains("2026-06-272026-06-282026-07-01"),
        "dates: {boxes}"
    );
    assert!(!flat.contains("2026-06-25"));
    assert!(!flat.contains(&squeeze(t(Lang::Ja, "cycle.relaxed_note"))));

    // Provisional answers.
    let summary = region(&flat, "評価結果の概要", "評価の分布");
    assert!(summary.contains("暫定の回答"), "{summary}");
    assert!(flat.contains("No.3、No.12"), "provisional items missing");

    // Year over year, regressions first.
    let yoy = region(&flat, "前年比", "残存リスク");
    assert!(yoy.contains("2025年度（改訂2）"), "{yoy}");
    let overall = format!("{}→{}", rate(&f.prev_summary, None), rate(&f.summary, None));
    assert!(yoy.contains(&overall), "overall {overall}: {yoy}");
    let label = label_of(6);
    assert!(yoy.contains(&format!(
        "{}{}",
        rate(&f.prev_summary, Some(label)),
        rate(&f.summary, Some(label))
    )));
    let changes = region(yoy, "評価が変わった項目", "残存リスク");
    let (r6, r3, r5) = (
        changes.find("6○×悪化").expect("regression of 6"),
        changes.find("3□○改善").expect("improvement of 3"),
        changes.find("5×△改善").expect("improvement of 5"),
    );
    assert!(r6 < r3 && r3 < r5, "regression not first: {changes}");

    // Review results.
    let reviews = region(&flat, "見直し結果", "対策計画");
    for s in [
        PROGRESS_4,
        "40%",
        NOTE_4,
        REVIEW_BY_4,
        "2026-06-20",
        STATUS_5,
        "2026年11月30日",
        REVIEW_BY_5,
        "2026-06-21",
        "はい",
    ] {
        assert!(reviews.contains(&squeeze(s)), "review value {s} missing");
    }
    assert!(!reviews.contains("いいえ") && !reviews.contains("古い見直し"));
    let intro = t(Lang::Ja, "report.review.intro").matches("未実施").count();
    assert_eq!(
        reviews.matches("未実施").count(),
        intro + not_reviewed(&f).len(),
        "not-reviewed items"
    );

    // Action plan: exactly the overdue action is marked.
    let actions = region(&flat, "対策計画", "全項目一覧");
    let (a4, a6, a5) = (
        actions.find(ACTION_4).expect("action 4"),
        actions.find(ACTION_6).expect("action 6"),
        actions.find(ACTION_5).expect("action 5"),
    );
    let mark = actions.find("期限超過").expect("overdue marker");
    assert_eq!(actions.matches("期限超過").count(), 1);
    assert!(
        a4 < a6 && a6 < mark && mark < a5,
        "marker not on action 6: {actions}"
    );
    assert!(actions.contains("期限を過ぎた未完了の対策が1件あります"));
    assert!(
        flat.contains(&squeeze(HOSTILE_NOTE)),
        "action note not printed verbatim"
    );

    // The appendix 「台帳との整合」 follows every item, as sealed by the approval.
    let appendix = &flat[flat.find("付録台帳との整合").expect("appendix heading")..];
    assert!(flat.find("全項目一覧").expect("items") < flat.find("付録台帳との整合").unwrap());
    assert!(
        appendix.contains(&squeeze("2026年7月1日 の「承認」")),
        "{appendix}"
    );
    assert!(appendix.contains("2項目で、回答が台帳からの提案を上回っています"));
    assert!(appendix.contains("有効期限切れ2件"), "{appendix}");
    assert!(appendix.contains("リモートアクセスのID:3件"), "{appendix}");
    assert!(appendix.contains("2026年4月10日"), "{appendix}");
    let table = &appendix[appendix.find("根拠").expect("table header")..];
    assert_eq!(
        table.matches("不整合").count(),
        2,
        "the two rows: {appendix}"
    );
}

#[test]
fn html_appendix_compares_the_answers_with_the_registers() {
    let f = fixture(3);
    let html = kojo_report::html(&f.input(Lang::Ja));
    let reg = between(&html, "<section class=\"registers\">", "</section>");
    assert!(reg.contains("付録　台帳との整合"), "{reg}");
    assert!(
        reg.contains("2026年7月1日 の「承認」（小林健二）の時点で記録された台帳の状態です。"),
        "{reg}"
    );
    assert!(reg.contains("2 項目で、回答が台帳からの提案を上回っています（不整合）。"));
    // Silent items are left out; rows in item order; the two mismatches are marked.
    assert!(!reg.contains("<td class=\"c\">21</td>"));
    let rows: Vec<&str> = reg.split("<tr").skip(2).collect();
    assert_eq!(rows.len(), 3, "{reg}");
    assert!(rows[0].contains(">25<") && !rows[0].contains("mismatch"));
    assert!(
        rows[0].contains("問題なし")
            && rows[0].contains("情報機器、OS、ソフトウェアの一覧: 12 件、棚卸の記録なし")
    );
    assert!(rows[1].starts_with(" class=\"mismatch\"") && rows[1].contains(">45<"));
    assert!(rows[1].contains("棚卸の記録なし 1 件"), "{}", rows[1]);
    assert!(rows[2].starts_with(" class=\"mismatch\"") && rows[2].contains(">46<"));
    assert!(rows[2].contains("有効期限切れ 2 件"));
    // Read from the registers for an assessment being prepared.
    let mut live = f.cycle.clone();
    if let Some(r) = live.registers.as_mut() {
        r.sealed_by = None;
    }
    let html = kojo_report::html(&ReportInput {
        cycle: Some(&live),
        ..f.input(Lang::En)
    });
    let reg = between(&html, "<section class=\"registers\">", "</section>");
    assert!(reg.contains("Appendix: consistency with the registers"));
    assert!(
        reg.contains("Suggestions read from the registers on"),
        "{reg}"
    );
    // Without register data, no appendix.
    let none = CycleReport {
        registers: None,
        ..f.cycle.clone()
    };
    let html = kojo_report::html(&ReportInput {
        cycle: Some(&none),
        ..f.input(Lang::Ja)
    });
    assert!(!html.contains("<section class=\"registers\">"));
}

#[test]
fn pdf_prints_the_relaxed_note_only_for_two_signers() {
    let tools = Tools::new();
    for (lang, signers) in [(Lang::Ja, 2), (Lang::Ja, 3), (Lang::En, 2)] {
        let f = fixture(signers);
        let bytes = kojo_report::pdf(&f.input(lang)).expect("pdf renders");
        let path = tools.write(&format!("report-relaxed-{lang}-{signers}.pdf"), &bytes);
        let flat = squeeze(&tools.run("pdftotext", &["-layout", "-enc", "UTF-8"], &path));
        let note = squeeze(t(lang, "cycle.relaxed_note"));
        assert_eq!(
            flat.contains(&note),
            signers == 2,
            "{lang}, {signers} signers: relaxed note"
        );
    }
}

#[test]
fn cycle_report_is_deterministic() {
    let f = fixture(2);
    let input = f.input(Lang::Ja);
    assert_eq!(kojo_report::html(&input), kojo_report::html(&input));
    assert!(kojo_report::pdf(&input).expect("pdf") == kojo_report::pdf(&input).expect("pdf"));
}
