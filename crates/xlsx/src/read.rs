//! Reading a filled checksheet back: file checks, metadata, header, item rows.

use crate::error::{CellError, ImportErrors};
use crate::layout::*;
use crate::{
    FORMAT_VERSION, MAX_FILE_BYTES, MAX_SHEET_COLS, MAX_SHEET_ROWS, MAX_UNCOMPRESSED_BYTES,
    MAX_ZIP_ENTRIES,
};
use calamine::{Data, Reader, Xlsx};
use chrono::NaiveDate;
use kojo_catalog::Catalog;
use kojo_domain::{
    Field, FieldError, FiscalYear, Header, ItemNo, Mark, Problem, RawAnswer, Sheet,
    normalize_width, parse_date,
};
use kojo_i18n::{Lang, t, tr};
use std::collections::{BTreeMap, HashMap};
use std::io::{Cursor, Read};

/// Reads a checksheet; see [`crate::import`].
pub(crate) fn import(bytes: &[u8], catalog: &Catalog) -> Result<Sheet, ImportErrors> {
    check_file(bytes).map_err(ImportErrors::one)?;
    let mut workbook: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).map_err(|e| {
        ImportErrors::one(CellError::file("xlsx.error.unreadable", &[("detail", &e)]))
    })?;

    let lang = check_meta(&mut workbook, catalog)?;

    // The main sheet: the name in the metadata's language, else the other language's.
    let names = workbook.sheet_names();
    let wanted = [main_sheet(lang), main_sheet(other(lang))];
    let Some(name) = wanted.iter().find(|n| names.iter().any(|s| s == *n)) else {
        return Err(ImportErrors::one(CellError::file(
            "xlsx.error.not_checksheet",
            &[("sheet", &main_sheet(lang))],
        )));
    };
    let range = workbook.worksheet_range(name).map_err(|e| {
        ImportErrors::one(CellError::file("xlsx.error.unreadable", &[("detail", &e)]))
    })?;
    let grid = Grid {
        range: &range,
        sheet: name,
    };

    check_layout(&grid)?;
    let mut errors = Vec::new();
    let header = read_header(&grid, &mut errors);
    let answers = read_items(&grid, catalog, &mut errors);
    match ImportErrors::new(errors) {
        Some(e) => Err(e),
        None => Ok(Sheet {
            catalog_id: catalog.id.clone(),
            header,
            answers,
        }),
    }
}

fn other(lang: Lang) -> Lang {
    match lang {
        Lang::Ja => Lang::En,
        Lang::En => Lang::Ja,
    }
}

/// Size, zip structure and decompressed size, before any xlsx parser sees the bytes.
fn check_file(bytes: &[u8]) -> Result<(), CellError> {
    if bytes.is_empty() {
        return Err(CellError::file("xlsx.error.empty", &[]));
    }
    if bytes.len() > MAX_FILE_BYTES {
        return Err(CellError::file(
            "xlsx.error.too_large",
            &[("size", &bytes.len()), ("max", &MAX_FILE_BYTES)],
        ));
    }
    if !bytes.starts_with(b"PK") {
        return Err(CellError::file("xlsx.error.not_zip", &[]));
    }
    let broken =
        |e: &dyn std::fmt::Display| CellError::file("xlsx.error.broken_zip", &[("detail", &e)]);
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|e| broken(&e))?;
    if archive.len() > MAX_ZIP_ENTRIES {
        return Err(CellError::file(
            "xlsx.error.zip_entries",
            &[("count", &archive.len()), ("max", &MAX_ZIP_ENTRIES)],
        ));
    }
    let too_big = || CellError::file("xlsx.error.zip_size", &[("max", &MAX_UNCOMPRESSED_BYTES)]);
    // What the central directory declares.
    let mut declared: u64 = 0;
    let mut has_workbook = false;
    for i in 0..archive.len() {
        let entry = archive.by_index_data(i).map_err(|e| broken(&e))?;
        if entry.encrypted() {
            return Err(CellError::file("xlsx.error.zip_encrypted", &[]));
        }
        declared = declared.saturating_add(entry.size());
        if declared > MAX_UNCOMPRESSED_BYTES as u64 {
            return Err(too_big());
        }
        has_workbook |= entry.name_raw() == b"xl/workbook.xml";
    }
    if !has_workbook {
        return Err(CellError::file("xlsx.error.no_workbook", &[]));
    }
    // What the entries really expand to: declared sizes can lie, so decompress with a hard cap
    // (this also finds truncated or corrupt data before the xlsx parser does).
    let mut budget = MAX_UNCOMPRESSED_BYTES as u64;
    let mut buf = vec![0u8; 64 * 1024];
    for i in 0..archive.len() {
        let mut file = archive.by_index(i).map_err(|e| broken(&e))?;
        // Worksheets are kept to measure their extent; other parts are only counted.
        let is_sheet = {
            let name = file.name_raw();
            name.starts_with(b"xl/worksheets/") && name.ends_with(b".xml")
        };
        let mut sheet = Vec::new();
        loop {
            let n = file.read(&mut buf).map_err(|e| broken(&e))?;
            if n == 0 {
                break;
            }
            budget = budget.checked_sub(n as u64).ok_or_else(too_big)?;
            if is_sheet {
                sheet.extend_from_slice(&buf[..n]);
            }
        }
        if is_sheet {
            check_extent(&sheet)?;
        }
    }
    Ok(())
}

