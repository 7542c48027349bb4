//! `assessment.json`: kojo's canonical JSON of one approved assessment revision.
//!
//! It carries what the sign-off sealed (each item's stored answer fields, this cycle's review,
//! the SHA-256 of each evidence file) exactly as stored, so the receiver recomputes the sign-off
//! hash from it and compares it with the manifest's; plus what a reader needs around it: names,
//! the action plan, evidence metadata and the sign-off steps. Fields are never re-parsed on the
//! way: a value the receiver would not accept as input still arrives as it was approved.

use kojo_domain::{ActionItem, ContentHash, ContentHeader, ItemContent, RawAnswer, Review};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The version of this document's format.
pub const DOC_FORMAT: u32 = 1;

/// A company, plant or line: its code and name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Party {
    /// Code.
    pub code: String,
    /// Name.
    pub name: String,
}

/// One answered item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AnswerDoc {
    /// Item number.
    pub item: u16,
    /// The stored fields.
    pub answer: RawAnswer,
    /// `false` while an answer carried from last year awaited re-confirmation.
    pub confirmed: bool,
    /// Whether the item followed the plant's answer (a line that inherits).
    pub inherited: bool,
    /// Who last changed it.
    pub updated_by: String,
    /// When (RFC 3339).
    pub updated_at: String,
}

/// An evidence file's metadata (the file itself travels only with `--with-evidence`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EvidenceDoc {
    /// Item number.
    pub item: u16,
    /// SHA-256 (hex) of the file.
    pub sha256: String,
    /// File name.
    pub name: String,
    /// Media type.
    pub media_type: String,
    /// Size in bytes.
    pub size: u64,
    /// Who uploaded it.
    pub uploaded_by: String,
    /// When (RFC 3339).
    pub uploaded_at: String,
    /// Valid until (YYYY-MM-DD).
    pub valid_until: Option<String>,
}

/// A recorded sign-off step.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignOffDoc {
    /// `submit`, `confirm`, `approve` or `return`.
    pub decision: String,
    /// Who.
    pub by: String,
    /// When (RFC 3339).
    pub at: String,
    /// Comment.
    pub comment: Option<String>,
    /// The content hash it sealed.
    pub content_hash: String,
    /// The item hashes it sealed.
    pub item_hashes: BTreeMap<u16, String>,
    /// What the registers said when it was made (`kojo_domain::register::Snapshot` as the
    /// canonical JSON that was hashed), sealed into `content_hash`; absent for a plant without
    /// register data.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub registers: Option<String>,
}

/// The whole document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AssessmentDoc {
    /// [`DOC_FORMAT`].
    pub format: u32,
    /// What the content hash identifies the assessment by (ids, period, revision, catalog).
    pub header: ContentHeader,
    /// The company.
    pub company: Party,
    /// The plant.
    pub plant: Party,
    /// The line, when the scope is one line.
    pub line: Option<Party>,
    /// Assessor printed on reports.
    pub assessor: Option<String>,
    /// Status key (`approved`).
    pub status: String,
    /// Answers in item order.
    pub answers: Vec<AnswerDoc>,
    /// This cycle's reviews in item order.
    pub reviews: Vec<Review>,
    /// The action plan.
    pub actions: Vec<ActionItem>,
    /// Evidence metadata in item order.
    pub evidence: Vec<EvidenceDoc>,
    /// Sign-off steps in the order they were made.
    pub signoffs: Vec<SignOffDoc>,
}

impl AssessmentDoc {
    /// The sealed content per item, as the sign-off hashed it.
    pub fn content(&self) -> BTreeMap<u16, ItemContent> {
        let mut items: BTreeMap<u16, ItemContent> = BTreeMap::new();
        for a in &self.answers {
            items.entry(a.item).or_default().answer = Some(a.answer.clone());
        }
        for r in &self.reviews {
            items.entry(r.item).or_default().review = Some(r.clone());
        }
        for e in &self.evidence {
            items
                .entry(e.item)
                .or_default()
                .evidence
                .push(e.sha256.clone());
        }
        items
    }

    /// The content hash recomputed from this document, with what the registers said at
    /// approval sealed in.
    pub fn content_hash(&self) -> ContentHash {
        ContentHash::compute(&self.header, &self.content())
            .with_registers(self.approval().and_then(|a| a.registers.as_deref()))
    }

    /// The last approval step (what the package is sealed by).
    pub fn approval(&self) -> Option<&SignOffDoc> {
        self.signoffs.iter().rfind(|s| s.decision == "approve")
    }

    /// The answer of `item`, if any.
    pub fn answer(&self, item: u16) -> Option<&RawAnswer> {
        self.answers
            .iter()
            .find(|a| a.item == item)
            .map(|a| &a.answer)
    }
}
