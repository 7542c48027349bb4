//! `kojo register …`, `kojo activity …` and `kojo suggest`: the ledgers (台帳), periodic
//! activities and the marks the ledgers suggest.

use crate::db::{app_failure, open};
use crate::output::{Failure, outln, pad, print_json, write_file};
use chrono::NaiveDate;
use clap::{Args, Subcommand};
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

#[derive(Subcommand, Debug)]
pub enum ActivityCmd {
    /// List the periodic activities with their frequency and the criterion they cite.
    Kinds {
        /// Machine-readable output.
        #[arg(long)]
        json: bool,
    },
    /// Record that an activity was done.
    Add {
        /// Plant code.
        #[arg(long)]
        site: String,
        /// The item whose activity it is (when the item has one).
        #[arg(long)]
        item: Option<u16>,
        /// The activity id (see `kojo activity kinds`).
        #[arg(long)]
        activity: Option<String>,
        /// The day it was done.
        #[arg(long)]
        date: NaiveDate,
        /// What was done.
        #[arg(long)]
        what: Option<String>,
        /// Participants (a count or names).
        #[arg(long)]
        participants: Option<String>,
        /// A note.
        #[arg(long)]
        note: Option<String>,
        /// Evidence (a file name, document number or link).
        #[arg(long)]
        evidence: Option<String>,
    },
    /// The year plan (年間活動) of a plant: per activity and period, done, due or overdue.
    List {
        /// Plant code.
        #[arg(long)]
        site: String,
        /// Fiscal year (2026 = April 2026 – March 2027; default: the current one).
        #[arg(long)]
        period: Option<i32>,
        /// Machine-readable output.
        #[arg(long)]
        json: bool,
    },
}

/// `kojo suggest ID`.
#[derive(Args, Debug)]
pub struct SuggestArgs {
    /// Assessment id (or unique prefix).
    pub id: String,
    /// The day the registers are read as of (default: today).
    #[arg(long)]
    pub as_of: Option<NaiveDate>,
    /// Machine-readable output.
    #[arg(long)]
    pub json: bool,
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
                .import_register(&site, &kind, &grid, &opts)
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

pub async fn activity(cmd: ActivityCmd, db: Option<&str>, lang: Lang) -> Result<(), Failure> {
    if let ActivityCmd::Kinds { json } = &cmd {
        let r = registers().map_err(app_failure)?;
        if *json {
            return print_json(&r.activities);
        }
        for a in &r.activities {
            outln!(
                "{}  {}  {}  {}",
                pad(&a.item.to_string(), 3),
                pad(&a.id, 34),
                pad(
                    t(
                        lang,
                        &format!("register.frequency.{}", a.frequency.key().replace('-', "_"))
                    ),
                    8
                ),
                a.name.get(lang)
            );
        }
        return Ok(());
    }
    let app = open(db, lang).await?;
    let actor = Actor::cli();
    let editor = app
        .editor(&actor)
        .ok_or_else(|| app_failure(kojo_app::AppError::Forbidden))?;
    match cmd {
        ActivityCmd::Kinds { .. } => unreachable!("handled above"),
        ActivityCmd::Add {
            site,
            item,
            activity,
            date,
            what,
            participants,
            note,
            evidence,
        } => {
            let r = editor
                .record_activity(
                    &site,
                    activity.as_deref(),
                    item,
                    date,
                    what.as_deref(),
                    participants.as_deref(),
                    note.as_deref(),
                    evidence.as_deref(),
                )
                .await
                .map_err(app_failure)?;
            outln!(
                "{}",
                tr(
                    lang,
                    "register.cli.activity_added",
                    &[
                        ("activity", &r.activity),
                        ("item", &r.item_no),
                        ("date", &r.done_on)
                    ]
                )
            );
        }
        ActivityCmd::List { site, period, json } => {
            let today = kojo_app::today();
            let fy = period.unwrap_or_else(|| kojo_domain::register::plan::fiscal_year(today));
            let plan = editor
                .activity_plan(&site, fy, today)
                .await
                .map_err(app_failure)?;
            if json {
                let rows: Vec<_> = plan
                    .iter()
                    .map(|p| {
                        json!({
                            "activity": p.activity.id,
                            "item": p.activity.item,
                            "frequency": p.activity.frequency.key(),
                            "periods": p.periods,
                        })
                    })
                    .collect();
                return print_json(&json!({ "period": fy, "activities": rows }));
            }
            for p in &plan {
                let states: Vec<String> = p
                    .periods
                    .iter()
                    .map(|x| t(lang, &format!("register.state.{}", x.state.key())).to_string())
                    .collect();
                outln!(
                    "{}  {}  {}",
                    pad(&p.activity.item.to_string(), 3),
                    pad(p.activity.name.get(lang), 30),
                    states.join(" ")
                );
            }
        }
    }
    Ok(())
}

pub async fn suggest(args: SuggestArgs, db: Option<&str>, lang: Lang) -> Result<(), Failure> {
    let app = open(db, lang).await?;
    let actor = Actor::cli();
    let reader = app.reader(&actor);
    let as_of = args.as_of.unwrap_or_else(kojo_app::today);
    let items = reader
        .suggestions(&args.id, as_of)
        .await
        .map_err(app_failure)?;
    if args.json {
        let rows: Vec<_> = items
            .iter()
            .map(|s| {
                json!({
                    "item": s.item,
                    "suggested": s.suggested.map(|m| m.symbol()),
                    "answered": s.answered.map(|m| m.symbol()),
                    "mismatch": s.mismatch,
                    "findings": s.findings.iter().map(|f| json!({
                        "register": f.register,
                        "entry": f.entry,
                        "problem": f.problem.key(),
                        "detail": f.detail,
                    })).collect::<Vec<_>>(),
                })
            })
            .collect();
        return print_json(&json!({ "as_of": as_of.to_string(), "items": rows }));
    }
    for s in &items {
        let Some(m) = s.suggested else { continue };
        let flag = if s.mismatch {
            t(lang, "register.cli.mismatch")
        } else {
            ""
        };
        outln!(
            "{}  {} → {}  {}  {}",
            pad(&s.item.to_string(), 3),
            s.answered.map(|m| m.symbol()).unwrap_or("—"),
            m.symbol(),
            tr(
                lang,
                "register.cli.findings",
                &[("count", &s.findings.len())]
            ),
            flag
        );
        for f in s.findings.iter().take(10) {
            outln!(
                "      {}  {}  {}  {}",
                f.register,
                f.entry.as_deref().unwrap_or(""),
                t(
                    lang,
                    &format!("register.problem.{}", f.problem.key().replace('-', "_"))
                ),
                f.detail
            );
        }
    }
    Ok(())
}
