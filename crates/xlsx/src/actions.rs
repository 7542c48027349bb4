//! The action list: every item not marked ○ (□ △ × － and unanswered) with its fields.

use crate::XlsxError;
use crate::layout::{area_text, heading_case, label_text, row_height, wrapped_lines};
use crate::write::{Formats, PAPER_A4, answer_cells, check_sheet, excel_date, write_text};
use kojo_catalog::{Catalog, ItemView};
use kojo_domain::{Field, ItemAnswer, ItemNo, Mark, RawAnswer, Sheet};
use kojo_i18n::{Lang, t, tr};
use rust_xlsxwriter::Workbook;
use unicode_normalization::UnicodeNormalization;

/// Column widths: label, No., condition, area, mark, then the answer fields.
const WIDTHS: [f64; 14] = [
    20.0, 5.0, 40.0, 14.0, 10.0, 20.0, 24.0, 12.0, 14.0, 20.0, 24.0, 12.0, 24.0, 24.0,
];

/// One line of the action list.
struct Row<'a> {
    view: ItemView<'a>,
    answer: Option<&'a ItemAnswer>,
}

fn rows<'a>(catalog: &'a Catalog, sheet: &'a Sheet) -> Vec<Row<'a>> {
    catalog
        .items()
        .filter_map(|view| {
            let answer = ItemNo::new(view.item.number, catalog).and_then(|n| sheet.answers.get(&n));
            match answer {
                Some(a) if a.mark() == Mark::Implemented => None,
                _ => Some(Row { view, answer }),
            }
        })
        .collect()
}

/// Column headings: label, No., condition, area, mark, then every answer field.
fn headings(lang: Lang) -> Vec<String> {
    let mut out: Vec<String> = [
        "xlsx.col.label",
        "xlsx.col.item",
        "xlsx.col.condition",
        "xlsx.col.area",
    ]
    .iter()
    .map(|k| t(lang, k).to_string())
    .collect();
    out.extend(Field::ALL.iter().map(|f| heading_case(f.name(lang), lang)));
    out
}

fn raw_of(row: &Row<'_>) -> RawAnswer {
    row.answer.map(|a| answer_cells(a).0).unwrap_or_default()
}

fn mark_text(row: &Row<'_>, lang: Lang) -> String {
    match row.answer {
        Some(a) => a.mark().symbol().to_string(),
        None => t(lang, "xlsx.unanswered").to_string(),
    }
}

/// See [`crate::action_list_xlsx`].
pub(crate) fn xlsx(catalog: &Catalog, sheet: &Sheet, lang: Lang) -> Result<Vec<u8>, XlsxError> {
    check_sheet(catalog, sheet)?;
    let f = Formats::new();
    // Text a spreadsheet could take for a formula is marked as text ("quote prefix": shown
    // without an apostrophe, and still text when the cell is edited).
    let quoted = f.body.clone().set_quote_prefix();
    let body = |text: &str| if formula_like(text) { &quoted } else { &f.body };
    let rows = rows(catalog, sheet);
    let mut workbook = Workbook::new();
    let ws = workbook.add_worksheet();
    ws.set_name(t(lang, "xlsx.sheet.actions"))?;
    ws.write_string_with_format(0, 0, t(lang, "xlsx.actions.title"), &f.title)?;

    // Who and when, on one line: company / plant / line / fiscal year / count.
    let h = &sheet.header;
    let mut context: Vec<String> = Vec::new();
    for part in [
        h.company.clone(),
        format!("{} {}", h.site_code, h.site_name)
            .trim()
            .to_string(),
        format!(
            "{} {}",
            h.line_code.as_deref().unwrap_or(""),
            h.line_name.as_deref().unwrap_or("")
        )
        .trim()
        .to_string(),
        h.period.map(|p| p.label(lang)).unwrap_or_default(),
    ] {
        if !part.is_empty() {
            context.push(part);
        }
    }
    context.push(tr(lang, "xlsx.actions.count", &[("count", &rows.len())]));
    ws.write_string(1, 0, context.join(" / "))?;

    let header_row = 3;
    for (col, h) in headings(lang).iter().enumerate() {
        ws.write_string_with_format(header_row, col as u16, h, &f.heading)?;
    }
    let first_field_col = 4u16;
    for (i, row) in rows.iter().enumerate() {
        let r = header_row + 1 + i as u32;
        let label = label_text(row.view.label, lang);
        write_text(ws, r, 0, &label, body(&label))?;
        ws.write_number_with_format(r, 1, f64::from(row.view.item.number), &f.body_center)?;
        let condition = row.view.item.condition.get(lang);
        write_text(ws, r, 2, condition, body(condition))?;
        let area = area_text(catalog, &row.view, lang);
        write_text(ws, r, 3, &area, body(&area))?;
        let raw = raw_of(row);
        let dates = row
            .answer
            .map(|a| answer_cells(a).1)
            .unwrap_or([None, None]);
        let mut lines = wrapped_lines(row.view.item.condition.get(lang), WIDTHS[2]);
        for (j, field) in Field::ALL.iter().enumerate() {
            lines = lines.max(wrapped_lines(
                raw.get(*field).unwrap_or(""),
                WIDTHS[first_field_col as usize + j],
            ));
        }
        ws.set_row_height(r, row_height(lines))?;
        for (j, field) in Field::ALL.iter().enumerate() {
            let col = first_field_col + j as u16;
            let date = match field {
                Field::ReviewBy => dates[0],
                Field::TargetDate => dates[1],
                _ => None,
            };
            match (field, date) {
                (Field::Mark, _) => write_text(ws, r, col, &mark_text(row, lang), &f.body_center)?,
                (_, Some(d)) => {
                    ws.write_datetime_with_format(r, col, excel_date(d)?, &f.date)?;
                }
                _ => {
                    let text = raw.get(*field).unwrap_or("");
                    write_text(ws, r, col, text, body(text))?;
                }
            }
        }
    }
    let last_row = header_row + rows.len() as u32;
    let last_col = first_field_col + Field::ALL.len() as u16 - 1;
    for (col, w) in WIDTHS.iter().enumerate() {
        ws.set_column_width(col as u16, *w)?;
    }
    let heading_lines = headings(lang)
        .iter()
        .zip(WIDTHS)
        .map(|(h, w)| wrapped_lines(h, w))
        .max()
        .unwrap_or(1);
    ws.set_row_height(header_row, row_height(heading_lines.max(2)))?;
    ws.autofilter(header_row, 0, last_row, last_col)?;
    ws.set_freeze_panes(header_row + 1, 0)?;
    ws.set_paper_size(PAPER_A4);
    ws.set_landscape();
    ws.set_print_fit_to_pages(1, 0);
    ws.set_repeat_rows(header_row, header_row)?;
    Ok(workbook.save_to_buffer()?)
}

