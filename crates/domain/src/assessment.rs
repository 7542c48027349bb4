//! Assessments: who answers what, for which plant or line, in which fiscal year.

use crate::{FiscalYear, ItemAnswer, ItemNo};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Lifecycle of an assessment. Sign-off (author → reviewer → approver) locks it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Being answered.
    Draft,
    /// Submitted by the author, waiting for review.
    Submitted,
    /// Confirmed by a reviewer, waiting for approval.
    Confirmed,
    /// Approved: locked, changes need a new revision.
    Approved,
}

impl Status {
    /// Every status, in the order of the cycle.
    pub const ALL: [Status; 4] = [
        Status::Draft,
        Status::Submitted,
        Status::Confirmed,
        Status::Approved,
    ];

    /// Stable key.
    pub fn key(self) -> &'static str {
        match self {
            Status::Draft => "draft",
            Status::Submitted => "submitted",
            Status::Confirmed => "confirmed",
            Status::Approved => "approved",
        }
    }

    /// Parses a key.
    pub fn from_key(s: &str) -> Option<Status> {
        Status::ALL.into_iter().find(|st| st.key() == s)
    }

    /// Whether answers may still change.
    pub fn is_editable(self) -> bool {
        matches!(self, Status::Draft)
    }

    /// Name in `lang`.
    pub fn name(self, lang: crate::Lang) -> &'static str {
        kojo_i18n::t(lang, &format!("status.{}", self.key()))
    }
}

/// Where and when an assessment applies, with the names people read on reports.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Header {
    /// Company (会社名).
    pub company: String,
    /// Plant code (工場).
    pub site_code: String,
    /// Plant name.
    pub site_name: String,
    /// Line code, when the assessment is for one production line.
    pub line_code: Option<String>,
    /// Line name.
    pub line_name: Option<String>,
    /// Fiscal year (年度).
    pub period: Option<FiscalYear>,
    /// Assessor (評価者).
    pub assessor: Option<String>,
    /// Date of the assessment (評価日).
    pub date: Option<NaiveDate>,
}

/// An assessment's content, independent of storage: what the checksheet and reports carry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct Sheet {
    /// The catalog id (`jama-japia-factory@0.9`).
    pub catalog_id: String,
    /// Header.
    pub header: Header,
    /// Answers by item; absent items are unanswered.
    pub answers: BTreeMap<ItemNo, ItemAnswer>,
}
