//! `kojo key …`, `kojo submit`, `kojo assessment export`: exchange on the supplier's side
//! (the customer's side is `receive_cmd.rs`).

use crate::db::{app_failure, open};
use crate::output::{Failure, outln, print_listing, write_file};
use clap::{Args, Subcommand, ValueEnum};
use kojo_app::{Actor, Admin, AppError, KeyInfo};
use kojo_i18n::{Lang, t, tr};
use std::io::{BufRead, IsTerminal, Read};
use std::path::{Path, PathBuf};

/// The most bytes read for a passphrase (minisign accepts up to 1024).
const MAX_PASSPHRASE_BYTES: u64 = 1024;

#[derive(Subcommand, Debug)]
pub enum KeyCmd {
    /// Create a signing key pair for one of your companies: DIR/CODE.key (secret, encrypted
    /// with a passphrase read from standard input or --passphrase-file) and DIR/CODE.pub, in
    /// the minisign format. A company that already has a key gets a new one (rotation): the
    /// old public key stays registered, so packages signed with it stay verifiable.
    Generate {
        /// Company code.
        #[arg(long)]
        company: String,
        /// Folder for the two files (default: the current folder).
        #[arg(short = 'o', long = "output", default_value = ".")]
        dir: PathBuf,
        /// Read the passphrase from this file (first line) instead of standard input.
        #[arg(long)]
        passphrase_file: Option<PathBuf>,
    },
    /// Show the registered public keys with their fingerprints (yours and your suppliers').
    Show {
        /// Only this company.
        #[arg(long)]
        company: Option<String>,
        /// Machine-readable output.
        #[arg(long)]
        json: bool,
    },
}

/// `kojo submit`.
#[derive(Args, Debug)]
pub struct SubmitArgs {
    /// Assessment id (or unique prefix): an approved revision.
    pub id: String,
    /// The company's secret key file (CODE.key).
    #[arg(long)]
    pub key: PathBuf,
    /// The package to write (.kojo).
    #[arg(short = 'o', long = "output")]
    pub output: PathBuf,
    /// Include the evidence files (otherwise only their hashes travel).
    #[arg(long)]
    pub with_evidence: bool,
    /// Read the passphrase from this file (first line) instead of standard input.
    #[arg(long)]
    pub passphrase_file: Option<PathBuf>,
}

/// Formats of `kojo assessment export`.
#[derive(ValueEnum, Clone, Copy, Debug)]
pub enum ExportFormat {
    /// OSCAL 1.2.1 assessment-results (in the --lang language).
    Oscal,
    /// kojo's canonical JSON of the assessment (assessment.json of a package).
    Json,
}

/// Reads a passphrase: the first line of `file`, or one line of standard input (prompted on
/// standard error, without echo, when it is a terminal). Never from an argument.
fn passphrase(file: Option<&Path>, lang: Lang) -> Result<String, Failure> {
    let read_fail =
        |e: std::io::Error| Failure::key("error.read_file", &[("file", &"-"), ("detail", &e)]);
    let line = match file {
        Some(path) => {
            let f = std::fs::File::open(path).map_err(|e| {
                Failure::key(
                    "error.read_file",
                    &[("file", &path.display()), ("detail", &e)],
                )
            })?;
            let mut s = String::new();
            std::io::BufReader::new(f.take(MAX_PASSPHRASE_BYTES))
                .read_line(&mut s)
                .map_err(read_fail)?;
            s
        }
        None if std::io::stdin().is_terminal() => {
            rpassword::prompt_password(format!("{} ", t(lang, "exchange.cli_passphrase")))
                .map_err(read_fail)?
        }
        None => {
            let mut s = String::new();
            std::io::stdin()
                .lock()
                .take(MAX_PASSPHRASE_BYTES)
                .read_line(&mut s)
                .map_err(read_fail)?;
            s
        }
    };
    let p = line.trim_end_matches(['\r', '\n']).to_string();
    if p.is_empty() {
        return Err(Failure::key("exchange.empty_passphrase", &[]));
    }
    Ok(p)
}

pub(crate) fn read_small(path: &Path, max: u64) -> Result<String, Failure> {
    let fail = |e: &dyn std::fmt::Display| {
        Failure::key(
            "error.read_file",
            &[("file", &path.display()), ("detail", e)],
        )
    };
    let f = std::fs::File::open(path).map_err(|e| fail(&e))?;
    let mut s = String::new();
    f.take(max).read_to_string(&mut s).map_err(|e| fail(&e))?;
    Ok(s)
}

pub(crate) fn admin_of<'a>(app: &'a kojo_app::App, actor: &'a Actor) -> Result<Admin<'a>, Failure> {
    // Lifetimes: the admin handle borrows both.
    app.admin(actor)
        .ok_or_else(|| app_failure(AppError::Forbidden))
}

pub(crate) fn key_json(k: &KeyInfo) -> serde_json::Value {
    serde_json::json!({
        "company": k.key.org_code,
        "key_id": k.key.key_id,
        "public_key": k.key.public_key,
        "fingerprint": k.fingerprint,
        "created_at": k.key.created_at,
        "created_by": k.key.created_by,
        "retired_at": k.key.retired_at,
    })
}

