//! The standalone, print-ready HTML report: askama templates in `templates/` (`report.html` and
//! its sections), escaped by [`crate::fmt::Markup`] so every text from data is inert.

use crate::model::Model;
use askama::Template;

pub(crate) const CSS: &str = r#"
@page { size: A4 portrait; margin: 16mm 14mm 16mm 14mm; }
* { box-sizing: border-box; }
html { -webkit-print-color-adjust: exact; print-color-adjust: exact; background: #ffffff; }
body { margin: 0 auto; max-width: 182mm; color: #111111; background: #ffffff;
  font-family: "IPAexGothic", "IPAexゴシック", "Noto Sans CJK JP", "Noto Sans JP", "Hiragino Kaku Gothic ProN", "Hiragino Sans", "Yu Gothic", "Meiryo", sans-serif;
  font-size: 9.5pt; line-height: 1.42; }
@media screen { body { padding: 10mm 0; } }
section { margin: 0; }
section + section { break-before: page; page-break-before: always; }
@media screen { section + section { border-top: 1px dashed #999999; margin-top: 10mm; padding-top: 6mm; } }
.running { font-size: 7.5pt; color: #555555; border-bottom: 0.5pt solid #999999; display: flex; justify-content: space-between; margin-bottom: 4mm; }
h1 { font-size: 22pt; margin: 0 0 2mm; letter-spacing: 0.02em; }
h2 { font-size: 14pt; margin: 0 0 3mm; padding-bottom: 1mm; border-bottom: 1.2pt solid #111111; break-after: avoid; }
h3 { font-size: 11pt; margin: 6mm 0 2mm; break-after: avoid; }
p { margin: 1mm 0 2mm; }
.muted { color: #555555; }
.small { font-size: 8pt; }
.unofficial { border: 0.8pt solid #111111; border-left-width: 3pt; padding: 2mm 3mm; margin: 3mm 0; font-size: 8.5pt; }
table { border-collapse: collapse; width: 100%; margin: 0 0 3mm; }
th, td { border: 0.6pt solid #7f7f7f; padding: 0.7mm 1.6mm; vertical-align: top; text-align: left; }
th { background: #e6e6e6; font-weight: bold; }
thead { display: table-header-group; }
tr { break-inside: avoid; page-break-inside: avoid; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td.c, th.c { text-align: center; white-space: nowrap; }
td.mark { text-align: center; font-size: 11pt; line-height: 1.25; white-space: nowrap; }
td.nowrap { white-space: nowrap; }
th.w-no { width: 9mm; }
th.w-field { width: 24%; }
th.w-who { width: 11%; }
th.w-note { width: 15%; }
tr.group td { background: #f0f0f0; font-weight: bold; border-top: 1.2pt solid #111111; }
dl.details { margin: 0; }
dl.details dt { font-size: 7.5pt; color: #444444; }
dl.details dd { margin: 0 0 0.8mm; white-space: pre-wrap; }
.note { white-space: pre-wrap; }
.cover { min-height: 255mm; display: flex; flex-direction: column; }
.cover .guideline { font-size: 10pt; color: #444444; margin-top: 12mm; }
.cover .subtitle { font-size: 11pt; margin-bottom: 8mm; }
.cover table.info th { width: 38mm; }
.cover .spacer { flex: 1; }
table.signoff th, table.signoff td { text-align: center; }
table.signoff td { height: 14mm; }
table.signoff td.seal { height: 24mm; }
table.signoff th.row { width: 22mm; }
.generated { font-size: 8pt; color: #555555; text-align: right; margin-top: 2mm; }
.kpis { display: flex; gap: 4mm; margin: 2mm 0 3mm; }
.kpi { flex: 1; border: 1pt solid #111111; padding: 2mm 4mm; }
.kpi .caption { font-size: 9pt; color: #333333; }
.kpi .value { font-size: 26pt; font-weight: bold; line-height: 1.2; }
.kpi .sub { font-size: 8.5pt; }
figure.radar { margin: 2mm auto; text-align: center; break-inside: avoid; }
figure.radar svg { width: 150mm; max-width: 100%; height: auto; }
h3.radar { break-before: page; page-break-before: always; }
figure.radar figcaption { font-size: 8pt; color: #444444; }
.signoff-note { font-size: 8.5pt; margin: 1mm 0 0; }
.provisional { border: 0.8pt solid #111111; border-left-width: 3pt; padding: 2mm 3mm; margin: 3mm 0; break-inside: avoid; }
.provisional p { margin: 1mm 0 0; }
.kpi .value.then-now { font-size: 20pt; }
tr.regressed td { font-weight: bold; }
tr.not-reviewed td { background: #f6f6f6; }
tr.overdue td { background: #f0f0f0; }
.overdue-mark { display: inline-block; border: 0.8pt solid #111111; padding: 0 1mm; margin-left: 1mm; font-weight: bold; white-space: nowrap; }
"#;

#[derive(Template)]
#[template(path = "report.html")]
struct Report<'a> {
    m: &'a Model,
    /// The radar chart, SVG markup made by [`crate::radar_svg`] (escaped there).
    radar: &'a str,
    css: &'a str,
}

/// Renders the model and the inline radar SVG into one HTML document.
pub fn render(m: &Model, radar: &str) -> String {
    Report { m, radar, css: CSS }
        .render()
        // Rendering strings and numbers writes to a String and cannot fail.
        .expect("the report renders")
}
