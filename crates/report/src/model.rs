//! The report's content, localised and formatted once, for every renderer.
//!
//! Every string here is plain text (not escaped): the HTML renderer escapes it, the PDF renderer
//! draws it as text, never parsed as markup.

use crate::ReportInput;
use crate::fmt::{capitalize, date, day_of, percent, points};
use chrono::{Datelike, NaiveDate};
use kojo_catalog::Catalog;
use kojo_domain::{
    Answer, ChangeKind, CycleReport, Field, ItemAnswer, ItemNo, Mark, ResidualRisk, Summary,
};
use kojo_i18n::{Lang, t, tr};
use std::collections::BTreeMap;

mod cycle;
mod registers;
pub use cycle::*;
pub use registers::*;

/// A caption and its value.
#[derive(Debug, Clone)]
pub struct Pair {
    pub key: String,
    pub value: String,
}

fn pair(key: impl Into<String>, value: impl Into<String>) -> Pair {
    Pair {
        key: key.into(),
        value: value.into(),
    }
}

/// Year, month and day as numbers (the PDF's creation date).
#[derive(Debug, Clone)]
pub struct Ymd {
    pub year: i32,
    pub month: u32,
    pub day: u32,
}

/// One row of the mark distribution.
#[derive(Debug, Clone)]
pub struct MarkRow {
    /// The symbol, empty for "unanswered".
    pub symbol: String,
    pub name: String,
    pub count: u32,
    pub share: String,
}

/// One label's statistics.
#[derive(Debug, Clone)]
pub struct LabelRow {
    pub number: u16,
    pub name: String,
    pub items: u32,
    /// Counts per mark in the guideline's order, then unanswered.
    pub counts: Vec<u32>,
    pub unanswered: u32,
    pub rate: String,
    /// The rate as a fraction; `None` when undefined.
    pub rate_value: Option<f64>,
}

/// A □ item.
#[derive(Debug, Clone)]
pub struct DeferredRow {
    pub number: u16,
    pub condition: String,
    pub reason: String,
    pub progress: Option<String>,
    pub accepted_by: String,
    pub review_by: String,
    pub note: Option<String>,
    /// Short enough to keep on one page.
    pub keep: bool,
}

/// A △ item.
#[derive(Debug, Clone)]
pub struct ConsideringRow {
    pub number: u16,
    pub condition: String,
    pub status: String,
    pub target_date: String,
    pub note: Option<String>,
    /// Short enough to keep on one page.
    pub keep: bool,
}

/// A × item.
#[derive(Debug, Clone)]
pub struct PlainRow {
    pub number: u16,
    pub condition: String,
    pub note: Option<String>,
    /// Short enough to keep on one page.
    pub keep: bool,
}

/// The residual risks, by mark.
#[derive(Debug, Clone, Default)]
pub struct Risks {
    pub deferred: Vec<DeferredRow>,
    pub considering: Vec<ConsideringRow>,
    pub not_considered: Vec<PlainRow>,
}

/// One item of the full list.
#[derive(Debug, Clone)]
pub struct ItemRow {
    pub number: u16,
    pub condition: String,
    /// The mark's symbol, empty when unanswered.
    pub symbol: String,
    /// The mark's name, or "unanswered".
    pub mark_name: String,
    pub details: Vec<Pair>,
    pub note: Option<String>,
    /// On a line that inherits: 「工場から引継ぎ」 when the item carries the plant's answer.
    pub inherited: Option<String>,
    /// Short enough to keep on one page.
    pub keep: bool,
}

/// A label with its items, for the full list.
#[derive(Debug, Clone)]
pub struct LabelGroup {
    pub number: u16,
    pub name: String,
    pub rate: String,
    pub items: Vec<ItemRow>,
}

