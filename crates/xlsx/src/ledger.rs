//! Ledgers (台帳) as a plain grid of text cells, read from CSV as Japanese Excel writes it.
//!
//! # Encoding
//!
//! UTF-8 with or without a BOM, or Shift_JIS as Japanese Excel saves "CSV (コンマ区切り)"
//! (decoded as Windows-31J / CP932, its superset, by `encoding_rs`). Detection: a UTF-8 BOM means
//! UTF-8; otherwise text that is valid UTF-8 is UTF-8, and anything else is CP932. A caller may
//! name the encoding instead (`--encoding`).
//!
//! # Memory budget
//!
//! The file is at most [`MAX_LEDGER_BYTES`] (32 MiB).
//!
//! - **CSV:** decoding makes one string of at most 1.5 times that (CP932 → UTF-8 grows a
//!   character from two bytes to three); the grid keeps at most [`MAX_LEDGER_ROWS`] rows of at
//!   most [`MAX_LEDGER_COLS`] cells, [`MAX_LEDGER_CELLS`] cells in all, each of at most
//!   [`crate::MAX_CELL_CHARS`] characters, and their text is part of the decoded string's size.
//!   Worst case about 48 + 32 + 1.5 M × 24 B ≈ 120 MiB. Parsing is the `csv` crate's (RFC 4180
//!   quoting, CRLF).
//! - **xlsx:** the zip checks of the checksheet reader with larger limits: parts are streamed
//!   (at most 384 MiB read of one, 512 MiB expanded in all: time, not memory); the shared
//!   string table at most 1 M entries and 32 MiB of text; a sheet's kept cells at most
//!   [`MAX_LEDGER_CELLS`] and 32 MiB of text. Worst case about 32 + 36 + 32 + 1.5 M × 48 B
//!   (cells in the ordered map) ≈ 170 MiB; the cells' text moves into the grid, not copied.
//!
//! No count, extent or size written in the file is trusted before it is checked against these;
//! `tests/budget.rs` measures the peak on hostile files.

use crate::CellError;

/// The largest ledger file accepted (CSV or xlsx).
pub const MAX_LEDGER_BYTES: usize = 32 * 1024 * 1024;
/// The most rows a ledger may have (header rows included).
pub const MAX_LEDGER_ROWS: usize = 100_000;
/// The most columns a ledger row may have.
pub const MAX_LEDGER_COLS: usize = 128;
/// The most non-empty cells a ledger may have (50,000 rows of 30 columns).
pub const MAX_LEDGER_CELLS: usize = 1_500_000;

/// A text encoding of a CSV ledger.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CsvEncoding {
    /// UTF-8 (a BOM is skipped).
    Utf8,
    /// Shift_JIS as Windows writes it (CP932 / Windows-31J).
    ShiftJis,
}

impl CsvEncoding {
    /// Parses `utf-8`, `utf8`, `shift_jis`, `sjis`, `cp932`, `windows-31j` (any case).
    pub fn parse(s: &str) -> Option<CsvEncoding> {
        match s.trim().to_ascii_lowercase().replace('_', "-").as_str() {
            "utf-8" | "utf8" => Some(CsvEncoding::Utf8),
            "shift-jis" | "sjis" | "cp932" | "windows-31j" | "ms932" => Some(CsvEncoding::ShiftJis),
            _ => None,
        }
    }
}

/// One row of a grid: its 1-based number in the file and its cells (trailing empty cells
/// dropped).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GridRow {
    /// 1-based row number as a spreadsheet shows it.
    pub number: usize,
    /// The cells, left to right.
    pub cells: Vec<String>,
}

/// A ledger as read: the sheet (or file) name and its non-empty rows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grid {
    /// The sheet name (`CSV` for a CSV file).
    pub sheet: String,
    /// The encoding the file was read in (CSV only).
    pub encoding: Option<CsvEncoding>,
    /// Rows with at least one non-empty cell, in order.
    pub rows: Vec<GridRow>,
}

fn too_large(key: &str, max: &dyn std::fmt::Display) -> CellError {
    CellError::file(key, &[("max", max)])
}