/// The parser lays a sheet's cells out as a dense grid from A1 to the last cell with content:
/// two cells far apart in a small file would need gigabytes. Refuse sheets whose content
/// reaches beyond [`MAX_SHEET_ROWS`] rows or [`MAX_SHEET_COLS`] columns.
fn check_extent(xml: &[u8]) -> Result<(), CellError> {
    let (rows, cols) = used_extent(xml);
    if rows > MAX_SHEET_ROWS || cols > MAX_SHEET_COLS {
        let cell = cell_name(
            rows.saturating_sub(1),
            u16::try_from(cols.saturating_sub(1)).unwrap_or(u16::MAX),
        );
        let max = cell_name(MAX_SHEET_ROWS - 1, (MAX_SHEET_COLS - 1) as u16);
        return Err(CellError::file(
            "xlsx.error.sheet_extent",
            &[("cell", &cell), ("max", &max)],
        ));
    }
    Ok(())
}

/// The number of rows and columns (from A1) that cells with content span in a worksheet XML,
/// placing cells as the parser does: by their `r` reference, else one after the previous.
fn used_extent(xml: &[u8]) -> (u32, u32) {
    let (mut row, mut col) = (0u32, 0u32);
    let (mut max_row, mut max_col) = (0u32, 0u32);
    let mut i = 0;
    while let Some(offset) = xml[i..].iter().position(|b| *b == b'<') {
        let start = i + offset + 1;
        let Some(len) = xml[start..].iter().position(|b| *b == b'>') else {
            break;
        };
        let tag = &xml[start..start + len];
        i = start + len;
        // Local name, without a namespace prefix.
        let name_end = tag
            .iter()
            .position(|b| b.is_ascii_whitespace() || *b == b'/')
            .unwrap_or(tag.len());
        let name = &tag[..name_end];
        let local = name
            .iter()
            .rposition(|b| *b == b':')
            .map_or(name, |p| &name[p + 1..]);
        let reference = attribute(tag, b"r");
        match local {
            b"row" => {
                row = reference
                    .and_then(|r| std::str::from_utf8(r).ok()?.parse().ok())
                    .unwrap_or(row.saturating_add(1));
                col = 0;
            }
            b"c" => {
                match reference.and_then(split_reference) {
                    Some((r, c)) => {
                        row = r;
                        col = c;
                    }
                    None => col = col.saturating_add(1),
                }
                if !tag.ends_with(b"/") {
                    max_row = max_row.max(row);
                    max_col = max_col.max(col);
                }
            }
            _ => {}
        }
    }
    (max_row, max_col)
}

