//! The yearly cycle's sections of the HTML report: year over year, the review results and the
//! action plan.

use super::{note, pairs_dl, running};
use crate::fmt::escape as e;
use crate::model::{Cycle, Model, Yoy};
use std::fmt::Write;

/// The year-over-year section (前年比).
pub(super) fn yoy(o: &mut String, m: &Model, y: Option<&Yoy>) {
    let s = |k: &str| e(m.s(k));
    o.push_str("<section class=\"yoy\">\n");
    running(o, m);
    let _ = writeln!(o, "<h2>{}</h2>", s("yoy.heading"));
    let Some(y) = y else {
        let _ = writeln!(o, "<p class=\"muted\">{}</p>\n</section>", s("yoy.none"));
        return;
    };
    let _ = writeln!(o, "<p>{}</p>", e(&y.compared));
    let _ = writeln!(
        o,
        "<div class=\"kpis\">\n<div class=\"kpi\"><div class=\"caption\">{}</div><div class=\"value then-now\" id=\"overall-yoy\">{}</div></div>\n</div>",
        s("yoy.overall"),
        e(&y.overall)
    );
    let _ = writeln!(o, "<h3>{}</h3>", s("yoy.labels"));
    let _ = writeln!(
        o,
        "<table class=\"yoy-labels\">\n<thead><tr><th class=\"c\">{}</th><th>{}</th><th class=\"num\">{}</th><th class=\"num\">{}</th><th class=\"num\">{}</th></tr></thead>\n<tbody>",
        s("labels.number"),
        s("labels.name"),
        s("yoy.then"),
        s("yoy.now"),
        s("yoy.diff"),
    );
    for l in &y.labels {
        let _ = writeln!(
            o,
            "<tr><td class=\"c\">{}</td><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
            l.number,
            e(&l.name),
            e(&l.then),
            e(&l.now),
            e(&l.diff)
        );
    }
    o.push_str("</tbody>\n</table>\n");
    let _ = writeln!(o, "<h3>{}</h3>", s("yoy.changes"));
    if y.changes.is_empty() {
        let _ = writeln!(o, "<p class=\"muted\">{}</p>", s("yoy.changes_empty"));
    } else {
        let _ = writeln!(
            o,
            "<table class=\"changes\">\n<thead><tr><th class=\"c w-no\">{}</th><th class=\"c\">{}</th><th class=\"c\">{}</th><th>{}</th></tr></thead>\n<tbody>",
            s("items.number"),
            s("yoy.then"),
            s("yoy.now"),
            s("yoy.change"),
        );
        for c in &y.changes {
            let _ = writeln!(
                o,
                "<tr{}><td class=\"c\">{}</td><td class=\"mark\">{}</td><td class=\"mark\">{}</td><td>{}</td></tr>",
                if c.regressed {
                    " class=\"regressed\""
                } else {
                    ""
                },
                c.number,
                e(&c.from),
                e(&c.to),
                e(&c.kind)
            );
        }
        o.push_str("</tbody>\n</table>\n");
    }
    o.push_str("</section>\n");
}

/// The review results (見直し結果).
pub(super) fn reviews(o: &mut String, m: &Model, c: &Cycle) {
    let s = |k: &str| e(m.s(k));
    o.push_str("<section class=\"reviews\">\n");
    running(o, m);
    let _ = writeln!(
        o,
        "<h2>{}</h2>\n<p>{}</p>",
        s("review.heading"),
        s("review.intro")
    );
    if c.reviews.is_empty() {
        let _ = writeln!(
            o,
            "<p class=\"muted\">{}</p>\n</section>",
            s("review.empty")
        );
        return;
    }
    let _ = writeln!(
        o,
        "<table class=\"reviews\">\n<thead><tr><th class=\"c w-no\">{}</th><th class=\"c\">{}</th><th>{}</th><th class=\"w-field\">{}</th></tr></thead>\n<tbody>",
        s("items.number"),
        s("items.mark"),
        s("items.condition"),
        s("review.heading"),
    );
    for r in &c.reviews {
        let mut fields = String::new();
        pairs_dl(&mut fields, &r.fields);
        let _ = writeln!(
            o,
            "<tr{}><td class=\"c\">{}</td><td class=\"mark\">{}</td><td>{}</td><td>{}</td></tr>",
            if r.reviewed {
                ""
            } else {
                " class=\"not-reviewed\""
            },
            r.number,
            e(&r.symbol),
            e(&r.condition),
            fields
        );
    }
    o.push_str("</tbody>\n</table>\n</section>\n");
}

/// The action plan (対策計画).
pub(super) fn actions(o: &mut String, m: &Model, c: &Cycle) {
    let s = |k: &str| e(m.s(k));
    o.push_str("<section class=\"actions\">\n");
    running(o, m);
    let _ = writeln!(o, "<h2>{}</h2>", s("actions.heading"));
    if c.actions.is_empty() {
        let _ = writeln!(
            o,
            "<p class=\"muted\">{}</p>\n</section>",
            s("actions.empty")
        );
        return;
    }
    if let Some(n) = &c.overdue_note {
        let _ = writeln!(o, "<p><strong>{}</strong></p>", e(n));
    }
    let _ = writeln!(
        o,
        "<table class=\"actions\">\n<thead><tr><th class=\"c w-no\">{}</th><th>{}</th><th class=\"w-who\">{}</th><th class=\"nowrap\">{}</th><th class=\"nowrap\">{}</th><th class=\"w-note\">{}</th></tr></thead>\n<tbody>",
        s("items.number"),
        s("actions.title"),
        s("actions.owner"),
        s("actions.due"),
        s("actions.status"),
        s("items.note"),
    );
    for a in &c.actions {
        let (class, mark) = if a.overdue {
            (
                " class=\"overdue\"",
                format!(
                    "<span class=\"overdue-mark\">{}</span>",
                    s("actions.overdue")
                ),
            )
        } else {
            ("", String::new())
        };
        let _ = writeln!(
            o,
            "<tr{class}><td class=\"c\">{}</td><td><span class=\"note\">{}</span></td><td>{}</td><td class=\"nowrap\">{}{mark}</td><td class=\"nowrap\">{}</td><td>{}</td></tr>",
            a.number,
            e(&a.title),
            e(&a.owner),
            e(&a.due),
            e(&a.status),
            note(&a.note)
        );
    }
    o.push_str("</tbody>\n</table>\n</section>\n");
}
