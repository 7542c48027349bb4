//! Importing a ledger (台帳) into a register: find the header row, map columns to fields,
//! parse every cell, then plan inserts, updates and retirements against the register, all or
//! nothing.
//!
//! Every bad cell is reported, naming its sheet, row and column header, in Japanese and
//! English; if there is one, nothing is written.

use crate::registers::{field_named, register_kind};
use crate::{AppError, Editor};
use kojo_catalog::registers::{FieldDef, RegisterKind};
use kojo_domain::Lang;
use kojo_domain::register::value;
use kojo_store::{EntryData, EntryUpdate, NewEntry, RegisterChanges, RegisterEntry};
use kojo_xlsx::ledger::{CsvEncoding, Grid, GridRow};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// Rows searched for the header.
const HEADER_SEARCH_ROWS: usize = 30;
/// Bad cells reported at most (the rest are counted).
const MAX_REPORTED: usize = 200;

/// How to import.
#[derive(Debug, Clone, Default)]
pub struct ImportOptions {
    /// Column header → field (id or name), for headers that are not a field's name.
    pub map: Vec<(String, String)>,
    /// The field that matches file rows to entries (default: the register's key field).
    pub key: Option<String>,
    /// Also retire entries in effect that the file does not have.
    pub sync: bool,
    /// Plan only: write nothing.
    pub dry_run: bool,
}

/// `列名=field,列名2=field2` → pairs.
pub fn parse_map(s: &str) -> Result<Vec<(String, String)>, AppError> {
    s.split([',', '、'])
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(|p| {
            p.split_once('=')
                .map(|(c, f)| (c.trim().to_string(), f.trim().to_string()))
                .filter(|(c, f)| !c.is_empty() && !f.is_empty())
                .ok_or_else(|| AppError::bad("register.import.bad_map", &[("pair", &p)]))
        })
        .collect()
}

/// What an import does (or did).
#[derive(Debug, Clone, Default, Serialize)]
pub struct ImportPlan {
    /// The sheet read.
    pub sheet: String,
    /// The 1-based row of the header.
    pub header_row: usize,
    /// Each column's header and the field it maps to (none: ignored).
    pub columns: Vec<(String, Option<String>)>,
    /// Entries added.
    pub inserted: usize,
    /// Entries changed.
    pub updated: usize,
    /// Entries the file has as they are.
    pub unchanged: usize,
    /// Entries retired (`--sync`).
    pub retired: usize,
    /// Whether anything was written.
    pub written: bool,
}

struct Header<'k> {
    index: usize,
    fields: Vec<Option<&'k FieldDef>>,
}

fn find_header<'k>(
    grid: &Grid,
    kind: &'k RegisterKind,
    map: &[(String, String)],
) -> Result<Header<'k>, AppError> {
    let mut mapped: Vec<(String, &FieldDef)> = Vec::new();
    for (column, field) in map {
        let f = field_named(kind, field).ok_or_else(|| {
            AppError::bad(
                "register.unknown_field",
                &[("field", field), ("kind", &kind.id)],
            )
        })?;
        mapped.push((value::fold_key(column), f));
    }
    let field_of = |cell: &str| -> Option<&'k FieldDef> {
        let k = value::fold_key(cell);
        if k.is_empty() {
            return None;
        }
        mapped
            .iter()
            .find(|(c, _)| *c == k)
            .map(|(_, f)| *f)
            .or_else(|| field_named(kind, cell))
    };
    let mut best: Option<(usize, Vec<Option<&'k FieldDef>>, usize)> = None;
    for (i, row) in grid.rows.iter().enumerate().take(HEADER_SEARCH_ROWS) {
        let fields: Vec<Option<&FieldDef>> = row.cells.iter().map(|c| field_of(c)).collect();
        let hits = fields.iter().flatten().count();
        let has_key = fields.iter().flatten().any(|f| f.id == kind.key);
        if has_key && hits > best.as_ref().map_or(0, |b| b.2) {
            best = Some((i, fields, hits));
        }
    }
    let Some((index, fields, _)) = best else {
        let key = kind
            .field(&kind.key)
            .map(|f| f.name.ja.as_str())
            .unwrap_or(&kind.key);
        return Err(AppError::bad(
            "register.import.no_header",
            &[
                ("sheet", &grid.sheet),
                ("rows", &HEADER_SEARCH_ROWS),
                ("key", &key),
            ],
        ));
    };
    let mut seen = BTreeSet::new();
    for f in fields.iter().flatten() {
        if !seen.insert(f.id.as_str()) {
            return Err(AppError::bad(
                "register.import.duplicate_column",
                &[("field", &f.name.ja), ("row", &grid.rows[index].number)],
            ));
        }
    }
    Ok(Header { index, fields })
}

