//! The page flow: blocks placed top to bottom, a new page when one is full, and what each page
//! draws (text, rectangles, rules and charts) for [`super::emit`].

use super::table::{LaidCell, LaidGroup, LaidRow, Table, columns, lay_group};
use super::text::{Align, Face, Line, Para, Rgb, Style, lines};
use std::sync::Arc;

/// Millimetres in points.
pub(crate) const MM: f32 = 72.0 / 25.4;

/// What a page draws. `y` of text is its baseline.
#[derive(Debug, Clone)]
pub(crate) enum Op {
    Text {
        x: f32,
        y: f32,
        text: String,
        style: Style,
    },
    Rect {
        x: f32,
        y: f32,
        w: f32,
        h: f32,
        fill: Option<Rgb>,
        stroke: Option<(f32, Rgb)>,
    },
    Rule {
        x1: f32,
        y1: f32,
        x2: f32,
        y2: f32,
        width: f32,
        color: Rgb,
    },
    Svg {
        tree: Arc<usvg::Tree>,
        x: f32,
        y: f32,
        w: f32,
        h: f32,
    },
}

/// Page size and margins, in points.
#[derive(Debug, Clone, Copy)]
pub(crate) struct PageSetup {
    pub width: f32,
    pub height: f32,
    pub top: f32,
    pub bottom: f32,
    pub left: f32,
    pub right: f32,
}

/// Blocks laid out on pages.
pub(crate) struct Flow {
    pub face: &'static Face,
    pub setup: PageSetup,
    pub pages: Vec<Vec<Op>>,
    /// The next block's top.
    pub y: f32,
}

impl Flow {
    pub(crate) fn new(face: &'static Face, setup: PageSetup) -> Self {
        Self {
            face,
            setup,
            pages: vec![Vec::new()],
            y: setup.top,
        }
    }

    pub(crate) fn width(&self) -> f32 {
        self.setup.width - self.setup.left - self.setup.right
    }

    fn bottom(&self) -> f32 {
        self.setup.height - self.setup.bottom
    }

    /// The height left on this page.
    pub(crate) fn avail(&self) -> f32 {
        self.bottom() - self.y
    }

    fn at_top(&self) -> bool {
        self.y <= self.setup.top + 0.01
    }

    fn ops(&mut self) -> &mut Vec<Op> {
        if self.pages.is_empty() {
            self.pages.push(Vec::new());
        }
        let last = self.pages.len() - 1;
        &mut self.pages[last]
    }

    pub(crate) fn page_break(&mut self) {
        self.pages.push(Vec::new());
        self.y = self.setup.top;
    }

    /// Starts a new page unless `h` fits on this one (or this one is still empty).
    pub(crate) fn ensure(&mut self, h: f32) {
        if h > self.avail() && !self.at_top() {
            self.page_break();
        }
    }

    /// Vertical space (dropped at the top of a page).
    pub(crate) fn space(&mut self, h: f32) {
        if !self.at_top() {
            self.y = (self.y + h).min(self.bottom());
        }
    }

    /// Moves to `y` on this page, if it is below the current position (for blocks at the foot
    /// of a page).
    pub(crate) fn move_to(&mut self, y: f32) {
        self.y = self.y.max(y);
    }

    /// The lines of `p` across the full width.
    pub(crate) fn lines(&self, p: &Para) -> Vec<Line> {
        lines(self.face, p, self.width())
    }

    /// The height `p` takes across the full width.
    pub(crate) fn para_height(&self, p: &Para) -> f32 {
        self.lines(p).iter().map(|l| l.height).sum()
    }

    /// A paragraph across the full width, breaking across pages between lines.
    pub(crate) fn para(&mut self, p: &Para) {
        let x = self.setup.left;
        let w = self.width();
        for l in self.lines(p) {
            self.ensure(l.height);
            let y = self.y;
            draw_line(self.ops(), &l, x, y, w);
            self.y += l.height;
        }
    }

    /// A horizontal rule across the full width at the current position.
    pub(crate) fn rule(&mut self, width: f32, color: Rgb) {
        let (x1, x2, y) = (self.setup.left, self.setup.width - self.setup.right, self.y);
        self.ops().push(Op::Rule {
            x1,
            y1: y,
            x2,
            y2: y,
            width,
            color,
        });
    }

    /// A chart, `w` wide, centred.
    pub(crate) fn svg(&mut self, tree: Arc<usvg::Tree>, w: f32) {
        let size = tree.size();
        let h = w * size.height() / size.width();
        self.ensure(h);
        let x = self.setup.left + (self.width() - w) / 2.0;
        let y = self.y;
        self.ops().push(Op::Svg { tree, x, y, w, h });
        self.y += h;
    }

    /// Draws `op` on the current page.
    pub(crate) fn draw(&mut self, op: Op) {
        self.ops().push(op);
    }

