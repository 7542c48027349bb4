//! Supplier → customer: keys, signed packages, receiving, refusals, receipt tracking, OSCAL.

use crate::common::*;
use serde_json::Value;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Stdio;

pub(crate) const PASS: &str = "correct horse battery staple";

/// Runs `cmd` with `input` on standard input.
pub(crate) fn with_stdin(cmd: &mut std::process::Command, input: &str) -> Run {
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8(out.stdout).unwrap(),
        stderr: String::from_utf8(out.stderr).unwrap(),
    }
}

/// The supplier: company ACME with plant P1, and an approved FY2026 assessment (1–59 ○, 60 □,
/// 61 △, 62 ×, 63 －), signed off by three people. Returns its id.
pub(crate) fn approved(db: &TestDb) -> String {
    ok(db
        .kojo()
        .args(["company", "add", "ACME", "--name", "Acme 部品"]));
    ok(db.kojo().args([
        "site",
        "add",
        "P1",
        "--name",
        "第一工場",
        "--company",
        "ACME",
    ]));
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
    let mut answers: Vec<Value> = (1..=59)
        .map(|i| serde_json::json!({"item": i, "mark": "○"}))
        .collect();
    answers.push(
        serde_json::json!({"item": 60, "mark": "□", "reason": "予算待ち", "review_by": "2027-03-31"}),
    );
    answers.push(serde_json::json!({"item": 61, "mark": "△", "status": "情報収集中"}));
    answers.push(serde_json::json!({"item": 62, "mark": "×"}));
    answers.push(serde_json::json!({"item": 63, "mark": "－", "na_reason": "無線なし"}));
    let file = db.dir.path().join("answers.json");
    std::fs::write(&file, serde_json::to_vec(&answers).unwrap()).unwrap();
    ok(db.kojo().args(["assessment", "apply", &id]).arg(&file));
    sign_off(db, &id);
    id
}

pub(crate) fn sign_off(db: &TestDb, id: &str) {
    for (name, role) in [
        ("author", "assessor"),
        ("suzuki", "reviewer"),
        ("tanaka", "approver"),
    ] {
        if !run(db.kojo().args(["user", "list", "--json"]))
            .stdout
            .contains(&format!("\"{name}\""))
        {
            add_user(db, name, role, Some("P1"));
        }
    }
    ok(db.kojo().args([
        "assessment",
        "review",
        id,
        "60",
        "--valid",
        "yes",
        "--progress-pct",
        "50",
    ]));
    for item in ["61", "62"] {
        ok(db
            .kojo()
            .args(["assessment", "review", id, item, "--status", "検討中"]));
    }
    ok(db
        .kojo()
        .args(["assessment", "submit", id, "--by", "author"]));
    ok(db
        .kojo()
        .args(["assessment", "confirm", id, "--by", "suzuki"]));
    ok(db
        .kojo()
        .args(["assessment", "approve", id, "--by", "tanaka"]));
}

/// Generates ACME's key pair into the database's folder; returns (secret, public) paths.
pub(crate) fn keys(db: &TestDb) -> (PathBuf, PathBuf) {
    let dir = db.dir.path().join("keys");
    let r = with_stdin(
        db.kojo()
            .args(["key", "generate", "--company", "ACME", "-o"])
            .arg(&dir),
        &format!("{PASS}\n"),
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.contains("ACME.key"), "{}", r.stdout);
    (dir.join("ACME.key"), dir.join("ACME.pub"))
}

pub(crate) fn submit(db: &TestDb, id: &str, key: &Path, out: &Path) {
    let r = with_stdin(
        db.kojo()
            .args(["submit", id, "--key"])
            .arg(key)
            .arg("-o")
            .arg(out),
        PASS,
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
}

pub(crate) fn receive(db: &TestDb, package: &Path) -> Run {
    run(db.kojo().arg("receive").arg(package).arg("--json"))
}

pub(crate) fn status(db: &TestDb) -> Value {
    json_of(&ok(db
        .kojo()
        .args(["supplier", "status", "--period", "2026", "--json"])))
}

pub(crate) fn received_count(db: &TestDb) -> usize {
    status(db)
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["received"].as_array().unwrap().len())
        .sum()
}

pub(crate) fn portfolio_rows(db: &TestDb) -> Vec<Value> {
    json_of(&ok(db.kojo().args([
        "portfolio",
        "--period",
        "2026",
        "--json",
    ])))["plants"]
        .as_array()
        .unwrap()
        .clone()
}

