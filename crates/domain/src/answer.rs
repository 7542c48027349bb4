//! Answers: one mark per item with the fields that mark requires.

use crate::{Mark, NonEmpty, normalize_width};
use chrono::NaiveDate;
use kojo_i18n::Lang;
use serde::{Deserialize, Serialize};

/// A field of an answer; its name is shown in errors and forms.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Field {
    /// The mark itself.
    Mark,
    /// ○: alternative measure (代替策).
    Alternative,
    /// □: reason for deferral (見送り理由).
    Reason,
    /// □: review-by date (見直し期限).
    ReviewBy,
    /// □: who accepted the risk (承認者).
    AcceptedBy,
    /// □: preparation progress (準備状況).
    Progress,
    /// △: consideration status (検討状況).
    Status,
    /// △: decision target date (判断予定日).
    TargetDate,
    /// －: why there is no target equipment (対象外理由).
    NaReason,
    /// Any mark: note (備考).
    Note,
}

impl Field {
    /// Every field, in form order.
    pub const ALL: [Field; 10] = [
        Field::Mark,
        Field::Alternative,
        Field::Reason,
        Field::ReviewBy,
        Field::AcceptedBy,
        Field::Progress,
        Field::Status,
        Field::TargetDate,
        Field::NaReason,
        Field::Note,
    ];

    /// Stable key (form field name, JSON key, column id).
    pub fn key(self) -> &'static str {
        match self {
            Field::Mark => "mark",
            Field::Alternative => "alternative",
            Field::Reason => "reason",
            Field::ReviewBy => "review_by",
            Field::AcceptedBy => "accepted_by",
            Field::Progress => "progress",
            Field::Status => "status",
            Field::TargetDate => "target_date",
            Field::NaReason => "na_reason",
            Field::Note => "note",
        }
    }

    /// The field's name in `lang`.
    pub fn name(self, lang: Lang) -> &'static str {
        kojo_i18n::t(lang, &format!("field.{}", self.key()))
    }

    /// The fields a mark uses besides the note: (field, required).
    pub fn for_mark(mark: Mark) -> &'static [(Field, bool)] {
        match mark {
            Mark::Implemented => &[(Field::Alternative, false)],
            Mark::Deferred => &[
                (Field::Reason, true),
                (Field::ReviewBy, true),
                (Field::AcceptedBy, false),
                (Field::Progress, false),
            ],
            Mark::Considering => &[(Field::Status, true), (Field::TargetDate, false)],
            Mark::NotConsidered => &[],
            Mark::NotApplicable => &[(Field::NaReason, true)],
        }
    }
}

/// What is wrong with a field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Problem {
    /// The mark needs this field and it is empty.
    Required,
    /// Not a date (YYYY-MM-DD).
    InvalidDate,
    /// Longer than allowed.
    TooLong,
    /// The field does not belong to the chosen mark.
    NotForMark,
    /// Not one of the five marks.
    UnknownMark,
}

/// One problem with one field of an answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldError {
    /// Which field.
    pub field: Field,
    /// What is wrong.
    pub problem: Problem,
    /// The mark the answer was for, if known.
    pub mark: Option<Mark>,
    /// The offending text, where it helps (an unknown mark).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub given: Option<String>,
}

impl FieldError {
    /// The message in `lang`, naming the field (e.g. 「□ には見送り理由が必要です」).
    pub fn message(&self, lang: Lang) -> String {
        let mark = match (self.problem, &self.given) {
            (Problem::UnknownMark, Some(g)) => g.as_str(),
            _ => self.mark.map(Mark::symbol).unwrap_or(""),
        };
        let key = match self.problem {
            Problem::Required if self.field == Field::Mark => "error.mark_required",
            Problem::Required => "error.field_required",
            Problem::InvalidDate => "error.field_date",
            Problem::TooLong => "error.field_too_long",
            Problem::NotForMark => "error.field_not_for_mark",
            Problem::UnknownMark => "error.mark_unknown",
        };
        kojo_i18n::tr(
            lang,
            key,
            &[
                ("mark", &mark),
                ("field", &self.field.name(lang)),
                ("max", &NonEmpty::MAX_CHARS),
            ],
        )
    }

