//! Registers (台帳): entries with their history (reviews, activity records, stamps and staged
//! uploads are in `register_records.rs`).
//!
//! A batch of changes (an import, one edit) is one transaction: every entry, every history row,
//! or nothing. Inserts go in multi-row statements of [`INSERT_BATCH`] rows with their order keys
//! reserved in one step, so a 50,000-row ledger is a few hundred statements, not 150,000.

use super::*;
use crate::register_model::*;
use crate::{Kind, RegisterEntry};

/// Rows per multi-row INSERT (15 parameters each: well under both engines' limits).
const INSERT_BATCH: usize = 500;

const INSERT_COLUMNS: &str = "id, site_id, line_id, kind, entry_key, data, search, facts, retired, \
                              version, seq, created_at, created_by, updated_at, updated_by";

const ENTRY_COLUMNS: &str = "id, site_id, line_id, kind, entry_key, data, retired, version, seq, \
                             created_at, created_by, updated_at, updated_by";

/// The setting naming the layout of `register_entries.facts`.
const FACTS_LAYOUT: &str = "register_facts_layout";

/// Copies the facts of the entries in effect whose `seq` is in `[$1, $2)` to `register_facts`
/// (migration 16), where the rules read them.
const COPY_FACTS: &str = "INSERT INTO register_facts (seq, site_id, kind, facts) \
                          SELECT seq, site_id, kind, facts FROM register_entries \
                          WHERE seq >= $1 AND seq < $2 AND NOT retired";

/// Writes a plant's fact set of one kind (migration 17) again from `register_facts`: inside
/// every transaction that changes the plant's entries of the kind, after `restamp!`, whose row
/// lock makes a concurrent change of the plant on PostgreSQL wait until this one commits (so
/// each set is aggregated from every committed change). No entries in effect: no row.
macro_rules! rebuild_fact_set {
    ($tx:expr, $site_id:expr, $kind:expr) => {{
        sqlx::query("DELETE FROM register_fact_sets WHERE site_id = $1 AND kind = $2")
            .bind($site_id)
            .bind($kind)
            .execute(&mut *$tx)
            .await?;
        sqlx::query(
            "INSERT INTO register_fact_sets (site_id, kind, facts) \
             SELECT site_id, kind, string_agg(facts, $3) FROM register_facts \
             WHERE site_id = $1 AND kind = $2 GROUP BY site_id, kind",
        )
        .bind($site_id)
        .bind($kind)
        .bind("")
        .execute(&mut *$tx)
        .await?;
    }};
}

/// One history row to write: (entry id, version, change, old data, new data).
type HistoryRow = (String, i64, &'static str, Option<String>, Option<String>);

/// Gives a plant's register data a new stamp (migration 0014): inside every transaction that
/// changes what the register rules read (entries, reviews, activity records).
macro_rules! restamp {
    ($tx:expr, $site_id:expr) => {
        sqlx::query(
            "INSERT INTO register_stamps (site_id, stamp) VALUES ($1, $2) \
             ON CONFLICT (site_id) DO UPDATE SET stamp = excluded.stamp",
        )
        .bind($site_id)
        .bind(new_id())
        .execute(&mut *$tx)
        .await?
    };
}

pub(super) use restamp;

/// Writes history rows (`&[HistoryRow]`) in multi-row statements, their order keys from
/// `first` on.
macro_rules! insert_history {
    ($tx:expr, $rows:expr, $first:expr, $at:expr, $actor:expr, $anonymous:expr) => {
        for (chunk_no, chunk) in $rows.chunks(INSERT_BATCH).enumerate() {
            let sql = format!(
                "INSERT INTO register_history (entry_id, version, seq, change, changed_at, \
                 changed_by, old_data, new_data) VALUES {}",
                values_list(chunk.len(), 8, $anonymous)
            );
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
            for (i, (id, version, change, old, new)) in chunk.iter().enumerate() {
                q = q
                    .bind(id)
                    .bind(*version)
                    .bind($first + (chunk_no * INSERT_BATCH + i) as i64)
                    .bind(*change)
                    .bind($at)
                    .bind($actor)
                    .bind(old.as_deref())
                    .bind(new.as_deref());
            }
            q.execute(&mut *$tx).await?;
        }
    };
}

/// Reserves `n` values of the named counter; returns the first (the range is `first..first+n`).
macro_rules! reserve_seq {
    ($tx:expr, $name:expr, $n:expr) => {{
        let n = i64::try_from($n).unwrap_or(i64::MAX);
        let (last,): (i64,) = sqlx::query_as(
            "UPDATE sequences SET value = value + $2 WHERE name = $1 RETURNING value",
        )
        .bind($name)
        .bind(n)
        .fetch_one(&mut *$tx)
        .await?;
        last - n + 1
    }};
}

/// The VALUES list of `rows` rows of `cols` parameters: `($1, $2, …), (…)`, or with `anonymous`
/// `(?, ?, …), (…)` for SQLite. SQLite looks a numbered parameter's name up in a list as long as
/// the statement's parameters, for every parameter bound: 7,000 numbered parameters made an
/// import spend two thirds of its time there (perf); anonymous ones have no name to look up.
fn values_list(rows: usize, cols: usize, anonymous: bool) -> String {
    let mut s = String::with_capacity(rows * cols * 5);
    for r in 0..rows {
        if r > 0 {
            s.push_str(", ");
        }
        s.push('(');
        for c in 0..cols {
            if c > 0 {
                s.push_str(", ");
            }
            if anonymous {
                s.push('?');
            } else {
                s.push('$');
                s.push_str(&(r * cols + c + 1).to_string());
            }
        }
        s.push(')');
    }
    s
}

/// `text` as a LIKE pattern matching it anywhere, with `\` as the escape.
fn contains_pattern(text: &str) -> String {
    let mut p = String::from("%");
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            p.push('\\');
        }
        p.push(c);
    }
    p.push('%');
    p
}

