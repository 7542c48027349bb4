//! API tokens on SQLite and PostgreSQL: stored by hash, listed in creation order, revoked once,
//! last use recorded, gone with their user's lookup when unknown.

mod common;

use kojo_domain::Role;
use kojo_store::*;

suite!(api_tokens_are_stored_by_hash_listed_in_order_and_revoked,);

async fn api_tokens_are_stored_by_hash_listed_in_order_and_revoked(s: &Store) {
    let u = s
        .add_user("山田", Role::Assessor, "$argon2id$x", "ja")
        .await
        .unwrap();
    let v = s
        .add_user("鈴木", Role::Viewer, "$argon2id$x", "ja")
        .await
        .unwrap();
    let mut ids = Vec::new();
    for (i, user) in [&u, &v, &u].iter().enumerate() {
        let hash = format!("{i:064x}");
        let t = s
            .add_api_token(&NewApiToken {
                user_id: &user.id,
                name: &format!("token {i}"),
                scope: if i == 1 { "write" } else { "read" },
                token_hash: &hash,
                expires_at: (i == 2).then_some("2099-12-31T14:59:59.999Z"),
            })
            .await
            .unwrap();
        assert_eq!(t.user_name, user.name);
        assert!(t.last_used_at.is_none() && t.revoked_at.is_none());
        ids.push(t.id);
    }
    // Order: creation (a monotonic key), whatever the ids.
    let all: Vec<String> = s
        .api_tokens(None)
        .await
        .unwrap()
        .into_iter()
        .map(|t| t.id)
        .collect();
    assert_eq!(all, ids);
    let mine: Vec<String> = s
        .api_tokens(Some(&u.id))
        .await
        .unwrap()
        .into_iter()
        .map(|t| t.id)
        .collect();
    assert_eq!(mine, [ids[0].clone(), ids[2].clone()]);
    assert_eq!(
        s.api_token(&ids[2])
            .await
            .unwrap()
            .unwrap()
            .expires_at
            .as_deref(),
        Some("2099-12-31T14:59:59.999Z")
    );
    // Looked up by hash, with the user.
    let (t, user) = s
        .api_token_by_hash(&format!("{:064x}", 1))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (t.id.as_str(), user.name.as_str()),
        (ids[1].as_str(), "鈴木")
    );
    assert!(s.api_token_by_hash("nope").await.unwrap().is_none());
    // A second token with the same hash is refused.
    assert!(
        s.add_api_token(&NewApiToken {
            user_id: &u.id,
            name: "again",
            scope: "read",
            token_hash: &format!("{:064x}", 1),
            expires_at: None,
        })
        .await
        .is_err()
    );
    s.touch_api_token(&ids[1], "2026-12-05T00:00:00.000Z")
        .await
        .unwrap();
    assert_eq!(
        s.api_token(&ids[1])
            .await
            .unwrap()
            .unwrap()
            .last_used_at
            .as_deref(),
        Some("2026-12-05T00:00:00.000Z")
    );
    assert!(s.revoke_api_token(&ids[1]).await.unwrap());
    let first = s.api_token(&ids[1]).await.unwrap().unwrap().revoked_at;
    assert!(first.is_some());
    assert!(!s.revoke_api_token(&ids[1]).await.unwrap(), "revoked once");
    assert_eq!(
        s.api_token(&ids[1]).await.unwrap().unwrap().revoked_at,
        first
    );
    assert!(!s.revoke_api_token("unknown").await.unwrap());
}
