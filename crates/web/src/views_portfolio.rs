//! View models of the portfolio page.

use crate::views::{OptVm, Page};
use askama::Template;

pub struct HeatCellVm {
    pub label: String,
    /// `h0`…`h4` (the heat scale), `hn` without a rate.
    pub class: String,
    pub text: String,
}

pub struct HeatRowVm {
    pub site: String,
    pub line: Option<String>,
    pub name: String,
    pub link: Option<String>,
    pub status_key: String,
    pub status: String,
    pub rate: String,
    pub cells: Vec<HeatCellVm>,
    pub inherits: bool,
    pub received: bool,
    pub overdue_reviews: i64,
    pub overdue_actions: i64,
}

pub struct CompanyVm {
    pub name: String,
    pub rate: String,
    pub mean: String,
    pub plants: String,
}

pub struct WeakVm {
    pub item: u16,
    pub condition: String,
    pub count: usize,
    pub marks: String,
    pub plants: String,
}

#[derive(Template)]
#[template(path = "portfolio.html")]
pub struct PortfolioPage {
    pub page: Page,
    pub title: String,
    /// The company filter, when the user sees more than one company.
    pub companies_filter: Option<Vec<OptVm>>,
    pub periods: Vec<OptVm>,
    pub areas: Vec<OptVm>,
    pub labels: Vec<OptVm>,
    /// The heatmap's label columns: number and name.
    pub columns: Vec<(u16, String)>,
    pub rows: Vec<HeatRowVm>,
    pub total_rows: usize,
    pub page_no: usize,
    pub pages: usize,
    pub prev_page: Option<String>,
    pub next_page: Option<String>,
    pub companies: Vec<CompanyVm>,
    /// The trend chart (SVG from kojo-report: no script, escaped text).
    pub trend_svg: String,
    pub weakest: Vec<WeakVm>,
    /// (class, range text) of the heat scale.
    pub legend: Vec<(String, String)>,
    pub xlsx_link: String,
    pub pdf_link: String,
}
