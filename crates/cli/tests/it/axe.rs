//! The WCAG 2.2 AA audit of every page the browser suites visit: axe-core (npm, pinned in
//! `tests/browser/package.json`, installed by scripts/test) is injected into the page and run;
//! any violation fails the test, naming the page, the rule and the elements.

use crate::webdriver::Browser;
use serde_json::Value;
use std::path::Path;
use std::sync::OnceLock;

/// The rule sets kojo's pages must pass (WCAG 2.0, 2.1 and 2.2, levels A and AA).
const TAGS: &str = "['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa']";

fn source() -> &'static str {
    static SOURCE: OnceLock<String> = OnceLock::new();
    SOURCE.get_or_init(|| {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/browser/node_modules/axe-core/axe.min.js");
        std::fs::read_to_string(&path).unwrap_or_else(|e| {
            panic!(
                "{}: {e}; install it with `npm ci --prefix crates/cli/tests/browser` \
                 (scripts/test does)",
                path.display()
            )
        })
    })
}

/// Runs axe-core on the browser's current document; panics on any violation.
pub fn audit(b: &Browser) {
    // WebDriver scripts run outside the page's Content-Security-Policy; the UMD bundle sets
    // `window.axe`.
    b.execute(&format!("{}\nreturn true;", source()), &[]);
    let script = format!(
        "var done = arguments[arguments.length - 1];
         axe.run(document, {{ runOnly: {{ type: 'tag', values: {TAGS} }}, resultTypes: ['violations'] }})
           .then(function (r) {{
             done(r.violations.map(function (v) {{
               return {{ id: v.id, impact: v.impact, help: v.help,
                        nodes: v.nodes.map(function (n) {{ return n.target.join(' ') + ': ' + n.failureSummary; }}) }};
             }}));
           }}, function (e) {{ done({{ error: String(e) }}); }});"
    );
    let result = b.execute_async(&script, &[]);
    if let Some(e) = result.get("error") {
        panic!("axe-core failed at {}: {e}", b.current_url());
    }
    let violations = result.as_array().cloned().unwrap_or_default();
    if violations.is_empty() {
        return;
    }
    let list: Vec<String> = violations
        .iter()
        .map(|v| {
            let nodes: Vec<String> = v["nodes"]
                .as_array()
                .map(|n| {
                    n.iter()
                        .filter_map(Value::as_str)
                        .map(String::from)
                        .collect()
                })
                .unwrap_or_default();
            format!(
                "- {} ({}): {}\n    {}",
                v["id"].as_str().unwrap_or("?"),
                v["impact"].as_str().unwrap_or("?"),
                v["help"].as_str().unwrap_or(""),
                nodes.join("\n    ")
            )
        })
        .collect();
    panic!(
        "WCAG 2.2 AA violations (axe-core) at {}:\n{}",
        b.current_url(),
        list.join("\n")
    );
}

#[test]
fn the_audit_fails_on_a_page_with_violations() {
    let b = Browser::start();
    b.goto(
        "data:text/html;charset=utf-8,<!doctype html><title>t</title><main><img src='x.png'></main>",
    );
    let failure = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| audit(&b)))
        .expect_err("a page without a language and an image without alt text must fail");
    let message = failure
        .downcast_ref::<String>()
        .cloned()
        .unwrap_or_default();
    assert!(
        message.contains("image-alt") && message.contains("html-has-lang"),
        "{message}"
    );
}
