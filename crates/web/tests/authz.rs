//! The authorization matrix, generated from the router's own route table ([`kojo_web::ROUTES`]):
//! every route × {anonymous, viewer, reviewer, approver, assessor, admin} × {own plant, foreign
//! plant},
//! each with the status it must answer. A route that this file does not classify fails the
//! test, so a new route cannot be added without deciding who may use it.
//!
//! Runs the real router in process on a real SQLite file (no mocks): sessions come from real
//! logins, forms carry real CSRF tokens.

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
mod common;

#[allow(unused_imports)]
use common::PASSWORD;
use common::{Login, RESIDUAL_ITEM, World, login, world};
use kojo_web::{Access, ROUTES, Route};
use std::collections::BTreeSet;
use std::sync::atomic::{AtomicU32, AtomicUsize, Ordering};
use tower::ServiceExt;

/// A supplier registered in the world, with this public key (made by `minisign -G`), so the
/// route of a public key file has one to serve.
const SUPPLIER_PUB: &str = "untrusted comment: minisign public key 9DB89F45D3E1779\n\
                            RWR5Fz5d9InbCQoe5K2vCXcIjd0oKCNT/Dney2q6ydsD7r74A6lEcLzP\n";
const SUPPLIER_KEY_ID: &str = "09DB89F45D3E1779";

const PRE_CSRF: &str = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
enum Who {
    Anonymous,
    Viewer,
    Reviewer,
    Approver,
    Assessor,
    Admin,
}

const EVERYONE: [Who; 6] = [
    Who::Anonymous,
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

/// What a request must answer. `Login` is the redirect of an anonymous user to `/login`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Expect {
    Status(u16),
    Login,
}
use Expect::*;

const OK: Expect = Status(200);
const SEE_OTHER: Expect = Status(303);
const FORBIDDEN: Expect = Status(403);
const NOT_FOUND: Expect = Status(404);

