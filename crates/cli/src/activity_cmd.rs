//! `kojo activity …` and `kojo suggest`: periodic activities (年間活動) and the marks the
//! registers suggest beside the answers.

use crate::db::{app_failure, open, open_one};
use crate::output::{Failure, outln, pad, print_json};
use chrono::NaiveDate;
use clap::{Args, Subcommand};
use kojo_app::Actor;
use kojo_app::registers::{ItemSuggestion, registers};
use kojo_i18n::{Lang, t, tr};
use serde_json::json;

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
    let app = open_one(db, lang).await?;
    let actor = Actor::cli();
    let reader = app.reader(&actor);
    let as_of = args.as_of.unwrap_or_else(kojo_app::today);
    // Printed while a newly computed result is being stored for the next run.
    reader
        .suggestions_with(&args.id, as_of, |items| {
            if args.json {
                print_suggestions_json(as_of, &items)
            } else {
                print_suggestions(lang, &items)
            }
        })
        .await
        .map_err(app_failure)?
}

fn print_suggestions_json(as_of: NaiveDate, items: &[ItemSuggestion]) -> Result<(), Failure> {
    // Written straight from borrowed rows: a 50,000-entry ledger can have tens of thousands
    // of findings, which a `serde_json::Value` tree would copy first.
    #[derive(serde::Serialize)]
    struct FindingJson<'a> {
        register: &'a str,
        entry: Option<&'a str>,
        problem: &'static str,
        detail: &'a str,
    }
    #[derive(serde::Serialize)]
    struct ItemJson<'a> {
        item: u16,
        suggested: Option<&'static str>,
        answered: Option<&'static str>,
        mismatch: bool,
        findings: Vec<FindingJson<'a>>,
    }
    #[derive(serde::Serialize)]
    struct SuggestJson<'a> {
        as_of: String,
        items: Vec<ItemJson<'a>>,
    }
    let out = SuggestJson {
        as_of: as_of.to_string(),
        items: items
            .iter()
            .map(|s| ItemJson {
                item: s.item,
                suggested: s.suggested.map(|m| m.symbol()),
                answered: s.answered.map(|m| m.symbol()),
                mismatch: s.mismatch,
                findings: s
                    .findings
                    .iter()
                    .map(|f| FindingJson {
                        register: &f.register,
                        entry: f.entry.as_deref(),
                        problem: f.problem.key(),
                        detail: &f.detail,
                    })
                    .collect(),
            })
            .collect(),
    };
    print_json(&out)
}

fn print_suggestions(lang: Lang, items: &[ItemSuggestion]) -> Result<(), Failure> {
    for s in items {
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