fn unique_key(e: sqlx::Error, key: &str) -> StoreError {
    if is_unique_violation(&e) {
        StoreError::Duplicate {
            what: "register entry",
            key: key.into(),
        }
    } else {
        e.into()
    }
}

impl Store {
    /// Applies changes to one register of one plant in one transaction: inserts, updates,
    /// retirements and restorations, each with its history row. A change whose version is
    /// stale, or of an entry of another plant or kind, fails the whole batch with
    /// [`StoreError::NotFound`] (`register entry`, its id); two entries in effect with one key
    /// with [`StoreError::Duplicate`].
    pub async fn apply_register_changes(
        &self,
        site_id: &str,
        kind: &str,
        changes: &RegisterChanges,
        actor: &str,
    ) -> Result<ChangeCounts> {
        let at = now();
        let anonymous = matches!(self.backend, crate::Backend::Sqlite { .. });
        let history_rows = changes.inserts.len()
            + changes.updates.len()
            + changes.retires.len()
            + changes.restores.len();
        write_tx!(self, |tx| {
            async {
                // Inserts write their history chunk by chunk (a 50,000-row import does not hold
                // a second copy of every entry's JSON); the other changes' history follows.
                let mut history: Vec<HistoryRow> = Vec::new();
                if !changes.inserts.is_empty() {
                    let first = reserve_seq!(tx, "register_entries", changes.inserts.len());
                    let history_first =
                        reserve_seq!(tx, "register_history", changes.inserts.len());
                    for (chunk_no, chunk) in changes.inserts.chunks(INSERT_BATCH).enumerate() {
                        let mut added: Vec<HistoryRow> = Vec::with_capacity(chunk.len());
                        let sql = format!(
                            "INSERT INTO register_entries ({INSERT_COLUMNS}) VALUES {}",
                            values_list(chunk.len(), 15, anonymous)
                        );
                        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
                        for (i, e) in chunk.iter().enumerate() {
                            let id = new_id();
                            let json = e.json.clone();
                            let seq = first + (chunk_no * INSERT_BATCH + i) as i64;
                            added.push((id.clone(), 1, "add", None, Some(json.clone())));
                            q = q
                                .bind(id)
                                .bind(site_id)
                                .bind(e.line_id.clone())
                                .bind(kind)
                                .bind(e.key.clone())
                                .bind(json)
                                .bind(&e.search)
                                .bind(&e.facts)
                                .bind(false)
                                .bind(1i64)
                                .bind(seq)
                                .bind(&at)
                                .bind(actor)
                                .bind(&at)
                                .bind(actor);
                        }
                        let n = q
                            .execute(&mut *tx)
                            .await
                            .map_err(|e| {
                                let key = chunk.first().map(|e| e.key.as_str()).unwrap_or("");
                                unique_key(e, key)
                            })?
                            .rows_affected();
                        if n != chunk.len() as u64 {
                            return Err(StoreError::Corrupt(format!(
                                "inserting {} register entries changed {n} rows",
                                chunk.len()
                            )));
                        }
                        let from = first + (chunk_no * INSERT_BATCH) as i64;
                        sqlx::query(COPY_FACTS)
                            .bind(from)
                            .bind(from + chunk.len() as i64)
                            .execute(&mut *tx)
                            .await?;
                        let first = history_first + (chunk_no * INSERT_BATCH) as i64;
                        insert_history!(tx, added, first, &at, actor, anonymous);
                    }
                }
                let read = "SELECT data, retired, seq FROM register_entries \
                            WHERE id = $1 AND site_id = $2 AND kind = $3 AND version = $4";
                for u in &changes.updates {
                    let old: Option<(String, bool, i64)> = sqlx::query_as(read)
                        .bind(&u.id)
                        .bind(site_id)
                        .bind(kind)
                        .bind(u.version)
                        .fetch_optional(&mut *tx)
                        .await?;
                    let Some((old, false, seq)) = old else {
                        return Err(StoreError::NotFound {
                            what: "register entry",
                            key: u.id.clone(),
                        });
                    };
                    let json = u.data.to_json();
                    let n = sqlx::query(
                        "UPDATE register_entries SET data = $1, entry_key = $2, version = version + 1, \
                         updated_at = $3, updated_by = $4, search = $7, facts = $8 \
                         WHERE id = $5 AND version = $6",
                    )
                    .bind(&json)
                    .bind(&u.key)
                    .bind(&at)
                    .bind(actor)
                    .bind(&u.id)
                    .bind(u.version)
                    .bind(u.data.search_text())
                    .bind(&u.facts)
                    .execute(&mut *tx)
                    .await
                    .map_err(|e| unique_key(e, &u.key))?
                    .rows_affected();
                    one_row(n, "register entry", &u.id)?;
                    sqlx::query("UPDATE register_facts SET facts = $1 WHERE seq = $2")
                        .bind(&u.facts)
                        .bind(seq)
                        .execute(&mut *tx)
                        .await?;
                    history.push((u.id.clone(), u.version + 1, "edit", Some(old), Some(json)));
                }
                for (list, retire, change) in [
                    (&changes.retires, true, "retire"),
                    (&changes.restores, false, "restore"),
                ] {
                    for (id, version) in list {
                        let old: Option<(String, String, i64)> = sqlx::query_as(
                            "SELECT data, entry_key, seq FROM register_entries WHERE id = $1 \
                             AND site_id = $2 AND kind = $3 AND version = $4 AND retired = $5",
                        )
                        .bind(id)
                        .bind(site_id)
                        .bind(kind)
                        .bind(*version)
                        .bind(!retire)
                        .fetch_optional(&mut *tx)
                        .await?;
                        let Some((data, key, seq)) = old else {
                            return Err(StoreError::NotFound {
                                what: "register entry",
                                key: id.clone(),
                            });
                        };
                        let n = sqlx::query(
                            "UPDATE register_entries SET retired = $1, version = version + 1, \
                             updated_at = $2, updated_by = $3 WHERE id = $4 AND version = $5",
                        )
                        .bind(retire)
                        .bind(&at)
                        .bind(actor)
                        .bind(id)
                        .bind(*version)
                        .execute(&mut *tx)
                        .await
                        .map_err(|e| unique_key(e, &key))?
                        .rows_affected();
                        one_row(n, "register entry", id)?;
                        // Only entries in effect have a row of facts.
                        let facts = if retire {
                            sqlx::query("DELETE FROM register_facts WHERE seq = $1").bind(seq)
                        } else {
                            sqlx::query(COPY_FACTS).bind(seq).bind(seq + 1)
                        };
                        facts.execute(&mut *tx).await?;
                        history.push((id.clone(), version + 1, change, Some(data.clone()), Some(data)));
                    }
                }
                if !history.is_empty() {
                    let first = reserve_seq!(tx, "register_history", history.len());
                    insert_history!(tx, history, first, &at, actor, anonymous);
                }
                if history_rows > 0 {
                    restamp!(tx, site_id);
                    rebuild_fact_set!(tx, site_id, kind);
                }
                Ok::<_, StoreError>(ChangeCounts {
                    inserted: changes.inserts.len(),
                    updated: changes.updates.len(),
                    retired: changes.retires.len(),
                    restored: changes.restores.len(),
                })
            }
            .await
        })
    }

