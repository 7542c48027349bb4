//! The portfolio's trend chart: the rate of each plant (and each company, pooled) over the
//! fiscal years. Hand-made SVG, no script, deterministic.
//!
//! Readable without colour: every series has its own marker shape and dash pattern besides
//! its colour (Okabe–Ito, a palette made for colour-blind readers); companies are drawn thick
//! and black. A year without a figure leaves a gap. With many plants, only the `max_plants`
//! weakest in the latest year are drawn, and the caption says so.

use crate::fmt::{escape, num, percent};
use kojo_domain::portfolio::{Portfolio, TrendSeries};
use kojo_i18n::{Lang, t, tr};
use std::fmt::Write;

const WIDTH: f64 = 760.0;
const HEIGHT: f64 = 360.0;
const LEFT: f64 = 56.0;
const RIGHT: f64 = 230.0;
const TOP: f64 = 20.0;
const BOTTOM: f64 = 48.0;
const FONT: &str = "IPAexGothic, 'IPAexゴシック', 'Noto Sans CJK JP', 'Hiragino Sans', 'Yu Gothic', Meiryo, sans-serif";

/// Okabe–Ito without the yellow (too light on white).
const COLOURS: [&str; 6] = [
    "#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9",
];
const DASHES: [&str; 4] = ["", "6 3", "2 3", "8 3 2 3"];

/// The series drawn: every company's, then the weakest plants (lowest rate in the latest
/// year with one, plants without any last), at most `max_plants`.
pub fn shown(p: &Portfolio, max_plants: usize) -> (Vec<&TrendSeries>, usize) {
    let mut plants: Vec<&TrendSeries> = p.trend.iter().filter(|s| !s.company).collect();
    let total = plants.len();
    let last = |s: &TrendSeries| s.points.iter().rev().find_map(|(_, r)| *r);
    plants.sort_by(|a, b| match (last(a), last(b)) {
        (Some(x), Some(y)) => x.total_cmp(&y).then(a.code.cmp(&b.code)),
        (Some(_), None) => std::cmp::Ordering::Less,
        (None, Some(_)) => std::cmp::Ordering::Greater,
        (None, None) => a.code.cmp(&b.code),
    });
    plants.truncate(max_plants);
    let mut out: Vec<&TrendSeries> = p.trend.iter().filter(|s| s.company).collect();
    out.extend(plants);
    (out, total)
}

fn marker(k: usize, x: f64, y: f64, colour: &str) -> String {
    match k % 4 {
        0 => format!(
            r#"<circle cx="{}" cy="{}" r="3.5" fill="{colour}"/>"#,
            num(x),
            num(y)
        ),
        1 => format!(
            r#"<rect x="{}" y="{}" width="7" height="7" fill="{colour}"/>"#,
            num(x - 3.5),
            num(y - 3.5)
        ),
        2 => format!(
            r#"<polygon points="{},{} {},{} {},{}" fill="{colour}"/>"#,
            num(x),
            num(y - 4.5),
            num(x + 4.5),
            num(y + 3.5),
            num(x - 4.5),
            num(y + 3.5)
        ),
        _ => format!(
            r#"<polygon points="{},{} {},{} {},{} {},{}" fill="white" stroke="{colour}" stroke-width="1.5"/>"#,
            num(x),
            num(y - 4.5),
            num(x + 4.5),
            num(y),
            num(x),
            num(y + 4.5),
            num(x - 4.5),
            num(y)
        ),
    }
}

