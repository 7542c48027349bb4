//! The assessment page: all 63 items (or a filtered part) with their answers, full or compact,
//! and the head and progress that the other pages of an assessment share.

use super::item_view::{ItemCycle, ItemState, comment_rows, item_vm, previous_marks};
use super::{pct, scope};
use crate::AppState;
use crate::ctx::Authed;
use crate::error::WebError;
use crate::views::*;
use axum::extract::{Path, Query, State};
use axum::http::Uri;
use axum::response::{IntoResponse, Response};
use kojo_app::AssessmentView;
use kojo_domain::{Field, FiscalYear, Mark, RawAnswer, Summary};
use kojo_i18n::{Lang, tr};
use std::sync::Arc;

type St = State<Arc<AppState>>;

pub(crate) fn head(view: &AssessmentView, lang: Lang, can_edit: bool) -> AssessmentHead {
    let a = &view.assessment;
    let period = FiscalYear::new(a.period as u16)
        .map(|p| p.label(lang))
        .unwrap_or_default();
    AssessmentHead {
        id: a.id.clone(),
        title: format!("{} {}", scope(a), period),
        status: a.status.name(lang),
        editable: can_edit && a.status.is_editable(),
    }
}

pub(crate) fn progress(summary: &Summary) -> ProgressVm {
    let o = &summary.overall;
    ProgressVm {
        answered: o.answered,
        items: o.items,
        rate: pct(o.achievement_rate),
        completion: format!("{:.0}%", o.completion * 100.0),
    }
}

#[derive(serde::Deserialize, serde::Serialize, Default)]
pub struct FilterQuery {
    #[serde(default, skip_serializing_if = "String::is_empty")]
    label: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    mark: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    area: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    unanswered: String,
    /// `1`: only answers carried from last year and not yet re-confirmed (要再確認).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    unconfirmed: String,
    /// `1`: on a line that inherits, only the items the line answers itself (ライン固有のみ).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    own: String,
    /// `compact`: one row per item (number, condition, marks, save state).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub(crate) view: String,
}

impl FilterQuery {
    /// No filter, in the given view.
    pub(crate) fn in_view(view: &str) -> FilterQuery {
        FilterQuery {
            view: view.to_string(),
            ..FilterQuery::default()
        }
    }

    pub(crate) fn compact(&self) -> bool {
        self.view == "compact"
    }

    /// The same filter in the other view, as a query string.
    fn other_view(&self) -> String {
        let mut q = FilterQuery {
            label: self.label.clone(),
            mark: self.mark.clone(),
            area: self.area.clone(),
            unanswered: self.unanswered.clone(),
            unconfirmed: self.unconfirmed.clone(),
            own: self.own.clone(),
            view: String::new(),
        };
        if !self.compact() {
            q.view = "compact".into();
        }
        serde_urlencoded::to_string(&q).unwrap_or_default()
    }
}

pub(crate) async fn assessment_page(
    st: &AppState,
    au: &Authed,
    id: &str,
    q: &FilterQuery,
    override_item: Option<(u16, ItemState)>,
    error: Option<String>,
) -> Result<Response, WebError> {
    let html = assessment_html(st, au, id, q, override_item, error).await?;
    Ok(axum::response::Html(html).into_response())
}

