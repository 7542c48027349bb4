//! `kojo assessment show`: the assessment as JSON or as a table for people.

use crate::assessment_cmd::{pct, scope};
use crate::cycle_cmd::items_text;
use crate::output::{fit, lpad, outln, pad, width};
use kojo_app::AssessmentView;
use kojo_domain::{Answer, FiscalYear, Mark, Stats};
use kojo_i18n::{Lang, t, tr};

pub(crate) fn view_json(view: &AssessmentView, lang: Lang) -> serde_json::Value {
    let mut summary = serde_json::to_value(&view.summary).unwrap_or_default();
    if let Some(labels) = summary.get_mut("labels").and_then(|l| l.as_array_mut()) {
        for l in labels {
            let n = l["label"].as_u64().unwrap_or(0) as u16;
            if let Some(label) = view.catalog.label(n) {
                l["name"] = serde_json::json!(label.name.get(lang));
            }
        }
    }
    serde_json::json!({
        "assessment": view.assessment,
        "catalog": view.catalog.id,
        "summary": summary,
        "answers": view.answers.values().collect::<Vec<_>>(),
    })
}

/// Width of the 要再確認 column (when some answers await re-confirmation).
const UNCONFIRMED_COL: usize = 10;

fn stats_row(name: &str, name_width: usize, s: &Stats, unconfirmed_col: bool) -> String {
    let mut row = pad(name, name_width);
    for m in Mark::ALL {
        row.push_str(&format!("{:>4}", s.counts.get(m)));
    }
    row.push_str(&format!(
        "{:>8}{:>9}",
        s.items - s.answered,
        pct(s.achievement_rate)
    ));
    if unconfirmed_col {
        row.push_str(&lpad(&s.unconfirmed.to_string(), UNCONFIRMED_COL));
    }
    row
}

pub(crate) fn show(view: &AssessmentView, signoffs: &[kojo_app::SignOffRow], lang: Lang) {
    let a = &view.assessment;
    let period = FiscalYear::new(a.period as u16)
        .map(|p| p.label(lang))
        .unwrap_or_default();
    let status = a.status.name(lang);
    outln!("{} {}", t(lang, "cli.assessment"), a.id);
    outln!(
        "{}: {}  {}: {}  {}: {}  {}: {}",
        t(lang, "cli.scope"),
        scope(
            &a.site_code,
            &a.site_name,
            a.line_code.as_deref(),
            a.line_name.as_deref()
        ),
        t(lang, "cli.period"),
        period,
        t(lang, "cli.status"),
        status,
        t(lang, "cli.revision"),
        a.revision
    );
    outln!();
    // Whole label names (never cut), the column as wide as the widest.
    let rows: Vec<(String, &Stats)> = view
        .summary
        .labels
        .iter()
        .map(|l| {
            let name = view
                .catalog
                .label(l.label)
                .map(|x| x.name.get(lang))
                .unwrap_or("");
            (format!("{:>2} {}", l.label, name), &l.stats)
        })
        .collect();
    let name_width = rows
        .iter()
        .map(|(n, _)| width(n))
        .chain([
            width(t(lang, "catalog.label")),
            width(t(lang, "cli.overall")),
        ])
        .max()
        .unwrap_or(0)
        + 2;
    let mut header = pad(t(lang, "catalog.label"), name_width);
    for m in Mark::ALL {
        header.push_str(&lpad(m.symbol(), 4));
    }
    header.push_str(&lpad(t(lang, "cli.unanswered"), 8));
    header.push_str(&lpad(t(lang, "cli.rate"), 9));
    let o = &view.summary.overall;
    let unconfirmed_col = o.unconfirmed > 0;
    if unconfirmed_col {
        header.push_str(&lpad(t(lang, "cli.unconfirmed_col"), UNCONFIRMED_COL));
    }
    outln!("{header}");
    for (name, stats) in &rows {
        outln!("{}", stats_row(name, name_width, stats, unconfirmed_col));
    }
    outln!(
        "{}",
        stats_row(
            t(lang, "cli.overall"),
            name_width,
            &view.summary.overall,
            unconfirmed_col
        )
    );
    outln!();
    outln!(
        "{}: {}{}",
        t(lang, "cli.achievement_rate"),
        pct(o.achievement_rate),
        if unconfirmed_col {
            t(lang, "cli.provisional")
        } else {
            ""
        }
    );
    outln!(
        "{}: {}/{} ({:.1}%)",
        t(lang, "cli.completion"),
        o.answered - o.unconfirmed,
        o.items,
        o.completion * 100.0
    );
    if unconfirmed_col {
        let items: Vec<u16> = view.summary.unconfirmed.iter().map(|i| i.get()).collect();
        outln!(
            "{}",
            tr(
                lang,
                "cli.unconfirmed_count",
                &[("n", &o.unconfirmed), ("items", &items_text(&items))]
            )
        );
    }
    if view.assessment.inherits_from.is_some() {
        outln!(
            "{}",
            tr(
                lang,
                "inherit.cli_summary",
                &[("n", &o.inherited), ("own", &(o.items - o.inherited))]
            )
        );
    }
    if !signoffs.is_empty() {
        outln!();
        outln!("{}:", t(lang, "cli.signoffs"));
        for s in signoffs {
            let name = s.decision.name(lang);
            outln!(
                "  {}  {}  {}{}",
                pad(name, 8),
                pad(&s.by_user, 16),
                s.at,
                s.comment
                    .as_deref()
                    .map(|c| format!("  {c}"))
                    .unwrap_or_default()
            );
        }
    }
    outln!();
    outln!(
        "{} ({}):",
        t(lang, "cli.residual_risks"),
        view.summary.residual_risks.len()
    );
    for r in &view.summary.residual_risks {
        let cond = view
            .catalog
            .item(r.item.get())
            .map(|v| v.item.condition.get(lang))
            .unwrap_or("");
        let provisional = if view.summary.unconfirmed.contains(&r.item) {
            t(lang, "cli.provisional_mark")
        } else if view.inherited(r.item.get()) {
            t(lang, "inherit.cli_inherited_mark")
        } else {
            ""
        };
        outln!(
            "  No.{:<3} {} {}{}",
            r.item,
            r.mark,
            fit(cond, 64),
            provisional
        );
        let f = |field: kojo_domain::Field, v: &dyn std::fmt::Display| {
            outln!("        {}: {}", field.name(lang), v)
        };
        match &r.answer.answer {
            Answer::Deferred {
                reason,
                review_by,
                accepted_by,
                progress,
            } => {
                f(kojo_domain::Field::Reason, reason);
                f(kojo_domain::Field::ReviewBy, review_by);
                if let Some(x) = accepted_by {
                    f(kojo_domain::Field::AcceptedBy, x);
                }
                if let Some(x) = progress {
                    f(kojo_domain::Field::Progress, x);
                }
            }
            Answer::Considering {
                status,
                target_date,
            } => {
                f(kojo_domain::Field::Status, status);
                if let Some(d) = target_date {
                    f(kojo_domain::Field::TargetDate, d);
                }
            }
            _ => {}
        }
    }
}
