//! `kojo assessment …`.

pub use crate::assessment_args::AssessmentCmd;
use crate::assessment_show::{show, view_json};
use crate::cycle_cmd::{self, period_label};
use crate::db::{app_failure, open};
use crate::output::{Failure, outln, pad, print_json};
use kojo_app::{Actor, AppError};
use kojo_domain::{Decision, Field, FiscalYear, Mark, RawAnswer};
use kojo_i18n::{Lang, t, tr};

/// The command-line flag (or argument) that carries `field`.
fn flag(field: Field) -> &'static str {
    match field {
        Field::Mark => "MARK",
        Field::Alternative => "--alternative",
        Field::Reason => "--reason",
        Field::ReviewBy => "--review-by",
        Field::AcceptedBy => "--accepted-by",
        Field::Progress => "--progress",
        Field::Status => "--status",
        Field::TargetDate => "--target-date",
        Field::NaReason => "--na-reason",
        Field::Note => "--note",
    }
}

/// An answer's field errors name the flag to use: `－ には対象外理由が必要です（--na-reason）`.
fn answer_failure(e: AppError) -> Failure {
    match e {
        AppError::Invalid(errors) => Failure::localized(move |l| {
            errors
                .0
                .iter()
                .map(|fe| {
                    tr(
                        l,
                        "cli.field_with_flag",
                        &[("message", &fe.message(l)), ("flag", &flag(fe.field))],
                    )
                })
                .collect::<Vec<_>>()
                .join("\n")
        }),
        other => app_failure(other),
    }
}

pub fn pct(r: Option<f64>) -> String {
    r.map(|r| format!("{:.1}%", r * 100.0))
        .unwrap_or_else(|| "—".into())
}

