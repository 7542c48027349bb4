//! Rows and the values the store hands out.

use crate::{Result, StoreError};
use kojo_domain::{ItemAnswer, Mark, RawAnswer};
use serde::Serialize;

/// An organisation (company). Single-company deployments use the default one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct Organisation {
    /// Id.
    pub id: String,
    /// Short code.
    pub code: String,
    /// Company name.
    pub name: String,
    /// Created.
    pub created_at: String,
}

/// A plant (工場).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct Site {
    /// Id.
    pub id: String,
    /// Organisation.
    pub org_id: String,
    /// Code, unique in the organisation.
    pub code: String,
    /// Name.
    pub name: String,
    /// Created.
    pub created_at: String,
}

/// A production line (ライン) of a plant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct Line {
    /// Id.
    pub id: String,
    /// Its plant.
    pub site_id: String,
    /// Code, unique in the plant.
    pub code: String,
    /// Name.
    pub name: String,
    /// Created.
    pub created_at: String,
}

/// An assessment with its plant and line names.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct Assessment {
    /// Id.
    pub id: String,
    /// Organisation.
    pub org_id: String,
    /// Organisation name.
    pub org_name: String,
    /// Plant.
    pub site_id: String,
    /// Plant code.
    pub site_code: String,
    /// Plant name.
    pub site_name: String,
    /// Line, when the scope is one line.
    pub line_id: Option<String>,
    /// Line code.
    pub line_code: Option<String>,
    /// Line name.
    pub line_name: Option<String>,
    /// Fiscal year.
    pub period: i64,
    /// Catalog id answered.
    pub catalog_id: String,
    /// Status (stored as its key, `draft`, …).
    #[sqlx(try_from = "String")]
    pub status: kojo_domain::Status,
    /// Revision number, 1 for the first.
    pub revision: i64,
    /// The assessment this one was started from.
    pub based_on: Option<String>,
    /// Assessor name for reports.
    pub assessor: Option<String>,
    /// Who created it.
    pub created_by: String,
    /// Created.
    pub created_at: String,
    /// Last change (including answers).
    pub updated_at: String,
    /// The plant assessment this line assessment inherits from (items it does not override
    /// show the plant's answers); `None` when it answers every item itself.
    pub inherits_from: Option<String>,
    /// Filed from a supplier's submission package: read-only here.
    pub received: bool,
}

/// What a new assessment needs.
#[derive(Debug, Clone)]
pub struct NewAssessment {
    /// Plant.
    pub site_id: String,
    /// Line, if the scope is one line.
    pub line_id: Option<String>,
    /// Fiscal year.
    pub period: kojo_domain::FiscalYear,
    /// Catalog id.
    pub catalog_id: String,
    /// Assessor.
    pub assessor: Option<String>,
    /// Started from this assessment.
    pub based_on: Option<String>,
    /// A line assessment on top of this plant assessment (see [`Assessment::inherits_from`]).
    pub inherits_from: Option<String>,
    /// Who.
    pub created_by: String,
}

/// One answer row, read by sqlx or, in column order, from the JSON array `Store::answers_of`
/// aggregates.
#[derive(Debug, Clone, sqlx::FromRow, serde::Deserialize)]
pub(crate) struct AnswerRow {
    pub item_no: i64,
    pub mark: Option<String>,
    pub alternative: Option<String>,
    pub reason: Option<String>,
    pub review_by: Option<String>,
    pub accepted_by: Option<String>,
    pub progress: Option<String>,
    pub status: Option<String>,
    pub target_date: Option<String>,
    pub na_reason: Option<String>,
    pub note: Option<String>,
    pub version: i64,
    pub updated_at: String,
    pub updated_by: String,
    #[serde(deserialize_with = "flag")]
    pub confirmed: bool,
    /// Read from `effective_answers`: the plant's answer shown on a line. Absent (false) when
    /// read from `answers`.
    #[sqlx(default)]
    #[serde(default)]
    pub inherited: bool,
}

