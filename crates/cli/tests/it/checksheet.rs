//! Checksheet, report and action list through the CLI, on both databases.

use crate::common::*;
use crate::on_both;

on_both!(checksheet_round_trip_and_refusals, reports_and_action_lists);

fn seed(db: &TestDb) -> String {
    db.add_plant("P1", "第一工場");
    let id = ok(db.kojo().args([
        "assessment",
        "new",
        "--site",
        "P1",
        "--period",
        "2026",
        "--assessor",
        "山田",
    ]))
    .stdout
    .lines()
    .last()
    .unwrap()
    .to_string();
    ok(db.kojo().args(["assessment", "answer", &id, "1", "○"]));
    ok(db.kojo().args([
        "assessment",
        "answer",
        &id,
        "2",
        "○",
        "--alternative",
        "紙の台帳で管理",
    ]));
    ok(db.kojo().args([
        "assessment",
        "answer",
        &id,
        "3",
        "□",
        "--reason",
        "設備更新の予算待ち",
        "--review-by",
        "2027-03-31",
        "--accepted-by",
        "工場長",
    ]));
    ok(db.kojo().args([
        "assessment",
        "answer",
        &id,
        "4",
        "△",
        "--status",
        "見積取得中",
        "--target-date",
        "2027-01-31",
    ]));
    ok(db.kojo().args([
        "assessment",
        "answer",
        &id,
        "5",
        "×",
        "--note",
        "<b>来期</b> & \"検討\"",
    ]));
    ok(db.kojo().args([
        "assessment",
        "answer",
        &id,
        "49",
        "－",
        "--na-reason",
        "無線 LAN なし",
    ]));
    id
}

fn show(db: &TestDb, id: &str) -> serde_json::Value {
    serde_json::from_str(&ok(db.kojo().args(["assessment", "show", id, "--json"])).stdout).unwrap()
}

fn checksheet_round_trip_and_refusals(db: &TestDb) {
    let id = seed(db);
    let dir = db.dir.path();
    ok(db
        .kojo()
        .args(["checksheet", "blank", "-o"])
        .arg(dir.join("blank.xlsx")));
    assert!(std::fs::metadata(dir.join("blank.xlsx")).unwrap().len() > 10_000);
    ok(db
        .kojo()
        .args(["checksheet", "export", &id, "-o"])
        .arg(dir.join("a.xlsx")));
    let r = ok(db
        .kojo()
        .args(["checksheet", "import"])
        .arg(dir.join("a.xlsx"))
        .args(["--site", "P1", "--period", "2027"]));
    let new_id = r.stdout.lines().last().unwrap().to_string();
    assert_eq!(new_id.len(), 36);
    let (a, b) = (show(db, &id), show(db, &new_id));
    assert_eq!(
        a["summary"], b["summary"],
        "same marks and rates after export → import"
    );
    let answers = |v: &serde_json::Value| {
        v["answers"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x["answer"].clone())
            .collect::<Vec<_>>()
    };
    assert_eq!(answers(&a), answers(&b), "every field survives");
    // Export → import → export is lossless.
    ok(db
        .kojo()
        .args(["checksheet", "export", &new_id, "-o"])
        .arg(dir.join("b.xlsx")));
    let id3 = ok(db
        .kojo()
        .args(["checksheet", "import"])
        .arg(dir.join("b.xlsx"))
        .args(["--site", "P1", "--period", "2028"]))
    .stdout
    .lines()
    .last()
    .unwrap()
    .to_string();
    assert_eq!(answers(&b), answers(&show(db, &id3)));
    // Refusals change nothing.
    let before = ok(db.kojo().args(["assessment", "list", "--json"])).stdout;
    std::fs::write(
        dir.join("not.xlsx"),
        b"PK\x03\x04 definitely not a workbook",
    )
    .unwrap();
    let r = run(db
        .kojo()
        .args(["checksheet", "import"])
        .arg(dir.join("not.xlsx"))
        .args(["--site", "P1", "--period", "2026"]));
    assert_eq!(r.code, 1);
    assert!(
        r.stderr.contains("何も取り込みませんでした"),
        "{}",
        r.stderr
    );
    let r = run(db
        .kojo()
        .args(["--lang", "en", "checksheet", "import"])
        .arg(dir.join("blank.xlsx"))
        .args(["--site", "NOPE", "--period", "2026"]));
    assert_eq!(r.code, 1);
    assert!(r.stderr.contains("NOPE"), "{}", r.stderr);
    let r = run(db
        .kojo()
        .args(["checksheet", "import"])
        .arg(dir.join("missing.xlsx"))
        .args(["--site", "P1", "--period", "2026"]));
    assert_eq!(r.code, 1);
    assert_eq!(
        ok(db.kojo().args(["assessment", "list", "--json"])).stdout,
        before
    );
}

fn reports_and_action_lists(db: &TestDb) {
    let id = seed(db);
    let dir = db.dir.path();
    ok(db
        .kojo()
        .args(["report", &id, "--format", "html", "-o"])
        .arg(dir.join("r.html")));
    let html = std::fs::read_to_string(dir.join("r.html")).unwrap();
    assert!(html.contains("設備更新の予算待ち") && html.contains("&lt;b&gt;来期&lt;/b&gt;"));
    ok(db
        .kojo()
        .args(["report", &id, "--format", "pdf", "-o"])
        .arg(dir.join("r.pdf")));
    let out = std::process::Command::new("pdftotext")
        .arg(dir.join("r.pdf"))
        .arg("-")
        .output()
        .expect("pdftotext (Debian poppler-utils; scripts/test installs it)");
    let text: String = String::from_utf8_lossy(&out.stdout)
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    assert!(
        text.contains("平時の体制を工場や生産技術の部や課レベルまで見直ししている"),
        "a condition, verbatim"
    );
    assert!(text.contains("設備更新の予算待ち"));
    let rate = show(db, &id)["summary"]["overall"]["achievement_rate"]
        .as_f64()
        .unwrap();
    assert!(
        text.contains(&format!("{:.1}%", rate * 100.0)),
        "the rate as kojo computes it"
    );
    ok(db
        .kojo()
        .args(["actions", &id, "--format", "csv", "-o"])
        .arg(dir.join("a.csv")));
    let csv = std::fs::read_to_string(dir.join("a.csv")).unwrap();
    assert!(csv.starts_with('\u{feff}'), "UTF-8 BOM for Excel");
    assert!(
        csv.contains("設備更新の予算待ち") && !csv.contains("紙の台帳で管理"),
        "○ items are not actions"
    );
    ok(db
        .kojo()
        .args(["actions", &id, "--format", "xlsx", "-o"])
        .arg(dir.join("a.xlsx")));
    assert!(
        std::fs::read(dir.join("a.xlsx"))
            .unwrap()
            .starts_with(b"PK")
    );
}
