//! A small world for in-process router tests: a real SQLite file, two plants, one user per
//! role, an assessment per plant, real logins.
#![allow(dead_code)]

pub mod http;

use kojo_app::{Actor, App, LoginOutcome, Role};

pub const PASSWORD: &str = "correct horse battery staple 42";

pub struct World {
    pub app: App,
    pub own_site: String,
    pub foreign_site: String,
    pub own_assessment: String,
    pub foreign_assessment: String,
    pub checksheet: Vec<u8>,
    /// Last year's (2025) assessment of each plant, approved by three people.
    pub own_approved: String,
    pub foreign_approved: String,
    /// An action on item [`RESIDUAL_ITEM`] of each plant's 2026 assessment.
    pub own_action: i64,
    pub foreign_action: i64,
    /// An evidence file on item [`RESIDUAL_ITEM`] of each plant's 2026 assessment.
    pub own_evidence: i64,
    pub foreign_evidence: i64,
    /// More evidence files there, for requests that remove one each.
    pub own_evidence_pool: Vec<i64>,
    pub foreign_evidence_pool: Vec<i64>,
    /// A 2026 assessment of line L1 of each plant that inherits from the plant's, with items
    /// [`LINE_OWN_ITEMS`] overridden on the line.
    pub own_line: String,
    pub foreign_line: String,
    /// An API token of `target1` (no one else's to revoke).
    pub admin_token_id: String,
    /// A firewall rule (register entry) of each plant.
    pub own_entry: String,
    pub foreign_entry: String,
    /// A ledger file `admin1` uploaded to each plant's firewall register (import wizard).
    pub own_upload: String,
    pub foreign_upload: String,
    /// One router for all requests of a test, as a server has: its page cache lives across
    /// them, so every page read after a write shows whether the write reached it.
    pub router: axum::Router,
}

/// The register the requests on `{kind}` use.
pub const REGISTER: &str = "firewall-rules";

/// A firewall rule entry of `site`, and a ledger of two more rules uploaded by `admin1`.
async fn register_of(app: &App, site: &str) -> (String, String) {
    let cli = Actor::cli();
    let editor = app.editor(&cli).unwrap();
    let e = editor
        .add_entry(
            site,
            REGISTER,
            None,
            &[
                ("rule-id".to_string(), "FW-1".to_string()),
                ("expiry".to_string(), "2030-03-31".to_string()),
            ],
        )
        .await
        .unwrap();
    let admin1 = Actor {
        name: "admin1".to_string(),
        ..cli
    };
    let upload = app
        .editor(&admin1)
        .unwrap()
        .stage_register_upload(
            site,
            REGISTER,
            "fw.csv",
            "ルール番号,有効期限\r\nFW-2,2030/3/31\r\nFW-3,2030/3/31\r\n"
                .as_bytes()
                .to_vec(),
        )
        .await
        .unwrap();
    (e.id, upload)
}

/// The items each line assessment overrides, for requests that put one back on the plant.
pub const LINE_OWN_ITEMS: std::ops::RangeInclusive<u16> = 40..=49;

/// A line L1 of `site` and its 2026 assessment inheriting from the plant's, with
/// [`LINE_OWN_ITEMS`] overridden.
async fn inheriting_line(app: &App, site: &str) -> String {
    let cli = Actor::cli();
    let admin = app.admin(&cli).unwrap();
    admin.add_line(site, "L1", "Line 1").await.unwrap();
    let l = admin
        .new_inheriting_assessment(
            site,
            "L1",
            kojo_domain::FiscalYear::new(2026).unwrap(),
            None,
        )
        .await
        .unwrap();
    let items: Vec<kojo_domain::ItemNo> = LINE_OWN_ITEMS
        .map(|n| kojo_domain::ItemNo::new(n, app.catalog).unwrap())
        .collect();
    for i in &items {
        let raw = kojo_domain::RawAnswer {
            mark: Some("ok".into()),
            ..Default::default()
        };
        admin.answer(&l.id, *i, Some(&raw), None).await.unwrap();
    }
    l.id
}

/// The item answered □ in both 2026 assessments (reviews, actions and evidence go there).
pub const RESIDUAL_ITEM: u16 = 62;

/// How many evidence files each plant's pool holds.
pub const EVIDENCE_POOL: usize = 8;

/// Answers item [`RESIDUAL_ITEM`] □, adds an action and evidence files to it.
async fn residual_item(app: &App, id: &str) -> (i64, i64, Vec<i64>) {
    let cli = Actor::cli();
    let editor = app.editor(&cli).unwrap();
    let item = kojo_domain::ItemNo::new(RESIDUAL_ITEM, app.catalog).unwrap();
    let raw = kojo_domain::RawAnswer {
        mark: Some("deferred".into()),
        reason: Some("Budget next year".into()),
        review_by: Some("2099-03-31".into()),
        ..Default::default()
    };
    editor.answer(id, item, Some(&raw), None).await.unwrap();
    let action = editor
        .add_action(id, item, "Replace the old switch", None, None, None)
        .await
        .unwrap();
    let mut evidence = Vec::new();
    for i in 0..=EVIDENCE_POOL {
        let e = editor
            .add_evidence(
                id,
                item,
                &format!("ev{i}.txt"),
                format!("evidence {i}").as_bytes(),
                None,
            )
            .await
            .unwrap();
        evidence.push(e.id);
    }
    let first = evidence.remove(0);
    (action.id, first, evidence)
}

