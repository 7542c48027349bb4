//! Writing a backup from one consistent snapshot: `VACUUM INTO` a snapshot file on SQLite, one
//! repeatable-read read-only transaction on PostgreSQL.

use super::*;
use crate::chain::hex;
use crate::{Backend, Store};
use flate2::{Compression, write::GzEncoder};
use futures_util::TryStreamExt;
use sha2::{Digest, Sha256};
use sqlx::{Connection, Row};
use std::fs::File;
use std::io::{BufWriter, Read, Seek, Write};
use std::path::{Path, PathBuf};

/// What a backup wrote.
#[derive(Debug, Clone, serde::Serialize)]
pub struct BackupInfo {
    /// The file.
    pub file: PathBuf,
    /// Its size in bytes.
    pub size: u64,
    /// Its SHA-256.
    pub sha256: String,
    /// Its header (schema version, snapshot time, tables).
    pub header: Header,
    /// Its manifest (checksums, row counts, blob totals, audit head).
    pub manifest: Manifest,
}

/// Lists the kojo tables' columns, in table order, on a connection (`$conn: &mut Connection`).
macro_rules! table_specs {
    ($conn:expr, $sql:expr) => {{
        let mut specs = Vec::with_capacity(TABLES.len());
        for (name, _) in TABLES {
            let cols: Vec<(String, String)> = sqlx::query_as($sql)
                .bind(*name)
                .fetch_all(&mut *$conn)
                .await?;
            if cols.is_empty() {
                // An older schema has fewer tables; the header lists those it has.
                continue;
            }
            let mut columns = Vec::with_capacity(cols.len());
            for (col, ty) in cols {
                let kind = ColumnKind::of(&ty).ok_or_else(|| {
                    BackupError::invalid(*name, format!("column {col} has type {ty}"))
                })?;
                if !is_identifier(&col) {
                    return Err(BackupError::invalid(*name, format!("column name {col:?}")));
                }
                columns.push(Column { name: col, kind });
            }
            specs.push(TableSpec {
                name: name.to_string(),
                columns,
            });
        }
        specs
    }};
}
pub(crate) use table_specs;

/// SQLite: a table's columns and declared types.
pub(crate) const SQLITE_COLUMNS: &str = "SELECT name, type FROM pragma_table_info($1) ORDER BY cid";
/// PostgreSQL: a table's columns and types.
pub(crate) const PG_COLUMNS: &str = "SELECT column_name::text, data_type::text FROM information_schema.columns \
     WHERE table_schema = current_schema() AND table_name = $1 ORDER BY ordinal_position";

