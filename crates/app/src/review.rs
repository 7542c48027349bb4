//! The review of residual risks (見直し): what a reviewer enters, the review queue over every
//! visible plant, and the dashboard's cycle counts.

use crate::AppError;
use crate::cycle::{parse_date_arg, text, today, ymd};
use crate::handles::{Editor, Reader};
use kojo_domain::register::Suggestion;
use kojo_domain::{ItemNo, Mark, Review, ReviewNeed, review_gaps};
use kojo_store::{QueueFilter, QueueRow};
use serde::Serialize;
use std::collections::HashMap;
use std::sync::Arc;

/// What a reviewer enters for one item (見直し): every field optional text, parsed here.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct ReviewInput {
    /// □: is the reason still valid (`yes`/`no`, はい/いいえ).
    pub valid: Option<String>,
    /// □: progress text.
    pub progress: Option<String>,
    /// □: progress in percent.
    pub progress_pct: Option<String>,
    /// △ ×: consideration status.
    pub status: Option<String>,
    /// △ ×: target date.
    pub target_date: Option<String>,
    /// Note.
    pub note: Option<String>,
}

fn parse_valid(s: &str) -> Result<bool, AppError> {
    let n = kojo_domain::normalize_width(s.trim()).to_lowercase();
    match n.as_str() {
        "yes" | "y" | "true" | "はい" | "妥当" | "1" => Ok(true),
        "no" | "n" | "false" | "いいえ" | "妥当でない" | "0" => Ok(false),
        _ => Err(AppError::bad(
            "cycle.bad_valid",
            &[("given", &s.chars().take(40).collect::<String>())],
        )),
    }
}

impl ReviewInput {
    /// Parses the input for an item answered `mark`; the fields the mark's review needs are
    /// required, the others refused.
    pub fn parse(&self, item: u16, mark: Mark, by: &str) -> Result<Review, AppError> {
        let given = |v: &Option<String>| {
            v.as_deref()
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_string)
        };
        let valid = given(&self.valid).map(|v| parse_valid(&v)).transpose()?;
        let progress_pct = given(&self.progress_pct)
            .map(|p| {
                let n = kojo_domain::normalize_width(p.trim_end_matches(['%', '％']).trim());
                n.parse::<u8>().ok().filter(|n| *n <= 100).ok_or_else(|| {
                    AppError::bad(
                        "cycle.bad_pct",
                        &[("given", &p.chars().take(40).collect::<String>())],
                    )
                })
            })
            .transpose()?;
        let target_date = given(&self.target_date)
            .map(|d| {
                parse_date_arg(
                    kojo_domain::Field::TargetDate.name(kojo_domain::Lang::Ja),
                    &d,
                )
            })
            .transpose()?;
        let review = Review {
            item,
            mark,
            valid,
            progress: text(self.progress.as_deref())?,
            progress_pct,
            status: text(self.status.as_deref())?,
            target_date,
            note: text(self.note.as_deref())?,
            by: by.to_string(),
            at: kojo_store::now(),
        };
        if !mark.is_residual_risk() {
            return Err(AppError::bad(
                "cycle.review_not_residual",
                &[("item", &item), ("mark", &mark.symbol())],
            ));
        }
        let gaps = review_gaps(mark, Some(&review));
        if !gaps.is_empty() {
            let names = |lang| {
                gaps.iter()
                    .map(|g| g.name(lang))
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            return Err(AppError::bad_with("cycle.review_needs", |l| {
                vec![
                    ("item", item.to_string()),
                    ("mark", mark.symbol().to_string()),
                    ("fields", names(l).to_string()),
                ]
            }));
        }
        Ok(review)
    }
}

