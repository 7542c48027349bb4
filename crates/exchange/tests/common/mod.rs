//! A synthetic approved assessment and a key, for the package and OSCAL tests.
#![allow(dead_code)]

use kojo_domain::{ActionItem, ActionStatus, ContentHeader, Mark, RawAnswer, Review};
use kojo_exchange::doc::{AnswerDoc, AssessmentDoc, DOC_FORMAT, EvidenceDoc, Party, SignOffDoc};
use kojo_exchange::keys::{self, GeneratedKey, SigningKey};
use kojo_exchange::package::{self, Contents};
use std::collections::BTreeMap;
use std::sync::OnceLock;

pub const PASS: &str = "correct horse battery staple";

/// One key for the whole test binary (scrypt makes generating one take a moment).
pub fn key() -> &'static (GeneratedKey, SigningKey) {
    static KEY: OnceLock<(GeneratedKey, SigningKey)> = OnceLock::new();
    KEY.get_or_init(|| {
        let g = keys::generate(PASS, "ACME").unwrap();
        let k = SigningKey::open(&g.secret_file, PASS).unwrap();
        (g, k)
    })
}

pub fn other_key() -> &'static (GeneratedKey, SigningKey) {
    static KEY: OnceLock<(GeneratedKey, SigningKey)> = OnceLock::new();
    KEY.get_or_init(|| {
        let g = keys::generate(PASS, "OTHER").unwrap();
        let k = SigningKey::open(&g.secret_file, PASS).unwrap();
        (g, k)
    })
}

fn raw(mark: &str) -> RawAnswer {
    RawAnswer {
        mark: Some(mark.into()),
        ..Default::default()
    }
}

/// 63 items: 1–59 ○, 60 □, 61 △, 62 ×, 63 －; an evidence file on 1; reviews of 60–62; an
/// action on 62; approved.
pub fn doc() -> AssessmentDoc {
    let mut answers = Vec::new();
    for n in 1..=63u16 {
        let answer = match n {
            60 => RawAnswer {
                reason: Some("予算待ち".into()),
                review_by: Some("2027-03-31".into()),
                ..raw("deferred")
            },
            61 => RawAnswer {
                status: Some("情報収集中".into()),
                target_date: Some("2027-01-31".into()),
                ..raw("considering")
            },
            62 => raw("not_considered"),
            63 => RawAnswer {
                na_reason: Some("無線 LAN なし".into()),
                ..raw("not_applicable")
            },
            1 => RawAnswer {
                note: Some("手順書 v2".into()),
                ..raw("implemented")
            },
            _ => raw("implemented"),
        };
        answers.push(AnswerDoc {
            item: n,
            answer,
            confirmed: true,
            inherited: false,
            updated_by: "山田".into(),
            updated_at: "2026-11-01T01:02:03.000Z".into(),
        });
    }
    let review = |item, mark| Review {
        item,
        mark,
        valid: (mark == Mark::Deferred).then_some(true),
        progress: None,
        progress_pct: (mark == Mark::Deferred).then_some(50),
        status: (mark != Mark::Deferred).then(|| "進行中".to_string()),
        target_date: None,
        note: None,
        by: "山田".into(),
        at: "2026-11-02T00:00:00.000Z".into(),
    };
    let mut d = AssessmentDoc {
        format: DOC_FORMAT,
        header: ContentHeader {
            id: "7b0e3f55-4a8e-4c59-9d0b-2f1b5c1e9a01".into(),
            site_id: "0d2f9c1e-8a77-4f0e-b1c2-3d4e5f607182".into(),
            line_id: None,
            period: 2026,
            revision: 1,
            catalog_id: "jama-japia-factory@0.9".into(),
        },
        company: Party {
            code: "ACME".into(),
            name: "Acme 部品".into(),
        },
        plant: Party {
            code: "P1".into(),
            name: "第一工場".into(),
        },
        line: None,
        assessor: Some("山田".into()),
        status: "approved".into(),
        answers,
        reviews: vec![
            review(60, Mark::Deferred),
            review(61, Mark::Considering),
            review(62, Mark::NotConsidered),
        ],
        actions: vec![ActionItem {
            item: 62,
            title: "ファイアウォール導入".into(),
            owner: Some("鈴木".into()),
            due: chrono::NaiveDate::from_ymd_opt(2027, 3, 31),
            status: ActionStatus::Open,
            note: None,
        }],
        evidence: vec![EvidenceDoc {
            item: 1,
            sha256: kojo_domain::sha256_hex(EVIDENCE),
            name: "手順書.pdf".into(),
            media_type: "application/pdf".into(),
            size: EVIDENCE.len() as u64,
            uploaded_by: "山田".into(),
            uploaded_at: "2026-11-01T00:00:00.000Z".into(),
            valid_until: Some("2027-12-31".into()),
        }],
        signoffs: Vec::new(),
    };
    let hash = d.content_hash();
    for (decision, by, at) in [
        ("submit", "山田", "2026-11-10T00:00:00.000Z"),
        ("confirm", "鈴木", "2026-11-11T00:00:00.000Z"),
        ("approve", "加藤", "2026-11-12T00:00:00.000Z"),
    ] {
        d.signoffs.push(SignOffDoc {
            decision: decision.into(),
            by: by.into(),
            at: at.into(),
            comment: None,
            content_hash: hash.hash.clone(),
            item_hashes: hash.items.clone(),
            registers: None,
        });
    }
    d
}

pub const EVIDENCE: &[u8] = b"%PDF-1.4 evidence";

/// A package of [`doc`] signed with `k` (evidence included when `with_evidence`).
pub fn package_of(d: &AssessmentDoc, k: &SigningKey, with_evidence: bool) -> Vec<u8> {
    let mut evidence = BTreeMap::new();
    if with_evidence {
        evidence.insert(kojo_domain::sha256_hex(EVIDENCE), EVIDENCE.to_vec());
    }
    package::write(
        &Contents {
            doc: d,
            oscal: b"{}",
            report: b"%PDF-1.7 report",
            checksheet: b"PK xlsx",
            evidence,
        },
        k,
        "0.1.0",
    )
    .unwrap()
}

/// The entries of a zip, in order.
pub fn entries(bytes: &[u8]) -> Vec<(String, Vec<u8>)> {
    use std::io::Read;
    let mut z = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    (0..z.len())
        .map(|i| {
            let mut f = z.by_index(i).unwrap();
            let mut v = Vec::new();
            f.read_to_end(&mut v).unwrap();
            (String::from_utf8_lossy(f.name_raw()).into_owned(), v)
        })
        .collect()
}

/// A zip of `entries` as given (stored, fixed time).
pub fn zip_of(entries: &[(String, Vec<u8>)]) -> Vec<u8> {
    use std::io::Write;
    let mut z = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let o = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .last_modified_time(zip::DateTime::default());
    for (name, data) in entries {
        z.start_file(name.as_str(), o).unwrap();
        z.write_all(data).unwrap();
    }
    z.finish().unwrap().into_inner()
}
