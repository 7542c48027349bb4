//! The submission package: round trip, reproducibility, and every way a package is refused.

mod common;

use common::*;
use kojo_exchange::package::{self, MAX_ENTRIES, MAX_JSON_BYTES, MAX_PACKAGE_BYTES};

fn refusal(bytes: &[u8]) -> String {
    let (g, _) = key();
    match package::read(bytes).and_then(|u| u.verify(&g.public)) {
        Ok(v) => match v.check_document() {
            Ok(()) => panic!("accepted"),
            Err(e) => e.key.to_string(),
        },
        Err(e) => e.key.to_string(),
    }
}

fn entry_arg(bytes: &[u8]) -> String {
    let (g, _) = key();
    let e = package::read(bytes)
        .and_then(|u| u.verify(&g.public))
        .unwrap_err();
    e.args
        .iter()
        .find(|(k, _)| *k == "entry")
        .map(|(_, v)| v.clone())
        .unwrap_or_default()
}

#[test]
fn a_package_round_trips_and_is_byte_identical_when_made_again() {
    let (g, k) = key();
    let d = doc();
    let a = package_of(&d, k, true);
    assert_eq!(a, package_of(&d, k, true), "reproducible");
    let names: Vec<String> = entries(&a).into_iter().map(|(n, _)| n).collect();
    assert_eq!(
        names,
        [
            "manifest.json",
            "manifest.json.minisig",
            "assessment.json",
            "oscal-assessment-results.json",
            "report.pdf",
            "checksheet.xlsx",
            &format!("evidence/{}", kojo_domain::sha256_hex(EVIDENCE)),
        ]
    );
    let v = package::read(&a).unwrap().verify(&g.public).unwrap();
    v.check_document().unwrap();
    assert_eq!(v.doc, d);
    assert_eq!(v.manifest.company.code, "ACME");
    assert_eq!(v.manifest.signoff_hash, d.content_hash().hash);
    assert_eq!(v.manifest.created, "2026-11-12T00:00:00.000Z");
    assert!(
        v.trusted_comment
            .starts_with("kojo submission ACME P1 FY2026 r1")
    );
    // Without evidence only the hashes travel.
    let b = package_of(&d, k, false);
    assert!(!entries(&b).iter().any(|(n, _)| n.starts_with("evidence/")));
    package::read(&b)
        .unwrap()
        .verify(&g.public)
        .unwrap()
        .check_document()
        .unwrap();
}

#[test]
fn a_changed_byte_in_any_file_is_refused_naming_the_file() {
    let (_, k) = key();
    let good = entries(&package_of(&doc(), k, true));
    for i in 2..good.len() {
        let mut e = good.clone();
        let last = e[i].1.len() - 1;
        e[i].1[last] ^= 1;
        let bytes = zip_of(&e);
        assert_eq!(refusal(&bytes), "exchange.changed_entry", "{}", e[i].0);
        assert_eq!(entry_arg(&bytes), e[i].0);
    }
}

#[test]
fn a_changed_manifest_or_signature_is_refused() {
    let (_, k) = key();
    let good = entries(&package_of(&doc(), k, false));
    let mut e = good.clone();
    e[0].1 = String::from_utf8(e[0].1.clone())
        .unwrap()
        .replace("\"revision\": 1", "\"revision\": 2")
        .into_bytes();
    assert_eq!(refusal(&zip_of(&e)), "exchange.wrong_signature");
    let mut e = good.clone();
    e[1].1 = String::from_utf8(e[1].1.clone())
        .unwrap()
        .replace("FY2026", "FY2027")
        .into_bytes();
    assert_eq!(refusal(&zip_of(&e)), "exchange.wrong_signature");
    let mut e = good;
    e[1].1 = b"not a signature".to_vec();
    assert_eq!(refusal(&zip_of(&e)), "exchange.bad_signature");
}

#[test]
fn another_key_is_refused() {
    let (_, k) = other_key();
    assert_eq!(
        refusal(&package_of(&doc(), k, false)),
        "exchange.unknown_key"
    );
}

