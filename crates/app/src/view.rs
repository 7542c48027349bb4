//! What a handle loads for one assessment: [`AssessmentView`] (every answer and the summary,
//! with a private record of the visibility check) and [`AssessmentItem`] (a row of a list).

use kojo_domain::{FiscalYear, Header, ItemAnswer, ItemNo, Sheet, Stats, Summary};
use kojo_store::{Assessment, StoredAnswer};
use std::collections::BTreeMap;

/// An assessment in a list, with its statistics.
#[derive(Debug, Clone, serde::Serialize)]
pub struct AssessmentItem {
    /// The assessment.
    #[serde(flatten)]
    pub assessment: Assessment,
    /// Counts, rate, completion.
    pub stats: Stats,
}

/// One assessment with every answer and its summary.
#[derive(Debug, Clone, serde::Serialize)]
pub struct AssessmentView {
    /// The assessment.
    pub assessment: Assessment,
    /// Stored answers by item (absent = never answered).
    pub answers: BTreeMap<u16, StoredAnswer>,
    /// Scores.
    pub summary: Summary,
    /// The catalog version the assessment was made with.
    pub catalog: &'static kojo_catalog::Catalog,
    /// Which assessment the actor was found to see: reads of what belongs to it (comments,
    /// sign-offs, actions, its review queue) take the view and use this, not the public
    /// fields, which a caller could change. Private, so only `app` makes a view.
    #[serde(skip)]
    seen: Seen,
}

/// The id of an assessment that passed the visibility check of the handle that loaded it.
#[derive(Debug, Clone)]
struct Seen {
    id: String,
    site_id: String,
}

impl AssessmentView {
    /// The id of the assessment the loading handle found visible.
    pub(crate) fn seen_id(&self) -> &str {
        &self.seen.id
    }

    /// Its plant's id.
    pub(crate) fn seen_site_id(&self) -> &str {
        &self.seen.site_id
    }

    /// The version a writer must hold to change `item` (0 = never answered).
    pub fn version(&self, item: u16) -> i64 {
        self.answers.get(&item).map(|a| a.version).unwrap_or(0)
    }

    /// Whether `item` follows the plant's answer (a line that inherits, an item it does not
    /// override).
    pub fn inherited(&self, item: u16) -> bool {
        self.assessment.inherits_from.is_some()
            && self.answers.get(&item).is_none_or(|s| s.inherited)
    }

    /// The items that follow the plant's answer, in item order (empty unless the assessment
    /// inherits).
    pub fn inherited_items(&self) -> Vec<u16> {
        self.summary.inherited.iter().map(|i| i.get()).collect()
    }

    /// The answer of `item`, if answered.
    pub fn answer(&self, item: u16) -> Option<&ItemAnswer> {
        self.answers.get(&item).and_then(|a| a.answer.as_ref())
    }

    /// The assessment's content as a checksheet / report carries it.
    pub fn sheet(&self) -> Sheet {
        let catalog = self.catalog;
        let a = &self.assessment;
        Sheet {
            catalog_id: a.catalog_id.clone(),
            header: Header {
                company: a.org_name.clone(),
                site_code: a.site_code.clone(),
                site_name: a.site_name.clone(),
                line_code: a.line_code.clone(),
                line_name: a.line_name.clone(),
                period: u16::try_from(a.period).ok().and_then(FiscalYear::new),
                assessor: a.assessor.clone(),
                date: chrono::NaiveDate::parse_from_str(
                    a.updated_at.get(..10).unwrap_or(""),
                    "%Y-%m-%d",
                )
                .ok(),
            },
            answers: self
                .answers
                .values()
                .filter_map(|s| Some((ItemNo::new(s.item, catalog)?, s.answer.clone()?)))
                .collect(),
        }
    }
}

impl AssessmentView {
    /// A view of an assessment the loading handle found visible: only `app`'s handles make one.
    pub(crate) fn seen(
        assessment: Assessment,
        answers: BTreeMap<u16, StoredAnswer>,
        summary: Summary,
        catalog: &'static kojo_catalog::Catalog,
    ) -> AssessmentView {
        AssessmentView {
            seen: Seen {
                id: assessment.id.clone(),
                site_id: assessment.site_id.clone(),
            },
            assessment,
            answers,
            summary,
            catalog,
        }
    }
}
