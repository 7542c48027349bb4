//! Writing the checksheet: the main sheet; the legend and metadata sheets are in `legend.rs`,
//! the summary sheet in `summary.rs`.

use crate::layout::*;
use crate::legend::{legend_sheet, meta_sheet};
use crate::{CycleColumns, XlsxError};
use kojo_catalog::Catalog;
use kojo_domain::{
    Answer, Field, FiscalYear, ItemAnswer, ItemNo, Mark, RawAnswer, Review, Scorer, Sheet,
};
use kojo_i18n::{Lang, t, tr};
use rust_xlsxwriter::{
    Color, DataValidation, DataValidationErrorStyle, DocProperties, ExcelDateTime, Format,
    FormatAlign, FormatBorder, Workbook, Worksheet,
};
use std::collections::BTreeMap;

/// Paper size code for A4.
pub(crate) const PAPER_A4: u8 = 9;
/// Date format written into date cells.
pub(crate) const DATE_FORMAT: &str = "yyyy-mm-dd";

/// The cell formats used across the workbook.
pub(crate) struct Formats {
    pub title: Format,
    pub heading: Format,
    pub heading_info: Format,
    pub header_label: Format,
    pub body: Format,
    pub body_center: Format,
    pub input: Format,
    pub input_date: Format,
    pub input_mark: Format,
    pub note: Format,
    pub number: Format,
    pub percent: Format,
    pub date: Format,
    pub info: Format,
    pub info_center: Format,
    pub info_date: Format,
    pub info_percent: Format,
}

impl Formats {
    pub(crate) fn new() -> Self {
        let border = |f: Format| f.set_border(FormatBorder::Thin);
        let body = border(Format::new().set_text_wrap().set_align(FormatAlign::Top));
        let input_fill = Color::RGB(0xFFF9E0);
        let input = body.clone().set_background_color(input_fill).set_unlocked();
        // Informational cells (not read back): grey, so they do not look like input cells.
        let info = body.clone().set_background_color(Color::RGB(0xF2F2F2));
        let heading = border(
            Format::new()
                .set_bold()
                .set_text_wrap()
                .set_align(FormatAlign::Center)
                .set_align(FormatAlign::VerticalCenter)
                .set_background_color(Color::RGB(0xD9E1F2)),
        );
        Formats {
            title: Format::new().set_bold().set_font_size(14),
            heading_info: heading.clone().set_background_color(Color::RGB(0xD9D9D9)),
            heading,
            header_label: border(
                Format::new()
                    .set_bold()
                    .set_background_color(Color::RGB(0xD9E1F2)),
            ),
            body_center: body.clone().set_align(FormatAlign::Center),
            body,
            input_date: input.clone().set_num_format(DATE_FORMAT),
            input_mark: input
                .clone()
                .set_align(FormatAlign::Center)
                .set_align(FormatAlign::VerticalCenter)
                .set_font_size(14),
            input,
            note: Format::new().set_text_wrap().set_align(FormatAlign::Top),
            number: border(Format::new().set_align(FormatAlign::Center)),
            percent: border(
                Format::new()
                    .set_num_format("0.0%")
                    .set_align(FormatAlign::Center),
            ),
            date: Format::new()
                .set_num_format(DATE_FORMAT)
                .set_align(FormatAlign::Top)
                .set_border(FormatBorder::Thin),
            info_center: info.clone().set_align(FormatAlign::Center),
            info_date: info.clone().set_num_format(DATE_FORMAT),
            info_percent: info
                .clone()
                .set_num_format("0%")
                .set_align(FormatAlign::Center),
            info,
        }
    }
}

/// An xlsx date for `date`.
pub(crate) fn excel_date(date: chrono::NaiveDate) -> Result<ExcelDateTime, XlsxError> {
    use chrono::Datelike;
    let year = u16::try_from(date.year()).unwrap_or(0);
    // Months and days always fit in u8; ExcelDateTime validates the range itself.
    Ok(ExcelDateTime::from_ymd(
        year,
        date.month() as u8,
        date.day() as u8,
    )?)
}

/// Writes a text cell, or a blank cell with the same format when the text is empty.
pub(crate) fn write_text(
    ws: &mut Worksheet,
    row: u32,
    col: u16,
    text: &str,
    format: &Format,
) -> Result<(), XlsxError> {
    if text.is_empty() {
        ws.write_blank(row, col, format)?;
    } else {
        ws.write_string_with_format(row, col, text, format)?;
    }
    Ok(())
}

