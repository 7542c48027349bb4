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

use crate::error::CellError;
use crate::{
    MAX_CELL_CHARS, MAX_PART_BYTES, MAX_SHARED_STRING_BYTES, MAX_SHARED_STRINGS, MAX_SHEET_COLS,
    MAX_SHEET_ROWS, MAX_SHEET_TEXT_BYTES, MAX_XML_DEPTH,
};
use kojo_i18n::tr;
use quick_xml::events::{BytesStart, Event};
use quick_xml::{Reader, XmlVersion};
use std::borrow::Cow;
use std::collections::BTreeMap;
use std::io::{self, BufRead, BufReader, Cursor, Read};

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
}

impl<'a> Workbook<'a> {
    /// Reads the workbook part and its relationships.
    pub(crate) fn open(archive: zip::ZipArchive<Cursor<&'a [u8]>>) -> Result<Self, CellError> {
        let mut wb = Workbook {
            archive,
            sheets: Vec::new(),
            shared_part: None,
            shared: None,
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

    /// Reads the cells of sheet `name` in rows `0..MAX_SHEET_ROWS` and columns `0..cols`.
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
            let mut xml = self.open_part(&part)?;
            let mut state = SiState::default();
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
            left: MAX_PART_BYTES as u64,
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

/// A reader that fails once more than its allowance has been read.
struct Capped<R> {
    inner: R,
    left: u64,
}

impl<R: Read> Read for Capped<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.left = self
            .left
            .checked_sub(n as u64)
            .ok_or_else(|| io::Error::other(PartTooLarge))?;
        Ok(n)
    }
}

#[derive(Debug)]
struct PartTooLarge;

impl std::fmt::Display for PartTooLarge {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("part too large")
    }
}

impl std::error::Error for PartTooLarge {}

