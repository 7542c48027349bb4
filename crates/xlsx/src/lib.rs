//! The offline checksheet: an xlsx file to fill in with only Excel or LibreOffice, and its import.
//!
//! [`blank`], [`export`] and [`export_cycle`] write a workbook with four sheets:
//!
//! - **チェックシート / Checksheet**: a header block (company, plant code and name, line code and
//!   name, fiscal year, assessor, date) and one row per item with the guideline's texts (label,
//!   objective, requirement, No., condition, criteria with resolved cross-references, suggested
//!   responsible area), a mark column with a ○ □ △ × － drop-down, and one column per answer
//!   field ([`kojo_domain::Field`]). Right of them, the yearly cycle's informational columns
//!   ([`CycleColumns`]): last year's mark and this cycle's review. Frozen panes, autofilter,
//!   A4 landscape, fit to width.
//! - **凡例 / Legend**: the five marks with the guideline's definitions (section 2), the columns
//!   each mark needs, and notes (residual risks, rate formula, suggested areas, and for English
//!   that the translation is unofficial).
//! - **集計 / Summary**: formulas that compute, from the mark column, the counts per mark,
//!   answered / unanswered, achievement rate (○ ÷ (items − －)) and completion, overall and per
//!   label; each formula carries kojo's own result ([`kojo_domain::Scorer`]) as cached value.
//! - **kojo**: very hidden, protected metadata: catalog id and version, checksheet format version
//!   ([`FORMAT_VERSION`]), language.
//!
//! [`import`] reads such a file back after any spreadsheet program saved it (only the mark and
//! answer columns; the informational columns and anything else right of them are ignored): shared or inline
//! strings, dates as serial numbers or text, marks in any accepted spelling, stray spaces, rows
//! hidden or reordered (items are found by their No.). It refuses, with every problem named by
//! sheet and cell, files that are not xlsx, too large, zip bombs, for another catalog or format
//! version, with duplicate or unknown items, invalid marks, missing required fields or bad dates.
//!
//! # Memory budget
//!
//! **The peak memory of one import is at most 100 MiB on any input of at most
//! [`MAX_FILE_BYTES`]**, whatever counts, sizes or cell references the file declares. The import
//! reads xlsx with its own small reader on `zip` and `quick-xml` (not calamine, which trusts
//! declared counts and builds dense grids; see the reader module's documentation), which never
//! allocates from a number the file declares and keeps only the cells of the checksheet layout:
//!
//! | what | bound |
//! |---|---|
//! | zip pre-check | streams every entry through a 64 KiB buffer, nothing retained |
//! | one XML part being parsed | [`MAX_PART_BYTES`] read at most; the parser's event buffer holds one event (≤ 2 × that) |
//! | shared string table | [`MAX_SHARED_STRINGS`] entries, [`MAX_SHARED_STRING_BYTES`] of text |
//! | cells kept per sheet | rows < [`MAX_SHEET_ROWS`] × the layout's columns, [`MAX_SHEET_TEXT_BYTES`] of text, [`MAX_CELL_CHARS`] per cell |
//! | element nesting | [`MAX_XML_DEPTH`] levels |
//!
//! `crates/xlsx/tests/budget.rs` measures the peak heap of every hostile case the suite knows
//! with a counting allocator and fails above 100 MiB; `tests/fuzz.rs` (`fuzz_xlsx_import`) checks
//! the same for mutated checksheets.
//!
//! [`action_list_xlsx`] and [`action_list_csv`] list every item not marked ○ and the action
//! plan ([`ActionItem`]s) with their status and whether they are overdue.
#![deny(missing_docs)]

mod actions;
mod error;
pub mod layout;
pub mod ledger;
mod legend;
mod ooxml;
mod portfolio;
mod read;
pub mod register;
mod summary;
mod write;

pub use error::{CellError, ImportErrors, XlsxError};
pub use kojo_i18n::Lang;

use chrono::NaiveDate;
use kojo_catalog::Catalog;
use kojo_domain::{ActionItem, ItemNo, Mark, Review, Sheet};
use std::collections::BTreeMap;

