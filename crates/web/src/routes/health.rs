//! `/healthz` (the process answers) and `/readyz` (the database answers and its schema is this
//! kojo's): unauthenticated, plain text, nothing else revealed.

use crate::AppState;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use std::sync::Arc;

fn plain(status: StatusCode, body: &'static str) -> Response {
    (
        status,
        [
            (header::CACHE_CONTROL, "no-store"),
            (header::CONTENT_TYPE, "text/plain; charset=utf-8"),
        ],
        body,
    )
        .into_response()
}

pub async fn healthz() -> Response {
    plain(StatusCode::OK, "ok\n")
}

pub async fn readyz(State(st): State<Arc<AppState>>) -> Response {
    match st.app.ready().await {
        true => plain(StatusCode::OK, "ready\n"),
        false => plain(StatusCode::SERVICE_UNAVAILABLE, "not ready\n"),
    }
}