/// One entry of the review queue: a □ △ × item of the current assessment of a scope.
#[derive(Debug, Clone, Serialize)]
pub struct QueueItem {
    /// Where and what.
    #[serde(flatten)]
    pub row: QueueRow,
    /// Its label.
    pub label: u16,
    /// Its responsible area id.
    pub area: String,
    /// What the review still needs or why the item needs attention, most urgent first.
    pub needs: Vec<ReviewNeed>,
    /// □ past its review-by date, or an action past due.
    pub overdue: bool,
    /// What the registers suggest, when the answer claims more ([`ReviewNeed::RegisterMismatch`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub suggested: Option<Mark>,
}

/// Filters of the review queue.
#[derive(Debug, Clone, Default)]
pub struct QueueQuery {
    /// Plant code.
    pub site: Option<String>,
    /// Only this assessment.
    pub assessment: Option<String>,
    /// Label number.
    pub label: Option<u16>,
    /// Responsible area id.
    pub area: Option<String>,
    /// Only overdue items.
    pub overdue: bool,
}

impl Reader<'_> {
    /// This cycle's reviews of an assessment.
    pub async fn reviews(&self, id: &str) -> Result<Vec<Review>, AppError> {
        let a = self.find(id).await?;
        Ok(self.app.store.reviews(&a.id).await?)
    }

    pub(crate) fn visible_to(&self) -> Option<String> {
        if self.actor.sees_all() {
            None
        } else {
            Some(self.actor.user_id.clone().unwrap_or_else(|| "-".into()))
        }
    }

    pub(crate) async fn queue_filter(
        &self,
        site: Option<&str>,
        assessment: Option<&str>,
    ) -> Result<QueueFilter, AppError> {
        let site_id = match site.map(str::trim).filter(|s| !s.is_empty()) {
            Some(code) => Some(self.site(code).await?.id),
            None => None,
        };
        let assessment_id = match assessment {
            Some(id) => Some(self.find(id).await?.id),
            None => None,
        };
        Ok(QueueFilter {
            site_id,
            assessment_id,
            visible_to: self.visible_to(),
            today: ymd(today()),
        })
    }

    /// The review queue: every □ △ × item of the current assessment of each visible scope
    /// (or of one assessment), with what its review still needs, and every answer the plant's
    /// registers contradict (台帳との不整合, whatever its mark); overdue first.
    ///
    /// Five queries, plus three per plant whose registers changed since the rules last read
    /// them ([`crate::suggestions`]).
    pub async fn review_queue(&self, q: &QueueQuery) -> Result<Vec<QueueItem>, AppError> {
        let f = self
            .queue_filter(q.site.as_deref(), q.assessment.as_deref())
            .await?;
        self.queue(&f, None, q).await
    }

    /// The review queue of an assessment already loaded (`q.site` and `q.assessment` are
    /// ignored): no second visibility check, and only its plant's register stamp is read.
    pub async fn review_queue_of(
        &self,
        view: &crate::AssessmentView,
        q: &QueueQuery,
    ) -> Result<Vec<QueueItem>, AppError> {
        let f = QueueFilter {
            site_id: None,
            assessment_id: Some(view.seen_id().to_string()),
            visible_to: self.visible_to(),
            today: ymd(today()),
        };
        self.queue(&f, Some(view.seen_site_id()), q).await
    }

    /// The queue under a resolved filter; `plant`: the one plant every row belongs to, if
    /// known (its register stamp alone is read).
    async fn queue(
        &self,
        f: &QueueFilter,
        plant: Option<&str>,
        q: &QueueQuery,
    ) -> Result<Vec<QueueItem>, AppError> {
        let rule_items = crate::suggestions::rule_items()?;
        let rows = self.app.store.review_queue(None, f, rule_items).await?;
        let today = today();
        // The rules' suggestions of every plant in the queue that keeps register data.
        let mut suggested: HashMap<&str, Arc<[Suggestion]>> = HashMap::new();
        if rows.iter().any(|r| rule_items.contains(&r.item)) {
            let stamps: HashMap<String, String> = match plant {
                Some(site_id) => self
                    .app
                    .store
                    .register_stamp(site_id)
                    .await?
                    .map(|stamp| (site_id.to_string(), stamp))
                    .into_iter()
                    .collect(),
                None => self.app.store.register_stamps().await?,
            };
            for r in &rows {
                if let Some(stamp) = stamps.get(&r.site_id)
                    && !suggested.contains_key(r.site_id.as_str())
                {
                    let s = self
                        .app
                        .plant_suggestions(&r.site_id, Some(stamp), today)
                        .await?;
                    suggested.insert(&r.site_id, s);
                }
            }
        }
        let contradicted = |row: &QueueRow| -> Option<Mark> {
            let s = suggested
                .get(row.site_id.as_str())?
                .iter()
                .find(|s| s.item == row.item)?;
            if s.mismatch(Some(row.mark)) {
                s.suggested
            } else {
                None
            }
        };
        let contradicted: Vec<Option<Mark>> = rows.iter().map(contradicted).collect();
        let mut out: Vec<QueueItem> = rows
            .into_iter()
            .zip(contradicted)
            // ○ answers come only for the register check.
            .filter(|(row, suggested)| row.mark.is_residual_risk() || suggested.is_some())
            .filter_map(|(row, suggested)| {
                let view = self
                    .app
                    .catalog_by_id(&row.catalog_id)
                    .ok()?
                    .item(row.item)?;
                let mut needs = Vec::new();
                let review_overdue = row.mark == Mark::Deferred
                    && row
                        .review_by
                        .as_deref()
                        .and_then(kojo_domain::parse_date)
                        .is_some_and(|d| d < today);
                if review_overdue {
                    needs.push(ReviewNeed::Overdue);
                }
                if row.overdue_actions > 0 {
                    needs.push(ReviewNeed::ActionOverdue);
                }
                if row.expired_evidence > 0 {
                    needs.push(ReviewNeed::EvidenceExpired);
                }
                if suggested.is_some() {
                    needs.push(ReviewNeed::RegisterMismatch);
                }
                if !row.confirmed {
                    needs.push(ReviewNeed::Unconfirmed);
                }
                needs.extend(review_gaps(row.mark, row.review.as_ref()));
                Some(QueueItem {
                    label: view.label.number,
                    area: view.item.area.clone(),
                    overdue: review_overdue || row.overdue_actions > 0,
                    needs,
                    suggested,
                    row,
                })
            })
            .filter(|i| q.label.is_none_or(|l| l == i.label))
            .filter(|i| q.area.as_deref().is_none_or(|a| a == i.area))
            .filter(|i| !q.overdue || i.overdue)
            .collect();
        // Overdue first; the store's order (plant, line, period, item) within each group.
        out.sort_by_key(|i| !i.overdue);
        Ok(out)
    }

    /// Unconfirmed answers and action counts over the current assessments of visible plants.
    pub async fn cycle_counts(&self) -> Result<kojo_store::CycleCounts, AppError> {
        let f = self.queue_filter(None, None).await?;
        Ok(self.app.store.cycle_counts(None, &f).await?)
    }
}

impl Editor<'_> {
    /// Records this cycle's review of one □ △ × item.
    pub async fn review(
        &self,
        id: &str,
        item: ItemNo,
        input: &ReviewInput,
    ) -> Result<Review, AppError> {
        let a = self.find(id).await?;
        let item = self.item_of(&a, item)?;
        let stored = self.app.store.answer(&a.id, item.get()).await?;
        // An inherited item is the plant's answer: it is reviewed on the plant.
        if a.inherits_from.is_some() && stored.as_ref().is_none_or(|s| s.inherited) {
            return Err(AppError::bad(
                "inherit.review_on_plant",
                &[("item", &item.get())],
            ));
        }
        let mark = stored
            .and_then(|s| s.answer)
            .map(|x| x.mark())
            .ok_or_else(|| AppError::bad("cycle.not_answered", &[("item", &item.get())]))?;
        let review = input.parse(item.get(), mark, &self.actor.name)?;
        self.app.store.set_review(&a.id, &review).await?;
        Ok(review)
    }
}
