//! Catalog versions on both engines: 新版で作成 through the test catalog's mapping carries
//! every kind of change as documented (same, reworded, merged, split, new, removed), with
//! evidence and actions re-keyed, the old answers shown, and year-over-year comparisons made
//! through the mapping.

#[macro_use]
mod common;
use common::*;
use kojo_catalog::{Change, TEST_ID};
use kojo_domain::Mark;

suite!(
    a_new_version_carries_every_kind_of_change,
    refusals_name_the_problem
);

/// The app over `db` with the test catalog listed.
async fn with_test_catalog(db: &Db) -> App {
    kojo_catalog::enable_test_catalog_for_tests();
    App::open(&db.url).await.unwrap()
}

/// Plant P1, 2026, on 0.9: 1 ○, 57 ○, 58 ○, 59 △, 60 □, 61 ×, 62 ○, 63 －; evidence and an
/// open action on 60.
async fn source(app: &App) -> String {
    let a = admin();
    site(app, "P1", "第一工場").await;
    let ed = app.editor(&a).unwrap();
    let old = ed
        .new_assessment("P1", None, fy(2026), Some("山田"))
        .await
        .unwrap();
    assert_eq!(old.catalog_id, kojo_catalog::DEFAULT_ID);
    for (n, r) in [
        (1, raw("○", |_| {})),
        (57, raw("○", |_| {})),
        (58, raw("○", |_| {})),
        (59, considering()),
        (60, deferred()),
        (61, raw("×", |_| {})),
        (62, raw("○", |_| {})),
        (
            63,
            raw("－", |r| r.na_reason = Some("サーバー室なし".into())),
        ),
    ] {
        ed.answer(&old.id, item(app, n), Some(&r), None)
            .await
            .unwrap();
    }
    ed.add_evidence(&old.id, item(app, 60), "backup-plan.txt", b"plan", None)
        .await
        .unwrap();
    ed.add_action(&old.id, item(app, 60), "取得頻度を決める", None, None, None)
        .await
        .unwrap();
    old.id
}

