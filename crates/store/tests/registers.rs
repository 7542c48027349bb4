//! Registers (台帳) on SQLite and PostgreSQL: entries in batches, history, retire and restore,
//! stale versions and duplicate keys refused as a whole, paging with search, filter and sort,
//! reviews and activity records.

mod common;

use common::setup;
use kojo_store::*;
use std::collections::BTreeMap;

suite!(
    entries_keep_their_history_through_edit_retire_and_restore,
    a_batch_with_one_bad_change_writes_nothing,
    pages_filter_search_and_sort_on_field_values,
    a_large_batch_is_one_transaction_in_order,
    reviews_and_activity_records_are_kept_per_plant,
    staged_uploads_are_capped_per_user_newest_kept,
    every_change_of_what_the_rules_read_renews_the_plants_stamp,
    the_rules_result_is_stored_per_plant_under_its_stamp,
    the_rules_facts_follow_the_entries_in_effect_and_are_derived_again,
);

fn data(pairs: &[(&str, &str)]) -> EntryData {
    EntryData(
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect::<BTreeMap<_, _>>(),
    )
}

fn rule(key: &str, expiry: &str) -> NewEntry {
    NewEntry::new(
        None,
        key.into(),
        &data(&[("rule-id", key), ("ports", "502"), ("expiry", expiry)]),
        format!("<{key} {expiry}>"),
    )
}

fn inserts(entries: Vec<NewEntry>) -> RegisterChanges {
    RegisterChanges {
        inserts: entries,
        ..Default::default()
    }
}

async fn entries_keep_their_history_through_edit_retire_and_restore(s: &Store) {
    let (_, site, _) = setup(s).await;
    let counts = s
        .apply_register_changes(
            &site.id,
            "firewall-rules",
            &inserts(vec![rule("FW-1", "2026-03-31")]),
            "山田",
        )
        .await
        .unwrap();
    assert_eq!(counts.inserted, 1);
    let all = s
        .register_entries(&site.id, Some("firewall-rules"), false)
        .await
        .unwrap();
    let e = &all[0];
    assert_eq!(
        (e.version, e.retired, e.entry_key.as_str()),
        (1, false, "FW-1")
    );
    assert_eq!(e.data.get("expiry"), Some("2026-03-31"));

    let edit = RegisterChanges {
        updates: vec![EntryUpdate {
            id: e.id.clone(),
            version: 1,
            key: "FW-1".into(),
            data: data(&[
                ("rule-id", "FW-1"),
                ("ports", "502"),
                ("expiry", "2027-03-31"),
            ]),
            facts: "<FW-1 2027-03-31>".into(),
        }],
        ..Default::default()
    };
    s.apply_register_changes(&site.id, "firewall-rules", &edit, "鈴木")
        .await
        .unwrap();
    assert_eq!(
        s.register_facts(&site.id).await.unwrap(),
        [(
            "firewall-rules".to_string(),
            "<FW-1 2027-03-31>".to_string()
        )],
        "the facts are written with the values"
    );
    // The same edit again holds a stale version: refused.
    let err = s
        .apply_register_changes(&site.id, "firewall-rules", &edit, "鈴木")
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            StoreError::NotFound {
                what: "register entry",
                ..
            }
        ),
        "{err}"
    );

    let retire = RegisterChanges {
        retires: vec![(e.id.clone(), 2)],
        ..Default::default()
    };
    assert_eq!(
        s.apply_register_changes(&site.id, "firewall-rules", &retire, "鈴木")
            .await
            .unwrap()
            .retired,
        1
    );
    assert!(
        s.register_entries(&site.id, Some("firewall-rules"), false)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(s.register_facts(&site.id).await.unwrap(), []);
    let kept = s
        .register_entries(&site.id, Some("firewall-rules"), true)
        .await
        .unwrap();
    assert_eq!((kept.len(), kept[0].retired, kept[0].version), (1, true, 3));
    // A new entry may take the retired one's key.
    s.apply_register_changes(
        &site.id,
        "firewall-rules",
        &inserts(vec![rule("FW-1", "2028-03-31")]),
        "山田",
    )
    .await
    .unwrap();
    // Restoring the old one now clashes with the key in effect.
    let restore = RegisterChanges {
        restores: vec![(e.id.clone(), 3)],
        ..Default::default()
    };
    let err = s
        .apply_register_changes(&site.id, "firewall-rules", &restore, "鈴木")
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Duplicate { .. }), "{err}");

    let h = s.register_history(&e.id).await.unwrap();
    let changes: Vec<(&str, i64, &str)> = h
        .iter()
        .map(|c| (c.change.as_str(), c.version, c.changed_by.as_str()))
        .collect();
    assert_eq!(
        changes,
        [
            ("add", 1, "山田"),
            ("edit", 2, "鈴木"),
            ("retire", 3, "鈴木")
        ]
    );
    assert!(h[1].old_data.as_deref().unwrap().contains("2026-03-31"));
    assert!(h[1].new_data.as_deref().unwrap().contains("2027-03-31"));
}

