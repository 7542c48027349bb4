//! Sessions, first-run setup, login with throttling, logout, language, CSRF.

use crate::views::{self, Page};
use crate::{AppState, error::WebError};
use axum::body::Body;
use axum::extract::{ConnectInfo, Form, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use kojo_app::{Actor, Role, password};
use kojo_i18n::Lang;
use kojo_store::{Session, User};
use rand::RngCore;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub const SESSION_COOKIE: &str = "kojo_session";
pub const PRE_CSRF_COOKIE: &str = "kojo_csrf";
pub const LANG_COOKIE: &str = "kojo_lang";

/// The logged-in user of a request.
#[derive(Debug, Clone)]
pub struct SessionInfo {
    pub user: User,
    pub actor: Actor,
    pub token_hash: String,
    pub csrf: String,
}

/// Per-request facts the middleware established.
#[derive(Debug, Clone)]
pub struct Ctx {
    pub session: Option<Arc<SessionInfo>>,
    pub lang: Lang,
    pub client: IpAddr,
    pub https: bool,
    /// CSRF token for forms of this request (session token, or the pre-session cookie's).
    pub csrf: String,
    /// A new pre-session CSRF cookie to set.
    pub new_pre_csrf: bool,
    /// The session just ended because it was idle too long.
    pub expired: bool,
}

fn random_token() -> String {
    let mut b = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut b);
    b.iter().map(|x| format!("{x:02x}")).collect()
}

pub fn sha256_hex(s: &str) -> String {
    Sha256::digest(s.as_bytes())
        .iter()
        .map(|x| format!("{x:02x}"))
        .collect()
}

fn ct_eq(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

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

fn set_cookie(name: &str, value: &str, https: bool, max_age: Option<i64>) -> HeaderValue {
    let mut c = format!("{name}={value}; Path=/; HttpOnly; SameSite=Lax");
    if let Some(a) = max_age {
        c.push_str(&format!("; Max-Age={a}"));
    }
    if https {
        c.push_str("; Secure");
    }
    HeaderValue::from_str(&c).unwrap_or_else(|_| HeaderValue::from_static(""))
}

fn now() -> chrono::DateTime<chrono::Utc> {
    chrono::Utc::now()
}

fn fmt(t: chrono::DateTime<chrono::Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
}

fn accept_lang(headers: &HeaderMap) -> Option<Lang> {
    let v = headers.get(header::ACCEPT_LANGUAGE)?.to_str().ok()?;
    let first = v.split(',').next()?.split(';').next()?.trim();
    first.split('-').next()?.parse().ok()
}

/// Resolves the session, language, client address; checks the idle timeout and CSRF.
pub async fn session_layer(State(st): State<Arc<AppState>>, req: Request, next: Next) -> Response {
    let peer = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip())
        .unwrap_or(IpAddr::from([127, 0, 0, 1]));
    let headers = req.headers().clone();
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
    let mut expired = false;
    let mut session = None;
    if let Some(token) = cookie(&headers, SESSION_COOKIE) {
        let hash = sha256_hex(&token);
        match st.app.store.session(&hash).await {
            Ok(Some((s, user))) => {
                let last = chrono::DateTime::parse_from_rfc3339(&s.last_seen)
                    .map(|d| d.with_timezone(&chrono::Utc))
                    .unwrap_or_else(|_| now());
                let idle = now()
                    .signed_duration_since(last)
                    .to_std()
                    .unwrap_or_default();
                if user.disabled || idle > st.config.session_idle {
                    if let Err(e) = st.app.store.delete_session(&hash).await {
                        tracing::error!(error = %e, "deleting an expired session failed");
                    }
                    if !user.disabled {
                        expired = true;
                        let _ = st
                            .app
                            .store
                            .audit(
                                Some(&user.name),
                                Some(&client.to_string()),
                                "session_timeout",
                                None,
                                None,
                            )
                            .await;
                    }
                } else {
                    let touch_every = (st.config.session_idle / 4).min(Duration::from_secs(30));
                    if idle > touch_every
                        && let Err(e) = st.app.store.touch_session(&hash, &fmt(now())).await
                    {
                        tracing::error!(error = %e, "touching a session failed");
                    }
                    let role = Role::from_key(&user.role).unwrap_or(Role::Viewer);
                    let actor = Actor {
                        name: user.name.clone(),
                        user_id: Some(user.id.clone()),
                        role,
                        client: Some(client.to_string()),
                    };
                    session = Some(Arc::new(SessionInfo {
                        actor,
                        token_hash: hash,
                        csrf: s.csrf_token.clone(),
                        user,
                    }));
                }
            }
            Ok(None) => {}
            Err(e) => return WebError::Internal(e.to_string()).into_response(),
        }
    }
    let lang = session
        .as_ref()
        .and_then(|s| s.user.lang.parse().ok())
        .or_else(|| cookie(&headers, LANG_COOKIE).and_then(|l| l.parse().ok()))
        .or_else(|| accept_lang(&headers))
        .unwrap_or(Lang::Ja);
    let pre = cookie(&headers, PRE_CSRF_COOKIE).filter(|c| c.len() == 64);
    let (csrf, new_pre_csrf) = match (&session, &pre) {
        (Some(s), _) => (s.csrf.clone(), false),
        (None, Some(p)) => (p.clone(), false),
        (None, None) => (random_token(), true),
    };
    let ctx = Ctx {
        session,
        lang,
        client,
        https,
        csrf,
        new_pre_csrf,
        expired,
    };

    // CSRF: every state-changing request carries the token (form field, query or header).
    let (req, ctx) = if req.method() != Method::GET && req.method() != Method::HEAD {
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
            (Some(e), Some(p)) if ct_eq(&e, &p) => {}
            _ => return WebError::Csrf.render(&ctx),
        }
        (Request::from_parts(parts, body), ctx)
    } else {
        (req, ctx)
    };

    let mut req = req;
    req.extensions_mut().insert(ctx.clone());
    let mut res = next.run(req).await;
    if ctx.new_pre_csrf {
        res.headers_mut().append(
            header::SET_COOKIE,
            set_cookie(PRE_CSRF_COOKIE, &ctx.csrf, ctx.https, None),
        );
    }
    if ctx.expired {
        res.headers_mut().append(
            header::SET_COOKIE,
            set_cookie(SESSION_COOKIE, "", ctx.https, Some(0)),
        );
    }
    res
}

