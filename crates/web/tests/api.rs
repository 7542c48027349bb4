//! The REST API through the real router on a real SQLite file, with real tokens:
//!
//! - the API's authorization matrix, generated from [`kojo_web::api::API_ROUTES`]: every route
//!   × {no token, a cookie session only, a read token, a write token of each role} × {own
//!   plant, foreign plant}; a route this file does not classify fails the test. Every answer,
//!   success or problem, is validated against the schema the OpenAPI document declares for
//!   that route and status (an undocumented status fails too), so each route is also tested
//!   for its schema;
//! - the route table and the OpenAPI document list the same routes;
//! - optimistic versions (409 with the current answer), problem language by Accept-Language,
//!   cursor pagination, revocation and last use of tokens.

mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use common::{RESIDUAL_ITEM, World, login, world};
use kojo_app::{Actor, Scope};
use kojo_web::Config;
use kojo_web::api::{API_ROUTES, ApiRoute};
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicU32, Ordering};
use tower::ServiceExt;

fn spec() -> Value {
    serde_json::from_str(kojo_web::api::openapi::json()).unwrap()
}

struct Res {
    status: StatusCode,
    content_type: String,
    body: Vec<u8>,
}

impl Res {
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or(Value::Null)
    }
}

async fn call(
    w: &World,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: Option<Value>,
    extra: &[(&str, &str)],
) -> Res {
    let router = kojo_web::router(w.app.clone(), Config::default());
    let mut b = Request::builder().method(method).uri(path);
    if let Some(t) = token {
        b = b.header(header::AUTHORIZATION, format!("Bearer {t}"));
    }
    for (k, v) in extra {
        b = b.header(*k, *v);
    }
    let req = match body {
        Some(v) => b
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(serde_json::to_vec(&v).unwrap()))
            .unwrap(),
        None => b.body(Body::empty()).unwrap(),
    };
    let res = router.oneshot(req).await.unwrap();
    let status = res.status();
    let content_type = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    let body = axum::body::to_bytes(res.into_body(), usize::MAX)
        .await
        .unwrap()
        .to_vec();
    Res {
        status,
        content_type,
        body,
    }
}

/// Checks a response against the schema the document declares for the route and status.
fn conforms(spec: &Value, route: &ApiRoute, res: &Res) -> Result<(), String> {
    let op = &spec["paths"][route.path][route.method.to_lowercase()];
    let declared = &op["responses"][res.status.as_str()];
    if declared.is_null() {
        return Err(format!("status {} is not documented", res.status));
    }
    let ct = res.content_type.split(';').next().unwrap_or("").trim();
    let Some(content) = declared["content"].as_object() else {
        return Ok(());
    };
    let media = content
        .get(ct)
        .or_else(|| content.get("*/*"))
        .ok_or_else(|| format!("content type {ct} is not documented for {}", res.status))?;
    if !ct.contains("json") {
        return Ok(());
    }
    let instance: Value =
        serde_json::from_slice(&res.body).map_err(|e| format!("{ct} body is not JSON: {e}"))?;
    let mut schema = media["schema"].clone();
    let Some(obj) = schema.as_object_mut() else {
        return Err("no schema".into());
    };
    obj.insert("components".into(), spec["components"].clone());
    obj.insert(
        "$schema".into(),
        json!("https://json-schema.org/draft/2020-12/schema"),
    );
    let validator = jsonschema::validator_for(&schema).map_err(|e| format!("schema: {e}"))?;
    let errors: Vec<String> = validator
        .iter_errors(&instance)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    if errors.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "body does not match the schema: {}",
            errors.join("; ")
        ))
    }
}

