use crate::common::*;
use crate::on_both;
use std::process::Stdio;

on_both!(
    sites_lines_assessments_and_answers,
    missing_fields_and_bad_input_are_refused_in_both_languages,
    two_cli_writers_with_the_same_version_exactly_one_wins,
    sigkill_during_batches_leaves_only_whole_batches,
);

fn new_assessment(db: &TestDb, args: &[&str]) -> String {
    let r = ok(db.kojo().args(["assessment", "new"]).args(args));
    let id = r.stdout.lines().last().unwrap().trim().to_string();
    assert_eq!(
        id.len(),
        36,
        "the id alone on the last line: {:?}",
        r.stdout
    );
    id
}

fn show_json(db: &TestDb, id: &str) -> serde_json::Value {
    serde_json::from_str(&ok(db.kojo().args(["assessment", "show", id, "--json"])).stdout).unwrap()
}

fn sites_lines_assessments_and_answers(db: &TestDb) {
    db.add_plant("P1", "第一工場");
    ok(db
        .kojo()
        .args(["line", "add", "P1", "L1", "--name", "組立ライン"]));
    let sites: serde_json::Value =
        serde_json::from_str(&ok(db.kojo().args(["site", "list", "--json"])).stdout).unwrap();
    assert_eq!(sites[0]["code"], "P1");
    let lines = ok(db.kojo().args(["line", "list", "P1"]));
    assert!(lines.stdout.contains("組立ライン"));
    let id = new_assessment(db, &["--site", "P1", "--period", "2026"]);
    let line_id = new_assessment(
        db,
        &["--site", "P1", "--line", "L1", "--period", "2026年度"],
    );
    assert_ne!(id, line_id);
    // Marks as people type them: symbols, look-alikes, aliases.
    for (item, mark) in [
        ("1", "○"),
        ("2", "◯"),
        ("3", "〇"),
        ("4", "ok"),
        ("5", "×"),
        ("6", "x"),
    ] {
        ok(db.kojo().args(["assessment", "answer", &id, item, mark]));
    }
    ok(db.kojo().args([
        "assessment",
        "answer",
        &id,
        "7",
        "□",
        "--reason",
        "設備更新の予算待ち",
        "--review-by",
        "2027-03-31",
        "--accepted-by",
        "工場長",
        "--progress",
        "見積取得済み",
    ]));
    ok(db.kojo().args([
        "assessment",
        "answer",
        &id,
        "8",
        "consider",
        "--status",
        "情報収集中",
        "--target-date",
        "2027/01/31",
    ]));
    ok(db.kojo().args([
        "assessment",
        "answer",
        &id,
        "9",
        "ｰ",
        "--na-reason",
        "対象設備なし",
    ]));
    ok(db.kojo().args([
        "assessment",
        "answer",
        &id,
        "10",
        "na",
        "--na-reason",
        "対象設備なし",
        "--note",
        "<script>alert(1)</script>",
    ]));
    ok(db.kojo().args([
        "assessment",
        "answer",
        &id[..8],
        "11",
        "○",
        "--alternative",
        "紙の台帳で代替",
    ]));
    let j = show_json(db, &id);
    let o = &j["summary"]["overall"];
    // 5 × ○ of items 1–4 and 11; 2 × －; 63 − 2 = 61.
    assert_eq!(o["counts"]["\u{25CB}"], 5);
    assert_eq!(o["counts"]["\u{25A1}"], 1);
    assert_eq!(o["counts"]["\u{25B3}"], 1);
    assert_eq!(o["counts"]["\u{00D7}"], 2);
    assert_eq!(o["counts"]["\u{FF0D}"], 2);
    let rate = o["achievement_rate"].as_f64().unwrap();
    assert!((rate - 5.0 / 61.0).abs() < 1e-12, "{rate}");
    assert!((o["completion"].as_f64().unwrap() - 11.0 / 63.0).abs() < 1e-12);
    let labels = j["summary"]["labels"].as_array().unwrap();
    assert_eq!(labels.len(), 17);
    assert_eq!(labels[0]["counts"]["\u{25CB}"], 3, "label 1 = items 1–3");
    assert_eq!(labels[0]["achievement_rate"], 1.0);
    assert_eq!(j["summary"]["residual_risks"].as_array().unwrap().len(), 4);
    // Human output.
    let show = ok(db.kojo().args(["assessment", "show", &id]));
    assert!(
        show.stdout.contains("設備更新の予算待ち") && show.stdout.contains("2027-03-31"),
        "{}",
        show.stdout
    );
    assert!(show.stdout.contains("8.2%"), "{}", show.stdout);
    let en = ok(db.kojo().args(["--lang", "en", "assessment", "show", &id]));
    assert!(en.stdout.contains("Residual risks") && en.stdout.contains("reason for deferral"));
    // Change history: who, when, old → new.
    ok(db.kojo().args(["assessment", "answer", &id, "7", "○"]));
    let h: serde_json::Value = serde_json::from_str(
        &ok(db
            .kojo()
            .args(["assessment", "history", &id, "7", "--json"]))
        .stdout,
    )
    .unwrap();
    let h = h.as_array().unwrap();
    assert_eq!(h.len(), 2);
    assert_eq!(h[0]["old"], serde_json::Value::Null);
    assert_eq!(h[0]["new"]["reason"], "設備更新の予算待ち");
    assert_eq!(h[1]["old"]["mark"], "□");
    assert_eq!(h[1]["new"]["mark"], "○");
    assert!(h[1]["changed_by"].as_str().unwrap().starts_with("cli:"));
    let list: serde_json::Value = serde_json::from_str(
        &ok(db
            .kojo()
            .args(["assessment", "list", "--site", "P1", "--json"]))
        .stdout,
    )
    .unwrap();
    assert_eq!(list.as_array().unwrap().len(), 2);
}