    /// The height of `t` laid out on the full width, if it were on one page.
    pub(crate) fn table_height(&self, t: &Table) -> f32 {
        let cols = columns(self.face, t, self.width());
        t.header
            .iter()
            .chain(&t.body)
            .map(|g| lay_group(self.face, t, g, &cols).height())
            .sum()
    }

    /// A table across the full width. Its header is repeated on every page it continues to.
    pub(crate) fn table(&mut self, t: &Table) {
        let cols = columns(self.face, t, self.width());
        let header: Vec<LaidGroup> = t
            .header
            .iter()
            .map(|g| lay_group(self.face, t, g, &cols))
            .collect();
        let header_h: f32 = header.iter().map(LaidGroup::height).sum();
        let body_h = self.bottom() - self.setup.top - header_h;
        let mut groups = t.body.iter().map(|g| lay_group(self.face, t, g, &cols));
        let Some(mut g) = groups.next() else {
            self.ensure(header_h);
            self.put_header(t, &header);
            return;
        };
        let first_row = g.rows.first().map(|r| r.height).unwrap_or(0.0);
        self.ensure(header_h + first_row.min(body_h));
        self.put_header(t, &header);
        loop {
            let h = g.height();
            let fits_page = h <= body_h;
            if h <= self.avail() + 0.01 {
                self.put_group(t, &g);
            } else if fits_page && (g.keep || h <= body_h / 4.0) {
                self.page_break();
                self.put_header(t, &header);
                self.put_group(t, &g);
            } else {
                self.split_group(t, g, &header, body_h);
            }
            match groups.next() {
                Some(next) => g = next,
                None => break,
            }
        }
    }

    fn put_header(&mut self, t: &Table, header: &[LaidGroup]) {
        for g in header {
            self.put_group(t, g);
        }
    }

    /// Places as many rows of `g` as fit, splitting a row between lines where it must, and
    /// continues on the next pages.
    fn split_group(&mut self, t: &Table, mut g: LaidGroup, header: &[LaidGroup], body_h: f32) {
        let min_part = 3.0 * t.inset.1 + 12.0;
        let span = g.span.take();
        let mut first = true;
        let mut part: Vec<LaidRow> = Vec::new();
        let mut used = 0.0;
        for mut row in std::mem::take(&mut g.rows) {
            if used + row.height <= self.avail() + 0.01 {
                used += row.height;
                part.push(row);
                continue;
            }
            let left = self.avail() - used;
            if left >= min_part
                && let Some(head) = row.split(left, t.inset.1)
            {
                part.push(head);
            }
            self.put_part(t, &span, std::mem::take(&mut part), &mut first);
            self.page_break();
            self.put_header(t, header);
            used = 0.0;
            // A row taller than a whole page is split again, a page at a time.
            if row.height > body_h {
                while row.height > self.avail() {
                    let Some(head) = row.split(self.avail(), t.inset.1) else {
                        break;
                    };
                    self.put_part(t, &span, vec![head], &mut first);
                    self.page_break();
                    self.put_header(t, header);
                }
            }
            used += row.height;
            part.push(row);
        }
        self.put_part(t, &span, part, &mut first);
    }

    /// Draws rows of a split group: its spanning cell's content only with the first part, its
    /// frame with every part.
    fn put_part(
        &mut self,
        t: &Table,
        span: &Option<LaidCell>,
        rows: Vec<LaidRow>,
        first: &mut bool,
    ) {
        if rows.is_empty() {
            return;
        }
        let span = match span {
            Some(s) if !*first => Some(LaidCell {
                lines: Vec::new(),
                height: 0.0,
                ..s.clone()
            }),
            s => s.clone(),
        };
        self.put_group(
            t,
            &LaidGroup {
                span,
                rows,
                keep: false,
            },
        );
        *first = false;
    }

    /// Draws `g` at the current position.
    fn put_group(&mut self, t: &Table, g: &LaidGroup) {
        let x0 = self.setup.left;
        let y0 = self.y;
        let (ix, iy) = t.inset;
        let total = g.height();
        let mut ops = Vec::new();
        if let Some(s) = &g.span {
            draw_cell(&mut ops, t, s, x0, y0, total, ix, iy);
        }
        let mut y = y0;
        for r in &g.rows {
            for c in &r.cells {
                draw_cell(&mut ops, t, c, x0, y, r.height, ix, iy);
            }
            y += r.height;
        }
        self.ops().extend(ops);
        self.y = y0 + total;
    }
}

#[allow(clippy::too_many_arguments)]
fn draw_cell(
    ops: &mut Vec<Op>,
    t: &Table,
    c: &LaidCell,
    x0: f32,
    y: f32,
    h: f32,
    ix: f32,
    iy: f32,
) {
    let x = x0 + c.x;
    if c.fill.is_some() || t.stroke.is_some() {
        ops.push(Op::Rect {
            x,
            y,
            w: c.w,
            h,
            fill: c.fill,
            stroke: t.stroke,
        });
    }
    if t.left_bar > 0.0
        && let Some((_, color)) = t.stroke
    {
        ops.push(Op::Rule {
            x1: x,
            y1: y,
            x2: x,
            y2: y + h,
            width: t.left_bar,
            color,
        });
    }
    let top = if c.middle {
        y + ((h - c.height) / 2.0).max(iy)
    } else {
        y + iy
    };
    for (dy, l) in &c.lines {
        draw_line(ops, l, x + ix, top + dy, c.w - 2.0 * ix);
    }
}

