//! The standalone, print-ready HTML report.

mod cycle;

use cycle::{actions, reviews, yoy};

use crate::fmt::escape as e;
use crate::model::{Model, Pair, SignBox};
use std::fmt::Write;

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

fn pairs_dl(out: &mut String, pairs: &[Pair]) {
    if pairs.is_empty() {
        return;
    }
    out.push_str("<dl class=\"details\">");
    for p in pairs {
        let _ = write!(out, "<dt>{}</dt><dd>{}</dd>", e(&p.key), e(&p.value));
    }
    out.push_str("</dl>");
}

fn note(n: &Option<String>) -> String {
    n.as_deref()
        .map(|s| format!("<span class=\"note\">{}</span>", e(s)))
        .unwrap_or_default()
}

fn running(out: &mut String, m: &Model) {
    let _ = writeln!(
        out,
        "<div class=\"running\"><span>{}</span><span>{}</span></div>",
        e(&m.running_header),
        e(&m.title)
    );
}

/// Renders the model and the inline radar SVG into one HTML document.
pub fn render(m: &Model, radar: &str) -> String {
    let s = |k: &str| e(m.s(k));
    let mut o = String::with_capacity(96 * 1024);
    let _ = write!(
        o,
        "<!DOCTYPE html>\n<html lang=\"{lang}\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<meta name=\"generator\" content=\"kojo\">\n<title>{title} — {header}</title>\n<style>{CSS}</style>\n</head>\n<body>\n",
        lang = m.lang,
        title = e(&m.title),
        header = e(&m.running_header),
    );

    // Cover.
    o.push_str("<section class=\"cover\">\n");
    let _ = writeln!(o, "<div class=\"guideline\">{}</div>", e(&m.guideline));
    let _ = writeln!(
        o,
        "<h1>{}</h1>\n<div class=\"subtitle\">{}</div>",
        e(&m.title),
        e(&m.subtitle)
    );
    if let Some(u) = &m.unofficial {
        let _ = writeln!(o, "<p class=\"unofficial\">{}</p>", e(u));
    }
    o.push_str("<table class=\"info\">\n");
    for p in &m.cover {
        let _ = writeln!(
            o,
            "<tr><th scope=\"row\">{}</th><td>{}</td></tr>",
            e(&p.key),
            e(&p.value)
        );
    }
    o.push_str("</table>\n<div class=\"spacer\"></div>\n");
    let _ = writeln!(o, "<h3>{}</h3>", s("signoff.heading"));
    let cells = |f: fn(&SignBox) -> &str| -> String {
        m.signoff
            .iter()
            .map(|b| format!("<td>{}</td>", e(f(b))))
            .collect()
    };
    let _ = writeln!(
        o,
        "<table class=\"signoff\">\n<thead><tr><th class=\"row\"></th><th scope=\"col\">{}</th><th scope=\"col\">{}</th><th scope=\"col\">{}</th></tr></thead>\n<tbody>\n<tr><th scope=\"row\" class=\"row\">{}</th>{}</tr>\n<tr><th scope=\"row\" class=\"row\">{}</th>{}</tr>\n<tr><th scope=\"row\" class=\"row\">{}</th><td class=\"seal\"></td><td class=\"seal\"></td><td class=\"seal\"></td></tr>\n</tbody>\n</table>",
        s("signoff.author"),
        s("signoff.reviewer"),
        s("signoff.approver"),
        s("signoff.name"),
        cells(|b| &b.name),
        s("signoff.date"),
        cells(|b| &b.date),
        s("signoff.seal"),
    );
    if let Some(n) = &m.signoff_note {
        let _ = writeln!(o, "<p class=\"signoff-note\">{}</p>", e(n));
    }
    let _ = writeln!(
        o,
        "<div class=\"generated\">{}</div>\n</section>",
        s("generated_by")
    );

    // Summary.
    o.push_str("<section class=\"summary\">\n");
    running(&mut o, m);
    let _ = writeln!(o, "<h2>{}</h2>", s("summary.heading"));
    let _ = writeln!(
        o,
        "<div class=\"kpis\">\n<div class=\"kpi\"><div class=\"caption\">{}</div><div class=\"value\" id=\"overall-rate\">{}</div></div>\n<div class=\"kpi\"><div class=\"caption\">{}</div><div class=\"value\" id=\"completion\">{}</div><div class=\"sub\">{}</div></div>\n</div>",
        s("summary.overall_rate"),
        e(&m.overall_rate),
        s("summary.completion"),
        e(&m.completion),
        e(&m.completion_value),
    );
    let _ = writeln!(
        o,
        "<p class=\"small muted rate-formula\">{}</p>",
        e(&m.rate_formula)
    );
    if m.any_undefined {
        let _ = writeln!(
            o,
            "<p class=\"small muted\">{}</p>",
            s("summary.rate_undefined")
        );
    }
    if let Some(p) = &m.provisional {
        let _ = writeln!(
            o,
            "<div class=\"provisional\"><strong>{}</strong><p>{}</p><p class=\"provisional-items\">{}</p></div>",
            s("provisional.heading"),
            e(&p.text),
            e(&p.items)
        );
    }

    if let Some(text) = &m.inherited {
        let _ = writeln!(
            o,
            "<div class=\"provisional inherited\"><strong>{}</strong><p>{}</p></div>",
            s("inherited.heading"),
            e(text)
        );
    }
    let _ = writeln!(o, "<h3>{}</h3>", s("marks.heading"));
    let _ = writeln!(
        o,
        "<table class=\"marks\">\n<thead><tr><th class=\"c\">{}</th><th>{}</th><th class=\"num\">{}</th><th class=\"num\">{}</th></tr></thead>\n<tbody>",
        s("marks.mark"),
        s("marks.meaning"),
        s("marks.count"),
        s("marks.share"),
    );
    for r in &m.marks {
        let _ = writeln!(
            o,
            "<tr><td class=\"mark\">{}</td><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
            e(&r.symbol),
            e(&r.name),
            r.count,
            e(&r.share)
        );
    }
    let _ = writeln!(
        o,
        "<tr><th></th><th>{}</th><th class=\"num\">{}</th><th class=\"num\">100.0%</th></tr>\n</tbody>\n</table>",
        s("marks.total"),
        m.total
    );

    let _ = writeln!(o, "<h3>{}</h3>", s("labels.heading"));
    let _ = write!(
        o,
        "<table class=\"labels\">\n<thead><tr><th class=\"c\">{}</th><th>{}</th><th class=\"num\">{}</th>",
        s("labels.number"),
        s("labels.name"),
        s("labels.items"),
    );
    for sym in m
        .marks
        .iter()
        .map(|r| r.symbol.as_str())
        .filter(|x| !x.is_empty())
    {
        let _ = write!(o, "<th class=\"c\">{}</th>", e(sym));
    }
    let _ = writeln!(
        o,
        "<th class=\"num\">{}</th><th class=\"num\">{}</th></tr></thead>\n<tbody>",
        s("marks.unanswered"),
        s("labels.rate")
    );
    for l in &m.labels {
        let _ = write!(
            o,
            "<tr><td class=\"c\">{}</td><td>{}</td><td class=\"num\">{}</td>",
            l.number,
            e(&l.name),
            l.items
        );
        for c in &l.counts {
            let _ = write!(o, "<td class=\"num\">{c}</td>");
        }
        let _ = writeln!(
            o,
            "<td class=\"num\">{}</td><td class=\"num\"><strong>{}</strong></td></tr>",
            l.unanswered,
            e(&l.rate)
        );
    }
    o.push_str("</tbody>\n</table>\n");
    if let Some(u) = &m.unofficial {
        let _ = writeln!(o, "<p class=\"small muted\">{}</p>", e(u));
    }
    let _ = writeln!(o, "<h3 class=\"radar\">{}</h3>", s("radar.heading"));
    let _ = writeln!(
        o,
        "<figure class=\"radar\">\n{radar}<figcaption>{}</figcaption>\n</figure>",
        s("radar.caption")
    );
    o.push_str("</section>\n");

    if let Some(c) = &m.cycle {
        yoy(&mut o, m, c.yoy.as_ref());
    }

    // Residual risks.
    o.push_str("<section class=\"risks\">\n");
    running(&mut o, m);
    let _ = writeln!(
        o,
        "<h2>{}</h2>\n<p>{}</p>",
        s("risks.heading"),
        s("risks.intro")
    );
    if let Some(n) = &m.unanswered_note {
        let _ = writeln!(o, "<p><strong>{}</strong></p>", e(n));
    }
    let empty = |o: &mut String| {
        let _ = writeln!(o, "<p class=\"muted\">{}</p>", s("risks.empty"));
    };
    let _ = writeln!(o, "<h3>{}</h3>", s("risks.deferred"));
    if m.risks.deferred.is_empty() {
        empty(&mut o);
    } else {
        let _ = writeln!(
            o,
            "<table class=\"risks deferred\">\n<thead><tr><th class=\"c w-no\">{}</th><th>{}</th><th class=\"w-field\">{}</th><th class=\"w-who\">{}</th><th class=\"nowrap\">{}</th><th class=\"w-note\">{}</th></tr></thead>\n<tbody>",
            s("items.number"),
            s("items.condition"),
            s("risks.reason"),
            s("risks.accepted_by"),
            s("risks.review_by"),
            s("items.note"),
        );
        for r in &m.risks.deferred {
            let mut reason = format!("<span class=\"note\">{}</span>", e(&r.reason));
            if let Some(p) = &r.progress {
                let _ = write!(
                    reason,
                    "<dl class=\"details\"><dt>{}</dt><dd>{}</dd></dl>",
                    s("risks.progress"),
                    e(p)
                );
            }
            let _ = writeln!(
                o,
                "<tr><td class=\"c\">{}</td><td>{}</td><td>{}</td><td>{}</td><td class=\"nowrap\">{}</td><td>{}</td></tr>",
                r.number,
                e(&r.condition),
                reason,
                e(&r.accepted_by),
                e(&r.review_by),
                note(&r.note)
            );
        }
        o.push_str("</tbody>\n</table>\n");
    }
    let _ = writeln!(o, "<h3>{}</h3>", s("risks.considering"));
    if m.risks.considering.is_empty() {
        empty(&mut o);
    } else {
        let _ = writeln!(
            o,
            "<table class=\"risks considering\">\n<thead><tr><th class=\"c w-no\">{}</th><th>{}</th><th class=\"w-field\">{}</th><th class=\"nowrap\">{}</th><th class=\"w-note\">{}</th></tr></thead>\n<tbody>",
            s("items.number"),
            s("items.condition"),
            s("risks.status"),
            s("risks.target_date"),
            s("items.note"),
        );
        for r in &m.risks.considering {
            let _ = writeln!(
                o,
                "<tr><td class=\"c\">{}</td><td>{}</td><td><span class=\"note\">{}</span></td><td class=\"nowrap\">{}</td><td>{}</td></tr>",
                r.number,
                e(&r.condition),
                e(&r.status),
                e(&r.target_date),
                note(&r.note)
            );
        }
        o.push_str("</tbody>\n</table>\n");
    }
    let _ = writeln!(o, "<h3>{}</h3>", s("risks.not_considered"));
    if m.risks.not_considered.is_empty() {
        empty(&mut o);
    } else {
        let _ = writeln!(
            o,
            "<table class=\"risks not-considered\">\n<thead><tr><th class=\"c w-no\">{}</th><th>{}</th><th class=\"w-note\">{}</th></tr></thead>\n<tbody>",
            s("items.number"),
            s("items.condition"),
            s("items.note"),
        );
        for r in &m.risks.not_considered {
            let _ = writeln!(
                o,
                "<tr><td class=\"c\">{}</td><td>{}</td><td>{}</td></tr>",
                r.number,
                e(&r.condition),
                note(&r.note)
            );
        }
        o.push_str("</tbody>\n</table>\n");
    }
    o.push_str("</section>\n");

    if let Some(c) = &m.cycle {
        reviews(&mut o, m, c);
        actions(&mut o, m, c);
    }

    // All items.
    o.push_str("<section class=\"items\">\n");
    running(&mut o, m);
    let _ = writeln!(o, "<h2>{}</h2>", s("items.heading"));
    let _ = writeln!(
        o,
        "<p class=\"small muted rate-formula\">{}</p>",
        e(&m.rate_formula)
    );
    if let Some(u) = &m.unofficial {
        let _ = writeln!(o, "<p class=\"unofficial\">{}</p>", e(u));
    }
    let _ = writeln!(
        o,
        "<table class=\"items\">\n<thead><tr><th class=\"c w-no\">{}</th><th>{}</th><th class=\"c\">{}</th><th class=\"w-field\">{}</th><th class=\"w-note\">{}</th></tr></thead>\n<tbody>",
        s("items.number"),
        s("items.condition"),
        s("items.mark"),
        s("items.details"),
        s("items.note"),
    );
    for g in &m.groups {
        let _ = writeln!(
            o,
            "<tr class=\"group\"><td colspan=\"5\">{} {} {}<span class=\"muted\"> — {} {}</span></td></tr>",
            s("items.label"),
            g.number,
            e(&g.name),
            s("labels.rate"),
            e(&g.rate)
        );
        for it in &g.items {
            let mut details = String::new();
            pairs_dl(&mut details, &it.details);
            let mut mark = if it.symbol.is_empty() {
                format!("<span class=\"small\">{}</span>", e(&it.mark_name))
            } else {
                format!(
                    "<span title=\"{}\">{}</span>",
                    e(&it.mark_name),
                    e(&it.symbol)
                )
            };
            if let Some(x) = &it.inherited {
                let _ = write!(mark, "<br><span class=\"small inherited\">{}</span>", e(x));
            }
            let _ = writeln!(
                o,
                "<tr><td class=\"c\">{}</td><td>{}</td><td class=\"mark\">{}</td><td>{}</td><td>{}</td></tr>",
                it.number,
                e(&it.condition),
                mark,
                details,
                note(&it.note)
            );
        }
    }
    o.push_str("</tbody>\n</table>\n</section>\n</body>\n</html>\n");
    o
}