/// The largest file [`import`] accepts, in bytes (10 MiB; a filled checksheet is about 100 KiB).
pub const MAX_FILE_BYTES: usize = 10 * 1024 * 1024;

/// The most entries the xlsx (zip) archive may have (a checksheet has about 15).
pub const MAX_ZIP_ENTRIES: usize = 200;

/// The most bytes the archive's entries may expand to, declared or actual (100 MiB). The
/// pre-check decompresses every entry to count them but keeps none of it.
pub const MAX_UNCOMPRESSED_BYTES: usize = 100 * 1024 * 1024;

/// The most rows a worksheet's content may span (a checksheet uses 71; notes below are fine).
/// Content further down is refused, naming the cell.
pub const MAX_SHEET_ROWS: u32 = 10_000;

/// The most columns a worksheet's content may span (a checksheet uses 26, up to column Z, and
/// import reads 17 of them, up to column Q). Content further right is refused, naming the cell;
/// content right of the answer columns but within this limit (the informational columns R–Z,
/// and notes people write beside the table) is ignored.
pub const MAX_SHEET_COLS: u32 = 256;

/// The most bytes of one XML part the import reads (16 MiB; a checksheet's largest part, the
/// main sheet, is about 200 KiB). Larger parts are refused.
pub const MAX_PART_BYTES: usize = 16 * 1024 * 1024;

/// The most entries of the shared string table (a blank checksheet has about 260).
pub const MAX_SHARED_STRINGS: usize = 100_000;

/// The most bytes of text in the shared string table (8 MiB).
pub const MAX_SHARED_STRING_BYTES: usize = 8 * 1024 * 1024;

/// The most characters of one cell or shared string: Excel's own limit.
pub const MAX_CELL_CHARS: usize = 32_767;

/// The most bytes of text kept of one worksheet's cells (8 MiB).
pub const MAX_SHEET_TEXT_BYTES: usize = 8 * 1024 * 1024;

/// The limits of one reading of an xlsx file: [`Limits::CHECKSHEET`] for checksheets (the
/// constants above), [`Limits::LEDGER`] for ledgers (台帳) of up to 100,000 rows.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Limits {
    pub(crate) file_bytes: usize,
    pub(crate) uncompressed_bytes: usize,
    pub(crate) part_bytes: usize,
    pub(crate) sheet_rows: u32,
    pub(crate) shared_strings: usize,
    pub(crate) shared_string_bytes: usize,
    pub(crate) sheet_text_bytes: usize,
    /// The most non-empty cells kept of a sheet.
    pub(crate) sheet_cells: usize,
}

impl Limits {
    /// Checksheets.
    pub(crate) const CHECKSHEET: Limits = Limits {
        file_bytes: MAX_FILE_BYTES,
        uncompressed_bytes: MAX_UNCOMPRESSED_BYTES,
        part_bytes: MAX_PART_BYTES,
        sheet_rows: MAX_SHEET_ROWS,
        shared_strings: MAX_SHARED_STRINGS,
        shared_string_bytes: MAX_SHARED_STRING_BYTES,
        sheet_text_bytes: MAX_SHEET_TEXT_BYTES,
        // Rows × the most columns any checksheet read keeps (17).
        sheet_cells: MAX_SHEET_ROWS as usize * 17,
    };

    /// Ledgers: see [`ledger`] for the budget these make.
    pub(crate) const LEDGER: Limits = Limits {
        file_bytes: ledger::MAX_LEDGER_BYTES,
        uncompressed_bytes: 512 * 1024 * 1024,
        part_bytes: 384 * 1024 * 1024,
        sheet_rows: ledger::MAX_LEDGER_ROWS as u32,
        shared_strings: 1_000_000,
        shared_string_bytes: 32 * 1024 * 1024,
        sheet_text_bytes: 32 * 1024 * 1024,
        sheet_cells: ledger::MAX_LEDGER_CELLS,
    };
}

/// The deepest element nesting of an XML part (a worksheet needs 5 levels).
pub const MAX_XML_DEPTH: usize = 64;

