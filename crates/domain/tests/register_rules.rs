//! The register rule set: every rule, a day before and a day after each boundary, every finding
//! kind, and the marks it suggests.

use chrono::NaiveDate;
use kojo_catalog::Registers;
use kojo_domain::Mark;
use kojo_domain::register::rules::{
    EntryFacts, FIELDS_READ, Facts, Problem, REVIEWED, RegisterFacts, Suggestion, is_date, overdue,
    suggest,
};
use std::collections::BTreeMap;

fn registers() -> &'static Registers {
    kojo_catalog::builtin().unwrap().registers.as_ref().unwrap()
}

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

/// An entry's values, before they become the facts of an entry of some kind.
#[derive(Clone)]
struct E {
    values: BTreeMap<String, String>,
}

/// An entry whose key field is `key` (set under the kind's key field by [`facts`]).
fn entry(key: &str, values: &[(&str, &str)]) -> E {
    let mut values: BTreeMap<String, String> = values
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    values.insert(KEY.to_string(), key.to_string());
    E { values }
}

/// Where [`entry`] keeps the key until [`facts`] knows the kind.
const KEY: &str = "\u{0}key";

/// A firewall rule with every required field, valid through `expiry`.
fn rule(key: &str, expiry: &str) -> E {
    entry(
        key,
        &[
            ("rule-id", key),
            ("applicant", "山田"),
            ("source-ip", "10.0.0.0/24"),
            ("destination-ip", "192.168.1.5"),
            ("direction", "inbound"),
            ("protocol", "TCP"),
            ("ports", "502"),
            ("purpose", "PLC 保守"),
            ("registered", "2025-04-01"),
            ("expiry", expiry),
        ],
    )
}

fn facts(kind: &str, entries: Vec<E>, last_review: Option<&str>) -> Facts {
    let k = registers().kind(kind).unwrap();
    let entries = entries
        .into_iter()
        .map(|mut e| {
            let key = e.values.remove(KEY).unwrap();
            e.values.entry(k.key.clone()).or_insert(key);
            EntryFacts::of(k, &e.values)
        })
        .collect();
    let mut f = Facts::default();
    f.registers.insert(
        kind.to_string(),
        RegisterFacts {
            entries,
            last_review: last_review.map(d),
        },
    );
    f
}

fn item(all: &[Suggestion], n: u16) -> &Suggestion {
    all.iter()
        .find(|s| s.item == n)
        .unwrap_or_else(|| panic!("no suggestion for item {n}"))
}

fn problems(s: &Suggestion) -> Vec<Problem> {
    s.findings.iter().map(|f| f.problem).collect()
}

#[test]
fn the_rules_read_fields_that_exist_with_the_right_types() {
    let r = registers();
    for (kind, fields) in FIELDS_READ {
        let k = r.kind(kind).unwrap_or_else(|| panic!("no kind {kind}"));
        for f in *fields {
            assert!(k.field(f).is_some(), "{kind} has no field {f}");
        }
    }
    for (kind, field) in [
        ("firewall-rules", "expiry"),
        ("remote-ids", "expiry"),
        ("assets", "support-end"),
        ("backups", "last-restore-test"),
    ] {
        assert!(is_date(r.kind(kind).unwrap(), field), "{kind}.{field}");
    }
    // The dates a rule reads through the data's own names are among the fields read.
    for k in &r.kinds {
        let Some((_, read)) = FIELDS_READ.iter().find(|(id, _)| *id == k.id) else {
            continue;
        };
        for f in [&k.expires, &k.end_of_support].into_iter().flatten() {
            assert!(read.contains(&f.as_str()), "{}.{f}", k.id);
        }
    }
    for n in REVIEWED {
        assert!(
            r.kinds.iter().any(|k| k.items.contains(n)),
            "item {n} has no register"
        );
    }
}

#[test]
fn every_item_with_a_rule_is_listed_and_silent_without_records() {
    let all = suggest(registers(), &Facts::default(), d("2026-06-01"));
    let items: Vec<u16> = all.iter().map(|s| s.item).collect();
    for n in [
        5, 21, 22, 25, 26, 28, 37, 45, 46, 53, 54, 57, 61, 62, 34, 55,
    ] {
        assert!(items.contains(&n), "item {n} missing from {items:?}");
    }
    assert!(items.windows(2).all(|w| w[0] < w[1]), "{items:?}");
    for s in &all {
        assert_eq!(s.suggested, None, "item {}", s.item);
        assert!(s.findings.is_empty(), "item {}", s.item);
    }
}

