//! The yearly cycle's part of the report's content: the sign-off boxes, provisional answers,
//! review results, the year-over-year comparison and the action plan.

use super::*;

/// One sign-off box (作成, 確認 or 承認): empty strings while the step has not been made.
#[derive(Debug, Clone, Default)]
pub struct SignBox {
    pub name: String,
    /// `YYYY-MM-DD`.
    pub date: String,
}

/// The notice that some answers are carried from last year and not yet re-confirmed.
#[derive(Debug, Clone)]
pub struct Provisional {
    pub text: String,
    /// The items, as one line (`No.4、No.12`).
    pub items: String,
}

/// One □ △ × item with this cycle's review of it.
#[derive(Debug, Clone)]
pub struct ReviewRow {
    pub number: u16,
    pub symbol: String,
    pub condition: String,
    /// Whether a review for the current mark exists.
    pub reviewed: bool,
    /// The review's fields (or one pair saying it has not been done).
    pub fields: Vec<Pair>,
    /// Short enough to keep on one page.
    pub keep: bool,
}

/// One label's rate then and now.
#[derive(Debug, Clone)]
pub struct YoyLabel {
    pub number: u16,
    pub name: String,
    pub then: String,
    pub now: String,
    /// The difference in percentage points.
    pub diff: String,
}

/// One item whose mark changed.
#[derive(Debug, Clone)]
pub struct ChangeRow {
    pub number: u16,
    /// The mark's symbol, or "unanswered".
    pub from: String,
    pub to: String,
    pub kind: String,
    pub regressed: bool,
}

/// The comparison with the previous assessment.
#[derive(Debug, Clone)]
pub struct Yoy {
    /// Which assessment is compared with.
    pub compared: String,
    /// "then → now".
    pub overall: String,
    pub labels: Vec<YoyLabel>,
    pub changes: Vec<ChangeRow>,
}

/// One action of the action plan.
#[derive(Debug, Clone)]
pub struct ActionRow {
    pub number: u16,
    pub title: String,
    pub owner: String,
    pub due: String,
    pub status: String,
    /// Open and past its due date on the report's date.
    pub overdue: bool,
    pub note: Option<String>,
}

/// The yearly cycle's sections.
#[derive(Debug, Clone)]
pub struct Cycle {
    pub reviews: Vec<ReviewRow>,
    /// `None`: no previous assessment to compare with.
    pub yoy: Option<Yoy>,
    pub actions: Vec<ActionRow>,
    /// How many actions are overdue, as a sentence; `None` when none is.
    pub overdue_note: Option<String>,
    /// The appendix 「台帳との整合」; `None` when the plant keeps no register data in kojo.
    pub registers: Option<RegistersAppendix>,
}

pub(super) fn sign_boxes(
    lang: Lang,
    cycle: Option<&CycleReport>,
) -> (Vec<SignBox>, Option<String>) {
    let Some(c) = cycle else {
        return (vec![SignBox::default(); 3], None);
    };
    let boxes = kojo_domain::signature_boxes(&c.signoffs)
        .into_iter()
        .map(|s| {
            s.map(|s| SignBox {
                name: s.by.trim().to_string(),
                date: day_of(&s.at),
            })
            .unwrap_or_default()
        })
        .collect();
    let note = (c.required_signers == 2).then(|| t(lang, "cycle.relaxed_note").to_string());
    (boxes, note)
}

pub(super) fn provisional(lang: Lang, cycle: Option<&CycleReport>) -> Option<Provisional> {
    let c = cycle?;
    if c.unconfirmed.is_empty() {
        return None;
    }
    let mut items = c.unconfirmed.clone();
    items.sort_unstable();
    items.dedup();
    let list = items
        .iter()
        .map(|n| tr(lang, "report.provisional.item", &[("item", n)]))
        .collect::<Vec<_>>()
        .join(t(lang, "report.provisional.separator"));
    Some(Provisional {
        text: tr(lang, "report.provisional.text", &[("count", &items.len())]),
        items: list,
    })
}

