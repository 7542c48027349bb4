//! The session middleware: resolves the session, language and client address of every request,
//! checks CSRF tokens, renders tagged errors as full pages, and sets cookies. Also the
//! middleware that keeps anonymous users off the authenticated router.

use crate::AppState;
use crate::ctx::Ctx;
use crate::error::{Rendered, WebError};
use axum::body::Body;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use kojo_app::SessionLookup;
use kojo_i18n::Lang;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

pub const SESSION_COOKIE: &str = "kojo_session";
pub const PRE_CSRF_COOKIE: &str = "kojo_csrf";
pub const LANG_COOKIE: &str = "kojo_lang";

use kojo_app::random_token;

/// The CSRF token as a page carries it: a fresh random pad and the token XOR the pad, in
/// base64url (86 characters). The secret is then different in every response, so compressing
/// pages (which hold it next to text an attacker may choose) does not leak it byte by byte
/// (BREACH).
pub(crate) fn mask_csrf(token: &str) -> String {
    use base64::Engine;
    let pad = random_token();
    let (Some(t), Some(p)) = (unhex(token), unhex(&pad)) else {
        return token.to_string();
    };
    let mut out = p.clone();
    out.extend(t.iter().zip(&p).map(|(a, b)| a ^ b));
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(out)
}

/// The token inside a masked one ([`mask_csrf`]); an unmasked token as it is.
fn unmask_csrf(provided: &str) -> String {
    use base64::Engine;
    if provided.len() == 86
        && let Ok(b) = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(provided)
        && b.len() == 64
    {
        let (p, m) = b.split_at(32);
        return p
            .iter()
            .zip(m)
            .map(|(a, b)| format!("{:02x}", a ^ b))
            .collect();
    }
    provided.to_string()
}

fn unhex(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) || !s.is_ascii() {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).ok())
        .collect()
}

/// Compares two tokens in time independent of where they differ.
fn ct_eq(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// A cookie's value from the request headers.
pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .find_map(|kv| {
            let (k, v) = kv.trim().split_once('=')?;
            (k == name).then(|| v.to_string())
        })
}

/// Appends a `Set-Cookie` header. Values are hex tokens and language codes; a value that could
/// not be a header (never expected) sets no cookie rather than an empty header.
pub fn set_cookie(res: &mut Response, name: &str, value: &str, https: bool, max_age: Option<i64>) {
    let mut c = format!("{name}={value}; Path=/; HttpOnly; SameSite=Lax");
    if let Some(a) = max_age {
        c.push_str(&format!("; Max-Age={a}"));
    }
    if https {
        c.push_str("; Secure");
    }
    match HeaderValue::from_str(&c) {
        Ok(v) => {
            res.headers_mut().append(header::SET_COOKIE, v);
        }
        Err(e) => tracing::error!(error = %e, cookie = name, "cookie value is not a header value"),
    }
}

pub(crate) fn accept_lang(headers: &HeaderMap) -> Option<Lang> {
    let v = headers.get(header::ACCEPT_LANGUAGE)?.to_str().ok()?;
    let first = v.split(',').next()?.split(';').next()?.trim();
    first.split('-').next()?.parse().ok()
}

/// The client's address and whether the request came over HTTPS: the trusted proxy's headers
/// when the peer is that proxy, the peer otherwise.
pub(crate) fn client_of(st: &AppState, req: &Request) -> (IpAddr, bool) {
    let peer = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip())
        .unwrap_or(IpAddr::from([127, 0, 0, 1]));
    let headers = req.headers();
    let from_proxy = st.config.trusted_proxy == Some(peer);
    let https = from_proxy
        && headers
            .get("x-forwarded-proto")
            .and_then(|v| v.to_str().ok())
            == Some("https");
    let client = if from_proxy {
        headers
            .get("x-forwarded-for")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.rsplit(',').next())
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or(peer)
    } else {
        peer
    };
    (client, https)
}

/// Resolves the session, language and client address; checks the idle timeout and CSRF;
/// renders errors that handlers returned as full pages in the request's language.
pub async fn session_layer(State(st): State<Arc<AppState>>, req: Request, next: Next) -> Response {
    // A page is several reads: on one connection, they skip the pool's hand-back between them.
    // Not for requests with a body, which could hold the connection while a slow client sends.
    if req.method() == Method::GET || req.method() == Method::HEAD {
        st.app
            .pinned(with_session(Arc::clone(&st), req, next))
            .await
    } else {
        with_session(st, req, next).await
    }
}

