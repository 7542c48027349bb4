//! The radar chart of per-label achievement rates: hand-made SVG, no script, deterministic.
//!
//! Axis `i` (0-based) starts at the top and goes clockwise. A rate `r` lies at distance
//! `r × R` from the centre, so 1.0 is a vertex of the outer ring (`kojo-radar-ring-100`) and 0.5
//! a vertex of the 50 % ring. An undefined rate (every item －) is drawn at the centre with a
//! hollow diamond instead of a filled dot, and its axis is dotted. Everything is black and grey
//! with line patterns, so the chart reads the same printed in black and white.

use crate::fmt::{escape, num, percent};
use kojo_catalog::Catalog;
use kojo_domain::Summary;
use kojo_i18n::{Lang, t};
use std::f64::consts::PI;
use std::fmt::Write;

const WIDTH: f64 = 480.0;
const HEIGHT: f64 = 430.0;
const CX: f64 = 240.0;
const CY: f64 = 198.0;
/// Radius of the 100 % ring.
const R: f64 = 140.0;
const FONT: &str = "IPAexGothic, 'IPAexゴシック', 'Noto Sans CJK JP', 'Hiragino Sans', 'Yu Gothic', Meiryo, sans-serif";

/// The point at `fraction` of the way out along axis `i` of `n`.
fn point(i: usize, n: usize, fraction: f64) -> (f64, f64) {
    let angle = -PI / 2.0 + 2.0 * PI * (i as f64) / (n as f64);
    (
        CX + R * fraction * angle.cos(),
        CY + R * fraction * angle.sin(),
    )
}

fn points(pts: impl Iterator<Item = (f64, f64)>) -> String {
    pts.map(|(x, y)| format!("{},{}", num(x), num(y)))
        .collect::<Vec<_>>()
        .join(" ")
}

fn diamond(x: f64, y: f64, s: f64) -> String {
    format!(
        "M{} {} L{} {} L{} {} L{} {} Z",
        num(x),
        num(y - s),
        num(x + s),
        num(y),
        num(x),
        num(y + s),
        num(x - s),
        num(y)
    )
}

