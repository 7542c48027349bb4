//! Operations through the real binary: backups that move a company between SQLite and
//! PostgreSQL with nothing lost (canonical dumps equal), a restore killed half-way leaves the
//! target empty, tampering is named, the upgrade rules, scheduled backups and health checks.

use crate::common::*;
use crate::exchange::approved;
use crate::on_both;
use serde_json::Value;
use std::io::{BufRead, BufReader};
use std::process::Stdio;

fn dump(url: &str) -> Value {
    let r = ok(kojo().args(["db", "dump", "--database", url]));
    serde_json::from_str(&r.stdout).unwrap()
}

/// `d` without its last `n` access-log records, which must be restores.
fn minus_restores(mut d: Value, n: i64) -> Value {
    let action = d["tables"]["audit_log"]["columns"]
        .as_array()
        .unwrap()
        .iter()
        .position(|c| c == "action")
        .unwrap();
    let rows = d["tables"]["audit_log"]["rows"].as_array_mut().unwrap();
    for _ in 0..n {
        assert_eq!(rows.pop().unwrap()[action], "restore");
    }
    for r in d["tables"]["sequences"]["rows"].as_array_mut().unwrap() {
        if r[0] == "audit_log" {
            r[1] = Value::from(r[1].as_i64().unwrap() - n);
        }
    }
    d
}

/// Some of everything: an approved revision with sign-offs, a draft with an evidence file.
fn company(db: &TestDb) {
    approved(db);
    let id = last_line(&ok(db.kojo().args([
        "assessment",
        "new",
        "--site",
        "P1",
        "--period",
        "2027",
        "--assessor",
        "山田",
    ])));
    answer(db, &id, &["5", "○"]);
    let file = db.dir.path().join("点検記録.pdf");
    std::fs::write(&file, b"%PDF-1.4 evidence bytes").unwrap();
    ok(db.kojo().args(["evidence", "add", &id, "5"]).arg(&file));
}

#[test]
fn moving_from_sqlite_to_postgresql_and_back_keeps_everything() {
    let src = sqlite_db();
    company(&src);
    let before = dump(&src.url);
    let file = src.dir.path().join("move.kojo-backup");
    // Quiet when not on a terminal.
    let r = ok(src.kojo().args(["backup", "-o"]).arg(&file));
    assert_eq!((r.stdout.as_str(), r.stderr.as_str()), ("", ""));
    let v = ok(kojo().args(["backup", "verify"]).arg(&file));
    assert!(v.stdout.contains("正常"), "{}", v.stdout);

    let pg = postgres_db();
    let r = ok(kojo()
        .args(["restore"])
        .arg(&file)
        .args(["--database", &pg.url]));
    assert!(r.stdout.contains("復元しました"), "{}", r.stdout);
    let on_pg = dump(&pg.url);
    assert_eq!(
        minus_restores(on_pg.clone(), 1),
        before,
        "SQLite → PostgreSQL"
    );
    ok(pg.kojo().args(["audit", "verify"]));

    // And back, for an air-gapped copy.
    let back = pg.dir.path().join("back.kojo-backup");
    ok(pg.kojo().args(["backup", "-o"]).arg(&back));
    let copy = sqlite_db();
    ok(kojo()
        .args(["restore"])
        .arg(&back)
        .args(["--database", &copy.url]));
    assert_eq!(
        minus_restores(dump(&copy.url), 1),
        on_pg,
        "PostgreSQL → SQLite"
    );
    let r = ok(copy.kojo().args(["audit", "verify"]));
    assert!(r.stdout.contains("正常"), "{}", r.stdout);
    // The evidence bytes came through.
    let list = json_of(&ok(copy.kojo().args(["assessment", "list", "--json"])));
    assert!(list.as_array().is_some_and(|a| a.len() >= 2), "{list}");

    // A non-empty target is refused, clearly, and stays as it was.
    let again = fails(
        kojo()
            .args(["restore"])
            .arg(&back)
            .args(["--database", &copy.url]),
    );
    assert!(
        again.stderr.contains("空ではありません") && again.stderr.contains("--force"),
        "{}",
        again.stderr
    );
    assert_eq!(minus_restores(dump(&copy.url), 1), on_pg);
}

