//! The tamper-evident audit trail (guideline items 18, 59): verification, export of a range that
//! verifies on its own, anchors, retention.

use crate::{Admin, AppError, Reader};
use kojo_i18n::Lang;
use kojo_store::chain::{Break, ChainRecord, GENESIS, Walker};
use kojo_store::{Anchor, AnchorRow, ChainReport};
use std::io::{BufRead, Write};

/// The export layout.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    /// One JSON object per line: a header with the anchor, the records, a trailer with the head.
    Jsonl,
    /// One row per record with its `prev_hash` and `hash` (for spreadsheets; verify the JSONL).
    Csv,
}

/// The first line of a JSONL export.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct ExportHeader {
    /// Always `kojo-audit-export`.
    pub format: String,
    /// The record before the first one exported: the range verifies from it.
    pub anchor: Anchor,
    /// The requested bounds (RFC 3339).
    pub from: String,
    /// The requested bounds (RFC 3339).
    pub to: String,
}

/// What an export wrote.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ExportSummary {
    /// The anchor the range starts from.
    pub anchor: Anchor,
    /// First and last order key (None when the range is empty).
    pub span: Option<(i64, i64)>,
    /// Records written.
    pub count: u64,
    /// The last record's hash.
    pub head_hash: String,
}

/// The largest line of a JSONL export read back.
pub const MAX_EXPORT_LINE: usize = 64 * 1024;

impl Reader<'_> {
    /// Appends a record of what the actor did to the audit trail.
    pub(crate) async fn audit(
        &self,
        action: &str,
        target: &str,
        detail: Option<&str>,
    ) -> Result<(), AppError> {
        let a = self.actor;
        Ok(self
            .app
            .store
            .audit(
                Some(&a.name),
                a.client.as_deref(),
                action,
                Some(target),
                detail,
            )
            .await?)
    }

    /// Records in the audit trail that the actor exported `what` (a report, a checksheet, …) of
    /// an assessment.
    pub async fn record_export(&self, assessment_id: &str, what: &str) -> Result<(), AppError> {
        self.audit("export", assessment_id, Some(what)).await
    }
}

impl Admin<'_> {
    /// Walks the whole chain and every answer-history row; keeps at most `limit` breaks.
    pub async fn audit_verify(&self, limit: usize) -> Result<ChainReport, AppError> {
        Ok(self.app.store.audit_verify(limit).await?)
    }

    /// The head of the chain.
    pub async fn audit_head(&self) -> Result<Anchor, AppError> {
        Ok(self.app.store.audit_head().await?)
    }

    /// Whether the chain holds record `seq` with hash `hash` (an anchor kept elsewhere), or a
    /// prune anchor names it.
    pub async fn audit_has(&self, seq: i64, hash: &str) -> Result<bool, AppError> {
        let r = self.app.store.audit_page(seq - 1, seq, 1).await?;
        if let Some(r) = r.first() {
            return Ok(r.hash.as_deref() == Some(hash));
        }
        let anchors = self.app.store.audit_anchors(i64::MAX).await?;
        Ok(anchors
            .iter()
            .any(|a| a.head_seq == seq && a.head_hash == hash))
    }

    /// Records the head as a `daily` anchor and writes it to the server log.
    pub async fn record_anchor(&self) -> Result<AnchorRow, AppError> {
        let a = self.app.store.audit_anchor("daily").await?;
        tracing::info!(seq = a.head_seq, hash = %a.head_hash, "audit anchor");
        Ok(a)
    }

    /// The recorded anchors, newest first.
    pub async fn audit_anchors(&self, limit: i64) -> Result<Vec<AnchorRow>, AppError> {
        Ok(self.app.store.audit_anchors(limit).await?)
    }

    /// Retention: removes records written before `cutoff` (RFC 3339), keeping the chain
    /// verifiable from a recorded anchor. Returns how many went.
    pub async fn audit_prune(&self, cutoff: &str) -> Result<u64, AppError> {
        Ok(self.app.store.audit_prune(cutoff, &self.actor.name).await?)
    }

    /// Writes the records between `from` and `to` (RFC 3339; `to` exclusive) to `w`, with the
    /// anchor they follow, page by page.
    pub async fn audit_export(
        &self,
        from: &str,
        to: &str,
        format: ExportFormat,
        w: &mut dyn Write,
    ) -> Result<ExportSummary, AppError> {
        let io =
            |e: std::io::Error| AppError::bad("ops.io", &[("path", &"output"), ("detail", &e)]);
        let span = self.app.store.audit_span(from, to).await?;
        let anchor = match span {
            Some((first, _)) => {
                let r = self.app.store.audit_page(first - 1, first, 1).await?;
                Anchor {
                    seq: first - 1,
                    hash: r
                        .first()
                        .and_then(|r| r.prev_hash.clone())
                        .unwrap_or_else(|| GENESIS.into()),
                }
            }
            None => self.app.store.audit_head().await?,
        };
        match format {
            ExportFormat::Jsonl => {
                let h = ExportHeader {
                    format: "kojo-audit-export".into(),
                    anchor: anchor.clone(),
                    from: from.into(),
                    to: to.into(),
                };
                writeln!(w, "{}", serde_json::to_string(&h).unwrap_or_default()).map_err(io)?;
            }
            ExportFormat::Csv => writeln!(
                w,
                "seq,at,actor,client,action,target,detail,ref_hash,prev_hash,hash"
            )
            .map_err(io)?,
        }
        let (mut count, mut head_hash) = (0u64, anchor.hash.clone());
        if let Some((first, last)) = span {
            let mut after = first - 1;
            loop {
                let page = self.app.store.audit_page(after, last, 1000).await?;
                let Some(l) = page.last() else { break };
                after = l.seq;
                for r in &page {
                    match format {
                        ExportFormat::Jsonl => {
                            writeln!(w, "{}", serde_json::to_string(r).unwrap_or_default())
                        }
                        ExportFormat::Csv => writeln!(w, "{}", csv_row(r)),
                    }
                    .map_err(io)?;
                    count += 1;
                    head_hash = r.hash.clone().unwrap_or_default();
                }
            }
        }
        w.flush().map_err(io)?;
        Ok(ExportSummary {
            anchor,
            span,
            count,
            head_hash,
        })
    }
}

