//! The web app in real headless Chromium, against the binary under test (a release build when
//! run by scripts/test) on a random loopback port. Screenshots go to target/test-artifacts/.

use crate::common::*;
use crate::webdriver::{Browser, keys};
use serde_json::json;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

pub(crate) fn artifacts() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/test-artifacts");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

pub(crate) fn fill(b: &Browser, css: &str, text: &str) {
    let e = b.find(css);
    e.clear();
    e.send_keys(text);
}

/// Clicks an element after scrolling it to the middle of the window, clear of the assessment
/// page's sticky bar (WebDriver clicks an element in place when any of it is in view).
pub(crate) fn press(b: &Browser, css: &str) {
    let e = b.find(css);
    b.execute(
        "arguments[0].scrollIntoView({block: 'center'})",
        &[e.to_arg()],
    );
    e.click();
}

pub(crate) fn login(b: &Browser, s: &Server, user: &str, password: &str) {
    b.goto(&s.url("/login"));
    fill(b, "#username", user);
    fill(b, "#password", password);
    b.find("#login-submit").click();
    b.wait_until(
        |b| !b.current_url().contains("/login"),
        Duration::from_secs(10),
        "login to finish",
    );
}

fn item(n: u16) -> String {
    format!("#item-{n}")
}

pub(crate) fn choose(b: &Browser, n: u16, mark: &str) {
    b.find(&format!("{} .marks input[value=\"{mark}\"]", item(n)))
        .click();
}

pub(crate) fn wait_state(b: &Browser, n: u16, state: &str) {
    let css = format!("{} .save-status[data-state=\"{state}\"]", item(n));
    b.wait_for(&css, Duration::from_secs(10));
}

fn set_value(b: &Browser, css: &str, value: &str) {
    let e = b.find(css);
    b.execute(
        "arguments[0].value = arguments[1]; arguments[0].dispatchEvent(new Event('input', {bubbles: true}));",
        &[e.to_arg(), json!(value)],
    );
}

const ADMIN_PW: &str = "工場の鍵は青い箱の中-2026";
const HOSTILE: &str = "<script>window.__pwned=1</script> \"quotes\" 'single' & 日本語";