fn sigkill_leaves_the_target_empty(target: &TestDb) {
    let src = sqlite_db();
    company(&src);
    let file = src.dir.path().join("k.kojo-backup");
    ok(src.kojo().args(["backup", "-o"]).arg(&file));
    let mut child = kojo()
        .args(["restore"])
        .arg(&file)
        .args(["--database", &target.url])
        .env("KOJO_FAILPOINT_RESTORE_PAUSE", "3")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    assert!(lines.any(|l| l.unwrap().starts_with("failpoint: restore paused")));
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    if let Some(path) = target.url.strip_prefix("sqlite:") {
        assert!(
            !std::path::Path::new(path).exists(),
            "no half-restored file in place"
        );
    } else {
        let tables = std::process::Command::new("psql")
            .arg(&target.url)
            .args(["-Atc", "SELECT count(*) FROM information_schema.tables WHERE table_schema = current_schema()"])
            .output()
            .unwrap();
        assert_eq!(
            String::from_utf8_lossy(&tables.stdout).trim(),
            "0",
            "no table left behind"
        );
    }
    // The next restore starts clean and completes.
    ok(kojo()
        .args(["restore"])
        .arg(&file)
        .args(["--database", &target.url]));
    ok(target.kojo().args(["audit", "verify"]));
}
on_both!(sigkill_leaves_the_target_empty);

#[test]
fn audit_verify_names_a_changed_record_and_a_changed_history_row() {
    let db = sqlite_db();
    company(&db);
    let r = ok(db.kojo().args(["audit", "verify"]));
    assert!(r.stdout.contains("正常"), "{}", r.stdout);
    // A range exported on its own verifies from its anchor.
    let export = db.dir.path().join("audit.jsonl");
    ok(db
        .kojo()
        .args([
            "audit",
            "export",
            "--from",
            "2000-01-01",
            "--to",
            "2100-01-01",
            "-o",
        ])
        .arg(&export));
    let r = ok(kojo().args(["audit", "verify", "--file"]).arg(&export));
    assert!(r.stdout.contains("正常"), "{}", r.stdout);
    let csv = ok(db.kojo().args([
        "audit",
        "export",
        "--from",
        "2000-01-01",
        "--to",
        "2100-01-01",
        "--format",
        "csv",
    ]));
    assert!(
        csv.stdout
            .starts_with("seq,at,actor,client,action,target,detail,ref_hash,prev_hash,hash\n")
    );
    // One changed line of the export is named.
    let text = std::fs::read_to_string(&export).unwrap();
    let changed = text.replacen("\"action\":\"login", "\"action\":\"logout", 1);
    let changed = if changed == text {
        text.replacen("\"answer_change\"", "\"answer_changed\"", 1)
    } else {
        changed
    };
    std::fs::write(&export, changed).unwrap();
    let r = fails(kojo().args(["audit", "verify", "--file"]).arg(&export));
    assert!(r.stderr.contains("行目"), "{}", r.stderr);

    // Behind kojo's back: one access-log record, one answer-history row.
    run_sql(
        &db,
        &[
            "UPDATE audit_log SET detail = 'edited' WHERE seq = 3",
            "UPDATE answer_history SET changed_by = 'mallory' WHERE id = (SELECT id FROM answer_history ORDER BY id LIMIT 1)",
        ],
    );
    let r = fails(db.kojo().args(["audit", "verify"]));
    assert!(
        r.stdout.contains("記録 #3: 内容がハッシュと一致しません"),
        "{}",
        r.stdout
    );
    assert!(r.stdout.contains("回答履歴"), "{}", r.stdout);
    let r = fails(
        db.kojo()
            .args(["--lang", "en", "audit", "verify", "--json"]),
    );
    let report: Value = serde_json::from_str(&r.stdout).unwrap();
    let problems: Vec<&str> = report["breaks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["problem"].as_str().unwrap())
        .collect();
    assert_eq!(problems, ["content", "history"], "{report}");
}

#[test]
fn an_anchor_kept_elsewhere_catches_a_rewritten_chain() {
    let db = sqlite_db();
    company(&db);
    let r = ok(db.kojo().args(["audit", "anchor"]));
    let anchor = last_line(&r);
    ok(db.kojo().args(["audit", "verify", "--anchor", &anchor]));
    let (seq, _) = anchor.split_once(':').unwrap();
    let wrong = format!("{seq}:{}", "0".repeat(64));
    let r = fails(db.kojo().args(["audit", "verify", "--anchor", &wrong]));
    assert!(r.stdout.contains("アンカー"), "{}", r.stdout);
}

/// A database as kojo left it at schema version 9 (before the audit chain), with one answer.
fn old_database(url: &str) {
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let old = sqlx::migrate::Migrator::with_migrations(kojo_store::MIGRATOR.iter().filter(|m| m.version <= 9).cloned().collect());
        let rows = [
            "INSERT INTO organisations (id, code, name, created_at) VALUES ('o1', 'DEFAULT', '旧社', '2025-04-01T00:00:00.000Z')",
            "INSERT INTO sites (id, org_id, code, name, created_at) VALUES ('s1', 'o1', 'OLD', '旧工場', '2025-04-01T00:00:00.000Z')",
            "INSERT INTO assessments (id, org_id, site_id, period, catalog_id, status, revision, created_by, created_at, updated_at, history_seq) \
             VALUES ('a1', 'o1', 's1', 2025, 'jama-japia-factory@0.9', 'draft', 1, 'old', '2025-04-02T00:00:00.000Z', '2025-04-02T00:00:00.000Z', 1)",
            "INSERT INTO answers (assessment_id, item_no, mark, version, updated_at, updated_by) VALUES ('a1', 1, 'implemented', 1, '2025-04-02T00:00:00.000Z', 'old')",
            "INSERT INTO answer_history (id, assessment_id, item_no, version, changed_at, changed_by, new_value, seq) \
             VALUES ('h1', 'a1', 1, 1, '2025-04-02T00:00:00.000Z', 'old', '{\"mark\":\"○\"}', 1)",
            "INSERT INTO audit_log (id, at, actor, action, seq) VALUES ('l1', '2025-04-02T00:00:00.000Z', 'old', 'login', 1)",
            "UPDATE sequences SET value = 1 WHERE name = 'audit_log'",
        ];
        if url.starts_with("sqlite:") {
            use sqlx::Connection;
            let pool = sqlx::SqlitePool::connect(&format!("{url}?mode=rwc")).await.unwrap();
            old.run(&pool).await.unwrap();
            let mut c = pool.acquire().await.unwrap();
            for s in rows {
                sqlx::query(sqlx::AssertSqlSafe(s)).execute(&mut *c).await.unwrap();
            }
            drop(c);
            pool.close().await;
            let _ = sqlx::SqliteConnection::connect(url).await.unwrap().close().await;
        } else {
            let pool = sqlx::PgPool::connect(url).await.unwrap();
            old.run(&pool).await.unwrap();
            for s in rows {
                sqlx::query(sqlx::AssertSqlSafe(s)).execute(&pool).await.unwrap();
            }
            pool.close().await;
        }
    });
}

