//! Failed-login counters in the database: shared by every `kojo serve` instance on the same
//! database, cleared by `kojo user unlock`. The policy (how many failures, which delays) is the
//! app's; this file only counts.

use super::*;

const UPSERT_FAILURE: &str = "INSERT INTO login_throttle (scope, account, client, failures, last_failure, known, updated_at) \
     VALUES ($1, $2, $3, 1, $4, FALSE, $4) \
     ON CONFLICT (scope, account, client) DO UPDATE SET \
       failures = CASE WHEN login_throttle.last_failure IS NULL OR login_throttle.last_failure < $5 \
                       THEN 1 ELSE login_throttle.failures + 1 END, \
       last_failure = $4, updated_at = $4";

/// Rows a purge keeps at most of counters for addresses that never logged in (the rest are the
/// oldest and go first).
pub const THROTTLE_MAX_ROWS: i64 = 100_000;

impl Store {
    /// The counters that apply to a login of `account` (lower-cased name) from `client` (one
    /// query).
    pub async fn throttle_state(&self, account: &str, client: &str) -> Result<ThrottleState> {
        #[derive(sqlx::FromRow)]
        struct Row {
            scope: String,
            failures: i64,
            last_failure: Option<String>,
            known: bool,
        }
        let sql = "SELECT scope, failures, last_failure, known FROM login_throttle \
                   WHERE (scope = 'pair' AND account = $1 AND client = $2) \
                      OR (scope = 'account' AND account = $1 AND client = '') \
                      OR (scope = 'client' AND account = '' AND client = $2)";
        let rows: Vec<Row> = on!(self, |pool| sqlx::query_as::<_, Row>(sql)
            .bind(account)
            .bind(client)
            .fetch_all(pool)
            .await)?;
        let mut state = ThrottleState::default();
        for r in rows {
            let count = FailureCount {
                failures: r.failures,
                last_failure: r.last_failure,
            };
            match r.scope.as_str() {
                "pair" => {
                    state.known = r.known;
                    state.pair = count;
                }
                "account" => state.account = count,
                "client" => state.client = count,
                _ => {}
            }
        }
        Ok(state)
    }

    /// Counts one failed login of `account` from `client` in all three counters (one
    /// transaction). A counter whose last failure is older than `window_start` starts again at 1.
    pub async fn throttle_fail(
        &self,
        account: &str,
        client: &str,
        window_start: &str,
    ) -> Result<()> {
        let at = now();
        write_tx!(self, |tx| {
            async {
                for (scope, a, c) in [
                    ("pair", account, client),
                    ("account", account, ""),
                    ("client", "", client),
                ] {
                    sqlx::query(UPSERT_FAILURE)
                        .bind(scope)
                        .bind(a)
                        .bind(c)
                        .bind(&at)
                        .bind(window_start)
                        .execute(&mut *tx)
                        .await?;
                }
                Ok::<_, StoreError>(())
            }
            .await
        })
    }

    /// A successful login: the pair's failures are forgotten and the address becomes known to
    /// the account. The account's and the address's counters stay (an attacker elsewhere is
    /// not forgiven because the real user got in).
    pub async fn throttle_success(&self, account: &str, client: &str) -> Result<()> {
        let sql = "INSERT INTO login_throttle (scope, account, client, failures, last_failure, known, updated_at) \
                   VALUES ('pair', $1, $2, 0, NULL, TRUE, $3) \
                   ON CONFLICT (scope, account, client) DO UPDATE SET failures = 0, last_failure = NULL, known = TRUE, updated_at = $3";
        let n = exec!(
            self,
            sqlx::query(sql).bind(account).bind(client).bind(now())
        )?;
        at_most_one(n, "login counter").map(|_| ())
    }

    /// Clears every failure counted against `account` (from any address); known addresses
    /// stay known. Returns how many counters were cleared.
    pub async fn throttle_clear_account(&self, account: &str) -> Result<u64> {
        let sql = "UPDATE login_throttle SET failures = 0, last_failure = NULL \
                   WHERE account = $1 AND failures > 0";
        Ok(exec!(self, sqlx::query(sql).bind(account))?)
    }

    /// Forgets counters untouched since `failures_before` (and known addresses untouched since
    /// `known_before`), then keeps at most [`THROTTLE_MAX_ROWS`] counters of unknown addresses.
    pub async fn purge_throttle(&self, failures_before: &str, known_before: &str) -> Result<u64> {
        let old = "DELETE FROM login_throttle WHERE (NOT known AND updated_at < $1) OR (known AND updated_at < $2)";
        let over = "DELETE FROM login_throttle WHERE NOT known AND updated_at < \
                    (SELECT updated_at FROM login_throttle WHERE NOT known ORDER BY updated_at DESC LIMIT 1 OFFSET $1)";
        let a = exec!(
            self,
            sqlx::query(old).bind(failures_before).bind(known_before)
        )?;
        let b = exec!(self, sqlx::query(over).bind(THROTTLE_MAX_ROWS))?;
        Ok(a + b)
    }
}