/// A boolean as SQLite's JSON writes it (0 or 1) or PostgreSQL's (false or true).
fn flag<'de, D: serde::Deserializer<'de>>(d: D) -> std::result::Result<bool, D::Error> {
    #[derive(serde::Deserialize)]
    #[serde(untagged)]
    enum Flag {
        Bool(bool),
        Int(i64),
    }
    Ok(match serde::Deserialize::deserialize(d)? {
        Flag::Bool(b) => b,
        Flag::Int(i) => i != 0,
    })
}

/// The stored state of one item: its answer (or none), version and last change.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StoredAnswer {
    /// Item number.
    pub item: u16,
    /// The answer; `None` = unanswered (cleared).
    pub answer: Option<ItemAnswer>,
    /// Version, starts at 1 and grows with every write.
    pub version: i64,
    /// When.
    pub updated_at: String,
    /// Who.
    pub updated_by: String,
    /// `false` while an answer carried from last year awaits re-confirmation (要再確認).
    pub confirmed: bool,
    /// The plant's answer, shown on a line that inherits it (read-only there). `version` is
    /// then the line's own (0 = the line never overrode the item).
    pub inherited: bool,
}

impl AnswerRow {
    pub(crate) fn into_stored(self) -> Result<StoredAnswer> {
        let item = u16::try_from(self.item_no)
            .map_err(|_| StoreError::Corrupt(format!("item_no {}", self.item_no)))?;
        let answer = match self.mark {
            None => None,
            Some(mark) => {
                let raw = RawAnswer {
                    alternative_flagged: self.alternative.is_some(),
                    mark: Some(mark),
                    alternative: self.alternative,
                    reason: self.reason,
                    review_by: self.review_by,
                    accepted_by: self.accepted_by,
                    progress: self.progress,
                    status: self.status,
                    target_date: self.target_date,
                    na_reason: self.na_reason,
                    note: self.note,
                };
                Some(
                    raw.parse()
                        .map_err(|e| StoreError::Corrupt(format!("item {item}: {e}")))?,
                )
            }
        };
        Ok(StoredAnswer {
            item,
            answer,
            version: self.version,
            updated_at: self.updated_at,
            updated_by: self.updated_by,
            confirmed: self.confirmed,
            inherited: self.inherited,
        })
    }
}

/// Columns of an answer as stored (mark as its key).
pub(crate) fn columns(a: Option<&ItemAnswer>) -> [Option<String>; 10] {
    match a {
        None => Default::default(),
        Some(a) => {
            let r = a.to_raw();
            [
                Some(a.mark().key().to_string()),
                r.alternative,
                r.reason,
                r.review_by,
                r.accepted_by,
                r.progress,
                r.status,
                r.target_date,
                r.na_reason,
                r.note,
            ]
        }
    }
}

/// One change of an answer.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HistoryEntry {
    /// Item.
    pub item: u16,
    /// Version after the change.
    pub version: i64,
    /// When.
    pub changed_at: String,
    /// Who.
    pub changed_by: String,
    /// Before (None = unanswered).
    pub old: Option<RawAnswer>,
    /// After (None = unanswered).
    pub new: Option<RawAnswer>,
    /// After this change the item follows the plant again (a line's un-override); `new` is
    /// the plant's answer at that moment.
    pub inherit: bool,
    /// The plant's change, listed in the history of a line that inherits the item.
    pub plant: bool,
}

impl HistoryEntry {
    /// The mark before, if any.
    pub fn old_mark(&self) -> Option<Mark> {
        self.old
            .as_ref()
            .and_then(|r| r.mark.as_deref())
            .and_then(|m| Mark::parse(m).ok())
    }