/// The matrix. Anonymous users reach only public routes; an invisible plant is 404 whatever the
/// role (indistinguishable from absent); a visible plant whose action the role may not take is
/// 403; administration pages do not exist (404) for non-administrators.
fn expected(route: &Route, who: Who, plant: Plant) -> Expect {
    use Who::*;
    let admin_only_page = |who| match who {
        Anonymous => Login,
        Admin => OK,
        _ => NOT_FOUND,
    };
    // Reading something of a plant: everyone signed in on their own plant, admins everywhere.
    let read = |who, plant| match (who, plant) {
        (Anonymous, _) => Login,
        (Admin, _) | (_, Plant::Own) => OK,
        (_, Plant::Foreign) => NOT_FOUND,
    };
    // Changing something of a plant: invisible first (404), then the role (403).
    let change = |who, plant, allowed: &[Who], ok: Expect| match (who, plant) {
        (Anonymous, _) => Login,
        (Admin, _) => ok,
        (_, Plant::Foreign) => NOT_FOUND,
        (w, Plant::Own) if allowed.contains(&w) => ok,
        _ => FORBIDDEN,
    };
    match (route.method, route.path) {
        ("GET", "/") => match who {
            Anonymous => Login,
            _ => SEE_OTHER, // to /sites
        },
        ("GET", "/setup") | ("POST", "/setup") => SEE_OTHER, // set up already: to /login
        ("GET", "/login") => match who {
            Anonymous => OK,
            _ => SEE_OTHER,
        },
        ("POST", "/login") => Status(401), // a wrong password, whoever asks
        ("POST", "/logout") | ("POST", "/lang") => SEE_OTHER,
        ("GET", "/static/{*file}") => OK,
        // The guideline's criteria of one item: the same public text for everyone.
        ("GET", "/catalog/{catalog}/{lang}/items/{item}/criteria") => OK,
        // Health checks answer everyone, signed in or not.
        ("GET", "/healthz") | ("GET", "/readyz") => OK,
        // The portfolio shows whatever the user may see (nothing of a foreign plant: see
        // `portfolio_shows_nothing_of_another_company`).
        ("GET", "/sites")
        | ("GET", "/checksheet/blank.xlsx")
        | ("GET", "/review")
        | ("GET", "/portfolio")
        | ("GET", "/portfolio.xlsx")
        | ("GET", "/portfolio.pdf")
        // What changed between catalog versions: the guideline's text, for everyone signed in.
        | ("GET", "/catalog/diff") => match who {
            Anonymous => Login,
            _ => OK,
        },
        ("POST", "/sites") => match who {
            Anonymous => Login,
            Admin => SEE_OTHER,
            _ => FORBIDDEN,
        },
        ("GET", "/sites/{code}") => read(who, plant),
        ("POST", "/sites/{code}/lines") => change(who, plant, &[], SEE_OTHER),
        ("POST", "/sites/{code}/assessments") => change(who, plant, &[Assessor], SEE_OTHER),
        // 前年度から作成, from the plant's approved 2025 assessment.
        ("POST", "/sites/{code}/carry") => change(who, plant, &[Assessor], SEE_OTHER),
        ("GET", "/import") => match who {
            Anonymous => Login,
            Viewer | Reviewer | Approver => FORBIDDEN,
            _ => OK,
        },
        // The upload names the plant in the form: a foreign plant is refused with the form
        // shown again (422), the own plant becomes a new assessment (303).
        ("POST", "/import") => match (who, plant) {
            (Anonymous, _) => Login,
            (Viewer | Reviewer | Approver, _) => FORBIDDEN,
            (Admin, _) | (Assessor, Plant::Own) => SEE_OTHER,
            (Assessor, Plant::Foreign) => Status(422),
        },
        ("GET", "/a/{id}")
        | ("GET", "/a/{id}/items/{item}")
        | ("GET", "/a/{id}/dashboard")
        | ("GET", "/a/{id}/history")
        | ("GET", "/a/{id}/checksheet.xlsx")
        | ("GET", "/a/{id}/actions.csv")
        | ("GET", "/a/{id}/actions.xlsx")
        | ("GET", "/a/{id}/report.html")
        | ("GET", "/a/{id}/report.pdf")
        | ("GET", "/a/{id}/diff")
        | ("GET", "/a/{id}/items/{item}/review")
        | ("GET", "/evidence/{eid}") => read(who, plant),
        ("POST", "/a/{id}/items/{item}") => change(who, plant, &[Assessor], SEE_OTHER),
        ("POST", "/a/{id}/comments") => {
            change(who, plant, &[Reviewer, Approver, Assessor], SEE_OTHER)
        }
        // 差戻し of a draft: the roles that may return get past authorization to the state
        // check, which refuses it (the page again with the reason, 422); the others are 403.
        ("POST", "/a/{id}/signoff") => change(who, plant, &[Reviewer, Approver], Status(422)),
        // 新版で作成 onto the version it already has: past authorization to the app's check,
        // which refuses it (the page again with the reason, 422).
        ("POST", "/a/{id}/migrate") => change(who, plant, &[Assessor], Status(422)),
        // 改訂 of the plant's approved assessment: a new revision each time.
        ("POST", "/a/{id}/revise")
        | ("POST", "/a/{id}/reconfirm")
        // On the plant's inheriting line: override an item, put an overridden one back.
        | ("POST", "/a/{id}/override")
        | ("POST", "/a/{id}/inherit")
        | ("POST", "/a/{id}/items/{item}/review")
        | ("POST", "/a/{id}/items/{item}/actions")
        | ("POST", "/a/{id}/actions/{action}")
        | ("POST", "/a/{id}/items/{item}/evidence")
        | ("POST", "/evidence/{eid}/remove") => change(who, plant, &[Assessor], SEE_OTHER),
        // Exchange. Public keys and receipt tracking are for everyone signed in (each sees the
        // companies it may see); keys, suppliers and receiving are administration. The admin's
        // requests carry what the authorization lets through to the app's own checks: a key
        // that does not parse, a package that is not one (422, the page with the reason).
        ("GET", "/keys") | ("GET", "/suppliers") => match who {
            Anonymous => Login,
            _ => OK,
        },
        ("POST", "/keys")
        | ("POST", "/keys/generate")
        | ("POST", "/suppliers")
        | ("POST", "/suppliers/{code}/keys")
        | ("POST", "/receive") => match who {
            Anonymous => Login,
            Admin => Status(422),
            _ => FORBIDDEN,
        },
        ("GET", "/receive") => match who {
            Anonymous => Login,
            Admin => OK,
            _ => FORBIDDEN,
        },
        // The supplier's key: only those who see the supplier company (administrators here).
        ("GET", "/keys/{key_id}/public") => admin_only_page(who),
        // 提出パッケージ作成 of the plant's approved assessment: the page for administrators;
        // the package needs the company's secret key, which the request does not carry.
        ("GET", "/a/{id}/submit") => change(who, plant, &[], OK),
        ("POST", "/a/{id}/submit") => change(who, plant, &[], Status(422)),
        // API tokens: everyone signed in manages their own; another's token is absent (404).
        ("GET", "/tokens") | ("POST", "/tokens") => match who {
            Anonymous => Login,
            _ => OK,
        },
        ("POST", "/tokens/{token}/revoke") => match who {
            Anonymous => Login,
            _ => NOT_FOUND,
        },
        // Registers follow plant grants like answers: reading for everyone on their plant,
        // changing for assessors. An edit or retirement names version 0, which is never
        // current: past authorization, the app refuses it with the page and the reason (422).
        ("GET", "/sites/{code}/registers")
        | ("GET", "/sites/{code}/registers/{kind}")
        | ("GET", "/sites/{code}/registers/{kind}/export")
        | ("GET", "/sites/{code}/registers/{kind}/entries/{entry}")
        | ("GET", "/sites/{code}/activities") => read(who, plant),
        ("POST", "/sites/{code}/registers/{kind}")
        | ("POST", "/sites/{code}/registers/{kind}/review")
        | ("POST", "/sites/{code}/registers/{kind}/import")
        | ("POST", "/sites/{code}/activities") => change(who, plant, &[Assessor], SEE_OTHER),
        ("GET", "/sites/{code}/registers/{kind}/import") => change(who, plant, &[Assessor], OK),
        ("POST", "/sites/{code}/registers/{kind}/entries/{entry}")
        | ("POST", "/sites/{code}/registers/{kind}/entries/{entry}/retire") => {
            change(who, plant, &[Assessor], Status(422))
        }
        // The wizard's upload is admin1's: another editor finds no such upload (404).
        ("GET", "/sites/{code}/registers/{kind}/import/{upload}") => match (who, plant) {
            (Assessor, Plant::Own) => NOT_FOUND,
            _ => change(who, plant, &[], OK),
        },
        ("POST", "/sites/{code}/registers/{kind}/import/{upload}") => match (who, plant) {
            (Assessor, Plant::Own) => NOT_FOUND,
            _ => change(who, plant, &[], SEE_OTHER),
        },
        ("GET", "/admin/users") | ("GET", "/admin/log") => admin_only_page(who),
        ("POST", "/admin/users") | ("POST", "/admin/users/{name}") => admin_only_page(who),
        (method, path) => panic!(
            "route {method} {path} is not classified in the authorization matrix \
             (crates/web/tests/authz.rs): decide who may use it"
        ),
    }
}

