//! What every storage suite shares: a fresh SQLite file or a fresh database on the test
//! PostgreSQL server per test, the `suite!` macro that runs each test on both, and fixtures.
#![allow(dead_code)]

use kojo_domain::{FiscalYear, ItemAnswer, RawAnswer};
use kojo_store::*;

pub struct Db {
    pub store: Store,
    _dir: Option<tempfile::TempDir>,
}

pub async fn sqlite() -> Db {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite:{}", dir.path().join("kojo.sqlite3").display());
    Db {
        store: Store::open(&url).await.unwrap(),
        _dir: Some(dir),
    }
}

/// A fresh database on the test server.
pub async fn postgres() -> Db {
    Db {
        store: Store::open(&postgres_url().await).await.unwrap(),
        _dir: None,
    }
}

/// The URL of a new, empty database on the test server (nothing created in it).
pub async fn postgres_url() -> String {
    let base = std::env::var("KOJO_TEST_POSTGRES_URL").unwrap_or_else(|_| {
        panic!("KOJO_TEST_POSTGRES_URL is not set: run ./scripts/test, which starts a throwaway PostgreSQL server")
    });
    let name = format!("kojo_t_{}", uuid_simple());
    use sqlx::Connection;
    let mut c = sqlx::PgConnection::connect(&base)
        .await
        .expect("connect to the test PostgreSQL server");
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(&mut c)
        .await
        .unwrap();
    let (prefix, _) = base.rsplit_once('/').unwrap();
    format!("{prefix}/{name}")
}

/// The URL of a SQLite file that does not exist yet, in `dir`.
pub fn sqlite_url(dir: &tempfile::TempDir, name: &str) -> String {
    format!("sqlite:{}", dir.path().join(name).display())
}

pub fn uuid_simple() -> String {
    new_id().replace('-', "")
}

#[macro_export]
macro_rules! suite {
    ($($name:ident),* $(,)?) => {
        mod on_sqlite {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() { let db = $crate::common::sqlite().await; super::$name(&db.store).await; })*
        }
        mod on_postgres {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() { let db = $crate::common::postgres().await; super::$name(&db.store).await; })*
        }
    };
}

pub fn fy(y: u16) -> FiscalYear {
    FiscalYear::new(y).unwrap()
}

pub fn ans(mark: &str, f: impl FnOnce(&mut RawAnswer)) -> ItemAnswer {
    let mut r = RawAnswer {
        mark: Some(mark.into()),
        ..Default::default()
    };
    f(&mut r);
    r.parse().unwrap()
}

pub fn ok() -> ItemAnswer {
    ans("○", |_| {})
}

pub async fn setup(s: &Store) -> (Organisation, Site, Assessment) {
    let org = s.default_org("テスト株式会社").await.unwrap();
    let site = s.add_site(&org.id, "P1", "第一工場").await.unwrap();
    let a = s
        .create_assessment(
            &NewAssessment {
                site_id: site.id.clone(),
                line_id: None,
                period: fy(2026),
                catalog_id: "jama-japia-factory@0.9".into(),
                assessor: Some("山田".into()),
                based_on: None,
                inherits_from: None,
                created_by: "tester".into(),
            },
            &[],
        )
        .await
        .unwrap();
    (org, site, a)
}

/// Writes item 1 (○) of assessment `id`, which has no answer yet.
pub async fn answer_item_one(s: &Store, id: &str) {
    try_answer_item_one(s, id).await.unwrap();
}

/// Writes item 1 (○) of assessment `id` as if it had no answer yet: what the store says.
pub async fn try_answer_item_one(s: &Store, id: &str) -> Result<Vec<StoredAnswer>> {
    s.write_answers(
        id,
        &[AnswerWrite {
            item: 1,
            expected_version: Some(0),
            answer: Some(ok()),
        }],
        "x",
    )
    .await
}
