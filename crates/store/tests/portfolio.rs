//! The portfolio's storage, on SQLite and PostgreSQL: mark summaries kept by every answer
//! write (as computed here from what was written), the latest revision of every scope and year
//! with the plant's summary for a line that inherits, visibility through grants, and overdue □
//! and actions per assessment.

mod common;

use common::*;
use kojo_domain::Role;
use kojo_domain::Status;
use kojo_store::*;

suite!(
    summaries_follow_every_write_and_heads_are_the_latest_revisions,
    overdue_work_counts_the_assessments_own_rows,
);

fn w(item: u16, expected_version: i64, answer: Option<kojo_domain::ItemAnswer>) -> AnswerWrite {
    AnswerWrite {
        item,
        expected_version: Some(expected_version),
        answer,
    }
}

fn deferred(review_by: &str) -> kojo_domain::ItemAnswer {
    ans("□", |r| {
        r.reason = Some("予算待ち".into());
        r.review_by = Some(review_by.into());
    })
}

fn new(site: &Site, line: Option<&Line>, period: u16, on: Option<&str>) -> NewAssessment {
    NewAssessment {
        site_id: site.id.clone(),
        line_id: line.map(|l| l.id.clone()),
        period: fy(period),
        catalog_id: "jama-japia-factory@0.9".into(),
        assessor: None,
        based_on: None,
        inherits_from: on.map(str::to_string),
        created_by: "u".into(),
    }
}

async fn heads(
    s: &Store,
    org: Option<&str>,
    user: Option<&str>,
    period: Option<i64>,
) -> Vec<PortfolioHead> {
    let mut h = s.portfolio_heads(org, user, period).await.unwrap();
    h.sort_by(|a, b| {
        (&a.site_id, &a.line_code, a.period).cmp(&(&b.site_id, &b.line_code, b.period))
    });
    h
}

async fn summaries_follow_every_write_and_heads_are_the_latest_revisions(s: &Store) {
    let (org, site, plant) = setup(s).await;
    // Items 1 ○, 2 ×, 4 －, 5 □ (3 unanswered): "OX.ND".
    s.write_answers(
        &plant.id,
        &[
            w(1, 0, Some(ok())),
            w(2, 0, Some(ans("×", |_| {}))),
            w(4, 0, Some(ans("－", |r| r.na_reason = Some("なし".into())))),
            w(5, 0, Some(deferred("2099-01-01"))),
        ],
        "u",
    )
    .await
    .unwrap();
    let h = heads(s, None, None, None).await;
    assert_eq!(h.len(), 1);
    assert_eq!(
        (h[0].id.as_str(), h[0].marks.as_str()),
        (plant.id.as_str(), "OX.ND")
    );
    // A clear writes an unanswered mark.
    s.write_answers(&plant.id, &[w(2, 1, None)], "u")
        .await
        .unwrap();
    assert_eq!(heads(s, None, None, None).await[0].marks, "O..ND");
    // A line that inherits: `i` where it follows the plant, its own mark where it overrides;
    // its head carries the plant's summary.
    let line = s.add_line(&site.id, "L1", "組立").await.unwrap();
    let l = s
        .create_assessment(&new(&site, Some(&line), 2026, Some(&plant.id)), &[])
        .await
        .unwrap();
    s.write_answers(&l.id, &[w(3, 0, Some(ok())), w(5, 0, Some(ok()))], "u")
        .await
        .unwrap();
    s.inherit_items(&l.id, &[(5, 1)], "u").await.unwrap();
    let h = heads(s, None, None, Some(2026)).await;
    let lh = h
        .iter()
        .find(|x| x.line_code.as_deref() == Some("L1"))
        .unwrap();
    assert_eq!(lh.marks, "iiOii");
    assert_eq!(lh.parent_marks.as_deref(), Some("O..ND"));
    assert_eq!(lh.inherits_from.as_deref(), Some(plant.id.as_str()));
    // A new revision replaces the old one as the year's head; an earlier year stays.
    s.set_status(&plant.id, Status::Approved).await.unwrap();
    let mut n = new(&site, None, 2026, None);
    n.based_on = Some(plant.id.clone());
    let rev = s
        .carry_assessment(&n, &plant.id, Carry::Revision)
        .await
        .unwrap();
    s.write_answers(&rev.id, &[w(3, 0, Some(ans("×", |_| {})))], "u")
        .await
        .unwrap();
    let old = s
        .create_assessment(&new(&site, None, 2025, None), &[])
        .await
        .unwrap();
    let h = heads(s, None, None, None).await;
    let ids: Vec<(&str, Option<&str>, i64)> = h
        .iter()
        .map(|x| (x.id.as_str(), x.line_code.as_deref(), x.period))
        .collect();
    assert_eq!(
        ids,
        [
            (old.id.as_str(), None, 2025),
            (rev.id.as_str(), None, 2026),
            (l.id.as_str(), Some("L1"), 2026)
        ]
    );
    let rh = h.iter().find(|x| x.id == rev.id).unwrap();
    assert_eq!((rh.revision, rh.marks.as_str()), (2, "O.XND"));
    assert_eq!(old.revision, 1);
    assert_eq!(h.iter().find(|x| x.id == old.id).unwrap().marks, "");
    // The draft line now follows the new revision.
    let lh = h.iter().find(|x| x.id == l.id).unwrap();
    assert_eq!(lh.parent_marks.as_deref(), Some("O.XND"));
    // Visibility: a user granted another company's plant sees none of these; the company
    // filter selects by company.
    let b = s.add_company("B", "B社").await.unwrap();
    let b1 = s.add_site(&b.id, "B1", "B第一").await.unwrap();
    let bx = s
        .create_assessment(&new(&b1, None, 2026, None), &[])
        .await
        .unwrap();
    let u = s.add_user("佐藤", Role::Viewer, "h", "ja").await.unwrap();
    s.grant_company(&u.id, &b.id).await.unwrap();
    let seen: Vec<String> = heads(s, None, Some(&u.id), None)
        .await
        .into_iter()
        .map(|x| x.id)
        .collect();
    assert_eq!(seen, std::slice::from_ref(&bx.id));
    assert_eq!(heads(s, Some(&b.id), None, None).await.len(), 1);
    assert_eq!(heads(s, Some(&org.id), None, None).await.len(), 3);
}

