//! Registers in real headless Chromium (issue 15): a firewall list kept in Excel and saved as
//! CP932 CSV goes through the import wizard (upload → mapping → preview → apply); the
//! assessment page shows the registers' suggestion beside item 45; 45 is marked ○ anyway; the
//! mismatch shows in the review queue and on the dashboard; a review (棚卸) is recorded and the
//! expired rule fixed; the mismatch is gone. Every page passes axe-core; screenshots go to
//! target/test-artifacts/.

use crate::browser::{artifacts, choose, login, press, wait_state};
use crate::common::*;
use crate::webdriver::Browser;
use serde_json::json;
use std::time::Duration;

const WAIT: Duration = Duration::from_secs(10);

/// The firewall list as a plant keeps it: a title row and a blank row above the header,
/// Japanese headers, full-width digits and Japanese date forms; saved by Excel as CP932.
const LEDGER: &str = "ファイアウォール設定一覧（第1工場）\r\n\
\r\n\
ルール番号,申請者,接続元 IP アドレス,接続先 IP アドレス,通信方向,プロトコル,ポート番号,利用用途,登録日,有効期限\r\n\
FW-1,山田,10.0.0.0/24,192.168.1.5,社外→社内,TCP,５０２,PLC 保守,令和7年4月1日,2026/1/31\r\n\
FW-2,鈴木,10.0.1.0/24,192.168.1.6,社内→社外,TCP,443,更新サーバー,R7.4.1,2099/3/31\r\n";

#[test]
fn a_cp932_firewall_list_meets_item_45_in_the_browser() {
    let db = sqlite_db();
    ok(db.kojo().args(["site", "add", "P1", "--name", "第1工場"]));
    add_user(&db, "boss", "admin", None);
    let id = ok(db
        .kojo()
        .args(["assessment", "new", "--site", "P1", "--period", "2026"]))
    .stdout
    .trim()
    .lines()
    .last()
    .unwrap()
    .to_string();
    let file = db.dir.path().join("firewall.csv");
    std::fs::write(&file, crate::registers::cp932(LEDGER)).unwrap();

    let server = Server::start(&db.url, &[]);
    let b = Browser::start().on_every_page(crate::axe::audit);
    b.set_window_size(1280, 900);
    login(&b, &server, "boss", PASSWORD);

    // ---- the import wizard --------------------------------------------------------------------
    b.goto(&server.url("/sites/P1/registers"));
    b.wait_for("#registers", WAIT);
    b.goto(&server.url("/sites/P1/registers/firewall-rules"));
    press(&b, "#import-link");
    b.wait_for("#ledger-upload", WAIT);
    b.find("#ledger-file").send_keys(file.to_str().unwrap());
    press(&b, "#ledger-upload-submit");
    b.wait_for("#mapping", WAIT);
    // Every column mapped by its Japanese header (found below the title row).
    for (col, field) in [(0, "rule-id"), (2, "source-ip"), (9, "expiry")] {
        assert_eq!(b.find(&format!("#col{col}")).value(), field, "column {col}");
    }
    b.screenshot(artifacts().join("registers-import-mapping.png"));
    press(&b, "#ledger-preview");
    b.wait_for("#import-counts", WAIT);
    assert_eq!(b.text("#count-inserted").trim(), "2");
    assert_eq!(b.text("#count-retired").trim(), "0");
    b.screenshot(artifacts().join("registers-import-preview.png"));
    press(&b, "#ledger-apply-submit");
    b.wait_for("#entries tr[data-key=FW-2]", WAIT);
    assert!(b.exists("#entries tr[data-key=FW-1]"));

    // ---- the suggestion beside item 45; ○ anyway: a mismatch ---------------------------------
    b.goto(&server.url(&format!("/a/{id}")));
    b.wait_for("#suggestion-45", WAIT);
    let s = b.text("#suggestion-45");
    assert!(s.contains("台帳からの提案") && s.contains('×'), "{s}");
    assert!(s.contains("有効期限切れ 1 件"), "{s}");
    choose(&b, 45, "implemented");
    wait_state(&b, 45, "saved");
    b.refresh();
    b.wait_for("#suggestion-45.mismatch", WAIT);
    assert!(b.exists("#suggestion-list tr.mismatch[data-item='45']"));
    b.screenshot(artifacts().join("registers-suggestion.png"));

    b.goto(&server.url("/review"));
    b.wait_for("#queue", WAIT);
    let row = "#queue tr[data-item='45']";
    assert!(b.exists(&format!("{row} li[data-need=register_mismatch]")));
    assert!(b.text(row).contains("提案 ×"), "{}", b.text(row));
    b.screenshot(artifacts().join("registers-review-queue.png"));
    b.goto(&server.url(&format!("/a/{id}/dashboard")));
    b.wait_for("#mismatch-list tr[data-item='45']", WAIT);

    // ---- review (棚卸) and fix the expired rule -----------------------------------------------
    b.goto(&server.url("/sites/P1/registers/firewall-rules"));
    // The forms of a register show (they once shared the item forms' hidden field style).
    assert!(b.find("#entry-add-submit").is_displayed());
    press(&b, "#review-add-submit");
    b.wait_for("#review-list tbody tr", WAIT);
    press(&b, "#entries tr[data-key=FW-1] a");
    b.wait_for("#entry-edit", WAIT);
    let expiry = b.find("#f-expiry");
    b.execute(
        "arguments[0].value = arguments[1]",
        &[expiry.to_arg(), json!("2099-12-31")],
    );
    press(&b, "#entry-edit-submit");
    // Saved: the entry page again, its history one change longer (add, then edit).
    b.wait_until(
        |b| b.find_all("#entry-history > li").len() == 2,
        WAIT,
        "the edit in the entry's history",
    );
    assert!(!b.exists("#entry-error"));
    assert_eq!(b.find("#f-expiry").value(), "2099-12-31");

    b.goto(&server.url("/sites/P1/activities"));
    assert!(b.wait_for("#activity-add-submit", WAIT).is_displayed());

    // ---- the registers agree with ○: no mismatch anywhere -------------------------------------
    b.goto(&server.url("/review"));
    b.wait_for("#queue-count", WAIT);
    assert!(!b.exists("#queue tr[data-item='45']"), "{}", b.text("main"));
    b.goto(&server.url(&format!("/a/{id}")));
    b.wait_for("#suggestion-45", WAIT);
    assert!(!b.exists("#suggestion-45.mismatch"));
    assert!(
        b.text("#suggestion-45").contains('○'),
        "{}",
        b.text("#suggestion-45")
    );
    b.screenshot(artifacts().join("registers-agree.png"));
    b.goto(&server.url(&format!("/a/{id}/dashboard")));
    b.wait_for("h1", WAIT);
    assert!(!b.exists("#mismatch-list"));
}