/// The value of attribute `name` in a start tag's bytes.
fn attribute<'a>(tag: &'a [u8], name: &[u8]) -> Option<&'a [u8]> {
    let mut i = 0;
    while i < tag.len() {
        let rest = &tag[i..];
        if rest.first().is_some_and(u8::is_ascii_whitespace)
            && rest[1..].starts_with(name)
            && rest[1 + name.len()..].starts_with(b"=\"")
        {
            let value = &rest[name.len() + 3..];
            return value
                .iter()
                .position(|b| *b == b'"')
                .map(|end| &value[..end]);
        }
        i += 1;
    }
    None
}

/// `AB12` → (row 12, column 28), both 1-based.
fn split_reference(r: &[u8]) -> Option<(u32, u32)> {
    let letters = r.iter().take_while(|b| b.is_ascii_alphabetic()).count();
    if letters == 0 || letters > 3 {
        return None;
    }
    let col = r[..letters].iter().fold(0u32, |acc, b| {
        acc * 26 + u32::from(b.to_ascii_uppercase() - b'A' + 1)
    });
    let row = std::str::from_utf8(&r[letters..]).ok()?.parse().ok()?;
    Some((row, col))
}

/// Reads the metadata sheet and refuses other catalogs and format versions; returns the
/// language the checksheet was written in.
fn check_meta(workbook: &mut Xlsx<Cursor<&[u8]>>, catalog: &Catalog) -> Result<Lang, ImportErrors> {
    if !workbook.sheet_names().iter().any(|s| s == META_SHEET) {
        return Err(ImportErrors::one(CellError::file(
            "xlsx.error.not_checksheet",
            &[("sheet", &META_SHEET)],
        )));
    }
    let range = workbook.worksheet_range(META_SHEET).map_err(|e| {
        ImportErrors::one(CellError::file("xlsx.error.unreadable", &[("detail", &e)]))
    })?;
    let mut values: HashMap<String, (String, u32)> = HashMap::new();
    if let (Some((r0, _)), Some((r1, _))) = (range.start(), range.end()) {
        for row in r0..=r1 {
            let key = range
                .get_value((row, 0))
                .map(plain_text)
                .unwrap_or_default();
            let value = range
                .get_value((row, 1))
                .map(plain_text)
                .unwrap_or_default();
            if !key.is_empty() {
                values.entry(key).or_insert((value, row));
            }
        }
    }
    let mut errors = Vec::new();
    let mut get = |key: &str| -> Option<(String, String)> {
        match values.get(key) {
            Some((v, row)) if !v.is_empty() => Some((v.clone(), cell_name(*row, 1))),
            _ => {
                errors.push(CellError::at(META_SHEET, None, |l| {
                    tr(l, "xlsx.error.meta_missing", &[("key", &key)])
                }));
                None
            }
        }
    };
    let format = get(meta::FORMAT);
    let format_version = get(meta::FORMAT_VERSION);
    let catalog_id = get(meta::CATALOG_ID);
    let catalog_version = get(meta::CATALOG_VERSION);
    let lang = values
        .get(meta::LANG)
        .and_then(|(v, _)| v.parse::<Lang>().ok())
        .unwrap_or_default();
    if let Some((v, cell)) = format.filter(|(v, _)| v != META_FORMAT) {
        errors.push(CellError::at(META_SHEET, Some(cell), |l| {
            tr(l, "xlsx.error.not_checksheet", &[("sheet", &v)])
        }));
    }
    if let Some((v, cell)) = format_version.filter(|(v, _)| v != FORMAT_VERSION) {
        errors.push(CellError::at(META_SHEET, Some(cell), |l| {
            tr(
                l,
                "xlsx.error.format_version",
                &[("found", &v), ("expected", &FORMAT_VERSION)],
            )
        }));
    }
    // Same guideline in another version: say so once; another guideline: name it.
    let base = |id: &str| id.split('@').next().unwrap_or("").to_string();
    match (catalog_id, catalog_version) {
        (Some((id, cell)), _) if base(&id) != base(&catalog.id) => {
            errors.push(CellError::at(META_SHEET, Some(cell), |l| {
                tr(
                    l,
                    "xlsx.error.catalog_id",
                    &[("found", &id), ("expected", &catalog.id)],
                )
            }));
        }
        (Some((id, id_cell)), Some((version, cell)))
            if version != catalog.version || id != catalog.id =>
        {
            let cell = if version != catalog.version {
                cell
            } else {
                id_cell
            };
            errors.push(CellError::at(META_SHEET, Some(cell), |l| {
                tr(
                    l,
                    "xlsx.error.catalog_version",
                    &[("found", &version), ("expected", &catalog.version)],
                )
            }));
        }
        _ => {}
    }
    match ImportErrors::new(errors) {
        Some(e) => Err(e),
        None => Ok(lang),
    }
}

