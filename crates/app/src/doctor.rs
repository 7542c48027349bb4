//! `kojo doctor`: one line per check of an installation — database reachable, migrations
//! current, disk space, backup freshness, the audit chain, the clock, TLS to a remote
//! PostgreSQL.

use crate::ops::store_error;
use kojo_i18n::{Lang, tr};
use kojo_store::{Kind, Store};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// How a check came out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Fine.
    Ok,
    /// Needs attention soon.
    Warn,
    /// Broken.
    Fail,
}

/// One check's result.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Check {
    /// Stable key (`database`, `migrations`, `disk`, `backup`, `audit`, `clock`, `tls`).
    pub check: &'static str,
    /// The outcome.
    pub status: Status,
    /// What was found, in the requested language.
    pub detail: String,
}

/// What `doctor` is told about the installation.
#[derive(Debug, Clone)]
pub struct DoctorOptions {
    /// The backup directory of `kojo serve --backup-dir`, if any (its free space is checked).
    pub backup_dir: Option<PathBuf>,
    /// The backup interval: a last verified backup older than twice this is a warning.
    pub backup_every: Duration,
    /// Free space below this is a warning.
    pub min_free_bytes: u64,
}

impl Default for DoctorOptions {
    fn default() -> Self {
        DoctorOptions {
            backup_dir: None,
            backup_every: Duration::from_secs(24 * 3600),
            min_free_bytes: 1 << 30,
        }
    }
}

/// Runs every check against the database at `url` (never migrating it).
pub async fn doctor(url: &str, opts: &DoctorOptions, lang: Lang) -> Vec<Check> {
    let mut out = Vec::new();
    let mut push = |check, status, key: &str, args: &[(&str, &dyn std::fmt::Display)]| {
        out.push(Check {
            check,
            status,
            detail: tr(lang, key, args),
        });
    };
    let store = match Store::connect(url).await.map_err(store_error) {
        Ok(s) => s,
        Err(e) => {
            push(
                "database",
                Status::Fail,
                "doctor.db_unreachable",
                &[("detail", &e.message(lang))],
            );
            return out;
        }
    };
    let state = match store.schema_state().await {
        Ok(s) => s,
        Err(e) => {
            push(
                "database",
                Status::Fail,
                "doctor.db_unreachable",
                &[("detail", &e)],
            );
            return out;
        }
    };
    push(
        "database",
        Status::Ok,
        "doctor.db_ok",
        &[("db", &store.description())],
    );
    if state.database > state.latest {
        push(
            "migrations",
            Status::Fail,
            "doctor.schema_newer",
            &[("database", &state.database), ("known", &state.latest)],
        );
    } else if state.database == 0 {
        push(
            "migrations",
            Status::Warn,
            "doctor.schema_empty",
            &[("known", &state.latest)],
        );
    } else if state.pending() {
        push(
            "migrations",
            Status::Warn,
            "doctor.schema_pending",
            &[("database", &state.database), ("known", &state.latest)],
        );
    } else {
        push(
            "migrations",
            Status::Ok,
            "doctor.schema_ok",
            &[("version", &state.database)],
        );
    }

    // Disk: where the SQLite file lives and where backups go. A backup and its snapshot need
    // about twice the database.
    let mut places: Vec<(String, PathBuf, u64)> = Vec::new();
    if store.kind() == Kind::Sqlite
        && let Some(path) = sqlite_path(url)
    {
        let size = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
        let dir = path
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_else(|| PathBuf::from("."));
        places.push((dir.display().to_string(), dir, size.saturating_mul(2)));
    }
    if let Some(d) = &opts.backup_dir {
        places.push((d.display().to_string(), d.clone(), 0));
    }
    if places.is_empty() {
        push("disk", Status::Ok, "doctor.disk_server", &[]);
    }
    for (name, dir, need) in places {
        match free_bytes(&dir) {
            Some(free) if free < opts.min_free_bytes.max(need) => push(
                "disk",
                Status::Warn,
                "doctor.disk_low",
                &[
                    ("dir", &name),
                    ("free", &human(free)),
                    ("need", &human(opts.min_free_bytes.max(need))),
                ],
            ),
            Some(free) => push(
                "disk",
                Status::Ok,
                "doctor.disk_ok",
                &[("dir", &name), ("free", &human(free))],
            ),
            None => push(
                "disk",
                Status::Warn,
                "doctor.disk_unknown",
                &[("dir", &name)],
            ),
        }
    }

    if state.database >= 10 && state.database <= state.latest {
        match store.last_good_backup().await {
            Ok(None) => push("backup", Status::Warn, "doctor.backup_none", &[]),
            Ok(Some(b)) => {
                let age = chrono::DateTime::parse_from_rfc3339(&b.started_at)
                    .ok()
                    .and_then(|t| {
                        (chrono::Utc::now() - t.with_timezone(&chrono::Utc))
                            .to_std()
                            .ok()
                    })
                    .unwrap_or(Duration::MAX);
                let hours = age.as_secs() / 3600;
                if age > opts.backup_every * 2 {
                    push(
                        "backup",
                        Status::Warn,
                        "doctor.backup_old",
                        &[("at", &b.started_at), ("hours", &hours), ("file", &b.file)],
                    );
                } else {
                    push(
                        "backup",
                        Status::Ok,
                        "doctor.backup_ok",
                        &[("at", &b.started_at), ("hours", &hours), ("file", &b.file)],
                    );
                }
            }
            Err(e) => push("backup", Status::Fail, "doctor.failed", &[("detail", &e)]),
        }
        match store.audit_verify(1).await {
            Ok(r) if r.break_count == 0 => push(
                "audit",
                Status::Ok,
                "doctor.audit_ok",
                &[
                    ("records", &r.records),
                    ("seq", &r.head.seq),
                    ("hash", &r.head.hash),
                ],
            ),
            Ok(r) => push(
                "audit",
                Status::Fail,
                "doctor.audit_broken",
                &[
                    ("count", &r.break_count),
                    (
                        "first",
                        &r.breaks
                            .first()
                            .map(|b| crate::audit::describe(b, lang))
                            .unwrap_or_default(),
                    ),
                ],
            ),
            Err(e) => push("audit", Status::Fail, "doctor.failed", &[("detail", &e)]),
        }
    }

    match store.clock().await {
        Ok(c) => {
            let now = chrono::Utc::now();
            let parse = |s: &Option<String>| {
                s.as_deref()
                    .and_then(|s| chrono::DateTime::parse_from_rfc3339(s).ok())
                    .map(|t| t.with_timezone(&chrono::Utc))
            };
            let skew = parse(&c.server_now).map(|t| (t - now).num_seconds().abs());
            let ahead = parse(&c.newest_record).filter(|t| *t > now + chrono::Duration::minutes(5));
            if let Some(t) = ahead {
                push(
                    "clock",
                    Status::Fail,
                    "doctor.clock_behind",
                    &[("newest", &t.to_rfc3339()), ("now", &now.to_rfc3339())],
                );
            } else if let Some(s) = skew.filter(|s| *s > 60) {
                push(
                    "clock",
                    Status::Warn,
                    "doctor.clock_skew",
                    &[("seconds", &s)],
                );
            } else {
                push(
                    "clock",
                    Status::Ok,
                    "doctor.clock_ok",
                    &[("now", &now.format("%Y-%m-%d %H:%M:%S UTC"))],
                );
            }
        }
        Err(e) => push("clock", Status::Fail, "doctor.failed", &[("detail", &e)]),
    }

    if store.kind() == Kind::Postgres {
        let remote = !is_local(url);
        match store.tls_in_use().await {
            Ok(Some(true)) => push("tls", Status::Ok, "doctor.tls_ok", &[]),
            Ok(_) if !remote => push("tls", Status::Ok, "doctor.tls_local", &[]),
            Ok(_) => push("tls", Status::Fail, "doctor.tls_missing", &[]),
            Err(e) => push("tls", Status::Fail, "doctor.failed", &[("detail", &e)]),
        }
    }
    store.close().await;
    out
}

