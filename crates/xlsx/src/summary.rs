//! The summary sheet: counts per mark, answered, achievement rate and completion, overall and
//! per label, as live formulas over the main sheet carrying kojo's own results as cached values.

use crate::XlsxError;
use crate::layout::*;
use crate::write::*;
use kojo_catalog::Catalog;
use kojo_domain::{Mark, Stats, Summary};
use kojo_i18n::{Lang, t, tr};
use rust_xlsxwriter::{Formula, Worksheet};

/// Rows and column widths of the summary table.
const SUMMARY_ROW_HEADING: u32 = 2;
const SUMMARY_SCOPE_WIDTH: f64 = 48.0;
const SUMMARY_WIDTH: f64 = 11.0;
const SUMMARY_ROW_OVERALL: u32 = 3;

pub(crate) fn summary_sheet(
    ws: &mut Worksheet,
    catalog: &Catalog,
    summary: &Summary,
    lang: Lang,
    f: &Formats,
) -> Result<(), XlsxError> {
    ws.set_name(t(lang, "xlsx.sheet.summary"))?;
    ws.write_string_with_format(0, 0, t(lang, "xlsx.summary.title"), &f.title)?;
    let mut headings: Vec<String> = vec![
        t(lang, "xlsx.summary.scope").into(),
        t(lang, "xlsx.summary.items").into(),
    ];
    headings.extend(Mark::ALL.iter().map(|m| m.symbol().to_string()));
    headings.extend(
        [
            "xlsx.summary.answered",
            "xlsx.summary.unanswered",
            "xlsx.summary.rate",
            "xlsx.summary.completion",
        ]
        .iter()
        .map(|k| t(lang, k).to_string()),
    );
    for (col, h) in headings.iter().enumerate() {
        ws.write_string_with_format(SUMMARY_ROW_HEADING, col as u16, h, &f.heading)?;
    }

    let main = main_sheet(lang);
    let first = ROW_FIRST_ITEM;
    let last = ROW_FIRST_ITEM + catalog.item_count().saturating_sub(1) as u32;
    let marks = format!("'{main}'!{}", abs_col_range(COL_MARK, first, last));
    let labels = format!("'{main}'!{}", abs_col_range(COL_LABEL, first, last));

    // Overall row.
    write_stats_row(
        ws,
        SUMMARY_ROW_OVERALL,
        t(lang, "xlsx.summary.overall"),
        &summary.overall,
        f,
        |mark, _| format!("COUNTIF({marks},\"{}\")", mark.symbol()),
    )?;
    // One row per label: SUMPRODUCT compares plainly (no wildcard or regex interpretation).
    for (i, stats) in summary.labels.iter().enumerate() {
        let row = SUMMARY_ROW_OVERALL + 1 + i as u32;
        let name = catalog
            .label(stats.label)
            .map(|l| label_text(l, lang))
            .unwrap_or_else(|| stats.label.to_string());
        write_stats_row(ws, row, &name, &stats.stats, f, |mark, row| {
            format!(
                "SUMPRODUCT(({labels}=$A${})*({marks}=\"{}\"))",
                row + 1,
                mark.symbol()
            )
        })?;
    }
    let notes_row = SUMMARY_ROW_OVERALL + 2 + summary.labels.len() as u32;
    let notes = [
        tr(
            lang,
            "xlsx.summary.note_rate",
            &[("items", &catalog.item_count())],
        ),
        t(lang, "xlsx.summary.note_formulas").to_string(),
    ];
    for (row, note) in (notes_row..).zip(&notes) {
        ws.merge_range(row, 0, row, 10, note, &f.note)?;
        ws.set_row_height(
            row,
            row_height(wrapped_lines(
                note,
                SUMMARY_SCOPE_WIDTH + 10.0 * SUMMARY_WIDTH,
            )),
        )?;
    }
    ws.set_column_width(0, SUMMARY_SCOPE_WIDTH)?;
    ws.set_column_range_width(1, 10, SUMMARY_WIDTH)?;
    let heading_lines = headings
        .iter()
        .skip(1)
        .map(|h| wrapped_lines(h, SUMMARY_WIDTH))
        .max()
        .unwrap_or(1);
    ws.set_row_height(SUMMARY_ROW_HEADING, row_height(heading_lines))?;
    ws.set_freeze_panes(SUMMARY_ROW_HEADING + 1, 1)?;
    page_setup(ws, SUMMARY_ROW_HEADING)?;
    Ok(())
}

/// One summary row: scope, item count (the catalog's), a formula per mark, answered, unanswered,
/// achievement rate and completion, each formula carrying kojo's own result as its cached value.
fn write_stats_row(
    ws: &mut Worksheet,
    row: u32,
    scope: &str,
    stats: &Stats,
    f: &Formats,
    count_formula: impl Fn(Mark, u32) -> String,
) -> Result<(), XlsxError> {
    let r = row + 1;
    ws.write_string_with_format(row, 0, scope, &f.body)?;
    ws.set_row_height(row, row_height(wrapped_lines(scope, SUMMARY_SCOPE_WIDTH)))?;
    ws.write_number_with_format(row, 1, f64::from(stats.items), &f.number)?;
    for (i, mark) in Mark::ALL.iter().enumerate() {
        let formula = Formula::new(format!("={}", count_formula(*mark, row)))
            .set_result(stats.counts.get(*mark).to_string());
        ws.write_formula_with_format(row, 2 + i as u16, formula, &f.number)?;
    }
    // Columns: B items, C..G marks (○ □ △ × －), H answered, I unanswered, J rate, K completion.
    let answered = Formula::new(format!("=SUM(C{r}:G{r})")).set_result(stats.answered.to_string());
    ws.write_formula_with_format(row, 7, answered, &f.number)?;
    let unanswered =
        Formula::new(format!("=B{r}-H{r}")).set_result((stats.items - stats.answered).to_string());
    ws.write_formula_with_format(row, 8, unanswered, &f.number)?;
    let rate = Formula::new(format!("=IF(B{r}-G{r}>0,C{r}/(B{r}-G{r}),\"\")")).set_result(
        stats
            .achievement_rate
            .map(|r| r.to_string())
            .unwrap_or_default(),
    );
    ws.write_formula_with_format(row, 9, rate, &f.percent)?;
    let completion =
        Formula::new(format!("=IF(B{r}>0,H{r}/B{r},0)")).set_result(stats.completion.to_string());
    ws.write_formula_with_format(row, 10, completion, &f.percent)?;
    Ok(())
}
