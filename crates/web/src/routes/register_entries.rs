//! One entry of a register: its values and history, editing (every field of the form; an
//! edit of an older version is refused with the reason) and retiring (kept with its history).

use super::registers::{bad, values};
use super::when;
use crate::AppState;
use crate::ctx::Authed;
use crate::error::WebError;
use crate::views::{Page, render};
use crate::views_registers::{ChangeVm, EntryPage};
use crate::views_registers::{field_vms, shown};
use axum::extract::{Form, Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use kojo_app::registers::register_kind;
use kojo_i18n::tr;
use std::sync::Arc;

type St = State<Arc<AppState>>;

pub(crate) async fn entry_page(
    st: &AppState,
    au: &Authed,
    code: &str,
    entry: &str,
    error: Option<String>,
) -> Result<Response, WebError> {
    let reader = st.app.reader(au.actor());
    let lang = au.lang();
    let site = reader.site(code).await?;
    let (e, history) = reader.register_entry(&site.code, entry).await?;
    let k = register_kind(&e.kind).map_err(|_| WebError::NotFound)?;
    let parse = |s: &Option<String>| -> std::collections::BTreeMap<String, String> {
        s.as_deref()
            .and_then(|j| serde_json::from_str(j).ok())
            .unwrap_or_default()
    };
    let history = history
        .into_iter()
        .rev()
        .map(|c| {
            let (old, new) = (parse(&c.old_data), parse(&c.new_data));
            let diffs = k
                .fields
                .iter()
                .filter_map(|f| {
                    let (a, b) = (old.get(&f.id), new.get(&f.id));
                    (a != b).then(|| {
                        let s =
                            |v: Option<&String>| v.map(|v| shown(f, v, lang)).unwrap_or_default();
                        (f.name.get(lang).to_string(), s(a), s(b))
                    })
                })
                .collect();
            ChangeVm {
                version: c.version,
                change: tr(lang, &format!("web.register.change.{}", c.change), &[]),
                at: when(&c.changed_at, false),
                by: c.changed_by,
                diffs,
            }
        })
        .collect();
    let res = render(&EntryPage {
        page: Page::new(&au.ctx, "sites"),
        code: site.code.clone(),
        site_name: site.name.clone(),
        kind: k.id.clone(),
        kind_name: k.name.get(lang).to_string(),
        id: e.id.clone(),
        key: e.entry_key.clone(),
        retired: e.retired,
        version: e.version,
        fields: field_vms(k, Some(&e.data), lang),
        history,
        error: error.clone(),
    });
    Ok(super::sites::with_error(res, &error))
}

/// One entry with its history and the edit form.
pub async fn entry(
    State(st): St,
    au: Authed,
    Path((code, kind, entry)): Path<(String, String, String)>,
) -> Result<Response, WebError> {
    let _ = register_kind(&kind).map_err(|_| WebError::NotFound)?;
    entry_page(&st, &au, &code, &entry, None).await
}

fn version_of(form: &[(String, String)]) -> i64 {
    form.iter()
        .find(|(k, _)| k == "version")
        .and_then(|(_, v)| v.trim().parse().ok())
        .unwrap_or(-1)
}

/// Changes an entry (every field of the form; an empty one clears the field).
pub async fn edit(
    State(st): St,
    au: Authed,
    Path((code, kind, entry)): Path<(String, String, String)>,
    Form(form): Form<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    let _ = register_kind(&kind).map_err(|_| WebError::NotFound)?;
    let site = st.app.reader(au.actor()).site(&code).await?;
    let editor = st.app.editor(au.actor()).ok_or(WebError::Forbidden)?;
    let version = version_of(&form);
    match editor
        .edit_entry(&site.code, &entry, version, &values(form))
        .await
    {
        Ok(_) => Ok(Redirect::to(&format!(
            "/sites/{}/registers/{kind}/entries/{entry}",
            site.code
        ))
        .into_response()),
        Err(e) if bad(&e) => {
            let msg = e.message(au.lang());
            entry_page(&st, &au, &site.code, &entry, Some(msg)).await
        }
        Err(e) => Err(e.into()),
    }
}

/// Retires an entry (kept with its history).
pub async fn retire(
    State(st): St,
    au: Authed,
    Path((code, kind, entry)): Path<(String, String, String)>,
    Form(form): Form<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    let _ = register_kind(&kind).map_err(|_| WebError::NotFound)?;
    let site = st.app.reader(au.actor()).site(&code).await?;
    let editor = st.app.editor(au.actor()).ok_or(WebError::Forbidden)?;
    match editor
        .retire_entry(&site.code, &entry, version_of(&form))
        .await
    {
        Ok(_) => {
            Ok(Redirect::to(&format!("/sites/{}/registers/{kind}", site.code)).into_response())
        }
        Err(e) if bad(&e) => {
            let msg = e.message(au.lang());
            entry_page(&st, &au, &site.code, &entry, Some(msg)).await
        }
        Err(e) => Err(e.into()),
    }
}
