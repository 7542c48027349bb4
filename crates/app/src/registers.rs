//! Registers (台帳) and periodic activities: entries by plant, their history, reviews (棚卸),
//! activity records, the year plan, and the rules' suggested marks beside the answers.
//!
//! Registers hold sensitive details (addresses, confidential asset names): every use case goes
//! through the plant's visibility, exactly like answers, and exports are recorded in the
//! access log.

use crate::{AppError, Reader};
use chrono::NaiveDate;
use kojo_catalog::Registers;
use kojo_catalog::registers::{ActivityKind, FieldDef, RegisterKind};
use kojo_domain::Lang;
use kojo_domain::register::facts::EntryFacts;
use kojo_domain::register::plan::{self, Period};
use kojo_domain::register::value;
use kojo_store::{
    ActivityRecord, EntryChange, EntryData, EntryQuery, RegisterEntry, RegisterReview, Site,
};
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

/// The most entries one page shows.
pub const PAGE_MAX: i64 = 500;

/// The registers and activities of the catalog kojo uses.
pub fn registers() -> Result<&'static Registers, AppError> {
    kojo_catalog::builtin()
        .map_err(|e| AppError::Internal(e.to_string()))?
        .registers
        .as_ref()
        .ok_or_else(|| AppError::Internal("the catalog has no registers".into()))
}

/// A register kind by id.
pub fn register_kind(id: &str) -> Result<&'static RegisterKind, AppError> {
    registers()?.kind(id.trim()).ok_or_else(|| {
        let kinds = registers()
            .map(|r| {
                r.kinds
                    .iter()
                    .map(|k| k.id.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            })
            .unwrap_or_default();
        AppError::bad("register.unknown_kind", &[("kind", &id), ("kinds", &kinds)])
    })
}

/// A field of `kind` named by its id, its Japanese or its English name (compared after NFKC,
/// without whitespace, ignoring case).
pub fn field_named<'k>(kind: &'k RegisterKind, name: &str) -> Option<&'k FieldDef> {
    let k = value::fold_key(name);
    kind.fields.iter().find(|f| {
        value::fold_key(&f.id) == k
            || value::fold_key(&f.name.ja) == k
            || value::fold_key(&f.name.en) == k
    })
}

/// What the register rules read of an entry with these values, as the store keeps it beside
/// them (see `kojo_domain::register::facts`).
pub(crate) fn facts(kind: &RegisterKind, data: &EntryData) -> String {
    EntryFacts::of(kind, &data.0).into_string()
}

/// Parses raw `(field, value)` pairs into an entry's key and values; every bad field or value
/// is named in one error. The key field must have a value; other required fields may be empty
/// (the rules report them).
pub fn parse_entry(
    kind: &RegisterKind,
    values: &[(String, String)],
) -> Result<(String, EntryData), AppError> {
    let mut data = BTreeMap::new();
    let mut problems: Vec<(String, String)> = Vec::new();
    for (name, raw) in values {
        let Some(f) = field_named(kind, name) else {
            problems.push(both(
                "register.unknown_field",
                &[("field", name), ("kind", &kind.id)],
            ));
            continue;
        };
        match value::parse(f, raw) {
            Ok(Some(v)) => {
                data.insert(f.id.clone(), v);
            }
            Ok(None) => {
                data.remove(&f.id);
            }
            Err(e) => problems.push((e.message(Lang::Ja), e.message(Lang::En))),
        }
    }
    let key = data.get(&kind.key).cloned().unwrap_or_default();
    if key.is_empty() {
        let f = kind
            .field(&kind.key)
            .map(|f| f.name.ja.as_str())
            .unwrap_or(&kind.key);
        problems.push(both("register.key_required", &[("field", &f)]));
    }
    if problems.is_empty() {
        Ok((key, EntryData(data)))
    } else {
        Err(joined(problems))
    }
}

pub(crate) fn both(key: &str, args: &[(&str, &dyn std::fmt::Display)]) -> (String, String) {
    (
        kojo_i18n::tr(Lang::Ja, key, args),
        kojo_i18n::tr(Lang::En, key, args),
    )
}

