//! Benchmark of the portfolio (issue 10 §5; printed, never asserted): 2,000 plants × 5 fiscal
//! years = 10,000 assessments with 63 answers each (630,000 answers), of two companies; the
//! portfolio for one year (heatmap, trend over five years, weakest items, overdue work), for an
//! administrator, for a user granted one company (the visibility filter), and filtered to one
//! company. Also one answer save, to show saves keep their speed with the mark summaries.
//!
//! Runs on SQLite and, when `KOJO_BENCH_POSTGRES_URL` is set (scripts/bench-store sets it), on
//! PostgreSQL. Run: `scripts/bench-store` (or `cargo bench -p kojo-app --bench portfolio`).
//! `KOJO_BENCH_PLANTS` changes the number of plants (default 2000).

use kojo_app::{Actor, App, PortfolioQuery, Role};
use kojo_domain::{FiscalYear, Header, ItemNo, Mark, RawAnswer, Sheet};
use std::sync::Arc;
use std::time::{Duration, Instant};

fn raw(mark: Mark) -> RawAnswer {
    let mut r = RawAnswer {
        mark: Some(mark.symbol().into()),
        ..Default::default()
    };
    match mark {
        Mark::Deferred => {
            r.reason = Some("設備更新の予算待ち".into());
            r.review_by = Some("2026-09-30".into());
        }
        Mark::Considering => r.status = Some("検討中".into()),
        Mark::NotApplicable => r.na_reason = Some("対象設備なし".into()),
        _ => {}
    }
    r
}

fn mark_for(i: u16, k: usize) -> Mark {
    // Mostly ○, improving over the years.
    match (usize::from(i) * 7 + k * 3) % 10 {
        0..=5 => Mark::Implemented,
        6 => Mark::Deferred,
        7 => Mark::Considering,
        8 => Mark::NotConsidered,
        _ => Mark::NotApplicable,
    }
}

fn report(name: &str, n: usize, total: Duration) {
    let per = total / n as u32;
    println!(
        "{name:<72} {n:>4} runs  {:>10.3} ms total  {:>9.2} ms/run",
        total.as_secs_f64() * 1e3,
        per.as_secs_f64() * 1e3,
    );
}

async fn bench(label: &str, url: &str, plants: usize) {
    let app = Arc::new(App::open(url).await.expect("open"));
    let actor = Actor {
        name: "bench".into(),
        user_id: None,
        role: Role::Admin,
        client: None,
    };
    let tag = std::process::id();
    let company = format!("B{tag}");
    {
        let admin = app.admin(&actor).expect("admin");
        admin
            .add_company(&company, "ベンチ第二株式会社")
            .await
            .expect("company");
    }
    let setup = Instant::now();
    // Plants are created and answered by a few tasks at once (PostgreSQL takes them in
    // parallel; SQLite queues the writers).
    let years = [2022u16, 2023, 2024, 2025, 2026];
    let tasks = 4;
    let mut handles = Vec::new();
    for t in 0..tasks {
        let app = app.clone();
        let actor = actor.clone();
        let company = company.clone();
        handles.push(tokio::spawn(async move {
            let admin = app.admin(&actor).expect("admin");
            for p in (t..plants).step_by(tasks) {
                let code = format!("P{tag}-{p:05}");
                if p % 2 == 0 {
                    admin
                        .add_site(&code, &format!("工場 {p}"))
                        .await
                        .expect("site");
                } else {
                    admin
                        .add_company_site(&company, &code, &format!("工場 {p}"))
                        .await
                        .expect("site");
                }
                for (k, year) in years.into_iter().enumerate() {
                    let sheet = Sheet {
                        catalog_id: app.catalog.id.clone(),
                        header: Header::default(),
                        answers: (1..=63u16)
                            .map(|i| {
                                (
                                    ItemNo::new(i, app.catalog).expect("item"),
                                    raw(mark_for(i, p + k)).parse().expect("valid"),
                                )
                            })
                            .collect(),
                    };
                    admin
                        .import(&sheet, &code, None, FiscalYear::new(year).expect("fy"))
                        .await
                        .expect("import");
                }
            }
        }));
    }
    for h in handles {
        h.await.expect("seed task");
    }
    let n = plants * years.len();
    println!(
        "{label}: (set-up of {plants} plants × {} years = {n} assessments, {} answers: {:.1} s)",
        years.len(),
        n * 63,
        setup.elapsed().as_secs_f64()
    );
    let password = "bench-password-9-long";
    let admin = app.admin(&actor).expect("admin");
    admin
        .add_user(&format!("u{tag}"), Role::Viewer, password, &[])
        .await
        .expect("user");
    admin
        .grant_company(&format!("u{tag}"), &company)
        .await
        .expect("grant");
    let user = app.actor_for(&format!("u{tag}")).await.expect("actor");
    let today = chrono::NaiveDate::from_ymd_opt(2027, 1, 15).expect("date");
    let cases: [(&str, &Actor, PortfolioQuery); 3] = [
        (
            "administrator, every plant",
            &actor,
            PortfolioQuery::default(),
        ),
        (
            "user granted one company (half the plants)",
            &user,
            PortfolioQuery::default(),
        ),
        (
            "administrator, one company",
            &actor,
            PortfolioQuery {
                company: Some(company.clone()),
                ..Default::default()
            },
        ),
    ];
    for (who, act, q) in cases {
        let reader = app.reader(act);
        // One warm-up, then the measured runs.
        let p = reader.portfolio(&q, today).await.expect("portfolio");
        let runs = 10;
        let start = Instant::now();
        for _ in 0..runs {
            let p = reader.portfolio(&q, today).await.expect("portfolio");
            std::hint::black_box(p);
        }
        report(
            &format!(
                "{label}: portfolio, {who} ({} rows, {} years, {} weakest)",
                p.plants.len(),
                p.periods.len(),
                p.weakest.len()
            ),
            runs,
            start.elapsed(),
        );
    }
    // One answer saved on a plant among the 10,000 assessments (the summary is kept in the
    // same transaction).
    let list = admin
        .assessments(Some(
            &admin.site(&format!("P{tag}-00000")).await.expect("site"),
        ))
        .await
        .expect("list");
    let id = list[0].assessment.id.clone();
    let runs = 50;
    let start = Instant::now();
    for k in 0..runs {
        let m = if k % 2 == 0 {
            Mark::NotConsidered
        } else {
            Mark::Implemented
        };
        admin
            .answer(
                &id,
                ItemNo::new(1, app.catalog).expect("item"),
                Some(&raw(m)),
                None,
            )
            .await
            .expect("answer");
    }
    report(
        &format!("{label}: one answer saved (with its mark summary)"),
        runs,
        start.elapsed(),
    );
}

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return; // `cargo test --benches` probes the harness with --list
    }
    let plants: usize = std::env::var("KOJO_BENCH_PLANTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(2000);
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let dir = tempfile::tempdir().expect("tempdir");
    let path = std::env::var("KOJO_BENCH_SQLITE")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|_| dir.path().join("bench.sqlite3"));
    let sqlite = format!("sqlite:{}", path.display());
    rt.block_on(bench("sqlite", &sqlite, plants));
    match std::env::var("KOJO_BENCH_POSTGRES_URL") {
        Ok(url) => rt.block_on(bench("postgres", &url, plants)),
        Err(_) => println!(
            "postgres: KOJO_BENCH_POSTGRES_URL not set (scripts/bench-store starts a server)"
        ),
    }
}
