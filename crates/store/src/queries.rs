//! Every query kojo runs, written once for both backends.

use crate::model::*;
use crate::{Result, Store, StoreError, is_unique_violation, new_id, now, on, write_tx};
use kojo_domain::{ItemAnswer, Mark};

macro_rules! assessment_select {
    () => {
        "SELECT a.id, a.org_id, o.name AS org_name, a.site_id, s.code AS site_code, \
     s.name AS site_name, a.line_id, l.code AS line_code, l.name AS line_name, a.period, a.catalog_id, \
     a.status, a.revision, a.based_on, a.assessor, a.created_by, a.created_at, a.updated_at \
     FROM assessments a JOIN organisations o ON o.id = a.org_id JOIN sites s ON s.id = a.site_id \
     LEFT JOIN lines l ON l.id = a.line_id"
    };
}

/// Inserts a first answer row (version 1) and its history entry; expands inside a transaction.
macro_rules! insert_answer {
    ($tx:expr, $assessment:expr, $item:expr, $answer:expr, $actor:expr, $at:expr) => {{
        let c = columns($answer);
        let sql = "INSERT INTO answers (assessment_id, item_no, mark, alternative, reason, review_by, accepted_by, \
                   progress, status, target_date, na_reason, note, version, updated_at, updated_by) \
                   VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, 1, $13, $14)";
        let mut q = sqlx::query(sql).bind($assessment).bind(i64::from($item));
        for v in &c {
            q = q.bind(v.as_deref());
        }
        q.bind($at).bind($actor).execute(&mut *$tx).await?;
        record_history!($tx, $assessment, $item, 1i64, None, $answer, $actor, $at);
        StoredAnswer { item: $item, answer: $answer.cloned(), version: 1, updated_at: $at.to_string(), updated_by: $actor.to_string() }
    }};
}

/// Appends one history entry (old → new as JSON of the raw fields); expands inside a transaction.
macro_rules! record_history {
    ($tx:expr, $assessment:expr, $item:expr, $version:expr, $old:expr, $new:expr, $actor:expr, $at:expr) => {{
        let old: Option<&ItemAnswer> = $old;
        let new: Option<&ItemAnswer> = $new;
        let json = |a: Option<&ItemAnswer>| -> Result<Option<String>> {
            a.map(|a| serde_json::to_string(&a.to_raw()).map_err(|e| StoreError::Corrupt(e.to_string()))).transpose()
        };
        sqlx::query("INSERT INTO answer_history (id, assessment_id, item_no, version, changed_at, changed_by, old_value, new_value) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)")
            .bind(new_id())
            .bind($assessment)
            .bind(i64::from($item))
            .bind($version)
            .bind($at)
            .bind($actor)
            .bind(json(old)?)
            .bind(json(new)?)
            .execute(&mut *$tx)
            .await?;
    }};
}

macro_rules! answer_columns {
    () => {
        "item_no, mark, alternative, reason, review_by, accepted_by, progress, status, \
     target_date, na_reason, note, version, updated_at, updated_by"
    };
}

/// One answer write of a batch: the item, the version the writer read (0 = never answered) and
/// the new answer (None = clear).
#[derive(Debug, Clone)]
pub struct AnswerWrite {
    /// Item number.
    pub item: u16,
    /// The version the writer based its change on.
    pub expected_version: i64,
    /// New value; `None` clears the answer.
    pub answer: Option<ItemAnswer>,
}

impl Store {
    // ---- organisations -------------------------------------------------------------------

    /// The default organisation, created with `name` on first use.
    pub async fn default_org(&self, name: &str) -> Result<Organisation> {
        let sql_ins = "INSERT INTO organisations (id, code, name, created_at) VALUES ($1, 'default', $2, $3) \
                       ON CONFLICT (code) DO NOTHING";
        let (id, at) = (new_id(), now());
        on!(self, |pool| sqlx::query(sql_ins)
            .bind(&id)
            .bind(name)
            .bind(&at)
            .execute(pool)
            .await
            .map(|r| r.rows_affected()))?;
        let sql = "SELECT id, code, name, created_at FROM organisations WHERE code = 'default'";
        Ok(on!(self, |pool| sqlx::query_as::<_, Organisation>(sql)
            .fetch_one(pool)
            .await)?)
    }

    /// Renames an organisation (the company name printed on checksheets and reports).
    pub async fn rename_org(&self, org_id: &str, name: &str) -> Result<()> {
        let sql = "UPDATE organisations SET name = $1 WHERE id = $2";
        on!(self, |pool| sqlx::query(sql)
            .bind(name)
            .bind(org_id)
            .execute(pool)
            .await
            .map(|r| r.rows_affected()))?;
        Ok(())
    }