pub async fn key(cmd: KeyCmd, db: Option<&str>, lang: Lang) -> Result<(), Failure> {
    let app = open(db, lang).await?;
    let actor = Actor::cli();
    let admin = admin_of(&app, &actor)?;
    match cmd {
        KeyCmd::Generate {
            company,
            dir,
            passphrase_file,
        } => {
            let pass = passphrase(passphrase_file.as_deref(), lang)?;
            // Refuse before generating if a file would be overwritten.
            let code = kojo_app::check_code(&company).map_err(app_failure)?;
            let secret = dir.join(format!("{code}.key"));
            let public = dir.join(format!("{code}.pub"));
            for p in [&secret, &public] {
                if p.exists() {
                    return Err(Failure::key(
                        "exchange.file_exists",
                        &[("file", &p.display())],
                    ));
                }
            }
            let k = admin
                .generate_key(&code, &pass)
                .await
                .map_err(app_failure)?;
            std::fs::create_dir_all(&dir).map_err(|e| {
                Failure::key(
                    "error.write_file",
                    &[("file", &dir.display()), ("detail", &e)],
                )
            })?;
            // Files first: a key is registered only once its secret half is safely written.
            write_secret(&secret, k.secret_file.as_bytes())?;
            write_file(&public, k.public.file_text().as_bytes())?;
            admin
                .register_key(&code, &k.public)
                .await
                .map_err(app_failure)?;
            outln!(
                "{}",
                tr(
                    lang,
                    "exchange.cli_generated",
                    &[
                        ("key", &k.public.key_id),
                        ("code", &code),
                        ("secret", &secret.display()),
                        ("public", &public.display()),
                        ("fingerprint", &k.public.fingerprint()),
                    ]
                )
            );
        }
        KeyCmd::Show { company, json } => {
            let keys = admin
                .company_keys(company.as_deref())
                .await
                .map_err(app_failure)?;
            print_listing(
                &keys,
                json,
                t(lang, "exchange.no_current_key"),
                [
                    t(lang, "exchange.col_company"),
                    t(lang, "exchange.col_key"),
                    t(lang, "exchange.col_fingerprint"),
                    t(lang, "exchange.col_created"),
                    t(lang, "exchange.col_retired"),
                ],
                key_json,
                |k| {
                    [
                        k.key.org_code.clone(),
                        k.key.key_id.clone(),
                        k.fingerprint.clone(),
                        k.key.created_at.clone(),
                        k.key
                            .retired_at
                            .clone()
                            .unwrap_or_else(|| t(lang, "exchange.current").to_string()),
                    ]
                },
            )?;
        }
    }
    Ok(())
}

/// Writes the secret key as a new file readable by its owner only (created so, never
/// readable by others for a moment; an existing file is never overwritten).
fn write_secret(path: &Path, bytes: &[u8]) -> Result<(), Failure> {
    use std::io::Write;
    let fail = |e: std::io::Error| {
        Failure::key(
            "error.write_file",
            &[("file", &path.display()), ("detail", &e)],
        )
    };
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut f = options.open(path).map_err(fail)?;
    f.write_all(bytes).and_then(|()| f.sync_all()).map_err(fail)
}

pub async fn submit(args: SubmitArgs, db: Option<&str>, lang: Lang) -> Result<(), Failure> {
    let secret = read_small(&args.key, kojo_exchange::keys::MAX_KEY_FILE_BYTES as u64)?;
    let pass = passphrase(args.passphrase_file.as_deref(), lang)?;
    let app = open(db, lang).await?;
    let actor = Actor::cli();
    let admin = admin_of(&app, &actor)?;
    let s = admin
        .submit(
            &args.id,
            kojo_app::SubmitOptions {
                secret_key: &secret,
                passphrase: &pass,
                with_evidence: args.with_evidence,
                lang,
            },
        )
        .await
        .map_err(app_failure)?;
    write_file(&args.output, &s.bytes)?;
    let a = &s.assessment;
    let scope = match &a.line_code {
        Some(l) => format!("{}/{l}", a.site_code),
        None => a.site_code.clone(),
    };
    eprintln!(
        "{}",
        tr(
            lang,
            "exchange.cli_submitted",
            &[
                ("file", &args.output.display()),
                ("scope", &scope),
                ("period", &a.period),
                ("revision", &a.revision),
                ("key", &s.key_id),
            ]
        )
    );
    Ok(())
}

/// `kojo assessment export ID --format oscal|json -o FILE`.
pub async fn export(
    reader: &kojo_app::Reader<'_>,
    id: &str,
    format: ExportFormat,
    output: &Path,
    lang: Lang,
) -> Result<(), Failure> {
    let what = match format {
        ExportFormat::Oscal => "oscal-assessment-results.json",
        ExportFormat::Json => "assessment.json",
    };
    let view = reader.assessment(id).await.map_err(app_failure)?;
    reader
        .record_export(&view.assessment.id, what)
        .await
        .map_err(app_failure)?;
    let value = match format {
        ExportFormat::Oscal => reader.oscal_results(id, lang).await,
        ExportFormat::Json => reader
            .assessment_doc(id)
            .await
            .and_then(|d| serde_json::to_value(d).map_err(|e| AppError::Internal(e.to_string()))),
    }
    .map_err(app_failure)?;
    let mut bytes = serde_json::to_vec_pretty(&value)
        .map_err(|e| app_failure(AppError::Internal(e.to_string())))?;
    bytes.push(b'\n');
    write_file(output, &bytes)?;
    eprintln!("{}", tr(lang, "cli.wrote", &[("file", &output.display())]));
    Ok(())
}
