//! First-run setup, login, logout, language.

use crate::AppState;
use crate::ctx::Ctx;
use crate::error::WebError;
use crate::session::{LANG_COOKIE, SESSION_COOKIE, set_cookie};
use crate::views::{self, Page};
use axum::extract::{Form, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use kojo_app::{LoginOutcome, NewSession, password};
use kojo_i18n::{Lang, t};
use std::sync::Arc;

type St = State<Arc<AppState>>;

fn signed_in(ctx: &Ctx, new: &NewSession) -> Response {
    let mut res = Redirect::to("/sites").into_response();
    set_cookie(&mut res, SESSION_COOKIE, &new.token, ctx.https, None);
    res
}

#[derive(serde::Deserialize)]
pub struct SetupForm {
    username: String,
    password: String,
    password_confirm: String,
}

pub async fn setup_page(State(st): St, ctx: Ctx) -> Result<Response, WebError> {
    if !st.app.needs_setup().await? {
        return Ok(Redirect::to("/login").into_response());
    }
    Ok(views::render(&views::SetupPage {
        page: Page::new(&ctx, "setup"),
        username: String::new(),
        errors: vec![],
    }))
}

pub async fn setup_submit(
    State(st): St,
    ctx: Ctx,
    Form(f): Form<SetupForm>,
) -> Result<Response, WebError> {
    if !st.app.needs_setup().await? {
        return Ok(Redirect::to("/login").into_response());
    }
    let mut errors = Vec::new();
    if f.password != f.password_confirm {
        errors.push((
            "password_confirm",
            t(ctx.lang, "web.setup.mismatch").to_string(),
        ));
    } else {
        match kojo_app::check_user_name(&f.username) {
            Err(e) => errors.push(("username", e.message(ctx.lang))),
            Ok(name) => {
                if let Err(e) = password::check(&name, &f.password) {
                    errors.push(("password", e.message(ctx.lang)));
                }
            }
        }
    }
    if !errors.is_empty() {
        let mut res = views::render(&views::SetupPage {
            page: Page::new(&ctx, "setup"),
            username: f.username.chars().take(kojo_app::USER_NAME_MAX).collect(),
            errors,
        });
        *res.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
        return Ok(res);
    }
    let client = ctx.client.to_string();
    match st
        .app
        .setup(&f.username, &f.password, ctx.lang, &client)
        .await?
    {
        Some(new) => Ok(signed_in(&ctx, &new)),
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
    State(st): St,
    ctx: Ctx,
    Query(q): Query<LoginQuery>,
) -> Result<Response, WebError> {
    if st.app.needs_setup().await? {
        return Ok(Redirect::to("/setup").into_response());
    }
    if ctx.session.is_some() {
        return Ok(Redirect::to("/sites").into_response());
    }
    let notice =
        (ctx.expired || q.expired == "1").then(|| t(ctx.lang, "web.login.expired").to_string());
    Ok(views::render(&views::LoginPage {
        page: Page::new(&ctx, "login"),
        username: String::new(),
        error: None,
        notice,
    }))
}

pub async fn login_submit(
    State(st): St,
    ctx: Ctx,
    Form(f): Form<LoginForm>,
) -> Result<Response, WebError> {
    let fail_page = |msg_key: &str, status: StatusCode| {
        let mut r = views::render(&views::LoginPage {
            page: Page::new(&ctx, "login"),
            // Echo at most what a user name can be.
            username: f
                .username
                .trim()
                .chars()
                .take(kojo_app::USER_NAME_MAX)
                .collect(),
            error: Some(t(ctx.lang, msg_key).to_string()),
            notice: None,
        });
        *r.status_mut() = status;
        r
    };
    match st
        .app
        .login(&f.username, &f.password, &ctx.client.to_string())
        .await?
    {
        LoginOutcome::LoggedIn(new) => Ok(signed_in(&ctx, &new)),
        LoginOutcome::Failed => Ok(fail_page("web.login.failed", StatusCode::UNAUTHORIZED)),
        LoginOutcome::Throttled => Ok(fail_page(
            "web.login.throttled",
            StatusCode::TOO_MANY_REQUESTS,
        )),
    }
}

pub async fn logout(State(st): St, ctx: Ctx) -> Result<Response, WebError> {
    if let Some(s) = &ctx.session {
        st.app.logout(s).await?;
    }
    let mut res = Redirect::to("/login").into_response();
    set_cookie(&mut res, SESSION_COOKIE, "", ctx.https, Some(0));
    Ok(res)
}

#[derive(serde::Deserialize)]
pub struct LangForm {
    lang: String,
    #[serde(default)]
    next: String,
}

/// A same-site path to go back to: one `/` followed by a character that is neither `/` nor `\`,
/// and no control characters anywhere (browsers drop tabs and newlines, so `/\t/evil.example`
/// would become `//evil.example`). Anything else goes to `/`.
pub fn safe_next(next: &str) -> &str {
    let mut chars = next.chars();
    let ok = chars.next() == Some('/')
        && chars.next().is_none_or(|c| c != '/' && c != '\\')
        && !next.chars().any(|c| c.is_control() || c == '\\');
    if ok { next } else { "/" }
}

pub async fn set_lang(
    State(st): St,
    ctx: Ctx,
    Form(f): Form<LangForm>,
) -> Result<Response, WebError> {
    let lang: Lang = f.lang.parse().unwrap_or(ctx.lang);
    if let Some(s) = &ctx.session {
        st.app.set_lang(s, lang).await?;
    }
    let mut res = Redirect::to(safe_next(&f.next)).into_response();
    set_cookie(
        &mut res,
        LANG_COOKIE,
        lang.code(),
        ctx.https,
        Some(365 * 24 * 3600),
    );
    Ok(res)
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn only_same_site_paths_are_followed() {
        for ok in ["/", "/sites", "/a/1234?x=1#item-3"] {
            assert_eq!(safe_next(ok), ok);
        }
        for bad in [
            "",
            "sites",
            "//evil.example",
            "/\\evil.example",
            "/\t/evil.example",
            "/\n/evil.example",
            "\\\\evil",
            "https://evil.example",
            "/a\u{7f}b",
            "/a\\b",
        ] {
            assert_eq!(safe_next(bad), "/", "{bad:?}");
        }
    }
}
