//! Regression tests for what review found when trying kojo as an attacker and as a new user
//! (issue 8): unauthenticated growth, lockout as a weapon, the id-prefix oracle, admin self-harm,
//! user names, redirects, cookies, the report's CSP, and the command line's pipes and messages.

use crate::common::*;
use crate::web::{Client, PW, admin_session, enc};

pub(crate) fn login_from(s: &Server, client: &str, user: &str, password: &str) -> u16 {
    let mut c = Client::default();
    let csrf = c.csrf(s, "/login");
    c.send(
        s,
        "POST",
        "/login",
        &[
            ("Content-Type", "application/x-www-form-urlencoded"),
            ("X-Forwarded-For", client),
        ],
        format!(
            "_csrf={csrf}&username={}&password={}",
            enc(user),
            enc(password)
        )
        .as_bytes(),
    )
    .status
}

/// Plant P1 with one assessment of FY2026; returns the assessment's id.
fn plant_with_assessment(db: &TestDb) -> String {
    db.add_plant("P1", "one");
    new_assessment(db, "P1")
}

fn new_assessment(db: &TestDb, site: &str) -> String {
    ok(db
        .kojo()
        .args(["assessment", "new", "--site", site, "--period", "2026"]))
    .stdout
    .lines()
    .last()
    .unwrap()
    .to_string()
}

/// Adds a user with the password given on standard input.
fn add_user(db: &TestDb, args: &[&str], password: &str) -> std::process::Output {
    use std::io::Write;
    let mut add = db
        .kojo()
        .args(["user", "add"])
        .args(args)
        .arg("--password-stdin")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    add.stdin
        .take()
        .unwrap()
        .write_all(password.as_bytes())
        .unwrap();
    add.wait_with_output().unwrap()
}

fn log_json(db: &TestDb) -> Vec<serde_json::Value> {
    let out = ok(db
        .kojo()
        .args(["user", "log", "--json", "--limit", "100000"]))
    .stdout;
    serde_json::from_str::<serde_json::Value>(&out)
        .unwrap()
        .as_array()
        .unwrap()
        .clone()
}

#[test]
fn a_password_guessing_crowd_cannot_lock_the_admin_out() {
    let db = sqlite_db();
    let s = Server::start(&db.url, &["--trusted-proxy", "127.0.0.1"]);
    let _ = admin_session(&db, &s);
    // The administrator's usual address logs in once: it becomes known to the account.
    assert_eq!(login_from(&s, "198.51.100.7", "admin", PW), 303);
    // One attacker address: five failures are free, then it waits (429), right password or not.
    for _ in 0..5 {
        assert_eq!(
            login_from(&s, "203.0.113.1", "admin", "wrong password!!"),
            401
        );
    }
    assert_eq!(login_from(&s, "203.0.113.1", "admin", PW), 429);
    // More addresses push the account past its ceiling (20 failures from anywhere).
    for a in 2..=4 {
        for _ in 0..5 {
            assert_eq!(
                login_from(&s, &format!("203.0.113.{a}"), "admin", "wrong password!!"),
                401
            );
        }
    }
    // An address that never logged in to the account now waits, even with the password...
    assert_eq!(login_from(&s, "192.0.2.50", "admin", PW), 429);
    // ...but the known address is only slowed, never refused.
    assert_eq!(login_from(&s, "198.51.100.7", "admin", PW), 303);
    // And the administrator always has a way in from anywhere: `kojo user unlock`.
    let out = ok(db.kojo().args(["user", "unlock", "admin"])).stdout;
    assert!(out.contains("admin"), "{out}");
    assert_eq!(login_from(&s, "192.0.2.50", "admin", PW), 303);
    assert_eq!(login_from(&s, "203.0.113.1", "admin", PW), 303);
    let log = log_json(&db);
    let actions: Vec<&str> = log.iter().filter_map(|e| e["action"].as_str()).collect();
    assert!(actions.contains(&"login_throttled") && actions.contains(&"user_unlock"));
}

