//! Lines that inherit and the portfolio in real headless Chromium (issue 10): a company with two
//! plants and a line → the line's page shows the inherited items read-only, follows the plant's
//! change, filters ライン固有のみ, overrides and un-overrides → the portfolio's heatmap and trend
//! (screenshots in target/test-artifacts/), its filters. Every page passes axe-core.

use crate::browser::{artifacts, choose, login, press, wait_state};
use crate::common::*;
use crate::webdriver::Browser;
use std::time::Duration;

const WAIT: Duration = Duration::from_secs(10);

fn answer(db: &TestDb, id: &str, item: u16, mark: &str) {
    let extra: &[&str] = match mark {
        "□" => &["--reason", "予算待ち", "--review-by", "2099-03-31"],
        "△" => &["--status", "検討中"],
        "－" => &["--na-reason", "対象なし"],
        _ => &[],
    };
    let item = item.to_string();
    let mut args = vec!["assessment", "answer", id, &item, mark];
    args.extend_from_slice(extra);
    ok(db.kojo().args(&args));
}

fn new(db: &TestDb, args: &[&str]) -> String {
    let mut a = vec!["assessment", "new"];
    a.extend_from_slice(args);
    last_line(&ok(db.kojo().args(&a)))
}

/// Whether the answer fieldset of an item is disabled (read-only).
fn read_only(b: &Browser, item: u16) -> bool {
    b.find(&format!("#item-{item} fieldset.answer"))
        .attr("disabled")
        .is_some()
}

