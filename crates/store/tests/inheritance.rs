//! Lines that inherit from their plant, on SQLite and PostgreSQL: create on top of the plant's
//! assessment, override, un-override, the plant's changes visible in the line at once (and in
//! its history as the plant's), scoring on the effective marks, plant revisions and next year.

mod common;

use common::*;
use kojo_domain::{Mark, Status};
use kojo_store::*;
use std::collections::BTreeMap;

suite!(
    a_line_inherits_overrides_and_follows_the_plant,
    un_override_keeps_versions_growing_and_refuses_what_it_cannot,
    a_plant_revision_carries_its_draft_lines_along,
    next_year_carries_the_overrides_onto_next_years_plant,
);

fn w(item: u16, expected_version: i64, answer: Option<kojo_domain::ItemAnswer>) -> AnswerWrite {
    AnswerWrite {
        item,
        expected_version: Some(expected_version),
        answer,
    }
}

fn deferred() -> kojo_domain::ItemAnswer {
    ans("□", |r| {
        r.reason = Some("予算待ち".into());
        r.review_by = Some("2027-03-31".into());
    })
}

fn na() -> kojo_domain::ItemAnswer {
    ans("－", |r| r.na_reason = Some("無線機器なし".into()))
}

/// A plant assessment with items 1 ○, 2 ×, 3 □, 4 － and a line L1 of the same plant.
async fn plant_and_line(s: &Store) -> (Site, Assessment, Line) {
    let (_, site, plant) = setup(s).await;
    s.write_answers(
        &plant.id,
        &[
            w(1, 0, Some(ok())),
            w(2, 0, Some(ans("×", |_| {}))),
            w(3, 0, Some(deferred())),
            w(4, 0, Some(na())),
        ],
        "plant-user",
    )
    .await
    .unwrap();
    let line = s.add_line(&site.id, "L1", "第1ライン").await.unwrap();
    (site, plant, line)
}

async fn new_line_assessment(
    s: &Store,
    site: &Site,
    line: &Line,
    period: u16,
    on: &str,
) -> Assessment {
    s.create_assessment(
        &NewAssessment {
            site_id: site.id.clone(),
            line_id: Some(line.id.clone()),
            period: fy(period),
            catalog_id: "jama-japia-factory@0.9".into(),
            assessor: None,
            based_on: None,
            inherits_from: Some(on.into()),
            created_by: "line-user".into(),
        },
        &[],
    )
    .await
    .unwrap()
}

/// item → (mark symbol, inherited, version), as the store returns them.
async fn effective(s: &Store, id: &str) -> BTreeMap<u16, (Option<&'static str>, bool, i64)> {
    s.answers(id)
        .await
        .unwrap()
        .into_iter()
        .map(|a| {
            (
                a.item,
                (
                    a.answer.as_ref().map(|x| x.mark().symbol()),
                    a.inherited,
                    a.version,
                ),
            )
        })
        .collect()
}

async fn a_line_inherits_overrides_and_follows_the_plant(s: &Store) {
    let (site, plant, line) = plant_and_line(s).await;
    let l = new_line_assessment(s, &site, &line, 2026, &plant.id).await;
    assert_eq!(l.inherits_from.as_deref(), Some(plant.id.as_str()));
    assert_eq!(
        s.plant_assessment(&site.id, 2026)
            .await
            .unwrap()
            .unwrap()
            .id,
        plant.id
    );
    // Everything the plant answered, inherited, at the line's own version 0.
    let e = effective(s, &l.id).await;
    assert_eq!(
        e,
        BTreeMap::from([
            (1, (Some("○"), true, 0)),
            (2, (Some("×"), true, 0)),
            (3, (Some("□"), true, 0)),
            (4, (Some("－"), true, 0)),
        ])
    );
    // Override item 2 on the line (a write at version 0), answer item 5 only on the line.
    let out = s
        .write_answers(
            &l.id,
            &[w(2, 0, Some(ok())), w(5, 0, Some(ok()))],
            "line-user",
        )
        .await
        .unwrap();
    assert!(out.iter().all(|a| !a.inherited && a.version == 1));
    // The plant changes item 1 (inherited) and item 2 (overridden on the line).
    s.write_answers(
        &plant.id,
        &[w(1, 1, Some(ans("×", |_| {}))), w(2, 1, Some(deferred()))],
        "plant-user",
    )
    .await
    .unwrap();
    let e = effective(s, &l.id).await;
    assert_eq!(
        e[&1],
        (Some("×"), true, 0),
        "the plant's change shows in the line at once"
    );
    assert_eq!(e[&2], (Some("○"), false, 1), "the line's override stands");
    assert_eq!(e[&5], (Some("○"), false, 1));
    assert!(s.answer(&l.id, 1).await.unwrap().unwrap().inherited);
    // The plant itself sees nothing of the line.
    let p = effective(s, &plant.id).await;
    assert_eq!(p.len(), 4);
    assert!(p.values().all(|(_, inherited, _)| !inherited));
    // Scoring on the effective marks: the list's tally of the line counts the plant's marks
    // for inherited items. Independently: 1 ×, 2 ○, 3 □, 4 －, 5 ○.
    let list = s.assessments(None, Some(&site.id), None).await.unwrap();
    let (_, tally) = list.iter().find(|(a, _)| a.id == l.id).unwrap();
    let mut expected = [0u32; 5];
    for m in ["×", "○", "□", "－", "○"] {
        expected[Mark::parse(m).unwrap().index()] += 1;
    }
    assert_eq!(tally.counts, expected);
    // History of the line: its own two writes (the override's "before" is the plant's ×),
    // and the plant's changes of the items it inherits (1, 3, 4), marked as the plant's; none
    // of the plant's changes of item 2, which the line overrides.
    let h = s.history(&l.id, None).await.unwrap();
    let own: Vec<(u16, Option<Mark>, Option<Mark>)> = h
        .iter()
        .filter(|e| !e.plant)
        .map(|e| (e.item, e.old_mark(), e.new_mark()))
        .collect();
    assert_eq!(
        own,
        [
            (2, Some(Mark::NotConsidered), Some(Mark::Implemented)),
            (5, None, Some(Mark::Implemented)),
        ]
    );
    let mut plant_items: Vec<(u16, i64)> = h
        .iter()
        .filter(|e| e.plant)
        .map(|e| (e.item, e.version))
        .collect();
    plant_items.sort();
    assert_eq!(plant_items, [(1, 1), (1, 2), (3, 1), (4, 1)]);
    // In time order: the plant's change of item 1 (v2) comes after the line's writes.
    let last = h.last().unwrap();
    assert!(last.plant && last.item == 1 && last.version == 2);
    // One item's history of an inherited item is the plant's.
    let h1 = s.history(&l.id, Some(1)).await.unwrap();
    assert!(h1.iter().all(|e| e.plant) && h1.len() == 2);
    // The plant's own history is unchanged by the line.
    assert!(
        s.history(&plant.id, None)
            .await
            .unwrap()
            .iter()
            .all(|e| !e.plant)
    );
}