async fn a_batch_with_one_bad_change_writes_nothing(s: &Store) {
    let (org, site, _) = setup(s).await;
    let other = s.add_site(&org.id, "P2", "第二工場").await.unwrap();
    s.apply_register_changes(
        &other.id,
        "firewall-rules",
        &inserts(vec![rule("X-1", "2030-01-01")]),
        "a",
    )
    .await
    .unwrap();
    let foreign = s
        .register_entries(&other.id, None, false)
        .await
        .unwrap()
        .remove(0);
    // Two new entries with one key: the unique index refuses, nothing is written.
    let err = s
        .apply_register_changes(
            &site.id,
            "firewall-rules",
            &inserts(vec![
                rule("FW-1", "2030-01-01"),
                rule("FW-2", "2030-01-01"),
                rule("FW-1", "2031-01-01"),
            ]),
            "a",
        )
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Duplicate { .. }), "{err}");
    // An update of another plant's entry: refused, and the inserts beside it are not written.
    let err = s
        .apply_register_changes(
            &site.id,
            "firewall-rules",
            &RegisterChanges {
                inserts: vec![rule("FW-3", "2030-01-01")],
                updates: vec![EntryUpdate {
                    id: foreign.id.clone(),
                    version: 1,
                    key: "X-1".into(),
                    data: data(&[("rule-id", "X-1")]),
                    facts: String::new(),
                }],
                ..Default::default()
            },
            "a",
        )
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::NotFound { .. }), "{err}");
    assert!(
        s.register_entries(&site.id, None, true)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        s.register_entries(&other.id, None, true).await.unwrap()[0].version,
        1
    );
}

async fn pages_filter_search_and_sort_on_field_values(s: &Store) {
    let (_, site, _) = setup(s).await;
    let entries: Vec<NewEntry> = (0..30)
        .map(|i| {
            NewEntry::new(
                None,
                format!("A-{i:02}"),
                &data(&[
                    ("asset-id", &format!("A-{i:02}")),
                    ("device", if i % 3 == 0 { "制御PC 100%" } else { "PLC" }),
                    ("state", if i % 2 == 0 { "in-use" } else { "retired" }),
                    ("support-end", &format!("20{:02}-01-01", 40 - i)),
                ]),
                String::new(),
            )
        })
        .collect();
    s.apply_register_changes(&site.id, "assets", &inserts(entries), "a")
        .await
        .unwrap();
    let site_id = site.id.as_str();
    let page = |q: EntryQuery| async move { s.register_page(site_id, "assets", &q).await.unwrap() };
    let (rows, total) = page(EntryQuery {
        limit: 10,
        ..Default::default()
    })
    .await;
    assert_eq!(total, 30);
    let keys: Vec<&str> = rows.iter().map(|r| r.entry_key.as_str()).collect();
    assert_eq!(keys[..3], ["A-00", "A-01", "A-02"]);
    let (rows, _) = page(EntryQuery {
        limit: 10,
        offset: 25,
        ..Default::default()
    })
    .await;
    assert_eq!(rows.len(), 5);
    // Search matches values, and `%` is a character, not a wildcard.
    let (rows, total) = page(EntryQuery {
        search: Some("pc 100%".into()),
        limit: 50,
        ..Default::default()
    })
    .await;
    assert_eq!(total, 10);
    assert!(
        rows.iter()
            .all(|r| r.data.get("device") == Some("制御PC 100%"))
    );
    let (_, total) = page(EntryQuery {
        search: Some("_".into()),
        limit: 50,
        ..Default::default()
    })
    .await;
    assert_eq!(total, 0);
    // Exact field filter and a sort on a field's value.
    let (rows, total) = page(EntryQuery {
        equals: vec![("state".into(), "in-use".into())],
        sort: Some("support-end".into()),
        limit: 3,
        ..Default::default()
    })
    .await;
    assert_eq!(total, 15);
    let ends: Vec<&str> = rows
        .iter()
        .map(|r| r.data.get("support-end").unwrap())
        .collect();
    assert_eq!(ends, ["2012-01-01", "2014-01-01", "2016-01-01"]);
    let (rows, _) = page(EntryQuery {
        sort: Some("support-end".into()),
        desc: true,
        limit: 1,
        ..Default::default()
    })
    .await;
    assert_eq!(rows[0].entry_key, "A-00");
}

