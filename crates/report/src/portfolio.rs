//! The portfolio for management: a one-page summary (companies pooled, the weakest items), the
//! heatmap of plants × labels and the trend chart, as an A4 landscape PDF; and the heatmap's
//! colour classes every renderer shares.

use crate::fmt::{date, percent};
use crate::{ReportError, trend};
use chrono::NaiveDate;
use kojo_catalog::Catalog;
use kojo_domain::portfolio::{HEAT, Portfolio, heat_class};
use kojo_i18n::{Lang, t, tr};
use std::collections::BTreeMap;

/// What the portfolio PDF is made of.
#[derive(Debug, Clone, Copy)]
pub struct PortfolioInput<'a> {
    /// The guideline (label names).
    pub catalog: &'a Catalog,
    /// The portfolio.
    pub portfolio: &'a Portfolio,
    /// Language.
    pub lang: Lang,
    /// The date printed (作成日).
    pub generated_on: NaiveDate,
    /// The filters applied, as (caption, value), printed under the title.
    pub filters: &'a [(String, String)],
    /// Status names by key (the caller knows the status vocabulary).
    pub status_names: &'a BTreeMap<String, String>,
}

/// A heatmap cell: its text and colours (`#rrggbb`).
pub(crate) struct Cell {
    pub text: String,
    pub bg: &'static str,
    pub fg: &'static str,
}

/// A plant's (or line's) row of the heatmap.
pub(crate) struct Row {
    pub name: String,
    /// A line under its plant.
    pub child: bool,
    pub status: String,
    pub rate: String,
    pub cells: Vec<Cell>,
}

/// What the portfolio PDF shows, localised and formatted.
pub(crate) struct Model {
    pub lang: &'static str,
    /// The `portfolio.*` strings, keyed without the prefix.
    pub t: BTreeMap<String, String>,
    pub title: String,
    pub date: (i32, u32, u32),
    pub generated_on: String,
    pub filters: Vec<(String, String)>,
    /// Company, pooled rate, mean of plant rates, plants with a figure.
    pub companies: Vec<[String; 4]>,
    pub labels: Vec<(u16, String)>,
    pub rows: Vec<Row>,
    /// Item, condition, count, where.
    pub weakest: Vec<[String; 4]>,
    pub legend: Vec<Cell>,
}

fn cell(rate: Option<f64>) -> Cell {
    match heat_class(rate) {
        Some(k) => Cell {
            text: format!("{:.0}", rate.unwrap_or_default() * 100.0),
            bg: HEAT[k].0,
            fg: HEAT[k].1,
        },
        None => Cell {
            text: "—".into(),
            bg: "#FFFFFF",
            fg: "#1B1F24",
        },
    }
}

fn model(input: &PortfolioInput) -> Model {
    use chrono::Datelike;
    let lang = input.lang;
    let p = input.portfolio;

    let period = u16::try_from(p.period)
        .ok()
        .and_then(kojo_domain::FiscalYear::new)
        .map(|f| f.label(lang))
        .unwrap_or_default();
    let status = |k: &str| {
        input
            .status_names
            .get(k)
            .cloned()
            .unwrap_or_else(|| k.to_string())
    };
    Model {
        lang: match lang {
            Lang::Ja => "ja",
            Lang::En => "en",
        },
        // Every `portfolio.*` string, keyed without the prefix.
        t: kojo_i18n::keys(lang)
            .filter_map(|k| {
                k.strip_prefix("portfolio.")
                    .map(|s| (s.to_string(), t(lang, k).to_string()))
            })
            .collect(),
        title: format!("{} — {period}", t(lang, "portfolio.title")),
        date: (
            input.generated_on.year(),
            input.generated_on.month(),
            input.generated_on.day(),
        ),
        generated_on: date(lang, input.generated_on),
        filters: input.filters.to_vec(),
        companies: p
            .company_aggregates
            .iter()
            .chain((p.company_aggregates.len() != 1).then_some(&p.aggregate))
            .map(|a| {
                [
                    match (&a.company, &a.name) {
                        (Some(_), Some(n)) => n.clone(),
                        _ => t(lang, "portfolio.aggregate").to_string(),
                    },
                    percent(a.rate),
                    percent(a.mean_of_plant_rates),
                    format!("{} / {}", a.plants_with_figure, a.plants),
                ]
            })
            .collect(),
        labels: p
            .labels
            .iter()
            .map(|l| {
                (
                    *l,
                    input
                        .catalog
                        .label(*l)
                        .map(|x| x.name.get(lang).to_string())
                        .unwrap_or_default(),
                )
            })
            .collect(),
        rows: p
            .plants
            .iter()
            .map(|r| Row {
                name: match &r.line {
                    None => format!("{} {}", r.site, r.site_name),
                    Some(l) => format!("{l} {}", r.line_name.as_deref().unwrap_or("")),
                },
                child: r.line.is_some(),
                status: status(&r.status),
                rate: percent(r.rate),
                cells: r.labels.values().map(|v| cell(*v)).collect(),
            })
            .collect(),
        weakest: p
            .weakest
            .iter()
            .map(|w| {
                [
                    format!("No.{}", w.item),
                    input
                        .catalog
                        .item(w.item)
                        .map(|v| v.item.condition.get(lang).to_string())
                        .unwrap_or_default(),
                    format!(
                        "{} (□{} △{} ×{})",
                        w.count, w.deferred, w.considering, w.not_considered
                    ),
                    w.plants.join(", "),
                ]
            })
            .collect(),
        legend: (0..5)
            .map(|k| Cell {
                text: tr(
                    lang,
                    "portfolio.legend_range",
                    &[("from", &(k * 20)), ("to", &(k * 20 + 20))],
                ),
                bg: HEAT[k].0,
                fg: HEAT[k].1,
            })
            .collect(),
    }
}

/// The portfolio as an A4 landscape PDF: summary, heatmap, trend, the aggregation rules.
pub fn pdf(input: &PortfolioInput) -> Result<Vec<u8>, ReportError> {
    let chart = trend::svg(input.portfolio, input.lang, 12);
    crate::pdf::portfolio(&model(input), &chart)
}