#[test]
fn an_older_database_is_backed_up_then_migrated_and_older_backups_restore() {
    let db = sqlite_db();
    old_database(&db.url);
    // A backup of the old schema, taken without migrating.
    let file = db.dir.path().join("old.kojo-backup");
    ok(db.kojo().args(["backup", "-o"]).arg(&file));
    let v = json_of(&ok(kojo().args(["backup", "verify", "--json"]).arg(&file)));
    assert_eq!(v["header"]["schema_version"], 9);
    // The new kojo backs the file up beside it, then migrates.
    let r = ok(db.kojo().args(["site", "list"]));
    assert!(r.stdout.contains("OLD"), "{}", r.stdout);
    assert!(
        r.stderr.contains("移行前の自動バックアップ"),
        "{}",
        r.stderr
    );
    let beside: Vec<_> = std::fs::read_dir(db.dir.path())
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().to_string())
        .filter(|n| n.starts_with("kojo.sqlite3.pre-v") && n.ends_with(".kojo-backup"))
        .collect();
    assert_eq!(beside.len(), 1, "{beside:?}");
    ok(kojo()
        .args(["backup", "verify"])
        .arg(db.dir.path().join(&beside[0])));
    ok(db.kojo().args(["audit", "verify"]));
    // The old backup restores into PostgreSQL and migrates there.
    let pg = postgres_db();
    let r = json_of(&ok(kojo()
        .args(["restore", "--json"])
        .arg(&file)
        .args(["--database", &pg.url])));
    assert_eq!(
        (r["schema_from"].as_i64(), r["schema_to"].as_i64()),
        (Some(9), Some(kojo_store::backup::latest_schema_version()))
    );
    let r = ok(pg.kojo().args(["audit", "verify", "--json"]));
    assert_eq!(json_of(&r)["history_rows"], 1);
    assert!(ok(pg.kojo().args(["site", "list"])).stdout.contains("OLD"));
}

