//! Several `kojo serve` instances on one database behave as one (issue 13 §3), shown with two
//! `App`s, each with its own connection pool, on the same SQLite file or PostgreSQL database:
//! a session made on A is valid on B, failed logins on A and B share one limit, and a
//! scheduled job's slot is taken by exactly one of them.

#[macro_use]
mod common;
use common::*;
use kojo_app::jobs::{Job, slot_of};
use kojo_app::{LoginOutcome, PAIR_FREE};
use std::time::Duration;

suite!(
    sessions_and_login_limits_are_shared,
    a_scheduled_job_runs_once_per_slot
);

async fn sessions_and_login_limits_are_shared(db: &Db) {
    let a = &db.app;
    let b = App::open(&db.url).await.unwrap();
    assert_ne!(a.instance(), b.instance());
    a.admin(&admin())
        .unwrap()
        .add_site("P1", "第一工場")
        .await
        .unwrap();
    user(a, "tanaka", Role::Assessor).await;
    let idle = Duration::from_secs(1800);
    // Logged in on A, known on B.
    let LoginOutcome::LoggedIn(s) = a.login("tanaka", PASSWORD, "10.0.0.5").await.unwrap() else {
        panic!("login on A")
    };
    let on_b = b.session(&s.token, "10.0.0.5", idle).await.unwrap();
    assert!(
        matches!(on_b, kojo_app::SessionLookup::Active(ref v) if v.actor.name == "tanaka"),
        "{on_b:?}"
    );
    // Failures alternate between A and B; the shared count reaches the limit.
    for i in 0..PAIR_FREE {
        let app = if i % 2 == 0 { a } else { &b };
        let r = app
            .login("tanaka", "wrong-password-1", "10.0.0.9")
            .await
            .unwrap();
        assert!(matches!(r, LoginOutcome::Failed), "attempt {i}: {r:?}");
    }
    for app in [a, &b] {
        let r = app.login("tanaka", PASSWORD, "10.0.0.9").await.unwrap();
        assert!(matches!(r, LoginOutcome::Throttled), "{r:?}");
    }
    // Logged out on B, gone on A.
    b.logout(&s.session).await.unwrap();
    let on_a = a.session(&s.token, "10.0.0.5", idle).await.unwrap();
    assert!(
        !matches!(on_a, kojo_app::SessionLookup::Active(_)),
        "{on_a:?}"
    );
}

async fn a_scheduled_job_runs_once_per_slot(db: &Db) {
    let a = &db.app;
    let b = App::open(&db.url).await.unwrap();
    let now = chrono::Utc::now();
    for (job, every) in [
        (Job::Purge, Duration::from_secs(60)),
        (Job::Daily, Duration::from_secs(24 * 3600)),
        (Job::Backup, Duration::from_secs(3600)),
    ] {
        let slot = slot_of(now, every);
        // Both instances wake for the same slot at once.
        let (ra, rb) = tokio::join!(a.claim_job(job, &slot), b.claim_job(job, &slot));
        let (ra, rb) = (ra.unwrap(), rb.unwrap());
        assert!(ra ^ rb, "{job:?}: exactly one runs it (A {ra}, B {rb})");
        let winner = if ra { a.instance() } else { b.instance() };
        assert_eq!(
            a.job_run(job, &slot).await.unwrap().as_deref(),
            Some(winner)
        );
        // Neither runs it again in that slot; the next slot is free again.
        assert!(!a.claim_job(job, &slot).await.unwrap());
        assert!(!b.claim_job(job, &slot).await.unwrap());
        let next = slot_of(now + chrono::Duration::from_std(every).unwrap(), every);
        assert_ne!(next, slot);
        assert!(b.claim_job(job, &next).await.unwrap());
    }
    // Many instances racing for one slot: still one.
    let apps = [
        App::open(&db.url).await.unwrap(),
        App::open(&db.url).await.unwrap(),
        App::open(&db.url).await.unwrap(),
        App::open(&db.url).await.unwrap(),
    ];
    let slot = "2030-01-01T00:00:00Z";
    // Polled together by one join: every claim is in flight before any finishes.
    let wins: Vec<bool> =
        futures_util::future::join_all(apps.iter().map(|x| x.claim_job(Job::Purge, slot)))
            .await
            .into_iter()
            .map(Result::unwrap)
            .collect();
    assert_eq!(wins.iter().filter(|w| **w).count(), 1, "{wins:?}");
    // The purge forgets claims older than a week, not this week's.
    a.purge(Duration::from_secs(1800)).await.unwrap();
    assert!(
        a.job_run(Job::Purge, &slot_of(now, Duration::from_secs(60)))
            .await
            .unwrap()
            .is_some()
    );
}