/// The SVG document (without XML declaration, so it can also be inlined in HTML).
pub fn svg(catalog: &Catalog, summary: &Summary, lang: Lang) -> String {
    let rates: Vec<(u16, String, Option<f64>)> = summary
        .labels
        .iter()
        .map(|l| {
            let name = catalog
                .label(l.label)
                .map(|x| x.name.get(lang).to_string())
                .unwrap_or_default();
            (
                l.label,
                name,
                l.stats.achievement_rate.map(|r| r.clamp(0.0, 1.0)),
            )
        })
        .collect();
    let n = rates.len().max(1);
    let mut s = String::with_capacity(12 * 1024);
    let desc_rates: Vec<String> = rates
        .iter()
        .map(|(no, name, rate)| {
            let shown = match rate {
                Some(_) => percent(*rate),
                None => format!(
                    "{} ({})",
                    percent(None),
                    t(lang, "report.radar.axis_undefined")
                ),
            };
            format!("{no} {name}: {shown}")
        })
        .collect();
    // Writing to a String cannot fail.
    let _ = write!(
        s,
        r##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w} {h}" width="{w}" height="{h}" role="img" aria-labelledby="kojo-radar-title kojo-radar-desc" font-family="{font}">
<title id="kojo-radar-title">{title}</title>
<desc id="kojo-radar-desc">{desc} {rates}</desc>
<defs>
<pattern id="kojo-radar-hatch" patternUnits="userSpaceOnUse" width="6" height="6" patternTransform="rotate(45)"><rect width="6" height="6" fill="#ffffff"/><line x1="0" y1="0" x2="0" y2="6" stroke="#6b6b6b" stroke-width="1.2"/></pattern>
</defs>
<rect x="0" y="0" width="{w}" height="{h}" fill="#ffffff"/>
"##,
        w = num(WIDTH),
        h = num(HEIGHT),
        font = escape(FONT),
        title = escape(t(lang, "report.radar.title")),
        desc = escape(t(lang, "report.radar.desc")),
        rates = escape(&desc_rates.join("; ")),
    );

    // Grid rings: 25/50/75 % thin dashed grey, 100 % solid black.
    s.push_str("<g id=\"kojo-radar-grid\" fill=\"none\">\n");
    for pct in [25u32, 50, 75, 100] {
        let f = f64::from(pct) / 100.0;
        let style = if pct == 100 {
            "stroke=\"#000000\" stroke-width=\"1.2\"".to_string()
        } else {
            "stroke=\"#8c8c8c\" stroke-width=\"0.8\" stroke-dasharray=\"3 3\"".to_string()
        };
        let _ = writeln!(
            s,
            r##"<polygon id="kojo-radar-ring-{pct}" data-fraction="{f}" points="{p}" {style}/>"##,
            f = num(f),
            p = points((0..n).map(|i| point(i, n, f))),
        );
    }
    // Axes: solid, dotted where the rate is undefined.
    for (i, (no, _, rate)) in rates.iter().enumerate() {
        let (x, y) = point(i, n, 1.0);
        let dash = if rate.is_none() {
            " stroke-dasharray=\"1 3\""
        } else {
            ""
        };
        let _ = writeln!(
            s,
            r##"<line class="kojo-radar-axis" data-label="{no}" x1="{cx}" y1="{cy}" x2="{x}" y2="{y}" stroke="#4d4d4d" stroke-width="0.8"{dash}/>"##,
            cx = num(CX),
            cy = num(CY),
            x = num(x),
            y = num(y),
        );
    }
    s.push_str("</g>\n");

    // Ring captions along the first axis.
    s.push_str(
        "<g id=\"kojo-radar-scale\" font-size=\"8.5\" fill=\"#4d4d4d\" text-anchor=\"end\">\n",
    );
    for pct in [25u32, 50, 75, 100] {
        let (x, y) = point(0, n, f64::from(pct) / 100.0);
        let _ = writeln!(
            s,
            r#"<text x="{}" y="{}">{pct}%</text>"#,
            num(x - 3.0),
            num(y + 9.0)
        );
    }
    s.push_str("</g>\n");

    // The polygon of rates (undefined as 0).
    let poly = points(
        rates
            .iter()
            .enumerate()
            .map(|(i, (_, _, r))| point(i, n, r.unwrap_or(0.0))),
    );
    let _ = writeln!(
        s,
        r##"<polygon id="kojo-radar-rates" points="{poly}" fill="url(#kojo-radar-hatch)" fill-opacity="0.9" stroke="#000000" stroke-width="2" stroke-linejoin="round"/>"##
    );

    // Markers: filled dot for a rate, hollow diamond for no rate.
    s.push_str("<g id=\"kojo-radar-markers\">\n");
    for (i, (no, _, rate)) in rates.iter().enumerate() {
        let (x, y) = point(i, n, rate.unwrap_or(0.0));
        match rate {
            Some(r) => {
                let _ = writeln!(
                    s,
                    r##"<circle class="kojo-radar-marker" data-label="{no}" data-rate="{r}" cx="{x}" cy="{y}" r="3.2" fill="#000000"/>"##,
                    r = num(*r * 100.0),
                    x = num(x),
                    y = num(y),
                );
            }
            None => {
                let _ = writeln!(
                    s,
                    r##"<path class="kojo-radar-marker kojo-radar-undefined" data-label="{no}" data-rate="undefined" d="{d}" fill="#ffffff" stroke="#000000" stroke-width="1.4"/>"##,
                    d = diamond(x, y, 5.0),
                );
            }
        }
    }
    s.push_str("</g>\n");

    // Axis labels "1".."17" with the rate printed beside each, outwards along the axis.
    s.push_str("<g id=\"kojo-radar-labels\" fill=\"#000000\">\n");
    for (i, (no, _, rate)) in rates.iter().enumerate() {
        let angle = -PI / 2.0 + 2.0 * PI * (i as f64) / (n as f64);
        let (c, sn) = (angle.cos(), angle.sin());
        let anchor = if c.abs() < 0.3 {
            "middle"
        } else if c > 0.0 {
            "start"
        } else {
            "end"
        };
        let (lx, ly) = (CX + (R + 13.0) * c, CY + (R + 13.0) * sn);
        // Vertical stacking: the rate goes below the number, except at the top where it goes above.
        let (num_y, rate_y) = if sn < -0.9 {
            (ly + 2.0, ly - 13.0)
        } else if sn > 0.9 {
            (ly + 11.0, ly + 24.0)
        } else {
            (ly + 5.0, ly + 18.0)
        };
        let _ = writeln!(
            s,
            r#"<text class="kojo-radar-label" data-label="{no}" x="{x}" y="{y}" text-anchor="{anchor}" font-size="14" font-weight="bold">{no}</text>"#,
            x = num(lx),
            y = num(num_y),
        );
        let _ = writeln!(
            s,
            r##"<text class="kojo-radar-value" data-label="{no}" x="{x}" y="{y}" text-anchor="{anchor}" font-size="10.5" fill="#222222">{v}</text>"##,
            x = num(lx),
            y = num(rate_y),
            v = escape(&percent(*rate)),
        );
    }
    s.push_str("</g>\n");

    // Legend.
    let ly = HEIGHT - 18.0;
    let _ = write!(
        s,
        r##"<g id="kojo-radar-legend" font-size="11" fill="#000000">
<rect x="90" y="{ry}" width="16" height="10" fill="url(#kojo-radar-hatch)" stroke="#000000" stroke-width="1.6"/>
<circle cx="98" cy="{my}" r="3.2" fill="#000000"/>
<text x="112" y="{ty}">{rate}</text>
<path d="{d}" fill="#ffffff" stroke="#000000" stroke-width="1.4"/>
<line x1="270" y1="{my}" x2="290" y2="{my}" stroke="#4d4d4d" stroke-width="0.8" stroke-dasharray="1 3"/>
<text x="296" y="{ty}">{undefined}</text>
</g>
</svg>
"##,
        ry = num(ly - 5.0),
        my = num(ly),
        ty = num(ly + 3.5),
        rate = escape(t(lang, "report.radar.legend_rate")),
        d = diamond(262.0, ly, 5.0),
        undefined = escape(t(lang, "report.radar.legend_undefined")),
    );
    s
}