async fn a_large_batch_is_one_transaction_in_order(s: &Store) {
    let (_, site, _) = setup(s).await;
    let n = 1234;
    let entries: Vec<NewEntry> = (0..n)
        .map(|i| rule(&format!("FW-{i:05}"), "2030-01-01"))
        .collect();
    let c = s
        .apply_register_changes(&site.id, "firewall-rules", &inserts(entries), "a")
        .await
        .unwrap();
    assert_eq!(c.inserted, n);
    let all = s
        .register_entries(&site.id, Some("firewall-rules"), false)
        .await
        .unwrap();
    assert_eq!(all.len(), n);
    assert!(
        all.windows(2)
            .all(|w| w[0].seq < w[1].seq && w[0].entry_key < w[1].entry_key)
    );
    assert_eq!(s.register_history(&all[n - 1].id).await.unwrap().len(), 1);
}

async fn reviews_and_activity_records_are_kept_per_plant(s: &Store) {
    let (org, site, _) = setup(s).await;
    let other = s.add_site(&org.id, "P2", "第二工場").await.unwrap();
    for (day, who) in [("2025-06-01", "山田"), ("2026-06-01", "鈴木")] {
        s.add_register_review(
            &site.id,
            "firewall-rules",
            day,
            who,
            Some("棚卸"),
            12,
            &"a".repeat(64),
            "admin",
        )
        .await
        .unwrap();
    }
    s.add_register_review(
        &other.id,
        "firewall-rules",
        "2026-07-01",
        "x",
        None,
        0,
        &"b".repeat(64),
        "admin",
    )
    .await
    .unwrap();
    let r = s
        .register_reviews(&site.id, Some("firewall-rules"))
        .await
        .unwrap();
    assert_eq!(
        r.iter().map(|r| r.reviewed_on.as_str()).collect::<Vec<_>>(),
        ["2026-06-01", "2025-06-01"]
    );
    assert_eq!(r[0].reviewer, "鈴木");
    assert!(
        s.register_reviews(&site.id, Some("assets"))
            .await
            .unwrap()
            .is_empty()
    );

    let rec = |id: &str, day: &str| ActivityRecord {
        id: id.into(),
        site_id: site.id.clone(),
        activity: "network-diagram-review".into(),
        item_no: 34,
        done_on: day.into(),
        what: Some("ネットワーク図の見直し".into()),
        participants: Some("5".into()),
        note: None,
        evidence: Some("NW図 v3".into()),
        recorded_at: "2026-01-01T00:00:00.000Z".into(),
        recorded_by: "admin".into(),
    };
    s.add_activity_record(&rec("r2", "2026-05-10"))
        .await
        .unwrap();
    s.add_activity_record(&rec("r1", "2025-05-10"))
        .await
        .unwrap();
    let all = s.activity_records(&site.id, None, None).await.unwrap();
    assert_eq!(
        all.iter().map(|r| r.id.as_str()).collect::<Vec<_>>(),
        ["r1", "r2"]
    );
    let fy2026 = s
        .activity_records(&site.id, Some("2026-04-01"), Some("2027-03-31"))
        .await
        .unwrap();
    assert_eq!(fy2026.len(), 1);
    assert!(
        s.activity_records(&other.id, None, None)
            .await
            .unwrap()
            .is_empty()
    );
    let mut bad = rec("r3", "2026-05-10");
    bad.site_id = "no-such-site".into();
    assert!(matches!(
        s.add_activity_record(&bad).await.unwrap_err(),
        StoreError::NotFound { .. }
    ));
}

