//! Administration: users (add, role, password, plants, disable) and the access log.

use super::when;
use crate::AppState;
use crate::ctx::Authed;
use crate::error::WebError;
use crate::views::*;
use axum::extract::{Form, Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use kojo_app::{AppError, Role};
use kojo_i18n::tr;
use std::sync::Arc;

type St = State<Arc<AppState>>;

async fn users_page(
    st: &AppState,
    au: &Authed,
    error: Option<String>,
    notice: Option<String>,
) -> Result<Response, WebError> {
    let admin = st.app.admin(au.actor()).ok_or(WebError::NotFound)?;
    let lang = au.lang();
    let users = admin.users().await?;
    let sites = admin.sites().await?;
    let company_grants = admin.company_grants().await?;
    let companies = admin.companies().await?;
    let failed = error.is_some();
    let mut res = render(&UsersPage {
        page: Page::new(&au.ctx, "users"),
        users: users
            .into_iter()
            .map(|(u, sites)| {
                let role = u.role;
                UserRow {
                    role: role.name(lang),
                    role_key: role.key(),
                    disabled: u.disabled,
                    sites: sites.into_iter().map(|s| s.code).collect(),
                    companies: company_grants
                        .iter()
                        .filter(|(id, _)| *id == u.id)
                        .map(|(_, c)| c.code.clone())
                        .collect(),
                    name: u.name,
                }
            })
            .collect(),
        sites: sites
            .into_iter()
            .map(|s| SiteRow {
                code: s.code,
                name: s.name,
            })
            .collect(),
        companies: if companies.len() > 1 {
            companies.into_iter().map(|c| (c.code, c.name)).collect()
        } else {
            Vec::new()
        },
        roles: Role::ALL.iter().map(|r| (r.key(), r.name(lang))).collect(),
        error,
        notice,
    });
    if failed {
        *res.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(res)
}

pub async fn users(State(st): St, au: Authed) -> Result<Response, WebError> {
    users_page(&st, &au, None, None).await
}

pub async fn user_add(
    State(st): St,
    au: Authed,
    Form(f): Form<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    let admin = st.app.admin(au.actor()).ok_or(WebError::NotFound)?;
    let get = |k: &str| {
        f.iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let sites: Vec<String> = f
        .iter()
        .filter(|(k, _)| k == "sites")
        .map(|(_, v)| v.clone())
        .collect();
    let Some(role) = Role::from_key(&get("role")) else {
        let e = AppError::bad("web.users.bad_role", &[("role", &get("role"))]);
        return users_page(&st, &au, Some(e.message(au.lang())), None).await;
    };
    match admin
        .add_user(&get("username"), role, &get("password"), &sites)
        .await
    {
        Ok(u) => {
            let notice = tr(au.lang(), "web.users.added", &[("name", &u.name)]);
            users_page(&st, &au, None, Some(notice)).await
        }
        Err(
            e @ (AppError::BadInput { .. }
            | AppError::Duplicate { .. }
            | AppError::Password(_)
            | AppError::NotFound { .. }),
        ) => users_page(&st, &au, Some(e.message(au.lang())), None).await,
        Err(e) => Err(e.into()),
    }
}

/// What the grant list names: a plant (its code) or a whole company (`company:CODE`; plant
/// codes cannot contain `:`).
enum Grantee<'a> {
    Site(&'a str),
    Company(&'a str),
}

fn grantee(value: &str) -> Grantee<'_> {
    match value.strip_prefix("company:") {
        Some(code) => Grantee::Company(code),
        None => Grantee::Site(value),
    }
}

#[derive(serde::Deserialize)]
pub struct UserChange {
    action: String,
    #[serde(default)]
    site: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    password: String,
}

pub async fn user_change(
    State(st): St,
    au: Authed,
    Path(name): Path<String>,
    Form(f): Form<UserChange>,
) -> Result<Response, WebError> {
    let admin = st.app.admin(au.actor()).ok_or(WebError::NotFound)?;
    let r = match f.action.as_str() {
        "grant" => match grantee(&f.site) {
            Grantee::Site(code) => admin.grant(&name, code).await,
            Grantee::Company(code) => admin.grant_company(&name, code).await,
        },
        "revoke" => match grantee(&f.site) {
            Grantee::Site(code) => admin.revoke(&name, code).await,
            Grantee::Company(code) => admin.revoke_company(&name, code).await,
        },
        "role" => match Role::from_key(&f.role) {
            Some(r) => admin.set_role(&name, r).await,
            None => Err(AppError::bad("web.users.bad_role", &[("role", &f.role)])),
        },
        "passwd" => admin.set_password(&name, &f.password).await,
        "disable" => admin.set_disabled(&name, true).await,
        "enable" => admin.set_disabled(&name, false).await,
        _ => Err(AppError::bad(
            "web.users.bad_action",
            &[("action", &f.action)],
        )),
    };
    match r {
        Ok(()) => {
            let notice = tr(au.lang(), "web.users.changed", &[("name", &name)]);
            users_page(&st, &au, None, Some(notice)).await
        }
        Err(AppError::Internal(d)) => Err(WebError::Internal(d)),
        Err(e) => users_page(&st, &au, Some(e.message(au.lang())), None).await,
    }
}

#[derive(serde::Deserialize, Default)]
pub struct LogQuery {
    /// Show entries older than this order key (the "older" link of the previous page).
    #[serde(default)]
    before: Option<i64>,
}

/// Entries per page of the access log.
pub const LOG_PAGE: i64 = 200;

pub async fn access_log(
    State(st): St,
    au: Authed,
    Query(q): Query<LogQuery>,
) -> Result<Response, WebError> {
    let admin = st.app.admin(au.actor()).ok_or(WebError::NotFound)?;
    // One more than a page tells whether an older page exists.
    let mut entries = admin.access_log(q.before, LOG_PAGE + 1).await?;
    let more = entries.len() as i64 > LOG_PAGE;
    entries.truncate(LOG_PAGE as usize);
    let older = more.then(|| entries.last().map(|e| e.seq)).flatten();
    let ops = ops_panel(&st, &admin).await?;
    let rows = entries
        .into_iter()
        .map(|e| LogRow {
            at: when(&e.at, true),
            actor: e.actor.unwrap_or_default(),
            client: e.client.unwrap_or_default(),
            action: e.action,
            target: e.target.unwrap_or_default(),
            detail: e.detail.unwrap_or_default(),
        })
        .collect();
    Ok(render(&LogPage {
        page: Page::new(&au.ctx, "log"),
        ops,
        rows,
        older,
        newest: q.before.is_none(),
    }))
}

async fn ops_panel(st: &AppState, admin: &kojo_app::Admin<'_>) -> Result<OpsPanel, WebError> {
    let last = admin.backup_runs(1).await?.into_iter().next();
    let good = admin.last_good_backup().await?;
    let head = admin.audit_head().await?;
    let anchor = admin.audit_anchors(1).await?.into_iter().next();
    let every = st.config.backup.as_ref().map(|b| b.every);
    let stale = match (&good, every) {
        (None, _) => true,
        (Some(g), Some(every)) => chrono::DateTime::parse_from_rfc3339(&g.started_at)
            .map(|t| {
                let age = chrono::Utc::now() - t.with_timezone(&chrono::Utc);
                age.to_std().unwrap_or_default() > every * 2
            })
            .unwrap_or(true),
        (Some(_), None) => false,
    };
    Ok(OpsPanel {
        last: last.map(|r| {
            (
                when(&r.started_at, true),
                human_bytes(r.size),
                r.verified,
                r.error.unwrap_or_default(),
            )
        }),
        last_good: good.map(|g| when(&g.started_at, true)),
        stale,
        scheduled: every.is_some(),
        head: (head.seq, head.hash),
        anchor: anchor.map(|a| (when(&a.at, true), a.head_seq, a.head_hash)),
    })
}

fn human_bytes(n: i64) -> String {
    let n = n.max(0) as f64;
    match n {
        n if n >= 1024.0 * 1024.0 * 1024.0 => format!("{:.1} GiB", n / 1024.0 / 1024.0 / 1024.0),
        n if n >= 1024.0 * 1024.0 => format!("{:.1} MiB", n / 1024.0 / 1024.0),
        n if n >= 1024.0 => format!("{:.1} KiB", n / 1024.0),
        n => format!("{n} B"),
    }
}

/// The operations panel of the access-log page: the last backup and the audit chain's head.
pub struct OpsPanel {
    /// The last backup run: when, size, verified, error.
    pub last: Option<(String, String, bool, String)>,
    /// When the last verified backup was written.
    pub last_good: Option<String>,
    /// No verified backup within twice the schedule's interval (or none at all).
    pub stale: bool,
    /// Backups are scheduled (`--backup-dir`).
    pub scheduled: bool,
    /// The chain's head: order key and hash.
    pub head: (i64, String),
    /// The last daily anchor: when, order key, hash.
    pub anchor: Option<(String, i64, String)>,
}
