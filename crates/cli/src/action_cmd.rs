//! `kojo action …`: action plans (対策計画) on □ △ × items.

use crate::cycle_cmd::period_label;
use crate::db::{app_failure, open};
use crate::output::{Failure, outln, print_listing};
use clap::Subcommand;
use kojo_app::{Actor, AppError, parse_action_status};
use kojo_i18n::{Lang, t, tr};

#[derive(Subcommand, Debug)]
pub enum ActionCmd {
    /// Add an action to a □ △ × item of an assessment; prints the action id last.
    Add {
        /// Assessment id (or unique prefix).
        id: String,
        /// Item number (a □ △ × item).
        item: String,
        /// What is to be done.
        #[arg(long)]
        title: String,
        /// Who (a kojo user name or free text).
        #[arg(long)]
        owner: Option<String>,
        /// Due date YYYY-MM-DD.
        #[arg(long)]
        due: Option<String>,
        /// Note.
        #[arg(long)]
        note: Option<String>,
    },
    /// The actions of the current assessment of every plant and line (overdue ones marked).
    List {
        /// Only this plant.
        #[arg(long)]
        site: Option<String>,
        /// Only open actions past their due date.
        #[arg(long)]
        overdue: bool,
        /// Machine-readable output.
        #[arg(long)]
        json: bool,
    },
    /// Set an action's status: open, in_progress, done, cancelled (or 未着手, 対応中, 完了, 中止).
    Set {
        /// Action id (a number, as `kojo action list` shows it).
        action_id: i64,
        /// The new status.
        #[arg(long)]
        status: String,
        /// Note recorded with the change.
        #[arg(long)]
        note: Option<String>,
    },
}

pub async fn run(cmd: ActionCmd, db: Option<&str>, lang: Lang) -> Result<(), Failure> {
    let app = open(db, lang).await?;
    let actor = Actor::cli();
    let editor = app
        .editor(&actor)
        .ok_or_else(|| app_failure(AppError::Forbidden))?;
    match cmd {
        ActionCmd::Add {
            id,
            item,
            title,
            owner,
            due,
            note,
        } => {
            let item = editor.item(&item).map_err(app_failure)?;
            let a = editor
                .add_action(
                    &id,
                    item,
                    &title,
                    owner.as_deref(),
                    due.as_deref(),
                    note.as_deref(),
                )
                .await
                .map_err(app_failure)?;
            outln!(
                "{}",
                tr(
                    lang,
                    "cli.action_added",
                    &[("id", &a.id), ("item", &a.item_no)]
                )
            );
            outln!("{}", a.id);
        }
        ActionCmd::List {
            site,
            overdue,
            json,
        } => {
            let list = editor
                .action_list(site.as_deref(), overdue)
                .await
                .map_err(app_failure)?;
            print_listing(
                &list,
                json,
                t(lang, "cli.no_actions"),
                [
                    "ID",
                    t(lang, "cli.col_site"),
                    t(lang, "cli.col_line"),
                    t(lang, "cli.period"),
                    t(lang, "cli.col_item"),
                    t(lang, "cli.status"),
                    t(lang, "cli.col_due"),
                    t(lang, "cli.col_overdue"),
                    t(lang, "cli.col_owner"),
                    t(lang, "cli.col_title"),
                ],
                |e| {
                    let a = &e.row.action;
                    serde_json::json!({
                        "id": a.id,
                        "assessment_id": a.assessment_id,
                        "site_code": e.row.site_code,
                        "line_code": e.row.line_code,
                        "period": e.row.period,
                        "revision": e.row.revision,
                        "item": a.item_no,
                        "title": a.title,
                        "owner": a.owner,
                        "due": a.due,
                        "status": a.status,
                        "note": a.note,
                        "overdue": e.overdue,
                        "carried_from": a.carried_from,
                        "updated_by": a.updated_by,
                        "updated_at": a.updated_at,
                    })
                },
                |e| {
                    let a = &e.row.action;
                    [
                        a.id.to_string(),
                        e.row.site_code.clone(),
                        e.row.line_code.clone().unwrap_or_else(|| "—".into()),
                        period_label(e.row.period, lang),
                        format!("No.{}", a.item_no),
                        a.status.name(lang).to_string(),
                        a.due.clone().unwrap_or_else(|| "—".into()),
                        if e.overdue {
                            t(lang, "cli.overdue_marker").to_string()
                        } else {
                            String::new()
                        },
                        a.owner.clone().unwrap_or_else(|| "—".into()),
                        a.title.clone(),
                    ]
                },
            )?;
        }
        ActionCmd::Set {
            action_id,
            status,
            note,
        } => {
            let status = parse_action_status(&status).map_err(app_failure)?;
            let a = editor
                .set_action(action_id, status, note.as_deref())
                .await
                .map_err(app_failure)?;
            outln!(
                "{}",
                tr(
                    lang,
                    "cli.action_set",
                    &[("id", &a.id), ("status", &a.status.name(lang))]
                )
            );
        }
    }
    Ok(())
}