    // ---- sites and lines -----------------------------------------------------------------

    /// Adds a plant; a duplicate code in the organisation is [`StoreError::Duplicate`].
    pub async fn add_site(&self, org_id: &str, code: &str, name: &str) -> Result<Site> {
        let site = Site {
            id: new_id(),
            org_id: org_id.into(),
            code: code.into(),
            name: name.into(),
            created_at: now(),
        };
        let sql =
            "INSERT INTO sites (id, org_id, code, name, created_at) VALUES ($1, $2, $3, $4, $5)";
        let r = on!(self, |pool| sqlx::query(sql)
            .bind(&site.id)
            .bind(&site.org_id)
            .bind(&site.code)
            .bind(&site.name)
            .bind(&site.created_at)
            .execute(pool)
            .await
            .map(|r| r.rows_affected()));
        match r {
            Ok(_) => Ok(site),
            Err(e) if is_unique_violation(&e) => Err(StoreError::Duplicate {
                what: "site",
                key: code.into(),
            }),
            Err(e) => Err(e.into()),
        }
    }

    /// Plants of an organisation, by code.
    pub async fn sites(&self, org_id: &str) -> Result<Vec<Site>> {
        let sql =
            "SELECT id, org_id, code, name, created_at FROM sites WHERE org_id = $1 ORDER BY code";
        Ok(on!(self, |pool| sqlx::query_as::<_, Site>(sql)
            .bind(org_id)
            .fetch_all(pool)
            .await)?)
    }

    /// Plants granted to a user, by code.
    pub async fn sites_granted(&self, user_id: &str) -> Result<Vec<Site>> {
        let sql = "SELECT s.id, s.org_id, s.code, s.name, s.created_at FROM sites s \
                   JOIN grants g ON g.site_id = s.id WHERE g.user_id = $1 ORDER BY s.code";
        Ok(on!(self, |pool| sqlx::query_as::<_, Site>(sql)
            .bind(user_id)
            .fetch_all(pool)
            .await)?)
    }

    /// A plant by code.
    pub async fn site_by_code(&self, org_id: &str, code: &str) -> Result<Option<Site>> {
        let sql =
            "SELECT id, org_id, code, name, created_at FROM sites WHERE org_id = $1 AND code = $2";
        Ok(on!(self, |pool| sqlx::query_as::<_, Site>(sql)
            .bind(org_id)
            .bind(code)
            .fetch_optional(pool)
            .await)?)
    }

    /// A plant by id.
    pub async fn site(&self, id: &str) -> Result<Option<Site>> {
        let sql = "SELECT id, org_id, code, name, created_at FROM sites WHERE id = $1";
        Ok(on!(self, |pool| sqlx::query_as::<_, Site>(sql)
            .bind(id)
            .fetch_optional(pool)
            .await)?)
    }

    /// Adds a line to a plant; a duplicate code in the plant is [`StoreError::Duplicate`].
    pub async fn add_line(&self, site_id: &str, code: &str, name: &str) -> Result<Line> {
        let line = Line {
            id: new_id(),
            site_id: site_id.into(),
            code: code.into(),
            name: name.into(),
            created_at: now(),
        };
        let sql =
            "INSERT INTO lines (id, site_id, code, name, created_at) VALUES ($1, $2, $3, $4, $5)";
        let r = on!(self, |pool| sqlx::query(sql)
            .bind(&line.id)
            .bind(&line.site_id)
            .bind(&line.code)
            .bind(&line.name)
            .bind(&line.created_at)
            .execute(pool)
            .await
            .map(|r| r.rows_affected()));
        match r {
            Ok(_) => Ok(line),
            Err(e) if is_unique_violation(&e) => Err(StoreError::Duplicate {
                what: "line",
                key: code.into(),
            }),
            Err(e) => Err(e.into()),
        }
    }

    /// Lines of a plant, by code.
    pub async fn lines(&self, site_id: &str) -> Result<Vec<Line>> {
        let sql = "SELECT id, site_id, code, name, created_at FROM lines WHERE site_id = $1 ORDER BY code";
        Ok(on!(self, |pool| sqlx::query_as::<_, Line>(sql)
            .bind(site_id)
            .fetch_all(pool)
            .await)?)
    }

    /// A line by code.
    pub async fn line_by_code(&self, site_id: &str, code: &str) -> Result<Option<Line>> {
        let sql = "SELECT id, site_id, code, name, created_at FROM lines WHERE site_id = $1 AND code = $2";
        Ok(on!(self, |pool| sqlx::query_as::<_, Line>(sql)
            .bind(site_id)
            .bind(code)
            .fetch_optional(pool)
            .await)?)
    }

