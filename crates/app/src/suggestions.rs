//! The register rules' suggestions beside the answers: per plant, computed from its registers,
//! reviews and activity records, and kept under the plant's register stamp.
//!
//! The rules read every entry of a plant (three queries and a pass over up to 50,000 entries).
//! Pages that show suggestions (the assessment page, the dashboard, the review queue over every
//! plant) would pay that on every view; instead [`SuggestionCache`] keeps the last result per
//! plant, keyed by the stamp the store gives a plant's register data with every change
//! (`register_stamps`, migration 0014) and by the as-of date. A view reads one stamp; several
//! `kojo serve` instances on one PostgreSQL stay correct because the stamp lives in the
//! database. A plant without a stamp has no register data, so the rules are silent on it.
//!
//! The result is also stored in the database (`register_suggestions`, migration 0015) under its
//! stamp and date, so a new process (`kojo suggest`, another instance, a restart) reads it
//! instead of computing it again: the rules run once per change of the registers and per day.

use crate::{App, AppError, Reader};
use chrono::NaiveDate;
use kojo_catalog::Registers;
use kojo_domain::Mark;
use kojo_domain::register::Snapshot;
use kojo_domain::register::facts::{self, EntryFacts};
use kojo_domain::register::rules::{self, Basis, Facts, Finding, Suggestion};
use kojo_store::EntryData;
use serde::Serialize;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

/// The rules' word on one item of an assessment, beside its answer.
#[derive(Debug, Clone, Serialize)]
pub struct ItemSuggestion {
    /// The item.
    pub item: u16,
    /// ○ △ ×, or none when the registers say nothing.
    pub suggested: Option<Mark>,
    /// The mark answered.
    pub answered: Option<Mark>,
    /// The answer claims more than the registers support.
    pub mismatch: bool,
    /// What is wrong.
    pub findings: Vec<Finding>,
    /// What was read.
    pub basis: Vec<Basis>,
}

/// The plants whose suggestions are kept at most (beyond, the cache starts over: one plant's
/// entry is its suggestions, a few KiB unless its ledgers have many findings).
const CACHE_PLANTS: usize = 1024;

/// The rules' suggestions per plant, under the plant's register stamp and the as-of date.
#[derive(Default)]
pub(crate) struct SuggestionCache {
    plants: Mutex<HashMap<String, Cached>>,
}

struct Cached {
    stamp: String,
    as_of: NaiveDate,
    suggestions: Arc<[Suggestion]>,
}

impl std::fmt::Debug for SuggestionCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let plants = self.plants.lock().map(|m| m.len()).unwrap_or(0);
        f.debug_struct("SuggestionCache")
            .field("plants", &plants)
            .finish()
    }
}

impl SuggestionCache {
    fn get(&self, site_id: &str, stamp: &str, as_of: NaiveDate) -> Option<Arc<[Suggestion]>> {
        let map = self.plants.lock().ok()?;
        map.get(site_id)
            .filter(|c| c.stamp == stamp && c.as_of == as_of)
            .map(|c| c.suggestions.clone())
    }

    fn put(&self, site_id: &str, stamp: &str, as_of: NaiveDate, suggestions: Arc<[Suggestion]>) {
        if let Ok(mut map) = self.plants.lock() {
            if map.len() >= CACHE_PLANTS && !map.contains_key(site_id) {
                map.clear();
            }
            map.insert(
                site_id.to_string(),
                Cached {
                    stamp: stamp.to_string(),
                    as_of,
                    suggestions,
                },
            );
        }
    }
}

/// The items that have a rule, in item order (the rules over no facts: every one silent).
pub(crate) fn rule_items() -> Result<&'static [u16], AppError> {
    static ITEMS: OnceLock<Vec<u16>> = OnceLock::new();
    if let Some(items) = ITEMS.get() {
        return Ok(items);
    }
    let any_day = NaiveDate::MIN;
    let items = rules::suggest(crate::registers::registers()?, &Facts::default(), any_day)
        .into_iter()
        .map(|s| s.item)
        .collect();
    Ok(ITEMS.get_or_init(|| items))
}

fn date(s: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").ok()
}

