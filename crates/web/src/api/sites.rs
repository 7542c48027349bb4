//! Plants, lines and the portfolio.

use super::dto::*;
use super::{ApiCtx, ApiError, Json, Path, Query};
use crate::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use kojo_app::PortfolioQuery;
use kojo_domain::FiscalYear;
use std::sync::Arc;

type St = State<Arc<AppState>>;

fn site_out(s: kojo_app::Site) -> SiteOut {
    SiteOut {
        code: s.code,
        name: s.name,
    }
}

/// The plants the user may see, by code.
#[utoipa::path(get, path = "/api/v1/sites", tag = "sites", params(PageQuery),
    responses((status = 200, body = Page<SiteOut>), (status = 401, body = Problem, content_type = "application/problem+json")),
    security(("token" = [])))]
pub async fn list(
    State(st): St,
    cx: ApiCtx,
    Query(q): Query<PageQuery>,
) -> Result<Json<Page<SiteOut>>, ApiError> {
    let sites = st.app.reader(cx.actor()).sites().await?;
    let items = sites.into_iter().map(site_out).collect();
    Ok(Json(paginate(items, |s: &SiteOut| s.code.clone(), &q)?))
}

/// Adds a plant (administrators).
#[utoipa::path(post, path = "/api/v1/sites", tag = "sites", request_body = SiteIn,
    responses((status = 201, body = SiteOut), (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json")),
    security(("token" = [])))]
pub async fn create(
    State(st): St,
    cx: ApiCtx,
    Json(b): Json<SiteIn>,
) -> Result<(StatusCode, Json<SiteOut>), ApiError> {
    let admin = st
        .app
        .admin(cx.actor())
        .ok_or(kojo_app::AppError::Forbidden)?;
    let s = admin.add_site(&b.code, &b.name).await?;
    Ok((StatusCode::CREATED, Json(site_out(s))))
}

/// One plant.
#[utoipa::path(get, path = "/api/v1/sites/{code}", tag = "sites", params(("code" = String, Path, description = "Plant code")),
    responses((status = 200, body = SiteOut), (status = 404, body = Problem, content_type = "application/problem+json")),
    security(("token" = [])))]
pub async fn get(
    State(st): St,
    cx: ApiCtx,
    Path(code): Path<String>,
) -> Result<Json<SiteOut>, ApiError> {
    Ok(Json(site_out(st.app.reader(cx.actor()).site(&code).await?)))
}

/// A plant's lines, by code.
#[utoipa::path(get, path = "/api/v1/sites/{code}/lines", tag = "sites",
    params(("code" = String, Path, description = "Plant code"), PageQuery),
    responses((status = 200, body = Page<LineOut>), (status = 404, body = Problem, content_type = "application/problem+json")),
    security(("token" = [])))]
pub async fn lines(
    State(st): St,
    cx: ApiCtx,
    Path(code): Path<String>,
    Query(q): Query<PageQuery>,
) -> Result<Json<Page<LineOut>>, ApiError> {
    let reader = st.app.reader(cx.actor());
    let site = reader.site(&code).await?;
    let items = reader
        .lines(&site)
        .await?
        .into_iter()
        .map(|l| LineOut {
            code: l.code,
            name: l.name,
        })
        .collect();
    Ok(Json(paginate(items, |l: &LineOut| l.code.clone(), &q)?))
}

/// Adds a line to a plant (administrators).
#[utoipa::path(post, path = "/api/v1/sites/{code}/lines", tag = "sites", request_body = SiteIn,
    params(("code" = String, Path, description = "Plant code")),
    responses((status = 201, body = LineOut), (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"), (status = 409, body = Problem, content_type = "application/problem+json")),
    security(("token" = [])))]
pub async fn line_create(
    State(st): St,
    cx: ApiCtx,
    Path(code): Path<String>,
    Json(b): Json<SiteIn>,
) -> Result<(StatusCode, Json<LineOut>), ApiError> {
    st.app.reader(cx.actor()).site(&code).await?;
    let admin = st
        .app
        .admin(cx.actor())
        .ok_or(kojo_app::AppError::Forbidden)?;
    let l = admin.add_line(&code, &b.code, &b.name).await?;
    Ok((
        StatusCode::CREATED,
        Json(LineOut {
            code: l.code,
            name: l.name,
        }),
    ))
}

/// Filters of the portfolio.
#[derive(Debug, Clone, Default, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PortfolioParams {
    /// Fiscal year (default: the current one).
    pub period: Option<u16>,
    /// Company code.
    pub company: Option<String>,
    /// Responsible area id.
    pub area: Option<String>,
    /// Label (1–17).
    pub label: Option<u16>,
}

/// The portfolio of a fiscal year: every visible plant and line with its figures, the
/// companies, the weakest items (the same data as the web page and `kojo portfolio --json`).
/// Bounded by the number of plants the user sees; not paginated.
#[utoipa::path(get, path = "/api/v1/portfolio", tag = "portfolio", params(PortfolioParams),
    responses((status = 200, body = Object, description = "The portfolio (see `kojo portfolio --json`)"),
        (status = 400, body = Problem, content_type = "application/problem+json")),
    security(("token" = [])))]
pub async fn portfolio(
    State(st): St,
    cx: ApiCtx,
    Query(p): Query<PortfolioParams>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let period = match p.period {
        Some(y) => Some(FiscalYear::try_from(y).map_err(|e| ApiError::BadRequest {
            ja: e.message(kojo_i18n::Lang::Ja),
            en: e.message(kojo_i18n::Lang::En),
        })?),
        None => None,
    };
    let q = PortfolioQuery {
        company: p.company,
        period,
        area: p.area,
        label: p.label,
    };
    let today = chrono::Local::now().date_naive();
    let out = st.app.reader(cx.actor()).portfolio(&q, today).await?;
    Ok(Json(serde_json::to_value(out).map_err(|e| {
        ApiError::from(kojo_app::AppError::Internal(e.to_string()))
    })?))
}

pub use super::problem::Problem;