/// The chart as a standalone SVG document.
pub fn svg(p: &Portfolio, lang: Lang, max_plants: usize) -> String {
    let (series, total) = shown(p, max_plants);
    let plot_w = WIDTH - LEFT - RIGHT;
    let plot_h = HEIGHT - TOP - BOTTOM;
    let n = p.periods.len().max(1);
    let x_of = |i: usize| {
        if n == 1 {
            LEFT + plot_w / 2.0
        } else {
            LEFT + plot_w * i as f64 / (n - 1) as f64
        }
    };
    let y_of = |r: f64| TOP + plot_h * (1.0 - r.clamp(0.0, 1.0));
    let title = t(lang, "portfolio.trend");
    let drawn_plants = series.iter().filter(|s| !s.company).count();
    let caption = tr(
        lang,
        "portfolio.trend_caption",
        &[("shown", &drawn_plants), ("total", &total)],
    );
    let mut o = String::new();
    let _ = write!(
        o,
        r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w} {h}" width="{w}" height="{h}" role="img" aria-labelledby="trend-title trend-desc" font-family="{FONT}" font-size="11">"#,
        w = WIDTH,
        h = HEIGHT
    );
    let _ = write!(
        o,
        r#"<title id="trend-title">{}</title><desc id="trend-desc">{}</desc>"#,
        escape(title),
        escape(&caption)
    );
    let _ = write!(
        o,
        r#"<rect x="0" y="0" width="{WIDTH}" height="{HEIGHT}" fill="white"/>"#
    );
    // Grid and axes.
    for k in 0..=4 {
        let r = k as f64 / 4.0;
        let y = y_of(r);
        let _ = write!(
            o,
            r##"<line x1="{}" y1="{y}" x2="{}" y2="{y}" stroke="#c8ccd2" stroke-width="1"/><text x="{}" y="{}" text-anchor="end" fill="#1b1f24">{}%</text>"##,
            num(LEFT),
            num(LEFT + plot_w),
            num(LEFT - 6.0),
            num(y + 4.0),
            k * 25,
            y = num(y)
        );
    }
    for (i, y) in p.periods.iter().enumerate() {
        let label = u16::try_from(*y)
            .ok()
            .and_then(kojo_domain::FiscalYear::new)
            .map(|f| f.label(lang))
            .unwrap_or_else(|| y.to_string());
        let _ = write!(
            o,
            r##"<text x="{}" y="{}" text-anchor="middle" fill="#1b1f24">{}</text>"##,
            num(x_of(i)),
            num(TOP + plot_h + 18.0),
            escape(&label)
        );
    }
    // Series.
    for (k, s) in series.iter().enumerate() {
        let (colour, width, dash) = if s.company {
            // Companies: thick and black, told apart by dash and marker.
            ("#1b1f24", 3.0, DASHES[k % DASHES.len()])
        } else {
            (
                COLOURS[k % COLOURS.len()],
                1.6,
                DASHES[(k / COLOURS.len() + k) % DASHES.len()],
            )
        };
        let mut segment: Vec<(f64, f64)> = Vec::new();
        let flush = |seg: &mut Vec<(f64, f64)>, o: &mut String| {
            if seg.len() > 1 {
                let pts: Vec<String> = seg
                    .iter()
                    .map(|(x, y)| format!("{},{}", num(*x), num(*y)))
                    .collect();
                let _ = write!(
                    o,
                    r#"<polyline points="{}" fill="none" stroke="{colour}" stroke-width="{width}"{}/>"#,
                    pts.join(" "),
                    if dash.is_empty() {
                        String::new()
                    } else {
                        format!(r#" stroke-dasharray="{dash}""#)
                    }
                );
            }
            seg.clear();
        };
        for (i, (_, r)) in s.points.iter().enumerate() {
            match r {
                Some(r) => segment.push((x_of(i), y_of(*r))),
                None => flush(&mut segment, &mut o),
            }
        }
        flush(&mut segment, &mut o);
        for (i, (y, r)) in s.points.iter().enumerate() {
            if let Some(r) = r {
                let _ = write!(
                    o,
                    "<g class=\"pt\" data-series=\"{}\" data-year=\"{y}\">{}<title>{} {}: {}</title></g>",
                    escape(&s.code),
                    marker(k, x_of(i), y_of(*r), colour),
                    escape(&s.code),
                    y,
                    percent(Some(*r))
                );
            }
        }
        // Legend.
        let ly = TOP + 8.0 + 18.0 * k as f64;
        let lx = WIDTH - RIGHT + 16.0;
        let _ = write!(
            o,
            r#"<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="{colour}" stroke-width="{width}"{}/>{}"#,
            num(lx),
            num(ly),
            num(lx + 26.0),
            num(ly),
            if dash.is_empty() {
                String::new()
            } else {
                format!(r#" stroke-dasharray="{dash}""#)
            },
            marker(k, lx + 13.0, ly, colour)
        );
        let name = if s.company {
            tr(lang, "portfolio.trend_company", &[("name", &s.name)])
        } else {
            format!("{} {}", s.code, s.name)
        };
        let _ = write!(
            o,
            r##"<text x="{}" y="{}" fill="#1b1f24">{}</text>"##,
            num(lx + 32.0),
            num(ly + 4.0),
            escape(&name)
        );
    }
    let _ = write!(
        o,
        r##"<text x="{}" y="{}" fill="#5b6470">{}</text>"##,
        num(LEFT),
        num(HEIGHT - 8.0),
        escape(&caption)
    );
    o.push_str("</svg>");
    o
}

#[cfg(test)]
mod tests {
    use super::*;
    use kojo_domain::portfolio::{Aggregate, Company};

    fn series(code: &str, company: bool, points: &[Option<f64>]) -> TrendSeries {
        TrendSeries {
            code: code.into(),
            name: format!("{code} name"),
            company,
            points: points
                .iter()
                .enumerate()
                .map(|(i, r)| (2024 + i as i64, *r))
                .collect(),
        }
    }

    fn portfolio(trend: Vec<TrendSeries>) -> Portfolio {
        let empty = Aggregate {
            company: None,
            name: None,
            rate: None,
            mean_of_plant_rates: None,
            labels: Default::default(),
            plants_with_figure: 0,
            plants: 0,
        };
        Portfolio {
            period: 2026,
            periods: vec![2024, 2025, 2026],
            labels: vec![],
            companies: vec![Company {
                code: "A".into(),
                name: "A社".into(),
            }],
            plants: vec![],
            aggregate: empty.clone(),
            company_aggregates: vec![empty],
            trend,
            weakest: vec![],
        }
    }

    #[test]
    fn weakest_plants_first_companies_always_gaps_left_open() {
        let p = portfolio(vec![
            series("P1", false, &[Some(0.9), Some(0.95), Some(0.97)]),
            series("P2", false, &[Some(0.2), None, Some(0.4)]),
            series("P3", false, &[None, None, None]),
            series("A", true, &[Some(0.5), Some(0.6), Some(0.7)]),
        ]);
        let (shown, total) = shown(&p, 2);
        let codes: Vec<&str> = shown.iter().map(|s| s.code.as_str()).collect();
        assert_eq!((codes, total), (vec!["A", "P2", "P1"], 3));
        let svg = svg(&p, Lang::Ja, 2);
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
        assert!(!svg.contains("<script"));
        // P2 has a gap in 2025: two points, no polyline joins them (a polyline needs two
        // consecutive points).
        assert_eq!(svg.matches("data-series=\"P2\"").count(), 2);
        assert_eq!(svg.matches("data-series=\"A\"").count(), 3);
        assert!(
            !svg.contains("data-series=\"P3\""),
            "not among the two weakest drawn"
        );
        assert!(svg.contains("工場 3 のうち 2 を表示"));
        // Deterministic.
        assert_eq!(svg, super::svg(&p, Lang::Ja, 2));
    }
}
