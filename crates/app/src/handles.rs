//! Role-limited handles: [`Reader`] ⊂ [`Editor`] ⊂ [`Admin`].

use crate::names::{check_code, check_name};
use crate::view::{AssessmentItem, AssessmentView};
use crate::{Actor, App, AppError};
use kojo_domain::{FiscalYear, ItemAnswer, ItemNo, Lang, RawAnswer, Stats};
use kojo_store::{
    AnswerWrite, Assessment, Comment, HistoryEntry, Line, NewAssessment, Site, StoredAnswer,
};
use std::collections::BTreeMap;
use std::ops::Deref;

/// Reads what the actor is granted.
#[derive(Debug, Clone, Copy)]
pub struct Reader<'a> {
    pub(crate) app: &'a App,
    pub(crate) actor: &'a Actor,
}

/// Reads and writes assessments of granted plants (admins and assessors).
#[derive(Debug, Clone, Copy)]
pub struct Editor<'a> {
    pub(crate) reader: Reader<'a>,
}

/// Reads and writes review comments on granted plants (admins, assessors, reviewers).
#[derive(Debug, Clone, Copy)]
pub struct Commenter<'a> {
    pub(crate) reader: Reader<'a>,
}

impl<'a> Deref for Commenter<'a> {
    type Target = Reader<'a>;
    fn deref(&self) -> &Reader<'a> {
        &self.reader
    }
}

impl Commenter<'_> {
    /// Adds a comment to an assessment (or one of its items). Comments are allowed at every
    /// status: review happens on submitted and approved assessments too.
    pub async fn comment(
        &self,
        id: &str,
        item: Option<ItemNo>,
        text: &str,
    ) -> Result<Comment, AppError> {
        let a = self.find(id).await?;
        let body = kojo_domain::NonEmpty::new(text).ok_or_else(|| {
            AppError::bad(
                "app.bad_comment",
                &[("max", &kojo_domain::NonEmpty::MAX_CHARS)],
            )
        })?;
        Ok(self
            .app
            .store
            .add_comment(
                &a.id,
                item.map(ItemNo::get),
                &self.actor.name,
                body.as_str(),
            )
            .await?)
    }
}

/// Everything, including plants, lines and users (admins).
#[derive(Debug, Clone, Copy)]
pub struct Admin<'a> {
    pub(crate) editor: Editor<'a>,
}

impl<'a> Deref for Editor<'a> {
    type Target = Reader<'a>;
    fn deref(&self) -> &Reader<'a> {
        &self.reader
    }
}

impl<'a> Deref for Admin<'a> {
    type Target = Editor<'a>;
    fn deref(&self) -> &Editor<'a> {
        &self.editor
    }
}

pub(crate) fn not_found(what: &'static str, key: &str) -> AppError {
    AppError::NotFound {
        what,
        key: key.to_string(),
    }
}