/// One parsed row: its row number and the values of the mapped columns (None: empty cell).
/// One row's values by field id, in column order (each field once: `find_header` refuses a
/// repeated one). Field ids are borrowed from the kind and the pairs kept in a vector: a
/// 50,000-row ledger of 20 columns would otherwise allocate a million copies of the field ids
/// and 50,000 trees (about 60 MiB of the import's peak).
struct Parsed<'k> {
    row: usize,
    values: Vec<(&'k str, Option<String>)>,
}

impl Parsed<'_> {
    fn get(&self, field: &str) -> Option<&Option<String>> {
        self.values
            .iter()
            .find(|(f, _)| *f == field)
            .map(|(_, v)| v)
    }
}

/// Parses the rows below the header, consuming them (each row's cells are freed as it is read).
fn parse_rows<'k>(
    rows: impl ExactSizeIterator<Item = GridRow>,
    sheet: &str,
    heads: &[String],
    kind: &RegisterKind,
    header: &Header<'k>,
) -> Result<Vec<Parsed<'k>>, AppError> {
    let mut problems: Vec<(String, String)> = Vec::new();
    let mut more = 0usize;
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        let mut values = Vec::with_capacity(header.fields.len());
        for (c, f) in header.fields.iter().enumerate() {
            let Some(f) = f else { continue };
            let raw = row.cells.get(c).map(String::as_str).unwrap_or("");
            match value::parse(f, raw) {
                Ok(v) => {
                    values.push((f.id.as_str(), v));
                }
                Err(e) => {
                    if problems.len() < MAX_REPORTED {
                        let at = |lang| {
                            kojo_i18n::tr(
                                lang,
                                "register.import.at",
                                &[
                                    ("sheet", &sheet),
                                    ("row", &row.number),
                                    ("column", &heads[c]),
                                ],
                            )
                        };
                        problems.push((
                            format!("{}: {}", at(Lang::Ja), e.message(Lang::Ja)),
                            format!("{}: {}", at(Lang::En), e.message(Lang::En)),
                        ));
                    } else {
                        more += 1;
                    }
                }
            }
        }
        if !values.iter().any(|(f, v)| *f == kind.key && v.is_some())
            && problems.len() < MAX_REPORTED
        {
            let key = kind
                .field(&kind.key)
                .map(|f| f.name.ja.as_str())
                .unwrap_or(&kind.key);
            problems.push(both(
                "register.import.key_missing",
                &[("sheet", &sheet), ("row", &row.number), ("column", &key)],
            ));
        }
        out.push(Parsed {
            row: row.number,
            values,
        });
    }
    if more > 0 {
        problems.push(both("register.import.more", &[("count", &more)]));
    }
    if problems.is_empty() {
        Ok(out)
    } else {
        Err(crate::registers::joined(problems))
    }
}

fn both(key: &str, args: &[(&str, &dyn std::fmt::Display)]) -> (String, String) {
    (
        kojo_i18n::tr(Lang::Ja, key, args),
        kojo_i18n::tr(Lang::En, key, args),
    )
}

/// An existing entry's data with the file's values over it (an empty cell clears its field).
fn merged(base: Option<&EntryData>, values: &[(&str, Option<String>)]) -> EntryData {
    let mut data = base.map(|d| d.0.clone()).unwrap_or_default();
    for (k, v) in values {
        match v {
            Some(v) => {
                data.insert(k.to_string(), v.clone());
            }
            None => {
                data.remove(*k);
            }
        }
    }
    EntryData(data)
}