/// Decodes CSV bytes (see the module documentation for detection).
pub fn decode_csv(
    bytes: &[u8],
    encoding: Option<CsvEncoding>,
) -> Result<(String, CsvEncoding), CellError> {
    if bytes.len() > MAX_LEDGER_BYTES {
        return Err(CellError::file(
            "xlsx.error.too_large",
            &[("size", &bytes.len()), ("max", &MAX_LEDGER_BYTES)],
        ));
    }
    let has_bom = bytes.starts_with(&[0xEF, 0xBB, 0xBF]);
    let encoding = encoding.unwrap_or(if has_bom || std::str::from_utf8(bytes).is_ok() {
        CsvEncoding::Utf8
    } else {
        CsvEncoding::ShiftJis
    });
    let (text, had_errors) = match encoding {
        CsvEncoding::Utf8 => {
            let (t, _, e) = encoding_rs::UTF_8.decode(bytes);
            (t.into_owned(), e)
        }
        CsvEncoding::ShiftJis => {
            let (t, _, e) = encoding_rs::SHIFT_JIS.decode(bytes);
            (t.into_owned(), e)
        }
    };
    if had_errors {
        let name = match encoding {
            CsvEncoding::Utf8 => "UTF-8",
            CsvEncoding::ShiftJis => "Shift_JIS (CP932)",
        };
        return Err(CellError::file(
            "xlsx.ledger.encoding",
            &[("encoding", &name)],
        ));
    }
    Ok((text, encoding))
}

/// Reads a CSV ledger into a grid, within the memory budget.
pub fn read_csv(bytes: &[u8], encoding: Option<CsvEncoding>) -> Result<Grid, CellError> {
    let (text, encoding) = decode_csv(bytes, encoding)?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut rows = Vec::new();
    let mut record = csv::StringRecord::new();
    // Row numbers as a spreadsheet shows the file: the csv crate skips blank lines, which
    // Excel shows as empty rows. A record's position is where the reader stood when it started
    // looking for it: within or after the previous record's terminator, before any blank lines
    // it skipped. So the line breaks from the previous record's last character to this record's
    // first are the rows it advances (a quoted cell's line breaks stay inside its row).
    let bytes = text.as_bytes();
    let is_break = |b: &u8| matches!(b, b'\r' | b'\n');
    let mut number = 0usize;
    let mut previous: Option<usize> = None;
    let mut kept = 0usize;
    loop {
        match reader.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => {
                let line = e.position().map_or(number + 1, |p| p.line() as usize);
                return Err(CellError::at("CSV", Some(format!("{line}")), |lang| {
                    kojo_i18n::tr(lang, "xlsx.ledger.csv_broken", &[("line", &line)])
                }));
            }
        }
        let floor = previous.map_or(0, |p| p + 1);
        let raw = record
            .position()
            .and_then(|p| usize::try_from(p.byte()).ok())
            .unwrap_or(floor)
            .clamp(floor, bytes.len());
        let mut start = raw;
        while bytes.get(start).is_some_and(is_break) {
            start += 1;
        }
        let mut gap = raw;
        while previous.is_some() && gap > floor && is_break(&bytes[gap - 1]) {
            gap -= 1;
        }
        let advance = line_breaks(&bytes[gap..start]);
        number = match previous {
            None => 1 + advance,
            Some(_) => number + advance.max(1),
        };
        previous = Some(start);
        if number > MAX_LEDGER_ROWS {
            return Err(too_large("xlsx.ledger.too_many_rows", &MAX_LEDGER_ROWS));
        }
        let mut cells: Vec<String> = Vec::with_capacity(record.len().min(MAX_LEDGER_COLS));
        for (i, c) in record.iter().enumerate() {
            if i >= MAX_LEDGER_COLS {
                if !c.trim().is_empty() {
                    return Err(too_large("xlsx.ledger.too_many_columns", &MAX_LEDGER_COLS));
                }
                continue;
            }
            if c.chars().count() > crate::MAX_CELL_CHARS {
                return Err(CellError::at("CSV", Some(format!("{number}")), |lang| {
                    kojo_i18n::tr(
                        lang,
                        "xlsx.ledger.cell_too_long",
                        &[("max", &crate::MAX_CELL_CHARS)],
                    )
                }));
            }
            // A field that an export guarded against formula injection loses its guard.
            let c = c.trim();
            let c = match c.strip_prefix('\'') {
                Some(rest) if crate::actions::formula_like(rest) => rest,
                _ => c,
            };
            if !c.is_empty() {
                kept += 1;
                if kept > MAX_LEDGER_CELLS {
                    return Err(too_large("xlsx.ledger.too_many_cells", &MAX_LEDGER_CELLS));
                }
            }
            cells.push(c.to_string());
        }
        while cells.last().is_some_and(String::is_empty) {
            cells.pop();
        }
        if !cells.is_empty() {
            rows.push(GridRow { number, cells });
        }
    }
    Ok(Grid {
        sheet: "CSV".into(),
        encoding: Some(encoding),
        rows,
    })
}

/// Line breaks in `b`: CRLF, LF and a lone CR each count once.
fn line_breaks(b: &[u8]) -> usize {
    let mut n = 0;
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'\r' => {
                n += 1;
                if b.get(i + 1) == Some(&b'\n') {
                    i += 1;
                }
            }
            b'\n' => n += 1,
            _ => {}
        }
        i += 1;
    }
    n
}

