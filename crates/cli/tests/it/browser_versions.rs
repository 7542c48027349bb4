//! Catalog versions in real headless Chromium, with the test catalog listed (KOJO_TEST_CATALOG=1
//! on the server): the assessment page offers the newer version, its diff page shows the text
//! changes, 新版で作成 lands on the new draft with each changed item's origin. Every page passes
//! axe-core.

use crate::browser::{artifacts, login};
use crate::common::*;
use crate::webdriver::Browser;
use std::time::Duration;

#[test]
fn create_on_a_new_catalog_version_in_the_browser() {
    let db = sqlite_db();
    db.add_plant("P1", "第一工場");
    let id = db.new_assessment("P1", "2026");
    for args in [
        vec!["58", "○"],
        vec!["59", "△", "--status", "検討中"],
        vec![
            "60",
            "□",
            "--reason",
            "予算待ち",
            "--review-by",
            "2099-03-31",
        ],
    ] {
        ok(db.kojo().args(["assessment", "answer", &id]).args(&args));
    }
    add_user(&db, "boss", "admin", None);

    let server = Server::start_with_env(&db.url, &[], &[("KOJO_TEST_CATALOG", "1")]);
    let b = Browser::start().on_every_page(crate::axe::audit);
    b.set_window_size(1366, 900);
    login(&b, &server, "boss", PASSWORD);

    b.goto(&server.url(&format!("/a/{id}")));
    assert_eq!(b.text("#catalog-version"), "ガイドラインの版: 0.9");
    assert!(
        b.text("#newer-version-h")
            .contains("新しい版があります: 0.9-test")
    );

    // What changed: the page the link opens.
    b.find("#to-version-diff").click();
    b.wait_until(
        |b| b.current_url().contains("/catalog/diff"),
        Duration::from_secs(10),
        "the diff page",
    );
    assert_eq!(b.find_all(".version-row").len(), 6);
    assert_eq!(
        b.find(".version-row[data-item='57'] ins").text(),
        "、制御用端末"
    );
    b.screenshot(artifacts().join("catalog-diff.png"));
    b.find("#versions-all").click();
    b.wait_until(
        |b| b.find_all(".version-row").len() == 64,
        Duration::from_secs(10),
        "every item listed",
    );

    // 新版で作成.
    b.goto(&server.url(&format!("/a/{id}")));
    b.find("#migrate-submit").click();
    b.wait_until(
        |b| b.exists("#catalog-version") && b.text("#catalog-version").ends_with("0.9-test"),
        Duration::from_secs(10),
        "the new draft",
    );
    assert!(!b.exists("#newer-version"));
    assert!(
        b.text("#origin-58").contains("統合"),
        "{}",
        b.text("#origin-58")
    );
    assert!(
        b.text("#origin-58").contains("旧 No.59: △"),
        "{}",
        b.text("#origin-58")
    );
    assert!(b.exists("#unconfirmed-59") && b.exists("#unconfirmed-60"));
    assert!(!b.exists("#unconfirmed-63") && b.text("#origin-63").contains("新規"));
    b.screenshot(artifacts().join("catalog-migrated.png"));
}
