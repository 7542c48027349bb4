//! A small OOXML (xlsx) cell reader with a fixed memory budget, on `zip` and `quick-xml`.
//!
//! # Why not calamine
//!
//! kojo used calamine until two findings (issue 8) showed that a 25 KB upload could abort the
//! server: calamine pre-allocates the shared string table from the `uniqueCount` a file
//! declares (`1000000000000` → a 24 TB allocation), and lays a worksheet out as a dense grid
//! from A1 to the farthest cell (`XFD1048576` → 512 GiB; even a "legal" `A1048576` costs over
//! 500 MiB). A guard in front of it had to re-parse the XML the way calamine does, and a guard
//! that parses differently from the parser it protects is a bypass waiting to be found (single
//! quotes, spaces around `=`). No memory budget could be guaranteed, so the import no longer
//! uses calamine at all.
//!
//! # What this reader does instead
//!
//! - Every part is streamed through [`quick_xml::Reader`] over a `BufReader` on the zip entry,
//!   cut off at [`MAX_PART_BYTES`]; no part is ever held in memory whole. The reader's event
//!   buffer holds one event at a time (at most one part's size) and element nesting is cut off
//!   at [`MAX_XML_DEPTH`].
//! - No count a file declares (`count`, `uniqueCount`, `<dimension>`) is read at all, let alone
//!   allocated from. The shared string table is one `String` plus end offsets, capped in entries
//!   ([`MAX_SHARED_STRINGS`]) and bytes ([`MAX_SHARED_STRING_BYTES`]).
//! - Only the cells of a fixed rectangle are kept, sparsely; a cell's text is capped at
//!   [`MAX_CELL_CHARS`] (Excel's limit) and the text kept per sheet at [`MAX_SHEET_TEXT_BYTES`].
//!   Cells outside the rectangle are parsed and dropped; one with content beyond
//!   [`MAX_SHEET_ROWS`] rows or [`MAX_SHEET_COLS`] columns is refused, naming the cell.
//! - Attributes are read by quick-xml (single or double quotes, whitespace around `=`, entity
//!   references), elements by local name (`x:c` is `c`), text with XML entities resolved.
//!
//! Together this bounds the memory of an import: see [`crate::import`].
//!
//! [`MAX_PART_BYTES`]: crate::MAX_PART_BYTES
//! [`MAX_XML_DEPTH`]: crate::MAX_XML_DEPTH
//! [`MAX_SHARED_STRINGS`]: crate::MAX_SHARED_STRINGS
//! [`MAX_SHARED_STRING_BYTES`]: crate::MAX_SHARED_STRING_BYTES
//! [`MAX_CELL_CHARS`]: crate::MAX_CELL_CHARS
//! [`MAX_SHEET_TEXT_BYTES`]: crate::MAX_SHEET_TEXT_BYTES
//! [`MAX_SHEET_ROWS`]: crate::MAX_SHEET_ROWS
//! [`MAX_SHEET_COLS`]: crate::MAX_SHEET_COLS

use crate::Limits;
use crate::error::CellError;
use quick_xml::Reader;
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Cursor};

mod sheet;
mod xml;

use sheet::{SheetState, SiState};
use xml::{Capped, Ev, Xml, attr, quote};

/// The workbook part (the pre-checks make sure it exists).
const WORKBOOK: &str = "xl/workbook.xml";
/// The workbook's relationships: sheet ids to parts.
const WORKBOOK_RELS: &str = "xl/_rels/workbook.xml.rels";
/// The most sheets the workbook may list (a checksheet has 4).
const MAX_SHEETS: usize = 256;
/// Excel's largest row and column numbers (1-based); references beyond are invalid.
const EXCEL_ROWS: u32 = 1_048_576;
const EXCEL_COLS: u32 = 16_384;
/// Longest piece of file content quoted in a message.
const QUOTE_CHARS: usize = 40;

/// A cell's value, as the file typed it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Value {
    /// Text: a shared string, an inline string or a formula's string result.
    Text(String),
    /// A number (dates typed into a cell are serial day numbers).
    Number(f64),
    /// A boolean.
    Bool(bool),
    /// An error value such as `#N/A`.
    Error(String),
    /// A date in ISO 8601 (`t="d"`).
    Date(String),
}

