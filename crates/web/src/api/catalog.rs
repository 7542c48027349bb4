//! The guideline catalog, read-only: the list of items and one item with its full text. The
//! Japanese text is the guideline's, verbatim; English is kojo's unofficial translation.

use super::problem::Problem;
use super::{ApiCtx, ApiError, Json, Path};
use crate::AppState;
use axum::extract::State;
use serde::Serialize;
use std::sync::Arc;
use utoipa::ToSchema;

type St = State<Arc<AppState>>;

/// One item of the catalog.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CatalogItemOut {
    /// Item number (1–63); the OSCAL control id is `item-N`.
    pub number: u16,
    /// Label number (1–17).
    pub label: u16,
    /// Label name.
    pub label_name: String,
    /// The condition (条件), in the response language.
    pub condition: String,
    /// Responsible area id.
    pub area: String,
}

/// The catalog and its items (63, in order; not paginated).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CatalogOut {
    /// Catalog id (`jama-japia-factory@0.9`).
    pub id: String,
    /// Version.
    pub version: String,
    /// Title.
    pub title: String,
    /// Whether the text is the guideline's own (Japanese) or kojo's unofficial translation.
    pub official: bool,
    /// Items in order.
    pub items: Vec<CatalogItemOut>,
}

/// The catalog.
#[utoipa::path(get, path = "/api/v1/catalog", tag = "catalog",
    responses((status = 200, body = CatalogOut), (status = 401, body = Problem, content_type = "application/problem+json")),
    security(("token" = [])))]
pub async fn get(State(st): St, cx: ApiCtx) -> Json<CatalogOut> {
    let c = st.app.catalog;
    let lang = cx.lang;
    Json(CatalogOut {
        id: c.id.clone(),
        version: c.version.clone(),
        title: c.title.get(lang).to_string(),
        official: lang == kojo_i18n::Lang::Ja,
        items: c
            .items()
            .map(|v| CatalogItemOut {
                number: v.item.number,
                label: v.label.number,
                label_name: v.label.name.get(lang).to_string(),
                condition: v.item.condition.get(lang).to_string(),
                area: v.item.area.clone(),
            })
            .collect(),
    })
}

/// One item with its full text in both languages: condition, criteria (達成基準), references.
#[utoipa::path(get, path = "/api/v1/catalog/items/{item}", tag = "catalog",
    params(("item" = u16, Path, description = "Item number, 1–63")),
    responses((status = 200, body = Object, description = "The item as the catalog holds it (`ja` and `en` for every text)"),
        (status = 404, body = Problem, content_type = "application/problem+json")),
    security(("token" = [])))]
pub async fn item(
    State(st): St,
    _cx: ApiCtx,
    Path(n): Path<u16>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let v = st.app.catalog.item(n).ok_or(ApiError::NotFound)?;
    serde_json::to_value(v.item)
        .map(Json)
        .map_err(|e| kojo_app::AppError::Internal(e.to_string()).into())
}