    /// One page of a register of a plant and the number of entries matching the filter.
    pub async fn register_page(
        &self,
        site_id: &str,
        kind: &str,
        q: &EntryQuery,
    ) -> Result<(Vec<RegisterEntry>, i64)> {
        let mut filter = String::from("site_id = $1 AND kind = $2 AND retired = $3");
        let mut params: Vec<String> = Vec::new();
        let mut next = 4;
        if let Some(s) = q.search.as_deref().filter(|s| !s.is_empty()) {
            filter.push_str(&format!(" AND search LIKE ${next} ESCAPE '\\'"));
            params.push(contains_pattern(&s.to_lowercase()));
            next += 1;
        }
        for (field, value) in &q.equals {
            // The stored JSON text holds `"field":"value"` exactly (serde_json, keys sorted).
            let pair = format!(
                "{}:{}",
                serde_json::to_string(field).unwrap_or_default(),
                serde_json::to_string(value).unwrap_or_default()
            );
            filter.push_str(&format!(" AND data LIKE ${next} ESCAPE '\\'"));
            params.push(contains_pattern(&pair));
            next += 1;
        }
        let dir = if q.desc { "DESC" } else { "ASC" };
        let order = match (&q.sort, self.kind()) {
            (None, _) => format!("seq {dir}"),
            (Some(_), Kind::Sqlite) => {
                format!("COALESCE(json_extract(data, ${next}), '') {dir}, seq {dir}")
            }
            (Some(_), Kind::Postgres) => {
                format!("COALESCE(CAST(data AS json) ->> ${next}, '') {dir}, seq {dir}")
            }
        };
        let sort_param = q.sort.as_ref().map(|f| match self.kind() {
            Kind::Sqlite => format!("$.\"{}\"", f.replace('"', "")),
            Kind::Postgres => f.clone(),
        });
        let limit_at = next + usize::from(sort_param.is_some());
        let list = format!(
            "SELECT {ENTRY_COLUMNS} FROM register_entries WHERE {filter} ORDER BY {order} \
             LIMIT ${limit_at} OFFSET ${}",
            limit_at + 1
        );
        let count = format!("SELECT COUNT(*) FROM register_entries WHERE {filter}");
        let (rows, total) = on!(self, |pool| {
            let mut lq = sqlx::query_as::<_, RegisterEntry>(sqlx::AssertSqlSafe(list))
                .bind(site_id)
                .bind(kind)
                .bind(q.retired);
            let mut cq = sqlx::query_as::<_, (i64,)>(sqlx::AssertSqlSafe(count))
                .bind(site_id)
                .bind(kind)
                .bind(q.retired);
            for p in &params {
                lq = lq.bind(p.clone());
                cq = cq.bind(p.clone());
            }
            if let Some(s) = &sort_param {
                lq = lq.bind(s.clone());
            }
            let rows = lq
                .bind(q.limit)
                .bind(q.offset)
                .fetch_all(&mut *pool)
                .await?;
            let (total,) = cq.fetch_one(pool).await?;
            Ok::<_, sqlx::Error>((rows, total))
        })?;
        Ok((rows, total))
    }

