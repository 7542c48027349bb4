//! A register (台帳) as a spreadsheet: one sheet whose first row holds the field names in the
//! chosen language, frozen and filtered, drop-down lists on enum fields, real dates in date
//! fields; and the same as CSV (UTF-8 with a BOM, so Excel opens it as UTF-8).
//!
//! What these write, [`crate::ledger`] reads back: headers are field names, enum cells hold a
//! choice's label, dates are dates, and a CSV field guarded against formula injection (a `'`
//! before `=`, `+`, `-`, `@`) loses its guard on the way in.

use crate::XlsxError;
use crate::actions::push_record;
use crate::write::excel_date;
use kojo_catalog::registers::{FieldDef, FieldType, RegisterKind};
use kojo_i18n::{Lang, t};
use rust_xlsxwriter::{
    Color, DataValidation, DataValidationErrorStyle, Format, FormatBorder, Workbook,
};
use std::collections::BTreeMap;

/// Rows that the drop-down lists of enum fields cover below the header (the most a ledger
/// import reads).
const VALIDATED_ROWS: u32 = crate::ledger::MAX_LEDGER_ROWS as u32 - 1;

/// One entry's values by field id (canonical values, as the register stores them).
pub type EntryValues = BTreeMap<String, String>;

/// A cell's text: an enum's label in `lang`, anything else as stored.
fn display(field: &FieldDef, value: &str, lang: Lang) -> String {
    match field.ty {
        FieldType::Enum => field
            .value(value)
            .map(|v| match lang {
                Lang::Ja => v.ja.clone(),
                Lang::En => v.en.clone(),
            })
            .unwrap_or_else(|| value.to_string()),
        _ => value.to_string(),
    }
}

fn width(field: &FieldDef) -> f64 {
    match field.ty {
        FieldType::Date => 12.0,
        FieldType::Enum | FieldType::Number | FieldType::Ports => 14.0,
        FieldType::Ip => 18.0,
        _ => 22.0,
    }
}

/// A sheet name Excel accepts: at most 31 characters, none of `[]:*?/\`.
fn sheet_name(kind: &RegisterKind, lang: Lang) -> String {
    let name: String = kind
        .name
        .get(lang)
        .chars()
        .map(|c| if "[]:*?/\\".contains(c) { '_' } else { c })
        .take(31)
        .collect();
    let name = name.trim_matches('\'').trim().to_string();
    if name.is_empty() {
        kind.id.chars().take(31).collect()
    } else {
        name
    }
}

/// The register as xlsx. `rows` empty gives the empty ledger to start from (the template).
pub fn register_xlsx(
    kind: &RegisterKind,
    rows: &[&EntryValues],
    lang: Lang,
) -> Result<Vec<u8>, XlsxError> {
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name(sheet_name(kind, lang))?;
    let border = |f: Format| f.set_border(FormatBorder::Thin);
    let head = border(
        Format::new()
            .set_bold()
            .set_background_color(Color::RGB(0xDDEBF7))
            .set_text_wrap(),
    );
    let required = border(
        Format::new()
            .set_bold()
            .set_background_color(Color::RGB(0xFCE4D6))
            .set_text_wrap(),
    );
    let text = border(Format::new());
    let date = border(Format::new().set_num_format("yyyy/mm/dd"));
    for (c, f) in kind.fields.iter().enumerate() {
        let col = c as u16;
        let fmt = if f.required { &required } else { &head };
        ws.write_string_with_format(0, col, f.name.get(lang), fmt)?;
        ws.set_column_width(col, width(f))?;
    }
    for (r, values) in rows.iter().enumerate() {
        let row = r as u32 + 1;
        for (c, f) in kind.fields.iter().enumerate() {
            let col = c as u16;
            let Some(v) = values.get(&f.id).filter(|v| !v.is_empty()) else {
                ws.write_blank(row, col, &text)?;
                continue;
            };
            let as_date = (f.ty == FieldType::Date)
                .then(|| chrono::NaiveDate::parse_from_str(v, "%Y-%m-%d").ok())
                .flatten();
            match as_date {
                Some(d) => {
                    ws.write_datetime_with_format(row, col, excel_date(d)?, &date)?;
                }
                None => {
                    ws.write_string_with_format(row, col, display(f, v, lang), &text)?;
                }
            }
        }
    }
    let last_col = kind.fields.len().saturating_sub(1) as u16;
    ws.set_freeze_panes(1, 0)?;
    ws.autofilter(0, 0, rows.len().max(1) as u32, last_col)?;
    for (c, f) in kind.fields.iter().enumerate() {
        if f.ty != FieldType::Enum || f.values.is_empty() {
            continue;
        }
        let labels: Vec<String> = f.values.iter().map(|v| display(f, &v.id, lang)).collect();
        let choices = labels.join(" / ");
        let validation = DataValidation::new()
            .allow_list_strings(&labels)?
            .set_input_title(f.name.get(lang))?
            .set_error_title(t(lang, "xlsx.register.choice_title"))?
            .set_error_message(kojo_i18n::tr(
                lang,
                "xlsx.register.choice",
                &[("choices", &choices)],
            ))?
            .set_error_style(DataValidationErrorStyle::Stop);
        ws.add_data_validation(1, c as u16, VALIDATED_ROWS, c as u16, &validation)?;
    }
    Ok(wb.save_to_buffer()?)
}

/// The register as CSV: UTF-8 with a BOM, CRLF, a header of field names in `lang`.
pub fn register_csv(kind: &RegisterKind, rows: &[&EntryValues], lang: Lang) -> String {
    let mut out = String::from("\u{FEFF}");
    let header: Vec<String> = kind
        .fields
        .iter()
        .map(|f| f.name.get(lang).to_string())
        .collect();
    push_record(&mut out, &header);
    for values in rows {
        let record: Vec<String> = kind
            .fields
            .iter()
            .map(|f| {
                values
                    .get(&f.id)
                    .map(|v| display(f, v, lang))
                    .unwrap_or_default()
            })
            .collect();
        push_record(&mut out, &record);
    }
    out
}
