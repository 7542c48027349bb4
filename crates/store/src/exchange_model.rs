//! Rows and inputs of the exchange between suppliers and customers.

use kojo_domain::{ActionItem, ContentHeader, RawAnswer, Review};
use serde::Serialize;

/// A company's registered public key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct CompanyKey {
    /// minisign key id (16 upper-case hex digits).
    pub key_id: String,
    /// The company.
    pub org_id: String,
    /// Its code.
    pub org_code: String,
    /// The base64 line of the `.pub` file.
    pub public_key: String,
    /// Registered.
    pub created_at: String,
    /// By whom.
    pub created_by: String,
    /// Retired (a newer key replaced it); `None` = current.
    pub retired_at: Option<String>,
}

/// One received package.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct ReceiptRow {
    /// Order key.
    pub seq: i64,
    /// The filed assessment (the supplier's id).
    pub assessment_id: String,
    /// The supplier.
    pub org_id: String,
    /// Its code.
    pub org_code: String,
    /// Plant code (as filed here).
    pub site_code: String,
    /// Plant name.
    pub site_name: String,
    /// Line code.
    pub line_code: Option<String>,
    /// Fiscal year.
    pub period: i64,
    /// Revision.
    pub revision: i64,
    /// The key that signed it.
    pub key_id: String,
    /// SHA-256 of the package file.
    pub package_sha256: String,
    /// Its size.
    pub package_size: i64,
    /// When it was received.
    pub received_at: String,
    /// By whom.
    pub received_by: String,
}

/// An answer as the supplier stored it.
#[derive(Debug, Clone)]
pub struct ReceivedAnswer {
    /// Item.
    pub item: u16,
    /// Stored fields, as they are.
    pub answer: RawAnswer,
    /// Re-confirmed.
    pub confirmed: bool,
    /// Who changed it last.
    pub updated_by: String,
    /// When.
    pub updated_at: String,
}

/// An evidence file of a received assessment (only those whose bytes came with the package).
#[derive(Debug, Clone)]
pub struct ReceivedEvidence<'a> {
    /// Item.
    pub item: u16,
    /// SHA-256 of `data`.
    pub sha256: String,
    /// File name.
    pub name: String,
    /// Media type.
    pub media_type: String,
    /// Uploaded by.
    pub uploaded_by: String,
    /// Uploaded at.
    pub uploaded_at: String,
    /// Valid until.
    pub valid_until: Option<String>,
    /// The bytes.
    pub data: &'a [u8],
}

/// A sign-off step as the supplier recorded it.
#[derive(Debug, Clone)]
pub struct ReceivedSignOff {
    /// Decision key.
    pub decision: String,
    /// Who.
    pub by: String,
    /// When.
    pub at: String,
    /// Comment.
    pub comment: Option<String>,
    /// Content hash.
    pub content_hash: String,
    /// Item hashes as JSON.
    pub item_hashes: String,
    /// What the registers said (canonical JSON), when the supplier recorded it.
    pub registers: Option<String>,
}

/// Everything filed from one verified package, in one transaction.
#[derive(Debug, Clone)]
pub struct Receipt<'a> {
    /// The supplier company (registered here).
    pub org_id: String,
    /// The key that signed it.
    pub key_id: String,
    /// Ids, period, revision, catalog (the supplier's ids are kept, so the sign-off hash
    /// recomputes here).
    pub header: ContentHeader,
    /// The plant's code here (`SUPPLIER.PLANT`) and name.
    pub site_code: String,
    /// Plant name.
    pub site_name: String,
    /// Line code and name.
    pub line: Option<(String, String)>,
    /// Assessor.
    pub assessor: Option<String>,
    /// Answers.
    pub answers: Vec<ReceivedAnswer>,
    /// Reviews.
    pub reviews: Vec<Review>,
    /// Actions.
    pub actions: Vec<ActionItem>,
    /// Evidence files included in the package.
    pub evidence: Vec<ReceivedEvidence<'a>>,
    /// Sign-off steps.
    pub signoffs: Vec<ReceivedSignOff>,
    /// The package file.
    pub package: &'a [u8],
    /// Who received it.
    pub by: String,
}

/// What happened to a receipt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReceiveOutcome {
    /// Filed. `newer`: the revision already received that is newer than this one (then this
    /// one is history, not the current result).
    Filed {
        /// A newer revision of the same scope and period, if one was received before.
        newer: Option<i64>,
    },
    /// This very revision was received before (at that time); nothing changed.
    AlreadyReceived {
        /// When.
        at: String,
    },
    /// The ids belong to this database's own data: nothing changed.
    OwnData,
}
