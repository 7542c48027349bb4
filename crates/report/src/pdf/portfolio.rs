//! The portfolio for management, A4 landscape: companies and the weakest items beside the trend
//! chart, then the heatmap of plants × labels with its legend and the aggregation rules.

use super::flow::{Flow, MM, Op, PageSetup};
use super::report::{HEAD_FILL, INK, RULE, SMALL, cell, p};
use super::table::{Cell, Col, Group, Table};
use super::text::{Align, Para, Rgb, Style};
use crate::portfolio::Model;
use std::sync::Arc;

const TEXT: Style = Style::new(8.5, INK);

pub(super) const SETUP: PageSetup = PageSetup {
    width: 841.89,
    height: 595.28,
    top: 14.0 * MM,
    bottom: 14.0 * MM,
    left: 12.0 * MM,
    right: 12.0 * MM,
};

fn t(m: &Model, key: &str) -> String {
    m.t.get(key).cloned().unwrap_or_else(|| key.to_string())
}

fn table(cols: Vec<Col>) -> Table {
    Table::new(cols, (0.5, RULE), (1.4 * MM, 1.1 * MM))
}

fn header(keys: &[String]) -> Group {
    Group::row(
        keys.iter()
            .map(|k| cell(k, TEXT.bold()).fill(HEAD_FILL))
            .collect(),
    )
}

/// Lays two columns out side by side from the flow's position, each half the width, and
/// continues the flow below the longer. A column longer than the page continues on the next.
fn side_by_side(
    f: &mut Flow,
    gap: f32,
    left: impl FnOnce(&mut Flow),
    right: impl FnOnce(&mut Flow),
) {
    let w = (f.width() - gap) / 2.0;
    let column = |i: f32| {
        let left = f.setup.left + i * (w + gap);
        let mut c = Flow::new(
            f.face,
            PageSetup {
                left,
                right: f.setup.width - left - w,
                ..f.setup
            },
        );
        c.y = f.y;
        c
    };
    let (mut a, mut b) = (column(0.0), column(1.0));
    left(&mut a);
    right(&mut b);
    let flows = [a, b];
    let pages = flows.iter().map(|c| c.pages.len()).max().unwrap_or(1);
    let end = flows
        .iter()
        .filter(|c| c.pages.len() == pages)
        .map(|c| c.y)
        .fold(f.y, f32::max);
    for i in 0..pages {
        if i > 0 {
            f.page_break();
        }
        for c in &flows {
            for op in c.pages.get(i).into_iter().flatten() {
                f.draw(op.clone());
            }
        }
    }
    f.move_to(end);
}

