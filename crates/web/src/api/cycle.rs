//! The yearly cycle of an assessment: reviews of □ △ ×, actions, evidence, sign-off steps.

use super::cycle_dto::*;
use super::dto::*;
use super::problem::Problem;
use super::{ApiCtx, ApiError, Json, Path, Query};
use crate::AppState;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use kojo_app::{AppError, ReviewInput, parse_action_status};
use kojo_domain::{Decision, ItemNo};
use std::sync::Arc;

type St = State<Arc<AppState>>;

fn item_no(st: &AppState, n: u16) -> Result<ItemNo, ApiError> {
    ItemNo::parse(&n.to_string(), st.app.catalog).map_err(|_| ApiError::NotFound)
}

const PROBLEM: &str = "application/problem+json";

/// This cycle's reviews, by item.
#[utoipa::path(get, path = "/api/v1/assessments/{id}/reviews", tag = "cycle",
    params(("id" = String, Path, description = "Assessment id"), PageQuery),
    responses((status = 200, body = Page<ReviewOut>), (status = 404, body = Problem, content_type = PROBLEM)),
    security(("token" = [])))]
pub async fn reviews(
    State(st): St,
    cx: ApiCtx,
    Path(id): Path<String>,
    Query(q): Query<PageQuery>,
) -> Result<Json<Page<ReviewOut>>, ApiError> {
    let items = st
        .app
        .reader(cx.actor())
        .reviews(&id)
        .await?
        .into_iter()
        .map(review_out)
        .collect();
    Ok(Json(paginate(
        items,
        |r: &ReviewOut| format!("{:03}", r.item),
        &q,
    )?))
}

/// Records this cycle's review of a □ △ × item (assessors and administrators).
#[utoipa::path(put, path = "/api/v1/assessments/{id}/reviews/{item}", tag = "cycle", request_body = ReviewIn,
    params(("id" = String, Path, description = "Assessment id"), ("item" = u16, Path, description = "Item number")),
    responses((status = 200, body = ReviewOut), (status = 403, body = Problem, content_type = PROBLEM),
        (status = 404, body = Problem, content_type = PROBLEM), (status = 422, body = Problem, content_type = PROBLEM)),
    security(("token" = [])))]
pub async fn review(
    State(st): St,
    cx: ApiCtx,
    Path((id, item)): Path<(String, u16)>,
    Json(b): Json<ReviewIn>,
) -> Result<Json<ReviewOut>, ApiError> {
    let a = st.app.reader(cx.actor()).find(&id).await?;
    let item = item_no(&st, item)?;
    let editor = st.app.editor(cx.actor()).ok_or(AppError::Forbidden)?;
    let input = ReviewInput {
        valid: b.valid,
        progress: b.progress,
        progress_pct: b.progress_pct,
        status: b.status,
        target_date: b.target_date,
        note: b.note,
    };
    Ok(Json(review_out(editor.review(&a.id, item, &input).await?)))
}

/// The assessment's actions, by id.
#[utoipa::path(get, path = "/api/v1/assessments/{id}/actions", tag = "cycle",
    params(("id" = String, Path, description = "Assessment id"), PageQuery),
    responses((status = 200, body = Page<ActionOut>), (status = 404, body = Problem, content_type = PROBLEM)),
    security(("token" = [])))]
pub async fn actions(
    State(st): St,
    cx: ApiCtx,
    Path(id): Path<String>,
    Query(q): Query<PageQuery>,
) -> Result<Json<Page<ActionOut>>, ApiError> {
    let items = st
        .app
        .reader(cx.actor())
        .actions(&id)
        .await?
        .into_iter()
        .map(action_out)
        .collect();
    Ok(Json(paginate(
        items,
        |a: &ActionOut| format!("{:020}", a.id),
        &q,
    )?))
}

/// Adds an action to an item (assessors and administrators).
#[utoipa::path(post, path = "/api/v1/assessments/{id}/actions", tag = "cycle", request_body = ActionIn,
    params(("id" = String, Path, description = "Assessment id")),
    responses((status = 201, body = ActionOut), (status = 403, body = Problem, content_type = PROBLEM),
        (status = 404, body = Problem, content_type = PROBLEM), (status = 422, body = Problem, content_type = PROBLEM)),
    security(("token" = [])))]
pub async fn action_create(
    State(st): St,
    cx: ApiCtx,
    Path(id): Path<String>,
    Json(b): Json<ActionIn>,
) -> Result<(StatusCode, Json<ActionOut>), ApiError> {
    let a = st.app.reader(cx.actor()).find(&id).await?;
    let item = item_no(&st, b.item)?;
    let editor = st.app.editor(cx.actor()).ok_or(AppError::Forbidden)?;
    let row = editor
        .add_action(
            &a.id,
            item,
            &b.title,
            b.owner.as_deref(),
            b.due.as_deref(),
            b.note.as_deref(),
        )
        .await?;
    Ok((StatusCode::CREATED, Json(action_out(row))))
}

/// Changes an action's status (assessors and administrators).
#[utoipa::path(patch, path = "/api/v1/assessments/{id}/actions/{action}", tag = "cycle", request_body = ActionChange,
    params(("id" = String, Path, description = "Assessment id"), ("action" = i64, Path, description = "Action id")),
    responses((status = 200, body = ActionOut), (status = 403, body = Problem, content_type = PROBLEM),
        (status = 404, body = Problem, content_type = PROBLEM), (status = 422, body = Problem, content_type = PROBLEM)),
    security(("token" = [])))]
