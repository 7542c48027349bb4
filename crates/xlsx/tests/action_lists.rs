//! The action plan in the action lists (xlsx: a 対策計画 sheet; CSV: one row per action).

mod common;

use chrono::NaiveDate;
use common::*;
use kojo_domain::{ActionItem, ActionStatus, Mark};
use kojo_i18n::t;
use kojo_xlsx::{Lang, action_list_csv, action_list_xlsx};

fn today() -> NaiveDate {
    date(2027, 5, 10)
}

/// Actions of the sample sheet: item 4 (□) has two (one overdue, one without a date), item 3
/// (×) one done, item 1 (○) one done, item 63 (×) one due later. Given out of item order.
fn actions() -> Vec<ActionItem> {
    vec![
        ActionItem {
            item: 4,
            title: "見積を取り直す".into(),
            owner: Some("購買 田中".into()),
            due: Some(date(2027, 4, 30)),
            status: ActionStatus::InProgress,
            note: Some("予算申請中, 再見積".into()),
        },
        ActionItem {
            item: 63,
            title: "監視の導入".into(),
            owner: None,
            due: Some(date(2027, 6, 1)),
            status: ActionStatus::Open,
            note: None,
        },
        ActionItem {
            item: 3,
            title: "ログ監視を導入".into(),
            owner: Some("情シス".into()),
            due: Some(date(2027, 3, 31)),
            status: ActionStatus::Done,
            note: None,
        },
        ActionItem {
            item: 4,
            title: "代替機を検討".into(),
            owner: None,
            due: None,
            status: ActionStatus::Open,
            note: None,
        },
        ActionItem {
            item: 1,
            title: "手順書を改訂した".into(),
            owner: Some("品質保証".into()),
            due: Some(date(2026, 12, 1)),
            status: ActionStatus::Done,
            note: None,
        },
    ]
}

fn csv_records(csv_text: &str) -> (csv::StringRecord, Vec<csv::StringRecord>) {
    assert!(csv_text.starts_with('\u{FEFF}'), "UTF-8 BOM");
    let mut reader = csv::Reader::from_reader(csv_text.trim_start_matches('\u{FEFF}').as_bytes());
    let headers = reader.headers().expect("headers").clone();
    let records = reader.records().map(|r| r.expect("record")).collect();
    (headers, records)
}

#[test]
fn action_list_csv_joins_the_actions_to_the_residual_risks() {
    let c = catalog();
    let sheet = sample_sheet();
    let implemented = sheet
        .answers
        .values()
        .filter(|a| a.mark() == Mark::Implemented)
        .count();
    for lang in Lang::ALL {
        let (headers, records) =
            csv_records(&action_list_csv(c, &sheet, &actions(), today(), lang));
        let plan_keys = [
            "xlsx.plan.action",
            "xlsx.plan.owner",
            "xlsx.plan.due",
            "xlsx.plan.status",
            "xlsx.plan.overdue",
            "xlsx.plan.note",
        ];
        assert_eq!(headers.len(), 14 + plan_keys.len());
        for (i, key) in plan_keys.iter().enumerate() {
            assert_eq!(&headers[14 + i], t(lang, key));
        }
        // Every residual item once, item 4 once more (two actions), item 1 (○) for its action.
        assert_eq!(records.len(), 63 - implemented + 2);
        let rows_of = |n: u16| -> Vec<&csv::StringRecord> {
            records.iter().filter(|r| r[1] == n.to_string()).collect()
        };
        let overdue = t(lang, "xlsx.plan.overdue");
        let four = rows_of(4);
        assert_eq!(four.len(), 2);
        assert_eq!(
            four[0].iter().skip(14).collect::<Vec<_>>(),
            [
                "見積を取り直す",
                "購買 田中",
                "2027-04-30",
                ActionStatus::InProgress.name(lang),
                overdue,
                "予算申請中, 再見積"
            ]
        );
        assert_eq!(
            four[1].iter().skip(14).collect::<Vec<_>>(),
            [
                "代替機を検討",
                "",
                "",
                ActionStatus::Open.name(lang),
                "",
                ""
            ]
        );
        // Both rows repeat the item's columns.
        assert_eq!(
            four[0].iter().take(14).collect::<Vec<_>>(),
            four[1].iter().take(14).collect::<Vec<_>>()
        );
        assert_eq!((&four[0][4], &four[0][7]), ("□", "2027-03-31"));
        let three = rows_of(3);
        assert_eq!(
            (&three[0][17], &three[0][18]),
            (ActionStatus::Done.name(lang), ""),
            "done is never overdue"
        );
        let sixty_three = rows_of(63);
        assert_eq!(
            (&sixty_three[0][14], &sixty_three[0][18]),
            ("監視の導入", ""),
            "not due yet"
        );
        let one = rows_of(1);
        assert_eq!(one.len(), 1);
        assert_eq!((&one[0][4], &one[0][14]), ("○", "手順書を改訂した"));
        // An item without actions: one row, the action columns empty.
        let six = rows_of(6);
        assert_eq!(six.len(), 1);
        assert!(six[0].iter().skip(14).all(|f| f.is_empty()));
        // Catalog order, then the given order.
        let order: Vec<u16> = records.iter().map(|r| r[1].parse().expect("No.")).collect();
        assert!(order.windows(2).all(|w| w[0] <= w[1]), "{order:?}");
        assert_eq!(
            records.iter().filter(|r| &r[18] == overdue).count(),
            1,
            "one overdue"
        );
    }
}

