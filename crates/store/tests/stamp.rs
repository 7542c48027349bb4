//! The content stamp (what the web's page cache keys pages by), on SQLite and PostgreSQL.

mod common;

use common::*;
use kojo_domain::Role;
use kojo_store::*;

suite!(
    content_writes_change_the_stamp_and_per_installation_writes_do_not,
    every_table_but_the_unstamped_ones_has_its_trigger,
);

async fn content_writes_change_the_stamp_and_per_installation_writes_do_not(s: &Store) {
    let first = s.content_stamp().await.unwrap();
    assert_ne!(
        first,
        ContentStamp::new("unset"),
        "opening sets a random stamp"
    );
    let mut last = first;
    let mut changed = async |what: &str, s: &Store, expect: bool| {
        let now = s.content_stamp().await.unwrap();
        assert_eq!(now != last, expect, "{what}: stamp changed?");
        last = now;
    };

    // Content: a transaction of several tables, a single statement, an answer.
    let (_, site, a) = setup(s).await;
    changed("organisation, site and assessment", s, true).await;
    let u = s
        .add_user("山田", Role::Assessor, "$argon2id$x", "ja")
        .await
        .unwrap();
    changed("a user (one statement)", s, true).await;
    answer_item_one(s, &a.id).await;
    changed("an answer", s, true).await;
    s.add_line(&site.id, "L1", "第1ライン").await.unwrap();
    changed("a line", s, true).await;

    // A write that fails changes nothing, the stamp included.
    let stale = try_answer_item_one(s, &a.id).await;
    assert!(matches!(stale, Err(StoreError::Conflict { .. })));
    changed("a refused write", s, false).await;

    // Per-installation: sessions, the access log.
    let sess = Session {
        token_hash: "abc".into(),
        user_id: u.id.clone(),
        csrf_token: "csrf".into(),
        created_at: "2026-12-07T00:00:00.000Z".into(),
        last_seen: "2026-12-07T00:00:00.000Z".into(),
        client: None,
    };
    s.create_session(&sess).await.unwrap();
    assert!(
        s.touch_session("abc", "2026-12-07T00:01:00.000Z")
            .await
            .unwrap()
    );
    s.audit(Some("山田"), None, "login", None, None)
        .await
        .unwrap();
    changed("a session and an access-log record", s, false).await;

    // The session lookup reads the stamp of the moment.
    let (_, _, with_session) = s.session("abc").await.unwrap().unwrap();
    assert_eq!(with_session, s.content_stamp().await.unwrap());
}

async fn every_table_but_the_unstamped_ones_has_its_trigger(s: &Store) {
    assert_eq!(s.unstamped_tables().await.unwrap(), Vec::<String>::new());
    // Opening again (every start does) creates nothing twice and keeps the stamp.
    let before = s.content_stamp().await.unwrap();
    s.migrate().await.unwrap();
    assert_eq!(s.unstamped_tables().await.unwrap(), Vec::<String>::new());
    assert_eq!(s.content_stamp().await.unwrap(), before);
}
