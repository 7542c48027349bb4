//! The portfolio (issue 10 §3–§5) on SQLite and PostgreSQL, against expectations computed here
//! independently from the marks the test wrote: plant figures (latest revision; plant-level
//! first, lines as children; a plant assessed only by lines pooled), lines that inherit scored
//! on effective marks, label rates, company pooled rate and mean, the weakest items, the trend,
//! statuses, overdue work, filters, visibility through company grants, and the stored mark
//! summaries rebuilt after an upgrade.

#[macro_use]
mod common;
use common::*;
use kojo_app::{Portfolio, PortfolioQuery};
use kojo_domain::{Decision, Mark};
use std::collections::BTreeMap;

suite!(
    portfolio_matches_independent_expectations,
    a_company_grant_sees_only_its_company,
    mark_summaries_are_rebuilt_after_an_upgrade,
);

const ITEMS: usize = 63;

/// A deterministic mark per item from a seed (no randomness between runs).
fn marks_for(seed: u64) -> Vec<Option<Mark>> {
    let mut x = seed
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    (0..ITEMS)
        .map(|_| {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            match (x >> 33) % 7 {
                0..=2 => Some(Mark::Implemented),
                3 => Some(Mark::Deferred),
                4 => Some(Mark::Considering),
                5 => Some(Mark::NotConsidered),
                _ => {
                    if (x >> 40).is_multiple_of(2) {
                        Some(Mark::NotApplicable)
                    } else {
                        None
                    }
                }
            }
        })
        .collect()
}

fn raw_of(m: Mark) -> RawAnswer {
    match m {
        Mark::Implemented => raw("○", |_| {}),
        Mark::Deferred => raw("□", |r| {
            r.reason = Some("予算待ち".into());
            r.review_by = Some("2099-03-31".into());
        }),
        Mark::Considering => considering(),
        Mark::NotConsidered => raw("×", |_| {}),
        Mark::NotApplicable => raw("－", |r| r.na_reason = Some("対象なし".into())),
    }
}

async fn write(app: &App, id: &str, marks: &[Option<Mark>], only: impl Fn(usize) -> bool) {
    let a = admin();
    let ed = app.editor(&a).unwrap();
    let answers = marks
        .iter()
        .enumerate()
        .filter(|(i, _)| only(*i))
        .filter_map(|(i, m)| m.map(|m| (item(app, i as u16 + 1), Some(raw_of(m).parse().unwrap()))))
        .collect();
    ed.answer_many(id, answers).await.unwrap();
}

/// Independent: ○ ÷ (items − －) over the items `include` selects.
fn rate(marks: &[Option<Mark>], include: impl Fn(usize) -> bool) -> Option<f64> {
    let (mut items, mut ok, mut na) = (0u32, 0u32, 0u32);
    for (i, m) in marks.iter().enumerate() {
        if include(i) {
            items += 1;
            ok += u32::from(*m == Some(Mark::Implemented));
            na += u32::from(*m == Some(Mark::NotApplicable));
        }
    }
    (items > na).then(|| f64::from(ok) / f64::from(items - na))
}

fn pooled(sets: &[&[Option<Mark>]], include: impl Fn(usize) -> bool + Copy) -> Option<f64> {
    let joined: Vec<Option<Mark>> = sets.iter().flat_map(|s| s.iter().copied()).collect();
    rate(&joined, |i| include(i % ITEMS))
}

fn close(a: Option<f64>, b: Option<f64>, what: &str) {
    match (a, b) {
        (Some(x), Some(y)) => assert!((x - y).abs() < 1e-12, "{what}: {x} vs {y}"),
        (x, y) => assert_eq!(x, y, "{what}"),
    }
}

fn label_of(app: &App) -> Vec<u16> {
    let mut v = vec![0; ITEMS];
    for it in app.catalog.items() {
        v[usize::from(it.item.number) - 1] = it.label.number;
    }
    v
}

struct Setup {
    /// Figures as the test wrote them: P1 2026 (rev 2), P1/L1 2026 effective, P2/L1, P2/L2, B1,
    /// P1 2025.
    p1: Vec<Option<Mark>>,
    p1_l1: Vec<Option<Mark>>,
    p2_l1: Vec<Option<Mark>>,
    p2_l2: Vec<Option<Mark>>,
    b1: Vec<Option<Mark>>,
    p1_2025: Vec<Option<Mark>>,
    p1_id: String,
}

