//! Evidence files (根拠資料) attached to items: limits, content sniffing, access by grant.

use crate::AppError;
use crate::cycle::{
    SETTING_EVIDENCE_MAX_MIB, SETTING_EVIDENCE_QUOTA_MIB, parse_date_arg, status_of,
};
use crate::handles::{Editor, Reader};
use kojo_domain::{ItemNo, Status};
use kojo_store::{EvidenceRow, NewEvidence, StoreError};

const MIB: i64 = 1024 * 1024;

/// The media type of `data`, from its content (magic numbers), never from the name or what a
/// browser claims. Text that is valid UTF-8 without control bytes is `text/plain`; anything
/// unrecognised is `application/octet-stream`.
pub fn sniff(data: &[u8]) -> &'static str {
    if let Some(t) = infer::get(data) {
        return t.mime_type();
    }
    match std::str::from_utf8(data) {
        Ok(s)
            if !s
                .chars()
                .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t')) =>
        {
            "text/plain"
        }
        _ => "application/octet-stream",
    }
}

/// A file name safe to store and to put in a `Content-Disposition` header: the last path
/// component, without control characters, at most 200 characters.
pub fn clean_name(name: &str) -> Result<String, AppError> {
    let base = name.rsplit(['/', '\\']).next().unwrap_or("").trim();
    let ok = !base.is_empty()
        && base != "."
        && base != ".."
        && base.chars().count() <= 200
        && !base.chars().any(|c| c.is_control() || c == '"');
    if ok {
        Ok(base.to_string())
    } else {
        Err(AppError::bad(
            "cycle.evidence_bad_name",
            &[("name", &name.chars().take(80).collect::<String>())],
        ))
    }
}

impl Reader<'_> {
    /// The largest evidence file in bytes.
    pub async fn evidence_max_bytes(&self) -> Result<i64, AppError> {
        Ok(self.app.setting_i64(SETTING_EVIDENCE_MAX_MIB).await? * MIB)
    }

    /// The evidence attached to an assessment.
    pub async fn evidence_list(&self, id: &str) -> Result<Vec<EvidenceRow>, AppError> {
        let a = self.find(id).await?;
        Ok(self.app.store.evidence_list(&a.id).await?)
    }

    /// One visible attachment with its bytes.
    pub async fn evidence_get(&self, evidence_id: i64) -> Result<(EvidenceRow, Vec<u8>), AppError> {
        let not_found = || AppError::NotFound {
            what: "evidence",
            key: evidence_id.to_string(),
        };
        let row = self
            .app
            .store
            .evidence(evidence_id)
            .await?
            .ok_or_else(not_found)?;
        self.find(&row.assessment_id)
            .await
            .map_err(|_| not_found())?;
        let data = self
            .app
            .store
            .blob(&row.sha256)
            .await?
            .ok_or_else(not_found)?;
        Ok((row, data))
    }
}

impl Editor<'_> {
    /// Attaches a file to an item of a draft. Refuses files over the size limit and files
    /// that would exceed the total quota; the media type is sniffed from the content.
    pub async fn add_evidence(
        &self,
        id: &str,
        item: ItemNo,
        name: &str,
        data: &[u8],
        valid_until: Option<&str>,
    ) -> Result<EvidenceRow, AppError> {
        let a = self.find(id).await?;
        let item = self.item_of(&a, item)?;
        let st = status_of(&a)?;
        if st != Status::Draft {
            return Err(crate::cycle::locked(&a));
        }
        let name = clean_name(name)?;
        if data.is_empty() {
            return Err(AppError::bad("cycle.evidence_empty", &[("name", &name)]));
        }
        let max = self.evidence_max_bytes().await?;
        let size = i64::try_from(data.len()).unwrap_or(i64::MAX);
        if size > max {
            return Err(AppError::bad(
                "cycle.evidence_too_large",
                &[("name", &name), ("size", &size), ("max", &max)],
            ));
        }
        let valid_until = valid_until
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|d| parse_date_arg("valid-until", d).map(|d| d.format("%Y-%m-%d").to_string()))
            .transpose()?;
        let quota = self.app.setting_i64(SETTING_EVIDENCE_QUOTA_MIB).await? * MIB;
        let new = NewEvidence {
            item: item.get(),
            name: &name,
            media_type: sniff(data),
            data,
            valid_until: valid_until.as_deref(),
        };
        match self
            .app
            .store
            .add_evidence(&a.id, &new, &self.actor.name, quota)
            .await
        {
            Err(StoreError::Quota { used, size, max }) => Err(AppError::bad(
                "cycle.evidence_quota",
                &[("used", &used), ("size", &size), ("max", &max)],
            )),
            other => Ok(other?),
        }
    }

    /// Removes an attachment from a draft.
    pub async fn remove_evidence(&self, evidence_id: i64) -> Result<(), AppError> {
        let (row, _) = self.evidence_get(evidence_id).await?;
        Ok(self.app.store.remove_evidence(row.id).await?)
    }
}