async fn un_override_keeps_versions_growing_and_refuses_what_it_cannot(s: &Store) {
    let (site, plant, line) = plant_and_line(s).await;
    let l = new_line_assessment(s, &site, &line, 2026, &plant.id).await;
    s.write_answers(&l.id, &[w(2, 0, Some(ok()))], "line-user")
        .await
        .unwrap();
    // Un-override item 2: back on the plant's ×, the line's own version grows to 2.
    let back = s
        .inherit_items(&l.id, &[(2, 1)], "line-user")
        .await
        .unwrap();
    assert_eq!(back.len(), 1);
    assert_eq!(
        (
            back[0].answer.as_ref().map(|a| a.mark()),
            back[0].inherited,
            back[0].version
        ),
        (Some(Mark::NotConsidered), true, 2)
    );
    assert_eq!(effective(s, &l.id).await[&2], (Some("×"), true, 2));
    let last = s
        .history(&l.id, Some(2))
        .await
        .unwrap()
        .into_iter()
        .rfind(|e| !e.plant)
        .unwrap();
    assert!(last.inherit);
    assert_eq!(
        (last.old_mark(), last.new_mark()),
        (Some(Mark::Implemented), Some(Mark::NotConsidered))
    );
    // A writer still holding version 1 (from before the un-override) loses.
    match s
        .write_answers(&l.id, &[w(2, 1, Some(deferred()))], "stale")
        .await
    {
        Err(StoreError::Conflict {
            item: 2,
            current: Some(c),
        }) => {
            assert_eq!(c.version, 2);
            assert!(c.inherited);
        }
        other => panic!("expected a conflict, got {other:?}"),
    }
    // Overriding again at version 2.
    let out = s
        .write_answers(&l.id, &[w(2, 2, Some(deferred()))], "line-user")
        .await
        .unwrap();
    assert_eq!((out[0].version, out[0].inherited), (3, false));
    assert_eq!(effective(s, &l.id).await[&2], (Some("□"), false, 3));
    // An item the plant never answered, overridden and put back: inherited, unanswered, and
    // still at the line's version.
    s.write_answers(&l.id, &[w(9, 0, Some(ok()))], "line-user")
        .await
        .unwrap();
    s.inherit_items(&l.id, &[(9, 1)], "line-user")
        .await
        .unwrap();
    assert_eq!(effective(s, &l.id).await[&9], (None, true, 2));
    // Refusals, each changing nothing.
    match s.inherit_items(&l.id, &[(1, 0)], "line-user").await {
        Err(StoreError::NotOverridden { item: 1 }) => {}
        other => panic!("expected not overridden, got {other:?}"),
    }
    match s.inherit_items(&l.id, &[(2, 2)], "line-user").await {
        Err(StoreError::Conflict { item: 2, .. }) => {}
        other => panic!("expected a conflict, got {other:?}"),
    }
    match s.inherit_items(&plant.id, &[(1, 1)], "plant-user").await {
        Err(StoreError::NotInheriting) => {}
        other => panic!("expected not inheriting, got {other:?}"),
    }
    s.set_status(&l.id, Status::Submitted).await.unwrap();
    match s.inherit_items(&l.id, &[(2, 3)], "line-user").await {
        Err(StoreError::NotDraft { status }) => assert_eq!(status, "submitted"),
        other => panic!("expected not draft, got {other:?}"),
    }
    assert_eq!(effective(s, &l.id).await[&2], (Some("□"), false, 3));
}

