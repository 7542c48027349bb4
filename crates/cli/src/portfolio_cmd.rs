//! `kojo portfolio`: every plant and line for one fiscal year, rates per label, the company's
//! pooled rate, overdue work and the weakest items.

use crate::assessment_cmd::pct;
use crate::db::{app_failure, open};
use crate::output::{Failure, outln, print_json, print_rows};
use clap::Args;
use kojo_app::{Actor, PortfolioQuery, status_label};
use kojo_domain::FiscalYear;
use kojo_i18n::{Lang, t};

#[derive(Args, Debug)]
pub struct PortfolioArgs {
    /// Only this company (code).
    #[arg(long)]
    company: Option<String>,
    /// Fiscal year (年度); default: the latest with an assessment.
    #[arg(long)]
    period: Option<String>,
    /// Only the items of this responsible area (id, as `catalog show` lists them).
    #[arg(long)]
    area: Option<String>,
    /// Only this label (1–17).
    #[arg(long)]
    label: Option<u16>,
    /// Machine-readable output.
    #[arg(long)]
    json: bool,
}

pub async fn run(args: PortfolioArgs, db: Option<&str>, lang: Lang) -> Result<(), Failure> {
    let app = open(db, lang).await?;
    let actor = Actor::cli();
    let reader = app.reader(&actor);
    let period = args
        .period
        .as_deref()
        .map(FiscalYear::parse)
        .transpose()
        .map_err(|e| Failure::localized(move |l| e.message(l)))?;
    let q = PortfolioQuery {
        company: args.company,
        period,
        area: args.area,
        label: args.label,
    };
    let p = reader
        .portfolio(&q, kojo_app::today())
        .await
        .map_err(app_failure)?;
    if args.json {
        return print_json(&p);
    }
    outln!(
        "{} — {}",
        t(lang, "portfolio.title"),
        crate::cycle_cmd::period_label(p.period, lang)
    );
    if p.plants.is_empty() {
        outln!("{}", t(lang, "portfolio.no_plants"));
        return Ok(());
    }
    let mut header = vec![
        t(lang, "portfolio.plant").to_string(),
        t(lang, "portfolio.status_col").to_string(),
        t(lang, "portfolio.rate").to_string(),
    ];
    header.extend(p.labels.iter().map(|l| format!("L{l}")));
    header.push(t(lang, "portfolio.overdue_reviews").to_string());
    header.push(t(lang, "portfolio.overdue_actions").to_string());
    let rows: Vec<Vec<String>> = p
        .plants
        .iter()
        .map(|r| {
            let name = match &r.line {
                None => format!("{} {}", r.site, r.site_name),
                Some(l) => format!("  └ {l} {}", r.line_name.as_deref().unwrap_or("")),
            };
            let mut status = status_label(&r.status, lang);
            if r.received {
                status = format!("{status} ［{}］", t(lang, "portfolio.received"));
            }
            let mut row = vec![name, status, pct(r.rate)];
            row.extend(r.labels.values().map(|v| pct0(*v)));
            row.push(r.overdue_reviews.to_string());
            row.push(r.overdue_actions.to_string());
            row
        })
        .collect();
    let header: Vec<&str> = header.iter().map(String::as_str).collect();
    print_rows(&header, &rows);
    outln!();
    for a in p
        .company_aggregates
        .iter()
        .chain((p.company_aggregates.len() != 1).then_some(&p.aggregate))
    {
        let name = match (&a.company, &a.name) {
            (Some(code), Some(name)) => format!("{code} {name}"),
            _ => t(lang, "portfolio.aggregate").to_string(),
        };
        outln!(
            "{name}: {} {}  {} {}  {} {}/{}",
            t(lang, "portfolio.pooled"),
            pct(a.rate),
            t(lang, "portfolio.mean"),
            pct(a.mean_of_plant_rates),
            t(lang, "portfolio.plants_with_figure"),
            a.plants_with_figure,
            a.plants
        );
    }
    outln!();
    outln!("{}:", t(lang, "portfolio.weakest"));
    if p.weakest.is_empty() {
        outln!("  {}", t(lang, "portfolio.weakest_none"));
    }
    for w in &p.weakest {
        let cond = app
            .catalog
            .item(w.item)
            .map(|v| v.item.condition.get(lang))
            .unwrap_or("");
        outln!(
            "  No.{:<3} {:>3}  (□{} △{} ×{})  {}  {}",
            w.item,
            w.count,
            w.deferred,
            w.considering,
            w.not_considered,
            w.plants.join(", "),
            crate::output::fit(cond, 40)
        );
    }
    outln!();
    outln!("{}", t(lang, "portfolio.rules"));
    Ok(())
}

/// A rate as a whole percentage (`—` when undefined), for the narrow label columns.
fn pct0(r: Option<f64>) -> String {
    r.map(|r| format!("{:.0}%", r * 100.0))
        .unwrap_or_else(|| "—".into())
}
