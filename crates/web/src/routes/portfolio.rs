//! The portfolio (全社ダッシュボード): every plant and line the user may see for a fiscal year —
//! the heatmap of plants × labels, the companies pooled, the trend chart, the weakest items and
//! each plant's cycle status — with its filters, and as xlsx and PDF.

use super::downloads::{XLSX, download};
use crate::AppState;
use crate::ctx::Authed;
use crate::error::WebError;
use crate::views::{OptVm, Page, render};
use crate::views_portfolio::{CompanyVm, HeatCellVm, HeatRowVm, PortfolioPage, WeakVm};
use axum::extract::{Query, State};
use axum::response::Response;
use kojo_app::{AppError, Portfolio, PortfolioQuery, status_label};
use kojo_domain::FiscalYear;
use kojo_domain::portfolio::heat_class;
use kojo_i18n::{Lang, t, tr};
use std::collections::BTreeMap;
use std::sync::Arc;

type St = State<Arc<AppState>>;

/// Rows of the heatmap per page.
pub const ROWS_PER_PAGE: usize = 100;
/// Plants drawn in the trend chart (the weakest; companies always).
const TREND_PLANTS: usize = 12;

#[derive(serde::Deserialize, serde::Serialize, Default, Clone)]
pub struct PortfolioForm {
    #[serde(default, skip_serializing_if = "String::is_empty")]
    company: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    period: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    area: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    label: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    page: String,
}

impl PortfolioForm {
    /// Parse, don't validate: empty means "all"; anything else must be a value of its kind.
    fn query(&self) -> Result<PortfolioQuery, WebError> {
        let some = |s: &str| Some(s.trim().to_string()).filter(|s| !s.is_empty());
        let period = match some(&self.period) {
            Some(p) => Some(FiscalYear::parse(&p).map_err(|e| {
                WebError::from(AppError::BadInput {
                    ja: e.message(Lang::Ja),
                    en: e.message(Lang::En),
                })
            })?),
            None => None,
        };
        let label = match some(&self.label) {
            Some(l) => Some(l.parse::<u16>().map_err(|_| {
                WebError::from(AppError::NotFound {
                    what: "label",
                    key: l.clone(),
                })
            })?),
            None => None,
        };
        Ok(PortfolioQuery {
            company: some(&self.company),
            period,
            area: some(&self.area),
            label,
        })
    }

    /// The query string without the page (for downloads and page links).
    fn without_page(&self) -> String {
        let mut f = self.clone();
        f.page.clear();
        serde_urlencoded::to_string(&f).unwrap_or_default()
    }
}

fn period_label(y: i64, lang: Lang) -> String {
    u16::try_from(y)
        .ok()
        .and_then(FiscalYear::new)
        .map(|f| f.label(lang))
        .unwrap_or_else(|| y.to_string())
}

fn pct(r: Option<f64>) -> String {
    r.map(|r| format!("{:.1}%", r * 100.0))
        .unwrap_or_else(|| "—".into())
}

/// The filters applied, as (caption, value), for the downloads' headers.
fn filters_text(
    st: &AppState,
    p: &Portfolio,
    q: &PortfolioQuery,
    lang: Lang,
) -> Vec<(String, String)> {
    let c = st.app.catalog;
    let mut out = vec![(
        t(lang, "portfolio.period").to_string(),
        period_label(p.period, lang),
    )];
    if let Some(code) = &q.company {
        let name = p
            .companies
            .iter()
            .find(|x| &x.code == code)
            .map(|x| x.name.clone())
            .unwrap_or_default();
        out.push((t(lang, "portfolio.company").to_string(), name));
    }
    if let Some(a) = q.area.as_deref().and_then(|a| c.area(a)) {
        out.push((
            t(lang, "portfolio.area").to_string(),
            a.name.get(lang).to_string(),
        ));
    }
    if let Some(l) = q.label.and_then(|l| c.label(l)) {
        out.push((
            t(lang, "portfolio.label").to_string(),
            format!("{} {}", l.number, l.name.get(lang)),
        ));
    }
    out
}

fn status_names(lang: Lang) -> BTreeMap<String, String> {
    [
        "draft",
        "submitted",
        "confirmed",
        "approved",
        "not_started",
        "by_lines",
    ]
    .into_iter()
    .map(|k| (k.to_string(), status_label(k, lang)))
    .collect()
}

async fn load(
    st: &AppState,
    au: &Authed,
    f: &PortfolioForm,
) -> Result<(Portfolio, PortfolioQuery), WebError> {
    let q = f.query()?;
    let p = st
        .app
        .reader(au.actor())
        .portfolio(&q, kojo_app::today())
        .await?;
    Ok((p, q))
}

