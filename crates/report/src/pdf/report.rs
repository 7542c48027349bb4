//! The assessment report, A4 portrait: cover with sign-off boxes, summary, radar chart, the
//! cycle's comparison, residual risks, review and action plan, every item, and the registers'
//! appendix. Every text comes from [`Model`], localised and formatted already.

use super::flow::{Flow, MM, Op, PageSetup};
use super::table::{Cell, Col, Group, Row, Table};
use super::text::{Align, Para, Rgb, Style};
use crate::model::Model;
use std::sync::Arc;

pub(super) const INK: Rgb = Rgb::luma(17);
pub(super) const RULE: Rgb = Rgb::luma(120);
pub(super) const HEAD_FILL: Rgb = Rgb::luma(228);
pub(super) const GROUP_FILL: Rgb = Rgb::luma(242);
pub(super) const MUTED: Rgb = Rgb::luma(80);
pub(super) const BODY: Style = Style::new(9.0, INK);
pub(super) const SMALL: Style = Style::new(7.5, MUTED);
/// Space between paragraphs (Typst's `par.spacing` of 0.9 em).
const SPACING: f32 = 8.1;

pub(super) const SETUP: PageSetup = PageSetup {
    width: 595.28,
    height: 841.89,
    top: 20.0 * MM,
    bottom: 17.0 * MM,
    left: 15.0 * MM,
    right: 15.0 * MM,
};

pub(super) fn p(s: &str, style: Style) -> Para {
    Para::new(s, style)
}

pub(super) fn b(s: &str) -> Para {
    Para::new(s, BODY.bold())
}

pub(super) fn cell(s: &str, style: Style) -> Cell {
    Cell::new(p(s, style))
}

/// A header row: bold on grey.
pub(super) fn header(keys: &[&str]) -> Group {
    Group::row(
        keys.iter()
            .map(|k| cell(k, BODY.bold()).fill(HEAD_FILL))
            .collect(),
    )
}

pub(super) fn table(cols: Vec<Col>) -> Table {
    Table::new(cols, (0.5, RULE), (1.6 * MM, 1.3 * MM))
}

/// The flow being laid out and the report's content.
pub(super) struct Doc<'a> {
    pub f: Flow,
    pub m: &'a Model,
    pub radar: Option<Arc<usvg::Tree>>,
}

impl Doc<'_> {
    pub(super) fn t(&self, key: &str) -> String {
        d_t(self.m, key)
    }

    /// A paragraph and the space after it.
    pub(super) fn para(&mut self, p: Para) {
        self.f.para(&p);
        self.f.space(SPACING);
    }

    pub(super) fn small(&mut self, s: &str) {
        self.para(p(s, SMALL));
    }

    pub(super) fn table(&mut self, t: &Table) {
        self.f.table(t);
        self.f.space(SPACING * 1.3);
    }

    pub(super) fn h1(&mut self, s: &str) {
        let para = p(s, Style::new(14.0, INK).bold());
        self.f.ensure(self.f.para_height(&para) + 40.0);
        self.f.para(&para);
        self.f.space(1.6 * MM);
        self.f.rule(1.2, INK);
        self.f.space(3.5 * MM);
    }

    /// A second-level heading, kept with what follows.
    pub(super) fn h2(&mut self, s: &str) {
        let para = p(s, Style::new(10.5, INK).bold());
        self.f.space(5.0 * MM);
        self.f.ensure(self.f.para_height(&para) + 2.2 * MM + 48.0);
        self.f.para(&para);
        self.f.space(2.2 * MM);
    }

    /// A notice: a box with a thick left edge.
    pub(super) fn notice(&mut self, paras: Vec<Para>) {
        let mut t = Table::new(vec![Col::Fr(1.0)], (0.6, INK), (3.0 * MM, 2.0 * MM));
        t.left_bar = 2.5;
        t.body.push(Group::row(vec![Cell::paras(paras)]));
        self.f.ensure(self.f.table_height(&t));
        self.table(&t);
    }

    pub(super) fn unofficial(&mut self) {
        if let Some(u) = &self.m.unofficial {
            self.notice(vec![p(u, Style::new(8.0, INK))]);
        }
    }

    /// Key figures in boxes side by side.
    pub(super) fn kpis(&mut self, boxes: &[(String, String, Option<String>)]) {
        let mut t = Table::new(
            vec![Col::Fr(1.0); boxes.len()],
            (1.0, INK),
            (4.0 * MM, 3.0 * MM),
        );
        t.gap = 4.0 * MM;
        t.body.push(Group::row(
            boxes
                .iter()
                .map(|(caption, value, sub)| {
                    let mut v = Para::new(value, Style::new(26.0, INK).bold());
                    if let Some(sub) = sub {
                        v = v.push(format!("  {sub}"), Style::new(8.5, INK));
                    }
                    Cell::paras(vec![p(caption, BODY), v])
                })
                .collect(),
        ));
        self.f.ensure(self.f.table_height(&t));
        self.table(&t);
    }
}