async fn staged_uploads_are_capped_per_user_newest_kept(s: &Store) {
    let (_, site, _) = setup(s).await;
    // All within one millisecond: the order key, not the clock, decides which are newest.
    let at = "2026-12-06T10:00:00.000Z";
    let upload = |n: usize, who: &str| RegisterUpload {
        id: format!("{who}-{n:02}"),
        site_id: site.id.clone(),
        kind: "assets".into(),
        username: who.into(),
        file_name: format!("{n}.csv"),
        content: vec![b'x'; 16],
        created_at: at.into(),
    };
    let cap = MAX_UPLOADS_PER_USER as usize;
    for n in 0..cap + 3 {
        s.put_register_upload(&upload(n, "yamada"), "2026-12-06T09:00:00.000Z")
            .await
            .unwrap();
    }
    s.put_register_upload(&upload(0, "suzuki"), "2026-12-06T09:00:00.000Z")
        .await
        .unwrap();
    let mut kept = Vec::new();
    for n in 0..cap + 3 {
        if s.register_upload(&format!("yamada-{n:02}"))
            .await
            .unwrap()
            .is_some()
        {
            kept.push(n);
        }
    }
    assert_eq!(
        kept,
        (3..cap + 3).collect::<Vec<_>>(),
        "the newest {cap} are kept"
    );
    // Another user's upload is neither counted nor removed.
    assert!(s.register_upload("suzuki-00").await.unwrap().is_some());
    // Uploads older than the purge time go, whoever made them.
    s.put_register_upload(&upload(99, "kato"), "2026-12-06T11:00:00.000Z")
        .await
        .unwrap();
    assert!(s.register_upload("suzuki-00").await.unwrap().is_none());
    assert!(s.register_upload("yamada-10").await.unwrap().is_none());
    assert!(s.register_upload("kato-99").await.unwrap().is_some());
}

async fn every_change_of_what_the_rules_read_renews_the_plants_stamp(s: &Store) {
    let (org, site, _) = setup(s).await;
    let other = s.add_site(&org.id, "P2", "第二工場").await.unwrap();
    assert_eq!(s.register_stamp(&site.id).await.unwrap(), None);
    let mut seen = std::collections::HashSet::new();
    let changes = RegisterChanges {
        inserts: vec![rule("FW-1", "2027-03-31")],
        ..Default::default()
    };
    s.apply_register_changes(&site.id, "firewall-rules", &changes, "admin")
        .await
        .unwrap();
    let first = renewed(s, &site.id, &mut seen).await;
    s.add_register_review(
        &site.id,
        "firewall-rules",
        "2026-06-01",
        "山田",
        None,
        1,
        &"a".repeat(64),
        "admin",
    )
    .await
    .unwrap();
    renewed(s, &site.id, &mut seen).await;
    s.add_activity_record(&ActivityRecord {
        id: "r1".into(),
        site_id: site.id.clone(),
        activity: "training".into(),
        item_no: 10,
        done_on: "2026-06-02".into(),
        what: None,
        participants: None,
        note: None,
        evidence: None,
        recorded_at: "2026-06-02T00:00:00.000Z".into(),
        recorded_by: "admin".into(),
    })
    .await
    .unwrap();
    renewed(s, &site.id, &mut seen).await;
    // A batch that changes nothing keeps the stamp; other plants have none.
    let before = s.register_stamp(&site.id).await.unwrap();
    assert_ne!(before.as_deref(), Some(first.as_str()));
    s.apply_register_changes(
        &site.id,
        "firewall-rules",
        &RegisterChanges::default(),
        "admin",
    )
    .await
    .unwrap();
    assert_eq!(s.register_stamp(&site.id).await.unwrap(), before);
    assert_eq!(s.register_stamp(&other.id).await.unwrap(), None);
    let all = s.register_stamps().await.unwrap();
    assert_eq!(all.len(), 1);
    assert!(all.contains_key(&site.id));
}

