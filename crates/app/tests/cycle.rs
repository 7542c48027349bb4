//! The yearly cycle through the use cases, on a fresh SQLite file and on a fresh database of the
//! real PostgreSQL test server (`KOJO_TEST_POSTGRES_URL`, started by `scripts/test`; without it
//! the PostgreSQL half fails, it never skips): carry-over, re-confirmation, reviews, the
//! difference, actions, evidence with dedup and limits, every sign-off transition allowed and
//! forbidden, separation of duties, immutable approved revisions, and `verify` against a
//! tampered database.

use kojo_app::{Actor, App, AppError, ReviewInput, Role};
use kojo_domain::{
    ActionStatus, ChangeKind, Decision, FiscalYear, ItemNo, Mark, RawAnswer, ReviewNeed,
};

struct Db {
    app: App,
    url: String,
    _dir: Option<tempfile::TempDir>,
}

async fn sqlite() -> Db {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite:{}", dir.path().join("kojo.sqlite3").display());
    Db {
        app: App::open(&url).await.unwrap(),
        url,
        _dir: Some(dir),
    }
}

async fn postgres() -> Db {
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
async fn raw_sql(url: &str, sql: &str) {
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

suite!(
    next_year_carries_everything_and_needs_reconfirmation,
    reviews_are_required_by_mark_and_block_submission,
    the_difference_classifies_every_change,
    actions_are_tracked_carried_and_listed,
    evidence_is_stored_once_limited_and_sniffed,
    sign_off_follows_the_states_and_separates_duties,
    approved_revisions_are_immutable_and_verifiable,
);

const PASSWORD: &str = "correct-horse-battery-9";

fn admin() -> Actor {
    Actor {
        name: "admin-cli".into(),
        user_id: None,
        role: Role::Admin,
        client: None,
    }
}

fn fy(y: u16) -> FiscalYear {
    FiscalYear::new(y).unwrap()
}

fn item(app: &App, n: u16) -> ItemNo {
    ItemNo::new(n, app.catalog).unwrap()
}

fn raw(mark: &str, f: impl FnOnce(&mut RawAnswer)) -> RawAnswer {
    let mut r = RawAnswer {
        mark: Some(mark.into()),
        ..Default::default()
    };
    f(&mut r);
    r
}

fn deferred() -> RawAnswer {
    raw("□", |r| {
        r.reason = Some("更新計画中".into());
        r.review_by = Some("2000-03-31".into());
    })
}

fn considering() -> RawAnswer {
    raw("△", |r| r.status = Some("検討中".into()))
}

/// Plant P1 with last year's (2026) assessment: 1 ○, 2 □ (review date long past), 3 △, 4 ×,
/// 5 －. Returns its id.
async fn last_year(app: &App) -> String {
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

async fn user(app: &App, name: &str, role: Role) -> Actor {
    let a = admin();
    app.admin(&a)
        .unwrap()
        .add_user(name, role, PASSWORD, &["P1".to_string()])
        .await
        .unwrap();
    app.actor_for(name).await.unwrap()
}

fn message(e: &AppError) -> String {
    e.message(kojo_domain::Lang::En)
}

async fn next_year_carries_everything_and_needs_reconfirmation(db: &Db) {
    let app = &db.app;
    let old = last_year(app).await;
    let a = admin();
    let ed = app.editor(&a).unwrap();
    let act = ed
        .add_action(
            &old,
            item(app, 4),
            "ファイアウォール導入",
            Some("設備課"),
            Some("2000-01-31"),
            None,
        )
        .await
        .unwrap();
    let done = ed
        .add_action(&old, item(app, 3), "調査", None, None, None)
        .await
        .unwrap();
    ed.set_action(done.id, ActionStatus::Done, Some("完了"))
        .await
        .unwrap();
    let ev = ed
        .add_evidence(
            &old,
            item(app, 2),
            "手順書.pdf",
            b"%PDF-1.4 procedure",
            Some("2000-12-31"),
        )
        .await
        .unwrap();

    // Only a later period of the same scope.
    let e = ed
        .carry_forward("P1", None, fy(2026), &old, None)
        .await
        .unwrap_err();
    assert!(message(&e).contains("later year"), "{}", message(&e));
    app.admin(&a)
        .unwrap()
        .add_line("P1", "L1", "第一ライン")
        .await
        .unwrap();
    let e = ed
        .carry_forward("P1", Some("L1"), fy(2027), &old, None)
        .await
        .unwrap_err();
    assert!(
        message(&e).contains("different plant or line"),
        "{}",
        message(&e)
    );

    let new = ed
        .carry_forward("P1", None, fy(2027), &old, None)
        .await
        .unwrap();
    assert_eq!(new.period, 2027);
    assert_eq!(new.based_on.as_deref(), Some(old.as_str()));
    assert_eq!(new.assessor.as_deref(), Some("山田"));
    let view = app.reader(&a).assessment(&new.id).await.unwrap();
    assert_eq!(view.answers.len(), 5);
    assert!(view.answers.values().all(|s| !s.confirmed));
    assert_eq!(view.summary.overall.answered, 5);
    assert_eq!(view.summary.overall.unconfirmed, 5);
    assert_eq!(view.summary.overall.completion, 0.0);
    assert_eq!(view.summary.unconfirmed.len(), 5);
    // The rate is computed as usual (provisional): 1 ○ of 4 applicable items.
    let old_view = app.reader(&a).assessment(&old).await.unwrap();
    assert_eq!(
        view.summary.overall.achievement_rate,
        old_view.summary.overall.achievement_rate
    );
    // Open actions with their history, not finished ones; evidence by reference.
    let acts = app.reader(&a).actions(&new.id).await.unwrap();
    assert_eq!(acts.len(), 1);
    assert_eq!(acts[0].title, "ファイアウォール導入");
    assert_eq!(acts[0].carried_from, Some(act.id));
    assert_eq!(
        app.reader(&a)
            .action_history(acts[0].id)
            .await
            .unwrap()
            .len(),
        1
    );
    let evs = app.reader(&a).evidence_list(&new.id).await.unwrap();
    assert_eq!(evs.len(), 1);
    assert_eq!(evs[0].sha256, ev.sha256);
    assert_eq!(evs[0].carried_from, Some(ev.id));
    // Reviews start afresh: every □ △ × needs one.
    let q = app
        .reader(&a)
        .review_queue(&kojo_app::QueueQuery {
            assessment: Some(new.id.clone()),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(
        q.iter().map(|i| i.row.item).collect::<Vec<_>>(),
        vec![2, 4, 3],
        "overdue first: □ 2 past its date, × 4 with an overdue action"
    );
    let two = q.iter().find(|i| i.row.item == 2).unwrap();
    assert!(two.overdue);
    assert_eq!(
        two.needs,
        vec![
            ReviewNeed::Overdue,
            ReviewNeed::EvidenceExpired,
            ReviewNeed::Unconfirmed,
            ReviewNeed::Validity,
            ReviewNeed::Progress
        ]
    );

    // Confirm two unchanged, change one: three confirmed.
    let confirmed = ed
        .reconfirm(&new.id, Some(&[item(app, 1), item(app, 5)]))
        .await
        .unwrap();
    assert_eq!(confirmed, vec![1, 5]);
    ed.answer(&new.id, item(app, 4), Some(&considering()), None)
        .await
        .unwrap();
    let view = app.reader(&a).assessment(&new.id).await.unwrap();
    assert_eq!(view.summary.overall.unconfirmed, 2);
    assert_eq!(
        view.summary
            .unconfirmed
            .iter()
            .map(|i| i.get())
            .collect::<Vec<_>>(),
        vec![2, 3]
    );
    assert!((view.summary.overall.completion - 3.0 / 63.0).abs() < 1e-9);
    // Re-confirming is recorded in the history with the confirmer.
    let (_, hist) = app.reader(&a).history(&new.id, Some(1)).await.unwrap();
    assert_eq!(hist.len(), 2);
    assert_eq!(hist[1].old, hist[1].new);
    // The rest at once.
    assert_eq!(ed.reconfirm(&new.id, None).await.unwrap(), vec![2, 3]);
    assert_eq!(
        app.reader(&a)
            .assessment(&new.id)
            .await
            .unwrap()
            .summary
            .overall
            .unconfirmed,
        0
    );
    // The source is untouched.
    let old_view2 = app.reader(&a).assessment(&old).await.unwrap();
    assert!(old_view2.answers.values().all(|s| s.confirmed));
    assert_eq!(app.reader(&a).actions(&old).await.unwrap().len(), 2);
}

async fn reviews_are_required_by_mark_and_block_submission(db: &Db) {
    let app = &db.app;
    let old = last_year(app).await;
    let a = admin();
    let ed = app.editor(&a).unwrap();
    let new = ed
        .carry_forward("P1", None, fy(2027), &old, None)
        .await
        .unwrap();
    ed.reconfirm(&new.id, None).await.unwrap();
    let author = user(app, "author", Role::Assessor).await;
    let signer = app.signer(&author).unwrap();
    // Submission is refused while □ △ × lack this year's review, naming them.
    let e = signer
        .decide(&new.id, Decision::Submit, None)
        .await
        .unwrap_err();
    let m = message(&e);
    assert!(
        m.contains("No.2") && m.contains("No.3") && m.contains("No.4"),
        "{m}"
    );
    // □ needs both answers.
    let e = ed
        .review(
            &new.id,
            item(app, 2),
            &ReviewInput {
                valid: Some("yes".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap_err();
    assert!(message(&e).contains("progress"), "{}", message(&e));
    let e = ed
        .review(
            &new.id,
            item(app, 2),
            &ReviewInput {
                valid: Some("maybe".into()),
                progress: Some("x".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap_err();
    assert!(message(&e).contains("yes or no"), "{}", message(&e));
    let e = ed
        .review(
            &new.id,
            item(app, 2),
            &ReviewInput {
                valid: Some("no".into()),
                progress_pct: Some("101".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap_err();
    assert!(message(&e).contains("0–100"), "{}", message(&e));
    let r = ed
        .review(
            &new.id,
            item(app, 2),
            &ReviewInput {
                valid: Some("いいえ".into()),
                progress_pct: Some("40%".into()),
                note: Some("予算化済み".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(
        (r.valid, r.progress_pct, r.mark),
        (Some(false), Some(40), Mark::Deferred)
    );
    // △ × need the consideration status; ○ and － are not reviewed.
    let e = ed
        .review(
            &new.id,
            item(app, 3),
            &ReviewInput {
                target_date: Some("2027-09-30".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap_err();
    assert!(
        message(&e).contains("consideration status"),
        "{}",
        message(&e)
    );
    ed.review(
        &new.id,
        item(app, 3),
        &ReviewInput {
            status: Some("見積取得中".into()),
            target_date: Some("2027/9/30".into()),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let e = ed
        .review(
            &new.id,
            item(app, 1),
            &ReviewInput {
                status: Some("x".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap_err();
    assert!(message(&e).contains("not reviewed"), "{}", message(&e));
    let e = signer
        .decide(&new.id, Decision::Submit, None)
        .await
        .unwrap_err();
    assert!(
        message(&e).contains("No.4") && !message(&e).contains("No.2"),
        "{}",
        message(&e)
    );
    ed.review(
        &new.id,
        item(app, 4),
        &ReviewInput {
            status: Some("未着手".into()),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    // A change of mark voids the review made for the old mark.
    ed.answer(&new.id, item(app, 3), Some(&raw("×", |_| {})), None)
        .await
        .unwrap();
    let e = signer
        .decide(&new.id, Decision::Submit, None)
        .await
        .unwrap_err();
    assert!(message(&e).contains("No.3"), "{}", message(&e));
    ed.review(
        &new.id,
        item(app, 3),
        &ReviewInput {
            status: Some("方針未定".into()),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    signer
        .decide(&new.id, Decision::Submit, None)
        .await
        .unwrap();
    // Reviews are part of the locked content.
    let e = ed
        .review(
            &new.id,
            item(app, 4),
            &ReviewInput {
                status: Some("x".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap_err();
    assert!(
        matches!(e, AppError::Locked { ref status } if status == "submitted"),
        "{e:?}"
    );
    assert!(message(&e).contains("Submitted"), "{}", message(&e));
    assert_eq!(app.reader(&a).reviews(&new.id).await.unwrap().len(), 3);
}

async fn the_difference_classifies_every_change(db: &Db) {
    let app = &db.app;
    let old = last_year(app).await;
    let a = admin();
    let ed = app.editor(&a).unwrap();
    let new = ed
        .carry_forward("P1", None, fy(2027), &old, None)
        .await
        .unwrap();
    ed.answer(&new.id, item(app, 1), Some(&raw("×", |_| {})), None)
        .await
        .unwrap(); // ○ → × regressed
    ed.answer(&new.id, item(app, 4), Some(&deferred()), None)
        .await
        .unwrap(); // × → □ improved
    ed.answer(
        &new.id,
        item(app, 3),
        Some(&raw("－", |r| r.na_reason = Some("撤去".into()))),
        None,
    )
    .await
    .unwrap();
    ed.answer(&new.id, item(app, 6), Some(&raw("○", |_| {})), None)
        .await
        .unwrap(); // added
    let d = app.reader(&a).diff(&old, &new.id).await.unwrap();
    let got: Vec<(u16, ChangeKind)> = d.changes.iter().map(|c| (c.item, c.kind)).collect();
    assert_eq!(
        got,
        vec![
            (1, ChangeKind::Regressed),
            (4, ChangeKind::Improved),
            (3, ChangeKind::NewlyNotApplicable),
            (6, ChangeKind::Added)
        ]
    );
    assert_eq!(d.changes[0].from, Some(Mark::Implemented));
    assert_eq!(d.changes[0].to, Some(Mark::NotConsidered));
    // Rates of both: ○ ÷ (63 − －): 1 of 62 then, 1 (item 6) of 61 now (3 and 5 are －).
    assert_eq!(d.old_summary.overall.achievement_rate, Some(1.0 / 62.0));
    assert_eq!(d.new_summary.overall.achievement_rate, Some(1.0 / 61.0));
    // Another scope is refused.
    app.admin(&a)
        .unwrap()
        .add_site("P2", "第二工場")
        .await
        .unwrap();
    let other = ed.new_assessment("P2", None, fy(2027), None).await.unwrap();
    assert!(app.reader(&a).diff(&old, &other.id).await.is_err());
    // The previous assessment is found for the new one.
    let (prev, marks) = app.reader(&a).previous(&new).await.unwrap().unwrap();
    assert_eq!(prev.id, old);
    assert_eq!(marks.get(&item(app, 1)), Some(&Mark::Implemented));
}

async fn actions_are_tracked_carried_and_listed(db: &Db) {
    let app = &db.app;
    let old = last_year(app).await;
    let a = admin();
    let ed = app.editor(&a).unwrap();
    // Only □ △ × items hold actions; titles and dates are checked.
    assert!(
        ed.add_action(&old, item(app, 1), "x", None, None, None)
            .await
            .is_err()
    );
    assert!(
        ed.add_action(&old, item(app, 2), "  ", None, None, None)
            .await
            .is_err()
    );
    let e = ed
        .add_action(&old, item(app, 2), "t", None, Some("31/02/2027"), None)
        .await
        .unwrap_err();
    assert!(message(&e).contains("YYYY-MM-DD"), "{}", message(&e));
    let x = ed
        .add_action(
            &old,
            item(app, 2),
            "予算申請",
            Some("工務課"),
            Some("2099-03-31"),
            None,
        )
        .await
        .unwrap();
    let late = ed
        .add_action(
            &old,
            item(app, 3),
            "仕様検討",
            None,
            Some("2000-04-01"),
            None,
        )
        .await
        .unwrap();
    assert_eq!(x.status, "open");
    let x2 = ed
        .set_action(
            x.id,
            kojo_app::parse_action_status("対応中").unwrap(),
            Some("申請済み"),
        )
        .await
        .unwrap();
    assert_eq!(x2.status, "in_progress");
    assert!(kojo_app::parse_action_status("paused").is_err());
    let hist = app.reader(&a).action_history(x.id).await.unwrap();
    assert_eq!(
        hist.iter().map(|e| e.status.as_str()).collect::<Vec<_>>(),
        vec!["open", "in_progress"]
    );
    let all = app.reader(&a).action_list(None, false).await.unwrap();
    assert_eq!(all.len(), 2);
    let overdue = app.reader(&a).action_list(Some("P1"), true).await.unwrap();
    assert_eq!(
        overdue.iter().map(|e| e.row.action.id).collect::<Vec<_>>(),
        vec![late.id]
    );
    // Lists show the current assessment of each scope only: carried actions are not doubled.
    let new = ed
        .carry_forward("P1", None, fy(2027), &old, None)
        .await
        .unwrap();
    let all = app.reader(&a).action_list(None, false).await.unwrap();
    assert_eq!(all.len(), 2);
    assert!(all.iter().all(|e| e.row.action.assessment_id == new.id));
    let carried = all
        .iter()
        .find(|e| e.row.action.carried_from == Some(x.id))
        .unwrap();
    assert_eq!(
        app.reader(&a)
            .action_history(carried.row.action.id)
            .await
            .unwrap()
            .len(),
        2
    );
    let counts = app.reader(&a).cycle_counts().await.unwrap();
    assert_eq!(counts.actions, [1, 1, 0, 0]);
    assert_eq!(counts.overdue_actions, 1);
    assert_eq!(counts.unconfirmed, 5);
    // A user without a grant sees none of it.
    app.admin(&a)
        .unwrap()
        .add_site("P9", "他工場")
        .await
        .unwrap();
    app.admin(&a)
        .unwrap()
        .add_user("outsider", Role::Assessor, PASSWORD, &["P9".to_string()])
        .await
        .unwrap();
    let o = app.actor_for("outsider").await.unwrap();
    assert!(
        app.reader(&o)
            .action_list(None, false)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(matches!(
        app.reader(&o).action(x.id).await,
        Err(AppError::NotFound { .. })
    ));
    assert_eq!(
        app.reader(&o).cycle_counts().await.unwrap(),
        kojo_app::CycleCounts::default()
    );
    assert!(
        app.reader(&o)
            .review_queue(&Default::default())
            .await
            .unwrap()
            .is_empty()
    );
}

async fn evidence_is_stored_once_limited_and_sniffed(db: &Db) {
    let app = &db.app;
    let old = last_year(app).await;
    let a = admin();
    let ed = app.editor(&a).unwrap();
    let png = [
        &[0x89u8, b'P', b'N', b'G', 0x0d, 0x0a, 0x1a, 0x0a][..],
        &[0u8; 64],
    ]
    .concat();
    let e1 = ed
        .add_evidence(&old, item(app, 2), "施錠写真.png", &png, None)
        .await
        .unwrap();
    let e2 = ed
        .add_evidence(
            &old,
            item(app, 3),
            "../../etc/copy.txt",
            &png,
            Some("2030-03-31"),
        )
        .await
        .unwrap();
    assert_eq!(e1.sha256, e2.sha256);
    assert_eq!(e1.sha256, kojo_domain::sha256_hex(&png));
    assert_eq!(e1.media_type, "image/png", "sniffed from the content");
    assert_eq!(e2.media_type, "image/png", "not trusted from the name");
    assert_eq!(e2.name, "copy.txt", "path components are dropped");
    assert_eq!(e2.valid_until.as_deref(), Some("2030-03-31"));
    let text = ed
        .add_evidence(
            &old,
            item(app, 2),
            "rules.exe",
            "許可ルール一覧\n".as_bytes(),
            None,
        )
        .await
        .unwrap();
    assert_eq!(text.media_type, "text/plain");
    let (row, bytes) = app.reader(&a).evidence_get(e2.id).await.unwrap();
    assert_eq!((row.id, bytes), (e2.id, png.clone()));
    // Stored once: two rows, one blob (quota counts it once).
    assert_eq!(app.reader(&a).evidence_list(&old).await.unwrap().len(), 3);
    // Limits: empty files, names, size over the limit.
    assert!(
        ed.add_evidence(&old, item(app, 2), "empty.txt", b"", None)
            .await
            .is_err()
    );
    assert!(
        ed.add_evidence(&old, item(app, 2), "a\u{7}b", b"x", None)
            .await
            .is_err()
    );
    let max = app.reader(&a).evidence_max_bytes().await.unwrap();
    assert_eq!(max, 25 * 1024 * 1024);
    let big = vec![b'a'; usize::try_from(max).unwrap() + 1];
    let e = ed
        .add_evidence(&old, item(app, 2), "big.txt", &big, None)
        .await
        .unwrap_err();
    assert!(message(&e).contains("too large"), "{}", message(&e));
    // The quota: tighten it to 1 MiB (a setting) and a new 1 MiB file no longer fits, while
    // the same content again (no new blob) still does.
    raw_sql(
        &db.url,
        "INSERT INTO settings (key, value) VALUES ('evidence.quota_mib', '1')",
    )
    .await;
    let mib = vec![b'b'; 1024 * 1024];
    let e = ed
        .add_evidence(&old, item(app, 2), "mib.txt", &mib, None)
        .await
        .unwrap_err();
    assert!(message(&e).contains("quota"), "{}", message(&e));
    assert_eq!(
        app.reader(&a).evidence_list(&old).await.unwrap().len(),
        3,
        "nothing stored"
    );
    ed.add_evidence(&old, item(app, 4), "again.png", &png, None)
        .await
        .unwrap();
    // Removing one reference keeps the blob for the others.
    ed.remove_evidence(e1.id).await.unwrap();
    assert_eq!(app.reader(&a).evidence_get(e2.id).await.unwrap().1, png);
    // Invisible to a user without a grant: not found, like answers.
    app.admin(&a)
        .unwrap()
        .add_site("P9", "他工場")
        .await
        .unwrap();
    app.admin(&a)
        .unwrap()
        .add_user("outsider", Role::Viewer, PASSWORD, &["P9".to_string()])
        .await
        .unwrap();
    let o = app.actor_for("outsider").await.unwrap();
    assert!(matches!(
        app.reader(&o).evidence_get(e2.id).await,
        Err(AppError::NotFound { .. })
    ));
    assert!(app.reader(&o).evidence_list(&old).await.is_err());
}

async fn sign_off_follows_the_states_and_separates_duties(db: &Db) {
    let app = &db.app;
    let a = admin();
    app.admin(&a)
        .unwrap()
        .add_site("P1", "第一工場")
        .await
        .unwrap();
    let author = user(app, "author", Role::Assessor).await;
    let reviewer = user(app, "reviewer", Role::Reviewer).await;
    let approver = user(app, "approver", Role::Approver).await;
    let approver2 = user(app, "approver2", Role::Approver).await;
    let viewer = user(app, "viewer", Role::Viewer).await;
    let ed = app.editor(&author).unwrap();
    let x = ed.new_assessment("P1", None, fy(2027), None).await.unwrap();
    ed.answer(&x.id, item(app, 1), Some(&raw("○", |_| {})), None)
        .await
        .unwrap();
    assert!(app.signer(&viewer).is_none(), "viewers make no decisions");
    let s_author = app.signer(&author).unwrap();
    let s_rev = app.signer(&reviewer).unwrap();
    let s_appr = app.signer(&approver).unwrap();
    let s_appr2 = app.signer(&approver2).unwrap();
    // Forbidden from draft: confirm, approve, return; a reviewer may not submit.
    for (s, d) in [
        (&s_rev, Decision::Confirm),
        (&s_appr, Decision::Approve),
        (&s_rev, Decision::Return),
    ] {
        let e = s.decide(&x.id, d, Some("c")).await.unwrap_err();
        assert!(message(&e).contains("Draft"), "{d:?}: {}", message(&e));
    }
    let e = s_rev
        .decide(&x.id, Decision::Submit, None)
        .await
        .unwrap_err();
    assert!(message(&e).contains("may not"), "{}", message(&e));
    let sub = s_author
        .decide(&x.id, Decision::Submit, None)
        .await
        .unwrap();
    assert_eq!(sub.content_hash.len(), 64);
    // Submitted: answers are read-only, naming the state.
    let e = ed
        .answer(&x.id, item(app, 2), Some(&raw("×", |_| {})), None)
        .await
        .unwrap_err();
    assert!(message(&e).contains("Submitted"), "{}", message(&e));
    // The author cannot confirm their own work (an admin neither would be allowed).
    let e = s_author
        .decide(&x.id, Decision::Confirm, None)
        .await
        .unwrap_err();
    assert!(message(&e).contains("may not"), "{}", message(&e));
    // A reviewer may not approve; nothing can be approved before confirmation.
    assert!(s_rev.decide(&x.id, Decision::Approve, None).await.is_err());
    let e = s_appr
        .decide(&x.id, Decision::Approve, None)
        .await
        .unwrap_err();
    assert!(message(&e).contains("Submitted"), "{}", message(&e));
    // Return needs a comment and goes back to draft.
    let e = s_rev
        .decide(&x.id, Decision::Return, None)
        .await
        .unwrap_err();
    assert!(message(&e).contains("reason"), "{}", message(&e));
    s_rev
        .decide(
            &x.id,
            Decision::Return,
            Some("No.1 の根拠を追記してください"),
        )
        .await
        .unwrap();
    assert_eq!(app.reader(&a).find(&x.id).await.unwrap().status, "draft");
    ed.answer(
        &x.id,
        item(app, 1),
        Some(&raw("○", |r| r.note = Some("手順書 v2".into()))),
        None,
    )
    .await
    .unwrap();
    s_author
        .decide(&x.id, Decision::Submit, None)
        .await
        .unwrap();
    s_rev
        .decide(&x.id, Decision::Confirm, Some("確認しました"))
        .await
        .unwrap();
    // Three people: the confirmer cannot approve.
    let rev_as_approver = {
        app.admin(&a)
            .unwrap()
            .set_role("reviewer", Role::Approver)
            .await
            .unwrap();
        app.actor_for("reviewer").await.unwrap()
    };
    let e = app
        .signer(&rev_as_approver)
        .unwrap()
        .decide(&x.id, Decision::Approve, None)
        .await
        .unwrap_err();
    assert!(message(&e).contains("different people"), "{}", message(&e));
    let appr = s_appr.decide(&x.id, Decision::Approve, None).await.unwrap();
    assert_eq!(app.reader(&a).find(&x.id).await.unwrap().status, "approved");
    // Nothing follows approval.
    for d in Decision::ALL {
        assert!(s_appr2.decide(&x.id, d, Some("c")).await.is_err(), "{d:?}");
    }
    let signs = app.reader(&a).signoffs(&x.id).await.unwrap();
    let steps: Vec<(&str, &str)> = signs
        .iter()
        .map(|s| (s.decision.as_str(), s.by_user.as_str()))
        .collect();
    assert_eq!(
        steps,
        vec![
            ("submit", "author"),
            ("return", "reviewer"),
            ("submit", "author"),
            ("confirm", "reviewer"),
            ("approve", "approver")
        ]
    );
    assert_eq!(
        signs[1].comment.as_deref(),
        Some("No.1 の根拠を追記してください")
    );
    // The hash covers the content: unchanged between confirm and approve, changed by the fix.
    assert_eq!(signs[3].content_hash, appr.content_hash);
    assert_ne!(signs[0].content_hash, appr.content_hash);
    // A grant is needed: an approver of another plant cannot see it.
    app.admin(&a)
        .unwrap()
        .add_site("P9", "他工場")
        .await
        .unwrap();
    app.admin(&a)
        .unwrap()
        .add_user("far", Role::Approver, PASSWORD, &["P9".to_string()])
        .await
        .unwrap();
    let far = app.actor_for("far").await.unwrap();
    assert!(matches!(
        app.signer(&far)
            .unwrap()
            .decide(&x.id, Decision::Return, Some("x"))
            .await,
        Err(AppError::NotFound { .. })
    ));
    // Unknown or disabled users cannot act.
    assert!(app.actor_for("nobody").await.is_err());
    app.admin(&a)
        .unwrap()
        .set_disabled("approver2", true)
        .await
        .unwrap();
    assert!(app.actor_for("approver2").await.is_err());

    // Two people for small plants: the confirmer may approve, the author still may not.
    raw_sql(
        &db.url,
        "INSERT INTO settings (key, value) VALUES ('signoff.required_signers', '2')",
    )
    .await;
    let y = ed.new_assessment("P1", None, fy(2028), None).await.unwrap();
    s_author
        .decide(&y.id, Decision::Submit, None)
        .await
        .unwrap();
    let s_rev2 = app.signer(&rev_as_approver).unwrap();
    s_rev2.decide(&y.id, Decision::Confirm, None).await.unwrap();
    app.admin(&a)
        .unwrap()
        .set_role("author", Role::Approver)
        .await
        .unwrap();
    let author_appr = app.actor_for("author").await.unwrap();
    let e = app
        .signer(&author_appr)
        .unwrap()
        .decide(&y.id, Decision::Approve, None)
        .await
        .unwrap_err();
    assert!(message(&e).contains("at least 2"), "{}", message(&e));
    s_rev2.decide(&y.id, Decision::Approve, None).await.unwrap();
    assert_eq!(app.required_signers().await.unwrap(), 2);
}

async fn approved_revisions_are_immutable_and_verifiable(db: &Db) {
    let app = &db.app;
    let a = admin();
    app.admin(&a)
        .unwrap()
        .add_site("P1", "第一工場")
        .await
        .unwrap();
    let author = user(app, "author", Role::Assessor).await;
    let reviewer = user(app, "reviewer", Role::Reviewer).await;
    let approver = user(app, "approver", Role::Approver).await;
    let ed = app.editor(&author).unwrap();
    let x = ed.new_assessment("P1", None, fy(2027), None).await.unwrap();
    ed.answer(&x.id, item(app, 1), Some(&raw("○", |_| {})), None)
        .await
        .unwrap();
    ed.answer(&x.id, item(app, 2), Some(&deferred()), None)
        .await
        .unwrap();
    ed.add_evidence(&x.id, item(app, 2), "plan.txt", b"plan", None)
        .await
        .unwrap();
    // Verify needs an approved assessment.
    let e = app.reader(&a).verify(&x.id).await.unwrap_err();
    assert!(message(&e).contains("not approved"), "{}", message(&e));
    app.signer(&author)
        .unwrap()
        .decide(&x.id, Decision::Submit, None)
        .await
        .unwrap();
    app.signer(&reviewer)
        .unwrap()
        .decide(&x.id, Decision::Confirm, None)
        .await
        .unwrap();
    app.signer(&approver)
        .unwrap()
        .decide(&x.id, Decision::Approve, None)
        .await
        .unwrap();
    let v = app.reader(&a).verify(&x.id).await.unwrap();
    assert!(v.ok(), "{v:?}");
    // Every way of changing it is refused, naming the state.
    let e = ed
        .answer(&x.id, item(app, 3), Some(&raw("×", |_| {})), None)
        .await
        .unwrap_err();
    assert!(message(&e).contains("Approved"), "{}", message(&e));
    assert!(matches!(
        ed.reconfirm(&x.id, None).await,
        Err(AppError::Locked { .. })
    ));
    assert!(matches!(
        ed.add_evidence(&x.id, item(app, 2), "b.txt", b"b", None)
            .await,
        Err(AppError::Locked { .. })
    ));
    let evid = app.reader(&a).evidence_list(&x.id).await.unwrap()[0].id;
    assert!(matches!(
        ed.remove_evidence(evid).await,
        Err(AppError::Locked { .. })
    ));
    assert!(
        ed.answer_many(&x.id, vec![(item(app, 4), None)])
            .await
            .is_err()
    );
    // Revise: revision 2 is a draft with everything; revision 1 stays and still verifies.
    let r2 = ed.revise(&x.id).await.unwrap();
    assert_eq!(
        (r2.revision, r2.status.as_str(), r2.period),
        (2, "draft", 2027)
    );
    let v2 = app.reader(&a).assessment(&r2.id).await.unwrap();
    assert_eq!(v2.answers.len(), 2);
    assert_eq!(
        v2.summary.overall.unconfirmed, 0,
        "a revision needs no re-confirmation"
    );
    assert_eq!(app.reader(&a).evidence_list(&r2.id).await.unwrap().len(), 1);
    ed.answer(&r2.id, item(app, 3), Some(&raw("×", |_| {})), None)
        .await
        .unwrap();
    assert!(
        ed.revise(&r2.id).await.is_err(),
        "only approved assessments are revised"
    );
    assert!(app.reader(&a).verify(&x.id).await.unwrap().ok());
    let v1 = app.reader(&a).assessment(&x.id).await.unwrap();
    assert_eq!(v1.answers.len(), 2);

    // Tamper: change an approved answer directly in the database.
    raw_sql(
        &db.url,
        &format!(
            "UPDATE answers SET reason = '改ざん' WHERE assessment_id = '{}' AND item_no = 2",
            x.id
        ),
    )
    .await;
    let v = app.reader(&a).verify(&x.id).await.unwrap();
    assert!(!v.ok());
    assert_eq!(v.changed_items, vec![2]);
    assert_ne!(v.recorded, v.current);
    // Swapping the evidence file's content is caught too.
    raw_sql(
        &db.url,
        &format!(
            "UPDATE answers SET reason = '更新計画中' WHERE assessment_id = '{}' AND item_no = 2",
            x.id
        ),
    )
    .await;
    assert!(
        app.reader(&a).verify(&x.id).await.unwrap().ok(),
        "restoring the value restores the hash"
    );
    ed.add_evidence(&r2.id, item(app, 3), "other.txt", b"other", None)
        .await
        .unwrap();
    raw_sql(
        &db.url,
        &format!(
            "UPDATE evidence SET sha256 = '{}' WHERE assessment_id = '{}'",
            kojo_domain::sha256_hex(b"other"),
            x.id
        ),
    )
    .await;
    let v = app.reader(&a).verify(&x.id).await.unwrap();
    assert_eq!(v.changed_items, vec![2]);
}
