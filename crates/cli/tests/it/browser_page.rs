//! The lighter assessment page in real headless Chromium (issue 13 §1): criteria fetched when
//! 「達成基準」 is opened, a mark's fields put in from the page's template when the mark
//! changes, and the compact view, whose rows save at once or open in full for a mark that
//! needs fields. axe-core audits every page and every swapped-in part.

use crate::browser::{artifacts, choose, fill, login, wait_state};
use crate::common::*;
use crate::webdriver::Browser;
use std::time::Duration;

#[test]
fn criteria_on_demand_fields_per_mark_and_the_compact_view_in_the_browser() {
    let db = sqlite_db();
    db.add_plant("P1", "第一工場");
    let id = db.new_assessment("P1", "2026");
    for n in 1..=10 {
        ok(db
            .kojo()
            .args(["assessment", "answer", &id, &n.to_string(), "○"]));
    }
    ok(db.kojo().args([
        "assessment",
        "answer",
        &id,
        "4",
        "○",
        "--note",
        "年次点検で確認",
    ]));
    add_user(&db, "boss", "admin", None);
    let server = Server::start(&db.url, &[]);
    let b = Browser::start().on_every_page(crate::axe::audit);
    b.set_window_size(1366, 900);
    login(&b, &server, "boss", PASSWORD);

    // Full view. The criteria are not in the page; opening them fetches them.
    b.goto(&server.url(&format!("/a/{id}")));
    // The stylesheet's last-resort Japanese font (a browser without one shows boxes): declared,
    // allowed by the CSP, served, and covering kanji and kana. Loaded explicitly, so the result
    // does not depend on whether this machine has a Japanese font of its own.
    let font = b.execute_async(
        "const done = arguments[arguments.length - 1];\
         document.fonts.load('16px \"kojo-ja\"', '工場のセキュリティ').then(\
           (faces) => done({ faces: faces.length, ok: document.fonts.check('16px \"kojo-ja\"', '工場のセキュリティ') }),\
           (e) => done({ error: String(e) }));",
        &[],
    );
    assert_eq!(font["faces"], 1, "the web font loads: {font}");
    assert_eq!(font["ok"], true, "{font}");
    assert!(!b.exists("#item-33 .crit"));
    b.find("#item-33 details.criteria summary").click();
    b.wait_for("#item-33 .crit .section.headless", Duration::from_secs(10));
    assert!(b.text("#item-33 .crit").contains("ようになっていること"));
    crate::axe::audit(&b);

    // Item 1 is ○. Choosing □ puts in □'s fields (from the page's template), which save.
    b.goto(&server.url(&format!("/a/{id}")));
    choose(&b, 1, "deferred");
    fill(&b, "#reason-1", "設備更新の予算待ち");
    let date = b.find("#review-1");
    b.execute(
        "arguments[0].value = '2027-03-31'; arguments[0].dispatchEvent(new Event('input', {bubbles: true}));",
        &[date.to_arg()],
    );
    assert!(
        !b.exists("#item-1 #status-1"),
        "only the chosen mark's fields"
    );
    b.find("#item-1 .save").click();
    wait_state(&b, 1, "saved");
    crate::axe::audit(&b);

    // Compact view: one row per item; × saves at once and the row stays a row.
    b.find("#view-compact").click();
    b.wait_until(
        |b| b.current_url().contains("view=compact"),
        Duration::from_secs(10),
        "the compact view",
    );
    assert_eq!(b.find_all("form.item.compact").len(), 63);
    assert!(!b.exists(".fields"));
    choose(&b, 2, "not_considered");
    wait_state(&b, 2, "saved");
    assert!(b.exists("#item-2.compact"));
    // Item 4 keeps its note when its mark changes from the row.
    choose(&b, 4, "not_considered");
    wait_state(&b, 4, "saved");
    // △ needs its status: the row opens in full with △ chosen and the cursor in the field.
    choose(&b, 3, "considering");
    b.wait_for("#status-3", Duration::from_secs(10));
    assert!(b.find("#item-3 input[value=considering]").is_selected());
    assert!(!b.exists("#item-3.compact"));
    fill(&b, "#status-3", "見積を取得中");
    b.find("#item-3 .save").click();
    wait_state(&b, 3, "saved");
    crate::axe::audit(&b);
    b.screenshot(artifacts().join("assessment-compact.png"));

    // What was saved, as the CLI reads it.
    let j: serde_json::Value =
        serde_json::from_str(&ok(db.kojo().args(["assessment", "show", &id, "--json"])).stdout)
            .unwrap();
    let answer = |n: u64| {
        j["answers"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["item"] == n)
            .map(|a| a["answer"].clone())
            .unwrap()
    };
    assert_eq!(answer(1)["answer"]["mark"], "deferred");
    assert_eq!(answer(1)["answer"]["reason"], "設備更新の予算待ち");
    assert_eq!(answer(2)["answer"]["mark"], "not_considered");
    assert_eq!(answer(3)["answer"]["mark"], "considering");
    assert_eq!(answer(3)["answer"]["status"], "見積を取得中");
    assert_eq!(answer(4)["answer"]["mark"], "not_considered");
    assert_eq!(answer(4)["note"], "年次点検で確認");

    // Without script, 「達成基準」 links the criteria as a page of their own (audited too).
    b.goto(&server.url(&format!("/a/{id}")));
    let href = b
        .find("#item-33 details.criteria .crit-slot a")
        .attr("href")
        .unwrap();
    b.goto(&server.url(&href));
    assert!(b.text("h1").starts_with("No.33"));
}
