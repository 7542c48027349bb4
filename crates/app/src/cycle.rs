//! The yearly cycle's use cases: next year from last year, re-confirmation, the review of
//! residual risks, the year-over-year difference, sign-off with locked revisions and `verify`.
//!
//! Who may do what is [`Role::may_decide`]; separation of duties is checked here against the
//! sign-offs since the last return, and the status change itself is one guarded update in the
//! store, so two people deciding at once cannot both succeed.

use crate::handles::{Admin, Editor, Reader};
use crate::{App, AppError, Role};
use chrono::NaiveDate;
use kojo_domain::{
    Change, ContentHash, CycleReport, Decision, FiscalYear, ItemNo, Mark, NonEmpty, Previous,
    Review, ReviewNeed, SignOff, Status, Summary, review_gaps,
};
use kojo_store::{Assessment, Carry, NewAssessment, QueueFilter, QueueRow, SignOffRow};
use serde::Serialize;
use std::collections::BTreeMap;

/// Setting: how many different people a sign-off needs (3, or 2 for small plants).
pub const SETTING_SIGNERS: &str = "signoff.required_signers";
/// Setting: the largest evidence file in MiB (default 25).
pub const SETTING_EVIDENCE_MAX_MIB: &str = "evidence.max_file_mib";
/// Setting: all evidence files together in MiB (default 5120).
pub const SETTING_EVIDENCE_QUOTA_MIB: &str = "evidence.quota_mib";

/// Every setting with its default and allowed range.
pub const SETTINGS: [(&str, i64, i64, i64); 3] = [
    (SETTING_SIGNERS, 3, 2, 3),
    (SETTING_EVIDENCE_MAX_MIB, 25, 1, 1024),
    (SETTING_EVIDENCE_QUOTA_MIB, 5120, 1, 1_048_576),
];

/// Today's date where kojo runs (the plant's local date).
pub fn today() -> NaiveDate {
    chrono::Local::now().date_naive()
}

fn ymd(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

/// Parses `YYYY-MM-DD` (and the spellings people type) for `field`.
pub(crate) fn parse_date_arg(field: &str, s: &str) -> Result<NaiveDate, AppError> {
    kojo_domain::parse_date(s).ok_or_else(|| {
        AppError::bad(
            "cycle.bad_date",
            &[
                ("field", &field),
                ("given", &s.chars().take(40).collect::<String>()),
            ],
        )
    })
}

pub(crate) fn text(s: Option<&str>) -> Result<Option<String>, AppError> {
    match s.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(t) => NonEmpty::new(t)
            .map(|n| Some(n.as_str().to_string()))
            .ok_or_else(|| AppError::bad("app.bad_comment", &[("max", &NonEmpty::MAX_CHARS)])),
    }
}

pub(crate) fn status_of(a: &Assessment) -> Result<Status, AppError> {
    Status::from_key(&a.status).ok_or_else(|| AppError::Internal(format!("status {}", a.status)))
}

pub(crate) fn locked(a: &Assessment) -> AppError {
    AppError::Locked {
        status: a.status.clone(),
    }
}

fn items_list(items: &[u16]) -> String {
    let shown: Vec<String> = items.iter().take(20).map(|i| format!("No.{i}")).collect();
    let more = if items.len() > 20 { " …" } else { "" };
    format!("{}{more}", shown.join(", "))
}

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
            return Err(AppError::BadInput {
                ja: kojo_i18n::tr(
                    kojo_domain::Lang::Ja,
                    "cycle.review_needs",
                    &[
                        ("item", &item),
                        ("mark", &mark.symbol()),
                        ("fields", &names(kojo_domain::Lang::Ja)),
                    ],
                ),
                en: kojo_i18n::tr(
                    kojo_domain::Lang::En,
                    "cycle.review_needs",
                    &[
                        ("item", &item),
                        ("mark", &mark.symbol()),
                        ("fields", &names(kojo_domain::Lang::En)),
                    ],
                ),
            });
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

/// The year-over-year difference of two assessments of the same scope.
#[derive(Debug, Clone, Serialize)]
pub struct DiffView {
    /// The older one.
    pub old: Assessment,
    /// The newer one.
    pub new: Assessment,
    /// Scores of the older.
    pub old_summary: Summary,
    /// Scores of the newer.
    pub new_summary: Summary,
    /// Items whose mark differs, regressions first.
    pub changes: Vec<Change>,
}