/// The checksheet format version written into the metadata sheet. Change it whenever the layout
/// in [`layout`] changes.
///
/// Version 2 added the informational columns R–Y (last year's mark, the review), version 3
/// column Z (inherited from the plant); version 1 and 2 files have the same mark and answer
/// columns and still import.
pub const FORMAT_VERSION: &str = "3";

/// The format versions [`import`] reads: every version whose mark and answer columns are where
/// [`layout`] puts them.
pub const READ_FORMAT_VERSIONS: [&str; 3] = ["1", "2", FORMAT_VERSION];

/// What the informational columns of the checksheet show (R–Z, right of the answer columns):
/// last year's mark and this cycle's review of each item, and on a line, which items follow the
/// plant. Plain data; [`Default`] shows nothing.
///
/// The columns are always part of the checksheet, empty where there is nothing to show, so
/// every checksheet has one layout. They are informational: [`import`] never reads them.
#[derive(Debug, Clone, Copy, Default)]
pub struct CycleColumns<'a> {
    /// Last year's assessment of the same scope, if any.
    pub previous: Option<PreviousMarks<'a>>,
    /// This cycle's reviews. A review is shown only where its [`Review::mark`] is the item's
    /// mark in the sheet (after a change of mark it no longer counts); when an item has several
    /// such reviews, the last one in the slice is shown. Reviews of items outside the catalog
    /// are ignored.
    pub reviews: &'a [Review],
    /// On a line that inherits from its plant: the items that follow the plant's answer
    /// (column Z, 工場から引継ぎ).
    pub inherited: &'a [u16],
}

/// Last year's marks, for the column 前年度の評価 / Last year's mark.
#[derive(Debug, Clone, Copy)]
pub struct PreviousMarks<'a> {
    /// Which assessment the marks come from, shown in the column heading: `2026年度`, `FY2026`.
    pub caption: &'a str,
    /// The marks; items without one stay empty.
    pub marks: &'a BTreeMap<ItemNo, Mark>,
}

/// A checksheet with no answers and an empty header, ready to be filled in.
pub fn blank(catalog: &Catalog, lang: Lang) -> Result<Vec<u8>, XlsxError> {
    let sheet = Sheet {
        catalog_id: catalog.id.clone(),
        ..Sheet::default()
    };
    write::checksheet(catalog, &sheet, &CycleColumns::default(), lang, None)
}

/// The checksheet of `sheet`: its header and answers filled in, the summary's formulas carrying
/// kojo's scores as cached values. The yearly cycle's columns are present and empty: the same
/// as [`export_cycle`] with [`CycleColumns::default`].
///
/// Fails if the sheet belongs to another catalog or answers an item the catalog does not have.
pub fn export(catalog: &Catalog, sheet: &Sheet, lang: Lang) -> Result<Vec<u8>, XlsxError> {
    write::checksheet(catalog, sheet, &CycleColumns::default(), lang, None)
}

/// The checksheet of `sheet` as [`export`] writes it, with the yearly cycle's columns filled
/// from `cycle`: 前年度の評価 (last year's mark symbol; the heading names `cycle.previous`'s
/// caption), then the review: 理由は妥当か (はい / いいえ), 準備状況（見直し）, 進捗率 (a
/// percentage), 検討状況（見直し）, 判断予定日（見直し） (a date), 見直しメモ, 見直し者・日付
/// (`name（YYYY-MM-DD）`).
///
/// These columns are informational: [`import`] ignores them, also when someone typed into them.
pub fn export_cycle(
    catalog: &Catalog,
    sheet: &Sheet,
    cycle: &CycleColumns<'_>,
    lang: Lang,
) -> Result<Vec<u8>, XlsxError> {
    write::checksheet(catalog, sheet, cycle, lang, None)
}

/// [`export_cycle`] with the workbook's creation date set to `created` instead of now, so the
/// same content always gives the same bytes (submission packages are reproducible).
pub fn export_cycle_dated(
    catalog: &Catalog,
    sheet: &Sheet,
    cycle: &CycleColumns<'_>,
    lang: Lang,
    created: chrono::NaiveDate,
) -> Result<Vec<u8>, XlsxError> {
    write::checksheet(catalog, sheet, cycle, lang, Some(created))
}

