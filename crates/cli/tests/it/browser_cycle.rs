//! The yearly cycle in real headless Chromium (issue 9): last year → next year from it → confirm
//! every carried answer unchanged → change two → review the □ △ × → submit → a second user
//! confirms → a third approves → read-only → revise → revision 2 is editable while revision 1
//! stays as approved. Screenshots of the review queue and the year-over-year view go to
//! target/test-artifacts/.

use crate::browser::{artifacts, choose, fill, login, press, wait_state};
use crate::common::*;
use crate::webdriver::Browser;
use std::time::Duration;

const WAIT: Duration = Duration::from_secs(10);

fn logout(b: &Browser) {
    press(b, "#logout");
    b.wait_until(|b| b.current_url().ends_with("/login"), WAIT, "logout");
}

/// Clicks a sign-off button on the assessment page and waits for the state it leads to.
fn decide(b: &Browser, s: &Server, id: &str, decision: &str, then: &str) {
    b.goto(&s.url(&format!("/a/{id}")));
    press(b, &format!("#sign-{decision}"));
    b.wait_for(&format!("#a-status[data-status={then}]"), WAIT);
}

/// Records the review of one item on its page and waits until the page says it is done.
fn review(b: &Browser, s: &Server, id: &str, item: u16, fields: &[(&str, &str)]) {
    b.goto(&s.url(&format!("/a/{id}/items/{item}/review")));
    for (css, value) in fields {
        if css.starts_with("#valid-") {
            press(b, css);
        } else {
            fill(b, css, value);
        }
    }
    press(b, "#review-submit");
    b.wait_for("#review-done", WAIT);
}

fn selected_mark(b: &Browser, item: u16) -> String {
    b.find(&format!("#item-{item}"))
        .attr("data-mark")
        .unwrap_or_default()
}

