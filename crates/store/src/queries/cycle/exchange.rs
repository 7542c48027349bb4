//! Exchange: company keys, suppliers, the canonical content of an assessment for a package,
//! and filing a received package.

use super::*;
use crate::exchange_model::*;

macro_rules! key_select {
    () => {
        "SELECT k.key_id, k.org_id, o.code AS org_code, k.public_key, k.created_at, k.created_by, \
         k.retired_at FROM company_keys k JOIN organisations o ON o.id = k.org_id "
    };
}

macro_rules! receipt_select {
    () => {
        "SELECT r.seq, r.assessment_id, r.org_id, o.code AS org_code, s.code AS site_code, \
         s.name AS site_name, l.code AS line_code, a.period, a.revision, r.key_id, \
         r.package_sha256, r.package_size, r.received_at, r.received_by \
         FROM receipts r JOIN assessments a ON a.id = r.assessment_id \
         JOIN organisations o ON o.id = r.org_id JOIN sites s ON s.id = a.site_id \
         LEFT JOIN lines l ON l.id = a.line_id "
    };
}

impl Store {
    /// Registers `key_id` for a company and retires its current key, in one transaction. A key
    /// id registered before (for any company) is [`StoreError::Duplicate`].
    pub async fn add_company_key(
        &self,
        org_id: &str,
        key_id: &str,
        public_key: &str,
        by: &str,
    ) -> Result<()> {
        let at = now();
        write_tx!(self, |tx| {
            async {
                let exists: Option<(String,)> =
                    sqlx::query_as("SELECT key_id FROM company_keys WHERE key_id = $1")
                        .bind(key_id)
                        .fetch_optional(&mut *tx)
                        .await?;
                if exists.is_some() {
                    return Err(StoreError::Duplicate { what: "key", key: key_id.to_string() });
                }
                sqlx::query("UPDATE company_keys SET retired_at = $1 WHERE org_id = $2 AND retired_at IS NULL")
                    .bind(&at)
                    .bind(org_id)
                    .execute(&mut *tx)
                    .await?;
                sqlx::query("INSERT INTO company_keys (key_id, org_id, public_key, created_at, created_by, retired_at) \
                             VALUES ($1, $2, $3, $4, $5, NULL)")
                    .bind(key_id)
                    .bind(org_id)
                    .bind(public_key)
                    .bind(&at)
                    .bind(by)
                    .execute(&mut *tx)
                    .await?;
                Ok::<_, StoreError>(())
            }
            .await
        })
    }

    /// Every key of a company (all companies: `None`), oldest first.
    pub async fn company_keys(&self, org_id: Option<&str>) -> Result<Vec<CompanyKey>> {
        let sql = concat!(
            key_select!(),
            "WHERE (CAST($1 AS TEXT) IS NULL OR k.org_id = $1) ORDER BY o.code, k.created_at, k.key_id"
        );
        Ok(on!(self, |pool| sqlx::query_as::<_, CompanyKey>(sql)
            .bind(org_id)
            .fetch_all(pool)
            .await)?)
    }

    /// A key by its id.
    pub async fn company_key(&self, key_id: &str) -> Result<Option<CompanyKey>> {
        let sql = concat!(key_select!(), "WHERE k.key_id = $1");
        Ok(on!(self, |pool| sqlx::query_as::<_, CompanyKey>(sql)
            .bind(key_id)
            .fetch_optional(pool)
            .await)?)
    }

