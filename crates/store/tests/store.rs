//! One storage suite that every backend must pass: each test runs on a fresh SQLite file and on
//! a fresh database of a real PostgreSQL server (`KOJO_TEST_POSTGRES_URL`, started by
//! `scripts/test`). Without that server the PostgreSQL half fails; it never skips.

mod common;

use common::*;
use kojo_domain::Role;
use kojo_domain::{Mark, Status};
use kojo_store::*;

suite!(
    sites_and_lines,
    assessments_get_revisions_and_tallies,
    answers_are_versioned_and_history_is_kept,
    a_stale_write_is_a_conflict_naming_the_current_value,
    a_batch_with_one_stale_write_writes_nothing,
    two_racing_writers_exactly_one_wins,
    overwriting_batches_never_conflict_with_each_other,
    a_signed_off_assessment_is_locked,
    assessments_visible_to_a_user_are_those_of_granted_sites,
    review_comments_are_kept_per_item,
    comments_history_and_the_access_log_keep_the_order_they_were_written_in,
    id_prefixes_resolve_only_among_visible_assessments,
    missing_rows_are_errors_not_silent_successes,
);

async fn sites_and_lines(s: &Store) {
    let org = s.default_org("A社").await.unwrap();
    assert_eq!(
        s.default_org("ignored").await.unwrap(),
        org,
        "default org is created once"
    );
    let p1 = s.add_site(&org.id, "P1", "第一工場").await.unwrap();
    s.add_site(&org.id, "P0", "本社工場").await.unwrap();
    match s.add_site(&org.id, "P1", "dup").await {
        Err(StoreError::Duplicate { what: "site", key }) => assert_eq!(key, "P1"),
        other => panic!("expected duplicate, got {other:?}"),
    }
    let codes: Vec<String> = s
        .sites(Some(&org.id))
        .await
        .unwrap()
        .into_iter()
        .map(|x| x.code)
        .collect();
    assert_eq!(codes, ["P0", "P1"]);
    let l = s.add_line(&p1.id, "L2", "組立ライン").await.unwrap();
    s.add_line(&p1.id, "L1", "プレスライン").await.unwrap();
    assert!(matches!(
        s.add_line(&p1.id, "L2", "x").await,
        Err(StoreError::Duplicate { what: "line", .. })
    ));
    assert_eq!(s.line_by_code(&p1.id, "L2").await.unwrap(), Some(l.clone()));
    assert_eq!(s.lines(&p1.id).await.unwrap().len(), 2);
    assert_eq!(
        s.site_by_code("P1").await.unwrap().unwrap().name,
        "第一工場"
    );
    assert_eq!(s.site_by_code("P9").await.unwrap(), None);
}

async fn assessments_get_revisions_and_tallies(s: &Store) {
    let (org, site, a1) = setup(s).await;
    assert_eq!(a1.revision, 1);
    assert_eq!(a1.status.key(), "draft");
    assert_eq!(a1.site_name, "第一工場");
    assert_eq!(a1.org_name, "テスト株式会社");
    let new = NewAssessment {
        site_id: site.id.clone(),
        line_id: None,
        period: fy(2026),
        catalog_id: "jama-japia-factory@0.9".into(),
        assessor: None,
        based_on: Some(a1.id.clone()),
        inherits_from: None,
        created_by: "tester".into(),
    };
    let a2 = s
        .create_assessment(
            &new,
            &[
                (1, ok()),
                (2, ans("na", |r| r.na_reason = Some("設備なし".into()))),
            ],
        )
        .await
        .unwrap();
    assert_eq!(a2.revision, 2);
    let line = s.add_line(&site.id, "L1", "ライン1").await.unwrap();
    let a3 = s
        .create_assessment(
            &NewAssessment {
                line_id: Some(line.id.clone()),
                ..new.clone()
            },
            &[],
        )
        .await
        .unwrap();
    assert_eq!(a3.revision, 1, "a line has its own revisions");
    assert_eq!(a3.line_code.as_deref(), Some("L1"));
    let list = s.assessments(Some(&org.id), None, None).await.unwrap();
    assert_eq!(list.len(), 3);
    let (_, t) = list.iter().find(|(a, _)| a.id == a2.id).unwrap();
    assert_eq!(t.counts[Mark::Implemented.index()], 1);
    assert_eq!(t.counts[Mark::NotApplicable.index()], 1);
    let found = s.assessments_by_prefix(&a2.id[..8], None).await.unwrap();
    assert!(found.iter().any(|a| a.id == a2.id));
    assert_eq!(s.assessment("no-such-id").await.unwrap(), None);
    // Initial answers of an import are history entries too.
    assert_eq!(s.history(&a2.id, None).await.unwrap().len(), 2);
}

