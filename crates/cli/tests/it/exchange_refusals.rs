//! Every refusal of a package (issue 11 §4) is a clear error and stores nothing: unknown key,
//! wrong signature, a changed byte, another supplier, an unknown catalog, a retired key, a zip
//! bomb, an oversized package, and more.

use crate::common::*;
use crate::exchange::*;
use serde_json::Value;
use std::io::{Read, Write};
use std::path::Path;

/// Rewrites a package: `edit` changes the manifest and the document, then the manifest is
/// signed again with `secret`, so the signature is valid for what it now says.
fn resign(package: &Path, secret: &Path, out: &Path, edit: impl FnOnce(&mut Value, &mut Value)) {
    use kojo_exchange::keys::SigningKey;
    let mut zip = zip::ZipArchive::new(std::fs::File::open(package).unwrap()).unwrap();
    let mut files: Vec<(String, Vec<u8>)> = (0..zip.len())
        .map(|i| {
            let mut f = zip.by_index(i).unwrap();
            let mut v = Vec::new();
            f.read_to_end(&mut v).unwrap();
            (String::from_utf8_lossy(f.name_raw()).into_owned(), v)
        })
        .collect();
    let mut manifest: Value = serde_json::from_slice(&files[0].1).unwrap();
    let doc_at = files
        .iter()
        .position(|(n, _)| n == "assessment.json")
        .unwrap();
    let mut doc: Value = serde_json::from_slice(&files[doc_at].1).unwrap();
    edit(&mut manifest, &mut doc);
    files[doc_at].1 = serde_json::to_vec_pretty(&doc).unwrap();
    manifest["files"]["assessment.json"] = serde_json::json!({
        "size": files[doc_at].1.len(),
        "sha256": kojo_domain::sha256_hex(&files[doc_at].1),
    });
    files[0].1 = serde_json::to_vec_pretty(&manifest).unwrap();
    let key = SigningKey::open(&std::fs::read_to_string(secret).unwrap(), PASS).unwrap();
    let m: kojo_exchange::package::Manifest = serde_json::from_value(manifest).unwrap();
    files[1].1 = key
        .sign(&files[0].1, &kojo_exchange::package::trusted_comment(&m))
        .into_bytes();
    let mut w = zip::ZipWriter::new(std::fs::File::create(out).unwrap());
    for (name, data) in files {
        w.start_file(name, zip::write::SimpleFileOptions::default())
            .unwrap();
        w.write_all(&data).unwrap();
    }
    w.finish().unwrap();
}

fn refused(x: &Exchange, package: &Path, args: &[&str], expect: &str) {
    let before = received_count(&x.customer);
    let r = run(x.customer.kojo().arg("receive").arg(package).args(args));
    assert_eq!(r.code, 1, "accepted: {}", r.stdout);
    assert!(r.stderr.contains(expect), "{expect}: {}", r.stderr);
    assert_eq!(received_count(&x.customer), before, "nothing stored");
}