#[test]
fn a_year_of_the_cycle_in_the_browser() {
    let db = sqlite_db();
    let last = crate::cycle::last_year(&db);
    for (name, role) in [
        ("tanaka", "assessor"),
        ("suzuki", "reviewer"),
        ("kato", "approver"),
    ] {
        add_user(&db, name, role, Some("P1"));
    }
    let server = Server::start(&db.url, &[]);
    let b = Browser::start().on_every_page(crate::axe::audit);
    b.set_window_size(1280, 900);

    // ---- next year from last year (the plant page's 前年度から作成) ---------------------------
    login(&b, &server, "tanaka", PASSWORD);
    b.goto(&server.url("/sites/P1"));
    assert_eq!(b.find("#carry-period").value(), "2027");
    b.find("#carry-from").select_by_value(&last);
    press(&b, "#carry-submit");
    b.wait_until(
        |b| b.current_url().contains("/a/") && !b.current_url().contains(&last),
        WAIT,
        "the new assessment's page",
    );
    let id = b.current_url().rsplit("/a/").next().unwrap().to_string();
    assert_eq!(id.len(), 36, "{}", b.current_url());
    // Seven carried answers, each provisional, each with last year's mark beside it.
    assert_eq!(b.find_all("form.item.provisional").len(), 7);
    assert!(b.text("#prev-3").contains('□'));
    assert!(b.text("#unconfirmed-count").contains('7'));

    // ---- confirm all unchanged (the 要再確認 filter, then 表示中の項目をすべて確認) ----------
    press(&b, "#filter-unconfirmed");
    press(&b, "#filters button[type=submit]");
    b.wait_until(
        |b| b.current_url().contains("unconfirmed=1"),
        WAIT,
        "the filtered view",
    );
    assert_eq!(b.find_all("form.item").len(), 7);
    press(&b, "#reconfirm-shown-submit");
    b.wait_until(
        |b| !b.exists("#reconfirm-shown-submit"),
        WAIT,
        "every shown item re-confirmed",
    );
    b.goto(&server.url(&format!("/a/{id}")));
    assert_eq!(b.find_all("form.item.provisional").len(), 0);
    assert!(!b.exists("#unconfirmed-count"));

    // ---- change two items: 2 ○ → × (regressed), 6 × → ○ (improved) -------------------------
    choose(&b, 2, "not_considered");
    wait_state(&b, 2, "saved");
    choose(&b, 6, "implemented");
    wait_state(&b, 6, "saved");
    b.refresh();
    assert_eq!(
        b.find("#change-2").attr("data-change").as_deref(),
        Some("regressed")
    );
    assert_eq!(
        b.find("#change-6").attr("data-change").as_deref(),
        Some("improved")
    );

    // Submitting before the review is refused, naming what is missing.
    press(&b, "#sign-submit");
    let err = b.wait_for("#page-error", WAIT).text();
    assert!(err.contains("No.3") && err.contains("No.4"), "{err}");
    assert_eq!(
        b.find("#a-status").attr("data-status").as_deref(),
        Some("draft")
    );

    // ---- the review queue: every □ △ × with what it still needs, overdue first -------------
    b.goto(&server.url("/review"));
    let rows = b.find_all(&format!("#queue tbody tr[data-assessment=\"{id}\"]"));
    let items: Vec<String> = rows
        .iter()
        .map(|r| r.attr("data-item").unwrap_or_default())
        .collect();
    assert_eq!(items.len(), 4, "items 2, 3, 4, 5: {items:?}");
    assert_eq!(items[0], "3", "the overdue □ first: {items:?}");
    assert!(b.exists(&format!(
        "#queue tbody tr.overdue[data-assessment=\"{id}\"][data-item=\"3\"]"
    )));
    b.screenshot(artifacts().join("cycle-review-queue.png"));

    // ---- review the □ △ × -------------------------------------------------------------
    review(
        &b,
        &server,
        &id,
        3,
        &[
            ("#valid-yes", ""),
            ("#rv-progress", "見積を取得、来期予算に計上"),
            ("#rv-pct", "40"),
        ],
    );
    review(&b, &server, &id, 4, &[("#rv-status", "製品比較を実施中")]);
    review(&b, &server, &id, 2, &[("#rv-status", "手順書の改訂を検討")]);
    review(&b, &server, &id, 5, &[("#rv-status", "来期導入予定")]);
    b.goto(&server.url("/review"));
    assert!(
        !b.exists(&format!(
            "#queue tbody tr[data-assessment=\"{id}\"] li.need.blocking"
        )),
        "nothing blocks the submission any more"
    );

    // ---- the year-over-year view -----------------------------------------------------------
    b.goto(&server.url(&format!("/a/{id}")));
    press(&b, "#to-diff");
    b.wait_for("#diff-changes", WAIT);
    let kinds: Vec<(String, String)> = b
        .find_all("#diff-changes tbody tr")
        .iter()
        .map(|r| {
            (
                r.attr("data-item").unwrap_or_default(),
                r.attr("data-kind").unwrap_or_default(),
            )
        })
        .collect();
    assert_eq!(
        kinds,
        [
            ("2".to_string(), "regressed".to_string()),
            ("6".to_string(), "improved".to_string())
        ],
        "regressions first"
    );
    // Tall enough for the rates of all 17 labels and the changes below them.
    b.set_window_size(1280, 1600);
    b.screenshot(artifacts().join("cycle-diff.png"));
    b.set_window_size(1280, 900);

    // ---- 作成 → 確認 → 承認 by three people ------------------------------------------------
    decide(&b, &server, &id, "submit", "submitted");
    assert!(b.exists("#read-only-notice"));
    assert!(b.exists("#item-1 fieldset.answer[disabled]"));
    assert!(!b.exists("#sign-confirm"), "the submitter cannot confirm");
    logout(&b);
    login(&b, &server, "suzuki", PASSWORD);
    decide(&b, &server, &id, "confirm", "confirmed");
    assert!(!b.exists("#sign-approve"), "a reviewer cannot approve");
    logout(&b);
    login(&b, &server, "kato", PASSWORD);
    decide(&b, &server, &id, "approve", "approved");
    for (bx, who) in [
        ("#box-submit", "tanaka"),
        ("#box-confirm", "suzuki"),
        ("#box-approve", "kato"),
    ] {
        assert!(b.text(bx).contains(who), "{bx}: {}", b.text(bx));
    }

    // ---- approved: read-only everywhere ------------------------------------------------------
    assert!(b.exists("#read-only-notice"));
    assert_eq!(
        b.find_all("fieldset.answer[disabled]").len(),
        b.find_all("fieldset.answer").len()
    );
    b.goto(&server.url(&format!("/a/{id}/items/3/review")));
    assert!(!b.exists("#review-form") && !b.exists("#evidence-upload"));
    let verify = ok(db.kojo().args(["assessment", "verify", &id])).stdout;
    logout(&b);

    // ---- revise: revision 2 is a draft carrying everything; revision 1 stays ----------------
    login(&b, &server, "tanaka", PASSWORD);
    b.goto(&server.url(&format!("/a/{id}")));
    press(&b, "#revise");
    b.wait_until(
        |b| !b.current_url().contains(&id),
        WAIT,
        "the new revision's page",
    );
    let rev2 = b.current_url().rsplit("/a/").next().unwrap().to_string();
    assert_eq!(b.text("#a-revision"), "2");
    assert_eq!(
        b.find("#a-status").attr("data-status").as_deref(),
        Some("draft")
    );
    assert_eq!(selected_mark(&b, 7), "implemented");
    choose(&b, 7, "not_considered");
    wait_state(&b, 7, "saved");
    b.refresh();
    assert_eq!(selected_mark(&b, 7), "not_considered");

    b.goto(&server.url(&format!("/a/{id}")));
    assert_eq!(b.text("#a-revision"), "1");
    assert_eq!(
        b.find("#a-status").attr("data-status").as_deref(),
        Some("approved")
    );
    assert_eq!(selected_mark(&b, 7), "implemented");
    assert_ne!(rev2, id);
    // The approved revision's hash still verifies, as it did before the revision.
    assert_eq!(
        ok(db.kojo().args(["assessment", "verify", &id])).stdout,
        verify
    );
}