/// A worksheet's cells with its name, for messages.
struct Grid<'a> {
    range: &'a calamine::Range<Data>,
    sheet: &'a str,
}

impl Grid<'_> {
    fn get(&self, row: u32, col: u16) -> &Data {
        self.range
            .get_value((row, u32::from(col)))
            .unwrap_or(&Data::Empty)
    }

    fn last_row(&self) -> u32 {
        self.range.end().map(|(r, _)| r).unwrap_or(0)
    }

    fn error(&self, row: u32, col: u16, message: impl Fn(Lang) -> String) -> CellError {
        CellError::at(self.sheet, Some(cell_name(row, col)), message)
    }

    /// The cell as trimmed text (`None` when empty); an error value is reported.
    fn text(&self, row: u32, col: u16, errors: &mut Vec<CellError>) -> Option<String> {
        match self.get(row, col) {
            Data::Error(e) => {
                let value = e.to_string();
                errors.push(self.error(row, col, |l| {
                    tr(l, "xlsx.error.cell_error", &[("value", &value)])
                }));
                None
            }
            other => Some(plain_text(other)).filter(|s| !s.is_empty()),
        }
    }

    /// The cell as a date field's text: dates and serial numbers become `YYYY-MM-DD`, text is
    /// passed on for [`parse_date`] to judge.
    fn date_text(&self, row: u32, col: u16, errors: &mut Vec<CellError>) -> Option<String> {
        match self.get(row, col) {
            Data::DateTime(dt) => {
                let (y, m, d, ..) = dt.to_ymd_hms_milli();
                Some(format!("{y:04}-{m:02}-{d:02}"))
            }
            Data::Float(f) => Some(
                serial_date(*f)
                    .map(|d| d.format("%Y-%m-%d").to_string())
                    .unwrap_or_else(|| number_text(*f)),
            ),
            Data::Int(i) => Some(
                serial_date(*i as f64)
                    .map(|d| d.format("%Y-%m-%d").to_string())
                    .unwrap_or_else(|| i.to_string()),
            ),
            Data::DateTimeIso(s) => Some(s.get(..10).unwrap_or(s).to_string()),
            _ => self.text(row, col, errors),
        }
    }
}

/// A cell's value as text, trimmed (full-width spaces too).
fn plain_text(data: &Data) -> String {
    let s = match data {
        Data::Empty => String::new(),
        Data::String(s) | Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
        Data::Float(f) => number_text(*f),
        Data::Int(i) => i.to_string(),
        Data::Bool(b) => if *b { "TRUE" } else { "FALSE" }.to_string(),
        Data::DateTime(dt) => {
            let (y, m, d, ..) = dt.to_ymd_hms_milli();
            format!("{y:04}-{m:02}-{d:02}")
        }
        Data::Error(e) => e.to_string(),
    };
    s.trim_matches(|c: char| c.is_whitespace() || c == '\u{3000}')
        .to_string()
}

/// `3.0` → `3`, other numbers as Rust prints them.
fn number_text(f: f64) -> String {
    if f.fract() == 0.0 && f.abs() < 1e15 {
        format!("{}", f as i64)
    } else {
        f.to_string()
    }
}

