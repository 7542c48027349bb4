//! Registers (台帳) of a plant: the overview, one register paged with search, filters and
//! sort, adding, editing and retiring entries with their history, reviews (棚卸) and exports.
//! Registers follow plant grants exactly like answers: reading through the reader's handle,
//! changing through the editor's; an invisible plant is absent.

use crate::AppState;
use crate::ctx::Authed;
use crate::error::WebError;
use crate::views::{Page, render};
use crate::views_registers::*;
use axum::extract::{Form, Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use kojo_app::registers::{LedgerFormat, register_kind, registers};
use kojo_app::{AppError, EntryQuery};
use kojo_catalog::registers::FieldType;
use kojo_i18n::{t, tr};
use std::sync::Arc;

type St = State<Arc<AppState>>;

/// Entries per page.
const PAGE_SIZE: i64 = 50;

/// `/sites/{code}/registers`: every register of the plant with its size and last review.
pub async fn index(
    State(st): St,
    au: Authed,
    Path(code): Path<String>,
) -> Result<Response, WebError> {
    let reader = st.app.reader(au.actor());
    let site = reader.site(&code).await?;
    let lang = au.lang();
    let reviews = reader.register_reviews(&site.code, None).await?;
    let mut kinds = Vec::new();
    for k in &registers()?.kinds {
        let q = EntryQuery {
            limit: 1,
            ..Default::default()
        };
        let (_, _, total) = reader.register_page(&site.code, &k.id, &q).await?;
        kinds.push(KindRowVm {
            id: k.id.clone(),
            name: k.name.get(lang).to_string(),
            items: items_of(k),
            entries: total,
            last_review: reviews
                .iter()
                .find(|r| r.kind == k.id)
                .map(|r| r.reviewed_on.clone())
                .unwrap_or_else(|| t(lang, "web.register.never").to_string()),
        });
    }
    Ok(render(&RegistersPage {
        page: Page::new(&au.ctx, "sites"),
        code: site.code,
        name: site.name,
        kinds,
    }))
}

#[derive(serde::Deserialize, Default)]
pub struct ListQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    sort: String,
    #[serde(default)]
    desc: bool,
    #[serde(default)]
    page: i64,
    #[serde(default)]
    retired: bool,
    /// `field:value` filters on enum fields.
    #[serde(default)]
    filter: String,
}

fn list_link(
    code: &str,
    kind: &str,
    q: &ListQuery,
    page: i64,
    sort: Option<(&str, bool)>,
) -> String {
    let (s, d) = sort.unwrap_or((&q.sort, q.desc));
    let mut pairs = vec![("page", page.to_string())];
    for (k, v) in [
        ("q", q.q.as_str()),
        ("sort", s),
        ("filter", q.filter.as_str()),
    ] {
        if !v.is_empty() {
            pairs.push((k, v.to_string()));
        }
    }
    if d {
        pairs.push(("desc", "true".into()));
    }
    if q.retired {
        pairs.push(("retired", "true".into()));
    }
    let query = serde_urlencoded::to_string(&pairs).unwrap_or_default();
    format!("/sites/{code}/registers/{kind}?{query}")
}