#[test]
fn an_older_postgresql_database_waits_for_a_confirmed_backup() {
    let pg = postgres_db();
    old_database(&pg.url);
    let r = fails(pg.kojo().args(["site", "list"]));
    assert!(
        r.stderr.contains("バックアップが必要") && r.stderr.contains("--backup-confirmed"),
        "{}",
        r.stderr
    );
    // Nothing changed: a backup still says 9.
    let file = pg.dir.path().join("b.kojo-backup");
    ok(pg.kojo().args(["backup", "-o"]).arg(&file));
    assert_eq!(
        json_of(&ok(kojo().args(["backup", "verify", "--json"]).arg(&file)))["header"]["schema_version"],
        9
    );
    assert!(
        ok(pg.kojo().args(["--backup-confirmed", "site", "list"]))
            .stdout
            .contains("OLD")
    );
}

#[test]
fn a_newer_schema_is_refused_and_so_is_its_backup() {
    let db = sqlite_db();
    company(&db);
    run_sql(
        &db,
        &[
            "INSERT INTO _sqlx_migrations (version, description, installed_on, success, checksum, execution_time) \
                VALUES (9999, 'future', '2030-01-01 00:00:00', 1, x'00', 0)",
        ],
    );
    let r = fails(db.kojo().args(["site", "list"]));
    assert!(
        r.stderr.contains("9999") && r.stderr.contains("新しい kojo"),
        "{}",
        r.stderr
    );
    // This kojo does not back up what it could not restore.
    let file = db.dir.path().join("future.kojo-backup");
    let r = fails(db.kojo().args(["--lang", "en", "backup", "-o"]).arg(&file));
    assert!(
        r.stderr.contains("schema version 9999") && r.stderr.contains("newer kojo"),
        "{}",
        r.stderr
    );
    assert!(!file.exists());
}

#[test]
fn serve_writes_verified_backups_on_schedule_and_answers_health_checks() {
    let db = sqlite_db();
    company(&db);
    let dir = db.dir.path().join("backups");
    let mut child = db
        .kojo()
        .args(["serve", "--listen", "127.0.0.1:0", "--backup-dir"])
        .arg(&dir)
        .args(["--backup-every", "1h", "--backup-keep", "2"])
        .env("KOJO_LOG", "info")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut out = BufReader::new(child.stdout.take().unwrap()).lines();
    let base = out
        .by_ref()
        .map(|l| l.unwrap())
        .find_map(|l| {
            l.find("http://")
                .map(|i| l[i..].trim_end_matches('/').to_string())
        })
        .unwrap();
    std::thread::spawn(move || for _ in out {});
    // No backup yet, so the first is due at once; the log says when it is written and verified.
    let mut err = BufReader::new(child.stderr.take().unwrap()).lines();
    assert!(
        err.by_ref()
            .map(|l| l.unwrap())
            .any(|l| l.contains("scheduled backup written and verified"))
    );
    std::thread::spawn(move || for _ in err {});
    let files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .collect();
    assert_eq!(files.len(), 1, "{files:?}");
    ok(kojo().args(["backup", "verify"]).arg(&files[0]));
    let get = |path: &str| {
        use std::io::{Read, Write};
        let addr = base.trim_start_matches("http://");
        let mut s = std::net::TcpStream::connect(addr).unwrap();
        write!(
            s,
            "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
        )
        .unwrap();
        let mut raw = String::new();
        s.read_to_string(&mut raw).unwrap();
        let status: u16 = raw.split(' ').nth(1).unwrap().parse().unwrap();
        let body = raw.split_once("\r\n\r\n").unwrap().1.to_string();
        (status, body)
    };
    assert_eq!(get("/healthz"), (200, "ok\n".to_string()));
    assert_eq!(get("/readyz"), (200, "ready\n".to_string()));
    let _ = child.kill();
    let _ = child.wait();
}

