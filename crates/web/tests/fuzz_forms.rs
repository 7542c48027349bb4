//! Fuzzing the web app's form parsers through the real router: every state-changing route gets
//! mutated bodies (known and unknown keys, repeated keys, broken percent-encoding, huge and
//! non-UTF-8 values, wrong content types) from a signed-in administrator with a valid CSRF token.
//! Nothing may panic and no request may end in a 500.
//!
//! The suite runs a small seeded run; `scripts/fuzz` runs `KOJO_FUZZ_CASES` cases.

mod common;

use axum::body::Body;
use axum::http::{Request, header};
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
use tower::ServiceExt;

const ROUTES: &[&str] = &[
    "/login",
    "/setup",
    "/lang",
    "/sites",
    "/sites/{site}/lines",
    "/sites/{site}/assessments",
    "/a/{id}/items/{item}",
    "/a/{id}/comments",
    "/admin/users",
    "/admin/users/{user}",
];

const KEYS: &[&str] = &[
    "mark",
    "version",
    "version_override",
    "alternative_flag",
    "alternative",
    "reason",
    "review_by",
    "accepted_by",
    "progress",
    "status",
    "target_date",
    "na_reason",
    "note",
    "item",
    "body",
    "code",
    "name",
    "line",
    "period",
    "assessor",
    "username",
    "password",
    "password_confirm",
    "role",
    "sites",
    "site",
    "action",
    "lang",
    "next",
    "_csrf",
    "",
];

fn value() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::sample::select(
            &[
                "○",
                "ok",
                "defer",
                "na",
                "1",
                "0",
                "-1",
                "2026",
                "2027-03-31",
                "grant",
                "revoke",
                "role",
                "enable",
                "admin",
                "viewer",
                "ja",
                "en",
                "/sites",
                "P1",
                "x"
            ][..]
        )
        .prop_map(str::to_string),
        any::<i64>().prop_map(|n| n.to_string()),
        "\\PC{0,30}",
        (1usize..20_000).prop_map(|n| "あ".repeat(n)),
        Just("%".to_string()),
        Just("%zz%0".to_string()),
        Just("%FF%FE%00".to_string()),
        Just("a=b=c&&&".to_string()),
    ]
}

/// A valid form of each route, which the fuzzer then mutates (so most requests get past the
/// extractor into the handler).
fn base(route: &str) -> &'static [(&'static str, &'static str)] {
    match route {
        "/login" => &[("username", "nobody"), ("password", "x")],
        "/setup" => &[
            ("username", "a"),
            ("password", "p"),
            ("password_confirm", "p"),
        ],
        "/lang" => &[("lang", "en"), ("next", "/sites")],
        "/sites" | "/sites/{site}/lines" => &[("code", "C1"), ("name", "n")],
        "/sites/{site}/assessments" => &[("period", "2026"), ("line", ""), ("assessor", "a")],
        "/a/{id}/items/{item}" => &[("mark", "ok"), ("version", "0"), ("note", "n")],
        "/a/{id}/comments" => &[("item", "1"), ("body", "b")],
        "/admin/users" => &[
            ("username", "u1"),
            ("role", "viewer"),
            ("password", "a long password 2026"),
        ],
        "/admin/users/{user}" => &[("action", "grant"), ("site", "OWN")],
        _ => &[],
    }
}

fn enc(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

#[derive(Debug, Clone)]
struct Case {
    route: &'static str,
    body: Vec<u8>,
    content_type: &'static str,
    item: String,
}

fn case() -> impl Strategy<Value = Case> {
    let pairs = prop::collection::vec((prop::sample::select(KEYS), value(), any::<bool>()), 0..6);
    (
        prop::sample::select(ROUTES),
        pairs,
        prop::collection::vec((any::<bool>(), value()), 8),
        prop::collection::vec(any::<u8>(), 0..64),
        prop_oneof![
            12 => Just("application/x-www-form-urlencoded"),
            1 => Just("application/x-www-form-urlencoded; charset=shift_jis"),
            1 => Just("text/plain"),
            1 => Just("multipart/form-data; boundary=x"),
        ],
        prop_oneof![
            Just("1".to_string()),
            Just("63".to_string()),
            Just("0".to_string()),
            Just("99999999999999999999".to_string()),
            "\\PC{0,5}"
        ],
    )
        .prop_map(|(route, extra, replace, raw, content_type, item)| {
            // The route's valid form, some values replaced, some pairs added.
            let mut pairs: Vec<(&str, String, bool)> = base(route)
                .iter()
                .zip(replace)
                .map(|((k, v), (swap, new))| (*k, if swap { new } else { v.to_string() }, true))
                .collect();
            pairs.extend(extra);
            let mut body: Vec<u8> = pairs
                .iter()
                .map(|(k, v, encode)| {
                    // Some values go in raw, with their stray `%`, `&` and `=`.
                    if *encode {
                        format!("{}={}", enc(k), enc(v))
                    } else {
                        format!("{k}={v}")
                    }
                })
                .collect::<Vec<_>>()
                .join("&")
                .into_bytes();
            if raw.len() % 5 == 0 {
                body.extend_from_slice(&raw);
            }
            Case {
                route,
                body,
                content_type,
                item,
            }
        })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fuzz_web_forms() {
    let cases: u32 = std::env::var("KOJO_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(300);
    let seed: u64 = std::env::var("KOJO_FUZZ_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0x666f726d);
    let mut seed_bytes = [0u8; 32];
    seed_bytes[..8].copy_from_slice(&seed.to_le_bytes());
    let dir = tempfile::tempdir().unwrap();
    let w = common::world(dir.path()).await;
    let admin = common::login(&w.app, "admin1").await;
    let router = w.router.clone();
    // Generate the cases first (the runner is synchronous), then send them.
    let mut runner = TestRunner::new_with_rng(
        Config {
            cases,
            failure_persistence: None,
            ..Config::default()
        },
        TestRng::from_seed(RngAlgorithm::ChaCha, &seed_bytes),
    );
    let strategy = case();
    let mut statuses = std::collections::BTreeMap::new();
    let mut failures = Vec::new();
    for _ in 0..cases {
        let c = strategy.new_tree(&mut runner).unwrap().current();
        let path = c
            .route
            .replace("{site}", &w.own_site)
            .replace("{id}", &w.own_assessment)
            .replace("{item}", &enc(&c.item))
            .replace("{user}", "target1");
        let req = Request::builder()
            .method("POST")
            .uri(&path)
            .header(
                header::COOKIE,
                format!("{}; kojo_csrf={}", admin.cookie, admin.csrf),
            )
            .header("x-csrf-token", &admin.csrf)
            .header(header::CONTENT_TYPE, c.content_type)
            .body(Body::from(c.body.clone()))
            .unwrap();
        let res = router.clone().oneshot(req).await.unwrap();
        *statuses.entry(res.status().as_u16()).or_insert(0u32) += 1;
        if res.status().is_server_error() {
            failures.push(format!(
                "{} {path}: {:?}",
                res.status(),
                String::from_utf8_lossy(&c.body)
            ));
        }
    }
    let rss = std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .map(str::to_string)
        })
        .unwrap_or_default();
    println!(
        "fuzz web_forms: cases {cases}, crashes 0, server errors {}, statuses {statuses:?}, peak RSS {}",
        failures.len(),
        rss.trim_start_matches("VmHWM:").trim()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