pub async fn run(cmd: AssessmentCmd, db: Option<&str>, lang: Lang) -> Result<(), Failure> {
    let app = open(db, lang).await?;
    let actor = Actor::cli();
    let editor = app
        .editor(&actor)
        .ok_or_else(|| app_failure(AppError::Forbidden))?;
    match cmd {
        AssessmentCmd::New {
            site,
            line,
            period,
            assessor,
            from: Some(from),
            inherit: _,
            catalog: Some(catalog),
        } => {
            let period = period
                .map(|p| FiscalYear::parse(&p).map_err(|e| Failure::localized(|l| e.message(l))))
                .transpose()?;
            crate::assessment_migrate::run(
                &editor,
                &from,
                &catalog,
                site.as_deref(),
                line.as_deref(),
                period,
                assessor.as_deref(),
                lang,
            )
            .await?;
        }
        AssessmentCmd::New {
            site,
            line,
            period,
            assessor,
            from: Some(from),
            inherit: _,
            catalog: None,
        } => {
            let period = FiscalYear::parse(period.as_deref().unwrap_or_default())
                .map_err(|e| Failure::localized(|l| e.message(l)))?;
            let source = editor.find(&from).await.map_err(app_failure)?;
            // The source's plant and line unless given.
            let (site, line) = match site {
                Some(s) => (s, line),
                None => (source.site_code.clone(), source.line_code.clone()),
            };
            let a = editor
                .carry_forward(
                    &site,
                    line.as_deref(),
                    period,
                    &source.id,
                    assessor.as_deref(),
                )
                .await
                .map_err(app_failure)?;
            let view = editor.assessment(&a.id).await.map_err(app_failure)?;
            let scope = scope(
                &a.site_code,
                &a.site_name,
                a.line_code.as_deref(),
                a.line_name.as_deref(),
            );
            outln!(
                "{}",
                tr(
                    lang,
                    "cli.assessment_carried",
                    &[
                        ("scope", &scope),
                        ("period", &period.label(lang)),
                        ("from", &period_label(source.period, lang)),
                        ("n", &view.summary.overall.unconfirmed)
                    ]
                )
            );
            outln!("{}", a.id);
        }
        AssessmentCmd::New {
            site,
            line,
            period,
            assessor,
            from: None,
            inherit,
            catalog,
        } => {
            let period = FiscalYear::parse(period.as_deref().unwrap_or_default())
                .map_err(|e| Failure::localized(|l| e.message(l)))?;
            // clap: --site is required without --from.
            let site = site.unwrap_or_default();
            let a = match (inherit, line.as_deref(), catalog) {
                (_, _, Some(name)) => {
                    let c = crate::catalog_cmd::catalog_named(Some(&name))?;
                    let c = app.find_catalog(&c.id).map_err(app_failure)?;
                    editor
                        .new_assessment_on(c, &site, line.as_deref(), period, assessor.as_deref())
                        .await
                }
                // clap: --inherit requires --line.
                (true, Some(line), None) => {
                    editor
                        .new_inheriting_assessment(&site, line, period, assessor.as_deref())
                        .await
                }
                _ => {
                    editor
                        .new_assessment(&site, line.as_deref(), period, assessor.as_deref())
                        .await
                }
            }
            .map_err(app_failure)?;
            let scope = scope(
                &a.site_code,
                &a.site_name,
                a.line_code.as_deref(),
                a.line_name.as_deref(),
            );
            let period = period.label(lang);
            let message = match &a.inherits_from {
                Some(plant) => {
                    let plant = editor.find(plant).await.map_err(app_failure)?;
                    tr(
                        lang,
                        "inherit.cli_created",
                        &[
                            ("scope", &scope),
                            ("period", &period),
                            ("revision", &a.revision),
                            ("plant_revision", &plant.revision),
                        ],
                    )
                }
                None => tr(
                    lang,
                    "cli.assessment_created",
                    &[
                        ("scope", &scope),
                        ("period", &period),
                        ("revision", &a.revision),
                    ],
                ),
            };
            outln!("{message}");
            outln!("{}", a.id);
        }
        AssessmentCmd::List { site, json } => {
            let site = match site {
                Some(code) => Some(editor.site(&code).await.map_err(app_failure)?),
                None => None,
            };
            let list = editor
                .assessments(site.as_ref())
                .await
                .map_err(app_failure)?;
            if json {
                return print_json(&list);
            }
            if list.is_empty() {
                outln!("{}", t(lang, "cli.no_assessments"));
            }
            for item in list {
                let a = &item.assessment;
                let period = FiscalYear::new(a.period as u16)
                    .map(|p| p.label(lang))
                    .unwrap_or_default();
                let status = a.status.name(lang);
                outln!(
                    "{}  {}  {}  {}  {}/{}  {}",
                    a.id,
                    pad(&period, 10),
                    pad(
                        &scope(
                            &a.site_code,
                            &a.site_name,
                            a.line_code.as_deref(),
                            a.line_name.as_deref()
                        ),
                        30
                    ),
                    pad(status, 10),
                    item.stats.answered,
                    item.stats.items,
                    pct(item.stats.achievement_rate)
                );
            }
        }
        AssessmentCmd::Answer {
            id,
            item,
            mark,
            note,
            reason,
            review_by,
            accepted_by,
            progress,
            status,
            target_date,
            alternative,
            na_reason,
            expect_version,
            json,
        } => {
            let item = editor.item(&item).map_err(app_failure)?;
            let raw = RawAnswer {
                mark: Some(mark),
                alternative_flagged: alternative.is_some(),
                alternative,
                reason,
                review_by,
                accepted_by,
                progress,
                status,
                target_date,
                na_reason,
                note,
            };
            let stored = editor
                .answer(&id, item, Some(&raw), expect_version)
                .await
                .map_err(answer_failure)?;
            if json {
                return print_json(&stored);
            }
            let mark = stored
                .answer
                .as_ref()
                .map(|a| a.mark().symbol())
                .unwrap_or("—");
            outln!(
                "{}",
                tr(
                    lang,
                    "cli.answer_saved",
                    &[
                        ("item", &item),
                        ("mark", &mark),
                        ("version", &stored.version)
                    ]
                )
            );
        }
        AssessmentCmd::Apply { id, file } => {
            // Read one byte more than allowed, so an oversized file is told apart.
            let limit = kojo_app::MAX_ANSWER_FILE_BYTES as u64 + 1;
            let mut bytes = Vec::new();
            let read = if file.as_os_str() == "-" {
                std::io::Read::read_to_end(
                    &mut std::io::Read::take(std::io::stdin(), limit),
                    &mut bytes,
                )
            } else {
                std::fs::File::open(&file).and_then(|f| {
                    std::io::Read::read_to_end(&mut std::io::Read::take(f, limit), &mut bytes)
                })
            };
            read.map_err(|e| {
                Failure::key(
                    "error.read_file",
                    &[("file", &file.display()), ("detail", &e)],
                )
            })?;
            let name = file.display().to_string();
            let answers = kojo_app::parse_answer_file(&bytes, app.catalog)
                .map_err(|e| Failure::localized(move |l| e.message(l, &name)))?
                .into_iter()
                .map(|(item, a)| (item, Some(a)))
                .collect();
            let written = editor
                .answer_many(&id, answers)
                .await
                .map_err(app_failure)?;
            outln!("{}", tr(lang, "cli.applied", &[("n", &written.len())]));
        }
        AssessmentCmd::Show { id, json } => {
            let view = editor.assessment(&id).await.map_err(app_failure)?;
            let reviews = editor
                .reviews(&view.assessment.id)
                .await
                .map_err(app_failure)?;
            let signoffs = editor
                .signoffs(&view.assessment.id)
                .await
                .map_err(app_failure)?;
            if json {
                let mut j = view_json(&view, lang);
                j["reviews"] = serde_json::json!(reviews);
                j["signoffs"] = serde_json::json!(signoffs);
                return print_json(&j);
            }
            show(&view, &signoffs, lang);
        }
        AssessmentCmd::Override { id, items } => {
            crate::inherit_cmd::override_items(&editor, &id, &items, lang).await?
        }
        AssessmentCmd::Inherit { id, items } => {
            crate::inherit_cmd::inherit_items(&editor, &id, &items, lang).await?
        }
        AssessmentCmd::Reconfirm { id, items, all: _ } => {
            // `--all` and item numbers are exclusive (clap); no items means every one.
            cycle_cmd::reconfirm(&editor, &id, &items, lang).await?;
        }
        AssessmentCmd::Review(args) => cycle_cmd::review(&editor, args, lang).await?,
        AssessmentCmd::Diff { old, new, json } => {
            cycle_cmd::diff(&app, &editor, &old, &new, json, lang).await?
        }
        AssessmentCmd::Submit(args) => cycle_cmd::sign(&app, Decision::Submit, args, lang).await?,
        AssessmentCmd::Confirm(args) => {
            cycle_cmd::sign(&app, Decision::Confirm, args, lang).await?
        }
        AssessmentCmd::Approve(args) => {
            cycle_cmd::sign(&app, Decision::Approve, args, lang).await?
        }
        AssessmentCmd::Return(args) => cycle_cmd::sign(&app, Decision::Return, args, lang).await?,
        AssessmentCmd::Revise { id } => {
            let a = editor.revise(&id).await.map_err(app_failure)?;
            outln!(
                "{}",
                tr(
                    lang,
                    "cli.revised",
                    &[
                        ("period", &period_label(a.period, lang)),
                        ("revision", &a.revision),
                        ("status", &a.status.name(lang))
                    ]
                )
            );
            outln!("{}", a.id);
        }
        AssessmentCmd::Export { id, format, output } => {
            crate::exchange_cmd::export(&editor, &id, format, &output, lang).await?
        }
        AssessmentCmd::Verify { id, json } => cycle_cmd::verify(&editor, &id, json, lang).await?,
        AssessmentCmd::History { id, item, json } => {
            let item = item
                .map(|i| editor.item(&i))
                .transpose()
                .map_err(app_failure)?;
            let (_, entries) = editor
                .history(&id, item.map(|i| i.get()))
                .await
                .map_err(app_failure)?;
            if json {
                return print_json(&entries);
            }
            if entries.is_empty() {
                outln!("{}", t(lang, "cli.no_history"));
            }
            for e in entries {
                let m = |x: Option<Mark>| x.map(Mark::symbol).unwrap_or("—");
                let tag = match (e.plant, e.inherit) {
                    (true, _) => format!("  {}", t(lang, "inherit.cli_history_plant")),
                    (false, true) => format!("  {}", t(lang, "inherit.cli_history_inherit")),
                    (false, false) => String::new(),
                };
                outln!(
                    "{}  No.{:<3} {} → {}  v{}  {}{}",
                    e.changed_at,
                    e.item,
                    m(e.old_mark()),
                    m(e.new_mark()),
                    e.version,
                    e.changed_by,
                    tag
                );
                if let Some(new) = &e.new {
                    for f in kojo_domain::Field::ALL.iter().skip(1) {
                        if let Some(v) = new.get(*f).filter(|v| !v.is_empty()) {
                            let old = e.old.as_ref().and_then(|o| o.get(*f)).unwrap_or("");
                            if old != v {
                                outln!(
                                    "      {}: {} → {}",
                                    f.name(lang),
                                    if old.is_empty() { "—" } else { old },
                                    v
                                );
                            }
                        }
                    }
                }
            }
        }
    }
    Ok(())
}

pub fn scope(
    site_code: &str,
    site_name: &str,
    line_code: Option<&str>,
    line_name: Option<&str>,
) -> String {
    match (line_code, line_name) {
        (Some(c), Some(n)) => format!("{site_code} {site_name} / {c} {n}"),
        _ => format!("{site_code} {site_name}"),
    }
}
