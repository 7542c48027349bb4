//! RFC 9457 problem details: `application/problem+json`, with the same ja/en messages as the
//! web. A 409 carries the current value (`current`); invalid fields are listed (`errors`).

use super::dto::AnswerOut;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use kojo_app::AppError;
use kojo_i18n::{Lang, t};
use serde::Serialize;
use utoipa::ToSchema;

/// What an API handler can fail with.
#[derive(Debug, Clone)]
pub enum ApiError {
    /// No token, or an unknown, revoked or expired one.
    Unauthorized,
    /// A `read` token asked to change something.
    ReadOnlyToken,
    /// Absent or not visible.
    NotFound,
    /// Bad request body or parameters (a message in both languages).
    BadRequest {
        /// Japanese.
        ja: String,
        /// English.
        en: String,
    },
    /// The body is over the limit.
    TooLarge,
    /// Anything the app refused or failed with.
    App(std::sync::Arc<AppError>),
}

impl ApiError {
    fn rejected(status: StatusCode, detail: String) -> ApiError {
        if status == StatusCode::PAYLOAD_TOO_LARGE {
            return ApiError::TooLarge;
        }
        ApiError::bad("api.bad_request_detail", &[("detail", &detail)])
    }
}

impl From<axum::extract::rejection::JsonRejection> for ApiError {
    fn from(r: axum::extract::rejection::JsonRejection) -> Self {
        ApiError::rejected(r.status(), r.body_text())
    }
}

impl From<axum::extract::rejection::PathRejection> for ApiError {
    fn from(r: axum::extract::rejection::PathRejection) -> Self {
        ApiError::rejected(r.status(), r.body_text())
    }
}

impl From<axum::extract::rejection::QueryRejection> for ApiError {
    fn from(r: axum::extract::rejection::QueryRejection) -> Self {
        ApiError::rejected(r.status(), r.body_text())
    }
}

impl From<AppError> for ApiError {
    fn from(e: AppError) -> Self {
        ApiError::App(std::sync::Arc::new(e))
    }
}

impl ApiError {
    /// A bad request from a message key of the i18n files.
    pub fn bad(key: &str, args: &[(&str, &dyn std::fmt::Display)]) -> ApiError {
        ApiError::BadRequest {
            ja: kojo_i18n::tr(Lang::Ja, key, args),
            en: kojo_i18n::tr(Lang::En, key, args),
        }
    }
}

/// A field that failed validation.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FieldProblem {
    /// The field's key (`reason`, `review_by`, …).
    pub field: String,
    /// Why.
    pub message: String,
}

/// RFC 9457 problem details.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Problem {
    /// A URI naming the kind of problem (`urn:kojo:problem:…`).
    #[serde(rename = "type")]
    pub kind: String,
    /// A short summary of the kind, in the response language.
    pub title: String,
    /// The HTTP status.
    pub status: u16,
    /// What happened here, in the response language.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// On 409: the value stored now (answer and its version).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub current: Option<AnswerOut>,
    /// On 422: the invalid fields.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldProblem>,
}

/// Tags a handler's error response so the token middleware renders it in the request's
/// language.
#[derive(Debug, Clone)]
pub(crate) struct Failed(pub ApiError);

impl Problem {
    /// The problem for `e` in `lang`.
    pub fn of(e: &ApiError, lang: Lang) -> Problem {
        let (status, slug, detail) = match e {
            ApiError::Unauthorized => (StatusCode::UNAUTHORIZED, "unauthorized", None),
            ApiError::ReadOnlyToken => (StatusCode::FORBIDDEN, "read_only_token", None),
            ApiError::NotFound => (StatusCode::NOT_FOUND, "not_found", None),
            ApiError::TooLarge => (StatusCode::PAYLOAD_TOO_LARGE, "too_large", None),
            ApiError::BadRequest { ja, en } => (
                StatusCode::BAD_REQUEST,
                "bad_request",
                Some(if lang == Lang::Ja {
                    ja.clone()
                } else {
                    en.clone()
                }),
            ),
            ApiError::App(a) => match a.as_ref() {
                AppError::NotFound { .. } | AppError::Ambiguous(_) => {
                    (StatusCode::NOT_FOUND, "not_found", None)
                }
                AppError::Forbidden => (StatusCode::FORBIDDEN, "forbidden", None),
                AppError::Conflict { .. } => {
                    (StatusCode::CONFLICT, "conflict", Some(a.message(lang)))
                }
                AppError::Locked { .. } => (StatusCode::CONFLICT, "locked", Some(a.message(lang))),
                AppError::Duplicate { .. } => {
                    (StatusCode::CONFLICT, "duplicate", Some(a.message(lang)))
                }
                AppError::Internal(d) => {
                    tracing::error!(detail = %d, "internal error (API)");
                    (StatusCode::INTERNAL_SERVER_ERROR, "internal", None)
                }
                other => (
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "invalid",
                    Some(other.message(lang)),
                ),
            },
        };
        let current = match e {
            ApiError::App(a) => match a.as_ref() {
                AppError::Conflict { item, current } => Some(match current {
                    Some(c) => AnswerOut::of(c),
                    None => AnswerOut::unanswered(*item),
                }),
                _ => None,
            },
            _ => None,
        };
        let errors = match e {
            ApiError::App(a) => match a.as_ref() {
                AppError::Invalid(errs) => errs
                    .0
                    .iter()
                    .map(|f| FieldProblem {
                        field: f.field.key().to_string(),
                        message: f.message(lang),
                    })
                    .collect(),
                _ => Vec::new(),
            },
            _ => Vec::new(),
        };
        Problem {
            kind: format!("urn:kojo:problem:{slug}"),
            title: t(lang, &format!("api.problem.{slug}")).to_string(),
            status: status.as_u16(),
            detail,
            current,
            errors,
        }
    }
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let body = serde_json::to_vec(&self).unwrap_or_default();
        let mut res = (status, body).into_response();
        res.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        );
        if status == StatusCode::UNAUTHORIZED {
            res.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"kojo\""),
            );
        }
        res
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        // Japanese until the middleware, which knows the request's language, renders it again.
        let mut res = Problem::of(&self, Lang::Ja).into_response();
        res.extensions_mut().insert(Failed(self));
        res
    }
}
