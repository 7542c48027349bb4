//! The `kojo` binary: command line, configuration and tracing set-up.

mod action_cmd;
mod activity_cmd;
mod assessment_args;
mod assessment_cmd;
mod assessment_migrate;
mod assessment_show;
mod audit_cmd;
mod catalog_cmd;
mod catalog_versions;
mod checksheet_cmd;
mod company_cmd;
mod cycle_cmd;
mod db;
mod evidence_cmd;
mod exchange_cmd;
mod inherit_cmd;
mod ops_cmd;
mod output;
mod portfolio_cmd;
mod receive_cmd;
mod register_cmd;
mod serve_cmd;
mod setting_cmd;
mod site_cmd;
mod token_cmd;

use anyhow::Result;

/// mimalloc instead of the system allocator: see the dependency's note in Cargo.toml.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;
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
    /// Database: sqlite:PATH or postgres://… (default: a SQLite file in your data directory).
    #[arg(long, global = true, env = "KOJO_DATABASE_URL")]
    pub database: Option<String>,
    /// PostgreSQL: a backup of the database exists, so an older schema may be migrated.
    #[arg(long, global = true, env = "KOJO_BACKUP_CONFIRMED")]
    pub backup_confirmed: bool,
    #[command(subcommand)]
    pub command: Command,
}

fn parse_lang(s: &str) -> Result<Lang, String> {
    s.parse::<Lang>().map_err(|e| e.to_string())
}

#[derive(Subcommand, Debug)]
#[allow(clippy::large_enum_variant)] // parsed once per process; boxing buys nothing
pub enum Command {
    /// The guideline: list items, show one, export (OSCAL / JSON).
    #[command(subcommand)]
    Catalog(catalog_cmd::CatalogCmd),
    /// Companies (会社) above plants: add, rename, list.
    #[command(subcommand)]
    Company(company_cmd::CompanyCmd),
    /// Plants (工場).
    #[command(subcommand)]
    Site(site_cmd::SiteCmd),
    /// The portfolio (全社ダッシュボード): every plant and line for a fiscal year, rates per
    /// label, companies pooled, overdue work, the weakest items.
    Portfolio(portfolio_cmd::PortfolioArgs),
    /// Production lines (ライン).
    #[command(subcommand)]
    Line(site_cmd::LineCmd),
    /// Assessments: start (or carry from last year), answer, show, history, re-confirm, review,
    /// diff, sign off (submit, confirm, approve, return), revise, verify.
    #[command(subcommand)]
    Assessment(assessment_cmd::AssessmentCmd),
    /// The review queue: □ △ × items of each plant's current assessment with what their yearly
    /// review still needs, overdue first.
    Review(cycle_cmd::QueueArgs),
    /// Action plans (対策計画) on □ △ × items: add, list, set status.
    #[command(subcommand)]
    Action(action_cmd::ActionCmd),
    /// Evidence files (根拠資料) attached to items: add, list, get.
    #[command(subcommand)]
    Evidence(evidence_cmd::EvidenceCmd),
    /// Instance settings: sign-off people, evidence size limits.
    #[command(subcommand)]
    Setting(setting_cmd::SettingCmd),
    /// The xlsx checksheet: blank, export, import.
    #[command(subcommand)]
    Checksheet(checksheet_cmd::ChecksheetCmd),
    /// A printable report of an assessment (HTML or PDF, A4).
    Report {
        /// Assessment id (or unique prefix).
        id: String,
        /// html or pdf.
        #[arg(long, value_enum)]
        format: checksheet_cmd::ReportFormat,
        /// Output file.
        #[arg(short = 'o', long = "output")]
        output: std::path::PathBuf,
    },
    /// The action list (every item not ○) as xlsx or CSV, for a remediation plan.
    Actions {
        /// Assessment id (or unique prefix).
        id: String,
        /// xlsx or csv.
        #[arg(long, value_enum)]
        format: checksheet_cmd::ActionsFormat,
        /// Output file.
        #[arg(short = 'o', long = "output")]
        output: std::path::PathBuf,
    },
    /// Signing keys of your companies (minisign format): generate (and rotate), show.
    #[command(subcommand)]
    Key(exchange_cmd::KeyCmd),
    /// Pack an approved revision into a signed submission package (.kojo) for a customer.
    Submit(exchange_cmd::SubmitArgs),
    /// Receive a supplier's submission package: verify its signature and every file, then
    /// file it as a read-only assessment under the supplier.
    Receive(receive_cmd::ReceiveArgs),
    /// Suppliers whose packages you receive: add, new key, list, who has submitted.
    #[command(subcommand)]
    Supplier(receive_cmd::SupplierCmd),
    /// Personal API tokens for /api/v1: create (shown once), list, revoke.
    #[command(subcommand)]
    Token(token_cmd::TokenCmd),
    /// The REST API: print its OpenAPI document.
    #[command(subcommand)]
    Api(token_cmd::ApiCmd),
    /// Registers (台帳): the ledgers the guideline asks for (assets, firewall rules, …): kinds,
    /// list, add, retire, review (棚卸).
    #[command(subcommand)]
    Register(register_cmd::RegisterCmd),
    /// Periodic activities (年間活動): kinds, record one, the year plan of a plant.
    #[command(subcommand)]
    Activity(activity_cmd::ActivityCmd),
    /// The marks the registers suggest for an assessment's items, and where an answer claims
    /// more than they support (mismatch).
    Suggest(activity_cmd::SuggestArgs),
    /// Run the web app (the main job).
    Serve(serve_cmd::ServeArgs),
    /// Back up the whole database (online) to one file, or verify a backup file.
    Backup(ops_cmd::BackupArgs),
    /// Restore a backup into an empty database of either engine (all or nothing).
    Restore(ops_cmd::RestoreArgs),
    /// The database itself: a canonical JSON dump to compare two databases.
    #[command(subcommand)]
    Db(ops_cmd::DbCmd),
    /// Check an installation: database, migrations, disk space, backups, audit trail, clock,
    /// TLS to a remote PostgreSQL. Exits 1 when a check fails.
    Doctor(ops_cmd::DoctorArgs),
    /// The tamper-evident audit trail: verify, export a range, anchor, prune.
    #[command(subcommand)]
    Audit(audit_cmd::AuditCmd),
    /// Personal user accounts (no default account exists).
    #[command(subcommand)]
    User(serve_cmd::UserCmd),
}

