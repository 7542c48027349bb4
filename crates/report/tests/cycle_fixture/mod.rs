//! The report tests' yearly cycle: a previous year, sign-offs, reviews and actions, and helpers
//! to find things in the HTML.
#![allow(dead_code)]

use crate::common::{self, *};
use chrono::NaiveDate;
use kojo_domain::register::{Snapshot, SnapshotBasis, SnapshotItem};
use kojo_domain::{
    ActionItem, ActionStatus, CycleReport, Decision, FiscalYear, ItemNo, Mark, Previous, RawAnswer,
    RegistersReport, Review, Sheet, SignOff, Summary,
};
use kojo_i18n::Lang;
use kojo_report::ReportInput;
use std::collections::BTreeMap;

pub const AUTHOR: &str = "中村美咲";
pub const REVIEWER: &str = "田中一郎";
pub const APPROVER: &str = "小林健二";
/// Returned by the reviewer on this day; the first submission must not show in the boxes.
pub const FIRST_SUBMIT: &str = "2026-06-25T10:00:00+09:00";
pub const REVIEW_BY_4: &str = "鈴木一郎";
pub const PROGRESS_4: &str = "制御盤の見積を取得済み";
pub const NOTE_4: &str = "来年度予算で更新予定";
pub const REVIEW_BY_5: &str = "高橋次郎";
pub const STATUS_5: &str = "ベンダーと方式を協議中";
pub const ACTION_4: &str = "制御盤の更新";
pub const ACTION_6: &str = "ネットワーク分離";
pub const ACTION_5: &str = "分離方式の決定";

pub fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("date")
}

pub fn no(n: u16) -> ItemNo {
    ItemNo::new(n, catalog()).expect("item")
}

pub fn sign(decision: Decision, by: &str, at: &str) -> SignOff {
    SignOff {
        decision,
        by: by.into(),
        at: at.into(),
        comment: (decision == Decision::Return).then(|| "No.6 の理由を追記してください".into()),
        content_hash: "0".repeat(64),
    }
}

pub fn marks(sheet: &Sheet) -> BTreeMap<ItemNo, Mark> {
    sheet.answers.iter().map(|(n, a)| (*n, a.mark())).collect()
}

/// Last year's assessment: item 3 was □ (now ○, improved), item 5 × (now △, improved) and
/// item 6 ○ (now ×, regressed).
pub fn previous_sheet() -> Sheet {
    let mut prev = sheet();
    prev.header.period = FiscalYear::new(2025);
    let raw = |mark: &str| RawAnswer {
        mark: Some(mark.into()),
        ..Default::default()
    };
    let mut put = |n: u16, r: RawAnswer| {
        prev.answers.insert(no(n), r.parse().expect("valid answer"));
    };
    put(
        3,
        RawAnswer {
            reason: Some("前年度は予算未確保".into()),
            review_by: Some("2026-03-31".into()),
            ..raw("□")
        },
    );
    put(5, raw("×"));
    put(6, raw("○"));
    // Not applicable last year, unanswered now: the rates then and now differ.
    put(
        58,
        RawAnswer {
            na_reason: Some("対象設備なし".into()),
            ..raw("－")
        },
    );
    prev
}

pub struct Fixture {
    pub sheet: Sheet,
    pub summary: Summary,
    pub prev_summary: Summary,
    pub cycle: CycleReport,
}