pub(crate) fn joined(problems: Vec<(String, String)>) -> AppError {
    let (ja, en): (Vec<String>, Vec<String>) = problems.into_iter().unzip();
    AppError::BadInput {
        ja: ja.join("\n"),
        en: en.join("\n"),
    }
}

/// SHA-256 (hex) of entries as reviewed: each entry's key and values, in order.
pub fn entries_hash(entries: &[RegisterEntry]) -> String {
    let mut h = Sha256::new();
    for e in entries {
        h.update(e.entry_key.as_bytes());
        h.update([0]);
        h.update(e.data.to_json().as_bytes());
        h.update([b'\n']);
    }
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

pub use crate::suggestions::ItemSuggestion;

/// One activity's year plan.
#[derive(Debug, Clone, Serialize)]
pub struct ActivityPlan {
    /// The activity.
    pub activity: &'static ActivityKind,
    /// Its periods in the fiscal year.
    pub periods: Vec<Period>,
}

/// A file format of a register export.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LedgerFormat {
    /// A workbook: frozen header, filters, drop-down lists.
    Xlsx,
    /// CSV in UTF-8 with a BOM.
    Csv,
}

impl LedgerFormat {
    /// `xlsx` or `csv` (any case), as a name or a file extension.
    pub fn parse(s: &str) -> Option<LedgerFormat> {
        match s
            .trim()
            .trim_start_matches('.')
            .to_ascii_lowercase()
            .as_str()
        {
            "xlsx" => Some(LedgerFormat::Xlsx),
            "csv" => Some(LedgerFormat::Csv),
            _ => None,
        }
    }

    /// The file extension.
    pub fn extension(self) -> &'static str {
        match self {
            LedgerFormat::Xlsx => "xlsx",
            LedgerFormat::Csv => "csv",
        }
    }

    /// The media type.
    pub fn content_type(self) -> &'static str {
        match self {
            LedgerFormat::Xlsx => {
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            }
            LedgerFormat::Csv => "text/csv; charset=utf-8",
        }
    }
}

fn ledger_bytes(
    kind: &RegisterKind,
    entries: &[RegisterEntry],
    format: LedgerFormat,
    lang: Lang,
) -> Result<Vec<u8>, AppError> {
    let rows: Vec<&BTreeMap<String, String>> = entries.iter().map(|e| &e.data.0).collect();
    match format {
        LedgerFormat::Xlsx => kojo_xlsx::register::register_xlsx(kind, &rows, lang)
            .map_err(|e| AppError::Internal(e.to_string())),
        LedgerFormat::Csv => Ok(kojo_xlsx::register::register_csv(kind, &rows, lang).into_bytes()),
    }
}

/// An empty ledger of `kind` to start from: the header row, filters and drop-down lists.
pub fn register_template(kind: &str, lang: Lang) -> Result<Vec<u8>, AppError> {
    ledger_bytes(register_kind(kind)?, &[], LedgerFormat::Xlsx, lang)
}

/// An edit made on an older version of the entry (someone changed it meanwhile), or on a
/// retired one, is refused with the reason rather than applied over the newer data.
pub(crate) fn stale(e: &RegisterEntry, version: i64) -> Result<(), AppError> {
    if e.retired {
        return Err(AppError::bad("register.retired", &[("key", &e.entry_key)]));
    }
    if e.version != version {
        return Err(AppError::bad(
            "register.stale",
            &[
                ("key", &e.entry_key),
                ("by", &e.updated_by),
                ("at", &e.updated_at),
            ],
        ));
    }
    Ok(())
}

fn date(s: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").ok()
}