/// See [`crate::action_list_csv`].
pub(crate) fn csv(catalog: &Catalog, sheet: &Sheet, lang: Lang) -> String {
    let mut out = String::from("\u{FEFF}");
    push_record(&mut out, &headings(lang));
    for row in rows(catalog, sheet) {
        let raw = raw_of(&row);
        let mut record = vec![
            label_text(row.view.label, lang),
            row.view.item.number.to_string(),
            row.view.item.condition.get(lang).to_string(),
            area_text(catalog, &row.view, lang),
        ];
        for field in Field::ALL {
            record.push(match field {
                Field::Mark => mark_text(&row, lang),
                other => raw.get(other).unwrap_or("").to_string(),
            });
        }
        push_record(&mut out, &record);
    }
    out
}

/// Whether a spreadsheet could take `text` for a formula (OWASP "CSV injection"): it starts with
/// `=`, `+`, `-`, `@`, tab or CR, also after NFKC normalisation, so the full-width `＝＋－＠`
/// (which Japanese input methods produce and spreadsheets may convert) count too.
///
/// The one exception is a lone `－`: it is the not-applicable mark, and a minus sign without
/// an operand is no formula.
pub(crate) fn formula_like(text: &str) -> bool {
    const TRIGGERS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];
    if text == "－" {
        return false;
    }
    // NFKC of the first few characters is enough to know the first normalised one.
    text.starts_with(TRIGGERS)
        || text
            .chars()
            .take(4)
            .nfkc()
            .next()
            .is_some_and(|c| TRIGGERS.contains(&c))
}

/// Appends one CSV record (RFC 4180, CRLF). A field that a spreadsheet would take for a formula
/// ([`formula_like`]) is prefixed with `'` so opening the file runs nothing.
fn push_record(out: &mut String, fields: &[String]) {
    for (i, field) in fields.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        let guarded;
        let value = if formula_like(field) {
            guarded = format!("'{field}");
            &guarded
        } else {
            field
        };
        if value.contains([',', '"', '\r', '\n']) {
            out.push('"');
            out.push_str(&value.replace('"', "\"\""));
            out.push('"');
        } else {
            out.push_str(value);
        }
    }
    out.push_str("\r\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_are_quoted_and_formulas_defused() {
        let mut s = String::new();
        push_record(
            &mut s,
            &[
                "a,b".into(),
                "say \"hi\"".into(),
                "=1+1".into(),
                "line\nbreak".into(),
                "－".into(),
            ],
        );
        assert_eq!(s, "\"a,b\",\"say \"\"hi\"\"\",'=1+1,\"line\nbreak\",－\r\n");
    }
}
