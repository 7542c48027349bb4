//! `kojo receive`, `kojo supplier …`: exchange on the customer's side.

use crate::db::{app_failure, open};
use crate::exchange_cmd::{admin_of, key_json, read_small};
use crate::output::{Failure, outln, print_json, print_listing};
use clap::{Args, Subcommand};
use kojo_app::Actor;
use kojo_i18n::{Lang, t, tr};
use std::io::Read;
use std::path::{Path, PathBuf};

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