/// The outcome of `verify`.
#[derive(Debug, Clone, Serialize)]
pub struct Verification {
    /// The hash recorded at approval.
    pub recorded: String,
    /// The hash of the content now.
    pub current: String,
    /// Items whose content differs from what was approved.
    pub changed_items: Vec<u16>,
}

impl Verification {
    /// Whether the content is as approved.
    pub fn ok(&self) -> bool {
        self.recorded == self.current && self.changed_items.is_empty()
    }
}

/// The signing context of an assessment: decisions and who made them.
pub(crate) fn to_signoff(r: &SignOffRow) -> Option<SignOff> {
    Some(SignOff {
        decision: Decision::from_key(&r.decision)?,
        by: r.by_user.clone(),
        at: r.at.clone(),
        comment: r.comment.clone(),
        content_hash: r.content_hash.clone(),
    })
}

impl App {
    /// An instance setting as a number (its default when unset or unreadable).
    pub(crate) async fn setting_i64(&self, key: &str) -> Result<i64, AppError> {
        let (_, default, min, max) = SETTINGS
            .iter()
            .find(|s| s.0 == key)
            .copied()
            .ok_or_else(|| AppError::Internal(format!("setting {key}")))?;
        Ok(self
            .store
            .setting(key)
            .await?
            .and_then(|v| v.parse::<i64>().ok())
            .filter(|v| (min..=max).contains(v))
            .unwrap_or(default))
    }

    /// How many different people a sign-off needs.
    pub async fn required_signers(&self) -> Result<u8, AppError> {
        Ok(if self.setting_i64(SETTING_SIGNERS).await? == 2 {
            2
        } else {
            3
        })
    }
}

