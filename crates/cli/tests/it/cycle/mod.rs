//! The yearly cycle on the command line (issue 9): next year from last year, re-confirmation,
//! reviews, the review queue, sign-off by named users, immutability, verify and tampering,
//! revisions, the year-over-year diff, actions, evidence files and settings.

mod exports_and_diff;
mod files_and_settings;
mod tools;

use crate::common::*;
use crate::on_both;
use exports_and_diff::{exports_carry_the_cycle, the_year_over_year_diff};
use serde_json::{Value, json};
use tools::*;

on_both!(a_year_of_the_cycle);

fn show(db: &TestDb, id: &str) -> Value {
    json_of(&ok(db.kojo().args(["assessment", "show", id, "--json"])))
}

/// Plant P1 with last year's (FY2026) assessment: 1 ○, 2 ○, 3 □ (review-by date passed),
/// 4 △, 5 ×, 6 ×, 7 ○. Returns its id.
pub(crate) fn last_year(db: &TestDb) -> String {
    db.add_plant("P1", "第一工場");
    let id = last_line(&ok(db.kojo().args([
        "assessment",
        "new",
        "--site",
        "P1",
        "--period",
        "2026",
        "--assessor",
        "山田",
    ])));
    for (item, mark) in [("1", "○"), ("2", "○"), ("5", "×"), ("6", "×"), ("7", "○")] {
        answer(db, &id, &[item, mark]);
    }
    answer(
        db,
        &id,
        &[
            "3",
            "□",
            "--reason",
            "予算待ち",
            "--review-by",
            "2020-03-31",
        ],
    );
    answer(db, &id, &["4", "△", "--status", "情報収集中"]);
    id
}