/// A newly computed result still to be stored for other processes (`register_suggestions`).
#[must_use = "the result must be stored, or other processes compute it again"]
struct StoreResult {
    site_id: String,
    stamp: String,
    day: String,
    suggestions: Arc<[Suggestion]>,
}

impl StoreResult {
    async fn write(self, store: &kojo_store::Store) -> Result<(), AppError> {
        // Serialising plain structs cannot fail.
        let json = serde_json::to_string(&*self.suggestions).unwrap_or_default();
        store
            .put_register_suggestions(&self.site_id, &self.stamp, &self.day, &json)
            .await?;
        Ok(())
    }
}

impl App {
    /// What the rules read about a plant as of a date: the facts of its entries in effect, the
    /// last review of each register and every activity record up to then (three queries).
    async fn register_facts(&self, site_id: &str, as_of: NaiveDate) -> Result<Facts, AppError> {
        let store = &self.store;
        // One after the other: run together they would need connections of their own, and a
        // new PostgreSQL connection costs more than the two small reads.
        let stored = store.register_facts(site_id).await?;
        let reviews = store.register_reviews(site_id, None).await?;
        let records = store
            .activity_records(site_id, None, Some(&crate::cycle::ymd(as_of)))
            .await?;
        let mut facts = Facts::default();
        for (kind, text) in stored {
            let entries = EntryFacts::parse_all(&kind, text)
                .map_err(|e| AppError::Internal(e.to_string()))?;
            facts.registers.entry(kind).or_default().entries = entries;
        }
        for r in reviews {
            let Some(d) = date(&r.reviewed_on).filter(|d| *d <= as_of) else {
                continue;
            };
            let f = facts.registers.entry(r.kind).or_default();
            f.last_review = f.last_review.max(Some(d));
        }
        for r in records {
            if let Some(d) = date(&r.done_on) {
                facts.occurrences.entry(r.activity).or_default().push(d);
            }
        }
        Ok(facts)
    }

    /// Derives every entry's stored facts again when they were written under another layout
    /// than this kojo's (an upgrade changed what the rules read; entries from before migration
    /// 16 have none): run by `App::with_store` after the migrations, so every use of the facts
    /// reads them under this kojo's layout.
    pub(crate) async fn ensure_facts_layout(&self, registers: &Registers) -> Result<(), AppError> {
        let layout = facts::layout(registers);
        if self.store.register_facts_layout().await?.as_deref() == Some(layout.as_str()) {
            return Ok(());
        }
        let derive = |kind: &str, data: &EntryData| {
            registers
                .kind(kind)
                .map_or_else(String::new, |k| crate::registers::facts(k, data))
        };
        let n = self.store.rederive_register_facts(&layout, derive).await?;
        if n > 0 {
            tracing::info!(entries = n, layout, "register facts derived again");
        }
        Ok(())
    }

    /// The rules' suggestions for a plant whose register stamp is `stamp` (`None`: no register
    /// data), from the cache while the stamp and the date are unchanged.
    pub(crate) async fn plant_suggestions(
        &self,
        site_id: &str,
        stamp: Option<&str>,
        as_of: NaiveDate,
    ) -> Result<Arc<[Suggestion]>, AppError> {
        let (suggestions, to_store) = self
            .plant_suggestions_unstored(site_id, stamp, as_of)
            .await?;
        if let Some(w) = to_store {
            w.write(&self.store).await?;
        }
        Ok(suggestions)
    }

    /// [`App::plant_suggestions`], leaving a newly computed result's write to the caller, who
    /// may overlap it with work of its own but must finish it ([`StoreResult::write`]).
    async fn plant_suggestions_unstored(
        &self,
        site_id: &str,
        stamp: Option<&str>,
        as_of: NaiveDate,
    ) -> Result<(Arc<[Suggestion]>, Option<StoreResult>), AppError> {
        let registers = crate::registers::registers()?;
        let Some(stamp) = stamp else {
            return Ok((
                rules::suggest(registers, &Facts::default(), as_of).into(),
                None,
            ));
        };
        if let Some(hit) = self.suggestions.get(site_id, stamp, as_of) {
            return Ok((hit, None));
        }
        // Stored by this or another process under the same stamp and date.
        let day = crate::cycle::ymd(as_of);
        if let Some(json) = self
            .store
            .register_suggestions(site_id, stamp, &day)
            .await?
            && let Ok(stored) = serde_json::from_str::<Vec<Suggestion>>(&json)
        {
            let stored: Arc<[Suggestion]> = stored.into();
            self.suggestions.put(site_id, stamp, as_of, stored.clone());
            return Ok((stored, None));
        }
        // The stamp was read before the facts: a change in between leaves a newer result under
        // an older stamp, which the next view replaces; never an older result under a newer one.
        let facts = self.register_facts(site_id, as_of).await?;
        let computed: Arc<[Suggestion]> = rules::suggest(registers, &facts, as_of).into();
        self.suggestions
            .put(site_id, stamp, as_of, computed.clone());
        let write = StoreResult {
            site_id: site_id.to_string(),
            stamp: stamp.to_string(),
            day,
            suggestions: computed.clone(),
        };
        Ok((computed, Some(write)))
    }