#[test]
fn an_overlong_login_name_is_refused_before_anything_is_stored() {
    let db = sqlite_db();
    let s = Server::start(&db.url, &[]);
    let _ = admin_session(&db, &s);
    let before = log_json(&db).len();
    let size = |db: &TestDb| -> u64 {
        std::fs::read_dir(db.dir.path())
            .unwrap()
            .map(|e| e.unwrap().metadata().unwrap().len())
            .sum()
    };
    let size_before = size(&db);
    let huge = "x".repeat(200 * 1024);
    let mut c = Client::default();
    for _ in 0..30 {
        let csrf = c.csrf(&s, "/login");
        let r = c.post(
            &s,
            "/login",
            &[
                ("_csrf", &csrf),
                ("username", &huge),
                ("password", "whatever it is"),
            ],
        );
        assert_eq!(r.status, 401);
        assert!(r.body.len() < 64 * 1024, "the page does not echo the name");
    }
    assert_eq!(
        log_json(&db).len(),
        before,
        "nothing logged for impossible names"
    );
    let grown = size(&db).saturating_sub(size_before);
    assert!(grown < 1024 * 1024, "the database grew by {grown} bytes");
    // A long but possible name is logged, cut to the field limit.
    let long = "y".repeat(64);
    let csrf = c.csrf(&s, "/login");
    c.post(
        &s,
        "/login",
        &[("_csrf", &csrf), ("username", &long), ("password", "x")],
    );
    assert_eq!(log_json(&db).len(), before + 1);
}

#[test]
fn the_access_log_is_paged() {
    let db = sqlite_db();
    let s = Server::start(&db.url, &[]);
    let mut admin = admin_session(&db, &s);
    for i in 0..210 {
        ok(db
            .kojo()
            .args(["site", "add", &format!("P{i}"), "--name", "x"]));
    }
    let first = admin.get(&s, "/admin/log");
    assert_eq!(first.status, 200);
    let rows = |body: &str| body.matches("<tr><td>").count();
    assert_eq!(rows(&first.body), 200);
    let i = first.body.find("/admin/log?before=").expect("older link");
    let link: String = first.body[i..].chars().take_while(|c| *c != '"').collect();
    let second = admin.get(&s, &link);
    assert_eq!(second.status, 200);
    assert!(rows(&second.body) >= 11, "the rest: {}", rows(&second.body));
    assert!(
        !second.body.contains("/admin/log?before="),
        "no older page after the last"
    );
}

#[test]
fn assessment_ids_resolve_only_among_visible_assessments() {
    let db = sqlite_db();
    let s = Server::start(&db.url, &[]);
    let _ = admin_session(&db, &s);
    db.add_plant("P1", "one");
    db.add_plant("P2", "two");
    let mine = new_assessment(&db, "P1");
    let theirs = new_assessment(&db, "P2");
    let added = add_user(
        &db,
        &["viewer1", "--role", "viewer", "--site", "P1"],
        "viewer-password-2026!",
    );
    assert!(added.status.success());
    let mut v = Client::default();
    let csrf = v.csrf(&s, "/login");
    let r = v.post(
        &s,
        "/login",
        &[
            ("_csrf", &csrf),
            ("username", "viewer1"),
            ("password", "viewer-password-2026!"),
        ],
    );
    assert_eq!(r.status, 303);
    assert_eq!(v.get(&s, &format!("/a/{}", &mine[..8])).status, 200);
    assert_eq!(v.get(&s, &format!("/a/{mine}")).status, 200);
    // Another plant's assessment: the same 404 by prefix or in full, never "ambiguous".
    assert_eq!(v.get(&s, &format!("/a/{}", &theirs[..8])).status, 404);
    assert_eq!(v.get(&s, &format!("/a/{theirs}")).status, 404);
    // The web needs 8 characters; the command line keeps 4.
    assert_eq!(v.get(&s, &format!("/a/{}", &mine[..4])).status, 404);
    ok(db.kojo().args(["assessment", "show", &mine[..4]]));
    // Characters outside the id alphabet are refused, not dropped ("/a/zzzz" matched all).
    let r = v.get(&s, "/a/zzzzzzzz");
    assert_eq!(r.status, 400);
    let r = run(db.kojo().args(["assessment", "show", "zzzz"]));
    assert_eq!(r.code, 1);
    assert!(r.stderr.contains("zzzz"), "{}", r.stderr);
}