impl<'a> Reader<'a> {
    /// The acting user.
    pub fn actor(&self) -> &'a Actor {
        self.actor
    }

    /// The application.
    pub fn app(&self) -> &'a App {
        self.app
    }

    async fn visible(&self, site: Site) -> Result<Site, AppError> {
        if self.may_see_site(&site.id).await? {
            Ok(site)
        } else {
            Err(not_found("site", &site.code))
        }
    }

    /// Whether the actor may see the plant with this id (no query for those who see all).
    async fn may_see_site(&self, site_id: &str) -> Result<bool, AppError> {
        if self.actor.sees_all() {
            return Ok(true);
        }
        Ok(match &self.actor.user_id {
            Some(uid) => self.app.store.is_granted(uid, site_id).await?,
            None => false,
        })
    }

    /// Plants the actor may see.
    pub async fn sites(&self) -> Result<Vec<Site>, AppError> {
        if self.actor.sees_all() {
            return Ok(self.app.store.sites(None).await?);
        }
        match &self.actor.user_id {
            Some(uid) => Ok(self.app.store.sites_granted(uid).await?),
            None => Ok(Vec::new()),
        }
    }

    /// A plant by code.
    pub async fn site(&self, code: &str) -> Result<Site, AppError> {
        let site = self
            .app
            .store
            .site_by_code(code.trim())
            .await?
            .ok_or_else(|| not_found("site", code))?;
        self.visible(site).await
    }

    /// A plant by id.
    pub async fn site_by_id(&self, id: &str) -> Result<Site, AppError> {
        let site = self
            .app
            .store
            .site(id)
            .await?
            .ok_or_else(|| not_found("site", id))?;
        self.visible(site).await
    }

    /// Lines of a plant.
    pub async fn lines(&self, site: &Site) -> Result<Vec<Line>, AppError> {
        Ok(self.app.store.lines(&site.id).await?)
    }

    /// A line of a plant by code.
    pub async fn line(&self, site: &Site, code: &str) -> Result<Line, AppError> {
        self.app
            .store
            .line_by_code(&site.id, code.trim())
            .await?
            .ok_or_else(|| not_found("line", code))
    }

    /// Assessments the actor may see (of one plant, if given), newest period first, with
    /// statistics (two queries in all).
    pub async fn assessments(&self, site: Option<&Site>) -> Result<Vec<AssessmentItem>, AppError> {
        let visible_to = if self.actor.sees_all() {
            None
        } else {
            Some(self.actor.user_id.as_deref().unwrap_or("-"))
        };
        let rows = self
            .app
            .store
            .assessments(None, site.map(|s| s.id.as_str()), visible_to)
            .await?;
        Ok(rows
            .into_iter()
            .map(|(assessment, tally)| {
                // Each assessment counts the items of its own catalog version.
                let items = self
                    .app
                    .catalog_by_id(&assessment.catalog_id)
                    .map_or(self.app.catalog, |c| c)
                    .item_count() as u32;
                AssessmentItem {
                    assessment,
                    stats: Stats::from_counts(items, kojo_domain::Counts(tally.counts)),
                }
            })
            .collect())
    }

    /// Resolves a full id or a unique prefix to a visible assessment. Prefixes are resolved
    /// only among assessments the actor may see, so an invisible one never makes a prefix
    /// ambiguous; they need [`Actor::min_id_prefix`] characters of the id alphabet (`0-9 a-f -`).
    pub async fn find(&self, id: &str) -> Result<Assessment, AppError> {
        let id = assessment_id(id)?;
        let a = match self.app.store.assessment(&id).await? {
            Some(a) => a,
            None => self.by_prefix(&id).await?,
        };
        self.granted(a, &id).await
    }

    /// The one assessment visible to the actor whose id starts with `id` (see [`Reader::find`]).
    async fn by_prefix(&self, id: &str) -> Result<Assessment, AppError> {
        if id.len() < self.actor.min_id_prefix() {
            return Err(not_found("assessment", id));
        }
        let visible_to = if self.actor.sees_all() {
            None
        } else {
            Some(self.actor.user_id.as_deref().unwrap_or("-"))
        };
        let mut found = self.app.store.assessments_by_prefix(id, visible_to).await?;
        match found.len() {
            0 => Err(not_found("assessment", id)),
            1 => Ok(found.remove(0)),
            _ => Err(AppError::Ambiguous(id.to_string())),
        }
    }

    /// `a`, found by `id`, if the actor may see it (not found otherwise).
    async fn granted(&self, a: Assessment, id: &str) -> Result<Assessment, AppError> {
        // The row joins its plant, so the plant exists: only the grant is left to check.
        if !self.may_see_site(&a.site_id).await? {
            return Err(not_found("assessment", id));
        }
        Ok(a)
    }

    /// An assessment with answers and summary: by its full id, one statement (and the grant
    /// check, for those who do not see every plant).
    pub async fn assessment(&self, id: &str) -> Result<AssessmentView, AppError> {
        let id = assessment_id(id)?;
        let (assessment, answers) = match self.app.store.assessment_with_answers(&id).await? {
            Some((a, answers)) => (self.granted(a, &id).await?, answers),
            None => {
                let a = self.granted(self.by_prefix(&id).await?, &id).await?;
                let answers = self.app.store.answers_of(&a).await?;
                (a, answers)
            }
        };
        let answers: BTreeMap<u16, StoredAnswer> =
            answers.into_iter().map(|a| (a.item, a)).collect();
        let catalog = self.app.catalog_by_id(&assessment.catalog_id)?;
        let scorer = self.app.scorer_of(catalog);
        let mut summary = scorer.summarize(
            answers
                .values()
                .filter_map(|s| Some((ItemNo::new(s.item, catalog)?, s.answer.as_ref()?))),
        );
        // Answers carried from last year and not yet re-confirmed (要再確認). An inherited
        // answer is the plant's to re-confirm.
        scorer.apply_unconfirmed(
            &mut summary,
            answers
                .values()
                .filter(|s| !s.confirmed && s.answer.is_some() && !s.inherited)
                .filter_map(|s| ItemNo::new(s.item, catalog)),
        );
        if assessment.inherits_from.is_some() {
            // Every item the line does not answer itself follows the plant.
            scorer.apply_inherited(
                &mut summary,
                catalog
                    .items()
                    .filter_map(|v| ItemNo::new(v.item.number, catalog))
                    .filter(|i| answers.get(&i.get()).is_none_or(|s| s.inherited)),
            );
        }
        Ok(AssessmentView::seen(assessment, answers, summary, catalog))
    }

    /// Change history (all items or one).
    pub async fn history(
        &self,
        id: &str,
        item: Option<u16>,
    ) -> Result<(Assessment, Vec<HistoryEntry>), AppError> {
        let a = self.find(id).await?;
        let h = self.app.store.history(&a.id, item).await?;
        Ok((a, h))
    }

    /// Review comments of an assessment, oldest first.
    pub async fn comments(&self, id: &str) -> Result<Vec<Comment>, AppError> {
        let a = self.find(id).await?;
        Ok(self.app.store.comments(&a.id).await?)
    }

    /// Review comments of an assessment already loaded (no second visibility check).
    pub async fn comments_of(&self, view: &AssessmentView) -> Result<Vec<Comment>, AppError> {
        Ok(self.app.store.comments(view.seen_id()).await?)
    }

    /// Parses an item number of any available catalog version; the use case that takes it
    /// holds it to its assessment's version ([`Reader::item_of`]).
    pub fn item(&self, s: &str) -> Result<ItemNo, AppError> {
        ItemNo::parse(s, self.app.widest_catalog()).map_err(|e| AppError::BadInput {
            ja: e.message(Lang::Ja),
            en: e.message(Lang::En),
        })
    }

    /// Holds `item` to the catalog version of assessment `a`.
    pub(crate) fn item_of(&self, a: &Assessment, item: ItemNo) -> Result<ItemNo, AppError> {
        let catalog = self.app.catalog_by_id(&a.catalog_id)?;
        ItemNo::parse(&item.get().to_string(), catalog).map_err(|e| AppError::BadInput {
            ja: e.message(Lang::Ja),
            en: e.message(Lang::En),
        })
    }

    /// The catalog version of assessment `a`.
    pub fn catalog_of(&self, a: &Assessment) -> Result<&'static kojo_catalog::Catalog, AppError> {
        self.app.catalog_by_id(&a.catalog_id)
    }
}