/// Dumps every table and blob through `$out` on a connection holding the snapshot.
macro_rules! dump {
    ($conn:expr, $out:expr, $header:expr, $progress:expr, $pg:expr) => {{
        let header: &Header = $header;
        let out: &mut Out = $out;
        let (blob_total,): (Option<i64>,) =
            sqlx::query_as("SELECT CAST(SUM(size) AS BIGINT) FROM blobs")
                .fetch_one(&mut *$conn)
                .await?;
        let blob_total = u64::try_from(blob_total.unwrap_or(0)).unwrap_or(0);
        for spec in &header.tables {
            let order = super::dump::order_by(spec, $pg);
            if spec.name == "blobs" {
                let sql = if $pg {
                    "SELECT sha256, data FROM blobs ORDER BY sha256 COLLATE \"C\""
                } else {
                    "SELECT sha256, data FROM blobs ORDER BY sha256"
                };
                let mut rows = sqlx::query(sql).fetch(&mut *$conn);
                while let Some(row) = rows.try_next().await? {
                    let sha: String = row.try_get(0)?;
                    let data: Vec<u8> = row.try_get(1)?;
                    out.blob(&sha, &data)?;
                    ($progress)(Progress {
                        what: "blobs",
                        done: out.manifest.blob_bytes,
                        total: blob_total,
                    });
                }
            }
            let cols: Vec<&str> = spec
                .columns
                .iter()
                .filter(|c| c.kind != ColumnKind::Bytes)
                .map(|c| c.name.as_str())
                .collect();
            let sql = format!(
                "SELECT {} FROM {} ORDER BY {order}",
                cols.join(", "),
                spec.name
            );
            let kinds: Vec<ColumnKind> = spec
                .columns
                .iter()
                .map(|c| c.kind)
                .filter(|k| *k != ColumnKind::Bytes)
                .collect();
            let mut spool = out.spool()?;
            let mut rows = sqlx::query(sqlx::AssertSqlSafe(sql)).fetch(&mut *$conn);
            let mut values = Vec::with_capacity(kinds.len());
            while let Some(row) = rows.try_next().await? {
                values.clear();
                for (i, kind) in kinds.iter().enumerate() {
                    values.push(match kind {
                        ColumnKind::Text => {
                            serde_json::Value::from(row.try_get::<Option<String>, _>(i)?)
                        }
                        ColumnKind::Int => {
                            serde_json::Value::from(row.try_get::<Option<i64>, _>(i)?)
                        }
                        ColumnKind::Bool => {
                            serde_json::Value::from(row.try_get::<Option<bool>, _>(i)?)
                        }
                        ColumnKind::Bytes => serde_json::Value::Null,
                    });
                }
                spool.row(&values)?;
                if spool.rows % 10_000 == 0 {
                    ($progress)(Progress {
                        what: &spec.name,
                        done: spool.rows,
                        total: 0,
                    });
                }
            }
            drop(rows);
            out.table(&spec.name, spool)?;
        }
        let head: Option<(i64, Option<String>)> = if header.schema_version >= 10 {
            sqlx::query_as("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1")
                .fetch_optional(&mut *$conn)
                .await?
        } else {
            None
        };
        out.manifest.audit_head = head
            .map(|(s, h)| (s, h.unwrap_or_default()))
            .unwrap_or((0, crate::chain::GENESIS.to_string()));
    }};
}

impl Store {
    /// The schema version of the database (the last migration applied; 0 for none).
    pub async fn schema_version(&self) -> crate::Result<i64> {
        // Not through the generic `schema_version_of`: its future, over a `&mut` connection of
        // the pin, would not be `Send`.
        let r = crate::on!(self, |pool| Ok::<_, crate::StoreError>(
            sqlx::query_as(SCHEMA_VERSION_SQL).fetch_one(pool).await
        ))?;
        version_from(r)
    }

    /// Writes a backup of the whole database to `file` (through a temporary file beside it,
    /// renamed into place when complete) while the database stays online. Returns what it
    /// wrote.
    pub async fn backup(
        &self,
        file: &Path,
        progress: ProgressFn<'_>,
    ) -> Result<BackupInfo, BackupError> {
        let io = |e: std::io::Error| BackupError::Io {
            path: file.display().to_string(),
            source: e,
        };
        let dir = file
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        let partial = dir.join(format!(
            ".{}.partial-{}",
            file.file_name()
                .and_then(|n| n.to_str())
                .unwrap_or("backup"),
            crate::new_id()
        ));
        let result = async {
            let mut out = Out::create(&partial).map_err(io)?;
            let header = match &self.backend {
                Backend::Sqlite { pool, .. } => {
                    // VACUUM INTO copies one read transaction's view into a new file, without
                    // blocking writers (WAL); the dump then reads the copy.
                    let snapshot = dir.join(format!(".kojo-snapshot-{}.sqlite3", crate::new_id()));
                    let snap = snapshot.to_string_lossy().to_string();
                    let r = async {
                        let mut c = crate::pin::lease(pool, self.owner()).await?;
                        sqlx::query("VACUUM INTO $1")
                            .bind(&snap)
                            .execute(&mut *c)
                            .await?;
                        drop(c);
                        let opts = sqlx::sqlite::SqliteConnectOptions::new()
                            .filename(&snapshot)
                            .read_only(true);
                        let mut conn = sqlx::SqliteConnection::connect_with(&opts).await?;
                        let mut tx = conn.begin().await?;
                        let version = schema_version_of(&mut *tx).await?;
                        let header =
                            new_header(version, "sqlite", table_specs!(tx, SQLITE_COLUMNS));
                        out.header(&header)?;
                        dump!(tx, &mut out, &header, progress, false);
                        tx.commit().await?;
                        conn.close().await?;
                        Ok::<_, BackupError>(header)
                    }
                    .await;
                    let _ = std::fs::remove_file(&snapshot);
                    r?
                }
                Backend::Postgres(pool) => {
                    let mut c = crate::pin::lease(pool, self.owner()).await?;
                    let mut tx = sqlx::Connection::begin_with(
                        &mut *c,
                        "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY",
                    )
                    .await?;
                    let version = schema_version_of(&mut *tx).await?;
                    let header = new_header(version, "postgres", table_specs!(tx, PG_COLUMNS));
                    out.header(&header)?;
                    dump!(tx, &mut out, &header, progress, true);
                    tx.commit().await?;
                    header
                }
            };
            let manifest = out.finish().map_err(io)?;
            let (size, sha256) = file_sum(&partial).map_err(io)?;
            std::fs::rename(&partial, file).map_err(io)?;
            if let Ok(d) = File::open(dir) {
                let _ = d.sync_all();
            }
            Ok(BackupInfo {
                file: file.to_path_buf(),
                size,
                sha256,
                header,
                manifest,
            })
        }
        .await;
        if result.is_err() {
            let _ = std::fs::remove_file(&partial);
        }
        result
    }
}

