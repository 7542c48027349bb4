//! `kojo audit …`: the tamper-evident audit trail (guideline items 18, 59).

use crate::db::{app_failure, open};
use crate::output::{Failure, outln, print_json};
use clap::{Subcommand, ValueEnum};
use kojo_app::Actor;
use kojo_app::audit::{self, ExportFormat};
use kojo_i18n::{Lang, tr};
use std::path::PathBuf;

#[derive(Subcommand, Debug)]
pub enum AuditCmd {
    /// Walk the whole chain and every answer-history row; name each broken record. Exits 1
    /// when the trail is broken. With --file, verify an exported range (JSONL) on its own.
    Verify {
        /// A JSONL export to verify instead of the database.
        #[arg(long)]
        file: Option<PathBuf>,
        /// An anchor kept elsewhere (`SEQ:HASH`, as `kojo audit anchor` printed it) that the
        /// chain must still contain.
        #[arg(long)]
        anchor: Option<String>,
        /// Problems listed at most.
        #[arg(long, default_value_t = 20)]
        limit: usize,
        /// Machine-readable output.
        #[arg(long)]
        json: bool,
    },
    /// Export the records of a period with the anchor they follow, so the range verifies on
    /// its own (`kojo audit verify --file`).
    Export {
        /// First day (YYYY-MM-DD, UTC) or instant (RFC 3339).
        #[arg(long)]
        from: String,
        /// Last day (inclusive) or instant (exclusive).
        #[arg(long)]
        to: String,
        /// jsonl (verifiable) or csv (for spreadsheets).
        #[arg(long, value_enum, default_value_t = Format::Jsonl)]
        format: Format,
        /// Write to this file instead of standard output.
        #[arg(short = 'o', long = "output")]
        output: Option<PathBuf>,
    },
    /// Record the head of the chain as an anchor and print it (copy it somewhere safe).
    Anchor,
    /// Remove records written before a date, keeping the chain verifiable from a recorded
    /// anchor (retention).
    Prune {
        /// Records before this day (YYYY-MM-DD, UTC) or instant go.
        #[arg(long)]
        before: String,
    },
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Format {
    Jsonl,
    Csv,
}

pub async fn run(cmd: AuditCmd, db: Option<&str>, lang: Lang) -> Result<(), Failure> {
    if let AuditCmd::Verify {
        file: Some(file),
        json,
        ..
    } = &cmd
    {
        let f = std::fs::File::open(file)
            .map_err(|e| Failure::key("ops.io", &[("path", &file.display()), ("detail", &e)]))?;
        let s = audit::verify_export(&file.display().to_string(), &mut std::io::BufReader::new(f))
            .map_err(app_failure)?;
        if *json {
            return print_json(&s);
        }
        let (first, last) = s.span.unwrap_or((0, 0));
        outln!(
            "{}",
            tr(
                lang,
                "ops.export_ok",
                &[
                    ("file", &file.display()),
                    ("count", &s.count),
                    ("first", &first),
                    ("last", &last),
                    ("anchor_seq", &s.anchor.seq),
                    ("anchor_hash", &s.anchor.hash),
                    ("head_hash", &s.head_hash),
                ]
            )
        );
        return Ok(());
    }
    let app = open(db, lang).await?;
    let actor = Actor::cli();
    let admin = app
        .admin(&actor)
        .ok_or_else(|| app_failure(kojo_app::AppError::Forbidden))?;
    match cmd {
        AuditCmd::Verify {
            anchor,
            limit,
            json,
            ..
        } => {
            let mut report = admin.audit_verify(limit).await.map_err(app_failure)?;
            if let Some(a) = anchor {
                let (seq, hash) = a
                    .split_once(':')
                    .and_then(|(s, h)| Some((s.trim().parse::<i64>().ok()?, h.trim().to_string())))
                    .ok_or_else(|| Failure::key("ops.bad_anchor", &[("value", &a)]))?;
                if !admin.audit_has(seq, &hash).await.map_err(app_failure)? {
                    report.break_count += 1;
                    report.breaks.insert(0, kojo_app::audit::anchor_break(seq));
                }
            }
            if json {
                print_json(&report)?;
            } else if report.break_count == 0 {
                outln!(
                    "{}",
                    tr(
                        lang,
                        "ops.audit_ok",
                        &[
                            ("records", &report.records),
                            ("history", &report.history_rows),
                            ("seq", &report.head.seq),
                            ("hash", &report.head.hash),
                        ]
                    )
                );
                if report.history_predating > 0 {
                    outln!(
                        "{}",
                        tr(
                            lang,
                            "ops.audit_predating",
                            &[
                                ("count", &report.history_predating),
                                ("seq", &report.start.seq)
                            ]
                        )
                    );
                }
            } else {
                outln!(
                    "{}",
                    tr(lang, "ops.audit_broken", &[("count", &report.break_count)])
                );
                for b in &report.breaks {
                    outln!("  {}", audit::describe(b, lang));
                }
                let more = report
                    .break_count
                    .saturating_sub(report.breaks.len() as u64);
                if more > 0 {
                    outln!("  {}", tr(lang, "ops.break_more", &[("count", &more)]));
                }
            }
            if report.break_count > 0 {
                return Err(Failure::key(
                    "ops.audit_broken",
                    &[("count", &report.break_count)],
                ));
            }
            Ok(())
        }
        AuditCmd::Export {
            from,
            to,
            format,
            output,
        } => {
            let from = audit::parse_instant(&from).map_err(app_failure)?;
            let to = audit::parse_end(&to).map_err(app_failure)?;
            let format = match format {
                Format::Jsonl => ExportFormat::Jsonl,
                Format::Csv => ExportFormat::Csv,
            };
            let summary = match &output {
                Some(path) => {
                    let fail = |e: std::io::Error| {
                        Failure::key(
                            "error.write_file",
                            &[("file", &path.display()), ("detail", &e)],
                        )
                    };
                    let mut w = std::io::BufWriter::new(std::fs::File::create(path).map_err(fail)?);
                    admin
                        .audit_export(&from, &to, format, &mut w)
                        .await
                        .map_err(app_failure)?
                }
                None => {
                    let mut w = std::io::BufWriter::new(std::io::stdout().lock());
                    admin
                        .audit_export(&from, &to, format, &mut w)
                        .await
                        .map_err(app_failure)?
                }
            };
            let msg = match summary.span {
                Some((first, last)) => tr(
                    lang,
                    "ops.export_written",
                    &[
                        ("first", &first),
                        ("last", &last),
                        ("count", &summary.count),
                        ("anchor_seq", &summary.anchor.seq),
                        ("anchor_hash", &summary.anchor.hash),
                    ],
                ),
                None => tr(lang, "ops.export_empty", &[]),
            };
            eprintln!("{msg}");
            Ok(())
        }
        AuditCmd::Anchor => {
            let a = admin.record_anchor().await.map_err(app_failure)?;
            outln!(
                "{}",
                tr(
                    lang,
                    "ops.anchor_recorded",
                    &[("seq", &a.head_seq), ("hash", &a.head_hash)]
                )
            );
            outln!("{}:{}", a.head_seq, a.head_hash);
            Ok(())
        }
        AuditCmd::Prune { before } => {
            let cutoff = audit::parse_instant(&before).map_err(app_failure)?;
            let n = admin.audit_prune(&cutoff).await.map_err(app_failure)?;
            outln!(
                "{}",
                tr(lang, "ops.pruned", &[("count", &n), ("cutoff", &cutoff)])
            );
            Ok(())
        }
    }
}