    /// A line by id.
    pub async fn line(&self, id: &str) -> Result<Option<Line>> {
        let sql = "SELECT id, site_id, code, name, created_at FROM lines WHERE id = $1";
        Ok(on!(self, |pool| sqlx::query_as::<_, Line>(sql)
            .bind(id)
            .fetch_optional(pool)
            .await)?)
    }

    // ---- assessments ---------------------------------------------------------------------

    /// Creates an assessment (revision = 1 + the highest for the same scope and period) with
    /// `answers` written as version 1, all in one transaction.
    pub async fn create_assessment(
        &self,
        new: &NewAssessment,
        answers: &[(u16, ItemAnswer)],
    ) -> Result<Assessment> {
        let id = new_id();
        let at = now();
        let site = self
            .site(&new.site_id)
            .await?
            .ok_or_else(|| StoreError::NotFound {
                what: "site",
                key: new.site_id.clone(),
            })?;
        write_tx!(self, |tx| {
            async {
                let rev_sql = "SELECT COALESCE(MAX(revision), 0) FROM assessments WHERE site_id = $1 \
                               AND period = $2 AND COALESCE(line_id, '') = COALESCE(CAST($3 AS TEXT), '')";
                let (max_rev,): (i64,) = sqlx::query_as(rev_sql)
                    .bind(&new.site_id)
                    .bind(i64::from(new.period.year()))
                    .bind(new.line_id.as_deref())
                    .fetch_one(&mut *tx)
                    .await?;
                let sql = "INSERT INTO assessments (id, org_id, site_id, line_id, period, catalog_id, status, \
                           revision, based_on, assessor, created_by, created_at, updated_at) \
                           VALUES ($1, $2, $3, $4, $5, $6, 'draft', $7, $8, $9, $10, $11, $11)";
                sqlx::query(sql)
                    .bind(&id)
                    .bind(&site.org_id)
                    .bind(&new.site_id)
                    .bind(new.line_id.as_deref())
                    .bind(i64::from(new.period.year()))
                    .bind(&new.catalog_id)
                    .bind(max_rev + 1)
                    .bind(new.based_on.as_deref())
                    .bind(new.assessor.as_deref())
                    .bind(&new.created_by)
                    .bind(&at)
                    .execute(&mut *tx)
                    .await?;
                for (item, answer) in answers {
                    let _ = insert_answer!(tx, &id, *item, Some(answer), new.created_by.as_str(), at.as_str());
                }
                Ok::<_, StoreError>(())
            }
            .await
        })?;
        self.assessment(&id).await?.ok_or(StoreError::NotFound {
            what: "assessment",
            key: id,
        })
    }

    /// An assessment by id.
    pub async fn assessment(&self, id: &str) -> Result<Option<Assessment>> {
        let sql = concat!(assessment_select!(), " WHERE a.id = $1");
        Ok(on!(self, |pool| sqlx::query_as::<_, Assessment>(sql)
            .bind(id)
            .fetch_optional(pool)
            .await)?)
    }

    /// Assessments whose id starts with `prefix` (for short ids typed on the command line).
    pub async fn assessments_by_prefix(&self, prefix: &str) -> Result<Vec<Assessment>> {
        let clean: String = prefix
            .chars()
            .filter(|c| c.is_ascii_hexdigit() || *c == '-')
            .collect();
        let sql = concat!(
            assessment_select!(),
            " WHERE a.id LIKE $1 ORDER BY a.created_at LIMIT 10"
        );
        Ok(on!(self, |pool| sqlx::query_as::<_, Assessment>(sql)
            .bind(format!("{}%", clean.to_ascii_lowercase()))
            .fetch_all(pool)
            .await)?)
    }