async fn with_session(st: Arc<AppState>, req: Request, next: Next) -> Response {
    let (client, https) = client_of(&st, &req);
    let headers = req.headers().clone();
    let pre = cookie(&headers, PRE_CSRF_COOKIE).filter(|c| c.len() == 64);
    let cookie_lang = cookie(&headers, LANG_COOKIE).and_then(|l| l.parse().ok());
    let mut ctx = Ctx {
        session: None,
        lang: cookie_lang
            .or_else(|| accept_lang(&headers))
            .unwrap_or(Lang::Ja),
        client,
        https,
        csrf: String::new(),
        new_pre_csrf: false,
        expired: false,
    };
    if let Some(token) = cookie(&headers, SESSION_COOKIE) {
        match st
            .app
            .session(&token, &client.to_string(), st.config.session_idle)
            .await
        {
            Ok(SessionLookup::Active(s)) => {
                ctx.lang = s.lang;
                ctx.session = Some(Arc::new(s));
            }
            Ok(SessionLookup::Expired) => ctx.expired = true,
            Ok(SessionLookup::None) => {}
            Err(e) => return WebError::from(e).render(&ctx),
        }
    }
    (ctx.csrf, ctx.new_pre_csrf) = match (&ctx.session, &pre) {
        (Some(s), _) => (s.csrf.clone(), false),
        (None, Some(p)) => (p.clone(), false),
        (None, None) => (random_token(), true),
    };

    // CSRF: every state-changing request carries the token (form field, query or header).
    let req = if req.method() != Method::GET && req.method() != Method::HEAD {
        let expected = match (&ctx.session, &pre) {
            (Some(s), _) => Some(s.csrf.clone()),
            (None, p) => p.clone(),
        };
        let (parts, body) = req.into_parts();
        let mut provided = parts
            .headers
            .get("x-csrf-token")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        if provided.is_none() {
            provided = parts.uri.query().and_then(|q| {
                serde_urlencoded::from_str::<Vec<(String, String)>>(q)
                    .ok()?
                    .into_iter()
                    .find(|(k, _)| k == "_csrf")
                    .map(|(_, v)| v)
            });
        }
        let is_form = parts
            .headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
        let body = if provided.is_none() && is_form {
            let bytes = match axum::body::to_bytes(body, st.config.max_form_bytes).await {
                Ok(b) => b,
                Err(_) => return WebError::TooLarge.render(&ctx),
            };
            provided = serde_urlencoded::from_bytes::<Vec<(String, String)>>(&bytes)
                .ok()
                .and_then(|v| v.into_iter().find(|(k, _)| k == "_csrf").map(|(_, v)| v));
            Body::from(bytes)
        } else {
            body
        };
        match (expected, provided) {
            (Some(e), Some(p)) if ct_eq(&e, &unmask_csrf(&p)) => {}
            _ => return WebError::Csrf.render(&ctx),
        }
        Request::from_parts(parts, body)
    } else {
        req
    };

    let mut req = req;
    req.extensions_mut().insert(ctx.clone());
    let mut res = next.run(req).await;
    if let Some(Rendered(e)) = res.extensions_mut().remove::<Rendered>() {
        res = e.render(&ctx);
    }
    if ctx.new_pre_csrf {
        set_cookie(&mut res, PRE_CSRF_COOKIE, &ctx.csrf, ctx.https, None);
    }
    if ctx.expired {
        set_cookie(&mut res, SESSION_COOKIE, "", ctx.https, Some(0));
    }
    res
}

/// Turns anonymous requests away from the authenticated router (to the login page).
pub async fn require_login(ctx: Ctx, req: Request, next: Next) -> Response {
    if ctx.session.is_none() {
        return WebError::Login.into_response();
    }
    next.run(req).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masked_csrf_tokens_differ_every_time_and_unmask_to_the_token() {
        let token = random_token();
        let (a, b) = (mask_csrf(&token), mask_csrf(&token));
        assert_ne!(a, b);
        assert_eq!(a.len(), 86);
        assert!(!a.contains(&token));
        assert_eq!(unmask_csrf(&a), token);
        assert_eq!(unmask_csrf(&b), token);
        // An unmasked token still works (API clients and old pages); a tampered mask does not.
        assert_eq!(unmask_csrf(&token), token);
        let mut bad = a.clone().into_bytes();
        bad[70] = if bad[70] == b'A' { b'B' } else { b'A' };
        assert_ne!(unmask_csrf(&String::from_utf8(bad).unwrap()), token);
        assert_eq!(unmask_csrf("ｘ".repeat(64).as_str()), "ｘ".repeat(64));
    }
}