/// Checks that `sheet` belongs to `catalog`.
pub(crate) fn check_sheet(catalog: &Catalog, sheet: &Sheet) -> Result<(), XlsxError> {
    if !sheet.catalog_id.is_empty() && sheet.catalog_id != catalog.id {
        return Err(XlsxError::CatalogMismatch {
            found: sheet.catalog_id.clone(),
            expected: catalog.id.clone(),
        });
    }
    if let Some(item) = sheet
        .answers
        .keys()
        .find(|n| usize::from(n.get()) > catalog.item_count())
    {
        return Err(XlsxError::UnknownItem {
            item: item.get(),
            catalog: catalog.id.clone(),
        });
    }
    Ok(())
}

/// The raw text of every answer field, with dates kept as dates.
pub(crate) fn answer_cells(answer: &ItemAnswer) -> (RawAnswer, [Option<chrono::NaiveDate>; 2]) {
    let dates = match &answer.answer {
        Answer::Deferred { review_by, .. } => [Some(*review_by), None],
        Answer::Considering { target_date, .. } => [None, *target_date],
        _ => [None, None],
    };
    (answer.to_raw(), dates)
}

/// The whole checksheet workbook.
pub(crate) fn checksheet(
    catalog: &Catalog,
    sheet: &Sheet,
    cycle: &CycleColumns<'_>,
    lang: Lang,
    created: Option<chrono::NaiveDate>,
) -> Result<Vec<u8>, XlsxError> {
    check_sheet(catalog, sheet)?;
    let formats = Formats::new();
    let summary = Scorer::new(catalog).summarize(sheet.answers.iter().map(|(n, a)| (*n, a)));
    let mut workbook = Workbook::new();
    let title = tr(
        lang,
        "xlsx.title",
        &[
            ("title", &catalog.title.get(lang)),
            ("version", &catalog.version),
        ],
    );
    let mut properties = DocProperties::new()
        .set_title(&title)
        .set_author("kojo")
        .set_comment(t(lang, "xlsx.generator"));
    if let Some(d) = created {
        properties = properties.set_creation_datetime(&excel_date(d)?);
    }
    workbook.set_properties(&properties);

    let main = workbook.add_worksheet();
    main_sheet_contents(main, catalog, sheet, cycle, lang, &title, &formats)?;
    main.set_active(true);

    let legend = workbook.add_worksheet();
    legend_sheet(legend, catalog, lang, &formats)?;

    let summary_ws = workbook.add_worksheet();
    crate::summary::summary_sheet(summary_ws, catalog, &summary, lang, &formats)?;

    let meta = workbook.add_worksheet();
    meta_sheet(meta, catalog, lang)?;

    Ok(workbook.save_to_buffer()?)
}

pub(crate) fn page_setup(ws: &mut Worksheet, repeat_row: u32) -> Result<(), XlsxError> {
    ws.set_paper_size(PAPER_A4);
    ws.set_landscape();
    ws.set_print_fit_to_pages(1, 0);
    ws.set_repeat_rows(repeat_row, repeat_row)?;
    Ok(())
}

