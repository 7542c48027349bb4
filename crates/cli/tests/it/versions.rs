//! Catalog versions through the real binary: `kojo catalog versions|diff`, and
//! `kojo assessment new --from ID --catalog X` with the test catalog (listed only under the
//! KOJO_TEST_CATALOG=1 test hook).

use crate::common::*;
use crate::on_both;

fn hooked(mut c: std::process::Command) -> std::process::Command {
    c.env("KOJO_TEST_CATALOG", "1");
    c
}

#[test]
fn without_the_hook_only_the_guideline_versions_are_listed() {
    let mut c = kojo();
    c.env_remove("KOJO_TEST_CATALOG");
    let j = json_of(&ok(c.args(["catalog", "versions", "--json"])));
    assert_eq!(j["default"], "jama-japia-factory@0.9");
    assert_eq!(j["catalogs"].as_array().unwrap().len(), 1);
    assert_eq!(j["mappings"], serde_json::json!([]));
    let mut c = kojo();
    c.env_remove("KOJO_TEST_CATALOG");
    let r = fails(c.args(["catalog", "diff", "0.9", "0.9-test"]));
    assert!(
        r.stderr
            .contains("ガイドラインの版「0.9-test」はありません"),
        "{}",
        r.stderr
    );
}

#[test]
fn versions_and_diff_show_every_kind_of_change() {
    let j = json_of(&ok(hooked(kojo()).args(["catalog", "versions", "--json"])));
    let ids: Vec<&str> = j["catalogs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        ids,
        ["jama-japia-factory@0.9", "jama-japia-factory@0.9-test"]
    );
    assert_eq!(j["mappings"][0]["to"], "jama-japia-factory@0.9-test");
    let text = ok(hooked(kojo()).args(["catalog", "versions"])).stdout;
    assert!(
        text.contains("* 0.9 ") && text.contains("テスト用の架空の改版"),
        "{text}"
    );

    let r = ok(hooked(kojo()).args(["catalog", "diff", "0.9", "0.9-test"]));
    let out = &r.stdout;
    assert!(
        out.starts_with("jama-japia-factory@0.9 → jama-japia-factory@0.9-test\n"),
        "{out}"
    );
    assert!(
        out.contains("変更なし 58 · 文言変更 1 · 分割 2 · 統合 1 · 新規 1 · 廃止 1"),
        "{out}"
    );
    assert!(out.contains("No.57 ← 旧 No.57 [文言変更]"), "{out}");
    assert!(
        out.contains("パソコン、サーバー{+、制御用端末+}には"),
        "{out}"
    );
    assert!(out.contains("No.58 ← 旧 No.58, 59 [統合]"), "{out}");
    assert!(out.contains("旧 No.62 [廃止]"), "{out}");
    assert!(out.contains("No.63 [新規]"), "{out}");
    assert!(
        out.contains("   + ・取得対象、取得頻度を定めること"),
        "{out}"
    );
    assert!(
        !out.contains("No.1 ←"),
        "unchanged items only with --all: {out}"
    );

    let j = json_of(&ok(hooked(kojo()).args([
        "catalog",
        "diff",
        "0.9",
        "jama-japia-factory@0.9-test",
        "--json",
        "--lang",
        "en",
    ])));
    assert_eq!(j["counts"]["split"], 2);
    assert_eq!(j["counts"]["removed"], 1);
    let items = j["items"].as_array().unwrap();
    let kinds: Vec<&str> = items
        .iter()
        .map(|i| i["change"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        ["reworded", "merged", "split", "split", "removed", "new"]
    );
    assert_eq!(items[1]["from"], serde_json::json!([58, 59]));
    assert_eq!(items[4]["item"], serde_json::Value::Null);
    let ins: Vec<&str> = items[0]["condition_diff"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["op"] == "insert")
        .map(|s| s["text"].as_str().unwrap())
        .collect();
    assert_eq!(ins, ["PCs, servers", "control terminals"]);
    let all =
        json_of(&ok(hooked(kojo()).args([
            "catalog", "diff", "0.9", "0.9-test", "--json", "--all",
        ])));
    assert_eq!(all["items"].as_array().unwrap().len(), 64);
    // The other way round there is no mapping.
    let r = fails(hooked(kojo()).args(["catalog", "diff", "0.9-test", "0.9"]));
    assert!(
        r.stderr.contains("対応表（マッピング）がありません"),
        "{}",
        r.stderr
    );
    // Items of the test catalog by version.
    let r = ok(hooked(kojo()).args(["catalog", "show", "63", "--catalog", "0.9-test"]));
    assert!(
        r.stdout
            .contains("バックアップ媒体をネットワークから切り離して保管している")
    );
}

on_both!(new_version_from_the_command_line);

fn new_version_from_the_command_line(db: &TestDb) {
    let k = || hooked(db.kojo());
    ok(k().args(["site", "add", "P1", "--name", "第一工場"]));
    let id = last_line(&ok(k().args([
        "assessment",
        "new",
        "--site",
        "P1",
        "--period",
        "2026",
    ])));
    for args in [
        vec!["57", "○"],
        vec!["58", "○"],
        vec!["59", "△", "--status", "検討中"],
        vec![
            "60",
            "□",
            "--reason",
            "予算待ち",
            "--review-by",
            "2027-03-31",
        ],
        vec!["62", "○"],
        vec!["63", "－", "--na-reason", "サーバー室なし"],
    ] {
        ok(k().args(["assessment", "answer", &id]).args(&args));
    }
    // The contract: --from and --catalog, nothing else needed.
    let r = ok(k().args([
        "assessment",
        "new",
        "--from",
        &id[..8],
        "--catalog",
        "0.9-test",
    ]));
    let out = &r.stdout;
    assert!(
        out.contains("jama-japia-factory@0.9-test で作成しました"),
        "{out}"
    );
    assert!(
        out.contains("要再確認（文言変更・分割・統合）: 4 件 — No.57, 58, 59, 60"),
        "{out}"
    );
    assert!(out.contains("新規項目（未回答）: 1 件 — No.63"), "{out}");
    assert!(
        out.contains("廃止された旧項目（引き継ぎなし）: 1 件 — 旧 No.62"),
        "{out}"
    );
    let new = last_line(&r);
    let j = json_of(&ok(k().args(["assessment", "show", &new, "--json"])));
    assert_eq!(j["catalog"], "jama-japia-factory@0.9-test");
    assert_eq!(j["assessment"]["revision"], 2);
    assert_eq!(j["summary"]["overall"]["unconfirmed"], 4);
    let marks: Vec<(u64, &str, bool)> = j["answers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            (
                a["item"].as_u64().unwrap(),
                a["answer"]["answer"]["mark"].as_str().unwrap_or(""),
                a["confirmed"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        marks,
        [
            (57, "implemented", false),
            (58, "considering", false),
            (59, "deferred", false),
            (60, "deferred", false),
            (62, "not_applicable", true),
        ]
    );
    // The report states the version.
    let html = db.dir.path().join("r.html");
    ok(k()
        .args(["report", &new, "--format", "html", "-o"])
        .arg(&html));
    let html = std::fs::read_to_string(html).unwrap();
    assert!(
        html.contains("jama-japia-factory@0.9-test"),
        "report names the catalog version"
    );
    // Its checksheet names the version and imports back as that version.
    let xlsx = db.dir.path().join("new.xlsx");
    ok(k().args(["checksheet", "export", &new, "-o"]).arg(&xlsx));
    let imported = last_line(&ok(k()
        .args(["checksheet", "import"])
        .arg(&xlsx)
        .args(["--site", "P1", "--period", "2028"])));
    let j = json_of(&ok(k().args(["assessment", "show", &imported, "--json"])));
    assert_eq!(j["catalog"], "jama-japia-factory@0.9-test");
    assert_eq!(j["answers"].as_array().unwrap().len(), 5);
    // Without the hook the same file is refused, naming the version it found.
    let mut plain = db.kojo();
    plain.env_remove("KOJO_TEST_CATALOG");
    let r = run(plain
        .args(["checksheet", "import"])
        .arg(&xlsx)
        .args(["--site", "P1", "--period", "2029"]));
    assert_ne!(r.code, 0, "{}", r.stdout);
    assert!(r.stderr.contains("0.9-test"), "{}", r.stderr);
    // Refusals change nothing.
    let r = fails(k().args(["assessment", "new", "--from", &id, "--catalog", "2.0"]));
    assert!(
        r.stderr.contains("ガイドラインの版「2.0」はありません"),
        "{}",
        r.stderr
    );
    let r = fails(k().args([
        "assessment",
        "new",
        "--from",
        &id,
        "--catalog",
        "0.9-test",
        "--site",
        "P9",
    ]));
    assert!(
        r.stderr.contains("対象（工場・ライン）が異なります"),
        "{}",
        r.stderr
    );
    let list = json_of(&ok(k().args(["assessment", "list", "--json"])));
    assert_eq!(
        list.as_array().unwrap().len(),
        3,
        "source, new version, imported"
    );
    // A fresh assessment straight on a version.
    let fresh = last_line(&ok(k().args([
        "assessment",
        "new",
        "--site",
        "P1",
        "--period",
        "2027",
        "--catalog",
        "0.9-test",
    ])));
    let j = json_of(&ok(k().args(["assessment", "show", &fresh, "--json"])));
    assert_eq!(j["catalog"], "jama-japia-factory@0.9-test");
}