async fn a_new_version_carries_every_kind_of_change(db: &Db) {
    let app = with_test_catalog(db).await;
    let old = source(&app).await;
    let actor = admin();
    let ed = app.editor(&actor).unwrap();
    let m = ed
        .migrate_catalog(&old, "0.9-test", None, None)
        .await
        .unwrap();
    let a = &m.assessment;
    assert_eq!(a.catalog_id, TEST_ID);
    assert_eq!((a.period, a.revision), (2026, 2));
    assert_eq!(a.based_on.as_deref(), Some(old.as_str()));
    assert_eq!(a.assessor.as_deref(), Some("山田"));
    assert_eq!(m.confirmed, [1, 61, 62]);
    assert_eq!(m.unconfirmed, [57, 58, 59, 60]);
    assert_eq!(m.new_items, [63]);
    assert_eq!(m.removed, [62]);

    let view = ed.assessment(&a.id).await.unwrap();
    assert_eq!(view.catalog.id, TEST_ID);
    let got = |n: u16| {
        view.answers
            .get(&n)
            .map(|s| (s.answer.as_ref().unwrap().mark(), s.confirmed))
    };
    assert_eq!(got(1), Some((Mark::Implemented, true)), "same");
    assert_eq!(got(57), Some((Mark::Implemented, false)), "reworded");
    assert_eq!(
        got(58),
        Some((Mark::Considering, false)),
        "merged: the cautious △ of old 59"
    );
    assert_eq!(got(59), Some((Mark::Deferred, false)), "split from old 60");
    assert_eq!(got(60), Some((Mark::Deferred, false)), "split from old 60");
    assert_eq!(got(61), Some((Mark::NotConsidered, true)), "same");
    assert_eq!(
        got(62),
        Some((Mark::NotApplicable, true)),
        "old 63 renumbered"
    );
    assert_eq!(got(63), None, "new items start unanswered");
    assert_eq!(view.answers.len(), 7);
    // The carried □ keeps its fields (reason, review date).
    let split = view.answers[&59].answer.as_ref().unwrap().to_raw();
    assert_eq!(split.reason.as_deref(), Some("更新計画中"));
    assert_eq!(view.summary.overall.items, 63);
    assert_eq!(view.summary.overall.unconfirmed, 4);

    // Evidence under both halves of the split, same blob; the action under the first only.
    let ev = ed.evidence_list(&a.id).await.unwrap();
    let mut ev_items: Vec<i64> = ev.iter().map(|e| e.item_no).collect();
    ev_items.sort_unstable();
    assert_eq!(ev_items, [59, 60]);
    assert!(ev.iter().all(|e| e.sha256 == ev[0].sha256));
    let actions = ed.actions(&a.id).await.unwrap();
    assert_eq!(actions.iter().map(|x| x.item_no).collect::<Vec<_>>(), [59]);

    // Where each changed item came from, with the old answers.
    let origin = ed.catalog_origin(&view).await.unwrap().unwrap();
    assert_eq!(origin.source.id, old);
    assert_eq!(origin.from.id, kojo_catalog::DEFAULT_ID);
    let o = |n: u16| {
        let x = &origin.items[&n];
        (
            x.change,
            x.from
                .iter()
                .map(|(i, a)| (*i, a.as_ref().map(|a| a.mark())))
                .collect::<Vec<_>>(),
        )
    };
    assert_eq!(
        o(57),
        (Change::Reworded, vec![(57, Some(Mark::Implemented))])
    );
    assert_eq!(
        o(58),
        (
            Change::Merged,
            vec![(58, Some(Mark::Implemented)), (59, Some(Mark::Considering))]
        )
    );
    assert_eq!(o(59), (Change::Split, vec![(60, Some(Mark::Deferred))]));
    assert_eq!(o(63), (Change::New, vec![]));
    assert!(!origin.items.contains_key(&1) && !origin.items.contains_key(&62));
    // The source has no origin of its own.
    let src_view = ed.assessment(&old).await.unwrap();
    assert!(ed.catalog_origin(&src_view).await.unwrap().is_none());
    assert_eq!(
        ed.newer_catalogs(kojo_catalog::DEFAULT_ID)
            .iter()
            .map(|c| c.id.as_str())
            .collect::<Vec<_>>(),
        [TEST_ID]
    );

    // The new draft is worked on in its own numbering: item 63 exists, 57 re-confirms.
    ed.answer(&a.id, item(&app, 63), Some(&raw("○", |_| {})), None)
        .await
        .unwrap();
    assert_eq!(
        ed.reconfirm(&a.id, Some(&[item(&app, 57)])).await.unwrap(),
        [57]
    );
    ed.answer(&a.id, item(&app, 61), Some(&raw("○", |_| {})), None)
        .await
        .unwrap();

    // Comparisons across versions go through the mapping, in the newer numbering: old 63's
    // － is new 62's; old 62 (removed) is not compared; new 63 is new.
    let d = ed.diff(&old, &a.id).await.unwrap();
    let changes: Vec<(u16, Option<Mark>, Option<Mark>)> =
        d.changes.iter().map(|c| (c.item, c.from, c.to)).collect();
    assert!(
        changes.contains(&(61, Some(Mark::NotConsidered), Some(Mark::Implemented))),
        "{changes:?}"
    );
    assert!(
        changes.contains(&(63, None, Some(Mark::Implemented))),
        "{changes:?}"
    );
    assert!(
        !changes.iter().any(|c| c.0 == 62 || c.0 == 58 || c.0 == 59),
        "{changes:?}"
    );

    // Next year on the new version: last year's marks arrive through the mapping.
    let next = ed
        .migrate_catalog(&old, TEST_ID, Some(fy(2027)), None)
        .await
        .unwrap()
        .assessment;
    assert_eq!((next.period, next.revision), (2027, 1));
    let (prev, marks) = ed.previous(&next).await.unwrap().unwrap();
    assert_eq!(prev.period, 2026);
    // The latest revision of 2026 is the migrated one (rev 2), already in the new numbering.
    assert_eq!(prev.id, a.id);
    let by: Vec<(u16, Mark)> = marks.iter().map(|(i, m)| (i.get(), *m)).collect();
    assert!(by.contains(&(62, Mark::NotApplicable)) && by.contains(&(63, Mark::Implemented)));

    // A checksheet of the new version names it, and imports back as that version.
    let bytes = ed
        .checksheet(&view, kojo_domain::Lang::Ja, None)
        .await
        .unwrap();
    let sheet = kojo_xlsx::import(&bytes, view.catalog).unwrap();
    assert_eq!(sheet.catalog_id, TEST_ID);
    app.admin(&actor)
        .unwrap()
        .add_site("P2", "第二工場")
        .await
        .unwrap();
    let imported = ed.import(&sheet, "P2", None, fy(2026)).await.unwrap();
    assert_eq!(imported.catalog_id, TEST_ID);
    // Next year from the imported one keeps its version.
    let carried = ed
        .carry_forward("P2", None, fy(2027), &imported.id, None)
        .await
        .unwrap();
    assert_eq!(carried.catalog_id, TEST_ID);
}

async fn refusals_name_the_problem(db: &Db) {
    let app = with_test_catalog(db).await;
    let old = source(&app).await;
    let actor = admin();
    let ed = app.editor(&actor).unwrap();
    let e = ed
        .migrate_catalog(&old, "9.9", None, None)
        .await
        .unwrap_err();
    assert!(
        message(&e).contains("there is no guideline version \"9.9\""),
        "{}",
        message(&e)
    );
    let e = ed
        .migrate_catalog(&old, "0.9", None, None)
        .await
        .unwrap_err();
    assert!(
        message(&e).contains("already uses jama-japia-factory@0.9"),
        "{}",
        message(&e)
    );
    let e = ed
        .migrate_catalog(&old, "0.9-test", Some(fy(2025)), None)
        .await
        .unwrap_err();
    assert!(
        message(&e).contains("before the source assessment"),
        "{}",
        message(&e)
    );
    // No mapping back from the test catalog to 0.9.
    let new = ed
        .migrate_catalog(&old, "0.9-test", None, None)
        .await
        .unwrap();
    let e = ed
        .migrate_catalog(&new.assessment.id, "0.9", None, None)
        .await
        .unwrap_err();
    assert!(
        message(&e).contains("no mapping from jama-japia-factory@0.9-test"),
        "{}",
        message(&e)
    );
    // A reader may not.
    let reader = user(&app, "viewer", Role::Viewer).await;
    assert!(app.editor(&reader).is_none());
    // Nothing was created by the refusals: the source and one migrated revision.
    let list = ed.assessments(None).await.unwrap();
    assert_eq!(list.len(), 2);
}
