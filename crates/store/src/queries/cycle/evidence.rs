//! Evidence files: blobs stored once per SHA-256, attachments by reference, the quota.

use super::*;

impl Store {
    /// Attaches a file to an item of a draft. The bytes are stored once per SHA-256; a new blob
    /// must fit in `quota` bytes of all blobs together.
    pub async fn add_evidence(
        &self,
        id: &str,
        e: &NewEvidence<'_>,
        actor: &str,
        quota: i64,
    ) -> Result<EvidenceRow> {
        let at = now();
        let sha = kojo_domain::sha256_hex(e.data);
        let size = i64::try_from(e.data.len()).unwrap_or(i64::MAX);
        let evidence_id = write_tx!(self, |tx| {
            async {
                lock_draft!(tx, id, &at);
                let exists: Option<(i64,)> = sqlx::query_as("SELECT size FROM blobs WHERE sha256 = $1")
                    .bind(&sha)
                    .fetch_optional(&mut *tx)
                    .await?;
                if exists.is_none() {
                    let (used,): (i64,) = sqlx::query_as("SELECT CAST(COALESCE(SUM(size), 0) AS BIGINT) FROM blobs")
                        .fetch_one(&mut *tx)
                        .await?;
                    if used.saturating_add(size) > quota {
                        return Err(StoreError::Quota { used, size, max: quota });
                    }
                    sqlx::query("INSERT INTO blobs (sha256, size, data, created_at) VALUES ($1, $2, $3, $4) ON CONFLICT (sha256) DO NOTHING")
                        .bind(&sha)
                        .bind(size)
                        .bind(e.data)
                        .bind(&at)
                        .execute(&mut *tx)
                        .await?;
                }
                let evidence_id = next_seq!(tx, "evidence");
                sqlx::query(concat!("INSERT INTO evidence (", evidence_columns!(), ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, NULL)"))
                    .bind(evidence_id)
                    .bind(id)
                    .bind(i64::from(e.item))
                    .bind(&sha)
                    .bind(e.name)
                    .bind(e.media_type)
                    .bind(size)
                    .bind(actor)
                    .bind(&at)
                    .bind(e.valid_until)
                    .execute(&mut *tx)
                    .await?;
                Ok::<_, StoreError>(evidence_id)
            }
            .await
        })?;
        self.evidence(evidence_id)
            .await?
            .ok_or(StoreError::NotFound {
                what: "evidence",
                key: evidence_id.to_string(),
            })
    }

    /// Removes an attachment from a draft; the blob goes when nothing refers to it any more.
    pub async fn remove_evidence(&self, evidence_id: i64) -> Result<()> {
        let at = now();
        let row = self
            .evidence(evidence_id)
            .await?
            .ok_or(StoreError::NotFound {
                what: "evidence",
                key: evidence_id.to_string(),
            })?;
        write_tx!(self, |tx| {
            async {
                lock_draft!(tx, &row.assessment_id, &at);
                sqlx::query("DELETE FROM evidence WHERE id = $1").bind(evidence_id).execute(&mut *tx).await?;
                sqlx::query("DELETE FROM blobs WHERE sha256 = $1 AND NOT EXISTS (SELECT 1 FROM evidence WHERE sha256 = $1)")
                    .bind(&row.sha256)
                    .execute(&mut *tx)
                    .await?;
                Ok::<_, StoreError>(())
            }
            .await
        })
    }

    /// One attachment.
    pub async fn evidence(&self, evidence_id: i64) -> Result<Option<EvidenceRow>> {
        let sql = concat!(
            "SELECT ",
            evidence_columns!(),
            " FROM evidence WHERE id = $1"
        );
        Ok(on!(self, |pool| sqlx::query_as::<_, EvidenceRow>(sql)
            .bind(evidence_id)
            .fetch_optional(pool)
            .await)?)
    }

    /// The attachments of an assessment, by item and id.
    pub async fn evidence_list(&self, id: &str) -> Result<Vec<EvidenceRow>> {
        let sql = concat!(
            "SELECT ",
            evidence_columns!(),
            " FROM evidence WHERE assessment_id = $1 ORDER BY item_no, id"
        );
        Ok(on!(self, |pool| sqlx::query_as::<_, EvidenceRow>(sql)
            .bind(id)
            .fetch_all(pool)
            .await)?)
    }

    /// The bytes of a blob.
    pub async fn blob(&self, sha256: &str) -> Result<Option<Vec<u8>>> {
        let sql = "SELECT data FROM blobs WHERE sha256 = $1";
        let row: Option<(Vec<u8>,)> = on!(self, |pool| sqlx::query_as(sql)
            .bind(sha256)
            .fetch_optional(pool)
            .await)?;
        Ok(row.map(|r| r.0))
    }

    /// Bytes of all blobs together and their number.
    pub async fn blob_usage(&self) -> Result<(i64, i64)> {
        let sql = "SELECT CAST(COALESCE(SUM(size), 0) AS BIGINT), COUNT(*) FROM blobs";
        Ok(on!(self, |pool| sqlx::query_as(sql).fetch_one(pool).await)?)
    }
}
