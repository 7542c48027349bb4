//! kojo's web app: the only crate that speaks HTTP.
//!
//! Server-rendered pages (askama templates, every string from the i18n files), htmx for saving
//! answers without a reload, all assets embedded. Security: personal accounts only, first
//! administrator created at first run (no default account), Argon2id passwords, sessions in the
//! database with an idle timeout, CSRF token on every state-changing request, a strict
//! Content-Security-Policy without inline script, login throttling per account and per client
//! address, an access log, escaped output, bounded request bodies.
#![deny(missing_docs)]

pub mod api;
mod assets;
mod ctx;
mod error;
pub mod jobs;
mod page_cache;
mod render;
mod routes;
mod security;
mod session;
mod views;
mod views_cycle;
mod views_exchange;
mod views_item;
mod views_portfolio;
mod views_registers;
mod views_versions;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use kojo_app::App;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

pub use error::WebError;

/// Web server settings.
#[derive(Debug, Clone)]
pub struct Config {
    /// Idle time after which a session ends (guideline item 52). Default 30 minutes.
    pub session_idle: Duration,
    /// A reverse proxy whose `X-Forwarded-Proto` / `X-Forwarded-For` headers are trusted.
    pub trusted_proxy: Option<IpAddr>,
    /// Largest accepted request body for forms, in bytes.
    pub max_form_bytes: usize,
    /// Largest accepted upload (checksheet), in bytes.
    pub max_upload_bytes: usize,
    /// Scheduled backups, if configured.
    pub backup: Option<jobs::BackupSchedule>,
    /// How long audit records are kept (None: for ever).
    pub audit_retention: Option<Duration>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            session_idle: Duration::from_secs(30 * 60),
            trusted_proxy: None,
            max_form_bytes: 256 * 1024,
            max_upload_bytes: 10 * 1024 * 1024,
            backup: None,
            audit_retention: None,
        }
    }
}

/// Shared state of the server.
pub struct AppState {
    /// Use cases.
    pub app: App,
    /// Settings.
    pub config: Config,
    /// Rendered pages kept under the content stamp.
    pages: page_cache::PageCache,
}

/// Who may reach a route at all (what each role may do there is the app's handles' business).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Anyone, signed in or not (login, setup, static files).
    Public,
    /// Signed-in users only: anonymous requests are sent to the login page by middleware.
    Authed,
    /// Like [`Access::Authed`], with the upload body limit instead of the form limit.
    Upload,
    /// Like [`Access::Authed`], for evidence files: the body limit is the largest evidence file
    /// the settings allow at all (plus room for the form); the handler enforces the current
    /// setting while it reads the file.
    Evidence,
    /// Like [`Access::Authed`], for a submission package: the body limit is the largest
    /// package kojo reads, plus room for the form.
    Package,
    /// Like [`Access::Authed`], for a ledger (台帳) upload: the body limit is the largest
    /// ledger kojo reads, plus room for the form.
    Ledger,
}

/// One route of the router.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Route {
    /// Who may reach it.
    pub access: Access,
    /// HTTP method (`GET`, `POST`).
    pub method: &'static str,
    /// Path pattern (`/a/{id}`).
    pub path: &'static str,
}

/// Declares every route once: the router is built from this list and [`ROUTES`] lists it, so
/// the authorization-matrix test sees every route the server has.
macro_rules! route_table {
    ($( $access:ident $method:ident $path:literal => $handler:path ;)*) => {
        /// Every route of the router, in declaration order.
        pub const ROUTES: &[Route] = &[
            $( Route { access: Access::$access, method: const_upper(stringify!($method)), path: $path }, )*
        ];

        fn add_routes(
            mut public: Router<Arc<AppState>>,
            mut authed: Router<Arc<AppState>>,
            limits: (usize, usize, usize, usize),
        ) -> (Router<Arc<AppState>>, Router<Arc<AppState>>) {
            $( route_table!(@add $access public authed limits $method $path $handler); )*
            (public, authed)
        }
    };
    (@add Public $p:ident $a:ident $l:ident $method:ident $path:literal $handler:path) => {
        $p = $p.route($path, axum::routing::$method($handler));
    };
    (@add Authed $p:ident $a:ident $l:ident $method:ident $path:literal $handler:path) => {
        $a = $a.route($path, axum::routing::$method($handler));
    };
    (@add Upload $p:ident $a:ident $l:ident $method:ident $path:literal $handler:path) => {
        $a = $a.route($path, axum::routing::$method($handler).layer(DefaultBodyLimit::max($l.0)));
    };
    (@add Evidence $p:ident $a:ident $l:ident $method:ident $path:literal $handler:path) => {
        $a = $a.route($path, axum::routing::$method($handler).layer(DefaultBodyLimit::max($l.1)));
    };
    (@add Package $p:ident $a:ident $l:ident $method:ident $path:literal $handler:path) => {
        $a = $a.route($path, axum::routing::$method($handler).layer(DefaultBodyLimit::max($l.2)));
    };
    (@add Ledger $p:ident $a:ident $l:ident $method:ident $path:literal $handler:path) => {
        $a = $a.route($path, axum::routing::$method($handler).layer(DefaultBodyLimit::max($l.3)));
    };
}