    /// The mark after, if any.
    pub fn new_mark(&self) -> Option<Mark> {
        self.new
            .as_ref()
            .and_then(|r| r.mark.as_deref())
            .and_then(|m| Mark::parse(m).ok())
    }
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub(crate) struct HistoryRow {
    pub item_no: i64,
    pub version: i64,
    pub changed_at: String,
    pub changed_by: String,
    pub old_value: Option<String>,
    pub new_value: Option<String>,
    pub inherit: bool,
    #[sqlx(default)]
    pub plant: bool,
}

impl HistoryRow {
    pub(crate) fn into_entry(self) -> Result<HistoryEntry> {
        let parse = |v: Option<String>| -> Result<Option<RawAnswer>> {
            v.map(|s| serde_json::from_str(&s).map_err(|e| StoreError::Corrupt(e.to_string())))
                .transpose()
        };
        Ok(HistoryEntry {
            item: u16::try_from(self.item_no)
                .map_err(|_| StoreError::Corrupt(format!("item_no {}", self.item_no)))?,
            version: self.version,
            changed_at: self.changed_at,
            changed_by: self.changed_by,
            old: parse(self.old_value)?,
            new: parse(self.new_value)?,
            inherit: self.inherit,
            plant: self.plant,
        })
    }
}

/// A user account (personal; no shared or default accounts).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct User {
    /// Id.
    pub id: String,
    /// Login name.
    pub name: String,
    /// Role (stored as its key, `admin`, …).
    #[sqlx(try_from = "String")]
    pub role: kojo_domain::Role,
    /// Argon2id PHC string.
    #[serde(skip)]
    pub password_hash: String,
    /// Disabled accounts cannot log in.
    pub disabled: bool,
    /// Preferred language (`ja`, `en`).
    pub lang: String,
    /// Created.
    pub created_at: String,
    /// Last password change.
    pub password_changed_at: String,
}

/// An access-log entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct AuditEntry {
    /// Id.
    pub id: String,
    /// When.
    pub at: String,
    /// Who (user name), if known.
    pub actor: Option<String>,
    /// Client address.
    pub client: Option<String>,
    /// What (`login`, `login_failed`, `logout`, `user_add`, …).
    pub action: String,
    /// On what.
    pub target: Option<String>,
    /// Details.
    pub detail: Option<String>,
    /// Order key: strictly increasing in the order entries were written.
    pub seq: i64,
}

/// A web session.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Session {
    /// SHA-256 of the cookie token.
    pub token_hash: String,
    /// User.
    pub user_id: String,
    /// CSRF token for forms of this session.
    pub csrf_token: String,
    /// Created.
    pub created_at: String,
    /// Last request.
    pub last_seen: String,
    /// Client address.
    pub client: Option<String>,
}

/// Mark counts of one assessment, for lists (computed in one grouped query).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct MarkTally {
    /// Counts per mark in [`Mark::ALL`] order.
    pub counts: [u32; 5],
}

/// A review comment on an assessment or one of its items.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct Comment {
    /// Id.
    pub id: String,
    /// The assessment.
    pub assessment_id: String,
    /// The item, or `None` for the assessment as a whole.
    pub item_no: Option<i64>,
    /// Who wrote it.
    pub author: String,
    /// When.
    pub created_at: String,
    /// The text.
    pub body: String,
}

/// Failed-login counters that apply to one login attempt.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ThrottleState {
    /// This account from this client address.
    pub pair: FailureCount,
    /// This account from any address.
    pub account: FailureCount,
    /// Any account from this address.
    pub client: FailureCount,
    /// This address has logged in to this account before.
    pub known: bool,
}

/// Failures in the current window and when the last one happened.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FailureCount {
    /// Failures since the window began (or since the last success, for a pair).
    pub failures: i64,
    /// The last failure (RFC 3339), if any.
    pub last_failure: Option<String>,
}

/// A personal API token (the secret is never stored; only its SHA-256).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct ApiToken {
    /// Id (shown in lists; revoking names it).
    pub id: String,
    /// The user it acts as.
    pub user_id: String,
    /// That user's login name.
    pub user_name: String,
    /// What the owner called it.
    pub name: String,
    /// `read` or `write`.
    pub scope: String,
    /// Created.
    pub created_at: String,
    /// Expires (RFC 3339); `None`: until revoked.
    pub expires_at: Option<String>,
    /// Last request made with it.
    pub last_used_at: Option<String>,
    /// Revoked.
    pub revoked_at: Option<String>,
}

/// A token to store.
#[derive(Debug, Clone, Copy)]
pub struct NewApiToken<'a> {
    /// The user it acts as.
    pub user_id: &'a str,
    /// Its name.
    pub name: &'a str,
    /// `read` or `write`.
    pub scope: &'a str,
    /// SHA-256 (hex) of the secret.
    pub token_hash: &'a str,
    /// Expiry (RFC 3339).
    pub expires_at: Option<&'a str>,
}