    /// Assessments of an organisation, optionally of one plant, optionally only those of plants
    /// granted to `visible_to` (a user id), newest period first; with their mark tallies. Two
    /// queries whatever the number of assessments.
    pub async fn assessments(
        &self,
        org_id: &str,
        site_id: Option<&str>,
        visible_to: Option<&str>,
    ) -> Result<Vec<(Assessment, MarkTally)>> {
        macro_rules! filter {
            () => {
                "a.org_id = $1 AND (CAST($2 AS TEXT) IS NULL OR a.site_id = $2) \
                 AND (CAST($3 AS TEXT) IS NULL OR a.site_id IN (SELECT site_id FROM grants WHERE user_id = $3))"
            };
        }
        let sql = concat!(
            assessment_select!(),
            " WHERE ",
            filter!(),
            " ORDER BY a.period DESC, s.code, l.code, a.revision DESC"
        );
        let list: Vec<Assessment> = on!(self, |pool| sqlx::query_as::<_, Assessment>(sql)
            .bind(org_id)
            .bind(site_id)
            .bind(visible_to)
            .fetch_all(pool)
            .await)?;
        let tally_sql = concat!(
            "SELECT x.assessment_id, x.mark, COUNT(*) FROM answers x JOIN assessments a ON a.id = x.assessment_id WHERE ",
            filter!(),
            " AND x.mark IS NOT NULL GROUP BY x.assessment_id, x.mark"
        );
        let rows: Vec<(String, String, i64)> = on!(self, |pool| sqlx::query_as(tally_sql)
            .bind(org_id)
            .bind(site_id)
            .bind(visible_to)
            .fetch_all(pool)
            .await)?;
        let mut tallies: std::collections::HashMap<String, MarkTally> = Default::default();
        for (id, mark, n) in rows {
            let m = Mark::parse(&mark).map_err(|_| StoreError::Corrupt(format!("mark {mark}")))?;
            tallies.entry(id).or_default().counts[m.index()] = u32::try_from(n).unwrap_or(u32::MAX);
        }
        Ok(list
            .into_iter()
            .map(|a| {
                let t = tallies.remove(&a.id).unwrap_or_default();
                (a, t)
            })
            .collect())
    }

    /// Sets an assessment's status.
    pub async fn set_status(&self, id: &str, status: kojo_domain::Status) -> Result<()> {
        let sql = "UPDATE assessments SET status = $1, updated_at = $2 WHERE id = $3";
        let r = on!(self, |pool| sqlx::query(sql)
            .bind(status.key())
            .bind(now())
            .bind(id)
            .execute(pool)
            .await
            .map(|r| r.rows_affected()))?;
        if r == 0 {
            return Err(StoreError::NotFound {
                what: "assessment",
                key: id.into(),
            });
        }
        Ok(())
    }

    // ---- answers -------------------------------------------------------------------------

    /// Every stored answer of an assessment (one query), by item.
    pub async fn answers(&self, assessment_id: &str) -> Result<Vec<StoredAnswer>> {
        let sql = concat!(
            "SELECT ",
            answer_columns!(),
            " FROM answers WHERE assessment_id = $1 ORDER BY item_no"
        );
        let rows: Vec<AnswerRow> = on!(self, |pool| sqlx::query_as::<_, AnswerRow>(sql)
            .bind(assessment_id)
            .fetch_all(pool)
            .await)?;
        rows.into_iter().map(AnswerRow::into_stored).collect()
    }

    /// One item's stored answer.
    pub async fn answer(&self, assessment_id: &str, item: u16) -> Result<Option<StoredAnswer>> {
        let sql = concat!(
            "SELECT ",
            answer_columns!(),
            " FROM answers WHERE assessment_id = $1 AND item_no = $2"
        );
        let row: Option<AnswerRow> = on!(self, |pool| sqlx::query_as::<_, AnswerRow>(sql)
            .bind(assessment_id)
            .bind(i64::from(item))
            .fetch_optional(pool)
            .await)?;
        row.map(AnswerRow::into_stored).transpose()
    }