#[test]
fn item_45_expiry_boundary_a_rule_is_valid_through_its_date() {
    let f = facts(
        "firewall-rules",
        vec![rule("FW-1", "2026-03-31")],
        Some("2026-01-10"),
    );
    let on_the_day = suggest(registers(), &f, d("2026-03-31"));
    assert_eq!(item(&on_the_day, 45).suggested, Some(Mark::Implemented));
    let day_before = suggest(registers(), &f, d("2026-03-30"));
    assert_eq!(item(&day_before, 45).suggested, Some(Mark::Implemented));
    let day_after = suggest(registers(), &f, d("2026-04-01"));
    let s = item(&day_after, 45);
    assert_eq!(
        s.suggested,
        Some(Mark::NotConsidered),
        "the only rule expired"
    );
    assert_eq!(problems(s), [Problem::Expired]);
    assert_eq!(s.findings[0].entry.as_deref(), Some("FW-1"));
    assert_eq!(s.findings[0].detail, "expiry=2026-03-31");
}

#[test]
fn item_45_some_expired_rules_suggest_partial_and_a_deleted_rule_does_not_count() {
    let mut entries = vec![rule("FW-1", "2027-03-31"), rule("FW-2", "2025-01-01")];
    let mut deleted = rule("FW-3", "2020-01-01");
    deleted.values.insert("state".into(), "deleted".into());
    entries.push(deleted);
    let f = facts("firewall-rules", entries, Some("2026-01-10"));
    let s = suggest(registers(), &f, d("2026-06-01"));
    let s = item(&s, 45);
    assert_eq!(s.suggested, Some(Mark::Considering));
    assert_eq!(s.findings.len(), 1);
    assert!(s.mismatch(Some(Mark::Implemented)));
    assert!(s.mismatch(Some(Mark::Deferred)));
    assert!(!s.mismatch(Some(Mark::Considering)));
    assert!(!s.mismatch(Some(Mark::NotApplicable)));
    assert!(!s.mismatch(None));
}

#[test]
fn review_boundary_twelve_months_then_overdue() {
    for (kind, n, e) in [
        ("firewall-rules", 45, rule("FW-1", "2030-01-01")),
        (
            "remote-ids",
            46,
            entry(
                "R-1",
                &[("id", "R-1"), ("holder", "保守業者"), ("state", "active")],
            ),
        ),
        ("confidential", 22, entry("図面", &[("target", "図面")])),
        ("assets", 26, entry("A-1", &[("asset-id", "A-1")])),
        (
            "external-systems",
            37,
            entry("クラウド", &[("system", "クラウド"), ("state", "in-use")]),
        ),
    ] {
        let f = facts(kind, vec![e.clone()], Some("2025-06-15"));
        let due = suggest(registers(), &f, d("2026-06-15"));
        assert!(
            !problems(item(&due, n)).contains(&Problem::ReviewOverdue),
            "{kind} on the day"
        );
        let before = suggest(registers(), &f, d("2026-06-14"));
        assert!(
            !problems(item(&before, n)).contains(&Problem::ReviewOverdue),
            "{kind} day before"
        );
        let after = suggest(registers(), &f, d("2026-06-16"));
        let s = item(&after, n);
        assert!(
            problems(s).contains(&Problem::ReviewOverdue),
            "{kind} day after"
        );
        assert!(
            s.suggested.is_some_and(|m| m != Mark::Implemented),
            "{kind}"
        );

        let never = facts(kind, vec![e], None);
        let s = suggest(registers(), &never, d("2026-06-16"));
        let s = item(&s, n);
        assert!(problems(s).contains(&Problem::NoReview), "{kind}");
        assert_eq!(s.suggested, Some(Mark::NotConsidered), "{kind}");
    }
}

#[test]
fn item_46_remote_ids_past_expiry_and_still_active() {
    let id = |key: &str, state: &str| {
        entry(
            key,
            &[
                ("id", key),
                ("holder", "業者"),
                ("expiry", "2026-05-31"),
                ("state", state),
            ],
        )
    };
    let f = facts(
        "remote-ids",
        vec![id("R-1", "active"), id("R-2", "disabled")],
        Some("2026-04-01"),
    );
    let before = suggest(registers(), &f, d("2026-05-31"));
    assert_eq!(item(&before, 46).suggested, Some(Mark::Implemented));
    let after = suggest(registers(), &f, d("2026-06-01"));
    let s = item(&after, 46);
    assert_eq!(problems(s), [Problem::Expired]);
    assert_eq!(
        s.findings[0].entry.as_deref(),
        Some("R-1"),
        "a disabled ID is not a finding"
    );
}

