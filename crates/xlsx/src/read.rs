//! Reading a filled checksheet back: file checks, metadata, header, item rows.

use crate::error::{CellError, ImportErrors};
use crate::layout::*;
use crate::ooxml::{Cells, Value, Workbook};
use crate::{Limits, MAX_ZIP_ENTRIES, READ_FORMAT_VERSIONS};
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
    let archive = check_file(bytes, &Limits::CHECKSHEET).map_err(ImportErrors::one)?;
    let mut workbook = Workbook::open(archive, Limits::CHECKSHEET).map_err(ImportErrors::one)?;

    let lang = check_meta(&mut workbook, catalog)?;

    // The main sheet: the name in the metadata's language, else the other language's.
    let wanted = [main_sheet(lang), main_sheet(other(lang))];
    let Some(name) = wanted
        .iter()
        .find(|n| workbook.sheet_names().any(|s| s == **n))
    else {
        return Err(ImportErrors::one(CellError::file(
            "xlsx.error.not_checksheet",
            &[("sheet", &main_sheet(lang))],
        )));
    };
    // Only the mark and answer columns (A–Q) are kept: the yearly cycle's columns right of them
    // (last year's mark, the review) are informational and ignored like notes beside the table.
    let cells = match workbook.cells(name, ANSWER_COLUMNS) {
        Some(result) => result.map_err(ImportErrors::one)?,
        None => Cells::default(),
    };
    let grid = Grid {
        cells: &cells,
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

/// Reads a checksheet of any of `catalogs` (the versions kojo has): the one its metadata names,
/// else the first, whose refusal then names the version found.
pub(crate) fn import_any(bytes: &[u8], catalogs: &[&Catalog]) -> Result<Sheet, ImportErrors> {
    let named = catalog_id_of(bytes);
    let catalog = catalogs
        .iter()
        .find(|c| named.as_deref() == Some(c.id.as_str()))
        .or(catalogs.first())
        .ok_or_else(|| {
            ImportErrors::one(CellError::file(
                "xlsx.error.not_checksheet",
                &[("sheet", &META_SHEET)],
            ))
        })?;
    import(bytes, catalog)
}

/// The catalog id in a checksheet's metadata, if the file gets that far (every check of
/// [`import`] on the way, with the same budgets).
fn catalog_id_of(bytes: &[u8]) -> Option<String> {
    let archive = check_file(bytes, &Limits::CHECKSHEET).ok()?;
    let mut workbook = Workbook::open(archive, Limits::CHECKSHEET).ok()?;
    let cells = workbook.cells(META_SHEET, 2)?.ok()?;
    cells.rows().find_map(|row| {
        let key = cells.get(row, 0).map(plain_text).unwrap_or_default();
        (key == meta::CATALOG_ID).then(|| cells.get(row, 1).map(plain_text).unwrap_or_default())
    })
}

/// The most problems collected from the item rows: enough to fix a file, and a bound on the
/// memory of the report (10,000 rows of error values would otherwise make 100,000 messages).
const MAX_REPORTED_ERRORS: usize = 1_000;

fn other(lang: Lang) -> Lang {
    match lang {
        Lang::Ja => Lang::En,
        Lang::En => Lang::Ja,
    }
}

/// Size, zip structure and decompressed size, before any XML is parsed. Returns the archive;
/// nothing decompressed here is kept.
pub(crate) fn check_file<'b>(
    bytes: &'b [u8],
    limits: &Limits,
) -> Result<zip::ZipArchive<Cursor<&'b [u8]>>, CellError> {
    if bytes.is_empty() {
        return Err(CellError::file("xlsx.error.empty", &[]));
    }
    if bytes.len() > limits.file_bytes {
        return Err(CellError::file(
            "xlsx.error.too_large",
            &[("size", &bytes.len()), ("max", &limits.file_bytes)],
        ));
    }
    if !bytes.starts_with(b"PK") {
        return Err(CellError::file("xlsx.error.not_zip", &[]));
    }
    // The zip reader keeps a record per central directory entry before its count can be
    // checked; every entry starts with this signature, so counting them bounds that memory.
    let headers = bytes.windows(4).filter(|w| *w == b"PK\x01\x02").count();
    if headers > MAX_ZIP_ENTRIES {
        return Err(CellError::file(
            "xlsx.error.zip_entries",
            &[("count", &headers), ("max", &MAX_ZIP_ENTRIES)],
        ));
    }
    let broken = |e: &dyn std::fmt::Display| {
        let detail: String = e.to_string().chars().take(200).collect();
        CellError::file("xlsx.error.broken_zip", &[("detail", &detail)])
    };
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|e| broken(&e))?;
    if archive.len() > MAX_ZIP_ENTRIES {
        return Err(CellError::file(
            "xlsx.error.zip_entries",
            &[("count", &archive.len()), ("max", &MAX_ZIP_ENTRIES)],
        ));
    }
    let too_big = || {
        CellError::file(
            "xlsx.error.zip_size",
            &[("max", &limits.uncompressed_bytes)],
        )
    };
    // What the central directory declares.
    let mut declared: u64 = 0;
    let mut has_workbook = false;
    for i in 0..archive.len() {
        let entry = archive.by_index_data(i).map_err(|e| broken(&e))?;
        if entry.encrypted() {
            return Err(CellError::file("xlsx.error.zip_encrypted", &[]));
        }
        declared = declared.saturating_add(entry.size());
        if declared > limits.uncompressed_bytes as u64 {
            return Err(too_big());
        }
        has_workbook |= entry.name_raw() == b"xl/workbook.xml";
    }
    if !has_workbook {
        return Err(CellError::file("xlsx.error.no_workbook", &[]));
    }
    // What the entries really expand to: declared sizes can lie, so decompress with a hard cap
    // (this also finds truncated or corrupt data before the XML reader does). Nothing is kept.
    let mut budget = limits.uncompressed_bytes as u64;
    let mut buf = vec![0u8; 64 * 1024];
    for i in 0..archive.len() {
        let mut file = archive.by_index(i).map_err(|e| broken(&e))?;
        loop {
            let n = file.read(&mut buf).map_err(|e| broken(&e))?;
            if n == 0 {
                break;
            }
            budget = budget.checked_sub(n as u64).ok_or_else(too_big)?;
        }
    }
    Ok(archive)
}

