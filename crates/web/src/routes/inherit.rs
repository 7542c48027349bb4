//! A line's items that follow its plant: make one the line's own (override), or put it back on
//! the plant's answer (inherit).

use super::assessment::FilterQuery;
use super::cycle::page_with_error;
use crate::AppState;
use crate::ctx::Authed;
use crate::error::WebError;
use axum::Form;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use kojo_app::AppError;
use kojo_domain::ItemNo;
use std::sync::Arc;

type St = State<Arc<AppState>>;

#[derive(serde::Deserialize)]
pub struct InheritForm {
    /// Item numbers separated by commas or spaces.
    #[serde(default)]
    items: String,
    /// The version of the line's own answer the page showed (one item only).
    #[serde(default)]
    version: Option<i64>,
    /// The filter of the page the form was on (a query string), to return to it.
    #[serde(default)]
    back: String,
}

fn items(st: &AppState, au: &Authed, f: &InheritForm) -> Result<Vec<ItemNo>, WebError> {
    let reader = st.app.reader(au.actor());
    // At most one entry per catalog item is meaningful; more is not a form kojo sends.
    f.items
        .split([',', ' '])
        .filter(|s| !s.is_empty())
        .take(st.app.catalog.items().count())
        .map(|s| reader.item(s).map_err(WebError::from))
        .collect()
}

/// Back to the page with its filter (parsed and written again: the redirect never goes
/// anywhere but this page), at the item.
fn back(id: &str, f: &InheritForm, items: &[ItemNo]) -> Response {
    let q: FilterQuery = serde_urlencoded::from_str(&f.back).unwrap_or_default();
    let query = serde_urlencoded::to_string(&q).unwrap_or_default();
    let anchor = match items {
        [one] => format!("#item-{}", one.get()),
        _ => String::new(),
    };
    Redirect::to(&format!("/a/{id}?{query}{anchor}")).into_response()
}

/// Which way an item goes.
#[derive(Clone, Copy)]
enum Way {
    /// ライン固有にする: the plant's current answer becomes the line's own.
    Override,
    /// 工場の回答に戻す: the item follows the plant's answer again.
    Inherit,
}

async fn switch(
    st: &AppState,
    au: &Authed,
    id: &str,
    f: &InheritForm,
    way: Way,
) -> Result<Response, WebError> {
    let a = st.app.reader(au.actor()).find(id).await?;
    let editor = st.app.editor(au.actor()).ok_or(WebError::Forbidden)?;
    let items = items(st, au, f)?;
    let done = match way {
        Way::Override => editor.override_items(&a.id, &items).await,
        Way::Inherit => {
            // The version the page showed counts for one item; otherwise each item's current.
            let version = if items.len() == 1 { f.version } else { None };
            let list: Vec<(ItemNo, Option<i64>)> = items.iter().map(|i| (*i, version)).collect();
            editor.inherit_items(&a.id, &list).await
        }
    };
    match done {
        Ok(_) => Ok(back(&a.id, f, &items)),
        Err(
            e @ (AppError::Locked { .. } | AppError::BadInput { .. } | AppError::Conflict { .. }),
        ) => page_with_error(st, au, &a.id, &e).await,
        Err(e) => Err(e.into()),
    }
}

/// ライン固有にする: the items take the plant's current answer as the line's own.
pub async fn override_items(
    State(st): St,
    au: Authed,
    Path(id): Path<String>,
    Form(f): Form<InheritForm>,
) -> Result<Response, WebError> {
    switch(&st, &au, &id, &f, Way::Override).await
}

/// 工場の回答に戻す: the items follow the plant's answers again.
pub async fn inherit_items(
    State(st): St,
    au: Authed,
    Path(id): Path<String>,
    Form(f): Form<InheritForm>,
) -> Result<Response, WebError> {
    switch(&st, &au, &id, &f, Way::Inherit).await
}