/// Draws `l` with its top at `y`, in a box from `x`, `w` wide.
pub(crate) fn draw_line(ops: &mut Vec<Op>, l: &Line, x: f32, y: f32, w: f32) {
    let dx = match l.align {
        Align::Left => 0.0,
        Align::Center => (w - l.width) / 2.0,
        Align::Right => w - l.width,
    };
    for p in &l.pieces {
        ops.push(Op::Text {
            x: x + dx + p.x,
            y: y + l.ascent,
            text: p.text.clone(),
            style: p.style,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::super::report::SETUP;
    use super::super::table::{Cell, Col, Group, Row};
    use super::super::text::Face;
    use super::*;

    const STYLE: Style = Style::new(9.0, Rgb::luma(0));

    fn flow() -> Flow {
        Flow::new(
            Face::get(super::super::embedded_font()).expect("font"),
            SETUP,
        )
    }

    fn page_texts(f: &Flow) -> Vec<Vec<String>> {
        f.pages
            .iter()
            .map(|ops| {
                ops.iter()
                    .filter_map(|op| match op {
                        Op::Text { text, y, .. } => {
                            assert!(*y > SETUP.top && *y < SETUP.height - SETUP.bottom);
                            Some(text.clone())
                        }
                        _ => None,
                    })
                    .collect()
            })
            .collect()
    }

    fn table(rows: impl IntoIterator<Item = Group>) -> Table {
        let mut t = Table::new(
            vec![Col::Fixed(60.0), Col::Fr(1.0)],
            (0.5, Rgb::luma(120)),
            (4.0, 3.0),
        );
        t.header.push(Group::row(vec![
            Cell::new(Para::new("HEAD-A", STYLE)),
            Cell::new(Para::new("HEAD-B", STYLE)),
        ]));
        t.body.extend(rows);
        t
    }

    #[test]
    fn a_long_table_repeats_its_header_on_every_page_and_keeps_its_rows_in_order() {
        let mut f = flow();
        f.table(&table((0..200).map(|i| {
            Group::row(vec![
                Cell::new(Para::new(i.to_string(), STYLE)),
                Cell::new(Para::new(format!("row {i}"), STYLE)),
            ])
        })));
        let pages = page_texts(&f);
        assert!(pages.len() > 3, "{} pages", pages.len());
        for p in &pages {
            assert_eq!(p[..2], ["HEAD-A", "HEAD-B"]);
        }
        let rows: Vec<String> = pages
            .iter()
            .flatten()
            .filter(|t| t.starts_with("row "))
            .cloned()
            .collect();
        let want: Vec<String> = (0..200).map(|i| format!("row {i}")).collect();
        assert_eq!(rows, want);
    }

    #[test]
    fn a_row_taller_than_a_page_splits_between_lines_without_loss() {
        let long: Vec<String> = (0..300).map(|i| format!("line {i}")).collect();
        let mut f = flow();
        f.move_to(SETUP.top + 300.0);
        f.table(&table([Group {
            span: Some(Cell::new(Para::new("7", STYLE))),
            rows: vec![
                Row::new(vec![Cell::new(Para::new("condition", STYLE))]),
                Row::new(vec![Cell::new(Para::new(long.join("\n"), STYLE))]),
            ],
            keep: true,
        }]));
        let pages = page_texts(&f);
        assert!(pages.len() >= 3, "{} pages", pages.len());
        let got: Vec<String> = pages
            .iter()
            .flatten()
            .filter(|t| t.starts_with("line "))
            .cloned()
            .collect();
        assert_eq!(got, long);
        // The number and the condition once, on the first page; the header on every page.
        assert_eq!(pages.iter().flatten().filter(|t| *t == "7").count(), 1);
        assert!(pages[0].contains(&"condition".to_string()));
        assert!(pages.iter().all(|p| p.contains(&"HEAD-B".to_string())));
    }

    #[test]
    fn a_kept_group_moves_whole_to_the_next_page() {
        let mut f = flow();
        f.move_to(SETUP.height - SETUP.bottom - 40.0);
        let lines: Vec<String> = (0..8).map(|i| format!("kept {i}")).collect();
        f.table(&table([Group::row(vec![
            Cell::new(Para::new("1", STYLE)),
            Cell::new(Para::new(lines.join("\n"), STYLE)),
        ])]));
        let pages = page_texts(&f);
        assert_eq!(pages.len(), 2);
        assert!(pages[0].is_empty(), "{:?}", pages[0]);
        assert_eq!(pages[1].iter().filter(|t| t.starts_with("kept")).count(), 8);
    }
}