/// Plans the import of `grid` into the register `kind` whose entries in effect are `existing`.
fn plan(
    grid: Grid,
    kind: &RegisterKind,
    existing: &[RegisterEntry],
    opts: &ImportOptions,
) -> Result<(ImportPlan, RegisterChanges), AppError> {
    let header = find_header(&grid, kind, &opts.map)?;
    let Grid {
        sheet,
        rows: grid_rows,
        ..
    } = grid;
    let heads = grid_rows[header.index].cells.clone();
    let header_row = grid_rows[header.index].number;
    let rows = parse_rows(
        grid_rows.into_iter().skip(header.index + 1),
        &sheet,
        &heads,
        kind,
        &header,
    )?;
    let match_field = match &opts.key {
        Some(k) => field_named(kind, k).ok_or_else(|| {
            AppError::bad(
                "register.unknown_field",
                &[("field", k), ("kind", &kind.id)],
            )
        })?,
        None => kind
            .field(&kind.key)
            .ok_or_else(|| AppError::Internal("the key field is missing".into()))?,
    };
    if !header
        .fields
        .iter()
        .flatten()
        .any(|f| f.id == match_field.id)
    {
        return Err(AppError::bad(
            "register.import.key_column",
            &[("field", &match_field.name.ja)],
        ));
    }
    let mut by_key: BTreeMap<&str, &RegisterEntry> = BTreeMap::new();
    for e in existing {
        if let Some(v) = e.data.get(&match_field.id)
            && by_key.insert(v, e).is_some()
        {
            return Err(AppError::bad(
                "register.import.ambiguous_key",
                &[("field", &match_field.name.ja), ("value", &v)],
            ));
        }
    }
    let mut changes = RegisterChanges::default();
    let mut plan = ImportPlan {
        sheet: sheet.clone(),
        header_row,
        columns: heads
            .iter()
            .enumerate()
            .map(|(i, c)| {
                (
                    c.clone(),
                    header
                        .fields
                        .get(i)
                        .copied()
                        .flatten()
                        .map(|f| f.id.clone()),
                )
            })
            .collect(),
        ..Default::default()
    };
    let mut in_file: BTreeMap<String, usize> = BTreeMap::new();
    let mut problems = Vec::new();
    // Rows are consumed as they are planned: a new entry takes its row's values.
    for p in rows {
        let Some(Some(k)) = p.get(&match_field.id).cloned() else {
            problems.push(both(
                "register.import.key_missing",
                &[
                    ("sheet", &sheet),
                    ("row", &p.row),
                    ("column", &match_field.name.ja),
                ],
            ));
            continue;
        };
        if let Some(first) = in_file.insert(k.clone(), p.row) {
            problems.push(both(
                "register.import.duplicate_key",
                &[
                    ("sheet", &sheet),
                    ("row", &p.row),
                    ("first", &first),
                    ("value", &k),
                ],
            ));
            continue;
        }
        match by_key.get(k.as_str()) {
            Some(e) => {
                let data = merged(Some(&e.data), &p.values);
                if data == e.data {
                    plan.unchanged += 1;
                } else {
                    let key = data.get(&kind.key).unwrap_or_default().to_string();
                    changes.updates.push(EntryUpdate {
                        id: e.id.clone(),
                        version: e.version,
                        key,
                        facts: crate::registers::facts(kind, &data),
                        data,
                    });
                }
            }
            None => {
                let data = EntryData(
                    p.values
                        .into_iter()
                        .filter_map(|(f, v)| Some((f.to_string(), v?)))
                        .collect(),
                );
                let key = data.get(&kind.key).unwrap_or_default().to_string();
                let facts = crate::registers::facts(kind, &data);
                changes.inserts.push(NewEntry::new(None, key, &data, facts));
            }
        }
    }
    if !problems.is_empty() {
        return Err(crate::registers::joined(problems));
    }
    if opts.sync {
        for e in existing {
            let listed = e
                .data
                .get(&match_field.id)
                .is_some_and(|v| in_file.contains_key(v));
            if !listed {
                changes.retires.push((e.id.clone(), e.version));
            }
        }
    }
    plan.inserted = changes.inserts.len();
    plan.updated = changes.updates.len();
    plan.retired = changes.retires.len();
    Ok((plan, changes))
}