#[test]
fn admins_cannot_disable_themselves_or_remove_the_last_admin() {
    let db = sqlite_db();
    let s = Server::start(&db.url, &[]);
    let mut admin = admin_session(&db, &s);
    let csrf = admin.csrf(&s, "/admin/users");
    for path in [
        "/admin/users/admin",
        "/admin/users/admin%20",
        "/admin/users/%EF%BD%81dmin",
    ] {
        let r = admin.post(&s, path, &[("_csrf", &csrf), ("action", "disable")]);
        assert_eq!(r.status, 422, "{path}: {}", r.body);
        let r = admin.post(
            &s,
            path,
            &[("_csrf", &csrf), ("action", "role"), ("role", "viewer")],
        );
        assert_eq!(r.status, 422, "{path}: {}", r.body);
    }
    let users = ok(db.kojo().args(["user", "list", "--json"])).stdout;
    assert!(
        users.contains("\"disabled\": false") && users.contains("\"role\": \"admin\""),
        "{users}"
    );
    // The command line refuses the same.
    let r = run(db.kojo().args(["user", "disable", "admin"]));
    assert_eq!(r.code, 1);
    assert!(r.stderr.contains("管理者"), "{}", r.stderr);
    let r = run(db
        .kojo()
        .args(["--lang", "en", "user", "role", "admin", "viewer"]));
    assert_eq!(r.code, 1);
    assert!(
        r.stderr.contains("last enabled administrator"),
        "{}",
        r.stderr
    );
    // With a second admin, the first may be demoted.
    let added = add_user(
        &db,
        &["admin2", "--role", "admin"],
        "second-admin-password-1",
    );
    assert!(added.status.success());
    ok(db.kojo().args(["user", "role", "admin", "assessor"]));
}

#[test]
fn user_names_follow_one_rule_on_the_web_and_the_command_line() {
    let db = sqlite_db();
    let s = Server::start(&db.url, &[]);
    let mut admin = admin_session(&db, &s);
    let csrf = admin.csrf(&s, "/admin/users");
    for bad in ["a/b", "..", ".hidden", "a b", "x?y", "名前#1"] {
        let r = admin.post(
            &s,
            "/admin/users",
            &[
                ("_csrf", &csrf),
                ("username", bad),
                ("role", "viewer"),
                ("password", "a long password 2026"),
            ],
        );
        assert_eq!(r.status, 422, "{bad}");
        assert!(r.body.contains("ユーザー名"), "{bad}: names the rule");
        let out = add_user(&db, &[bad, "--role", "viewer"], "a long password 2026");
        assert_eq!(out.status.code(), Some(1), "{bad}");
    }
    for good in ["yamada.t", "山田太郎", "o-suzuki@plant1"] {
        let r = admin.post(
            &s,
            "/admin/users",
            &[
                ("_csrf", &csrf),
                ("username", good),
                ("role", "viewer"),
                ("password", "a long password 2026"),
            ],
        );
        assert_eq!(r.status, 200, "{good}: {}", r.body);
    }
    // A role that does not exist is an error, never a silent viewer.
    let r = admin.post(
        &s,
        "/admin/users",
        &[
            ("_csrf", &csrf),
            ("username", "someone"),
            ("role", "superuser"),
            ("password", "a long password 2026"),
        ],
    );
    assert_eq!(r.status, 422);
    assert!(
        !ok(db.kojo().args(["user", "list"]))
            .stdout
            .contains("someone")
    );
}

