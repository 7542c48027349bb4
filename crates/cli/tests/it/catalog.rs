use crate::common::*;

#[test]
fn export_oscal_validates_against_the_shared_schema() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("c.json");
    ok(kojo()
        .args(["catalog", "export", "--format", "oscal", "-o"])
        .arg(&out));
    let doc: serde_json::Value = serde_json::from_slice(&std::fs::read(&out).unwrap()).unwrap();
    let schema: serde_json::Value =
        serde_json::from_slice(&std::fs::read(shared("oscal/oscal_catalog_schema.json")).unwrap())
            .unwrap();
    let v = jsonschema::options()
        .should_validate_formats(true)
        .build(&schema)
        .unwrap();
    let errors: Vec<String> = v.iter_errors(&doc).map(|e| e.to_string()).collect();
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(doc["catalog"]["groups"].as_array().unwrap().len(), 17);
}

#[test]
fn export_json_has_all_items() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("c.json");
    ok(kojo()
        .args(["catalog", "export", "--format", "json", "-o"])
        .arg(&out));
    let doc: serde_json::Value = serde_json::from_slice(&std::fs::read(&out).unwrap()).unwrap();
    let n: usize = doc["labels"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|l| l["requirements"].as_array().unwrap())
        .map(|r| r["items"].as_array().unwrap().len())
        .sum();
    assert_eq!(n, 63);
}

#[test]
fn show_16_resolves_the_enterprise_citation() {
    let r = ok(kojo().args(["catalog", "show", "16"]));
    assert!(r.stdout.contains("No49/50 → 本版 No.14/15"), "{}", r.stdout);
    assert!(
        r.stdout
            .contains("管理ルールに沿ってアクセス権の発行、変更、無効化、削除を実施している")
    );
    assert!(r.stdout.contains("担当領域"));
    let j: serde_json::Value =
        serde_json::from_str(&ok(kojo().args(["catalog", "show", "16", "--json"])).stdout).unwrap();
    assert_eq!(j["references"][0]["items"], serde_json::json!([14, 15]));
    assert_eq!(j["references"][0]["citation"], "No49/50");
}

#[test]
fn show_43_in_english_reads_as_english_and_is_marked_unofficial() {
    let r = ok(kojo().args(["catalog", "show", "43", "--lang", "en"]));
    assert!(r.stdout.contains("unofficial"), "{}", r.stdout);
    assert!(r.stdout.contains("Default passwords"), "{}", r.stdout);
    assert!(r.stdout.contains("Achievement criteria"));
    // The condition line is English, not Japanese.
    let first = r.stdout.lines().find(|l| l.starts_with("No.43")).unwrap();
    assert!(first.is_ascii(), "{first}");
}

#[test]
fn show_errata_for_item_5() {
    let r = ok(kojo().args(["catalog", "show", "5"]));
    assert!(r.stdout.contains("発生した発生した"));
    assert!(r.stdout.contains("正誤・注記"));
}

#[test]
fn list_filters_by_label_and_prints_json() {
    let r = ok(kojo().args(["catalog", "list", "--label", "5", "--json"]));
    let j: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    let nums: Vec<u64> = j["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["number"].as_u64().unwrap())
        .collect();
    assert_eq!(nums, [14, 15, 16, 17, 18]);
    let all = ok(kojo().args(["catalog", "list"]));
    assert_eq!(
        all.stdout
            .lines()
            .filter(|l| l.trim_start().starts_with("No."))
            .count(),
        63
    );
}

#[test]
fn bad_input_exits_1_with_a_one_line_message_and_usage_errors_exit_2() {
    let r = run(kojo().args(["catalog", "show", "64"]));
    assert_eq!(r.code, 1);
    assert_eq!(r.stderr.trim().lines().count(), 1, "{}", r.stderr);
    assert!(r.stderr.contains("64") && r.stderr.contains("エラー"));
    let r = run(kojo().args(["--lang", "en", "catalog", "list", "--label", "18"]));
    assert_eq!(r.code, 1);
    assert!(
        r.stderr.starts_with("error: label 18 does not exist"),
        "{}",
        r.stderr
    );
    let r = run(kojo().args(["catalog", "frobnicate"]));
    assert_eq!(r.code, 2);
    let r = run(kojo().args(["catalog", "export", "--format", "pdf", "-o", "x"]));
    assert_eq!(r.code, 2);
}

#[test]
fn export_to_an_unwritable_place_fails_cleanly() {
    let r = run(kojo().args([
        "catalog",
        "export",
        "--format",
        "oscal",
        "-o",
        "/nonexistent-dir/c.json",
    ]));
    assert_eq!(r.code, 1);
    assert!(r.stderr.contains("/nonexistent-dir/c.json"), "{}", r.stderr);
}
