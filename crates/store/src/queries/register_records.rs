//! Registers (台帳) beside their entries: reviews (棚卸), activity records, each plant's
//! register stamp and the rules' stored result, and the import wizard's staged uploads.

use super::registers::restamp;
use super::*;
use crate::register_model::*;

/// The most ledger files one user may have staged in the import wizard at a time.
pub const MAX_UPLOADS_PER_USER: i64 = 8;

impl Store {
    /// Records a review (棚卸) of one register of a plant.
    #[allow(clippy::too_many_arguments)]
    pub async fn add_register_review(
        &self,
        site_id: &str,
        kind: &str,
        reviewed_on: &str,
        reviewer: &str,
        note: Option<&str>,
        entries: i64,
        entries_hash: &str,
        actor: &str,
    ) -> Result<RegisterReview> {
        let r = RegisterReview {
            id: new_id(),
            site_id: site_id.into(),
            kind: kind.into(),
            reviewed_on: reviewed_on.into(),
            reviewer: reviewer.into(),
            note: note.map(str::to_string),
            entries,
            entries_hash: entries_hash.into(),
            recorded_at: now(),
            recorded_by: actor.into(),
        };
        let sql = "INSERT INTO register_reviews (id, site_id, kind, reviewed_on, reviewer, note, \
                   entries, entries_hash, seq, recorded_at, recorded_by) \
                   VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)";
        write_tx!(self, |tx| {
            async {
                let seq = next_seq!(tx, "register_reviews");
                let n = sqlx::query(sql)
                    .bind(&r.id)
                    .bind(&r.site_id)
                    .bind(&r.kind)
                    .bind(&r.reviewed_on)
                    .bind(&r.reviewer)
                    .bind(r.note.as_deref())
                    .bind(r.entries)
                    .bind(&r.entries_hash)
                    .bind(seq)
                    .bind(&r.recorded_at)
                    .bind(&r.recorded_by)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
                restamp!(tx, &r.site_id);
                inserted(n, "register review")
            }
            .await
        })?;
        Ok(r)
    }

    /// The stamp of a plant's register data: a new one with every change of its entries,
    /// reviews or activity records; `None` when it has none of them.
    pub async fn register_stamp(&self, site_id: &str) -> Result<Option<String>> {
        let sql = "SELECT stamp FROM register_stamps WHERE site_id = $1";
        let row: Option<(String,)> = on!(self, |pool| sqlx::query_as(sql)
            .bind(site_id)
            .fetch_optional(pool)
            .await)?;
        Ok(row.map(|(s,)| s))
    }

    /// The stamps of every plant with register data (one row per plant): plant id → stamp.
    pub async fn register_stamps(&self) -> Result<std::collections::HashMap<String, String>> {
        let sql = "SELECT site_id, stamp FROM register_stamps";
        let rows: Vec<(String, String)> =
            on!(self, |pool| sqlx::query_as(sql).fetch_all(pool).await)?;
        Ok(rows.into_iter().collect())
    }

    /// The register rules' stored result for a plant (JSON), if it was computed under this
    /// stamp and as of this date (a result for another is not read: it is large).
    pub async fn register_suggestions(
        &self,
        site_id: &str,
        stamp: &str,
        as_of: &str,
    ) -> Result<Option<String>> {
        let sql = "SELECT suggestions FROM register_suggestions \
                   WHERE site_id = $1 AND stamp = $2 AND as_of = $3";
        let row: Option<(String,)> = on!(self, |pool| sqlx::query_as(sql)
            .bind(site_id)
            .bind(stamp)
            .bind(as_of)
            .fetch_optional(pool)
            .await)?;
        Ok(row.map(|r| r.0))
    }

    /// Stores the register rules' result for a plant under the stamp and date it was computed
    /// for (replacing the one before).
    pub async fn put_register_suggestions(
        &self,
        site_id: &str,
        stamp: &str,
        as_of: &str,
        suggestions: &str,
    ) -> Result<()> {
        exec!(
            self,
            sqlx::query(
                "INSERT INTO register_suggestions (site_id, stamp, as_of, suggestions) \
                 VALUES ($1, $2, $3, $4) ON CONFLICT (site_id) DO UPDATE SET \
                 stamp = excluded.stamp, as_of = excluded.as_of, suggestions = excluded.suggestions"
            )
            .bind(site_id)
            .bind(stamp)
            .bind(as_of)
            .bind(suggestions)
        )?;
        Ok(())
    }