    /// `日本語 / English`.
    pub fn message_both(&self) -> String {
        format!("{} / {}", self.message(Lang::Ja), self.message(Lang::En))
    }
}

/// Every problem found in an answer (never empty).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
#[error("{}", self.0.iter().map(FieldError::message_both).collect::<Vec<_>>().join("; "))]
pub struct FieldErrors(pub Vec<FieldError>);

impl FieldErrors {
    /// All messages in `lang`, joined.
    pub fn message(&self, lang: Lang) -> String {
        self.0
            .iter()
            .map(|e| e.message(lang))
            .collect::<Vec<_>>()
            .join(lang_sep(lang))
    }
}

fn lang_sep(lang: Lang) -> &'static str {
    match lang {
        Lang::Ja => "、",
        Lang::En => "; ",
    }
}

/// The mark-specific content of an answer. Each variant holds exactly what its mark allows, and
/// required fields are not optional, so an incomplete answer cannot exist.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "mark", rename_all = "snake_case")]
pub enum Answer {
    /// ○ implemented; `alternative` describes an alternative measure, if one is used.
    Implemented {
        /// 代替策.
        alternative: Option<NonEmpty>,
    },
    /// □ deferred / in preparation (incl. risk accepted).
    Deferred {
        /// 見送り理由 (required).
        reason: NonEmpty,
        /// 見直し期限 (required).
        review_by: NaiveDate,
        /// 承認者.
        accepted_by: Option<NonEmpty>,
        /// 準備状況.
        progress: Option<NonEmpty>,
    },
    /// △ under consideration.
    Considering {
        /// 検討状況 (required).
        status: NonEmpty,
        /// 判断予定日.
        target_date: Option<NaiveDate>,
    },
    /// × not considered.
    NotConsidered,
    /// － not applicable.
    NotApplicable {
        /// 対象外理由 (required).
        reason: NonEmpty,
    },
}

impl Answer {
    /// The answer's mark.
    pub fn mark(&self) -> Mark {
        match self {
            Answer::Implemented { .. } => Mark::Implemented,
            Answer::Deferred { .. } => Mark::Deferred,
            Answer::Considering { .. } => Mark::Considering,
            Answer::NotConsidered => Mark::NotConsidered,
            Answer::NotApplicable { .. } => Mark::NotApplicable,
        }
    }
}

/// An item's answer with its optional note.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ItemAnswer {
    /// The mark and its fields.
    pub answer: Answer,
    /// 備考 (any mark).
    pub note: Option<NonEmpty>,
}

/// An answer as it arrives from a form, a command line or a spreadsheet: every field optional
/// text. [`RawAnswer::parse`] turns it into an [`ItemAnswer`] or says what is wrong.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RawAnswer {
    /// The mark as written (any accepted variant).
    pub mark: Option<String>,
    /// ○: the alternative-measure box is ticked (its description is then required).
    #[serde(default)]
    pub alternative_flagged: bool,
    /// 代替策.
    pub alternative: Option<String>,
    /// 見送り理由.
    pub reason: Option<String>,
    /// 見直し期限.
    pub review_by: Option<String>,
    /// 承認者.
    pub accepted_by: Option<String>,
    /// 準備状況.
    pub progress: Option<String>,
    /// 検討状況.
    pub status: Option<String>,
    /// 判断予定日.
    pub target_date: Option<String>,
    /// 対象外理由.
    pub na_reason: Option<String>,
    /// 備考.
    pub note: Option<String>,
}