fn main_sheet_contents(
    ws: &mut Worksheet,
    catalog: &Catalog,
    sheet: &Sheet,
    cycle: &CycleColumns<'_>,
    lang: Lang,
    title: &str,
    f: &Formats,
) -> Result<(), XlsxError> {
    ws.set_name(main_sheet(lang))?;
    ws.write_string_with_format(ROW_TITLE, 0, title, &f.title)?;

    // Header block: label in A, value (or code) in B, name in C.
    let h = &sheet.header;
    let header_rows: [(u32, &str); 6] = [
        (ROW_COMPANY, "xlsx.header.company"),
        (ROW_PLANT, "xlsx.header.plant"),
        (ROW_LINE, "xlsx.header.line"),
        (ROW_PERIOD, "xlsx.header.period"),
        (ROW_ASSESSOR, "xlsx.header.assessor"),
        (ROW_DATE, "xlsx.header.date"),
    ];
    for (row, key) in header_rows {
        ws.write_string_with_format(row, COL_HEADER_LABEL, t(lang, key), &f.header_label)?;
    }
    write_text(ws, ROW_COMPANY, COL_HEADER_VALUE, &h.company, &f.input)?;
    write_text(ws, ROW_PLANT, COL_HEADER_VALUE, &h.site_code, &f.input)?;
    write_text(ws, ROW_PLANT, COL_HEADER_NAME, &h.site_name, &f.input)?;
    write_text(
        ws,
        ROW_LINE,
        COL_HEADER_VALUE,
        h.line_code.as_deref().unwrap_or(""),
        &f.input,
    )?;
    write_text(
        ws,
        ROW_LINE,
        COL_HEADER_NAME,
        h.line_name.as_deref().unwrap_or(""),
        &f.input,
    )?;
    let period = h
        .period
        .map(|p: FiscalYear| p.label(lang))
        .unwrap_or_default();
    write_text(ws, ROW_PERIOD, COL_HEADER_VALUE, &period, &f.input)?;
    write_text(
        ws,
        ROW_ASSESSOR,
        COL_HEADER_VALUE,
        h.assessor.as_deref().unwrap_or(""),
        &f.input,
    )?;
    match h.date {
        Some(d) => {
            ws.write_datetime_with_format(
                ROW_DATE,
                COL_HEADER_VALUE,
                excel_date(d)?,
                &f.input_date,
            )?;
        }
        None => {
            ws.write_blank(ROW_DATE, COL_HEADER_VALUE, &f.input_date)?;
        }
    }
    ws.merge_range(
        ROW_COMPANY,
        COL_HINT,
        ROW_DATE,
        COL_HINT + 2,
        t(lang, "xlsx.header.hint"),
        &f.note,
    )?;

    // Item table.
    let headings = item_headings(cycle, lang);
    for (col, heading) in headings.iter().enumerate() {
        let format = if col < usize::from(ANSWER_COLUMNS) {
            &f.heading
        } else {
            &f.heading_info
        };
        ws.write_string_with_format(ROW_TABLE_HEADER, col as u16, heading, format)?;
    }
    let reviews = current_reviews(sheet, cycle.reviews);
    let mut row = ROW_FIRST_ITEM;
    for view in catalog.items() {
        let item = view.item;
        let answer = ItemNo::new(item.number, catalog).and_then(|n| sheet.answers.get(&n));
        let (raw, dates) = match answer {
            Some(a) => answer_cells(a),
            None => (RawAnswer::default(), [None, None]),
        };
        let mut lines = 1;
        let mut text_cell = |ws: &mut Worksheet, col: u16, text: &str, format: &Format| {
            lines = lines.max(wrapped_lines(text, WIDTHS[usize::from(col)]));
            write_text(ws, row, col, text, format)
        };
        text_cell(ws, COL_LABEL, &label_text(view.label, lang), &f.body)?;
        text_cell(ws, COL_OBJECTIVE, &objective_text(&view, lang), &f.body)?;
        text_cell(
            ws,
            COL_REQUIREMENT,
            view.requirement.text.get(lang),
            &f.body,
        )?;
        text_cell(ws, COL_CONDITION, item.condition.get(lang), &f.body)?;
        text_cell(ws, COL_CRITERIA, &criteria_text(&view, lang), &f.body)?;
        text_cell(ws, COL_AREA, &area_text(catalog, &view, lang), &f.body)?;
        for field in Field::ALL {
            let col = field_col(field);
            let date = match field {
                Field::ReviewBy => dates[0],
                Field::TargetDate => dates[1],
                _ => None,
            };
            match (is_date_field(field), date) {
                (true, Some(d)) => {
                    ws.write_datetime_with_format(row, col, excel_date(d)?, &f.input_date)?;
                }
                (true, None) => {
                    ws.write_blank(row, col, &f.input_date)?;
                }
                (false, _) => {
                    let format = if field == Field::Mark {
                        &f.input_mark
                    } else {
                        &f.input
                    };
                    text_cell(ws, col, raw.get(field).unwrap_or(""), format)?;
                }
            }
        }
        let previous = cycle
            .previous
            .zip(ItemNo::new(item.number, catalog))
            .and_then(|(p, n)| p.marks.get(&n))
            .map(|m| m.symbol())
            .unwrap_or("");
        text_cell(ws, COL_PREVIOUS, previous, &f.info_center)?;
        let inherited = if cycle.inherited.contains(&item.number) {
            t(lang, "xlsx.cycle.inherited_mark")
        } else {
            ""
        };
        text_cell(ws, COL_INHERITED, inherited, &f.info_center)?;
        let review = reviews.get(&item.number).copied();
        lines = lines.max(review_cells(ws, row, review, lang, f)?);
        ws.write_number_with_format(row, COL_ITEM, f64::from(item.number), &f.body_center)?;
        ws.set_row_height(row, row_height(lines))?;
        row += 1;
    }
    let last_row = row.saturating_sub(1);

    let symbols: Vec<&str> = Mark::ALL.iter().map(|m| m.symbol()).collect();
    let validation = DataValidation::new()
        .allow_list_strings(&symbols)?
        .set_input_title(t(lang, "xlsx.validation.title"))?
        .set_input_message(t(lang, "xlsx.validation.prompt"))?
        .set_error_title(t(lang, "xlsx.validation.error_title"))?
        .set_error_message(t(lang, "xlsx.validation.error"))?
        .set_error_style(DataValidationErrorStyle::Stop);
    ws.add_data_validation(ROW_FIRST_ITEM, COL_MARK, last_row, COL_MARK, &validation)?;

    for (col, width) in WIDTHS.iter().enumerate() {
        ws.set_column_width(col as u16, *width)?;
    }
    let heading_lines = headings
        .iter()
        .zip(WIDTHS)
        .map(|(h, w)| wrapped_lines(h, w))
        .max()
        .unwrap_or(1);
    ws.set_row_height(ROW_TABLE_HEADER, row_height(heading_lines.max(2)))?;
    ws.set_freeze_panes(ROW_FIRST_ITEM, 0)?;
    ws.autofilter(ROW_TABLE_HEADER, 0, last_row, COLUMNS - 1)?;
    page_setup(ws, ROW_TABLE_HEADER)?;
    Ok(())
}