#[test]
fn a_new_user_sets_up_kojo_and_answers_an_assessment_in_the_browser() {
    let db = sqlite_db();
    let server = Server::start(&db.url, &[]);
    let b = Browser::start().on_every_page(crate::axe::audit);
    b.set_window_size(1280, 800);

    // First run: no account exists, the setup page creates the administrator.
    b.goto(&server.url("/"));
    b.wait_until(
        |b| b.current_url().ends_with("/setup"),
        Duration::from_secs(5),
        "redirect to setup",
    );
    fill(&b, "#username", "admin");
    fill(&b, "#password", "password1234");
    fill(&b, "#password_confirm", "password1234");
    b.find("#setup-submit").click();
    let err = b.wait_for("#err-password", Duration::from_secs(5));
    assert!(
        err.text().contains("よく使われる"),
        "weak password refused with its reason: {}",
        err.text()
    );
    assert!(b.current_url().ends_with("/setup"));
    fill(&b, "#password", ADMIN_PW);
    fill(&b, "#password_confirm", ADMIN_PW);
    b.find("#setup-submit").click();
    b.wait_until(
        |b| b.current_url().ends_with("/sites"),
        Duration::from_secs(10),
        "setup to log in",
    );

    // Log out and in again.
    b.find("#logout").click();
    b.wait_until(
        |b| b.current_url().ends_with("/login"),
        Duration::from_secs(5),
        "logout",
    );
    fill(&b, "#username", "admin");
    fill(&b, "#password", "wrong password here");
    b.find("#login-submit").click();
    assert!(
        b.wait_for("#login-error", Duration::from_secs(5))
            .text()
            .contains("違います")
    );
    login(&b, &server, "admin", ADMIN_PW);

    // A plant, a line and an assessment.
    b.goto(&server.url("/sites"));
    fill(&b, "#site-add input[name=code]", "P1");
    fill(&b, "#site-add input[name=name]", "第一工場");
    b.find("#site-add-submit").click();
    b.wait_until(
        |b| b.current_url().ends_with("/sites/P1"),
        Duration::from_secs(5),
        "site page",
    );
    fill(&b, "#line-add input[name=code]", "L1");
    fill(&b, "#line-add input[name=name]", "組立ライン");
    b.find("#line-add-submit").click();
    b.wait_for("#lines li[data-code=L1]", Duration::from_secs(5));
    fill(&b, "#assessment-new input[name=period]", "2026");
    fill(&b, "#assessment-new input[name=assessor]", "山田");
    b.find("#assessment-new-submit").click();
    b.wait_until(
        |b| b.current_url().contains("/a/"),
        Duration::from_secs(5),
        "assessment page",
    );
    let id = b.current_url().rsplit("/a/").next().unwrap().to_string();
    assert_eq!(id.len(), 36);

    // Answer: ○ saves at once; × too; □ needs its fields; △ and － with theirs.
    choose(&b, 1, "implemented");
    wait_state(&b, 1, "saved");
    choose(&b, 2, "not_considered");
    wait_state(&b, 2, "saved");
    choose(&b, 3, "deferred");
    fill(&b, "#reason-3", "設備更新の予算待ち");
    b.find("#item-3 .save").click();
    wait_state(&b, 3, "error");
    let msg = b.find("#item-3 .field-error[data-field=review_by]").text();
    assert!(
        msg.contains("見直し期限"),
        "the message is beside the field: {msg}"
    );
    assert!(!b.exists("#item-3 .field-error[data-field=reason]"));
    set_value(&b, "#review-3", "2027-03-31");
    fill(&b, "#acc-3", "工場長");
    b.find("#item-3 .save").click();
    wait_state(&b, 3, "saved");
    choose(&b, 4, "considering");
    fill(&b, "#status-4", "見積を取得中");
    b.find("#item-4 .save").click();
    wait_state(&b, 4, "saved");
    choose(&b, 5, "not_applicable");
    fill(&b, "#na-5", "無線 LAN を使用していない");
    b.find("#item-5 .save").click();
    wait_state(&b, 5, "saved");
    fill(&b, "#note-6", HOSTILE);
    choose(&b, 6, "implemented");
    wait_state(&b, 6, "saved");
    // Keyboard only: focus item 7's ○ and press Space.
    let radio = b.find("#item-7 input[value=implemented]");
    b.execute("arguments[0].focus()", &[radio.to_arg()]);
    b.press_keys(keys::SPACE);
    wait_state(&b, 7, "saved");
    assert_eq!(b.text("#progress-answered"), "7");
    b.screenshot(artifacts().join("assessment-page.png"));

    // Reload: everything persisted, hostile text escaped and inert.
    b.refresh();
    assert!(b.find("#item-3 input[value=deferred]").is_selected());
    assert_eq!(b.find("#reason-3").value(), "設備更新の予算待ち");
    assert_eq!(b.find("#review-3").value(), "2027-03-31");
    assert!(b.find("#item-4 input[value=considering]").is_selected());
    assert_eq!(b.find("#na-5").value(), "無線 LAN を使用していない");
    assert_eq!(b.find("#note-6").value(), HOSTILE);
    assert!(b.find("#item-7 input[value=implemented]").is_selected());
    assert_eq!(
        b.execute("return window.__pwned === undefined", &[]),
        json!(true)
    );
    assert!(
        b.page_source()
            .contains("&lt;script&gt;window.__pwned=1&lt;/script&gt;")
    );

    // Filters: unanswered only shows 63 − 7 items.
    b.goto(&server.url(&format!("/a/{id}?unanswered=1")));
    assert_eq!(b.find_all("form.item").len(), 56);
    b.goto(&server.url(&format!("/a/{id}?mark=deferred")));
    assert_eq!(b.find_all("form.item").len(), 1);

    // The dashboard shows what the CLI computes.
    b.goto(&server.url(&format!("/a/{id}/dashboard")));
    let cli: serde_json::Value = serde_json::from_str(
        &ok(kojo()
            .env("KOJO_DATABASE_URL", &db.url)
            .args(["assessment", "show", &id, "--json"]))
        .stdout,
    )
    .unwrap();
    let o = &cli["summary"]["overall"];
    let rate = o["achievement_rate"].as_f64().unwrap();
    assert_eq!(b.text("#overall-rate"), format!("{:.1}%", rate * 100.0));
    assert_eq!(
        b.text("#completion"),
        format!("{:.1}%", o["completion"].as_f64().unwrap() * 100.0)
    );
    assert_eq!(b.text("#count-implemented"), o["counts"]["○"].to_string());
    assert_eq!(b.text("#count-deferred"), o["counts"]["□"].to_string());
    assert_eq!(
        b.text("#count-not_applicable"),
        o["counts"]["－"].to_string()
    );
    assert_eq!(b.find_all("#residual-risks tbody tr").len(), 3);
    assert!(b.exists("svg#radar, .radar svg"));
    b.screenshot(artifacts().join("dashboard.png"));

    // History of item 3: who, when, old → new.
    b.goto(&server.url(&format!("/a/{id}/history?item=3")));
    assert!(b.text("#history").contains("設備更新の予算待ち"));

    // A viewer granted another plant gets 404 here and never sees this plant.
    ok(kojo()
        .env("KOJO_DATABASE_URL", &db.url)
        .args(["site", "add", "P2", "--name", "第二工場"]));
    let mut add = kojo()
        .env("KOJO_DATABASE_URL", &db.url)
        .args([
            "user",
            "add",
            "viewer1",
            "--role",
            "viewer",
            "--site",
            "P2",
            "--password-stdin",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    add.stdin
        .take()
        .unwrap()
        .write_all("viewer-password-2026!".as_bytes())
        .unwrap();
    assert!(add.wait().unwrap().success());

    // The HTML report is styled in the browser: kojo's own CSP allows its one inline stylesheet
    // by hash (before, the CSP blocked it and the report showed unstyled).
    b.goto(&server.url(&format!("/a/{id}/report.html")));
    let max_width = b.execute("return getComputedStyle(document.body).maxWidth;", &[]);
    assert_ne!(
        max_width,
        json!("none"),
        "the report's stylesheet applies (body max-width 182mm)"
    );
    let font_size = b.execute(
        "return getComputedStyle(document.querySelector('h1')).fontSize;",
        &[],
    );
    assert_ne!(
        font_size,
        json!("32px"),
        "h1 has the report's 22pt, not the browser default"
    );
    b.goto(&server.url("/sites"));
    b.find("#logout").click();
    b.wait_until(
        |b| b.current_url().ends_with("/login"),
        Duration::from_secs(5),
        "logout",
    );
    login(&b, &server, "viewer1", "viewer-password-2026!");
    assert!(
        !b.page_source().contains("第一工場"),
        "P1 is not listed for the viewer"
    );
    for path in [
        format!("/a/{id}"),
        format!("/a/{id}/dashboard"),
        "/sites/P1".to_string(),
        format!("/a/{id}/report.pdf"),
    ] {
        b.goto(&server.url(&path));
        assert!(b.exists("#not-found"), "{path} must be 404 for the viewer");
        assert!(!b.page_source().contains("第一工場"));
    }
    b.find("#logout").click();
    b.wait_until(
        |b| b.current_url().ends_with("/login"),
        Duration::from_secs(5),
        "logout",
    );
    b.goto(&server.url("/sites"));
    b.wait_until(
        |b| b.current_url().ends_with("/login"),
        Duration::from_secs(5),
        "logged out users are sent to login",
    );

    // Idle timeout: with a 10-minute idle limit, a session last seen 9 minutes ago is still
    // valid and one last seen 11 minutes ago has ended. The session is aged in the database,
    // so no test waits for the clock.
    let short = Server::start(&db.url, &["--session-idle-minutes", "10"]);
    b.delete_all_cookies();
    login(&b, &short, "admin", ADMIN_PW);
    let ago = |minutes: i64| {
        let at = chrono::Utc::now() - chrono::Duration::minutes(minutes);
        format!(
            "UPDATE sessions SET last_seen = '{}'",
            at.format("%Y-%m-%dT%H:%M:%S%.3fZ")
        )
    };
    run_sql(&db, &[&ago(9)]);
    b.goto(&short.url("/sites"));
    assert!(
        b.current_url().ends_with("/sites"),
        "9 minutes idle: still signed in"
    );
    run_sql(&db, &[&ago(11)]);
    b.goto(&short.url("/sites"));
    b.wait_until(
        |b| b.current_url().contains("/login"),
        Duration::from_secs(5),
        "idle session ends",
    );
    assert!(b.exists("#login-notice"), "the login page says why");

    // Every login, failure and logout is in the access log.
    let log: serde_json::Value = serde_json::from_str(
        &ok(kojo()
            .env("KOJO_DATABASE_URL", &db.url)
            .args(["user", "log", "--json", "--limit", "100"]))
        .stdout,
    )
    .unwrap();
    let actions: Vec<&str> = log
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    for a in [
        "login",
        "login_failed",
        "logout",
        "user_add",
        "session_timeout",
    ] {
        assert!(actions.contains(&a), "{a} missing from {actions:?}");
    }
    assert!(
        log.as_array()
            .unwrap()
            .iter()
            // Answer changes are chained from the answer history, which records who, not from
            // which client.
            .all(|e| e["client"].as_str().is_some()
                || e["action"] == "answer_change"
                || e["actor"].as_str().unwrap_or("").starts_with("cli:"))
    );
}