    /// Registers a supplier: a new company, marked as supplier, with its first key.
    pub async fn add_supplier(
        &self,
        code: &str,
        name: &str,
        key_id: &str,
        public_key: &str,
        by: &str,
    ) -> Result<Organisation> {
        let org = Organisation {
            id: new_id(),
            code: code.into(),
            name: name.into(),
            created_at: now(),
        };
        write_tx!(self, |tx| {
            async {
                let taken: Option<(String,)> = sqlx::query_as("SELECT code FROM organisations WHERE code = $1")
                    .bind(code)
                    .fetch_optional(&mut *tx)
                    .await?;
                if taken.is_some() {
                    return Err(StoreError::Duplicate { what: "company", key: code.to_string() });
                }
                let key_taken: Option<(String,)> = sqlx::query_as("SELECT key_id FROM company_keys WHERE key_id = $1")
                    .bind(key_id)
                    .fetch_optional(&mut *tx)
                    .await?;
                if key_taken.is_some() {
                    return Err(StoreError::Duplicate { what: "key", key: key_id.to_string() });
                }
                sqlx::query("INSERT INTO organisations (id, code, name, created_at) VALUES ($1, $2, $3, $4)")
                    .bind(&org.id)
                    .bind(&org.code)
                    .bind(&org.name)
                    .bind(&org.created_at)
                    .execute(&mut *tx)
                    .await?;
                sqlx::query("INSERT INTO suppliers (org_id, added_at, added_by) VALUES ($1, $2, $3)")
                    .bind(&org.id)
                    .bind(&org.created_at)
                    .bind(by)
                    .execute(&mut *tx)
                    .await?;
                sqlx::query("INSERT INTO company_keys (key_id, org_id, public_key, created_at, created_by, retired_at) \
                             VALUES ($1, $2, $3, $4, $5, NULL)")
                    .bind(key_id)
                    .bind(&org.id)
                    .bind(public_key)
                    .bind(&org.created_at)
                    .bind(by)
                    .execute(&mut *tx)
                    .await?;
                Ok::<_, StoreError>(())
            }
            .await
        })?;
        Ok(org)
    }

    /// The registered suppliers, by code.
    pub async fn suppliers(&self) -> Result<Vec<Organisation>> {
        let sql = "SELECT o.id, o.code, o.name, o.created_at FROM organisations o \
                   JOIN suppliers s ON s.org_id = o.id ORDER BY o.code";
        Ok(on!(self, |pool| sqlx::query_as::<_, Organisation>(sql)
            .fetch_all(pool)
            .await)?)
    }

    /// The canonical content of an assessment exactly as stored (what a sign-off hashes).
    pub async fn content(&self, id: &str) -> Result<(ContentHeader, BTreeMap<u16, ItemContent>)> {
        on!(self, |pool| {
            async {
                let c = read_content!(&mut *pool, id);
                Ok::<_, StoreError>(c)
            }
            .await
        })
    }

    /// Every received package (of one fiscal year), in the order received.
    pub async fn receipts(&self, period: Option<i64>) -> Result<Vec<ReceiptRow>> {
        let sql = concat!(
            receipt_select!(),
            "WHERE (CAST($1 AS BIGINT) IS NULL OR a.period = $1) ORDER BY r.seq"
        );
        Ok(on!(self, |pool| sqlx::query_as::<_, ReceiptRow>(sql)
            .bind(period)
            .fetch_all(pool)
            .await)?)
    }

    /// The receipt of a received assessment (one row, by its key).
    pub async fn receipt(&self, assessment_id: &str) -> Result<Option<ReceiptRow>> {
        let sql = concat!(receipt_select!(), "WHERE r.assessment_id = $1");
        Ok(on!(self, |pool| sqlx::query_as::<_, ReceiptRow>(sql)
            .bind(assessment_id)
            .fetch_optional(pool)
            .await)?)
    }

