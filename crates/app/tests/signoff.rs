//! Sign-off through the use cases, on SQLite and PostgreSQL: every transition allowed and
//! forbidden, separation of duties (three people, or two where relaxed), immutable approved
//! revisions, and `verify` against a tampered database.

#[macro_use]
mod common;
use common::*;
use kojo_domain::Decision;

suite!(
    sign_off_follows_the_states_and_separates_duties,
    approved_revisions_are_immutable_and_verifiable,
);

async fn sign_off_follows_the_states_and_separates_duties(db: &Db) {
    let app = &db.app;
    let a = admin();
    site(app, "P1", "第一工場").await;
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
    assert_eq!(
        app.reader(&a).find(&x.id).await.unwrap().status.key(),
        "draft"
    );
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
    assert_eq!(
        app.reader(&a).find(&x.id).await.unwrap().status.key(),
        "approved"
    );
    // Nothing follows approval.
    for d in Decision::ALL {
        assert!(s_appr2.decide(&x.id, d, Some("c")).await.is_err(), "{d:?}");
    }
    let signs = app.reader(&a).signoffs(&x.id).await.unwrap();
    let steps: Vec<(&str, &str)> = signs
        .iter()
        .map(|s| (s.decision.key(), s.by_user.as_str()))
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
    site(app, "P1", "第一工場").await;
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
        (r2.revision, r2.status.key(), r2.period),
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