/// Reads a checksheet written by [`blank`] or [`export`] (and maybe re-saved by a spreadsheet
/// program) back into a [`Sheet`] of `catalog`.
///
/// Either the whole sheet is returned or nothing: every problem found is reported, each with
/// its sheet and cell.
///
/// Memory: at most 100 MiB at peak for any `bytes` up to [`MAX_FILE_BYTES`] (see the crate
/// documentation's memory budget); only the cells of the checksheet layout are read. Header texts are trimmed and empty optional ones become `None`; unanswered
/// items (every answer cell empty) are absent from [`Sheet::answers`], and so are items whose
/// rows were deleted.
pub fn import(bytes: &[u8], catalog: &Catalog) -> Result<Sheet, ImportErrors> {
    read::import(bytes, catalog)
}

/// Imports a checksheet of any of `catalogs` (kojo's catalog versions): the one its metadata
/// names. A checksheet of another guideline or an unknown version is refused as by [`import`]
/// with the first catalog.
pub fn import_any(bytes: &[u8], catalogs: &[&Catalog]) -> Result<Sheet, ImportErrors> {
    read::import_any(bytes, catalogs)
}

/// The portfolio as a workbook: the plants × labels table (rates as percentages, coloured as
/// the heatmap, lines below their plant), the companies pooled and the aggregation rules; the
/// trend per fiscal year; the weakest items. `filters` are printed under the title as
/// (caption, value); `status_names` names the status keys.
pub fn portfolio_xlsx(
    catalog: &Catalog,
    portfolio: &kojo_domain::portfolio::Portfolio,
    lang: Lang,
    filters: &[(String, String)],
    status_names: &std::collections::BTreeMap<String, String>,
) -> Result<Vec<u8>, XlsxError> {
    portfolio::xlsx(catalog, portfolio, lang, filters, status_names)
}

/// The action list as xlsx, two sheets:
///
/// - **対応リスト / Action list**: every item not marked ○ (□ △ × －, and unanswered), with
///   label, No., condition, responsible area, mark and every answer field.
/// - **対策計画 / Action plan**: one row per action of `actions` (by item, then in the order
///   given): No., condition, the item's mark, the action, owner, due date, status name, the
///   overdue flag (期限超過 / Overdue when [`ActionItem::is_overdue`] on `today`, else empty)
///   and note. Above the table, `today` as the reference date and how many are overdue.
///
/// Cells are text, never formulas; a text that starts like a formula (see [`action_list_csv`])
/// is also marked with Excel's quote prefix, so editing the cell keeps it text.
///
/// Fails if the sheet belongs to another catalog, or the sheet or an action names an item the
/// catalog does not have.
pub fn action_list_xlsx(
    catalog: &Catalog,
    sheet: &Sheet,
    actions: &[ActionItem],
    today: NaiveDate,
    lang: Lang,
) -> Result<Vec<u8>, XlsxError> {
    actions::xlsx(catalog, sheet, actions, today, lang)
}

/// The action list as CSV (UTF-8 with BOM and CRLF line ends, so Excel opens Japanese text
/// correctly): one table with one header row. Its columns are those of [`action_list_xlsx`]'s
/// first sheet followed by the action's: action, owner, due date, status name, overdue flag
/// (期限超過 / Overdue, else empty) and note. Dates are `YYYY-MM-DD`.
///
/// The rows are the residual risks joined with their actions, in catalog order: every item not
/// marked ○, and every item with an action (so an action is never lost when its item became ○).
/// An item without actions has one row with the action columns empty; an item with n actions
/// has n rows (in the order given), each repeating the item's columns.
///
/// Fields that a spreadsheet could run as a formula (starting with `=`, `+`, `-`, `@`, tab or
/// CR, also after NFKC normalisation, so the full-width `＝＋－＠` too) are prefixed with `'`;
/// the not-applicable mark `－` alone is left as it is. Items of the sheet and actions outside
/// the catalog are ignored.
pub fn action_list_csv(
    catalog: &Catalog,
    sheet: &Sheet,
    actions: &[ActionItem],
    today: NaiveDate,
    lang: Lang,
) -> String {
    actions::csv(catalog, sheet, actions, today, lang)
}