pub fn fixture(required_signers: u8) -> Fixture {
    let sheet = sheet();
    let summary = summary(&sheet);
    let prev_sheet = previous_sheet();
    let prev_summary = common::summary(&prev_sheet);
    let changes = kojo_domain::diff(&marks(&prev_sheet), &marks(&sheet));
    let cycle = CycleReport {
        signoffs: vec![
            sign(Decision::Submit, AUTHOR, FIRST_SUBMIT),
            sign(Decision::Return, REVIEWER, "2026-06-26T09:00:00+09:00"),
            sign(Decision::Submit, AUTHOR, "2026-06-27T10:00:00+09:00"),
            sign(Decision::Confirm, REVIEWER, "2026-06-28T15:30:00+09:00"),
            // 23:30 UTC on the 30th is the 1st in Japan: the box shows the timestamp's own day.
            sign(Decision::Approve, APPROVER, "2026-07-01T08:30:00+09:00"),
        ],
        required_signers,
        reviews: vec![
            Review {
                item: 4,
                mark: Mark::Deferred,
                valid: Some(true),
                progress: Some(PROGRESS_4.into()),
                progress_pct: Some(40),
                status: None,
                target_date: None,
                note: Some(NOTE_4.into()),
                by: REVIEW_BY_4.into(),
                at: "2026-06-20T11:00:00+09:00".into(),
            },
            Review {
                item: 5,
                mark: Mark::Considering,
                valid: None,
                progress: None,
                progress_pct: None,
                status: Some(STATUS_5.into()),
                target_date: Some(date(2026, 11, 30)),
                note: None,
                by: REVIEW_BY_5.into(),
                at: "2026-06-21T11:00:00+09:00".into(),
            },
            // Made while item 14 was △; it is □ now, so it no longer counts.
            Review {
                item: 14,
                mark: Mark::Considering,
                valid: None,
                progress: None,
                progress_pct: None,
                status: Some("古い見直し".into()),
                target_date: None,
                note: None,
                by: REVIEW_BY_5.into(),
                at: "2026-06-19T11:00:00+09:00".into(),
            },
        ],
        unconfirmed: vec![12, 3],
        previous: Some(Previous {
            period: FiscalYear::new(2025).expect("year"),
            revision: 2,
            summary: prev_summary.clone(),
            changes,
        }),
        actions: vec![
            ActionItem {
                item: 4,
                title: ACTION_4.into(),
                owner: Some("設備課 木村".into()),
                due: Some(date(2027, 3, 31)),
                status: ActionStatus::InProgress,
                note: None,
            },
            ActionItem {
                item: 6,
                title: ACTION_6.into(),
                owner: Some("情報システム部 伊藤".into()),
                due: Some(date(2026, 6, 15)),
                status: ActionStatus::Open,
                note: Some(HOSTILE_NOTE.into()),
            },
            // Past its due date but done: not overdue.
            ActionItem {
                item: 5,
                title: ACTION_5.into(),
                owner: None,
                due: Some(date(2026, 5, 31)),
                status: ActionStatus::Done,
                note: None,
            },
        ],
        registers: Some(registers()),
    };
    Fixture {
        sheet,
        summary,
        prev_summary,
        cycle,
    }
}

/// What the registers said at approval: 45 answered △ but suggested × (mismatch), 46 answered ○
/// but suggested △ with two expired IDs (mismatch), 25 answered △ and suggested ○ (fine), 21
/// silent (left out of the appendix).
pub fn registers() -> RegistersReport {
    let basis = |register: &str, entries, last| SnapshotBasis {
        register: register.into(),
        entries,
        last,
    };
    let item = |item, suggested, findings: &[(&str, usize)], b| SnapshotItem {
        item,
        suggested,
        findings: findings.iter().map(|(k, n)| (k.to_string(), *n)).collect(),
        basis: vec![b],
    };
    RegistersReport {
        snapshot: Snapshot {
            as_of: date(2026, 7, 1),
            items: vec![
                item(21, None, &[], basis("confidential", 0, None)),
                item(25, Some(Mark::Implemented), &[], basis("assets", 12, None)),
                item(
                    45,
                    Some(Mark::NotConsidered),
                    &[("no-review", 1)],
                    basis("firewall-rules", 4, None),
                ),
                item(
                    46,
                    Some(Mark::Considering),
                    &[("expired", 2)],
                    basis("remote-ids", 3, Some(date(2026, 4, 10))),
                ),
            ],
        },
        sealed_by: Some(sign(
            Decision::Approve,
            APPROVER,
            "2026-07-01T08:30:00+09:00",
        )),
    }
}

impl Fixture {
    pub fn input(&self, lang: Lang) -> ReportInput<'_> {
        ReportInput {
            cycle: Some(&self.cycle),
            ..input(&self.sheet, &self.summary, lang)
        }
    }
}

/// The HTML between `from` and the next `to`.
pub fn between<'a>(html: &'a str, from: &str, to: &str) -> &'a str {
    let start = html
        .find(from)
        .unwrap_or_else(|| panic!("{from} not found"));
    let rest = &html[start..];
    let end = rest.find(to).unwrap_or(rest.len());
    &rest[..end]
}

/// The table row of item `n` (the row whose first cell is `n`).
pub fn row(html: &str, n: u16) -> &str {
    let cell = format!("<td class=\"c\">{n}</td>");
    let at = html
        .find(&cell)
        .unwrap_or_else(|| panic!("no row for item {n}"));
    let start = html[..at].rfind("<tr").expect("row start");
    let end = at + html[at..].find("</tr>").expect("row end");
    &html[start..end]
}

pub fn rate(s: &Summary, label: Option<u16>) -> String {
    let r = match label {
        None => s.overall.achievement_rate,
        Some(l) => {
            s.labels
                .iter()
                .find(|x| x.label == l)
                .expect("label")
                .stats
                .achievement_rate
        }
    };
    format!("{:.1}%", r.expect("rate") * 100.0)
}

pub fn label_of(n: u16) -> u16 {
    catalog().item(n).expect("item").label.number
}

/// Residual risks of the sheet that have no review for their current mark.
pub fn not_reviewed(f: &Fixture) -> Vec<u16> {
    f.summary
        .residual_risks
        .iter()
        .map(|r| r.item.get())
        .filter(|n| ![4, 5].contains(n))
        .collect()
}
