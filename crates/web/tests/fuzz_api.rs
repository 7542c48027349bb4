//! Fuzzing the REST API's JSON bodies and parameters through the real router with a write
//! token of an administrator: every changing route gets mutated bodies (a valid body with values
//! swapped for hostile ones, unknown and missing fields, broken and deeply nested JSON, huge
//! strings, raw bytes, wrong content types) and mutated path parameters. Nothing may panic, no
//! request may end in a 5xx, and every refusal is an `application/problem+json` document.
//!
//! The suite runs a small seeded run; `scripts/fuzz` runs `KOJO_FUZZ_CASES` cases.

mod common;

use axum::body::Body;
use axum::http::{Request, header};
use kojo_app::{Actor, Scope};
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
use serde_json::{Value, json};
use tower::ServiceExt;

const ROUTES: &[(&str, &str)] = &[
    ("POST", "/api/v1/sites"),
    ("POST", "/api/v1/sites/{site}/lines"),
    ("POST", "/api/v1/assessments"),
    ("PUT", "/api/v1/assessments/{id}/answers/{item}"),
    ("POST", "/api/v1/assessments/{id}/answers"),
    ("PUT", "/api/v1/assessments/{id}/reviews/{item}"),
    ("POST", "/api/v1/assessments/{id}/actions"),
    ("PATCH", "/api/v1/assessments/{id}/actions/{action}"),
    ("POST", "/api/v1/assessments/{id}/signoffs"),
    (
        "GET",
        "/api/v1/assessments?limit={item}&cursor={item}&period={item}",
    ),
    ("GET", "/api/v1/catalog/items/{item}"),
];

fn base(route: &str) -> Value {
    match route {
        "/api/v1/sites" | "/api/v1/sites/{site}/lines" => json!({"code": "F1", "name": "n"}),
        "/api/v1/assessments" => json!({"site": "OWN", "period": 2031}),
        "/api/v1/assessments/{id}/answers/{item}" => {
            json!({"version": 0, "answer": {"mark": "□", "reason": "r", "review_by": "2099-03-31"}})
        }
        "/api/v1/assessments/{id}/answers" => {
            json!({"answers": [{"item": 1, "version": 0, "answer": {"mark": "○"}}]})
        }
        "/api/v1/assessments/{id}/reviews/{item}" => json!({"valid": "yes", "progress": "p"}),
        "/api/v1/assessments/{id}/actions" => {
            json!({"item": 62, "title": "t", "due": "2099-01-01"})
        }
        "/api/v1/assessments/{id}/actions/{action}" => json!({"status": "done"}),
        "/api/v1/assessments/{id}/signoffs" => json!({"decision": "submit"}),
        _ => Value::Null,
    }
}

fn hostile() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(|f| json!(f)),
        any::<bool>().prop_map(Value::from),
        "\\PC{0,40}".prop_map(Value::from),
        (1usize..50_000).prop_map(|n| Value::from("あ".repeat(n))),
        prop::sample::select(&["○", "□", "△", "×", "－", "ok", "2026", "2099-13-45", "-1"][..])
            .prop_map(Value::from),
        Just(json!([])),
        Just(json!({"x": {"y": [1, 2, {"z": null}]}})),
        (1usize..5_000).prop_map(|n| Value::Array(vec![json!(1); n])),
    ]
}

#[derive(Debug, Clone)]
struct Case {
    method: &'static str,
    route: &'static str,
    body: Vec<u8>,
    content_type: &'static str,
    item: String,
}

fn case() -> impl Strategy<Value = Case> {
    (
        prop::sample::select(ROUTES),
        prop::collection::vec(("[a-z_]{1,12}", hostile(), any::<bool>()), 0..5),
        prop::collection::vec(any::<u8>(), 0..64),
        0u8..10,
        prop_oneof![
            10 => Just("application/json"),
            1 => Just("text/plain"),
            1 => Just("application/json; charset=shift_jis"),
        ],
        prop_oneof![
            Just("1".to_string()),
            Just("62".to_string()),
            Just("0".to_string()),
            Just("64".to_string()),
            Just("99999999999999999999".to_string()),
            "[a-zA-Z0-9%]{0,8}",
        ],
    )
        .prop_map(|((method, route), edits, raw, shape, content_type, item)| {
            let mut v = base(route);
            if let Value::Object(map) = &mut v {
                let keys: Vec<String> = map.keys().cloned().collect();
                for (i, (key, value, replace)) in edits.into_iter().enumerate() {
                    if replace && !keys.is_empty() {
                        map.insert(keys[i % keys.len()].clone(), value);
                    } else {
                        map.insert(key, value);
                    }
                }
            }
            let mut body = serde_json::to_vec(&v).unwrap();
            match shape {
                0 => body.truncate(body.len() / 2),
                1 => body = raw,
                2 => body = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000)).into_bytes(),
                _ => {}
            }
            Case {
                method,
                route,
                body,
                content_type,
                item,
            }
        })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fuzz_api_bodies() {
    let cases: u32 = std::env::var("KOJO_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(300);
    let seed: u64 = std::env::var("KOJO_FUZZ_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0x61706921);
    let mut seed_bytes = [0u8; 32];
    seed_bytes[..8].copy_from_slice(&seed.to_le_bytes());
    let dir = tempfile::tempdir().unwrap();
    let w = common::world(dir.path()).await;
    let token = w
        .app
        .admin(&Actor::cli())
        .unwrap()
        .create_token_for("admin1", "fuzz", Scope::Write, None)
        .await
        .unwrap()
        .token;
    let router = w.router.clone();
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
            .replace("{item}", &c.item)
            .replace("{action}", &w.own_action.to_string());
        let mut req = Request::builder()
            .method(c.method)
            .uri(&path)
            .header(header::AUTHORIZATION, format!("Bearer {token}"));
        let body = if c.method == "GET" {
            Body::empty()
        } else {
            req = req.header(header::CONTENT_TYPE, c.content_type);
            Body::from(c.body.clone())
        };
        let res = router
            .clone()
            .oneshot(req.body(body).unwrap())
            .await
            .unwrap();
        let status = res.status();
        *statuses.entry(status.as_u16()).or_insert(0u32) += 1;
        let ct = res
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string();
        if status.is_server_error()
            || (status.is_client_error() && ct != "application/problem+json")
        {
            failures.push(format!(
                "{status} {ct} {} {path}: {:?}",
                c.method,
                String::from_utf8_lossy(&c.body)
                    .chars()
                    .take(200)
                    .collect::<String>()
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
        "fuzz api_bodies: cases {cases}, crashes 0, failures {}, statuses {statuses:?}, peak RSS {}",
        failures.len(),
        rss.trim_start_matches("VmHWM:").trim()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
