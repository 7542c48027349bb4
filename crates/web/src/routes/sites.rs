//! Plants: the list, one plant with its lines and assessments, adding plants, lines and
//! assessments.

use super::cycle::{STEPS, box_names, to_signoffs};
use super::{current_fy, pct, scope};
use crate::AppState;
use crate::ctx::{Authed, Ctx};
use crate::error::WebError;
use crate::views::{
    AssessmentRow, CarryOpt, CompanyGroup, Page, SitePage, SiteRow, SitesPage, render,
};
use axum::extract::{Form, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use kojo_app::AppError;
use kojo_domain::FiscalYear;
use kojo_i18n::t;
use std::collections::HashMap;
use std::sync::Arc;

type St = State<Arc<AppState>>;

/// `/`: the setup page on first run, else the plants (or the login page).
pub async fn home(State(st): St, ctx: Ctx) -> Result<Response, WebError> {
    if st.app.needs_setup().await? {
        return Ok(Redirect::to("/setup").into_response());
    }
    if ctx.session.is_none() {
        return Err(WebError::Login);
    }
    Ok(Redirect::to("/sites").into_response())
}

pub(crate) fn with_error(mut res: Response, error: &Option<String>) -> Response {
    if error.is_some() {
        *res.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    res
}

fn site_row(s: kojo_app::Site) -> SiteRow {
    SiteRow {
        code: s.code,
        name: s.name,
    }
}

async fn list_page(st: &AppState, a: &Authed, error: Option<String>) -> Result<Response, WebError> {
    let reader = st.app.reader(a.actor());
    let sites = reader.sites().await?;
    let companies = reader.companies_of(&sites).await?;
    // Single-company deployments (and users who see one company) never see the level.
    let several = companies.len() > 1;
    let groups = if several {
        companies
            .iter()
            .map(|c| CompanyGroup {
                code: c.code.clone(),
                name: Some(c.name.clone()),
                sites: sites
                    .iter()
                    .filter(|s| s.org_id == c.id)
                    .cloned()
                    .map(site_row)
                    .collect(),
            })
            .collect()
    } else {
        vec![CompanyGroup {
            code: String::new(),
            name: None,
            sites: sites.iter().cloned().map(site_row).collect(),
        }]
    };
    let res = render(&SitesPage {
        page: Page::new(&a.ctx, "sites"),
        sites: sites.into_iter().map(site_row).collect(),
        groups,
        companies: if several {
            companies.into_iter().map(|c| (c.code, c.name)).collect()
        } else {
            Vec::new()
        },
        error: error.clone(),
        panel: super::queue::global_panel(st, a).await?,
    });
    Ok(with_error(res, &error))
}

pub async fn list(State(st): St, a: Authed) -> Result<Response, WebError> {
    list_page(&st, &a, None).await
}

#[derive(serde::Deserialize)]
pub struct CodeName {
    code: String,
    name: String,
}

#[derive(serde::Deserialize)]
pub struct NewSite {
    code: String,
    name: String,
    /// The company's code; absent (or empty) for the default company.
    #[serde(default)]
    company: String,
}

pub async fn add(State(st): St, a: Authed, Form(f): Form<NewSite>) -> Result<Response, WebError> {
    let admin = st.app.admin(a.actor()).ok_or(WebError::Forbidden)?;
    let added = match f.company.trim() {
        "" => admin.add_site(&f.code, &f.name).await,
        company => admin.add_company_site(company, &f.code, &f.name).await,
    };
    match added {
        Ok(site) => Ok(Redirect::to(&format!("/sites/{}", site.code)).into_response()),
        Err(
            e
            @ (AppError::BadInput { .. } | AppError::Duplicate { .. } | AppError::NotFound { .. }),
        ) => list_page(&st, &a, Some(e.message(a.lang()))).await,
        Err(e) => Err(e.into()),
    }
}

pub(crate) async fn site_page(
    st: &AppState,
    a: &Authed,
    code: &str,
    error: Option<String>,
) -> Result<Response, WebError> {
    let reader = st.app.reader(a.actor());
    let site = reader.site(code).await?;
    let lines = reader.lines(&site).await?;
    let list = reader.assessments(Some(&site)).await?;
    let lang = a.lang();
    // Who signed each assessment (作成・確認・承認), from one query over the plant.
    let mut signoffs: HashMap<String, Vec<kojo_app::SignOffRow>> = HashMap::new();
    for row in reader.site_signoffs(&site).await? {
        signoffs
            .entry(row.assessment_id.clone())
            .or_default()
            .push(row);
    }
    let signers = |id: &str| -> Vec<(&'static str, String)> {
        let signs = to_signoffs(signoffs.get(id).map(Vec::as_slice).unwrap_or(&[]));
        STEPS
            .iter()
            .zip(box_names(&signs))
            .filter_map(|((_, caption), name)| name.map(|(by, _)| (t(lang, caption), by)))
            .collect()
    };
    let label = |i: &kojo_app::AssessmentItem| {
        FiscalYear::new(i.assessment.period as u16)
            .map(|p| p.label(lang))
            .unwrap_or_default()
    };
    let carry_sources: Vec<CarryOpt> = list
        .iter()
        .map(|i| CarryOpt {
            id: i.assessment.id.clone(),
            text: format!(
                "{} {} ({} {}, {})",
                label(i),
                scope(&i.assessment),
                t(lang, "web.col.revision"),
                i.assessment.revision,
                i.assessment.status.name(lang)
            ),
            next: i.assessment.period + 1,
        })
        .collect();
    let res = render(&SitePage {
        page: Page::new(&a.ctx, "sites"),
        code: site.code.clone(),
        name: site.name.clone(),
        lines: lines
            .into_iter()
            .map(|l| SiteRow {
                code: l.code,
                name: l.name,
            })
            .collect(),
        carry_default: carry_sources.first().map(|c| c.next).unwrap_or(0),
        carry_sources,
        assessments: list
            .iter()
            .map(|i| AssessmentRow {
                period: label(i),
                status_key: i.assessment.status.key().to_string(),
                signers: signers(&i.assessment.id),
                scope: scope(&i.assessment),
                status: i.assessment.status.name(lang),
                answered: i.stats.answered,
                items: i.stats.items,
                rate: pct(i.stats.achievement_rate),
                revision: i.assessment.revision,
                id: i.assessment.id.clone(),
            })
            .collect(),
        default_period: current_fy(),
        error: error.clone(),
    });
    Ok(with_error(res, &error))
}

pub async fn show(
    State(st): St,
    a: Authed,
    Path(code): Path<String>,
) -> Result<Response, WebError> {
    site_page(&st, &a, &code, None).await
}

pub async fn line_add(
    State(st): St,
    a: Authed,
    Path(code): Path<String>,
    Form(f): Form<CodeName>,
) -> Result<Response, WebError> {
    // Resolve visibility first: an invisible plant is a 404 whatever the role.
    st.app.reader(a.actor()).site(&code).await?;
    let admin = st.app.admin(a.actor()).ok_or(WebError::Forbidden)?;
    match admin.add_line(&code, &f.code, &f.name).await {
        Ok(_) => Ok(Redirect::to(&format!("/sites/{code}")).into_response()),
        Err(e @ (AppError::BadInput { .. } | AppError::Duplicate { .. })) => {
            site_page(&st, &a, &code, Some(e.message(a.lang()))).await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(serde::Deserialize)]
pub struct NewAssessmentForm {
    #[serde(default)]
    line: String,
    period: String,
    #[serde(default)]
    assessor: String,
    /// `1`: a line's assessment on top of the plant's for the same year.
    #[serde(default)]
    inherit: String,
}

pub async fn assessment_new(
    State(st): St,
    a: Authed,
    Path(code): Path<String>,
    Form(f): Form<NewAssessmentForm>,
) -> Result<Response, WebError> {
    st.app.reader(a.actor()).site(&code).await?;
    let editor = st.app.editor(a.actor()).ok_or(WebError::Forbidden)?;
    let period = match FiscalYear::parse(&f.period) {
        Ok(p) => p,
        Err(e) => return site_page(&st, &a, &code, Some(e.message(a.lang()))).await,
    };
    let line = Some(f.line.as_str()).filter(|l| !l.trim().is_empty());
    let created = match (f.inherit == "1", line) {
        (true, Some(line)) => {
            editor
                .new_inheriting_assessment(&code, line, period, Some(&f.assessor))
                .await
        }
        (true, None) => Err(AppError::bad("inherit.needs_line", &[])),
        (false, _) => {
            editor
                .new_assessment(&code, line, period, Some(&f.assessor))
                .await
        }
    };
    match created {
        Ok(new) => Ok(Redirect::to(&format!("/a/{}", new.id)).into_response()),
        Err(e @ AppError::BadInput { .. }) => {
            site_page(&st, &a, &code, Some(e.message(a.lang()))).await
        }
        Err(e) => Err(e.into()),
    }
}