fn missing_fields_and_bad_input_are_refused_in_both_languages(db: &TestDb) {
    db.add_plant("P1", "第一工場");
    let id = new_assessment(db, &["--site", "P1", "--period", "2026"]);
    let r = run(db
        .kojo()
        .args(["assessment", "answer", &id, "7", "□", "--reason", "予算"]));
    assert_eq!(r.code, 1);
    assert_eq!(r.stderr.lines().count(), 1);
    assert!(r.stderr.contains("見直し期限"), "{}", r.stderr);
    let r = run(db
        .kojo()
        .args(["--lang", "en", "assessment", "answer", &id, "7", "□"]));
    assert!(
        r.stderr.contains("reason for deferral") && r.stderr.contains("review-by date"),
        "{}",
        r.stderr
    );
    let r = run(db.kojo().args(["assessment", "answer", &id, "64", "○"]));
    assert_eq!(r.code, 1);
    assert!(r.stderr.contains("64"));
    let r = run(db.kojo().args(["assessment", "answer", &id, "0", "○"]));
    assert_eq!(r.code, 1);
    let r = run(db.kojo().args(["assessment", "answer", &id, "1", "◎"]));
    assert_eq!(r.code, 1);
    assert!(r.stderr.contains("◎"));
    let r = run(db
        .kojo()
        .args(["assessment", "answer", &id, "1", "○", "--reason", "x"]));
    assert_eq!(r.code, 1, "a field of another mark is refused, not dropped");
    let r = run(db
        .kojo()
        .args(["assessment", "new", "--site", "P1", "--period", "26"]));
    assert_eq!(r.code, 1);
    assert!(r.stderr.contains("26"));
    let r = run(db
        .kojo()
        .args(["assessment", "new", "--site", "NOPE", "--period", "2026"]));
    assert_eq!(r.code, 1);
    assert!(r.stderr.contains("NOPE"));
    let r = run(db.kojo().args(["site", "add", "P1", "--name", "dup"]));
    assert_eq!(r.code, 1);
    let r = run(db.kojo().args(["assessment", "answer", &id]));
    assert_eq!(r.code, 2, "usage error");
    let r = run(db
        .kojo()
        .args(["assessment", "show", "ffffffff-0000-0000-0000-000000000000"]));
    assert_eq!(r.code, 1);
    // Nothing was written by the refused commands.
    let j = show_json(db, &id);
    assert_eq!(j["summary"]["overall"]["answered"], 0);
}

