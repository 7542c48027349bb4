//! `kojo checksheet …`, `kojo report …`, `kojo actions …`.

use crate::catalog_cmd::catalog;
use crate::db::{app_failure, open};
use crate::output::{Failure, outln, write_file};
use clap::{Subcommand, ValueEnum};
use kojo_app::{Actor, AppError};
use kojo_domain::FiscalYear;
use kojo_i18n::{Lang, tr};
use std::path::PathBuf;

#[derive(Subcommand, Debug)]
pub enum ChecksheetCmd {
    /// Write a blank checksheet to fill in with Excel or LibreOffice.
    Blank {
        /// Output file (.xlsx).
        #[arg(short = 'o', long = "output")]
        output: PathBuf,
    },
    /// Write an assessment as a filled checksheet.
    Export {
        /// Assessment id (or unique prefix).
        id: String,
        /// Output file (.xlsx).
        #[arg(short = 'o', long = "output")]
        output: PathBuf,
    },
    /// Import a filled checksheet as a new assessment (all or nothing); prints its id last.
    Import {
        /// The checksheet (.xlsx).
        file: PathBuf,
        /// Plant code.
        #[arg(long)]
        site: String,
        /// Line code.
        #[arg(long)]
        line: Option<String>,
        /// Fiscal year (年度).
        #[arg(long)]
        period: String,
    },
}

#[derive(ValueEnum, Clone, Copy, Debug)]
pub enum ReportFormat {
    Html,
    Pdf,
}

#[derive(ValueEnum, Clone, Copy, Debug)]
pub enum ActionsFormat {
    Xlsx,
    Csv,
}

fn internal_failure(e: impl std::fmt::Display) -> Failure {
    Failure::key("error.internal", &[("detail", &e)])
}

/// Opens the database and loads one assessment as the command-line operator sees it.
/// The export is recorded in the audit trail as `what`.
async fn load(
    id: &str,
    db: Option<&str>,
    lang: Lang,
    what: &str,
) -> Result<(kojo_app::App, kojo_app::AssessmentView), Failure> {
    let app = open(db, lang).await?;
    let actor = Actor::cli();
    let reader = app.reader(&actor);
    let view = reader.assessment(id).await.map_err(app_failure)?;
    reader
        .record_export(&view.assessment.id, what)
        .await
        .map_err(app_failure)?;
    Ok((app, view))
}

