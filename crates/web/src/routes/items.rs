//! One item of an assessment: its fragment (htmx), saving an answer with conflict detection,
//! and review comments.

use super::assessment::{FilterQuery, assessment_page, head, progress};
use super::item_view::{ItemCycle, ItemState, comment_rows, describe, item_vm, previous_marks};
use super::when;
use crate::AppState;
use crate::ctx::Authed;
use crate::error::WebError;
use crate::views::*;
use axum::extract::{Form, Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use kojo_app::{AppError, Editor, Reader};
use kojo_domain::{Field, Mark, RawAnswer};
use kojo_i18n::Lang;
use std::sync::Arc;

type St = State<Arc<AppState>>;

pub(crate) fn item_number(reader: &Reader<'_>, s: &str) -> Result<u16, WebError> {
    reader
        .item(s)
        .map(|i| i.get())
        .map_err(|_| WebError::NotFound)
}

async fn fragment(
    st: &AppState,
    au: &Authed,
    id: &str,
    n: u16,
    s: ItemState,
    compact: bool,
) -> Result<Response, WebError> {
    let reader = st.app.reader(au.actor());
    let view = reader.assessment(id).await?;
    let comments = reader.comments_of(&view).await?;
    let a = head(&view, au.lang(), au.actor().role.may_edit());
    let (prev, _) = previous_marks(st, au, &view.assessment).await?;
    let origin = reader.catalog_origin(&view).await?;
    let it = item_vm(
        &view,
        n,
        au.lang(),
        a.editable,
        (false, false),
        s,
        comment_rows(&comments, Some(n)),
        &ItemCycle {
            prev: &prev,
            back: String::new(),
            origin: origin.as_ref(),
            compact,
        },
    )
    .ok_or(WebError::NotFound)?;
    Ok(render(&ItemFragment {
        page: Page::new(&au.ctx, "sites"),
        a,
        it,
        progress: progress(&view.summary),
    }))
}

/// `view=compact`: the compact row; `mark=KEY`: the full form with that mark chosen (a compact
/// row opens so when a mark that needs fields is picked).
#[derive(serde::Deserialize, Default)]
pub struct ItemQuery {
    #[serde(default)]
    view: String,
    #[serde(default)]
    mark: String,
}

pub async fn get(
    State(st): St,
    a: Authed,
    Path((id, item)): Path<(String, String)>,
    Query(q): Query<ItemQuery>,
) -> Result<Response, WebError> {
    let reader = st.app.reader(a.actor());
    let n = item_number(&reader, &item)?;
    let mut state = ItemState::stored();
    if let Ok(m) = Mark::parse(&q.mark) {
        let view = reader.assessment(&id).await?;
        let mut raw = view
            .answers
            .get(&n)
            .and_then(|s| s.answer.as_ref())
            .map(|x| x.to_raw())
            .unwrap_or_default();
        raw.mark = Some(m.key().to_string());
        state.raw = Some(raw);
    }
    let compact = q.view == "compact" && state.raw.is_none();
    fragment(&st, &a, &id, n, state, compact).await
}

/// The item form as posted by the page.
#[derive(serde::Deserialize, Default)]
pub struct ItemForm {
    #[serde(default)]
    mark: String,
    #[serde(default)]
    alternative_flag: String,
    #[serde(default)]
    alternative: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    review_by: String,
    #[serde(default)]
    accepted_by: String,
    #[serde(default)]
    progress: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    target_date: String,
    #[serde(default)]
    na_reason: String,
    #[serde(default)]
    note: String,
    #[serde(default)]
    version: String,
    #[serde(default)]
    version_override: String,
    /// `compact`: the page shows compact rows; a saved item comes back as one.
    #[serde(default)]
    view: String,
}

impl ItemForm {
    /// The answer as entered. Fields of marks other than the chosen one are hidden in the form,
    /// so they are left out here (what the user sees is what is saved).
    fn raw(&self) -> RawAnswer {
        let o = |s: &str| Some(s.to_string()).filter(|s| !s.trim().is_empty());
        let mark = Mark::parse(&self.mark).ok();
        let keep = |f: Field| mark.is_some_and(|m| Field::for_mark(m).iter().any(|(x, _)| *x == f));
        let flagged = self.alternative_flag == "1";
        RawAnswer {
            mark: o(&self.mark),
            alternative_flagged: keep(Field::Alternative) && flagged,
            alternative: o(&self.alternative).filter(|_| keep(Field::Alternative) && flagged),
            reason: o(&self.reason).filter(|_| keep(Field::Reason)),
            review_by: o(&self.review_by).filter(|_| keep(Field::ReviewBy)),
            accepted_by: o(&self.accepted_by).filter(|_| keep(Field::AcceptedBy)),
            progress: o(&self.progress).filter(|_| keep(Field::Progress)),
            status: o(&self.status).filter(|_| keep(Field::Status)),
            target_date: o(&self.target_date).filter(|_| keep(Field::TargetDate)),
            na_reason: o(&self.na_reason).filter(|_| keep(Field::NaReason)),
            note: o(&self.note),
        }
    }
}

pub async fn save(
    State(st): St,
    au: Authed,
    headers: HeaderMap,
    Path((id, item)): Path<(String, String)>,
    Form(f): Form<ItemForm>,
) -> Result<Response, WebError> {
    let htmx = headers.contains_key("hx-request");
    let lang = au.lang();
    let reader = st.app.reader(au.actor());
    let item_no = reader.item(&item).map_err(|_| WebError::NotFound)?;
    let n = item_no.get();
    let a = reader.find(&id).await?;
    let editor: Editor<'_> = st.app.editor(au.actor()).ok_or(WebError::Forbidden)?;
    let version: i64 = f
        .version_override
        .parse()
        .or_else(|_| f.version.parse())
        .unwrap_or(0);
    let raw = f.raw();
    let state = match editor
        .answer(&a.id, item_no, Some(&raw), Some(version))
        .await
    {
        Ok(_) => ItemState {
            raw: None,
            errors: vec![],
            state: "saved",
            conflict: None,
            version: None,
        },
        Err(AppError::Invalid(errs)) => ItemState {
            errors: errs
                .0
                .iter()
                .map(|e| (e.field.key(), e.message(lang)))
                .collect(),
            raw: Some(raw),
            state: "error",
            conflict: None,
            version: Some(version),
        },
        Err(AppError::Conflict { current, .. }) => {
            let theirs = current
                .as_ref()
                .and_then(|c| c.answer.as_ref())
                .map(|a| a.to_raw());
            ItemState {
                conflict: Some(ConflictVm {
                    theirs: describe(theirs.as_ref(), lang),
                    by: current
                        .as_ref()
                        .map(|c| c.updated_by.clone())
                        .unwrap_or_default(),
                    at: current
                        .as_ref()
                        .map(|c| when(&c.updated_at, true))
                        .unwrap_or_default(),
                    version: current.as_ref().map(|c| c.version).unwrap_or(0),
                }),
                raw: Some(raw),
                errors: vec![],
                state: "conflict",
                version: Some(version),
            }
        }
        Err(e @ AppError::Locked { .. }) => {
            return Err(WebError::Bad {
                ja: e.message(Lang::Ja),
                en: e.message(Lang::En),
            });
        }
        Err(e) => return Err(e.into()),
    };
    let compact = f.view == "compact";
    if htmx {
        return fragment(&st, &au, &a.id, n, state, compact).await;
    }
    if state.state == "saved" {
        let view = if compact { "?view=compact" } else { "" };
        return Ok(Redirect::to(&format!("/a/{}{view}#item-{n}", a.id)).into_response());
    }
    let mut res = assessment_page(
        &st,
        &au,
        &a.id,
        &FilterQuery::in_view(&f.view),
        Some((n, state)),
        None,
    )
    .await?;
    *res.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    Ok(res)
}

#[derive(serde::Deserialize)]
pub struct CommentForm {
    #[serde(default)]
    item: String,
    body: String,
}

pub async fn comment_add(
    State(st): St,
    au: Authed,
    Path(id): Path<String>,
    Form(f): Form<CommentForm>,
) -> Result<Response, WebError> {
    let reader = st.app.reader(au.actor());
    let a = reader.find(&id).await?;
    let commenter = st.app.commenter(au.actor()).ok_or(WebError::Forbidden)?;
    let item = if f.item.trim().is_empty() {
        None
    } else {
        Some(reader.item(&f.item).map_err(|_| WebError::NotFound)?)
    };
    commenter.comment(&a.id, item, &f.body).await?;
    let anchor = item.map(|i| format!("#item-{i}")).unwrap_or_default();
    Ok(Redirect::to(&format!("/a/{}{anchor}", a.id)).into_response())
}