pub(crate) async fn list_page(
    st: &AppState,
    au: &Authed,
    code: &str,
    kind: &str,
    lq: &ListQuery,
    error: Option<String>,
) -> Result<Response, WebError> {
    let reader = st.app.reader(au.actor());
    let lang = au.lang();
    let k = register_kind(kind).map_err(|_| WebError::NotFound)?;
    let equals: Vec<(String, String)> = lq
        .filter
        .split_once(':')
        .filter(|(f, v)| !v.is_empty() && k.field(f).is_some_and(|f| f.ty == FieldType::Enum))
        .map(|(f, v)| vec![(f.to_string(), v.to_string())])
        .unwrap_or_default();
    let page_no = lq.page.max(0);
    let q = EntryQuery {
        retired: lq.retired,
        search: Some(lq.q.trim().to_string()).filter(|s| !s.is_empty()),
        equals,
        sort: Some(lq.sort.clone()).filter(|s| k.field(s).is_some()),
        desc: lq.desc,
        offset: page_no * PAGE_SIZE,
        limit: PAGE_SIZE,
    };
    let (site, rows, total) = reader.register_page(code, &k.id, &q).await?;
    let reviews = reader.register_reviews(&site.code, Some(&k.id)).await?;
    let columns = k
        .fields
        .iter()
        .map(|f| {
            let on = lq.sort == f.id;
            ColVm {
                id: f.id.clone(),
                name: f.name.get(lang).to_string(),
                sorted: match (on, lq.desc) {
                    (false, _) => "none",
                    (true, false) => "ascending",
                    (true, true) => "descending",
                },
                sort_link: list_link(&site.code, &k.id, lq, 0, Some((&f.id, on && !lq.desc))),
            }
        })
        .collect();
    let first = page_no * PAGE_SIZE;
    let shown_range = if rows.is_empty() {
        tr(lang, "web.register.shown_none", &[("total", &total)])
    } else {
        tr(
            lang,
            "web.register.shown",
            &[
                ("from", &(first + 1)),
                ("to", &(first + rows.len() as i64)),
                ("total", &total),
            ],
        )
    };
    let res = render(&RegisterPage {
        page: Page::new(&au.ctx, "sites"),
        code: site.code.clone(),
        site_name: site.name.clone(),
        kind: k.id.clone(),
        kind_name: k.name.get(lang).to_string(),
        items: items_of(k),
        columns,
        rows: rows
            .iter()
            .map(|e| EntryRowVm {
                id: e.id.clone(),
                key: e.entry_key.clone(),
                cells: k
                    .fields
                    .iter()
                    .map(|f| {
                        e.data
                            .get(&f.id)
                            .map(|v| shown(f, v, lang))
                            .unwrap_or_default()
                    })
                    .collect(),
            })
            .collect(),
        total,
        shown: shown_range,
        q: lq.q.clone(),
        retired: lq.retired,
        filters: k
            .fields
            .iter()
            .filter(|f| f.ty == FieldType::Enum)
            .map(|f| FilterVm {
                id: f.id.clone(),
                name: f.name.get(lang).to_string(),
                choices: f
                    .values
                    .iter()
                    .map(|c| (format!("{}:{}", f.id, c.id), c.label(lang).to_string()))
                    .collect(),
                selected: lq.filter.clone(),
            })
            .collect(),
        prev: (page_no > 0).then(|| list_link(&site.code, &k.id, lq, page_no - 1, None)),
        next: (first + (rows.len() as i64) < total)
            .then(|| list_link(&site.code, &k.id, lq, page_no + 1, None)),
        fields: field_vms(k, None, lang),
        reviews: reviews
            .into_iter()
            .map(|r| ReviewVm {
                date: r.reviewed_on,
                reviewer: r.reviewer,
                note: r.note.unwrap_or_default(),
                entries: r.entries,
                hash: r.entries_hash.chars().take(12).collect(),
            })
            .collect(),
        today: kojo_app::today().format("%Y-%m-%d").to_string(),
        error: error.clone(),
    });
    Ok(super::sites::with_error(res, &error))
}

/// `/sites/{code}/registers/{kind}`: one page of the register.
pub async fn list(
    State(st): St,
    au: Authed,
    Path((code, kind)): Path<(String, String)>,
    Query(q): Query<ListQuery>,
) -> Result<Response, WebError> {
    list_page(&st, &au, &code, &kind, &q, None).await
}

/// The form's field values: everything but the CSRF token and the version.
pub(crate) fn values(form: Vec<(String, String)>) -> Vec<(String, String)> {
    form.into_iter()
        .filter(|(k, _)| !k.starts_with('_') && k != "version")
        .collect()
}