pub async fn action_update(
    State(st): St,
    cx: ApiCtx,
    Path((id, action)): Path<(String, i64)>,
    Json(b): Json<ActionChange>,
) -> Result<Json<ActionOut>, ApiError> {
    let reader = st.app.reader(cx.actor());
    let a = reader.find(&id).await?;
    if !reader.actions(&a.id).await?.iter().any(|x| x.id == action) {
        return Err(ApiError::NotFound);
    }
    let editor = st.app.editor(cx.actor()).ok_or(AppError::Forbidden)?;
    let status = parse_action_status(&b.status)?;
    Ok(Json(action_out(
        editor.set_action(action, status, b.note.as_deref()).await?,
    )))
}

/// The assessment's evidence files (metadata), by id.
#[utoipa::path(get, path = "/api/v1/assessments/{id}/evidence", tag = "cycle",
    params(("id" = String, Path, description = "Assessment id"), PageQuery),
    responses((status = 200, body = Page<EvidenceOut>), (status = 404, body = Problem, content_type = PROBLEM)),
    security(("token" = [])))]
pub async fn evidence(
    State(st): St,
    cx: ApiCtx,
    Path(id): Path<String>,
    Query(q): Query<PageQuery>,
) -> Result<Json<Page<EvidenceOut>>, ApiError> {
    let items = st
        .app
        .reader(cx.actor())
        .evidence_list(&id)
        .await?
        .into_iter()
        .map(|e| EvidenceOut {
            id: e.id,
            item: e.item_no,
            name: e.name,
            media_type: e.media_type,
            size: e.size,
            sha256: e.sha256,
            uploaded_by: e.uploaded_by,
            uploaded_at: e.uploaded_at,
            valid_until: e.valid_until,
        })
        .collect();
    Ok(Json(paginate(
        items,
        |e: &EvidenceOut| format!("{:020}", e.id),
        &q,
    )?))
}

/// An evidence file's bytes, as uploaded (`Content-Disposition: attachment`).
#[utoipa::path(get, path = "/api/v1/evidence/{eid}", tag = "cycle",
    params(("eid" = i64, Path, description = "Evidence id")),
    responses((status = 200, description = "The file, with the media type it was uploaded with", content_type = "*/*", body = Vec<u8>),
        (status = 404, body = Problem, content_type = PROBLEM)),
    security(("token" = [])))]
pub async fn evidence_download(
    State(st): St,
    cx: ApiCtx,
    Path(eid): Path<i64>,
) -> Result<Response, ApiError> {
    let (row, bytes) = st.app.reader(cx.actor()).evidence_get(eid).await?;
    let mut res = crate::routes::downloads::download(bytes, "application/octet-stream", &row.name);
    if let Ok(v) = HeaderValue::from_str(&row.media_type) {
        res.headers_mut().insert(header::CONTENT_TYPE, v);
    }
    res.headers_mut().insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    Ok(res.into_response())
}

/// The sign-off steps, in order.
#[utoipa::path(get, path = "/api/v1/assessments/{id}/signoffs", tag = "cycle",
    params(("id" = String, Path, description = "Assessment id"), PageQuery),
    responses((status = 200, body = Page<SignOffOut>), (status = 404, body = Problem, content_type = PROBLEM)),
    security(("token" = [])))]
pub async fn signoffs(
    State(st): St,
    cx: ApiCtx,
    Path(id): Path<String>,
    Query(q): Query<PageQuery>,
) -> Result<Json<Page<SignOffOut>>, ApiError> {
    let items = st
        .app
        .reader(cx.actor())
        .signoffs(&id)
        .await?
        .into_iter()
        .map(signoff_out)
        .collect();
    Ok(Json(paginate(
        items,
        |s: &SignOffOut| format!("{:020}", s.seq),
        &q,
    )?))
}

/// Takes a sign-off step: 提出 (`submit`), 確認 (`confirm`), 承認 (`approve`) or 差戻し
/// (`return`, with a comment), as the user's role and the separation of duties allow.
#[utoipa::path(post, path = "/api/v1/assessments/{id}/signoffs", tag = "cycle", request_body = DecisionIn,
    params(("id" = String, Path, description = "Assessment id")),
    responses((status = 201, body = SignOffOut), (status = 403, body = Problem, content_type = PROBLEM),
        (status = 404, body = Problem, content_type = PROBLEM), (status = 422, body = Problem, content_type = PROBLEM)),
    security(("token" = [])))]
pub async fn decide(
    State(st): St,
    cx: ApiCtx,
    Path(id): Path<String>,
    Json(b): Json<DecisionIn>,
) -> Result<(StatusCode, Json<SignOffOut>), ApiError> {
    let a = st.app.reader(cx.actor()).find(&id).await?;
    let decision = Decision::from_key(&b.decision)
        .ok_or_else(|| ApiError::bad("api.bad_decision", &[("decision", &b.decision)]))?;
    if !cx.actor().role.may_decide(decision) {
        return Err(AppError::Forbidden.into());
    }
    let signer = st.app.signer(cx.actor()).ok_or(AppError::Forbidden)?;
    let s = signer.decide(&a.id, decision, b.comment.as_deref()).await?;
    Ok((StatusCode::CREATED, Json(signoff_out(s))))
}
