//! The content stamp (migration 18): one random value that changes with every committed change
//! of what pages show, read in the same statement as the session ([`Store::session`]).
//!
//! A page rendered after reading stamp `s` can be shown again to a request that reads `s`: no
//! change committed in between, on this instance or any other sharing the database. Triggers on
//! every table except [`UNSTAMPED`] set it, so no write path (a query added later, a CLI
//! command, a restore into a live database) can forget it. They are created here, per engine,
//! whenever a store opens the database ([`Store::migrate_from`]): a table added by a later
//! migration gets its triggers on the next start without anyone listing it.
//!
//! - SQLite: a row trigger per table and operation; SQLite has one writer at a time, so the
//!   stamp row never makes writers wait.
//! - PostgreSQL: a deferred constraint trigger (`INITIALLY DEFERRED`), so the row is written at
//!   commit, once per transaction. A transaction takes the stamp's row lock as its last lock and
//!   then waits for nothing, so the lock cannot take part in a deadlock; transactions writing
//!   content commit one after the other, as they already did for the access log's counter.
//!
//! The order that makes a cached page safe: the stamp is read before (or with) the data, and a
//! change commits its data and its new stamp together. A request that still reads the old stamp
//! started before that commit, so showing it the page of the old stamp is what it would have
//! seen anyway.

use crate::{Backend, Result, Store, on};

/// Tables whose rows no cached page reads: writing them leaves the stamp. Sessions and login
/// throttling change on every login and every few requests; the access log and its anchors,
/// and the counters, with every logged action (whose data changes bump the stamp themselves);
/// backup runs and job slots describe this installation; staged ledger files belong to one
/// user's import; the register rules' cached suggestions are derived from stamped tables and
/// the date (which a cached page's key holds).
pub const UNSTAMPED: &[&str] = &[
    "content_stamp",
    "sessions",
    "login_throttle",
    "audit_log",
    "audit_anchors",
    "sequences",
    "backups",
    "job_runs",
    "register_uploads",
    "register_suggestions",
    "_sqlx_migrations",
];

/// The content stamp as read with a session: compare, never parse.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ContentStamp(String);

impl ContentStamp {
    /// The stamp with this value (as read from the database).
    pub fn new(s: impl Into<String>) -> ContentStamp {
        ContentStamp(s.into())
    }
}

/// The SQLite operations a trigger is made for, with the suffix of its name.
const SQLITE_OPS: [(&str, &str); 3] = [("INSERT", "ins"), ("UPDATE", "upd"), ("DELETE", "del")];

