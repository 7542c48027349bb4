//! Assessments: list, create, get with answers, answer one or many against versions, diff.

use super::dto::*;
use super::problem::Problem;
use super::{ApiCtx, ApiError, Json, Path, Query};
use crate::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use kojo_app::AppError;
use kojo_domain::{FiscalYear, ItemNo};
use std::sync::Arc;

type St = State<Arc<AppState>>;

/// Filters of the assessment list.
#[derive(Debug, Clone, Default, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListParams {
    /// Only this plant.
    pub site: Option<String>,
    /// Only this fiscal year.
    pub period: Option<i64>,
    /// Items per page, 1–200 (default 50).
    pub limit: Option<usize>,
    /// The previous page's `next_cursor`.
    pub cursor: Option<String>,
}

/// The assessments the user may see, by id.
#[utoipa::path(get, path = "/api/v1/assessments", tag = "assessments", params(ListParams),
    responses((status = 200, body = Page<AssessmentSummary>), (status = 404, body = Problem, content_type = "application/problem+json")),
    security(("token" = [])))]
pub async fn list(
    State(st): St,
    cx: ApiCtx,
    Query(p): Query<ListParams>,
) -> Result<Json<Page<AssessmentSummary>>, ApiError> {
    let reader = st.app.reader(cx.actor());
    let site = match p.site.as_deref() {
        Some(code) => Some(reader.site(code).await?),
        None => None,
    };
    let items = reader
        .assessments(site.as_ref())
        .await?
        .into_iter()
        .filter(|a| p.period.is_none_or(|y| a.assessment.period == y))
        .map(|a| AssessmentSummary::of(&a.assessment))
        .collect();
    let q = PageQuery {
        limit: p.limit,
        cursor: p.cursor,
    };
    Ok(Json(paginate(
        items,
        |a: &AssessmentSummary| a.id.clone(),
        &q,
    )?))
}

/// Creates an assessment of a plant or line (assessors and administrators).
#[utoipa::path(post, path = "/api/v1/assessments", tag = "assessments", request_body = AssessmentIn,
    responses((status = 201, body = AssessmentSummary), (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json")),
    security(("token" = [])))]
pub async fn create(
    State(st): St,
    cx: ApiCtx,
    Json(b): Json<AssessmentIn>,
) -> Result<(StatusCode, Json<AssessmentSummary>), ApiError> {
    st.app.reader(cx.actor()).site(&b.site).await?;
    let editor = st.app.editor(cx.actor()).ok_or(AppError::Forbidden)?;
    let period = FiscalYear::try_from(b.period).map_err(|e| ApiError::BadRequest {
        ja: e.message(kojo_i18n::Lang::Ja),
        en: e.message(kojo_i18n::Lang::En),
    })?;
    let a = editor
        .new_assessment(&b.site, b.line.as_deref(), period, b.assessor.as_deref())
        .await?;
    Ok((StatusCode::CREATED, Json(AssessmentSummary::of(&a))))
}

async fn full(st: &AppState, cx: &ApiCtx, id: &str) -> Result<AssessmentOut, ApiError> {
    let view = st.app.reader(cx.actor()).assessment(id).await?;
    let answers = (1..=view.catalog.item_count() as u16)
        .map(|n| match view.answers.get(&n) {
            Some(s) => AnswerOut::of(s),
            None => AnswerOut::unanswered(n),
        })
        .collect();
    Ok(AssessmentOut {
        summary: AssessmentSummary::of(&view.assessment),
        answered: view.summary.overall.answered,
        achievement_rate: view.summary.overall.achievement_rate,
        answers,
    })
}

/// An assessment with every item's answer and version.
#[utoipa::path(get, path = "/api/v1/assessments/{id}", tag = "assessments",
    params(("id" = String, Path, description = "Assessment id (or a unique prefix)")),
    responses((status = 200, body = AssessmentOut), (status = 404, body = Problem, content_type = "application/problem+json")),
    security(("token" = [])))]
pub async fn get(
    State(st): St,
    cx: ApiCtx,
    Path(id): Path<String>,
) -> Result<Json<AssessmentOut>, ApiError> {
    Ok(Json(full(&st, &cx, &id).await?))
}

fn item_no(st: &AppState, n: u16) -> Result<ItemNo, ApiError> {
    ItemNo::parse(&n.to_string(), st.app.catalog).map_err(|_| ApiError::NotFound)
}