/// The item table's headings as written: last year's mark names the assessment it comes from.
fn item_headings(cycle: &CycleColumns<'_>, lang: Lang) -> Vec<String> {
    let mut headings = table_headings(lang);
    if let Some(previous) = cycle.previous
        && !previous.caption.trim().is_empty()
    {
        headings[usize::from(COL_PREVIOUS)] = tr(
            lang,
            "xlsx.cycle.previous_of",
            &[("period", &previous.caption.trim())],
        );
    }
    headings
}

/// The review that counts for each item: made for the item's current mark in `sheet`, the last
/// one in `reviews` when there are several.
fn current_reviews<'r>(sheet: &Sheet, reviews: &'r [Review]) -> BTreeMap<u16, &'r Review> {
    let mut out = BTreeMap::new();
    for review in reviews {
        let current = sheet
            .answers
            .iter()
            .find(|(n, _)| n.get() == review.item)
            .map(|(_, a)| a.mark());
        if current == Some(review.mark) {
            out.insert(review.item, review);
        }
    }
    out
}

/// Writes the review columns of one item row (blank, in the informational format, when there
/// is no review); returns how many lines the tallest of them needs.
fn review_cells(
    ws: &mut Worksheet,
    row: u32,
    review: Option<&Review>,
    lang: Lang,
    f: &Formats,
) -> Result<u32, XlsxError> {
    let valid = review
        .and_then(|r| r.valid)
        .map(|v| t(lang, if v { "xlsx.cycle.yes" } else { "xlsx.cycle.no" }));
    let by = review.map(|r| reviewed_by(r, lang)).unwrap_or_default();
    let texts: [(u16, &str, &Format); 5] = [
        (COL_REVIEW_VALID, valid.unwrap_or(""), &f.info_center),
        (
            COL_REVIEW_PROGRESS,
            review.and_then(|r| r.progress.as_deref()).unwrap_or(""),
            &f.info,
        ),
        (
            COL_REVIEW_STATUS,
            review.and_then(|r| r.status.as_deref()).unwrap_or(""),
            &f.info,
        ),
        (
            COL_REVIEW_NOTE,
            review.and_then(|r| r.note.as_deref()).unwrap_or(""),
            &f.info,
        ),
        (COL_REVIEW_BY, &by, &f.info),
    ];
    let mut lines = 1;
    for (col, text, format) in texts {
        write_text(ws, row, col, text, format)?;
        lines = lines.max(wrapped_lines(text, WIDTHS[usize::from(col)]));
    }
    match review.and_then(|r| r.progress_pct) {
        Some(pct) => {
            ws.write_number_with_format(
                row,
                COL_REVIEW_PCT,
                f64::from(pct) / 100.0,
                &f.info_percent,
            )?;
        }
        None => {
            ws.write_blank(row, COL_REVIEW_PCT, &f.info_percent)?;
        }
    }
    match review.and_then(|r| r.target_date) {
        Some(d) => {
            ws.write_datetime_with_format(row, COL_REVIEW_TARGET, excel_date(d)?, &f.info_date)?;
        }
        None => {
            ws.write_blank(row, COL_REVIEW_TARGET, &f.info_date)?;
        }
    }
    Ok(lines)
}

/// `山田（2027-05-01）`: who reviewed and the date part of when (RFC 3339); the recorded
/// timestamp as it is when it does not start with a date.
fn reviewed_by(review: &Review, lang: Lang) -> String {
    let at = review.at.trim();
    let date = at
        .get(..10)
        .filter(|d| chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").is_ok())
        .unwrap_or(at);
    match (review.by.trim(), date) {
        (by, "") => by.to_string(),
        ("", date) => date.to_string(),
        (by, date) => tr(lang, "xlsx.cycle.by_at", &[("by", &by), ("date", &date)]),
    }
}
