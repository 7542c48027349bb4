//! Shared set-up of the cycle suites: a fresh SQLite file or a fresh database on the real
//! PostgreSQL test server (`KOJO_TEST_POSTGRES_URL`, started by `scripts/test`; without it the
//! PostgreSQL half fails, it never skips), users, last year's assessment, raw SQL for tampering.
#![allow(dead_code)] // each suite uses part of it

pub use kojo_app::{Actor, App, AppError, Role};
pub use kojo_domain::{FiscalYear, ItemNo, RawAnswer};

pub struct Db {
    pub app: App,
    pub url: String,
    _dir: Option<tempfile::TempDir>,
}

pub async fn sqlite() -> Db {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite:{}", dir.path().join("kojo.sqlite3").display());
    Db {
        app: App::open(&url).await.unwrap(),
        url,
        _dir: Some(dir),
    }
}

pub async fn postgres() -> Db {
    let base = std::env::var("KOJO_TEST_POSTGRES_URL").unwrap_or_else(|_| {
        panic!("KOJO_TEST_POSTGRES_URL is not set: run ./scripts/test, which starts a throwaway PostgreSQL server")
    });
    let name = format!("kojo_c_{}", uuid::Uuid::new_v4().simple());
    {
        use sqlx::Connection;
        let mut c = sqlx::PgConnection::connect(&base)
            .await
            .expect("connect to the test PostgreSQL server");
        sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .execute(&mut c)
            .await
            .unwrap();
    }
    let (prefix, _) = base.rsplit_once('/').unwrap();
    let url = format!("{prefix}/{name}");
    Db {
        app: App::open(&url).await.unwrap(),
        url,
        _dir: None,
    }
}

/// Runs one raw statement on the database behind the app (the tamper test's "someone with
/// database access").
pub async fn raw_sql(url: &str, sql: &str) {
    use sqlx::Connection;
    if url.starts_with("sqlite:") {
        let mut c = sqlx::SqliteConnection::connect(url).await.unwrap();
        sqlx::query(sqlx::AssertSqlSafe(sql.to_string()))
            .execute(&mut c)
            .await
            .unwrap();
    } else {
        let mut c = sqlx::PgConnection::connect(url).await.unwrap();
        sqlx::query(sqlx::AssertSqlSafe(sql.to_string()))
            .execute(&mut c)
            .await
            .unwrap();
    }
}

macro_rules! suite {
    ($($name:ident),* $(,)?) => {
        mod on_sqlite {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() { let db = super::sqlite().await; super::$name(&db).await; })*
        }
        mod on_postgres {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() { let db = super::postgres().await; super::$name(&db).await; })*
        }
    };
}

pub const PASSWORD: &str = "correct-horse-battery-9";

pub fn admin() -> Actor {
    Actor {
        name: "admin-cli".into(),
        user_id: None,
        role: Role::Admin,
        client: None,
    }
}

pub fn fy(y: u16) -> FiscalYear {
    FiscalYear::new(y).unwrap()
}

pub fn item(app: &App, n: u16) -> ItemNo {
    ItemNo::new(n, app.catalog).unwrap()
}

pub fn raw(mark: &str, f: impl FnOnce(&mut RawAnswer)) -> RawAnswer {
    let mut r = RawAnswer {
        mark: Some(mark.into()),
        ..Default::default()
    };
    f(&mut r);
    r
}

pub fn deferred() -> RawAnswer {
    raw("□", |r| {
        r.reason = Some("更新計画中".into());
        r.review_by = Some("2000-03-31".into());
    })
}

pub fn considering() -> RawAnswer {
    raw("△", |r| r.status = Some("検討中".into()))
}

/// Plant P1 with last year's (2026) assessment: 1 ○, 2 □ (review date long past), 3 △, 4 ×,
/// 5 －. Returns its id.
pub async fn last_year(app: &App) -> String {
    let a = admin();
    let adm = app.admin(&a).unwrap();
    adm.add_site("P1", "第一工場").await.unwrap();
    let ed = app.editor(&a).unwrap();
    let old = ed
        .new_assessment("P1", None, fy(2026), Some("山田"))
        .await
        .unwrap();
    for (n, r) in [
        (1, raw("○", |_| {})),
        (2, deferred()),
        (3, considering()),
        (4, raw("×", |_| {})),
        (5, raw("－", |r| r.na_reason = Some("無線機器なし".into()))),
    ] {
        ed.answer(&old.id, item(app, n), Some(&r), None)
            .await
            .unwrap();
    }
    old.id
}

/// Adds plant `code` as the admin.
pub async fn site(app: &App, code: &str, name: &str) {
    app.admin(&admin())
        .unwrap()
        .add_site(code, name)
        .await
        .unwrap();
}

pub async fn user(app: &App, name: &str, role: Role) -> Actor {
    let a = admin();
    app.admin(&a)
        .unwrap()
        .add_user(name, role, PASSWORD, &["P1".to_string()])
        .await
        .unwrap();
    app.actor_for(name).await.unwrap()
}

pub fn message(e: &AppError) -> String {
    e.message(kojo_domain::Lang::En)
}
