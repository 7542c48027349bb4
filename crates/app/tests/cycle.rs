//! The yearly cycle through the use cases, on SQLite and PostgreSQL: carry-over,
//! re-confirmation, reviews, the difference, actions (evidence files: `evidence.rs`).

#[macro_use]
mod common;
use common::*;
use kojo_app::ReviewInput;
use kojo_domain::{ActionStatus, ChangeKind, Decision, Mark, ReviewNeed};

suite!(
    next_year_carries_everything_and_needs_reconfirmation,
    reviews_are_required_by_mark_and_block_submission,
    the_difference_classifies_every_change,
    actions_are_tracked_carried_and_listed,
);

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
    // Refused reviews, each with what its message names: □ needs both answers, △ × need the
    // consideration status, ○ and － are not reviewed.
    let refused = [
        (
            2,
            "progress",
            ReviewInput {
                valid: Some("yes".into()),
                ..Default::default()
            },
        ),
        (
            2,
            "yes or no",
            ReviewInput {
                valid: Some("maybe".into()),
                progress: Some("x".into()),
                ..Default::default()
            },
        ),
        (
            2,
            "0–100",
            ReviewInput {
                valid: Some("no".into()),
                progress_pct: Some("101".into()),
                ..Default::default()
            },
        ),
        (
            3,
            "consideration status",
            ReviewInput {
                target_date: Some("2027-09-30".into()),
                ..Default::default()
            },
        ),
        (
            1,
            "not reviewed",
            ReviewInput {
                status: Some("x".into()),
                ..Default::default()
            },
        ),
    ];
    for (n, names, input) in &refused {
        let e = ed.review(&new.id, item(app, *n), input).await.unwrap_err();
        assert!(message(&e).contains(names), "No.{n}: {}", message(&e));
    }
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
    assert_eq!(x.status.key(), "open");
    let x2 = ed
        .set_action(
            x.id,
            kojo_app::parse_action_status("対応中").unwrap(),
            Some("申請済み"),
        )
        .await
        .unwrap();
    assert_eq!(x2.status.key(), "in_progress");
    assert!(kojo_app::parse_action_status("paused").is_err());
    let hist = app.reader(&a).action_history(x.id).await.unwrap();
    assert_eq!(
        hist.iter().map(|e| e.status.key()).collect::<Vec<_>>(),
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
