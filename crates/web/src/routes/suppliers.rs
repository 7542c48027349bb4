//! Suppliers and receipt tracking: per fiscal year, who has submitted, when, which revision,
//! who is missing (with a reminder to copy into a letter or e-mail); administrators register
//! suppliers and their new keys.

use super::{current_fy, when};
use crate::AppState;
use crate::ctx::Authed;
use crate::error::WebError;
use crate::views::{OptVm, Page, render};
use crate::views_exchange::*;
use axum::extract::{Form, Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use kojo_app::AppError;
use kojo_domain::FiscalYear;
use kojo_i18n::tr;
use std::sync::Arc;

type St = State<Arc<AppState>>;

#[derive(serde::Deserialize, Default)]
pub struct StatusQuery {
    #[serde(default)]
    period: Option<String>,
}

/// How many fiscal years back the period list offers.
const YEARS_BACK: u16 = 5;

async fn suppliers_page(
    st: &AppState,
    au: &Authed,
    period: u16,
    error: Option<String>,
    notice: Option<String>,
) -> Result<Response, WebError> {
    let lang = au.lang();
    let rows = st
        .app
        .reader(au.actor())
        .supplier_status(i64::from(period))
        .await?;
    let rows: Vec<SupplierVm> = rows
        .into_iter()
        .map(|s| SupplierVm {
            letter: if s.submitted {
                String::new()
            } else {
                tr(
                    lang,
                    "exchange.missing_letter",
                    &[("name", &s.name), ("period", &period)],
                )
                .trim_end()
                .to_string()
            },
            received: s
                .received
                .iter()
                .map(|r| ReceivedVm {
                    scope: match &r.line_code {
                        Some(l) => format!("{} / {l}", r.site_code),
                        None => r.site_code.clone(),
                    },
                    revision: r.revision,
                    at: when(&r.received_at, false),
                    link: format!("/a/{}", r.assessment_id),
                })
                .collect(),
            last: s
                .last_received_at
                .as_deref()
                .map(|t| when(t, false))
                .unwrap_or_default(),
            code: s.code,
            name: s.name,
            submitted: s.submitted,
        })
        .collect();
    let now = current_fy();
    let periods = (0..=YEARS_BACK)
        .map(|back| {
            let y = now.saturating_sub(back);
            OptVm {
                value: y.to_string(),
                text: FiscalYear::new(y)
                    .map(|f| f.label(lang))
                    .unwrap_or_default(),
                selected: y == period,
            }
        })
        .collect();
    let failed = error.is_some();
    let mut res = render(&SuppliersPage {
        page: Page::new(&au.ctx, "suppliers"),
        periods,
        missing: rows.iter().filter(|r| !r.submitted).count(),
        rows,
        error,
        notice,
    });
    if failed {
        *res.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(res)
}

pub async fn page(
    State(st): St,
    au: Authed,
    Query(q): Query<StatusQuery>,
) -> Result<Response, WebError> {
    let period = match q.period.as_deref().filter(|p| !p.trim().is_empty()) {
        None => current_fy(),
        Some(p) => FiscalYear::parse(p)
            .map_err(|e| WebError::Bad {
                ja: e.message(kojo_i18n::Lang::Ja),
                en: e.message(kojo_i18n::Lang::En),
            })?
            .year(),
    };
    suppliers_page(&st, &au, period, None, None).await
}

#[derive(serde::Deserialize)]
pub struct AddForm {
    code: String,
    name: String,
    public_key: String,
}

pub async fn add(State(st): St, au: Authed, Form(f): Form<AddForm>) -> Result<Response, WebError> {
    let admin = st.app.admin(au.actor()).ok_or(WebError::Forbidden)?;
    match admin.add_supplier(&f.code, &f.name, &f.public_key).await {
        Ok((org, key)) => {
            let notice = tr(
                au.lang(),
                "exchange.web.supplier_added",
                &[
                    ("code", &org.code),
                    ("key", &key.key.key_id),
                    ("fingerprint", &key.fingerprint),
                ],
            );
            suppliers_page(&st, &au, current_fy(), None, Some(notice)).await
        }
        Err(AppError::Internal(d)) => Err(WebError::Internal(d)),
        Err(e) => suppliers_page(&st, &au, current_fy(), Some(e.message(au.lang())), None).await,
    }
}

#[derive(serde::Deserialize)]
pub struct KeyForm {
    public_key: String,
}

pub async fn key_add(
    State(st): St,
    au: Authed,
    Path(code): Path<String>,
    Form(f): Form<KeyForm>,
) -> Result<Response, WebError> {
    let admin = st.app.admin(au.actor()).ok_or(WebError::Forbidden)?;
    match admin.add_supplier_key(&code, &f.public_key).await {
        Ok(key) => {
            let notice = tr(
                au.lang(),
                "exchange.cli_supplier_key",
                &[("code", &key.key.org_code), ("key", &key.key.key_id)],
            );
            suppliers_page(&st, &au, current_fy(), None, Some(notice)).await
        }
        Err(AppError::Internal(d)) => Err(WebError::Internal(d)),
        Err(e @ AppError::NotFound { .. }) => Err(e.into()),
        Err(e) => suppliers_page(&st, &au, current_fy(), Some(e.message(au.lang())), None).await,
    }
}