    /// Writes answers in one transaction: every write must hold the current version, else
    /// nothing is written and [`StoreError::Conflict`] names the first stale item with its
    /// current value. Each change is recorded in the history. Refuses a locked assessment.
    pub async fn write_answers(
        &self,
        assessment_id: &str,
        writes: &[AnswerWrite],
        actor: &str,
    ) -> Result<Vec<StoredAnswer>> {
        let at = now();
        write_tx!(self, |tx| {
            async {
                // Touch the assessment first: on PostgreSQL this row lock also orders concurrent
                // writers of the same assessment.
                let r = sqlx::query("UPDATE assessments SET updated_at = $1 WHERE id = $2 AND status = 'draft'")
                    .bind(&at)
                    .bind(assessment_id)
                    .execute(&mut *tx)
                    .await?;
                if r.rows_affected() == 0 {
                    let exists: Option<(String,)> = sqlx::query_as("SELECT status FROM assessments WHERE id = $1")
                        .bind(assessment_id)
                        .fetch_optional(&mut *tx)
                        .await?;
                    return Err(match exists {
                        None => StoreError::NotFound { what: "assessment", key: assessment_id.into() },
                        Some((status,)) => StoreError::NotFound { what: "draft assessment", key: format!("{assessment_id} ({status})") },
                    });
                }
                let mut out = Vec::with_capacity(writes.len());
                let select = concat!("SELECT ", answer_columns!(), " FROM answers WHERE assessment_id = $1 AND item_no = $2");
                for w in writes {
                    let current: Option<StoredAnswer> = sqlx::query_as::<_, AnswerRow>(select)
                        .bind(assessment_id)
                        .bind(i64::from(w.item))
                        .fetch_optional(&mut *tx)
                        .await?
                        .map(AnswerRow::into_stored)
                        .transpose()?;
                    let current_version = current.as_ref().map(|c| c.version).unwrap_or(0);
                    if current_version != w.expected_version {
                        return Err(StoreError::Conflict { item: w.item, current: current.map(Box::new) });
                    }
                    let stored = if current.is_none() {
                        insert_answer!(tx, assessment_id, w.item, w.answer.as_ref(), actor, at.as_str())
                    } else {
                        let c = columns(w.answer.as_ref());
                        let sql = "UPDATE answers SET mark = $1, alternative = $2, reason = $3, review_by = $4, \
                                   accepted_by = $5, progress = $6, status = $7, target_date = $8, na_reason = $9, \
                                   note = $10, version = version + 1, updated_at = $11, updated_by = $12 \
                                   WHERE assessment_id = $13 AND item_no = $14 AND version = $15";
                        let mut q = sqlx::query(sql);
                        for v in &c {
                            q = q.bind(v.as_deref());
                        }
                        let r = q
                            .bind(&at)
                            .bind(actor)
                            .bind(assessment_id)
                            .bind(i64::from(w.item))
                            .bind(w.expected_version)
                            .execute(&mut *tx)
                            .await?;
                        if r.rows_affected() != 1 {
                            return Err(StoreError::Conflict { item: w.item, current: current.map(Box::new) });
                        }
                        let stored = StoredAnswer {
                            item: w.item,
                            answer: w.answer.clone(),
                            version: w.expected_version + 1,
                            updated_at: at.clone(),
                            updated_by: actor.to_string(),
                        };
                        let old = current.and_then(|c| c.answer);
                        record_history!(tx, assessment_id, w.item, stored.version, old.as_ref(), w.answer.as_ref(), actor, at.as_str());
                        stored
                    };
                    out.push(stored);
                }
                Ok::<_, StoreError>(out)
            }
            .await
        })
    }

    /// The change history of an assessment (all items, or one), oldest first.
    pub async fn history(
        &self,
        assessment_id: &str,
        item: Option<u16>,
    ) -> Result<Vec<HistoryEntry>> {
        let sql = "SELECT item_no, version, changed_at, changed_by, old_value, new_value FROM answer_history \
                   WHERE assessment_id = $1 AND (CAST($2 AS BIGINT) IS NULL OR item_no = $2) \
                   ORDER BY changed_at, item_no, version";
        let rows: Vec<HistoryRow> = on!(self, |pool| sqlx::query_as::<_, HistoryRow>(sql)
            .bind(assessment_id)
            .bind(item.map(i64::from))
            .fetch_all(pool)
            .await)?;
        rows.into_iter().map(HistoryRow::into_entry).collect()
    }

    /// Adds a review comment (on one item, or on the assessment when `item` is `None`).
    pub async fn add_comment(
        &self,
        assessment_id: &str,
        item: Option<u16>,
        author: &str,
        body: &str,
    ) -> Result<Comment> {
        let c = Comment {
            id: new_id(),
            assessment_id: assessment_id.into(),
            item_no: item.map(i64::from),
            author: author.into(),
            created_at: now(),
            body: body.into(),
        };
        let sql = "INSERT INTO comments (id, assessment_id, item_no, author, created_at, body) VALUES ($1, $2, $3, $4, $5, $6)";
        let r = on!(self, |pool| sqlx::query(sql)
            .bind(&c.id)
            .bind(&c.assessment_id)
            .bind(c.item_no)
            .bind(&c.author)
            .bind(&c.created_at)
            .bind(&c.body)
            .execute(pool)
            .await
            .map(|r| r.rows_affected()));
        match r {
            Ok(_) => Ok(c),
            Err(sqlx::Error::Database(d)) if d.is_foreign_key_violation() => {
                Err(StoreError::NotFound {
                    what: "assessment",
                    key: assessment_id.into(),
                })
            }
            Err(e) => Err(e.into()),
        }
    }

