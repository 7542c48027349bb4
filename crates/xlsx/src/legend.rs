//! The checksheet's legend sheet (the marks and what each needs) and its metadata sheet.

use crate::layout::*;
use crate::write::{Formats, page_setup, write_text};
use crate::{FORMAT_VERSION, XlsxError};
use kojo_catalog::Catalog;
use kojo_domain::{Field, Mark};
use kojo_i18n::{Lang, t, tr};
use rust_xlsxwriter::Worksheet;

/// Column widths of the legend: symbol, name, definition, fields, Japanese definition.
const LEGEND_WIDTHS: [f64; 5] = [8.0, 22.0, 56.0, 44.0, 56.0];

pub(crate) fn legend_sheet(
    ws: &mut Worksheet,
    catalog: &Catalog,
    lang: Lang,
    f: &Formats,
) -> Result<(), XlsxError> {
    ws.set_name(t(lang, "xlsx.sheet.legend"))?;
    ws.write_string_with_format(0, 0, t(lang, "xlsx.legend.title"), &f.title)?;
    let mut headings = vec![
        t(lang, "xlsx.legend.symbol"),
        t(lang, "xlsx.legend.name"),
        t(lang, "xlsx.legend.definition"),
        t(lang, "xlsx.legend.fields"),
    ];
    if lang == Lang::En {
        headings.push(t(lang, "xlsx.legend.definition_ja"));
    }
    for (col, h) in headings.iter().enumerate() {
        ws.write_string_with_format(2, col as u16, *h, &f.heading)?;
    }
    let mut row = 3;
    for def in &catalog.marks {
        let mark = Mark::parse(&def.symbol).ok();
        ws.write_string_with_format(row, 0, &def.symbol, &f.body_center)?;
        write_text(
            ws,
            row,
            1,
            mark.map(|m| m.name(lang)).unwrap_or(""),
            &f.body,
        )?;
        write_text(ws, row, 2, def.definition.get(lang), &f.body)?;
        let fields = mark.map(|m| fields_text(m, lang)).unwrap_or_default();
        write_text(ws, row, 3, &fields, &f.body)?;
        let mut lines = wrapped_lines(def.definition.get(lang), LEGEND_WIDTHS[2])
            .max(wrapped_lines(&fields, LEGEND_WIDTHS[3]));
        if lang == Lang::En {
            write_text(ws, row, 4, &def.definition.ja, &f.body)?;
            lines = lines.max(wrapped_lines(&def.definition.ja, LEGEND_WIDTHS[4]));
        }
        ws.set_row_height(row, row_height(lines))?;
        row += 1;
    }
    row += 1;
    let mut notes: Vec<String> = vec![
        t(lang, "xlsx.legend.residual").to_string(),
        tr(
            lang,
            "xlsx.summary.note_rate",
            &[("items", &catalog.item_count())],
        ),
        t(lang, "xlsx.legend.dates").to_string(),
        tr(
            lang,
            "xlsx.legend.cycle",
            &[
                ("first", &col_name(COL_PREVIOUS)),
                ("last", &col_name(COLUMNS - 1)),
            ],
        ),
        format!(
            "{}: {}",
            t(lang, "xlsx.legend.area_heading"),
            catalog.areas_meta.note.get(lang)
        ),
    ];
    if lang == Lang::En {
        notes.push(catalog.translation_note.get(lang).to_string());
    }
    let last_col = if lang == Lang::En { 4 } else { 3 };
    let merged: f64 = LEGEND_WIDTHS[..=usize::from(last_col)].iter().sum();
    for note in notes {
        ws.merge_range(row, 0, row, last_col, &note, &f.note)?;
        ws.set_row_height(row, row_height(wrapped_lines(&note, merged)))?;
        row += 1;
    }
    for (col, width) in LEGEND_WIDTHS.iter().enumerate() {
        ws.set_column_width(col as u16, *width)?;
    }
    page_setup(ws, 2)?;
    Ok(())
}

/// `見送り理由（必須）、見直し期限（必須）、承認者、準備状況、備考`.
fn fields_text(mark: Mark, lang: Lang) -> String {
    let mut parts: Vec<String> = Field::for_mark(mark)
        .iter()
        .map(|(field, required)| {
            let name = field.name(lang);
            if *required {
                format!("{name}{}", t(lang, "xlsx.legend.required"))
            } else {
                name.to_string()
            }
        })
        .collect();
    parts.push(Field::Note.name(lang).to_string());
    let sep = match lang {
        Lang::Ja => "、",
        Lang::En => ", ",
    };
    parts.join(sep)
}

pub(crate) fn meta_sheet(
    ws: &mut Worksheet,
    catalog: &Catalog,
    lang: Lang,
) -> Result<(), XlsxError> {
    ws.set_name(META_SHEET)?;
    let generator = format!("kojo-xlsx {}", env!("CARGO_PKG_VERSION"));
    let rows: [(&str, &str); 6] = [
        (meta::FORMAT, META_FORMAT),
        (meta::FORMAT_VERSION, FORMAT_VERSION),
        (meta::CATALOG_ID, &catalog.id),
        (meta::CATALOG_VERSION, &catalog.version),
        (meta::LANG, lang.code()),
        (meta::GENERATOR, &generator),
    ];
    for (row, (key, value)) in rows.iter().enumerate() {
        ws.write_string(row as u32, 0, *key)?;
        ws.write_string(row as u32, 1, *value)?;
    }
    ws.write_string(rows.len() as u32 + 1, 0, t(lang, "xlsx.sheet.meta_note"))?;
    ws.set_column_width(0, 18)?;
    ws.set_column_width(1, 28)?;
    ws.protect();
    ws.set_very_hidden(true);
    Ok(())
}
