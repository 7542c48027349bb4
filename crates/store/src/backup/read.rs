//! Reading a backup: one streaming pass that checks every byte against the manifest, shared by
//! `kojo backup verify` (which only counts) and restore (which inserts what it is given). The
//! reader never trusts a size or count in the file for an allocation.

use super::*;
use crate::chain::hex;
use flate2::read::GzDecoder;
use serde_json::Value;
use sha2::{Digest, Sha256};
use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

/// Rows per batch handed to restore (and at most [`BATCH_BYTES`] of row text).
pub(crate) const BATCH_ROWS: usize = 500;
/// Row text per batch.
pub(crate) const BATCH_BYTES: usize = 8 * 1024 * 1024;

/// What the reader hands on, in file order.
#[derive(Debug)]
pub(crate) enum Msg {
    /// The header, first.
    Header(Header),
    /// A batch of one table's rows (values of the columns that are not bytes, in order).
    Rows(usize, Vec<Vec<Value>>),
    /// One blob, its hash checked.
    Blob(String, Vec<u8>),
    /// Everything matched the manifest; nothing follows.
    End(Box<Manifest>),
}

/// What verifying a backup found (it is complete and intact, or an error names where not).
#[derive(Debug, Clone, serde::Serialize)]
pub struct VerifyReport {
    /// The header.
    pub header: Header,
    /// The manifest.
    pub manifest: Manifest,
    /// The file's size.
    pub size: u64,
}

/// Checks a whole backup file without a database.
pub fn verify(file: &Path, read_bytes: &AtomicU64) -> Result<VerifyReport, BackupError> {
    let mut header = None;
    let mut manifest = None;
    read(file, read_bytes, &mut |m| {
        match m {
            Msg::Header(h) => header = Some(h),
            Msg::End(m) => manifest = Some(*m),
            Msg::Rows(..) | Msg::Blob(..) => {}
        }
        true
    })?;
    let size = std::fs::metadata(file).map(|m| m.len()).unwrap_or(0);
    match (header, manifest) {
        (Some(header), Some(manifest)) => Ok(VerifyReport {
            header,
            manifest,
            size,
        }),
        _ => Err(BackupError::invalid("file", "incomplete")),
    }
}