fn asset(key: &str, extra: &[(&str, &str)]) -> E {
    let mut e = entry(
        key,
        &[
            ("asset-id", key),
            ("device", "制御 PC"),
            ("device-type", "pc"),
            ("importance", "high"),
            ("os", "Windows 10"),
            ("version", "22H2"),
            ("manager", "佐藤"),
            ("department", "生産技術"),
            ("location", "第1工場"),
            ("state", "in-use"),
            ("anti-malware", "installed"),
        ],
    );
    for (k, v) in extra {
        e.values.insert(k.to_string(), v.to_string());
    }
    e
}

#[test]
fn item_53_equipment_in_use_past_end_of_support() {
    let f = facts(
        "assets",
        vec![
            asset("A-1", &[("support-end", "2025-10-14")]),
            asset(
                "A-2",
                &[("support-end", "2025-10-14"), ("state", "retired")],
            ),
            asset("A-3", &[("support-end", "2032-10-14")]),
        ],
        Some("2026-01-01"),
    );
    let before = suggest(registers(), &f, d("2025-10-14"));
    assert_eq!(item(&before, 53).suggested, Some(Mark::Implemented));
    let after = suggest(registers(), &f, d("2025-10-15"));
    let s = item(&after, 53);
    assert_eq!(s.suggested, Some(Mark::Considering));
    assert_eq!(problems(s), [Problem::PastSupport]);
    assert_eq!(s.findings[0].entry.as_deref(), Some("A-1"));
}

#[test]
fn item_54_patches_not_applied_without_a_reason() {
    let f = facts(
        "assets",
        vec![
            asset("A-1", &[("patch-state", "pending")]),
            asset(
                "A-2",
                &[
                    ("patch-state", "pending"),
                    ("patch-exemption-reason", "装置メーカー未検証"),
                ],
            ),
            asset("A-3", &[("patch-state", "applied")]),
        ],
        None,
    );
    let s = suggest(registers(), &f, d("2026-06-01"));
    let s = item(&s, 54);
    assert_eq!(problems(s), [Problem::PatchNotApplied]);
    assert_eq!(s.findings[0].entry.as_deref(), Some("A-1"));
    assert_eq!(s.suggested, Some(Mark::Considering));
}

#[test]
fn item_57_pcs_and_servers_without_anti_malware_and_without_a_reason() {
    let mut plc = asset("P-1", &[("device-type", "plc")]);
    plc.values.remove("anti-malware");
    let f = facts(
        "assets",
        vec![
            asset("A-1", &[("anti-malware", "not-installed")]),
            asset(
                "A-2",
                &[
                    ("device-type", "server"),
                    ("anti-malware", "not-installed"),
                    ("anti-malware-reason", "閉域・ホワイトリスト運用"),
                ],
            ),
            plc,
        ],
        None,
    );
    let s = suggest(registers(), &f, d("2026-06-01"));
    let s = item(&s, 57);
    assert_eq!(problems(s), [Problem::NoAntiMalware]);
    assert_eq!(
        s.findings[0].entry.as_deref(),
        Some("A-1"),
        "a PLC is not in scope"
    );
    assert_eq!(s.basis[0].entries, 3);
}

#[test]
fn items_21_and_25_entries_missing_required_fields() {
    let mut incomplete = asset("A-1", &[]);
    incomplete.values.remove("manager");
    incomplete.values.remove("location");
    let f = facts("assets", vec![incomplete, asset("A-2", &[])], None);
    let s = suggest(registers(), &f, d("2026-06-01"));
    let s = item(&s, 25);
    assert_eq!(problems(s), [Problem::MissingFields]);
    assert_eq!(s.findings[0].detail, "manager,location");
    assert_eq!(s.suggested, Some(Mark::Considering));

    let f = facts(
        "confidential",
        vec![entry("図面", &[("target", "図面")])],
        None,
    );
    let s = suggest(registers(), &f, d("2026-06-01"));
    let s = item(&s, 21);
    assert_eq!(
        s.suggested,
        Some(Mark::NotConsidered),
        "every entry incomplete"
    );
    assert!(
        s.findings[0].detail.contains("retention-until"),
        "{:?}",
        s.findings
    );
}

#[test]
fn item_28_disposals_without_an_erasure_record() {
    let disposal = |key: &str, record: Option<&str>| {
        let mut e = entry(
            key,
            &[
                ("asset-id", key),
                ("target", "PC"),
                ("disposed", "2026-05-01"),
                ("erasure-method", "overwrite"),
            ],
        );
        if let Some(r) = record {
            e.values.insert("erasure-record".into(), r.into());
        }
        e
    };
    let f = facts(
        "disposals",
        vec![disposal("D-1", None), disposal("D-2", Some("証明書 No.12"))],
        None,
    );
    let s = suggest(registers(), &f, d("2026-06-01"));
    let s = item(&s, 28);
    assert_eq!(
        problems(s),
        [Problem::NoErasureRecord],
        "erasure-record is not also a missing field"
    );
    assert_eq!(s.suggested, Some(Mark::Considering));
}

