//! Review comments.

use super::*;

impl Store {
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
        let sql = "INSERT INTO comments (id, assessment_id, item_no, author, created_at, body, seq) \
                   VALUES ($1, $2, $3, $4, $5, $6, $7)";
        write_tx!(self, |tx| {
            async {
                let seq = next_seq!(tx, "comments");
                sqlx::query(sql)
                    .bind(&c.id)
                    .bind(&c.assessment_id)
                    .bind(c.item_no)
                    .bind(&c.author)
                    .bind(&c.created_at)
                    .bind(&c.body)
                    .bind(seq)
                    .execute(&mut *tx)
                    .await
                    .map_err(|e| match e {
                        sqlx::Error::Database(d) if d.is_foreign_key_violation() => {
                            StoreError::NotFound {
                                what: "assessment",
                                key: assessment_id.into(),
                            }
                        }
                        e => e.into(),
                    })?;
                Ok::<_, StoreError>(())
            }
            .await
        })?;
        Ok(c)
    }

    /// Every comment of an assessment, oldest first (one query).
    pub async fn comments(&self, assessment_id: &str) -> Result<Vec<Comment>> {
        let sql = "SELECT id, assessment_id, item_no, author, created_at, body FROM comments \
                   WHERE assessment_id = $1 ORDER BY seq";
        Ok(on!(self, |pool| sqlx::query_as::<_, Comment>(sql)
            .bind(assessment_id)
            .fetch_all(pool)
            .await)?)
    }
}
