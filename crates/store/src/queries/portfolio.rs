//! The portfolio: the latest revision of every scope and year with its mark summary, and the
//! overdue □ and actions of one year's, in a few set-based queries whatever the number of
//! plants.

use super::*;

/// The latest revision of one scope (plant or line) for one fiscal year, with its mark summary
/// and, on a line that inherits, its plant assessment's. Plant names and companies come from
/// the plant list: this row stays narrow, there are thousands of them.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, sqlx::FromRow)]
pub struct PortfolioHead {
    /// Assessment id.
    pub id: String,
    /// Plant.
    pub site_id: String,
    /// Line code, for a line's assessment.
    pub line_code: Option<String>,
    /// Line name.
    pub line_name: Option<String>,
    /// Fiscal year.
    pub period: i64,
    /// Revision.
    pub revision: i64,
    /// Status key.
    pub status: String,
    /// The plant assessment a line inherits from.
    pub inherits_from: Option<String>,
    /// Mark summary (see migration 0007).
    pub marks: String,
    /// The inherited-from assessment's mark summary.
    pub parent_marks: Option<String>,
    /// Received from a supplier (read-only here).
    pub received: bool,
}

/// Overdue work of one assessment: □ past their review-by date, actions past due.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
pub struct OverdueRow {
    /// □ whose review-by date has passed.
    pub reviews: i64,
    /// Open or in-progress actions past their due date.
    pub actions: i64,
}

/// The latest revision of every scope and year among the assessments `$1` (company), `$2`
/// (user id: plants granted) and `$3` (fiscal year) select.
macro_rules! heads_cte {
    () => {
        "WITH heads AS (SELECT id FROM (SELECT a.id, ROW_NUMBER() OVER \
         (PARTITION BY a.site_id, a.line_id, a.period ORDER BY a.revision DESC) AS rn FROM assessments a \
         WHERE (CAST($1 AS TEXT) IS NULL OR a.org_id = $1) \
         AND (CAST($2 AS TEXT) IS NULL OR a.site_id IN (SELECT site_id FROM site_access WHERE user_id = $2)) \
         AND (CAST($3 AS BIGINT) IS NULL OR a.period = $3)) r WHERE rn = 1) "
    };
}

impl Store {
    /// The latest revision of every scope and fiscal year (one fiscal year when `period` is
    /// given) of one company (all when `None`), only among plants granted to `visible_to` (a
    /// user id) when given. One query, in no particular order.
    pub async fn portfolio_heads(
        &self,
        org_id: Option<&str>,
        visible_to: Option<&str>,
        period: Option<i64>,
    ) -> Result<Vec<PortfolioHead>> {
        let sql = concat!(
            heads_cte!(),
            "SELECT a.id, a.site_id, l.code AS line_code, l.name AS line_name, a.period, a.revision, a.status, \
             a.inherits_from, COALESCE(a.marks, '') AS marks, p.marks AS parent_marks, a.received \
             FROM heads h JOIN assessments a ON a.id = h.id LEFT JOIN lines l ON l.id = a.line_id \
             LEFT JOIN assessments p ON p.id = a.inherits_from"
        );
        Ok(on!(self, |pool| sqlx::query_as::<_, PortfolioHead>(sql)
            .bind(org_id)
            .bind(visible_to)
            .bind(period)
            .fetch_all(pool)
            .await)?)
    }

    /// Overdue □ (review-by date before `today`, `YYYY-MM-DD`) and overdue actions of the
    /// latest revision of every scope of `period`, by assessment id (one query; assessments
    /// without any are absent). Only the
    /// line's own answers count: an inherited □ is the plant's.
    pub async fn portfolio_overdue(
        &self,
        org_id: Option<&str>,
        visible_to: Option<&str>,
        period: i64,
        today: &str,
    ) -> Result<std::collections::HashMap<String, OverdueRow>> {
        // Per head, a probe of the partial indexes (a join on the whole index of □ would read
        // every overdue □ of every year); materialized, so that the probes run once per head
        // (SQLite would otherwise evaluate them again for the outer filter).
        let sql = concat!(
            heads_cte!(),
            ", t AS MATERIALIZED (SELECT h.id, \
             (SELECT COUNT(*) FROM answers x WHERE x.assessment_id = h.id AND x.mark = 'deferred' \
              AND x.review_by < $4 AND NOT x.inherit) AS reviews, \
             (SELECT COUNT(*) FROM actions x WHERE x.assessment_id = h.id AND x.status IN ('open', 'in_progress') \
              AND x.due < $4) AS actions FROM heads h JOIN assessments ha ON ha.id = h.id WHERE NOT ha.received) \
             SELECT id, reviews, actions FROM t WHERE reviews + actions > 0"
        );
        let rows: Vec<(String, i64, i64)> = on!(self, |pool| sqlx::query_as(sql)
            .bind(org_id)
            .bind(visible_to)
            .bind(Some(period))
            .bind(today)
            .fetch_all(pool)
            .await)?;
        Ok(rows
            .into_iter()
            .map(|(id, reviews, actions)| (id, OverdueRow { reviews, actions }))
            .collect())
    }

    /// Computes the mark summary of every assessment that has none (after the upgrade that
    /// introduced it), each in its own transaction. Returns how many.
    pub(crate) async fn fill_mark_summaries(&self) -> Result<usize> {
        let ids: Vec<(String,)> = on!(self, |pool| sqlx::query_as(
            "SELECT id FROM assessments WHERE marks IS NULL ORDER BY id"
        )
        .fetch_all(pool)
        .await)?;
        for (id,) in &ids {
            write_tx!(self, |tx| {
                async {
                    refresh_marks!(tx, id);
                    Ok::<_, StoreError>(())
                }
                .await
            })?;
        }
        Ok(ids.len())
    }
}