impl Reader<'_> {
    /// Every instance setting of [`SETTINGS`] with the value in effect (its default when unset
    /// or out of range), in [`SETTINGS`] order. Added for `kojo setting list`.
    pub async fn settings(&self) -> Result<Vec<(&'static str, i64)>, AppError> {
        let mut out = Vec::with_capacity(SETTINGS.len());
        for (key, ..) in SETTINGS {
            out.push((key, self.app.setting_i64(key).await?));
        }
        Ok(out)
    }

    /// Answers' marks of an assessment by item.
    async fn marks(&self, id: &str) -> Result<BTreeMap<ItemNo, Mark>, AppError> {
        Ok(self
            .app
            .store
            .answers(id)
            .await?
            .into_iter()
            .filter_map(|s| Some((ItemNo::new(s.item, self.app.catalog)?, s.answer?.mark())))
            .collect())
    }

    /// The previous fiscal year's assessment of the same scope (its latest revision), if the
    /// actor may see it, with its marks.
    pub async fn previous(
        &self,
        a: &Assessment,
    ) -> Result<Option<(Assessment, BTreeMap<ItemNo, Mark>)>, AppError> {
        match self.app.store.previous_of(a).await? {
            Some(p) => {
                let marks = self.marks(&p.id).await?;
                Ok(Some((p, marks)))
            }
            None => Ok(None),
        }
    }

    /// The difference between two visible assessments of the same plant and line.
    pub async fn diff(&self, old: &str, new: &str) -> Result<DiffView, AppError> {
        let old = self.assessment(old).await?;
        let new = self.assessment(new).await?;
        if old.assessment.site_id != new.assessment.site_id
            || old.assessment.line_id != new.assessment.line_id
        {
            return Err(AppError::bad(
                "cycle.from_other_scope",
                &[("from", &old.assessment.id)],
            ));
        }
        let marks = |v: &crate::AssessmentView| -> BTreeMap<ItemNo, Mark> {
            v.answers
                .values()
                .filter_map(|s| {
                    Some((
                        ItemNo::new(s.item, self.app.catalog)?,
                        s.answer.as_ref()?.mark(),
                    ))
                })
                .collect()
        };
        let changes = kojo_domain::diff(&marks(&old), &marks(&new));
        Ok(DiffView {
            old: old.assessment,
            new: new.assessment,
            old_summary: old.summary,
            new_summary: new.summary,
            changes,
        })
    }

    /// This cycle's reviews of an assessment.
    pub async fn reviews(&self, id: &str) -> Result<Vec<Review>, AppError> {
        let a = self.find(id).await?;
        Ok(self.app.store.reviews(&a.id).await?)
    }

    /// The sign-off steps of an assessment, in order.
    pub async fn signoffs(&self, id: &str) -> Result<Vec<SignOffRow>, AppError> {
        let a = self.find(id).await?;
        Ok(self.app.store.signoffs(&a.id).await?)
    }

    /// The sign-off steps of every assessment of a visible plant, in order.
    pub async fn site_signoffs(
        &self,
        site: &kojo_store::Site,
    ) -> Result<Vec<SignOffRow>, AppError> {
        Ok(self.app.store.site_signoffs(&site.id).await?)
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
    /// (or of one assessment), with what its review still needs; overdue first.
    pub async fn review_queue(&self, q: &QueueQuery) -> Result<Vec<QueueItem>, AppError> {
        let f = self
            .queue_filter(q.site.as_deref(), q.assessment.as_deref())
            .await?;
        let rows = self.app.store.review_queue(&self.app.org().id, &f).await?;
        let today = today();
        let mut out: Vec<QueueItem> = rows
            .into_iter()
            .filter_map(|row| {
                let view = self.app.catalog.item(row.item)?;
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
                if !row.confirmed {
                    needs.push(ReviewNeed::Unconfirmed);
                }
                needs.extend(review_gaps(row.mark, row.review.as_ref()));
                Some(QueueItem {
                    label: view.label.number,
                    area: view.item.area.clone(),
                    overdue: review_overdue || row.overdue_actions > 0,
                    needs,
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
        Ok(self.app.store.cycle_counts(&self.app.org().id, &f).await?)
    }

    /// Recomputes the hash of an approved assessment and compares it with the one recorded at
    /// approval.
    pub async fn verify(&self, id: &str) -> Result<Verification, AppError> {
        let a = self.find(id).await?;
        if status_of(&a)? != Status::Approved {
            let st = status_of(&a)?;
            return Err(AppError::BadInput {
                ja: kojo_i18n::tr(
                    kojo_domain::Lang::Ja,
                    "cycle.not_approved",
                    &[("status", &st.name(kojo_domain::Lang::Ja))],
                ),
                en: kojo_i18n::tr(
                    kojo_domain::Lang::En,
                    "cycle.not_approved",
                    &[("status", &st.name(kojo_domain::Lang::En))],
                ),
            });
        }
        let approval = self
            .app
            .store
            .signoffs(&a.id)
            .await?
            .into_iter()
            .rfind(|s| s.decision == Decision::Approve.key())
            .ok_or_else(|| AppError::Internal("approved without an approval record".into()))?;
        let recorded_items: BTreeMap<u16, String> = serde_json::from_str(&approval.item_hashes)
            .map_err(|e| AppError::Internal(format!("item hashes: {e}")))?;
        let recorded = ContentHash {
            hash: approval.content_hash.clone(),
            items: recorded_items,
        };
        let now = self.app.store.content_hash(&a.id).await?;
        Ok(Verification {
            changed_items: recorded.changed_items(&now),
            recorded: recorded.hash,
            current: now.hash,
        })
    }

    /// The yearly cycle's part of the report of an assessment.
    pub async fn cycle_report(
        &self,
        view: &crate::AssessmentView,
    ) -> Result<CycleReport, AppError> {
        let a = &view.assessment;
        let signoffs = self
            .app
            .store
            .signoffs(&a.id)
            .await?
            .iter()
            .filter_map(to_signoff)
            .collect();
        let reviews = self.app.store.reviews(&a.id).await?;
        let previous = match self.previous(a).await? {
            Some((p, old_marks)) => {
                let pv = self.assessment(&p.id).await?;
                let new_marks: BTreeMap<ItemNo, Mark> = view
                    .answers
                    .values()
                    .filter_map(|s| {
                        Some((
                            ItemNo::new(s.item, self.app.catalog)?,
                            s.answer.as_ref()?.mark(),
                        ))
                    })
                    .collect();
                Some(Previous {
                    period: u16::try_from(p.period)
                        .ok()
                        .and_then(FiscalYear::new)
                        .ok_or_else(|| AppError::Internal("period".into()))?,
                    revision: p.revision,
                    summary: pv.summary,
                    changes: kojo_domain::diff(&old_marks, &new_marks),
                })
            }
            None => None,
        };
        let actions = self
            .app
            .store
            .actions(&a.id)
            .await?
            .into_iter()
            .filter_map(|r| crate::actions::to_item(&r))
            .collect();
        Ok(CycleReport {
            signoffs,
            required_signers: self.app.required_signers().await?,
            reviews,
            unconfirmed: view.summary.unconfirmed.iter().map(|i| i.get()).collect(),
            previous,
            actions,
        })
    }
}

impl Editor<'_> {
    /// Starts next year's assessment of the same scope from `from`: every answer is carried
    /// (to be re-confirmed), with its evidence (by reference) and open actions.
    pub async fn carry_forward(
        &self,
        site_code: &str,
        line_code: Option<&str>,
        period: FiscalYear,
        from: &str,
        assessor: Option<&str>,
    ) -> Result<Assessment, AppError> {
        let source = self.find(from).await?;
        let site = self.site(site_code).await?;
        let line = match line_code.map(str::trim).filter(|c| !c.is_empty()) {
            Some(code) => Some(self.line(&site, code).await?),
            None => None,
        };
        let line_id = line.map(|l| l.id);
        if source.site_id != site.id || source.line_id != line_id {
            return Err(AppError::bad(
                "cycle.from_other_scope",
                &[("from", &source.id)],
            ));
        }
        if i64::from(period.year()) <= source.period {
            return Err(AppError::bad(
                "cycle.from_not_earlier",
                &[("from", &source.period)],
            ));
        }
        let new = NewAssessment {
            site_id: site.id,
            line_id,
            period,
            catalog_id: self.app.catalog.id.clone(),
            assessor: assessor
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .or(source.assessor.clone()),
            based_on: Some(source.id.clone()),
            created_by: self.actor.name.clone(),
        };
        Ok(self
            .app
            .store
            .carry_assessment(&new, &source.id, Carry::NextYear)
            .await?)
    }

    /// 改訂: a new draft revision of an approved assessment, carrying everything. The approved
    /// revision stays as it is.
    pub async fn revise(&self, id: &str) -> Result<Assessment, AppError> {
        let a = self.find(id).await?;
        if status_of(&a)? != Status::Approved {
            let st = status_of(&a)?;
            return Err(AppError::BadInput {
                ja: kojo_i18n::tr(
                    kojo_domain::Lang::Ja,
                    "cycle.revise_not_approved",
                    &[("status", &st.name(kojo_domain::Lang::Ja))],
                ),
                en: kojo_i18n::tr(
                    kojo_domain::Lang::En,
                    "cycle.revise_not_approved",
                    &[("status", &st.name(kojo_domain::Lang::En))],
                ),
            });
        }
        let new = NewAssessment {
            site_id: a.site_id.clone(),
            line_id: a.line_id.clone(),
            period: u16::try_from(a.period)
                .ok()
                .and_then(FiscalYear::new)
                .ok_or_else(|| AppError::Internal("period".into()))?,
            catalog_id: a.catalog_id.clone(),
            assessor: a.assessor.clone(),
            based_on: Some(a.id.clone()),
            created_by: self.actor.name.clone(),
        };
        Ok(self
            .app
            .store
            .carry_assessment(&new, &a.id, Carry::Revision)
            .await?)
    }

    /// Confirms carried answers unchanged (`None`: every unconfirmed one). Returns the items
    /// confirmed.
    pub async fn reconfirm(
        &self,
        id: &str,
        items: Option<&[ItemNo]>,
    ) -> Result<Vec<u16>, AppError> {
        let a = self.find(id).await?;
        let list: Option<Vec<u16>> = items.map(|i| i.iter().map(|n| n.get()).collect());
        Ok(self
            .app
            .store
            .reconfirm(&a.id, list.as_deref(), &self.actor.name)
            .await?)
    }

    /// Records this cycle's review of one □ △ × item.
    pub async fn review(
        &self,
        id: &str,
        item: ItemNo,
        input: &ReviewInput,
    ) -> Result<Review, AppError> {
        let a = self.find(id).await?;
        let mark = self
            .app
            .store
            .answer(&a.id, item.get())
            .await?
            .and_then(|s| s.answer)
            .map(|x| x.mark())
            .ok_or_else(|| AppError::bad("cycle.not_answered", &[("item", &item.get())]))?;
        let review = input.parse(item.get(), mark, &self.actor.name)?;
        self.app.store.set_review(&a.id, &review).await?;
        Ok(review)
    }
}

impl Admin<'_> {
    /// Sets an instance setting of [`SETTINGS`] (`kojo setting set`): the key must be one of
    /// them and the value a whole number in its range. Recorded in the access log
    /// (`setting_set`). Returns the value stored.
    pub async fn set_setting(&self, key: &str, value: &str) -> Result<i64, AppError> {
        let key = key.trim();
        let Some((key, _, min, max)) = SETTINGS.iter().find(|s| s.0 == key).copied() else {
            let keys = SETTINGS.iter().map(|s| s.0).collect::<Vec<_>>().join(", ");
            return Err(AppError::bad(
                "cycle.unknown_setting",
                &[
                    ("key", &key.chars().take(64).collect::<String>()),
                    ("keys", &keys),
                ],
            ));
        };
        let given: String = value.chars().take(40).collect();
        let n = kojo_domain::normalize_width(value.trim())
            .parse::<i64>()
            .ok()
            .filter(|n| (min..=max).contains(n))
            .ok_or_else(|| {
                let range = |sep: &str| {
                    if max == min + 1 {
                        format!("{min} / {max}")
                    } else {
                        format!("{min}{sep}{max}")
                    }
                };
                AppError::BadInput {
                    ja: kojo_i18n::tr(
                        kojo_domain::Lang::Ja,
                        "cycle.bad_setting",
                        &[("key", &key), ("value", &given), ("detail", &range("〜"))],
                    ),
                    en: kojo_i18n::tr(
                        kojo_domain::Lang::En,
                        "cycle.bad_setting",
                        &[("key", &key), ("value", &given), ("detail", &range("–"))],
                    ),
                }
            })?;
        self.app.store.set_setting(key, &n.to_string()).await?;
        self.audit("setting_set", key, Some(&n.to_string())).await?;
        Ok(n)
    }
}

impl Role {
    /// May make this sign-off decision (on granted plants): authors submit, reviewers and
    /// approvers confirm or return, approvers approve. Administrators may do every step (the
    /// separation of duties still applies to them).
    pub fn may_decide(self, d: Decision) -> bool {
        match d {
            Decision::Submit => self.may_edit(),
            Decision::Confirm | Decision::Return => {
                matches!(self, Role::Admin | Role::Reviewer | Role::Approver)
            }
            Decision::Approve => matches!(self, Role::Admin | Role::Approver),
        }
    }
}

/// Makes sign-off decisions for the actor ([`App::signer`]).
#[derive(Debug, Clone, Copy)]
pub struct Signer<'a> {
    pub(crate) reader: Reader<'a>,
}

impl<'a> std::ops::Deref for Signer<'a> {
    type Target = Reader<'a>;
    fn deref(&self) -> &Reader<'a> {
        &self.reader
    }
}