/// The cells kept of one worksheet, sparse, keyed by 0-based (row, column).
#[derive(Debug, Default)]
pub(crate) struct Cells {
    cells: BTreeMap<(u32, u16), Value>,
}

impl Cells {
    /// The value at 0-based (row, column), if the cell has one.
    pub(crate) fn get(&self, row: u32, col: u16) -> Option<&Value> {
        self.cells.get(&(row, col))
    }

    /// The last 0-based row with a kept value.
    pub(crate) fn last_row(&self) -> Option<u32> {
        self.cells.keys().next_back().map(|(r, _)| *r)
    }

    /// Every kept cell in order of row, then column, consumed (its text moves out).
    pub(crate) fn into_cells(self) -> impl Iterator<Item = ((u32, u16), Value)> {
        self.cells.into_iter()
    }

    /// The rows that hold a value, in order, without repeats.
    pub(crate) fn rows(&self) -> impl Iterator<Item = u32> + '_ {
        let mut last = None;
        self.cells.keys().filter_map(move |(r, _)| {
            let new = last != Some(*r);
            last = Some(*r);
            new.then_some(*r)
        })
    }
}

/// The shared string table: one buffer and the end offset of each entry.
#[derive(Debug, Default)]
struct SharedStrings {
    /// The part it was read from, for messages.
    part: String,
    text: String,
    ends: Vec<u32>,
}

impl SharedStrings {
    fn get(&self, index: usize) -> Option<&str> {
        let end = *self.ends.get(index)? as usize;
        let start = match index {
            0 => 0,
            i => *self.ends.get(i - 1)? as usize,
        };
        self.text.get(start..end)
    }
}

/// An opened workbook: its sheets and where they are; worksheets are read on demand.
pub(crate) struct Workbook<'a> {
    archive: zip::ZipArchive<Cursor<&'a [u8]>>,
    /// (sheet name, part path or the problem finding it), in workbook order.
    sheets: Vec<(String, Result<String, CellError>)>,
    shared_part: Option<String>,
    shared: Option<SharedStrings>,
    limits: Limits,
}

impl<'a> Workbook<'a> {
    /// Reads the workbook part and its relationships.
    pub(crate) fn open(
        archive: zip::ZipArchive<Cursor<&'a [u8]>>,
        limits: Limits,
    ) -> Result<Self, CellError> {
        let mut wb = Workbook {
            archive,
            sheets: Vec::new(),
            shared_part: None,
            shared: None,
            limits,
        };
        let listed = wb.read_sheet_list()?;
        let rels = wb.read_relationships(&listed)?;
        for (name, id) in listed {
            let path = match rels.sheets.iter().find(|(i, _)| *i == id) {
                Some((_, target)) => Ok(target.clone()),
                None => Err(CellError::file(
                    "xlsx.error.relationship",
                    &[
                        ("part", &WORKBOOK_RELS),
                        ("sheet", &quote(&name)),
                        ("id", &quote(&id)),
                    ],
                )),
            };
            wb.sheets.push((name, path));
        }
        wb.shared_part = rels.shared_strings;
        Ok(wb)
    }

    /// The sheet names, in workbook order.
    pub(crate) fn sheet_names(&self) -> impl Iterator<Item = &str> {
        self.sheets.iter().map(|(n, _)| n.as_str())
    }

    /// Reads the cells of sheet `name` in rows `0..sheet_rows` (of the limits) and columns
    /// `0..cols`.
    /// Cells with content in further columns up to [`MAX_SHEET_COLS`] are ignored; content
    /// beyond [`MAX_SHEET_ROWS`] rows or [`MAX_SHEET_COLS`] columns is an error naming the cell.
    /// `None` when the workbook has no such sheet.
    pub(crate) fn cells(&mut self, name: &str, cols: u16) -> Option<Result<Cells, CellError>> {
        let (sheet, path) = self.sheets.iter().find(|(n, _)| n == name)?;
        let (sheet, path) = (sheet.clone(), path.clone());
        Some(path.and_then(|path| {
            self.load_shared_strings()?;
            let shared = self.shared.take().unwrap_or_default();
            let result = self.read_cells(&sheet, &path, cols, &shared);
            self.shared = Some(shared);
            result
        }))
    }

