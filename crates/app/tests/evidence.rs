//! Evidence files through the use cases, on SQLite and PostgreSQL: stored once per SHA-256,
//! limited in size and quota, their type sniffed, carried by reference.

#[macro_use]
mod common;
use common::*;

suite!(evidence_is_stored_once_limited_and_sniffed);

async fn evidence_is_stored_once_limited_and_sniffed(db: &Db) {
    let app = &db.app;
    let old = last_year(app).await;
    let a = admin();
    let ed = app.editor(&a).unwrap();
    let png = [
        &[0x89u8, b'P', b'N', b'G', 0x0d, 0x0a, 0x1a, 0x0a][..],
        &[0u8; 64],
    ]
    .concat();
    let e1 = ed
        .add_evidence(&old, item(app, 2), "施錠写真.png", &png, None)
        .await
        .unwrap();
    let e2 = ed
        .add_evidence(
            &old,
            item(app, 3),
            "../../etc/copy.txt",
            &png,
            Some("2030-03-31"),
        )
        .await
        .unwrap();
    assert_eq!(e1.sha256, e2.sha256);
    assert_eq!(e1.sha256, kojo_domain::sha256_hex(&png));
    assert_eq!(e1.media_type, "image/png", "sniffed from the content");
    assert_eq!(e2.media_type, "image/png", "not trusted from the name");
    assert_eq!(e2.name, "copy.txt", "path components are dropped");
    assert_eq!(e2.valid_until.as_deref(), Some("2030-03-31"));
    let text = ed
        .add_evidence(
            &old,
            item(app, 2),
            "rules.exe",
            "許可ルール一覧\n".as_bytes(),
            None,
        )
        .await
        .unwrap();
    assert_eq!(text.media_type, "text/plain");
    let (row, bytes) = app.reader(&a).evidence_get(e2.id).await.unwrap();
    assert_eq!((row.id, bytes), (e2.id, png.clone()));
    // Stored once: two rows, one blob (quota counts it once).
    assert_eq!(app.reader(&a).evidence_list(&old).await.unwrap().len(), 3);
    // Limits: empty files, names, size over the limit.
    assert!(
        ed.add_evidence(&old, item(app, 2), "empty.txt", b"", None)
            .await
            .is_err()
    );
    assert!(
        ed.add_evidence(&old, item(app, 2), "a\u{7}b", b"x", None)
            .await
            .is_err()
    );
    let max = app.reader(&a).evidence_max_bytes().await.unwrap();
    assert_eq!(max, 25 * 1024 * 1024);
    let big = vec![b'a'; usize::try_from(max).unwrap() + 1];
    let e = ed
        .add_evidence(&old, item(app, 2), "big.txt", &big, None)
        .await
        .unwrap_err();
    assert!(message(&e).contains("too large"), "{}", message(&e));
    // The quota: tighten it to 1 MiB (a setting) and a new 1 MiB file no longer fits, while
    // the same content again (no new blob) still does.
    raw_sql(
        &db.url,
        "INSERT INTO settings (key, value) VALUES ('evidence.quota_mib', '1')",
    )
    .await;
    let mib = vec![b'b'; 1024 * 1024];
    let e = ed
        .add_evidence(&old, item(app, 2), "mib.txt", &mib, None)
        .await
        .unwrap_err();
    assert!(message(&e).contains("quota"), "{}", message(&e));
    assert_eq!(
        app.reader(&a).evidence_list(&old).await.unwrap().len(),
        3,
        "nothing stored"
    );
    ed.add_evidence(&old, item(app, 4), "again.png", &png, None)
        .await
        .unwrap();
    // Removing one reference keeps the blob for the others.
    ed.remove_evidence(e1.id).await.unwrap();
    assert_eq!(app.reader(&a).evidence_get(e2.id).await.unwrap().1, png);
    // Invisible to a user without a grant: not found, like answers.
    app.admin(&a)
        .unwrap()
        .add_site("P9", "他工場")
        .await
        .unwrap();
    app.admin(&a)
        .unwrap()
        .add_user("outsider", Role::Viewer, PASSWORD, &["P9".to_string()])
        .await
        .unwrap();
    let o = app.actor_for("outsider").await.unwrap();
    assert!(matches!(
        app.reader(&o).evidence_get(e2.id).await,
        Err(AppError::NotFound { .. })
    ));
    assert!(app.reader(&o).evidence_list(&old).await.is_err());
}
