//! Benchmarks of the yearly cycle (printed, never asserted):
//! - next year from an assessment with 63 answers, 100 evidence files and 40 actions;
//! - the review queue over 300 plants × 3 fiscal years (900 assessments), for an administrator
//!   and for a user granted every plant (the visibility filter).
//!
//! Runs on SQLite and, when `KOJO_BENCH_POSTGRES_URL` is set (scripts/bench-store sets it), on
//! PostgreSQL. Run: `scripts/bench-store` (or `cargo bench -p kojo-app --bench cycle`).

use kojo_app::{Actor, App, QueueQuery, Role};
use kojo_domain::{FiscalYear, ItemNo, Mark, RawAnswer};
use std::time::{Duration, Instant};

fn raw(mark: Mark, i: u16) -> RawAnswer {
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
    r
}

fn mark_for(i: u16, k: usize) -> Mark {
    Mark::ALL[(usize::from(i) * 7 + k) % 5]
}

fn report(name: &str, n: usize, total: Duration) {
    let per = total / n as u32;
    println!(
        "{name:<66} {n:>5} runs  {:>10.3} ms total  {:>9.2} ms/run",
        total.as_secs_f64() * 1e3,
        per.as_secs_f64() * 1e3,
    );
}

async fn bench(label: &str, url: &str) {
    let app = App::open(url).await.expect("open");
    let actor = Actor {
        name: "bench".into(),
        user_id: None,
        role: Role::Admin,
        client: None,
    };
    let admin = app.admin(&actor).expect("admin");
    let catalog = app.catalog;
    let tag = std::process::id();

    // --- next year from last year -----------------------------------------------------------
    let code = format!("C{tag}");
    admin.add_site(&code, "ベンチ工場").await.expect("site");
    let src = admin
        .new_assessment(&code, None, FiscalYear::new(2026).expect("fy"), None)
        .await
        .expect("new");
    let answers = (1..=63u16)
        .map(|i| {
            let item = ItemNo::new(i, catalog).expect("item");
            (item, Some(raw(mark_for(i, 0), i).parse().expect("valid")))
        })
        .collect();
    admin.answer_many(&src.id, answers).await.expect("answers");
    let residual: Vec<u16> = (1..=63u16)
        .filter(|i| mark_for(*i, 0).is_residual_risk())
        .collect();
    for k in 0..100u16 {
        let item = ItemNo::new(1 + k % 63, catalog).expect("item");
        let body = format!("証跡 {k}\n").repeat(200);
        admin
            .add_evidence(
                &src.id,
                item,
                &format!("evidence-{k}.txt"),
                body.as_bytes(),
                None,
            )
            .await
            .expect("evidence");
    }
    for k in 0..40usize {
        let item = ItemNo::new(residual[k % residual.len()], catalog).expect("item");
        admin
            .add_action(
                &src.id,
                item,
                &format!("対策 {k}"),
                Some("設備課"),
                Some("2027-09-30"),
                None,
            )
            .await
            .expect("action");
    }
    let runs = 20;
    let start = Instant::now();
    for k in 0..runs {
        let fy = FiscalYear::new(2027 + k as u16).expect("fy");
        admin
            .carry_forward(&code, None, fy, &src.id, None)
            .await
            .expect("carry");
    }
    report(
        &format!("{label}: next year from 63 answers, 100 evidence files, 40 actions"),
        runs,
        start.elapsed(),
    );

    // --- the review queue over 300 plants × 3 years ------------------------------------------
    let setup = Instant::now();
    let mut codes = Vec::new();
    for p in 0..300usize {
        let code = format!("Q{tag}-{p:03}");
        admin
            .add_site(&code, &format!("工場 {p}"))
            .await
            .expect("site");
        for (k, year) in [2025u16, 2026, 2027].into_iter().enumerate() {
            let a = admin
                .new_assessment(&code, None, FiscalYear::new(year).expect("fy"), None)
                .await
                .expect("new");
            let answers = (1..=63u16)
                .map(|i| {
                    let item = ItemNo::new(i, catalog).expect("item");
                    (
                        item,
                        Some(raw(mark_for(i, p + k), i).parse().expect("valid")),
                    )
                })
                .collect();
            admin.answer_many(&a.id, answers).await.expect("answers");
        }
        codes.push(code);
    }
    println!(
        "{label}: (set-up of 300 plants × 3 years, 56,700 answers: {:.1} s)",
        setup.elapsed().as_secs_f64()
    );
    let password = "bench-password-9-long";
    admin
        .add_user(&format!("q{tag}"), Role::Reviewer, password, &codes)
        .await
        .expect("user");
    let user = app.actor_for(&format!("q{tag}")).await.expect("actor");
    for (who, act) in [
        ("administrator", &actor),
        ("user granted 300 plants", &user),
    ] {
        let reader = app.reader(act);
        let runs = 10;
        let mut items = 0;
        let start = Instant::now();
        for _ in 0..runs {
            items = reader
                .review_queue(&QueueQuery::default())
                .await
                .expect("queue")
                .len();
        }
        report(
            &format!("{label}: review queue, 300 plants × 3 years, {who} ({items} items)"),
            runs,
            start.elapsed(),
        );
    }
    app.close().await;
}

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return; // `cargo test --benches` probes the harness with --list
    }
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let dir = tempfile::tempdir().expect("tempdir");
    // KOJO_BENCH_SQLITE keeps the database at that path for a look with `sqlite3` afterwards.
    let path = std::env::var("KOJO_BENCH_SQLITE")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|_| dir.path().join("bench.sqlite3"));
    let sqlite = format!("sqlite:{}", path.display());
    rt.block_on(bench("sqlite", &sqlite));
    match std::env::var("KOJO_BENCH_POSTGRES_URL") {
        Ok(url) => rt.block_on(bench("postgres", &url)),
        Err(_) => println!(
            "postgres: KOJO_BENCH_POSTGRES_URL not set (scripts/bench-store starts a server)"
        ),
    }
}
