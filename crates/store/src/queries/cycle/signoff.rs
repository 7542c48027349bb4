//! Sign-off: the guarded status change with the content hash, and the recorded steps.

use super::*;

impl Store {
    /// Moves an assessment from `from` to `to` and records the decision with the hash of the
    /// content as it stands and what the registers said (`registers`, sealed into the hash: see
    /// [`ContentHash::with_registers`]), in one transaction: the status update locks the row, so no answer
    /// can change between hashing and recording, and a concurrent decision fails with
    /// [`StoreError::NotDraft`]-like [`StoreError::StateChanged`].
    #[allow(clippy::too_many_arguments)]
    pub async fn sign(
        &self,
        id: &str,
        from: Status,
        to: Status,
        decision: Decision,
        by: &str,
        comment: Option<&str>,
        registers: Option<&str>,
    ) -> Result<SignOffRow> {
        let at = now();
        let seq = write_tx!(self, |tx| {
            async {
                let r = sqlx::query("UPDATE assessments SET status = $1, updated_at = $2 WHERE id = $3 AND status = $4")
                    .bind(to.key())
                    .bind(&at)
                    .bind(id)
                    .bind(from.key())
                    .execute(&mut *tx)
                    .await?;
                if r.rows_affected() == 0 {
                    return Err(StoreError::StateChanged { expected: from.key().to_string() });
                }
                let (header, items) = read_content!(&mut *tx, id);
                let hash = ContentHash::compute(&header, &items).with_registers(registers);
                let item_hashes = serde_json::to_string(&hash.items).map_err(|e| StoreError::Corrupt(e.to_string()))?;
                let seq = next_seq!(tx, "signoffs");
                sqlx::query("INSERT INTO signoffs (seq, assessment_id, decision, by_user, at, comment, content_hash, item_hashes, registers) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)")
                    .bind(seq)
                    .bind(id)
                    .bind(decision.key())
                    .bind(by)
                    .bind(&at)
                    .bind(comment)
                    .bind(&hash.hash)
                    .bind(&item_hashes)
                    .bind(registers)
                    .execute(&mut *tx)
                    .await?;
                Ok::<_, StoreError>(seq)
            }
            .await
        })?;
        let sql = "SELECT seq, assessment_id, decision, by_user, at, comment, content_hash, item_hashes, registers FROM signoffs WHERE seq = $1";
        Ok(on!(self, |pool| sqlx::query_as::<_, SignOffRow>(sql)
            .bind(seq)
            .fetch_one(pool)
            .await)?)
    }

    /// The sign-off steps of an assessment, in order.
    pub async fn signoffs(&self, id: &str) -> Result<Vec<SignOffRow>> {
        let sql = "SELECT seq, assessment_id, decision, by_user, at, comment, content_hash, item_hashes, registers FROM signoffs WHERE assessment_id = $1 ORDER BY seq";
        Ok(on!(self, |pool| sqlx::query_as::<_, SignOffRow>(sql)
            .bind(id)
            .fetch_all(pool)
            .await)?)
    }

    /// The sign-off steps of every assessment of a plant (one query), in order.
    pub async fn site_signoffs(&self, site_id: &str) -> Result<Vec<SignOffRow>> {
        let sql = "SELECT g.seq, g.assessment_id, g.decision, g.by_user, g.at, g.comment, g.content_hash, g.item_hashes, g.registers \
                   FROM signoffs g JOIN assessments a ON a.id = g.assessment_id WHERE a.site_id = $1 ORDER BY g.seq";
        Ok(on!(self, |pool| sqlx::query_as::<_, SignOffRow>(sql)
            .bind(site_id)
            .fetch_all(pool)
            .await)?)
    }

    /// The hash of an assessment's content as it is stored now.
    pub async fn content_hash(&self, id: &str) -> Result<ContentHash> {
        let (header, items) = on!(self, |pool| {
            async {
                let c = read_content!(&mut *pool, id);
                Ok::<_, StoreError>(c)
            }
            .await
        })?;
        Ok(ContentHash::compute(&header, &items))
    }
}
