//! The report's first pages: the cover with the sign-off boxes at its foot, and the summary
//! (key figures, the distribution of marks, the rate per label, the radar chart).

use super::flow::MM;
use super::report::{
    BODY, Doc, GROUP_FILL, HEAD_FILL, INK, MUTED, RULE, SETUP, SMALL, aligned, b, cell, header, p,
    table,
};
use super::table::{Cell, Col, Group, Row, Table};
use super::text::{Align, Style};

pub(super) fn cover(d: &mut Doc) {
    let m = d.m;
    d.f.space(8.0 * MM);
    d.f.para(&p(&m.guideline, Style::new(10.0, MUTED)));
    d.f.space(3.0 * MM);
    d.f.para(&p(&m.title, Style::new(22.0, INK).bold()));
    d.f.space(1.0 * MM);
    d.f.para(&p(&m.subtitle, Style::new(11.0, INK)));
    d.f.space(4.0 * MM);
    d.unofficial();
    d.f.space(6.0 * MM);
    let mut t = Table::new(
        vec![Col::Fixed(40.0 * MM), Col::Fr(1.0)],
        (0.5, RULE),
        (2.5 * MM, 2.4 * MM),
    );
    for pair in &m.cover {
        t.body.push(Group::row(vec![
            cell(&pair.key, BODY.bold()).fill(HEAD_FILL),
            cell(&pair.value, BODY.size(10.0)),
        ]));
    }
    d.f.table(&t);

    // The sign-off boxes at the foot of the cover.
    let heading = p(&d.t("signoff.heading"), Style::new(10.5, INK).bold());
    let mut s = table(vec![
        Col::Fixed(24.0 * MM),
        Col::Fr(1.0),
        Col::Fr(1.0),
        Col::Fr(1.0),
    ]);
    let mut head = vec![Cell::default().fill(HEAD_FILL)];
    for k in ["signoff.author", "signoff.reviewer", "signoff.approver"] {
        head.push(
            cell(&d.t(k), BODY.bold())
                .fill(HEAD_FILL)
                .align(Align::Center)
                .middle(),
        );
    }
    s.body.push(Group::row(head));
    let boxes = |key: &str, value: &dyn Fn(&crate::model::SignBox) -> String, h: f32| {
        let mut cells = vec![
            cell(&d.t(key), BODY.bold())
                .fill(HEAD_FILL)
                .align(Align::Center)
                .middle(),
        ];
        cells.extend(m.signoff.iter().map(|x| {
            cell(&value(x), BODY.size(10.0))
                .align(Align::Center)
                .middle()
        }));
        Group {
            span: None,
            rows: vec![Row {
                cells,
                min_height: h,
            }],
            keep: true,
        }
    };
    s.body
        .push(boxes("signoff.name", &|x| x.name.clone(), 13.0 * MM));
    s.body
        .push(boxes("signoff.date", &|x| x.date.clone(), 13.0 * MM));
    let mut seal = boxes("signoff.seal", &|_| String::new(), 24.0 * MM);
    for c in seal.rows[0].cells.iter_mut().skip(1) {
        c.middle = false;
    }
    s.body.push(seal);
    let note = m.signoff_note.as_ref().map(|n| p(n, Style::new(8.5, INK)));
    let h = d.f.para_height(&heading)
        + 1.0 * MM
        + d.f.table_height(&s)
        + note.as_ref().map_or(0.0, |n| d.f.para_height(n) + 2.0);
    let foot = SETUP.height - SETUP.bottom - h;
    d.f.ensure(h);
    d.f.move_to(foot);
    d.f.para(&heading);
    d.f.space(1.0 * MM);
    d.f.table(&s);
    if let Some(n) = note {
        d.f.space(2.0);
        d.f.para(&n);
    }
}

