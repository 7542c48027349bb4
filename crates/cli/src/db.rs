//! Opening the database named on the command line, in the environment, or the default file.

use crate::output::Failure;
use kojo_app::{App, AppError};
use kojo_i18n::{Lang, tr};

/// Resolves the database URL: `--database`, else `KOJO_DATABASE_URL` (clap reads both), else
/// the per-user SQLite file, whose path is printed to stderr.
pub fn url(arg: Option<&str>, lang: Lang, announce: bool) -> String {
    match arg.map(str::trim).filter(|s| !s.is_empty()) {
        Some(u) if u.contains(':') => u.to_string(),
        // A bare path is a SQLite file.
        Some(path) => format!("sqlite:{path}"),
        None => {
            let path = kojo_store::default_sqlite_path();
            if announce {
                eprintln!(
                    "{}",
                    tr(lang, "cli.database_default", &[("path", &path.display())])
                );
            }
            format!("sqlite:{}", path.display())
        }
    }
}

static BACKUP_CONFIRMED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Records `--backup-confirmed` (PostgreSQL: a backup exists, an older schema may migrate).
pub fn set_backup_confirmed(yes: bool) {
    BACKUP_CONFIRMED.store(yes, std::sync::atomic::Ordering::Relaxed);
}

/// Opens the app under the upgrade rules (see [`App::open_with`]), mapping failures to a
/// one-line message.
pub async fn open(arg: Option<&str>, lang: Lang) -> Result<App, Failure> {
    open_with(arg, lang, kojo_app::ops::Connections::Pool).await
}

/// [`open`] with one connection, for a command that does one thing at a time and is measured
/// by how quickly it answers (`kojo suggest`).
pub async fn open_one(arg: Option<&str>, lang: Lang) -> Result<App, Failure> {
    open_with(arg, lang, kojo_app::ops::Connections::One).await
}

async fn open_with(
    arg: Option<&str>,
    lang: Lang,
    connections: kojo_app::ops::Connections,
) -> Result<App, Failure> {
    let url = url(arg, lang, true);
    let opts = kojo_app::ops::OpenOptions {
        backup_confirmed: BACKUP_CONFIRMED.load(std::sync::atomic::Ordering::Relaxed),
        connections,
    };
    let notice = |file: &std::path::Path| {
        eprintln!(
            "{}",
            tr(lang, "ops.auto_backup", &[("file", &file.display())])
        )
    };
    App::open_with(&url, opts, &notice)
        .await
        .map_err(|e| match e {
            AppError::Internal(detail) => Failure::key(
                "cli.database_open",
                &[("url", &redact(&url)), ("detail", &detail)],
            ),
            other => app_failure(other),
        })
}

fn redact(url: &str) -> String {
    match (url.split_once("://"), url.rfind('@')) {
        (Some((scheme, _)), Some(at)) => format!("{scheme}://***{}", &url[at..]),
        _ => url.to_string(),
    }
}

/// An application error as a CLI failure.
pub fn app_failure(e: AppError) -> Failure {
    Failure::localized(move |l| e.message(l))
}
