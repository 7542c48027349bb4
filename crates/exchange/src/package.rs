//! The submission package (`.kojo`): a zip of the approved revision, its manifest and the
//! manifest's minisign signature.
//!
//! Entries, in this order: `manifest.json`, `manifest.json.minisig`, `assessment.json`,
//! `oscal-assessment-results.json`, `report.pdf`, `checksheet.xlsx`, then `evidence/SHA256` for
//! each evidence file when included. The manifest names every other entry with its size and
//! SHA-256, so the one signature covers them all.
//!
//! Reproducible: entries are written in a fixed order with a fixed time (1980-01-01, the zip
//! epoch) and fixed permissions, and the signature is deterministic ([`crate::keys`]), so the
//! same revision and key give the same bytes.
//!
//! Reading is bounded before anything is decompressed: the file size, the number of central
//! directory entries (counted by signature, before the zip reader allocates a record for each),
//! and the decompressed bytes, counted as they come out rather than as declared.

use crate::ExchangeError;
use crate::doc::{AssessmentDoc, Party};
use crate::keys::{self, PublicKey, SigningKey};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::io::{Cursor, Read, Write};

/// The version of the package format.
pub const PACKAGE_FORMAT: u32 = 1;
/// The manifest's entry name.
pub const MANIFEST: &str = "manifest.json";
/// The signature's entry name.
pub const SIGNATURE: &str = "manifest.json.minisig";
/// The canonical assessment document.
pub const ASSESSMENT: &str = "assessment.json";
/// The OSCAL assessment-results document.
pub const OSCAL_AR: &str = "oscal-assessment-results.json";
/// The PDF report.
pub const REPORT: &str = "report.pdf";
/// The xlsx checksheet.
pub const CHECKSHEET: &str = "checksheet.xlsx";
/// Folder of evidence files, named by their SHA-256.
pub const EVIDENCE_DIR: &str = "evidence/";

/// The largest package accepted (the file as uploaded).
pub const MAX_PACKAGE_BYTES: usize = 256 * 1024 * 1024;
/// The most decompressed bytes of all entries together.
pub const MAX_UNPACKED_BYTES: u64 = 512 * 1024 * 1024;
/// The most bytes of one JSON entry.
pub const MAX_JSON_BYTES: u64 = 32 * 1024 * 1024;
/// The most entries in a package.
pub const MAX_ENTRIES: usize = 10_000;

/// What `manifest.json` says; the signature covers its exact bytes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    /// [`PACKAGE_FORMAT`].
    pub format: u32,
    /// The kojo version that made it.
    pub kojo_version: String,
    /// The catalog answered (id and version).
    pub catalog_id: String,
    /// The submitting company.
    pub company: Party,
    /// The plant.
    pub plant: Party,
    /// The line, when the scope is one line.
    pub line: Option<Party>,
    /// Fiscal year.
    pub period: i64,
    /// Revision.
    pub revision: i64,
    /// The supplier's assessment id.
    pub assessment_id: String,
    /// The content hash sealed by the approval.
    pub signoff_hash: String,
    /// When the package content was fixed: the approval's time (RFC 3339), so that packing
    /// twice gives the same bytes.
    pub created: String,
    /// The signing key's minisign id.
    pub key_id: String,
    /// Every other entry but the signature: size and SHA-256.
    pub files: BTreeMap<String, FileEntry>,
}

/// One entry in the manifest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileEntry {
    /// Bytes.
    pub size: u64,
    /// SHA-256 (hex).
    pub sha256: String,
}

fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// What goes into a package besides the manifest and signature.
#[derive(Debug)]
pub struct Contents<'a> {
    /// The assessment.
    pub doc: &'a AssessmentDoc,
    /// `oscal-assessment-results.json`.
    pub oscal: &'a [u8],
    /// `report.pdf`.
    pub report: &'a [u8],
    /// `checksheet.xlsx`.
    pub checksheet: &'a [u8],
    /// Evidence files by SHA-256 (empty without `--with-evidence`).
    pub evidence: BTreeMap<String, Vec<u8>>,
}

/// The trusted comment signed with the manifest: who, what, which revision.
pub fn trusted_comment(m: &Manifest) -> String {
    let scope = match &m.line {
        Some(l) => format!("{}/{}", m.plant.code, l.code),
        None => m.plant.code.clone(),
    };
    format!(
        "kojo submission {} {} FY{} r{} sha256:{}",
        m.company.code,
        scope,
        m.period,
        m.revision,
        sha256_hex(m.signoff_hash.as_bytes())
            .get(..16)
            .unwrap_or_default()
    )
}