impl<'a> Editor<'a> {
    /// Starts an assessment of a plant (or one of its lines) for a fiscal year.
    pub async fn new_assessment(
        &self,
        site_code: &str,
        line_code: Option<&str>,
        period: FiscalYear,
        assessor: Option<&str>,
    ) -> Result<Assessment, AppError> {
        self.create(site_code, line_code, period, assessor, &[], false)
            .await
    }

    /// Starts an assessment on catalog version `catalog` instead of the default one.
    pub async fn new_assessment_on(
        &self,
        catalog: &'static kojo_catalog::Catalog,
        site_code: &str,
        line_code: Option<&str>,
        period: FiscalYear,
        assessor: Option<&str>,
    ) -> Result<Assessment, AppError> {
        self.create_on(catalog, site_code, line_code, period, assessor, &[], false)
            .await
    }

    pub(crate) async fn create(
        &self,
        site_code: &str,
        line_code: Option<&str>,
        period: FiscalYear,
        assessor: Option<&str>,
        answers: &[(u16, ItemAnswer)],
        inherit: bool,
    ) -> Result<Assessment, AppError> {
        self.create_on(
            self.app.catalog,
            site_code,
            line_code,
            period,
            assessor,
            answers,
            inherit,
        )
        .await
    }

    #[allow(clippy::too_many_arguments)]
    pub(crate) async fn create_on(
        &self,
        catalog: &'static kojo_catalog::Catalog,
        site_code: &str,
        line_code: Option<&str>,
        period: FiscalYear,
        assessor: Option<&str>,
        answers: &[(u16, ItemAnswer)],
        inherit: bool,
    ) -> Result<Assessment, AppError> {
        let site = self.site(site_code).await?;
        self.refuse_supplier_site(&site).await?;
        let line = match line_code.map(str::trim).filter(|c| !c.is_empty()) {
            Some(code) => Some(self.line(&site, code).await?),
            None => None,
        };
        // A line that inherits follows the plant's assessment, and so its catalog version.
        let (inherits_from, catalog_id) = match (inherit, &line) {
            (false, _) => (None, catalog.id.clone()),
            (true, None) => return Err(AppError::bad("inherit.needs_line", &[])),
            (true, Some(_)) => {
                let plant = self.plant_assessment_of(&site, period).await?;
                (Some(plant.id), plant.catalog_id)
            }
        };
        let new = NewAssessment {
            site_id: site.id,
            line_id: line.map(|l| l.id),
            period,
            catalog_id,
            assessor: assessor
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_string),
            based_on: None,
            inherits_from,
            created_by: self.actor.name.clone(),
        };
        Ok(self.app.store.create_assessment(&new, answers).await?)
    }

    /// Records (or clears, with `raw = None`) one answer. `expected_version` is the version the
    /// caller saw; `None` means "whatever is current" (the command line, one writer at a time).
    pub async fn answer(
        &self,
        id: &str,
        item: ItemNo,
        raw: Option<&RawAnswer>,
        expected_version: Option<i64>,
    ) -> Result<StoredAnswer, AppError> {
        let a = self.find(id).await?;
        let item = self.item_of(&a, item)?;
        let answer = raw.map(RawAnswer::parse).transpose()?;
        let mut out = self
            .app
            .store
            .write_answers(
                &a.id,
                &[AnswerWrite {
                    item: item.get(),
                    expected_version,
                    answer,
                }],
                &self.actor.name,
            )
            .await?;
        out.pop()
            .ok_or_else(|| AppError::Internal("no answer written".into()))
    }

    /// Writes several answers in one transaction (all or nothing), each over whatever version
    /// is current when the transaction writes it (a batch from a file or the API overwrites).
    pub async fn answer_many(
        &self,
        id: &str,
        answers: Vec<(ItemNo, Option<ItemAnswer>)>,
    ) -> Result<Vec<StoredAnswer>, AppError> {
        let a = self.find(id).await?;
        let writes: Vec<AnswerWrite> = answers
            .into_iter()
            .map(|(item, answer)| AnswerWrite {
                item: item.get(),
                expected_version: None,
                answer,
            })
            .collect();
        Ok(self
            .app
            .store
            .write_answers(&a.id, &writes, &self.actor.name)
            .await?)
    }
}

