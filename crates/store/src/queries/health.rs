//! What `kojo doctor` asks the database: its clock and the newest record, TLS of this
//! connection.

use super::*;

/// Clocks as the database sees them.
#[derive(Debug, Clone)]
pub struct ClockReading {
    /// The server's time (PostgreSQL; None on SQLite, which has no clock of its own).
    pub server_now: Option<String>,
    /// The newest access-log record's time.
    pub newest_record: Option<String>,
}

impl Store {
    /// The server's clock and the newest access-log record.
    pub async fn clock(&self) -> Result<ClockReading> {
        let (newest,): (Option<String>,) =
            on!(self, |pool| sqlx::query_as("SELECT MAX(at) FROM audit_log")
                .fetch_one(pool)
                .await)?;
        let server_now = match &self.backend {
            crate::Backend::Postgres(pool) => {
                let mut c = crate::pin::lease(pool, self.owner()).await?;
                let (t,): (String,) = sqlx::query_as(
                    "SELECT to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')",
                )
                .fetch_one(&mut *c)
                .await?;
                Some(t)
            }
            crate::Backend::Sqlite { .. } => None,
        };
        Ok(ClockReading {
            server_now,
            newest_record: newest,
        })
    }

    /// PostgreSQL: whether this connection uses TLS (None on SQLite).
    pub async fn tls_in_use(&self) -> Result<Option<bool>> {
        match &self.backend {
            crate::Backend::Postgres(pool) => {
                let mut c = crate::pin::lease(pool, self.owner()).await?;
                let r: Option<(bool,)> =
                    sqlx::query_as("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()")
                        .fetch_optional(&mut *c)
                        .await?;
                Ok(Some(r.is_some_and(|r| r.0)))
            }
            crate::Backend::Sqlite { .. } => Ok(None),
        }
    }
}
