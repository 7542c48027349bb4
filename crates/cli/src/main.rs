//! The `kojo` binary: command line, configuration and tracing set-up.

mod catalog_cmd;
mod output;

use anyhow::Result;
use clap::{Parser, Subcommand};
use kojo_i18n::Lang;
use output::Failure;
use std::process::ExitCode;

/// kojo — 自工会/部工会・サイバーセキュリティガイドライン 工場領域版の自己評価
#[derive(Parser, Debug)]
#[command(name = "kojo", version, about, long_about = None)]
pub struct Cli {
    /// Output language: ja (default) or en.
    #[arg(long, global = true, env = "KOJO_LANG", default_value = "ja", value_parser = parse_lang)]
    pub lang: Lang,
    #[command(subcommand)]
    pub command: Command,
}

fn parse_lang(s: &str) -> Result<Lang, String> {
    s.parse::<Lang>().map_err(|e| e.to_string())
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// The guideline: list items, show one, export (OSCAL / JSON).
    #[command(subcommand)]
    Catalog(catalog_cmd::CatalogCmd),
}

fn run(cli: Cli) -> Result<(), Failure> {
    match cli.command {
        Command::Catalog(cmd) => catalog_cmd::run(cmd, cli.lang),
    }
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            // clap prints usage errors (exit 2) and --help/--version (exit 0).
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { 2 } else { 0 });
        }
    };
    let lang = cli.lang;
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(f) => {
            eprintln!(
                "{}: {}",
                kojo_i18n::t(lang, "error.prefix"),
                f.message(lang)
            );
            ExitCode::from(1)
        }
    }
}