async fn answers_are_versioned_and_history_is_kept(s: &Store) {
    let (_, _, a) = setup(s).await;
    let w = |item, v, answer| AnswerWrite {
        item,
        expected_version: Some(v),
        answer,
    };
    let r = s
        .write_answers(&a.id, &[w(5, 0, Some(ok()))], "alice")
        .await
        .unwrap();
    assert_eq!(r[0].version, 1);
    let deferred = ans("□", |r| {
        r.reason = Some("予算待ち <script>".into());
        r.review_by = Some("2027-03-31".into());
        r.accepted_by = Some("工場長".into());
    });
    let r = s
        .write_answers(&a.id, &[w(5, 1, Some(deferred.clone()))], "bob")
        .await
        .unwrap();
    assert_eq!(r[0].version, 2);
    let stored = s.answer(&a.id, 5).await.unwrap().unwrap();
    assert_eq!(stored.answer.as_ref(), Some(&deferred));
    assert_eq!(stored.updated_by, "bob");
    // Clear, then answer again: the version keeps growing.
    s.write_answers(&a.id, &[w(5, 2, None)], "bob")
        .await
        .unwrap();
    assert_eq!(s.answer(&a.id, 5).await.unwrap().unwrap().answer, None);
    let r = s
        .write_answers(&a.id, &[w(5, 3, Some(ok()))], "alice")
        .await
        .unwrap();
    assert_eq!(r[0].version, 4);
    let h = s.history(&a.id, Some(5)).await.unwrap();
    assert_eq!(h.len(), 4);
    assert_eq!(
        (h[0].old_mark(), h[0].new_mark(), h[0].changed_by.as_str()),
        (None, Some(Mark::Implemented), "alice")
    );
    assert_eq!(
        (h[1].old_mark(), h[1].new_mark(), h[1].changed_by.as_str()),
        (Some(Mark::Implemented), Some(Mark::Deferred), "bob")
    );
    assert_eq!(
        h[1].new.as_ref().unwrap().reason.as_deref(),
        Some("予算待ち <script>")
    );
    assert_eq!(
        (h[2].old_mark(), h[2].new_mark()),
        (Some(Mark::Deferred), None)
    );
    assert_eq!(
        h.iter().map(|e| e.version).collect::<Vec<_>>(),
        [1, 2, 3, 4]
    );
    assert!(s.history(&a.id, Some(6)).await.unwrap().is_empty());
    let all = s.answers(&a.id).await.unwrap();
    assert_eq!(all.len(), 1);
}

async fn a_stale_write_is_a_conflict_naming_the_current_value(s: &Store) {
    let (_, _, a) = setup(s).await;
    let w = |v, answer| AnswerWrite {
        item: 7,
        expected_version: Some(v),
        answer: Some(answer),
    };
    s.write_answers(&a.id, &[w(0, ok())], "alice")
        .await
        .unwrap();
    let x = ans("×", |_| {});
    match s.write_answers(&a.id, &[w(0, x.clone())], "bob").await {
        Err(StoreError::Conflict {
            item: 7,
            current: Some(c),
        }) => {
            assert_eq!(c.version, 1);
            assert_eq!(c.answer, Some(ok()));
            assert_eq!(c.updated_by, "alice");
        }
        other => panic!("expected conflict, got {other:?}"),
    }
    // Never overwritten.
    assert_eq!(
        s.answer(&a.id, 7).await.unwrap().unwrap().answer,
        Some(ok())
    );
    assert!(matches!(
        s.write_answers(&a.id, &[w(5, x)], "bob").await,
        Err(StoreError::Conflict { .. })
    ));
}