    /// Every entry of a plant's registers (one kind, or all), in effect or all of them, in
    /// insertion order: for the rules, exports and imports (one query).
    pub async fn register_entries(
        &self,
        site_id: &str,
        kind: Option<&str>,
        with_retired: bool,
    ) -> Result<Vec<RegisterEntry>> {
        let sql = format!(
            "SELECT {ENTRY_COLUMNS} FROM register_entries WHERE site_id = $1 \
             AND ($2 IS NULL OR kind = $2) AND ($3 OR NOT retired) ORDER BY seq"
        );
        Ok(on!(self, |pool| sqlx::query_as::<_, RegisterEntry>(
            sqlx::AssertSqlSafe(sql.clone())
        )
        .bind(site_id)
        .bind(kind)
        .bind(with_retired)
        .fetch_all(pool)
        .await)?)
    }

    /// The register rules' facts of a plant's entries in effect, per kind (in kind order): the
    /// stored facts of its entries concatenated, in no particular order (the rules' results do
    /// not depend on it). One stored value per kind, written with every change (migration 17):
    /// 50,000 entries cross as one value, neither as 50,000 rows, which sqlx hands from
    /// SQLite's thread one at a time, nor aggregated on every read, which cost PostgreSQL
    /// about 30 ms.
    pub async fn register_facts(&self, site_id: &str) -> Result<Vec<(String, String)>> {
        let sql = "SELECT kind, facts FROM register_fact_sets WHERE site_id = $1 ORDER BY kind";
        Ok(on!(self, |pool| sqlx::query_as(sql)
            .bind(site_id)
            .fetch_all(pool)
            .await)?)
    }