    /// Every comment of an assessment, oldest first (one query).
    pub async fn comments(&self, assessment_id: &str) -> Result<Vec<Comment>> {
        let sql = "SELECT id, assessment_id, item_no, author, created_at, body FROM comments \
                   WHERE assessment_id = $1 ORDER BY created_at, id";
        Ok(on!(self, |pool| sqlx::query_as::<_, Comment>(sql)
            .bind(assessment_id)
            .fetch_all(pool)
            .await)?)
    }

    // ---- users, grants, sessions, access log ----------------------------------------------

    /// Number of user accounts (0 = first run: the setup page creates the first admin).
    pub async fn user_count(&self) -> Result<i64> {
        let (n,): (i64,) = on!(self, |pool| sqlx::query_as("SELECT COUNT(*) FROM users")
            .fetch_one(pool)
            .await)?;
        Ok(n)
    }

    /// Adds a user; a taken name is [`StoreError::Duplicate`].
    pub async fn add_user(
        &self,
        name: &str,
        role: &str,
        password_hash: &str,
        lang: &str,
    ) -> Result<User> {
        let at = now();
        let user = User {
            id: new_id(),
            name: name.into(),
            role: role.into(),
            password_hash: password_hash.into(),
            disabled: false,
            lang: lang.into(),
            created_at: at.clone(),
            password_changed_at: at,
        };
        let sql = "INSERT INTO users (id, name, role, password_hash, disabled, lang, created_at, password_changed_at) \
                   VALUES ($1, $2, $3, $4, $5, $6, $7, $8)";
        let r = on!(self, |pool| sqlx::query(sql)
            .bind(&user.id)
            .bind(&user.name)
            .bind(&user.role)
            .bind(&user.password_hash)
            .bind(user.disabled)
            .bind(&user.lang)
            .bind(&user.created_at)
            .bind(&user.password_changed_at)
            .execute(pool)
            .await
            .map(|r| r.rows_affected()));
        match r {
            Ok(_) => Ok(user),
            Err(e) if is_unique_violation(&e) => Err(StoreError::Duplicate {
                what: "user",
                key: name.into(),
            }),
            Err(e) => Err(e.into()),
        }
    }

    /// Adds the first user only if there is none yet. The transaction first claims the
    /// `first_user` marker in `settings` (a primary key), so of two concurrent set-up requests
    /// exactly one proceeds on either engine. Returns `None` when a user already exists.
    pub async fn add_first_user(
        &self,
        name: &str,
        role: &str,
        password_hash: &str,
        lang: &str,
    ) -> Result<Option<User>> {
        let at = now();
        let id = new_id();
        let created = write_tx!(self, |tx| {
            async {
                let claimed = sqlx::query("INSERT INTO settings (key, value) VALUES ('first_user', $1) ON CONFLICT (key) DO NOTHING")
                    .bind(&at)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
                let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM users").fetch_one(&mut *tx).await?;
                if claimed == 0 || n > 0 {
                    return Ok::<_, StoreError>(false);
                }
                sqlx::query(
                    "INSERT INTO users (id, name, role, password_hash, disabled, lang, created_at, password_changed_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $7)",
                )
                .bind(&id)
                .bind(name)
                .bind(role)
                .bind(password_hash)
                .bind(false)
                .bind(lang)
                .bind(&at)
                .execute(&mut *tx)
                .await?;
                Ok(true)
            }
            .await
        })?;
        if created {
            self.user(&id).await
        } else {
            Ok(None)
        }
    }

    /// A user by login name.
    pub async fn user_by_name(&self, name: &str) -> Result<Option<User>> {
        let sql = "SELECT id, name, role, password_hash, disabled, lang, created_at, password_changed_at FROM users WHERE name = $1";
        Ok(on!(self, |pool| sqlx::query_as::<_, User>(sql)
            .bind(name)
            .fetch_optional(pool)
            .await)?)
    }

    /// A user by id.
    pub async fn user(&self, id: &str) -> Result<Option<User>> {
        let sql = "SELECT id, name, role, password_hash, disabled, lang, created_at, password_changed_at FROM users WHERE id = $1";
        Ok(on!(self, |pool| sqlx::query_as::<_, User>(sql)
            .bind(id)
            .fetch_optional(pool)
            .await)?)
    }

    /// All users by name.
    pub async fn users(&self) -> Result<Vec<User>> {
        let sql = "SELECT id, name, role, password_hash, disabled, lang, created_at, password_changed_at FROM users ORDER BY name";
        Ok(on!(self, |pool| sqlx::query_as::<_, User>(sql)
            .fetch_all(pool)
            .await)?)
    }

