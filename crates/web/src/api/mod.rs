//! The REST API, `/api/v1`: personal tokens (`Authorization: Bearer kojo_…`), never cookies;
//! JSON in and out; errors as RFC 9457 `application/problem+json` in the language of
//! `Accept-Language` (else the token user's); cursor pagination with a documented limit per
//! route; the OpenAPI 3.1 document generated from these handlers ([`openapi`]).
//!
//! Like the pages, every route is declared once in [`API_ROUTES`]'s table, from which the router
//! is built, so the authorization matrix and the route↔spec test see every route.

pub mod openapi;

mod assessments;
mod catalog;
mod cycle;
mod cycle_dto;
mod dto;
mod problem;
mod sites;

use crate::AppState;
use axum::Router;
use axum::extract::{FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use kojo_app::{Actor, ApiSession, Scope};
use kojo_i18n::Lang;
use std::sync::Arc;

pub use problem::{ApiError, Problem};

/// `axum::Json` whose rejection (malformed JSON, unknown fields, a body over the limit) is a
/// problem document like every other API error.
#[derive(Debug, Clone, Copy, Default, axum::extract::FromRequest)]
#[from_request(via(axum::Json), rejection(ApiError))]
pub struct Json<T>(pub T);

impl<T: serde::Serialize> IntoResponse for Json<T> {
    fn into_response(self) -> Response {
        axum::Json(self.0).into_response()
    }
}

/// `axum::extract::Path` with a problem document as its rejection.
#[derive(Debug, Clone, axum::extract::FromRequestParts)]
#[from_request(via(axum::extract::Path), rejection(ApiError))]
pub struct Path<T>(pub T);

/// `axum::extract::Query` with a problem document as its rejection.
#[derive(Debug, Clone, axum::extract::FromRequestParts)]
#[from_request(via(axum::extract::Query), rejection(ApiError))]
pub struct Query<T>(pub T);

/// One API route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ApiRoute {
    /// HTTP method.
    pub method: &'static str,
    /// Path pattern (`/api/v1/assessments/{id}`).
    pub path: &'static str,
    /// Whether a token is needed (every route but the OpenAPI document).
    pub authed: bool,
}

macro_rules! api_table {
    ($( $authed:ident $method:ident $path:literal => $handler:path ;)*) => {
        /// Every API route, in declaration order.
        pub const API_ROUTES: &[ApiRoute] = &[
            $( ApiRoute { method: crate::const_upper(stringify!($method)), path: $path, authed: api_table!(@authed $authed) }, )*
        ];

        fn add(mut public: Router<Arc<AppState>>, mut authed: Router<Arc<AppState>>) -> (Router<Arc<AppState>>, Router<Arc<AppState>>) {
            $( api_table!(@add $authed public authed $method $path $handler); )*
            (public, authed)
        }
    };
    (@authed Public) => { false };
    (@authed Token) => { true };
    (@add Public $p:ident $a:ident $method:ident $path:literal $handler:path) => {
        $p = $p.route($path, axum::routing::$method($handler));
    };
    (@add Token $p:ident $a:ident $method:ident $path:literal $handler:path) => {
        $a = $a.route($path, axum::routing::$method($handler));
    };
}

api_table! {
    Public get "/api/openapi.json" => openapi::document;
    Token get "/api/v1/catalog" => catalog::get;
    Token get "/api/v1/catalog/items/{item}" => catalog::item;
    Token get "/api/v1/sites" => sites::list;
    Token post "/api/v1/sites" => sites::create;
    Token get "/api/v1/sites/{code}" => sites::get;
    Token get "/api/v1/sites/{code}/lines" => sites::lines;
    Token post "/api/v1/sites/{code}/lines" => sites::line_create;
    Token get "/api/v1/portfolio" => sites::portfolio;
    Token get "/api/v1/assessments" => assessments::list;
    Token post "/api/v1/assessments" => assessments::create;
    Token get "/api/v1/assessments/{id}" => assessments::get;
    Token put "/api/v1/assessments/{id}/answers/{item}" => assessments::answer;
    Token post "/api/v1/assessments/{id}/answers" => assessments::answer_many;
    Token get "/api/v1/assessments/{id}/diff" => assessments::diff;
    Token get "/api/v1/assessments/{id}/reviews" => cycle::reviews;
    Token put "/api/v1/assessments/{id}/reviews/{item}" => cycle::review;
    Token get "/api/v1/assessments/{id}/actions" => cycle::actions;
    Token post "/api/v1/assessments/{id}/actions" => cycle::action_create;
    Token patch "/api/v1/assessments/{id}/actions/{action}" => cycle::action_update;
    Token get "/api/v1/assessments/{id}/evidence" => cycle::evidence;
    Token get "/api/v1/evidence/{eid}" => cycle::evidence_download;
    Token get "/api/v1/assessments/{id}/signoffs" => cycle::signoffs;
    Token post "/api/v1/assessments/{id}/signoffs" => cycle::decide;
}