#[test]
fn entries_missing_unlisted_or_unknown_are_refused() {
    let (_, k) = key();
    let good = entries(&package_of(&doc(), k, false));
    let mut e = good.clone();
    e.retain(|(n, _)| n != "report.pdf");
    assert_eq!(refusal(&zip_of(&e)), "exchange.missing_entry");
    let mut e = good.clone();
    e.push((
        format!("evidence/{}", kojo_domain::sha256_hex(EVIDENCE)),
        EVIDENCE.to_vec(),
    ));
    assert_eq!(refusal(&zip_of(&e)), "exchange.unlisted_entry");
    let mut e = good.clone();
    e.push(("../../etc/passwd".into(), b"x".to_vec()));
    assert_eq!(refusal(&zip_of(&e)), "exchange.unexpected_entry");
    let mut e = good;
    e.retain(|(n, _)| n != "manifest.json.minisig");
    assert_eq!(refusal(&zip_of(&e)), "exchange.missing_entry");
}

#[test]
fn content_that_does_not_hash_to_the_approval_is_refused() {
    // A document whose answer changed after approval, packed and signed by a key the customer
    // trusts: the signature holds, the sealed hash does not.
    let (_, k) = key();
    let mut d = doc();
    d.answers[61].answer.mark = Some("implemented".into());
    assert_eq!(refusal(&package_of(&d, k, false)), "exchange.hash_mismatch");
}

#[test]
fn hostile_archives_are_refused_within_the_memory_budget() {
    assert_eq!(refusal(b"not a zip at all"), "exchange.not_package");
    assert_eq!(refusal(b""), "exchange.not_package");
    // A JSON entry that expands past its cap (a zip bomb: 33 MiB of zeros, ~33 KiB packed).
    let bomb = vec![0u8; MAX_JSON_BYTES as usize + 1024];
    let bytes = zip_of(&[("assessment.json".into(), bomb)]);
    assert!(bytes.len() < 1024 * 1024, "{}", bytes.len());
    assert_eq!(refusal(&bytes), "exchange.entry_too_large");
    // More entries than allowed, refused before the zip reader allocates for them.
    let many: Vec<(String, Vec<u8>)> = (0..=MAX_ENTRIES)
        .map(|i| (format!("evidence/{i:064x}"), Vec::new()))
        .collect();
    assert_eq!(refusal(&zip_of(&many)), "exchange.too_many_entries");
    // A file over the size limit is refused before anything is read.
    let mut big = vec![0u8; MAX_PACKAGE_BYTES + 1];
    big[..4].copy_from_slice(b"PK\x03\x04");
    assert_eq!(refusal(&big), "exchange.too_large");
}

/// `d` with every sign-off step re-sealed over `registers` (what the registers said).
fn sealed_with(
    mut d: kojo_exchange::doc::AssessmentDoc,
    registers: &str,
) -> kojo_exchange::doc::AssessmentDoc {
    for s in &mut d.signoffs {
        s.registers = Some(registers.to_string());
    }
    let hash = d.content_hash();
    for s in &mut d.signoffs {
        s.content_hash = hash.hash.clone();
    }
    d
}

#[test]
fn what_the_registers_said_travels_sealed_by_the_approval() {
    let (g, k) = key();
    let snapshot = r#"{"as_of":"2026-11-12","items":[{"item":45,"suggested":"considering","findings":{"expired":1},"basis":[{"register":"firewall-rules","entries":2,"last":null}]}]}"#;
    let d = sealed_with(doc(), snapshot);
    assert_ne!(
        d.content_hash().hash,
        doc().content_hash().hash,
        "the snapshot is in the hash"
    );
    let v = package::read(&package_of(&d, k, false))
        .unwrap()
        .verify(&g.public)
        .unwrap();
    v.check_document().unwrap();
    assert_eq!(
        v.doc.approval().unwrap().registers.as_deref(),
        Some(snapshot)
    );
    // Changed after approval (a ○ where the registers said △): the sealed hash no longer holds.
    let mut forged = d.clone();
    for s in &mut forged.signoffs {
        s.registers = Some(snapshot.replace("considering", "implemented"));
    }
    assert_eq!(
        refusal(&package_of(&forged, k, false)),
        "exchange.hash_mismatch"
    );
    // Sealed, but not a snapshot: refused by name.
    let junk = sealed_with(doc(), "{\"as_of\":1}");
    assert_eq!(
        refusal(&package_of(&junk, k, false)),
        "exchange.bad_registers"
    );
}
