//! The import wizard of a register: upload → mapping → preview → apply. The uploaded file is
//! kept in the database between the steps (any instance can serve the next one) and only its
//! uploader continues; nothing is written before "apply", and then all or nothing.

use super::registers::list_page;
use crate::AppState;
use crate::ctx::Authed;
use crate::error::WebError;
use crate::views::{Page, render};
use crate::views_registers::{ImportPage, MapVm};
use axum::extract::{Form, Multipart, Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use kojo_app::AppError;
use kojo_app::register_import::{ImportOptions, candidate_header};
use kojo_app::registers::register_kind;
use kojo_xlsx::ledger::CsvEncoding;
use std::sync::Arc;

type St = State<Arc<AppState>>;

/// The wizard's choices: `col{N}` = field id (or empty: ignore), key, sync, encoding.
#[derive(Debug, Default)]
pub struct Choices {
    map: Vec<(usize, String)>,
    key: String,
    sync: bool,
    encoding: String,
}

impl Choices {
    fn from_pairs(pairs: &[(String, String)]) -> Choices {
        let mut c = Choices::default();
        for (k, v) in pairs {
            match k.as_str() {
                "key" => c.key = v.trim().to_string(),
                "sync" => c.sync = v == "1" || v == "on" || v == "true",
                "encoding" => c.encoding = v.trim().to_string(),
                k => {
                    if let Some(i) = k.strip_prefix("col").and_then(|i| i.parse().ok()) {
                        c.map.push((i, v.trim().to_string()));
                    }
                }
            }
        }
        c
    }

    fn encoding(&self) -> Option<CsvEncoding> {
        CsvEncoding::parse(&self.encoding)
    }
}

/// The first step: choose a file.
pub async fn form(
    State(st): St,
    au: Authed,
    Path((code, kind)): Path<(String, String)>,
) -> Result<Response, WebError> {
    let site = st.app.reader(au.actor()).site(&code).await?;
    let k = register_kind(&kind).map_err(|_| WebError::NotFound)?;
    st.app.editor(au.actor()).ok_or(WebError::Forbidden)?;
    Ok(render(&ImportPage {
        page: Page::new(&au.ctx, "sites"),
        code: site.code,
        site_name: site.name,
        kind: k.id.clone(),
        kind_name: k.name.get(au.lang()).to_string(),
        upload: None,
        file_name: String::new(),
        fields: Vec::new(),
        columns: Vec::new(),
        key: String::new(),
        sync: false,
        encoding: String::new(),
        counts: None,
        error: None,
    }))
}

/// Receives the file, keeps it, and goes on to the mapping and preview.
pub async fn upload(
    State(st): St,
    au: Authed,
    Path((code, kind)): Path<(String, String)>,
    mut mp: Multipart,
) -> Result<Response, WebError> {
    let site = st.app.reader(au.actor()).site(&code).await?;
    let editor = st.app.editor(au.actor()).ok_or(WebError::Forbidden)?;
    let k = register_kind(&kind).map_err(|_| WebError::NotFound)?;
    let (mut file, mut name) = (None, String::new());
    loop {
        match mp.next_field().await {
            Ok(Some(field)) if field.name() == Some("file") => {
                name = field.file_name().unwrap_or("").to_string();
                file = Some(field.bytes().await.map_err(|_| WebError::TooLarge)?);
            }
            Ok(Some(_)) => {}
            Ok(None) => break,
            Err(_) => return Err(WebError::TooLarge),
        }
    }
    let bytes = file.map(|b| b.to_vec()).unwrap_or_default();
    match editor
        .stage_register_upload(&site.code, &k.id, &name, bytes)
        .await
    {
        Ok(id) => Ok(Redirect::to(&format!(
            "/sites/{}/registers/{}/import/{id}",
            site.code, k.id
        ))
        .into_response()),
        Err(e @ AppError::BadInput { .. }) => {
            let msg = e.message(au.lang());
            list_page(&st, &au, &site.code, &k.id, &Default::default(), Some(msg)).await
        }
        Err(e) => Err(e.into()),
    }
}

async fn step(
    st: &AppState,
    au: &Authed,
    code: &str,
    kind: &str,
    upload: &str,
    choices: &Choices,
    apply: bool,
) -> Result<Response, WebError> {
    let site = st.app.reader(au.actor()).site(code).await?;
    let editor = st.app.editor(au.actor()).ok_or(WebError::Forbidden)?;
    let k = register_kind(kind).map_err(|_| WebError::NotFound)?;
    let lang = au.lang();
    let (file_name, grid) = editor
        .staged_upload(&site.code, &k.id, upload, choices.encoding())
        .await?;
    let headers = candidate_header(&grid);
    let map: Vec<(String, String)> = choices
        .map
        .iter()
        .filter(|(_, f)| !f.is_empty())
        .filter_map(|(i, f)| headers.get(*i).map(|h| (h.clone(), f.clone())))
        .collect();
    let opts = ImportOptions {
        map,
        key: Some(choices.key.clone()).filter(|k| !k.is_empty()),
        sync: choices.sync,
        dry_run: !apply,
    };
    let result = if apply {
        editor
            .import_upload(&site.code, &k.id, upload, choices.encoding(), &opts)
            .await
    } else {
        editor.import_register(&site.code, &k.id, grid, &opts).await
    };
    let (plan, error) = match result {
        Ok(plan) if apply => {
            let _ = plan;
            return Ok(
                Redirect::to(&format!("/sites/{}/registers/{}", site.code, k.id)).into_response(),
            );
        }
        Ok(plan) => (Some(plan), None),
        Err(e @ AppError::BadInput { .. }) => (None, Some(e.message(lang))),
        Err(e) => return Err(e.into()),
    };
    // The columns as mapped: the plan's (found header) or the candidate row's with the choices.
    let columns: Vec<MapVm> = match &plan {
        Some(p) => p
            .columns
            .iter()
            .enumerate()
            .map(|(index, (header, field))| MapVm {
                index,
                header: header.clone(),
                field: field.clone().unwrap_or_default(),
            })
            .collect(),
        None => headers
            .iter()
            .enumerate()
            .map(|(index, header)| MapVm {
                index,
                header: header.clone(),
                field: choices
                    .map
                    .iter()
                    .find(|(i, _)| *i == index)
                    .map(|(_, f)| f.clone())
                    .or_else(|| kojo_app::registers::field_named(k, header).map(|f| f.id.clone()))
                    .unwrap_or_default(),
            })
            .collect(),
    };
    let page = ImportPage {
        page: Page::new(&au.ctx, "sites"),
        code: site.code.clone(),
        site_name: site.name.clone(),
        kind: k.id.clone(),
        kind_name: k.name.get(lang).to_string(),
        upload: Some(upload.to_string()),
        file_name,
        fields: k
            .fields
            .iter()
            .map(|f| (f.id.clone(), f.name.get(lang).to_string()))
            .collect(),
        columns,
        key: choices.key.clone(),
        sync: choices.sync,
        encoding: choices.encoding.clone(),
        counts: plan
            .as_ref()
            .map(|p| [p.inserted, p.updated, p.unchanged, p.retired, p.header_row]),
        error: error.clone(),
    };
    Ok(super::sites::with_error(render(&page), &error))
}

/// The mapping and the preview (nothing written).
pub async fn preview(
    State(st): St,
    au: Authed,
    Path((code, kind, upload)): Path<(String, String, String)>,
    Query(pairs): Query<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    step(
        &st,
        &au,
        &code,
        &kind,
        &upload,
        &Choices::from_pairs(&pairs),
        false,
    )
    .await
}

/// Applies the import as previewed.
pub async fn apply(
    State(st): St,
    au: Authed,
    Path((code, kind, upload)): Path<(String, String, String)>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    step(
        &st,
        &au,
        &code,
        &kind,
        &upload,
        &Choices::from_pairs(&pairs),
        true,
    )
    .await
}