/// The largest request an evidence upload may be: the largest file any setting allows, plus
/// room for the form's other fields and the multipart framing.
fn evidence_route_limit() -> usize {
    let max_mib = kojo_app::SETTINGS
        .iter()
        .find(|s| s.0 == kojo_app::SETTING_EVIDENCE_MAX_MIB)
        .map_or(1024, |s| s.3);
    usize::try_from(max_mib)
        .unwrap_or(1024)
        .saturating_mul(1024 * 1024)
        .saturating_add(routes::evidence::FORM_OVERHEAD)
}

pub(crate) const fn const_upper(method: &'static str) -> &'static str {
    match method.as_bytes() {
        b"get" => "GET",
        b"post" => "POST",
        b"put" => "PUT",
        b"patch" => "PATCH",
        _ => panic!("add the method to const_upper"),
    }
}

use routes::{
    actions, activities, admin, assessment, auth, catalog, cycle, dashboard, diff, downloads,
    evidence, health, import, inherit, items, keys, portfolio, queue, receive, register_entries,
    register_import, registers, review, sites, submit, suppliers, tokens, versions,
};

route_table! {
    Public get "/" => sites::home;
    Public get "/setup" => auth::setup_page;
    Public post "/setup" => auth::setup_submit;
    Public get "/healthz" => health::healthz;
    Public get "/readyz" => health::readyz;
    Public get "/login" => auth::login_page;
    Public post "/login" => auth::login_submit;
    Public post "/logout" => auth::logout;
    Public post "/lang" => auth::set_lang;
    Public get "/static/{*file}" => assets::serve;
    Public get "/catalog/{catalog}/{lang}/items/{item}/criteria" => catalog::criteria;
    Authed get "/sites" => sites::list;
    Authed post "/sites" => sites::add;
    Authed get "/sites/{code}" => sites::show;
    Authed post "/sites/{code}/lines" => sites::line_add;
    Authed post "/sites/{code}/assessments" => sites::assessment_new;
    Authed post "/sites/{code}/carry" => cycle::carry;
    Authed get "/sites/{code}/registers" => registers::index;
    Authed get "/sites/{code}/registers/{kind}" => registers::list;
    Authed post "/sites/{code}/registers/{kind}" => registers::add;
    Authed post "/sites/{code}/registers/{kind}/review" => registers::review;
    Authed get "/sites/{code}/registers/{kind}/export" => registers::export;
    Authed get "/sites/{code}/registers/{kind}/entries/{entry}" => register_entries::entry;
    Authed post "/sites/{code}/registers/{kind}/entries/{entry}" => register_entries::edit;
    Authed post "/sites/{code}/registers/{kind}/entries/{entry}/retire" => register_entries::retire;
    Authed get "/sites/{code}/registers/{kind}/import" => register_import::form;
    Ledger post "/sites/{code}/registers/{kind}/import" => register_import::upload;
    Authed get "/sites/{code}/registers/{kind}/import/{upload}" => register_import::preview;
    Authed post "/sites/{code}/registers/{kind}/import/{upload}" => register_import::apply;
    Authed get "/sites/{code}/activities" => activities::plan;
    Authed post "/sites/{code}/activities" => activities::record;
    Authed get "/import" => import::page;
    Upload post "/import" => import::upload;
    Authed get "/a/{id}" => assessment::page;
    Authed get "/a/{id}/items/{item}" => items::get;
    Authed post "/a/{id}/items/{item}" => items::save;
    Authed post "/a/{id}/comments" => items::comment_add;
    Authed post "/a/{id}/signoff" => cycle::signoff;
    Authed post "/a/{id}/revise" => cycle::revise;
    Authed post "/a/{id}/reconfirm" => cycle::reconfirm;
    Authed post "/a/{id}/override" => inherit::override_items;
    Authed post "/a/{id}/inherit" => inherit::inherit_items;
    Authed get "/a/{id}/diff" => diff::page;
    Authed post "/a/{id}/migrate" => versions::migrate;
    Authed get "/catalog/diff" => versions::diff_page;
    Authed get "/a/{id}/items/{item}/review" => review::page;
    Authed post "/a/{id}/items/{item}/review" => review::save;
    Authed post "/a/{id}/items/{item}/actions" => actions::add;
    Authed post "/a/{id}/actions/{action}" => actions::set;
    Evidence post "/a/{id}/items/{item}/evidence" => evidence::upload;
    Authed get "/evidence/{eid}" => evidence::download;
    Authed post "/evidence/{eid}/remove" => evidence::remove;
    Authed get "/review" => queue::page;
    Authed get "/portfolio" => portfolio::page;
    Authed get "/portfolio.xlsx" => portfolio::xlsx;
    Authed get "/portfolio.pdf" => portfolio::pdf;
    Authed get "/a/{id}/dashboard" => dashboard::dashboard;
    Authed get "/a/{id}/history" => dashboard::history;
    Authed get "/a/{id}/checksheet.xlsx" => downloads::checksheet;
    Authed get "/a/{id}/actions.csv" => downloads::actions_csv;
    Authed get "/a/{id}/actions.xlsx" => downloads::actions_xlsx;
    Authed get "/a/{id}/report.html" => downloads::report_html;
    Authed get "/a/{id}/report.pdf" => downloads::report_pdf;
    Authed get "/checksheet/blank.xlsx" => downloads::blank;
    Authed get "/admin/users" => admin::users;
    Authed post "/admin/users" => admin::user_add;
    Authed post "/admin/users/{name}" => admin::user_change;
    Authed get "/admin/log" => admin::access_log;
    Authed get "/keys" => keys::page;
    Authed post "/keys" => keys::register;
    Authed post "/keys/generate" => keys::generate;
    Authed get "/keys/{key_id}/public" => keys::public_file;
    Authed get "/a/{id}/submit" => submit::page;
    Authed post "/a/{id}/submit" => submit::create;
    Authed get "/suppliers" => suppliers::page;
    Authed post "/suppliers" => suppliers::add;
    Authed post "/suppliers/{code}/keys" => suppliers::key_add;
    Authed get "/receive" => receive::page;
    Package post "/receive" => receive::upload;
    Authed get "/tokens" => tokens::page;
    Authed post "/tokens" => tokens::create;
    Authed post "/tokens/{token}/revoke" => tokens::revoke;
}

/// The router with every route and middleware.
pub fn router(app: App, config: Config) -> Router {
    let state = Arc::new(AppState {
        app,
        config: config.clone(),
        pages: page_cache::PageCache::default(),
    });
    let (public, authed) = add_routes(
        Router::new(),
        Router::new(),
        (
            config.max_upload_bytes,
            evidence_route_limit(),
            kojo_app::MAX_PACKAGE_BYTES + routes::receive::FORM_OVERHEAD,
            kojo_xlsx::ledger::MAX_LEDGER_BYTES + routes::receive::FORM_OVERHEAD,
        ),
    );
    let authed = authed.layer(axum::middleware::from_fn(session::require_login));
    let web = public
        .merge(authed)
        .fallback(routes::not_found)
        .layer(DefaultBodyLimit::max(config.max_form_bytes))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            session::session_layer,
        ));
    // The API has no session layer: no cookies, no CSRF; tokens only.
    let api = api::router(state.clone()).layer(DefaultBodyLimit::max(config.max_form_bytes));
    api.merge(web)
        .layer(compression())
        .layer(axum::middleware::from_fn(security::headers))
        .with_state(state)
}