pub async fn checksheet(cmd: ChecksheetCmd, db: Option<&str>, lang: Lang) -> Result<(), Failure> {
    match cmd {
        ChecksheetCmd::Blank { output } => {
            let bytes = kojo_xlsx::blank(catalog()?, lang).map_err(internal_failure)?;
            write_file(&output, &bytes)?;
            eprintln!("{}", tr(lang, "cli.wrote", &[("file", &output.display())]));
        }
        ChecksheetCmd::Export { id, output } => {
            let (app, view) = load(&id, db, lang, "checksheet.xlsx").await?;
            let actor = Actor::cli();
            // Last year's marks and this cycle's reviews fill the informational columns.
            let bytes = app
                .reader(&actor)
                .checksheet(&view, lang, None)
                .await
                .map_err(app_failure)?;
            write_file(&output, &bytes)?;
            eprintln!("{}", tr(lang, "cli.wrote", &[("file", &output.display())]));
        }
        ChecksheetCmd::Import {
            file,
            site,
            line,
            period,
        } => {
            let period =
                FiscalYear::parse(&period).map_err(|e| Failure::localized(|l| e.message(l)))?;
            let meta = std::fs::metadata(&file).map_err(|e| {
                Failure::key(
                    "error.read_file",
                    &[("file", &file.display()), ("detail", &e)],
                )
            })?;
            if meta.len() > kojo_xlsx::MAX_FILE_BYTES as u64 {
                return Err(Failure::key(
                    "cli.file_too_large",
                    &[
                        ("file", &file.display()),
                        ("max", &(kojo_xlsx::MAX_FILE_BYTES / 1024 / 1024)),
                    ],
                ));
            }
            let bytes = std::fs::read(&file).map_err(|e| {
                Failure::key(
                    "error.read_file",
                    &[("file", &file.display()), ("detail", &e)],
                )
            })?;
            // The version the checksheet names (the current one first, for the refusal's wording).
            let current = catalog()?;
            let mut catalogs = vec![current];
            catalogs.extend(
                kojo_catalog::available()
                    .unwrap_or_default()
                    .into_iter()
                    .filter(|c| c.id != current.id),
            );
            let sheet = kojo_xlsx::import_any(&bytes, &catalogs).map_err(|errs| {
                // Every problem, each with its cell, in the user's language (one per line on stderr).
                let n = errs.len();
                let lines: Vec<(String, String)> = errs
                    .errors()
                    .iter()
                    .map(|e| {
                        (
                            format!("{}: {}", e.location(), e.message(Lang::Ja)),
                            format!("{}: {}", e.location(), e.message(Lang::En)),
                        )
                    })
                    .collect();
                for (ja, en) in &lines {
                    eprintln!("{}", if lang == Lang::Ja { ja } else { en });
                }
                Failure::key("cli.import_failed", &[("n", &n)])
            })?;
            let app = open(db, lang).await?;
            let actor = Actor::cli();
            let editor = app
                .editor(&actor)
                .ok_or_else(|| app_failure(AppError::Forbidden))?;
            let a = editor
                .import(&sheet, &site, line.as_deref(), period)
                .await
                .map_err(app_failure)?;
            outln!(
                "{}",
                tr(
                    lang,
                    "cli.imported",
                    &[("n", &sheet.answers.len()), ("period", &period.label(lang))]
                )
            );
            outln!("{}", a.id);
        }
    }
    Ok(())
}

pub async fn report(
    id: String,
    format: ReportFormat,
    output: PathBuf,
    db: Option<&str>,
    lang: Lang,
) -> Result<(), Failure> {
    let (app, view) = load(
        &id,
        db,
        lang,
        match format {
            ReportFormat::Html => "report.html",
            ReportFormat::Pdf => "report.pdf",
        },
    )
    .await?;
    let cycle = app
        .reader(&Actor::cli())
        .cycle_report(&view)
        .await
        .map_err(app_failure)?;
    let sheet = view.sheet();
    let input = kojo_report::ReportInput {
        catalog: view.catalog,
        sheet: &sheet,
        summary: &view.summary,
        lang,
        generated_on: chrono::Local::now().date_naive(),
        status: Some(view.assessment.status),
        cycle: Some(&cycle),
    };
    let bytes = match format {
        ReportFormat::Html => kojo_report::html(&input).into_bytes(),
        ReportFormat::Pdf => kojo_report::pdf(&input).map_err(internal_failure)?,
    };
    write_file(&output, &bytes)?;
    eprintln!("{}", tr(lang, "cli.wrote", &[("file", &output.display())]));
    Ok(())
}

pub async fn actions(
    id: String,
    format: ActionsFormat,
    output: PathBuf,
    db: Option<&str>,
    lang: Lang,
) -> Result<(), Failure> {
    let (app, view) = load(
        &id,
        db,
        lang,
        match format {
            ActionsFormat::Xlsx => "actions.xlsx",
            ActionsFormat::Csv => "actions.csv",
        },
    )
    .await?;
    let actions = app
        .reader(&Actor::cli())
        .cycle_report(&view)
        .await
        .map_err(app_failure)?
        .actions;
    let sheet = view.sheet();
    let today = kojo_app::today();
    let bytes = match format {
        ActionsFormat::Xlsx => {
            kojo_xlsx::action_list_xlsx(view.catalog, &sheet, &actions, today, lang)
                .map_err(internal_failure)?
        }
        ActionsFormat::Csv => {
            kojo_xlsx::action_list_csv(view.catalog, &sheet, &actions, today, lang).into_bytes()
        }
    };
    write_file(&output, &bytes)?;
    eprintln!("{}", tr(lang, "cli.wrote", &[("file", &output.display())]));
    Ok(())
}
