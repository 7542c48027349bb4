//! Direct access to the test database and files, for the cycle tests.

use crate::common::*;
use std::process::Command;

/// Runs SQL on the test database directly (the tampering a file or superuser could do).
pub(super) fn sql(db: &TestDb, statement: &str) {
    sql_count(db, statement, false);
}

/// `SELECT COUNT(*) …` on the test database.
pub(super) fn count(db: &TestDb, query: &str) -> i64 {
    sql_count(db, query, true)
}

pub(super) fn sql_count(db: &TestDb, statement: &str, fetch: bool) -> i64 {
    use sqlx::Connection;
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let statement = statement.to_string();
    let url = db.url.clone();
    rt.block_on(async move {
        if url.starts_with("sqlite:") {
            let mut c = sqlx::SqliteConnection::connect(&url).await.unwrap();
            if fetch {
                sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(statement))
                    .fetch_one(&mut c)
                    .await
                    .unwrap()
            } else {
                sqlx::raw_sql(sqlx::AssertSqlSafe(statement))
                    .execute(&mut c)
                    .await
                    .unwrap()
                    .rows_affected() as i64
            }
        } else {
            let mut c = sqlx::PgConnection::connect(&url).await.unwrap();
            if fetch {
                sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(statement))
                    .fetch_one(&mut c)
                    .await
                    .unwrap()
            } else {
                sqlx::raw_sql(sqlx::AssertSqlSafe(statement))
                    .execute(&mut c)
                    .await
                    .unwrap()
                    .rows_affected() as i64
            }
        }
    })
}

/// Every XML part of an xlsx file as one text (python3's zipfile; python3 is needed by
/// scripts/test anyway).
pub(super) fn xlsx_text(path: &std::path::Path) -> String {
    let out = Command::new("python3")
        .env("PYTHONIOENCODING", "utf-8")
        .args([
            "-c",
            "import sys, zipfile\n\
             z = zipfile.ZipFile(sys.argv[1])\n\
             sys.stdout.write(''.join(z.read(n).decode('utf-8') for n in z.namelist() if n.endswith('.xml')))",
        ])
        .arg(path)
        .output()
        .expect("python3");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

pub(super) fn sha256sum(path: &std::path::Path) -> String {
    let out = Command::new("sha256sum").arg(path).output().unwrap();
    assert!(out.status.success());
    String::from_utf8(out.stdout).unwrap()[..64].to_string()
}
