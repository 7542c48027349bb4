//! 前年比: an assessment compared with the previous one of the same scope (or any other one of
//! that scope, `?old=<id>`): achievement rates per label then → now, and every item whose mark
//! changed, regressions first.

use super::assessment::head;
use super::{pct, scope};
use crate::AppState;
use crate::ctx::Authed;
use crate::error::WebError;
use crate::views::{OptVm, Page, render};
use crate::views_cycle::{ChangeVm, DiffPage, RateRowVm};
use axum::extract::{Path, Query, State};
use axum::response::Response;
use kojo_domain::{FiscalYear, Mark, Stats};
use kojo_i18n::{Lang, t};
use std::sync::Arc;

type St = State<Arc<AppState>>;

#[derive(serde::Deserialize, Default)]
pub struct DiffQuery {
    #[serde(default)]
    old: String,
}

fn title(a: &kojo_app::Assessment, lang: Lang) -> String {
    let period = FiscalYear::new(a.period as u16)
        .map(|p| p.label(lang))
        .unwrap_or_default();
    format!(
        "{} {period} ({} {})",
        scope(a),
        t(lang, "web.col.revision"),
        a.revision
    )
}

fn rate_row(n: u16, label: String, old: &Stats, new: &Stats) -> RateRowVm {
    let (delta, trend) = match (old.achievement_rate, new.achievement_rate) {
        (Some(o), Some(n)) => {
            let d = (n - o) * 100.0;
            let trend = if d > 0.05 {
                "up"
            } else if d < -0.05 {
                "down"
            } else {
                "same"
            };
            (format!("{d:+.1} pt"), trend)
        }
        _ => ("—".to_string(), "same"),
    };
    RateRowVm {
        n,
        label,
        old: pct(old.achievement_rate),
        new: pct(new.achievement_rate),
        delta,
        trend,
    }
}

pub async fn page(
    State(st): St,
    au: Authed,
    Path(id): Path<String>,
    Query(q): Query<DiffQuery>,
) -> Result<Response, WebError> {
    let reader = st.app.reader(au.actor());
    let view = reader.assessment(&id).await?;
    let lang = au.lang();
    let c = view.catalog;
    let me = &view.assessment;
    let old_id = if q.old.trim().is_empty() {
        reader.previous(me).await?.map(|(p, _)| p.id)
    } else {
        Some(reader.find(&q.old).await?.id)
    };
    let site = reader.site_by_id(&me.site_id).await?;
    let choices = reader
        .assessments(Some(&site))
        .await?
        .into_iter()
        .filter(|i| i.assessment.line_id == me.line_id && i.assessment.id != me.id)
        .map(|i| OptVm {
            selected: old_id.as_deref() == Some(i.assessment.id.as_str()),
            text: title(&i.assessment, lang),
            value: i.assessment.id,
        })
        .collect();
    let mut page = DiffPage {
        page: Page::new(&au.ctx, "sites"),
        a: head(&view, lang, false),
        old: None,
        overall: None,
        labels: Vec::new(),
        changes: Vec::new(),
        choices,
    };
    if let Some(old_id) = old_id {
        let d = reader.diff(&old_id, &me.id).await?;
        page.old = Some((d.old.id.clone(), title(&d.old, lang)));
        page.overall = Some(rate_row(
            0,
            t(lang, "web.diff.overall").into(),
            &d.old_summary.overall,
            &d.new_summary.overall,
        ));
        page.labels = d
            .new_summary
            .labels
            .iter()
            .filter_map(|n| {
                let o = d.old_summary.labels.iter().find(|o| o.label == n.label)?;
                let name = c.label(n.label).map(|l| l.name.get(lang)).unwrap_or("");
                Some(rate_row(
                    n.label,
                    format!("{} {name}", n.label),
                    &o.stats,
                    &n.stats,
                ))
            })
            .collect();
        let sym = |m: Option<Mark>| m.map(Mark::symbol).unwrap_or("—");
        page.changes = d
            .changes
            .iter()
            .map(|ch| ChangeVm {
                item: ch.item,
                condition: c
                    .item(ch.item)
                    .map(|v| v.item.condition.get(lang))
                    .unwrap_or(""),
                kind_key: ch.kind.key(),
                kind: ch.kind.name(lang),
                from: sym(ch.from),
                to: sym(ch.to),
            })
            .collect();
    }
    Ok(render(&page))
}