/// Counts the compressed bytes read, for progress.
struct Counting<R> {
    inner: R,
    read: Arc<AtomicU64>,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.read.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

/// Reads `file`, handing each message to `sink` (which returns `false` to stop early). Fails
/// with an error naming the entry at the first problem.
pub(crate) fn read(
    file: &Path,
    read_bytes: &AtomicU64,
    sink: &mut dyn FnMut(Msg) -> bool,
) -> Result<(), BackupError> {
    let path = file.display().to_string();
    let f = File::open(file).map_err(|e| BackupError::Io {
        path: path.clone(),
        source: e,
    })?;
    let counter = Arc::new(AtomicU64::new(0));
    let counting = Counting {
        inner: BufReader::with_capacity(1 << 20, f),
        read: counter.clone(),
    };
    let mut archive = tar::Archive::new(GzDecoder::new(counting));
    let broken =
        |entry: &str, e: &dyn std::fmt::Display| BackupError::invalid(entry, e.to_string());
    let mut entries = archive.entries().map_err(|e| broken("file", &e))?.raw(true);
    let mut next = |want: &str| next_entry(&mut entries, want);
    let sync =
        |counter: &AtomicU64| read_bytes.store(counter.load(Ordering::Relaxed), Ordering::Relaxed);

    // 1. The header.
    let mut e = next("kojo-backup.json")?;
    let name = entry_name(&e);
    if name != "kojo-backup.json" {
        return Err(BackupError::invalid(
            "file",
            format!("not a kojo backup (first entry {name:?})"),
        ));
    }
    let bytes = read_small(&mut e, "kojo-backup.json")?;
    drop(e);
    let header: Header =
        serde_json::from_slice(&bytes).map_err(|e| broken("kojo-backup.json", &e))?;
    check_header(&header)?;
    let mut sums = vec![EntrySum {
        path: name,
        size: bytes.len() as u64,
        sha256: hex(&Sha256::digest(&bytes)),
        rows: None,
    }];
    if !sink(Msg::Header(header.clone())) {
        return Ok(());
    }

    // 2. The tables, the blobs right before the `blobs` table.
    let (mut blob_count, mut blob_bytes, mut blobs_digest) = (0u64, 0u64, Sha256::new());
    for (t, spec) in header.tables.iter().enumerate() {
        let want = format!("tables/{}.jsonl", spec.name);
        let mut e = next(&want)?;
        if spec.name == "blobs" {
            loop {
                let name = entry_name(&e);
                let Some(sha) = name.strip_prefix("blobs/") else {
                    break;
                };
                if sha.len() != 64
                    || !sha
                        .bytes()
                        .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
                {
                    return Err(BackupError::invalid(&name, "not a blob name"));
                }
                let size = e.header().size().map_err(|x| broken(&name, &x))?;
                if size > MAX_BLOB_BYTES {
                    return Err(BackupError::invalid(
                        &name,
                        format!("larger than {} MiB", MAX_BLOB_BYTES >> 20),
                    ));
                }
                let mut data = Vec::with_capacity(size.min(64 << 20) as usize);
                (&mut e)
                    .take(MAX_BLOB_BYTES + 1)
                    .read_to_end(&mut data)
                    .map_err(|x| broken(&name, &x))?;
                if data.len() as u64 != size || hex(&Sha256::digest(&data)) != sha {
                    return Err(BackupError::invalid(
                        &name,
                        "the content does not match its SHA-256",
                    ));
                }
                blobs_digest.update(sha.as_bytes());
                blobs_digest.update(b"\n");
                blob_count += 1;
                blob_bytes += size;
                let sha = sha.to_string();
                drop(e);
                sync(&counter);
                if !sink(Msg::Blob(sha, data)) {
                    return Ok(());
                }
                e = next(&want)?;
            }
        }
        let name = entry_name(&e);
        if name != want {
            return Err(BackupError::invalid(&name, format!("expected {want}")));
        }
        let kinds: Vec<ColumnKind> = spec
            .columns
            .iter()
            .map(|c| c.kind)
            .filter(|k| *k != ColumnKind::Bytes)
            .collect();
        let mut lines = BufReader::with_capacity(1 << 16, &mut e);
        let (mut hash, mut size, mut rows) = (Sha256::new(), 0u64, 0u64);
        let (mut batch, mut batch_bytes) = (Vec::new(), 0usize);
        let mut line = Vec::new();
        loop {
            line.clear();
            let n = (&mut lines)
                .take(MAX_LINE_BYTES as u64 + 1)
                .read_until(b'\n', &mut line)
                .map_err(|x| broken(&want, &x))?;
            if n == 0 {
                break;
            }
            rows += 1;
            let at = format!("{want}, row {rows}");
            if n > MAX_LINE_BYTES || line.last() != Some(&b'\n') {
                return Err(BackupError::invalid(
                    at,
                    "a row that is too long or not terminated",
                ));
            }
            hash.update(&line);
            size += n as u64;
            let values: Vec<Value> = serde_json::from_slice(&line).map_err(|x| broken(&at, &x))?;
            check_row(&values, &kinds).map_err(|d| BackupError::invalid(&at, d))?;
            batch_bytes += n;
            batch.push(values);
            if batch.len() >= BATCH_ROWS || batch_bytes >= BATCH_BYTES {
                sync(&counter);
                if !sink(Msg::Rows(t, std::mem::take(&mut batch))) {
                    return Ok(());
                }
                batch_bytes = 0;
            }
        }
        drop(lines);
        drop(e);
        if !batch.is_empty() && !sink(Msg::Rows(t, batch)) {
            return Ok(());
        }
        sums.push(EntrySum {
            path: want,
            size,
            sha256: hex(&hash.finalize()),
            rows: Some(rows),
        });
    }

    // 3. The manifest, last.
    let mut e = next("manifest.json")?;
    let name = entry_name(&e);
    if name != "manifest.json" {
        return Err(BackupError::invalid(&name, "expected manifest.json"));
    }
    let bytes = read_small(&mut e, "manifest.json")?;
    drop(e);
    let manifest: Manifest =
        serde_json::from_slice(&bytes).map_err(|x| broken("manifest.json", &x))?;
    for (i, got) in sums.iter().enumerate() {
        match manifest.entries.get(i) {
            Some(m) if m == got => {}
            Some(m) if m.path == got.path => {
                return Err(BackupError::invalid(
                    &got.path,
                    "the content does not match the manifest's SHA-256, size or row count",
                ));
            }
            _ => {
                return Err(BackupError::invalid(
                    "manifest.json",
                    format!("does not list {}", got.path),
                ));
            }
        }
    }
    if manifest.entries.len() != sums.len() {
        return Err(BackupError::invalid(
            "manifest.json",
            "lists entries the file does not hold",
        ));
    }
    if (manifest.blob_count, manifest.blob_bytes) != (blob_count, blob_bytes)
        || manifest.blobs_digest != hex(&blobs_digest.finalize())
    {
        return Err(BackupError::invalid(
            "blobs/",
            "the blobs do not match the manifest",
        ));
    }
    if let Some(extra) = entries.next() {
        let name = extra.map(|e| entry_name(&e)).unwrap_or_else(|_| "?".into());
        return Err(BackupError::invalid(name, "an entry after the manifest"));
    }
    sync(&counter);
    sink(Msg::End(Box::new(manifest)));
    Ok(())
}

type Source = GzDecoder<Counting<BufReader<File>>>;

fn next_entry<'a>(
    entries: &mut tar::Entries<'a, Source>,
    want: &str,
) -> Result<tar::Entry<'a, Source>, BackupError> {
    let e = entries
        .next()
        .ok_or_else(|| BackupError::invalid(want, "missing: the file ends early"))?
        .map_err(|e| BackupError::invalid(want, format!("not a kojo backup (tar/gzip: {e})")))?;
    if e.header().entry_type() != tar::EntryType::Regular {
        return Err(BackupError::invalid(
            want,
            "an entry that is not a plain file",
        ));
    }
    Ok(e)
}

