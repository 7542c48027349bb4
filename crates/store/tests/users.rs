//! Users, grants, sessions, login throttling and the access log, on SQLite and PostgreSQL.

mod common;

use kojo_domain::Role;
use kojo_store::*;

suite!(
    users_grants_sessions_and_the_access_log,
    only_one_first_user_can_be_created,
    the_access_log_pages_and_caps_every_field,
    login_failures_are_counted_per_pair_account_and_client,
    the_last_enabled_admin_cannot_be_disabled_or_demoted,
);

async fn users_grants_sessions_and_the_access_log(s: &Store) {
    assert_eq!(s.user_count().await.unwrap(), 0);
    let u = s
        .add_user("山田", Role::Assessor, "$argon2id$x", "ja")
        .await
        .unwrap();
    assert!(matches!(
        s.add_user("山田", Role::Viewer, "h", "en").await,
        Err(StoreError::Duplicate { what: "user", .. })
    ));
    assert_eq!(s.user_by_name("山田").await.unwrap().unwrap().id, u.id);
    let sess = Session {
        token_hash: "abc".into(),
        user_id: u.id.clone(),
        csrf_token: "csrf".into(),
        created_at: now(),
        last_seen: "2020-01-01T00:00:00.000Z".into(),
        client: Some("127.0.0.1".into()),
    };
    s.create_session(&sess).await.unwrap();
    let (got, user, _) = s.session("abc").await.unwrap().unwrap();
    assert_eq!(got, sess);
    assert_eq!(user.name, "山田");
    s.touch_session("abc", "2030-01-01T00:00:00.000Z")
        .await
        .unwrap();
    assert_eq!(
        s.purge_sessions("2029-01-01T00:00:00.000Z").await.unwrap(),
        0
    );
    s.set_password(&u.id, "$argon2id$y").await.unwrap();
    assert!(
        s.session("abc").await.unwrap().is_none(),
        "a password change ends sessions"
    );
    s.create_session(&sess).await.unwrap();
    s.set_disabled(&u.id, true).await.unwrap();
    assert!(
        s.session("abc").await.unwrap().is_none(),
        "disabling ends sessions"
    );
    assert!(s.user(&u.id).await.unwrap().unwrap().disabled);
    s.set_role(&u.id, Role::Viewer).await.unwrap();
    s.set_lang(&u.id, "en").await.unwrap();
    let u2 = s.user(&u.id).await.unwrap().unwrap();
    assert_eq!(
        (u2.role.key(), u2.lang.as_str(), u2.password_hash.as_str()),
        ("viewer", "en", "$argon2id$y")
    );
    s.audit(
        Some("山田"),
        Some("10.0.0.1"),
        "login_failed",
        None,
        Some("bad password"),
    )
    .await
    .unwrap();
    s.audit(
        Some("admin"),
        Some("127.0.0.1"),
        "user_disable",
        Some("山田"),
        None,
    )
    .await
    .unwrap();
    let log = s.audit_log(None, 10).await.unwrap();
    assert_eq!(log.len(), 2);
    assert!(
        log.iter()
            .any(|e| e.action == "login_failed" && e.client.as_deref() == Some("10.0.0.1"))
    );
    assert!(matches!(
        s.set_password("nobody", "h").await,
        Err(StoreError::NotFound { .. })
    ));
}

async fn only_one_first_user_can_be_created(s: &Store) {
    let mut tasks = Vec::new();
    for i in 0..4 {
        let s = s.clone();
        tasks.push(tokio::spawn(async move {
            s.add_first_user(&format!("admin{i}"), Role::Admin, "h", "ja")
                .await
        }));
    }
    let mut created = 0;
    for t in tasks {
        if t.await.unwrap().unwrap().is_some() {
            created += 1;
        }
    }
    assert_eq!(created, 1);
    assert_eq!(s.user_count().await.unwrap(), 1);
    assert!(
        s.add_first_user("late", Role::Admin, "h", "ja")
            .await
            .unwrap()
            .is_none()
    );
}

async fn the_access_log_pages_and_caps_every_field(s: &Store) {
    let long = "n".repeat(200_000);
    s.audit(Some(&long), Some(&long), &long, Some(&long), Some(&long))
        .await
        .unwrap();
    let e = &s.audit_log(None, 1).await.unwrap()[0];
    for field in [
        e.actor.as_deref().unwrap(),
        e.client.as_deref().unwrap(),
        e.action.as_str(),
        e.target.as_deref().unwrap(),
        e.detail.as_deref().unwrap(),
    ] {
        assert_eq!(field.chars().count(), AUDIT_FIELD_MAX);
        assert!(field.ends_with('…'));
    }
    for i in 0..25 {
        s.audit(None, None, &format!("p{i}"), None, None)
            .await
            .unwrap();
    }
    let first = s.audit_log(None, 10).await.unwrap();
    let second = s.audit_log(Some(first[9].seq), 10).await.unwrap();
    let third = s.audit_log(Some(second[9].seq), 10).await.unwrap();
    assert_eq!(first[0].action, "p24");
    assert_eq!(second[0].action, "p14");
    assert_eq!(third.len(), 6, "five entries and the long one");
    assert_eq!(third[4].action, "p0");
}

