//! Rows of the registers (台帳): entries, their history, reviews and activity records.

use serde::Serialize;
use std::collections::BTreeMap;

/// An entry's values: field id → canonical text (no empty values), stored as one JSON object.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct EntryData(pub BTreeMap<String, String>);

impl EntryData {
    /// The JSON text stored (keys in order, so equal data is equal text).
    pub fn to_json(&self) -> String {
        serde_json::to_string(&self.0).unwrap_or_else(|_| "{}".into())
    }

    /// The values alone, lower-cased, one per line: what a search matches.
    pub fn search_text(&self) -> String {
        let mut s = String::new();
        for v in self.0.values() {
            s.push_str(&v.to_lowercase());
            s.push('\n');
        }
        s
    }

    /// One field's value.
    pub fn get(&self, field: &str) -> Option<&str> {
        self.0.get(field).map(String::as_str)
    }
}

impl TryFrom<String> for EntryData {
    type Error = serde_json::Error;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        serde_json::from_str(&s).map(EntryData)
    }
}

/// One entry of a register.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct RegisterEntry {
    /// Id.
    pub id: String,
    /// The plant.
    pub site_id: String,
    /// The line, when the entry belongs to one.
    pub line_id: Option<String>,
    /// The register kind (`firewall-rules`).
    pub kind: String,
    /// The value of the kind's key field.
    pub entry_key: String,
    /// The values.
    #[sqlx(try_from = "String")]
    pub data: EntryData,
    /// Retired (kept with its history, no longer in effect).
    pub retired: bool,
    /// Grows with every change; a writer must hold the current one.
    pub version: i64,
    /// Insertion order.
    pub seq: i64,
    /// When it was added.
    pub created_at: String,
    /// Who added it.
    pub created_by: String,
    /// When it last changed.
    pub updated_at: String,
    /// Who last changed it.
    pub updated_by: String,
}

/// A new entry, its values already as they are stored (JSON and search text): a 50,000-row
/// import holds 50,000 short strings rather than 50,000 trees of values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewEntry {
    /// The line, when the entry belongs to one.
    pub line_id: Option<String>,
    /// The key field's value.
    pub key: String,
    /// The values ([`EntryData::to_json`]).
    pub json: String,
    /// What a search matches ([`EntryData::search_text`]).
    pub search: String,
    /// What the register rules read of it (`kojo_domain::register::facts::EntryFacts`).
    pub facts: String,
}

impl NewEntry {
    /// A new entry with these values and the rules' facts of them.
    pub fn new(line_id: Option<String>, key: String, data: &EntryData, facts: String) -> NewEntry {
        NewEntry {
            line_id,
            key,
            json: data.to_json(),
            search: data.search_text(),
            facts,
        }
    }
}

/// A change of an entry's values, by one holding `version`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntryUpdate {
    /// The entry.
    pub id: String,
    /// The version the writer read.
    pub version: i64,
    /// The key field's value.
    pub key: String,
    /// The new values.
    pub data: EntryData,
    /// What the register rules read of them.
    pub facts: String,
}

/// Changes to one register of one plant, applied all together or not at all.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RegisterChanges {
    /// Entries to add.
    pub inserts: Vec<NewEntry>,
    /// Entries to change.
    pub updates: Vec<EntryUpdate>,
    /// Entries to retire: (id, version read).
    pub retires: Vec<(String, i64)>,
    /// Retired entries to put back in effect: (id, version read).
    pub restores: Vec<(String, i64)>,
}

/// What [`RegisterChanges`] did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct ChangeCounts {
    /// Entries added.
    pub inserted: usize,
    /// Entries changed.
    pub updated: usize,
    /// Entries retired.
    pub retired: usize,
    /// Entries put back in effect.
    pub restored: usize,
}

/// One change in an entry's history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct EntryChange {
    /// The entry.
    pub entry_id: String,
    /// The version this change made.
    pub version: i64,
    /// `add`, `edit`, `retire` or `restore`.
    pub change: String,
    /// When.
    pub changed_at: String,
    /// Who.
    pub changed_by: String,
    /// The values before (JSON), none for `add`.
    pub old_data: Option<String>,
    /// The values after (JSON).
    pub new_data: Option<String>,
}

/// How to list a register: filter, order, page.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EntryQuery {
    /// Retired entries instead of those in effect.
    pub retired: bool,
    /// Entries whose values contain this text (case-insensitive for ASCII).
    pub search: Option<String>,
    /// Entries whose field equals the value exactly: (field id, canonical value).
    pub equals: Vec<(String, String)>,
    /// Order by this field's value (else insertion order), descending when `desc`.
    pub sort: Option<String>,
    /// Descending order.
    pub desc: bool,
    /// Rows to skip.
    pub offset: i64,
    /// Rows to return at most.
    pub limit: i64,
}

/// A review (棚卸) of one register of one plant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct RegisterReview {
    /// Id.
    pub id: String,
    /// The plant.
    pub site_id: String,
    /// The register kind.
    pub kind: String,
    /// The day of the review (ISO date).
    pub reviewed_on: String,
    /// Who reviewed.
    pub reviewer: String,
    /// A note.
    pub note: Option<String>,
    /// Entries in effect when reviewed.
    pub entries: i64,
    /// SHA-256 (hex) of the entries as reviewed.
    pub entries_hash: String,
    /// When it was recorded.
    pub recorded_at: String,
    /// Who recorded it.
    pub recorded_by: String,
}

/// One occurrence of a periodic activity.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct ActivityRecord {
    /// Id.
    pub id: String,
    /// The plant.
    pub site_id: String,
    /// The activity kind.
    pub activity: String,
    /// The item it serves.
    pub item_no: i64,
    /// The day it was done (ISO date).
    pub done_on: String,
    /// What was done.
    pub what: Option<String>,
    /// Participants (a count or names).
    pub participants: Option<String>,
    /// A note.
    pub note: Option<String>,
    /// Evidence (a file name, document number or link).
    pub evidence: Option<String>,
    /// When it was recorded.
    pub recorded_at: String,
    /// Who recorded it.
    pub recorded_by: String,
}

/// A ledger file uploaded to the web's import wizard, kept between its steps.
#[derive(Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct RegisterUpload {
    /// Random id (the wizard's URL names it).
    pub id: String,
    /// The plant.
    pub site_id: String,
    /// The register kind.
    pub kind: String,
    /// Who uploaded it (only they may continue).
    pub username: String,
    /// The file's name as uploaded.
    pub file_name: String,
    /// The file.
    pub content: Vec<u8>,
    /// When (RFC 3339).
    pub created_at: String,
}

impl std::fmt::Debug for RegisterUpload {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RegisterUpload")
            .field("id", &self.id)
            .field("site_id", &self.site_id)
            .field("kind", &self.kind)
            .field("username", &self.username)
            .field("file_name", &self.file_name)
            .field("content", &format_args!("{} bytes", self.content.len()))
            .field("created_at", &self.created_at)
            .finish()
    }
}
