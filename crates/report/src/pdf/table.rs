//! Tables: columns, cells that span columns, row groups with a cell spanning their rows, and a
//! header repeated on every page a table continues to.

use super::text::{Align, Face, Line, Para, Rgb, lines, natural_width};

/// A column's width.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Col {
    /// Points.
    Fixed(f32),
    /// A share of what fixed and automatic columns leave.
    Fr(f32),
    /// As wide as its widest cell, within what is left.
    Auto,
}

/// A cell.
#[derive(Debug, Clone, Default)]
pub(crate) struct Cell {
    pub paras: Vec<Para>,
    pub colspan: usize,
    pub fill: Option<Rgb>,
    /// Centred vertically (otherwise at the top).
    pub middle: bool,
    /// Space between paragraphs.
    pub gap: f32,
}

impl Cell {
    pub(crate) fn new(p: Para) -> Self {
        Self::paras(vec![p])
    }

    pub(crate) fn paras(paras: Vec<Para>) -> Self {
        Self {
            paras,
            colspan: 1,
            ..Self::default()
        }
    }

    pub(crate) fn span(self, colspan: usize) -> Self {
        Self { colspan, ..self }
    }

    pub(crate) fn fill(self, fill: Rgb) -> Self {
        Self {
            fill: Some(fill),
            ..self
        }
    }

    pub(crate) fn middle(self) -> Self {
        Self {
            middle: true,
            ..self
        }
    }

    pub(crate) fn gap(self, gap: f32) -> Self {
        Self { gap, ..self }
    }

    /// Every paragraph aligned `a`.
    pub(crate) fn align(mut self, a: Align) -> Self {
        for p in &mut self.paras {
            p.align = a;
        }
        self
    }
}

/// One row of cells (after a group's spanning cell, if any).
#[derive(Debug, Clone, Default)]
pub(crate) struct Row {
    pub cells: Vec<Cell>,
    pub min_height: f32,
}

impl Row {
    pub(crate) fn new(cells: Vec<Cell>) -> Self {
        Self {
            cells,
            min_height: 0.0,
        }
    }
}

/// Rows that belong together, with an optional first cell spanning all of them.
#[derive(Debug, Clone, Default)]
pub(crate) struct Group {
    pub span: Option<Cell>,
    pub rows: Vec<Row>,
    /// Moved whole to the next page rather than split, when it fits on one.
    pub keep: bool,
}

impl Group {
    pub(crate) fn row(cells: Vec<Cell>) -> Self {
        Self {
            span: None,
            rows: vec![Row::new(cells)],
            keep: true,
        }
    }
}

/// A table.
#[derive(Debug, Clone)]
pub(crate) struct Table {
    pub cols: Vec<Col>,
    pub header: Vec<Group>,
    pub body: Vec<Group>,
    /// Width and colour of the cells' borders; `None` for none.
    pub stroke: Option<(f32, Rgb)>,
    /// A thicker left edge (notices), in points; 0 for none.
    pub left_bar: f32,
    pub inset: (f32, f32),
    /// Space between columns.
    pub gap: f32,
}

impl Table {
    pub(crate) fn new(cols: Vec<Col>, stroke: (f32, Rgb), inset: (f32, f32)) -> Self {
        Self {
            cols,
            header: Vec::new(),
            body: Vec::new(),
            stroke: Some(stroke),
            left_bar: 0.0,
            inset,
            gap: 0.0,
        }
    }
}

/// A cell laid out: its lines, each at its offset from the content's top.
#[derive(Debug, Clone, Default)]
pub(crate) struct LaidCell {
    pub x: f32,
    pub w: f32,
    pub lines: Vec<(f32, Line)>,
    pub height: f32,
    pub fill: Option<Rgb>,
    pub middle: bool,
}

impl LaidCell {
    fn new(face: &Face, c: &Cell, x: f32, w: f32, inset_x: f32) -> Self {
        let inner = (w - 2.0 * inset_x).max(1.0);
        let mut out = Vec::new();
        let mut y = 0.0;
        for (i, p) in c.paras.iter().enumerate() {
            if i > 0 {
                y += c.gap;
            }
            for l in lines(face, p, inner) {
                let h = l.height;
                out.push((y, l));
                y += h;
            }
        }
        Self {
            x,
            w,
            lines: out,
            height: y,
            fill: c.fill,
            middle: c.middle,
        }
    }

    /// Splits off the lines that fit in `h`; `None` when not even one does.
    fn split(&mut self, h: f32) -> Option<LaidCell> {
        let n = self
            .lines
            .iter()
            .take_while(|(y, l)| y + l.height <= h)
            .count();
        if n == 0 && !self.lines.is_empty() {
            return None;
        }
        let rest: Vec<(f32, Line)> = self.lines.split_off(n);
        let top = rest.first().map(|(y, _)| *y);
        let first = LaidCell {
            lines: std::mem::take(&mut self.lines),
            height: top.unwrap_or(self.height),
            ..self.clone()
        };
        let top = top.unwrap_or(0.0);
        self.height = if rest.is_empty() {
            0.0
        } else {
            self.height - top
        };
        self.lines = rest.into_iter().map(|(y, l)| (y - top, l)).collect();
        Some(first)
    }
}