#[test]
fn redirects_cookies_and_the_report_policy_are_safe() {
    let db = sqlite_db();
    let s = Server::start(&db.url, &[]);
    let mut admin = admin_session(&db, &s);
    let csrf = admin.csrf(&s, "/sites");
    for next in [
        "/\t/evil.example",
        "//evil.example",
        "/\\evil.example",
        "https://evil.example",
    ] {
        let r = admin.post(
            &s,
            "/lang",
            &[("_csrf", &csrf), ("lang", "ja"), ("next", next)],
        );
        assert_eq!(r.status, 303);
        assert_eq!(r.header("location"), Some("/"), "{next:?}");
    }
    let r = admin.post(
        &s,
        "/lang",
        &[("_csrf", &csrf), ("lang", "ja"), ("next", "/sites?x=1")],
    );
    assert_eq!(r.header("location"), Some("/sites?x=1"));
    // No response sets an empty cookie, error pages included.
    let mut anon = Client::default();
    let responses = [
        anon.get(&s, "/login"),
        anon.post(&s, "/login", &[("username", "a"), ("password", "b")]), // CSRF error
        anon.get(&s, "/no/such/page"),
        admin.get(&s, "/a/00000000"),
        admin.post(&s, "/sites", &[("code", "x")]),
    ];
    for r in &responses {
        for c in r.all("set-cookie") {
            let (name_value, _) = c.split_once(';').unwrap_or((c, ""));
            assert!(
                name_value.contains('=') && !name_value.starts_with('='),
                "{c:?}"
            );
        }
    }
    // The HTML report allows exactly its own inline stylesheet by hash.
    let id = plant_with_assessment(&db);
    let r = admin.get(&s, &format!("/a/{id}/report.html"));
    assert_eq!(r.status, 200);
    let csp = r.header("content-security-policy").unwrap().to_string();
    let style = {
        let i = r.body.find("<style>").unwrap() + 7;
        let j = r.body.find("</style>").unwrap();
        &r.body[i..j]
    };
    use base64::Engine;
    use sha2::Digest;
    let hash =
        base64::engine::general_purpose::STANDARD.encode(sha2::Sha256::digest(style.as_bytes()));
    assert!(csp.contains(&format!("style-src 'sha256-{hash}'")), "{csp}");
    assert!(
        !csp.contains("unsafe-inline") && csp.contains("script-src 'self'"),
        "{csp}"
    );
    // Other pages keep the strict policy.
    let other = admin.get(&s, "/sites");
    assert!(
        other
            .header("content-security-policy")
            .unwrap()
            .contains("style-src 'self'")
    );
}

#[test]
fn the_command_line_exits_quietly_on_a_closed_pipe() {
    let db = sqlite_db();
    let id = plant_with_assessment(&db);
    for args in [
        vec!["assessment", "show", id.as_str()],
        vec!["catalog", "list"],
    ] {
        let mut child = db
            .kojo()
            .args(&args)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        // Close the reading end before kojo writes anything (`kojo … | head -0`).
        drop(child.stdout.take());
        let out = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "{args:?}: {stderr}");
        assert!(
            !stderr.contains("panicked") && !stderr.contains("Broken pipe"),
            "{stderr}"
        );
    }
}

#[test]
fn field_errors_name_the_flag_to_use() {
    let db = sqlite_db();
    let id = plant_with_assessment(&db);
    let r = run(db.kojo().args(["assessment", "answer", &id, "5", "－"]));
    assert_eq!(r.code, 1);
    assert!(r.stderr.contains("（--na-reason）"), "{}", r.stderr);
    let r = run(db
        .kojo()
        .args(["--lang", "en", "assessment", "answer", &id, "5", "□"]));
    assert!(
        r.stderr.contains("(--reason)") && r.stderr.contains("(--review-by)"),
        "{}",
        r.stderr
    );
    let r = run(db
        .kojo()
        .args(["assessment", "answer", &id, "5", "○", "--status", "x"]));
    assert!(r.stderr.contains("（--status）"), "{}", r.stderr);
}

#[test]
fn assessment_show_keeps_label_names_whole_and_columns_aligned() {
    let db = sqlite_db();
    let id = plant_with_assessment(&db);
    ok(db.kojo().args(["assessment", "answer", &id, "1", "○"]));
    let out = ok(db.kojo().args(["assessment", "show", &id])).stdout;
    assert!(out.contains("バックアップ・復元(リストア)"), "{out}");
    // The label table: header, 17 labels, overall: every row as wide as the header.
    let lines: Vec<&str> = out.lines().collect();
    let header = lines
        .iter()
        .position(|l| l.contains('○') && l.contains('－'))
        .unwrap();
    let table = &lines[header..header + 19];
    let width = |s: &str| unicode_width::UnicodeWidthStr::width_cjk(s);
    let w0 = width(table[0]);
    for row in table {
        assert_eq!(width(row), w0, "misaligned row: {row:?}\n{out}");
    }
}

