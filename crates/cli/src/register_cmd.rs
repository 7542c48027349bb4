//! `kojo register …`: the ledgers (台帳) of a plant: kinds, entries, import, export, reviews.
//! `kojo activity` and `kojo suggest` are in `activity_cmd.rs`.

use crate::db::{app_failure, open};
use crate::output::{Failure, outln, pad, print_json, write_file};
use chrono::NaiveDate;
use clap::Subcommand;
use kojo_app::Actor;
use kojo_app::EntryQuery;
use kojo_app::registers::{LedgerFormat, register_kind, registers};
use kojo_i18n::{Lang, t, tr};
use serde_json::json;

#[derive(Subcommand, Debug)]
pub enum RegisterCmd {
    /// List the register kinds with their fields and the items each serves.
    Kinds {
        /// Machine-readable output.
        #[arg(long)]
        json: bool,
    },
    /// List the entries of a register of a plant.
    List {
        /// Register kind (see `kojo register kinds`).
        kind: String,
        /// Plant code.
        #[arg(long)]
        site: String,
        /// Retired entries instead of those in effect.
        #[arg(long)]
        retired: bool,
        /// Only entries whose values contain this text.
        #[arg(long)]
        search: Option<String>,
        /// Order by this field (id or name).
        #[arg(long)]
        sort: Option<String>,
        /// At most this many entries (1–500).
        #[arg(long, default_value_t = 500)]
        limit: i64,
        /// Skip this many entries.
        #[arg(long, default_value_t = 0)]
        offset: i64,
        /// Machine-readable output.
        #[arg(long)]
        json: bool,
    },
    /// Add one entry: `--set field=value` per field (field by id, Japanese or English name).
    Add {
        /// Register kind.
        kind: String,
        /// Plant code.
        #[arg(long)]
        site: String,
        /// Line code, when the entry belongs to a line.
        #[arg(long)]
        line: Option<String>,
        /// `field=value`, repeated.
        #[arg(long = "set", value_name = "FIELD=VALUE", required = true)]
        set: Vec<String>,
    },
    /// Import a ledger (xlsx, or CSV in UTF-8 or Shift_JIS) into a register: the header row is
    /// found, columns map to fields by name; all or nothing.
    Import {
        /// Register kind.
        kind: String,
        /// Plant code.
        #[arg(long)]
        site: String,
        /// The ledger file.
        file: std::path::PathBuf,
        /// Columns whose header is not a field name: `列名=field,…`.
        #[arg(long)]
        map: Option<String>,
        /// The field that matches rows to entries (default: the register's key); matching
        /// entries are updated, others added.
        #[arg(long)]
        key: Option<String>,
        /// Also retire entries the file does not have.
        #[arg(long)]
        sync: bool,
        /// Show what would change; write nothing.
        #[arg(long)]
        dry_run: bool,
        /// CSV encoding: utf-8 or shift_jis (default: detected).
        #[arg(long)]
        encoding: Option<String>,
        /// The sheet of an xlsx file (default: the first).
        #[arg(long)]
        sheet: Option<String>,
        /// Machine-readable output.
        #[arg(long)]
        json: bool,
    },
    /// Export the entries in effect of a register of a plant as xlsx or CSV (by the file's
    /// extension, or --format).
    Export {
        /// Register kind.
        kind: String,
        /// Plant code.
        #[arg(long)]
        site: String,
        /// The file to write.
        #[arg(short = 'o', long = "output")]
        output: std::path::PathBuf,
        /// xlsx or csv (default: the output file's extension).
        #[arg(long)]
        format: Option<String>,
    },
    /// Write an empty ledger of a register kind (xlsx) to start from.
    Template {
        /// Register kind.
        kind: String,
        /// The file to write.
        #[arg(short = 'o', long = "output")]
        output: std::path::PathBuf,
    },
    /// Retire the entry in effect with this key (kept with its history).
    Retire {
        /// Register kind.
        kind: String,
        /// Plant code.
        #[arg(long)]
        site: String,
        /// The entry's key value.
        key: String,
    },
    /// Record a review (棚卸) of a register of a plant.
    Review {
        /// Register kind.
        kind: String,
        /// Plant code.
        #[arg(long)]
        site: String,
        /// Who reviewed.
        #[arg(long)]
        by: String,
        /// A note.
        #[arg(long)]
        note: Option<String>,
        /// The day of the review (default: today).
        #[arg(long)]
        date: Option<NaiveDate>,
    },
}