#[test]
fn every_refusal_is_a_clear_error_and_stores_nothing() {
    let x = exchange(sqlite_db(), sqlite_db());
    let dir = x.customer.dir.path();

    // An unknown key: a customer that has not registered the supplier.
    let stranger = sqlite_db();
    let r = run(stranger.kojo().arg("receive").arg(&x.package));
    assert_eq!(r.code, 1);
    assert!(
        r.stderr.contains("どの取引先にも登録されていません"),
        "{}",
        r.stderr
    );
    let r = run(stranger
        .kojo()
        .args(["--lang", "en", "receive"])
        .arg(&x.package));
    assert!(
        r.stderr.contains("not registered for any supplier"),
        "{}",
        r.stderr
    );

    // A wrong signature: the manifest changed after signing.
    let bytes = std::fs::read(&x.package).unwrap();
    let tampered_manifest = dir.join("manifest.kojo");
    {
        let mut zip = zip::ZipArchive::new(std::io::Cursor::new(&bytes)).unwrap();
        let mut w = zip::ZipWriter::new(std::fs::File::create(&tampered_manifest).unwrap());
        for i in 0..zip.len() {
            let mut f = zip.by_index(i).unwrap();
            let name = String::from_utf8_lossy(f.name_raw()).into_owned();
            let mut v = Vec::new();
            f.read_to_end(&mut v).unwrap();
            if name == "manifest.json" {
                v = String::from_utf8(v)
                    .unwrap()
                    .replace("第一工場", "第二工場")
                    .into_bytes();
            }
            if name == "report.pdf" {
                let n = v.len() / 2;
                v[n] ^= 0x20;
            }
            w.start_file(name, zip::write::SimpleFileOptions::default())
                .unwrap();
            w.write_all(&v).unwrap();
        }
        w.finish().unwrap();
    }
    refused(&x, &tampered_manifest, &[], "署名が一致しません");

    // A changed byte in a file (the signed manifest untouched).
    let changed = dir.join("changed.kojo");
    {
        let mut zip = zip::ZipArchive::new(std::io::Cursor::new(&bytes)).unwrap();
        let mut w = zip::ZipWriter::new(std::fs::File::create(&changed).unwrap());
        for i in 0..zip.len() {
            let mut f = zip.by_index(i).unwrap();
            let name = String::from_utf8_lossy(f.name_raw()).into_owned();
            let mut v = Vec::new();
            f.read_to_end(&mut v).unwrap();
            if name == "checksheet.xlsx" {
                let n = v.len() - 1;
                v[n] ^= 1;
            }
            w.start_file(name, zip::write::SimpleFileOptions::default())
                .unwrap();
            w.write_all(&v).unwrap();
        }
        w.finish().unwrap();
    }
    refused(
        &x,
        &changed,
        &[],
        "checksheet.xlsx は署名後に変更されています",
    );

    // A manifest naming another supplier, signed with ACME's key.
    let other = dir.join("other.kojo");
    resign(&x.package, &x.secret, &other, |m, d| {
        m["company"]["code"] = "BETA".into();
        d["company"]["code"] = "BETA".into();
    });
    refused(
        &x,
        &other,
        &[],
        "取引先 BETA を名乗っていますが、署名は ACME の鍵です",
    );

    // Not the supplier the customer expects.
    refused(
        &x,
        &x.package,
        &["--company", "BETA"],
        "BETA のものではありません",
    );

    // A catalog this kojo does not know.
    let catalog = dir.join("catalog.kojo");
    resign(&x.package, &x.secret, &catalog, |m, d| {
        m["catalog_id"] = "jama-japia-factory@9.9".into();
        d["header"]["catalog_id"] = "jama-japia-factory@9.9".into();
    });
    refused(
        &x,
        &catalog,
        &[],
        "カタログ jama-japia-factory@9.9 はこの kojo にありません",
    );

    // Content that does not hash to the approval.
    let forged = dir.join("forged.kojo");
    resign(&x.package, &x.secret, &forged, |_, d| {
        d["answers"][61]["answer"]["mark"] = "implemented".into();
    });
    refused(&x, &forged, &[], "承認時ハッシュと一致しません");

    // A zip bomb: a small file whose JSON entry expands past its limit.
    let bomb = dir.join("bomb.kojo");
    {
        let mut w = zip::ZipWriter::new(std::fs::File::create(&bomb).unwrap());
        w.start_file(
            "assessment.json",
            zip::write::SimpleFileOptions::default()
                .compression_method(zip::CompressionMethod::Deflated),
        )
        .unwrap();
        let zeros = vec![0u8; 1024 * 1024];
        for _ in 0..40 {
            w.write_all(&zeros).unwrap();
        }
        w.finish().unwrap();
    }
    assert!(std::fs::metadata(&bomb).unwrap().len() < 1024 * 1024);
    refused(&x, &bomb, &[], "assessment.json が上限を超えています");

    // A package over the size limit.
    let big = dir.join("big.kojo");
    {
        let f = std::fs::File::create(&big).unwrap();
        f.set_len(kojo_exchange::package::MAX_PACKAGE_BYTES as u64 + 1)
            .unwrap();
    }
    refused(&x, &big, &[], "MiB を超えています");

    // Not a package at all.
    let junk = dir.join("junk.kojo");
    std::fs::write(&junk, "hello").unwrap();
    refused(&x, &junk, &[], "提出パッケージ");

    // The real one still goes in after all that.
    assert_eq!(receive(&x.customer, &x.package).code, 0);
    assert_eq!(received_count(&x.customer), 1);
}
