//! The last steps of a year of the cycle: the exports carry it (checksheet, action list,
//! report), and the year-over-year diff on the command line.

use super::tools::*;
use crate::common::*;
use serde_json::json;

/// The checksheet, the action list and the report of `new` carry the cycle.
pub(super) fn exports_carry_the_cycle(db: &TestDb, new: &str) {
    // ---- exports carry the cycle ------------------------------------------------------------
    // The checksheet: last year's marks (headed by last year's period) and this year's review.
    let xlsx = db.dir.path().join("c.xlsx");
    ok(db
        .kojo()
        .args(["checksheet", "export", new, "-o"])
        .arg(&xlsx));
    let text = xlsx_text(&xlsx);
    assert!(
        text.contains("2026年度") && text.contains("予算は来期") && text.contains("導入工事中"),
        "last year's marks and the review in the checksheet"
    );
    // The action list: the action plan with the actions' status.
    let csv = db.dir.path().join("a.csv");
    ok(db
        .kojo()
        .args(["actions", new, "--format", "csv", "-o"])
        .arg(&csv));
    let csv = std::fs::read_to_string(&csv).unwrap();
    assert!(
        csv.contains("ファイアウォール導入")
            && csv.contains("手順書の整備")
            && csv.contains("完了"),
        "{csv}"
    );

    // The report: the sign-off names, this year's review and the comparison with last year.
    let html = db.dir.path().join("r.html");
    ok(db
        .kojo()
        .args(["report", new, "--format", "html", "-o"])
        .arg(&html));
    let html = std::fs::read_to_string(&html).unwrap();
    for part in [
        "前年比",
        "見直し結果",
        "予算は来期",
        "boss",
        "suzuki",
        "tanaka",
        "手順書の整備",
    ] {
        assert!(html.contains(part), "{part} in the report");
    }
}

/// `kojo assessment diff OLD NEW`: the changes, regressions first, and the rates of both.
pub(super) fn the_year_over_year_diff(db: &TestDb, old: &str, new: &str) {
    // ---- the year-over-year diff ------------------------------------------------------------
    let d = json_of(&ok(db.kojo().args([
        "assessment",
        "diff",
        old,
        new,
        "--json",
    ])));
    assert_eq!(
        d["changes"],
        json!([
            {"item": 2, "from": "○", "to": "×", "kind": "regressed"},
            {"item": 6, "from": "×", "to": "○", "kind": "improved"},
        ])
    );
    for (side, id, period) in [("old", old, 2026), ("new", new, 2027)] {
        let s = &d[side];
        let mut keys: Vec<&str> = s.as_object().unwrap().keys().map(|k| k.as_str()).collect();
        keys.sort();
        assert_eq!(
            keys,
            ["id", "labels", "period", "rate", "revision", "status"]
        );
        assert_eq!(s["id"], id);
        assert_eq!(s["period"], period);
        assert_eq!(s["revision"], 1);
        assert!((s["rate"].as_f64().unwrap() - 3.0 / 63.0).abs() < 1e-12);
        let labels = s["labels"].as_array().unwrap();
        assert_eq!(labels.len(), 17);
        assert_eq!(labels[0]["label"], 1);
        let mut keys: Vec<&str> = labels[0]
            .as_object()
            .unwrap()
            .keys()
            .map(|k| k.as_str())
            .collect();
        keys.sort();
        assert_eq!(keys, ["label", "rate"]);
    }
    let rate = |side: &str, label: usize| d[side]["labels"][label]["rate"].as_f64().unwrap();
    assert!((rate("old", 0) - 2.0 / 3.0).abs() < 1e-12);
    assert!((rate("new", 0) - 1.0 / 3.0).abs() < 1e-12);
    assert!((rate("old", 1) - 0.0).abs() < 1e-12);
    assert!((rate("new", 1) - 1.0 / 3.0).abs() < 1e-12);
    let human = ok(db.kojo().args(["assessment", "diff", old, new])).stdout;
    let regressed = human.find("悪化").expect("regression listed");
    let improved = human.find("改善").expect("improvement listed");
    assert!(regressed < improved, "regressions first: {human}");
    assert!(
        human.contains("66.7%") && human.contains("33.3%") && human.contains("-33.3"),
        "{human}"
    );
    // Diff of another scope is refused.
    db.add_plant("P2", "第二工場");
    let other = db.new_assessment("P2", "2027");
    fails(db.kojo().args(["assessment", "diff", old, &other]));
    fails(db.kojo().args([
        "assessment",
        "new",
        "--site",
        "P2",
        "--period",
        "2028",
        "--from",
        old,
    ]));
}