#[test]
fn doctor_reports_each_check_and_fails_on_a_broken_trail() {
    let db = sqlite_db();
    company(&db);
    let r = ok(db.kojo().args(["doctor"]));
    for line in [
        "[ OK ] database",
        "[ OK ] migrations",
        "[ OK ] disk",
        "[WARN] backup",
        "[ OK ] audit",
        "[ OK ] clock",
    ] {
        assert!(r.stdout.contains(line), "{line}: {}", r.stdout);
    }
    ok(db
        .kojo()
        .args(["backup", "-o"])
        .arg(db.dir.path().join("b.kojo-backup")));
    let checks = json_of(&ok(db.kojo().args(["doctor", "--json"])));
    let status = |name: &str| {
        checks
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["check"] == name)
            .map(|c| c["status"].clone())
            .unwrap()
    };
    assert_eq!(status("backup"), "ok");
    run_sql(
        &db,
        &["UPDATE audit_log SET actor = 'mallory' WHERE seq = 2"],
    );
    let r = fails(db.kojo().args(["doctor"]));
    assert!(
        r.stdout.contains("[FAIL] audit") && r.stdout.contains("#2"),
        "{}",
        r.stdout
    );

    // PostgreSQL on this machine: no TLS needed, and the server's clock is compared.
    let pg = postgres_db();
    let r = ok(pg.kojo().args(["site", "list"]));
    assert_eq!(r.code, 0);
    let r = ok(pg.kojo().args(["--lang", "en", "doctor"]));
    assert!(
        r.stdout.contains("[ OK ] tls") && r.stdout.contains("this machine"),
        "{}",
        r.stdout
    );
}

#[test]
fn exports_and_imports_are_in_the_audit_trail() {
    let db = sqlite_db();
    let id = approved(&db);
    ok(db
        .kojo()
        .args(["report", &id, "--format", "html", "-o"])
        .arg(db.dir.path().join("r.html")));
    ok(db
        .kojo()
        .args(["checksheet", "export", &id, "-o"])
        .arg(db.dir.path().join("c.xlsx")));
    ok(db
        .kojo()
        .args(["assessment", "export", &id, "--format", "oscal", "-o"])
        .arg(db.dir.path().join("o.json")));
    let export = db.dir.path().join("a.jsonl");
    ok(db
        .kojo()
        .args([
            "audit",
            "export",
            "--from",
            "2000-01-01",
            "--to",
            "2100-01-01",
            "-o",
        ])
        .arg(&export));
    let text = std::fs::read_to_string(&export).unwrap();
    for what in [
        "report.html",
        "checksheet.xlsx",
        "oscal-assessment-results.json",
    ] {
        assert!(
            text.lines()
                .any(|l| l.contains("\"action\":\"export\"") && l.contains(what)),
            "{what}"
        );
    }
    assert!(text.contains("\"action\":\"signoff\""));
}

#[test]
fn nothing_to_back_up_is_said_and_creates_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("none.sqlite3");
    let url = format!("sqlite:{}", missing.display());
    let out = dir.path().join("x.kojo-backup");
    let r = fails(kojo().args(["backup", "--database", &url, "-o"]).arg(&out));
    assert!(
        r.stderr.contains("データベースファイル") && r.stderr.contains("ありません"),
        "{}",
        r.stderr
    );
    assert!(!missing.exists() && !out.exists());
    let r = fails(kojo().args(["--lang", "en", "db", "dump", "--database", &url]));
    assert!(
        r.stderr.contains("There is no database file"),
        "{}",
        r.stderr
    );
    // Not a backup: named as such, nothing restored.
    let bogus = dir.path().join("bogus.kojo-backup");
    std::fs::write(&bogus, b"not a backup").unwrap();
    let r = fails(
        kojo()
            .args(["--lang", "en", "backup", "verify"])
            .arg(&bogus),
    );
    assert!(r.stderr.contains("not a kojo backup"), "{}", r.stderr);
    let r = fails(
        kojo()
            .args(["restore"])
            .arg(&bogus)
            .args(["--database", &url]),
    );
    assert!(r.stderr.contains("バックアップ"), "{}", r.stderr);
    assert!(!missing.exists());
}