impl Editor<'_> {
    /// Imports a ledger into a register of a plant: all or nothing; with `dry_run`, only plans.
    pub async fn import_register(
        &self,
        site: &str,
        kind: &str,
        grid: Grid,
        opts: &ImportOptions,
    ) -> Result<ImportPlan, AppError> {
        let kind = register_kind(kind)?;
        let (site, existing) = self.register_entries(site, &kind.id, false).await?;
        let (mut plan, changes) = plan(grid, kind, &existing, opts)?;
        if !opts.dry_run && changes != RegisterChanges::default() {
            self.apply_register(&site, kind, &changes, "import").await?;
            plan.written = true;
        }
        Ok(plan)
    }

    /// Keeps an uploaded ledger for the web's import wizard, after checking that it can be
    /// read at all; returns its id. Uploads older than an hour are purged on the way.
    pub async fn stage_register_upload(
        &self,
        site: &str,
        kind: &str,
        file_name: &str,
        bytes: Vec<u8>,
    ) -> Result<String, AppError> {
        let site = self.site(site).await?;
        let kind = register_kind(kind)?;
        if bytes.len() > kojo_xlsx::ledger::MAX_LEDGER_BYTES {
            return Err(AppError::bad(
                "xlsx.error.too_large",
                &[
                    ("size", &bytes.len()),
                    ("max", &kojo_xlsx::ledger::MAX_LEDGER_BYTES),
                ],
            ));
        }
        read_grid(&bytes, None)?;
        let upload = kojo_store::RegisterUpload {
            id: kojo_store::new_id(),
            site_id: site.id.clone(),
            kind: kind.id.clone(),
            username: self.actor.name.clone(),
            file_name: file_name.chars().take(200).collect(),
            content: bytes,
            created_at: kojo_store::now(),
        };
        let hour_ago = (chrono::Utc::now() - chrono::Duration::hours(1))
            .format("%Y-%m-%dT%H:%M:%S%.3fZ")
            .to_string();
        self.app
            .store
            .put_register_upload(&upload, &hour_ago)
            .await?;
        Ok(upload.id)
    }

    /// An upload of this user for this plant and register, read into a grid.
    pub async fn staged_upload(
        &self,
        site: &str,
        kind: &str,
        upload: &str,
        encoding: Option<CsvEncoding>,
    ) -> Result<(String, Grid), AppError> {
        let site = self.site(site).await?;
        let kind = register_kind(kind)?;
        let u = self
            .app
            .store
            .register_upload(upload)
            .await?
            .filter(|u| u.site_id == site.id && u.kind == kind.id && u.username == self.actor.name)
            .ok_or_else(|| crate::handles::not_found("register upload", upload))?;
        let grid = read_grid(&u.content, encoding)?;
        Ok((u.file_name, grid))
    }

    /// Imports a staged upload (see [`Editor::import_register`]); once written, the upload is
    /// removed.
    pub async fn import_upload(
        &self,
        site: &str,
        kind: &str,
        upload: &str,
        encoding: Option<CsvEncoding>,
        opts: &ImportOptions,
    ) -> Result<ImportPlan, AppError> {
        let (_, grid) = self.staged_upload(site, kind, upload, encoding).await?;
        let plan = self.import_register(site, kind, grid, opts).await?;
        if !opts.dry_run {
            self.app.store.delete_register_upload(upload).await?;
        }
        Ok(plan)
    }
}

/// Reads a ledger file; a problem becomes a bad-input error naming where it is.
pub fn read_grid(bytes: &[u8], encoding: Option<CsvEncoding>) -> Result<Grid, AppError> {
    kojo_xlsx::ledger::read_any(bytes, encoding, None).map_err(|e| {
        let at = |l| match e.location() {
            loc if loc.is_empty() => e.message(l).to_string(),
            loc => format!("{loc}: {}", e.message(l)),
        };
        AppError::BadInput {
            ja: at(Lang::Ja),
            en: at(Lang::En),
        }
    })
}

/// The row most likely to be the header when none maps to the key: the one with the most
/// non-empty cells among the first rows (for a mapping step to offer its cells).
pub fn candidate_header(grid: &Grid) -> Vec<String> {
    grid.rows
        .iter()
        .take(HEADER_SEARCH_ROWS)
        .max_by_key(|r| {
            (
                r.cells.iter().filter(|c| !c.is_empty()).count(),
                std::cmp::Reverse(r.number),
            )
        })
        .map(|r| r.cells.clone())
        .unwrap_or_default()
}