/// Company A (the default, renamed) with P1, P2, P3; company B with B1.
/// - P1: 2025 plant-level; 2026 rev 1 approved, rev 2 (a draft) differing in items 1–10; line
///   L1 of 2026 inheriting from it with items 20–29 overridden.
/// - P2: only lines in 2026 (L1, L2). P3: nothing. B1: 2026 plant-level.
async fn setup(app: &App) -> Setup {
    let a = admin();
    let adm = app.admin(&a).unwrap();
    adm.rename_company("default", "A部品株式会社")
        .await
        .unwrap();
    adm.add_company("B", "B工業株式会社").await.unwrap();
    for (code, name) in [("P1", "第一工場"), ("P2", "第二工場"), ("P3", "第三工場")] {
        adm.add_site(code, name).await.unwrap();
    }
    adm.add_company_site("B", "B1", "B第一工場").await.unwrap();
    adm.add_line("P1", "L1", "組立").await.unwrap();
    adm.add_line("P2", "L1", "溶接").await.unwrap();
    adm.add_line("P2", "L2", "塗装").await.unwrap();
    for (name, role) in [
        ("s1", Role::Assessor),
        ("s2", Role::Reviewer),
        ("s3", Role::Approver),
    ] {
        adm.add_user(name, role, PASSWORD, &["P1".to_string()])
            .await
            .unwrap();
    }
    let ed = app.editor(&a).unwrap();

    let p1_2025 = marks_for(1);
    let x = ed.new_assessment("P1", None, fy(2025), None).await.unwrap();
    write(app, &x.id, &p1_2025, |_| true).await;

    let rev1 = marks_for(2);
    let r1 = ed.new_assessment("P1", None, fy(2026), None).await.unwrap();
    write(app, &r1.id, &rev1, |_| true).await;
    for (who, d) in [
        ("s1", Decision::Submit),
        ("s2", Decision::Confirm),
        ("s3", Decision::Approve),
    ] {
        let actor = app.actor_for(who).await.unwrap();
        app.signer(&actor)
            .unwrap()
            .decide(&r1.id, d, None)
            .await
            .unwrap();
    }
    let r2 = ed.revise(&r1.id).await.unwrap();
    let mut p1 = rev1.clone();
    let change = marks_for(3);
    p1[..10].copy_from_slice(&change[..10]);
    // Items 1–10 take the new marks (cleared where the new mark is unanswered).
    let answers = (0..10)
        .map(|i| {
            (
                item(app, i as u16 + 1),
                p1[i].map(|m| raw_of(m).parse().unwrap()),
            )
        })
        .collect();
    ed.answer_many(&r2.id, answers).await.unwrap();

    let l1 = ed
        .new_inheriting_assessment("P1", "L1", fy(2026), None)
        .await
        .unwrap();
    let own = marks_for(4);
    write(app, &l1.id, &own, |i| (19..29).contains(&i)).await;
    let p1_l1: Vec<Option<Mark>> = (0..ITEMS)
        .map(|i| {
            if (19..29).contains(&i) && own[i].is_some() {
                own[i]
            } else {
                p1[i]
            }
        })
        .collect();

    let p2_l1 = marks_for(5);
    let y = ed
        .new_assessment("P2", Some("L1"), fy(2026), None)
        .await
        .unwrap();
    write(app, &y.id, &p2_l1, |_| true).await;
    let p2_l2 = marks_for(6);
    let z = ed
        .new_assessment("P2", Some("L2"), fy(2026), None)
        .await
        .unwrap();
    write(app, &z.id, &p2_l2, |_| true).await;
    let b1 = marks_for(7);
    let w = ed.new_assessment("B1", None, fy(2026), None).await.unwrap();
    write(app, &w.id, &b1, |_| true).await;
    Setup {
        p1,
        p1_l1,
        p2_l1,
        p2_l2,
        b1,
        p1_2025,
        p1_id: r2.id,
    }
}

