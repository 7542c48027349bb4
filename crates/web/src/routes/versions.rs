//! Catalog versions: what changed between two versions (`/catalog/diff`), and 新版で作成
//! (`POST /a/{id}/migrate`).

use crate::AppState;
use crate::ctx::Authed;
use crate::error::WebError;
use crate::views::{OptVm, Page, render};
use crate::views_versions::{SegVm, VersionRowVm, VersionVm, VersionsPage};
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use kojo_app::{AppError, AssessmentView};
use kojo_catalog::diff::{CatalogDiff, ItemDiff, Op, Segment};
use kojo_domain::FiscalYear;
use kojo_i18n::{Lang, t, tr};
use std::sync::Arc;

type St = State<Arc<AppState>>;

#[derive(serde::Deserialize, serde::Serialize, Default)]
pub struct VersionsQuery {
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
    #[serde(default)]
    all: String,
}

fn op_key(op: Op) -> &'static str {
    match op {
        Op::Equal => "equal",
        Op::Insert => "insert",
        Op::Delete => "delete",
    }
}

fn segs(s: Vec<Segment>, changed_only: bool) -> Vec<SegVm> {
    s.into_iter()
        .filter(|s| !changed_only || s.op != Op::Equal)
        .map(|s| SegVm {
            op: op_key(s.op),
            text: s.text,
        })
        .collect()
}

fn row(d: &ItemDiff<'_>, lang: Lang) -> VersionRowVm {
    let condition = d
        .condition(lang)
        .map(|s| segs(s, false))
        .unwrap_or_default();
    VersionRowVm {
        change_key: d.change.key(),
        change: t(lang, &format!("version.change.{}", d.change.key())),
        item: d.new.map(|v| v.item.number),
        from: d
            .old
            .iter()
            .map(|v| v.item.number.to_string())
            .collect::<Vec<_>>()
            .join(", "),
        note: d.note.map(|n| n.get(lang).to_string()),
        old_conditions: if condition.is_empty() {
            d.old
                .iter()
                .map(|v| (v.item.number, v.item.condition.get(lang).to_string()))
                .collect()
        } else {
            vec![]
        },
        new_condition: if condition.is_empty() {
            d.new.map(|v| v.item.condition.get(lang).to_string())
        } else {
            None
        },
        condition,
        criteria: d.criteria(lang).map(|s| segs(s, true)).unwrap_or_default(),
    }
}

/// `/catalog/diff?from=0.9&to=X[&all=1]`: what changed, item by item, through the mapping.
pub async fn diff_page(
    State(st): St,
    au: Authed,
    Query(q): Query<VersionsQuery>,
) -> Result<Response, WebError> {
    let lang = au.lang();
    let catalogs: Vec<&'static kojo_catalog::Catalog> = st.app.catalogs().collect();
    let pairs: Vec<(&str, &str)> = catalogs
        .iter()
        .flat_map(|a| catalogs.iter().map(move |b| (a.id.as_str(), b.id.as_str())))
        .filter(|(a, b)| kojo_catalog::mapping(a, b).is_some())
        .collect();
    // Unchosen: the first pair with a mapping.
    let (from, to) = match (st.app.find_catalog(&q.from), st.app.find_catalog(&q.to)) {
        (Ok(a), Ok(b)) => (Some(a), Some(b)),
        _ if q.from.is_empty() && q.to.is_empty() => match pairs.first() {
            Some((a, b)) => (st.app.find_catalog(a).ok(), st.app.find_catalog(b).ok()),
            None => (None, None),
        },
        _ => return Err(WebError::NotFound),
    };
    let opts = |chosen: Option<&kojo_catalog::Catalog>| -> Vec<OptVm> {
        catalogs
            .iter()
            .map(|c| OptVm {
                value: c.version.clone(),
                text: format!("{} ({})", c.version, c.published),
                selected: chosen.is_some_and(|x| x.id == c.id),
            })
            .collect()
    };
    let all = q.all == "1";
    let mut page = VersionsPage {
        page: Page::new(&au.ctx, "sites"),
        from: String::new(),
        to: String::new(),
        heading: String::new(),
        toggle_href: String::new(),
        counts: vec![],
        rows: vec![],
        all,
        froms: opts(from),
        tos: opts(to),
        comparable: !pairs.is_empty(),
    };
    if let (Some(a), Some(b)) = (from, to) {
        let mapping = kojo_catalog::mapping(&a.id, &b.id).ok_or(WebError::NotFound)?;
        let d = CatalogDiff::new(a, b, mapping);
        page.counts = d
            .counts()
            .iter()
            .map(|(c, n)| (c.key(), t(lang, &format!("version.change.{}", c.key())), *n))
            .collect();
        page.rows = if all {
            d.items.iter().map(|r| row(r, lang)).collect()
        } else {
            d.changed().map(|r| row(r, lang)).collect()
        };
        page.heading = tr(
            lang,
            "version.web.heading",
            &[("from", &a.version), ("to", &b.version)],
        );
        let toggle = VersionsQuery {
            from: a.version.clone(),
            to: b.version.clone(),
            all: if all { String::new() } else { "1".into() },
        };
        page.toggle_href = format!(
            "/catalog/diff?{}",
            serde_urlencoded::to_string(&toggle).unwrap_or_default()
        );
        page.from = a.version.clone();
        page.to = b.version.clone();
    }
    Ok(render(&page))
}

