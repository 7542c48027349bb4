//! Instance settings.

use super::*;

impl Store {
    /// An instance setting.
    pub async fn setting(&self, key: &str) -> Result<Option<String>> {
        let sql = "SELECT value FROM settings WHERE key = $1";
        let row: Option<(String,)> = on!(self, |pool| sqlx::query_as(sql)
            .bind(key)
            .fetch_optional(pool)
            .await)?;
        Ok(row.map(|r| r.0))
    }

    /// Sets an instance setting.
    pub async fn set_setting(&self, key: &str, value: &str) -> Result<()> {
        on!(self, |pool| sqlx::query(SET_SETTING)
            .bind(key)
            .bind(value)
            .execute(pool)
            .await
            .map(|_| ()))?;
        Ok(())
    }
}