pub async fn page(
    State(st): St,
    au: Authed,
    Query(f): Query<PortfolioForm>,
) -> Result<Response, WebError> {
    let (p, q) = load(&st, &au, &f).await?;
    let lang = au.lang();
    let c = st.app.catalog;
    let pages = p.plants.len().div_ceil(ROWS_PER_PAGE).max(1);
    let page_no = f.page.parse::<usize>().unwrap_or(1).clamp(1, pages);
    let rows = p
        .plants
        .iter()
        .skip((page_no - 1) * ROWS_PER_PAGE)
        .take(ROWS_PER_PAGE)
        .map(|r| HeatRowVm {
            site: r.site.clone(),
            line: r.line.clone(),
            name: match &r.line {
                None => format!("{} {}", r.site, r.site_name),
                Some(l) => format!("{l} {}", r.line_name.as_deref().unwrap_or("")),
            },
            link: r.assessment.as_ref().map(|id| format!("/a/{id}")),
            status_key: r.status.clone(),
            status: status_label(&r.status, lang),
            rate: pct(r.rate),
            cells: r
                .labels
                .iter()
                .map(|(l, v)| HeatCellVm {
                    label: l.clone(),
                    class: heat_class(*v)
                        .map(|k| format!("h{k}"))
                        .unwrap_or_else(|| "hn".into()),
                    text: v
                        .map(|v| format!("{:.0}", v * 100.0))
                        .unwrap_or_else(|| "—".into()),
                })
                .collect(),
            inherits: r.inherits,
            received: r.received,
            overdue_reviews: r.overdue_reviews,
            overdue_actions: r.overdue_actions,
        })
        .collect();
    let base = f.without_page();
    let page_link = |n: usize| {
        if base.is_empty() {
            format!("/portfolio?page={n}")
        } else {
            format!("/portfolio?{base}&page={n}")
        }
    };
    let query = if base.is_empty() {
        String::new()
    } else {
        format!("?{base}")
    };
    Ok(render(&PortfolioPage {
        page: Page::new(&au.ctx, "portfolio"),
        title: format!(
            "{} — {}",
            t(lang, "portfolio.title"),
            period_label(p.period, lang)
        ),
        companies_filter: (p.companies.len() > 1).then(|| {
            p.companies
                .iter()
                .map(|x| OptVm {
                    value: x.code.clone(),
                    text: x.name.clone(),
                    selected: q.company.as_deref() == Some(x.code.as_str()),
                })
                .collect()
        }),
        periods: {
            let mut ys = p.periods.clone();
            if !ys.contains(&p.period) {
                ys.push(p.period);
                ys.sort_unstable();
            }
            ys.iter()
                .rev()
                .map(|y| OptVm {
                    value: y.to_string(),
                    text: period_label(*y, lang),
                    selected: *y == p.period,
                })
                .collect()
        },
        areas: c
            .areas
            .iter()
            .map(|a| OptVm {
                value: a.id.clone(),
                text: a.name.get(lang).to_string(),
                selected: q.area.as_deref() == Some(a.id.as_str()),
            })
            .collect(),
        labels: c
            .labels
            .iter()
            .map(|l| OptVm {
                value: l.number.to_string(),
                text: format!("{} {}", l.number, l.name.get(lang)),
                selected: q.label == Some(l.number),
            })
            .collect(),
        columns: p
            .labels
            .iter()
            .map(|l| {
                (
                    *l,
                    c.label(*l)
                        .map(|x| x.name.get(lang).to_string())
                        .unwrap_or_default(),
                )
            })
            .collect(),
        rows,
        total_rows: p.plants.len(),
        page_no,
        pages,
        prev_page: (page_no > 1).then(|| page_link(page_no - 1)),
        next_page: (page_no < pages).then(|| page_link(page_no + 1)),
        companies: p
            .company_aggregates
            .iter()
            .chain((p.company_aggregates.len() != 1).then_some(&p.aggregate))
            .map(|a| CompanyVm {
                name: match (&a.company, &a.name) {
                    (Some(_), Some(n)) => n.clone(),
                    _ => t(lang, "portfolio.aggregate").to_string(),
                },
                rate: pct(a.rate),
                mean: pct(a.mean_of_plant_rates),
                plants: format!("{} / {}", a.plants_with_figure, a.plants),
            })
            .collect(),
        trend_svg: kojo_report::trend_svg(&p, lang, TREND_PLANTS),
        weakest: p
            .weakest
            .iter()
            .map(|w| WeakVm {
                item: w.item,
                condition: c
                    .item(w.item)
                    .map(|v| v.item.condition.get(lang).to_string())
                    .unwrap_or_default(),
                count: w.count,
                marks: format!("□{} △{} ×{}", w.deferred, w.considering, w.not_considered),
                plants: w.plants.join(", "),
            })
            .collect(),
        legend: (0..5)
            .map(|k| {
                (
                    format!("h{k}"),
                    tr(
                        lang,
                        "portfolio.legend_range",
                        &[("from", &(k * 20)), ("to", &(k * 20 + 20))],
                    ),
                )
            })
            .collect(),
        xlsx_link: format!("/portfolio.xlsx{query}"),
        pdf_link: format!("/portfolio.pdf{query}"),
    }))
}

fn stem(p: &Portfolio) -> String {
    format!("kojo-portfolio-{}", p.period)
}

pub async fn xlsx(
    State(st): St,
    au: Authed,
    Query(f): Query<PortfolioForm>,
) -> Result<Response, WebError> {
    let (p, q) = load(&st, &au, &f).await?;
    let lang = au.lang();
    let bytes = kojo_xlsx::portfolio_xlsx(
        st.app.catalog,
        &p,
        lang,
        &filters_text(&st, &p, &q, lang),
        &status_names(lang),
    )
    .map_err(|e| WebError::Internal(e.to_string()))?;
    Ok(download(bytes, XLSX, &format!("{}.xlsx", stem(&p))))
}

pub async fn pdf(
    State(st): St,
    au: Authed,
    Query(f): Query<PortfolioForm>,
) -> Result<Response, WebError> {
    let (p, q) = load(&st, &au, &f).await?;
    let lang = au.lang();
    let filters = filters_text(&st, &p, &q, lang);
    let names = status_names(lang);
    let name = format!("{}.pdf", stem(&p));
    let st2 = st.clone();
    let bytes = tokio::task::spawn_blocking(move || {
        kojo_report::portfolio_pdf(&kojo_report::PortfolioInput {
            catalog: st2.app.catalog,
            portfolio: &p,
            lang,
            generated_on: kojo_app::today(),
            filters: &filters,
            status_names: &names,
        })
    })
    .await
    .map_err(|e| WebError::Internal(e.to_string()))?
    .map_err(|e| WebError::Internal(e.to_string()))?;
    Ok(download(bytes, "application/pdf", &name))
}