#[test]
fn the_route_table_and_the_openapi_document_list_the_same_routes() {
    let spec = spec();
    assert_eq!(spec["openapi"].as_str().map(|v| &v[..3]), Some("3.1"));
    let in_spec: BTreeSet<(String, String)> = spec["paths"]
        .as_object()
        .unwrap()
        .iter()
        .flat_map(|(path, ops)| {
            ops.as_object()
                .unwrap()
                .keys()
                .map(move |m| (m.to_uppercase(), path.clone()))
        })
        .collect();
    let in_router: BTreeSet<(String, String)> = API_ROUTES
        .iter()
        .filter(|r| r.authed)
        .map(|r| (r.method.to_string(), r.path.to_string()))
        .collect();
    assert_eq!(
        in_router, in_spec,
        "every route of the router is documented, and nothing else"
    );
    // Every documented operation has a unique id, declares a token and the limit of what it
    // lists.
    let mut ids = BTreeSet::new();
    for (path, ops) in spec["paths"].as_object().unwrap() {
        for (m, op) in ops.as_object().unwrap() {
            assert!(
                ids.insert(op["operationId"].as_str().unwrap().to_string()),
                "{m} {path}: operationId {} twice",
                op["operationId"]
            );
            assert!(!op["security"].is_null(), "{m} {path}: security");
            let pages = op["responses"]["200"]["content"]["application/json"]["schema"]
                .to_string()
                .contains("Page");
            let has_limit = op["parameters"]
                .as_array()
                .is_some_and(|ps| ps.iter().any(|p| p["name"] == "limit"));
            assert_eq!(
                pages, has_limit,
                "{m} {path}: a list has a documented limit"
            );
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Who {
    NoToken,
    CookieOnly,
    ReadAdmin,
    Viewer,
    Reviewer,
    Approver,
    Assessor,
    Admin,
}

const EVERYONE: [Who; 8] = [
    Who::NoToken,
    Who::CookieOnly,
    Who::ReadAdmin,
    Who::Viewer,
    Who::Reviewer,
    Who::Approver,
    Who::Assessor,
    Who::Admin,
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Plant {
    Own,
    Foreign,
}

/// The matrix: who gets which status. Tokens act as their users: an invisible plant is 404
/// whatever the role; a visible one whose action the role may not take is 403; a read token
/// changes nothing (403) and reads like its user.
fn expected(route: &ApiRoute, who: Who, plant: Plant) -> u16 {
    use Who::*;
    if !route.authed {
        return 200;
    }
    if matches!(who, NoToken | CookieOnly) {
        return 401;
    }
    let write = route.method != "GET";
    if who == ReadAdmin && write {
        return 403;
    }
    let read = |plant| match (who, plant) {
        (Admin | ReadAdmin, _) | (_, Plant::Own) => 200,
        (_, Plant::Foreign) => 404,
    };
    let change = |allowed: &[Who], ok: u16| match (who, plant) {
        (Admin, _) => ok,
        (_, Plant::Foreign) => 404,
        (w, Plant::Own) if allowed.contains(&w) => ok,
        _ => 403,
    };
    match (route.method, route.path) {
        ("GET", "/api/v1/catalog")
        | ("GET", "/api/v1/catalog/items/{item}")
        | ("GET", "/api/v1/sites")
        | ("GET", "/api/v1/portfolio")
        | ("GET", "/api/v1/assessments") => 200,
        ("GET", "/api/v1/sites/{code}")
        | ("GET", "/api/v1/sites/{code}/lines")
        | ("GET", "/api/v1/assessments/{id}")
        | ("GET", "/api/v1/assessments/{id}/diff")
        | ("GET", "/api/v1/assessments/{id}/reviews")
        | ("GET", "/api/v1/assessments/{id}/actions")
        | ("GET", "/api/v1/assessments/{id}/evidence")
        | ("GET", "/api/v1/evidence/{eid}")
        | ("GET", "/api/v1/assessments/{id}/signoffs") => read(plant),
        ("POST", "/api/v1/sites") => match who {
            Admin => 201,
            _ => 403,
        },
        ("POST", "/api/v1/sites/{code}/lines") => change(&[], 201),
        ("POST", "/api/v1/assessments") | ("POST", "/api/v1/assessments/{id}/actions") => {
            change(&[Assessor], 201)
        }
        ("PUT", "/api/v1/assessments/{id}/answers/{item}")
        | ("POST", "/api/v1/assessments/{id}/answers")
        | ("PUT", "/api/v1/assessments/{id}/reviews/{item}")
        | ("PATCH", "/api/v1/assessments/{id}/actions/{action}") => change(&[Assessor], 200),
        // 差戻し of a draft: the roles that may return pass authorization and meet the state
        // check (422); the others are 403.
        ("POST", "/api/v1/assessments/{id}/signoffs") => change(&[Reviewer, Approver], 422),
        (m, p) => panic!(
            "API route {m} {p} is not classified in the matrix (crates/web/tests/api.rs): \
             decide who may use it"
        ),
    }
}

static UNIQUE: AtomicU32 = AtomicU32::new(1);

/// Tokens of the world's users, and the admin's cookie.
struct Keys {
    tokens: BTreeMap<Who, String>,
    cookie: String,
}

async fn keys(w: &World) -> Keys {
    let cli = Actor::cli();
    let admin = w.app.admin(&cli).unwrap();
    let mut tokens = BTreeMap::new();
    for (who, user, scope) in [
        (Who::ReadAdmin, "admin1", Scope::Read),
        (Who::Viewer, "viewer1", Scope::Write),
        (Who::Reviewer, "reviewer1", Scope::Write),
        (Who::Approver, "approver1", Scope::Write),
        (Who::Assessor, "assessor1", Scope::Write),
        (Who::Admin, "admin1", Scope::Write),
    ] {
        let t = admin
            .create_token_for(user, "matrix", scope, None)
            .await
            .unwrap();
        tokens.insert(who, t.token);
    }
    Keys {
        tokens,
        cookie: login(&w.app, "admin1").await.cookie,
    }
}

/// The concrete request for a route: its parameters for the plant and a valid body.
async fn request(w: &World, route: &ApiRoute, plant: Plant) -> (String, Option<Value>) {
    let (site, id, action, evidence) = match plant {
        Plant::Own => (&w.own_site, &w.own_assessment, w.own_action, w.own_evidence),
        Plant::Foreign => (
            &w.foreign_site,
            &w.foreign_assessment,
            w.foreign_action,
            w.foreign_evidence,
        ),
    };
    let n = UNIQUE.fetch_add(1, Ordering::Relaxed);
    let item: u16 = if route.path.contains("/reviews/") {
        RESIDUAL_ITEM
    } else {
        1 + (n % 30) as u16
    };
    let path = route
        .path
        .replace("{code}", site)
        .replace("{id}", id)
        .replace("{item}", &item.to_string())
        .replace("{action}", &action.to_string())
        .replace("{eid}", &evidence.to_string());
    let version = w
        .app
        .reader(&Actor::cli())
        .assessment(id)
        .await
        .unwrap()
        .version(item);
    let body = match (route.method, route.path) {
        ("POST", "/api/v1/sites") => Some(json!({"code": format!("API{n}"), "name": "API plant"})),
        ("POST", "/api/v1/sites/{code}/lines") => {
            Some(json!({"code": format!("AL{n}"), "name": "API line"}))
        }
        ("POST", "/api/v1/assessments") => {
            Some(json!({"site": site, "period": 2040 + n % 50, "assessor": "API"}))
        }
        ("PUT", "/api/v1/assessments/{id}/answers/{item}") => {
            Some(json!({"version": version, "answer": {"mark": "○"}}))
        }
        ("POST", "/api/v1/assessments/{id}/answers") => Some(
            json!({"answers": [{"item": item, "version": version, "answer": {"mark": "○", "note": "API"}}]}),
        ),
        ("PUT", "/api/v1/assessments/{id}/reviews/{item}") => {
            Some(json!({"valid": "yes", "progress": "Half done", "note": "API"}))
        }
        ("POST", "/api/v1/assessments/{id}/actions") => Some(
            json!({"item": RESIDUAL_ITEM, "title": format!("API action {n}"), "due": "2099-01-31"}),
        ),
        ("PATCH", "/api/v1/assessments/{id}/actions/{action}") => {
            Some(json!({"status": "in_progress", "note": "API"}))
        }
        ("POST", "/api/v1/assessments/{id}/signoffs") => {
            Some(json!({"decision": "return", "comment": "API"}))
        }
        _ => None,
    };
    (path, body)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_api_route_answers_every_token_as_the_matrix_says_and_as_documented() {
    let dir = tempfile::tempdir().unwrap();
    let w = world(dir.path()).await;
    let k = keys(&w).await;
    let spec = spec();
    let mut failures = Vec::new();
    let mut checked = 0;
    let mut covered = BTreeSet::new();
    for route in API_ROUTES {
        for who in EVERYONE {
            for plant in [Plant::Own, Plant::Foreign] {
                let want = expected(route, who, plant);
                let (path, body) = request(&w, route, plant).await;
                let token = k.tokens.get(&who).map(String::as_str);
                let cookie = k.cookie.clone();
                let extra: Vec<(&str, &str)> = match who {
                    Who::CookieOnly => vec![("cookie", cookie.as_str())],
                    _ => vec![],
                };
                let res = call(&w, route.method, &path, token, body, &extra).await;
                checked += 1;
                if res.status.as_u16() != want {
                    failures.push(format!(
                        "{} {path} as {who:?} ({plant:?}): got {}, want {want}: {}",
                        route.method,
                        res.status,
                        String::from_utf8_lossy(&res.body)
                            .chars()
                            .take(300)
                            .collect::<String>()
                    ));
                    continue;
                }
                if let Err(e) = conforms(&spec, route, &res)
                    && route.authed
                {
                    failures.push(format!("{} {path} as {who:?}: {e}", route.method));
                }
                if res.status.is_client_error() {
                    assert_eq!(res.content_type, "application/problem+json", "{path}");
                }
                if res.status.is_success() {
                    covered.insert((route.method, route.path));
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {checked} requests answered wrongly:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert_eq!(checked, API_ROUTES.len() * EVERYONE.len() * 2);
    let every: BTreeSet<_> = API_ROUTES
        .iter()
        .filter(|r| !r.path.ends_with("/signoffs") || r.method == "GET")
        .map(|r| (r.method, r.path))
        .collect();
    assert_eq!(
        covered.intersection(&every).count(),
        every.len(),
        "every route succeeded at least once: missing {:?}",
        every.difference(&covered).collect::<Vec<_>>()
    );
}

async fn admin_token(w: &World, scope: Scope) -> String {
    w.app
        .admin(&Actor::cli())
        .unwrap()
        .create_token_for("admin1", "test", scope, None)
        .await
        .unwrap()
        .token
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stale_version_is_409_with_the_current_answer_and_problems_speak_the_asked_language() {
    let dir = tempfile::tempdir().unwrap();
    let w = world(dir.path()).await;
    let t = admin_token(&w, Scope::Write).await;
    let path = format!("/api/v1/assessments/{}/answers/5", w.own_assessment);
    let first = call(
        &w,
        "PUT",
        &path,
        Some(&t),
        Some(json!({"version": 0, "answer": {"mark": "×"}})),
        &[],
    )
    .await;
    assert_eq!(
        first.status,
        StatusCode::OK,
        "{}",
        String::from_utf8_lossy(&first.body)
    );
    let v = first.json()["version"].as_i64().unwrap();
    assert!(v > 0);
    // Someone saved in between: the old version is refused, the current answer comes back.
    let stale = call(
        &w,
        "PUT",
        &path,
        Some(&t),
        Some(json!({"version": 0, "answer": {"mark": "○"}})),
        &[("accept-language", "en-US,en;q=0.9,ja;q=0.5")],
    )
    .await;
    assert_eq!(stale.status, StatusCode::CONFLICT);
    assert_eq!(stale.content_type, "application/problem+json");
    let p = stale.json();
    assert_eq!(p["status"], 409);
    assert_eq!(p["type"], "urn:kojo:problem:conflict");
    assert_eq!(p["title"], "Someone else changed it first");
    assert_eq!(p["current"]["version"], v);
    assert_eq!(p["current"]["answer"]["mark"], "×");
    // Japanese by default (the user's language).
    let ja = call(
        &w,
        "PUT",
        &path,
        Some(&t),
        Some(json!({"version": 0, "answer": {"mark": "○"}})),
        &[],
    )
    .await;
    assert_eq!(ja.json()["title"], "他の人が先に変更しました");
    // A □ without its reason: 422 naming the fields.
    let bad = call(
        &w,
        "PUT",
        &path,
        Some(&t),
        Some(json!({"version": v, "answer": {"mark": "□"}})),
        &[],
    )
    .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(!bad.json()["errors"].as_array().unwrap().is_empty());
    // Nothing changed.
    let now = call(
        &w,
        "GET",
        &format!("/api/v1/assessments/{}", w.own_assessment),
        Some(&t),
        None,
        &[],
    )
    .await;
    let a = now.json();
    assert_eq!(a["answers"][4]["answer"]["mark"], "×");
    assert_eq!(a["answers"][4]["version"], v);
    // A batch with one stale version changes nothing.
    let batch = call(
        &w,
        "POST",
        &format!("/api/v1/assessments/{}/answers", w.own_assessment),
        Some(&t),
        Some(json!({"answers": [
            {"item": 6, "version": 0, "answer": {"mark": "○"}},
            {"item": 5, "version": 0, "answer": {"mark": "○"}}
        ]})),
        &[],
    )
    .await;
    assert_eq!(batch.status, StatusCode::CONFLICT);
    let after = call(
        &w,
        "GET",
        &format!("/api/v1/assessments/{}", w.own_assessment),
        Some(&t),
        None,
        &[],
    )
    .await;
    assert_eq!(after.json()["answers"][5]["version"], 0, "all or nothing");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lists_page_with_a_cursor_and_refuse_a_limit_over_the_documented_one() {
    let dir = tempfile::tempdir().unwrap();
    let w = world(dir.path()).await;
    let cli = Actor::cli();
    let admin = w.app.admin(&cli).unwrap();
    for i in 0..5 {
        admin.add_site(&format!("P{i}"), "Plant").await.unwrap();
    }
    let t = admin_token(&w, Scope::Read).await;
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            Some(c) => format!("/api/v1/sites?limit=2&cursor={c}"),
            None => "/api/v1/sites?limit=2".to_string(),
        };
        let page = call(&w, "GET", &path, Some(&t), None, &[]).await;
        assert_eq!(page.status, StatusCode::OK);
        let v = page.json();
        let items = v["items"].as_array().unwrap();
        assert!(items.len() <= 2);
        seen.extend(
            items
                .iter()
                .map(|s| s["code"].as_str().unwrap().to_string()),
        );
        match v["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_string()),
            None => break,
        }
    }
    let mut sorted = seen.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(seen, sorted, "each plant once, in order");
    assert_eq!(seen.len(), 7);
    let over = call(&w, "GET", "/api/v1/sites?limit=201", Some(&t), None, &[]).await;
    assert_eq!(over.status, StatusCode::BAD_REQUEST);
    let bad = call(&w, "GET", "/api/v1/sites?cursor=zz", Some(&t), None, &[]).await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    let unknown = call(&w, "GET", "/api/v1/nothing", Some(&t), None, &[]).await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    assert_eq!(unknown.content_type, "application/problem+json");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_revoked_token_stops_at_once_and_use_is_recorded() {
    let dir = tempfile::tempdir().unwrap();
    let w = world(dir.path()).await;
    let cli = Actor::cli();
    let admin = w.app.admin(&cli).unwrap();
    let t = admin
        .create_token_for("viewer1", "script", Scope::Read, None)
        .await
        .unwrap();
    assert!(t.token.starts_with("kojo_"));
    assert!(t.info.last_used_at.is_none());
    let ok = call(&w, "GET", "/api/v1/sites", Some(&t.token), None, &[]).await;
    assert_eq!(ok.status, StatusCode::OK);
    // The viewer sees its one plant, not the other.
    let codes: Vec<Value> = ok.json()["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["code"].clone())
        .collect();
    assert_eq!(codes, [json!("OWN")]);
    let listed = admin.tokens(Some("viewer1")).await.unwrap();
    assert!(listed[0].last_used_at.is_some(), "last use recorded");
    // The secret is not stored: nothing listed contains it.
    assert!(!serde_json::to_string(&listed).unwrap().contains(&t.token));
    admin.revoke_token(&t.info.id).await.unwrap();
    let gone = call(&w, "GET", "/api/v1/sites", Some(&t.token), None, &[]).await;
    assert_eq!(gone.status, StatusCode::UNAUTHORIZED);
    // A disabled user's tokens stop too.
    let t2 = admin
        .create_token_for("assessor1", "script", Scope::Write, None)
        .await
        .unwrap();
    admin.set_disabled("assessor1", true).await.unwrap();
    let off = call(&w, "GET", "/api/v1/sites", Some(&t2.token), None, &[]).await;
    assert_eq!(off.status, StatusCode::UNAUTHORIZED);
    // A made-up token of the right shape, and garbage.
    for bad in [
        "kojo_0000000000000000000000000000000000000000000000000000000000000000",
        "x",
    ] {
        let r = call(&w, "GET", "/api/v1/sites", Some(bad), None, &[]).await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    }
    // A date in the past is refused.
    assert!(
        admin
            .create_token_for(
                "viewer1",
                "old",
                Scope::Read,
                chrono::NaiveDate::from_ymd_opt(2020, 1, 1)
            )
            .await
            .is_err()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_web_page_creates_shows_once_and_revokes_a_token() {
    let dir = tempfile::tempdir().unwrap();
    let w = world(dir.path()).await;
    let l = login(&w.app, "viewer1").await;
    let router = kojo_web::router(w.app.clone(), Config::default());
    let req = Request::post("/tokens")
        .header(header::COOKIE, &l.cookie)
        .header("x-csrf-token", &l.csrf)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from("name=nightly+export&scope=read&expires="))
        .unwrap();
    let res = router.clone().oneshot(req).await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let html = String::from_utf8(
        axum::body::to_bytes(res.into_body(), usize::MAX)
            .await
            .unwrap()
            .to_vec(),
    )
    .unwrap();
    let start = html.find("value=\"kojo_").expect("the token shown once") + 7;
    let token = &html[start..start + 5 + 64];
    let r = call(&w, "GET", "/api/v1/catalog", Some(token), None, &[]).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.json()["items"].as_array().unwrap().len(), 63);
    let mine = w
        .app
        .reader(&w.app.actor_for("viewer1").await.unwrap())
        .my_tokens()
        .await
        .unwrap();
    let req = Request::post(format!("/tokens/{}/revoke", mine[0].id))
        .header(header::COOKIE, &l.cookie)
        .header("x-csrf-token", &l.csrf)
        .body(Body::empty())
        .unwrap();
    let res = router.oneshot(req).await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let r = call(&w, "GET", "/api/v1/catalog", Some(token), None, &[]).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
}