/// Last year's assessment of a plant, submitted, confirmed and approved by three people.
async fn approved(app: &App, site: &str) -> String {
    let cli = Actor::cli();
    let a = app
        .admin(&cli)
        .unwrap()
        .new_assessment(
            site,
            None,
            kojo_domain::FiscalYear::new(2025).unwrap(),
            None,
        )
        .await
        .unwrap();
    for (name, decision) in [
        ("author2", kojo_domain::Decision::Submit),
        ("checker2", kojo_domain::Decision::Confirm),
        ("approver2", kojo_domain::Decision::Approve),
    ] {
        let actor = app.actor_for(name).await.unwrap();
        app.signer(&actor)
            .unwrap()
            .decide(&a.id, decision, None)
            .await
            .unwrap();
    }
    a.id
}

pub struct Login {
    pub cookie: String,
    pub csrf: String,
}

pub async fn login(app: &App, name: &str) -> Login {
    match app.login(name, PASSWORD, "127.0.0.1").await.unwrap() {
        LoginOutcome::LoggedIn(new) => Login {
            cookie: format!("kojo_session={}", new.token),
            csrf: new.session.csrf.clone(),
        },
        other => panic!("login of {name}: {other:?}"),
    }
}

pub async fn world(dir: &std::path::Path) -> World {
    let url = format!("sqlite:{}", dir.join("kojo.sqlite3").display());
    let app = App::open(&url).await.unwrap();
    kojo_app::create_first_admin(&app, "admin1", PASSWORD, kojo_i18n::Lang::Ja, None)
        .await
        .unwrap()
        .unwrap();
    let cli = Actor::cli();
    let admin = app.admin(&cli).unwrap();
    admin.add_site("OWN", "Own plant").await.unwrap();
    admin.add_site("FOREIGN", "Foreign plant").await.unwrap();
    for (name, role) in [
        ("viewer1", Role::Viewer),
        ("reviewer1", Role::Reviewer),
        ("assessor1", Role::Assessor),
        ("approver1", Role::Approver),
    ] {
        admin
            .add_user(name, role, PASSWORD, &["OWN".to_string()])
            .await
            .unwrap();
    }
    // The people who signed last year's assessments of both plants.
    for (name, role) in [
        ("author2", Role::Assessor),
        ("checker2", Role::Reviewer),
        ("approver2", Role::Approver),
    ] {
        admin
            .add_user(
                name,
                role,
                PASSWORD,
                &["OWN".to_string(), "FOREIGN".to_string()],
            )
            .await
            .unwrap();
    }
    // The user that `/admin/users/{name}` changes (never one whose grants the matrix relies on).
    admin
        .add_user("target1", Role::Viewer, PASSWORD, &[])
        .await
        .unwrap();
    let period = kojo_domain::FiscalYear::new(2026).unwrap();
    let own = admin
        .new_assessment("OWN", None, period, None)
        .await
        .unwrap();
    let foreign = admin
        .new_assessment("FOREIGN", None, period, None)
        .await
        .unwrap();
    let own_approved = approved(&app, "OWN").await;
    let foreign_approved = approved(&app, "FOREIGN").await;
    let (own_action, own_evidence, own_evidence_pool) = residual_item(&app, &own.id).await;
    let (foreign_action, foreign_evidence, foreign_evidence_pool) =
        residual_item(&app, &foreign.id).await;
    let own_line = inheriting_line(&app, "OWN").await;
    let foreign_line = inheriting_line(&app, "FOREIGN").await;
    let admin_token_id = admin
        .create_token_for("target1", "someone else's", kojo_app::Scope::Read, None)
        .await
        .unwrap()
        .info
        .id;
    let (own_entry, own_upload) = register_of(&app, "OWN").await;
    let (foreign_entry, foreign_upload) = register_of(&app, "FOREIGN").await;
    World {
        own_entry,
        foreign_entry,
        own_upload,
        foreign_upload,
        admin_token_id,
        own_line,
        foreign_line,
        own_approved,
        foreign_approved,
        own_action,
        foreign_action,
        own_evidence,
        foreign_evidence,
        own_evidence_pool,
        foreign_evidence_pool,
        checksheet: kojo_xlsx::blank(app.catalog, kojo_i18n::Lang::Ja).unwrap(),
        router: kojo_web::router(app.clone(), kojo_web::Config::default()),
        app,
        own_site: "OWN".into(),
        foreign_site: "FOREIGN".into(),
        own_assessment: own.id,
        foreign_assessment: foreign.id,
    }
}

/// Sends `req` through `w`'s router: status, headers and the body as sent (still compressed if
/// the response is).
pub async fn send_raw(
    w: &World,
    req: axum::http::Request<axum::body::Body>,
) -> (axum::http::StatusCode, axum::http::HeaderMap, Vec<u8>) {
    use tower::ServiceExt;
    let res = w.router.clone().oneshot(req).await.unwrap();
    let (status, headers) = (res.status(), res.headers().clone());
    let body = axum::body::to_bytes(res.into_body(), usize::MAX)
        .await
        .unwrap();
    (status, headers, body.to_vec())
}
