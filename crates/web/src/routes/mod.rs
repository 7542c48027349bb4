//! Route handlers, one file per resource. Each handler resolves what the user may do through
//! the app's role-limited handles; authenticated handlers take [`crate::ctx::Authed`].

pub mod actions;
pub mod activities;
pub mod admin;
pub mod assessment;
pub mod auth;
pub mod catalog;
pub mod cycle;
pub mod dashboard;
pub mod diff;
pub mod downloads;
pub mod evidence;
pub mod health;
pub mod import;
pub mod inherit;
pub mod item_view;
pub mod items;
pub mod keys;
pub mod portfolio;
pub mod queue;
pub mod receive;
pub mod register_entries;
pub mod register_import;
pub mod registers;
pub mod review;
pub mod sites;
pub mod submit;
pub mod suppliers;
pub mod tokens;
pub mod versions;

use crate::ctx::Ctx;
use crate::error::WebError;
use axum::response::{IntoResponse, Response};
use kojo_domain::FiscalYear;

/// Anything the router does not know (under `/api/`: a problem document, not a page).
pub async fn not_found(_: Ctx, uri: axum::http::Uri, headers: axum::http::HeaderMap) -> Response {
    if uri.path().starts_with("/api/") {
        return crate::api::not_found(&headers);
    }
    WebError::NotFound.into_response()
}

/// A rate as a percentage with one decimal, `—` when undefined.
pub(crate) fn pct(r: Option<f64>) -> String {
    r.map(|r| format!("{:.1}%", r * 100.0))
        .unwrap_or_else(|| "—".into())
}

/// The fiscal year of today (the default period of new assessments).
pub(crate) fn current_fy() -> u16 {
    FiscalYear::containing(chrono::Local::now().date_naive()).year()
}

/// Plant, or plant and line, of an assessment.
pub(crate) fn scope(a: &kojo_app::Assessment) -> String {
    match (&a.line_code, &a.line_name) {
        (Some(c), Some(n)) => format!("{} / {} {}", a.site_name, c, n),
        _ => a.site_name.clone(),
    }
}

/// A plant's name, with the line's code when the scope is one line.
pub(crate) fn scope_of(site_name: &str, line_code: Option<&str>) -> String {
    match line_code {
        Some(l) => format!("{site_name} / {l}"),
        None => site_name.to_string(),
    }
}

/// A size in bytes as people read it (B, KiB, MiB).
pub(crate) fn size(bytes: i64) -> String {
    const KIB: i64 = 1024;
    if bytes < KIB {
        format!("{bytes} B")
    } else if bytes < KIB * KIB {
        format!("{:.1} KiB", bytes as f64 / KIB as f64)
    } else {
        format!("{:.1} MiB", bytes as f64 / (KIB * KIB) as f64)
    }
}

/// A stored timestamp (RFC 3339) as people read it: `2026-04-01 09:30`, or with seconds.
pub(crate) fn when(stamp: &str, seconds: bool) -> String {
    stamp
        .get(..if seconds { 19 } else { 16 })
        .unwrap_or("")
        .replace('T', " ")
}
