//! Errors of web handlers: a page for people, never a stack trace or SQL.
//!
//! Handlers return `Result<Response, WebError>` and use `?`. [`WebError::into_response`] makes
//! a plain bilingual page and tags the response with the error; the session middleware, which
//! knows the request's language and user, renders the tagged error again as a full page
//! ([`WebError::render`]). One place turns errors into pages; no handler wraps its body.

use crate::ctx::{Ctx, LoginRequired};
use crate::views;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use kojo_app::AppError;
use kojo_i18n::Lang;

/// What a handler can fail with.
#[derive(Debug, Clone, thiserror::Error)]
pub enum WebError {
    /// Absent or not visible (the same answer for both).
    #[error("not found")]
    NotFound,
    /// Visible but the role may not do it.
    #[error("forbidden")]
    Forbidden,
    /// Missing or wrong CSRF token.
    #[error("csrf")]
    Csrf,
    /// Body over the limit.
    #[error("too large")]
    TooLarge,
    /// Not logged in.
    #[error("login required")]
    Login,
    /// Bad input with a message in both languages.
    #[error("{en}")]
    Bad {
        /// Japanese.
        ja: String,
        /// English.
        en: String,
    },
    /// Internal failure (logged; the page says only that something went wrong).
    #[error("internal: {0}")]
    Internal(String),
}

impl From<AppError> for WebError {
    fn from(e: AppError) -> Self {
        match e {
            AppError::NotFound { .. } | AppError::Ambiguous(_) => WebError::NotFound,
            AppError::Forbidden => WebError::Forbidden,
            AppError::Internal(d) => WebError::Internal(d),
            other => WebError::Bad {
                ja: other.message(Lang::Ja),
                en: other.message(Lang::En),
            },
        }
    }
}

impl WebError {
    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        match self {
            WebError::NotFound => StatusCode::NOT_FOUND,
            WebError::Forbidden | WebError::Csrf => StatusCode::FORBIDDEN,
            WebError::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            WebError::Login => StatusCode::SEE_OTHER,
            WebError::Bad { .. } => StatusCode::BAD_REQUEST,
            WebError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn key(&self) -> &'static str {
        match self {
            WebError::NotFound => "web.error.not_found",
            WebError::Forbidden => "web.error.forbidden",
            WebError::Csrf => "web.error.csrf",
            WebError::TooLarge => "web.error.too_large",
            WebError::Login => "web.error.login",
            WebError::Bad { .. } => "web.error.bad",
            WebError::Internal(_) => "web.error.internal",
        }
    }

    /// The error page in the request's language (a redirect for [`WebError::Login`]).
    pub fn render(&self, ctx: &Ctx) -> Response {
        if let WebError::Login = self {
            return Redirect::to(if ctx.expired {
                "/login?expired=1"
            } else {
                "/login"
            })
            .into_response();
        }
        let detail = match self {
            WebError::Bad { ja, en } => Some(if ctx.lang == Lang::Ja {
                ja.clone()
            } else {
                en.clone()
            }),
            _ => None,
        };
        let mut res = views::render(&views::ErrorPage {
            page: views::Page::new(ctx, "error"),
            status: self.status().as_u16(),
            message: kojo_i18n::t(ctx.lang, self.key()),
            detail,
        });
        *res.status_mut() = self.status();
        res
    }
}

/// The tag on a response made from an error, for the session middleware to render in full.
#[derive(Debug, Clone)]
pub struct Rendered(pub WebError);

impl IntoResponse for WebError {
    fn into_response(self) -> Response {
        if let WebError::Internal(d) = &self {
            tracing::error!(detail = %d, "internal error");
        }
        // Without the request context: a minimal bilingual page (or the login redirect), which
        // the session middleware replaces by the full page.
        let mut res = if let WebError::Login = self {
            Redirect::to("/login").into_response()
        } else {
            let detail = match &self {
                WebError::Bad { ja, en } => format!("{ja} / {en}"),
                _ => String::new(),
            };
            let body = views::bare_error(
                self.status().as_u16(),
                kojo_i18n::t(Lang::Ja, self.key()),
                kojo_i18n::t(Lang::En, self.key()),
                &detail,
            );
            (self.status(), axum::response::Html(body)).into_response()
        };
        res.extensions_mut().insert(Rendered(self));
        res
    }
}

impl IntoResponse for LoginRequired {
    fn into_response(self) -> Response {
        WebError::Login.into_response()
    }
}

impl From<kojo_xlsx::XlsxError> for WebError {
    fn from(e: kojo_xlsx::XlsxError) -> Self {
        WebError::Internal(e.to_string())
    }
}