/// Reads one sheet of an xlsx ledger (the first, or the one named) into a grid, within the
/// ledger budget (see the module documentation).
pub fn read_xlsx(bytes: &[u8], sheet: Option<&str>) -> Result<Grid, CellError> {
    let limits = crate::Limits::LEDGER;
    let archive = crate::read::check_file(bytes, &limits)?;
    let mut workbook = crate::ooxml::Workbook::open(archive, limits)?;
    let name = match sheet {
        Some(s) => s.to_string(),
        None => workbook
            .sheet_names()
            .next()
            .map(str::to_string)
            .ok_or_else(|| CellError::file("xlsx.ledger.no_sheet", &[("sheet", &"")]))?,
    };
    let cells = workbook
        .cells(&name, MAX_LEDGER_COLS as u16)
        .ok_or_else(|| CellError::file("xlsx.ledger.no_sheet", &[("sheet", &name)]))??;
    let mut rows: Vec<GridRow> = Vec::new();
    for ((r, c), value) in cells.into_cells() {
        let text = crate::read::plain_text_owned(value);
        if text.is_empty() {
            continue;
        }
        let number = r as usize + 1;
        if rows.last().is_none_or(|l| l.number != number) {
            rows.push(GridRow {
                number,
                cells: Vec::new(),
            });
        }
        if let Some(row) = rows.last_mut() {
            let c = usize::from(c);
            if row.cells.len() < c {
                row.cells.resize(c, String::new());
            }
            row.cells.push(text);
        }
    }
    Ok(Grid {
        sheet: name,
        encoding: None,
        rows,
    })
}

/// Reads a ledger file: xlsx when it is a zip, CSV otherwise.
pub fn read_any(
    bytes: &[u8],
    encoding: Option<CsvEncoding>,
    sheet: Option<&str>,
) -> Result<Grid, CellError> {
    if bytes.starts_with(b"PK") {
        read_xlsx(bytes, sheet)
    } else {
        read_csv(bytes, encoding)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cp932(s: &str) -> Vec<u8> {
        let (b, _, bad) = encoding_rs::SHIFT_JIS.encode(s);
        assert!(!bad);
        b.into_owned()
    }

    #[test]
    fn utf8_bom_and_cp932_are_detected() {
        let text = "ルール番号,申請者\r\nFW-1,山田\r\n";
        for (bytes, enc) in [
            (text.as_bytes().to_vec(), CsvEncoding::Utf8),
            (
                [&[0xEF, 0xBB, 0xBF][..], text.as_bytes()].concat(),
                CsvEncoding::Utf8,
            ),
            (cp932(text), CsvEncoding::ShiftJis),
        ] {
            let g = read_csv(&bytes, None).unwrap();
            assert_eq!(g.encoding, Some(enc));
            assert_eq!(g.rows[0].cells, ["ルール番号", "申請者"]);
            assert_eq!(g.rows[1].cells, ["FW-1", "山田"]);
        }
        // Named explicitly, a wrong encoding is refused rather than read as mojibake.
        let err = read_csv(&cp932(text), Some(CsvEncoding::Utf8)).unwrap_err();
        assert!(err.message_en.contains("UTF-8"), "{err:?}");
        assert_eq!(CsvEncoding::parse("CP932"), Some(CsvEncoding::ShiftJis));
    }

    #[test]
    fn empty_rows_are_skipped_and_numbers_kept() {
        // Rows as a spreadsheet numbers them, with CRLF, LF or CR line ends: blank lines count,
        // a quoted cell's line break does not.
        for eol in ["\r\n", "\n", "\r"] {
            let text = [
                "タイトル",
                "",
                ",,",
                "a,\"b,c\"",
                "\"x\ny\",z",
                "",
                "last",
                "",
            ]
            .join(eol);
            let g = read_csv(text.as_bytes(), None).unwrap();
            let rows: Vec<(usize, Vec<String>)> =
                g.rows.into_iter().map(|r| (r.number, r.cells)).collect();
            assert_eq!(
                rows,
                [
                    (1, vec!["タイトル".to_string()]),
                    (4, vec!["a".into(), "b,c".into()]),
                    (5, vec!["x\ny".into(), "z".into()]),
                    (7, vec!["last".into()]),
                ],
                "{eol:?}"
            );
        }
    }

    #[test]
    fn the_budget_holds_whatever_the_file_says() {
        let wide = format!("{}x\n", ",".repeat(MAX_LEDGER_COLS));
        assert!(read_csv(wide.as_bytes(), None).is_err());
        let long = format!("{}\n", "a".repeat(crate::MAX_CELL_CHARS + 1));
        assert!(read_csv(long.as_bytes(), None).is_err());
        let many = "a\n".repeat(MAX_LEDGER_ROWS + 1);
        assert!(read_csv(many.as_bytes(), None).is_err());
        let broken = "a,\"b\nc";
        let _ = read_csv(broken.as_bytes(), None);
    }
}