/// Login throttling: failures per account and per client address in a sliding window.
#[derive(Default)]
pub struct Throttle {
    failures: Mutex<HashMap<String, Vec<Instant>>>,
}

pub const WINDOW: Duration = Duration::from_secs(15 * 60);
pub const MAX_PER_ACCOUNT: usize = 5;
pub const MAX_PER_CLIENT: usize = 20;

impl Throttle {
    fn blocked(&self, key: &str, max: usize) -> bool {
        let mut m = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        let v = m.entry(key.to_string()).or_default();
        v.retain(|t| t.elapsed() < WINDOW);
        v.len() >= max
    }

    fn fail(&self, key: &str) {
        let mut m = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        m.entry(key.to_string()).or_default().push(Instant::now());
        if m.len() > 100_000 {
            m.retain(|_, v| v.iter().any(|t| t.elapsed() < WINDOW));
        }
    }

    fn clear(&self, key: &str) {
        self.failures
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(key);
    }
}

async fn start_session(st: &AppState, ctx: &Ctx, user: &User) -> Result<HeaderValue, WebError> {
    let token = random_token();
    let at = fmt(now());
    let s = Session {
        token_hash: sha256_hex(&token),
        user_id: user.id.clone(),
        csrf_token: random_token(),
        created_at: at.clone(),
        last_seen: at,
        client: Some(ctx.client.to_string()),
    };
    st.app.store.create_session(&s).await?;
    Ok(set_cookie(SESSION_COOKIE, &token, ctx.https, None))
}

#[derive(serde::Deserialize)]
pub struct SetupForm {
    username: String,
    password: String,
    password_confirm: String,
}

pub async fn setup_page(
    State(st): State<Arc<AppState>>,
    axum::Extension(ctx): axum::Extension<Ctx>,
) -> Result<Response, WebError> {
    if st.app.store.user_count().await? > 0 {
        return Ok(Redirect::to("/login").into_response());
    }
    Ok(views::render(&views::SetupPage {
        page: Page::new(&ctx, "setup"),
        username: String::new(),
        errors: vec![],
    }))
}

pub async fn setup_submit(
    State(st): State<Arc<AppState>>,
    axum::Extension(ctx): axum::Extension<Ctx>,
    Form(f): Form<SetupForm>,
) -> Result<Response, WebError> {
    if st.app.store.user_count().await? > 0 {
        return Ok(Redirect::to("/login").into_response());
    }
    let mut errors = Vec::new();
    if f.password != f.password_confirm {
        errors.push((
            "password_confirm",
            kojo_i18n::t(ctx.lang, "web.setup.mismatch").to_string(),
        ));
    } else if let Err(e) = kojo_app::check_user_name(&f.username) {
        errors.push(("username", e.message(ctx.lang)));
    } else if let Err(e) = password::check(f.username.trim(), &f.password) {
        errors.push(("password", e.message(ctx.lang)));
    }
    if !errors.is_empty() {
        let mut res = views::render(&views::SetupPage {
            page: Page::new(&ctx, "setup"),
            username: f.username,
            errors,
        });
        *res.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
        return Ok(res);
    }
    let app = st.app.clone();
    let client = ctx.client.to_string();
    let lang = ctx.lang;
    let created = kojo_app::create_first_admin(&app, &f.username, &f.password, lang, Some(&client))
        .await
        .map_err(WebError::from)?;
    match created {
        Some(user) => {
            let cookie = start_session(&st, &ctx, &user).await?;
            let mut res = Redirect::to("/sites").into_response();
            res.headers_mut().append(header::SET_COOKIE, cookie);
            Ok(res)
        }
        None => Ok(Redirect::to("/login").into_response()),
    }
}