async fn a_plant_revision_carries_its_draft_lines_along(s: &Store) {
    let (site, plant, line) = plant_and_line(s).await;
    let line2 = s.add_line(&site.id, "L2", "第2ライン").await.unwrap();
    let draft = new_line_assessment(s, &site, &line, 2026, &plant.id).await;
    let submitted = new_line_assessment(s, &site, &line2, 2026, &plant.id).await;
    s.set_status(&submitted.id, Status::Submitted)
        .await
        .unwrap();
    s.set_status(&plant.id, Status::Approved).await.unwrap();
    let rev = s
        .carry_assessment(
            &NewAssessment {
                site_id: site.id.clone(),
                line_id: None,
                period: fy(2026),
                catalog_id: plant.catalog_id.clone(),
                assessor: None,
                based_on: Some(plant.id.clone()),
                inherits_from: None,
                created_by: "plant-user".into(),
            },
            &plant.id,
            Carry::Revision,
        )
        .await
        .unwrap();
    assert_eq!(rev.revision, 2);
    assert_eq!(
        s.plant_assessment(&site.id, 2026)
            .await
            .unwrap()
            .unwrap()
            .id,
        rev.id
    );
    // The draft line follows the new revision; the submitted one stays on the approved one.
    let get = |id: String| async move { s.assessment(&id).await.unwrap().unwrap() };
    assert_eq!(
        get(draft.id.clone()).await.inherits_from.as_deref(),
        Some(rev.id.as_str())
    );
    assert_eq!(
        get(submitted.id.clone()).await.inherits_from.as_deref(),
        Some(plant.id.as_str())
    );
    s.write_answers(&rev.id, &[w(1, 1, Some(ans("×", |_| {})))], "plant-user")
        .await
        .unwrap();
    assert_eq!(effective(s, &draft.id).await[&1], (Some("×"), true, 0));
    assert_eq!(effective(s, &submitted.id).await[&1], (Some("○"), true, 0));
}

async fn next_year_carries_the_overrides_onto_next_years_plant(s: &Store) {
    let (site, plant, line) = plant_and_line(s).await;
    let l = new_line_assessment(s, &site, &line, 2026, &plant.id).await;
    s.write_answers(
        &l.id,
        &[w(2, 0, Some(ok())), w(3, 0, Some(ok()))],
        "line-user",
    )
    .await
    .unwrap();
    s.inherit_items(&l.id, &[(3, 1)], "line-user")
        .await
        .unwrap();
    let new =
        |line_id: Option<String>, based_on: &str, inherits_from: Option<String>| NewAssessment {
            site_id: site.id.clone(),
            line_id,
            period: fy(2027),
            catalog_id: plant.catalog_id.clone(),
            assessor: None,
            based_on: Some(based_on.into()),
            inherits_from,
            created_by: "u".into(),
        };
    let plant27 = s
        .carry_assessment(&new(None, &plant.id, None), &plant.id, Carry::NextYear)
        .await
        .unwrap();
    s.write_answers(&plant27.id, &[w(4, 1, Some(ok()))], "plant-user")
        .await
        .unwrap();
    let l27 = s
        .carry_assessment(
            &new(Some(line.id.clone()), &l.id, Some(plant27.id.clone())),
            &l.id,
            Carry::NextYear,
        )
        .await
        .unwrap();
    let e = effective(s, &l27.id).await;
    assert_eq!(e[&2], (Some("○"), false, 1), "the override is carried");
    assert!(e[&3].1, "an item put back on the plant stays inherited");
    assert_eq!(e[&3].0, Some("□"));
    assert_eq!(
        e[&4],
        (Some("○"), true, 0),
        "inherited items follow next year's plant"
    );
    // Unconfirmed (要再確認) are the line's own carried answers only; the plant re-confirms its own.
    let mut confirmed = s.reconfirm(&l27.id, None, "line-user").await.unwrap();
    confirmed.sort();
    assert_eq!(confirmed, [2]);
    // A line carried without inheriting keeps what it showed: the effective marks become its own.
    let line2 = s.add_line(&site.id, "L2", "第2ライン").await.unwrap();
    let l2 = new_line_assessment(s, &site, &line2, 2026, &plant.id).await;
    let own = s
        .carry_assessment(
            &new(Some(line2.id.clone()), &l2.id, None),
            &l2.id,
            Carry::NextYear,
        )
        .await
        .unwrap();
    let e = effective(s, &own.id).await;
    assert_eq!(e.len(), 4);
    assert!(e.values().all(|(_, inherited, v)| !inherited && *v == 1));
}
