//! The portfolio (全社ダッシュボード): every plant and line the actor may see, for one fiscal year
//! and over the years, from the stored mark summaries (a few queries whatever the number of
//! plants). The aggregation rules are in [`kojo_domain::portfolio`].

use crate::{AppError, Reader};
use kojo_domain::portfolio::{
    Aggregate, Company, Pool, Portfolio, PortfolioRow, TrendSeries, WeakItem, effective_marks, mean,
};
use kojo_domain::{FiscalYear, Mark};
use kojo_store::{Organisation, PortfolioHead, Site};
use std::collections::BTreeMap;

/// What the portfolio shows: one company (all visible when `None`, by code), one fiscal year
/// (the latest with data when `None`), the items of one responsible area and/or one label.
#[derive(Debug, Clone, Default)]
pub struct PortfolioQuery {
    /// Company code.
    pub company: Option<String>,
    /// Fiscal year.
    pub period: Option<FiscalYear>,
    /// Responsible area id (the items it is responsible for).
    pub area: Option<String>,
    /// Label number.
    pub label: Option<u16>,
}

/// The name of a portfolio status key in `lang`: an assessment's status, 未着手 or ライン単位.
pub fn status_label(key: &str, lang: kojo_i18n::Lang) -> String {
    match kojo_domain::Status::from_key(key) {
        Some(s) => s.name(lang).to_string(),
        None => kojo_i18n::t(lang, &format!("portfolio.status.{key}")).to_string(),
    }
}

/// Up to this many weakest items.
pub const WEAKEST_MAX: usize = 10;

struct Items {
    label: Vec<u16>,
    include: Vec<bool>,
}

impl Items {
    fn pool(&self, marks: &[Option<Mark>], label: Option<u16>) -> Pool {
        Pool::of(marks, |i| {
            self.include.get(i).copied().unwrap_or(false)
                && label.is_none_or(|l| self.label.get(i) == Some(&l))
        })
    }
}

fn figure(head: &PortfolioHead, n: usize) -> Vec<Option<Mark>> {
    effective_marks(
        &head.marks,
        head.parent_marks.as_deref(),
        head.inherits_from.is_some(),
        n,
    )
}

