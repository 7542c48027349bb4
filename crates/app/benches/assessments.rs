//! Benchmarks (printed, never asserted): scoring 10,000 assessments; loading one assessment
//! with its 63 answers; writing 63 answers (one transaction each, durable commit). Each store
//! benchmark runs on SQLite and, when `KOJO_BENCH_POSTGRES_URL` is set (scripts/bench-store
//! sets it), on PostgreSQL.
//!
//! Run: `scripts/bench-store` (or `cargo bench -p kojo-app --bench assessments`).

use kojo_app::{Actor, App, Role};
use kojo_domain::{FiscalYear, ItemAnswer, ItemNo, Mark, RawAnswer, Scorer};
use std::time::{Duration, Instant};

fn answer(mark: Mark, i: u16) -> ItemAnswer {
    let mut r = RawAnswer {
        mark: Some(mark.symbol().into()),
        note: Some(format!("備考 {i}")),
        ..Default::default()
    };
    match mark {
        Mark::Deferred => {
            r.reason = Some("設備更新の予算待ち".into());
            r.review_by = Some("2027-03-31".into());
        }
        Mark::Considering => r.status = Some("検討中".into()),
        Mark::NotApplicable => r.na_reason = Some("対象設備なし".into()),
        _ => {}
    }
    r.parse().expect("valid answer")
}

fn report(name: &str, n: usize, total: Duration) {
    let per = total / n as u32;
    println!(
        "{name:<58} {n:>7} runs  {:>10.3} ms total  {:>10.1} µs/run  {:>10.0} /s",
        total.as_secs_f64() * 1e3,
        per.as_secs_f64() * 1e6,
        n as f64 / total.as_secs_f64()
    );
}

fn bench_scoring() {
    let catalog = kojo_catalog::builtin().expect("catalog");
    let scorer = Scorer::new(catalog);
    let assessments: Vec<Vec<(ItemNo, ItemAnswer)>> = (0..10_000u32)
        .map(|k| {
            (1..=63u16)
                .filter(|i| (u32::from(*i) + k) % 11 != 0)
                .map(|i| {
                    (
                        ItemNo::new(i, catalog).expect("item"),
                        answer(Mark::ALL[((u32::from(i) * 7 + k) % 5) as usize], i),
                    )
                })
                .collect()
        })
        .collect();
    let start = Instant::now();
    let mut acc = 0.0;
    for a in &assessments {
        let s = scorer.summarize(a.iter().map(|(i, x)| (*i, x)));
        acc += s.overall.achievement_rate.unwrap_or(0.0);
    }
    let total = start.elapsed();
    report(
        "scoring: summarize 10,000 assessments (63 items)",
        10_000,
        total,
    );
    println!(
        "  (checksum {acc:.3}; whole batch {:.1} ms)",
        total.as_secs_f64() * 1e3
    );
}

async fn bench_store(label: &str, url: &str) {
    let app = App::open(url).await.expect("open");
    let actor = Actor {
        name: "bench".into(),
        user_id: None,
        role: Role::Admin,
        client: None,
    };
    let admin = app.admin(&actor).expect("admin");
    let code = format!("B{}", std::process::id());
    admin.add_site(&code, "ベンチ工場").await.expect("site");
    let catalog = app.catalog;
    let all: Vec<(ItemNo, Option<ItemAnswer>)> = (1..=63u16)
        .map(|i| {
            (
                ItemNo::new(i, catalog).expect("item"),
                Some(answer(Mark::ALL[(i % 5) as usize], i)),
            )
        })
        .collect();
    // Write 63 answers, one durable transaction each (what the web page does per click).
    let runs = 5;
    let mut ids = Vec::new();
    let start = Instant::now();
    for _ in 0..runs {
        let a = admin
            .new_assessment(&code, None, FiscalYear::new(2026).expect("fy"), None)
            .await
            .expect("new");
        for (item, ans) in &all {
            admin
                .answer(
                    &a.id,
                    *item,
                    ans.as_ref().map(|x| x.to_raw()).as_ref(),
                    Some(0),
                )
                .await
                .expect("answer");
        }
        ids.push(a.id);
    }
    report(
        &format!("{label}: write 63 answers, one commit each"),
        runs * 63,
        start.elapsed(),
    );
    // Write 63 answers in one transaction (checksheet import, `kojo assessment apply`).
    let start = Instant::now();
    for id in &ids {
        admin.answer_many(id, all.clone()).await.expect("batch");
    }
    report(
        &format!("{label}: write 63 answers in one transaction"),
        runs,
        start.elapsed(),
    );
    // Load one assessment with its 63 answers and score it.
    let n = 500;
    let start = Instant::now();
    for k in 0..n {
        let v = admin.assessment(&ids[k % ids.len()]).await.expect("load");
        assert_eq!(v.answers.len(), 63);
    }
    report(
        &format!("{label}: load one assessment with 63 answers + score"),
        n,
        start.elapsed(),
    );
    app.close().await;
}

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return; // `cargo test --benches` probes the harness with --list
    }
    bench_scoring();
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let dir = tempfile::tempdir().expect("tempdir");
    let sqlite = format!("sqlite:{}", dir.path().join("bench.sqlite3").display());
    rt.block_on(bench_store("sqlite", &sqlite));
    match std::env::var("KOJO_BENCH_POSTGRES_URL") {
        Ok(url) => rt.block_on(bench_store("postgres", &url)),
        Err(_) => println!(
            "postgres: KOJO_BENCH_POSTGRES_URL not set (scripts/bench-store starts a server)"
        ),
    }
}