/// Answers (or, with `answer: null`, clears) one item, against the version the client saw. A
/// different stored version is 409 with the current answer in `current`.
#[utoipa::path(put, path = "/api/v1/assessments/{id}/answers/{item}", tag = "assessments", request_body = AnswerChange,
    params(("id" = String, Path, description = "Assessment id"), ("item" = u16, Path, description = "Item number, 1–63")),
    responses((status = 200, body = AnswerOut), (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json", description = "Changed meanwhile (`current`), or the assessment is locked"),
        (status = 422, body = Problem, content_type = "application/problem+json")),
    security(("token" = [])))]
pub async fn answer(
    State(st): St,
    cx: ApiCtx,
    Path((id, item)): Path<(String, u16)>,
    Json(b): Json<AnswerChange>,
) -> Result<Json<AnswerOut>, ApiError> {
    let a = st.app.reader(cx.actor()).find(&id).await?;
    let item = item_no(&st, item)?;
    let editor = st.app.editor(cx.actor()).ok_or(AppError::Forbidden)?;
    let raw = b.answer.as_ref().map(AnswerIn::raw);
    let s = editor
        .answer(&a.id, item, raw.as_ref(), Some(b.version))
        .await?;
    Ok(Json(AnswerOut::of(&s)))
}

/// Answers several items in one transaction, all or nothing, each against its version.
#[utoipa::path(post, path = "/api/v1/assessments/{id}/answers", tag = "assessments", request_body = AnswerBatch,
    params(("id" = String, Path, description = "Assessment id")),
    responses((status = 200, body = AnswersOut), (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")),
    security(("token" = [])))]
pub async fn answer_many(
    State(st): St,
    cx: ApiCtx,
    Path(id): Path<String>,
    Json(b): Json<AnswerBatch>,
) -> Result<Json<AnswersOut>, ApiError> {
    let a = st.app.reader(cx.actor()).find(&id).await?;
    let editor = st.app.editor(cx.actor()).ok_or(AppError::Forbidden)?;
    let max = st.app.catalog.item_count();
    if b.answers.is_empty() || b.answers.len() > max {
        return Err(ApiError::bad("api.batch_size", &[("max", &max)]));
    }
    let mut seen = std::collections::BTreeSet::new();
    let mut writes = Vec::with_capacity(b.answers.len());
    for w in &b.answers {
        if !seen.insert(w.item) {
            return Err(ApiError::bad("api.batch_duplicate", &[("item", &w.item)]));
        }
        let raw = w.answer.as_ref().map(AnswerIn::raw);
        if let Some(r) = &raw
            && let Err(errs) = r.parse()
        {
            return Err(ApiError::BadRequest {
                ja: format!("項目 {}: {}", w.item, errs.message(kojo_i18n::Lang::Ja)),
                en: format!("Item {}: {}", w.item, errs.message(kojo_i18n::Lang::En)),
            });
        }
        writes.push((item_no(&st, w.item)?, raw, w.version));
    }
    let saved = editor.answer_versioned(&a.id, &writes).await?;
    let mut answers: Vec<AnswerOut> = saved.iter().map(AnswerOut::of).collect();
    answers.sort_by_key(|a| a.item);
    Ok(Json(AnswersOut { answers }))
}

/// Comparison with another assessment (default: the previous fiscal year's of the same scope).
#[derive(Debug, Clone, Default, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DiffParams {
    /// The assessment to compare with (default: the previous year's).
    pub with: Option<String>,
}

/// What changed since another assessment, item by item (the same data as the web's diff).
/// Bounded by the 63 items; not paginated.
#[utoipa::path(get, path = "/api/v1/assessments/{id}/diff", tag = "assessments",
    params(("id" = String, Path, description = "Assessment id"), DiffParams),
    responses((status = 200, body = Object, description = "The comparison (see `kojo assessment diff --json`)"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")),
    security(("token" = [])))]
pub async fn diff(
    State(st): St,
    cx: ApiCtx,
    Path(id): Path<String>,
    Query(p): Query<DiffParams>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let reader = st.app.reader(cx.actor());
    let a = reader.find(&id).await?;
    let old = match p.with {
        Some(w) => reader.find(&w).await?.id,
        None => {
            reader
                .previous(&a)
                .await?
                .ok_or_else(|| ApiError::bad("api.no_previous", &[]))?
                .0
                .id
        }
    };
    let d = reader.diff(&old, &a.id).await?;
    Ok(Json(serde_json::to_value(d).map_err(|e| {
        ApiError::from(AppError::Internal(e.to_string()))
    })?))
}