/// Reads the metadata sheet and refuses other catalogs and format versions; returns the
/// language the checksheet was written in.
fn check_meta(workbook: &mut Workbook<'_>, catalog: &Catalog) -> Result<Lang, ImportErrors> {
    // Keys in column A, values in column B; nothing else of this sheet is read.
    let Some(cells) = workbook.cells(META_SHEET, 2) else {
        return Err(ImportErrors::one(CellError::file(
            "xlsx.error.not_checksheet",
            &[("sheet", &META_SHEET)],
        )));
    };
    let cells = cells.map_err(ImportErrors::one)?;
    let mut values: HashMap<String, (String, u32)> = HashMap::new();
    for row in cells.rows() {
        let key = cells.get(row, 0).map(plain_text).unwrap_or_default();
        let value = cells.get(row, 1).map(plain_text).unwrap_or_default();
        if !key.is_empty() {
            values.entry(key).or_insert((value, row));
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
    if let Some((v, cell)) =
        format_version.filter(|(v, _)| !READ_FORMAT_VERSIONS.contains(&v.as_str()))
    {
        let supported = READ_FORMAT_VERSIONS.join(", ");
        errors.push(CellError::at(META_SHEET, Some(cell), |l| {
            tr(
                l,
                "xlsx.error.format_version",
                &[("found", &v), ("expected", &supported)],
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
    cells: &'a Cells,
    sheet: &'a str,
}

impl Grid<'_> {
    fn get(&self, row: u32, col: u16) -> Option<&Value> {
        self.cells.get(row, col)
    }

    fn last_row(&self) -> u32 {
        self.cells.last_row().unwrap_or(0)
    }

    fn error(&self, row: u32, col: u16, message: impl Fn(Lang) -> String) -> CellError {
        CellError::at(self.sheet, Some(cell_name(row, col)), message)
    }

    /// The cell as trimmed text (`None` when empty); an error value is reported.
    fn text(&self, row: u32, col: u16, errors: &mut Vec<CellError>) -> Option<String> {
        match self.get(row, col) {
            Some(Value::Error(e)) => {
                let value: String = e.chars().take(40).collect();
                errors.push(self.error(row, col, |l| {
                    tr(l, "xlsx.error.cell_error", &[("value", &value)])
                }));
                None
            }
            Some(other) => Some(plain_text(other)).filter(|s| !s.is_empty()),
            None => None,
        }
    }

    /// The cell as a date field's text: serial numbers become `YYYY-MM-DD`, ISO dates are cut
    /// to their date, text is passed on for [`parse_date`] to judge.
    fn date_text(&self, row: u32, col: u16, errors: &mut Vec<CellError>) -> Option<String> {
        match self.get(row, col) {
            Some(Value::Number(f)) => Some(
                serial_date(*f)
                    .map(|d| d.format("%Y-%m-%d").to_string())
                    .unwrap_or_else(|| number_text(*f)),
            ),
            Some(Value::Date(s)) => {
                let s = s.trim();
                Some(s.get(..10).unwrap_or(s).to_string())
            }
            _ => self.text(row, col, errors),
        }
    }
}

/// A cell's value as text, trimmed (full-width spaces too).
pub(crate) fn plain_text(value: &Value) -> String {
    let s = match value {
        Value::Text(s) | Value::Date(s) | Value::Error(s) => s.as_str(),
        Value::Number(f) => return number_text(*f),
        Value::Bool(b) => {
            if *b {
                "TRUE"
            } else {
                "FALSE"
            }
        }
    };
    s.trim_matches(|c: char| c.is_whitespace() || c == '\u{3000}')
        .to_string()
}

/// [`plain_text`] of a value that is not needed any more: its text moves, trimmed in place.
pub(crate) fn plain_text_owned(value: Value) -> String {
    match value {
        Value::Text(s) | Value::Date(s) | Value::Error(s) => {
            let blank = |c: char| c.is_whitespace() || c == '\u{3000}';
            let trimmed = s.trim_matches(blank);
            if trimmed.len() == s.len() {
                s
            } else {
                trimmed.to_string()
            }
        }
        other => plain_text(&other),
    }
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

/// The No. and answer headings must be where format versions 1 and 2 put them (in either
/// language); the headings right of the answer columns are not checked.
fn check_layout(grid: &Grid<'_>) -> Result<(), ImportErrors> {
    let ja = table_headings(Lang::Ja);
    let en = table_headings(Lang::En);
    let mut errors = Vec::new();
    let check = [COL_ITEM]
        .into_iter()
        .chain(Field::ALL.iter().map(|f| field_col(*f)));
    for col in check {
        let i = usize::from(col);
        let found = grid
            .get(ROW_TABLE_HEADER, col)
            .map(plain_text)
            .unwrap_or_default();
        let found = normalize_width(&found).to_lowercase();
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
        if errors.len() >= MAX_REPORTED_ERRORS {
            break;
        }
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
}
