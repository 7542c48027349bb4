//! `kojo evidence …`: evidence files (根拠資料) attached to items.

use crate::db::{app_failure, open};
use crate::output::{Failure, outln, print_listing, write_file, write_out_bytes};
use clap::Subcommand;
use kojo_app::{Actor, AppError};
use kojo_i18n::{Lang, t, tr};
use std::io::Read as _;
use std::path::PathBuf;

#[derive(Subcommand, Debug)]
pub enum EvidenceCmd {
    /// Attach a file to an item of a draft assessment; prints the evidence id last. A file
    /// already stored (the same SHA-256) is stored once.
    Add {
        /// Assessment id (or unique prefix).
        id: String,
        /// Item number.
        item: String,
        /// The file (at most the evidence.max_file_mib setting).
        file: PathBuf,
        /// Validity end date YYYY-MM-DD (有効期限; e.g. of a certificate).
        #[arg(long = "valid-until")]
        valid_until: Option<String>,
    },
    /// The files attached to an assessment.
    List {
        /// Assessment id (or unique prefix).
        id: String,
        /// Machine-readable output.
        #[arg(long)]
        json: bool,
    },
    /// Write an attached file.
    Get {
        /// Evidence id (a number, as `kojo evidence list` shows it).
        evidence_id: i64,
        /// Output file ("-" for standard output).
        #[arg(short = 'o', long = "output")]
        output: PathBuf,
    },
}

fn read_failure(file: &std::path::Path, e: std::io::Error) -> Failure {
    Failure::key(
        "error.read_file",
        &[("file", &file.display()), ("detail", &e)],
    )
}

pub async fn run(cmd: EvidenceCmd, db: Option<&str>, lang: Lang) -> Result<(), Failure> {
    let app = open(db, lang).await?;
    let actor = Actor::cli();
    let editor = app
        .editor(&actor)
        .ok_or_else(|| app_failure(AppError::Forbidden))?;
    match cmd {
        EvidenceCmd::Add {
            id,
            item,
            file,
            valid_until,
        } => {
            let item = editor.item(&item).map_err(app_failure)?;
            let max = editor.evidence_max_bytes().await.map_err(app_failure)?;
            let name = file
                .file_name()
                .map(|n| n.to_string_lossy().to_string())
                .unwrap_or_default();
            // Read at most one byte more than allowed: an oversized file is told apart without
            // reading all of it.
            let limit = u64::try_from(max).unwrap_or(0).saturating_add(1);
            let mut bytes = Vec::new();
            std::fs::File::open(&file)
                .and_then(|f| f.take(limit).read_to_end(&mut bytes))
                .map_err(|e| read_failure(&file, e))?;
            if bytes.len() as u64 >= limit {
                let size = std::fs::metadata(&file)
                    .map(|m| m.len().to_string())
                    .unwrap_or_else(|_| format!("> {max}"));
                return Err(Failure::localized(move |l| {
                    tr(
                        l,
                        "cycle.evidence_too_large",
                        &[("name", &name), ("size", &size), ("max", &max)],
                    )
                }));
            }
            let e = editor
                .add_evidence(&id, item, &name, &bytes, valid_until.as_deref())
                .await
                .map_err(app_failure)?;
            outln!(
                "{}",
                tr(
                    lang,
                    "cli.evidence_added",
                    &[
                        ("item", &e.item_no),
                        ("name", &e.name),
                        ("size", &e.size),
                        ("type", &e.media_type),
                        ("sha256", &e.sha256)
                    ]
                )
            );
            outln!("{}", e.id);
        }
        EvidenceCmd::List { id, json } => {
            let list = editor.evidence_list(&id).await.map_err(app_failure)?;
            print_listing(
                &list,
                json,
                t(lang, "cli.no_evidence"),
                [
                    "ID",
                    t(lang, "cli.col_item"),
                    t(lang, "cli.col_size"),
                    t(lang, "cli.col_type"),
                    t(lang, "cli.col_valid_until"),
                    "SHA-256",
                    t(lang, "cli.col_file"),
                ],
                |e| {
                    serde_json::json!({
                        "id": e.id,
                        "assessment_id": e.assessment_id,
                        "item": e.item_no,
                        "name": e.name,
                        "media_type": e.media_type,
                        "size": e.size,
                        "sha256": e.sha256,
                        "uploaded_by": e.uploaded_by,
                        "uploaded_at": e.uploaded_at,
                        "valid_until": e.valid_until,
                        "carried_from": e.carried_from,
                    })
                },
                |e| {
                    [
                        e.id.to_string(),
                        format!("No.{}", e.item_no),
                        e.size.to_string(),
                        e.media_type.clone(),
                        e.valid_until.clone().unwrap_or_else(|| "—".into()),
                        e.sha256.clone(),
                        e.name.clone(),
                    ]
                },
            )?;
        }
        EvidenceCmd::Get {
            evidence_id,
            output,
        } => {
            let (_, bytes) = editor
                .evidence_get(evidence_id)
                .await
                .map_err(app_failure)?;
            if output.as_os_str() == "-" {
                write_out_bytes(&bytes);
            } else {
                write_file(&output, &bytes)?;
                eprintln!("{}", tr(lang, "cli.wrote", &[("file", &output.display())]));
            }
        }
    }
    Ok(())
}