/// An Excel serial day number (1900 system) in kojo's date range, as a date.
fn serial_date(serial: f64) -> Option<NaiveDate> {
    // 36526 = 2000-01-01, 73415 = 2100-12-31.
    if !(36526.0..73416.0).contains(&serial) || serial.fract() != 0.0 {
        return None;
    }
    NaiveDate::from_ymd_opt(1899, 12, 30)?.checked_add_days(chrono::Days::new(serial as u64))
}

/// The table headings must be where format version 1 puts them (in either language).
fn check_layout(grid: &Grid<'_>) -> Result<(), ImportErrors> {
    let ja = table_headings(Lang::Ja);
    let en = table_headings(Lang::En);
    let mut errors = Vec::new();
    let check = [COL_ITEM]
        .into_iter()
        .chain(Field::ALL.iter().map(|f| field_col(*f)));
    for col in check {
        let i = usize::from(col);
        let found = normalize_width(&plain_text(grid.get(ROW_TABLE_HEADER, col))).to_lowercase();
        let ok = [&ja[i], &en[i]]
            .iter()
            .any(|h| normalize_width(h).to_lowercase() == found);
        if !ok {
            let (ja, en) = (ja[i].clone(), en[i].clone());
            errors.push(grid.error(ROW_TABLE_HEADER, col, move |l| {
                let expected = if l == Lang::Ja { &ja } else { &en };
                tr(
                    l,
                    "xlsx.error.layout",
                    &[
                        ("cell", &cell_name(ROW_TABLE_HEADER, col)),
                        ("expected", expected),
                    ],
                )
            }));
        }
    }
    match ImportErrors::new(errors) {
        Some(e) => Err(e),
        None => Ok(()),
    }
}

fn read_header(grid: &Grid<'_>, errors: &mut Vec<CellError>) -> Header {
    let value = |row: u32, col: u16, errors: &mut Vec<CellError>| grid.text(row, col, errors);
    let company = value(ROW_COMPANY, COL_HEADER_VALUE, errors).unwrap_or_default();
    let site_code = value(ROW_PLANT, COL_HEADER_VALUE, errors).unwrap_or_default();
    let site_name = value(ROW_PLANT, COL_HEADER_NAME, errors).unwrap_or_default();
    let line_code = value(ROW_LINE, COL_HEADER_VALUE, errors);
    let line_name = value(ROW_LINE, COL_HEADER_NAME, errors);
    let assessor = value(ROW_ASSESSOR, COL_HEADER_VALUE, errors);
    let period =
        value(ROW_PERIOD, COL_HEADER_VALUE, errors).and_then(|p| match FiscalYear::parse(&p) {
            Ok(fy) => Some(fy),
            Err(e) => {
                errors.push(grid.error(ROW_PERIOD, COL_HEADER_VALUE, |l| e.message(l)));
                None
            }
        });
    let date = grid
        .date_text(ROW_DATE, COL_HEADER_VALUE, errors)
        .and_then(|d| {
            parse_date(&d).or_else(|| {
                errors.push(grid.error(ROW_DATE, COL_HEADER_VALUE, |l| {
                    tr(
                        l,
                        "xlsx.error.header_date",
                        &[("field", &t(l, "xlsx.header.date"))],
                    )
                }));
                None
            })
        });
    Header {
        company,
        site_code,
        site_name,
        line_code,
        line_name,
        period,
        assessor,
        date,
    }
}

