//! API tokens of the signed-in user: list, create (shown once), revoke.

use super::when;
use crate::AppState;
use crate::ctx::Authed;
use crate::error::WebError;
use crate::views::{Page, render};
use crate::views_exchange::{TokenVm, TokensPage};
use axum::extract::{Form, Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use kojo_app::{AppError, Scope};
use kojo_i18n::{t, tr};
use std::sync::Arc;

type St = State<Arc<AppState>>;

async fn tokens_page(
    st: &AppState,
    au: &Authed,
    created: Option<String>,
    error: Option<String>,
    notice: Option<String>,
) -> Result<Response, WebError> {
    let lang = au.lang();
    let tokens = st
        .app
        .reader(au.actor())
        .my_tokens()
        .await?
        .into_iter()
        .map(|k| {
            let state = kojo_app::token_state(&k);
            TokenVm {
                active: state == "token.active",
                state: t(lang, state),
                created: when(&k.created_at, false),
                expires: k
                    .expires_at
                    .as_deref()
                    .map(|e| when(e, false))
                    .unwrap_or_default(),
                last_used: k
                    .last_used_at
                    .as_deref()
                    .map(|e| when(e, false))
                    .unwrap_or_else(|| t(lang, "token.never").to_string()),
                id: k.id,
                name: k.name,
                scope: k.scope,
            }
        })
        .collect();
    let failed = error.is_some();
    let mut res = render(&TokensPage {
        page: Page::new(&au.ctx, "tokens"),
        tokens,
        created,
        error,
        notice,
    });
    if failed {
        *res.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(res)
}

pub async fn page(State(st): St, au: Authed) -> Result<Response, WebError> {
    tokens_page(&st, &au, None, None, None).await
}

#[derive(serde::Deserialize)]
pub struct CreateForm {
    name: String,
    scope: String,
    #[serde(default)]
    expires: String,
}

pub async fn create(
    State(st): St,
    au: Authed,
    Form(f): Form<CreateForm>,
) -> Result<Response, WebError> {
    let lang = au.lang();
    let expires = match f.expires.trim() {
        "" => Ok(None),
        d => d.parse::<chrono::NaiveDate>().map(Some).map_err(|_| {
            AppError::bad(
                "cycle.bad_date",
                &[("field", &t(lang, "token.web.expires")), ("given", &d)],
            )
        }),
    };
    let r = match (Scope::parse(&f.scope), expires) {
        (Ok(scope), Ok(expires)) => {
            st.app
                .reader(au.actor())
                .create_token(&f.name, scope, expires)
                .await
        }
        (Err(e), _) | (_, Err(e)) => Err(e),
    };
    match r {
        Ok(new) => tokens_page(&st, &au, Some(new.token), None, None).await,
        Err(AppError::Internal(d)) => Err(WebError::Internal(d)),
        Err(e) => tokens_page(&st, &au, None, Some(e.message(lang)), None).await,
    }
}

pub async fn revoke(
    State(st): St,
    au: Authed,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    // Only one's own tokens here (administrators revoke others' on the command line).
    let mine = st.app.reader(au.actor()).my_tokens().await?;
    if !mine.iter().any(|k| k.id == id) {
        return Err(WebError::NotFound);
    }
    let k = st.app.reader(au.actor()).revoke_token(&id).await?;
    let notice = tr(au.lang(), "token.revoked", &[("id", &k.id)]);
    tokens_page(&st, &au, None, None, Some(notice)).await
}
