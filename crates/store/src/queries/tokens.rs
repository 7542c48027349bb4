//! Personal API tokens: created (hash only), listed, revoked, looked up with their user.

use super::*;

macro_rules! token_select {
    () => {
        "SELECT t.id, t.user_id, u.name AS user_name, t.name, t.scope, t.created_at, t.expires_at, \
         t.last_used_at, t.revoked_at FROM api_tokens t JOIN users u ON u.id = t.user_id "
    };
}

impl Store {
    /// Stores a new token (its SHA-256 only).
    pub async fn add_api_token(&self, t: &NewApiToken<'_>) -> Result<ApiToken> {
        let id = new_id();
        let at = now();
        write_tx!(self, |tx| {
            async {
                let seq = next_seq!(tx, "api_tokens");
                sqlx::query(
                    "INSERT INTO api_tokens (id, user_id, name, scope, token_hash, created_at, expires_at, seq) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                )
                .bind(&id)
                .bind(t.user_id)
                .bind(t.name)
                .bind(t.scope)
                .bind(t.token_hash)
                .bind(&at)
                .bind(t.expires_at)
                .bind(seq)
                .execute(&mut *tx)
                .await?;
                Ok::<_, StoreError>(())
            }
            .await
        })?;
        self.api_token(&id)
            .await?
            .ok_or_else(|| StoreError::Corrupt("token just added is missing".into()))
    }

    /// One token by id.
    pub async fn api_token(&self, id: &str) -> Result<Option<ApiToken>> {
        Ok(on!(self, |pool| sqlx::query_as::<_, ApiToken>(concat!(
            token_select!(),
            "WHERE t.id = $1"
        ))
        .bind(id)
        .fetch_optional(pool)
        .await)?)
    }

    /// A user's tokens (all users' with `None`), oldest first.
    pub async fn api_tokens(&self, user_id: Option<&str>) -> Result<Vec<ApiToken>> {
        Ok(on!(self, |pool| sqlx::query_as::<_, ApiToken>(concat!(
            token_select!(),
            "WHERE ($1 IS NULL OR t.user_id = $1) ORDER BY t.seq"
        ))
        .bind(user_id)
        .fetch_all(pool)
        .await)?)
    }

    /// A token by the hash of its secret, with its user (one query).
    pub async fn api_token_by_hash(&self, token_hash: &str) -> Result<Option<(ApiToken, User)>> {
        let Some(t) = on!(self, |pool| sqlx::query_as::<_, ApiToken>(concat!(
            token_select!(),
            "WHERE t.token_hash = $1"
        ))
        .bind(token_hash)
        .fetch_optional(pool)
        .await)?
        else {
            return Ok(None);
        };
        Ok(self.user(&t.user_id).await?.map(|u| (t, u)))
    }

    /// Records a token's use.
    pub async fn touch_api_token(&self, id: &str, at: &str) -> Result<()> {
        let n = exec!(
            self,
            sqlx::query("UPDATE api_tokens SET last_used_at = $1 WHERE id = $2")
                .bind(at)
                .bind(id)
        )?;
        one_row(n, "token", id)
    }

    /// Revokes a token (kept, listed as revoked). Revoking twice keeps the first time.
    pub async fn revoke_api_token(&self, id: &str) -> Result<bool> {
        let n = exec!(
            self,
            sqlx::query(
                "UPDATE api_tokens SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL"
            )
            .bind(now())
            .bind(id)
        )?;
        at_most_one(n, "token")
    }
}
