//! The portfolio as a workbook: the plants × labels table with the heatmap's colours and the
//! numbers as percentages, the companies pooled, the trend per year and the weakest items.

use crate::XlsxError;
use crate::write::{Formats, PAPER_A4, write_text};
use kojo_catalog::Catalog;
use kojo_domain::portfolio::{HEAT, Portfolio, heat_class};
use kojo_i18n::{Lang, t};
use rust_xlsxwriter::{Color, Format, FormatAlign, FormatBorder, Workbook};
use std::collections::BTreeMap;

fn rgb(hex: &str) -> Color {
    Color::RGB(u32::from_str_radix(hex.trim_start_matches('#'), 16).unwrap_or(0xFFFFFF))
}

fn rate_cell(
    ws: &mut rust_xlsxwriter::Worksheet,
    row: u32,
    col: u16,
    rate: Option<f64>,
    heat: &[Format],
    none: &Format,
) -> Result<(), XlsxError> {
    match (rate, heat_class(rate)) {
        (Some(r), Some(k)) => {
            ws.write_number_with_format(row, col, r, &heat[k])?;
        }
        _ => {
            ws.write_string_with_format(row, col, "—", none)?;
        }
    }
    Ok(())
}

/// The workbook. `status_names` gives the name of each status key; `filters` the filters
/// applied, as (caption, value).
pub(crate) fn xlsx(
    catalog: &Catalog,
    p: &Portfolio,
    lang: Lang,
    filters: &[(String, String)],
    status_names: &BTreeMap<String, String>,
) -> Result<Vec<u8>, XlsxError> {
    let f = Formats::new();
    let pct = Format::new()
        .set_num_format("0%")
        .set_align(FormatAlign::Center)
        .set_border(FormatBorder::Thin);
    let heat: Vec<Format> = HEAT
        .iter()
        .map(|(bg, fg)| {
            pct.clone()
                .set_background_color(rgb(bg))
                .set_font_color(rgb(fg))
        })
        .collect();
    let none = f.body_center.clone();
    let s = |k: &str| t(lang, &format!("portfolio.{k}")).to_string();
    let mut wb = Workbook::new();

    // The table: plants (lines below their plant) × labels.
    let ws = wb.add_worksheet();
    ws.set_name(s("title"))?;
    ws.set_paper_size(PAPER_A4);
    ws.set_landscape();
    let period = u16::try_from(p.period)
        .ok()
        .and_then(kojo_domain::FiscalYear::new)
        .map(|y| y.label(lang))
        .unwrap_or_default();
    ws.write_string_with_format(0, 0, format!("{} — {period}", s("title")), &f.title)?;
    let filters_text = filters
        .iter()
        .map(|(k, v)| format!("{k} {v}"))
        .collect::<Vec<_>>()
        .join(" · ");
    ws.write_string(1, 0, filters_text)?;
    let mut headings = vec![s("company"), s("plant"), s("status_col"), s("rate")];
    headings.extend(p.labels.iter().map(|l| {
        format!(
            "{l} {}",
            catalog.label(*l).map(|x| x.name.get(lang)).unwrap_or("")
        )
    }));
    headings.push(s("overdue_reviews"));
    headings.push(s("overdue_actions"));
    let header_row = 3;
    for (c, h) in headings.iter().enumerate() {
        ws.write_string_with_format(header_row, c as u16, h, &f.heading)?;
    }
    let mut row = header_row + 1;
    for r in &p.plants {
        let name = match &r.line {
            None => format!("{} {}", r.site, r.site_name),
            Some(l) => format!("　{}/{l} {}", r.site, r.line_name.as_deref().unwrap_or("")),
        };
        write_text(ws, row, 0, &r.company, &f.body)?;
        write_text(ws, row, 1, &name, &f.body)?;
        let status = status_names
            .get(&r.status)
            .cloned()
            .unwrap_or_else(|| r.status.clone());
        write_text(ws, row, 2, &status, &f.body)?;
        rate_cell(ws, row, 3, r.rate, &heat, &none)?;
        for (k, v) in r.labels.values().enumerate() {
            rate_cell(ws, row, 4 + k as u16, *v, &heat, &none)?;
        }
        let c = 4 + r.labels.len() as u16;
        ws.write_number_with_format(row, c, r.overdue_reviews as f64, &f.number)?;
        ws.write_number_with_format(row, c + 1, r.overdue_actions as f64, &f.number)?;
        row += 1;
    }
    // Companies pooled, below the table.
    row += 1;
    for (c, h) in [
        s("company"),
        s("pooled"),
        s("mean"),
        s("plants_with_figure"),
    ]
    .iter()
    .enumerate()
    {
        ws.write_string_with_format(row, c as u16, h, &f.heading)?;
    }
    row += 1;
    for a in p
        .company_aggregates
        .iter()
        .chain((p.company_aggregates.len() != 1).then_some(&p.aggregate))
    {
        let name = match (&a.company, &a.name) {
            (Some(code), Some(n)) => format!("{code} {n}"),
            _ => s("aggregate"),
        };
        write_text(ws, row, 0, &name, &f.body)?;
        rate_cell(ws, row, 1, a.rate, &heat, &none)?;
        rate_cell(ws, row, 2, a.mean_of_plant_rates, &heat, &none)?;
        write_text(
            ws,
            row,
            3,
            &format!("{} / {}", a.plants_with_figure, a.plants),
            &f.body_center,
        )?;
        row += 1;
    }
    row += 1;
    ws.write_string_with_format(row, 0, s("rules"), &f.note)?;
    ws.set_column_width(0, 14)?;
    ws.set_column_width(1, 28)?;
    ws.set_column_width(2, 12)?;
    for c in 3..headings.len() as u16 {
        ws.set_column_width(c, 9)?;
    }
    ws.set_freeze_panes(header_row + 1, 2)?;

    // The trend: one row per plant and company, one column per fiscal year.
    let ws = wb.add_worksheet();
    ws.set_name(s("trend"))?;
    ws.write_string_with_format(0, 0, s("trend"), &f.title)?;
    ws.write_string_with_format(2, 0, s("plant"), &f.heading)?;
    for (k, y) in p.periods.iter().enumerate() {
        let label = u16::try_from(*y)
            .ok()
            .and_then(kojo_domain::FiscalYear::new)
            .map(|f| f.label(lang))
            .unwrap_or_else(|| y.to_string());
        ws.write_string_with_format(2, 1 + k as u16, label, &f.heading)?;
    }
    for (i, series) in p.trend.iter().enumerate() {
        let r = 3 + i as u32;
        let name = if series.company {
            kojo_i18n::tr(lang, "portfolio.trend_company", &[("name", &series.name)])
        } else {
            format!("{} {}", series.code, series.name)
        };
        write_text(ws, r, 0, &name, &f.body)?;
        for (k, (_, rate)) in series.points.iter().enumerate() {
            rate_cell(ws, r, 1 + k as u16, *rate, &heat, &none)?;
        }
    }
    ws.set_column_width(0, 32)?;

    // The weakest items.
    let ws = wb.add_worksheet();
    ws.set_name(s("weakest_sheet"))?;
    ws.write_string_with_format(0, 0, s("weakest"), &f.title)?;
    for (c, h) in [
        s("item"),
        s("label"),
        s("count"),
        "□".into(),
        "△".into(),
        "×".into(),
        s("where"),
    ]
    .iter()
    .enumerate()
    {
        ws.write_string_with_format(2, c as u16, h, &f.heading)?;
    }
    for (i, w) in p.weakest.iter().enumerate() {
        let r = 3 + i as u32;
        let cond = catalog
            .item(w.item)
            .map(|v| v.item.condition.get(lang))
            .unwrap_or("");
        write_text(ws, r, 0, &format!("No.{} {cond}", w.item), &f.body)?;
        ws.write_number_with_format(r, 1, f64::from(w.label), &f.number)?;
        for (k, n) in [w.count, w.deferred, w.considering, w.not_considered]
            .iter()
            .enumerate()
        {
            ws.write_number_with_format(r, 2 + k as u16, *n as f64, &f.number)?;
        }
        write_text(ws, r, 6, &w.plants.join(", "), &f.body)?;
    }
    ws.set_column_width(0, 60)?;
    ws.set_column_width(6, 40)?;
    Ok(wb.save_to_buffer()?)
}