    /// `<sheet name="…" r:id="…"/>` of the workbook part.
    fn read_sheet_list(&mut self) -> Result<Vec<(String, String)>, CellError> {
        let mut sheets = Vec::new();
        let mut xml = self.open_part(WORKBOOK)?;
        xml.parse(|ev| {
            if let Ev::Open(e) = ev
                && e.local_name().as_ref() == "sheet"
            {
                let name = attr(e, "name", WORKBOOK)?;
                let id = attr(e, "id", WORKBOOK)?;
                if let (Some(name), Some(id)) = (name, id) {
                    if sheets.len() >= MAX_SHEETS {
                        return Err(CellError::file(
                            "xlsx.error.too_many_sheets",
                            &[("part", &WORKBOOK), ("max", &MAX_SHEETS)],
                        ));
                    }
                    sheets.push((name, id));
                }
            }
            Ok(())
        })?;
        Ok(sheets)
    }

    /// The relationships of the listed sheets and the shared string table.
    fn read_relationships(&mut self, listed: &[(String, String)]) -> Result<Rels, CellError> {
        let mut rels = Rels::default();
        let mut xml = self.open_part(WORKBOOK_RELS)?;
        xml.parse(|ev| {
            let Ev::Open(e) = ev else { return Ok(()) };
            if e.local_name().as_ref() != "Relationship" {
                return Ok(());
            }
            let external = attr(e, "TargetMode", WORKBOOK_RELS)?
                .is_some_and(|m| m.eq_ignore_ascii_case("external"));
            let (Some(id), Some(target), Some(kind)) = (
                attr(e, "Id", WORKBOOK_RELS)?,
                attr(e, "Target", WORKBOOK_RELS)?,
                attr(e, "Type", WORKBOOK_RELS)?,
            ) else {
                return Ok(());
            };
            if external {
                return Ok(());
            }
            let wanted =
                listed.iter().any(|(_, i)| *i == id) && !rels.sheets.iter().any(|(i, _)| *i == id);
            if wanted {
                rels.sheets.push((id, resolve_target(&target)));
            } else if kind.ends_with("/sharedStrings") && rels.shared_strings.is_none() {
                rels.shared_strings = Some(resolve_target(&target));
            }
            Ok(())
        })?;
        Ok(rels)
    }

    fn load_shared_strings(&mut self) -> Result<(), CellError> {
        if self.shared.is_some() {
            return Ok(());
        }
        let mut table = SharedStrings::default();
        if let Some(part) = self.shared_part.clone() {
            table.part = part.clone();
            let limits = self.limits;
            let mut xml = self.open_part(&part)?;
            let mut state = SiState {
                limits,
                ..SiState::default()
            };
            xml.parse(|ev| state.event(ev, &part, &mut table))?;
        }
        self.shared = Some(table);
        Ok(())
    }

    fn read_cells(
        &mut self,
        sheet: &str,
        part: &str,
        cols: u16,
        shared: &SharedStrings,
    ) -> Result<Cells, CellError> {
        let limits = self.limits;
        let mut xml = self.open_part(part)?;
        let mut state = SheetState {
            sheet,
            part,
            keep_cols: u32::from(cols),
            shared,
            row: 0,
            col: 0,
            cell: None,
            cells: Cells::default(),
            text_bytes: 0,
            limits,
        };
        xml.parse(|ev| state.event(ev))?;
        Ok(state.cells)
    }