fn entry_name<R: Read>(e: &tar::Entry<'_, R>) -> String {
    let raw = e.path_bytes();
    let s: String = String::from_utf8_lossy(&raw).chars().take(120).collect();
    s
}

fn read_small<R: Read>(e: &mut tar::Entry<'_, R>, name: &str) -> Result<Vec<u8>, BackupError> {
    let mut bytes = Vec::new();
    e.take(MAX_HEADER_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|x| BackupError::invalid(name, x.to_string()))?;
    if bytes.len() as u64 > MAX_HEADER_BYTES {
        return Err(BackupError::invalid(
            name,
            format!("larger than {} KiB", MAX_HEADER_BYTES >> 10),
        ));
    }
    Ok(bytes)
}

fn check_header(h: &Header) -> Result<(), BackupError> {
    let bad = |d: String| Err(BackupError::invalid("kojo-backup.json", d));
    if h.format != FORMAT {
        return bad(format!("not a kojo backup (format {:?})", h.format));
    }
    if h.format_version != FORMAT_VERSION {
        return bad(format!(
            "layout version {} (this kojo reads {FORMAT_VERSION})",
            h.format_version
        ));
    }
    let known = latest_schema_version();
    if h.schema_version > known {
        return Err(BackupError::Newer {
            backup: h.schema_version,
            known,
        });
    }
    if !crate::MIGRATOR
        .iter()
        .any(|m| m.version == h.schema_version)
    {
        return bad(format!("unknown schema version {}", h.schema_version));
    }
    if h.tables.len() > MAX_TABLES {
        return bad(format!("more than {MAX_TABLES} tables"));
    }
    // The tables are a subsequence of TABLES (an older schema has fewer), each once.
    let mut from = 0;
    for t in &h.tables {
        match TABLES[from..].iter().position(|(n, _)| *n == t.name) {
            Some(p) => from += p + 1,
            None => return bad(format!("unexpected table {:?}", t.name)),
        }
        if t.columns.is_empty() || t.columns.len() > MAX_COLUMNS {
            return bad(format!("table {} has {} columns", t.name, t.columns.len()));
        }
        let mut names: Vec<&str> = t.columns.iter().map(|c| c.name.as_str()).collect();
        if names.iter().any(|n| !is_identifier(n)) {
            return bad(format!(
                "table {} has a column name kojo does not write",
                t.name
            ));
        }
        names.sort_unstable();
        names.dedup();
        if names.len() != t.columns.len() {
            return bad(format!("table {} lists a column twice", t.name));
        }
        let bytes = t
            .columns
            .iter()
            .filter(|c| c.kind == ColumnKind::Bytes)
            .count();
        if bytes > usize::from(t.name == "blobs") {
            return bad(format!("table {} has a bytes column", t.name));
        }
    }
    Ok(())
}

fn check_row(values: &[Value], kinds: &[ColumnKind]) -> Result<(), String> {
    if values.len() != kinds.len() {
        return Err(format!(
            "{} values for {} columns",
            values.len(),
            kinds.len()
        ));
    }
    for (i, (v, k)) in values.iter().zip(kinds).enumerate() {
        let ok = match (v, k) {
            (Value::Null, _) => true,
            (Value::String(_), ColumnKind::Text) => true,
            (Value::Number(n), ColumnKind::Int) => n.is_i64(),
            (Value::Bool(_), ColumnKind::Bool) => true,
            _ => false,
        };
        if !ok {
            return Err(format!("value {} is not {:?}", i + 1, k));
        }
    }
    Ok(())
}