    /// Files a verified package: the plant (and line) under the supplier if new, the assessment
    /// (approved, received) with its answers, reviews, actions, included evidence and sign-off
    /// steps, and the package itself. All or nothing.
    pub async fn receive(&self, r: &Receipt<'_>) -> Result<ReceiveOutcome> {
        let at = now();
        let h = &r.header;
        let package_sha = kojo_domain::sha256_hex(r.package);
        let package_size = i64::try_from(r.package.len()).unwrap_or(i64::MAX);
        write_tx!(self, |tx| {
            async {
                // The same revision again, or ids of this database's own data.
                let existing: Option<(String, bool)> =
                    sqlx::query_as("SELECT org_id, received FROM assessments WHERE id = $1")
                        .bind(&h.id)
                        .fetch_optional(&mut *tx)
                        .await?;
                if let Some((org, received)) = existing {
                    if !received || org != r.org_id {
                        return Ok(ReceiveOutcome::OwnData);
                    }
                    let (when,): (String,) = sqlx::query_as("SELECT received_at FROM receipts WHERE assessment_id = $1")
                        .bind(&h.id)
                        .fetch_one(&mut *tx)
                        .await?;
                    return Ok(ReceiveOutcome::AlreadyReceived { at: when });
                }
                // The plant: filed under the supplier with the supplier's id.
                let site: Option<(String,)> = sqlx::query_as("SELECT org_id FROM sites WHERE id = $1")
                    .bind(&h.site_id)
                    .fetch_optional(&mut *tx)
                    .await?;
                match site {
                    Some((org,)) if org != r.org_id => return Ok(ReceiveOutcome::OwnData),
                    Some(_) => {
                        sqlx::query("UPDATE sites SET name = $1 WHERE id = $2")
                            .bind(&r.site_name)
                            .bind(&h.site_id)
                            .execute(&mut *tx)
                            .await?;
                    }
                    None => {
                        let code_taken: Option<(String,)> = sqlx::query_as("SELECT id FROM sites WHERE code = $1")
                            .bind(&r.site_code)
                            .fetch_optional(&mut *tx)
                            .await?;
                        if code_taken.is_some() {
                            return Err(StoreError::Duplicate { what: "site", key: r.site_code.clone() });
                        }
                        sqlx::query("INSERT INTO sites (id, org_id, code, name, created_at) VALUES ($1, $2, $3, $4, $5)")
                            .bind(&h.site_id)
                            .bind(&r.org_id)
                            .bind(&r.site_code)
                            .bind(&r.site_name)
                            .bind(&at)
                            .execute(&mut *tx)
                            .await?;
                    }
                }
                if let (Some(line_id), Some((code, name))) = (&h.line_id, &r.line) {
                    let line: Option<(String,)> = sqlx::query_as("SELECT site_id FROM lines WHERE id = $1")
                        .bind(line_id)
                        .fetch_optional(&mut *tx)
                        .await?;
                    match line {
                        Some((site,)) if site != h.site_id => return Ok(ReceiveOutcome::OwnData),
                        Some(_) => {}
                        None => {
                            sqlx::query("INSERT INTO lines (id, site_id, code, name, created_at) VALUES ($1, $2, $3, $4, $5)")
                                .bind(line_id)
                                .bind(&h.site_id)
                                .bind(code)
                                .bind(name)
                                .bind(&at)
                                .execute(&mut *tx)
                                .await?;
                        }
                    }
                }
                let (newer,): (Option<i64>,) = sqlx::query_as(
                    "SELECT MAX(revision) FROM assessments WHERE site_id = $1 AND period = $2 \
                     AND COALESCE(line_id, '') = COALESCE(CAST($3 AS TEXT), '') AND revision > $4",
                )
                .bind(&h.site_id)
                .bind(h.period)
                .bind(h.line_id.as_deref())
                .bind(h.revision)
                .fetch_one(&mut *tx)
                .await?;
                sqlx::query("INSERT INTO assessments (id, org_id, site_id, line_id, period, catalog_id, status, \
                             revision, based_on, assessor, created_by, created_at, updated_at, inherits_from, received) \
                             VALUES ($1, $2, $3, $4, $5, $6, 'approved', $7, NULL, $8, $9, $10, $10, NULL, TRUE)")
                    .bind(&h.id)
                    .bind(&r.org_id)
                    .bind(&h.site_id)
                    .bind(h.line_id.as_deref())
                    .bind(h.period)
                    .bind(&h.catalog_id)
                    .bind(h.revision)
                    .bind(r.assessor.as_deref())
                    .bind(&r.by)
                    .bind(&at)
                    .execute(&mut *tx)
                    .await?;
                for a in &r.answers {
                    let x = &a.answer;
                    sqlx::query("INSERT INTO answers (assessment_id, item_no, mark, alternative, reason, review_by, accepted_by, \
                                 progress, status, target_date, na_reason, note, version, updated_at, updated_by, confirmed) \
                                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, 1, $13, $14, $15)")
                        .bind(&h.id)
                        .bind(i64::from(a.item))
                        .bind(x.mark.as_deref())
                        .bind(x.alternative.as_deref())
                        .bind(x.reason.as_deref())
                        .bind(x.review_by.as_deref())
                        .bind(x.accepted_by.as_deref())
                        .bind(x.progress.as_deref())
                        .bind(x.status.as_deref())
                        .bind(x.target_date.as_deref())
                        .bind(x.na_reason.as_deref())
                        .bind(x.note.as_deref())
                        .bind(&a.updated_at)
                        .bind(&a.updated_by)
                        .bind(a.confirmed)
                        .execute(&mut *tx)
                        .await?;
                }
                refresh_marks!(tx, &h.id);
                for v in &r.reviews {
                    sqlx::query(
                        "INSERT INTO reviews (assessment_id, item_no, mark, valid, progress, progress_pct, status, target_date, note, reviewed_by, reviewed_at) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
                    )
                    .bind(&h.id)
                    .bind(i64::from(v.item))
                    .bind(v.mark.key())
                    .bind(v.valid)
                    .bind(v.progress.as_deref())
                    .bind(v.progress_pct.map(i64::from))
                    .bind(v.status.as_deref())
                    .bind(v.target_date.map(|d| d.format("%Y-%m-%d").to_string()))
                    .bind(v.note.as_deref())
                    .bind(&v.by)
                    .bind(&v.at)
                    .execute(&mut *tx)
                    .await?;
                }
                let n = i64::try_from(r.actions.len()).unwrap_or(i64::MAX);
                let base = reserve_seq!(tx, "actions", n);
                let events = reserve_seq!(tx, "action_events", n);
                for (i, x) in (1i64..).zip(&r.actions) {
                    sqlx::query("INSERT INTO actions (id, assessment_id, item_no, title, owner, due, status, note, carried_from, created_by, created_at, updated_by, updated_at) \
                                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, NULL, $9, $10, $9, $10)")
                        .bind(base + i)
                        .bind(&h.id)
                        .bind(i64::from(x.item))
                        .bind(&x.title)
                        .bind(x.owner.as_deref())
                        .bind(x.due.map(|d| d.format("%Y-%m-%d").to_string()))
                        .bind(x.status.key())
                        .bind(x.note.as_deref())
                        .bind(&r.by)
                        .bind(&at)
                        .execute(&mut *tx)
                        .await?;
                    sqlx::query("INSERT INTO action_events (seq, action_id, at, by_user, status, note) VALUES ($1, $2, $3, $4, $5, NULL)")
                        .bind(events + i)
                        .bind(base + i)
                        .bind(&at)
                        .bind(&r.by)
                        .bind(x.status.key())
                        .execute(&mut *tx)
                        .await?;
                }
                let put_blob = |sha: &str, data: &[u8]| (sha.to_string(), data.to_vec());
                let mut blobs = vec![put_blob(&package_sha, r.package)];
                blobs.extend(r.evidence.iter().map(|e| put_blob(&e.sha256, e.data)));
                for (sha, data) in &blobs {
                    sqlx::query("INSERT INTO blobs (sha256, size, data, created_at) VALUES ($1, $2, $3, $4) ON CONFLICT (sha256) DO NOTHING")
                        .bind(sha)
                        .bind(i64::try_from(data.len()).unwrap_or(i64::MAX))
                        .bind(data.as_slice())
                        .bind(&at)
                        .execute(&mut *tx)
                        .await?;
                }
                for e in &r.evidence {
                    let evidence_id = next_seq!(tx, "evidence");
                    sqlx::query(concat!("INSERT INTO evidence (", evidence_columns!(), ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, NULL)"))
                        .bind(evidence_id)
                        .bind(&h.id)
                        .bind(i64::from(e.item))
                        .bind(&e.sha256)
                        .bind(&e.name)
                        .bind(&e.media_type)
                        .bind(i64::try_from(e.data.len()).unwrap_or(i64::MAX))
                        .bind(&e.uploaded_by)
                        .bind(&e.uploaded_at)
                        .bind(e.valid_until.as_deref())
                        .execute(&mut *tx)
                        .await?;
                }
                for s in &r.signoffs {
                    let seq = next_seq!(tx, "signoffs");
                    sqlx::query("INSERT INTO signoffs (seq, assessment_id, decision, by_user, at, comment, content_hash, item_hashes, registers) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)")
                        .bind(seq)
                        .bind(&h.id)
                        .bind(&s.decision)
                        .bind(&s.by)
                        .bind(&s.at)
                        .bind(s.comment.as_deref())
                        .bind(&s.content_hash)
                        .bind(&s.item_hashes)
                        .bind(s.registers.as_deref())
                        .execute(&mut *tx)
                        .await?;
                }
                let seq = next_seq!(tx, "receipts");
                sqlx::query("INSERT INTO receipts (seq, assessment_id, org_id, key_id, package_sha256, package_size, received_at, received_by) \
                             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)")
                    .bind(seq)
                    .bind(&h.id)
                    .bind(&r.org_id)
                    .bind(&r.key_id)
                    .bind(&package_sha)
                    .bind(package_size)
                    .bind(&at)
                    .bind(&r.by)
                    .execute(&mut *tx)
                    .await?;
                Ok::<_, StoreError>(ReceiveOutcome::Filed { newer })
            }
            .await
        })
    }
}
