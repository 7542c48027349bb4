//! The yearly cycle's use cases: next year from last year, re-confirmation, revisions, the
//! year-over-year difference, the report's cycle part, and instance settings. The review of
//! residual risks is in `review.rs`, sign-off and `verify` in `signoff.rs`.

use crate::handles::{Admin, Editor, Reader};
use crate::{App, AppError};
use chrono::NaiveDate;
use kojo_domain::{
    Change, CycleReport, FiscalYear, ItemNo, Mark, NonEmpty, Previous, Status, Summary,
};
use kojo_store::{Assessment, Carry, NewAssessment};
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

pub(crate) fn ymd(d: NaiveDate) -> String {
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
    Ok(a.status)
}

pub(crate) fn locked(a: &Assessment) -> AppError {
    AppError::Locked {
        status: a.status.key().to_string(),
    }
}

pub(crate) fn items_list(items: &[u16]) -> String {
    let shown: Vec<String> = items.iter().take(20).map(|i| format!("No.{i}")).collect();
    let more = if items.len() > 20 { " …" } else { "" };
    format!("{}{more}", shown.join(", "))
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

    /// The previous fiscal year's assessment of the same scope (its latest revision), if the
    /// actor may see it, with its marks.
    pub async fn previous(
        &self,
        a: &Assessment,
    ) -> Result<Option<(Assessment, BTreeMap<ItemNo, Mark>)>, AppError> {
        let target = self.catalog_of(a)?;
        match self.app.store.previous_with_answers(a).await? {
            Some((p, answers)) => {
                let marks = marks_of(&p, answers, target);
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
        // Both sides in the newer assessment's numbering (through the mapping if the versions
        // differ).
        let marks = |v: &crate::AssessmentView| -> BTreeMap<u16, Mark> {
            v.answers
                .values()
                .filter_map(|s| Some((s.item, s.answer.as_ref()?.mark())))
                .collect()
        };
        let changes = kojo_domain::diff(
            &marks_in(&old.assessment.catalog_id, &marks(&old), new.catalog),
            &marks_in(&new.assessment.catalog_id, &marks(&new), new.catalog),
        );
        Ok(DiffView {
            old: old.assessment,
            new: new.assessment,
            old_summary: old.summary,
            new_summary: new.summary,
            changes,
        })
    }

    /// The yearly cycle's part of the report of an assessment.
    pub async fn cycle_report(
        &self,
        view: &crate::AssessmentView,
    ) -> Result<CycleReport, AppError> {
        let a = &view.assessment;
        let rows = self.app.store.signoffs(&a.id).await?;
        let signoffs = rows.iter().map(kojo_store::SignOffRow::sign_off).collect();
        // What the registers said: as sealed by the last sign-off step while the content is
        // frozen (submitted, confirmed, approved; and what a customer received), else read from
        // the registers today.
        let registers = match rows
            .last()
            .filter(|_| status_of(a).ok() != Some(Status::Draft))
        {
            Some(last) => match last.registers.as_deref() {
                Some(json) => Some(kojo_domain::RegistersReport {
                    snapshot: kojo_domain::register::Snapshot::from_json(json).map_err(|e| {
                        AppError::Internal(format!("sign-off {}: registers: {e}", last.seq))
                    })?,
                    sealed_by: Some(last.sign_off()),
                }),
                None => None,
            },
            None => self
                .app
                .register_snapshot(&a.site_id, today())
                .await?
                .map(|snapshot| kojo_domain::RegistersReport {
                    snapshot,
                    sealed_by: None,
                }),
        };
        let reviews = self.app.store.reviews(&a.id).await?;
        let previous = match self.previous(a).await? {
            Some((p, old_marks)) => {
                let pv = self.assessment(&p.id).await?;
                let new_marks: BTreeMap<ItemNo, Mark> = view
                    .answers
                    .values()
                    .filter_map(|s| {
                        Some((
                            ItemNo::new(s.item, view.catalog)?,
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
            registers,
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
        self.refuse_received(&source).await?;
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
        // A line that inherits goes on inheriting, from the plant's assessment of the new year.
        let inherits_from = match source.inherits_from {
            Some(_) => Some(self.plant_assessment_of(&site, period).await?.id),
            None => None,
        };
        let new = NewAssessment {
            site_id: site.id,
            line_id,
            period,
            // Next year keeps the version; moving to another is 新版で作成 (`migrate_catalog`).
            catalog_id: source.catalog_id.clone(),
            assessor: assessor
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .or(source.assessor.clone()),
            based_on: Some(source.id.clone()),
            inherits_from,
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
        self.refuse_received(&a).await?;
        if status_of(&a)? != Status::Approved {
            let st = status_of(&a)?;
            return Err(AppError::bad_with("cycle.revise_not_approved", |l| {
                vec![("status", st.name(l).to_string())]
            }));
        }
        let period = u16::try_from(a.period)
            .ok()
            .and_then(FiscalYear::new)
            .ok_or_else(|| AppError::Internal("period".into()))?;
        // A line that inherits follows the plant's latest revision of the year.
        let inherits_from = match a.inherits_from {
            Some(_) => {
                let site = self.site_by_id(&a.site_id).await?;
                Some(self.plant_assessment_of(&site, period).await?.id)
            }
            None => None,
        };
        let new = NewAssessment {
            site_id: a.site_id.clone(),
            line_id: a.line_id.clone(),
            period,
            catalog_id: a.catalog_id.clone(),
            assessor: a.assessor.clone(),
            based_on: Some(a.id.clone()),
            inherits_from,
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
                AppError::bad_with("cycle.bad_setting", |l| {
                    vec![
                        ("key", key.to_string()),
                        ("value", given.to_string()),
                        (
                            "detail",
                            match l {
                                kojo_domain::Lang::Ja => range("〜"),
                                kojo_domain::Lang::En => range("–"),
                            },
                        ),
                    ]
                })
            })?;
        self.app.store.set_setting(key, &n.to_string()).await?;
        self.audit("setting_set", key, Some(&n.to_string())).await?;
        Ok(n)
    }
}

/// Marks of an assessment of catalog `from` (by item), in the numbering of catalog `target`:
/// as they are for the same version; through the embedded mapping otherwise, as 新版で作成
/// would carry them (a split item takes its source's mark, a merged one the most cautious, a
/// new one none). Without a mapping nothing compares.
pub(crate) fn marks_in(
    from: &str,
    marks: &BTreeMap<u16, Mark>,
    target: &'static kojo_catalog::Catalog,
) -> BTreeMap<ItemNo, Mark> {
    if from == target.id {
        return marks
            .iter()
            .filter_map(|(i, m)| Some((ItemNo::new(*i, target)?, *m)))
            .collect();
    }
    let Some(mapping) = kojo_catalog::mapping(from, &target.id) else {
        return BTreeMap::new();
    };
    kojo_domain::migrate::carry(mapping, marks)
        .into_iter()
        .filter_map(|c| Some((ItemNo::new(c.item, target)?, *marks.get(&c.from)?)))
        .collect()
}

/// Answers' marks of assessment `a` by item of catalog version `target`: through the mapping
/// when `a` was made with another version (see [`marks_in`]).
fn marks_of(
    a: &Assessment,
    answers: Vec<kojo_store::StoredAnswer>,
    target: &'static kojo_catalog::Catalog,
) -> BTreeMap<ItemNo, Mark> {
    let marks: BTreeMap<u16, Mark> = answers
        .into_iter()
        .filter_map(|s| Some((s.item, s.answer?.mark())))
        .collect();
    marks_in(&a.catalog_id, &marks, target)
}