/// The assessment page's version block: its version and, when a newer one has a mapping, the
/// diff link and (for editors) 新版で作成.
pub(crate) fn version_vm(st: &AppState, au: &Authed, view: &AssessmentView) -> VersionVm {
    let reader = st.app.reader(au.actor());
    let newer = reader.newer_catalogs(&view.catalog.id).into_iter().last();
    let a = &view.assessment;
    VersionVm {
        version: view.catalog.version.clone(),
        diff_href: newer
            .map(|n| {
                let q = [("from", &view.catalog.version), ("to", &n.version)];
                format!(
                    "/catalog/diff?{}",
                    serde_urlencoded::to_string(q).unwrap_or_default()
                )
            })
            .unwrap_or_default(),
        newer_text: newer
            .map(|n| tr(au.lang(), "version.web.newer", &[("catalog", &n.version)]))
            .unwrap_or_default(),
        newer: newer.map(|n| (n.id.clone(), n.version.clone())),
        can_migrate: au.actor().role.may_edit() && a.inherits_from.is_none(),
        period: a.period.to_string(),
    }
}

#[derive(serde::Deserialize)]
pub struct MigrateForm {
    #[serde(default)]
    catalog: String,
    #[serde(default)]
    period: String,
}

/// 新版で作成: the assessment carried into a newer catalog version.
pub async fn migrate(
    State(st): St,
    au: Authed,
    Path(id): Path<String>,
    Form(f): Form<MigrateForm>,
) -> Result<Response, WebError> {
    let reader = st.app.reader(au.actor());
    let a = reader.find(&id).await?;
    let editor = st.app.editor(au.actor()).ok_or(WebError::Forbidden)?;
    let period = match f.period.trim() {
        "" => None,
        p => match FiscalYear::parse(p) {
            Ok(p) => Some(p),
            Err(e) => {
                let e = AppError::BadInput {
                    ja: e.message(Lang::Ja),
                    en: e.message(Lang::En),
                };
                return super::cycle::page_with_error(&st, &au, &a.id, &e).await;
            }
        },
    };
    match editor
        .migrate_catalog(&a.id, &f.catalog, period, None)
        .await
    {
        Ok(m) => Ok(Redirect::to(&format!("/a/{}", m.assessment.id)).into_response()),
        Err(e @ (AppError::BadInput { .. } | AppError::Duplicate { .. })) => {
            super::cycle::page_with_error(&st, &au, &a.id, &e).await
        }
        Err(e) => Err(e.into()),
    }
}