pub(super) fn layout(mut f: Flow, m: &Model, trend: Option<Arc<usvg::Tree>>) -> Vec<Vec<Op>> {
    f.para(&p(&m.title, Style::new(14.0, INK).bold()));
    f.space(1.6 * MM);
    f.rule(1.2, INK);
    f.space(3.0 * MM);
    if !m.filters.is_empty() {
        let filters: Vec<String> = m.filters.iter().map(|(k, v)| format!("{k} {v}")).collect();
        f.para(&p(
            &format!("{}: {}", t(m, "filters"), filters.join(" · ")),
            SMALL,
        ));
        f.space(2.0 * MM);
    }

    let left = |f: &mut Flow| {
        let mut c = table(vec![Col::Fr(1.0), Col::Auto, Col::Auto, Col::Auto]);
        c.header.push(header(&[
            t(m, "company"),
            t(m, "pooled"),
            t(m, "mean"),
            t(m, "plants_with_figure"),
        ]));
        for row in &m.companies {
            c.body
                .push(Group::row(row.iter().map(|s| cell(s, TEXT)).collect()));
        }
        f.table(&c);
        f.space(2.0 * MM);
        f.para(&p(&t(m, "weakest"), TEXT.bold()));
        if m.weakest.is_empty() {
            f.para(&p(&t(m, "weakest_none"), TEXT));
            return;
        }
        f.space(1.0 * MM);
        let mut w = table(vec![Col::Auto, Col::Fr(1.0), Col::Auto, Col::Auto]);
        w.header.push(header(&[
            t(m, "item"),
            String::new(),
            t(m, "count"),
            t(m, "where"),
        ]));
        for [item, condition, count, place] in &m.weakest {
            w.body.push(Group::row(vec![
                cell(item, TEXT),
                cell(condition, TEXT.size(7.5)),
                cell(count, TEXT),
                cell(place, TEXT.size(7.5)),
            ]));
        }
        f.table(&w);
    };
    let right = |f: &mut Flow| {
        f.para(&p(&t(m, "trend"), TEXT.bold()));
        if let Some(tree) = trend {
            let w = f.width();
            f.svg(tree, w);
        }
    };
    side_by_side(&mut f, 6.0 * MM, left, right);

    f.page_break();
    f.para(&Para::new(t(m, "heatmap"), TEXT.bold()).line(t(m, "heatmap_caption"), SMALL));
    f.space(1.0 * MM);
    let mut legend = Table::new(
        vec![Col::Auto; m.legend.len()],
        (0.0, INK),
        (2.0 * MM, 1.0 * MM),
    );
    legend.stroke = None;
    legend.gap = 1.0 * MM;
    legend.body.push(Group::row(
        m.legend
            .iter()
            .map(|c| cell(&c.text, Style::new(7.5, Rgb::hex(c.fg))).fill(Rgb::hex(c.bg)))
            .collect(),
    ));
    f.table(&legend);
    f.space(1.5 * MM);

    let mut cols = vec![
        Col::Fixed(44.0 * MM),
        Col::Fixed(16.0 * MM),
        Col::Fixed(13.0 * MM),
    ];
    cols.extend(m.labels.iter().map(|_| Col::Fr(1.0)));
    let mut h = table(cols);
    let mut head = vec![t(m, "plant"), t(m, "status_col"), t(m, "rate")];
    head.extend(m.labels.iter().map(|(n, _)| n.to_string()));
    let mut head = header(&head);
    for c in head.rows[0].cells.iter_mut().skip(3) {
        c.paras.iter_mut().for_each(|p| p.align = Align::Center);
    }
    h.header.push(head);
    for r in &m.rows {
        let name = if r.child {
            Para::new(format!("\u{3000}{}", r.name), TEXT.size(7.5))
        } else {
            Para::new(&r.name, TEXT)
        };
        let mut cells = vec![
            Cell::new(name),
            cell(&r.status, TEXT.size(7.5)),
            cell(&r.rate, TEXT).align(Align::Right),
        ];
        cells.extend(r.cells.iter().map(|c| {
            cell(&c.text, TEXT.color(Rgb::hex(c.fg)))
                .fill(Rgb::hex(c.bg))
                .align(Align::Center)
        }));
        h.body.push(Group::row(cells));
    }
    f.table(&h);
    f.space(1.0 * MM);
    let labels: Vec<String> = m.labels.iter().map(|(n, s)| format!("{n} {s}")).collect();
    f.para(&p(&labels.join(" / "), SMALL));
    f.space(2.0 * MM);
    f.para(&p(&t(m, "rules"), SMALL));

    let footer = format!("{} · {} {}", m.title, t(m, "generated"), m.generated_on);
    let mut pages = std::mem::take(&mut f.pages);
    let n = pages.len();
    let s = SETUP;
    let y = s.height - s.bottom + 8.0 * MM;
    for (i, ops) in pages.iter_mut().enumerate() {
        ops.push(Op::Text {
            x: s.left,
            y,
            text: footer.clone(),
            style: SMALL,
        });
        let num = format!("{} / {n}", i + 1);
        let w = f.face.width(&num, SMALL);
        ops.push(Op::Text {
            x: s.width - s.right - w,
            y,
            text: num,
            style: SMALL,
        });
    }
    pages
}