    /// What the registers of a plant say as of a date, for a sign-off step: `None` when the
    /// plant keeps no register data in kojo (nothing to seal).
    pub(crate) async fn register_snapshot(
        &self,
        site_id: &str,
        as_of: NaiveDate,
    ) -> Result<Option<Snapshot>, AppError> {
        let stamp = self.store.register_stamp(site_id).await?;
        if stamp.is_none() {
            return Ok(None);
        }
        let s = self
            .plant_suggestions(site_id, stamp.as_deref(), as_of)
            .await?;
        Ok(Some(Snapshot::of(&s, as_of)))
    }
}

impl Reader<'_> {
    /// The rules' suggestions for an assessment's plant as of a date, beside its answers.
    pub async fn suggestions(
        &self,
        assessment_id: &str,
        as_of: NaiveDate,
    ) -> Result<Vec<ItemSuggestion>, AppError> {
        let view = self.assessment(assessment_id).await?;
        self.suggestions_for(&view, as_of).await
    }

    /// [`Reader::suggestions`] for an assessment already loaded: one query (the plant's register
    /// stamp) while the plant's registers are unchanged, else three more and the rules.
    pub async fn suggestions_for(
        &self,
        view: &crate::AssessmentView,
        as_of: NaiveDate,
    ) -> Result<Vec<ItemSuggestion>, AppError> {
        self.suggestions_then(view, as_of, |items| items).await
    }

    /// Hands the suggestions of [`Reader::suggestions`] to `use_them` and returns what it
    /// returns. When they had to be computed, storing them for other processes (1.3 MB of JSON
    /// for 50,000 assets) runs on another task meanwhile: `kojo suggest` writes its output while
    /// the database stores the result. Returns once both are done.
    pub async fn suggestions_with<R>(
        &self,
        assessment_id: &str,
        as_of: NaiveDate,
        use_them: impl FnOnce(Vec<ItemSuggestion>) -> R,
    ) -> Result<R, AppError> {
        let view = self.assessment(assessment_id).await?;
        self.suggestions_then(&view, as_of, use_them).await
    }

    async fn suggestions_then<R>(
        &self,
        view: &crate::AssessmentView,
        as_of: NaiveDate,
        use_them: impl FnOnce(Vec<ItemSuggestion>) -> R,
    ) -> Result<R, AppError> {
        let site_id = &view.assessment.site_id;
        let stamp = self.app.store.register_stamp(site_id).await?;
        let (suggestions, to_store) = self
            .app
            .plant_suggestions_unstored(site_id, stamp.as_deref(), as_of)
            .await?;
        let writing = to_store.map(|w| {
            let store = self.app.store.clone();
            tokio::spawn(async move { w.write(&store).await })
        });
        let answered = |n: u16| view.answer(n).map(|a| a.mark());
        let items: Vec<ItemSuggestion> = suggestions
            .iter()
            .map(|s| {
                let answered = answered(s.item);
                ItemSuggestion {
                    item: s.item,
                    suggested: s.suggested,
                    answered,
                    mismatch: s.mismatch(answered),
                    findings: s.findings.clone(),
                    basis: s.basis.clone(),
                }
            })
            .collect();
        let out = use_them(items);
        if let Some(w) = writing {
            w.await
                .map_err(|e| AppError::Internal(format!("storing the suggestions: {e}")))??;
        }
        Ok(out)
    }
}