/// One residual risk with its review (the last one made for the current mark).
pub(super) fn review_row(
    catalog: &Catalog,
    lang: Lang,
    risk: &ResidualRisk,
    c: &CycleReport,
) -> ReviewRow {
    let number = risk.item.get();
    let mark = risk.answer.mark();
    let review = c
        .reviews
        .iter()
        .rev()
        .find(|r| r.item == number && r.mark == mark);
    let not_answered = || rt(lang, "review.not_answered");
    let mut fields = Vec::new();
    match review {
        None => fields.push(pair(
            rt(lang, "review.result"),
            rt(lang, "review.not_reviewed"),
        )),
        Some(r) => {
            if mark == Mark::Deferred {
                let valid = match r.valid {
                    Some(true) => rt(lang, "review.yes"),
                    Some(false) => rt(lang, "review.no"),
                    None => not_answered(),
                };
                fields.push(pair(rt(lang, "review.valid"), valid));
                let progress = opt(r.progress.as_deref());
                if progress.is_none() && r.progress_pct.is_none() {
                    fields.push(pair(rt(lang, "review.progress"), not_answered()));
                }
                if let Some(p) = progress {
                    fields.push(pair(rt(lang, "review.progress"), p));
                }
                if let Some(pct) = r.progress_pct {
                    fields.push(pair(rt(lang, "review.progress_pct"), format!("{pct}%")));
                }
            } else {
                fields.push(pair(
                    rt(lang, "review.status"),
                    opt(r.status.as_deref()).unwrap_or_else(not_answered),
                ));
                fields.push(pair(
                    rt(lang, "review.target_date"),
                    r.target_date
                        .map(|d| date(lang, d))
                        .unwrap_or_else(|| rt(lang, "none")),
                ));
            }
            if let Some(n) = opt(r.note.as_deref()) {
                fields.push(pair(rt(lang, "review.note"), n));
            }
            fields.push(pair(
                rt(lang, "review.by"),
                opt(Some(r.by.as_str())).unwrap_or_else(|| rt(lang, "none")),
            ));
            fields.push(pair(rt(lang, "review.at"), day_of(&r.at)));
        }
    }
    let condition = condition_of(catalog, lang, number);
    let keep = short_enough(
        std::iter::once(condition.as_str()).chain(fields.iter().map(|p| p.value.as_str())),
    );
    ReviewRow {
        number,
        symbol: mark.symbol().to_string(),
        condition,
        reviewed: review.is_some(),
        fields,
        keep,
    }
}

pub(super) fn mark_or_unanswered(lang: Lang, m: Option<Mark>) -> String {
    m.map(|m| m.symbol().to_string())
        .unwrap_or_else(|| rt(lang, "marks.unanswered"))
}

pub(super) fn yoy(
    catalog: &Catalog,
    lang: Lang,
    now: &Summary,
    previous: &kojo_domain::Previous,
) -> Yoy {
    let then = &previous.summary;
    let overall_then = percent(then.overall.achievement_rate);
    let overall_now = percent(now.overall.achievement_rate);
    let labels = catalog
        .labels
        .iter()
        .map(|label| {
            let rate = |s: &Summary| {
                s.labels
                    .iter()
                    .find(|l| l.label == label.number)
                    .and_then(|l| l.stats.achievement_rate)
            };
            let (a, b) = (rate(then), rate(now));
            YoyLabel {
                number: label.number,
                name: label.name.get(lang).to_string(),
                then: percent(a),
                now: percent(b),
                diff: points(a, b),
            }
        })
        .collect();
    Yoy {
        compared: tr(
            lang,
            "report.yoy.compared",
            &[
                ("period", &previous.period.label(lang)),
                ("revision", &previous.revision),
            ],
        ),
        overall: tr(
            lang,
            "report.yoy.then_now",
            &[("then", &overall_then), ("now", &overall_now)],
        ),
        labels,
        changes: previous
            .changes
            .iter()
            .filter(|c| c.kind != ChangeKind::Unchanged)
            .map(|c| ChangeRow {
                number: c.item,
                from: mark_or_unanswered(lang, c.from),
                to: mark_or_unanswered(lang, c.to),
                kind: c.kind.name(lang).to_string(),
                regressed: c.kind == ChangeKind::Regressed,
            })
            .collect(),
    }
}

pub(super) fn actions(lang: Lang, c: &CycleReport, today: NaiveDate) -> Vec<ActionRow> {
    let none = rt(lang, "none");
    c.actions
        .iter()
        .map(|a| ActionRow {
            number: a.item,
            title: a.title.clone(),
            owner: opt(a.owner.as_deref()).unwrap_or_else(|| none.clone()),
            due: a.due.map(|d| date(lang, d)).unwrap_or_else(|| none.clone()),
            status: a.status.name(lang).to_string(),
            overdue: a.is_overdue(today),
            note: opt(a.note.as_deref()),
        })
        .collect()
}

pub(super) fn cycle(input: &ReportInput, c: &CycleReport) -> Cycle {
    let lang = input.lang;
    let reviews = input
        .summary
        .residual_risks
        .iter()
        .filter(|r| r.answer.mark().is_residual_risk())
        .map(|r| review_row(input.catalog, lang, r, c))
        .collect();
    let actions = actions(lang, c, input.generated_on);
    let overdue = actions.iter().filter(|a| a.overdue).count();
    Cycle {
        reviews,
        yoy: c
            .previous
            .as_ref()
            .map(|p| yoy(input.catalog, lang, input.summary, p)),
        actions,
        registers: c
            .registers
            .as_ref()
            .map(|r| super::registers::appendix(input, r)),
        overdue_note: (overdue > 0).then(|| {
            tr(
                lang,
                "report.actions.overdue_note",
                &[
                    ("count", &overdue),
                    ("date", &date(lang, input.generated_on)),
                ],
            )
        }),
    }
}