async fn a_batch_with_one_stale_write_writes_nothing(s: &Store) {
    let (_, _, a) = setup(s).await;
    s.write_answers(
        &a.id,
        &[AnswerWrite {
            item: 3,
            expected_version: Some(0),
            answer: Some(ok()),
        }],
        "a",
    )
    .await
    .unwrap();
    let batch: Vec<AnswerWrite> = (1..=10)
        .map(|i| AnswerWrite {
            item: i,
            expected_version: Some(0), // item 3 is at version 1: stale
            answer: Some(ans("×", |_| {})),
        })
        .collect();
    assert!(matches!(
        s.write_answers(&a.id, &batch, "b").await,
        Err(StoreError::Conflict { item: 3, .. })
    ));
    let all = s.answers(&a.id).await.unwrap();
    assert_eq!(
        all.len(),
        1,
        "items 1, 2 of the failed batch must not be written"
    );
    assert_eq!(s.history(&a.id, None).await.unwrap().len(), 1);
}

async fn two_racing_writers_exactly_one_wins(s: &Store) {
    let (_, _, a) = setup(s).await;
    for round in 0..10i64 {
        let (s1, s2) = (s.clone(), s.clone());
        let (id1, id2) = (a.id.clone(), a.id.clone());
        let w1 = tokio::spawn(async move {
            s1.write_answers(
                &id1,
                &[AnswerWrite {
                    item: 9,
                    expected_version: Some(round),
                    answer: Some(ok()),
                }],
                "w1",
            )
            .await
        });
        let w2 = tokio::spawn(async move {
            s2.write_answers(
                &id2,
                &[AnswerWrite {
                    item: 9,
                    expected_version: Some(round),
                    answer: Some(ans("×", |_| {})),
                }],
                "w2",
            )
            .await
        });
        let (r1, r2) = (w1.await.unwrap(), w2.await.unwrap());
        let wins = [&r1, &r2].iter().filter(|r| r.is_ok()).count();
        assert_eq!(wins, 1, "round {round}: {r1:?} / {r2:?}");
        let loser = if r1.is_ok() { r2 } else { r1 };
        match loser {
            Err(StoreError::Conflict {
                item: 9,
                current: Some(c),
            }) => assert_eq!(c.version, round + 1),
            other => panic!("loser must get a conflict, got {other:?}"),
        }
    }
    assert_eq!(s.answer(&a.id, 9).await.unwrap().unwrap().version, 10);
}

/// Batches without an expected version (a file applied with `kojo assessment apply`, the API's
/// batch) take the version current inside their own transaction: two of them racing on the
/// same items both succeed, one after the other, and every write is counted. (The version
/// used to be read before the transaction, which made a batch fail with a conflict whenever
/// another writer committed in between; seen with a writer SIGKILLed while committing.)
async fn overwriting_batches_never_conflict_with_each_other(s: &Store) {
    let (_, _, a) = setup(s).await;
    let batch = |mark: &'static str| -> Vec<AnswerWrite> {
        (1..=10)
            .map(|i| AnswerWrite {
                item: i,
                expected_version: None,
                answer: Some(ans(mark, |_| {})),
            })
            .collect()
    };
    for round in 0..10 {
        let (s1, s2) = (s.clone(), s.clone());
        let (id1, id2) = (a.id.clone(), a.id.clone());
        let (b1, b2) = (batch("○"), batch("×"));
        let w1 = tokio::spawn(async move { s1.write_answers(&id1, &b1, "w1").await });
        let w2 = tokio::spawn(async move { s2.write_answers(&id2, &b2, "w2").await });
        let (r1, r2) = (w1.await.unwrap(), w2.await.unwrap());
        assert!(r1.is_ok() && r2.is_ok(), "round {round}: {r1:?} / {r2:?}");
    }
    for i in 1..=10 {
        assert_eq!(s.answer(&a.id, i).await.unwrap().unwrap().version, 20);
    }
}

async fn a_signed_off_assessment_is_locked(s: &Store) {
    let (_, _, a) = setup(s).await;
    s.set_status(&a.id, Status::Approved).await.unwrap();
    let r = try_answer_item_one(s, &a.id).await;
    assert!(
        matches!(
            r,
            Err(StoreError::NotDraft { ref status }) if status == "approved"
        ),
        "{r:?}"
    );
    assert!(s.answers(&a.id).await.unwrap().is_empty());
    assert!(matches!(
        s.write_answers(
            "missing",
            &[AnswerWrite {
                item: 1,
                expected_version: Some(0),
                answer: None
            }],
            "x"
        )
        .await,
        Err(StoreError::NotFound {
            what: "assessment",
            ..
        })
    ));
}