/// Everything a report shows.
#[derive(Debug, Clone)]
pub struct Model {
    /// `ja` or `en`.
    pub lang: &'static str,
    /// The `report.*` strings of the language, keyed without the `report.` prefix.
    pub t: BTreeMap<String, String>,
    pub title: String,
    pub subtitle: String,
    /// The guideline's title.
    pub guideline: String,
    /// English only: guideline text is an unofficial translation.
    pub unofficial: Option<String>,
    pub cover: Vec<Pair>,
    /// The report's date, formatted.
    pub generated_on: String,
    /// Running header for pages after the cover.
    pub running_header: String,
    pub date: Ymd,
    pub overall_rate: String,
    /// How the achievement rate is computed, labelled as kojo's measure (not the guideline's).
    pub rate_formula: String,
    pub completion: String,
    pub completion_value: String,
    /// Whether some rate is undefined (to explain the dash).
    pub any_undefined: bool,
    pub marks: Vec<MarkRow>,
    pub total: u32,
    pub labels: Vec<LabelRow>,
    pub risks: Risks,
    pub unanswered_note: Option<String>,
    pub groups: Vec<LabelGroup>,
    /// The 作成・確認・承認 boxes, in that order.
    pub signoff: Vec<SignBox>,
    /// Printed near the boxes when the sign-off needs only two people.
    pub signoff_note: Option<String>,
    /// Answers not yet re-confirmed this cycle.
    pub provisional: Option<Provisional>,
    /// On a line that inherits from its plant: how many items carry the plant's answer.
    pub inherited: Option<String>,
    /// The yearly cycle's sections; `None` for a report without them.
    pub cycle: Option<Cycle>,
}

fn rt(lang: Lang, key: &str) -> String {
    t(lang, &format!("report.{key}")).to_string()
}

fn opt(s: Option<&str>) -> Option<String> {
    s.map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

fn field_name(lang: Lang, f: Field) -> String {
    match lang {
        Lang::Ja => f.name(lang).to_string(),
        Lang::En => capitalize(f.name(lang)),
    }
}

/// Whether an answer's texts are short enough for its rows to be kept on one page. Longer ones
/// (up to [`kojo_domain::NonEmpty::MAX_CHARS`] per field) may break across pages, so that no
/// text is ever cut off.
fn keep_together(a: &ItemAnswer) -> bool {
    let raw = a.to_raw();
    short_enough(Field::ALL.iter().filter_map(|f| raw.get(*f)))
}

/// The fields of an answer besides its note, as caption/value pairs.
fn details(lang: Lang, a: &ItemAnswer) -> Vec<Pair> {
    let f = |field: Field, v: String| pair(field_name(lang, field), v);
    match &a.answer {
        Answer::Implemented { alternative } => alternative
            .iter()
            .map(|v| f(Field::Alternative, v.to_string()))
            .collect(),
        Answer::Deferred {
            reason,
            review_by,
            accepted_by,
            progress,
        } => {
            let mut out = vec![f(Field::Reason, reason.to_string())];
            out.push(f(Field::ReviewBy, date(lang, *review_by)));
            if let Some(v) = accepted_by {
                out.push(f(Field::AcceptedBy, v.to_string()));
            }
            if let Some(v) = progress {
                out.push(f(Field::Progress, v.to_string()));
            }
            out
        }
        Answer::Considering {
            status,
            target_date,
        } => {
            let mut out = vec![f(Field::Status, status.to_string())];
            if let Some(d) = target_date {
                out.push(f(Field::TargetDate, date(lang, *d)));
            }
            out
        }
        Answer::NotConsidered => vec![],
        Answer::NotApplicable { reason } => vec![f(Field::NaReason, reason.to_string())],
    }
}

/// Whether texts of this total length may be kept on one page; longer ones may break across
/// pages, so that no text is ever cut off.
fn short_enough<'a>(texts: impl IntoIterator<Item = &'a str>) -> bool {
    const MAX_CHARS: usize = 700;
    texts.into_iter().map(|s| s.chars().count()).sum::<usize>() <= MAX_CHARS
}

fn condition_of(catalog: &Catalog, lang: Lang, n: u16) -> String {
    catalog
        .item(n)
        .map(|v| v.item.condition.get(lang).to_string())
        .unwrap_or_default()
}

