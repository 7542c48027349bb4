//! The REST API through the real router on a real SQLite file, with real tokens: the route
//! table and the OpenAPI document list the same routes; optimistic versions (409 with the
//! current answer), problem language by Accept-Language, cursor pagination, revocation and last
//! use of tokens, the web's token page. The authorization matrix is `api_authz.rs`.

#[path = "common/api_client.rs"]
mod api_client;
mod common;

use api_client::{call, spec};
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use common::{World, login, world};
use kojo_app::{Actor, Scope};
use kojo_web::api::API_ROUTES;
use serde_json::{Value, json};
use std::collections::BTreeSet;
use tower::ServiceExt;

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
    let router = w.router.clone();
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
