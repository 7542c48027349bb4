//! Assessments: creation, lookup, lists with tallies, status.

use super::*;

impl Store {
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
                insert_assessment!(tx, new, &site.org_id, &id, &at);
                let mut seq = reserve_history_seq!(tx, &id, answers.len());
                for (item, answer) in answers {
                    insert_answer!(
                        tx,
                        &id,
                        *item,
                        Some(answer),
                        new.created_by.as_str(),
                        at.as_str(),
                        seq
                    );
                    seq += 1;
                }
                refresh_marks!(tx, &id);
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

    /// Assessments whose id starts with `prefix` (lower-case hex digits and `-` only; anything
    /// else matches nothing), only among plants granted to `visible_to` (a user id) when given.
    /// At most 10, oldest first.
    pub async fn assessments_by_prefix(
        &self,
        prefix: &str,
        visible_to: Option<&str>,
    ) -> Result<Vec<Assessment>> {
        if prefix.is_empty()
            || !prefix
                .chars()
                .all(|c| c.is_ascii_digit() || ('a'..='f').contains(&c) || c == '-')
        {
            return Ok(Vec::new());
        }
        let sql = concat!(
            assessment_select!(),
            " WHERE a.id LIKE $1 AND (CAST($2 AS TEXT) IS NULL OR a.site_id IN \
             (SELECT g.site_id FROM site_access g WHERE g.user_id = $2)) ORDER BY a.created_at, a.id LIMIT 10"
        );
        Ok(on!(self, |pool| sqlx::query_as::<_, Assessment>(sql)
            .bind(format!("{prefix}%"))
            .bind(visible_to)
            .fetch_all(pool)
            .await)?)
    }

    /// Assessments of one company (all when `None`), optionally of one plant, optionally only those of plants
    /// granted to `visible_to` (a user id), newest period first; with their mark tallies. Two
    /// queries whatever the number of assessments.
    pub async fn assessments(
        &self,
        org_id: Option<&str>,
        site_id: Option<&str>,
        visible_to: Option<&str>,
    ) -> Result<Vec<(Assessment, MarkTally)>> {
        macro_rules! filter {
            () => {
                "(CAST($1 AS TEXT) IS NULL OR a.org_id = $1) AND (CAST($2 AS TEXT) IS NULL OR a.site_id = $2) \
                 AND (CAST($3 AS TEXT) IS NULL OR a.site_id IN (SELECT site_id FROM site_access WHERE user_id = $3))"
            };
        }
        let sql = concat!(
            assessment_select!(),
            " WHERE ",
            filter!(),
            " ORDER BY a.period DESC, s.code, l.code, a.revision DESC, a.created_at, a.id"
        );
        let list: Vec<Assessment> = on!(self, |pool| sqlx::query_as::<_, Assessment>(sql)
            .bind(org_id)
            .bind(site_id)
            .bind(visible_to)
            .fetch_all(pool)
            .await)?;
        let tally_sql = concat!(
            "SELECT x.assessment_id, x.mark, COUNT(*) FROM effective_answers x JOIN assessments a ON a.id = x.assessment_id WHERE ",
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

    /// The plant-level assessment of a plant for a fiscal year (its latest revision), if any:
    /// what a line of that plant and year inherits from.
    pub async fn plant_assessment(&self, site_id: &str, period: i64) -> Result<Option<Assessment>> {
        let sql = concat!(
            assessment_select!(),
            " WHERE a.site_id = $1 AND a.line_id IS NULL AND a.period = $2 ORDER BY a.revision DESC LIMIT 1"
        );
        Ok(on!(self, |pool| sqlx::query_as::<_, Assessment>(sql)
            .bind(site_id)
            .bind(period)
            .fetch_optional(pool)
            .await)?)
    }

    /// Sets an assessment's status.
    pub async fn set_status(&self, id: &str, status: kojo_domain::Status) -> Result<()> {
        let sql = "UPDATE assessments SET status = $1, updated_at = $2 WHERE id = $3";
        let r = exec!(
            self,
            sqlx::query(sql).bind(status.key()).bind(now()).bind(id)
        )?;
        one_row(r, "assessment", id)
    }
}