fn present(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

/// Parses a date as people type it: `2027-03-31`, `2027/3/31`, `2027.03.31`, `2027年3月31日`,
/// full-width digits included. Years outside 2000–2100 are refused.
pub fn parse_date(s: &str) -> Option<NaiveDate> {
    let n = normalize_width(s.trim());
    let n = n.replace(['年', '月'], "-").replace('日', "");
    let n = n.replace(['/', '.'], "-");
    let parts: Vec<&str> = n.split('-').map(str::trim).collect();
    if parts.len() != 3 {
        return None;
    }
    let y: i32 = parts[0].parse().ok()?;
    let m: u32 = parts[1].parse().ok()?;
    let d: u32 = parts[2].parse().ok()?;
    if !(2000..=2100).contains(&y) {
        return None;
    }
    NaiveDate::from_ymd_opt(y, m, d)
}

impl RawAnswer {
    /// The raw text of `field`.
    pub fn get(&self, field: Field) -> Option<&str> {
        match field {
            Field::Mark => self.mark.as_deref(),
            Field::Alternative => self.alternative.as_deref(),
            Field::Reason => self.reason.as_deref(),
            Field::ReviewBy => self.review_by.as_deref(),
            Field::AcceptedBy => self.accepted_by.as_deref(),
            Field::Progress => self.progress.as_deref(),
            Field::Status => self.status.as_deref(),
            Field::TargetDate => self.target_date.as_deref(),
            Field::NaReason => self.na_reason.as_deref(),
            Field::Note => self.note.as_deref(),
        }
    }

    /// Parses into an answer, collecting every problem (each naming its field).
    pub fn parse(&self) -> Result<ItemAnswer, FieldErrors> {
        let mut errors = Vec::new();
        let mark = match present(&self.mark) {
            None => {
                return Err(FieldErrors(vec![FieldError {
                    field: Field::Mark,
                    problem: Problem::Required,
                    mark: None,
                    given: None,
                }]));
            }
            Some(m) => match Mark::parse(m) {
                Ok(m) => m,
                Err(_) => {
                    return Err(FieldErrors(vec![FieldError {
                        field: Field::Mark,
                        problem: Problem::UnknownMark,
                        mark: None,
                        given: Some(m.to_string()),
                    }]));
                }
            },
        };
        let allowed = Field::for_mark(mark);
        let mut err = |field: Field, problem: Problem| {
            errors.push(FieldError {
                field,
                problem,
                mark: Some(mark),
                given: None,
            })
        };
        // Fields that do not belong to this mark must be empty: nothing is dropped silently.
        for f in Field::ALL {
            if matches!(f, Field::Mark | Field::Note) {
                continue;
            }
            if present(&self.get(f).map(str::to_string)).is_some()
                && !allowed.iter().any(|(a, _)| *a == f)
            {
                err(f, Problem::NotForMark);
            }
        }
        let mut text = |field: Field, required: bool| -> Option<NonEmpty> {
            match present(&self.get(field).map(str::to_string)) {
                None => {
                    if required {
                        err(field, Problem::Required);
                    }
                    None
                }
                Some(s) => match NonEmpty::new(s) {
                    Some(v) => Some(v),
                    None => {
                        err(field, Problem::TooLong);
                        None
                    }
                },
            }
        };
        let note = text(Field::Note, false);
        let answer = match mark {
            Mark::Implemented => {
                let alternative = text(Field::Alternative, self.alternative_flagged);
                Some(Answer::Implemented { alternative })
            }
            Mark::Deferred => {
                let reason = text(Field::Reason, true);
                let accepted_by = text(Field::AcceptedBy, false);
                let progress = text(Field::Progress, false);
                let review_by = match present(&self.review_by) {
                    None => {
                        err(Field::ReviewBy, Problem::Required);
                        None
                    }
                    Some(s) => parse_date(s).or_else(|| {
                        err(Field::ReviewBy, Problem::InvalidDate);
                        None
                    }),
                };
                match (reason, review_by) {
                    (Some(reason), Some(review_by)) => Some(Answer::Deferred {
                        reason,
                        review_by,
                        accepted_by,
                        progress,
                    }),
                    _ => None,
                }
            }
            Mark::Considering => {
                let status = text(Field::Status, true);
                let target_date = match present(&self.target_date) {
                    None => None,
                    Some(s) => parse_date(s).or_else(|| {
                        err(Field::TargetDate, Problem::InvalidDate);
                        None
                    }),
                };
                status.map(|status| Answer::Considering {
                    status,
                    target_date,
                })
            }
            Mark::NotConsidered => Some(Answer::NotConsidered),
            Mark::NotApplicable => {
                text(Field::NaReason, true).map(|reason| Answer::NotApplicable { reason })
            }
        };
        match answer {
            Some(answer) if errors.is_empty() => Ok(ItemAnswer { answer, note }),
            _ => Err(FieldErrors(errors)),
        }
    }
}

impl ItemAnswer {
    /// The mark.
    pub fn mark(&self) -> Mark {
        self.answer.mark()
    }

    /// Back to raw fields (mark as its guideline symbol, dates as YYYY-MM-DD).
    pub fn to_raw(&self) -> RawAnswer {
        let s = |v: &Option<NonEmpty>| v.as_ref().map(|v| v.to_string());
        let mut raw = RawAnswer {
            mark: Some(self.mark().symbol().to_string()),
            note: s(&self.note),
            ..Default::default()
        };
        match &self.answer {
            Answer::Implemented { alternative } => {
                raw.alternative_flagged = alternative.is_some();
                raw.alternative = s(alternative);
            }
            Answer::Deferred {
                reason,
                review_by,
                accepted_by,
                progress,
            } => {
                raw.reason = Some(reason.to_string());
                raw.review_by = Some(review_by.format("%Y-%m-%d").to_string());
                raw.accepted_by = s(accepted_by);
                raw.progress = s(progress);
            }
            Answer::Considering {
                status,
                target_date,
            } => {
                raw.status = Some(status.to_string());
                raw.target_date = target_date.map(|d| d.format("%Y-%m-%d").to_string());
            }
            Answer::NotConsidered => {}
            Answer::NotApplicable { reason } => raw.na_reason = Some(reason.to_string()),
        }
        raw
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(mark: &str) -> RawAnswer {
        RawAnswer {
            mark: Some(mark.into()),
            ..Default::default()
        }
    }

    #[test]
    fn deferred_needs_reason_and_review_date() {
        let e = raw("□").parse().unwrap_err();
        let fields: Vec<Field> = e.0.iter().map(|e| e.field).collect();
        assert_eq!(fields, [Field::Reason, Field::ReviewBy]);
        assert_eq!(e.0[0].message(Lang::Ja), "□ には見送り理由が必要です");
        assert_eq!(
            e.0[0].message(Lang::En),
            "mark □ needs a reason for deferral"
        );
        let ok = RawAnswer {
            reason: Some("更新予算待ち".into()),
            review_by: Some("2027/3/31".into()),
            ..raw("□")
        }
        .parse()
        .unwrap();
        assert_eq!(ok.mark(), Mark::Deferred);
        assert_eq!(ok.to_raw().review_by.as_deref(), Some("2027-03-31"));
    }

    #[test]
    fn each_mark_requires_exactly_its_fields() {
        assert!(raw("○").parse().is_ok());
        assert!(
            RawAnswer {
                alternative_flagged: true,
                ..raw("○")
            }
            .parse()
            .is_err()
        );
        assert!(raw("△").parse().is_err());
        assert!(
            RawAnswer {
                status: Some("検討中".into()),
                ..raw("△")
            }
            .parse()
            .is_ok()
        );
        assert!(raw("×").parse().is_ok());
        assert!(raw("－").parse().is_err());
        assert!(
            RawAnswer {
                na_reason: Some("無線 LAN なし".into()),
                ..raw("－")
            }
            .parse()
            .is_ok()
        );
    }

    #[test]
    fn fields_of_another_mark_are_refused_not_dropped() {
        let e = RawAnswer {
            reason: Some("x".into()),
            ..raw("○")
        }
        .parse()
        .unwrap_err();
        assert_eq!(e.0[0].field, Field::Reason);
        assert_eq!(e.0[0].problem, Problem::NotForMark);
    }

    #[test]
    fn bad_dates_are_named() {
        let e = RawAnswer {
            reason: Some("r".into()),
            review_by: Some("2027-02-30".into()),
            ..raw("□")
        }
        .parse()
        .unwrap_err();
        assert_eq!(
            e.0,
            vec![FieldError {
                field: Field::ReviewBy,
                problem: Problem::InvalidDate,
                mark: Some(Mark::Deferred),
                given: None,
            }]
        );
        assert_eq!(
            parse_date("２０２７年３月３１日"),
            NaiveDate::from_ymd_opt(2027, 3, 31)
        );
        assert_eq!(parse_date("1999-01-01"), None);
    }

    #[test]
    fn raw_round_trips() {
        let a = RawAnswer {
            reason: Some("予算".into()),
            review_by: Some("2027-03-31".into()),
            accepted_by: Some("工場長".into()),
            progress: Some("見積中".into()),
            note: Some("<script>".into()),
            ..raw("defer")
        }
        .parse()
        .unwrap();
        assert_eq!(a.to_raw().parse().unwrap(), a);
    }
}