fn user_of(who: Who) -> Option<&'static str> {
    match who {
        Who::Anonymous => None,
        Who::Viewer => Some("viewer1"),
        Who::Reviewer => Some("reviewer1"),
        Who::Approver => Some("approver1"),
        Who::Assessor => Some("assessor1"),
        Who::Admin => Some("admin1"),
    }
}

static UNIQUE: AtomicU32 = AtomicU32::new(1);

fn unique() -> u32 {
    UNIQUE.fetch_add(1, Ordering::Relaxed)
}

/// Each 前年度から作成 that succeeds takes a fiscal year of its own.
static NEXT_PERIOD: AtomicU32 = AtomicU32::new(2030);
/// Each removal takes the next evidence file of the plant's pool.
static OWN_POOL: AtomicUsize = AtomicUsize::new(0);
static FOREIGN_POOL: AtomicUsize = AtomicUsize::new(0);
/// Each put-back takes the next overridden item of the plant's line.
static OWN_LINE_ITEM: AtomicUsize = AtomicUsize::new(0);
static FOREIGN_LINE_ITEM: AtomicUsize = AtomicUsize::new(0);

/// The concrete request for a route: parameters filled in for the plant, a valid body.
fn request(w: &World, route: &Route, plant: Plant, login: Option<&Login>) -> Request<Body> {
    let (site, id, approved, action, evidence) = match plant {
        Plant::Own => (
            &w.own_site,
            &w.own_assessment,
            &w.own_approved,
            w.own_action,
            w.own_evidence,
        ),
        Plant::Foreign => (
            &w.foreign_site,
            &w.foreign_assessment,
            &w.foreign_approved,
            w.foreign_action,
            w.foreign_evidence,
        ),
    };
    let n = unique();
    // Only an approved assessment can be revised; overriding and putting back work on a line
    // that inherits.
    let id = match route.path {
        "/a/{id}/revise" | "/a/{id}/submit" => approved,
        "/a/{id}/override" | "/a/{id}/inherit" => match plant {
            Plant::Own => &w.own_line,
            Plant::Foreign => &w.foreign_line,
        },
        _ => id,
    };
    let line_item = if route.path == "/a/{id}/inherit" {
        let next = match plant {
            Plant::Own => &OWN_LINE_ITEM,
            Plant::Foreign => &FOREIGN_LINE_ITEM,
        };
        let k = next.fetch_add(1, Ordering::Relaxed) as u16;
        assert!(
            k < common::LINE_OWN_ITEMS.end() - common::LINE_OWN_ITEMS.start() + 1,
            "line item pool"
        );
        common::LINE_OWN_ITEMS.start() + k
    } else {
        1 + (n % 30) as u16
    };
    // The cycle's item routes work on the □ item; answers are saved to the others (never to
    // the last three), so it stays □.
    let item = if route.path.contains("/items/{item}/") {
        RESIDUAL_ITEM
    } else {
        1 + (n % 60) as u16
    };
    // A removal removes: each takes a file of its own.
    let evidence = if route.path == "/evidence/{eid}/remove" {
        let (pool, next) = match plant {
            Plant::Own => (&w.own_evidence_pool, &OWN_POOL),
            Plant::Foreign => (&w.foreign_evidence_pool, &FOREIGN_POOL),
        };
        pool[next.fetch_add(1, Ordering::Relaxed)]
    } else {
        evidence
    };
    // `{code}` is a plant, except on a supplier's route.
    let code = if route.path.starts_with("/suppliers/") {
        "SUPA"
    } else {
        site.as_str()
    };
    let path = route
        .path
        .replace("{code}", code)
        .replace("{id}", id)
        .replace("{item}", &item.to_string())
        .replace("{action}", &action.to_string())
        .replace("{eid}", &evidence.to_string())
        .replace("{name}", "target1")
        .replace("{key_id}", SUPPLIER_KEY_ID)
        .replace("{token}", &w.admin_token_id)
        .replace("{*file}", "kojo.css")
        .replace("{catalog}", &w.app.catalog.id)
        .replace("{lang}", "ja")
        .replace("{kind}", common::REGISTER)
        .replace(
            "{entry}",
            match plant {
                Plant::Own => &w.own_entry,
                Plant::Foreign => &w.foreign_entry,
            },
        )
        .replace(
            "{upload}",
            match plant {
                Plant::Own => &w.own_upload,
                Plant::Foreign => &w.foreign_upload,
            },
        );
    let path = match route.path {
        "/sites/{code}/registers/{kind}/export" => format!("{path}?format=csv"),
        _ => path,
    };
    let csrf = login.map(|l| l.csrf.as_str()).unwrap_or(PRE_CSRF);
    let mut cookie = format!("kojo_csrf={PRE_CSRF}");
    if let Some(l) = login {
        cookie = format!("{cookie}; {}", l.cookie);
    }
    let builder = Request::builder()
        .method(route.method)
        .uri(&path)
        .header(header::COOKIE, cookie)
        .header("x-csrf-token", csrf);
    if route.method == "GET" {
        return builder.body(Body::empty()).unwrap();
    }
    if route.access == Access::Evidence {
        let boundary = "kojo-authz-evidence";
        let body = format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"valid_until\"\r\n\r\n2099-12-31\r\n\
             --{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"点検記録 {n}.txt\"\r\n\
             Content-Type: text/plain\r\n\r\ninspection record {n}\r\n--{boundary}--\r\n"
        );
        return builder
            .header(
                header::CONTENT_TYPE,
                format!("multipart/form-data; boundary={boundary}"),
            )
            .body(Body::from(body))
            .unwrap();
    }
    if route.access == Access::Ledger {
        let boundary = "kojo-authz-ledger";
        let body = format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"fw {n}.csv\"\r\n\
             Content-Type: text/csv\r\n\r\nルール番号,有効期限\r\nU{n},2030/3/31\r\n--{boundary}--\r\n"
        );
        return builder
            .header(
                header::CONTENT_TYPE,
                format!("multipart/form-data; boundary={boundary}"),
            )
            .body(Body::from(body))
            .unwrap();
    }
    if route.access == Access::Package || route.path == "/a/{id}/submit" {
        let boundary = "kojo-authz-package";
        let body = format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"passphrase\"\r\n\r\nnot the passphrase\r\n\
             --{boundary}\r\nContent-Disposition: form-data; name=\"{field}\"; filename=\"x.kojo\"\r\n\
             Content-Type: application/octet-stream\r\n\r\nnot a package {n}\r\n--{boundary}--\r\n",
            field = if route.access == Access::Package {
                "package"
            } else {
                "key"
            },
        );
        return builder
            .header(
                header::CONTENT_TYPE,
                format!("multipart/form-data; boundary={boundary}"),
            )
            .body(Body::from(body))
            .unwrap();
    }
    if route.access == Access::Upload {
        let boundary = "kojo-authz-boundary";
        let mut body = Vec::new();
        for (name, value) in [("site", site.as_str()), ("period", "2026")] {
            body.extend_from_slice(
                format!(
                    "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
                )
                .as_bytes(),
            );
        }
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"c.xlsx\"\r\n\
                 Content-Type: application/octet-stream\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(&w.checksheet);
        body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
        return builder
            .header(
                header::CONTENT_TYPE,
                format!("multipart/form-data; boundary={boundary}"),
            )
            .body(Body::from(body))
            .unwrap();
    }
    let form = match route.path {
        // A name of its own each time, so the throttle never steps in.
        "/login" => format!("username=nobody{n}&password=wrong-password-here"),
        "/setup" => format!("username=x{n}&password={PASSWORD}&password_confirm={PASSWORD}"),
        "/lang" => "lang=en&next=/sites".to_string(),
        "/sites" => format!("code=NEW{n}&name=New+plant+{n}"),
        "/sites/{code}/lines" => format!("code=L{n}&name=Line+{n}"),
        "/sites/{code}/assessments" => "period=2027".to_string(),
        "/sites/{code}/carry" => format!(
            "from={approved}&period={}",
            NEXT_PERIOD.fetch_add(1, Ordering::Relaxed)
        ),
        "/a/{id}/signoff" => "decision=return&comment=Please+check+again".to_string(),
        "/a/{id}/reconfirm" => "items=1".to_string(),
        "/a/{id}/migrate" => "catalog=0.9".to_string(),
        "/a/{id}/override" | "/a/{id}/inherit" => format!("items={line_item}"),
        "/a/{id}/items/{item}/review" => "valid=yes&progress=Half+done".to_string(),
        "/a/{id}/items/{item}/actions" => format!("title=Action+{n}&due=2099-01-31"),
        "/a/{id}/actions/{action}" => "status=in_progress&note=Started".to_string(),
        "/a/{id}/items/{item}" => "mark=ok&version=0".to_string(),
        "/a/{id}/comments" => "item=1&body=Looks+fine".to_string(),
        "/admin/users" => {
            format!("username=user{n}&role=viewer&password=Another+long+pass+{n}+xyz")
        }
        "/admin/users/{name}" => format!("action=grant&site={site}"),
        "/keys" => "company=default&public_key=not+a+key".to_string(),
        "/keys/generate" => {
            "company=default&passphrase=a+long+passphrase&passphrase2=a+long+passphrase".to_string()
        }
        "/suppliers" => format!("code=SUP{n}&name=Supplier+{n}&public_key=not+a+key"),
        "/suppliers/{code}/keys" => "public_key=not+a+key".to_string(),
        "/tokens" => format!("name=token+{n}&scope=read"),
        "/sites/{code}/registers/{kind}" => format!("rule-id=R{n}&expiry=2030-03-31"),
        "/sites/{code}/registers/{kind}/review" => "reviewer=Someone&note=ok".to_string(),
        "/sites/{code}/registers/{kind}/entries/{entry}" => "version=0&purpose=x".to_string(),
        "/sites/{code}/registers/{kind}/entries/{entry}/retire" => "version=0".to_string(),
        "/sites/{code}/activities" => {
            "activity=security-manager-training&date=2026-05-01".to_string()
        }
        _ => String::new(),
    };
    builder
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(form))
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_route_answers_every_role_on_both_plants_as_the_matrix_says() {
    let dir = tempfile::tempdir().unwrap();
    let w = world(dir.path()).await;
    let (_, key) = w
        .app
        .admin(&kojo_app::Actor::cli())
        .unwrap()
        .add_supplier("SUPA", "Supplier A", SUPPLIER_PUB)
        .await
        .unwrap();
    assert_eq!(key.key.key_id, SUPPLIER_KEY_ID);
    let router = w.router.clone();
    let mut failures = Vec::new();
    let mut checked = 0;
    let mut seen = BTreeSet::new();
    let mut sessions = std::collections::HashMap::new();
    for who in EVERYONE {
        if let Some(name) = user_of(who) {
            sessions.insert(who, login(&w.app, name).await);
        }
    }
    for route in ROUTES {
        assert!(
            seen.insert((route.method, route.path)),
            "route {} {} declared twice",
            route.method,
            route.path
        );
        for who in EVERYONE {
            for plant in [Plant::Own, Plant::Foreign] {
                let want = expected(route, who, plant);
                // Logging out ends the session it is sent with: give it a session of its own.
                let fresh = match (route.path, user_of(who)) {
                    ("/logout", Some(name)) => Some(login(&w.app, name).await),
                    _ => None,
                };
                let session = fresh.as_ref().or(sessions.get(&who));
                let req = request(&w, route, plant, session);
                let method: Method = req.method().clone();
                let uri = req.uri().to_string();
                let res = router.clone().oneshot(req).await.unwrap();
                let status = res.status();
                let location = res
                    .headers()
                    .get(header::LOCATION)
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("")
                    .to_string();
                let ok = match want {
                    Login => status == StatusCode::SEE_OTHER && location.starts_with("/login"),
                    Status(s) => status.as_u16() == s,
                };
                checked += 1;
                if !ok {
                    failures.push(format!(
                        "{method} {uri} as {who:?} ({plant:?}): got {status} {location}, want {want:?}"
                    ));
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
    assert_eq!(checked, ROUTES.len() * 12);
}

#[test]
fn an_unclassified_route_fails_the_matrix() {
    let route = Route {
        access: Access::Authed,
        method: "GET",
        path: "/a/{id}/new-thing",
    };
    let r = std::panic::catch_unwind(|| expected(&route, Who::Admin, Plant::Own));
    assert!(
        r.is_err(),
        "an unknown route must not get a default verdict"
    );
}
