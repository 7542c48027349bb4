//! `kojo portfolio` (issue 10 §3): the JSON contract (`plants: [{"site", "line", "period",
//! "rate", "labels": {"1": …}, "status"}]` and the aggregate per label), filters, the table
//! for people, and refusals; on both databases.

use crate::common::*;
use crate::on_both;
use serde_json::Value;

on_both!(portfolio_lists_every_plant_and_line_with_rates_per_label);

fn answer_all(db: &TestDb, id: &str, mark: &str, items: std::ops::RangeInclusive<u16>) {
    let list: Vec<String> = items.map(|i| i.to_string()).collect();
    for i in list {
        ok(db.kojo().args(["assessment", "answer", id, &i, mark]));
    }
}

fn portfolio_lists_every_plant_and_line_with_rates_per_label(db: &TestDb) {
    ok(db
        .kojo()
        .args(["company", "add", "B", "--name", "B部品株式会社"]));
    db.add_plant("P1", "第一工場");
    ok(db
        .kojo()
        .args(["site", "add", "B1", "--name", "B第一工場", "--company", "B"]));
    ok(db
        .kojo()
        .args(["line", "add", "P1", "L1", "--name", "組立ライン"]));
    let new = |args: &[&str]| {
        let mut a = vec!["assessment", "new"];
        a.extend_from_slice(args);
        last_line(&ok(db.kojo().args(&a)))
    };
    let p1 = new(&["--site", "P1", "--period", "2026"]);
    answer_all(db, &p1, "○", 1..=4); // label 1 has items 1–4 (and more in other labels)
    let l1 = new(&[
        "--site",
        "P1",
        "--line",
        "L1",
        "--period",
        "2026",
        "--inherit",
    ]);
    ok(db.kojo().args(["assessment", "answer", &l1, "1", "×"]));
    let b1 = new(&["--site", "B1", "--period", "2026"]);
    answer_all(db, &b1, "○", 1..=2);

    let v = json_of(&ok(db.kojo().args(["portfolio", "--json"])));
    assert_eq!(v["period"], 2026);
    let plants = v["plants"].as_array().unwrap();
    let rows: Vec<(String, Value, i64, String)> = plants
        .iter()
        .map(|p| {
            (
                p["site"].as_str().unwrap().to_string(),
                p["line"].clone(),
                p["period"].as_i64().unwrap(),
                p["status"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert!(
        rows.contains(&("P1".into(), Value::Null, 2026, "draft".into())),
        "{rows:?}"
    );
    assert!(
        rows.contains(&("P1".into(), Value::from("L1"), 2026, "draft".into())),
        "{rows:?}"
    );
    assert!(
        rows.contains(&("B1".into(), Value::Null, 2026, "draft".into())),
        "{rows:?}"
    );
    let row = |site: &str, line: Value| {
        plants
            .iter()
            .find(|p| p["site"] == site && p["line"] == line)
            .unwrap()
            .clone()
    };
    // P1: 4 ○ of 63; its line inherits them and overrides item 1 with ×: 3 of 63.
    let close = |v: &Value, x: f64| assert!((v.as_f64().unwrap() - x).abs() < 1e-9, "{v} vs {x}");
    close(&row("P1", Value::Null)["rate"], 4.0 / 63.0);
    close(&row("P1", Value::from("L1"))["rate"], 3.0 / 63.0);
    let labels = row("P1", Value::Null)["labels"]
        .as_object()
        .unwrap()
        .clone();
    assert_eq!(labels.len(), 17);
    assert!(labels.contains_key("1") && labels.contains_key("17"));
    // The aggregate per label, pooled over the plants' figures (P1 and B1, not the line).
    let agg = &v["aggregate"];
    close(&agg["rate"], 6.0 / 126.0);
    assert_eq!(agg["labels"].as_object().unwrap().len(), 17);

    // Filters.
    let v = json_of(&ok(db.kojo().args([
        "portfolio",
        "--company",
        "B",
        "--json",
    ])));
    let sites: Vec<&str> = v["plants"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["site"].as_str().unwrap())
        .collect();
    assert_eq!(sites, ["B1"]);
    let v = json_of(&ok(db.kojo().args([
        "portfolio",
        "--period",
        "2025",
        "--json",
    ])));
    assert!(
        v["plants"]
            .as_array()
            .unwrap()
            .iter()
            .all(|p| p["status"] == "not_started")
    );
    let v = json_of(&ok(db.kojo().args(["portfolio", "--label", "1", "--json"])));
    assert_eq!(v["labels"], serde_json::json!([1]));

    // For people: the table, the companies, the rules.
    let out = ok(db.kojo().args(["portfolio"])).stdout;
    assert!(
        out.contains("全社ダッシュボード") && out.contains("第一工場") && out.contains("└ L1"),
        "{out}"
    );
    assert!(out.contains("B部品株式会社"), "{out}");
    assert!(out.contains("集計の規則"), "{out}");

    // Refusals name what is wrong.
    let r = fails(db.kojo().args(["portfolio", "--company", "ZZ"]));
    assert!(r.stderr.contains("ZZ"), "{}", r.stderr);
    let r = fails(db.kojo().args(["portfolio", "--period", "abc"]));
    assert!(r.stderr.contains("abc"), "{}", r.stderr);
}
