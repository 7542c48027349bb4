//! The dashboard (rates, radar, residual risks) and the change history of an assessment.

use super::assessment::head;
use super::{pct, when};
use crate::AppState;
use crate::ctx::Authed;
use crate::error::WebError;
use crate::views::*;
use axum::extract::{Path, Query, State};
use axum::http::Uri;
use axum::response::Response;
use kojo_domain::{Answer, Field, Mark};
use std::sync::Arc;

type St = State<Arc<AppState>>;

/// Kept by the page cache.
pub async fn dashboard(
    State(st): St,
    au: Authed,
    uri: Uri,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    let st = &*st;
    st.pages
        .page(
            &au,
            &uri,
            |au| async move { dashboard_html(st, &au, &id).await },
        )
        .await
}

async fn dashboard_html(st: &AppState, au: &Authed, id: &str) -> Result<String, WebError> {
    let reader = st.app.reader(au.actor());
    let view = reader.assessment(id).await?;
    let lang = au.lang();
    let site_code = view.assessment.site_code.clone();
    let suggestions = reader.suggestions_for(&view, kojo_app::today()).await?;
    let mut mismatches = crate::views_registers::suggestion_vms(&suggestions, &site_code, lang);
    mismatches.retain(|s| s.mismatch);
    let c = view.catalog;
    let sum = &view.summary;
    let o = &sum.overall;
    let mut risks = Vec::new();
    for r in &sum.residual_risks {
        let mut details = Vec::new();
        match &r.answer.answer {
            Answer::Deferred {
                reason,
                review_by,
                accepted_by,
                progress,
            } => {
                details.push((Field::Reason.name(lang), reason.to_string()));
                details.push((Field::ReviewBy.name(lang), review_by.to_string()));
                if let Some(x) = accepted_by {
                    details.push((Field::AcceptedBy.name(lang), x.to_string()));
                }
                if let Some(x) = progress {
                    details.push((Field::Progress.name(lang), x.to_string()));
                }
            }
            Answer::Considering {
                status,
                target_date,
            } => {
                details.push((Field::Status.name(lang), status.to_string()));
                if let Some(d) = target_date {
                    details.push((Field::TargetDate.name(lang), d.to_string()));
                }
            }
            _ => {}
        }
        if let Some(n) = &r.answer.note {
            details.push((Field::Note.name(lang), n.to_string()));
        }
        risks.push(RiskVm {
            n: r.item.get(),
            mark: r.mark,
            condition: c
                .item(r.item.get())
                .map(|v| v.item.condition.get(lang))
                .unwrap_or(""),
            details,
        });
    }
    let page = DashboardPage {
        mismatches: (site_code, mismatches),
        page: Page::new(&au.ctx, "sites"),
        a: head(&view, lang, false),
        rate: pct(o.achievement_rate),
        completion: format!("{:.1}%", o.completion * 100.0),
        answered: o.answered,
        items: o.items,
        counts: Mark::ALL
            .iter()
            .map(|m| (m.key(), m.symbol(), o.counts.get(*m)))
            .collect(),
        unanswered: o.items - o.answered,
        labels: sum
            .labels
            .iter()
            .map(|l| LabelRateVm {
                n: l.label,
                name: c.label(l.label).map(|x| x.name.get(lang)).unwrap_or(""),
                counts: l.stats.counts.0,
                unanswered: l.stats.items - l.stats.answered,
                rate: pct(l.stats.achievement_rate),
                width: (l.stats.achievement_rate.unwrap_or(0.0) * 20.0).round() as u32 * 5,
            })
            .collect(),
        radar: kojo_report::radar_svg(c, sum, lang),
        risks,
        panel: super::queue::assessment_panel(st, au, &view).await?,
    };
    render_html(&page)
}

#[derive(serde::Deserialize)]
pub struct HistoryQuery {
    #[serde(default)]
    item: String,
}

pub async fn history(
    State(st): St,
    au: Authed,
    Path(id): Path<String>,
    Query(q): Query<HistoryQuery>,
) -> Result<Response, WebError> {
    let reader = st.app.reader(au.actor());
    let item = if q.item.is_empty() {
        None
    } else {
        Some(super::items::item_number(&reader, &q.item)?)
    };
    let view = reader.assessment(&id).await?;
    let (_, entries) = reader.history(&id, item).await?;
    let lang = au.lang();
    let sym = |m: Option<Mark>| m.map(Mark::symbol).unwrap_or("—").to_string();
    let rows = entries
        .iter()
        .rev()
        .map(|e| HistoryRow {
            at: when(&e.changed_at, true),
            item: e.item,
            by: e.changed_by.clone(),
            old: sym(e.old_mark()),
            new: sym(e.new_mark()),
            version: e.version,
            plant: e.plant,
            inherit: e.inherit,
            changes: Field::ALL
                .iter()
                .skip(1)
                .filter_map(|f| {
                    let o = e
                        .old
                        .as_ref()
                        .and_then(|r| r.get(*f))
                        .unwrap_or("")
                        .to_string();
                    let n = e
                        .new
                        .as_ref()
                        .and_then(|r| r.get(*f))
                        .unwrap_or("")
                        .to_string();
                    (o != n).then(|| {
                        (
                            f.name(lang),
                            if o.is_empty() { "—".into() } else { o },
                            if n.is_empty() { "—".into() } else { n },
                        )
                    })
                })
                .collect(),
        })
        .collect();
    Ok(render(&HistoryPage {
        page: Page::new(&au.ctx, "sites"),
        a: head(&view, lang, false),
        item,
        rows,
    }))
}