async fn assessments_visible_to_a_user_are_those_of_granted_sites(s: &Store) {
    let (org, site, a) = setup(s).await;
    let other = s.add_site(&org.id, "P2", "第二工場").await.unwrap();
    let b = s
        .create_assessment(
            &NewAssessment {
                site_id: other.id.clone(),
                line_id: None,
                period: fy(2025),
                catalog_id: "jama-japia-factory@0.9".into(),
                assessor: None,
                based_on: None,
                inherits_from: None,
                created_by: "t".into(),
            },
            &[],
        )
        .await
        .unwrap();
    let u = s
        .add_user("viewer1", Role::Viewer, "hash", "ja")
        .await
        .unwrap();
    assert!(
        s.assessments(Some(&org.id), None, Some(&u.id))
            .await
            .unwrap()
            .is_empty()
    );
    s.grant(&u.id, &other.id).await.unwrap();
    s.grant(&u.id, &other.id).await.unwrap();
    let ids: Vec<String> = s
        .assessments(Some(&org.id), None, Some(&u.id))
        .await
        .unwrap()
        .into_iter()
        .map(|(a, _)| a.id)
        .collect();
    assert_eq!(ids.len(), 1);
    assert_eq!(ids[0], b.id);
    assert!(s.is_granted(&u.id, &other.id).await.unwrap());
    assert!(!s.is_granted(&u.id, &site.id).await.unwrap());
    assert_eq!(s.sites_granted(&u.id).await.unwrap().len(), 1);
    let all = s.all_grants().await.unwrap();
    assert_eq!(all.len(), 1);
    assert_eq!(
        (all[0].0.as_str(), all[0].1.code.as_str()),
        (u.id.as_str(), "P2")
    );
    let by_site: Vec<String> = s
        .assessments(Some(&org.id), Some(&site.id), None)
        .await
        .unwrap()
        .into_iter()
        .map(|(a, _)| a.id)
        .collect();
    assert_eq!(by_site, [a.id]);
    s.revoke(&u.id, &other.id).await.unwrap();
    assert!(
        s.assessments(Some(&org.id), None, Some(&u.id))
            .await
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn a_bad_url_is_refused() {
    assert!(matches!(
        Store::open("mysql://x").await,
        Err(StoreError::BadUrl(_))
    ));
    assert!(matches!(
        Store::open("sqlite:").await,
        Err(StoreError::BadUrl(_))
    ));
}

#[tokio::test]
async fn sqlite_data_survives_reopening() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite:{}", dir.path().join("sub/dir/k.sqlite3").display());
    let s = Store::open(&url).await.unwrap();
    let (_, _, a) = setup(&s).await;
    answer_item_one(&s, &a.id).await;
    s.close().await;
    let s = Store::open(&url).await.unwrap();
    assert_eq!(s.answers(&a.id).await.unwrap().len(), 1);
    assert_eq!(s.kind(), Kind::Sqlite);
}

/// Inside `Store::pinned`, a task's reads and its write transactions share one connection. The
/// store here has a single connection: a write transaction that took another (PostgreSQL writes
/// use the same pool) would wait for the one the pin holds until the pool gives up.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pinned_task_reads_and_writes_on_one_connection() {
    let url = postgres_url().await;
    Store::open(&url).await.unwrap().close().await;
    let s = Store::connect_with(&url, Connections::One).await.unwrap();
    let a = s
        .pinned(async {
            let (_, _, a) = setup(&s).await;
            answer_item_one(&s, &a.id).await;
            assert_eq!(s.answers(&a.id).await.unwrap().len(), 1);
            a
        })
        .await;
    // The scope over, its connection is the pool's again.
    assert_eq!(s.answers(&a.id).await.unwrap().len(), 1);
}

