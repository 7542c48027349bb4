//! 「提出受付」: an administrator uploads a supplier's `.kojo` package; kojo verifies the
//! signature against the supplier's registered key and every file hash, then files it as a
//! received, read-only assessment. A refusal shows why and stores nothing.

use super::submit::period_label;
use crate::AppState;
use crate::ctx::Authed;
use crate::error::WebError;
use crate::views::{Page, render};
use crate::views_exchange::*;
use axum::extract::{Multipart, State};
use axum::http::StatusCode;
use axum::response::Response;
use kojo_app::{AppError, MAX_PACKAGE_BYTES};
use kojo_i18n::tr;
use std::sync::Arc;

type St = State<Arc<AppState>>;

/// Room for the form's other fields and the multipart framing beside the package.
pub const FORM_OVERHEAD: usize = 64 * 1024;

async fn receive_page(
    st: &AppState,
    au: &Authed,
    result: Option<ReceivedResultVm>,
    error: Option<String>,
) -> Result<Response, WebError> {
    let admin = st.app.admin(au.actor()).ok_or(WebError::Forbidden)?;
    let suppliers = admin
        .suppliers()
        .await?
        .into_iter()
        .map(|s| (s.code, s.name))
        .collect();
    let failed = error.is_some();
    let mut res = render(&ReceivePage {
        page: Page::new(&au.ctx, "receive"),
        suppliers,
        max_mib: (MAX_PACKAGE_BYTES / (1024 * 1024)) as u64,
        result,
        error,
    });
    if failed {
        *res.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(res)
}

pub async fn page(State(st): St, au: Authed) -> Result<Response, WebError> {
    receive_page(&st, &au, None, None).await
}

pub async fn upload(State(st): St, au: Authed, mut mp: Multipart) -> Result<Response, WebError> {
    let admin = st.app.admin(au.actor()).ok_or(WebError::Forbidden)?;
    let lang = au.lang();
    let (mut package, mut company) = (Vec::new(), String::new());
    let mut over = false;
    while let Some(mut field) = mp.next_field().await.map_err(|_| WebError::TooLarge)? {
        match field.name().unwrap_or("") {
            "package" => {
                while let Some(chunk) = field.chunk().await.map_err(|_| WebError::TooLarge)? {
                    if package.len() + chunk.len() > MAX_PACKAGE_BYTES {
                        over = true;
                        break;
                    }
                    package.extend_from_slice(&chunk);
                }
            }
            "company" => company = field.text().await.map_err(|_| WebError::TooLarge)?,
            _ => {}
        }
        if over {
            break;
        }
    }
    if over {
        let e = tr(
            lang,
            "exchange.too_large",
            &[("max", &(MAX_PACKAGE_BYTES / (1024 * 1024)))],
        );
        return receive_page(&st, &au, None, Some(e)).await;
    }
    let expected = Some(company.trim()).filter(|c| !c.is_empty());
    match admin.receive(&package, expected).await {
        Ok(r) => {
            let period = period_label(r.period, lang);
            let message = match r.newer_revision {
                Some(current) if !r.current => tr(
                    lang,
                    "exchange.web.received_history",
                    &[
                        ("company", &r.company.code),
                        ("scope", &r.scope),
                        ("period", &period),
                        ("revision", &r.revision),
                        ("current", &current),
                    ],
                ),
                _ => tr(
                    lang,
                    "exchange.web.received",
                    &[
                        ("company", &r.company.code),
                        ("scope", &r.scope),
                        ("period", &period),
                        ("revision", &r.revision),
                    ],
                ),
            };
            let result = ReceivedResultVm {
                message,
                link: format!("/a/{}", r.assessment_id),
                current: r.current,
            };
            receive_page(&st, &au, Some(result), None).await
        }
        Err(AppError::Internal(d)) => Err(WebError::Internal(d)),
        Err(e) => receive_page(&st, &au, None, Some(e.message(lang))).await,
    }
}