/// The last migration applied (0 when none or no bookkeeping table).
pub(crate) async fn schema_version_of<'c, E>(conn: E) -> crate::Result<i64>
where
    E: sqlx::Executor<'c>,
    for<'r> (Option<i64>,): sqlx::FromRow<'r, <E::Database as sqlx::Database>::Row>,
    i64: sqlx::Type<E::Database> + for<'q> sqlx::Encode<'q, E::Database>,
    for<'q> <E::Database as sqlx::Database>::Arguments: sqlx::IntoArguments<E::Database>,
{
    version_from(sqlx::query_as(SCHEMA_VERSION_SQL).fetch_one(conn).await)
}

const SCHEMA_VERSION_SQL: &str = "SELECT MAX(version) FROM _sqlx_migrations WHERE success";

/// The schema version from the result of [`SCHEMA_VERSION_SQL`].
fn version_from(r: std::result::Result<(Option<i64>,), sqlx::Error>) -> crate::Result<i64> {
    match r {
        Ok((v,)) => Ok(v.unwrap_or(0)),
        // No bookkeeping table: a database kojo never migrated.
        Err(sqlx::Error::Database(e)) if e.message().contains("_sqlx_migrations") => Ok(0),
        Err(e) => Err(e.into()),
    }
}

fn new_header(schema_version: i64, engine: &str, tables: Vec<TableSpec>) -> Header {
    Header {
        format: FORMAT.into(),
        format_version: FORMAT_VERSION,
        schema_version,
        kojo_version: env!("CARGO_PKG_VERSION").into(),
        created_at: crate::now(),
        engine: engine.into(),
        tables,
    }
}

/// The SHA-256 and size of a file, read in blocks.
pub fn file_sum(path: &Path) -> std::io::Result<(u64, String)> {
    let mut f = File::open(path)?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    let mut size = 0u64;
    loop {
        let n = f.read(&mut buf)?;
        if n == 0 {
            break;
        }
        size += n as u64;
        h.update(&buf[..n]);
    }
    Ok((size, hex(&h.finalize())))
}

/// The tar stream being written and the manifest it accumulates.
pub(crate) struct Out {
    tar: tar::Builder<GzEncoder<BufWriter<File>>>,
    manifest: Manifest,
    blobs: Sha256,
}

/// One table's rows, spooled to an anonymous temporary file until their size is known.
pub(crate) struct Spool {
    file: BufWriter<File>,
    hash: Sha256,
    size: u64,
    rows: u64,
    line: Vec<u8>,
}

impl Spool {
    fn row(&mut self, values: &[serde_json::Value]) -> Result<(), BackupError> {
        self.line.clear();
        serde_json::to_writer(&mut self.line, values)
            .map_err(|e| BackupError::invalid("row", e.to_string()))?;
        self.line.push(b'\n');
        self.hash.update(&self.line);
        self.size += self.line.len() as u64;
        self.rows += 1;
        self.file
            .write_all(&self.line)
            .map_err(|e| BackupError::Io {
                path: "spool".into(),
                source: e,
            })
    }
}

