//! 「提出パッケージ作成」: an administrator holding the company's secret key packs an approved
//! revision into a signed `.kojo` package. The key file and passphrase are used for this request
//! only; nothing of them is stored.

use super::downloads::download;
use super::keys::key_vm;
use crate::AppState;
use crate::ctx::Authed;
use crate::error::WebError;
use crate::views::{OptVm, Page, render};
use crate::views_exchange::SubmitPage;
use axum::extract::{Multipart, Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use kojo_app::{AppError, SubmitOptions};
use kojo_domain::Status;
use kojo_i18n::{Lang, t, tr};
use std::sync::Arc;

type St = State<Arc<AppState>>;

/// The largest secret key file read (a minisign secret key file is about 350 bytes).
const MAX_KEY_BYTES: usize = 16 * 1024;

async fn submit_page(
    st: &AppState,
    au: &Authed,
    id: &str,
    error: Option<String>,
) -> Result<Response, WebError> {
    // An invisible assessment is absent (404) whatever the role; a visible one is 403 to all
    // but administrators.
    let view = st.app.reader(au.actor()).assessment(id).await?;
    let admin = st.app.admin(au.actor()).ok_or(WebError::Forbidden)?;
    let lang = au.lang();
    let a = &view.assessment;
    let status = a.status;
    let company = admin
        .companies()
        .await?
        .into_iter()
        .find(|c| c.id == a.org_id)
        .ok_or(WebError::NotFound)?;
    let key = admin
        .company_keys(Some(&company.code))
        .await?
        .iter()
        .find(|k| k.key.retired_at.is_none())
        .map(key_vm);
    let blocked = if a.received {
        Some(tr(
            lang,
            "exchange.received_read_only",
            &[("company", &company.code)],
        ))
    } else if status != Status::Approved {
        Some(tr(
            lang,
            "exchange.not_approved",
            &[("status", &status.name(lang))],
        ))
    } else if key.is_none() {
        Some(tr(lang, "exchange.web.no_key", &[("code", &company.code)]))
    } else {
        None
    };
    let failed = error.is_some();
    let mut res = render(&SubmitPage {
        page: Page::new(&au.ctx, "sites"),
        id: a.id.clone(),
        title: format!("{} · {}", super::scope(a), period_label(a.period, lang)),
        status: status.name(lang),
        revision: a.revision,
        blocked,
        key,
        langs: [Lang::Ja, Lang::En]
            .iter()
            .map(|l| OptVm {
                value: l.code().to_string(),
                text: t(*l, "exchange.web.lang_name").to_string(),
                selected: *l == lang,
            })
            .collect(),
        error,
    });
    if failed {
        *res.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(res)
}

/// `2026年度` / `FY2026`.
pub(crate) fn period_label(period: impl TryInto<u16>, lang: Lang) -> String {
    period
        .try_into()
        .ok()
        .and_then(kojo_domain::FiscalYear::new)
        .map(|f| f.label(lang))
        .unwrap_or_default()
}

pub async fn page(State(st): St, au: Authed, Path(id): Path<String>) -> Result<Response, WebError> {
    submit_page(&st, &au, &id, None).await
}

/// The form's fields.
#[derive(Default)]
struct SubmitForm {
    key: Vec<u8>,
    passphrase: String,
    with_evidence: bool,
    lang: Option<Lang>,
}

async fn read_form(mut mp: Multipart) -> Result<SubmitForm, WebError> {
    let mut f = SubmitForm::default();
    while let Some(mut field) = mp.next_field().await.map_err(|_| WebError::TooLarge)? {
        let name = field.name().unwrap_or("").to_string();
        if name == "key" {
            while let Some(chunk) = field.chunk().await.map_err(|_| WebError::TooLarge)? {
                if f.key.len() + chunk.len() > MAX_KEY_BYTES {
                    return Err(WebError::TooLarge);
                }
                f.key.extend_from_slice(&chunk);
            }
            continue;
        }
        let v = field.text().await.map_err(|_| WebError::TooLarge)?;
        match name.as_str() {
            "passphrase" => f.passphrase = v,
            "with_evidence" => f.with_evidence = v == "1",
            "lang" => f.lang = v.parse::<Lang>().ok(),
            _ => {}
        }
    }
    Ok(f)
}

pub async fn create(
    State(st): St,
    au: Authed,
    Path(id): Path<String>,
    mp: Multipart,
) -> Result<Response, WebError> {
    st.app.reader(au.actor()).assessment(&id).await?;
    let admin = st.app.admin(au.actor()).ok_or(WebError::Forbidden)?;
    let f = read_form(mp).await?;
    let secret = String::from_utf8(f.key).unwrap_or_default();
    let r = admin
        .submit(
            &id,
            SubmitOptions {
                secret_key: &secret,
                passphrase: &f.passphrase,
                with_evidence: f.with_evidence,
                lang: f.lang.unwrap_or(au.lang()),
            },
        )
        .await;
    match r {
        Ok(s) => {
            let a = &s.assessment;
            let mut name = format!("{}_{}", a.period, a.site_code);
            if let Some(l) = &a.line_code {
                name.push('_');
                name.push_str(l);
            }
            name.push_str(&format!("_r{}.kojo", a.revision));
            Ok(download(s.bytes, "application/zip", &name))
        }
        Err(e @ (AppError::NotFound { .. } | AppError::Forbidden)) => Err(e.into()),
        Err(AppError::Internal(d)) => Err(WebError::Internal(d)),
        Err(e) => submit_page(&st, &au, &id, Some(e.message(au.lang()))).await,
    }
}