    /// Writes every entry's facts again with `derive` (kind, values → facts) and records
    /// `layout` as the layout they are written under (setting `register_facts_layout`), in one
    /// transaction: after an upgrade changed what the rules read, or a migration added entries
    /// without facts. Returns the entries rewritten.
    pub async fn rederive_register_facts(
        &self,
        layout: &str,
        derive: impl Fn(&str, &EntryData) -> String,
    ) -> Result<u64> {
        /// Entries read and rewritten per round.
        const PAGE: i64 = 1000;
        write_tx!(self, |tx| {
            async {
                let mut after = i64::MIN;
                let mut rewritten = 0u64;
                loop {
                    let rows: Vec<(String, String, String, i64)> = sqlx::query_as(
                        "SELECT id, kind, data, seq FROM register_entries WHERE seq > $1 \
                         ORDER BY seq LIMIT $2",
                    )
                    .bind(after)
                    .bind(PAGE)
                    .fetch_all(&mut *tx)
                    .await?;
                    let Some(last) = rows.last() else { break };
                    after = last.3;
                    for (id, kind, data, _) in rows {
                        let data = EntryData::try_from(data).map_err(|e| {
                            StoreError::Corrupt(format!("register entry {id}: {e}"))
                        })?;
                        sqlx::query("UPDATE register_entries SET facts = $1 WHERE id = $2")
                            .bind(derive(&kind, &data))
                            .bind(id)
                            .execute(&mut *tx)
                            .await?;
                        rewritten += 1;
                    }
                }
                sqlx::query("DELETE FROM register_facts")
                    .execute(&mut *tx)
                    .await?;
                sqlx::query(COPY_FACTS)
                    .bind(i64::MIN)
                    .bind(i64::MAX)
                    .execute(&mut *tx)
                    .await?;
                sqlx::query("DELETE FROM register_fact_sets")
                    .execute(&mut *tx)
                    .await?;
                sqlx::query(
                    "INSERT INTO register_fact_sets (site_id, kind, facts) \
                     SELECT site_id, kind, string_agg(facts, $1) FROM register_facts \
                     GROUP BY site_id, kind",
                )
                .bind("")
                .execute(&mut *tx)
                .await?;
                sqlx::query(SET_SETTING)
                    .bind(FACTS_LAYOUT)
                    .bind(layout)
                    .execute(&mut *tx)
                    .await?;
                Ok::<_, StoreError>(rewritten)
            }
            .await
        })
    }

    /// The layout the stored register facts are written under (see
    /// [`Store::rederive_register_facts`]); `None` before they were first derived.
    pub async fn register_facts_layout(&self) -> Result<Option<String>> {
        self.setting(FACTS_LAYOUT).await
    }

    /// One entry.
    pub async fn register_entry(&self, id: &str) -> Result<Option<RegisterEntry>> {
        let sql = format!("SELECT {ENTRY_COLUMNS} FROM register_entries WHERE id = $1");
        Ok(on!(self, |pool| sqlx::query_as::<_, RegisterEntry>(
            sqlx::AssertSqlSafe(sql.clone())
        )
        .bind(id)
        .fetch_optional(pool)
        .await)?)
    }

    /// An entry's history, oldest first.
    pub async fn register_history(&self, entry_id: &str) -> Result<Vec<EntryChange>> {
        let sql = "SELECT entry_id, version, change, changed_at, changed_by, old_data, new_data \
                   FROM register_history WHERE entry_id = $1 ORDER BY seq";
        Ok(on!(self, |pool| sqlx::query_as::<_, EntryChange>(sql)
            .bind(entry_id)
            .fetch_all(pool)
            .await)?)
    }
}
