//! Lines on top of their plant: creating a line's assessment that inherits, overriding items
//! and putting them back (the storage side is `effective_answers`, migration 0006).

use crate::{AppError, Editor};
use kojo_domain::{FiscalYear, ItemNo};
use kojo_store::{AnswerWrite, Assessment, Site, StoredAnswer};

impl Editor<'_> {
    /// Starts a line's assessment on top of its plant's assessment for the same fiscal year:
    /// every item follows the plant's answer until the line overrides it.
    pub async fn new_inheriting_assessment(
        &self,
        site_code: &str,
        line_code: &str,
        period: FiscalYear,
        assessor: Option<&str>,
    ) -> Result<Assessment, AppError> {
        self.create(site_code, Some(line_code), period, assessor, &[], true)
            .await
    }

    /// The plant-level assessment (latest revision) a line of `site` inherits from in
    /// `period`; a clear error when the plant has none.
    pub(crate) async fn plant_assessment_of(
        &self,
        site: &Site,
        period: FiscalYear,
    ) -> Result<Assessment, AppError> {
        self.app
            .store
            .plant_assessment(&site.id, i64::from(period.year()))
            .await?
            .ok_or_else(|| {
                let code = site.code.clone();
                AppError::bad_with("inherit.no_plant", move |l| {
                    vec![("site", code.clone()), ("period", period.label(l))]
                })
            })
    }

    /// Overrides inherited items on a line: each takes the plant's current answer as the
    /// line's own, editable from then on. Items already the line's own are left as they are.
    pub async fn override_items(
        &self,
        id: &str,
        items: &[ItemNo],
    ) -> Result<Vec<StoredAnswer>, AppError> {
        let view = self.assessment(id).await?;
        if view.assessment.inherits_from.is_none() {
            return Err(AppError::bad("inherit.not_inheriting", &[]));
        }
        let writes: Vec<AnswerWrite> = items
            .iter()
            .filter_map(|i| view.answers.get(&i.get()).filter(|s| s.inherited))
            .map(|s| AnswerWrite {
                item: s.item,
                expected_version: Some(s.version),
                answer: s.answer.clone(),
            })
            .collect();
        Ok(self
            .app
            .store
            .write_answers(&view.assessment.id, &writes, &self.actor.name)
            .await?)
    }

    /// Puts overridden items of a line back on the plant's answers (un-override). Each item
    /// must be the line's own; `expected_version` as in [`Editor::answer`] (`None`: current).
    pub async fn inherit_items(
        &self,
        id: &str,
        items: &[(ItemNo, Option<i64>)],
    ) -> Result<Vec<StoredAnswer>, AppError> {
        let view = self.assessment(id).await?;
        let writes: Vec<(u16, i64)> = items
            .iter()
            .map(|(i, v)| (i.get(), v.unwrap_or_else(|| view.version(i.get()))))
            .collect();
        Ok(self
            .app
            .store
            .inherit_items(&view.assessment.id, &writes, &self.actor.name)
            .await?)
    }
}
