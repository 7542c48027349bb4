//! The shared string table's and a worksheet's XML events, turned into kept cells.

#[allow(unused_imports)]
use super::*;
use crate::error::CellError;
use crate::{Limits, MAX_CELL_CHARS, MAX_SHEET_COLS};
use kojo_i18n::tr;
use std::borrow::Cow;

/// Parsing `<sst>`: entries `<si>` with text in `<t>` directly or in rich-text runs `<r><t>`;
/// phonetic runs (`<rPh>`, furigana) are not part of the text.
pub(super) struct SiState {
    pub(super) in_si: bool,
    pub(super) in_t: usize,
    pub(super) in_phonetic: usize,
    pub(super) entry_chars: usize,
    pub(super) limits: Limits,
}

impl Default for SiState {
    fn default() -> Self {
        SiState {
            in_si: false,
            in_t: 0,
            in_phonetic: 0,
            entry_chars: 0,
            limits: Limits::CHECKSHEET,
        }
    }
}

impl SiState {
    pub(super) fn event(
        &mut self,
        ev: Ev<'_, '_>,
        part: &str,
        table: &mut SharedStrings,
    ) -> Result<(), CellError> {
        match ev {
            Ev::Open(e) => match e.local_name().as_ref() {
                "si" => {
                    if table.ends.len() >= self.limits.shared_strings {
                        return Err(CellError::file(
                            "xlsx.error.shared_strings_count",
                            &[("part", &part), ("max", &self.limits.shared_strings)],
                        ));
                    }
                    self.in_si = true;
                    self.in_t = 0;
                    self.in_phonetic = 0;
                    self.entry_chars = 0;
                }
                "t" if self.in_si => self.in_t += 1,
                "rPh" if self.in_si => self.in_phonetic += 1,
                _ => {}
            },
            Ev::Close(name) => match name {
                "si" if self.in_si => {
                    self.in_si = false;
                    let start = table.ends.last().map_or(0, |e| *e as usize);
                    if let Some(entry) = table.text.get(start..)
                        && let Cow::Owned(plain) = unescape_ooxml(entry)
                    {
                        table.text.truncate(start);
                        table.text.push_str(&plain);
                    }
                    // The buffer is at most MAX_SHARED_STRING_BYTES, well below u32::MAX.
                    table.ends.push(table.text.len() as u32);
                }
                "t" if self.in_si => self.in_t = self.in_t.saturating_sub(1),
                "rPh" if self.in_si => self.in_phonetic = self.in_phonetic.saturating_sub(1),
                _ => {}
            },
            Ev::Text(text) => {
                if self.in_si && self.in_t > 0 && self.in_phonetic == 0 {
                    self.entry_chars += text.chars().count();
                    if self.entry_chars > MAX_CELL_CHARS {
                        return Err(CellError::file(
                            "xlsx.error.string_too_long",
                            &[
                                ("part", &part),
                                ("index", &table.ends.len()),
                                ("max", &MAX_CELL_CHARS),
                            ],
                        ));
                    }
                    if table.text.len() + text.len() > self.limits.shared_string_bytes {
                        return Err(CellError::file(
                            "xlsx.error.shared_strings_size",
                            &[("part", &part), ("max", &self.limits.shared_string_bytes)],
                        ));
                    }
                    table.text.push_str(text);
                }
            }
        }
        Ok(())
    }
}

/// The cell being parsed.
pub(super) struct CellState {
    /// 1-based row and column.
    pub(super) row: u32,
    pub(super) col: u32,
    pub(super) kind: Option<String>,
    /// Whether the cell is inside the rectangle that is kept.
    pub(super) keep: bool,
    pub(super) text: String,
    pub(super) chars: usize,
    /// Whether the cell has any non-blank text (kept or not).
    pub(super) content: bool,
    pub(super) in_v: usize,
    pub(super) in_is: usize,
    pub(super) in_t: usize,
    pub(super) in_phonetic: usize,
}

/// Parsing `<worksheet>`: the cells of `<sheetData>`, positioned by `r` or after the previous.
pub(super) struct SheetState<'s> {
    pub(super) sheet: &'s str,
    pub(super) part: &'s str,
    pub(super) keep_cols: u32,
    pub(super) shared: &'s SharedStrings,
    /// 1-based position of the current row and of the last cell in it (0: none yet).
    pub(super) row: u32,
    pub(super) col: u32,
    pub(super) cell: Option<CellState>,
    pub(super) cells: Cells,
    pub(super) text_bytes: usize,
    pub(super) limits: Limits,
}