/// What a part's handler sees: elements by local name, and text with entities resolved.
enum Ev<'e, 'b> {
    /// A start tag (an empty element `<c/>` is an `Open` followed by a `Close`).
    Open(&'e BytesStart<'b>),
    /// An end tag's local name.
    Close(&'e str),
    /// Text (character data, CDATA or a resolved entity reference).
    Text(&'e str),
}

/// A zip entry's bytes, capped and buffered.
type PartInput<'z, 'a> = BufReader<Capped<zip::read::ZipFile<'z, Cursor<&'a [u8]>>>>;

/// One part being parsed.
struct Xml<'z, 'a> {
    reader: Reader<PartInput<'z, 'a>>,
    part: String,
}

impl Xml<'_, '_> {
    /// Runs `handle` on every event; stops at the first error (malformed XML, too deep, too
    /// large, or one the handler returns).
    fn parse(
        &mut self,
        mut handle: impl FnMut(Ev<'_, '_>) -> Result<(), CellError>,
    ) -> Result<(), CellError> {
        let mut buf = Vec::new();
        let mut depth = 0usize;
        loop {
            let event = match self.reader.read_event_into(&mut buf) {
                Ok(e) => e,
                Err(e) => return Err(self.xml_error(&e)),
            };
            match event {
                Event::Start(e) => {
                    depth += 1;
                    if depth > MAX_XML_DEPTH {
                        return Err(CellError::file(
                            "xlsx.error.xml_depth",
                            &[("part", &self.part), ("max", &MAX_XML_DEPTH)],
                        ));
                    }
                    handle(Ev::Open(&e))?;
                }
                Event::Empty(e) => {
                    handle(Ev::Open(&e))?;
                    let name = e.local_name();
                    handle(Ev::Close(name.as_ref()))?;
                }
                Event::End(e) => {
                    depth = depth.saturating_sub(1);
                    let name = e.local_name();
                    handle(Ev::Close(name.as_ref()))?;
                }
                Event::Text(e) => {
                    let text = e.xml10_content();
                    handle(Ev::Text(&text))?;
                }
                Event::CData(e) => {
                    let text = e.xml10_content();
                    handle(Ev::Text(&text))?;
                }
                Event::GeneralRef(e) => {
                    let mut utf8 = [0u8; 4];
                    let text: &str = match e.resolve_char_ref() {
                        Ok(Some(c)) => c.encode_utf8(&mut utf8),
                        Ok(None) => match quick_xml::escape::resolve_predefined_entity(&e) {
                            Some(s) => s,
                            None => {
                                return Err(self
                                    .detail_error(&format!("unknown entity &{};", truncate(&e))));
                            }
                        },
                        Err(err) => return Err(self.xml_error(&err)),
                    };
                    handle(Ev::Text(text))?;
                }
                Event::Eof => {
                    if depth != 0 {
                        return Err(self.detail_error("unexpected end of the part"));
                    }
                    return Ok(());
                }
                Event::Decl(_) | Event::PI(_) | Event::Comment(_) | Event::DocType(_) => {}
            }
            buf.clear();
        }
    }

    fn xml_error(&self, e: &quick_xml::Error) -> CellError {
        if let quick_xml::Error::Io(io) = e
            && io.get_ref().is_some_and(|inner| inner.is::<PartTooLarge>())
        {
            return CellError::file(
                "xlsx.error.part_too_large",
                &[("part", &self.part), ("max", &MAX_PART_BYTES)],
            );
        }
        let position = self.reader.error_position();
        self.detail_error(&format!("{} (byte {position})", truncate(&e.to_string())))
    }

    fn detail_error(&self, detail: &str) -> CellError {
        CellError::file(
            "xlsx.error.part_xml",
            &[("part", &self.part), ("detail", &detail)],
        )
    }
}

/// The value of the attribute with local name `name` (first one if repeated), unescaped.
fn attr(e: &BytesStart<'_>, name: &str, part: &str) -> Result<Option<String>, CellError> {
    let mut attributes = e.attributes();
    attributes.with_checks(false);
    for a in attributes {
        let a = a.map_err(|err| {
            CellError::file(
                "xlsx.error.part_xml",
                &[("part", &part), ("detail", &truncate(&err.to_string()))],
            )
        })?;
        if a.key.local_name().as_ref() == name {
            let value = a.normalized_value(XmlVersion::Implicit1_0).map_err(|err| {
                CellError::file(
                    "xlsx.error.part_xml",
                    &[("part", &part), ("detail", &truncate(&err.to_string()))],
                )
            })?;
            return Ok(Some(value.into_owned()));
        }
    }
    Ok(None)
}

/// At most [`QUOTE_CHARS`] characters of `s`, for messages.
fn truncate(s: &str) -> String {
    match s.char_indices().nth(QUOTE_CHARS) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s.to_string(),
    }
}

/// `s` shortened and quoted for a message.
fn quote(s: &str) -> String {
    truncate(s)
}

/// Parsing `<sst>`: entries `<si>` with text in `<t>` directly or in rich-text runs `<r><t>`;
/// phonetic runs (`<rPh>`, furigana) are not part of the text.
#[derive(Default)]
struct SiState {
    in_si: bool,
    in_t: usize,
    in_phonetic: usize,
    entry_chars: usize,
}

impl SiState {
    fn event(
        &mut self,
        ev: Ev<'_, '_>,
        part: &str,
        table: &mut SharedStrings,
    ) -> Result<(), CellError> {
        match ev {
            Ev::Open(e) => match e.local_name().as_ref() {
                "si" => {
                    if table.ends.len() >= MAX_SHARED_STRINGS {
                        return Err(CellError::file(
                            "xlsx.error.shared_strings_count",
                            &[("part", &part), ("max", &MAX_SHARED_STRINGS)],
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
                    if table.text.len() + text.len() > MAX_SHARED_STRING_BYTES {
                        return Err(CellError::file(
                            "xlsx.error.shared_strings_size",
                            &[("part", &part), ("max", &MAX_SHARED_STRING_BYTES)],
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
struct CellState {
    /// 1-based row and column.
    row: u32,
    col: u32,
    kind: Option<String>,
    /// Whether the cell is inside the rectangle that is kept.
    keep: bool,
    text: String,
    chars: usize,
    /// Whether the cell has any non-blank text (kept or not).
    content: bool,
    in_v: usize,
    in_is: usize,
    in_t: usize,
    in_phonetic: usize,
}

/// Parsing `<worksheet>`: the cells of `<sheetData>`, positioned by `r` or after the previous.
struct SheetState<'s> {
    sheet: &'s str,
    part: &'s str,
    keep_cols: u32,
    shared: &'s SharedStrings,
    /// 1-based position of the current row and of the last cell in it (0: none yet).
    row: u32,
    col: u32,
    cell: Option<CellState>,
    cells: Cells,
    text_bytes: usize,
}

impl SheetState<'_> {
    fn event(&mut self, ev: Ev<'_, '_>) -> Result<(), CellError> {
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
                    let keep = row <= MAX_SHEET_ROWS && col <= self.keep_cols;
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

    fn finish_cell(&mut self, cell: CellState) -> Result<(), CellError> {
        if !cell.keep {
            if cell.content && (cell.row > MAX_SHEET_ROWS || cell.col > MAX_SHEET_COLS) {
                return Err(CellError::at(
                    self.sheet,
                    Some(a1(cell.row, cell.col)),
                    |l| {
                        tr(
                            l,
                            "xlsx.error.sheet_extent",
                            &[
                                ("cell", &a1(cell.row, cell.col)),
                                ("max", &a1(MAX_SHEET_ROWS, MAX_SHEET_COLS)),
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
            if self.text_bytes > MAX_SHEET_TEXT_BYTES {
                return Err(self.cell_error(
                    row,
                    col,
                    "xlsx.error.text_budget",
                    &[("max", &MAX_SHEET_TEXT_BYTES)],
                ));
            }
        }
        // keep: row ≤ MAX_SHEET_ROWS and col ≤ keep_cols ≤ u16::MAX.
        self.cells.cells.insert((row - 1, (col - 1) as u16), value);
        Ok(())
    }

    fn cell_error(
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

    fn bad_reference(&self, reference: &str) -> CellError {
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
fn unescape_ooxml(s: &str) -> Cow<'_, str> {
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
fn parse_row(r: &str) -> Option<u32> {
    let r = r.trim();
    if r.is_empty() || !r.bytes().all(|b| b.is_ascii_digit()) || r.len() > 7 {
        return None;
    }
    r.parse().ok().filter(|n| (1..=EXCEL_ROWS).contains(n))
}

/// `AB12` → (row 12, column 28), both 1-based, within Excel's limits (`$` allowed).
fn parse_reference(r: &str) -> Option<(u32, u32)> {
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
fn a1(row: u32, col: u32) -> String {
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

#[cfg(test)]
mod tests {
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