fn two_cli_writers_with_the_same_version_exactly_one_wins(db: &TestDb) {
    db.add_plant("P1", "第一工場");
    let id = new_assessment(db, &["--site", "P1", "--period", "2026"]);
    ok(db.kojo().args(["assessment", "answer", &id, "5", "○"]));
    for round in 1..=3 {
        let v = round.to_string();
        let spawn = |mark: &str| {
            db.kojo()
                .args([
                    "assessment",
                    "answer",
                    &id,
                    "5",
                    mark,
                    "--expect-version",
                    &v,
                ])
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        };
        let (a, b) = (spawn("×"), spawn("ok"));
        let (a, b) = (a.wait_with_output().unwrap(), b.wait_with_output().unwrap());
        let wins = [&a, &b].iter().filter(|o| o.status.success()).count();
        assert_eq!(wins, 1, "round {round}: {a:?} {b:?}");
        let loser = if a.status.success() { &b } else { &a };
        assert_eq!(loser.status.code(), Some(1));
        let msg = String::from_utf8_lossy(&loser.stderr);
        assert!(msg.contains("No.5") && msg.contains("先に変更"), "{msg}");
    }
    let j = show_json(db, &id);
    let a5 = j["answers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["item"] == 5)
        .unwrap()
        .clone();
    assert_eq!(a5["version"], 4);
}

/// A writer applies 63 answers per transaction, round after round, each round tagging every
/// note with its number; it is killed with SIGKILL mid-run. Afterwards every answer must carry
/// the same round: a transaction is all there or not at all.
fn sigkill_during_batches_leaves_only_whole_batches(db: &TestDb) {
    db.add_plant("P1", "第一工場");
    let id = new_assessment(db, &["--site", "P1", "--period", "2026"]);
    let mut files = Vec::new();
    for round in 1..=800 {
        let answers: Vec<serde_json::Value> = (1..=63)
            .map(|i| serde_json::json!({ "item": i, "mark": if (i + round) % 3 == 0 { "×" } else { "○" }, "note": format!("round {round}") }))
            .collect();
        let f = db.dir.path().join(format!("r{round}.json"));
        std::fs::write(&f, serde_json::to_vec(&answers).unwrap()).unwrap();
        files.push(f);
    }
    let mut next = files.iter();
    for delay_ms in [700u64, 1300, 2100] {
        // Writers run one after another; the one running when the delay is up gets SIGKILL
        // (Child::kill sends SIGKILL on Unix), in the middle of its work.
        let start = std::time::Instant::now();
        let mut killed = false;
        while !killed {
            let Some(f) = next.next() else { break };
            let mut child = db
                .kojo()
                .args(["assessment", "apply", &id])
                .arg(f)
                .stdout(Stdio::null())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap();
            loop {
                if let Some(status) = child.try_wait().unwrap() {
                    let mut err = String::new();
                    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut err)
                        .unwrap();
                    assert!(status.success(), "writer failed: {err}");
                    break;
                }
                if start.elapsed() >= std::time::Duration::from_millis(delay_ms) {
                    child.kill().unwrap();
                    child.wait().unwrap();
                    killed = true;
                    break;
                }
                std::thread::sleep(std::time::Duration::from_millis(2));
            }
        }
        assert!(
            killed,
            "the writers finished before the kill; make the batches longer"
        );
        let j = show_json(db, &id);
        let answers = j["answers"].as_array().unwrap();
        let notes: std::collections::BTreeSet<&str> = answers
            .iter()
            .map(|a| a["answer"]["note"].as_str().unwrap_or(""))
            .collect();
        assert!(
            answers.is_empty() || answers.len() == 63,
            "partial batch: {} answers",
            answers.len()
        );
        assert!(
            notes.len() <= 1,
            "answers from different transactions: {notes:?}"
        );
        let versions: std::collections::BTreeSet<i64> = answers
            .iter()
            .map(|a| a["version"].as_i64().unwrap())
            .collect();
        assert!(versions.len() <= 1, "versions differ: {versions:?}");
    }
}
