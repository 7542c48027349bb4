//! The yearly cycle on the command line: `kojo assessment reconfirm|review|diff|submit|confirm|
//! approve|return|revise|verify` (called from `assessment_cmd`) and `kojo review` (the queue).

use crate::assessment_cmd::{pct, scope};
use crate::db::{app_failure, open};
use crate::output::{Failure, fit, lpad, outln, pad, print_json, print_listing, width};
use clap::Args;
use kojo_app::{Actor, App, AppError, DiffView, Editor, QueueQuery, ReviewInput};
use kojo_domain::{Decision, FiscalYear, ItemNo, Mark, ReviewNeed, review_gaps};
use kojo_i18n::{Lang, t, tr};

/// `2026年度` / `FY2026` for a stored period.
pub fn period_label(period: i64, lang: Lang) -> String {
    u16::try_from(period)
        .ok()
        .and_then(FiscalYear::new)
        .map(|p| p.label(lang))
        .unwrap_or_else(|| period.to_string())
}

/// `No.1, No.5, No.7`.
pub fn items_text(items: &[u16]) -> String {
    items
        .iter()
        .map(|i| format!("No.{i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn mark_symbol(m: Option<Mark>) -> &'static str {
    m.map(Mark::symbol).unwrap_or("—")
}

/// Arguments of a sign-off step (`submit`, `confirm`, `approve`, `return`).
#[derive(Args, Debug)]
pub struct SignArgs {
    /// Assessment id (or unique prefix).
    pub id: String,
    /// The kojo user making the decision (their role and plant grants apply; required).
    #[arg(long, required = true)]
    pub by: String,
    /// Comment (required to return an assessment).
    #[arg(long)]
    pub comment: Option<String>,
}

/// Arguments of `kojo assessment review`.
#[derive(Args, Debug)]
pub struct ReviewArgs {
    /// Assessment id (or unique prefix).
    pub id: String,
    /// Item number (a □ △ × item).
    pub item: String,
    /// □: is the reason for deferral still valid? yes or no (required for □).
    #[arg(long)]
    pub valid: Option<String>,
    /// □: preparation progress now (for □, this or --progress-pct is required).
    #[arg(long)]
    pub progress: Option<String>,
    /// □: preparation progress in percent, 0–100.
    #[arg(long = "progress-pct")]
    pub progress_pct: Option<String>,
    /// △ ×: consideration status now (required for △ ×).
    #[arg(long)]
    pub status: Option<String>,
    /// △ ×: target date YYYY-MM-DD.
    #[arg(long = "target-date")]
    pub target_date: Option<String>,
    /// Note (for □, why the reason is or is no longer valid).
    #[arg(long)]
    pub note: Option<String>,
    /// Machine-readable output.
    #[arg(long)]
    pub json: bool,
}

/// Arguments of `kojo review` (the review queue).
#[derive(Args, Debug)]
pub struct QueueArgs {
    /// Only this plant.
    #[arg(long)]
    pub site: Option<String>,
    /// Only items overdue (□ past its review-by date, or an action past its due date).
    #[arg(long)]
    pub overdue: bool,
    /// Only items of this label (1–17).
    #[arg(long)]
    pub label: Option<u16>,
    /// Only items of this suggested responsible area (its id, as in `kojo catalog show`).
    #[arg(long)]
    pub area: Option<String>,
    /// Machine-readable output.
    #[arg(long)]
    pub json: bool,
}

/// The flags that supply what a review still needs.
fn need_flag(n: ReviewNeed) -> Option<&'static str> {
    match n {
        ReviewNeed::Validity => Some("--valid yes|no"),
        ReviewNeed::Progress => Some("--progress / --progress-pct"),
        ReviewNeed::Status => Some("--status"),
        _ => None,
    }
}

/// `kojo assessment reconfirm ID ITEM…|--all`.
pub async fn reconfirm(
    editor: &Editor<'_>,
    id: &str,
    items: &[String],
    lang: Lang,
) -> Result<(), Failure> {
    let items: Vec<ItemNo> = items
        .iter()
        .map(|i| editor.item(i))
        .collect::<Result<_, _>>()
        .map_err(app_failure)?;
    let done = editor
        .reconfirm(id, (!items.is_empty()).then_some(items.as_slice()))
        .await
        .map_err(app_failure)?;
    if done.is_empty() {
        outln!("{}", t(lang, "cli.reconfirmed_none"));
    } else {
        outln!(
            "{}",
            tr(
                lang,
                "cli.reconfirmed",
                &[("n", &done.len()), ("items", &items_text(&done))]
            )
        );
    }
    let skipped: Vec<u16> = items
        .iter()
        .map(|i| i.get())
        .filter(|i| !done.contains(i))
        .collect();
    if !skipped.is_empty() {
        outln!(
            "{}",
            tr(
                lang,
                "cli.reconfirm_skipped",
                &[("items", &items_text(&skipped))]
            )
        );
    }
    let view = editor.assessment(id).await.map_err(app_failure)?;
    outln!(
        "{}",
        tr(
            lang,
            "cli.unconfirmed_remaining",
            &[("n", &view.summary.overall.unconfirmed)]
        )
    );
    Ok(())
}

/// `kojo assessment review ID ITEM …`.
pub async fn review(editor: &Editor<'_>, args: ReviewArgs, lang: Lang) -> Result<(), Failure> {
    let item = editor.item(&args.item).map_err(app_failure)?;
    let input = ReviewInput {
        valid: args.valid,
        progress: args.progress,
        progress_pct: args.progress_pct,
        status: args.status,
        target_date: args.target_date,
        note: args.note,
    };
    let review = match editor.review(&args.id, item, &input).await {
        Ok(r) => r,
        Err(e @ AppError::BadInput { .. }) => {
            // Name the flags that supply what the mark's review needs.
            let view = editor.assessment(&args.id).await.map_err(app_failure)?;
            let given = |v: &Option<String>| v.as_deref().is_some_and(|s| !s.trim().is_empty());
            let flags: Vec<&str> = view
                .answer(item.get())
                .map(|a| a.mark())
                .filter(|m| m.is_residual_risk())
                .map(|m| {
                    let mut needs = review_gaps(m, None);
                    needs.retain(|n| match n {
                        ReviewNeed::Validity => !given(&input.valid),
                        ReviewNeed::Progress => {
                            !given(&input.progress) && !given(&input.progress_pct)
                        }
                        ReviewNeed::Status => !given(&input.status),
                        _ => false,
                    });
                    needs.into_iter().filter_map(need_flag).collect()
                })
                .unwrap_or_default();
            if flags.is_empty() {
                return Err(app_failure(e));
            }
            let flags = flags.join(", ");
            return Err(Failure::localized(move |l| {
                tr(
                    l,
                    "cli.field_with_flag",
                    &[("message", &e.message(l)), ("flag", &flags)],
                )
            }));
        }
        Err(e) => return Err(app_failure(e)),
    };
    if args.json {
        return print_json(&review);
    }
    outln!(
        "{}",
        tr(
            lang,
            "cli.review_saved",
            &[("item", &review.item), ("mark", &review.mark.symbol())]
        )
    );
    Ok(())
}

fn side_json(a: &kojo_app::Assessment, s: &kojo_domain::Summary) -> serde_json::Value {
    serde_json::json!({
        "id": a.id,
        "period": a.period,
        "revision": a.revision,
        "status": a.status,
        "rate": s.overall.achievement_rate,
        "labels": s
            .labels
            .iter()
            .map(|l| serde_json::json!({"label": l.label, "rate": l.stats.achievement_rate}))
            .collect::<Vec<_>>(),
    })
}

/// The year-over-year difference as JSON: both sides' rates and the changed items with marks as
/// symbols.
pub fn diff_json(d: &DiffView) -> serde_json::Value {
    serde_json::json!({
        "old": side_json(&d.old, &d.old_summary),
        "new": side_json(&d.new, &d.new_summary),
        "changes": d
            .changes
            .iter()
            .map(|c| {
                serde_json::json!({
                    "item": c.item,
                    "from": c.from.map(Mark::symbol),
                    "to": c.to.map(Mark::symbol),
                    "kind": c.kind.key(),
                })
            })
            .collect::<Vec<_>>(),
    })
}

fn points(old: Option<f64>, new: Option<f64>) -> String {
    match (old, new) {
        (Some(o), Some(n)) => format!("{:+.1}", (n - o) * 100.0),
        _ => "—".into(),
    }
}

/// `kojo assessment diff OLD NEW`.
pub async fn diff(
    app: &App,
    editor: &Editor<'_>,
    old: &str,
    new: &str,
    json: bool,
    lang: Lang,
) -> Result<(), Failure> {
    let d = editor.diff(old, new).await.map_err(app_failure)?;
    if json {
        return print_json(&diff_json(&d));
    }
    let caption = |a: &kojo_app::Assessment| {
        tr(
            lang,
            "cli.diff_caption",
            &[
                ("period", &period_label(a.period, lang)),
                ("revision", &a.revision),
            ],
        )
    };
    let (old_c, new_c) = (caption(&d.old), caption(&d.new));
    outln!(
        "{}",
        tr(
            lang,
            "cli.diff_title",
            &[
                (
                    "scope",
                    &scope(
                        &d.new.site_code,
                        &d.new.site_name,
                        d.new.line_code.as_deref(),
                        d.new.line_name.as_deref()
                    )
                ),
                ("old", &old_c),
                ("new", &new_c)
            ]
        )
    );
    outln!();
    let rows: Vec<(String, Option<f64>, Option<f64>)> = d
        .old_summary
        .labels
        .iter()
        .zip(&d.new_summary.labels)
        .map(|(o, n)| {
            let name = app
                .catalog
                .label(n.label)
                .map(|x| x.name.get(lang))
                .unwrap_or("");
            (
                format!("{:>2} {}", n.label, name),
                o.stats.achievement_rate,
                n.stats.achievement_rate,
            )
        })
        .chain([(
            t(lang, "cli.overall").to_string(),
            d.old_summary.overall.achievement_rate,
            d.new_summary.overall.achievement_rate,
        )])
        .collect();
    let name_w = rows
        .iter()
        .map(|r| width(&r.0))
        .chain([width(t(lang, "catalog.label"))])
        .max()
        .unwrap_or(0)
        + 2;
    let col_w = width(&old_c).max(width(&new_c)).max(7) + 2;
    let delta_h = t(lang, "cli.diff_delta");
    let delta_w = width(delta_h).max(6) + 2;
    outln!(
        "{}{}   {}{}",
        pad(t(lang, "catalog.label"), name_w),
        lpad(&old_c, col_w),
        lpad(&new_c, col_w),
        lpad(delta_h, delta_w)
    );
    for (name, o, n) in &rows {
        outln!(
            "{}{} → {}{}",
            pad(name, name_w),
            lpad(&pct(*o), col_w),
            lpad(&pct(*n), col_w),
            lpad(&points(*o, *n), delta_w)
        );
    }
    outln!();
    outln!("{} ({}):", t(lang, "cli.diff_changes"), d.changes.len());
    if d.changes.is_empty() {
        outln!("  {}", t(lang, "cli.diff_none"));
    }
    let kind_w = d
        .changes
        .iter()
        .map(|c| width(c.kind.name(lang)))
        .max()
        .unwrap_or(0);
    for c in &d.changes {
        let cond = app
            .catalog
            .item(c.item)
            .map(|v| v.item.condition.get(lang))
            .unwrap_or("");
        outln!(
            "  No.{:<3} {} → {}  {}  {}",
            c.item,
            pad(mark_symbol(c.from), 2),
            pad(mark_symbol(c.to), 2),
            pad(c.kind.name(lang), kind_w),
            fit(cond, 56)
        );
    }
    Ok(())
}

/// `kojo assessment submit|confirm|approve|return ID --by USER [--comment …]`.
pub async fn sign(
    app: &App,
    decision: Decision,
    args: SignArgs,
    lang: Lang,
) -> Result<(), Failure> {
    let actor = app.actor_for(&args.by).await.map_err(app_failure)?;
    let signer = app.signer(&actor).ok_or_else(|| {
        let (name, role) = (actor.name.clone(), actor.role);
        Failure::localized(move |l| {
            tr(
                l,
                "cycle.not_author_role",
                &[
                    ("user", &name),
                    ("role", &role.name(l)),
                    ("decision", &decision.name(l)),
                ],
            )
        })
    })?;
    let before = signer.find(&args.id).await.map_err(app_failure)?;
    let row = signer
        .decide(&before.id, decision, args.comment.as_deref())
        .await
        .map_err(app_failure)?;
    let after = signer.find(&before.id).await.map_err(app_failure)?;
    outln!(
        "{}",
        tr(
            lang,
            "cli.decided",
            &[
                ("decision", &decision.name(lang)),
                ("from", &before.status.name(lang)),
                ("to", &after.status.name(lang)),
                ("user", &row.by_user)
            ]
        )
    );
    outln!(
        "{}",
        tr(lang, "cli.content_hash", &[("hash", &row.content_hash)])
    );
    Ok(())
}

/// `kojo assessment verify ID`: exit 0 when the approved content is unchanged.
pub async fn verify(editor: &Editor<'_>, id: &str, json: bool, lang: Lang) -> Result<(), Failure> {
    let v = editor.verify(id).await.map_err(app_failure)?;
    if json {
        print_json(&serde_json::json!({
            "ok": v.ok(),
            "recorded": v.recorded,
            "current": v.current,
            "changed_items": v.changed_items,
        }))?;
    }
    if v.ok() {
        if !json {
            outln!("{}", tr(lang, "cycle.verify_ok", &[("hash", &v.recorded)]));
        }
        return Ok(());
    }
    let items = v.changed_items.clone();
    Err(Failure::localized(move |l| {
        let list = if items.is_empty() {
            t(l, "cli.verify_header_changed").to_string()
        } else {
            items_text(&items)
        };
        tr(l, "cycle.verify_failed", &[("items", &list)])
    }))
}

/// `kojo review`: the □ △ × items of the current assessment of each visible scope with what
/// their review still needs, overdue first.
pub async fn queue(args: QueueArgs, db: Option<&str>, lang: Lang) -> Result<(), Failure> {
    let app = open(db, lang).await?;
    let actor = Actor::cli();
    let reader = app.reader(&actor);
    let q = QueueQuery {
        site: args.site,
        assessment: None,
        label: args.label,
        area: args.area,
        overdue: args.overdue,
    };
    let list = reader.review_queue(&q).await.map_err(app_failure)?;
    let needs_sep = if lang == Lang::Ja { "、" } else { ", " };
    print_listing(
        &list,
        args.json,
        t(lang, "cli.queue_empty"),
        [
            t(lang, "cli.col_assessment"),
            t(lang, "cli.col_site"),
            t(lang, "cli.col_line"),
            t(lang, "cli.period"),
            t(lang, "cli.col_item"),
            t(lang, "cli.col_mark"),
            t(lang, "cli.col_needs"),
            t(lang, "cli.col_overdue"),
        ],
        |i| {
            let r = &i.row;
            serde_json::json!({
                "assessment_id": r.assessment_id,
                "site_code": r.site_code,
                "site_name": r.site_name,
                "line_code": r.line_code,
                "period": r.period,
                "revision": r.revision,
                "status": r.status,
                "item": r.item,
                "label": i.label,
                "area": i.area,
                "mark": r.mark.symbol(),
                "review_by": r.review_by,
                "confirmed": r.confirmed,
                "review": r.review,
                "needs": i.needs.iter().map(|n| n.key()).collect::<Vec<_>>(),
                "overdue": i.overdue,
                "overdue_actions": r.overdue_actions,
                "expired_evidence": r.expired_evidence,
            })
        },
        |i| {
            let r = &i.row;
            [
                r.assessment_id.chars().take(8).collect(),
                r.site_code.clone(),
                r.line_code.clone().unwrap_or_else(|| "—".into()),
                period_label(r.period, lang),
                format!("No.{}", r.item),
                r.mark.symbol().to_string(),
                if i.needs.is_empty() {
                    t(lang, "cli.queue_done").to_string()
                } else {
                    i.needs
                        .iter()
                        .map(|n| n.name(lang))
                        .collect::<Vec<_>>()
                        .join(needs_sep)
                },
                if i.overdue {
                    t(lang, "cli.overdue_marker").to_string()
                } else {
                    String::new()
                },
            ]
        },
    )
}