    /// A plant's reviews (every kind, or one), newest first.
    pub async fn register_reviews(
        &self,
        site_id: &str,
        kind: Option<&str>,
    ) -> Result<Vec<RegisterReview>> {
        let sql = "SELECT id, site_id, kind, reviewed_on, reviewer, note, entries, entries_hash, \
                   recorded_at, recorded_by FROM register_reviews \
                   WHERE site_id = $1 AND ($2 IS NULL OR kind = $2) \
                   ORDER BY reviewed_on DESC, seq DESC";
        Ok(on!(self, |pool| sqlx::query_as::<_, RegisterReview>(sql)
            .bind(site_id)
            .bind(kind)
            .fetch_all(pool)
            .await)?)
    }

    /// Records one occurrence of a periodic activity.
    pub async fn add_activity_record(&self, r: &ActivityRecord) -> Result<()> {
        let sql = "INSERT INTO activity_records (id, site_id, activity, item_no, done_on, what, \
                   participants, note, evidence, seq, recorded_at, recorded_by) \
                   VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)";
        write_tx!(self, |tx| {
            async {
                let seq = next_seq!(tx, "activity_records");
                let n = sqlx::query(sql)
                    .bind(&r.id)
                    .bind(&r.site_id)
                    .bind(&r.activity)
                    .bind(r.item_no)
                    .bind(&r.done_on)
                    .bind(r.what.as_deref())
                    .bind(r.participants.as_deref())
                    .bind(r.note.as_deref())
                    .bind(r.evidence.as_deref())
                    .bind(seq)
                    .bind(&r.recorded_at)
                    .bind(&r.recorded_by)
                    .execute(&mut *tx)
                    .await
                    .map_err(|e| match e {
                        sqlx::Error::Database(d) if d.is_foreign_key_violation() => {
                            StoreError::NotFound {
                                what: "site",
                                key: r.site_id.clone(),
                            }
                        }
                        e => e.into(),
                    })?
                    .rows_affected();
                restamp!(tx, &r.site_id);
                inserted(n, "activity record")
            }
            .await
        })
    }

    /// A plant's activity records done in `[from, to]` (ISO dates, inclusive; open when
    /// `None`), oldest first.
    pub async fn activity_records(
        &self,
        site_id: &str,
        from: Option<&str>,
        to: Option<&str>,
    ) -> Result<Vec<ActivityRecord>> {
        let sql = "SELECT id, site_id, activity, item_no, done_on, what, participants, note, \
                   evidence, recorded_at, recorded_by FROM activity_records \
                   WHERE site_id = $1 AND ($2 IS NULL OR done_on >= $2) \
                   AND ($3 IS NULL OR done_on <= $3) ORDER BY done_on, seq";
        Ok(on!(self, |pool| sqlx::query_as::<_, ActivityRecord>(sql)
            .bind(site_id)
            .bind(from)
            .bind(to)
            .fetch_all(pool)
            .await)?)
    }

    /// Keeps an uploaded ledger file for the import wizard's next steps. On the way it removes
    /// uploads made before `purge_before` (RFC 3339) and all but the user's newest
    /// [`MAX_UPLOADS_PER_USER`] − 1, so one user holds at most that many files at a time.
    pub async fn put_register_upload(&self, u: &RegisterUpload, purge_before: &str) -> Result<()> {
        write_tx!(self, |tx| {
            async {
                sqlx::query(
                    "DELETE FROM register_uploads WHERE created_at < $1 \
                     OR (username = $2 AND id NOT IN (SELECT id FROM register_uploads \
                     WHERE username = $2 ORDER BY seq DESC LIMIT $3))",
                )
                .bind(purge_before)
                .bind(&u.username)
                .bind(MAX_UPLOADS_PER_USER - 1)
                .execute(&mut *tx)
                .await?;
                let seq = next_seq!(tx, "register_uploads");
                let n = sqlx::query(
                    "INSERT INTO register_uploads (id, site_id, kind, username, file_name, \
                     content, created_at, seq) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                )
                .bind(&u.id)
                .bind(&u.site_id)
                .bind(&u.kind)
                .bind(&u.username)
                .bind(&u.file_name)
                .bind(&u.content)
                .bind(&u.created_at)
                .bind(seq)
                .execute(&mut *tx)
                .await?
                .rows_affected();
                inserted(n, "register upload")
            }
            .await
        })
    }

    /// An uploaded ledger file by id, if it is still kept.
    pub async fn register_upload(&self, id: &str) -> Result<Option<RegisterUpload>> {
        let sql = "SELECT id, site_id, kind, username, file_name, content, created_at \
                   FROM register_uploads WHERE id = $1";
        Ok(on!(self, |pool| sqlx::query_as::<_, RegisterUpload>(sql)
            .bind(id)
            .fetch_optional(pool)
            .await)?)
    }

    /// Removes an uploaded ledger file (its import was applied); false when it was gone.
    pub async fn delete_register_upload(&self, id: &str) -> Result<bool> {
        let n = exec!(
            self,
            sqlx::query("DELETE FROM register_uploads WHERE id = $1").bind(id)
        )?;
        at_most_one(n, "register upload")
    }
}