fn pairs(set: &[String]) -> Result<Vec<(String, String)>, Failure> {
    set.iter()
        .map(|s| {
            s.split_once('=')
                .map(|(k, v)| (k.trim().to_string(), v.to_string()))
                .ok_or_else(|| Failure::key("register.cli.bad_set", &[("arg", s)]))
        })
        .collect()
}

pub async fn register(cmd: RegisterCmd, db: Option<&str>, lang: Lang) -> Result<(), Failure> {
    if let RegisterCmd::Kinds { json } = &cmd {
        let r = registers().map_err(app_failure)?;
        if *json {
            return print_json(&r.kinds);
        }
        for k in &r.kinds {
            let items: Vec<String> = k.items.iter().map(u16::to_string).collect();
            outln!(
                "{}  {}  ({})",
                pad(&k.id, 18),
                k.name.get(lang),
                items.join(", ")
            );
            for f in &k.fields {
                let req = if f.required { "*" } else { " " };
                outln!("    {req} {}  {}", pad(&f.id, 24), f.name.get(lang));
            }
        }
        return Ok(());
    }
    if let RegisterCmd::Template { kind, output } = &cmd {
        let bytes = kojo_app::registers::register_template(kind, lang).map_err(app_failure)?;
        write_file(output, &bytes)?;
        eprintln!("{}", tr(lang, "cli.wrote", &[("file", &output.display())]));
        return Ok(());
    }
    let app = open(db, lang).await?;
    let actor = Actor::cli();
    let editor = app
        .editor(&actor)
        .ok_or_else(|| app_failure(kojo_app::AppError::Forbidden))?;
    match cmd {
        RegisterCmd::Kinds { .. } | RegisterCmd::Template { .. } => {
            unreachable!("handled above")
        }
        RegisterCmd::Export {
            kind,
            site,
            output,
            format,
        } => {
            let named = format
                .clone()
                .or_else(|| output.extension().map(|e| e.to_string_lossy().to_string()));
            let format = named
                .as_deref()
                .and_then(LedgerFormat::parse)
                .ok_or_else(|| {
                    Failure::key(
                        "register.cli.bad_format",
                        &[("format", &named.as_deref().unwrap_or(""))],
                    )
                })?;
            let (_, bytes) = editor
                .register_file(&site, &kind, format, lang)
                .await
                .map_err(app_failure)?;
            write_file(&output, &bytes)?;
            eprintln!("{}", tr(lang, "cli.wrote", &[("file", &output.display())]));
        }
        RegisterCmd::List {
            kind,
            site,
            retired,
            search,
            sort,
            limit,
            offset,
            json,
        } => {
            let k = register_kind(&kind).map_err(app_failure)?;
            let q = EntryQuery {
                retired,
                search,
                sort,
                limit,
                offset,
                ..Default::default()
            };
            let (_, rows, total) = editor
                .register_page(&site, &kind, &q)
                .await
                .map_err(app_failure)?;
            if json {
                return print_json(&json!({ "total": total, "entries": rows }));
            }
            outln!(
                "{}",
                tr(
                    lang,
                    "register.cli.listed",
                    &[("shown", &rows.len()), ("total", &total)]
                )
            );
            for e in rows {
                let cells: Vec<String> = k
                    .fields
                    .iter()
                    .filter_map(|f| {
                        let v = e.data.get(&f.id)?;
                        let shown = f.value(v).map_or(v, |c| c.label(lang));
                        Some(format!("{}={shown}", f.name.get(lang)))
                    })
                    .collect();
                outln!("{}  {}", pad(&e.entry_key, 14), cells.join("  "));
            }
        }
        RegisterCmd::Add {
            kind,
            site,
            line,
            set,
        } => {
            let values = pairs(&set)?;
            let e = editor
                .add_entry(&site, &kind, line.as_deref(), &values)
                .await
                .map_err(app_failure)?;
            outln!(
                "{}",
                tr(
                    lang,
                    "register.cli.added",
                    &[("kind", &kind), ("key", &e.entry_key)]
                )
            );
        }
        RegisterCmd::Import {
            kind,
            site,
            file,
            map,
            key,
            sync,
            dry_run,
            encoding,
            sheet,
            json,
        } => {
            let encoding = match encoding {
                Some(e) => Some(kojo_xlsx::ledger::CsvEncoding::parse(&e).ok_or_else(|| {
                    Failure::key("register.cli.bad_encoding", &[("encoding", &e)])
                })?),
                None => None,
            };
            let read_err = |e: &dyn std::fmt::Display| {
                Failure::key(
                    "error.read_file",
                    &[("file", &file.display()), ("detail", e)],
                )
            };
            let size = std::fs::metadata(&file).map_err(|e| read_err(&e))?.len();
            let max = kojo_xlsx::ledger::MAX_LEDGER_BYTES;
            if size > max as u64 {
                return Err(Failure::key(
                    "xlsx.error.too_large",
                    &[("size", &size), ("max", &max)],
                ));
            }
            let bytes = std::fs::read(&file).map_err(|e| read_err(&e))?;
            let grid =
                kojo_xlsx::ledger::read_any(&bytes, encoding, sheet.as_deref()).map_err(|e| {
                    let at = |l| match e.location() {
                        loc if loc.is_empty() => e.message(l).to_string(),
                        loc => format!("{loc}: {}", e.message(l)),
                    };
                    Failure::Text {
                        ja: at(Lang::Ja),
                        en: at(Lang::En),
                    }
                })?;
            let opts = kojo_app::register_import::ImportOptions {
                map: match map {
                    Some(m) => kojo_app::register_import::parse_map(&m).map_err(app_failure)?,
                    None => Vec::new(),
                },
                key,
                sync,
                dry_run,
            };
            let plan = editor
                .import_register(&site, &kind, grid, &opts)
                .await
                .map_err(app_failure)?;
            if json {
                return print_json(&plan);
            }
            outln!(
                "{}",
                tr(
                    lang,
                    "register.import.done",
                    &[
                        ("sheet", &plan.sheet),
                        ("header", &plan.header_row),
                        ("inserted", &plan.inserted),
                        ("updated", &plan.updated),
                        ("unchanged", &plan.unchanged),
                        ("retired", &plan.retired),
                    ]
                )
            );
            if dry_run {
                outln!("{}", t(lang, "register.import.dry_run"));
            }
        }
        RegisterCmd::Retire { kind, site, key } => {
            let (_, rows) = editor
                .register_entries(&site, &kind, false)
                .await
                .map_err(app_failure)?;
            let e = rows
                .into_iter()
                .find(|e| e.entry_key == key.trim())
                .ok_or_else(|| {
                    app_failure(kojo_app::AppError::NotFound {
                        what: "register entry",
                        key: key.clone(),
                    })
                })?;
            editor
                .retire_entry(&site, &e.id, e.version)
                .await
                .map_err(app_failure)?;
            outln!(
                "{}",
                tr(
                    lang,
                    "register.cli.retired",
                    &[("kind", &kind), ("key", &key)]
                )
            );
        }
        RegisterCmd::Review {
            kind,
            site,
            by,
            note,
            date,
        } => {
            let on = date.unwrap_or_else(kojo_app::today);
            let r = editor
                .review_register(&site, &kind, &by, note.as_deref(), on)
                .await
                .map_err(app_failure)?;
            outln!(
                "{}",
                tr(
                    lang,
                    "register.cli.reviewed",
                    &[
                        ("kind", &kind),
                        ("date", &r.reviewed_on),
                        ("count", &r.entries)
                    ]
                )
            );
        }
    }
    Ok(())
}
