//! The registers beside the answers, through the use cases, on SQLite and PostgreSQL: a ○ the
//! firewall ledger contradicts reaches the review queue and leaves it once the ledger agrees
//! (every change is seen at once: the suggestions are kept per plant under a stamp the store
//! renews with each change), and a sign-off seals what the registers said into its hash.

#[macro_use]
mod common;
use common::*;
use kojo_app::QueueQuery;
use kojo_domain::{Decision, Mark, ReviewNeed};

suite!(
    a_contradicted_answer_is_queued_until_the_registers_agree,
    sign_off_seals_what_the_registers_said,
    facts_of_another_layout_are_derived_again,
);

fn rule(key: &str, expiry: &str) -> Vec<(String, String)> {
    [
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
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect()
}

fn today() -> chrono::NaiveDate {
    kojo_app::today()
}

fn day(offset: i64) -> String {
    (today() + chrono::Duration::days(offset))
        .format("%Y-%m-%d")
        .to_string()
}

async fn a_contradicted_answer_is_queued_until_the_registers_agree(db: &Db) {
    let app = &db.app;
    let a = admin();
    site(app, "P1", "第一工場").await;
    let ed = app.editor(&a).unwrap();
    let x = ed.new_assessment("P1", None, fy(2027), None).await.unwrap();
    ed.answer(&x.id, item(app, 45), Some(&raw("○", |_| {})), None)
        .await
        .unwrap();
    let queue = || async {
        app.reader(&a)
            .review_queue(&QueueQuery::default())
            .await
            .unwrap()
    };
    // No register data: the rules are silent and the ○ is nobody's business.
    assert!(queue().await.is_empty());
    let suggested = |xs: &[kojo_app::registers::ItemSuggestion]| {
        xs.iter().find(|s| s.item == 45).and_then(|s| s.suggested)
    };
    let s = app.reader(&a).suggestions(&x.id, today()).await.unwrap();
    assert_eq!(suggested(&s), None);

    // One expired rule and one valid, never reviewed: × suggested, the ○ is contradicted.
    let expired = ed
        .add_entry("P1", "firewall-rules", None, &rule("FW-1", &day(-1)))
        .await
        .unwrap();
    ed.add_entry("P1", "firewall-rules", None, &rule("FW-2", &day(30)))
        .await
        .unwrap();
    let q = queue().await;
    assert_eq!(q.len(), 1, "{q:?}");
    assert_eq!((q[0].row.item, q[0].row.mark), (45, Mark::Implemented));
    assert_eq!(q[0].needs, vec![ReviewNeed::RegisterMismatch]);
    assert_eq!(q[0].suggested, Some(Mark::NotConsidered));
    let json = serde_json::to_value(&q[0]).unwrap();
    assert_eq!(json["needs"][0], "register_mismatch");
    assert_eq!(json["suggested"], "not_considered");
    assert!(
        json.get("site_id").is_none(),
        "internal ids stay out: {json}"
    );
    // The same in the assessment's own queue (its cycle panel).
    let own = app
        .reader(&a)
        .review_queue(&QueueQuery {
            assessment: Some(x.id.clone()),
            ..QueueQuery::default()
        })
        .await
        .unwrap();
    assert_eq!(own.len(), 1);

    // A review (棚卸) today: one of two rules expired, △.
    ed.review_register("P1", "firewall-rules", "山田", None, today())
        .await
        .unwrap();
    let q = queue().await;
    assert_eq!(q[0].suggested, Some(Mark::Considering), "{q:?}");

    // Fixing the expired rule: the registers agree with ○ and the item leaves the queue.
    ed.edit_entry(
        "P1",
        &expired.id,
        expired.version,
        &[("expiry".to_string(), day(365))],
    )
    .await
    .unwrap();
    assert!(queue().await.is_empty(), "{:?}", queue().await);
    let s = app.reader(&a).suggestions(&x.id, today()).await.unwrap();
    assert_eq!(suggested(&s), Some(Mark::Implemented));

    // A □ △ × answer the registers contradict carries the need beside its review gaps.
    ed.answer(&x.id, item(app, 45), Some(&considering()), None)
        .await
        .unwrap();
    ed.edit_entry(
        "P1",
        &expired.id,
        expired.version + 1,
        &[("expiry".to_string(), day(-2))],
    )
    .await
    .unwrap();
    let q = queue().await;
    assert_eq!(q.len(), 1);
    assert_eq!(q[0].row.mark, Mark::Considering);
    // △ answered, △ suggested: no mismatch, only the review.
    assert!(!q[0].needs.contains(&ReviewNeed::RegisterMismatch), "{q:?}");
    ed.answer(&x.id, item(app, 45), Some(&deferred()), None)
        .await
        .unwrap();
    let q = queue().await;
    assert!(q[0].needs.contains(&ReviewNeed::RegisterMismatch), "{q:?}");
    assert_eq!(q[0].suggested, Some(Mark::Considering));

    // A second App on the same database (another `kojo serve`) sees changes made by the first.
    let other = kojo_app::App::open(&db.url).await.unwrap();
    let before = other
        .reader(&a)
        .review_queue(&QueueQuery::default())
        .await
        .unwrap();
    assert_eq!(before[0].suggested, Some(Mark::Considering));
    ed.retire_entry("P1", &expired.id, expired.version + 2)
        .await
        .unwrap();
    let after = other
        .reader(&a)
        .review_queue(&QueueQuery::default())
        .await
        .unwrap();
    assert!(
        after
            .iter()
            .all(|i| !i.needs.contains(&ReviewNeed::RegisterMismatch)),
        "{after:?}"
    );
}

async fn sign_off_seals_what_the_registers_said(db: &Db) {
    let app = &db.app;
    let a = admin();
    site(app, "P1", "第一工場").await;
    site(app, "P2", "第二工場").await;
    let author = user(app, "author", Role::Assessor).await;
    let reviewer = user(app, "reviewer", Role::Reviewer).await;
    let approver = user(app, "approver", Role::Approver).await;
    for name in ["author", "reviewer", "approver"] {
        app.admin(&a).unwrap().grant(name, "P2").await.unwrap();
    }
    let ed = app.editor(&a).unwrap();
    ed.add_entry("P1", "firewall-rules", None, &rule("FW-1", &day(-1)))
        .await
        .unwrap();
    let mut ids = Vec::new();
    for site in ["P1", "P2"] {
        let x = app
            .editor(&author)
            .unwrap()
            .new_assessment(site, None, fy(2027), None)
            .await
            .unwrap();
        app.editor(&author)
            .unwrap()
            .answer(&x.id, item(app, 45), Some(&raw("○", |_| {})), None)
            .await
            .unwrap();
        for (who, d) in [
            (&author, Decision::Submit),
            (&reviewer, Decision::Confirm),
            (&approver, Decision::Approve),
        ] {
            app.signer(who)
                .unwrap()
                .decide(&x.id, d, None)
                .await
                .unwrap();
        }
        ids.push(x.id);
    }
    let reader = app.reader(&a);
    // P1 keeps a ledger: every step sealed the snapshot; P2 keeps none: nothing sealed.
    let steps = reader.signoffs(&ids[0]).await.unwrap();
    let sealed = steps[2].registers.as_deref().expect("sealed");
    let snap = kojo_domain::register::Snapshot::from_json(sealed).unwrap();
    assert_eq!(snap.as_of, today());
    let i45 = snap.items.iter().find(|i| i.item == 45).unwrap();
    assert_eq!(i45.suggested, Some(Mark::NotConsidered));
    assert_eq!(i45.findings.get("expired"), Some(&1));
    assert_eq!(i45.basis[0].entries, 1);
    assert!(i45.mismatch(Some(Mark::Implemented)));
    assert!(
        reader
            .signoffs(&ids[1])
            .await
            .unwrap()
            .iter()
            .all(|s| s.registers.is_none())
    );
    assert!(reader.verify(&ids[0]).await.unwrap().ok());
    assert!(reader.verify(&ids[1]).await.unwrap().ok());

    // The ledgers live on after approval: the approved content still verifies.
    ed.add_entry("P1", "firewall-rules", None, &rule("FW-2", &day(10)))
        .await
        .unwrap();
    assert!(reader.verify(&ids[0]).await.unwrap().ok());
    // The report of the approved revision prints what was sealed, not today's ledger.
    let view = reader.assessment(&ids[0]).await.unwrap();
    let cycle = reader.cycle_report(&view).await.unwrap();
    let r = cycle.registers.expect("appendix");
    assert!(r.sealed_by.is_some());
    assert_eq!(r.snapshot, snap);
    assert!(
        reader
            .cycle_report(&reader.assessment(&ids[1]).await.unwrap())
            .await
            .unwrap()
            .registers
            .is_none()
    );

    // Someone with database access rewrites what the registers said: verify names it.
    let forged = sealed.replace("not_considered", "implemented");
    assert_ne!(forged, sealed);
    raw_sql(
        &db.url,
        &format!(
            "UPDATE signoffs SET registers = '{}' WHERE assessment_id = '{}'",
            forged, ids[0]
        ),
    )
    .await;
    let v = reader.verify(&ids[0]).await.unwrap();
    assert!(!v.ok(), "a forged register record must not verify");
    assert_ne!(v.recorded, v.current);
    assert!(v.changed_items.is_empty(), "the answers did not change");
}

/// A database whose entries' facts were written under another layout (an older kojo, or
/// entries from before migration 16): the rules' facts are derived again from the values on the
/// first computation, and the suggestions are those of the entries, not of the stale facts.
async fn facts_of_another_layout_are_derived_again(db: &Db) {
    let app = &db.app;
    let a = admin();
    site(app, "P1", "第一工場").await;
    let ed = app.editor(&a).unwrap();
    let x = ed.new_assessment("P1", None, fy(2027), None).await.unwrap();
    ed.add_entry("P1", "firewall-rules", None, &rule("FW-1", &day(-1)))
        .await
        .unwrap();
    ed.add_entry("P1", "firewall-rules", None, &rule("FW-2", &day(30)))
        .await
        .unwrap();
    ed.review_register("P1", "firewall-rules", "山田", None, today())
        .await
        .unwrap();
    let expired = |s: &[kojo_app::registers::ItemSuggestion]| {
        let s = s.iter().find(|s| s.item == 45).unwrap();
        (
            s.suggested,
            s.findings
                .iter()
                .map(|f| f.entry.clone())
                .collect::<Vec<_>>(),
        )
    };
    let fresh = app.reader(&a).suggestions(&x.id, today()).await.unwrap();
    assert_eq!(
        expired(&fresh),
        (Some(Mark::Considering), vec![Some("FW-1".to_string())])
    );
    for (n, facts) in ["''", "'3:bad'"].into_iter().enumerate() {
        raw_sql(
            &db.url,
            &format!("UPDATE register_entries SET facts = {facts}"),
        )
        .await;
        raw_sql(
            &db.url,
            "UPDATE settings SET value = 'an older layout' WHERE key = 'register_facts_layout'",
        )
        .await;
        // A new stamp, as after a restore: nothing computed before is reused.
        raw_sql(
            &db.url,
            &format!("UPDATE register_stamps SET stamp = 'restored-{n}'"),
        )
        .await;
        let upgraded = kojo_app::App::open(&db.url).await.unwrap();
        let s = upgraded
            .reader(&a)
            .suggestions(&x.id, today())
            .await
            .unwrap();
        assert_eq!(expired(&s), expired(&fresh), "facts {facts}");
    }
}