fn runtime() -> Result<tokio::runtime::Runtime, Failure> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| Failure::key("error.internal", &[("detail", &e)]))
}

fn run(cli: Cli, started: std::time::Instant) -> Result<(), Failure> {
    let lang = cli.lang;
    db::set_backup_confirmed(cli.backup_confirmed);
    let db = cli.database.as_deref();
    match cli.command {
        Command::Catalog(cmd) => catalog_cmd::run(cmd, lang),
        Command::Company(cmd) => runtime()?.block_on(company_cmd::run(cmd, db, lang)),
        Command::Site(cmd) => runtime()?.block_on(site_cmd::site(cmd, db, lang)),
        Command::Register(cmd) => runtime()?.block_on(register_cmd::register(cmd, db, lang)),
        Command::Activity(cmd) => runtime()?.block_on(activity_cmd::activity(cmd, db, lang)),
        Command::Suggest(args) => runtime()?.block_on(activity_cmd::suggest(args, db, lang)),
        Command::Portfolio(args) => runtime()?.block_on(portfolio_cmd::run(args, db, lang)),
        Command::Line(cmd) => runtime()?.block_on(site_cmd::line(cmd, db, lang)),
        Command::Assessment(cmd) => runtime()?.block_on(assessment_cmd::run(cmd, db, lang)),
        Command::Review(args) => runtime()?.block_on(cycle_cmd::queue(args, db, lang)),
        Command::Action(cmd) => runtime()?.block_on(action_cmd::run(cmd, db, lang)),
        Command::Evidence(cmd) => runtime()?.block_on(evidence_cmd::run(cmd, db, lang)),
        Command::Setting(cmd) => runtime()?.block_on(setting_cmd::run(cmd, db, lang)),
        Command::Checksheet(cmd) => runtime()?.block_on(checksheet_cmd::checksheet(cmd, db, lang)),
        Command::Report { id, format, output } => {
            runtime()?.block_on(checksheet_cmd::report(id, format, output, db, lang))
        }
        Command::Actions { id, format, output } => {
            runtime()?.block_on(checksheet_cmd::actions(id, format, output, db, lang))
        }
        Command::Key(cmd) => runtime()?.block_on(exchange_cmd::key(cmd, db, lang)),
        Command::Submit(args) => runtime()?.block_on(exchange_cmd::submit(args, db, lang)),
        Command::Receive(args) => runtime()?.block_on(receive_cmd::receive(args, db, lang)),
        Command::Supplier(cmd) => runtime()?.block_on(receive_cmd::supplier(cmd, db, lang)),
        Command::Token(cmd) => runtime()?.block_on(token_cmd::token(cmd, db, lang)),
        Command::Api(cmd) => token_cmd::api(cmd),
        Command::Serve(args) => runtime()?.block_on(serve_cmd::serve(args, db, lang, started)),
        Command::User(cmd) => runtime()?.block_on(serve_cmd::user(cmd, db, lang)),
        Command::Backup(args) => runtime()?.block_on(ops_cmd::backup(args, db, lang)),
        Command::Restore(args) => runtime()?.block_on(ops_cmd::restore(args, db, lang)),
        Command::Db(cmd) => runtime()?.block_on(ops_cmd::db_cmd(cmd, db, lang)),
        Command::Doctor(args) => runtime()?.block_on(ops_cmd::doctor(args, db, lang)),
        Command::Audit(cmd) => runtime()?.block_on(audit_cmd::run(cmd, db, lang)),
    }
}

fn main() -> ExitCode {
    let started = std::time::Instant::now();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("KOJO_LOG")
                // sqlx reports bulk reads (backups, dumps) as slow statements: diagnostics for
                // KOJO_LOG, not warnings for an operator.
                .unwrap_or_else(|_| "warn,sqlx::query=error".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            // clap prints usage errors (exit 2) and --help/--version (exit 0).
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { 2 } else { 0 });
        }
    };
    let lang = cli.lang;
    match run(cli, started) {
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
