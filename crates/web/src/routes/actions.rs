//! Action plans (対策計画): adding an action to a □ △ × item and changing its status. Both are
//! allowed at every status of the assessment: an action plan is followed through the year.

use super::review::item_page;
use crate::AppState;
use crate::ctx::Authed;
use crate::error::WebError;
use axum::extract::{Form, Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use kojo_app::{AppError, parse_action_status};
use std::sync::Arc;

type St = State<Arc<AppState>>;

#[derive(serde::Deserialize)]
pub struct ActionForm {
    #[serde(default)]
    title: String,
    #[serde(default)]
    owner: String,
    #[serde(default)]
    due: String,
    #[serde(default)]
    note: String,
}

fn back(id: &str, item: i64) -> Response {
    Redirect::to(&format!("/a/{id}/items/{item}/review#actions")).into_response()
}

/// Adds an action to the item.
pub async fn add(
    State(st): St,
    au: Authed,
    Path((id, item)): Path<(String, String)>,
    Form(f): Form<ActionForm>,
) -> Result<Response, WebError> {
    let reader = st.app.reader(au.actor());
    let item_no = reader.item(&item).map_err(|_| WebError::NotFound)?;
    let a = reader.find(&id).await?;
    let editor = st.app.editor(au.actor()).ok_or(WebError::Forbidden)?;
    let opt = |s: &str| Some(s.to_string()).filter(|s| !s.trim().is_empty());
    match editor
        .add_action(
            &a.id,
            item_no,
            &f.title,
            opt(&f.owner).as_deref(),
            opt(&f.due).as_deref(),
            opt(&f.note).as_deref(),
        )
        .await
    {
        Ok(_) => Ok(back(&a.id, i64::from(item_no.get()))),
        Err(e @ AppError::BadInput { .. }) => {
            let msg = e.message(au.lang());
            item_page(&st, &au, &a.id, item_no.get(), None, Some(msg)).await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(serde::Deserialize)]
pub struct StatusForm {
    #[serde(default)]
    status: String,
    #[serde(default)]
    note: String,
}

/// Sets an action's status (with an optional note). The action must belong to the assessment
/// of the path: anything else is absent.
pub async fn set(
    State(st): St,
    au: Authed,
    Path((id, action)): Path<(String, String)>,
    Form(f): Form<StatusForm>,
) -> Result<Response, WebError> {
    let reader = st.app.reader(au.actor());
    let a = reader.find(&id).await?;
    let action_id: i64 = action.parse().map_err(|_| WebError::NotFound)?;
    let row = reader.action(action_id).await?;
    if row.assessment_id != a.id {
        return Err(WebError::NotFound);
    }
    let editor = st.app.editor(au.actor()).ok_or(WebError::Forbidden)?;
    let item = u16::try_from(row.item_no).map_err(|_| WebError::NotFound)?;
    let note = Some(f.note.as_str()).filter(|s| !s.trim().is_empty());
    let result = match parse_action_status(&f.status) {
        Ok(status) => editor.set_action(row.id, status, note).await.map(|_| ()),
        Err(e) => Err(e),
    };
    match result {
        Ok(()) => Ok(back(&a.id, row.item_no)),
        Err(e @ AppError::BadInput { .. }) => {
            let msg = e.message(au.lang());
            item_page(&st, &au, &a.id, item, None, Some(msg)).await
        }
        Err(e) => Err(e.into()),
    }
}