impl Signer<'_> {
    /// Makes `decision` on assessment `id`: checks the actor's role, the state, the review
    /// (for a submission) and the separation of duties, then changes the state and records the
    /// decision with the hash of the content, in one transaction.
    pub async fn decide(
        &self,
        id: &str,
        decision: Decision,
        comment: Option<&str>,
    ) -> Result<SignOffRow, AppError> {
        let lang_pair = |key: &str, args: &[(&str, &dyn std::fmt::Display)]| AppError::BadInput {
            ja: kojo_i18n::tr(kojo_domain::Lang::Ja, key, args),
            en: kojo_i18n::tr(kojo_domain::Lang::En, key, args),
        };
        let a = self.find(id).await?;
        if !self.actor.role.may_decide(decision) {
            return Err(AppError::BadInput {
                ja: kojo_i18n::tr(
                    kojo_domain::Lang::Ja,
                    "cycle.not_author_role",
                    &[
                        ("user", &self.actor.name),
                        ("role", &self.actor.role.name(kojo_domain::Lang::Ja)),
                        ("decision", &decision.name(kojo_domain::Lang::Ja)),
                    ],
                ),
                en: kojo_i18n::tr(
                    kojo_domain::Lang::En,
                    "cycle.not_author_role",
                    &[
                        ("user", &self.actor.name),
                        ("role", &self.actor.role.name(kojo_domain::Lang::En)),
                        ("decision", &decision.name(kojo_domain::Lang::En)),
                    ],
                ),
            });
        }
        let from = status_of(&a)?;
        let Some(to) = decision.apply(from) else {
            return Err(AppError::BadInput {
                ja: kojo_i18n::tr(
                    kojo_domain::Lang::Ja,
                    "cycle.bad_transition",
                    &[
                        ("status", &from.name(kojo_domain::Lang::Ja)),
                        ("decision", &decision.name(kojo_domain::Lang::Ja)),
                    ],
                ),
                en: kojo_i18n::tr(
                    kojo_domain::Lang::En,
                    "cycle.bad_transition",
                    &[
                        ("status", &from.name(kojo_domain::Lang::En)),
                        ("decision", &decision.name(kojo_domain::Lang::En)),
                    ],
                ),
            });
        };
        let comment = text(comment)?;
        if decision == Decision::Return && comment.is_none() {
            return Err(lang_pair("cycle.return_needs_comment", &[]));
        }
        if decision == Decision::Submit {
            let view = self.assessment(&a.id).await?;
            if !view.summary.unconfirmed.is_empty() {
                let items: Vec<u16> = view.summary.unconfirmed.iter().map(|i| i.get()).collect();
                return Err(lang_pair(
                    "cycle.unconfirmed_left",
                    &[("items", &items_list(&items))],
                ));
            }
            // A yearly review (an assessment carried from an earlier one) must review every
            // □ △ × item before it goes to the reviewer.
            if a.based_on.is_some() {
                let reviews: BTreeMap<u16, Review> = self
                    .app
                    .store
                    .reviews(&a.id)
                    .await?
                    .into_iter()
                    .map(|r| (r.item, r))
                    .collect();
                let missing: Vec<u16> = view
                    .summary
                    .residual_risks
                    .iter()
                    .filter(|r| {
                        !review_gaps(r.answer.mark(), reviews.get(&r.item.get())).is_empty()
                    })
                    .map(|r| r.item.get())
                    .collect();
                if !missing.is_empty() {
                    return Err(lang_pair(
                        "cycle.review_missing",
                        &[("items", &items_list(&missing))],
                    ));
                }
            }
        }
        // Separation of duties over the sign-offs since the last return.
        let signoffs: Vec<SignOff> = self
            .app
            .store
            .signoffs(&a.id)
            .await?
            .iter()
            .filter_map(to_signoff)
            .collect();
        let [submitted, confirmed, _] = kojo_domain::signature_boxes(&signoffs);
        let required = self.app.required_signers().await?;
        let me = self.actor.name.as_str();
        let clash = match decision {
            Decision::Confirm => submitted.filter(|s| s.by == me),
            // Three people: the approver is neither the author nor the confirmer. Two (small
            // plants): the approver is not the author; the confirmer may approve.
            Decision::Approve if required >= 3 => submitted
                .filter(|s| s.by == me)
                .or(confirmed.filter(|s| s.by == me)),
            Decision::Approve => submitted.filter(|s| s.by == me),
            _ => None,
        };
        if let Some(s) = clash {
            return Err(AppError::BadInput {
                ja: kojo_i18n::tr(
                    kojo_domain::Lang::Ja,
                    "cycle.same_person",
                    &[
                        ("user", &me),
                        ("step", &s.decision.name(kojo_domain::Lang::Ja)),
                        ("n", &required),
                    ],
                ),
                en: kojo_i18n::tr(
                    kojo_domain::Lang::En,
                    "cycle.same_person",
                    &[
                        ("user", &me),
                        ("step", &s.decision.name(kojo_domain::Lang::En)),
                        ("n", &required),
                    ],
                ),
            });
        }
        let row = self
            .app
            .store
            .sign(&a.id, from, to, decision, me, comment.as_deref())
            .await?;
        let detail = format!("{} {} → {}", decision.key(), from.key(), to.key());
        self.app
            .store
            .audit(
                Some(me),
                self.actor.client.as_deref(),
                "signoff",
                Some(&a.id),
                Some(&detail),
            )
            .await?;
        Ok(row)
    }
}

impl App {
    /// A sign-off handle, if `actor`'s role may make any sign-off decision (everyone but
    /// viewers); each decision is checked again by [`Role::may_decide`].
    pub fn signer<'a>(&'a self, actor: &'a crate::Actor) -> Option<Signer<'a>> {
        Decision::ALL
            .iter()
            .any(|d| actor.role.may_decide(*d))
            .then_some(Signer {
                reader: self.reader(actor),
            })
    }

    /// Acts as the named kojo user (the command line's `--by`): the user must exist and be
    /// enabled; their role and plant grants then apply.
    pub async fn actor_for(&self, name: &str) -> Result<crate::Actor, AppError> {
        let user = self
            .store
            .user_by_name(name.trim())
            .await?
            .filter(|u| !u.disabled)
            .ok_or_else(|| {
                AppError::bad(
                    "cycle.unknown_signer",
                    &[("user", &name.chars().take(64).collect::<String>())],
                )
            })?;
        Ok(crate::Actor {
            name: user.name,
            role: Role::from_key(&user.role)
                .ok_or_else(|| AppError::Internal(format!("role {}", user.role)))?,
            user_id: Some(user.id),
            client: None,
        })
    }
}
