//! Fuzzing the backup reader (`kojo backup verify`, and restore, which reads through the same
//! code): a real backup, decompressed, mutated (bytes, truncation, hostile tar headers) and
//! compressed again, plus raw bytes. It must never panic; whatever verifies carries exactly the
//! manifest that was written; and no size declared in the file is trusted for an allocation.
//!
//! The suite runs a small seeded run; `scripts/fuzz` runs `KOJO_FUZZ_CASES` cases.
//! `KOJO_FUZZ_SEED` picks another seed. The closing line reports cases, crashes and peak RSS.

mod common;
use common::*;
use kojo_store::AnswerWrite;
use kojo_store::backup;
use proptest::prelude::*;
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
use std::io::{Read, Write};
use std::sync::atomic::AtomicU64;

fn cases() -> u32 {
    std::env::var("KOJO_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(300)
}

fn seed() -> [u8; 32] {
    let n: u64 = std::env::var("KOJO_FUZZ_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0x6b6f6a6f);
    let mut s = [0u8; 32];
    s[..8].copy_from_slice(&n.to_le_bytes());
    s
}

fn peak_rss_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok())
        })
        .map(|kb| kb / 1024.0)
        .unwrap_or(f64::NAN)
}

/// A real backup of a small database: (its manifest, the uncompressed tar).
fn sample() -> (backup::Manifest, Vec<u8>) {
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let db = sqlite().await;
        let s = &db.store;
        let (_, _, a) = setup(s).await;
        let w = |item, a| AnswerWrite {
            item,
            expected_version: Some(0),
            answer: Some(a),
        };
        s.write_answers(&a.id, &[w(1, ok()), w(2, ans("×", |_| {}))], "alice")
            .await
            .unwrap();
        let data = b"evidence".repeat(100);
        s.add_evidence(
            &a.id,
            &kojo_store::NewEvidence {
                item: 1,
                name: "a.pdf",
                media_type: "application/pdf",
                data: &data,
                valid_until: None,
            },
            "alice",
            i64::MAX,
        )
        .await
        .unwrap();
        s.audit(Some("alice"), None, "login", None, None)
            .await
            .unwrap();
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("b.kojo-backup");
        let info = s.backup(&file, &|_| {}).await.unwrap();
        let mut raw = Vec::new();
        flate2::read::GzDecoder::new(std::fs::File::open(&file).unwrap())
            .read_to_end(&mut raw)
            .unwrap();
        (info.manifest, raw)
    })
}

fn gzip(raw: &[u8]) -> Vec<u8> {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(raw).unwrap();
    gz.finish().unwrap()
}

/// A ustar header for `path` declaring `size` bytes (the content that follows may be shorter).
/// The name goes in raw (at most 100 bytes), so names the `tar` crate would refuse to write
/// (`..`) reach the reader too.
fn header(path: &str, size: u64, kind: u8) -> Vec<u8> {
    let mut h = tar::Header::new_ustar();
    let name = &path.as_bytes()[..path.len().min(100)];
    h.as_old_mut().name[..name.len()].copy_from_slice(name);
    h.set_size(size);
    h.set_mode(0o600);
    h.set_entry_type(tar::EntryType::new(kind));
    h.set_cksum();
    h.as_bytes().to_vec()
}

enum Case {
    Edits(Vec<(prop::sample::Index, u8)>),
    Cut(prop::sample::Index),
    /// A hostile entry spliced in at an entry boundary: (where, path, declared size, type).
    Splice(prop::sample::Index, String, u64, u8),
    Raw(Vec<u8>),
}

impl std::fmt::Debug for Case {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Case::Edits(e) => write!(f, "Edits({})", e.len()),
            Case::Cut(_) => write!(f, "Cut"),
            Case::Splice(_, p, s, k) => write!(f, "Splice({p}, {s}, {k})"),
            Case::Raw(b) => write!(f, "Raw({})", b.len()),
        }
    }
}