impl Store {
    /// Creates the stamp triggers a table lacks and replaces a stamp still `unset` (a database
    /// just migrated or restored) by a random one. Idempotent, and cheap when nothing is
    /// missing: two catalogue reads.
    pub(crate) async fn ensure_content_stamp(&self) -> Result<()> {
        match &self.backend {
            Backend::Sqlite { writer, .. } => {
                let _guard = self.write_lock.lock().await;
                let mut tx = writer.begin_with("BEGIN IMMEDIATE").await?;
                let tables: Vec<(String,)> = sqlx::query_as(
                    "SELECT name FROM sqlite_master WHERE type = 'table' \
                     AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name",
                )
                .fetch_all(&mut *tx)
                .await?;
                let have: Vec<(String,)> = sqlx::query_as(
                    "SELECT name FROM sqlite_master WHERE type = 'trigger' \
                     AND name LIKE 'kojo\\_stamp\\_%' ESCAPE '\\'",
                )
                .fetch_all(&mut *tx)
                .await?;
                for (t,) in tables.iter().filter(|t| !UNSTAMPED.contains(&t.0.as_str())) {
                    for (op, suffix) in SQLITE_OPS {
                        let name = format!("kojo_stamp_{t}_{suffix}");
                        if have.iter().any(|h| h.0 == name) {
                            continue;
                        }
                        let sql = format!(
                            "CREATE TRIGGER {name} AFTER {op} ON {t} BEGIN \
                             UPDATE content_stamp SET stamp = lower(hex(randomblob(16))) \
                             WHERE id = 1; END"
                        );
                        sqlx::query(sqlx::AssertSqlSafe(sql))
                            .execute(&mut *tx)
                            .await?;
                    }
                }
                tx.commit().await?;
            }
            Backend::Postgres(pool) => {
                let mut tx = crate::begin_start_up(pool).await?;
                let missing: Vec<(String,)> = sqlx::query_as(
                    "SELECT c.relname::text FROM pg_class c \
                     JOIN pg_namespace n ON n.oid = c.relnamespace \
                     WHERE c.relkind = 'r' AND n.nspname = current_schema() \
                     AND NOT EXISTS (SELECT 1 FROM pg_trigger g \
                                     WHERE g.tgrelid = c.oid AND g.tgname = 'kojo_stamp') \
                     ORDER BY 1",
                )
                .fetch_all(&mut *tx)
                .await?;
                let missing: Vec<&str> = missing
                    .iter()
                    .map(|t| t.0.as_str())
                    .filter(|t| !UNSTAMPED.contains(t))
                    .collect();
                if !missing.is_empty() {
                    // Once per transaction: the first row's trigger writes, the others see the
                    // transaction-local setting and return.
                    sqlx::query(
                        "CREATE OR REPLACE FUNCTION kojo_content_stamp() RETURNS trigger \
                         LANGUAGE plpgsql AS $$ \
                         BEGIN \
                           IF current_setting('kojo.stamped', true) IS DISTINCT FROM \
                              txid_current()::text THEN \
                             UPDATE content_stamp \
                               SET stamp = md5(random()::text || clock_timestamp()::text) \
                               WHERE id = 1; \
                             PERFORM set_config('kojo.stamped', txid_current()::text, true); \
                           END IF; \
                           RETURN NULL; \
                         END $$",
                    )
                    .execute(&mut *tx)
                    .await?;
                }
                for t in missing {
                    let sql = format!(
                        "CREATE CONSTRAINT TRIGGER kojo_stamp \
                         AFTER INSERT OR UPDATE OR DELETE ON {t} \
                         DEFERRABLE INITIALLY DEFERRED FOR EACH ROW \
                         EXECUTE FUNCTION kojo_content_stamp()"
                    );
                    sqlx::query(sqlx::AssertSqlSafe(sql))
                        .execute(&mut *tx)
                        .await?;
                }
                tx.commit().await?;
            }
        }
        let fresh = uuid::Uuid::new_v4().simple().to_string();
        let n = crate::exec!(
            self,
            sqlx::query("UPDATE content_stamp SET stamp = $1 WHERE id = 1 AND stamp = 'unset'")
                .bind(&fresh)
        )?;
        crate::at_most_one(n, "content stamp")?;
        Ok(())
    }

    /// The tables that should bump the stamp but lack a trigger for it (empty after
    /// [`Store::migrate`], which every start runs; the store tests check it).
    pub async fn unstamped_tables(&self) -> Result<Vec<String>> {
        let rows: Vec<(String, i64)> = match &self.backend {
            Backend::Sqlite { .. } => on!(self, |pool| sqlx::query_as(
                "SELECT t.name, (SELECT count(*) FROM sqlite_master g WHERE g.type = 'trigger' \
                     AND g.tbl_name = t.name AND g.name LIKE 'kojo\\_stamp\\_%' ESCAPE '\\') \
                     FROM sqlite_master t WHERE t.type = 'table' \
                     AND t.name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY t.name"
            )
            .fetch_all(pool)
            .await)?,
            Backend::Postgres(_) => on!(self, |pool| sqlx::query_as(
                "SELECT c.relname::text, (SELECT count(*) FROM pg_trigger g \
                     WHERE g.tgrelid = c.oid AND g.tgname = 'kojo_stamp') * 3 \
                     FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
                     WHERE c.relkind = 'r' AND n.nspname = current_schema() ORDER BY 1"
            )
            .fetch_all(pool)
            .await)?,
        };
        // Three per table on SQLite (one per operation); PostgreSQL's one covers all three.
        Ok(rows
            .into_iter()
            .filter(|(t, n)| !UNSTAMPED.contains(&t.as_str()) && *n < 3)
            .map(|(t, _)| t)
            .collect())
    }

    /// The content stamp now (tests and tools; pages read it with the session).
    pub async fn content_stamp(&self) -> Result<ContentStamp> {
        let (s,): (String,) = on!(self, |pool| sqlx::query_as(
            "SELECT stamp FROM content_stamp WHERE id = 1"
        )
        .fetch_one(pool)
        .await)?;
        Ok(ContentStamp(s))
    }
}
