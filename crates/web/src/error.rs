//! Errors of web handlers: a page for people, never a stack trace or SQL.

use crate::auth::Ctx;
use crate::views;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use kojo_app::AppError;
use kojo_i18n::Lang;

/// What a handler can fail with.
#[derive(Debug, thiserror::Error)]
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

impl From<kojo_store::StoreError> for WebError {
    fn from(e: kojo_store::StoreError) -> Self {
        WebError::from(AppError::from(e))
    }
}

impl WebError {
    fn status(&self) -> StatusCode {
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

    /// The error page in the request's language.
    pub fn render(self, ctx: &Ctx) -> Response {
        if let WebError::Login = self {
            return Redirect::to(if ctx.expired {
                "/login?expired=1"
            } else {
                "/login"
            })
            .into_response();
        }
        if let WebError::Internal(d) = &self {
            tracing::error!(detail = %d, "internal error");
        }
        let detail = match &self {
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

impl IntoResponse for WebError {
    fn into_response(self) -> Response {
        // Without the request context: a minimal bilingual page.
        if let WebError::Login = self {
            return Redirect::to("/login").into_response();
        }
        if let WebError::Internal(d) = &self {
            tracing::error!(detail = %d, "internal error");
        }
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
    }
}