    /// A streaming XML reader on part `path` (found case-insensitively, as OPC names are).
    fn open_part<'z>(&'z mut self, path: &str) -> Result<Xml<'z, 'a>, CellError> {
        let index = self
            .archive
            .file_names_raw()
            .position(|n| n.eq_ignore_ascii_case(path.as_bytes()))
            .ok_or_else(|| CellError::file("xlsx.error.part_missing", &[("part", &quote(path))]))?;
        let file = self.archive.by_index(index).map_err(|e| {
            CellError::file(
                "xlsx.error.broken_zip",
                &[("detail", &quote(&e.to_string()))],
            )
        })?;
        let capped = Capped {
            inner: file,
            left: self.limits.part_bytes as u64,
        };
        let mut input = BufReader::with_capacity(64 * 1024, capped);
        // Spreadsheet programs write UTF-8; a UTF-16 part (byte order mark) is refused plainly
        // rather than parsed as garbage.
        let start = input.fill_buf().map_err(|e| {
            CellError::file(
                "xlsx.error.broken_zip",
                &[("detail", &quote(&e.to_string()))],
            )
        })?;
        if start.starts_with(&[0xFF, 0xFE]) || start.starts_with(&[0xFE, 0xFF]) {
            return Err(CellError::file(
                "xlsx.error.part_encoding",
                &[("part", &quote(path))],
            ));
        }
        let mut reader = Reader::from_reader(input);
        let config = reader.config_mut();
        config.check_end_names = true;
        config.expand_empty_elements = false;
        config.trim_text(false);
        Ok(Xml {
            reader,
            part: path.to_string(),
            max_bytes: self.limits.part_bytes,
        })
    }
}

#[derive(Default)]
struct Rels {
    /// (relationship id, part path) of the listed sheets.
    sheets: Vec<(String, String)>,
    shared_strings: Option<String>,
}

/// A relationship target of the workbook part as a part path: relative to `xl/`, or absolute
/// from the package root; `.` and `..` segments resolved.
fn resolve_target(target: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    let (base, rest) = match target.strip_prefix('/') {
        Some(abs) => ("", abs),
        None => ("xl", target),
    };
    for segment in base.split('/').chain(rest.split(['/', '\\'])) {
        match segment {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            s => parts.push(s),
        }
    }
    parts.join("/")
}

#[cfg(test)]
mod tests {
    use super::sheet::{a1, parse_reference, unescape_ooxml};
    use super::*;

    #[test]
    fn references() {
        assert_eq!(parse_reference("A1"), Some((1, 1)));
        assert_eq!(parse_reference("XFD1048576"), Some((1_048_576, 16_384)));
        assert_eq!(parse_reference("$B$2"), Some((2, 2)));
        assert_eq!(parse_reference("XFE1"), None);
        assert_eq!(parse_reference("A1048577"), None);
        assert_eq!(parse_reference("A0"), None);
        assert_eq!(parse_reference("1A"), None);
        assert_eq!(parse_reference("A99999999999999999999"), None);
        assert_eq!(parse_reference("A+1"), None);
        assert_eq!(a1(1, 1), "A1");
        assert_eq!(a1(1_048_576, 16_384), "XFD1048576");
        assert_eq!(a1(10_000, 256), "IV10000");
    }

    #[test]
    fn targets() {
        assert_eq!(
            resolve_target("worksheets/sheet1.xml"),
            "xl/worksheets/sheet1.xml"
        );
        assert_eq!(
            resolve_target("/xl/worksheets/s.xml"),
            "xl/worksheets/s.xml"
        );
        assert_eq!(
            resolve_target("./worksheets/../sharedStrings.xml"),
            "xl/sharedStrings.xml"
        );
        assert_eq!(resolve_target("../../../x.xml"), "x.xml");
    }

    #[test]
    fn ooxml_escapes() {
        assert_eq!(unescape_ooxml("a_x000D_b"), "a\rb");
        assert_eq!(unescape_ooxml("_x005F_x0041_"), "_x0041_");
        assert_eq!(unescape_ooxml("_x41_ _xZZZZ_ _x"), "_x41_ _xZZZZ_ _x");
        assert_eq!(unescape_ooxml("_xD800_"), "_xD800_");
        assert_eq!(unescape_ooxml("長_x0030_"), "長0");
    }

    #[test]
    fn shared_string_offsets() {
        let t = SharedStrings {
            part: String::new(),
            text: "ab".into(),
            ends: vec![1, 1, 2],
        };
        assert_eq!(t.get(0), Some("a"));
        assert_eq!(t.get(1), Some(""));
        assert_eq!(t.get(2), Some("b"));
        assert_eq!(t.get(3), None);
    }
}
