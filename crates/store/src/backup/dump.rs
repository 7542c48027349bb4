//! A canonical JSON dump of everything a backup holds, the same on both engines for the same
//! data: tables in [`TABLES`] order, rows in key order (byte order of text on both engines),
//! blob contents replaced by their SHA-256. Comparing two dumps shows that a move between
//! engines kept every answer, history row, sign-off hash and evidence byte.

use super::write::{PG_COLUMNS, SQLITE_COLUMNS, table_specs};
use super::*;
use crate::chain::hex;
use crate::{Backend, Store};
use futures_util::TryStreamExt;
use serde_json::Value;
use sha2::{Digest, Sha256};
use sqlx::Row;
use std::io::Write;

/// `ORDER BY` for a table: its key columns, text compared byte by byte on PostgreSQL too.
pub(crate) fn order_by(spec: &TableSpec, postgres: bool) -> String {
    let keys = known_table(&spec.name).map(|t| t.1).unwrap_or("1");
    keys.split(',')
        .map(str::trim)
        .map(|k| {
            let text = spec
                .columns
                .iter()
                .any(|c| c.name == k && c.kind == ColumnKind::Text);
            if postgres && text {
                format!("{k} COLLATE \"C\"")
            } else {
                k.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

macro_rules! dump_json {
    ($tx:expr, $specs:expr, $w:expr, $postgres:expr) => {{
        let specs: Vec<TableSpec> = $specs;
        let w: &mut dyn Write = $w;
        let io = |e: std::io::Error| BackupError::Io {
            path: "output".into(),
            source: e,
        };
        let version = super::write::schema_version_of(&mut *$tx).await?;
        write!(
            w,
            "{{\"format\":\"kojo-dump\",\"schema_version\":{version},\"tables\":{{"
        )
        .map_err(io)?;
        for (t, spec) in specs.iter().enumerate() {
            let cols: Vec<String> = spec.columns.iter().map(|c| c.name.clone()).collect();
            let select: Vec<String> = spec.columns.iter().map(|c| c.name.clone()).collect();
            let sql = format!(
                "SELECT {} FROM {} ORDER BY {}",
                select.join(", "),
                spec.name,
                order_by(spec, $postgres)
            );
            write!(
                w,
                "{}\n{}:{{\"columns\":{},\"rows\":[",
                if t > 0 { "," } else { "" },
                Value::from(spec.name.as_str()),
                Value::from(cols)
            )
            .map_err(io)?;
            let mut rows = sqlx::query(sqlx::AssertSqlSafe(sql)).fetch(&mut *$tx);
            let mut first = true;
            while let Some(row) = rows.try_next().await? {
                let mut values = Vec::with_capacity(spec.columns.len());
                for (i, c) in spec.columns.iter().enumerate() {
                    values.push(match c.kind {
                        ColumnKind::Text => Value::from(row.try_get::<Option<String>, _>(i)?),
                        ColumnKind::Int => Value::from(row.try_get::<Option<i64>, _>(i)?),
                        ColumnKind::Bool => Value::from(row.try_get::<Option<bool>, _>(i)?),
                        ColumnKind::Bytes => Value::from(
                            row.try_get::<Option<Vec<u8>>, _>(i)?
                                .map(|b| format!("sha256:{}", hex(&Sha256::digest(&b)))),
                        ),
                    });
                }
                write!(
                    w,
                    "{}\n{}",
                    if first { "" } else { "," },
                    Value::from(values)
                )
                .map_err(io)?;
                first = false;
            }
            write!(w, "]}}").map_err(io)?;
        }
        writeln!(w, "}}}}").map_err(io)?;
    }};
}

impl Store {
    /// The names of every table in the database (kojo's and sqlx's bookkeeping), sorted.
    pub async fn table_names(&self) -> crate::Result<Vec<String>> {
        let sql_sqlite = "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name";
        let sql_pg = "SELECT table_name::text FROM information_schema.tables WHERE table_schema = current_schema() \
                      AND table_type = 'BASE TABLE' ORDER BY table_name";
        let rows: Vec<(String,)> = match &self.backend {
            Backend::Sqlite { pool, .. } => {
                let mut c = crate::pin::lease(pool, self.owner()).await?;
                sqlx::query_as(sql_sqlite).fetch_all(&mut *c).await?
            }
            Backend::Postgres(pool) => {
                let mut c = crate::pin::lease(pool, self.owner()).await?;
                sqlx::query_as(sql_pg).fetch_all(&mut *c).await?
            }
        };
        Ok(rows.into_iter().map(|r| r.0).collect())
    }

    /// Writes the canonical JSON dump of the database (one consistent snapshot) to `w`.
    pub async fn canonical_dump(&self, w: &mut dyn Write) -> Result<(), BackupError> {
        match &self.backend {
            Backend::Sqlite { pool, .. } => {
                let mut c = crate::pin::lease(pool, self.owner()).await?;
                let mut tx = sqlx::Connection::begin(&mut *c).await?;
                let specs = table_specs!(tx, SQLITE_COLUMNS);
                dump_json!(tx, specs, w, false);
                tx.commit().await?;
            }
            Backend::Postgres(pool) => {
                let mut c = crate::pin::lease(pool, self.owner()).await?;
                let mut tx = sqlx::Connection::begin_with(
                    &mut *c,
                    "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY",
                )
                .await?;
                let specs = table_specs!(tx, PG_COLUMNS);
                dump_json!(tx, specs, w, true);
                tx.commit().await?;
            }
        }
        Ok(())
    }
}