impl SheetState<'_> {
    pub(super) fn event(&mut self, ev: Ev<'_, '_>) -> Result<(), CellError> {
        match ev {
            Ev::Open(e) => match e.local_name().as_ref() {
                "row" => {
                    self.row = match attr(e, "r", self.part)? {
                        Some(r) => parse_row(&r).ok_or_else(|| self.bad_reference(&r))?,
                        None => self.row.saturating_add(1),
                    };
                    self.col = 0;
                }
                "c" => {
                    let (row, col) = match attr(e, "r", self.part)? {
                        Some(r) => parse_reference(&r).ok_or_else(|| self.bad_reference(&r))?,
                        None => (self.row.max(1), self.col.saturating_add(1)),
                    };
                    self.row = row;
                    self.col = col;
                    let keep = row <= self.limits.sheet_rows && col <= self.keep_cols;
                    self.cell = Some(CellState {
                        row,
                        col,
                        kind: attr(e, "t", self.part)?,
                        keep,
                        text: String::new(),
                        chars: 0,
                        content: false,
                        in_v: 0,
                        in_is: 0,
                        in_t: 0,
                        in_phonetic: 0,
                    });
                }
                name => {
                    if let Some(cell) = &mut self.cell {
                        match name {
                            "v" => cell.in_v += 1,
                            "is" => cell.in_is += 1,
                            "t" if cell.in_is > 0 => cell.in_t += 1,
                            "rPh" if cell.in_is > 0 => cell.in_phonetic += 1,
                            _ => {}
                        }
                    }
                }
            },
            Ev::Close(name) => {
                if name == "c" {
                    if let Some(cell) = self.cell.take() {
                        self.finish_cell(cell)?;
                    }
                } else if let Some(cell) = &mut self.cell {
                    match name {
                        "v" => cell.in_v = cell.in_v.saturating_sub(1),
                        "is" => cell.in_is = cell.in_is.saturating_sub(1),
                        "t" => cell.in_t = cell.in_t.saturating_sub(1),
                        "rPh" => cell.in_phonetic = cell.in_phonetic.saturating_sub(1),
                        _ => {}
                    }
                }
            }
            Ev::Text(text) => {
                let Some(cell) = &mut self.cell else {
                    return Ok(());
                };
                let value_text = cell.in_v > 0 || (cell.in_t > 0 && cell.in_phonetic == 0);
                if !value_text {
                    return Ok(());
                }
                cell.content |= text.chars().any(|c| !c.is_whitespace());
                if cell.keep {
                    cell.chars += text.chars().count();
                    if cell.chars > MAX_CELL_CHARS {
                        let (row, col) = (cell.row, cell.col);
                        return Err(self.cell_error(
                            row,
                            col,
                            "xlsx.error.cell_too_long",
                            &[("max", &MAX_CELL_CHARS)],
                        ));
                    }
                    cell.text.push_str(text);
                }
            }
        }
        Ok(())
    }

    pub(super) fn finish_cell(&mut self, cell: CellState) -> Result<(), CellError> {
        if !cell.keep {
            let max_rows = self.limits.sheet_rows;
            if cell.content && (cell.row > max_rows || cell.col > MAX_SHEET_COLS) {
                return Err(CellError::at(
                    self.sheet,
                    Some(a1(cell.row, cell.col)),
                    |l| {
                        tr(
                            l,
                            "xlsx.error.sheet_extent",
                            &[
                                ("cell", &a1(cell.row, cell.col)),
                                ("max", &a1(max_rows, MAX_SHEET_COLS)),
                            ],
                        )
                    },
                ));
            }
            return Ok(());
        }
        let (row, col) = (cell.row, cell.col);
        let kind = cell.kind.as_deref().unwrap_or("n");
        let raw = cell.text.trim();
        let bad_value = |this: &Self| {
            this.cell_error(
                row,
                col,
                "xlsx.error.bad_value",
                &[("value", &quote(raw)), ("kind", &quote(kind))],
            )
        };
        let value = match kind {
            "n" | "" => {
                if raw.is_empty() {
                    None
                } else {
                    let n = raw.parse::<f64>().map_err(|_| bad_value(self))?;
                    Some(Value::Number(n))
                }
            }
            "s" => {
                if raw.is_empty() {
                    None
                } else {
                    let index: usize = raw.parse().map_err(|_| bad_value(self))?;
                    let s = self.shared.get(index).ok_or_else(|| {
                        self.cell_error(
                            row,
                            col,
                            "xlsx.error.shared_string_index",
                            &[
                                ("index", &index),
                                ("count", &self.shared.ends.len()),
                                ("part", &self.shared.part),
                            ],
                        )
                    })?;
                    Some(Value::Text(s.to_string()))
                }
            }
            "inlineStr" | "str" => Some(Value::Text(unescape_ooxml(&cell.text).into_owned())),
            "b" => match raw {
                "" => None,
                "1" | "true" => Some(Value::Bool(true)),
                "0" | "false" => Some(Value::Bool(false)),
                _ => return Err(bad_value(self)),
            },
            "e" => Some(Value::Error(raw.to_string())).filter(|_| !raw.is_empty()),
            "d" => Some(Value::Date(raw.to_string())).filter(|_| !raw.is_empty()),
            _ => return Err(bad_value(self)),
        };
        let Some(value) = value else {
            self.cells.cells.remove(&(row - 1, (col - 1) as u16));
            return Ok(());
        };
        if let Value::Text(s) | Value::Error(s) | Value::Date(s) = &value {
            self.text_bytes += s.len();
            if self.text_bytes > self.limits.sheet_text_bytes {
                return Err(self.cell_error(
                    row,
                    col,
                    "xlsx.error.text_budget",
                    &[("max", &self.limits.sheet_text_bytes)],
                ));
            }
        }
        // keep: row ≤ sheet_rows and col ≤ keep_cols ≤ u16::MAX.
        self.cells.cells.insert((row - 1, (col - 1) as u16), value);
        if self.cells.cells.len() > self.limits.sheet_cells {
            return Err(self.cell_error(
                row,
                col,
                "xlsx.error.cell_budget",
                &[("max", &self.limits.sheet_cells)],
            ));
        }
        Ok(())
    }

    pub(super) fn cell_error(
        &self,
        row: u32,
        col: u32,
        key: &str,
        args: &[(&str, &dyn std::fmt::Display)],
    ) -> CellError {
        // `args` first: a `part` given there (the shared string table) wins over the sheet's.
        let mut all: Vec<(&str, &dyn std::fmt::Display)> = args.to_vec();
        all.push(("part", &self.part));
        CellError::at(self.sheet, Some(a1(row, col)), |l| tr(l, key, &all))
    }

    pub(super) fn bad_reference(&self, reference: &str) -> CellError {
        let mut e = CellError::file(
            "xlsx.error.bad_reference",
            &[("part", &self.part), ("reference", &quote(reference))],
        );
        e.sheet = self.sheet.to_string();
        e
    }
}

