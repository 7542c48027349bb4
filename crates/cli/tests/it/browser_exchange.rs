//! Exchange in real headless Chromium (issue 11): the supplier's key and 提出パッケージ作成
//! pages; the customer registers the supplier with its public key, sees it missing with a
//! reminder, uploads the package on 「提出受付」, then sees it submitted and filed with the
//! 「受領」 badge; an API token is made and revoked on its page. Every page passes axe-core.

use crate::browser::{fill, login, press};
use crate::common::*;
use crate::exchange::{approved, keys, submit};
use crate::webdriver::Browser;
use std::time::Duration;

const WAIT: Duration = Duration::from_secs(10);

#[test]
fn a_supplier_package_is_received_and_tracked_in_the_browser() {
    let supplier = sqlite_db();
    let customer = sqlite_db();
    let id = approved(&supplier);
    let (secret, public) = keys(&supplier);
    let package = customer.dir.path().join("2026_P1.kojo");
    submit(&supplier, &id, &secret, &package);
    add_user(&supplier, "boss", "admin", None);
    add_user(&customer, "boss", "admin", None);

    // ---- the supplier: its key with the fingerprint, the package page ------------------------
    let server = Server::start(&supplier.url, &[]);
    let b = Browser::start().on_every_page(crate::axe::audit);
    b.set_window_size(1366, 900);
    login(&b, &server, "boss", PASSWORD);
    press(&b, "#nav-keys");
    b.wait_for("section.key-company[data-company=ACME]", WAIT);
    let shown = b.text("section.key-company[data-company=ACME] .fingerprint");
    let key_show = ok(supplier.kojo().args(["key", "show", "--company", "ACME"])).stdout;
    assert!(key_show.contains(shown.trim()), "{shown} / {key_show}");
    assert!(b.exists("#key-generate") && b.exists("#key-register"));
    b.goto(&server.url(&format!("/a/{id}")));
    press(&b, "#to-submit");
    b.wait_for("#submit-package", WAIT);
    assert!(b.text("#submit-key").contains(shown.trim()));
    drop(server);

    // ---- the customer: register, missing, receive, submitted ---------------------------------
    let server = Server::start(&customer.url, &[]);
    b.delete_all_cookies();
    login(&b, &server, "boss", PASSWORD);
    press(&b, "#nav-suppliers");
    b.wait_for("#supplier-add", WAIT);
    fill(&b, "#sa-code", "ACME");
    fill(&b, "#sa-name", "Acme 部品");
    fill(&b, "#sa-key", &std::fs::read_to_string(&public).unwrap());
    press(&b, "#supplier-add-submit");
    b.wait_for("#suppliers-notice", WAIT);
    assert!(b.text("#suppliers-notice").contains("ACME"));
    assert_eq!(
        b.find("#supplier-status tr[data-supplier=ACME]")
            .attr("data-submitted")
            .as_deref(),
        Some("false")
    );
    assert!(b.find("#letter-ACME").value().contains("Acme 部品 御中"));

    press(&b, "#to-receive");
    b.wait_for("#receive", WAIT);
    b.find("#rc-file").send_keys(package.to_str().unwrap());
    press(&b, "#receive-submit");
    b.wait_for("#receive-result", WAIT);
    assert_eq!(
        b.find("#receive-result").attr("data-current").as_deref(),
        Some("true")
    );
    press(&b, "#received-link");
    b.wait_for("#received-badge", WAIT);
    assert!(b.text("#received-notice").contains("ACME"));
    assert!(!b.exists("#to-submit"));

    press(&b, "#nav-suppliers");
    b.wait_for("#supplier-status", WAIT);
    assert_eq!(
        b.find("#supplier-status tr[data-supplier=ACME]")
            .attr("data-submitted")
            .as_deref(),
        Some("true")
    );
    assert!(!b.exists("#letter-ACME"));
    press(&b, "#nav-keys");
    b.wait_for("section.key-company[data-company=ACME]", WAIT);
    assert!(
        b.text("section.key-company[data-company=ACME] .fingerprint")
            .contains(shown.trim())
    );

    // ---- an API token on the web: shown once, listed, revoked -------------------------------
    press(&b, "#nav-tokens");
    b.wait_for("#token-create", WAIT);
    fill(&b, "#tk-name", "取引先集計");
    press(&b, "#token-create-submit");
    b.wait_for("#token-created", WAIT);
    assert!(b.find("#new-token").value().starts_with("kojo_"));
    assert_eq!(b.find_all("#tokens tbody tr").len(), 1);
    press(&b, "#tokens tbody tr button.danger");
    b.wait_for("#tokens-notice", WAIT);
    assert!(!b.exists("#tokens tbody tr button.danger"));
}
