//! Changing registers (台帳): entries added, edited and retired (all or nothing, recorded in
//! the access log), reviews (棚卸) and activity records. Reading is in `registers.rs`.

use crate::registers::{entries_hash, facts, parse_entry, register_kind, registers, stale};
use crate::{AppError, Editor};
use chrono::NaiveDate;
use kojo_catalog::registers::{ActivityKind, RegisterKind};
use kojo_store::{
    ActivityRecord, ChangeCounts, EntryUpdate, NewEntry, RegisterChanges, RegisterEntry,
    RegisterReview, Site,
};

impl Editor<'_> {
    /// Applies changes to a register of a plant (all or nothing) and records them in the access
    /// log.
    pub async fn apply_register(
        &self,
        site: &Site,
        kind: &RegisterKind,
        changes: &RegisterChanges,
        what: &str,
    ) -> Result<ChangeCounts, AppError> {
        let site = self.site_by_id(&site.id).await?;
        let counts = self
            .app
            .store
            .apply_register_changes(&site.id, &kind.id, changes, &self.actor.name)
            .await?;
        self.audit(
            "register-change",
            &site.code,
            Some(&format!(
                "{} {what}: +{} ~{} -{} ↺{}",
                kind.id, counts.inserted, counts.updated, counts.retired, counts.restored
            )),
        )
        .await?;
        Ok(counts)
    }

    /// Adds one entry from raw `(field, value)` pairs.
    pub async fn add_entry(
        &self,
        site: &str,
        kind: &str,
        line: Option<&str>,
        values: &[(String, String)],
    ) -> Result<RegisterEntry, AppError> {
        let site = self.site(site).await?;
        let kind = register_kind(kind)?;
        let line_id = match line {
            Some(code) => Some(self.line(&site, code).await?.id),
            None => None,
        };
        let (key, data) = parse_entry(kind, values)?;
        let changes = RegisterChanges {
            inserts: vec![NewEntry::new(
                line_id,
                key.clone(),
                &data,
                facts(kind, &data),
            )],
            ..Default::default()
        };
        self.apply_register(&site, kind, &changes, "add").await?;
        let rows = self
            .app
            .store
            .register_entries(&site.id, Some(&kind.id), false)
            .await?;
        rows.into_iter()
            .rev()
            .find(|e| e.entry_key == key)
            .ok_or_else(|| AppError::Internal("the entry just added is missing".into()))
    }

    /// Changes one entry: `values` are merged over its current values (an empty value clears
    /// the field).
    pub async fn edit_entry(
        &self,
        site: &str,
        entry_id: &str,
        version: i64,
        values: &[(String, String)],
    ) -> Result<ChangeCounts, AppError> {
        let (e, _) = self.register_entry(site, entry_id).await?;
        stale(&e, version)?;
        let site = self.site_by_id(&e.site_id).await?;
        let kind = register_kind(&e.kind)?;
        let mut merged: Vec<(String, String)> = e.data.0.clone().into_iter().collect();
        merged.extend(values.iter().cloned());
        let (key, data) = parse_entry(kind, &merged)?;
        let changes = RegisterChanges {
            updates: vec![EntryUpdate {
                id: e.id.clone(),
                version,
                key,
                facts: facts(kind, &data),
                data,
            }],
            ..Default::default()
        };
        self.apply_register(&site, kind, &changes, "edit").await
    }

    /// Retires one entry (kept with its history).
    pub async fn retire_entry(
        &self,
        site: &str,
        entry_id: &str,
        version: i64,
    ) -> Result<ChangeCounts, AppError> {
        let (e, _) = self.register_entry(site, entry_id).await?;
        stale(&e, version)?;
        let site = self.site_by_id(&e.site_id).await?;
        let kind = register_kind(&e.kind)?;
        let changes = RegisterChanges {
            retires: vec![(e.id, version)],
            ..Default::default()
        };
        self.apply_register(&site, kind, &changes, "retire").await
    }

    /// Records a review (棚卸) of a register of a plant: the entries in effect now are hashed.
    pub async fn review_register(
        &self,
        site: &str,
        kind: &str,
        reviewer: &str,
        note: Option<&str>,
        on: NaiveDate,
    ) -> Result<RegisterReview, AppError> {
        let reviewer = reviewer.trim();
        if reviewer.is_empty() {
            return Err(AppError::bad("register.reviewer_required", &[]));
        }
        let (site, entries) = self.register_entries(site, kind, false).await?;
        let kind = register_kind(kind)?;
        let hash = entries_hash(&entries);
        let r = self
            .app
            .store
            .add_register_review(
                &site.id,
                &kind.id,
                &crate::cycle::ymd(on),
                reviewer,
                note.map(str::trim).filter(|n| !n.is_empty()),
                entries.len() as i64,
                &hash,
                &self.actor.name,
            )
            .await?;
        self.audit(
            "register-review",
            &site.code,
            Some(&format!("{} {} {hash}", kind.id, r.reviewed_on)),
        )
        .await?;
        Ok(r)
    }

    /// Records one occurrence of a periodic activity, named by its id or by its item (when the
    /// item has one activity).
    #[allow(clippy::too_many_arguments)]
    pub async fn record_activity(
        &self,
        site: &str,
        activity: Option<&str>,
        item: Option<u16>,
        on: NaiveDate,
        what: Option<&str>,
        participants: Option<&str>,
        note: Option<&str>,
        evidence: Option<&str>,
    ) -> Result<ActivityRecord, AppError> {
        let site = self.site(site).await?;
        let r = registers()?;
        let kind = match (activity, item) {
            (Some(id), _) => r
                .activity(id.trim())
                .ok_or_else(|| AppError::bad("register.unknown_activity", &[("activity", &id)]))?,
            (None, Some(n)) => {
                let of_item: Vec<&'static ActivityKind> =
                    r.activities.iter().filter(|a| a.item == n).collect();
                match of_item.as_slice() {
                    [one] => *one,
                    [] => {
                        return Err(AppError::bad(
                            "register.item_without_activity",
                            &[("item", &n)],
                        ));
                    }
                    many => {
                        let ids = many
                            .iter()
                            .map(|a| a.id.as_str())
                            .collect::<Vec<_>>()
                            .join(", ");
                        return Err(AppError::bad(
                            "register.item_ambiguous",
                            &[("item", &n), ("activities", &ids)],
                        ));
                    }
                }
            }
            (None, None) => return Err(AppError::bad("register.activity_required", &[])),
        };
        let clean = |s: Option<&str>| {
            s.map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_string)
        };
        let rec = ActivityRecord {
            id: kojo_store::new_id(),
            site_id: site.id.clone(),
            activity: kind.id.clone(),
            item_no: i64::from(kind.item),
            done_on: crate::cycle::ymd(on),
            what: clean(what),
            participants: clean(participants),
            note: clean(note),
            evidence: clean(evidence),
            recorded_at: kojo_store::now(),
            recorded_by: self.actor.name.clone(),
        };
        self.app.store.add_activity_record(&rec).await?;
        self.audit(
            "activity-record",
            &site.code,
            Some(&format!("{} {}", rec.activity, rec.done_on)),
        )
        .await?;
        Ok(rec)
    }
}