impl Out {
    fn create(path: &Path) -> std::io::Result<Out> {
        let f = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(path)?;
        let gz = GzEncoder::new(BufWriter::with_capacity(1 << 20, f), Compression::fast());
        let mut tar = tar::Builder::new(gz);
        tar.mode(tar::HeaderMode::Deterministic);
        Ok(Out {
            tar,
            manifest: Manifest {
                entries: Vec::new(),
                blob_count: 0,
                blob_bytes: 0,
                blobs_digest: String::new(),
                audit_head: (0, String::new()),
            },
            blobs: Sha256::new(),
        })
    }

    fn append(&mut self, path: &str, size: u64, data: impl Read) -> Result<(), BackupError> {
        let mut h = tar::Header::new_ustar();
        h.set_path(path)
            .map_err(|e| BackupError::invalid(path, e.to_string()))?;
        h.set_size(size);
        h.set_mode(0o600);
        h.set_entry_type(tar::EntryType::Regular);
        h.set_cksum();
        self.tar.append(&h, data).map_err(|e| BackupError::Io {
            path: path.into(),
            source: e,
        })
    }

    fn header(&mut self, header: &Header) -> Result<(), BackupError> {
        let bytes = serde_json::to_vec_pretty(header)
            .map_err(|e| BackupError::invalid("header", e.to_string()))?;
        self.manifest.entries.push(EntrySum {
            path: "kojo-backup.json".into(),
            size: bytes.len() as u64,
            sha256: hex(&Sha256::digest(&bytes)),
            rows: None,
        });
        self.append("kojo-backup.json", bytes.len() as u64, &bytes[..])
    }

    fn spool(&self) -> Result<Spool, BackupError> {
        let file = tempfile::tempfile().map_err(|e| BackupError::Io {
            path: "temporary file".into(),
            source: e,
        })?;
        Ok(Spool {
            file: BufWriter::with_capacity(1 << 20, file),
            hash: Sha256::new(),
            size: 0,
            rows: 0,
            line: Vec::new(),
        })
    }

    fn table(&mut self, name: &str, spool: Spool) -> Result<(), BackupError> {
        let path = format!("tables/{name}.jsonl");
        let io = |e: std::io::Error| BackupError::Io {
            path: "spool".into(),
            source: e,
        };
        let mut f = spool.file.into_inner().map_err(|e| io(e.into_error()))?;
        f.rewind().map_err(io)?;
        self.manifest.entries.push(EntrySum {
            path: path.clone(),
            size: spool.size,
            sha256: hex(&spool.hash.finalize()),
            rows: Some(spool.rows),
        });
        self.append(&path, spool.size, f.take(spool.size))
    }

    fn blob(&mut self, sha256: &str, data: &[u8]) -> Result<(), BackupError> {
        if sha256.len() != 64 || !sha256.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(BackupError::invalid(
                "blobs",
                format!("blob key {sha256:?}"),
            ));
        }
        self.blobs.update(sha256.as_bytes());
        self.blobs.update(b"\n");
        self.manifest.blob_count += 1;
        self.manifest.blob_bytes += data.len() as u64;
        self.append(&format!("blobs/{sha256}"), data.len() as u64, data)
    }

    fn finish(mut self) -> std::io::Result<Manifest> {
        self.manifest.blobs_digest = hex(&self.blobs.clone().finalize());
        let bytes = serde_json::to_vec_pretty(&self.manifest).map_err(std::io::Error::other)?;
        let mut h = tar::Header::new_ustar();
        h.set_path("manifest.json")?;
        h.set_size(bytes.len() as u64);
        h.set_mode(0o600);
        h.set_cksum();
        self.tar.append(&h, &bytes[..])?;
        let gz = self.tar.into_inner()?;
        let buf = gz.finish()?;
        let f = buf.into_inner().map_err(|e| e.into_error())?;
        f.sync_all()?;
        Ok(self.manifest)
    }
}