/// Resolves OOXML's `_xHHHH_` escapes (ST_Xstring: characters XML cannot carry, and a literal
/// `_x0041_` written as `_x005F_x0041_`). Never longer than its input.
pub(super) fn unescape_ooxml(s: &str) -> Cow<'_, str> {
    if !s.contains("_x") {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find("_x") {
        out.push_str(&rest[..i]);
        let tail = &rest[i..];
        let escaped = tail
            .get(2..6)
            .filter(|h| h.bytes().all(|b| b.is_ascii_hexdigit()))
            .filter(|_| tail.as_bytes().get(6) == Some(&b'_'))
            .and_then(|h| u32::from_str_radix(h, 16).ok())
            .and_then(char::from_u32);
        match escaped {
            Some(c) => {
                out.push(c);
                rest = &tail[7..];
            }
            None => {
                out.push_str("_x");
                rest = &tail[2..];
            }
        }
    }
    out.push_str(rest);
    Cow::Owned(out)
}

/// A row number `1`..=1048576.
pub(super) fn parse_row(r: &str) -> Option<u32> {
    let r = r.trim();
    if r.is_empty() || !r.bytes().all(|b| b.is_ascii_digit()) || r.len() > 7 {
        return None;
    }
    r.parse().ok().filter(|n| (1..=EXCEL_ROWS).contains(n))
}

/// `AB12` → (row 12, column 28), both 1-based, within Excel's limits (`$` allowed).
pub(super) fn parse_reference(r: &str) -> Option<(u32, u32)> {
    let r = r.trim();
    let r = r.strip_prefix('$').unwrap_or(r);
    let letters = r.bytes().take_while(u8::is_ascii_alphabetic).count();
    if letters == 0 || letters > 3 {
        return None;
    }
    let col = r.as_bytes()[..letters].iter().fold(0u32, |acc, b| {
        acc * 26 + u32::from(b.to_ascii_uppercase() - b'A' + 1)
    });
    let rest = &r[letters..];
    let rest = rest.strip_prefix('$').unwrap_or(rest);
    let row = parse_row(rest)?;
    (col <= EXCEL_COLS).then_some((row, col))
}

/// The A1 name of a 1-based cell.
pub(super) fn a1(row: u32, col: u32) -> String {
    let mut n = col;
    let mut letters = Vec::new();
    while n > 0 {
        let rem = (n - 1) % 26;
        letters.push(char::from(b'A' + rem as u8));
        n = (n - 1) / 26;
    }
    letters.reverse();
    format!("{}{row}", letters.into_iter().collect::<String>())
}