impl<'a> Admin<'a> {
    /// Adds a plant.
    pub async fn add_site(&self, code: &str, name: &str) -> Result<Site, AppError> {
        let site = self
            .app
            .store
            .add_site(&self.app.org().id, &check_code(code)?, &check_name(name)?)
            .await?;
        self.audit("site_add", &site.code, Some(&site.name)).await?;
        Ok(site)
    }

    /// Adds a line to a plant.
    pub async fn add_line(
        &self,
        site_code: &str,
        code: &str,
        name: &str,
    ) -> Result<Line, AppError> {
        let site = self.site(site_code).await?;
        let line = self
            .app
            .store
            .add_line(&site.id, &check_code(code)?, &check_name(name)?)
            .await?;
        self.audit(
            "line_add",
            &format!("{}/{}", site.code, line.code),
            Some(&line.name),
        )
        .await?;
        Ok(line)
    }
}

/// An assessment id or id prefix as typed: trimmed, lower-case, only the id alphabet
/// (`0-9 a-f -`).
fn assessment_id(id: &str) -> Result<String, AppError> {
    let id = id.trim().to_ascii_lowercase();
    if id.is_empty()
        || !id
            .chars()
            .all(|c| c.is_ascii_digit() || ('a'..='f').contains(&c) || c == '-')
    {
        let shown: String = id.chars().take(40).collect();
        return Err(AppError::bad("app.bad_id", &[("id", &shown)]));
    }
    Ok(id)
}
