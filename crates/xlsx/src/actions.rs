//! The action list: every item not marked ○ (□ △ × － and unanswered) with its fields, and the
//! action plan (one row per action).

use crate::XlsxError;
use crate::layout::{area_text, heading_case, label_text, row_height, wrapped_lines};
use crate::write::{Formats, PAPER_A4, answer_cells, check_sheet, excel_date, write_text};
use chrono::NaiveDate;
use kojo_catalog::{Catalog, ItemView};
use kojo_domain::{ActionItem, Field, ItemAnswer, ItemNo, Mark, RawAnswer, Sheet};
use kojo_i18n::{Lang, t, tr};
use rust_xlsxwriter::{Workbook, Worksheet};
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

/// The items of the action list (not marked ○), plus those marked ○ for which `with_actions`
/// holds, in catalog order.
fn rows<'a>(
    catalog: &'a Catalog,
    sheet: &'a Sheet,
    with_actions: impl Fn(u16) -> bool,
) -> Vec<Row<'a>> {
    catalog
        .items()
        .filter_map(|view| {
            let answer = ItemNo::new(view.item.number, catalog).and_then(|n| sheet.answers.get(&n));
            match answer {
                Some(a) if a.mark() == Mark::Implemented && !with_actions(view.item.number) => None,
                _ => Some(Row { view, answer }),
            }
        })
        .collect()
}

/// The actions of items in the catalog, by item and then in the order given.
fn plan<'a>(catalog: &Catalog, actions: &'a [ActionItem]) -> Vec<&'a ActionItem> {
    let mut out: Vec<&ActionItem> = actions
        .iter()
        .filter(|a| ItemNo::new(a.item, catalog).is_some())
        .collect();
    // Stable: the given order is the last sort key.
    out.sort_by_key(|a| a.item);
    out
}

/// The action columns' headings: action, owner, due date, status, overdue, note.
fn plan_headings(lang: Lang) -> Vec<String> {
    [
        "xlsx.plan.action",
        "xlsx.plan.owner",
        "xlsx.plan.due",
        "xlsx.plan.status",
        "xlsx.plan.overdue",
        "xlsx.plan.note",
    ]
    .iter()
    .map(|k| t(lang, k).to_string())
    .collect()
}

/// The overdue flag's text: the column's name when overdue, else empty.
fn overdue_text(action: &ActionItem, today: NaiveDate, lang: Lang) -> &'static str {
    if action.is_overdue(today) {
        t(lang, "xlsx.plan.overdue")
    } else {
        ""
    }
}

