//! Importing a filled checksheet as a new assessment (all or nothing).

use super::current_fy;
use crate::AppState;
use crate::ctx::Authed;
use crate::error::WebError;
use crate::views::*;
use axum::extract::{Multipart, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use kojo_app::AppError;
use kojo_domain::FiscalYear;
use std::sync::Arc;

type St = State<Arc<AppState>>;

async fn import_form(
    st: &AppState,
    au: &Authed,
    errors: Vec<String>,
) -> Result<Response, WebError> {
    st.app.editor(au.actor()).ok_or(WebError::Forbidden)?;
    let sites = st.app.reader(au.actor()).sites().await?;
    let failed = !errors.is_empty();
    let mut res = render(&ImportPage {
        page: Page::new(&au.ctx, "import"),
        sites: sites
            .into_iter()
            .map(|s| SiteRow {
                code: s.code,
                name: s.name,
            })
            .collect(),
        default_period: current_fy(),
        errors,
    });
    if failed {
        *res.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(res)
}

pub async fn page(State(st): St, au: Authed) -> Result<Response, WebError> {
    import_form(&st, &au, vec![]).await
}

pub async fn upload(State(st): St, au: Authed, mut mp: Multipart) -> Result<Response, WebError> {
    let editor = st.app.editor(au.actor()).ok_or(WebError::Forbidden)?;
    let (mut site, mut line, mut period, mut file) =
        (String::new(), String::new(), String::new(), None);
    loop {
        match mp.next_field().await {
            Ok(Some(field)) => {
                let name = field.name().unwrap_or("").to_string();
                match name.as_str() {
                    "file" => file = Some(field.bytes().await.map_err(|_| WebError::TooLarge)?),
                    other => {
                        let v = field.text().await.map_err(|_| WebError::TooLarge)?;
                        match other {
                            "site" => site = v,
                            "line" => line = v,
                            "period" => period = v,
                            _ => {}
                        }
                    }
                }
            }
            Ok(None) => break,
            Err(_) => return Err(WebError::TooLarge),
        }
    }
    let lang = au.lang();
    let period = match FiscalYear::parse(&period) {
        Ok(p) => p,
        Err(e) => return import_form(&st, &au, vec![e.message(lang)]).await,
    };
    let bytes = file.unwrap_or_default();
    // The version the checksheet names (the current one first, for the refusal's wording).
    let mut catalogs = vec![st.app.catalog];
    catalogs.extend(st.app.catalogs().filter(|c| c.id != st.app.catalog.id));
    let parsed = tokio::task::spawn_blocking(move || kojo_xlsx::import_any(&bytes, &catalogs))
        .await
        .map_err(|e| WebError::Internal(e.to_string()))?;
    let sheet = match parsed {
        Ok(sheet) => sheet,
        Err(errs) => {
            let msgs = errs
                .errors()
                .iter()
                .map(|e| format!("{}: {}", e.location(), e.message(lang)))
                .collect();
            return import_form(&st, &au, msgs).await;
        }
    };
    let line = Some(line.as_str()).filter(|l| !l.trim().is_empty());
    match editor.import(&sheet, &site, line, period).await {
        Ok(a) => Ok(Redirect::to(&format!("/a/{}", a.id)).into_response()),
        Err(e @ (AppError::BadInput { .. } | AppError::NotFound { .. })) => {
            import_form(&st, &au, vec![e.message(lang)]).await
        }
        Err(e) => Err(e.into()),
    }
}