/// The plant's stamp, which must differ from every one seen before.
async fn renewed(s: &Store, site_id: &str, seen: &mut std::collections::HashSet<String>) -> String {
    let st = s.register_stamp(site_id).await.unwrap().expect("stamped");
    assert!(seen.insert(st.clone()), "a change must give a new stamp");
    st
}

async fn the_rules_result_is_stored_per_plant_under_its_stamp(s: &Store) {
    let (org, site, _) = setup(s).await;
    let other = s.add_site(&org.id, "P2", "第二工場").await.unwrap();
    let get = |site_id: &str, stamp: &str, day: &str| {
        let (site_id, stamp, day) = (site_id.to_string(), stamp.to_string(), day.to_string());
        async move {
            s.register_suggestions(&site_id, &stamp, &day)
                .await
                .unwrap()
        }
    };
    assert_eq!(get(&site.id, "st-1", "2026-12-06").await, None);
    s.put_register_suggestions(&site.id, "st-1", "2026-12-06", "[1]")
        .await
        .unwrap();
    assert_eq!(
        get(&site.id, "st-1", "2026-12-06").await.as_deref(),
        Some("[1]")
    );
    s.put_register_suggestions(&site.id, "st-2", "2026-12-07", "[2]")
        .await
        .unwrap();
    // One result per plant: the newer replaced the older; another stamp or day reads nothing.
    assert_eq!(
        get(&site.id, "st-2", "2026-12-07").await.as_deref(),
        Some("[2]")
    );
    assert_eq!(get(&site.id, "st-1", "2026-12-06").await, None);
    assert_eq!(get(&site.id, "st-2", "2026-12-08").await, None);
    assert_eq!(get(&site.id, "st-3", "2026-12-07").await, None);
    assert_eq!(get(&other.id, "st-2", "2026-12-07").await, None);
}

/// The facts of a plant's entries in effect, per kind, split into one string each, sorted (the
/// store concatenates them in no particular order).
async fn facts_of(s: &Store, site_id: &str) -> Vec<(String, Vec<String>)> {
    s.register_facts(site_id)
        .await
        .unwrap()
        .into_iter()
        .map(|(kind, joined)| {
            let mut each: Vec<String> = joined.split_inclusive('>').map(str::to_string).collect();
            each.sort();
            (kind, each)
        })
        .collect()
}

async fn the_rules_facts_follow_the_entries_in_effect_and_are_derived_again(s: &Store) {
    let (org, site, _) = setup(s).await;
    let other = s.add_site(&org.id, "P2", "第二工場").await.unwrap();
    let rules: Vec<NewEntry> = (0..1200)
        .map(|i| rule(&format!("FW-{i:04}"), "2030-01-01"))
        .collect();
    s.apply_register_changes(&site.id, "firewall-rules", &inserts(rules), "a")
        .await
        .unwrap();
    s.apply_register_changes(
        &other.id,
        "firewall-rules",
        &inserts(vec![rule("X", "2031-01-01")]),
        "a",
    )
    .await
    .unwrap();
    let in_effect = |n: usize| {
        let each = (0..n).map(|i| format!("<FW-{i:04} 2030-01-01>")).collect();
        vec![("firewall-rules".to_string(), each)]
    };
    assert_eq!(facts_of(s, &site.id).await, in_effect(1200));

    // Retired: gone from the facts; restored: back.
    let last = s
        .register_entries(&site.id, Some("firewall-rules"), false)
        .await
        .unwrap()
        .pop()
        .unwrap();
    // Retire (true) or restore (false) the last entry, holding `version`.
    let flip = |retire: bool, version: i64| {
        let one = vec![(last.id.clone(), version)];
        let changes = if retire {
            RegisterChanges {
                retires: one,
                ..Default::default()
            }
        } else {
            RegisterChanges {
                restores: one,
                ..Default::default()
            }
        };
        let site_id = site.id.clone();
        async move {
            s.apply_register_changes(&site_id, "firewall-rules", &changes, "a")
                .await
                .unwrap();
        }
    };
    flip(true, 1).await;
    assert_eq!(facts_of(s, &site.id).await, in_effect(1199));
    flip(false, 2).await;
    assert_eq!(facts_of(s, &site.id).await, in_effect(1200));

    // A new layout: every entry of every plant, in pages, derived from its values; retired
    // entries keep theirs for a restore but are not read.
    flip(true, 3).await;
    assert_eq!(s.register_facts_layout().await.unwrap(), None);
    let n = s
        .rederive_register_facts("L2", |kind, data| {
            format!("<{kind} {}>", data.get("rule-id").unwrap_or(""))
        })
        .await
        .unwrap();
    assert_eq!(n, 1201);
    assert_eq!(
        s.register_facts_layout().await.unwrap().as_deref(),
        Some("L2")
    );
    let facts = facts_of(s, &site.id).await;
    assert_eq!(facts[0].1.len(), 1199);
    assert_eq!(facts[0].1[0], "<firewall-rules FW-0000>");
    assert_eq!(
        facts_of(s, &other.id).await,
        [(
            "firewall-rules".to_string(),
            vec!["<firewall-rules X>".to_string()]
        )]
    );
    flip(false, 4).await;
    let facts = facts_of(s, &site.id).await;
    assert!(facts[0].1.contains(&"<firewall-rules FW-1199>".to_string()));
}

