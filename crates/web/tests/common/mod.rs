//! A small world for in-process router tests: a real SQLite file, two plants, one user per
//! role, an assessment per plant, real logins.
#![allow(dead_code)]

use kojo_app::{Actor, App, LoginOutcome, Role};

pub const PASSWORD: &str = "correct horse battery staple 42";

pub struct World {
    pub app: App,
    pub own_site: String,
    pub foreign_site: String,
    pub own_assessment: String,
    pub foreign_assessment: String,
    pub checksheet: Vec<u8>,
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
    ] {
        admin
            .add_user(name, role, PASSWORD, &["OWN".to_string()])
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
    World {
        checksheet: kojo_xlsx::blank(app.catalog, kojo_i18n::Lang::Ja).unwrap(),
        app,
        own_site: "OWN".into(),
        foreign_site: "FOREIGN".into(),
        own_assessment: own.id,
        foreign_assessment: foreign.id,
    }
}