/// Pages and JSON compressed by Accept-Encoding (br, zstd, gzip). Not: what is compressed
/// already (static assets carry their build-time encoding; xlsx and backups are zip or gzip
/// inside; PDFs compress their streams), tiny bodies, and images.
fn compression()
-> tower_http::compression::CompressionLayer<impl tower_http::compression::Predicate> {
    use tower_http::compression::predicate::{NotForContentType, Predicate, SizeAbove};
    let predicate = SizeAbove::new(256)
        .and(NotForContentType::IMAGES)
        .and(NotForContentType::const_new("application/pdf"))
        .and(NotForContentType::const_new(
            "application/vnd.openxmlformats",
        ))
        .and(NotForContentType::const_new("application/zip"))
        .and(NotForContentType::const_new("application/gzip"))
        .and(NotForContentType::const_new("application/octet-stream"))
        .and(NotForContentType::const_new("text/event-stream"));
    // Level 4: brotli's default (11) spends ~100× the CPU for a few per cent fewer bytes, on
    // every page; 4 keeps compression a small part of a request for br, zstd and gzip alike.
    tower_http::compression::CompressionLayer::new()
        .no_deflate()
        .quality(tower_http::CompressionLevel::Precise(4))
        .compress_when(predicate)
}

/// Serves until Ctrl-C / SIGTERM. `on_ready` receives the bound address (port 0 picks one).
pub async fn serve(
    app: App,
    config: Config,
    listen: SocketAddr,
    on_ready: impl FnOnce(SocketAddr),
) -> std::io::Result<()> {
    let listener = tokio::net::TcpListener::bind(listen).await?;
    let addr = listener.local_addr()?;
    let jobs = jobs::start(&app, &config);
    let router = router(app, config);
    on_ready(addr);
    let result = axum::serve(
        listener,
        router.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown())
    .await;
    for j in jobs {
        j.abort();
    }
    result
}

async fn shutdown() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
}