pub(crate) fn bad(e: &AppError) -> bool {
    matches!(
        e,
        AppError::BadInput { .. } | AppError::Duplicate { .. } | AppError::Conflict { .. }
    )
}

/// Adds an entry.
pub async fn add(
    State(st): St,
    au: Authed,
    Path((code, kind)): Path<(String, String)>,
    Form(form): Form<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    let site = st.app.reader(au.actor()).site(&code).await?;
    let editor = st.app.editor(au.actor()).ok_or(WebError::Forbidden)?;
    let k = register_kind(&kind).map_err(|_| WebError::NotFound)?;
    match editor
        .add_entry(&site.code, &k.id, None, &values(form))
        .await
    {
        Ok(e) => Ok(Redirect::to(&format!(
            "/sites/{}/registers/{}/entries/{}",
            site.code, k.id, e.id
        ))
        .into_response()),
        Err(e) if bad(&e) => {
            let msg = e.message(au.lang());
            list_page(
                &st,
                &au,
                &site.code,
                &k.id,
                &ListQuery::default(),
                Some(msg),
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(serde::Deserialize)]
pub struct ReviewForm {
    #[serde(default)]
    reviewer: String,
    #[serde(default)]
    date: String,
    #[serde(default)]
    note: String,
}

/// Records a review (棚卸) of the register.
pub async fn review(
    State(st): St,
    au: Authed,
    Path((code, kind)): Path<(String, String)>,
    Form(f): Form<ReviewForm>,
) -> Result<Response, WebError> {
    let site = st.app.reader(au.actor()).site(&code).await?;
    let editor = st.app.editor(au.actor()).ok_or(WebError::Forbidden)?;
    let k = register_kind(&kind).map_err(|_| WebError::NotFound)?;
    let on = match f.date.trim() {
        "" => Ok(kojo_app::today()),
        d => kojo_domain::register::value::parse_date(d)
            .ok_or_else(|| AppError::bad("web.register.bad_date", &[("date", &d)])),
    };
    let result = match on {
        Ok(on) => editor
            .review_register(&site.code, &k.id, &f.reviewer, Some(&f.note), on)
            .await
            .map(|_| ()),
        Err(e) => Err(e),
    };
    match result {
        Ok(()) => Ok(
            Redirect::to(&format!("/sites/{}/registers/{}#reviews", site.code, k.id))
                .into_response(),
        ),
        Err(e) if bad(&e) => {
            let msg = e.message(au.lang());
            list_page(
                &st,
                &au,
                &site.code,
                &k.id,
                &ListQuery::default(),
                Some(msg),
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(serde::Deserialize)]
pub struct ExportQuery {
    #[serde(default)]
    format: String,
}

/// The register as xlsx or CSV (recorded in the access log), or the empty template.
pub async fn export(
    State(st): St,
    au: Authed,
    Path((code, kind)): Path<(String, String)>,
    Query(q): Query<ExportQuery>,
) -> Result<Response, WebError> {
    let reader = st.app.reader(au.actor());
    let site = reader.site(&code).await?;
    let k = register_kind(&kind).map_err(|_| WebError::NotFound)?;
    let lang = au.lang();
    let (format, bytes, name) = if q.format == "template" {
        let bytes = kojo_app::registers::register_template(&k.id, lang)?;
        (LedgerFormat::Xlsx, bytes, format!("{}-template.xlsx", k.id))
    } else {
        let format = LedgerFormat::parse(&q.format).ok_or(WebError::NotFound)?;
        let (_, bytes) = reader
            .register_file(&site.code, &k.id, format, lang)
            .await?;
        let name = format!("{}-{}.{}", site.code, k.id, format.extension());
        (format, bytes, name)
    };
    Ok((
        StatusCode::OK,
        [
            (header::CONTENT_TYPE, format.content_type().to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
            (header::CACHE_CONTROL, "no-store".to_string()),
        ],
        bytes,
    )
        .into_response())
}