/// Whether every check passed (warnings pass).
pub fn healthy(checks: &[Check]) -> bool {
    checks.iter().all(|c| c.status != Status::Fail)
}

fn sqlite_path(url: &str) -> Option<PathBuf> {
    let p = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))?;
    Some(PathBuf::from(p.split('?').next().unwrap_or(p)))
}

/// A PostgreSQL URL whose host is this machine (loopback or a Unix socket).
fn is_local(url: &str) -> bool {
    let rest = url.split_once("://").map(|r| r.1).unwrap_or(url);
    let hostport = rest.rsplit_once('@').map(|r| r.1).unwrap_or(rest);
    let host = hostport.split(['/', '?']).next().unwrap_or("");
    let host = host
        .rsplit_once(':')
        .filter(|(h, p)| !h.is_empty() && p.chars().all(|c| c.is_ascii_digit()))
        .map(|r| r.0)
        .unwrap_or(host);
    let host = host.trim_start_matches('[').trim_end_matches(']');
    host.is_empty()
        || host == "localhost"
        || host.starts_with('/')
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
        || url.contains("host=/")
}

/// Free bytes for an unprivileged user on the file system of `dir` (its nearest existing
/// ancestor).
fn free_bytes(dir: &Path) -> Option<u64> {
    let mut d = dir;
    while !d.exists() {
        d = d.parent()?;
    }
    let d = if d.as_os_str().is_empty() {
        Path::new(".")
    } else {
        d
    };
    let s = rustix::fs::statvfs(d).ok()?;
    Some(s.f_bavail.saturating_mul(s.f_frsize))
}

fn human(n: u64) -> String {
    let gib = n as f64 / (1u64 << 30) as f64;
    if gib >= 1.0 {
        format!("{gib:.1} GiB")
    } else {
        format!("{:.0} MiB", n as f64 / (1u64 << 20) as f64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_and_remote_postgresql_urls() {
        assert!(is_local("postgres://kojo@127.0.0.1:5432/kojo"));
        assert!(is_local("postgres://kojo:pw@localhost/kojo"));
        assert!(is_local("postgres://kojo@[::1]:5432/kojo"));
        assert!(is_local("postgres:///kojo?host=/var/run/postgresql"));
        assert!(!is_local("postgres://kojo@db.example.com:5432/kojo"));
        assert!(!is_local(
            "postgres://kojo:pw@10.0.0.5/kojo?sslmode=require"
        ));
    }
}