    /// Sets a password hash (and the change time); ends the user's sessions.
    pub async fn set_password(&self, user_id: &str, password_hash: &str) -> Result<()> {
        let at = now();
        write_tx!(self, |tx| {
            async {
                let r = sqlx::query(
                    "UPDATE users SET password_hash = $1, password_changed_at = $2 WHERE id = $3",
                )
                .bind(password_hash)
                .bind(&at)
                .bind(user_id)
                .execute(&mut *tx)
                .await?;
                if r.rows_affected() == 0 {
                    return Err(StoreError::NotFound {
                        what: "user",
                        key: user_id.into(),
                    });
                }
                sqlx::query("DELETE FROM sessions WHERE user_id = $1")
                    .bind(user_id)
                    .execute(&mut *tx)
                    .await?;
                Ok(())
            }
            .await
        })
    }

    /// Enables or disables a user; disabling ends the user's sessions.
    pub async fn set_disabled(&self, user_id: &str, disabled: bool) -> Result<()> {
        write_tx!(self, |tx| {
            async {
                let r = sqlx::query("UPDATE users SET disabled = $1 WHERE id = $2")
                    .bind(disabled)
                    .bind(user_id)
                    .execute(&mut *tx)
                    .await?;
                if r.rows_affected() == 0 {
                    return Err(StoreError::NotFound {
                        what: "user",
                        key: user_id.into(),
                    });
                }
                if disabled {
                    sqlx::query("DELETE FROM sessions WHERE user_id = $1")
                        .bind(user_id)
                        .execute(&mut *tx)
                        .await?;
                }
                Ok(())
            }
            .await
        })
    }

    /// Changes a user's role.
    pub async fn set_role(&self, user_id: &str, role: &str) -> Result<()> {
        let r = on!(self, |pool| sqlx::query(
            "UPDATE users SET role = $1 WHERE id = $2"
        )
        .bind(role)
        .bind(user_id)
        .execute(pool)
        .await
        .map(|r| r.rows_affected()))?;
        if r == 0 {
            return Err(StoreError::NotFound {
                what: "user",
                key: user_id.into(),
            });
        }
        Ok(())
    }

    /// Sets a user's preferred language.
    pub async fn set_lang(&self, user_id: &str, lang: &str) -> Result<()> {
        on!(self, |pool| sqlx::query(
            "UPDATE users SET lang = $1 WHERE id = $2"
        )
        .bind(lang)
        .bind(user_id)
        .execute(pool)
        .await
        .map(|r| r.rows_affected()))?;
        Ok(())
    }

    /// Grants a plant to a user (idempotent).
    pub async fn grant(&self, user_id: &str, site_id: &str) -> Result<()> {
        let sql = "INSERT INTO grants (user_id, site_id) VALUES ($1, $2) ON CONFLICT (user_id, site_id) DO NOTHING";
        on!(self, |pool| sqlx::query(sql)
            .bind(user_id)
            .bind(site_id)
            .execute(pool)
            .await
            .map(|r| r.rows_affected()))?;
        Ok(())
    }

    /// Revokes a plant from a user.
    pub async fn revoke(&self, user_id: &str, site_id: &str) -> Result<()> {
        let sql = "DELETE FROM grants WHERE user_id = $1 AND site_id = $2";
        on!(self, |pool| sqlx::query(sql)
            .bind(user_id)
            .bind(site_id)
            .execute(pool)
            .await
            .map(|r| r.rows_affected()))?;
        Ok(())
    }

    /// Every grant as (user id, plant), by plant code (one query, for the user listing).
    pub async fn all_grants(&self) -> Result<Vec<(String, Site)>> {
        #[derive(sqlx::FromRow)]
        struct Row {
            user_id: String,
            #[sqlx(flatten)]
            site: Site,
        }
        let sql = "SELECT g.user_id, s.id, s.org_id, s.code, s.name, s.created_at FROM grants g \
                   JOIN sites s ON s.id = g.site_id ORDER BY s.code";
        let rows: Vec<Row> = on!(self, |pool| sqlx::query_as::<_, Row>(sql)
            .fetch_all(pool)
            .await)?;
        Ok(rows.into_iter().map(|r| (r.user_id, r.site)).collect())
    }

    /// Whether `user_id` has a grant for `site_id`.
    pub async fn is_granted(&self, user_id: &str, site_id: &str) -> Result<bool> {
        let sql = "SELECT COUNT(*) FROM grants WHERE user_id = $1 AND site_id = $2";
        let (n,): (i64,) = on!(self, |pool| sqlx::query_as(sql)
            .bind(user_id)
            .bind(site_id)
            .fetch_one(pool)
            .await)?;
        Ok(n > 0)
    }