#[test]
fn a_line_on_its_plant_and_the_portfolio_in_the_browser() {
    let db = sqlite_db();
    ok(db
        .kojo()
        .args(["company", "rename", "default", "--name", "A部品株式会社"]));
    ok(db
        .kojo()
        .args(["company", "add", "B", "--name", "B工業株式会社"]));
    db.add_plant("P1", "第一工場");
    db.add_plant("P2", "第二工場");
    ok(db
        .kojo()
        .args(["site", "add", "B1", "--name", "B第一工場", "--company", "B"]));
    ok(db
        .kojo()
        .args(["line", "add", "P1", "L1", "--name", "組立ライン"]));
    let marks = ["○", "○", "○", "□", "△", "×", "○", "－"];
    let p1_2025 = new(&db, &["--site", "P1", "--period", "2025"]);
    for i in 1..=20u16 {
        answer(&db, &p1_2025, i, if i % 3 == 0 { "×" } else { "○" });
    }
    let p1 = new(&db, &["--site", "P1", "--period", "2026"]);
    for i in 1..=40u16 {
        answer(&db, &p1, i, marks[usize::from(i) % marks.len()]);
    }
    let p2 = new(&db, &["--site", "P2", "--period", "2026"]);
    for i in 1..=63u16 {
        answer(&db, &p2, i, if i % 4 == 0 { "□" } else { "○" });
    }
    let b1 = new(&db, &["--site", "B1", "--period", "2026"]);
    for i in 1..=10u16 {
        answer(&db, &b1, i, "○");
    }
    let line = new(
        &db,
        &[
            "--site",
            "P1",
            "--line",
            "L1",
            "--period",
            "2026",
            "--inherit",
        ],
    );
    answer(&db, &line, 5, "×");
    add_user(&db, "boss", "admin", None);

    let server = Server::start(&db.url, &[]);
    let b = Browser::start().on_every_page(crate::axe::audit);
    b.set_window_size(1366, 900);
    login(&b, &server, "boss", PASSWORD);

    // ---- the line's page: inherited items read-only, the line's own editable -----------------
    b.goto(&server.url(&format!("/a/{line}")));
    assert!(
        b.text("#inherits-notice").contains("ライン固有: 1 項目"),
        "{}",
        b.text("#inherits-notice")
    );
    assert!(b.exists("#inherited-3") && read_only(&b, 3));
    assert_eq!(
        b.find("#item-3").attr("data-mark").as_deref(),
        Some("deferred")
    );
    assert!(b.exists("#own-5") && !read_only(&b, 5));
    assert_eq!(
        b.find("#item-5").attr("data-mark").as_deref(),
        Some("not_considered")
    );

    // The plant's change shows on the line at once.
    b.goto(&server.url(&format!("/a/{p1}")));
    choose(&b, 3, "implemented");
    wait_state(&b, 3, "saved");
    b.goto(&server.url(&format!("/a/{line}")));
    assert_eq!(
        b.find("#item-3").attr("data-mark").as_deref(),
        Some("implemented")
    );
    assert!(read_only(&b, 3));
    // In the line's history, that change is the plant's.
    b.goto(&server.url(&format!("/a/{line}/history?item=3")));
    assert!(!b.find_all("#history tr.plant-change").is_empty());
    b.goto(&server.url(&format!("/a/{line}")));

    // ライン固有のみ: only item 5.
    press(&b, "#filter-own");
    press(&b, "#filters button[type=submit]");
    b.wait_until(
        |b| b.current_url().contains("own=1"),
        WAIT,
        "the filtered view",
    );
    let shown: Vec<String> = b
        .find_all("form.item")
        .iter()
        .filter_map(|e| e.attr("data-item"))
        .collect();
    assert_eq!(shown, ["5"]);

    // Override item 2 (it becomes the line's own, editable), then put it back on the plant.
    b.goto(&server.url(&format!("/a/{line}")));
    press(&b, "#override-2");
    b.wait_for("#own-2", WAIT);
    assert!(!read_only(&b, 2));
    choose(&b, 2, "deferred");
    b.wait_for("#item-2 [name=reason]", WAIT);
    press(&b, "#inherit-5");
    b.wait_for("#inherited-5", WAIT);
    assert!(read_only(&b, 5));
    assert_eq!(
        b.find("#item-5").attr("data-mark").as_deref(),
        Some("not_considered")
    );

    // ---- the portfolio: heatmap, trend, filters --------------------------------------------
    press(&b, "#nav-portfolio");
    b.wait_for("#heatmap", WAIT);
    assert!(b.text("#portfolio-title").contains("2026年度"));
    let rows: Vec<(String, String)> = b
        .find_all("#heatmap tbody tr")
        .iter()
        .map(|r| {
            (
                r.attr("data-site").unwrap_or_default(),
                r.attr("data-line").unwrap_or_default(),
            )
        })
        .collect();
    assert_eq!(
        rows,
        [
            ("B1".to_string(), String::new()),
            ("P1".to_string(), String::new()),
            ("P1".to_string(), "L1".to_string()),
            ("P2".to_string(), String::new()),
        ],
        "plants by company (B, then default), the line under its plant"
    );
    // Each of the 17 label cells has a number (or —) and a class of the scale.
    let cells = b.find_all("#heatmap tr[data-site=P2] td.cell");
    assert_eq!(cells.len(), 17);
    for c in &cells {
        let class = c.attr("class").unwrap_or_default();
        assert!(
            class
                .split(' ')
                .any(|k| ["h0", "h1", "h2", "h3", "h4", "hn"].contains(&k)),
            "{class}"
        );
        assert!(!c.text().is_empty());
    }
    // P2: 48 ○ of 63 = 76.2%.
    assert_eq!(b.text("#heatmap tr[data-site=P2] td.rate"), "76.2%");
    let heat = b.find("#heatmap");
    b.execute(
        "arguments[0].scrollIntoView({block: 'start'})",
        &[heat.to_arg()],
    );
    b.screenshot(artifacts().join("portfolio-heatmap.png"));
    // The trend: P1 over two years, the companies.
    assert_eq!(b.find_all("#trend svg g.pt[data-series=P1]").len(), 2);
    assert!(b.exists("#trend svg g.pt[data-series=default]"));
    let trend = b.find("#trend");
    b.execute(
        "arguments[0].scrollIntoView({block: 'start'})",
        &[trend.to_arg()],
    );
    b.screenshot(artifacts().join("portfolio-trend.png"));
    assert!(b.exists("#weakest tr[data-item]"));

    // Filters: one company; one label; last year.
    b.find("#pf-company").select_by_value("B");
    press(&b, "#pf-apply");
    b.wait_until(
        |b| b.current_url().contains("company=B"),
        WAIT,
        "company filter",
    );
    let sites: Vec<String> = b
        .find_all("#heatmap tbody tr")
        .iter()
        .filter_map(|r| r.attr("data-site"))
        .collect();
    assert_eq!(sites, ["B1"]);
    b.find("#pf-company").select_by_value("");
    b.find("#pf-label").select_by_value("3");
    press(&b, "#pf-apply");
    b.wait_until(
        |b| b.current_url().contains("label=3"),
        WAIT,
        "label filter",
    );
    assert_eq!(
        b.find_all("#heatmap tr[data-site=P1]:not([data-line]) td.cell")
            .len(),
        1
    );
    b.find("#pf-label").select_by_value("");
    b.find("#pf-period").select_by_value("2025");
    press(&b, "#pf-apply");
    b.wait_until(
        |b| b.current_url().contains("period=2025"),
        WAIT,
        "year filter",
    );
    assert!(b.text("#portfolio-title").contains("2025年度"));
    assert_eq!(
        b.find("#heatmap tr[data-site=P2]")
            .attr("data-status")
            .as_deref(),
        Some("not_started")
    );
    // The downloads carry the filters.
    assert!(
        b.find("#pf-xlsx")
            .attr("href")
            .unwrap_or_default()
            .contains("period=2025")
    );
    assert!(
        b.find("#pf-pdf")
            .attr("href")
            .unwrap_or_default()
            .contains("period=2025")
    );
}