fn case() -> impl Strategy<Value = Case> {
    let path = prop_oneof![
        Just("kojo-backup.json".to_string()),
        Just("manifest.json".to_string()),
        Just("tables/answers.jsonl".to_string()),
        Just(format!("blobs/{}", "a".repeat(64))),
        Just("blobs/zz".to_string()),
        Just("../../etc/passwd".to_string()),
        "[a-z/]{1,40}",
    ];
    let size = prop_oneof![Just(0u64), Just(1 << 33), Just(u64::MAX >> 4), 0u64..5000];
    let kind = prop_oneof![
        Just(b'0'),
        Just(b'x'),
        Just(b'g'),
        Just(b'L'),
        Just(b'5'),
        any::<u8>()
    ];
    prop_oneof![
        proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..8)
            .prop_map(Case::Edits),
        any::<prop::sample::Index>().prop_map(Case::Cut),
        (any::<prop::sample::Index>(), path, size, kind)
            .prop_map(|(i, p, s, k)| Case::Splice(i, p, s, k)),
        proptest::collection::vec(any::<u8>(), 0..2048).prop_map(Case::Raw),
    ]
}

#[test]
fn fuzz_backup() {
    let (manifest, raw) = sample();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("case.kojo-backup");
    let n = cases();
    let mut runner = TestRunner::new_with_rng(
        Config {
            cases: n,
            failure_persistence: None,
            ..Config::default()
        },
        TestRng::from_seed(RngAlgorithm::ChaCha, &seed()),
    );
    let ran = AtomicU64::new(0);
    let result = runner.run(&case(), |c| {
        ran.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let bytes = match &c {
            Case::Edits(e) => {
                let mut r = raw.clone();
                for (at, v) in e {
                    let i = at.index(r.len());
                    r[i] = *v;
                }
                gzip(&r)
            }
            Case::Cut(at) => gzip(&raw[..at.index(raw.len())]),
            Case::Splice(at, path, size, kind) => {
                let blocks = raw.len() / 512;
                let i = at.index(blocks) * 512;
                let mut r = raw[..i].to_vec();
                r.extend(header(path, *size, *kind));
                r.extend(std::iter::repeat_n(b'{', 512));
                r.extend_from_slice(&raw[i..]);
                gzip(&r)
            }
            Case::Raw(b) => b.clone(),
        };
        std::fs::write(&file, &bytes).unwrap();
        let outcome = std::panic::catch_unwind(|| backup::verify(&file, &AtomicU64::new(0)));
        prop_assert!(outcome.is_ok(), "verify panicked on {c:?}");
        if let Ok(Ok(report)) = outcome {
            // Only tar metadata (times, modes) can change without the manifest noticing.
            prop_assert_eq!(&report.manifest, &manifest);
        }
        Ok(())
    });
    let rss = peak_rss_mib();
    println!(
        "fuzz backup: cases {}, crashes {}, peak RSS {rss:.1} MiB",
        ran.load(std::sync::atomic::Ordering::Relaxed),
        u32::from(result.is_err())
    );
    result.unwrap();
    // No declared size was allocated: 8 GiB claimed blobs stayed claims.
    assert!(rss < 512.0, "peak RSS {rss} MiB");
}

#[test]
fn a_blob_claiming_eight_gib_is_refused_without_reading_it() {
    let (_, raw) = sample();
    // Right before the first blob entry.
    let at = raw.windows(6).position(|w| w == b"blobs/").unwrap() / 512 * 512;
    let mut r = raw[..at].to_vec();
    r.extend(header(&format!("blobs/{}", "b".repeat(64)), 8 << 30, b'0'));
    r.extend_from_slice(&raw[at..]);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("big.kojo-backup");
    std::fs::write(&file, gzip(&r)).unwrap();
    let e = backup::verify(&file, &AtomicU64::new(0))
        .unwrap_err()
        .to_string();
    assert!(e.contains("larger than 1024 MiB"), "{e}");
}

#[test]
fn extension_headers_are_refused() {
    let (_, raw) = sample();
    for kind in [b'x', b'g', b'L'] {
        let mut r = header("././@LongLink", 1 << 30, kind);
        r.extend(std::iter::repeat_n(b'a', 512));
        r.extend_from_slice(&raw);
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("ext.kojo-backup");
        std::fs::write(&file, gzip(&r)).unwrap();
        let e = backup::verify(&file, &AtomicU64::new(0))
            .unwrap_err()
            .to_string();
        assert!(e.contains("not a plain file"), "{}: {e}", kind as char);
    }
}