    /// Stores a new session.
    pub async fn create_session(&self, s: &Session) -> Result<()> {
        let sql = "INSERT INTO sessions (token_hash, user_id, csrf_token, created_at, last_seen, client) VALUES ($1, $2, $3, $4, $5, $6)";
        on!(self, |pool| sqlx::query(sql)
            .bind(&s.token_hash)
            .bind(&s.user_id)
            .bind(&s.csrf_token)
            .bind(&s.created_at)
            .bind(&s.last_seen)
            .bind(s.client.as_deref())
            .execute(pool)
            .await
            .map(|r| r.rows_affected()))?;
        Ok(())
    }

    /// A session with its user (one query).
    pub async fn session(&self, token_hash: &str) -> Result<Option<(Session, User)>> {
        let sql = "SELECT s.token_hash, s.user_id, s.csrf_token, s.created_at, s.last_seen, s.client, \
                   u.id, u.name, u.role, u.password_hash, u.disabled, u.lang, u.created_at AS u_created_at, u.password_changed_at \
                   FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.token_hash = $1";
        #[derive(sqlx::FromRow)]
        struct Row {
            token_hash: String,
            user_id: String,
            csrf_token: String,
            created_at: String,
            last_seen: String,
            client: Option<String>,
            id: String,
            name: String,
            role: String,
            password_hash: String,
            disabled: bool,
            lang: String,
            u_created_at: String,
            password_changed_at: String,
        }
        let row: Option<Row> = on!(self, |pool| sqlx::query_as::<_, Row>(sql)
            .bind(token_hash)
            .fetch_optional(pool)
            .await)?;
        Ok(row.map(|r| {
            (
                Session {
                    token_hash: r.token_hash,
                    user_id: r.user_id,
                    csrf_token: r.csrf_token,
                    created_at: r.created_at,
                    last_seen: r.last_seen,
                    client: r.client,
                },
                User {
                    id: r.id,
                    name: r.name,
                    role: r.role,
                    password_hash: r.password_hash,
                    disabled: r.disabled,
                    lang: r.lang,
                    created_at: r.u_created_at,
                    password_changed_at: r.password_changed_at,
                },
            )
        }))
    }

    /// Records activity on a session.
    pub async fn touch_session(&self, token_hash: &str, at: &str) -> Result<()> {
        on!(self, |pool| sqlx::query(
            "UPDATE sessions SET last_seen = $1 WHERE token_hash = $2"
        )
        .bind(at)
        .bind(token_hash)
        .execute(pool)
        .await
        .map(|r| r.rows_affected()))?;
        Ok(())
    }

    /// Ends a session.
    pub async fn delete_session(&self, token_hash: &str) -> Result<()> {
        on!(self, |pool| sqlx::query(
            "DELETE FROM sessions WHERE token_hash = $1"
        )
        .bind(token_hash)
        .execute(pool)
        .await
        .map(|r| r.rows_affected()))?;
        Ok(())
    }

    /// Removes sessions idle since before `cutoff` (RFC 3339).
    pub async fn purge_sessions(&self, cutoff: &str) -> Result<u64> {
        let r = on!(self, |pool| sqlx::query(
            "DELETE FROM sessions WHERE last_seen < $1"
        )
        .bind(cutoff)
        .execute(pool)
        .await
        .map(|r| r.rows_affected()))?;
        Ok(r)
    }

    /// Appends to the access log.
    pub async fn audit(
        &self,
        actor: Option<&str>,
        client: Option<&str>,
        action: &str,
        target: Option<&str>,
        detail: Option<&str>,
    ) -> Result<()> {
        let sql = "INSERT INTO audit_log (id, at, actor, client, action, target, detail) VALUES ($1, $2, $3, $4, $5, $6, $7)";
        on!(self, |pool| sqlx::query(sql)
            .bind(new_id())
            .bind(now())
            .bind(actor)
            .bind(client)
            .bind(action)
            .bind(target)
            .bind(detail)
            .execute(pool)
            .await
            .map(|r| r.rows_affected()))?;
        Ok(())
    }

    /// The latest `limit` access-log entries, newest first.
    pub async fn audit_log(&self, limit: i64) -> Result<Vec<AuditEntry>> {
        let sql = "SELECT id, at, actor, client, action, target, detail FROM audit_log ORDER BY at DESC, id LIMIT $1";
        Ok(on!(self, |pool| sqlx::query_as::<_, AuditEntry>(sql)
            .bind(limit)
            .fetch_all(pool)
            .await)?)
    }
}
