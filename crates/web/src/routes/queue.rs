//! The review queue (見直し): every □ △ × item of the current assessment of each visible scope
//! with what its review still needs, overdue first; and the cycle panel (counts) that the queue,
//! the plant list and the dashboard show.

use super::scope_of;
use crate::AppState;
use crate::ctx::Authed;
use crate::error::WebError;
use crate::views::{OptVm, Page, render};
use crate::views_cycle::{CyclePanelVm, QueuePage, QueueRowVm};
use axum::extract::{Query, State};
use axum::response::Response;
use kojo_app::{QueueItem, QueueQuery};
use kojo_domain::{ActionStatus, FiscalYear, ReviewNeed};
use std::sync::Arc;

type St = State<Arc<AppState>>;

/// Queue entries whose review is not done yet (a need that keeps the assessment from being
/// submitted).
fn to_review(q: &[QueueItem]) -> usize {
    q.iter()
        .filter(|i| i.needs.iter().any(|n| n.blocks_submission()))
        .count()
}

/// □ items past their review-by date.
fn overdue_reviews(q: &[QueueItem]) -> usize {
    q.iter()
        .filter(|i| i.needs.contains(&ReviewNeed::Overdue))
        .count()
}

/// The cycle panel over the current assessment of every visible scope.
pub(crate) async fn global_panel(st: &AppState, au: &Authed) -> Result<CyclePanelVm, WebError> {
    let reader = st.app.reader(au.actor());
    let counts = reader.cycle_counts().await?;
    let queue = reader.review_queue(&QueueQuery::default()).await?;
    let open: i64 = ActionStatus::ALL
        .iter()
        .zip(counts.actions)
        .filter(|(s, _)| s.is_open())
        .map(|(_, n)| n)
        .sum();
    Ok(CyclePanelVm {
        unconfirmed: counts.unconfirmed,
        to_review: to_review(&queue),
        overdue_reviews: overdue_reviews(&queue),
        open_actions: open,
        overdue_actions: counts.overdue_actions,
        queue_link: "/review".into(),
    })
}

/// The cycle panel of one assessment.
pub(crate) async fn assessment_panel(
    st: &AppState,
    au: &Authed,
    view: &kojo_app::AssessmentView,
) -> Result<CyclePanelVm, WebError> {
    let reader = st.app.reader(au.actor());
    let queue = reader.review_queue_of(view, &QueueQuery::default()).await?;
    let today = kojo_app::today();
    let (mut open, mut overdue) = (0, 0);
    for a in reader.actions_of(view).await? {
        if a.status.is_open() {
            open += 1;
            let due = a.due.as_deref().and_then(kojo_domain::parse_date);
            if due.is_some_and(|d| d < today) {
                overdue += 1;
            }
        }
    }
    Ok(CyclePanelVm {
        unconfirmed: view.summary.unconfirmed.len() as i64,
        to_review: to_review(&queue),
        overdue_reviews: overdue_reviews(&queue),
        open_actions: open,
        overdue_actions: overdue,
        queue_link: format!("/review?site={}", view.assessment.site_code),
    })
}

#[derive(serde::Deserialize, Default)]
pub struct QueueForm {
    #[serde(default)]
    site: String,
    #[serde(default)]
    label: String,
    #[serde(default)]
    area: String,
    #[serde(default)]
    overdue: String,
}

/// `/review`: the review queue with filters by plant, label, responsible area, overdue only.
pub async fn page(
    State(st): St,
    au: Authed,
    Query(f): Query<QueueForm>,
) -> Result<Response, WebError> {
    let reader = st.app.reader(au.actor());
    let lang = au.lang();
    let c = st.app.catalog;
    let label: Option<u16> = f.label.parse().ok();
    let site = Some(f.site.trim().to_string()).filter(|s| !s.is_empty());
    let q = QueueQuery {
        site: site.clone(),
        assessment: None,
        label,
        area: Some(f.area.clone()).filter(|a| !a.is_empty()),
        overdue: f.overdue == "1",
    };
    let queue = reader.review_queue(&q).await?;
    let rows = queue
        .iter()
        .map(|i| {
            let r = &i.row;
            QueueRowVm {
                assessment_id: r.assessment_id.clone(),
                scope: scope_of(&r.site_name, r.line_code.as_deref()),
                period: FiscalYear::new(r.period as u16)
                    .map(|p| {
                        format!(
                            "{} ({} {})",
                            p.label(lang),
                            kojo_i18n::t(lang, "web.col.revision"),
                            r.revision
                        )
                    })
                    .unwrap_or_default(),
                status: r.status.name(lang),
                item: r.item,
                condition: c
                    .item(r.item)
                    .map(|v| v.item.condition.get(lang))
                    .unwrap_or(""),
                mark_key: r.mark.key(),
                mark: r.mark.symbol(),
                needs: i
                    .needs
                    .iter()
                    .map(|n| (n.key(), n.name(lang), n.blocks_submission()))
                    .collect(),
                overdue: i.overdue,
                suggested: i.suggested.map(|m| m.symbol()),
                link: if r.mark.is_residual_risk() {
                    format!("/a/{}/items/{}/review", r.assessment_id, r.item)
                } else {
                    format!("/a/{}#suggestion-{}", r.assessment_id, r.item)
                },
            }
        })
        .collect();
    let sites = reader.sites().await?;
    Ok(render(&QueuePage {
        page: Page::new(&au.ctx, "review"),
        panel: global_panel(&st, &au).await?,
        rows,
        sites: sites
            .into_iter()
            .map(|s| OptVm {
                selected: site.as_deref() == Some(s.code.as_str()),
                text: format!("{} {}", s.code, s.name),
                value: s.code,
            })
            .collect(),
        labels: c
            .labels
            .iter()
            .map(|l| OptVm {
                value: l.number.to_string(),
                text: format!("{} {}", l.number, l.name.get(lang)),
                selected: label == Some(l.number),
            })
            .collect(),
        areas: c
            .areas
            .iter()
            .map(|ar| OptVm {
                value: ar.id.clone(),
                text: ar.name.get(lang).into(),
                selected: f.area == ar.id,
            })
            .collect(),
        overdue: q.overdue,
    }))
}
