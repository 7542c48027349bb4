//! kojo's web app: the only crate that speaks HTTP.
//!
//! Server-rendered pages (askama templates, every string from the i18n files), htmx for saving
//! answers without a reload, all assets embedded. Security: personal accounts only, first
//! administrator created at first run (no default account), Argon2id passwords, sessions in the
//! database with an idle timeout, CSRF token on every state-changing request, a strict
//! Content-Security-Policy without inline script, login throttling per account and per client
//! address, an access log, escaped output, bounded request bodies.
#![deny(missing_docs)]

mod assets;
mod auth;
mod error;
mod pages;
mod security;
mod views;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
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
}

impl Default for Config {
    fn default() -> Self {
        Config {
            session_idle: Duration::from_secs(30 * 60),
            trusted_proxy: None,
            max_form_bytes: 256 * 1024,
            max_upload_bytes: 10 * 1024 * 1024,
        }
    }
}

/// Shared state of the server.
pub struct AppState {
    /// Use cases.
    pub app: App,
    /// Settings.
    pub config: Config,
    pub(crate) throttle: auth::Throttle,
}

/// The router with every route and middleware.
pub fn router(app: App, config: Config) -> Router {
    let state = Arc::new(AppState {
        app,
        throttle: auth::Throttle::default(),
        config: config.clone(),
    });
    let upload = Router::new()
        .route("/import", post(pages::import_upload))
        .layer(DefaultBodyLimit::max(config.max_upload_bytes));
    Router::new()
        .route("/", get(pages::home))
        .route("/setup", get(auth::setup_page).post(auth::setup_submit))
        .route("/login", get(auth::login_page).post(auth::login_submit))
        .route("/logout", post(auth::logout))
        .route("/lang", post(auth::set_lang))
        .route("/sites", get(pages::sites).post(pages::site_add))
        .route("/sites/{code}", get(pages::site))
        .route("/sites/{code}/lines", post(pages::line_add))
        .route("/sites/{code}/assessments", post(pages::assessment_new))
        .route("/import", get(pages::import_page))
        .route("/a/{id}", get(pages::assessment))
        .route(
            "/a/{id}/items/{item}",
            get(pages::item_get).post(pages::item_save),
        )
        .route("/a/{id}/comments", post(pages::comment_add))
        .route("/a/{id}/dashboard", get(pages::dashboard))
        .route("/a/{id}/history", get(pages::history))
        .route("/a/{id}/checksheet.xlsx", get(pages::export_xlsx))
        .route("/a/{id}/actions.csv", get(pages::actions_csv))
        .route("/a/{id}/actions.xlsx", get(pages::actions_xlsx))
        .route("/a/{id}/report.html", get(pages::report_html))
        .route("/a/{id}/report.pdf", get(pages::report_pdf))
        .route("/checksheet/blank.xlsx", get(pages::blank_xlsx))
        .route("/admin/users", get(pages::users).post(pages::user_add))
        .route("/admin/users/{name}", post(pages::user_change))
        .route("/admin/log", get(pages::access_log))
        .route("/static/{*file}", get(assets::serve))
        .merge(upload)
        .fallback(pages::not_found)
        .layer(DefaultBodyLimit::max(config.max_form_bytes))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            auth::session_layer,
        ))
        .layer(axum::middleware::from_fn(security::headers))
        .with_state(state)
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
    let purge = {
        let store = app.store.clone();
        let idle = config.session_idle;
        tokio::spawn(async move {
            loop {
                let cutoff =
                    chrono::Utc::now() - chrono::Duration::from_std(idle).unwrap_or_default();
                let cutoff = cutoff.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string();
                if let Err(e) = store.purge_sessions(&cutoff).await {
                    tracing::warn!(error = %e, "purging idle sessions failed");
                }
                tokio::time::sleep(Duration::from_secs(60)).await;
            }
        })
    };
    let router = router(app, config);
    on_ready(addr);
    let result = axum::serve(
        listener,
        router.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown())
    .await;
    purge.abort();
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