fn today() -> chrono::NaiveDate {
    chrono::NaiveDate::from_ymd_opt(2027, 1, 15).unwrap()
}

async fn portfolio(app: &App, actor: &Actor, q: PortfolioQuery) -> Portfolio {
    app.reader(actor).portfolio(&q, today()).await.unwrap()
}

fn row<'a>(p: &'a Portfolio, site: &str, line: Option<&str>) -> &'a kojo_app::PortfolioRow {
    p.plants
        .iter()
        .find(|r| r.site == site && r.line.as_deref() == line)
        .unwrap_or_else(|| panic!("row {site} {line:?}"))
}

async fn portfolio_matches_independent_expectations(db: &Db) {
    let app = &db.app;
    let s = setup(app).await;
    let labels = label_of(app);
    let p = portfolio(app, &admin(), PortfolioQuery::default()).await;
    assert_eq!(p.period, 2026, "the latest year with data");
    assert_eq!(p.periods, [2025, 2026]);
    assert_eq!(p.labels.len(), 17);
    // Rows: each plant followed by its lines.
    let order: Vec<(String, Option<String>)> = p
        .plants
        .iter()
        .map(|r| (r.site.clone(), r.line.clone()))
        .collect();
    let pos = |s: &str, l: Option<&str>| {
        order
            .iter()
            .position(|(a, b)| a == s && b.as_deref() == l)
            .unwrap()
    };
    assert_eq!(pos("P1", Some("L1")), pos("P1", None) + 1);
    assert_eq!(pos("P2", Some("L1")), pos("P2", None) + 1);
    assert_eq!(pos("P2", Some("L2")), pos("P2", None) + 2);
    assert_eq!(p.plants.len(), 7);

    let all = |_: usize| true;
    let checks: [(&str, Option<&str>, Option<f64>, &str); 6] = [
        ("P1", None, rate(&s.p1, all), "draft"),
        ("P1", Some("L1"), rate(&s.p1_l1, all), "draft"),
        ("P2", None, pooled(&[&s.p2_l1, &s.p2_l2], all), "by_lines"),
        ("P2", Some("L1"), rate(&s.p2_l1, all), "draft"),
        ("B1", None, rate(&s.b1, all), "draft"),
        ("P3", None, None, "not_started"),
    ];
    for (site, line, want, status) in checks {
        let r = row(&p, site, line);
        close(r.rate, want, &format!("{site} {line:?}"));
        assert_eq!(r.status, status, "{site} {line:?}");
    }
    assert_eq!(row(&p, "P1", None).revision, Some(2), "the latest revision");
    assert_eq!(
        row(&p, "P1", None).assessment.as_deref(),
        Some(s.p1_id.as_str())
    );
    assert!(row(&p, "P1", Some("L1")).inherits);
    // Label rates.
    for l in 1..=17u16 {
        let k = l.to_string();
        let in_label = |i: usize| labels[i] == l;
        close(
            row(&p, "P1", None).labels[&k],
            rate(&s.p1, in_label),
            "P1 label",
        );
        close(
            row(&p, "P1", Some("L1")).labels[&k],
            rate(&s.p1_l1, in_label),
            "L1 label",
        );
        close(
            row(&p, "P2", None).labels[&k],
            pooled(&[&s.p2_l1, &s.p2_l2], in_label),
            "P2 label",
        );
        assert_eq!(row(&p, "P3", None).labels[&k], None);
    }
    // Companies: A pools P1 and P2's figures (P3 has none); B is B1.
    let a = p
        .company_aggregates
        .iter()
        .find(|c| c.company.as_deref() == Some("default"))
        .unwrap();
    close(
        a.rate,
        pooled(&[&s.p1, &s.p2_l1, &s.p2_l2], all),
        "company A pooled",
    );
    let p2 = pooled(&[&s.p2_l1, &s.p2_l2], all).unwrap();
    close(
        a.mean_of_plant_rates,
        Some((rate(&s.p1, all).unwrap() + p2) / 2.0),
        "company A mean",
    );
    assert_eq!((a.plants_with_figure, a.plants), (2, 3));
    for l in 1..=17u16 {
        close(
            a.labels[&l.to_string()],
            pooled(&[&s.p1, &s.p2_l1, &s.p2_l2], |i| labels[i] == l),
            "company A label",
        );
    }
    close(
        p.aggregate.rate,
        pooled(&[&s.p1, &s.p2_l1, &s.p2_l2, &s.b1], all),
        "everything pooled",
    );
    // Weakest items: counted over plant figures (P1, P2's lines, B1), most first.
    let mut expected: BTreeMap<u16, Vec<String>> = BTreeMap::new();
    for (place, m) in [
        ("P1", &s.p1),
        ("P2/L1", &s.p2_l1),
        ("P2/L2", &s.p2_l2),
        ("B1", &s.b1),
    ] {
        for (i, x) in m.iter().enumerate() {
            if x.is_some_and(|x| x.is_residual_risk()) {
                expected
                    .entry(i as u16 + 1)
                    .or_default()
                    .push(place.to_string());
            }
        }
    }
    let mut want: Vec<(u16, usize)> = expected.iter().map(|(k, v)| (*k, v.len())).collect();
    want.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    want.truncate(10);
    let got: Vec<(u16, usize)> = p.weakest.iter().map(|w| (w.item, w.count)).collect();
    assert_eq!(got, want);
    for w in &p.weakest {
        let mut places = w.plants.clone();
        places.sort();
        let mut e = expected[&w.item].clone();
        e.sort();
        assert_eq!(places, e, "item {}", w.item);
    }
    // Trend: P1 2025 and 2026, P2 only 2026 (its lines pooled), company A per year.
    let t = |code: &str, company: bool| {
        p.trend
            .iter()
            .find(|t| t.code == code && t.company == company)
            .unwrap()
            .points
            .clone()
    };
    let p1t = t("P1", false);
    close(p1t[0].1, rate(&s.p1_2025, all), "P1 2025");
    close(p1t[1].1, rate(&s.p1, all), "P1 2026");
    assert_eq!(t("P2", false)[0].1, None);
    close(
        t("default", true)[0].1,
        rate(&s.p1_2025, all),
        "company A 2025",
    );
    close(
        t("default", true)[1].1,
        pooled(&[&s.p1, &s.p2_l1, &s.p2_l2], all),
        "company A 2026",
    );
    assert_eq!(t("P3", false), [(2025, None), (2026, None)]);

    // Filters: one label, one area, one company, another year.
    let q = PortfolioQuery {
        label: Some(3),
        ..Default::default()
    };
    let f = portfolio(app, &admin(), q).await;
    assert_eq!(f.labels, [3]);
    close(
        row(&f, "P1", None).rate,
        rate(&s.p1, |i| labels[i] == 3),
        "label filter",
    );
    let area = app.catalog.items().nth(5).unwrap().item.area.clone();
    let in_area: Vec<bool> = {
        let mut v = vec![false; ITEMS];
        for it in app.catalog.items() {
            v[usize::from(it.item.number) - 1] = it.item.area == area;
        }
        v
    };
    let f = portfolio(
        app,
        &admin(),
        PortfolioQuery {
            area: Some(area.clone()),
            ..Default::default()
        },
    )
    .await;
    close(
        row(&f, "B1", None).rate,
        rate(&s.b1, |i| in_area[i]),
        "area filter",
    );
    assert!(f.weakest.iter().all(|w| in_area[usize::from(w.item) - 1]));
    let f = portfolio(
        app,
        &admin(),
        PortfolioQuery {
            company: Some("B".into()),
            ..Default::default()
        },
    )
    .await;
    assert!(f.plants.iter().all(|r| r.site == "B1"));
    let f = portfolio(
        app,
        &admin(),
        PortfolioQuery {
            period: Some(fy(2025)),
            ..Default::default()
        },
    )
    .await;
    close(row(&f, "P1", None).rate, rate(&s.p1_2025, all), "2025");
    assert_eq!(row(&f, "B1", None).status, "not_started");
    // Unknown filters are refused, naming them.
    for q in [
        PortfolioQuery {
            company: Some("ZZ".into()),
            ..Default::default()
        },
        PortfolioQuery {
            area: Some("nowhere".into()),
            ..Default::default()
        },
        PortfolioQuery {
            label: Some(18),
            ..Default::default()
        },
    ] {
        let e = app
            .reader(&admin())
            .portfolio(&q, today())
            .await
            .unwrap_err();
        assert!(matches!(e, AppError::NotFound { .. }), "{e:?}");
    }

    // Overdue: a □ whose review date passed and an action past due on P1's figure.
    let me = admin();
    let ed = app.editor(&me).unwrap();
    let n = (0..ITEMS)
        .find(|i| (10..).contains(i) && s.p1[*i].is_some())
        .unwrap();
    ed.answer(&s.p1_id, item(app, n as u16 + 1), Some(&deferred()), None)
        .await
        .unwrap();
    ed.add_action(
        &s.p1_id,
        item(app, n as u16 + 1),
        "更新",
        None,
        Some("2000-01-31"),
        None,
    )
    .await
    .unwrap();
    let p = portfolio(app, &admin(), PortfolioQuery::default()).await;
    let r = row(&p, "P1", None);
    let before =
        s.p1.iter()
            .skip(10)
            .filter(|m| **m == Some(Mark::Deferred))
            .count();
    // The setup's □ are due in 2099: only the new one is overdue.
    assert_eq!(
        (r.overdue_reviews, r.overdue_actions),
        (1, 1),
        "{before} □ not yet due"
    );
    assert_eq!(
        row(&p, "P1", Some("L1")).overdue_reviews,
        0,
        "an inherited □ is the plant's"
    );
}