#[test]
fn action_list_csv_without_actions_has_empty_action_columns() {
    let c = catalog();
    let sheet = sample_sheet();
    let (headers, records) = csv_records(&action_list_csv(c, &sheet, &[], today(), Lang::Ja));
    assert_eq!(headers.len(), 20);
    assert!(
        records
            .iter()
            .all(|r| r.len() == 20 && r.iter().skip(14).all(|f| f.is_empty()))
    );
    // An action of an item outside the catalog is ignored.
    let stray = ActionItem {
        item: 999,
        ..actions()[0].clone()
    };
    let (_, with_stray) = csv_records(&action_list_csv(c, &sheet, &[stray], today(), Lang::Ja));
    assert_eq!(with_stray, records);
}

/// An expected row of the action plan sheet: No., mark, action, due, status, overdue.
type PlanRow = (
    u16,
    &'static str,
    &'static str,
    Option<NaiveDate>,
    ActionStatus,
    bool,
);

#[test]
fn action_list_xlsx_has_the_action_plan_sheet() {
    let c = catalog();
    let sheet = sample_sheet();
    for lang in Lang::ALL {
        let bytes = action_list_xlsx(c, &sheet, &actions(), today(), lang).expect("action list");
        let names = sheet_names(&bytes);
        let plan_name = t(lang, "xlsx.sheet.plan");
        assert_eq!(names, [t(lang, "xlsx.sheet.actions"), plan_name]);
        let range = read_sheet(&bytes, plan_name);
        assert_eq!(text(&range, 0, 0), t(lang, "xlsx.plan.title"));
        let context = match lang {
            Lang::Ja => "基準日 2027-05-10 / 対策 5 件（うち期限超過 1 件）",
            Lang::En => "As of 2027-05-10 / 5 actions (1 overdue)",
        };
        assert_eq!(text(&range, 1, 0), context);
        assert_eq!(text(&range, 3, 3), t(lang, "xlsx.plan.action"));
        assert_eq!(text(&range, 3, 7), t(lang, "xlsx.plan.overdue"));
        // By item, then in the order given.
        let expected: [PlanRow; 5] = [
            (
                1,
                "○",
                "手順書を改訂した",
                Some(date(2026, 12, 1)),
                ActionStatus::Done,
                false,
            ),
            (
                3,
                "×",
                "ログ監視を導入",
                Some(date(2027, 3, 31)),
                ActionStatus::Done,
                false,
            ),
            (
                4,
                "□",
                "見積を取り直す",
                Some(date(2027, 4, 30)),
                ActionStatus::InProgress,
                true,
            ),
            (4, "□", "代替機を検討", None, ActionStatus::Open, false),
            (
                63,
                "×",
                "監視の導入",
                Some(date(2027, 6, 1)),
                ActionStatus::Open,
                false,
            ),
        ];
        for (i, (n, mark, title, due, status, overdue)) in expected.iter().enumerate() {
            let row = 4 + i as u32;
            assert_eq!(float(&range, row, 0), Some(f64::from(*n)), "row {row}");
            assert_eq!(
                text(&range, row, 1),
                c.item(*n).expect("item").item.condition.get(lang)
            );
            assert_eq!(text(&range, row, 2), *mark);
            assert_eq!(text(&range, row, 3), *title);
            assert_eq!(date_cell(&range, row, 5), *due);
            assert_eq!(text(&range, row, 6), status.name(lang));
            let flag = if *overdue {
                t(lang, "xlsx.plan.overdue")
            } else {
                ""
            };
            assert_eq!(text(&range, row, 7), flag, "overdue flag row {row}");
        }
        assert_eq!(text(&range, 4, 4), "品質保証");
        assert_eq!(text(&range, 6, 8), "予算申請中, 再見積");
        assert_eq!(text(&range, 9, 0), "", "no extra rows");

        // The first sheet is the residual-risk list as before.
        let first = read_sheet(&bytes, t(lang, "xlsx.sheet.actions"));
        let (_, records) = csv_records(&action_list_csv(c, &sheet, &[], today(), lang));
        for (i, record) in records.iter().enumerate() {
            assert_eq!(text(&first, 4 + i as u32, 0), record[0].to_string());
        }
        assert_eq!(text(&first, 4 + records.len() as u32, 0), "");
    }
}

#[test]
fn action_list_xlsx_refuses_an_action_outside_the_catalog() {
    let stray = ActionItem {
        item: 999,
        ..actions()[0].clone()
    };
    let e = action_list_xlsx(catalog(), &sample_sheet(), &[stray], today(), Lang::Ja)
        .expect_err("refused");
    assert!(e.to_string().contains("999"), "{e}");
}