/// Migration 17 gathers the facts that a database at version 16 already holds into one set per
/// plant and kind (App::open derives nothing when the layout is unchanged, so this is the only
/// way they get there).
async fn migration_17_gathers_the_existing_facts(url: &str) {
    let v16 = sqlx::migrate::Migrator::with_migrations(
        kojo_store::MIGRATOR
            .iter()
            .filter(|m| m.version <= 16)
            .cloned()
            .collect(),
    );
    let rows = [
        "INSERT INTO organisations (id, code, name, created_at) VALUES ('o1', 'DEFAULT', '社', '2026-12-01T00:00:00.000Z')",
        "INSERT INTO sites (id, org_id, code, name, created_at) VALUES ('s1', 'o1', 'P1', '第一工場', '2026-12-01T00:00:00.000Z')",
        "INSERT INTO sites (id, org_id, code, name, created_at) VALUES ('s2', 'o1', 'P2', '第二工場', '2026-12-01T00:00:00.000Z')",
        "INSERT INTO register_facts (seq, site_id, kind, facts) VALUES (1, 's1', 'assets', '<A1>')",
        "INSERT INTO register_facts (seq, site_id, kind, facts) VALUES (2, 's1', 'assets', '<A2>')",
        "INSERT INTO register_facts (seq, site_id, kind, facts) VALUES (3, 's1', 'firewall-rules', '<F1>')",
        "INSERT INTO register_facts (seq, site_id, kind, facts) VALUES (4, 's2', 'assets', '<B1>')",
    ];
    // Migrates a pool of either engine to version 16 and writes the rows.
    macro_rules! at_v16 {
        ($pool:expr) => {{
            let pool = $pool;
            v16.run(&pool).await.unwrap();
            for s in rows {
                sqlx::query(sqlx::AssertSqlSafe(s))
                    .execute(&pool)
                    .await
                    .unwrap();
            }
            pool.close().await;
        }};
    }
    if url.starts_with("sqlite:") {
        at_v16!(
            sqlx::SqlitePool::connect(&format!("{url}?mode=rwc"))
                .await
                .unwrap()
        );
    } else {
        at_v16!(sqlx::PgPool::connect(url).await.unwrap());
    }
    let s = Store::open(url).await.unwrap();
    let sorted = |v: Vec<(String, String)>| -> Vec<(String, String)> {
        v.into_iter()
            .map(|(kind, joined)| {
                let mut each: Vec<&str> = joined.split_inclusive('>').collect();
                each.sort();
                (kind, each.concat())
            })
            .collect()
    };
    assert_eq!(
        sorted(s.register_facts("s1").await.unwrap()),
        [
            ("assets".to_string(), "<A1><A2>".to_string()),
            ("firewall-rules".to_string(), "<F1>".to_string())
        ]
    );
    assert_eq!(
        s.register_facts("s2").await.unwrap(),
        [("assets".to_string(), "<B1>".to_string())]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn migration_17_gathers_the_existing_facts_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    migration_17_gathers_the_existing_facts(&common::sqlite_url(&dir, "v16.sqlite3")).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn migration_17_gathers_the_existing_facts_on_postgres() {
    migration_17_gathers_the_existing_facts(&common::postgres_url().await).await;
}
