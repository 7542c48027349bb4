//! The canonical content of an assessment that a sign-off seals with SHA-256.
//!
//! Each item's content (its stored answer fields, this cycle's review and the SHA-256 of every
//! attached evidence file) is serialised as JSON with a fixed field order and hashed; the
//! assessment's hash covers its identity (id, scope, period, revision, catalog) and every item
//! hash in item order. Keeping the item hashes lets `verify` name the items that changed.

use crate::{RawAnswer, Review};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

/// What identifies the assessment a hash is for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContentHeader {
    /// Assessment id.
    pub id: String,
    /// Plant id.
    pub site_id: String,
    /// Line id.
    pub line_id: Option<String>,
    /// Fiscal year.
    pub period: i64,
    /// Revision.
    pub revision: i64,
    /// Catalog id and version.
    pub catalog_id: String,
}

/// One item's signed content.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ItemContent {
    /// The answer's stored fields (`None`: unanswered).
    pub answer: Option<RawAnswer>,
    /// This cycle's review.
    pub review: Option<Review>,
    /// SHA-256 of each attached evidence file, sorted.
    pub evidence: Vec<String>,
}

/// The hashes of an assessment's content.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ContentHash {
    /// SHA-256 (hex) over the header and every item hash.
    pub hash: String,
    /// SHA-256 (hex) of each item with any content.
    pub items: BTreeMap<u16, String>,
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// SHA-256 of `bytes` as lower-case hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

impl ContentHash {
    /// Hashes `items` (sorted evidence lists are sorted again here) for `header`.
    pub fn compute(header: &ContentHeader, items: &BTreeMap<u16, ItemContent>) -> ContentHash {
        let mut per_item = BTreeMap::new();
        for (no, c) in items {
            if c.answer.is_none() && c.review.is_none() && c.evidence.is_empty() {
                continue;
            }
            let mut c = c.clone();
            c.evidence.sort();
            // Serialising plain structs of strings cannot fail.
            let json = serde_json::to_vec(&(no, &c)).unwrap_or_default();
            per_item.insert(*no, sha256_hex(&json));
        }
        let mut h = Sha256::new();
        h.update(serde_json::to_vec(header).unwrap_or_default());
        for (no, ih) in &per_item {
            h.update(format!("\n{no}:{ih}").as_bytes());
        }
        ContentHash {
            hash: hex(&h.finalize()),
            items: per_item,
        }
    }

    /// This hash with what the registers said sealed in ([`crate::register::Snapshot`] as
    /// recorded, canonical JSON): SHA-256 over the content hash, a separator and the snapshot's
    /// SHA-256. `None` (a plant without register data, or a step recorded before kojo kept
    /// registers) leaves the hash as it is. The item hashes are the answers' alone.
    pub fn with_registers(self, snapshot: Option<&str>) -> ContentHash {
        let Some(json) = snapshot else { return self };
        let mut h = Sha256::new();
        h.update(self.hash.as_bytes());
        h.update(b"\nregisters:");
        h.update(sha256_hex(json.as_bytes()).as_bytes());
        ContentHash {
            hash: hex(&h.finalize()),
            items: self.items,
        }
    }

    /// Items whose hash differs between `self` (recorded) and `now` (recomputed), in order.
    pub fn changed_items(&self, now: &ContentHash) -> Vec<u16> {
        let mut keys: Vec<u16> = self.items.keys().chain(now.items.keys()).copied().collect();
        keys.sort_unstable();
        keys.dedup();
        keys.into_iter()
            .filter(|k| self.items.get(k) != now.items.get(k))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header() -> ContentHeader {
        ContentHeader {
            id: "a".into(),
            site_id: "s".into(),
            line_id: None,
            period: 2027,
            revision: 1,
            catalog_id: "c".into(),
        }
    }

    #[test]
    fn a_change_of_one_item_changes_the_hash_and_names_the_item() {
        let raw = |m: &str| RawAnswer {
            mark: Some(m.into()),
            ..Default::default()
        };
        let mut items = BTreeMap::new();
        items.insert(
            1,
            ItemContent {
                answer: Some(raw("implemented")),
                ..Default::default()
            },
        );
        items.insert(
            2,
            ItemContent {
                answer: Some(raw("not_considered")),
                ..Default::default()
            },
        );
        let before = ContentHash::compute(&header(), &items);
        assert_eq!(
            before,
            ContentHash::compute(&header(), &items),
            "deterministic"
        );
        items.get_mut(&2).unwrap().answer = Some(raw("implemented"));
        let after = ContentHash::compute(&header(), &items);
        assert_ne!(before.hash, after.hash);
        assert_eq!(before.changed_items(&after), vec![2]);
        let mut h2 = header();
        h2.revision = 2;
        assert_ne!(ContentHash::compute(&h2, &items).hash, after.hash);
    }
}