async fn a_company_grant_sees_only_its_company(db: &Db) {
    let app = &db.app;
    let s = setup(app).await;
    let me = admin();
    let adm = app.admin(&me).unwrap();
    adm.add_user("bview", Role::Viewer, PASSWORD, &[])
        .await
        .unwrap();
    adm.grant_company("bview", "B").await.unwrap();
    let b = app.actor_for("bview").await.unwrap();
    let p = portfolio(app, &b, PortfolioQuery::default()).await;
    let sites: Vec<&str> = p.plants.iter().map(|r| r.site.as_str()).collect();
    assert_eq!(sites, ["B1"]);
    assert_eq!(
        p.companies
            .iter()
            .map(|c| c.code.as_str())
            .collect::<Vec<_>>(),
        ["B"]
    );
    close(p.aggregate.rate, rate(&s.b1, |_| true), "only B1");
    assert_eq!((p.aggregate.plants_with_figure, p.aggregate.plants), (1, 1));
    assert!(p.weakest.iter().all(|w| w.plants == ["B1"]));
    assert_eq!(p.periods, [2026], "no year of a plant it cannot see");
    assert!(p.trend.iter().all(|t| t.code == "B1" || t.code == "B"));
    // Another company's code is as absent as a missing one.
    let e = app
        .reader(&b)
        .portfolio(
            &PortfolioQuery {
                company: Some("default".into()),
                ..Default::default()
            },
            today(),
        )
        .await
        .unwrap_err();
    assert!(matches!(e, AppError::NotFound { .. }), "{e:?}");
    // A plant grant: P1 only (with its line), nothing of P2, P3 or B.
    let p1 = app.actor_for("s1").await.unwrap();
    let p = portfolio(app, &p1, PortfolioQuery::default()).await;
    let rows: Vec<(&str, Option<&str>)> = p
        .plants
        .iter()
        .map(|r| (r.site.as_str(), r.line.as_deref()))
        .collect();
    assert_eq!(rows, [("P1", None), ("P1", Some("L1"))]);
    close(p.aggregate.rate, rate(&s.p1, |_| true), "only P1");
}

async fn mark_summaries_are_rebuilt_after_an_upgrade(db: &Db) {
    let app = &db.app;
    setup(app).await;
    let before =
        serde_json::to_value(portfolio(app, &admin(), PortfolioQuery::default()).await).unwrap();
    // As a database from before the summaries: none computed.
    raw_sql(&db.url, "UPDATE assessments SET marks = NULL").await;
    let reopened = App::open(&db.url).await.unwrap();
    let after =
        serde_json::to_value(portfolio(&reopened, &admin(), PortfolioQuery::default()).await)
            .unwrap();
    assert_eq!(before, after);
    assert!(before["aggregate"]["rate"].as_f64().is_some());
}