/// Lays the report out; the pages and the running texts for headers and footers.
pub(super) fn layout(f: Flow, m: &Model, radar: Arc<usvg::Tree>) -> Vec<Vec<Op>> {
    let mut d = Doc {
        f,
        m,
        radar: Some(radar),
    };
    super::report_front::cover(&mut d);
    super::report_front::summary(&mut d);
    if let Some(c) = &m.cycle {
        super::report_cycle::yoy(&mut d, c);
    }
    risks(&mut d);
    if let Some(c) = &m.cycle {
        super::report_cycle::review_and_actions(&mut d, c);
    }
    items(&mut d);
    if let Some(reg) = m.cycle.as_ref().and_then(|c| c.registers.as_ref()) {
        super::report_cycle::registers(&mut d, reg);
    }
    let pages = std::mem::take(&mut d.f.pages);
    decorate(&d.f, m, pages)
}

/// The running header (after the cover) and the footer with page numbers.
fn decorate(f: &Flow, m: &Model, mut pages: Vec<Vec<Op>>) -> Vec<Vec<Op>> {
    let n = pages.len();
    let s = SETUP;
    let right = s.width - s.right;
    let text = |ops: &mut Vec<Op>, x: f32, y: f32, t: &str, align_right: bool| {
        let w = f.face.width(t, SMALL);
        ops.push(Op::Text {
            x: if align_right { x - w } else { x },
            y,
            text: t.to_string(),
            style: SMALL,
        });
    };
    let footer = format!("{} · {}", d_t(m, "generated_by"), m.generated_on);
    for (i, ops) in pages.iter_mut().enumerate() {
        if i > 0 {
            let rule_y = s.top - 6.0 * MM;
            text(ops, s.left, rule_y - 1.5 * MM, &m.running_header, false);
            text(ops, right, rule_y - 1.5 * MM, &m.title, true);
            ops.push(Op::Rule {
                x1: s.left,
                y1: rule_y,
                x2: right,
                y2: rule_y,
                width: 0.4,
                color: RULE,
            });
        }
        let y = s.height - s.bottom + 9.0 * MM;
        text(ops, s.left, y, &footer, false);
        text(ops, right, y, &format!("{} / {n}", i + 1), true);
    }
    pages
}

fn d_t(m: &Model, key: &str) -> String {
    m.t.get(key).cloned().unwrap_or_else(|| key.to_string())
}

/// A one-row group, each cell aligned as `aligns` says and centred vertically.
pub(super) fn aligned(cells: Vec<Cell>, aligns: &[Align]) -> Group {
    Group::row(
        cells
            .into_iter()
            .zip(aligns)
            .map(|(c, a)| c.align(*a).middle())
            .collect(),
    )
}

/// A record: the item's number and mark spanning its rows, the condition across, then one row
/// per field (caption, value). Long texts keep their full width and copy out in one piece.
pub(super) fn record(
    number: u16,
    symbol: &str,
    condition: &str,
    keep: bool,
    fields: Vec<(String, Para)>,
) -> Group {
    let span = Cell::new(
        Para::new(number.to_string(), BODY.bold())
            .line(symbol, BODY.size(12.0))
            .align(Align::Center),
    )
    .fill(GROUP_FILL);
    let mut rows = vec![Row::new(vec![cell(condition, BODY.bold()).span(2)])];
    rows.extend(
        fields
            .into_iter()
            .map(|(k, v)| Row::new(vec![cell(&k, SMALL).fill(GROUP_FILL), Cell::new(v)])),
    );
    Group {
        span: Some(span),
        rows,
        keep,
    }
}

pub(super) fn record_table() -> Table {
    table(vec![
        Col::Fixed(12.0 * MM),
        Col::Fixed(27.0 * MM),
        Col::Fr(1.0),
    ])
}