async fn review_comments_are_kept_per_item(s: &Store) {
    let (_, _, a) = setup(s).await;
    s.add_comment(
        &a.id,
        Some(3),
        "reviewer1",
        "根拠資料を添付してください <b>",
    )
    .await
    .unwrap();
    s.add_comment(&a.id, None, "reviewer1", "全体として妥当")
        .await
        .unwrap();
    let all = s.comments(&a.id).await.unwrap();
    assert_eq!(all.len(), 2);
    assert_eq!(all[0].item_no, Some(3));
    assert_eq!(all[0].body, "根拠資料を添付してください <b>");
    assert_eq!(all[1].item_no, None);
    assert!(matches!(
        s.add_comment("missing", None, "x", "y").await,
        Err(StoreError::NotFound { .. })
    ));
}

/// Many rows in the same millisecond: the order key, not the timestamp or the random id,
/// decides the order, so it is the order of writing every time.
async fn comments_history_and_the_access_log_keep_the_order_they_were_written_in(s: &Store) {
    let (_, _, a) = setup(s).await;
    for i in 0..40 {
        s.add_comment(&a.id, Some(1 + i % 3), "r", &format!("c{i}"))
            .await
            .unwrap();
    }
    let bodies: Vec<String> = s
        .comments(&a.id)
        .await
        .unwrap()
        .into_iter()
        .map(|c| c.body)
        .collect();
    let want: Vec<String> = (0..40).map(|i| format!("c{i}")).collect();
    assert_eq!(bodies, want);

    for i in 0..30u16 {
        let item = 1 + (30 - i); // items written in descending order
        s.write_answers(
            &a.id,
            &[AnswerWrite {
                item,
                expected_version: Some(0),
                answer: Some(ok()),
            }],
            "w",
        )
        .await
        .unwrap();
    }
    let items: Vec<u16> = s
        .history(&a.id, None)
        .await
        .unwrap()
        .into_iter()
        .map(|h| h.item)
        .collect();
    let want: Vec<u16> = (0..30u16).map(|i| 1 + (30 - i)).collect();
    assert_eq!(items, want, "history in the order of writing, not by item");

    for i in 0..40 {
        s.audit(Some("x"), None, &format!("a{i}"), None, None)
            .await
            .unwrap();
    }
    let log = s.audit_log(None, 40).await.unwrap();
    let actions: Vec<&str> = log.iter().map(|e| e.action.as_str()).collect();
    let want: Vec<String> = (0..40).rev().map(|i| format!("a{i}")).collect();
    assert_eq!(actions, want, "newest first, in the order of writing");
    assert!(log.windows(2).all(|w| w[0].seq > w[1].seq));
}

async fn id_prefixes_resolve_only_among_visible_assessments(s: &Store) {
    let (org, site, a) = setup(s).await;
    let other = s.add_site(&org.id, "P2", "Other").await.unwrap();
    let b = s
        .create_assessment(
            &NewAssessment {
                site_id: other.id.clone(),
                line_id: None,
                period: fy(2026),
                catalog_id: "c".into(),
                assessor: None,
                based_on: None,
                inherits_from: None,
                created_by: "t".into(),
            },
            &[],
        )
        .await
        .unwrap();
    let u = s.add_user("v", Role::Viewer, "h", "ja").await.unwrap();
    s.grant(&u.id, &site.id).await.unwrap();
    assert_eq!(
        s.assessments_by_prefix(&a.id[..8], Some(&u.id))
            .await
            .unwrap()
            .len(),
        1
    );
    assert!(
        s.assessments_by_prefix(&b.id[..8], Some(&u.id))
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        s.assessments_by_prefix(&b.id[..8], None)
            .await
            .unwrap()
            .len(),
        1
    );
    // Anything outside the id alphabet matches nothing (no LIKE wildcards, no "zzzz").
    for p in ["zzzz", "%", "_", "", "ABCD"] {
        assert!(
            s.assessments_by_prefix(p, None).await.unwrap().is_empty(),
            "{p:?}"
        );
    }
}

async fn missing_rows_are_errors_not_silent_successes(s: &Store) {
    assert!(matches!(
        s.set_lang("nobody", "en").await,
        Err(StoreError::NotFound { .. })
    ));
    assert!(matches!(
        s.rename_org("nothing", "x").await,
        Err(StoreError::NotFound { .. })
    ));
    assert!(matches!(
        s.set_role("nobody", Role::Viewer).await,
        Err(StoreError::NotFound { .. })
    ));
    assert!(matches!(
        s.set_disabled("nobody", false).await,
        Err(StoreError::NotFound { .. })
    ));
}