/// The API's routes on a router of their own: no session, no cookies, no CSRF; the token
/// middleware in front of every authenticated route.
pub(crate) fn router(state: Arc<AppState>) -> Router<Arc<AppState>> {
    let (public, authed) = add(Router::new(), Router::new());
    let authed = authed.layer(axum::middleware::from_fn_with_state(state, bearer));
    public.merge(authed)
}

/// The answer to a path under `/api/` that no route has.
pub(crate) fn not_found(headers: &axum::http::HeaderMap) -> Response {
    Problem::of(&ApiError::NotFound, negotiate(headers).unwrap_or_default()).into_response()
}

/// A request authenticated by a token.
#[derive(Debug, Clone)]
pub struct ApiCtx {
    /// The token's session.
    pub session: Arc<ApiSession>,
    /// Response language.
    pub lang: Lang,
}

impl ApiCtx {
    /// The acting user.
    pub fn actor(&self) -> &Actor {
        &self.session.actor
    }
}

impl<S: Send + Sync> FromRequestParts<S> for ApiCtx {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        parts
            .extensions
            .get::<ApiCtx>()
            .cloned()
            .ok_or(ApiError::Unauthorized)
    }
}

/// The language a client asks for: the first of `Accept-Language`'s tags (by q) that kojo has.
pub(crate) fn negotiate(headers: &axum::http::HeaderMap) -> Option<Lang> {
    let v = headers.get(header::ACCEPT_LANGUAGE)?.to_str().ok()?;
    let mut tags: Vec<(f32, Lang)> = v
        .split(',')
        .filter_map(|part| {
            let mut it = part.split(';');
            let tag = it.next()?.trim();
            let q = it
                .find_map(|p| p.trim().strip_prefix("q="))
                .and_then(|q| q.trim().parse::<f32>().ok())
                .unwrap_or(1.0);
            let lang = tag.split('-').next()?.parse::<Lang>().ok()?;
            (q > 0.0).then_some((q, lang))
        })
        .collect();
    // Stable: equal weights keep the client's order.
    tags.sort_by(|a, b| b.0.total_cmp(&a.0));
    tags.first().map(|t| t.1)
}

/// Authenticates the bearer token; refuses anything but reading to a `read` token; renders
/// errors as problems in the request's language.
async fn bearer(State(st): State<Arc<AppState>>, mut req: Request, next: Next) -> Response {
    let asked = negotiate(req.headers());
    let fail = |e: ApiError, lang: Option<Lang>| {
        Problem::of(&e, lang.or(asked).unwrap_or_default()).into_response()
    };
    let token = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(|t| t.trim().to_string());
    let Some(token) = token else {
        return fail(ApiError::Unauthorized, None);
    };
    let (client, _) = crate::session::client_of(&st, &req);
    let session = match st.app.api_session(&token, &client.to_string()).await {
        Ok(Some(s)) => s,
        Ok(None) => return fail(ApiError::Unauthorized, None),
        Err(e) => return fail(ApiError::from(e), None),
    };
    let lang = asked.unwrap_or(session.lang);
    if session.scope == Scope::Read && !matches!(*req.method(), Method::GET | Method::HEAD) {
        return fail(ApiError::ReadOnlyToken, Some(lang));
    }
    req.extensions_mut().insert(ApiCtx {
        session: Arc::new(session),
        lang,
    });
    let res = next.run(req).await;
    // Handlers' errors carry the error; render it again in the request's language.
    match res.extensions().get::<problem::Failed>() {
        Some(problem::Failed(e)) => {
            let e = e.clone();
            Problem::of(&e, lang).into_response()
        }
        None => res,
    }
}