fn a_year_of_the_cycle(db: &TestDb) {
    let old = last_year(db);
    // An overdue action on × and an evidence file on □, both carried to next year.
    let action = last_line(&ok(db.kojo().args([
        "action",
        "add",
        &old,
        "5",
        "--title",
        "ファイアウォール導入",
        "--owner",
        "設備課",
        "--due",
        "2020-01-01",
    ])));
    assert!(action.parse::<i64>().is_ok(), "action id last: {action}");
    let file = db.dir.path().join("規程.txt");
    std::fs::write(&file, "情報セキュリティ規程 第1版\n").unwrap();
    ok(db
        .kojo()
        .args(["evidence", "add", &old, "3"])
        .arg(&file)
        .args(["--valid-until", "2099-03-31"]));

    // ---- next year from last year --------------------------------------------------------
    let r = ok(db.kojo().args([
        "assessment",
        "new",
        "--site",
        "P1",
        "--period",
        "2027",
        "--from",
        &old[..8],
    ]));
    let new = last_line(&r);
    assert_eq!(
        new.len(),
        36,
        "the new id alone on the last line: {}",
        r.stdout
    );
    assert!(r.stdout.contains("7 件"), "{}", r.stdout);
    let j = show(db, &new);
    assert_eq!(j["assessment"]["period"], 2027);
    assert_eq!(j["assessment"]["based_on"], old.as_str());
    assert_eq!(j["assessment"]["assessor"], "山田");
    assert_eq!(j["summary"]["overall"]["unconfirmed"], 7);
    assert_eq!(j["summary"]["overall"]["answered"], 7);
    assert_eq!(j["summary"]["overall"]["completion"], 0.0);
    assert_eq!(j["summary"]["unconfirmed"], json!([1, 2, 3, 4, 5, 6, 7]));
    let human = ok(db.kojo().args(["assessment", "show", &new])).stdout;
    assert!(
        human.contains("要再確認（前年度から引き継いだ暫定の回答）: 7 件")
            && human.contains("（暫定）")
            && human.contains("［暫定・要再確認］"),
        "{human}"
    );
    let en = ok(db.kojo().args(["--lang", "en", "assessment", "show", &new])).stdout;
    assert!(
        en.contains("To re-confirm (carried from last year, provisional): 7"),
        "{en}"
    );

    // ---- re-confirm two, change two ---------------------------------------------------
    let r = ok(db
        .kojo()
        .args(["assessment", "reconfirm", &new, "1", "3", "9"]));
    assert!(
        r.stdout.contains("2 件の回答を再確認しました: No.1, No.3"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout.contains("No.9") && r.stdout.contains("残りの要再確認: 5 件"),
        "{}",
        r.stdout
    );
    answer(db, &new, &["2", "×"]); // regressed
    let j = show(db, &new);
    assert_eq!(j["summary"]["overall"]["unconfirmed"], 4);
    assert_eq!(j["summary"]["unconfirmed"], json!([4, 5, 6, 7]));
    let completion = j["summary"]["overall"]["completion"].as_f64().unwrap();
    assert!((completion - 3.0 / 63.0).abs() < 1e-12, "{completion}");
    assert_eq!(j["summary"]["labels"][0]["unconfirmed"], 0); // items 1–3
    assert_eq!(j["summary"]["labels"][1]["unconfirmed"], 3); // items 4–6
    answer(db, &new, &["6", "○"]); // improved
    // Neither --all and items together, nor nothing at all.
    assert_eq!(
        run(db
            .kojo()
            .args(["assessment", "reconfirm", &new, "--all", "4"]))
        .code,
        2
    );
    assert_eq!(
        run(db.kojo().args(["assessment", "reconfirm", &new])).code,
        2
    );

    // ---- actions: the carried one is overdue -----------------------------------------------
    let list = json_of(&ok(db.kojo().args(["action", "list", "--json"])));
    let carried = list
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["assessment_id"] == new.as_str())
        .unwrap_or_else(|| panic!("the carried action: {list}"))
        .clone();
    assert_eq!(carried["item"], 5);
    assert_eq!(carried["status"], "open");
    assert_eq!(carried["overdue"], true);
    assert_eq!(carried["due"], "2020-01-01");
    let carried_id = carried["id"].as_i64().unwrap().to_string();
    let added = last_line(&ok(db.kojo().args([
        "action",
        "add",
        &new,
        "2",
        "--title",
        "手順書の整備",
        "--due",
        "2099-12-31",
    ])));
    let list = json_of(&ok(db.kojo().args(["action", "list", "--json"])));
    assert_eq!(list.as_array().unwrap().len(), 2, "{list}");
    let overdue = json_of(&ok(db.kojo().args([
        "action",
        "list",
        "--site",
        "P1",
        "--overdue",
        "--json",
    ])));
    assert_eq!(overdue.as_array().unwrap().len(), 1, "{overdue}");
    assert_eq!(overdue[0]["id"].to_string(), carried_id);
    let human = ok(db.kojo().args(["action", "list"])).stdout;
    assert!(
        human.contains("ファイアウォール導入") && human.contains("期限切れ"),
        "{human}"
    );
    ok(db
        .kojo()
        .args(["action", "set", &carried_id, "--status", "in_progress"]));
    assert_eq!(
        json_of(&ok(db.kojo().args([
            "action",
            "list",
            "--overdue",
            "--json"
        ])))
        .as_array()
        .unwrap()
        .len(),
        1,
        "in progress and past due is still overdue"
    );
    let r = ok(db.kojo().args([
        "action",
        "set",
        &carried_id,
        "--status",
        "完了",
        "--note",
        "導入済み",
    ]));
    assert!(r.stdout.contains("完了"), "{}", r.stdout);
    assert_eq!(
        ok(db.kojo().args(["action", "list", "--overdue", "--json"]))
            .stdout
            .trim(),
        "[]"
    );
    ok(db
        .kojo()
        .args(["action", "set", &added, "--status", "対応中"]));
    let r = fails(
        db.kojo()
            .args(["action", "set", &added, "--status", "半分"]),
    );
    assert!(r.stderr.contains("半分"), "{}", r.stderr);
    let r = fails(db.kojo().args(["action", "add", &new, "1", "--title", "x"]));
    assert!(
        r.stderr.contains("No.1"),
        "actions are for □ △ ×: {}",
        r.stderr
    );

    // ---- review of □ △ × -------------------------------------------------------------------
    // A □ review needs validity and progress: the message names the missing flag.
    let r = fails(
        db.kojo()
            .args(["assessment", "review", &new, "3", "--valid", "yes"]),
    );
    assert!(
        r.stderr.contains("No.3") && r.stderr.contains("--progress"),
        "{}",
        r.stderr
    );
    let r = fails(
        db.kojo()
            .args(["--lang", "en", "assessment", "review", &new, "4"]),
    );
    assert!(
        r.stderr.contains("No.4") && r.stderr.contains("--status"),
        "{}",
        r.stderr
    );
    let r = fails(
        db.kojo()
            .args(["assessment", "review", &new, "1", "--status", "x"]),
    );
    assert!(r.stderr.contains("No.1"), "{}", r.stderr);
    // The queue: □ △ × of the current assessment, the overdue □ first.
    let q = json_of(&ok(db.kojo().args(["review", "--site", "P1", "--json"])));
    let items: Vec<i64> = q
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["item"].as_i64().unwrap())
        .collect();
    assert_eq!(items, vec![3, 2, 4, 5], "{q}");
    assert_eq!(q[0]["overdue"], true);
    assert_eq!(q[0]["mark"], "□");
    assert_eq!(q[0]["needs"], json!(["overdue", "validity", "progress"]));
    assert_eq!(q[0]["assessment_id"], new.as_str());
    assert_eq!(q[3]["needs"], json!(["unconfirmed", "status"]));
    let overdue = json_of(&ok(db.kojo().args(["review", "--overdue", "--json"])));
    assert_eq!(overdue.as_array().unwrap().len(), 1, "{overdue}");
    let label2 = json_of(&ok(db.kojo().args(["review", "--label", "2", "--json"])));
    assert_eq!(
        label2.as_array().unwrap().len(),
        2,
        "items 4 and 5: {label2}"
    );
    let human = ok(db.kojo().args(["review"])).stdout;
    let first = human.lines().nth(1).unwrap_or("");
    assert!(
        first.contains("No.3") && first.contains("□") && first.contains("期限切れ"),
        "{human}"
    );
    assert!(
        human.lines().next().unwrap().contains("必要な対応"),
        "{human}"
    );

    // ---- sign-off ---------------------------------------------------------------------------
    add_user(db, "boss", "admin", None);
    add_user(db, "author", "assessor", Some("P1"));
    add_user(db, "suzuki", "reviewer", Some("P1"));
    add_user(db, "tanaka", "approver", Some("P1"));
    // Not re-confirmed yet.
    let r = fails(
        db.kojo()
            .args(["assessment", "submit", &new, "--by", "author"]),
    );
    assert!(r.stderr.contains("No.4"), "{}", r.stderr);
    let r = ok(db.kojo().args(["assessment", "reconfirm", &new, "--all"]));
    assert!(r.stdout.contains("No.4, No.5, No.7"), "{}", r.stdout);
    for (item, status) in [
        ("2", "手順書を作成中"),
        ("4", "予算申請中"),
        ("5", "導入工事中"),
    ] {
        let r = ok(db
            .kojo()
            .args(["assessment", "review", &new, item, "--status", status]));
        assert!(r.stdout.contains(&format!("No.{item}")), "{}", r.stdout);
    }
    // The □ still lacks its review: submission names it.
    let r = fails(
        db.kojo()
            .args(["assessment", "submit", &new, "--by", "author"]),
    );
    assert!(
        r.stderr.contains("No.3") && !r.stderr.contains("No.4"),
        "{}",
        r.stderr
    );
    let review = json_of(&ok(db.kojo().args([
        "assessment",
        "review",
        &new,
        "3",
        "--valid",
        "はい",
        "--progress-pct",
        "40",
        "--note",
        "予算は来期",
        "--json",
    ])));
    assert_eq!(review["valid"], true);
    assert_eq!(review["progress_pct"], 40);
    // `--by` is required; an unknown user is refused.
    assert_eq!(run(db.kojo().args(["assessment", "submit", &new])).code, 2);
    let r = fails(
        db.kojo()
            .args(["assessment", "submit", &new, "--by", "nobody"]),
    );
    assert!(r.stderr.contains("nobody"), "{}", r.stderr);
    let r = ok(db
        .kojo()
        .args(["assessment", "submit", &new, "--by", "boss"]));
    assert!(r.stdout.contains("提出済み"), "{}", r.stdout);
    // Returning needs a comment.
    let r = fails(
        db.kojo()
            .args(["assessment", "return", &new, "--by", "suzuki"]),
    );
    assert!(r.stderr.contains("コメント"), "{}", r.stderr);
    let r = ok(db.kojo().args([
        "assessment",
        "return",
        &new,
        "--by",
        "suzuki",
        "--comment",
        "No.3 の根拠を追記してください",
    ]));
    assert!(r.stdout.contains("作成中"), "{}", r.stdout);
    let r = ok(db
        .kojo()
        .args(["assessment", "submit", &new, "--by", "boss"]));
    assert!(r.stdout.contains("作成中 → 提出済み"), "{}", r.stdout);
    // Separation of duties: the author cannot confirm (even an administrator).
    let r = fails(
        db.kojo()
            .args(["assessment", "confirm", &new, "--by", "boss"]),
    );
    assert!(r.stderr.contains("別々の人"), "{}", r.stderr);
    let r = fails(db.kojo().args([
        "--lang",
        "en",
        "assessment",
        "confirm",
        &new,
        "--by",
        "boss",
    ]));
    assert!(r.stderr.contains("different people"), "{}", r.stderr);
    // A role that may not confirm.
    let r = fails(
        db.kojo()
            .args(["assessment", "confirm", &new, "--by", "author"]),
    );
    assert!(r.stderr.contains("author"), "{}", r.stderr);
    ok(db
        .kojo()
        .args(["assessment", "confirm", &new, "--by", "suzuki"]));
    let r = fails(
        db.kojo()
            .args(["assessment", "approve", &new, "--by", "suzuki"]),
    );
    assert!(r.stderr.contains("suzuki"), "{}", r.stderr);
    let r = ok(db
        .kojo()
        .args(["assessment", "approve", &new, "--by", "tanaka"]));
    assert!(r.stdout.contains("承認済み"), "{}", r.stdout);
    let hash = r
        .stdout
        .lines()
        .last()
        .and_then(|l| l.rsplit(' ').next())
        .unwrap()
        .to_string();
    assert!(
        hash.len() == 64 && hash.chars().all(|c| c.is_ascii_hexdigit()),
        "{}",
        r.stdout
    );
    let j = show(db, &new);
    assert_eq!(j["assessment"]["status"], "approved");
    let decisions: Vec<&str> = j["signoffs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["decision"].as_str().unwrap())
        .collect();
    assert_eq!(
        decisions,
        ["submit", "return", "submit", "confirm", "approve"]
    );
    assert_eq!(j["reviews"].as_array().unwrap().len(), 4);

    // ---- approved: locked, verifiable ----------------------------------------------------------
    let r = fails(db.kojo().args(["assessment", "answer", &new, "1", "×"]));
    assert!(r.stderr.contains("承認済み"), "{}", r.stderr);
    let r = fails(db.kojo().args(["assessment", "reconfirm", &new, "--all"]));
    assert!(r.stderr.contains("承認済み"), "{}", r.stderr);
    let r = ok(db.kojo().args(["assessment", "verify", &new]));
    assert!(r.stdout.contains(&hash), "{}", r.stdout);
    // Tamper with an approved answer in the database.
    sql(
        db,
        &format!(
            "UPDATE answers SET status = '完了' WHERE assessment_id = '{new}' AND item_no = 4"
        ),
    );
    let r = fails(db.kojo().args(["assessment", "verify", &new]));
    assert!(
        r.stderr.contains("No.4") && r.stderr.contains("一致しません"),
        "{}",
        r.stderr
    );
    let r = run(db.kojo().args(["assessment", "verify", &new, "--json"]));
    assert_eq!(r.code, 1);
    let v = json_of(&r);
    assert_eq!(v["ok"], false);
    assert_eq!(v["changed_items"], json!([4]));
    assert_eq!(v["recorded"], hash.as_str());
    assert_ne!(v["current"], hash.as_str());
    sql(
        db,
        &format!(
            "UPDATE answers SET status = '情報収集中' WHERE assessment_id = '{new}' AND item_no = 4"
        ),
    );
    let v = json_of(&ok(db.kojo().args([
        "assessment",
        "verify",
        &new,
        "--json",
    ])));
    assert_eq!(v["ok"], true);
    assert_eq!(v["current"], hash.as_str());
    // A draft has nothing to verify.
    let r = fails(db.kojo().args(["assessment", "verify", &old]));
    assert!(r.stderr.contains("作成中"), "{}", r.stderr);

    // ---- revision 2 ---------------------------------------------------------------------------
    let r = ok(db.kojo().args(["assessment", "revise", &new]));
    let rev2 = last_line(&r);
    assert_eq!(rev2.len(), 36, "{}", r.stdout);
    let j = show(db, &rev2);
    assert_eq!(j["assessment"]["revision"], 2);
    assert_eq!(j["assessment"]["status"], "draft");
    assert_eq!(j["summary"]["overall"]["unconfirmed"], 0);
    answer(db, &rev2, &["7", "×"]);
    assert_eq!(show(db, &rev2)["summary"]["overall"]["counts"]["×"], 3);
    ok(db.kojo().args(["assessment", "verify", &new]));
    let r = fails(db.kojo().args(["assessment", "revise", &rev2]));
    assert!(r.stderr.contains("作成中"), "{}", r.stderr);

    exports_carry_the_cycle(db, &new);
    the_year_over_year_diff(db, &old, &new);
}
