//! `kojo key …`, `kojo submit`, `kojo receive`, `kojo supplier …`, `kojo assessment export`:
//! exchange between suppliers and customers.

use crate::db::{app_failure, open};
use crate::output::{Failure, outln, print_json, print_listing, write_file};
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

/// `kojo receive`.
#[derive(Args, Debug)]
pub struct ReceiveArgs {
    /// The package (.kojo); several are received one after the other, each on its own (a
    /// refused one is reported and the others still filed; the exit status is then 1).
    #[arg(required = true)]
    pub package: Vec<PathBuf>,
    /// Refuse the package unless it comes from this supplier.
    #[arg(long)]
    pub company: Option<String>,
    /// Machine-readable output.
    #[arg(long)]
    pub json: bool,
}

#[derive(Subcommand, Debug)]
pub enum SupplierCmd {
    /// Register a supplier with its public key (the CODE.pub it sent you). Use the company
    /// code the supplier signs with.
    Add {
        /// Supplier code (as in its packages).
        code: String,
        /// Supplier name.
        #[arg(long)]
        name: String,
        /// Its public key file (.pub).
        #[arg(long)]
        public_key: PathBuf,
    },
    /// Register a supplier's new public key (after it rotated its key).
    Key {
        /// Supplier code.
        code: String,
        /// The new public key file (.pub).
        #[arg(long)]
        public_key: PathBuf,
    },
    /// Which suppliers have submitted for a fiscal year, when and which revision, and who is
    /// missing (missing first), with a reminder to copy into a letter or e-mail.
    Status {
        /// Fiscal year (年度).
        #[arg(long)]
        period: String,
        /// Machine-readable output.
        #[arg(long)]
        json: bool,
    },
    /// List registered suppliers.
    List {
        /// Machine-readable output.
        #[arg(long)]
        json: bool,
    },
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

fn read_small(path: &Path, max: u64) -> Result<String, Failure> {
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

fn admin_of<'a>(app: &'a kojo_app::App, actor: &'a Actor) -> Result<Admin<'a>, Failure> {
    // Lifetimes: the admin handle borrows both.
    app.admin(actor)
        .ok_or_else(|| app_failure(AppError::Forbidden))
}

fn key_json(k: &KeyInfo) -> serde_json::Value {
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

fn read_package(path: &Path) -> Result<Vec<u8>, Failure> {
    let max = kojo_exchange::package::MAX_PACKAGE_BYTES as u64;
    let fail = |e: std::io::Error| {
        Failure::key(
            "error.read_file",
            &[("file", &path.display()), ("detail", &e)],
        )
    };
    let f = std::fs::File::open(path).map_err(fail)?;
    let mut bytes = Vec::new();
    // One byte over the limit is enough for the package reader to refuse it by size.
    f.take(max + 1).read_to_end(&mut bytes).map_err(fail)?;
    Ok(bytes)
}

fn received_line(r: &kojo_app::Received, lang: Lang) -> String {
    let key = if r.current {
        "exchange.cli_received"
    } else {
        "exchange.cli_received_history"
    };
    tr(
        lang,
        key,
        &[
            ("company", &r.company.code),
            ("scope", &r.scope),
            ("period", &r.period),
            ("revision", &r.revision),
            ("current", &r.newer_revision.unwrap_or(r.revision)),
            ("id", &r.assessment_id),
        ],
    )
}

pub async fn receive(args: ReceiveArgs, db: Option<&str>, lang: Lang) -> Result<(), Failure> {
    let app = open(db, lang).await?;
    let actor = Actor::cli();
    let admin = admin_of(&app, &actor)?;
    if let [one] = args.package.as_slice() {
        let bytes = read_package(one)?;
        let r = admin
            .receive(&bytes, args.company.as_deref())
            .await
            .map_err(app_failure)?;
        if args.json {
            return print_json(&r);
        }
        outln!("{}", received_line(&r, lang));
        return Ok(());
    }
    // Several: each on its own; refusals are reported with the file and counted.
    let mut out = Vec::new();
    let mut refused = 0usize;
    for path in &args.package {
        let result = match read_package(path) {
            Ok(bytes) => admin
                .receive(&bytes, args.company.as_deref())
                .await
                .map_err(app_failure),
            Err(e) => Err(e),
        };
        match result {
            Ok(r) => {
                if args.json {
                    out.push(serde_json::json!({"package": path, "received": r}));
                } else {
                    outln!("{}: {}", path.display(), received_line(&r, lang));
                }
            }
            Err(e) => {
                refused += 1;
                let msg = e.message(lang);
                eprintln!("{}: {msg}", path.display());
                if args.json {
                    out.push(serde_json::json!({"package": path, "error": msg}));
                }
            }
        }
    }
    if args.json {
        print_json(&out)?;
    }
    if refused > 0 {
        return Err(Failure::key(
            "exchange.cli_refused_some",
            &[("refused", &refused), ("total", &args.package.len())],
        ));
    }
    Ok(())
}

pub async fn supplier(cmd: SupplierCmd, db: Option<&str>, lang: Lang) -> Result<(), Failure> {
    let app = open(db, lang).await?;
    let actor = Actor::cli();
    let admin = admin_of(&app, &actor)?;
    let max = kojo_exchange::keys::MAX_KEY_FILE_BYTES as u64;
    match cmd {
        SupplierCmd::Add {
            code,
            name,
            public_key,
        } => {
            let text = read_small(&public_key, max)?;
            let (org, k) = admin
                .add_supplier(&code, &name, &text)
                .await
                .map_err(app_failure)?;
            outln!(
                "{}",
                tr(
                    lang,
                    "exchange.cli_supplier_added",
                    &[
                        ("code", &org.code),
                        ("name", &org.name),
                        ("key", &k.key.key_id),
                        ("fingerprint", &k.fingerprint),
                    ]
                )
            );
        }
        SupplierCmd::Key { code, public_key } => {
            let text = read_small(&public_key, max)?;
            let k = admin
                .add_supplier_key(&code, &text)
                .await
                .map_err(app_failure)?;
            outln!(
                "{}",
                tr(
                    lang,
                    "exchange.cli_supplier_key",
                    &[("code", &k.key.org_code), ("key", &k.key.key_id)]
                )
            );
        }
        SupplierCmd::Status { period, json } => {
            let year = kojo_domain::FiscalYear::parse(&period)
                .map_err(|e| Failure::localized(|l| e.message(l)))?;
            let rows = admin
                .supplier_status(i64::from(year.year()))
                .await
                .map_err(app_failure)?;
            if json {
                return print_json(&rows);
            }
            print_listing(
                &rows,
                false,
                t(lang, "exchange.no_suppliers"),
                [
                    t(lang, "exchange.col_supplier"),
                    t(lang, "exchange.col_name"),
                    t(lang, "exchange.col_status"),
                    t(lang, "exchange.col_scopes"),
                    t(lang, "exchange.col_received"),
                ],
                |_| serde_json::Value::Null,
                |s| {
                    [
                        s.code.clone(),
                        s.name.clone(),
                        t(
                            lang,
                            if s.submitted {
                                "exchange.status_submitted"
                            } else {
                                "exchange.status_missing"
                            },
                        )
                        .to_string(),
                        s.received
                            .iter()
                            .map(|r| {
                                let scope = match &r.line_code {
                                    Some(l) => format!("{}/{l}", r.site_code),
                                    None => r.site_code.clone(),
                                };
                                format!("{scope} r{}", r.revision)
                            })
                            .collect::<Vec<_>>()
                            .join(", "),
                        s.last_received_at.clone().unwrap_or_default(),
                    ]
                },
            )?;
            let missing: Vec<_> = rows.iter().filter(|s| !s.submitted).collect();
            for s in missing {
                outln!();
                outln!(
                    "{}",
                    tr(
                        lang,
                        "exchange.missing_letter",
                        &[("name", &s.name), ("period", &year.year())]
                    )
                    .trim_end()
                );
            }
        }
        SupplierCmd::List { json } => {
            let suppliers = admin.suppliers().await.map_err(app_failure)?;
            let keys = admin.company_keys(None).await.map_err(app_failure)?;
            let current = |id: &str| {
                keys.iter()
                    .find(|k| k.key.org_id == id && k.key.retired_at.is_none())
            };
            print_listing(
                &suppliers,
                json,
                t(lang, "exchange.no_suppliers"),
                [
                    t(lang, "exchange.col_supplier"),
                    t(lang, "exchange.col_name"),
                    t(lang, "exchange.col_key"),
                    t(lang, "exchange.col_fingerprint"),
                ],
                |s| {
                    serde_json::json!({
                        "code": s.code,
                        "name": s.name,
                        "key": current(&s.id).map(key_json),
                    })
                },
                |s| {
                    [
                        s.code.clone(),
                        s.name.clone(),
                        current(&s.id)
                            .map(|k| k.key.key_id.clone())
                            .unwrap_or_default(),
                        current(&s.id)
                            .map(|k| k.fingerprint.clone())
                            .unwrap_or_default(),
                    ]
                },
            )?;
        }
    }
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