pub(crate) struct Exchange {
    pub(crate) supplier: TestDb,
    pub(crate) customer: TestDb,
    pub(crate) id: String,
    pub(crate) secret: PathBuf,
    pub(crate) public: PathBuf,
    pub(crate) package: PathBuf,
}

pub(crate) fn exchange(supplier: TestDb, customer: TestDb) -> Exchange {
    let id = approved(&supplier);
    let (secret, public) = keys(&supplier);
    let package = customer.dir.path().join("2026_P1.kojo");
    submit(&supplier, &id, &secret, &package);
    ok(customer
        .kojo()
        .args([
            "supplier",
            "add",
            "ACME",
            "--name",
            "Acme 部品",
            "--public-key",
        ])
        .arg(&public));
    Exchange {
        supplier,
        customer,
        id,
        secret,
        public,
        package,
    }
}

#[test]
fn a_package_goes_from_a_sqlite_supplier_to_a_postgres_customer() {
    let x = exchange(sqlite_db(), postgres_db());
    let c = &x.customer;

    // Reproducible: the same revision and key give the same bytes.
    let again = x.supplier.dir.path().join("again.kojo");
    submit(&x.supplier, &x.id, &x.secret, &again);
    assert_eq!(
        std::fs::read(&again).unwrap(),
        std::fs::read(&x.package).unwrap()
    );

    // The standard minisign tool verifies the manifest.
    let unpacked = tempfile::tempdir().unwrap();
    let mut zip = zip::ZipArchive::new(std::fs::File::open(&x.package).unwrap()).unwrap();
    zip.extract(unpacked.path()).unwrap();
    let out = std::process::Command::new("minisign")
        .args([
            "-V",
            "-m",
            "manifest.json",
            "-x",
            "manifest.json.minisig",
            "-p",
        ])
        .arg(&x.public)
        .current_dir(unpacked.path())
        .output()
        .expect("minisign (Debian package minisign) is installed by scripts/test");
    assert!(
        out.status.success(),
        "minisign -V: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("kojo submission ACME P1 FY2026 r1"));

    // Before: ACME is missing, with a reminder.
    let before = status(c);
    assert_eq!(before[0]["submitted"], false);
    let human = ok(c.kojo().args(["supplier", "status", "--period", "2026"])).stdout;
    assert!(
        human.contains("未提出") && human.contains("Acme 部品 御中"),
        "{human}"
    );

    let r = receive(c, &x.package);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let got = json_of(&r);
    assert_eq!(got["assessment_id"], x.id.as_str());
    assert_eq!(got["scope"], "ACME.P1");
    assert_eq!(got["current"], true);

    // The portfolio shows it, received.
    let rows = portfolio_rows(c);
    let row = rows.iter().find(|r| r["site"] == "ACME.P1").unwrap();
    assert_eq!(row["received"], true);
    assert_eq!(row["status"], "approved");
    assert_eq!(row["company"], "ACME");
    let human = ok(c.kojo().args(["portfolio", "--period", "2026"])).stdout;
    assert!(human.contains("受領"), "{human}");
    // The same content as approved: the recorded hash verifies here too.
    ok(c.kojo().args(["assessment", "verify", &x.id]));
    let shown = json_of(&ok(c.kojo().args(["assessment", "show", &x.id, "--json"])));
    assert_eq!(shown["assessment"]["received"], true);

    // Tracking: submitted, revision 1.
    let after = status(c);
    assert_eq!(after[0]["submitted"], true);
    assert_eq!(after[0]["received"][0]["revision"], 1);

    // Read-only here: no answer, revision, action or carrying forward.
    let r = fails(c.kojo().args(["assessment", "revise", &x.id]));
    assert!(r.stderr.contains("ACME"), "{}", r.stderr);
    fails(c.kojo().args(["assessment", "answer", &x.id, "1", "×"]));
    fails(
        c.kojo()
            .args(["action", "add", &x.id, "62", "--title", "対策"]),
    );
    fails(
        c.kojo()
            .args(["assessment", "new", "--site", "ACME.P1", "--period", "2027"]),
    );
    // And outside the customer's own review queue.
    let queue = json_of(&ok(c.kojo().args(["review", "--json"])));
    assert_eq!(queue.as_array().map(Vec::len), Some(0), "{queue}");
}

#[test]
fn a_newer_revision_is_current_and_an_older_one_arrives_as_history() {
    let x = exchange(sqlite_db(), sqlite_db());
    let (s, c) = (&x.supplier, &x.customer);
    let r2 = last_line(&ok(s.kojo().args(["assessment", "revise", &x.id])));
    ok(s.kojo().args(["assessment", "answer", &r2, "62", "○"]));
    ok(s.kojo()
        .args(["assessment", "submit", &r2, "--by", "author"]));
    ok(s.kojo()
        .args(["assessment", "confirm", &r2, "--by", "suzuki"]));
    ok(s.kojo()
        .args(["assessment", "approve", &r2, "--by", "tanaka"]));
    let p2 = c.dir.path().join("r2.kojo");
    submit(s, &r2, &x.secret, &p2);

    assert_eq!(json_of(&receive(c, &p2))["current"], true);
    let old = receive(c, &x.package);
    assert_eq!(old.code, 0, "{}", old.stderr);
    let old = json_of(&old);
    assert_eq!(old["current"], false);
    assert_eq!(old["newer_revision"], 2);
    let human = run(c.kojo().arg("receive").arg(&x.package));
    assert_eq!(human.code, 1, "the same revision again is refused");
    assert!(human.stderr.contains("受領済み"), "{}", human.stderr);
    // Revision 2 stays the current result.
    let rows = portfolio_rows(c);
    assert_eq!(
        rows.iter().find(|r| r["site"] == "ACME.P1").unwrap()["revision"],
        2
    );
    assert_eq!(status(c)[0]["received"][0]["revision"], 2);
}

#[test]
fn keys_are_shown_rotated_and_old_packages_stay_verifiable() {
    let x = exchange(sqlite_db(), sqlite_db());
    let (s, c) = (&x.supplier, &x.customer);
    let shown = json_of(&ok(s.kojo().args(["key", "show", "--json"])));
    assert_eq!(shown.as_array().unwrap().len(), 1);
    let old_id = shown[0]["key_id"].as_str().unwrap().to_string();
    assert_eq!(old_id.len(), 16);
    assert!(
        std::fs::read_to_string(&x.public)
            .unwrap()
            .contains(&old_id)
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&x.secret).unwrap().permissions().mode();
        assert_eq!(mode & 0o077, 0, "secret key readable by others: {mode:o}");
    }
    // Keys are never overwritten.
    let r = with_stdin(
        s.kojo()
            .args(["key", "generate", "--company", "ACME", "-o"])
            .arg(x.secret.parent().unwrap()),
        PASS,
    );
    assert_eq!(r.code, 1);
    assert!(r.stderr.contains("上書きしません"), "{}", r.stderr);
    // Rotation: a new pair elsewhere; the old key is retired.
    let new_dir = s.dir.path().join("new");
    let r = with_stdin(
        s.kojo()
            .args(["key", "generate", "--company", "ACME", "-o"])
            .arg(&new_dir),
        PASS,
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let shown = json_of(&ok(s.kojo().args([
        "key",
        "show",
        "--company",
        "ACME",
        "--json",
    ])));
    let keys = shown.as_array().unwrap();
    assert_eq!(keys.len(), 2);
    assert_eq!(keys[0]["key_id"], old_id.as_str());
    assert!(keys[0]["retired_at"].is_string());
    assert!(keys[1]["retired_at"].is_null());
    // The retired secret key no longer signs.
    let r = with_stdin(
        s.kojo()
            .args(["submit", &x.id, "--key"])
            .arg(&x.secret)
            .args(["-o", "late.kojo"]),
        PASS,
    );
    assert_eq!(r.code, 1);
    assert!(r.stderr.contains("現在の鍵"), "{}", r.stderr);
    // The customer registers the new key; the package signed with the old one (made before the
    // rotation) is still accepted.
    ok(c.kojo()
        .args(["supplier", "key", "ACME", "--public-key"])
        .arg(new_dir.join("ACME.pub")));
    assert_eq!(receive(c, &x.package).code, 0);
    let suppliers = json_of(&ok(c.kojo().args(["supplier", "list", "--json"])));
    assert_eq!(suppliers[0]["key"]["key_id"], keys[1]["key_id"]);

    // The default company cannot sign; wrong and short passphrases are refused.
    let r = with_stdin(
        s.kojo()
            .args(["key", "generate", "--company", "default", "-o", "d"]),
        PASS,
    );
    assert!(r.stderr.contains("既定の会社"), "{}", r.stderr);
    let r = with_stdin(
        s.kojo()
            .args(["key", "generate", "--company", "ACME", "-o", "short"]),
        "short",
    );
    assert!(r.stderr.contains("文字以上"), "{}", r.stderr);
    let r = with_stdin(
        s.kojo()
            .args(["submit", &x.id, "--key"])
            .arg(new_dir.join("ACME.key"))
            .args(["-o", "x.kojo"]),
        "wrong passphrase!!",
    );
    assert!(r.stderr.contains("パスフレーズが違います"), "{}", r.stderr);
}

#[test]
fn unapproved_assessments_are_not_submitted() {
    let db = sqlite_db();
    ok(db.kojo().args(["company", "add", "ACME", "--name", "Acme"]));
    ok(db
        .kojo()
        .args(["site", "add", "P1", "--name", "P", "--company", "ACME"]));
    let id = db.new_assessment("P1", "2026");
    let (secret, _) = keys(&db);
    let r = with_stdin(
        db.kojo()
            .args(["submit", &id, "--key"])
            .arg(&secret)
            .args(["-o", "p.kojo"]),
        PASS,
    );
    assert_eq!(r.code, 1);
    assert!(r.stderr.contains("承認済みの改訂版だけ"), "{}", r.stderr);
    assert!(!db.dir.path().join("p.kojo").exists());
}

#[test]
fn oscal_assessment_results_validate_and_load_in_compliance_trestle() {
    let db = sqlite_db();
    let id = approved(&db);
    let schema: Value = serde_json::from_str(
        &std::fs::read_to_string(shared("oscal/oscal_assessment-results_schema.json")).unwrap(),
    )
    .unwrap();
    let validator = jsonschema::options()
        .should_validate_formats(true)
        .build(&schema)
        .unwrap();
    let python = std::env::var("KOJO_TEST_TRESTLE_PYTHON").unwrap_or_else(|_| {
        panic!("KOJO_TEST_TRESTLE_PYTHON is not set: run ./scripts/test, which installs compliance-trestle")
    });
    for lang in ["ja", "en"] {
        let file = db.dir.path().join(format!("ar.{lang}.json"));
        ok(db
            .kojo()
            .args([
                "--lang",
                lang,
                "assessment",
                "export",
                &id,
                "--format",
                "oscal",
                "-o",
            ])
            .arg(&file));
        let doc: Value = serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();
        let errors: Vec<String> = validator
            .iter_errors(&doc)
            .map(|e| format!("{e} at {}", e.instance_path()))
            .collect();
        assert!(errors.is_empty(), "{lang}: {}", errors.join("\n"));
        let out = std::process::Command::new(&python)
            .args([
                "-c",
                "import sys, pathlib\n\
                 from trestle.oscal.assessment_results import AssessmentResults\n\
                 ar = AssessmentResults.oscal_read(pathlib.Path(sys.argv[1]))\n\
                 r = ar.results[0]\n\
                 print(len(r.findings), len(r.risks or []), ar.metadata.title)",
            ])
            .arg(&file)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "trestle: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let printed = String::from_utf8_lossy(&out.stdout);
        assert!(printed.starts_with("63 3 "), "{printed}");
        assert!(
            printed.contains(if lang == "ja" {
                "年度"
            } else {
                "Self-assessment"
            }),
            "{printed}"
        );
    }
    // The canonical JSON too.
    let file = db.dir.path().join("a.json");
    ok(db
        .kojo()
        .args(["assessment", "export", &id, "--format", "json", "-o"])
        .arg(&file));
    let doc: Value = serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();
    assert_eq!(doc["answers"].as_array().unwrap().len(), 63);
    assert_eq!(doc["signoffs"].as_array().unwrap().len(), 3);
}

#[test]
fn several_packages_are_received_each_on_its_own() {
    let x = exchange(sqlite_db(), sqlite_db());
    let c = &x.customer;
    let changed = c.dir.path().join("changed.kojo");
    let mut bytes = std::fs::read(&x.package).unwrap();
    let at = bytes.len() / 2;
    bytes[at] ^= 0x01;
    std::fs::write(&changed, bytes).unwrap();
    let r = run(c
        .kojo()
        .arg("receive")
        .arg(&changed)
        .arg(&x.package)
        .arg("--json"));
    assert_eq!(r.code, 1, "one refused: exit status 1");
    assert!(r.stderr.contains("changed.kojo"), "{}", r.stderr);
    assert!(
        r.stderr.contains("2 個のパッケージのうち 1 個"),
        "{}",
        r.stderr
    );
    let out = json_of(&r);
    let rows = out.as_array().unwrap();
    assert_eq!(rows.len(), 2);
    assert!(rows[0]["error"].is_string());
    assert_eq!(rows[1]["received"]["assessment_id"], x.id.as_str());
    assert_eq!(
        received_count(c),
        1,
        "the good one is filed, the changed one is not"
    );
}