async fn login_failures_are_counted_per_pair_account_and_client(s: &Store) {
    let empty = s.throttle_state("alice", "10.0.0.1").await.unwrap();
    assert_eq!(empty, ThrottleState::default());
    let window = "2000-01-01T00:00:00.000Z";
    for _ in 0..3 {
        s.throttle_fail("alice", "10.0.0.1", window).await.unwrap();
    }
    s.throttle_fail("alice", "10.0.0.2", window).await.unwrap();
    s.throttle_fail("bob", "10.0.0.1", window).await.unwrap();
    let st = s.throttle_state("alice", "10.0.0.1").await.unwrap();
    assert_eq!(st.pair.failures, 3);
    assert_eq!(st.account.failures, 4);
    assert_eq!(st.client.failures, 4);
    assert!(!st.known);
    assert!(st.pair.last_failure.is_some());
    // A failure after the window restarts the count.
    let later = "2999-01-01T00:00:00.000Z";
    s.throttle_fail("alice", "10.0.0.1", later).await.unwrap();
    let st = s.throttle_state("alice", "10.0.0.1").await.unwrap();
    assert_eq!(
        (st.pair.failures, st.account.failures, st.client.failures),
        (1, 1, 1)
    );
    // Success: the pair is cleared and the address known; the others stay.
    s.throttle_success("alice", "10.0.0.1").await.unwrap();
    let st = s.throttle_state("alice", "10.0.0.1").await.unwrap();
    assert!(st.known);
    assert_eq!(st.pair.failures, 0);
    assert_eq!(st.account.failures, 1);
    // Unlock clears every counter of the account, keeps it known.
    s.throttle_fail("alice", "10.0.0.9", window).await.unwrap();
    assert!(s.throttle_clear_account("alice").await.unwrap() >= 2);
    let st = s.throttle_state("alice", "10.0.0.9").await.unwrap();
    assert_eq!((st.pair.failures, st.account.failures), (0, 0));
    assert!(s.throttle_state("alice", "10.0.0.1").await.unwrap().known);
    // Purging: old unknown counters go, known addresses stay until their own cut-off.
    s.purge_throttle("2999-12-31T00:00:00.000Z", "2000-01-01T00:00:00.000Z")
        .await
        .unwrap();
    assert!(s.throttle_state("alice", "10.0.0.1").await.unwrap().known);
    assert_eq!(
        s.throttle_state("bob", "10.0.0.1").await.unwrap(),
        ThrottleState::default()
    );
}

async fn the_last_enabled_admin_cannot_be_disabled_or_demoted(s: &Store) {
    let a1 = s.add_user("a1", Role::Admin, "h", "ja").await.unwrap();
    assert!(matches!(
        s.set_disabled(&a1.id, true).await,
        Err(StoreError::LastAdmin)
    ));
    assert!(matches!(
        s.set_role(&a1.id, Role::Viewer).await,
        Err(StoreError::LastAdmin)
    ));
    let a2 = s.add_user("a2", Role::Admin, "h", "ja").await.unwrap();
    s.set_disabled(&a1.id, true).await.unwrap();
    // a2 is now the only enabled admin: a disabled admin does not count.
    assert!(matches!(
        s.set_role(&a2.id, Role::Assessor).await,
        Err(StoreError::LastAdmin)
    ));
    assert!(matches!(
        s.set_disabled(&a2.id, true).await,
        Err(StoreError::LastAdmin)
    ));
    s.set_disabled(&a1.id, false).await.unwrap();
    s.set_role(&a2.id, Role::Assessor).await.unwrap();
    assert!(!s.user(&a1.id).await.unwrap().unwrap().disabled);
    // Two concurrent attempts to disable the other of two admins: at most one wins.
    s.set_role(&a2.id, Role::Admin).await.unwrap();
    let (r1, r2) = tokio::join!(s.set_disabled(&a1.id, true), s.set_disabled(&a2.id, true));
    assert!(r1.is_ok() != r2.is_ok(), "exactly one of {r1:?} / {r2:?}");
}