/// Packs and signs. The caller makes sure the assessment is approved; the approval's hash and
/// time come from the document.
pub fn write(
    contents: &Contents<'_>,
    key: &SigningKey,
    kojo_version: &str,
) -> Result<Vec<u8>, ExchangeError> {
    let doc = contents.doc;
    let approval = doc
        .approval()
        .ok_or_else(|| ExchangeError::new("exchange.not_approved"))?;
    let assessment =
        serde_json::to_vec_pretty(doc).map_err(|e| ExchangeError::internal(e.to_string()))?;
    let mut entries: Vec<(String, &[u8])> = vec![
        (ASSESSMENT.into(), &assessment),
        (OSCAL_AR.into(), contents.oscal),
        (REPORT.into(), contents.report),
        (CHECKSHEET.into(), contents.checksheet),
    ];
    for (sha, bytes) in &contents.evidence {
        entries.push((format!("{EVIDENCE_DIR}{sha}"), bytes));
    }
    let manifest = Manifest {
        format: PACKAGE_FORMAT,
        kojo_version: kojo_version.to_string(),
        catalog_id: doc.header.catalog_id.clone(),
        company: doc.company.clone(),
        plant: doc.plant.clone(),
        line: doc.line.clone(),
        period: doc.header.period,
        revision: doc.header.revision,
        assessment_id: doc.header.id.clone(),
        signoff_hash: approval.content_hash.clone(),
        created: approval.at.clone(),
        key_id: key.public().key_id.clone(),
        files: entries
            .iter()
            .map(|(name, bytes)| {
                (
                    name.clone(),
                    FileEntry {
                        size: bytes.len() as u64,
                        sha256: sha256_hex(bytes),
                    },
                )
            })
            .collect(),
    };
    let manifest_bytes =
        serde_json::to_vec_pretty(&manifest).map_err(|e| ExchangeError::internal(e.to_string()))?;
    let signature = key.sign(&manifest_bytes, &trusted_comment(&manifest));

    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .last_modified_time(zip::DateTime::default())
        .unix_permissions(0o644);
    let mut put = |name: &str, bytes: &[u8]| -> Result<(), ExchangeError> {
        zip.start_file(name, options)
            .and_then(|()| zip.write_all(bytes).map_err(Into::into))
            .map_err(|e| ExchangeError::internal(e.to_string()))
    };
    put(MANIFEST, &manifest_bytes)?;
    put(SIGNATURE, signature.as_bytes())?;
    for (name, bytes) in &entries {
        put(name, bytes)?;
    }
    let out = zip
        .finish()
        .map_err(|e| ExchangeError::internal(e.to_string()))?;
    Ok(out.into_inner())
}

/// A package read from its bytes: entries unpacked within the limits, nothing verified yet.
#[derive(Debug)]
pub struct Unpacked {
    manifest: Vec<u8>,
    signature: String,
    files: BTreeMap<String, Vec<u8>>,
}

/// A package whose signature and every file hash were checked.
#[derive(Debug)]
pub struct Verified {
    /// The manifest.
    pub manifest: Manifest,
    /// The manifest's signed trusted comment.
    pub trusted_comment: String,
    /// The assessment document.
    pub doc: AssessmentDoc,
    /// Every entry but the manifest and signature, by name.
    pub files: BTreeMap<String, Vec<u8>>,
}

fn allowed_name(name: &str) -> bool {
    matches!(
        name,
        MANIFEST | SIGNATURE | ASSESSMENT | OSCAL_AR | REPORT | CHECKSHEET
    ) || name.strip_prefix(EVIDENCE_DIR).is_some_and(|h| {
        h.len() == 64
            && h.bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    })
}

/// Unpacks a package within the limits above. Refuses anything that is not a package kojo
/// writes: other entry names, duplicates, encryption, too many or too large entries.
pub fn read(bytes: &[u8]) -> Result<Unpacked, ExchangeError> {
    if bytes.len() > MAX_PACKAGE_BYTES {
        return Err(ExchangeError::new("exchange.too_large")
            .with("max", (MAX_PACKAGE_BYTES / 1024 / 1024).to_string()));
    }
    if !bytes.starts_with(b"PK\x03\x04") {
        return Err(ExchangeError::new("exchange.not_package"));
    }
    // Count central directory records by their signature before the zip reader allocates one
    // record per declared entry.
    let headers = bytes.windows(4).filter(|w| *w == b"PK\x01\x02").count();
    if headers > MAX_ENTRIES {
        return Err(
            ExchangeError::new("exchange.too_many_entries").with("max", MAX_ENTRIES.to_string())
        );
    }
    let broken = |e: &dyn std::fmt::Display| {
        let detail: String = e.to_string().chars().take(200).collect();
        ExchangeError::new("exchange.broken_zip").with("detail", detail)
    };
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|e| broken(&e))?;
    if archive.len() > MAX_ENTRIES {
        return Err(
            ExchangeError::new("exchange.too_many_entries").with("max", MAX_ENTRIES.to_string())
        );
    }
    let mut budget = MAX_UNPACKED_BYTES;
    let mut files = BTreeMap::new();
    for i in 0..archive.len() {
        let file = archive.by_index(i).map_err(|e| broken(&e))?;
        if file.encrypted() {
            return Err(ExchangeError::new("exchange.broken_zip").with("detail", "encrypted"));
        }
        // Raw bytes: a name that is not plain ASCII is not one kojo writes.
        let name = String::from_utf8_lossy(file.name_raw()).into_owned();
        if !allowed_name(&name) {
            let shown: String = name.chars().take(100).collect();
            return Err(ExchangeError::new("exchange.unexpected_entry").with("entry", shown));
        }
        if files.contains_key(&name) {
            return Err(ExchangeError::new("exchange.duplicate_entry").with("entry", name));
        }
        let cap = if name.ends_with(".json") || name == SIGNATURE {
            MAX_JSON_BYTES.min(budget)
        } else {
            budget
        };
        // Never trust the declared size: read one byte past the cap to see whether it is
        // exceeded, and never reserve more than the declared size up front.
        let mut data = Vec::with_capacity(usize::try_from(file.size().min(cap)).unwrap_or(0));
        file.take(cap + 1)
            .read_to_end(&mut data)
            .map_err(|e| broken(&e))?;
        if data.len() as u64 > cap {
            return Err(ExchangeError::new("exchange.entry_too_large").with("entry", name));
        }
        budget -= data.len() as u64;
        files.insert(name, data);
    }
    let manifest = files
        .remove(MANIFEST)
        .ok_or_else(|| ExchangeError::new("exchange.missing_entry").with("entry", MANIFEST))?;
    let signature = files
        .remove(SIGNATURE)
        .ok_or_else(|| ExchangeError::new("exchange.missing_entry").with("entry", SIGNATURE))?;
    let signature =
        String::from_utf8(signature).map_err(|_| ExchangeError::new("exchange.bad_signature"))?;
    Ok(Unpacked {
        manifest,
        signature,
        files,
    })
}