fn csv_row(r: &ChainRecord) -> String {
    let q = |s: Option<&str>| match s {
        None => String::new(),
        Some(s) => format!("\"{}\"", s.replace('"', "\"\"")),
    };
    [
        r.seq.to_string(),
        q(Some(&r.at)),
        q(r.actor.as_deref()),
        q(r.client.as_deref()),
        q(Some(&r.action)),
        q(r.target.as_deref()),
        q(r.detail.as_deref()),
        q(r.ref_hash.as_deref()),
        q(r.prev_hash.as_deref()),
        q(r.hash.as_deref()),
    ]
    .join(",")
}

/// Verifies a JSONL export on its own, from the anchor in its first line. Reads line by line
/// (each at most [`MAX_EXPORT_LINE`] bytes). Returns the summary, or an error naming the line.
pub fn verify_export(name: &str, r: &mut dyn BufRead) -> Result<ExportSummary, AppError> {
    let bad = |line: u64, detail: &dyn std::fmt::Display| {
        AppError::bad(
            "ops.export_bad",
            &[("file", &name), ("line", &line), ("detail", detail)],
        )
    };
    let mut buf = Vec::new();
    let mut read_line = |buf: &mut Vec<u8>, n: u64| -> Result<bool, AppError> {
        buf.clear();
        let got = std::io::Read::take(&mut *r, MAX_EXPORT_LINE as u64 + 1)
            .read_until(b'\n', buf)
            .map_err(|e| bad(n, &e))?;
        if got > MAX_EXPORT_LINE {
            return Err(bad(n, &"line too long"));
        }
        Ok(got > 0)
    };
    if !read_line(&mut buf, 1)? {
        return Err(bad(1, &"empty"));
    }
    let header: ExportHeader = serde_json::from_slice(&buf).map_err(|e| bad(1, &e))?;
    if header.format != "kojo-audit-export" {
        return Err(bad(1, &"not a kojo audit export"));
    }
    let mut walker = Walker::new(header.anchor.seq, &header.anchor.hash);
    let (mut n, mut first) = (1u64, None);
    while read_line(&mut buf, n + 1)? {
        n += 1;
        let rec: ChainRecord = serde_json::from_slice(&buf).map_err(|e| bad(n, &e))?;
        if let Some(b) = walker.step(&rec) {
            return Err(bad(n, &describe(&b, Lang::En)));
        }
        first.get_or_insert(rec.seq);
    }
    Ok(ExportSummary {
        anchor: header.anchor,
        span: first.map(|f| (f, walker.last_seq())),
        count: walker.checked,
        head_hash: walker.last_hash().to_string(),
    })
}

/// The break reported for an anchor kept elsewhere that the chain no longer contains.
pub fn anchor_break(seq: i64) -> Break {
    Break::Anchor { seq }
}

/// A break in words.
pub fn describe(b: &Break, lang: Lang) -> String {
    use kojo_i18n::tr;
    match b {
        Break::Content { seq } => tr(lang, "ops.break_content", &[("seq", seq)]),
        Break::Link { seq, expected_seq } => tr(
            lang,
            "ops.break_link",
            &[("seq", seq), ("expected", expected_seq)],
        ),
        Break::History {
            id,
            assessment_id,
            item,
            version,
        } => tr(
            lang,
            "ops.break_history",
            &[
                ("id", id),
                ("assessment", assessment_id),
                ("item", item),
                ("version", version),
            ],
        ),
        Break::Unchained {
            id,
            assessment_id,
            item,
            version,
        } => tr(
            lang,
            "ops.break_unchained",
            &[
                ("id", id),
                ("assessment", assessment_id),
                ("item", item),
                ("version", version),
            ],
        ),
        Break::MissingHistory { seq } => tr(lang, "ops.break_missing", &[("seq", seq)]),
        Break::Truncated { last, expected } => tr(
            lang,
            "ops.break_truncated",
            &[("last", last), ("expected", expected)],
        ),
        Break::Anchor { seq } => tr(lang, "ops.break_anchor", &[("seq", seq)]),
    }
}

/// Parses `YYYY-MM-DD` (the start of that day, UTC) or RFC 3339 into the stored form.
pub fn parse_instant(s: &str) -> Result<String, AppError> {
    let s = s.trim();
    let fmt = "%Y-%m-%dT%H:%M:%S%.3fZ";
    if let Ok(d) = chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        return Ok(d
            .and_hms_opt(0, 0, 0)
            .map(|t| t.and_utc().format(fmt).to_string())
            .unwrap_or_default());
    }
    chrono::DateTime::parse_from_rfc3339(s)
        .map(|t| t.with_timezone(&chrono::Utc).format(fmt).to_string())
        .map_err(|_| AppError::bad("ops.bad_date", &[("value", &s)]))
}

/// The end bound for `--to`: a date means through the end of that day.
pub fn parse_end(s: &str) -> Result<String, AppError> {
    match chrono::NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d") {
        Ok(d) => parse_instant(&d.succ_opt().unwrap_or(d).format("%Y-%m-%d").to_string()),
        Err(_) => parse_instant(s),
    }
}
