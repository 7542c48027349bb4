//! Catalog versions: 新版で作成 (an assessment carried into another catalog version through
//! the embedded mapping) and where a carried item's answer came from.

use crate::{AppError, AssessmentView, Editor, Reader};
use kojo_catalog::{Catalog, Change, Mapping};
use kojo_domain::{FiscalYear, ItemAnswer, Mark};
use kojo_store::{Assessment, CatalogCarry, NewAssessment};
use std::collections::BTreeMap;

/// What 新版で作成 did.
#[derive(Debug, Clone)]
pub struct Migrated {
    /// The new assessment.
    pub assessment: Assessment,
    /// Items whose answer carried and stands confirmed (`same`).
    pub confirmed: Vec<u16>,
    /// Items whose answer carried and must be confirmed (reworded, split, merged).
    pub unconfirmed: Vec<u16>,
    /// New items, unanswered.
    pub new_items: Vec<u16>,
    /// Items of the old version that no new item comes from (their answers stay in the old
    /// assessment).
    pub removed: Vec<u16>,
}

/// One item of an assessment made by 新版で作成 whose answer is not simply the old one:
/// the change and the old items' answers, to show beside it.
#[derive(Debug, Clone)]
pub struct Origin {
    /// How the item changed.
    pub change: Change,
    /// The old items and their answers in the source assessment (`None`: unanswered).
    pub from: Vec<(u16, Option<ItemAnswer>)>,
}

/// Where the items of an assessment made by 新版で作成 came from.
#[derive(Debug, Clone)]
pub struct CatalogOrigin {
    /// The assessment it was made from.
    pub source: Assessment,
    /// The catalog version of the source.
    pub from: &'static Catalog,
    /// Every item that changed (not `same`), by new item number.
    pub items: BTreeMap<u16, Origin>,
}

impl Reader<'_> {
    /// For an assessment made by 新版で作成 from one the actor may see: the source and, per
    /// changed item, the old answers. `None` for any other assessment.
    pub async fn catalog_origin(
        &self,
        view: &AssessmentView,
    ) -> Result<Option<CatalogOrigin>, AppError> {
        let Some(based_on) = view.assessment.based_on.as_deref() else {
            return Ok(None);
        };
        let Ok(source) = self.find(based_on).await else {
            return Ok(None);
        };
        if source.catalog_id == view.catalog.id {
            return Ok(None);
        }
        let Some(mapping) = kojo_catalog::mapping(&source.catalog_id, &view.catalog.id) else {
            return Ok(None);
        };
        let from = self.app.catalog_by_id(&source.catalog_id)?;
        let old: BTreeMap<u16, ItemAnswer> = self
            .app
            .store
            .answers_of(&source)
            .await?
            .into_iter()
            .filter_map(|s| Some((s.item, s.answer?)))
            .collect();
        let items = mapping
            .items
            .iter()
            .filter(|m| m.change != Change::Same)
            .map(|m| {
                let from = m.from.iter().map(|o| (*o, old.get(o).cloned())).collect();
                (
                    m.item,
                    Origin {
                        change: m.change,
                        from,
                    },
                )
            })
            .collect();
        Ok(Some(CatalogOrigin {
            source,
            from,
            items,
        }))
    }

    /// The newer catalog versions an assessment of version `id` can be carried into.
    pub fn newer_catalogs(&self, id: &str) -> Vec<&'static Catalog> {
        self.app
            .catalogs()
            .filter(|c| kojo_catalog::mapping(id, &c.id).is_some())
            .collect()
    }
}

impl Editor<'_> {
    /// 新版で作成: a new draft of the same plant or line on catalog version `catalog`, carried
    /// from assessment `from` through the embedded mapping ([`kojo_domain::migrate`]): same
    /// items keep their answers, reworded, split and merged ones arrive unconfirmed, new ones
    /// unanswered. Evidence follows every item its old item went to; open actions follow the
    /// first. The fiscal year defaults to the source's (a new revision of that year).
    pub async fn migrate_catalog(
        &self,
        from: &str,
        catalog: &str,
        period: Option<FiscalYear>,
        assessor: Option<&str>,
    ) -> Result<Migrated, AppError> {
        let source = self.find(from).await?;
        self.refuse_received(&source).await?;
        let target = self.app.find_catalog(catalog)?;
        if target.id == source.catalog_id {
            return Err(AppError::bad(
                "version.same_version",
                &[("catalog", &target.id)],
            ));
        }
        let mapping = kojo_catalog::mapping(&source.catalog_id, &target.id).ok_or_else(|| {
            AppError::bad(
                "version.no_mapping",
                &[("from", &source.catalog_id), ("to", &target.id)],
            )
        })?;
        if source.inherits_from.is_some() {
            return Err(AppError::bad("version.migrate_inherits", &[]));
        }
        let period = match period {
            Some(p) => p,
            None => u16::try_from(source.period)
                .ok()
                .and_then(FiscalYear::new)
                .ok_or_else(|| AppError::Internal("period".into()))?,
        };
        if i64::from(period.year()) < source.period {
            return Err(AppError::bad(
                "version.migrate_earlier",
                &[("from", &source.period)],
            ));
        }
        let marks: BTreeMap<u16, Mark> = self
            .app
            .store
            .answers_of(&source)
            .await?
            .into_iter()
            .filter_map(|s| Some((s.item, s.answer?.mark())))
            .collect();
        let answers = kojo_domain::migrate::carry(mapping, &marks);
        let (evidence, actions) = rekey(mapping);
        let new = NewAssessment {
            site_id: source.site_id.clone(),
            line_id: source.line_id.clone(),
            period,
            catalog_id: target.id.clone(),
            assessor: assessor
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .or(source.assessor.clone()),
            based_on: Some(source.id.clone()),
            inherits_from: None,
            created_by: self.actor.name.clone(),
        };
        let a = self
            .app
            .store
            .migrate_assessment(
                &new,
                &source.id,
                CatalogCarry {
                    answers: &answers,
                    evidence: &evidence,
                    actions: &actions,
                },
            )
            .await?;
        self.audit(
            "catalog_migrate",
            &a.id,
            Some(&format!("{} → {}", source.id, target.id)),
        )
        .await?;
        Ok(Migrated {
            assessment: a,
            confirmed: answers
                .iter()
                .filter(|c| c.confirmed)
                .map(|c| c.item)
                .collect(),
            unconfirmed: answers
                .iter()
                .filter(|c| !c.confirmed)
                .map(|c| c.item)
                .collect(),
            new_items: mapping
                .items
                .iter()
                .filter(|m| m.change == Change::New)
                .map(|m| m.item)
                .collect(),
            removed: mapping.removed.iter().map(|r| r.item).collect(),
        })
    }
}

/// (old item, new item) pairs for evidence (every new item an old item went to) and for open
/// actions (the first one, so that an action is not duplicated by a split).
/// (old item, new item) pairs.
type Pairs = Vec<(u16, u16)>;

fn rekey(mapping: &Mapping) -> (Pairs, Pairs) {
    let mut evidence = Vec::new();
    let mut actions: Vec<(u16, u16)> = Vec::new();
    for m in &mapping.items {
        for o in &m.from {
            evidence.push((*o, m.item));
            if !actions.iter().any(|(k, _)| k == o) {
                actions.push((*o, m.item));
            }
        }
    }
    (evidence, actions)
}