fn read_items(
    grid: &Grid<'_>,
    catalog: &Catalog,
    errors: &mut Vec<CellError>,
) -> BTreeMap<ItemNo, kojo_domain::ItemAnswer> {
    let mut answers = BTreeMap::new();
    let mut seen: HashMap<ItemNo, u32> = HashMap::new();
    for row in ROW_FIRST_ITEM..=grid.last_row() {
        let mut cell_errors = Vec::new();
        let mut raw = RawAnswer::default();
        let mut any = false;
        for field in Field::ALL {
            let col = field_col(field);
            let value = if is_date_field(field) {
                grid.date_text(row, col, &mut cell_errors)
            } else {
                grid.text(row, col, &mut cell_errors)
            };
            any |= value.is_some();
            set_field(&mut raw, field, value);
        }
        let no = grid.text(row, COL_ITEM, &mut cell_errors);
        let Some(no) = no else {
            if any {
                errors.push(grid.error(row, COL_ITEM, |l| {
                    t(l, "xlsx.error.answer_without_item").to_string()
                }));
            }
            errors.append(&mut cell_errors);
            continue;
        };
        let item = match ItemNo::parse(&no, catalog) {
            Ok(item) => item,
            Err(e) => {
                errors.push(grid.error(row, COL_ITEM, |l| e.message(l)));
                continue;
            }
        };
        if let Some(first) = seen.insert(item, row) {
            errors.push(grid.error(row, COL_ITEM, |l| {
                tr(
                    l,
                    "xlsx.error.duplicate_item",
                    &[
                        ("item", &item),
                        ("first", &(first + 1)),
                        ("row", &(row + 1)),
                    ],
                )
            }));
            continue;
        }
        if !cell_errors.is_empty() {
            errors.append(&mut cell_errors);
            continue;
        }
        if !any {
            continue; // unanswered
        }
        if let Some(mark) = raw.mark.as_deref()
            && let Err(e) = Mark::parse(mark)
        {
            errors.push(grid.error(row, COL_MARK, |l| e.message(l)));
            continue;
        }
        match raw.parse() {
            Ok(answer) => {
                answers.insert(item, answer);
            }
            Err(field_errors) => {
                for fe in field_errors.0 {
                    errors.push(grid.error(row, field_col(fe.field), |l| field_message(&fe, l)));
                }
            }
        }
    }
    answers
}

/// The domain's message, except for a missing mark, which names the marks to choose from.
fn field_message(error: &FieldError, lang: Lang) -> String {
    if error.field == Field::Mark && error.problem == Problem::Required {
        t(lang, "error.mark_required").to_string()
    } else {
        error.message(lang)
    }
}

fn set_field(raw: &mut RawAnswer, field: Field, value: Option<String>) {
    let slot = match field {
        Field::Mark => &mut raw.mark,
        Field::Alternative => &mut raw.alternative,
        Field::Reason => &mut raw.reason,
        Field::ReviewBy => &mut raw.review_by,
        Field::AcceptedBy => &mut raw.accepted_by,
        Field::Progress => &mut raw.progress,
        Field::Status => &mut raw.status,
        Field::TargetDate => &mut raw.target_date,
        Field::NaReason => &mut raw.na_reason,
        Field::Note => &mut raw.note,
    };
    *slot = value;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serial_dates() {
        assert_eq!(serial_date(46477.0), NaiveDate::from_ymd_opt(2027, 3, 31));
        assert_eq!(serial_date(36526.0), NaiveDate::from_ymd_opt(2000, 1, 1));
        assert_eq!(serial_date(73415.0), NaiveDate::from_ymd_opt(2100, 12, 31));
        assert_eq!(serial_date(12.0), None);
        assert_eq!(serial_date(46477.5), None);
        assert_eq!(number_text(3.0), "3");
        assert_eq!(number_text(0.5), "0.5");
    }

    #[test]
    fn extent_follows_references_and_positions() {
        let xml = br#"<sheetData><row r="2"><c r="B2" t="s"><v>1</v></c><c><v>2</v></c><c r="Z2" s="1"/></row><row><c r="A1048576"><v>3</v></c></row></sheetData>"#;
        assert_eq!(used_extent(xml), (1_048_576, 3));
        let prefixed =
            br#"<x:sheetData><x:row r="7"><x:c r="AB7"><x:v>1</x:v></x:c></x:row></x:sheetData>"#;
        assert_eq!(used_extent(prefixed), (7, 28));
        assert_eq!(split_reference(b"XFD1"), Some((1, 16384)));
        assert_eq!(attribute(br#"c s="1" r="B2""#, b"r"), Some(&b"B2"[..]));
        assert_eq!(attribute(br#"c sr="1""#, b"r"), None);
    }
}
