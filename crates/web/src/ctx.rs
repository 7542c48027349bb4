//! What the session middleware establishes for every request. This module imports nothing of
//! the crate, so `session`, `error` and `views` can all depend on it without a cycle.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use kojo_app::{Actor, Session};
use kojo_i18n::Lang;
use std::net::IpAddr;
use std::sync::Arc;

/// Per-request facts: who (if anyone), language, client, CSRF token.
#[derive(Debug, Clone)]
pub struct Ctx {
    /// The signed-in user, if any.
    pub session: Option<Arc<Session>>,
    /// The language of this response.
    pub lang: Lang,
    /// The client address (from the trusted proxy's header when there is one).
    pub client: IpAddr,
    /// The request came over HTTPS (through the trusted proxy).
    pub https: bool,
    /// CSRF token for forms of this request (the session's, or the pre-session cookie's).
    pub csrf: String,
    /// A new pre-session CSRF cookie must be set.
    pub new_pre_csrf: bool,
    /// The session just ended because it was idle too long.
    pub expired: bool,
}

impl<S: Send + Sync> FromRequestParts<S> for Ctx {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        // The session middleware runs before every handler and always inserts a Ctx; the
        // fallback (Japanese, anonymous) is only reachable in a router built without it.
        Ok(parts.extensions.get::<Ctx>().cloned().unwrap_or(Ctx {
            session: None,
            lang: Lang::Ja,
            client: IpAddr::from([127, 0, 0, 1]),
            https: false,
            csrf: String::new(),
            new_pre_csrf: false,
            expired: false,
        }))
    }
}

/// A signed-in request: handlers of the authenticated router take this instead of [`Ctx`], so a
/// handler cannot forget the login check. Anonymous requests never reach them: the
/// `require_login` middleware on that router turns them away first (to the login page), and
/// this extractor refuses them again should a route ever be mounted elsewhere.
#[derive(Debug, Clone)]
pub struct Authed {
    /// The request's context.
    pub ctx: Ctx,
    /// The signed-in user.
    pub session: Arc<Session>,
}

impl Authed {
    /// The acting user, for the app's role-limited handles.
    pub fn actor(&self) -> &Actor {
        &self.session.actor
    }

    /// The response language.
    pub fn lang(&self) -> Lang {
        self.ctx.lang
    }
}

/// The rejection of an anonymous request: the error layer turns it into the login redirect.
#[derive(Debug)]
pub struct LoginRequired;

impl<S: Send + Sync> FromRequestParts<S> for Authed {
    type Rejection = LoginRequired;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let ctx = parts
            .extensions
            .get::<Ctx>()
            .cloned()
            .ok_or(LoginRequired)?;
        let session = ctx.session.clone().ok_or(LoginRequired)?;
        Ok(Authed { ctx, session })
    }
}