async fn overdue_work_counts_the_assessments_own_rows(s: &Store) {
    let (_, site, plant) = setup(s).await;
    s.write_answers(
        &plant.id,
        &[
            w(1, 0, Some(deferred("2020-01-01"))),
            w(2, 0, Some(deferred("2099-01-01"))),
            w(3, 0, Some(deferred("2026-12-31"))),
        ],
        "u",
    )
    .await
    .unwrap();
    let line = s.add_line(&site.id, "L1", "組立").await.unwrap();
    let l = s
        .create_assessment(&new(&site, Some(&line), 2026, Some(&plant.id)), &[])
        .await
        .unwrap();
    s.write_answers(&l.id, &[w(4, 0, Some(deferred("2021-01-01")))], "u")
        .await
        .unwrap();
    let action = |item: u16, due: &str| NewAction {
        item,
        title: "更新".into(),
        owner: None,
        due: Some(due.into()),
        note: None,
    };
    s.add_action(&plant.id, &action(1, "2020-02-01"), "u")
        .await
        .unwrap();
    s.add_action(&plant.id, &action(2, "2099-02-01"), "u")
        .await
        .unwrap();
    let o = s
        .portfolio_overdue(None, None, 2026, "2027-01-15")
        .await
        .unwrap();
    // Plant: □ 1 and 3 past (2 is not); one action past. Line: its own □ 4 only (the plant's
    // inherited □ are the plant's).
    assert_eq!(
        o[&plant.id],
        OverdueRow {
            reviews: 2,
            actions: 1
        }
    );
    assert_eq!(
        o[&l.id],
        OverdueRow {
            reviews: 1,
            actions: 0
        }
    );
    // On 2026-06-01 only □ 1 and the line's □ 4 are past.
    let o = s
        .portfolio_overdue(None, None, 2026, "2026-06-01")
        .await
        .unwrap();
    assert_eq!(
        o[&plant.id],
        OverdueRow {
            reviews: 1,
            actions: 1
        }
    );
    // Another year: nothing.
    assert!(
        s.portfolio_overdue(None, None, 2025, "2027-01-15")
            .await
            .unwrap()
            .is_empty()
    );
}