#[test]
fn items_61_and_62_restore_procedure_and_a_restore_test_within_twelve_months() {
    let target = |key: &str, procedure: bool, test: Option<&str>| {
        let mut e = entry(key, &[("target", key), ("frequency", "毎日")]);
        if procedure {
            e.values
                .insert("restore-procedure".into(), "手順書 v2".into());
        }
        if let Some(t) = test {
            e.values.insert("last-restore-test".into(), t.into());
        }
        e
    };
    let f = facts(
        "backups",
        vec![
            target("SCADA", true, Some("2025-09-30")),
            target("MES", false, None),
        ],
        None,
    );
    let on_time = suggest(registers(), &f, d("2026-09-30"));
    assert_eq!(problems(item(&on_time, 61)), [Problem::NoRestoreProcedure]);
    let s62 = item(&on_time, 62);
    assert_eq!(
        s62.findings
            .iter()
            .map(|f| f.entry.as_deref())
            .collect::<Vec<_>>(),
        [Some("MES")]
    );
    assert_eq!(s62.suggested, Some(Mark::Considering));
    let late = suggest(registers(), &f, d("2026-10-01"));
    let s62 = item(&late, 62);
    assert_eq!(s62.findings.len(), 2);
    assert_eq!(s62.suggested, Some(Mark::NotConsidered));
    assert_eq!(item(&late, 60).findings, [], "complete entries");
}

#[test]
fn periodic_activities_silent_until_recorded_then_due_every_interval() {
    let r = registers();
    let yearly = r.activities.iter().find(|a| a.item == 34).unwrap();
    let monthly = r
        .activities
        .iter()
        .find(|a| a.frequency == kojo_catalog::registers::Frequency::Monthly)
        .unwrap();
    let mut f = Facts::default();
    f.occurrences
        .insert(yearly.id.clone(), vec![d("2025-04-10"), d("2024-04-01")]);
    f.occurrences
        .insert(monthly.id.clone(), vec![d("2026-03-31")]);
    let s = suggest(r, &f, d("2026-04-10"));
    assert_eq!(item(&s, 34).suggested, Some(Mark::Implemented));
    assert_eq!(
        item(&s, monthly.item).suggested,
        Some(Mark::Implemented),
        "ten days"
    );
    let s = suggest(r, &f, d("2026-04-11"));
    let s34 = item(&s, 34);
    assert_eq!(problems(s34), [Problem::ActivityOverdue]);
    assert_eq!(s34.findings[0].detail, "2025-04-10");
    assert_eq!(s34.basis[0].entries, 2);
    // A monthly activity: due again one month after.
    let s = suggest(r, &f, d("2026-04-30"));
    assert_eq!(item(&s, monthly.item).suggested, Some(Mark::Implemented));
    let s = suggest(r, &f, d("2026-05-01"));
    assert_eq!(item(&s, monthly.item).suggested, Some(Mark::Considering));
    // Occurrences after the as-of date do not count.
    let s = suggest(r, &f, d("2024-03-31"));
    assert_eq!(item(&s, 34).suggested, None);
}

#[test]
fn overdue_is_from_the_day_after_the_anniversary_even_at_month_ends() {
    assert!(!overdue(d("2025-02-28"), 12, d("2026-02-28")));
    assert!(overdue(d("2025-02-28"), 12, d("2026-03-01")));
    // 2024-02-29 + 12 months = 2025-02-28.
    assert!(!overdue(d("2024-02-29"), 12, d("2025-02-28")));
    assert!(overdue(d("2024-02-29"), 12, d("2025-03-01")));
    assert!(!overdue(d("2026-01-31"), 1, d("2026-02-28")));
    assert!(overdue(d("2026-01-31"), 1, d("2026-03-01")));
}

#[test]
fn every_problem_kind_is_produced_by_some_test_fixture() {
    // The list in this file's tests, kept honest: a new problem kind fails here until tested.
    let tested = [
        Problem::MissingFields,
        Problem::NoReview,
        Problem::ReviewOverdue,
        Problem::Expired,
        Problem::PastSupport,
        Problem::PatchNotApplied,
        Problem::NoAntiMalware,
        Problem::NoErasureRecord,
        Problem::NoRestoreProcedure,
        Problem::NoRestoreTest,
        Problem::ActivityOverdue,
    ];
    assert_eq!(tested, Problem::ALL);
}
