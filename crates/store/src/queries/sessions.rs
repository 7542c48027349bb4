//! Web sessions and the access log.

use super::*;

impl Store {
    /// Stores a new session.
    pub async fn create_session(&self, s: &Session) -> Result<()> {
        let sql = "INSERT INTO sessions (token_hash, user_id, csrf_token, created_at, last_seen, client) VALUES ($1, $2, $3, $4, $5, $6)";
        let n = exec!(
            self,
            sqlx::query(sql)
                .bind(&s.token_hash)
                .bind(&s.user_id)
                .bind(&s.csrf_token)
                .bind(&s.created_at)
                .bind(&s.last_seen)
                .bind(s.client.as_deref())
        )?;
        inserted(n, "session")
    }

    /// A session with its user, and the content stamp as of this read (one query): a page
    /// rendered from reads made after this one may be kept under that stamp.
    pub async fn session(
        &self,
        token_hash: &str,
    ) -> Result<Option<(Session, User, crate::ContentStamp)>> {
        let sql = concat!(
            "SELECT s.token_hash, s.user_id, s.csrf_token, s.created_at AS s_created_at, s.last_seen, s.client, ",
            "(SELECT stamp FROM content_stamp WHERE id = 1) AS content_stamp, ",
            user_columns!("u."),
            " FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.token_hash = $1"
        );
        #[derive(sqlx::FromRow)]
        struct Row {
            token_hash: String,
            user_id: String,
            csrf_token: String,
            s_created_at: String,
            last_seen: String,
            client: Option<String>,
            content_stamp: String,
            #[sqlx(flatten)]
            user: User,
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
                    created_at: r.s_created_at,
                    last_seen: r.last_seen,
                    client: r.client,
                },
                r.user,
                crate::ContentStamp::new(r.content_stamp),
            )
        }))
    }

    /// Records activity on a session; false when it no longer exists (ended meanwhile).
    pub async fn touch_session(&self, token_hash: &str, at: &str) -> Result<bool> {
        let n = exec!(
            self,
            sqlx::query("UPDATE sessions SET last_seen = $1 WHERE token_hash = $2")
                .bind(at)
                .bind(token_hash)
        )?;
        at_most_one(n, "session")
    }

    /// Ends a session; false when it had ended already.
    pub async fn delete_session(&self, token_hash: &str) -> Result<bool> {
        let n = exec!(
            self,
            sqlx::query("DELETE FROM sessions WHERE token_hash = $1").bind(token_hash)
        )?;
        at_most_one(n, "session")
    }

    /// Removes sessions idle since before `cutoff` (RFC 3339).
    pub async fn purge_sessions(&self, cutoff: &str) -> Result<u64> {
        let r = exec!(
            self,
            sqlx::query("DELETE FROM sessions WHERE last_seen < $1").bind(cutoff)
        )?;
        Ok(r)
    }

    /// Appends to the access log, chained to the record before (see [`crate::chain`]). Every
    /// text field is cut to [`AUDIT_FIELD_MAX`] characters, so no request can grow the log by
    /// more than a few KiB.
    pub async fn audit(
        &self,
        actor: Option<&str>,
        client: Option<&str>,
        action: &str,
        target: Option<&str>,
        detail: Option<&str>,
    ) -> Result<()> {
        let at = now();
        write_tx!(self, |tx| {
            async {
                append_audit!(tx, at, actor, client, action, target, detail, None);
                Ok::<_, StoreError>(())
            }
            .await
        })
    }

    /// A page of the access log, newest first: at most `limit` entries older than the entry
    /// with order key `before` (from the newest when `None`).
    pub async fn audit_log(&self, before: Option<i64>, limit: i64) -> Result<Vec<AuditEntry>> {
        let sql = "SELECT id, at, actor, client, action, target, detail, seq FROM audit_log \
                   WHERE (CAST($1 AS BIGINT) IS NULL OR seq < $1) ORDER BY seq DESC LIMIT $2";
        Ok(on!(self, |pool| sqlx::query_as::<_, AuditEntry>(sql)
            .bind(before)
            .bind(limit)
            .fetch_all(pool)
            .await)?)
    }
}