impl Unpacked {
    /// The key id the signature names (to look up the supplier's public key).
    pub fn key_id(&self) -> Result<String, ExchangeError> {
        keys::signature_key_id(&self.signature)
    }

    /// Checks the signature with `key`, then every file against the manifest (no file missing,
    /// none extra, each size and SHA-256), then reads the assessment document.
    pub fn verify(self, key: &PublicKey) -> Result<Verified, ExchangeError> {
        let trusted_comment = keys::verify(key, &self.signature, &self.manifest)?;
        let manifest: Manifest = serde_json::from_slice(&self.manifest).map_err(|e| {
            ExchangeError::new("exchange.bad_manifest").with("detail", e.to_string())
        })?;
        if manifest.format != PACKAGE_FORMAT {
            return Err(ExchangeError::new("exchange.format")
                .with("format", manifest.format.to_string())
                .with("supported", PACKAGE_FORMAT.to_string()));
        }
        if trusted_comment != self::trusted_comment(&manifest) {
            return Err(ExchangeError::new("exchange.wrong_signature"));
        }
        for name in self.files.keys() {
            if !manifest.files.contains_key(name) {
                return Err(ExchangeError::new("exchange.unlisted_entry").with("entry", name));
            }
        }
        for (name, entry) in &manifest.files {
            let Some(bytes) = self.files.get(name) else {
                return Err(ExchangeError::new("exchange.missing_entry").with("entry", name));
            };
            if bytes.len() as u64 != entry.size || sha256_hex(bytes) != entry.sha256 {
                return Err(ExchangeError::new("exchange.changed_entry").with("entry", name));
            }
        }
        for name in [ASSESSMENT, OSCAL_AR, REPORT, CHECKSHEET] {
            if !self.files.contains_key(name) {
                return Err(ExchangeError::new("exchange.missing_entry").with("entry", name));
            }
        }
        let doc: AssessmentDoc = serde_json::from_slice(&self.files[ASSESSMENT]).map_err(|e| {
            ExchangeError::new("exchange.bad_document").with("detail", e.to_string())
        })?;
        Ok(Verified {
            manifest,
            trusted_comment,
            doc,
            files: self.files,
        })
    }
}

impl Verified {
    /// Checks that the document is the one the manifest describes and that its content hashes
    /// to the sealed sign-off hash.
    pub fn check_document(&self) -> Result<(), ExchangeError> {
        let m = &self.manifest;
        let d = &self.doc;
        let same = d.format == crate::doc::DOC_FORMAT
            && d.header.id == m.assessment_id
            && d.header.catalog_id == m.catalog_id
            && d.header.period == m.period
            && d.header.revision == m.revision
            && d.company == m.company
            && d.plant == m.plant
            && d.line == m.line
            && d.status == "approved"
            && d.approval()
                .is_some_and(|a| a.content_hash == m.signoff_hash);
        if !same {
            return Err(ExchangeError::new("exchange.document_mismatch"));
        }
        if d.content_hash().hash != m.signoff_hash {
            return Err(ExchangeError::new("exchange.hash_mismatch"));
        }
        // What the registers said is sealed by the hash; it must also read as a snapshot.
        for s in &d.signoffs {
            if let Some(r) = &s.registers
                && kojo_domain::register::Snapshot::from_json(r).is_err()
            {
                return Err(ExchangeError::new("exchange.bad_registers")
                    .with("decision", s.decision.clone()));
            }
        }
        for e in &d.evidence {
            let name = format!("{EVIDENCE_DIR}{}", e.sha256);
            if let Some(bytes) = self.files.get(&name)
                && bytes.len() as u64 != e.size
            {
                return Err(ExchangeError::new("exchange.changed_entry").with("entry", name));
            }
        }
        Ok(())
    }
}