async fn assessment_html(
    st: &AppState,
    au: &Authed,
    id: &str,
    q: &FilterQuery,
    override_item: Option<(u16, ItemState)>,
    error: Option<String>,
) -> Result<String, WebError> {
    let reader = st.app.reader(au.actor());
    let view = reader.assessment(id).await?;
    let comments = reader.comments_of(&view).await?;
    let lang = au.lang();
    let a = head(&view, lang, au.actor().role.may_edit());
    let (prev, prev_label) = previous_marks(st, au, &view.assessment).await?;
    let cycle = super::cycle::cycle_head(st, au, &view, prev_label).await?;
    let origin = reader.catalog_origin(&view).await?;
    // The registers' suggestions, as of today (never applied: shown beside the answers).
    let suggestions = reader.suggestions_for(&view, kojo_app::today()).await?;
    let cy = ItemCycle {
        prev: &prev,
        back: serde_urlencoded::to_string(q).unwrap_or_default(),
        origin: origin.as_ref(),
        compact: q.compact(),
    };
    let c = view.catalog;
    let label_f: Option<u16> = q.label.parse().ok();
    let mark_f = Mark::parse(&q.mark).ok();
    let unanswered = q.unanswered == "1";
    let unconfirmed = q.unconfirmed == "1";
    let inherits = view.assessment.inherits_from.is_some();
    let own = inherits && q.own == "1";
    let mut items = Vec::new();
    let mut last_label = 0;
    let mut last_req = (0, usize::MAX);
    let mut override_item = override_item;
    for v in c.items() {
        let n = v.item.number;
        let answer = view.answer(n);
        if label_f.is_some_and(|l| l != v.label.number)
            || mark_f.is_some_and(|m| answer.map(|a| a.mark()) != Some(m))
            || (!q.area.is_empty() && q.area != v.item.area)
            || (unanswered && answer.is_some())
            || (unconfirmed
                && view
                    .answers
                    .get(&n)
                    .is_none_or(|s| s.confirmed || s.inherited))
            || (own && view.inherited(n))
        {
            continue;
        }
        let header = (
            v.label.number != last_label,
            (v.label.number, v.requirement_index) != last_req,
        );
        last_label = v.label.number;
        last_req = (v.label.number, v.requirement_index);
        let state = match override_item.take() {
            Some((o, st)) if o == n => st,
            other => {
                override_item = other;
                ItemState::stored()
            }
        };
        if let Some(vm) = item_vm(
            &view,
            n,
            lang,
            a.editable,
            header,
            state,
            comment_rows(&comments, Some(n)),
            &cy,
        ) {
            items.push(vm);
        }
    }
    let filter = FilterVm {
        unanswered,
        unconfirmed,
        own,
        inherits,
        labels: c
            .labels
            .iter()
            .map(|l| OptVm {
                value: l.number.to_string(),
                text: format!("{} {}", l.number, l.name.get(lang)),
                selected: label_f == Some(l.number),
            })
            .collect(),
        marks: Mark::ALL
            .iter()
            .map(|m| OptVm {
                value: m.key().into(),
                text: format!("{} {}", m.symbol(), m.name(lang)),
                selected: mark_f == Some(*m),
            })
            .collect(),
        areas: c
            .areas
            .iter()
            .map(|ar| OptVm {
                value: ar.id.clone(),
                text: ar.name.get(lang).into(),
                selected: q.area == ar.id,
            })
            .collect(),
    };
    let inherits_notice = match &view.assessment.inherits_from {
        Some(parent) => {
            let p = reader.find(parent).await?;
            let o = &view.summary.overall;
            Some(tr(
                lang,
                "web.inherit.inherits_notice",
                &[
                    (
                        "period",
                        &FiscalYear::new(p.period as u16)
                            .map(|y| y.label(lang))
                            .unwrap_or_default(),
                    ),
                    ("revision", &p.revision),
                    ("own", &(o.items - o.inherited)),
                    ("inherited", &o.inherited),
                ],
            ))
        }
        None => None,
    };
    let shown_unconfirmed: Vec<String> = items
        .iter()
        .filter(|i| i.unconfirmed)
        .map(|i| i.n.to_string())
        .collect();
    // One empty field set per mark for the script to put in when a mark changes (full view).
    let field_templates = if a.editable && !q.compact() {
        Mark::ALL
            .iter()
            .filter(|m| !Field::for_mark(**m).is_empty())
            .map(|m| FieldsHolder {
                fx: FieldsVm {
                    n: "__n__".into(),
                    mark: m.key(),
                    alternative_flag: false,
                    f: RawAnswer::default(),
                    errors: vec![],
                },
            })
            .collect()
    } else {
        vec![]
    };
    let site_code = view.assessment.site_code.clone();
    render_html(&AssessmentPage {
        suggestions: crate::views_registers::suggestion_vms(&suggestions, &site_code, lang),
        site_code,
        page: Page::new(&au.ctx, "sites"),
        compact: q.compact(),
        view_other: q.other_view(),
        field_templates,
        shown: items.len(),
        reconfirm_shown: shown_unconfirmed.join(","),
        back: cy.back.clone(),
        cycle,
        error,
        a,
        items,
        progress: progress(&view.summary),
        filter,
        unofficial: lang == Lang::En,
        area_note: c.areas_meta.note.get(lang),
        mark_defs: Mark::ALL
            .iter()
            .map(|m| MarkVm::of(*m, c, lang, false))
            .collect(),
        general_comments: comment_rows(&comments, None),
        inherits_notice,
        version: super::versions::version_vm(st, au, &view),
    })
}

/// The page as it is stored (no error, no item being edited): kept by the page cache.
pub async fn page(
    State(st): St,
    a: Authed,
    uri: Uri,
    Path(id): Path<String>,
    Query(q): Query<FilterQuery>,
) -> Result<Response, WebError> {
    let st = &*st;
    st.pages
        .page(&a, &uri, |a| async move {
            assessment_html(st, &a, &id, &q, None, None).await
        })
        .await
}