impl Reader<'_> {
    /// One page of a register of a plant (at most [`PAGE_MAX`] entries) and the count matching.
    pub async fn register_page(
        &self,
        site: &str,
        kind: &str,
        q: &EntryQuery,
    ) -> Result<(Site, Vec<RegisterEntry>, i64), AppError> {
        let site = self.site(site).await?;
        let kind = register_kind(kind)?;
        let mut q = q.clone();
        q.limit = q.limit.clamp(1, PAGE_MAX);
        q.offset = q.offset.max(0);
        if let Some(f) = &q.sort {
            q.sort = Some(
                field_named(kind, f)
                    .ok_or_else(|| {
                        AppError::bad(
                            "register.unknown_field",
                            &[("field", f), ("kind", &kind.id)],
                        )
                    })?
                    .id
                    .clone(),
            );
        }
        let (rows, total) = self.app.store.register_page(&site.id, &kind.id, &q).await?;
        Ok((site, rows, total))
    }

    /// Every entry of a register of a plant, in effect (or all), in insertion order.
    pub async fn register_entries(
        &self,
        site: &str,
        kind: &str,
        with_retired: bool,
    ) -> Result<(Site, Vec<RegisterEntry>), AppError> {
        let site = self.site(site).await?;
        let kind = register_kind(kind)?;
        let rows = self
            .app
            .store
            .register_entries(&site.id, Some(&kind.id), with_retired)
            .await?;
        Ok((site, rows))
    }

    /// A register's entries for an export, recorded in the access log.
    pub async fn export_register(
        &self,
        site: &str,
        kind: &str,
        format: &str,
    ) -> Result<(Site, Vec<RegisterEntry>), AppError> {
        let (site, rows) = self.register_entries(site, kind, false).await?;
        self.audit(
            "register-export",
            &site.code,
            Some(&format!("{kind} {format} {} entries", rows.len())),
        )
        .await?;
        Ok((site, rows))
    }

    /// A register's entries in effect as a file, recorded in the access log.
    pub async fn register_file(
        &self,
        site: &str,
        kind: &str,
        format: LedgerFormat,
        lang: Lang,
    ) -> Result<(Site, Vec<u8>), AppError> {
        let k = register_kind(kind)?;
        let (site, rows) = self
            .export_register(site, &k.id, format.extension())
            .await?;
        Ok((site, ledger_bytes(k, &rows, format, lang)?))
    }

    /// One entry of a plant's register with its history.
    pub async fn register_entry(
        &self,
        site: &str,
        entry_id: &str,
    ) -> Result<(RegisterEntry, Vec<EntryChange>), AppError> {
        let site = self.site(site).await?;
        let e = self
            .app
            .store
            .register_entry(entry_id)
            .await?
            .filter(|e| e.site_id == site.id)
            .ok_or_else(|| crate::handles::not_found("register entry", entry_id))?;
        let history = self.app.store.register_history(&e.id).await?;
        Ok((e, history))
    }

    /// A plant's reviews (棚卸), newest first.
    pub async fn register_reviews(
        &self,
        site: &str,
        kind: Option<&str>,
    ) -> Result<Vec<RegisterReview>, AppError> {
        let site = self.site(site).await?;
        let kind = kind.map(register_kind).transpose()?;
        Ok(self
            .app
            .store
            .register_reviews(&site.id, kind.map(|k| k.id.as_str()))
            .await?)
    }

    /// A plant's activity records, in a fiscal year or all, oldest first.
    pub async fn activity_records(
        &self,
        site: &str,
        fy: Option<i32>,
    ) -> Result<Vec<ActivityRecord>, AppError> {
        let site = self.site(site).await?;
        let bounds = fy.and_then(plan::fiscal_year_bounds);
        let (from, to) = match bounds {
            Some((f, t)) => (Some(crate::cycle::ymd(f)), Some(crate::cycle::ymd(t))),
            None => (None, None),
        };
        Ok(self
            .app
            .store
            .activity_records(&site.id, from.as_deref(), to.as_deref())
            .await?)
    }

    /// The year plan (年間活動) of a plant: every activity's periods in fiscal year `fy`.
    pub async fn activity_plan(
        &self,
        site: &str,
        fy: i32,
        as_of: NaiveDate,
    ) -> Result<Vec<ActivityPlan>, AppError> {
        let records = self.activity_records(site, Some(fy)).await?;
        let mut done: BTreeMap<&str, Vec<NaiveDate>> = BTreeMap::new();
        for r in &records {
            if let Some(d) = date(&r.done_on) {
                done.entry(r.activity.as_str()).or_default().push(d);
            }
        }
        Ok(registers()?
            .activities
            .iter()
            .map(|a| ActivityPlan {
                activity: a,
                periods: plan::plan(
                    a,
                    fy,
                    done.get(a.id.as_str()).map_or(&[], Vec::as_slice),
                    as_of,
                ),
            })
            .collect())
    }
}