fn risks(d: &mut Doc) {
    let m = d.m;
    d.f.page_break();
    d.h1(&d.t("risks.heading"));
    let mut intro = p(&d.t("risks.intro"), BODY);
    if let Some(n) = &m.unanswered_note {
        intro = intro.line(n, BODY.bold());
    }
    d.para(intro);
    let field = |k: &str, v: Option<&String>| v.map(|v| (d_t(m, k), p(v, BODY)));

    d.h2(&d.t("risks.deferred"));
    if m.risks.deferred.is_empty() {
        d.small(&d.t("risks.empty"));
    } else {
        let mut t = record_table();
        for r in &m.risks.deferred {
            let fields = [
                field("risks.reason", Some(&r.reason)),
                field("risks.progress", r.progress.as_ref()),
                field("risks.accepted_by", Some(&r.accepted_by)),
                field("risks.review_by", Some(&r.review_by)),
                field("items.note", r.note.as_ref()),
            ];
            let fields = fields.into_iter().flatten().collect();
            t.body
                .push(record(r.number, "□", &r.condition, r.keep, fields));
        }
        d.table(&t);
    }

    d.h2(&d.t("risks.considering"));
    if m.risks.considering.is_empty() {
        d.small(&d.t("risks.empty"));
    } else {
        let mut t = record_table();
        for r in &m.risks.considering {
            let fields = [
                field("risks.status", Some(&r.status)),
                field("risks.target_date", Some(&r.target_date)),
                field("items.note", r.note.as_ref()),
            ];
            let fields = fields.into_iter().flatten().collect();
            t.body
                .push(record(r.number, "△", &r.condition, r.keep, fields));
        }
        d.table(&t);
    }

    d.h2(&d.t("risks.not_considered"));
    if m.risks.not_considered.is_empty() {
        d.small(&d.t("risks.empty"));
    } else {
        let mut t = record_table();
        for r in &m.risks.not_considered {
            let fields = field("items.note", r.note.as_ref()).into_iter().collect();
            t.body
                .push(record(r.number, "×", &r.condition, r.keep, fields));
        }
        d.table(&t);
    }
}

fn items(d: &mut Doc) {
    let m = d.m;
    d.f.page_break();
    d.h1(&d.t("items.heading"));
    d.small(&m.rate_formula);
    d.unofficial();
    let text = BODY.size(8.5);
    let small = SMALL;
    for g in &m.groups {
        d.h2(&format!(
            "{} {}  {}  —  {} {}",
            d.t("items.label"),
            g.number,
            g.name,
            d.t("labels.rate"),
            g.rate
        ));
        let mut t = table(vec![
            Col::Fixed(11.0 * MM),
            Col::Fixed(34.0 * MM),
            Col::Fr(1.0),
            Col::Fr(0.7),
        ]);
        let hb = text.bold();
        t.header.push(Group {
            span: Some(
                cell(&d.t("items.number"), hb)
                    .fill(HEAD_FILL)
                    .align(Align::Center),
            ),
            rows: vec![
                Row::new(vec![
                    cell(&d.t("items.condition"), hb).span(3).fill(HEAD_FILL),
                ]),
                Row::new(
                    ["items.mark", "items.details", "items.note"]
                        .iter()
                        .map(|k| cell(&d.t(k), hb).fill(HEAD_FILL))
                        .collect(),
                ),
            ],
            keep: true,
        });
        for i in &g.items {
            let mut mark = if i.symbol.is_empty() {
                p(&i.mark_name, small)
            } else {
                Para::new(&i.symbol, text.size(11.0)).push(format!(" {}", i.mark_name), small)
            };
            if let Some(inh) = &i.inherited {
                mark = mark.line(inh, small);
            }
            let details = i
                .details
                .iter()
                .map(|pr| Para::new(&pr.key, small).line(&pr.value, text))
                .collect();
            t.body.push(Group {
                span: Some(cell(&i.number.to_string(), hb).align(Align::Center)),
                rows: vec![
                    Row::new(vec![cell(&i.condition, text).span(3)]),
                    Row::new(vec![
                        Cell::new(mark),
                        Cell::paras(details).gap(1.2 * MM),
                        cell(i.note.as_deref().unwrap_or(""), text),
                    ]),
                ],
                keep: i.keep,
            });
        }
        d.table(&t);
    }
}
