//! `kojo backup`, `kojo restore`, `kojo db dump`: backups that run online, verify without a
//! database, and restore all or nothing into either engine.

use crate::db::{app_failure, url};
use crate::output::{Failure, outln, print_json};
use clap::{Args, Subcommand};
use indicatif::{ProgressBar, ProgressStyle};
use kojo_app::{Actor, ops};
use kojo_i18n::{Lang, tr};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

#[derive(Args, Debug)]
#[command(args_conflicts_with_subcommands = true)]
pub struct BackupArgs {
    #[command(subcommand)]
    pub cmd: Option<BackupCmd>,
    /// The backup file to write (gzip-compressed tar: every table, every evidence file, the
    /// schema version and a manifest of SHA-256 checksums). Runs while `kojo serve` runs.
    #[arg(short = 'o', long = "output")]
    pub output: Option<PathBuf>,
    /// Print what was written as JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Subcommand, Debug)]
pub enum BackupCmd {
    /// Check a whole backup file without a database: every entry against the manifest.
    Verify {
        /// The backup file.
        file: PathBuf,
        /// Machine-readable output.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Args, Debug)]
pub struct RestoreArgs {
    /// The backup file.
    pub file: PathBuf,
    /// Overwrite a target database that holds data (stop `kojo serve` on it first).
    #[arg(long)]
    pub force: bool,
    /// Machine-readable output.
    #[arg(long)]
    pub json: bool,
}

#[derive(Subcommand, Debug)]
pub enum DbCmd {
    /// Print every table as canonical JSON (rows in key order, evidence as SHA-256): two
    /// databases hold the same data exactly when their dumps are equal.
    Dump {
        /// Write to this file instead of standard output.
        #[arg(short = 'o', long = "output")]
        output: Option<PathBuf>,
    },
}

/// A progress bar on a terminal; hidden (and the command quiet) otherwise.
fn bar() -> ProgressBar {
    let pb = ProgressBar::with_draw_target(None, indicatif::ProgressDrawTarget::stderr());
    pb.set_style(
        ProgressStyle::with_template("{spinner} {msg} {bytes}/{total_bytes} [{wide_bar}] {eta}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    pb
}

/// Runs `work` while a bar follows `read` bytes of `total`.
async fn with_bytes_bar<T>(
    total: u64,
    read: Arc<AtomicU64>,
    what: &str,
    work: impl std::future::Future<Output = T>,
) -> T {
    let pb = bar();
    pb.set_length(total);
    pb.set_message(what.to_string());
    let mut tick = tokio::time::interval(std::time::Duration::from_millis(100));
    tokio::pin!(work);
    let out = loop {
        tokio::select! {
            out = &mut work => break out,
            _ = tick.tick() => pb.set_position(read.load(Ordering::Relaxed)),
        }
    };
    pb.finish_and_clear();
    out
}

fn size_of(path: &Path) -> u64 {
    std::fs::metadata(path).map(|m| m.len()).unwrap_or(0)
}

pub async fn backup(args: BackupArgs, db: Option<&str>, lang: Lang) -> Result<(), Failure> {
    match args.cmd {
        Some(BackupCmd::Verify { file, json }) => {
            let read = Arc::new(AtomicU64::new(0));
            let (f, r) = (file.clone(), read.clone());
            let task = tokio::task::spawn_blocking(move || ops::verify_backup(&f, &r));
            let report = with_bytes_bar(size_of(&file), read, "verify", task)
                .await
                .map_err(|e| Failure::key("error.internal", &[("detail", &e)]))?
                .map_err(app_failure)?;
            if json {
                return print_json(&report);
            }
            let rows: u64 = report.manifest.entries.iter().filter_map(|e| e.rows).sum();
            outln!(
                "{}",
                tr(
                    lang,
                    "ops.backup_verified",
                    &[
                        ("file", &file.display()),
                        ("schema", &report.header.schema_version),
                        ("created_at", &report.header.created_at),
                        ("tables", &report.header.tables.len()),
                        ("rows", &rows),
                        ("blobs", &report.manifest.blob_count),
                        ("bytes", &human_bytes(report.manifest.blob_bytes)),
                        ("head_seq", &report.manifest.audit_head.0),
                        ("head_hash", &report.manifest.audit_head.1),
                    ]
                )
            );
            Ok(())
        }
        None => {
            let Some(output) = args.output else {
                return Err(Failure::key("ops.backup_needs_output", &[]));
            };
            let url = url(db, lang, false);
            let pb = bar();
            let progress = {
                let pb = pb.clone();
                move |p: ops::Progress<'_>| {
                    pb.set_message(p.what.to_string());
                    if p.total > 0 {
                        pb.set_length(p.total);
                        pb.set_position(p.done);
                    }
                }
            };
            let info = ops::backup(&url, &output, &Actor::cli(), &progress)
                .await
                .map_err(app_failure)?;
            pb.finish_and_clear();
            if args.json {
                return print_json(&info);
            }
            // Quiet unless on a terminal.
            if std::io::IsTerminal::is_terminal(&std::io::stderr()) {
                let rows: u64 = info.manifest.entries.iter().filter_map(|e| e.rows).sum();
                eprintln!(
                    "{}",
                    tr(
                        lang,
                        "ops.backup_written",
                        &[
                            ("file", &info.file.display()),
                            ("size", &human_bytes(info.size)),
                            ("sha256", &info.sha256),
                            ("tables", &info.header.tables.len()),
                            ("rows", &rows),
                            ("blobs", &info.manifest.blob_count),
                        ]
                    )
                );
            }
            Ok(())
        }
    }
}

pub async fn restore(args: RestoreArgs, db: Option<&str>, lang: Lang) -> Result<(), Failure> {
    let url = url(db, lang, true);
    let read = Arc::new(AtomicU64::new(0));
    let actor = Actor::cli();
    let work = ops::restore(&args.file, &url, args.force, &actor, read.clone());
    let report = with_bytes_bar(size_of(&args.file), read, "restore", work)
        .await
        .map_err(app_failure)?;
    if args.json {
        return print_json(&report);
    }
    let rows: u64 = report.tables.iter().map(|t| t.1).sum();
    outln!(
        "{}",
        tr(
            lang,
            "ops.restored",
            &[
                ("file", &args.file.display()),
                ("from", &report.schema_from),
                ("to", &report.schema_to),
                ("rows", &rows),
                ("blobs", &report.blobs),
                ("bytes", &human_bytes(report.blob_bytes)),
            ]
        )
    );
    Ok(())
}

pub async fn db_cmd(cmd: DbCmd, db: Option<&str>, lang: Lang) -> Result<(), Failure> {
    match cmd {
        DbCmd::Dump { output } => {
            let url = url(db, lang, true);
            match output {
                Some(path) => {
                    let fail = |e: std::io::Error| {
                        Failure::key(
                            "error.write_file",
                            &[("file", &path.display()), ("detail", &e)],
                        )
                    };
                    let f = std::fs::File::create(&path).map_err(fail)?;
                    let mut w = std::io::BufWriter::new(f);
                    ops::dump(&url, &mut w).await.map_err(app_failure)?;
                    std::io::Write::flush(&mut w).map_err(fail)?;
                }
                None => {
                    let stdout = std::io::stdout();
                    let mut w = std::io::BufWriter::new(stdout.lock());
                    let r = ops::dump(&url, &mut w).await;
                    if let Err(e) = r {
                        return Err(app_failure(e));
                    }
                    if let Err(e) = std::io::Write::flush(&mut w)
                        && e.kind() != std::io::ErrorKind::BrokenPipe
                    {
                        return Err(Failure::key("error.internal", &[("detail", &e)]));
                    }
                }
            }
            Ok(())
        }
    }
}

/// `1.5 MiB`.
pub fn human_bytes(n: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut v = n as f64;
    let mut u = 0;
    while v >= 1024.0 && u < UNITS.len() - 1 {
        v /= 1024.0;
        u += 1;
    }
    if u == 0 {
        format!("{n} B")
    } else {
        format!("{v:.1} {}", UNITS[u])
    }
}

#[derive(Args, Debug)]
pub struct DoctorArgs {
    /// The backup directory of `kojo serve --backup-dir` (its free space is checked too).
    #[arg(long = "backup-dir", env = "KOJO_BACKUP_DIR")]
    pub backup_dir: Option<PathBuf>,
    /// The backup interval; a last verified backup older than twice this is a warning.
    #[arg(long = "backup-every", env = "KOJO_BACKUP_EVERY", default_value = "24h", value_parser = crate::serve_cmd::parse_every)]
    pub backup_every: std::time::Duration,
    /// Machine-readable output.
    #[arg(long)]
    pub json: bool,
}

pub async fn doctor(args: DoctorArgs, db: Option<&str>, lang: Lang) -> Result<(), Failure> {
    use kojo_app::doctor::{self, DoctorOptions, Status};
    let url = url(db, lang, false);
    let opts = DoctorOptions {
        backup_dir: args.backup_dir,
        backup_every: args.backup_every,
        ..DoctorOptions::default()
    };
    let checks = doctor::doctor(&url, &opts, lang).await;
    if args.json {
        print_json(&checks)?;
    } else {
        for c in &checks {
            let mark = match c.status {
                Status::Ok => "[ OK ]",
                Status::Warn => "[WARN]",
                Status::Fail => "[FAIL]",
            };
            outln!("{mark} {:<10} {}", c.check, c.detail);
        }
    }
    if doctor::healthy(&checks) {
        if !args.json {
            outln!("{}", tr(lang, "doctor.summary_ok", &[]));
        }
        Ok(())
    } else {
        Err(Failure::key("doctor.summary_fail", &[]))
    }
}
