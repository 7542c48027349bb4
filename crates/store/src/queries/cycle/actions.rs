//! Action plans: actions, their history, lists over plants.

use super::*;

impl Store {
    /// Adds an action (status `open`) with its first history entry. Allowed at every status:
    /// an action plan is followed through the year after approval.
    pub async fn add_action(&self, id: &str, a: &NewAction, actor: &str) -> Result<ActionRow> {
        let at = now();
        let action_id = write_tx!(self, |tx| {
            async {
                let action_id = next_seq!(tx, "actions");
                sqlx::query("INSERT INTO actions (id, assessment_id, item_no, title, owner, due, status, note, carried_from, created_by, created_at, updated_by, updated_at) \
                             VALUES ($1, $2, $3, $4, $5, $6, 'open', $7, NULL, $8, $9, $8, $9)")
                    .bind(action_id)
                    .bind(id)
                    .bind(i64::from(a.item))
                    .bind(&a.title)
                    .bind(a.owner.as_deref())
                    .bind(a.due.as_deref())
                    .bind(a.note.as_deref())
                    .bind(actor)
                    .bind(&at)
                    .execute(&mut *tx)
                    .await?;
                let seq = next_seq!(tx, "action_events");
                sqlx::query("INSERT INTO action_events (seq, action_id, at, by_user, status, note) VALUES ($1, $2, $3, $4, 'open', $5)")
                    .bind(seq)
                    .bind(action_id)
                    .bind(&at)
                    .bind(actor)
                    .bind(a.note.as_deref())
                    .execute(&mut *tx)
                    .await?;
                Ok::<_, StoreError>(action_id)
            }
            .await
        })?;
        self.action(action_id).await?.ok_or(StoreError::NotFound {
            what: "action",
            key: action_id.to_string(),
        })
    }

    /// Sets an action's status (and note, when given), recording the change.
    pub async fn set_action_status(
        &self,
        action_id: i64,
        status: &str,
        note: Option<&str>,
        actor: &str,
    ) -> Result<ActionRow> {
        let at = now();
        write_tx!(self, |tx| {
            async {
                let r = sqlx::query("UPDATE actions SET status = $1, note = COALESCE(CAST($2 AS TEXT), note), updated_by = $3, updated_at = $4 WHERE id = $5")
                    .bind(status)
                    .bind(note)
                    .bind(actor)
                    .bind(&at)
                    .bind(action_id)
                    .execute(&mut *tx)
                    .await?;
                one_row(r.rows_affected(), "action", &action_id.to_string())?;
                let seq = next_seq!(tx, "action_events");
                sqlx::query("INSERT INTO action_events (seq, action_id, at, by_user, status, note) VALUES ($1, $2, $3, $4, $5, $6)")
                    .bind(seq)
                    .bind(action_id)
                    .bind(&at)
                    .bind(actor)
                    .bind(status)
                    .bind(note)
                    .execute(&mut *tx)
                    .await?;
                Ok::<_, StoreError>(())
            }
            .await
        })?;
        self.action(action_id).await?.ok_or(StoreError::NotFound {
            what: "action",
            key: action_id.to_string(),
        })
    }

    /// One action.
    pub async fn action(&self, action_id: i64) -> Result<Option<ActionRow>> {
        let sql = concat!(
            "SELECT ",
            action_columns!(),
            " FROM actions x WHERE x.id = $1"
        );
        Ok(on!(self, |pool| sqlx::query_as::<_, ActionRow>(sql)
            .bind(action_id)
            .fetch_optional(pool)
            .await)?)
    }

    /// The actions of an assessment, by item and id.
    pub async fn actions(&self, id: &str) -> Result<Vec<ActionRow>> {
        let sql = concat!(
            "SELECT ",
            action_columns!(),
            " FROM actions x WHERE x.assessment_id = $1 ORDER BY x.item_no, x.id"
        );
        Ok(on!(self, |pool| sqlx::query_as::<_, ActionRow>(sql)
            .bind(id)
            .fetch_all(pool)
            .await)?)
    }

    /// An action's history, oldest first.
    pub async fn action_events(&self, action_id: i64) -> Result<Vec<ActionEvent>> {
        let sql = "SELECT seq, action_id, at, by_user, status, note FROM action_events WHERE action_id = $1 ORDER BY seq";
        Ok(on!(self, |pool| sqlx::query_as::<_, ActionEvent>(sql)
            .bind(action_id)
            .fetch_all(pool)
            .await)?)
    }

    /// The actions of the latest assessment of every scope matching `f` (one query), by plant,
    /// line, item and id.
    pub async fn action_list(
        &self,
        org_id: Option<&str>,
        f: &QueueFilter,
    ) -> Result<Vec<ActionListRow>> {
        let sql = concat!(
            "SELECT ",
            action_columns!(),
            ", s.code AS site_code, l.code AS line_code, a.period, a.revision \
             FROM actions x JOIN assessments a ON a.id = x.assessment_id JOIN sites s ON s.id = a.site_id \
             LEFT JOIN lines l ON l.id = a.line_id WHERE ",
            queue_filter!(),
            latest_only!(),
            ") OR a.id = $4) ORDER BY s.code, l.code, x.item_no, x.id"
        );
        Ok(on!(self, |pool| sqlx::query_as::<_, ActionListRow>(sql)
            .bind(org_id)
            .bind(f.site_id.as_deref())
            .bind(f.visible_to.as_deref())
            .bind(f.assessment_id.as_deref())
            .fetch_all(pool)
            .await)?)
    }
}
