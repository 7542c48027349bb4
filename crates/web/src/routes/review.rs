//! One item's page in the yearly cycle: this cycle's review (見直し) of a □ △ × item, its
//! action plan (対策) and its evidence files (根拠資料).

use super::assessment::head;
use super::item_view::{describe, previous_marks};
use super::{size, when};
use crate::AppState;
use crate::ctx::Authed;
use crate::error::WebError;
use crate::views::{OptVm, Page, render};
use crate::views_cycle::{ActionVm, EvidenceVm, ItemCyclePage, ReviewFormVm, ReviewVm};
use axum::extract::{Form, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use kojo_app::{AppError, ReviewInput};
use kojo_domain::{ActionStatus, Mark, Review, Status, review_gaps};
use kojo_i18n::{Lang, t};
use std::sync::Arc;

type St = State<Arc<AppState>>;

fn review_vm(r: &Review, mark: Option<Mark>, lang: Lang) -> ReviewVm {
    ReviewVm {
        by: r.by.clone(),
        at: when(&r.at, false),
        valid: r.valid.map(|v| {
            t(
                lang,
                if v {
                    "web.review.valid_yes"
                } else {
                    "web.review.valid_no"
                },
            )
        }),
        progress: r.progress.clone().unwrap_or_default(),
        pct: r.progress_pct.map(|p| format!("{p}%")).unwrap_or_default(),
        status: r.status.clone().unwrap_or_default(),
        target: r.target_date.map(|d| d.to_string()).unwrap_or_default(),
        note: r.note.clone().unwrap_or_default(),
        stale: Some(r.mark) != mark,
    }
}

fn review_form(r: &Review) -> ReviewFormVm {
    ReviewFormVm {
        valid: match r.valid {
            Some(true) => "yes".into(),
            Some(false) => "no".into(),
            None => String::new(),
        },
        progress: r.progress.clone().unwrap_or_default(),
        progress_pct: r.progress_pct.map(|p| p.to_string()).unwrap_or_default(),
        status: r.status.clone().unwrap_or_default(),
        target_date: r.target_date.map(|d| d.to_string()).unwrap_or_default(),
        note: r.note.clone().unwrap_or_default(),
    }
}

/// The item page, with what was entered and an error when a form failed (422).
pub(crate) async fn item_page(
    st: &AppState,
    au: &Authed,
    id: &str,
    n: u16,
    entered: Option<ReviewFormVm>,
    error: Option<String>,
) -> Result<Response, WebError> {
    let reader = st.app.reader(au.actor());
    let view = reader.assessment(id).await?;
    let lang = au.lang();
    let c = view.catalog;
    let v = c.item(n).ok_or(WebError::NotFound)?;
    let aid = view.assessment.id.clone();
    let a = head(&view, lang, au.actor().role.may_edit());
    let stored = view.answers.get(&n);
    let answer = stored.and_then(|s| s.answer.as_ref());
    let mark = answer.map(|x| x.mark());
    let (prev, _) = previous_marks(st, au, &view.assessment).await?;
    let review = reader
        .reviews(&aid)
        .await?
        .into_iter()
        .find(|r| r.item == n);
    let needs = mark
        .map(|m| review_gaps(m, review.as_ref()))
        .unwrap_or_default()
        .into_iter()
        .map(|g| g.name(lang))
        .collect();
    let form = entered.unwrap_or_else(|| {
        review
            .as_ref()
            .filter(|r| Some(r.mark) == mark)
            .map(review_form)
            .unwrap_or_default()
    });
    let today = kojo_app::today();
    let actions = reader
        .actions(&aid)
        .await?
        .into_iter()
        .filter(|r| r.item_no == i64::from(n))
        .map(|r| {
            let status = Some(r.status);
            let due = r.due.as_deref().and_then(kojo_domain::parse_date);
            ActionVm {
                id: r.id,
                overdue: status.is_some_and(ActionStatus::is_open)
                    && due.is_some_and(|d| d < today),
                status_key: status.map(ActionStatus::key).unwrap_or(""),
                status: status.map(|s| s.name(lang)).unwrap_or(""),
                statuses: ActionStatus::ALL
                    .iter()
                    .map(|s| OptVm {
                        value: s.key().into(),
                        text: s.name(lang).into(),
                        selected: Some(*s) == status,
                    })
                    .collect(),
                title: r.title,
                owner: r.owner.unwrap_or_default(),
                due: r.due.unwrap_or_default(),
                note: r.note.unwrap_or_default(),
                updated: format!("{} ({})", when(&r.updated_at, false), r.updated_by),
            }
        })
        .collect();
    let evidence = reader
        .evidence_list(&aid)
        .await?
        .into_iter()
        .filter(|e| e.item_no == i64::from(n))
        .map(|e| EvidenceVm {
            id: e.id,
            expired: e
                .valid_until
                .as_deref()
                .and_then(kojo_domain::parse_date)
                .is_some_and(|d| d < today),
            size: size(e.size),
            media_type: e.media_type,
            by: e.uploaded_by,
            at: when(&e.uploaded_at, false),
            valid_until: e.valid_until.unwrap_or_default(),
            name: e.name,
        })
        .collect();
    let draft = view.assessment.status == Status::Draft;
    let failed = error.is_some();
    let mut res = render(&ItemCyclePage {
        page: Page::new(&au.ctx, "sites"),
        n,
        condition: v.item.condition.get(lang),
        area: c.area(&v.item.area).map(|x| x.name.get(lang)).unwrap_or(""),
        mark: mark.map(|m| (m.key(), m.symbol(), m.name(lang))),
        prev: (!prev.is_empty()).then(|| prev.get(&n).map(|m| m.symbol()).unwrap_or("—")),
        answer: describe(answer.map(|x| x.to_raw()).as_ref(), lang),
        unconfirmed: !view.inherited(n)
            && stored.is_some_and(|s| !s.confirmed && s.answer.is_some()),
        inherited: view.inherited(n),
        residual: mark.is_some_and(Mark::is_residual_risk),
        deferred: mark == Some(Mark::Deferred),
        editable: a.editable && draft,
        can_act: au.actor().role.may_edit(),
        review: review.as_ref().map(|r| review_vm(r, mark, lang)),
        form,
        needs,
        actions,
        evidence,
        max_size: size(reader.evidence_max_bytes().await?),
        error,
        a,
    });
    if failed {
        *res.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(res)
}

pub async fn page(
    State(st): St,
    au: Authed,
    Path((id, item)): Path<(String, String)>,
) -> Result<Response, WebError> {
    let n = super::items::item_number(&st.app.reader(au.actor()), &item)?;
    item_page(&st, &au, &id, n, None, None).await
}

/// Records this cycle's review of the item.
pub async fn save(
    State(st): St,
    au: Authed,
    Path((id, item)): Path<(String, String)>,
    Form(f): Form<ReviewFormVm>,
) -> Result<Response, WebError> {
    let reader = st.app.reader(au.actor());
    let item_no = reader.item(&item).map_err(|_| WebError::NotFound)?;
    let a = reader.find(&id).await?;
    let editor = st.app.editor(au.actor()).ok_or(WebError::Forbidden)?;
    let some = |s: &String| Some(s.clone());
    let input = ReviewInput {
        valid: some(&f.valid),
        progress: some(&f.progress),
        progress_pct: some(&f.progress_pct),
        status: some(&f.status),
        target_date: some(&f.target_date),
        note: some(&f.note),
    };
    match editor.review(&a.id, item_no, &input).await {
        Ok(_) => Ok(Redirect::to(&format!(
            "/a/{}/items/{}/review#review",
            a.id,
            item_no.get()
        ))
        .into_response()),
        Err(e @ (AppError::BadInput { .. } | AppError::Locked { .. })) => {
            let msg = e.message(au.lang());
            item_page(&st, &au, &a.id, item_no.get(), Some(f), Some(msg)).await
        }
        Err(e) => Err(e.into()),
    }
}