impl Reader<'_> {
    /// The portfolio the actor may see: every number comes only from plants granted to them.
    /// Three queries (plants, every year's latest assessments, this year's overdue work).
    pub async fn portfolio(
        &self,
        q: &PortfolioQuery,
        today: chrono::NaiveDate,
    ) -> Result<Portfolio, AppError> {
        let catalog = self.app.catalog;
        let sites = self.sites().await?;
        let companies = self.companies_of(&sites).await?;
        let org = match &q.company {
            Some(code) => Some(
                companies
                    .iter()
                    .find(|c| c.code == code.trim())
                    .cloned()
                    .ok_or_else(|| crate::handles::not_found("company", code))?,
            ),
            None => None,
        };
        if let Some(area) = &q.area
            && catalog.area(area).is_none()
        {
            return Err(crate::handles::not_found("area", area));
        }
        if let Some(l) = q.label
            && catalog.label(l).is_none()
        {
            return Err(crate::handles::not_found("label", &l.to_string()));
        }
        let org_id = org.as_ref().map(|o| o.id.as_str());
        let visible_to = self.visible_to();
        let heads = self
            .app
            .store
            .portfolio_heads(org_id, visible_to.as_deref(), None)
            .await?;
        let mut periods: Vec<i64> = heads.iter().map(|h| h.period).collect();
        periods.sort_unstable();
        periods.dedup();
        let period = match q.period {
            Some(p) => i64::from(p.year()),
            None => periods
                .last()
                .copied()
                .unwrap_or_else(|| i64::from(FiscalYear::containing(today).year())),
        };
        let overdue = self
            .app
            .store
            .portfolio_overdue(
                org_id,
                visible_to.as_deref(),
                period,
                &today.format("%Y-%m-%d").to_string(),
            )
            .await?;

        let n = catalog.items().count();
        let mut items = Items {
            label: vec![0; n],
            include: vec![false; n],
        };
        for v in catalog.items() {
            if let Some(i) = usize::from(v.item.number).checked_sub(1).filter(|i| *i < n) {
                items.label[i] = v.label.number;
                items.include[i] = q.area.as_ref().is_none_or(|a| *a == v.item.area)
                    && q.label.is_none_or(|l| l == v.label.number);
            }
        }
        let labels: Vec<u16> = catalog
            .labels
            .iter()
            .map(|l| l.number)
            .filter(|l| q.label.is_none_or(|x| x == *l))
            .collect();
        let label_rates = |marks: &[Option<Mark>]| -> BTreeMap<String, Option<f64>> {
            labels
                .iter()
                .map(|l| (l.to_string(), items.pool(marks, Some(*l)).rate()))
                .collect()
        };

        // By company (in the companies' order), then by plant code.
        let mut sites: Vec<&Site> = sites
            .iter()
            .filter(|s| org_id.is_none_or(|o| s.org_id == o))
            .collect();
        let company_pos = |org: &str| companies.iter().position(|c| c.id == org);
        sites.sort_by(|a, b| {
            company_pos(&a.org_id)
                .cmp(&company_pos(&b.org_id))
                .then_with(|| a.code.cmp(&b.code))
        });
        let code_of = |org_id: &str| {
            companies
                .iter()
                .find(|c| c.id == org_id)
                .map(|c| c.code.clone())
                .unwrap_or_default()
        };
        // The year's heads by plant: the plant's own and its lines'.
        let mut by_site: BTreeMap<&str, (Option<&PortfolioHead>, Vec<&PortfolioHead>)> =
            BTreeMap::new();
        for h in heads.iter().filter(|h| h.period == period) {
            let e = by_site.entry(h.site_id.as_str()).or_default();
            match h.line_code {
                None => e.0 = Some(h),
                Some(_) => e.1.push(h),
            }
        }
        for (_, lines) in by_site.values_mut() {
            lines.sort_by(|a, b| a.line_code.cmp(&b.line_code));
        }
        let mut plants = Vec::new();
        // (company code, plant pool, plant rate, per-label pools) of every plant shown.
        let mut figures: Vec<(String, Pool, Vec<Pool>)> = Vec::new();
        let mut weak: BTreeMap<u16, WeakItem> = BTreeMap::new();
        let mut count_weak = |marks: &[Option<Mark>], place: String| {
            for (i, m) in marks.iter().enumerate() {
                let Some(m) = m.filter(|m| m.is_residual_risk()) else {
                    continue;
                };
                if !items.include[i] {
                    continue;
                }
                let w = weak.entry(i as u16 + 1).or_insert_with(|| WeakItem {
                    item: i as u16 + 1,
                    label: items.label[i],
                    count: 0,
                    deferred: 0,
                    considering: 0,
                    not_considered: 0,
                    plants: Vec::new(),
                });
                w.count += 1;
                match m {
                    Mark::Deferred => w.deferred += 1,
                    Mark::Considering => w.considering += 1,
                    _ => w.not_considered += 1,
                }
                w.plants.push(place.clone());
            }
        };
        for site in &sites {
            let (own, lines) = by_site.remove(site.id.as_str()).unwrap_or_default();
            let company = code_of(&site.org_id);
            let line_marks: Vec<Vec<Option<Mark>>> = lines.iter().map(|h| figure(h, n)).collect();
            let (marks_pool, label_pools, status, rate_marks) = match own {
                Some(h) => {
                    let m = figure(h, n);
                    count_weak(&m, site.code.clone());
                    let lp = labels.iter().map(|l| items.pool(&m, Some(*l))).collect();
                    (Some(items.pool(&m, None)), lp, h.status.clone(), Some(m))
                }
                None if !lines.is_empty() => {
                    let mut pool = Pool::default();
                    let mut lp = vec![Pool::default(); labels.len()];
                    for (h, m) in lines.iter().zip(&line_marks) {
                        count_weak(
                            m,
                            format!("{}/{}", site.code, h.line_code.as_deref().unwrap_or("")),
                        );
                        pool.add(items.pool(m, None));
                        for (k, l) in labels.iter().enumerate() {
                            lp[k].add(items.pool(m, Some(*l)));
                        }
                    }
                    (Some(pool), lp, "by_lines".to_string(), None)
                }
                None => (None, Vec::new(), "not_started".to_string(), None),
            };
            let od = own
                .and_then(|h| overdue.get(&h.id))
                .copied()
                .unwrap_or_default();
            plants.push(PortfolioRow {
                company: company.clone(),
                site: site.code.clone(),
                site_name: site.name.clone(),
                line: None,
                line_name: None,
                period,
                assessment: own.map(|h| h.id.clone()),
                revision: own.map(|h| h.revision),
                status,
                rate: marks_pool.and_then(|p| p.rate()),
                labels: match (&rate_marks, &marks_pool) {
                    (Some(m), _) => label_rates(m),
                    (None, Some(_)) => labels
                        .iter()
                        .zip(&label_pools)
                        .map(|(l, p)| (l.to_string(), p.rate()))
                        .collect(),
                    (None, None) => labels.iter().map(|l| (l.to_string(), None)).collect(),
                },
                pool: marks_pool.unwrap_or_default(),
                inherits: false,
                received: own.is_some_and(|h| h.received),
                overdue_reviews: od.reviews,
                overdue_actions: od.actions,
            });
            if let Some(p) = marks_pool {
                figures.push((company.clone(), p, label_pools));
            }
            for (h, m) in lines.iter().zip(&line_marks) {
                let od = overdue.get(&h.id).copied().unwrap_or_default();
                let pool = items.pool(m, None);
                plants.push(PortfolioRow {
                    company: company.clone(),
                    site: site.code.clone(),
                    site_name: site.name.clone(),
                    line: h.line_code.clone(),
                    line_name: h.line_name.clone(),
                    period,
                    assessment: Some(h.id.clone()),
                    revision: Some(h.revision),
                    status: h.status.clone(),
                    rate: pool.rate(),
                    labels: label_rates(m),
                    pool,
                    inherits: h.inherits_from.is_some(),
                    received: h.received,
                    overdue_reviews: od.reviews,
                    overdue_actions: od.actions,
                });
            }
        }
        let plant_count = |company: Option<&str>| {
            sites
                .iter()
                .filter(|s| company.is_none_or(|c| code_of(&s.org_id) == c))
                .count()
        };
        let aggregate_of = |company: Option<&Organisation>| {
            let code = company.map(|c| c.code.as_str());
            let mine: Vec<&(String, Pool, Vec<Pool>)> = figures
                .iter()
                .filter(|f| code.is_none_or(|c| f.0 == c))
                .collect();
            let mut pool = Pool::default();
            let mut lp = vec![Pool::default(); labels.len()];
            for f in &mine {
                pool.add(f.1);
                for (k, p) in f.2.iter().enumerate() {
                    lp[k].add(*p);
                }
            }
            Aggregate {
                company: code.map(str::to_string),
                name: company.map(|c| c.name.clone()),
                rate: pool.rate(),
                mean_of_plant_rates: mean(mine.iter().map(|f| f.1.rate())),
                labels: labels
                    .iter()
                    .zip(&lp)
                    .map(|(l, p)| (l.to_string(), p.rate()))
                    .collect(),
                plants_with_figure: mine.len(),
                plants: plant_count(code),
            }
        };
        let shown_companies: Vec<&Organisation> = companies
            .iter()
            .filter(|c| org_id.is_none_or(|o| c.id == o))
            .collect();
        let aggregate = aggregate_of(org.as_ref());
        let company_aggregates = shown_companies
            .iter()
            .map(|c| aggregate_of(Some(c)))
            .collect();

        // Trend: each plant's figure per year (plant-level head, else its lines pooled), and
        // each company's pooled.
        let mut per: BTreeMap<(&str, i64), (Option<Pool>, Pool)> = BTreeMap::new();
        for h in &heads {
            let m = figure(h, n);
            let p = items.pool(&m, None);
            let e = per.entry((h.site_id.as_str(), h.period)).or_default();
            match h.line_code {
                None => e.0 = Some(p),
                Some(_) => e.1.add(p),
            }
        }
        let plant_pool = |site: &str, y: i64| {
            per.get(&(site, y))
                .map(|(own, lines)| own.unwrap_or(*lines))
                .filter(|p| p.items > 0)
        };
        let mut trend: Vec<TrendSeries> = sites
            .iter()
            .map(|s| TrendSeries {
                code: s.code.clone(),
                name: s.name.clone(),
                company: false,
                points: periods
                    .iter()
                    .map(|y| (*y, plant_pool(&s.id, *y).and_then(|p| p.rate())))
                    .collect(),
            })
            .collect();
        for c in &shown_companies {
            trend.push(TrendSeries {
                code: c.code.clone(),
                name: c.name.clone(),
                company: true,
                points: periods
                    .iter()
                    .map(|y| {
                        let mut pool = Pool::default();
                        for s in sites.iter().filter(|s| s.org_id == c.id) {
                            if let Some(p) = plant_pool(&s.id, *y) {
                                pool.add(p);
                            }
                        }
                        (*y, pool.rate())
                    })
                    .collect(),
            });
        }
        let mut weakest: Vec<WeakItem> = weak.into_values().collect();
        weakest.sort_by(|a, b| b.count.cmp(&a.count).then(a.item.cmp(&b.item)));
        weakest.truncate(WEAKEST_MAX);
        Ok(Portfolio {
            period,
            periods,
            labels,
            companies: companies
                .iter()
                .map(|c| Company {
                    code: c.code.clone(),
                    name: c.name.clone(),
                })
                .collect(),
            plants,
            aggregate,
            company_aggregates,
            trend,
            weakest,
        })
    }
}
