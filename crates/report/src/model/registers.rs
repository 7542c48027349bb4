//! The appendix 「台帳との整合」: per item the registers speak about, the answer beside the
//! suggestion, the findings counted and what they were based on, as sealed by the sign-off (or
//! read from the registers for an assessment still being prepared).

use super::*;
use kojo_domain::RegistersReport;
use kojo_domain::register::Problem;

/// One item of the appendix.
#[derive(Debug, Clone)]
pub struct RegisterRow {
    pub number: u16,
    pub condition: String,
    /// The answered mark's symbol (or "unanswered").
    pub answered: String,
    pub suggested: String,
    /// The answer claims more than the registers support.
    pub mismatch: bool,
    /// 「有効期限切れ 2 件、棚卸の期限切れ 1 件」, or that nothing was found.
    pub findings: String,
    /// One line per register or activity read.
    pub basis: Vec<String>,
}

/// The appendix.
#[derive(Debug, Clone)]
pub struct RegistersAppendix {
    /// Where the snapshot comes from: the sign-off step that sealed it, or the registers today.
    pub source: String,
    /// How many answers claim more than the registers support, as a sentence; `None` if none.
    pub mismatch_note: Option<String>,
    /// Items with a suggestion, in item order.
    pub rows: Vec<RegisterRow>,
}

fn problem_name(lang: Lang, key: &str) -> String {
    Problem::ALL
        .iter()
        .find(|p| p.key() == key)
        .map(|p| {
            t(
                lang,
                &format!("register.problem.{}", p.key().replace('-', "_")),
            )
            .to_string()
        })
        // A problem this version does not know (a package from a newer kojo): its key.
        .unwrap_or_else(|| key.to_string())
}

pub(super) fn appendix(input: &ReportInput, r: &RegistersReport) -> RegistersAppendix {
    let lang = input.lang;
    let registers = input.catalog.registers.as_ref();
    let name_of = |id: &str| -> (String, bool) {
        if let Some(k) = registers.and_then(|x| x.kind(id)) {
            (k.name.get(lang).to_string(), true)
        } else if let Some(a) = registers.and_then(|x| x.activity(id)) {
            (a.name.get(lang).to_string(), false)
        } else {
            (id.to_string(), true)
        }
    };
    let answered = |n: u16| {
        input
            .sheet
            .answers
            .iter()
            .find(|(no, _)| no.get() == n)
            .map(|(_, a)| a.answer.mark())
    };
    let rows: Vec<RegisterRow> = r
        .snapshot
        .items
        .iter()
        .filter_map(|i| {
            let suggested = i.suggested?;
            let mark = answered(i.item);
            let findings = if i.findings.is_empty() {
                rt(lang, "registers.no_findings")
            } else {
                i.findings
                    .iter()
                    .map(|(k, n)| {
                        tr(
                            lang,
                            "report.registers.finding_count",
                            &[("problem", &problem_name(lang, k)), ("count", n)],
                        )
                    })
                    .collect::<Vec<_>>()
                    .join(t(lang, "report.registers.separator"))
            };
            let basis = i
                .basis
                .iter()
                .map(|b| {
                    let (name, is_register) = name_of(&b.register);
                    let key = match (is_register, b.last) {
                        (true, Some(_)) => "report.registers.basis_register",
                        (true, None) => "report.registers.basis_register_never",
                        (false, Some(_)) => "report.registers.basis_activity",
                        (false, None) => "report.registers.basis_activity_never",
                    };
                    let last = b.last.map(|d| date(lang, d)).unwrap_or_default();
                    tr(
                        lang,
                        key,
                        &[("name", &name), ("count", &b.entries), ("date", &last)],
                    )
                })
                .collect();
            Some(RegisterRow {
                number: i.item,
                condition: condition_of(input.catalog, lang, i.item),
                answered: cycle::mark_or_unanswered(lang, mark),
                suggested: suggested.symbol().to_string(),
                mismatch: i.mismatch(mark),
                findings,
                basis,
            })
        })
        .collect();
    let mismatches = rows.iter().filter(|r| r.mismatch).count();
    let as_of = date(lang, r.snapshot.as_of);
    let source = match &r.sealed_by {
        Some(s) => tr(
            lang,
            "report.registers.sealed",
            &[
                ("date", &as_of),
                ("decision", &s.decision.name(lang)),
                ("by", &s.by),
            ],
        ),
        None => tr(lang, "report.registers.live", &[("date", &as_of)]),
    };
    RegistersAppendix {
        source,
        mismatch_note: (mismatches > 0).then(|| {
            tr(
                lang,
                "report.registers.mismatch_note",
                &[("count", &mismatches)],
            )
        }),
        rows,
    }
}