pub(super) fn summary(d: &mut Doc) {
    let m = d.m;
    d.f.page_break();
    d.h1(&d.t("summary.heading"));
    d.kpis(&[
        (d.t("summary.overall_rate"), m.overall_rate.clone(), None),
        (
            d.t("summary.completion"),
            m.completion.clone(),
            Some(m.completion_value.clone()),
        ),
    ]);
    let mut formula = p(&m.rate_formula, SMALL);
    if m.any_undefined {
        formula = formula.line(d.t("summary.rate_undefined"), SMALL);
    }
    d.para(formula);
    if let Some(pr) = &m.provisional {
        d.notice(vec![
            b(&d.t("provisional.heading"))
                .line(&pr.text, BODY)
                .line(&pr.items, BODY),
        ]);
    }
    if let Some(i) = &m.inherited {
        d.notice(vec![b(&d.t("inherited.heading")).line(i, BODY)]);
    }

    d.h2(&d.t("marks.heading"));
    let mut t = table(vec![
        Col::Fixed(16.0 * MM),
        Col::Fr(1.0),
        Col::Fixed(22.0 * MM),
        Col::Fixed(22.0 * MM),
    ]);
    let aligns = [Align::Center, Align::Left, Align::Right, Align::Right];
    t.header.push(header(&[
        &d.t("marks.mark"),
        &d.t("marks.meaning"),
        &d.t("marks.count"),
        &d.t("marks.share"),
    ]));
    for r in &m.marks {
        t.body.push(aligned(
            vec![
                cell(&r.symbol, BODY.size(11.0)),
                cell(&r.name, BODY),
                cell(&r.count.to_string(), BODY),
                cell(&r.share, BODY),
            ],
            &aligns,
        ));
    }
    t.body.push(aligned(
        vec![
            Cell::default().fill(GROUP_FILL),
            cell(&d.t("marks.total"), BODY.bold()).fill(GROUP_FILL),
            cell(&m.total.to_string(), BODY.bold()).fill(GROUP_FILL),
            cell("100.0%", BODY.bold()).fill(GROUP_FILL),
        ],
        &aligns,
    ));
    d.table(&t);

    // The labels' table stays on one page with its heading.
    let mut t = table(
        [15.0, 0.0, 14.0, 8.0, 8.0, 8.0, 8.0, 8.0, 14.0, 17.0]
            .iter()
            .map(|w| {
                if *w == 0.0 {
                    Col::Fr(1.0)
                } else {
                    Col::Fixed(w * MM)
                }
            })
            .collect(),
    );
    let mut head = vec![
        d.t("labels.number"),
        d.t("labels.name"),
        d.t("labels.items"),
    ];
    head.extend(m.marks.iter().take(5).map(|r| r.symbol.clone()));
    head.extend([d.t("marks.unanswered"), d.t("labels.rate")]);
    let head: Vec<&str> = head.iter().map(String::as_str).collect();
    let mut h = header(&head);
    for c in &mut h.rows[0].cells {
        c.paras.iter_mut().for_each(|p| p.align = Align::Center);
    }
    t.header.push(h);
    let mut aligns = vec![Align::Right; 10];
    aligns[0] = Align::Center;
    aligns[1] = Align::Left;
    for l in &m.labels {
        let mut cells = vec![
            cell(&l.number.to_string(), BODY),
            cell(&l.name, BODY),
            cell(&l.items.to_string(), BODY),
        ];
        cells.extend(l.counts.iter().map(|c| cell(&c.to_string(), BODY)));
        cells.extend([cell(&l.unanswered.to_string(), BODY), cell(&l.rate, BODY)]);
        t.body.push(aligned(cells, &aligns));
    }
    let heading = p(&d.t("labels.heading"), Style::new(10.5, INK).bold());
    d.f.ensure(5.0 * MM + d.f.para_height(&heading) + 2.2 * MM + d.f.table_height(&t));
    d.h2(&d.t("labels.heading"));
    d.table(&t);
    if let Some(u) = &m.unofficial {
        d.small(u);
    }

    d.f.page_break();
    d.h2(&d.t("radar.heading"));
    d.f.space(4.0 * MM);
    if let Some(tree) = d.radar.take() {
        d.f.svg(tree, 165.0 * MM);
    }
    d.f.space(2.0 * MM);
    d.para(p(&d.t("radar.caption"), SMALL).align(Align::Center));
}