#[derive(serde::Deserialize)]
pub struct LoginForm {
    username: String,
    password: String,
}

#[derive(serde::Deserialize, Default)]
pub struct LoginQuery {
    #[serde(default)]
    expired: String,
}

pub async fn login_page(
    State(st): State<Arc<AppState>>,
    axum::Extension(ctx): axum::Extension<Ctx>,
    axum::extract::Query(q): axum::extract::Query<LoginQuery>,
) -> Result<Response, WebError> {
    if st.app.store.user_count().await? == 0 {
        return Ok(Redirect::to("/setup").into_response());
    }
    if ctx.session.is_some() {
        return Ok(Redirect::to("/sites").into_response());
    }
    let notice = (ctx.expired || q.expired == "1")
        .then(|| kojo_i18n::t(ctx.lang, "web.login.expired").to_string());
    Ok(views::render(&views::LoginPage {
        page: Page::new(&ctx, "login"),
        username: String::new(),
        error: None,
        notice,
    }))
}

pub async fn login_submit(
    State(st): State<Arc<AppState>>,
    axum::Extension(ctx): axum::Extension<Ctx>,
    Form(f): Form<LoginForm>,
) -> Result<Response, WebError> {
    let name = f.username.trim().to_string();
    let client = ctx.client.to_string();
    let account_key = format!("u:{}", name.to_lowercase());
    let client_key = format!("c:{client}");
    let fail_page = |msg_key: &str, status: StatusCode| {
        let mut r = views::render(&views::LoginPage {
            page: Page::new(&ctx, "login"),
            username: name.clone(),
            error: Some(kojo_i18n::t(ctx.lang, msg_key).to_string()),
            notice: None,
        });
        *r.status_mut() = status;
        r
    };
    if st.throttle.blocked(&account_key, MAX_PER_ACCOUNT)
        || st.throttle.blocked(&client_key, MAX_PER_CLIENT)
    {
        st.app
            .store
            .audit(Some(&name), Some(&client), "login_throttled", None, None)
            .await?;
        return Ok(fail_page(
            "web.login.throttled",
            StatusCode::TOO_MANY_REQUESTS,
        ));
    }
    let user = st.app.store.user_by_name(&name).await?;
    let hash = user
        .as_ref()
        .map(|u| u.password_hash.clone())
        .unwrap_or_else(|| password::dummy_hash().to_string());
    let pw = f.password.clone();
    let ok = tokio::task::spawn_blocking(move || password::verify(&pw, &hash))
        .await
        .unwrap_or(false);
    match user {
        Some(u) if ok && !u.disabled => {
            st.throttle.clear(&account_key);
            st.app
                .store
                .audit(Some(&u.name), Some(&client), "login", None, None)
                .await?;
            let cookie = start_session(&st, &ctx, &u).await?;
            let mut res = Redirect::to("/sites").into_response();
            res.headers_mut().append(header::SET_COOKIE, cookie);
            Ok(res)
        }
        _ => {
            st.throttle.fail(&account_key);
            st.throttle.fail(&client_key);
            st.app
                .store
                .audit(Some(&name), Some(&client), "login_failed", None, None)
                .await?;
            Ok(fail_page("web.login.failed", StatusCode::UNAUTHORIZED))
        }
    }
}

pub async fn logout(
    State(st): State<Arc<AppState>>,
    axum::Extension(ctx): axum::Extension<Ctx>,
) -> Result<Response, WebError> {
    if let Some(s) = &ctx.session {
        st.app.store.delete_session(&s.token_hash).await?;
        st.app
            .store
            .audit(
                Some(&s.user.name),
                Some(&ctx.client.to_string()),
                "logout",
                None,
                None,
            )
            .await?;
    }
    let mut res = Redirect::to("/login").into_response();
    res.headers_mut().append(
        header::SET_COOKIE,
        set_cookie(SESSION_COOKIE, "", ctx.https, Some(0)),
    );
    Ok(res)
}

#[derive(serde::Deserialize)]
pub struct LangForm {
    lang: String,
    #[serde(default)]
    next: String,
}

/// A same-site path to go back to (never another origin).
pub fn safe_next(next: &str) -> &str {
    if next.starts_with('/') && !next.starts_with("//") && !next.contains('\\') {
        next
    } else {
        "/"
    }
}

pub async fn set_lang(
    State(st): State<Arc<AppState>>,
    axum::Extension(ctx): axum::Extension<Ctx>,
    Form(f): Form<LangForm>,
) -> Result<Response, WebError> {
    let lang: Lang = f.lang.parse().unwrap_or(ctx.lang);
    if let Some(s) = &ctx.session {
        st.app.store.set_lang(&s.user.id, lang.code()).await?;
    }
    let mut res = Redirect::to(safe_next(&f.next)).into_response();
    res.headers_mut().append(
        header::SET_COOKIE,
        set_cookie(LANG_COOKIE, lang.code(), ctx.https, Some(365 * 24 * 3600)),
    );
    Ok(res)
}
