//! The API's authorization matrix, generated from [`kojo_web::api::API_ROUTES`]: every route ×
//! {no token, a cookie session only, a read token, a write token of each role} × {own plant,
//! foreign plant}; a route this file does not classify fails the test. Every answer, success or
//! problem, is validated against the schema the OpenAPI document declares for that route and
//! status (an undocumented status fails too), so each route is also tested for its schema; and
//! every route must succeed at least once.

#[path = "common/api_client.rs"]
mod api_client;
mod common;

use api_client::{call, conforms, spec};
use common::{RESIDUAL_ITEM, World, login, world};
use kojo_app::{Actor, Scope};
use kojo_web::api::{API_ROUTES, ApiRoute};
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicU32, Ordering};

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