impl Model {
    /// Builds the model. Items of the sheet that the catalog does not know are left out.
    pub fn new(input: &ReportInput) -> Model {
        let lang = input.lang;
        let catalog = input.catalog;
        let header = &input.sheet.header;
        let none = rt(lang, "none");
        let condition = |n: u16| condition_of(catalog, lang, n);

        let strings: BTreeMap<String, String> = kojo_i18n::keys(lang)
            .filter_map(|k| {
                k.strip_prefix("report.")
                    .map(|short| (short.to_string(), t(lang, k).to_string()))
            })
            .collect();

        let title = rt(lang, "title");
        let subtitle = tr(
            lang,
            "report.subtitle",
            &[
                ("guideline", &catalog.title.get(lang)),
                ("version", &catalog.version),
            ],
        );
        let unofficial = match lang {
            Lang::Ja => None,
            Lang::En => opt(Some(t(lang, "report.unofficial"))),
        };

        let plant = match (opt(Some(&header.site_name)), opt(Some(&header.site_code))) {
            (Some(name), Some(code)) if name != code => format!("{name} ({code})"),
            (Some(name), _) => name,
            (None, Some(code)) => code,
            (None, None) => none.clone(),
        };
        let line = match (
            opt(header.line_name.as_deref()),
            opt(header.line_code.as_deref()),
        ) {
            (Some(name), Some(code)) if name != code => format!("{name} ({code})"),
            (Some(name), _) => name,
            (None, Some(code)) => code,
            (None, None) => rt(lang, "cover.whole_plant"),
        };
        let company = opt(Some(&header.company)).unwrap_or_else(|| none.clone());
        let period = header
            .period
            .map(|p| p.label(lang))
            .unwrap_or_else(|| none.clone());
        let status = input
            .status
            .map(|s| s.name(lang).to_string())
            .unwrap_or_else(|| none.clone());
        let cover = vec![
            pair(rt(lang, "cover.company"), company.clone()),
            pair(rt(lang, "cover.plant"), plant.clone()),
            pair(rt(lang, "cover.line"), line.clone()),
            pair(rt(lang, "cover.period"), period.clone()),
            pair(
                rt(lang, "cover.assessor"),
                opt(header.assessor.as_deref()).unwrap_or_else(|| none.clone()),
            ),
            pair(
                rt(lang, "cover.assessed_on"),
                header
                    .date
                    .map(|d| date(lang, d))
                    .unwrap_or_else(|| none.clone()),
            ),
            pair(
                rt(lang, "cover.generated_on"),
                date(lang, input.generated_on),
            ),
            pair(rt(lang, "cover.status"), status),
            pair(
                rt(lang, "cover.guideline"),
                format!("{} ({})", catalog.title.get(lang), catalog.id),
            ),
        ];
        let running_header = [company, plant, line, period].join(" / ");

        let overall = &input.summary.overall;
        let total = overall.items;
        let share = |n: u32| {
            if total == 0 {
                percent(None)
            } else {
                percent(Some(f64::from(n) / f64::from(total)))
            }
        };
        let mut marks: Vec<MarkRow> = Mark::ALL
            .iter()
            .map(|m| {
                let count = overall.counts.get(*m);
                MarkRow {
                    symbol: m.symbol().to_string(),
                    name: m.name(lang).to_string(),
                    count,
                    share: share(count),
                }
            })
            .collect();
        let unanswered = total.saturating_sub(overall.answered);
        marks.push(MarkRow {
            symbol: String::new(),
            name: rt(lang, "marks.unanswered"),
            count: unanswered,
            share: share(unanswered),
        });

        let labels: Vec<LabelRow> = input
            .summary
            .labels
            .iter()
            .map(|l| {
                let s = &l.stats;
                LabelRow {
                    number: l.label,
                    name: catalog
                        .label(l.label)
                        .map(|x| x.name.get(lang).to_string())
                        .unwrap_or_default(),
                    items: s.items,
                    counts: Mark::ALL.iter().map(|m| s.counts.get(*m)).collect(),
                    unanswered: s.items.saturating_sub(s.answered),
                    rate: percent(s.achievement_rate),
                    rate_value: s.achievement_rate,
                }
            })
            .collect();
        let any_undefined =
            overall.achievement_rate.is_none() || labels.iter().any(|l| l.rate_value.is_none());

        let mut risks = Risks::default();
        for r in &input.summary.residual_risks {
            let number = r.item.get();
            let note = r.answer.note.as_ref().map(ToString::to_string);
            match &r.answer.answer {
                Answer::Deferred {
                    reason,
                    review_by,
                    accepted_by,
                    progress,
                } => risks.deferred.push(DeferredRow {
                    number,
                    condition: condition(number),
                    reason: reason.to_string(),
                    progress: progress.as_ref().map(ToString::to_string),
                    accepted_by: accepted_by
                        .as_ref()
                        .map(ToString::to_string)
                        .unwrap_or_else(|| none.clone()),
                    review_by: date(lang, *review_by),
                    note,
                    keep: keep_together(&r.answer),
                }),
                Answer::Considering {
                    status,
                    target_date,
                } => risks.considering.push(ConsideringRow {
                    number,
                    condition: condition(number),
                    status: status.to_string(),
                    target_date: target_date
                        .map(|d| date(lang, d))
                        .unwrap_or_else(|| none.clone()),
                    note,
                    keep: keep_together(&r.answer),
                }),
                Answer::NotConsidered => risks.not_considered.push(PlainRow {
                    number,
                    condition: condition(number),
                    note,
                    keep: keep_together(&r.answer),
                }),
                Answer::Implemented { .. } | Answer::NotApplicable { .. } => {}
            }
        }
        let unanswered_note = (unanswered > 0).then(|| {
            tr(
                lang,
                "report.risks.unanswered_note",
                &[("count", &unanswered)],
            )
        });

        let groups = catalog
            .labels
            .iter()
            .map(|label| {
                let rate = labels
                    .iter()
                    .find(|l| l.number == label.number)
                    .map(|l| l.rate.clone())
                    .unwrap_or_default();
                let items = label
                    .requirements
                    .iter()
                    .flat_map(|r| &r.items)
                    .map(|item| {
                        let answer = ItemNo::new(item.number, catalog)
                            .and_then(|n| input.sheet.answers.get(&n));
                        ItemRow {
                            number: item.number,
                            condition: item.condition.get(lang).to_string(),
                            symbol: answer
                                .map(|a| a.mark().symbol().to_string())
                                .unwrap_or_default(),
                            mark_name: match answer {
                                Some(a) => a.mark().name(lang).to_string(),
                                None => rt(lang, "items.unanswered"),
                            },
                            details: answer.map(|a| details(lang, a)).unwrap_or_default(),
                            note: answer
                                .and_then(|a| a.note.as_ref())
                                .map(ToString::to_string),
                            inherited: ItemNo::new(item.number, catalog)
                                .filter(|n| input.summary.inherited.contains(n))
                                .map(|_| rt(lang, "inherited.mark")),
                            keep: answer.is_none_or(keep_together),
                        }
                    })
                    .collect();
                LabelGroup {
                    number: label.number,
                    name: label.name.get(lang).to_string(),
                    rate,
                    items,
                }
            })
            .collect();

        let (signoff, signoff_note) = sign_boxes(lang, input.cycle);
        let d = input.generated_on;
        Model {
            lang: lang.code(),
            t: strings,
            title,
            subtitle,
            guideline: catalog.title.get(lang).to_string(),
            unofficial,
            cover,
            running_header,
            generated_on: date(lang, d),
            date: Ymd {
                year: d.year(),
                month: d.month(),
                day: d.day(),
            },
            overall_rate: percent(overall.achievement_rate),
            rate_formula: tr(
                lang,
                "report.summary.rate_formula",
                &[("items", &catalog.item_count())],
            ),
            completion: percent(Some(overall.completion)),
            completion_value: tr(
                lang,
                "report.summary.completion_value",
                &[("answered", &overall.answered), ("items", &overall.items)],
            ),
            any_undefined,
            marks,
            total,
            labels,
            risks,
            unanswered_note,
            groups,
            signoff,
            signoff_note,
            provisional: provisional(lang, input.cycle),
            inherited: (!input.summary.inherited.is_empty()).then(|| {
                tr(
                    lang,
                    "report.inherited.text",
                    &[
                        ("count", &input.summary.inherited.len()),
                        ("mark", &rt(lang, "inherited.mark")),
                    ],
                )
            }),
            cycle: input.cycle.map(|c| cycle(input, c)),
        }
    }

    /// A `report.*` string.
    pub fn s<'a>(&'a self, key: &'a str) -> &'a str {
        self.t.get(key).map(String::as_str).unwrap_or(key)
    }
}
