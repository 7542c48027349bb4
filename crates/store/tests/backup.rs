//! Backups on both engines: a round trip into either engine keeps everything (canonical dumps
//! equal), a backup taken under concurrent writes restores consistent, the audit chain catches
//! edits of its records and of answer history, every table is covered, and damaged files or
//! non-empty targets are refused without changing anything.

mod common;
use common::*;
use kojo_store::backup::{self, BackupError, RestoreOptions};
use kojo_store::chain::Break;
use kojo_store::*;
use std::sync::Arc;
use std::sync::atomic::AtomicU64;

fn w(item: u16, v: i64, a: Option<kojo_domain::ItemAnswer>) -> AnswerWrite {
    AnswerWrite {
        item,
        expected_version: Some(v),
        answer: a,
    }
}

fn quiet(_: backup::Progress<'_>) {}

fn opts(force: bool) -> RestoreOptions {
    RestoreOptions {
        force,
        actor: "tester".into(),
        pause_after_batches: None,
    }
}

/// Some of everything: answers with history, an evidence blob, access-log records.
async fn fill(s: &Store) -> Assessment {
    let (_, _, a) = setup(s).await;
    s.write_answers(
        &a.id,
        &[w(1, 0, Some(ok())), w(2, 0, Some(ans("×", |_| {})))],
        "alice",
    )
    .await
    .unwrap();
    s.write_answers(
        &a.id,
        &[w(
            1,
            1,
            Some(ans("△", |r| r.status = Some("計画中".into()))),
        )],
        "bob",
    )
    .await
    .unwrap();
    let data = vec![7u8; 300_000];
    s.add_evidence(
        &a.id,
        &NewEvidence {
            item: 1,
            name: "写真.png",
            media_type: "image/png",
            data: &data,
            valid_until: None,
        },
        "alice",
        i64::MAX,
    )
    .await
    .unwrap();
    s.audit(Some("alice"), Some("127.0.0.1"), "login", None, None)
        .await
        .unwrap();
    a
}

async fn dump(s: &Store) -> serde_json::Value {
    let mut out = Vec::new();
    s.canonical_dump(&mut out).await.unwrap();
    serde_json::from_slice(&out).unwrap()
}

/// The dump without the last access-log record, which must be the restore's own.
fn without_restore_record(mut d: serde_json::Value) -> serde_json::Value {
    let rows = d["tables"]["audit_log"]["rows"].as_array_mut().unwrap();
    let last = rows.pop().unwrap();
    let cols = d["tables"]["audit_log"]["columns"].as_array().unwrap();
    let action = cols.iter().position(|c| c == "action").unwrap();
    assert_eq!(last[action], "restore");
    // The counter of the access log moved by that one record.
    let seqs = d["tables"]["sequences"]["rows"].as_array_mut().unwrap();
    for r in seqs.iter_mut() {
        if r[0] == "audit_log" {
            r[1] = serde_json::Value::from(r[1].as_i64().unwrap() - 1);
        }
    }
    d
}

async fn round_trip(s: &Store) {
    fill(s).await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("kojo.kojo-backup");
    let before = dump(s).await;
    let info = s.backup(&file, &quiet).await.unwrap();
    assert_eq!(info.header.schema_version, backup::latest_schema_version());
    assert_eq!(info.manifest.blob_count, 1);
    let report = backup::verify(&file, &AtomicU64::new(0)).unwrap();
    assert_eq!(report.manifest, info.manifest);

    // Into both engines.
    for url in [sqlite_url(&dir, "restored.sqlite3"), postgres_url().await] {
        let r = backup::restore(&file, &url, &opts(false), Arc::new(AtomicU64::new(0)))
            .await
            .unwrap();
        assert_eq!(r.blobs, 1);
        let t = Store::open(&url).await.unwrap();
        assert_eq!(without_restore_record(dump(&t).await), before, "{url}");
        let chain = t.audit_verify(10).await.unwrap();
        assert!(chain.breaks.is_empty(), "{:?}", chain.breaks);
        assert!(chain.history_rows >= 3);
        // Not empty any more: a second restore is refused and changes nothing.
        let again = backup::restore(&file, &url, &opts(false), Arc::new(AtomicU64::new(0))).await;
        assert!(
            matches!(again, Err(BackupError::NotEmpty { .. })),
            "{again:?}"
        );
        assert_eq!(without_restore_record(dump(&t).await), before);
        // --force replaces it.
        t.close().await;
        backup::restore(&file, &url, &opts(true), Arc::new(AtomicU64::new(0)))
            .await
            .unwrap();
        let t = Store::open(&url).await.unwrap();
        assert_eq!(without_restore_record(dump(&t).await), before);
        t.close().await;
    }
}

async fn every_table_is_covered(s: &Store) {
    let dump = dump(s).await;
    let listed: Vec<&str> = dump["tables"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    let mut expected: Vec<&str> = backup::TABLES.iter().map(|t| t.0).collect();
    expected.sort_unstable();
    let mut got = listed.clone();
    got.sort_unstable();
    assert_eq!(got, expected);
    // And the schema has no table beyond those and the excluded ones.
    let all = s.table_names().await.unwrap();
    for t in &all {
        assert!(
            backup::TABLES.iter().any(|x| x.0 == t) || backup::EXCLUDED.contains(&t.as_str()),
            "table {t} is neither backed up nor excluded"
        );
    }
    assert_eq!(all.len(), backup::TABLES.len() + backup::EXCLUDED.len());
}

async fn damaged_files_are_refused(s: &Store) {
    fill(s).await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("a.kojo-backup");
    s.backup(&file, &quiet).await.unwrap();
    // Unpack, change one byte of one table, pack again: the manifest catches it.
    let bytes = std::fs::read(&file).unwrap();
    let mut raw = Vec::new();
    std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(&bytes[..]), &mut raw).unwrap();
    let at = raw
        .windows(4)
        .position(|w| w == b"\"\xe2\x97\x8b")
        .expect("a ○ in the answers");
    raw[at + 3] ^= 1;
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    std::io::Write::write_all(&mut gz, &raw).unwrap();
    let bad = dir.path().join("bad.kojo-backup");
    std::fs::write(&bad, gz.finish().unwrap()).unwrap();
    let e = backup::verify(&bad, &AtomicU64::new(0))
        .unwrap_err()
        .to_string();
    assert!(e.starts_with("tables/"), "{e}");
    let url = sqlite_url(&dir, "t.sqlite3");
    let e = backup::restore(&bad, &url, &opts(false), Arc::new(AtomicU64::new(0)))
        .await
        .unwrap_err();
    assert!(e.to_string().starts_with("tables/"), "{e}");
    assert!(
        !dir.path().join("t.sqlite3").exists(),
        "nothing is left behind"
    );
    assert!(!dir.path().join("t.sqlite3.restoring").exists());
    let pg = postgres_url().await;
    backup::restore(&bad, &pg, &opts(false), Arc::new(AtomicU64::new(0)))
        .await
        .unwrap_err();
    let t = Store::connect(&pg).await.unwrap();
    assert_eq!(
        t.schema_version().await.unwrap(),
        0,
        "the PostgreSQL target stays empty"
    );
    // A truncated file names where it ends.
    let cut = dir.path().join("cut.kojo-backup");
    std::fs::write(&cut, &bytes[..bytes.len() / 2]).unwrap();
    assert!(backup::verify(&cut, &AtomicU64::new(0)).is_err());
    // Not a backup at all.
    std::fs::write(&cut, b"hello").unwrap();
    assert!(
        backup::verify(&cut, &AtomicU64::new(0))
            .unwrap_err()
            .to_string()
            .contains("kojo backup")
    );
}

async fn backup_under_concurrent_writes_restores_consistent(s: &Store) {
    let a = fill(s).await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("live.kojo-backup");
    let done = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let writer = {
        let (s, id, done) = (s.clone(), a.id.clone(), done.clone());
        tokio::spawn(async move {
            let mut version = 1i64;
            let mut written = 0;
            // Writes until the backup is done and at least 50 writes went in.
            while written < 50 || !done.load(std::sync::atomic::Ordering::SeqCst) {
                let mark = if written % 2 == 0 { "○" } else { "×" };
                let r = s
                    .write_answers(&id, &[w(2, version, Some(ans(mark, |_| {})))], "writer")
                    .await
                    .unwrap();
                version = r[0].version;
                written += 1;
            }
            written
        })
    };
    s.backup(&file, &quiet).await.unwrap();
    done.store(true, std::sync::atomic::Ordering::SeqCst);
    let written = writer.await.unwrap();
    assert!(written >= 50);
    let url = sqlite_url(&dir, "r.sqlite3");
    backup::restore(&file, &url, &opts(false), Arc::new(AtomicU64::new(0)))
        .await
        .unwrap();
    let t = Store::open(&url).await.unwrap();
    // Every answer's history ends in its current value.
    for answer in t.answers(&a.id).await.unwrap() {
        let h = t.history(&a.id, Some(answer.item)).await.unwrap();
        let last = h.iter().max_by_key(|e| e.version).unwrap();
        assert_eq!(last.version, answer.version, "item {}", answer.item);
        assert_eq!(
            last.new,
            answer.answer.as_ref().map(|a| a.to_raw()),
            "item {}",
            answer.item
        );
    }
    let chain = t.audit_verify(10).await.unwrap();
    assert!(chain.breaks.is_empty(), "{:?}", chain.breaks);
}

async fn tampering_is_named(s: &Store) {
    let a = fill(s).await;
    let clean = s.audit_verify(10).await.unwrap();
    assert!(clean.breaks.is_empty(), "{:?}", clean.breaks);
    // Change one access-log record and one history row behind kojo's back.
    let url = s.description().to_string();
    let edit_log = "UPDATE audit_log SET actor = 'mallory' WHERE action = 'login'";
    let pick = "SELECT id FROM answer_history WHERE assessment_id = $1 ORDER BY seq LIMIT 1";
    let edit_history = "UPDATE answer_history SET changed_by = 'mallory' WHERE id = $1";
    let seq_sql = "SELECT seq FROM audit_log WHERE action = 'login'";
    use sqlx::Connection;
    let (login_seq, history_id): (i64, String) = if url.starts_with("sqlite:") {
        let mut c = sqlx::SqliteConnection::connect(&url).await.unwrap();
        let (id,): (String,) = sqlx::query_as(pick)
            .bind(&a.id)
            .fetch_one(&mut c)
            .await
            .unwrap();
        sqlx::query(edit_log).execute(&mut c).await.unwrap();
        sqlx::query(edit_history)
            .bind(&id)
            .execute(&mut c)
            .await
            .unwrap();
        let (seq,): (i64,) = sqlx::query_as(seq_sql).fetch_one(&mut c).await.unwrap();
        (seq, id)
    } else {
        let mut c = sqlx::PgConnection::connect(&url).await.unwrap();
        let (id,): (String,) = sqlx::query_as(pick)
            .bind(&a.id)
            .fetch_one(&mut c)
            .await
            .unwrap();
        sqlx::query(edit_log).execute(&mut c).await.unwrap();
        sqlx::query(edit_history)
            .bind(&id)
            .execute(&mut c)
            .await
            .unwrap();
        let (seq,): (i64,) = sqlx::query_as(seq_sql).fetch_one(&mut c).await.unwrap();
        (seq, id)
    };
    let r = s.audit_verify(10).await.unwrap();
    assert!(
        r.breaks.contains(&Break::Content { seq: login_seq }),
        "{:?}",
        r.breaks
    );
    assert!(
        r.breaks
            .iter()
            .any(|b| matches!(b, Break::History { id, .. } if *id == history_id)),
        "{:?}",
        r.breaks
    );
}

async fn retention_keeps_the_chain_verifiable_from_its_anchor(s: &Store) {
    fill(s).await;
    for i in 0..5 {
        s.audit(Some("x"), None, &format!("old{i}"), None, None)
            .await
            .unwrap();
    }
    // Cut-offs far from "now", so no two records can straddle them by the clock's resolution.
    assert_eq!(
        s.audit_prune("2000-01-01T00:00:00.000Z", "tester")
            .await
            .unwrap(),
        0
    );
    let before = s.audit_verify(10).await.unwrap();
    assert!(before.breaks.is_empty(), "{:?}", before.breaks);
    let removed = s
        .audit_prune("2100-01-01T00:00:00.000Z", "tester")
        .await
        .unwrap();
    assert_eq!(removed, before.records, "every record before the cut-off");
    let after = s.audit_verify(10).await.unwrap();
    assert!(after.breaks.is_empty(), "{:?}", after.breaks);
    assert_eq!(
        after.start.seq, before.head.seq,
        "the chain restarts after the last removed record"
    );
    assert_eq!(after.records, 1, "only the prune record");
    assert_eq!(
        after.history_predating, before.history_rows,
        "history whose records went"
    );
    // New records go on from the retained chain.
    s.audit(Some("x"), None, "later", None, None).await.unwrap();
    let later = s.audit_verify(10).await.unwrap();
    assert!(later.breaks.is_empty(), "{:?}", later.breaks);
    assert_eq!(later.records, 2);
}

suite!(
    retention_keeps_the_chain_verifiable_from_its_anchor,
    round_trip,
    every_table_is_covered,
    damaged_files_are_refused,
    backup_under_concurrent_writes_restores_consistent,
    tampering_is_named
);