/// A row laid out.
#[derive(Debug, Clone, Default)]
pub(crate) struct LaidRow {
    pub cells: Vec<LaidCell>,
    pub height: f32,
}

impl LaidRow {
    /// Splits the row so that its first part is at most `h` high (insets included).
    pub(crate) fn split(&mut self, h: f32, inset_y: f32) -> Option<LaidRow> {
        let inner = h - 2.0 * inset_y;
        let mut rest = self.clone();
        let mut first = Vec::new();
        for c in &mut rest.cells {
            first.push(c.split(inner)?);
        }
        if first.iter().all(|c| c.lines.is_empty()) {
            return None;
        }
        let height =
            |cs: &[LaidCell]| cs.iter().map(|c| c.height).fold(0.0, f32::max) + 2.0 * inset_y;
        let head = LaidRow {
            height: height(&first),
            cells: first,
        };
        rest.height = height(&rest.cells);
        *self = rest;
        Some(head)
    }
}

/// A group laid out.
#[derive(Debug, Clone, Default)]
pub(crate) struct LaidGroup {
    pub span: Option<LaidCell>,
    pub rows: Vec<LaidRow>,
    pub keep: bool,
}

impl LaidGroup {
    pub(crate) fn height(&self) -> f32 {
        self.rows.iter().map(|r| r.height).sum()
    }
}

/// Column positions: (x, width) from the table's left edge.
pub(crate) fn columns(face: &Face, t: &Table, width: f32) -> Vec<(f32, f32)> {
    let n = t.cols.len();
    let gaps = t.gap * n.saturating_sub(1) as f32;
    let fixed: f32 = t
        .cols
        .iter()
        .map(|c| if let Col::Fixed(w) = c { *w } else { 0.0 })
        .sum();
    let mut natural = vec![0.0f32; n];
    let any_auto = t.cols.iter().any(|c| matches!(c, Col::Auto));
    for g in t.header.iter().chain(&t.body).filter(|_| any_auto) {
        let start = usize::from(g.span.is_some());
        if let Some(s) = &g.span {
            natural[0] = natural[0].max(cell_natural(face, s, t.inset.0));
        }
        for r in &g.rows {
            let mut col = start;
            for c in &r.cells {
                if c.colspan == 1 && col < n {
                    natural[col] = natural[col].max(cell_natural(face, c, t.inset.0));
                }
                col += c.colspan.max(1);
            }
        }
    }
    let frs: f32 = t
        .cols
        .iter()
        .map(|c| if let Col::Fr(f) = c { *f } else { 0.0 })
        .sum();
    let left = (width - fixed - gaps).max(0.0);
    let autos: f32 = (0..n)
        .filter(|i| matches!(t.cols[*i], Col::Auto))
        .map(|i| natural[i])
        .sum();
    // Automatic columns get their natural width, or a proportional share when that is too much
    // (keeping at least a third of what is left for fractional columns).
    let room = if frs > 0.0 { left * 2.0 / 3.0 } else { left };
    let scale = if autos > room && autos > 0.0 {
        room / autos
    } else {
        1.0
    };
    let fr_unit = if frs > 0.0 {
        (left - autos * scale).max(0.0) / frs
    } else {
        0.0
    };
    let mut x = 0.0;
    t.cols
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let w = match c {
                Col::Fixed(w) => *w,
                Col::Fr(f) => f * fr_unit,
                Col::Auto => natural[i] * scale,
            };
            let at = x;
            x += w + t.gap;
            (at, w)
        })
        .collect()
}

fn cell_natural(face: &Face, c: &Cell, inset_x: f32) -> f32 {
    c.paras
        .iter()
        .map(|p| natural_width(face, p))
        .fold(0.0, f32::max)
        + 2.0 * inset_x
        + 0.5
}

/// Lays a group out on the columns `cols`.
pub(crate) fn lay_group(face: &Face, t: &Table, g: &Group, cols: &[(f32, f32)]) -> LaidGroup {
    let (ix, iy) = t.inset;
    let span = g
        .span
        .as_ref()
        .map(|c| LaidCell::new(face, c, cols[0].0, cols[0].1, ix));
    let start = usize::from(g.span.is_some());
    let mut rows: Vec<LaidRow> = g
        .rows
        .iter()
        .map(|r| {
            let mut col = start;
            let cells: Vec<LaidCell> = r
                .cells
                .iter()
                .filter_map(|c| {
                    let span = c.colspan.max(1);
                    let (x, _) = *cols.get(col)?;
                    let last = cols.get((col + span - 1).min(cols.len() - 1))?;
                    col += span;
                    Some(LaidCell::new(face, c, x, last.0 + last.1 - x, ix))
                })
                .collect();
            let content = cells.iter().map(|c| c.height).fold(0.0, f32::max);
            LaidRow {
                height: (content + 2.0 * iy).max(r.min_height),
                cells,
            }
        })
        .collect();
    // A spanning cell taller than its rows makes the last row taller.
    if let Some(s) = &span {
        let need = s.height + 2.0 * iy;
        let sum: f32 = rows.iter().map(|r| r.height).sum();
        if need > sum
            && let Some(last) = rows.last_mut()
        {
            last.height += need - sum;
        }
    }
    LaidGroup {
        span,
        rows,
        keep: g.keep,
    }
}