/// An action's columns as text: action, owner, due date, status, overdue, note.
fn plan_fields(action: &ActionItem, today: NaiveDate, lang: Lang) -> [String; 6] {
    [
        action.title.clone(),
        action.owner.clone().unwrap_or_default(),
        action
            .due
            .map(|d| d.format("%Y-%m-%d").to_string())
            .unwrap_or_default(),
        action.status.name(lang).to_string(),
        overdue_text(action, today, lang).to_string(),
        action.note.clone().unwrap_or_default(),
    ]
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
pub(crate) fn xlsx(
    catalog: &Catalog,
    sheet: &Sheet,
    actions: &[ActionItem],
    today: NaiveDate,
    lang: Lang,
) -> Result<Vec<u8>, XlsxError> {
    check_sheet(catalog, sheet)?;
    if let Some(a) = actions
        .iter()
        .find(|a| ItemNo::new(a.item, catalog).is_none())
    {
        return Err(XlsxError::UnknownItem {
            item: a.item,
            catalog: catalog.id.clone(),
        });
    }
    let f = Formats::new();
    // Text a spreadsheet could take for a formula is marked as text ("quote prefix": shown
    // without an apostrophe, and still text when the cell is edited).
    let quoted = f.body.clone().set_quote_prefix();
    let body = |text: &str| if formula_like(text) { &quoted } else { &f.body };
    let rows = rows(catalog, sheet, |_| false);
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
    print_setup(ws, header_row)?;

    let plan_ws = workbook.add_worksheet();
    let plan = plan(catalog, actions);
    plan_sheet(plan_ws, catalog, sheet, &plan, today, lang, &f)?;
    Ok(workbook.save_to_buffer()?)
}

fn print_setup(ws: &mut Worksheet, header_row: u32) -> Result<(), XlsxError> {
    ws.set_paper_size(PAPER_A4);
    ws.set_landscape();
    ws.set_print_fit_to_pages(1, 0);
    ws.set_repeat_rows(header_row, header_row)?;
    Ok(())
}

/// Column widths of the action plan: No., condition, mark, then the action's columns.
const PLAN_WIDTHS: [f64; 9] = [5.0, 36.0, 8.0, 32.0, 14.0, 12.0, 10.0, 9.0, 28.0];

/// The second sheet: one row per action.
fn plan_sheet(
    ws: &mut Worksheet,
    catalog: &Catalog,
    sheet: &Sheet,
    actions: &[&ActionItem],
    today: NaiveDate,
    lang: Lang,
    f: &Formats,
) -> Result<(), XlsxError> {
    let quoted = f.body.clone().set_quote_prefix();
    let body = |text: &str| if formula_like(text) { &quoted } else { &f.body };
    ws.set_name(t(lang, "xlsx.sheet.plan"))?;
    ws.write_string_with_format(0, 0, t(lang, "xlsx.plan.title"), &f.title)?;
    let overdue = actions.iter().filter(|a| a.is_overdue(today)).count();
    ws.write_string(
        1,
        0,
        tr(
            lang,
            "xlsx.plan.context",
            &[
                ("today", &today.format("%Y-%m-%d")),
                ("count", &actions.len()),
                ("overdue", &overdue),
            ],
        ),
    )?;
    let header_row = 3;
    let mut headings: Vec<String> = ["xlsx.col.item", "xlsx.col.condition"]
        .iter()
        .map(|k| t(lang, k).to_string())
        .collect();
    headings.push(heading_case(Field::Mark.name(lang), lang));
    headings.extend(plan_headings(lang));
    for (col, h) in headings.iter().enumerate() {
        ws.write_string_with_format(header_row, col as u16, h, &f.heading)?;
    }
    for (i, action) in actions.iter().enumerate() {
        let r = header_row + 1 + i as u32;
        ws.write_number_with_format(r, 0, f64::from(action.item), &f.body_center)?;
        let view = catalog.item(action.item);
        let condition = view
            .as_ref()
            .map(|v| v.item.condition.get(lang))
            .unwrap_or("");
        write_text(ws, r, 1, condition, body(condition))?;
        let mark = match ItemNo::new(action.item, catalog).and_then(|n| sheet.answers.get(&n)) {
            Some(a) => a.mark().symbol(),
            None => t(lang, "xlsx.unanswered"),
        };
        write_text(ws, r, 2, mark, &f.body_center)?;
        let [title, owner, _, status, flag, note] = plan_fields(action, today, lang);
        write_text(ws, r, 3, &title, body(&title))?;
        write_text(ws, r, 4, &owner, body(&owner))?;
        match action.due {
            Some(d) => {
                ws.write_datetime_with_format(r, 5, excel_date(d)?, &f.date)?;
            }
            None => {
                ws.write_blank(r, 5, &f.date)?;
            }
        }
        write_text(ws, r, 6, &status, &f.body_center)?;
        write_text(ws, r, 7, flag.as_str(), &f.body_center)?;
        write_text(ws, r, 8, &note, body(&note))?;
        let lines = [
            (condition, 1),
            (title.as_str(), 3),
            (owner.as_str(), 4),
            (note.as_str(), 8),
        ]
        .iter()
        .map(|(text, col)| wrapped_lines(text, PLAN_WIDTHS[*col]))
        .max()
        .unwrap_or(1);
        ws.set_row_height(r, row_height(lines))?;
    }
    for (col, w) in PLAN_WIDTHS.iter().enumerate() {
        ws.set_column_width(col as u16, *w)?;
    }
    let heading_lines = headings
        .iter()
        .zip(PLAN_WIDTHS)
        .map(|(h, w)| wrapped_lines(h, w))
        .max()
        .unwrap_or(1);
    ws.set_row_height(header_row, row_height(heading_lines.max(2)))?;
    let last_row = header_row + actions.len() as u32;
    ws.autofilter(header_row, 0, last_row, PLAN_WIDTHS.len() as u16 - 1)?;
    ws.set_freeze_panes(header_row + 1, 0)?;
    print_setup(ws, header_row)?;
    Ok(())
}

/// See [`crate::action_list_csv`].
pub(crate) fn csv(
    catalog: &Catalog,
    sheet: &Sheet,
    actions: &[ActionItem],
    today: NaiveDate,
    lang: Lang,
) -> String {
    let plan = plan(catalog, actions);
    let mut out = String::from("\u{FEFF}");
    let mut header = headings(lang);
    header.extend(plan_headings(lang));
    push_record(&mut out, &header);
    for row in rows(catalog, sheet, |n| plan.iter().any(|a| a.item == n)) {
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
        let item = row.view.item.number;
        let mut any = false;
        for action in plan.iter().filter(|a| a.item == item) {
            any = true;
            let mut with_action = record.clone();
            with_action.extend(plan_fields(action, today, lang));
            push_record(&mut out, &with_action);
        }
        if !any {
            record.extend(std::iter::repeat_n(String::new(), 6));
            push_record(&mut out, &record);
        }
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
pub(crate) fn push_record(out: &mut String, fields: &[String]) {
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