#[test]
fn answer_files_have_a_budget() {
    let db = sqlite_db();
    let id = plant_with_assessment(&db);
    let file = db.dir.path().join("answers.json");
    // Too many entries (each tiny): refused before allocating for them all.
    let many = format!("[{}]", vec!["{\"item\":1,\"mark\":\"○\"}"; 5_000].join(","));
    std::fs::write(&file, many).unwrap();
    let r = run(db.kojo().args(["assessment", "apply", &id]).arg(&file));
    assert_eq!(r.code, 1);
    assert!(r.stderr.contains("1000"), "{}", r.stderr);
    // Too large.
    std::fs::write(&file, vec![b' '; 2 * 1024 * 1024]).unwrap();
    let r = run(db.kojo().args(["assessment", "apply", &id]).arg(&file));
    assert_eq!(r.code, 1);
    assert!(r.stderr.contains("answers.json"), "{}", r.stderr);
    // A typo in a key is an error, not a silently empty field.
    std::fs::write(&file, r#"[{"item": 5, "mark": "－", "na_reson": "無し"}]"#).unwrap();
    let r = run(db.kojo().args(["assessment", "apply", &id]).arg(&file));
    assert_eq!(r.code, 1);
    assert!(r.stderr.contains("na_reson"), "{}", r.stderr);
    // Nothing was written by any of them.
    let j: serde_json::Value =
        serde_json::from_str(&ok(db.kojo().args(["assessment", "show", &id, "--json"])).stdout)
            .unwrap();
    assert_eq!(j["summary"]["overall"]["answered"], 0);
}

#[test]
fn the_rate_is_kojos_measure_and_headless_sections_stand_apart() {
    let db = sqlite_db();
    let s = Server::start(&db.url, &[]);
    let mut admin = admin_session(&db, &s);
    let id = plant_with_assessment(&db);
    let dash = admin.get(&s, &format!("/a/{id}/dashboard")).body;
    assert!(
        dash.contains("id=\"rate-note\"") && dash.contains("kojo の指標"),
        "{dash}"
    );
    let page = admin.get(&s, &format!("/a/{id}")).body;
    // Items 33 and 38 have a section without a heading after a headed one: set apart, in the
    // criteria each item's 「達成基準」 opens (the URL the item links).
    for n in [33, 38] {
        let i = page.find(&format!("id=\"item-{n}\"")).unwrap();
        let j = page[i..].find("</form>").unwrap() + i;
        let at = page[i..j].find("href=\"/catalog/").unwrap() + i + 6;
        let url = &page[at..at + page[at..].find('"').unwrap()];
        let criteria = admin.get(&s, url).body;
        assert!(criteria.contains("section headless"), "item {n}: {url}");
    }
    // `kojo catalog show` leaves a blank line before such a section.
    let out = ok(db.kojo().args(["catalog", "show", "33"])).stdout;
    let lines: Vec<&str> = out.lines().collect();
    let k = lines
        .iter()
        .position(|l| l.contains("現場で活用できるようになっていること"))
        .expect("item 33's last criterion");
    assert_eq!(lines[k - 1].trim(), "", "{out}");
    let out = ok(db.kojo().args(["assessment", "show", &id])).stdout;
    assert!(out.contains("kojo の指標"), "{out}");
}

#[test]
fn the_access_log_page_shows_backups_and_the_audit_head() {
    let db = sqlite_db();
    let s = Server::start(&db.url, &[]);
    let mut admin = admin_session(&db, &s);
    // No verified backup yet: a warning.
    let page = admin.get(&s, "/admin/log");
    assert!(page.body.contains("id=\"backup-stale\""), "{}", page.body);
    let file = db.dir.path().join("b.kojo-backup");
    ok(db.kojo().args(["backup", "-o"]).arg(&file));
    let anchor = last_line(&ok(db.kojo().args(["audit", "anchor"])));
    let page = admin.get(&s, "/admin/log");
    assert!(!page.body.contains("id=\"backup-stale\""), "{}", page.body);
    assert!(page.body.contains("検証済み"), "{}", page.body);
    assert!(
        page.body
            .contains(&format!("<code id=\"audit-anchor\">{anchor}</code>")),
        "{}",
        page.body
    );
    // The backup and the export are in the trail.
    let log = log_json(&db);
    assert!(log.iter().any(|e| e["action"] == "backup"), "{log:?}");
}
