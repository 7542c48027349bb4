//! The review queue and the dashboard's cycle counts over the latest assessment of every scope.

use super::*;

impl Store {
    /// Every □ △ × item of the latest assessment of each scope matching `f` (or of the one
    /// assessment named there), and every answer of the items in `also` whatever its mark (the
    /// items the register rules check), with its review, overdue actions and expired evidence; ordered
    /// by plant, line (plant-wide first), period and item. Four queries whatever the number of
    /// plants: the assessments, their □ △ × answers (five narrow columns: with SQLite every
    /// value of a row is copied out of the database, so the wide per-item row is not repeated),
    /// the reviews and the non-zero counts; joined here.
    pub async fn review_queue(
        &self,
        org_id: Option<&str>,
        f: &QueueFilter,
        also: &[u16],
    ) -> Result<Vec<QueueRow>> {
        // The latest assessment of every scope matching the filter, or the one assessment
        // named: that variant leads with `a.id = $4`, so it is one primary-key lookup instead of
        // a scan of every assessment (the OR of the other variant defeats the index).
        macro_rules! latest_cte {
            (all) => {
                concat!(
                    "WITH latest AS MATERIALIZED (SELECT a.id, a.site_id, a.line_id, a.period, a.revision, a.status, a.catalog_id FROM assessments a WHERE ",
                    queue_filter!(), latest_only!(), ") OR a.id = $4)) "
                )
            };
            (one) => {
                concat!(
                    "WITH latest AS MATERIALIZED (SELECT a.id, a.site_id, a.line_id, a.period, a.revision, a.status, a.catalog_id FROM assessments a WHERE a.id = $4 AND ",
                    queue_filter!(), "FALSE) OR a.id = $4)) "
                )
            };
        }
        macro_rules! queue_sql {
            ($v:tt) => {
                [
                    concat!(
                        latest_cte!($v),
                        "SELECT t.id, s.code, s.name, l.code, t.period, t.revision, t.status, t.catalog_id, t.site_id FROM latest t \
                         JOIN sites s ON s.id = t.site_id LEFT JOIN lines l ON l.id = t.line_id"
                    ),
                    concat!(
                        latest_cte!($v),
                        "SELECT x.assessment_id, x.item_no, x.mark, x.review_by, x.confirmed FROM answers x JOIN latest t ON t.id = x.assessment_id \
                         WHERE NOT x.inherit AND (x.mark IN ('deferred', 'considering', 'not_considered') OR x.item_no IN ("
                    ),
                    concat!(
                        latest_cte!($v),
                        "SELECT r.assessment_id, r.item_no, r.mark, r.valid, r.progress, r.progress_pct, r.status, r.target_date, r.note, \
                         r.reviewed_by, r.reviewed_at FROM reviews r JOIN latest t ON t.id = r.assessment_id"
                    ),
                    concat!(
                        latest_cte!($v),
                        "SELECT ac.assessment_id, ac.item_no, 'action', COUNT(*) FROM actions ac JOIN latest t ON t.id = ac.assessment_id \
                         WHERE ac.status IN ('open', 'in_progress') AND ac.due IS NOT NULL AND ac.due < $5 GROUP BY ac.assessment_id, ac.item_no \
                         UNION ALL SELECT e.assessment_id, e.item_no, 'evidence', COUNT(*) FROM evidence e JOIN latest t ON t.id = e.assessment_id \
                         WHERE e.valid_until IS NOT NULL AND e.valid_until < $5 GROUP BY e.assessment_id, e.item_no"
                    ),
                ]
            };
        }
        const ALL: [&str; 4] = queue_sql!(all);
        const ONE: [&str; 4] = queue_sql!(one);
        let [heads_sql, answers_sql, reviews_sql, counts_sql] =
            if f.assessment_id.is_some() { ONE } else { ALL };
        // The item numbers close the answers' `IN (…)`: integers formatted here, never text from
        // outside (0 is no item, so an empty list matches nothing).
        let answers_sql = format!(
            "{answers_sql}{}))",
            std::iter::once(0)
                .chain(also.iter().copied())
                .map(|n| n.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        );
        // (id, plant code, plant name, line code, period, revision, status, catalog, plant id)
        type Head = (
            String,
            String,
            String,
            Option<String>,
            i64,
            i64,
            String,
            String,
            String,
        );
        // (assessment, item, mark, review-by date, confirmed)
        type Residual = (String, i64, String, Option<String>, bool);
        // (assessment, item, "action" | "evidence", count)
        type Count = (String, i64, String, i64);
        type Fetched = (
            Vec<Head>,
            Vec<Residual>,
            Vec<(String, ReviewRow)>,
            Vec<Count>,
        );
        let (heads, answers, reviews, counts): Fetched = on!(self, |pool| {
            async {
                macro_rules! bind4 {
                    ($q:expr) => {
                        sqlx::query_as($q)
                            .bind(org_id)
                            .bind(f.site_id.as_deref())
                            .bind(f.visible_to.as_deref())
                            .bind(f.assessment_id.as_deref())
                    };
                }
                let heads: Vec<Head> = bind4!(heads_sql).fetch_all(&mut *pool).await?;
                let answers = bind4!(sqlx::AssertSqlSafe(answers_sql.as_str()))
                    .fetch_all(&mut *pool)
                    .await?;
                let reviews: Vec<ReviewKeyed> = sqlx::query_as(reviews_sql)
                    .bind(org_id)
                    .bind(f.site_id.as_deref())
                    .bind(f.visible_to.as_deref())
                    .bind(f.assessment_id.as_deref())
                    .fetch_all(&mut *pool)
                    .await?;
                let counts = bind4!(counts_sql).bind(&f.today).fetch_all(pool).await?;
                Ok::<_, sqlx::Error>((
                    heads,
                    answers,
                    reviews
                        .into_iter()
                        .map(|r| (r.assessment_id, r.review))
                        .collect(),
                    counts,
                ))
            }
            .await
        })?;
        let mut reviews_by: HashMap<(String, i64), ReviewRow> = reviews
            .into_iter()
            .map(|(a, r)| ((a, r.item_no), r))
            .collect();
        let mut counts_by: HashMap<(String, i64), (i64, i64)> = HashMap::new();
        for (a, item, kind, n) in counts {
            let c = counts_by.entry((a, item)).or_default();
            if kind == "action" { c.0 += n } else { c.1 += n }
        }
        let heads: HashMap<String, Head> = heads.into_iter().map(|h| (h.0.clone(), h)).collect();
        let mut out = Vec::with_capacity(answers.len());
        for (aid, item_no, mark, review_by, confirmed) in answers {
            let Some(h) = heads.get(&aid) else { continue };
            let key = (aid, item_no);
            let review = reviews_by
                .remove(&key)
                .map(ReviewRow::into_review)
                .transpose()?;
            let (overdue_actions, expired_evidence) =
                counts_by.get(&key).copied().unwrap_or_default();
            out.push(QueueRow {
                assessment_id: key.0,
                site_code: h.1.clone(),
                site_name: h.2.clone(),
                line_code: h.3.clone(),
                period: h.4,
                revision: h.5,
                status: kojo_domain::Status::try_from(h.6.clone())
                    .map_err(|e| StoreError::Corrupt(e.to_string()))?,
                catalog_id: h.7.clone(),
                site_id: h.8.clone(),
                item: u16::try_from(item_no)
                    .map_err(|_| StoreError::Corrupt(format!("item_no {item_no}")))?,
                mark: Mark::parse(&mark)
                    .map_err(|_| StoreError::Corrupt(format!("mark {mark}")))?,
                review_by,
                confirmed,
                review,
                overdue_actions,
                expired_evidence,
            });
        }
        out.sort_by(|a, b| {
            (
                &a.site_code,
                &a.line_code,
                a.period,
                a.item,
                a.revision,
                &a.assessment_id,
            )
                .cmp(&(
                    &b.site_code,
                    &b.line_code,
                    b.period,
                    b.item,
                    b.revision,
                    &b.assessment_id,
                ))
        });
        Ok(out)
    }

    /// Unconfirmed answers and actions per status over the latest assessment of every scope
    /// matching `f` (two queries).
    pub async fn cycle_counts(&self, org_id: Option<&str>, f: &QueueFilter) -> Result<CycleCounts> {
        let unconfirmed_sql = concat!(
            "SELECT COUNT(*) FROM answers x JOIN assessments a ON a.id = x.assessment_id WHERE NOT x.confirmed AND NOT x.inherit AND ",
            queue_filter!(),
            latest_only!(),
            ") OR a.id = $4)"
        );
        let (unconfirmed,): (i64,) = on!(self, |pool| sqlx::query_as(unconfirmed_sql)
            .bind(org_id)
            .bind(f.site_id.as_deref())
            .bind(f.visible_to.as_deref())
            .bind(f.assessment_id.as_deref())
            .fetch_one(pool)
            .await)?;
        let actions_sql = concat!(
            "SELECT x.status, COUNT(*), CAST(SUM(CASE WHEN x.due IS NOT NULL AND x.due < $5 THEN 1 ELSE 0 END) AS BIGINT) \
             FROM actions x JOIN assessments a ON a.id = x.assessment_id WHERE ",
            queue_filter!(),
            latest_only!(),
            ") OR a.id = $4) GROUP BY x.status"
        );
        let rows: Vec<(String, i64, i64)> = on!(self, |pool| sqlx::query_as(actions_sql)
            .bind(org_id)
            .bind(f.site_id.as_deref())
            .bind(f.visible_to.as_deref())
            .bind(f.assessment_id.as_deref())
            .bind(&f.today)
            .fetch_all(pool)
            .await)?;
        let mut out = CycleCounts {
            unconfirmed,
            ..Default::default()
        };
        for (status, n, overdue) in rows {
            if let Some(i) = kojo_domain::ActionStatus::ALL
                .iter()
                .position(|s| s.key() == status)
            {
                out.actions[i] = n;
                if kojo_domain::ActionStatus::ALL[i].is_open() {
                    out.overdue_actions += overdue;
                }
            }
        }
        Ok(out)
    }
}
