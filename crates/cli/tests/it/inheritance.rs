//! Lines that inherit from their plant, on the command line (issue 10 §2): `assessment new
//! --inherit`, `show --json` with `"inherited"` per item and `inherited` counts, override,
//! inherit, history showing the plant's change, sign-off of a line on its plant.

use crate::common::*;
use crate::on_both;
use serde_json::Value;

on_both!(a_line_inherits_from_its_plant_on_the_command_line);

fn answer(db: &TestDb, id: &str, item: &str, mark: &str, extra: &[&str]) {
    let mut args = vec!["assessment", "answer", id, item, mark];
    args.extend_from_slice(extra);
    ok(db.kojo().args(&args));
}

fn show(db: &TestDb, id: &str) -> Value {
    json_of(&ok(db.kojo().args(["assessment", "show", id, "--json"])))
}

/// item → (mark, inherited) of `show --json`.
fn marks(v: &Value) -> Vec<(u64, String, bool)> {
    v["answers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            (
                a["item"].as_u64().unwrap(),
                a["answer"]["answer"]["mark"]
                    .as_str()
                    .unwrap_or("")
                    .to_string(),
                a["inherited"].as_bool().unwrap(),
            )
        })
        .collect()
}

fn a_line_inherits_from_its_plant_on_the_command_line(db: &TestDb) {
    db.add_plant("P1", "第一工場");
    ok(db
        .kojo()
        .args(["line", "add", "P1", "L1", "--name", "組立ライン"]));
    // No plant assessment yet: a clear refusal naming the plant and year, nothing created.
    let r = fails(db.kojo().args([
        "assessment",
        "new",
        "--site",
        "P1",
        "--line",
        "L1",
        "--period",
        "2026",
        "--inherit",
    ]));
    assert!(
        r.stderr.contains("P1") && r.stderr.contains("2026"),
        "{}",
        r.stderr
    );
    let list = json_of(&ok(db.kojo().args(["assessment", "list", "--json"])));
    assert_eq!(list.as_array().unwrap().len(), 0);
    // --inherit needs --line (a usage error).
    let r = run(db.kojo().args([
        "assessment",
        "new",
        "--site",
        "P1",
        "--period",
        "2026",
        "--inherit",
    ]));
    assert_eq!(r.code, 2, "{}", r.stderr);

    let plant = db.new_assessment("P1", "2026");
    answer(db, &plant, "1", "○", &[]);
    answer(db, &plant, "2", "×", &[]);
    answer(db, &plant, "3", "－", &["--na-reason", "対象機器なし"]);
    let r = ok(db.kojo().args([
        "assessment",
        "new",
        "--site",
        "P1",
        "--line",
        "L1",
        "--period",
        "2026",
        "--inherit",
    ]));
    assert!(
        r.stdout.contains("工場の回答を引き継ぎます"),
        "{}",
        r.stdout
    );
    let line = last_line(&r);

    let v = show(db, &line);
    assert_eq!(v["assessment"]["inherits_from"], plant.as_str());
    assert_eq!(
        marks(&v),
        [
            (1, "implemented".into(), true),
            (2, "not_considered".into(), true),
            (3, "not_applicable".into(), true)
        ]
    );
    assert_eq!(v["summary"]["overall"]["inherited"], 63);
    assert_eq!(v["summary"]["inherited"].as_array().unwrap().len(), 63);
    // Rate on the effective marks: 1 ○ of 62 (63 − one －).
    let rate = v["summary"]["overall"]["achievement_rate"]
        .as_f64()
        .unwrap();
    assert!((rate - 1.0 / 62.0).abs() < 1e-9, "{rate}");

    // Answering an inherited item overrides it; `override` copies the plant's answer.
    answer(db, &line, "2", "○", &[]);
    let r = ok(db.kojo().args(["assessment", "override", &line, "1"]));
    assert!(r.stdout.contains("1 項目"), "{}", r.stdout);
    // The plant changes item 3 (inherited) and item 2 (overridden).
    answer(db, &plant, "3", "×", &[]);
    answer(db, &plant, "2", "△", &["--status", "検討中"]);
    let v = show(db, &line);
    assert_eq!(
        marks(&v),
        [
            (1, "implemented".into(), false),
            (2, "implemented".into(), false),
            (3, "not_considered".into(), true)
        ]
    );
    assert_eq!(v["summary"]["overall"]["inherited"], 61);
    let labels = v["summary"]["labels"].as_array().unwrap();
    let per_label: u64 = labels
        .iter()
        .map(|l| l["inherited"].as_u64().unwrap())
        .sum();
    assert_eq!(per_label, 61);
    let human = ok(db.kojo().args(["assessment", "show", &line])).stdout;
    assert!(
        human.contains("工場から引継ぎ: 61 項目 / ライン固有: 2 項目"),
        "{human}"
    );
    assert!(
        human.contains("No.3") && human.contains("［工場から引継ぎ］"),
        "{human}"
    );

    // History: the plant's change of item 3 appears as the plant's, not as the line's.
    let h = json_of(&ok(db.kojo().args([
        "assessment",
        "history",
        &line,
        "3",
        "--json",
    ])));
    let h = h.as_array().unwrap();
    assert_eq!(h.len(), 2, "{h:?}");
    assert!(h.iter().all(|e| e["plant"] == true), "{h:?}");
    let text = ok(db.kojo().args(["assessment", "history", &line])).stdout;
    assert!(text.contains("［工場の変更］"), "{text}");

    // Un-override item 2: back on the plant's △.
    let r = ok(db.kojo().args(["assessment", "inherit", &line, "2"]));
    assert!(r.stdout.contains("工場の回答に戻しました"), "{}", r.stdout);
    assert_eq!(marks(&show(db, &line))[1], (2, "considering".into(), true));
    let r = fails(db.kojo().args(["assessment", "inherit", &line, "2"]));
    assert!(r.stderr.contains("No.2"), "{}", r.stderr);
    let r = fails(
        db.kojo()
            .args(["--lang", "en", "assessment", "inherit", &plant, "1"]),
    );
    assert!(r.stderr.contains("does not inherit"), "{}", r.stderr);

    // Sign-off: the line cannot be approved before its plant.
    add_user(db, "tanaka", "assessor", Some("P1"));
    add_user(db, "suzuki", "reviewer", Some("P1"));
    add_user(db, "kato", "approver", Some("P1"));
    ok(db
        .kojo()
        .args(["assessment", "submit", &line, "--by", "tanaka"]));
    ok(db
        .kojo()
        .args(["assessment", "confirm", &line, "--by", "suzuki"]));
    let r = fails(
        db.kojo()
            .args(["assessment", "approve", &line, "--by", "kato"]),
    );
    assert!(r.stderr.contains("工場の評価"), "{}", r.stderr);
    for (step, user) in [
        ("submit", "tanaka"),
        ("confirm", "suzuki"),
        ("approve", "kato"),
    ] {
        ok(db.kojo().args(["assessment", step, &plant, "--by", user]));
    }
    ok(db
        .kojo()
        .args(["assessment", "approve", &line, "--by", "kato"]));
}
