//! Evidence files (stored once, bounded) and the cycle's settings and roles on the command line.

use super::last_year;
use super::tools::*;
use crate::common::*;
use crate::on_both;
use serde_json::json;

on_both!(
    evidence_files_are_stored_once_and_bounded,
    settings_and_roles_are_checked,
);

fn evidence_files_are_stored_once_and_bounded(db: &TestDb) {
    let old = last_year(db);
    // Bytes that are not UTF-8: `get -o -` must write them as they are.
    let mut data = b"%PDF-1.4\n".to_vec();
    data.extend((0..=255u8).cycle().take(4096));
    let file = db.dir.path().join("点検記録.pdf");
    std::fs::write(&file, &data).unwrap();
    let sum = sha256sum(&file);
    let first = last_line(&ok(db
        .kojo()
        .args(["evidence", "add", &old, "3"])
        .arg(&file)));
    let second = last_line(&ok(db
        .kojo()
        .args(["evidence", "add", &old, "7"])
        .arg(&file)
        .args(["--valid-until", "2020-03-31"])));
    assert_ne!(first, second);
    let list = json_of(&ok(db.kojo().args(["evidence", "list", &old, "--json"])));
    let rows = list.as_array().unwrap();
    assert_eq!(rows.len(), 2);
    for (row, item) in rows.iter().zip([3, 7]) {
        assert_eq!(row["item"], item);
        assert_eq!(row["sha256"], sum.as_str(), "{row}");
        assert_eq!(row["name"], "点検記録.pdf");
        assert_eq!(row["media_type"], "application/pdf");
        assert_eq!(row["size"], data.len());
        assert!(row["uploaded_by"].as_str().unwrap().starts_with("cli:"));
        assert!(row["uploaded_at"].is_string());
    }
    assert!(rows[0]["valid_until"].is_null());
    assert_eq!(rows[1]["valid_until"], "2020-03-31");
    // The same bytes are one blob.
    assert_eq!(count(db, "SELECT COUNT(*) FROM blobs"), 1);
    assert_eq!(count(db, "SELECT COUNT(*) FROM evidence"), 2);
    let human = ok(db.kojo().args(["evidence", "list", &old])).stdout;
    assert!(
        human.contains(&sum) && human.contains("点検記録.pdf"),
        "{human}"
    );
    // Get it back, to a file and to standard output.
    let out = db.dir.path().join("back.pdf");
    ok(db.kojo().args(["evidence", "get", &second, "-o"]).arg(&out));
    assert_eq!(std::fs::read(&out).unwrap(), data);
    let raw = db
        .kojo()
        .args(["evidence", "get", &first, "-o", "-"])
        .output()
        .unwrap();
    assert!(raw.status.success());
    assert_eq!(raw.stdout, data);
    fails(db.kojo().args(["evidence", "get", "999", "-o", "-"]));
    // Carried to next year by reference: still one blob.
    let new = last_line(&ok(db.kojo().args([
        "assessment",
        "new",
        "--site",
        "P1",
        "--period",
        "2027",
        "--from",
        &old,
    ])));
    let carried = json_of(&ok(db.kojo().args(["evidence", "list", &new, "--json"])));
    assert_eq!(carried.as_array().unwrap().len(), 2);
    assert_eq!(carried[0]["sha256"], sum.as_str());
    assert_eq!(count(db, "SELECT COUNT(*) FROM blobs"), 1);
    // Over the limit: 1 MiB allowed, 1.1 MiB refused, nothing stored.
    ok(db
        .kojo()
        .args(["setting", "set", "evidence.max_file_mib", "1"]));
    let big = db.dir.path().join("big.bin");
    std::fs::write(&big, vec![7u8; 1_153_434]).unwrap();
    let r = fails(db.kojo().args(["evidence", "add", &new, "4"]).arg(&big));
    assert!(
        r.stderr.contains("big.bin") && r.stderr.contains("1048576"),
        "{}",
        r.stderr
    );
    assert_eq!(count(db, "SELECT COUNT(*) FROM blobs"), 1);
    assert_eq!(
        json_of(&ok(db.kojo().args(["evidence", "list", &new, "--json"])))
            .as_array()
            .unwrap()
            .len(),
        2
    );
    // Exactly 1 MiB is accepted.
    std::fs::write(&big, vec![7u8; 1024 * 1024]).unwrap();
    ok(db.kojo().args(["evidence", "add", &new, "4"]).arg(&big));
    assert_eq!(count(db, "SELECT COUNT(*) FROM blobs"), 2);
    // An empty file and a missing file are refused.
    let empty = db.dir.path().join("empty.txt");
    std::fs::write(&empty, b"").unwrap();
    fails(db.kojo().args(["evidence", "add", &new, "4"]).arg(&empty));
    fails(
        db.kojo()
            .args(["evidence", "add", &new, "4"])
            .arg(db.dir.path().join("missing.pdf")),
    );
}

fn settings_and_roles_are_checked(db: &TestDb) {
    let list = json_of(&ok(db.kojo().args(["setting", "list", "--json"])));
    assert_eq!(
        list,
        json!([
            {"key": "signoff.required_signers", "value": 3, "default": 3, "min": 2, "max": 3},
            {"key": "evidence.max_file_mib", "value": 25, "default": 25, "min": 1, "max": 1024},
            {"key": "evidence.quota_mib", "value": 5120, "default": 5120, "min": 1, "max": 1048576},
        ])
    );
    let r = fails(
        db.kojo()
            .args(["setting", "set", "signoff.required_signers", "4"]),
    );
    assert!(
        r.stderr.contains("signoff.required_signers"),
        "{}",
        r.stderr
    );
    let r = fails(db.kojo().args(["setting", "set", "no.such", "1"]));
    assert!(r.stderr.contains("no.such"), "{}", r.stderr);
    let r = ok(db
        .kojo()
        .args(["setting", "set", "signoff.required_signers", "2"]));
    assert!(r.stdout.contains("2"), "{}", r.stdout);
    let list = json_of(&ok(db.kojo().args(["setting", "list", "--json"])));
    assert_eq!(list[0]["value"], 2);
    let human = ok(db.kojo().args(["setting", "list"])).stdout;
    assert!(human.contains("signoff.required_signers = 2"), "{human}");
    // The setting change is in the access log.
    let log = ok(db.kojo().args(["user", "log", "--json"])).stdout;
    assert!(log.contains("setting_set"), "{log}");
    // Roles: approver exists; an unknown role names the ones there are.
    db.add_plant("P1", "第一工場");
    add_user(db, "appr", "approver", Some("P1"));
    let users = json_of(&ok(db.kojo().args(["user", "list", "--json"])));
    assert_eq!(users[0]["role"], "approver");
    let r = fails(
        db.kojo()
            .args(["user", "add", "x", "--role", "boss", "--password-stdin"]),
    );
    assert!(r.stderr.contains("approver"), "{}", r.stderr);
}
