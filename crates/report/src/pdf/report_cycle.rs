//! The report's sections of the yearly cycle: the comparison with the previous assessment, the
//! review of every □ △ × item, the action plan and the registers' appendix.

use super::flow::MM;
use super::report::{BODY, Doc, aligned, cell, header, p, record, record_table, table};
use super::table::{Cell, Col, Group};
use super::text::{Align, Para};
use crate::model::{Cycle, RegistersAppendix};

pub(super) fn yoy(d: &mut Doc, c: &Cycle) {
    d.f.page_break();
    d.h1(&d.t("yoy.heading"));
    let Some(y) = &c.yoy else {
        d.small(&d.t("yoy.none"));
        return;
    };
    d.f.para(&p(&y.compared, BODY));
    d.f.space(1.0 * MM);
    d.kpis(&[(d.t("yoy.overall"), y.overall.clone(), None)]);

    d.h2(&d.t("yoy.labels"));
    let mut t = table(vec![
        Col::Fixed(15.0 * MM),
        Col::Fr(1.0),
        Col::Fixed(22.0 * MM),
        Col::Fixed(22.0 * MM),
        Col::Fixed(28.0 * MM),
    ]);
    let mut h = header(&[
        &d.t("labels.number"),
        &d.t("labels.name"),
        &d.t("yoy.then"),
        &d.t("yoy.now"),
        &d.t("yoy.diff"),
    ]);
    h.rows[0].cells = std::mem::take(&mut h.rows[0].cells)
        .into_iter()
        .map(|c| c.align(Align::Center))
        .collect();
    t.header.push(h);
    let aligns = [
        Align::Center,
        Align::Left,
        Align::Right,
        Align::Right,
        Align::Right,
    ];
    for l in &y.labels {
        t.body.push(aligned(
            vec![
                cell(&l.number.to_string(), BODY),
                cell(&l.name, BODY),
                cell(&l.then, BODY),
                cell(&l.now, BODY),
                cell(&l.diff, BODY),
            ],
            &aligns,
        ));
    }
    d.table(&t);

    d.h2(&d.t("yoy.changes"));
    if y.changes.is_empty() {
        d.small(&d.t("yoy.changes_empty"));
        return;
    }
    let mut t = table(vec![
        Col::Fixed(15.0 * MM),
        Col::Fixed(24.0 * MM),
        Col::Fixed(24.0 * MM),
        Col::Fr(1.0),
    ]);
    t.header.push(header(&[
        &d.t("items.number"),
        &d.t("yoy.then"),
        &d.t("yoy.now"),
        &d.t("yoy.change"),
    ]));
    let aligns = [Align::Center, Align::Center, Align::Center, Align::Left];
    for ch in &y.changes {
        let em = if ch.regressed { BODY.bold() } else { BODY };
        t.body.push(aligned(
            vec![
                cell(&ch.number.to_string(), em),
                cell(&ch.from, BODY.size(11.0)),
                cell(&ch.to, BODY.size(11.0)),
                cell(&ch.kind, em),
            ],
            &aligns,
        ));
    }
    d.table(&t);
}

pub(super) fn review_and_actions(d: &mut Doc, c: &Cycle) {
    d.f.page_break();
    d.h1(&d.t("review.heading"));
    d.para(p(&d.t("review.intro"), BODY));
    if c.reviews.is_empty() {
        d.small(&d.t("review.empty"));
    } else {
        let mut t = record_table();
        for r in &c.reviews {
            let style = if r.reviewed { BODY } else { BODY.bold() };
            let fields = r
                .fields
                .iter()
                .map(|f| (f.key.clone(), p(&f.value, style)))
                .collect();
            t.body
                .push(record(r.number, &r.symbol, &r.condition, r.keep, fields));
        }
        d.table(&t);
    }

    d.f.page_break();
    d.h1(&d.t("actions.heading"));
    if c.actions.is_empty() {
        d.small(&d.t("actions.empty"));
        return;
    }
    if let Some(n) = &c.overdue_note {
        d.para(p(n, BODY.bold()));
    }
    let mut t = table(vec![
        Col::Fixed(11.0 * MM),
        Col::Fr(1.0),
        Col::Fixed(26.0 * MM),
        Col::Fixed(32.0 * MM),
        Col::Fixed(17.0 * MM),
        Col::Fr(0.6),
    ]);
    t.header.push(header(&[
        &d.t("items.number"),
        &d.t("actions.title"),
        &d.t("actions.owner"),
        &d.t("actions.due"),
        &d.t("actions.status"),
        &d.t("items.note"),
    ]));
    for a in &c.actions {
        let mut due = p(&a.due, BODY);
        if a.overdue {
            due = due.line(format!("[{}]", d.t("actions.overdue")), BODY.bold());
        }
        t.body.push(Group::row(vec![
            cell(&a.number.to_string(), BODY).align(Align::Center),
            cell(&a.title, BODY),
            cell(&a.owner, BODY),
            Cell::new(due),
            cell(&a.status, BODY),
            cell(a.note.as_deref().unwrap_or(""), BODY),
        ]));
    }
    d.table(&t);
}

pub(super) fn registers(d: &mut Doc, reg: &RegistersAppendix) {
    d.f.page_break();
    d.h1(&d.t("registers.heading"));
    d.para(p(&d.t("registers.intro"), BODY));
    d.small(&reg.source);
    if let Some(n) = &reg.mismatch_note {
        d.para(p(n, BODY.bold()));
    }
    if reg.rows.is_empty() {
        d.small(&d.t("registers.empty"));
        return;
    }
    let text = BODY.size(8.5);
    let mut t = table(vec![
        Col::Fixed(11.0 * MM),
        Col::Fr(1.0),
        Col::Fixed(17.0 * MM),
        Col::Fixed(14.0 * MM),
        Col::Fr(0.7),
        Col::Fr(0.9),
    ]);
    t.header.push(header(&[
        &d.t("items.number"),
        &d.t("items.condition"),
        &d.t("registers.answered"),
        &d.t("registers.suggested"),
        &d.t("registers.findings"),
        &d.t("registers.basis"),
    ]));
    for r in &reg.rows {
        let mut answered = Para::new(&r.answered, text).align(Align::Center);
        if r.mismatch {
            answered = answered.line(format!("[{}]", d.t("registers.mismatch")), text.bold());
        }
        let basis = r.basis.iter().map(|b| p(b, super::report::SMALL)).collect();
        t.body.push(Group::row(vec![
            cell(&r.number.to_string(), text).align(Align::Center),
            cell(&r.condition, text),
            Cell::new(answered),
            cell(&r.suggested, text).align(Align::Center),
            cell(&r.findings, text),
            Cell::paras(basis),
        ]));
    }
    d.table(&t);
}
