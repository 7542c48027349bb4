//! Carrying an assessment into another catalog version (新版で作成).

use super::*;
use kojo_domain::migrate::Carried;

/// What to carry into an assessment of another catalog version; item numbers are computed by
/// `kojo_domain::migrate` and the mapping.
#[derive(Debug, Clone, Copy)]
pub struct CatalogCarry<'a> {
    /// Each new item's starting answer: which old item's answer, and whether it stands
    /// confirmed.
    pub answers: &'a [Carried],
    /// (old item, new item) for evidence: attached to every new item an old item went to.
    pub evidence: &'a [(u16, u16)],
    /// (old item, new item) for open actions: each action moves to one new item.
    pub actions: &'a [(u16, u16)],
}

impl Store {
    /// Creates an assessment of another catalog version from `from` in one transaction: the
    /// answers `carry` names (unconfirmed unless it says otherwise), evidence by reference and
    /// open actions with their history, each under its new item number. Reviews start afresh.
    pub async fn migrate_assessment(
        &self,
        new: &NewAssessment,
        from: &str,
        carry: CatalogCarry<'_>,
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
        let actor = new.created_by.as_str();
        write_tx!(self, |tx| {
            async {
                insert_assessment!(tx, new, &site.org_id, &id, &at);
                let rows: Vec<AnswerRow> = sqlx::query_as(concat!("SELECT ", answer_columns!(), " FROM effective_answers WHERE assessment_id = $1 AND mark IS NOT NULL ORDER BY item_no"))
                    .bind(from)
                    .fetch_all(&mut *tx)
                    .await?;
                let mut old = std::collections::BTreeMap::new();
                for row in rows {
                    let stored = row.into_stored()?;
                    if let Some(a) = stored.answer {
                        old.insert(stored.item, a);
                    }
                }
                let mut seq = reserve_history_seq!(tx, &id, carry.answers.len());
                for c in carry.answers {
                    let Some(answer) = old.get(&c.from) else {
                        continue;
                    };
                    insert_answer!(tx, &id, c.item, Some(answer), actor, at.as_str(), seq);
                    if !c.confirmed {
                        sqlx::query("UPDATE answers SET confirmed = FALSE WHERE assessment_id = $1 AND item_no = $2")
                            .bind(&id)
                            .bind(i64::from(c.item))
                            .execute(&mut *tx)
                            .await?;
                    }
                    seq += 1;
                }
                refresh_marks!(tx, &id);
                // Evidence by reference: new rows, same blobs, under every new item.
                for (old_item, new_item) in carry.evidence {
                    let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM evidence WHERE assessment_id = $1 AND item_no = $2")
                        .bind(from)
                        .bind(i64::from(*old_item))
                        .fetch_one(&mut *tx)
                        .await?;
                    if n == 0 {
                        continue;
                    }
                    let base = reserve_seq!(tx, "evidence", n);
                    sqlx::query("INSERT INTO evidence (id, assessment_id, item_no, sha256, name, media_type, size, uploaded_by, uploaded_at, valid_until, carried_from) \
                                 SELECT $1 + ROW_NUMBER() OVER (ORDER BY id), $2, $3, sha256, name, media_type, size, uploaded_by, uploaded_at, valid_until, id \
                                 FROM evidence WHERE assessment_id = $4 AND item_no = $5")
                        .bind(base)
                        .bind(&id)
                        .bind(i64::from(*new_item))
                        .bind(from)
                        .bind(i64::from(*old_item))
                        .execute(&mut *tx)
                        .await?;
                }
                // Open actions with their history, each under one new item.
                for (old_item, new_item) in carry.actions {
                    let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM actions WHERE assessment_id = $1 AND item_no = $2 AND status IN ('open', 'in_progress')")
                        .bind(from)
                        .bind(i64::from(*old_item))
                        .fetch_one(&mut *tx)
                        .await?;
                    if n == 0 {
                        continue;
                    }
                    let base = reserve_seq!(tx, "actions", n);
                    sqlx::query("INSERT INTO actions (id, assessment_id, item_no, title, owner, due, status, note, carried_from, created_by, created_at, updated_by, updated_at) \
                                 SELECT $1 + ROW_NUMBER() OVER (ORDER BY id), $2, $3, title, owner, due, status, note, id, created_by, created_at, updated_by, updated_at \
                                 FROM actions WHERE assessment_id = $4 AND item_no = $5 AND status IN ('open', 'in_progress')")
                        .bind(base)
                        .bind(&id)
                        .bind(i64::from(*new_item))
                        .bind(from)
                        .bind(i64::from(*old_item))
                        .execute(&mut *tx)
                        .await?;
                }
                let (m,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM action_events ev JOIN actions x ON x.carried_from = ev.action_id WHERE x.assessment_id = $1")
                    .bind(&id)
                    .fetch_one(&mut *tx)
                    .await?;
                if m > 0 {
                    let base = reserve_seq!(tx, "action_events", m);
                    sqlx::query("INSERT INTO action_events (seq, action_id, at, by_user, status, note) \
                                 SELECT $1 + ROW_NUMBER() OVER (ORDER BY ev.seq), x.id, ev.at, ev.by_user, ev.status, ev.note \
                                 FROM action_events ev JOIN actions x ON x.carried_from = ev.action_id WHERE x.assessment_id = $2")
                        .bind(base)
                        .bind(&id)
                        .execute(&mut *tx)
                        .await?;
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
}
