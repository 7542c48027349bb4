//! The hash chain of the access log (guideline items 18 and 59): pure functions, no I/O.
//!
//! A record's hash is `SHA-256(prev_hash ‖ "\n" ‖ content)`, where `content` is the record's
//! fields as a JSON array in a fixed order and `prev_hash` is the hash of the record before it
//! ([`GENESIS`] for the first). Changing, removing or inserting a record breaks every later
//! link. An answer-history row is hashed the same way, and the record that announced it holds
//! that hash in `ref_hash`, so editing history in the database breaks the chain too.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// The `prev_hash` of the first record.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// One chained access-log record, as stored and as exported.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, sqlx::FromRow)]
pub struct ChainRecord {
    /// Order key (strictly increasing, no gaps).
    pub seq: i64,
    /// When (RFC 3339 UTC).
    pub at: String,
    /// Who.
    pub actor: Option<String>,
    /// Client address.
    pub client: Option<String>,
    /// What.
    pub action: String,
    /// On what.
    pub target: Option<String>,
    /// Details.
    pub detail: Option<String>,
    /// The hash of the answer-history row this record announces, if any.
    pub ref_hash: Option<String>,
    /// The hash of the record before.
    pub prev_hash: Option<String>,
    /// This record's hash.
    pub hash: Option<String>,
}

impl ChainRecord {
    /// The hash this record must have, given the hash of the record before it.
    pub fn compute(&self, prev_hash: &str) -> String {
        let content = serde_json::json!([
            self.seq,
            self.at,
            self.actor,
            self.client,
            self.action,
            self.target,
            self.detail,
            self.ref_hash
        ]);
        link(prev_hash, &content.to_string())
    }
}

/// `SHA-256(prev ‖ "\n" ‖ content)` in lower-case hex.
pub fn link(prev: &str, content: &str) -> String {
    let mut h = Sha256::new();
    h.update(prev.as_bytes());
    h.update(b"\n");
    h.update(content.as_bytes());
    hex(&h.finalize())
}

/// The hash of one answer-history row (every column but its link to the chain).
#[allow(clippy::too_many_arguments)]
pub fn history_hash(
    id: &str,
    assessment_id: &str,
    item_no: i64,
    version: i64,
    changed_at: &str,
    changed_by: &str,
    old_value: Option<&str>,
    new_value: Option<&str>,
    seq: Option<i64>,
    inherit: bool,
) -> String {
    let content = serde_json::json!([
        id,
        assessment_id,
        item_no,
        version,
        changed_at,
        changed_by,
        old_value,
        new_value,
        seq,
        inherit
    ]);
    let mut h = Sha256::new();
    h.update(content.to_string().as_bytes());
    hex(&h.finalize())
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes.iter().fold(String::with_capacity(64), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

/// What is wrong with one link, found while walking a chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "problem", rename_all = "snake_case")]
pub enum Break {
    /// The record's content does not give its stored hash (the record was edited).
    Content {
        /// Order key of the record.
        seq: i64,
    },
    /// The record does not follow the record before it (one was removed, inserted or edited).
    Link {
        /// Order key of the record.
        seq: i64,
        /// The order key it should have had, when that differs.
        expected_seq: i64,
    },
    /// An answer-history row whose content differs from what the chain recorded.
    History {
        /// The history row's id.
        id: String,
        /// Its assessment.
        assessment_id: String,
        /// Its item.
        item: i64,
        /// Its version.
        version: i64,
    },
    /// An answer-history row the chain never announced (inserted afterwards).
    Unchained {
        /// The history row's id.
        id: String,
        /// Its assessment.
        assessment_id: String,
        /// Its item.
        item: i64,
        /// Its version.
        version: i64,
    },
    /// A record announcing an answer-history row that no longer exists (the row was deleted).
    MissingHistory {
        /// Order key of the record.
        seq: i64,
    },
    /// The chain ends before records it is known to have had (the last ones were removed).
    Truncated {
        /// The last order key present.
        last: i64,
        /// The order key the chain is known to have reached.
        expected: i64,
    },
    /// A recorded anchor does not match the record it names.
    Anchor {
        /// The anchor's order key.
        seq: i64,
    },
}

/// Walks records in order, from the anchor `(seq, hash)` the first record must follow.
#[derive(Debug, Clone)]
pub struct Walker {
    next_seq: i64,
    prev: String,
    /// Records checked.
    pub checked: u64,
    /// The first break found.
    pub first_break: Option<Break>,
}

impl Walker {
    /// Starts after the record `seq` whose hash is `hash` (`(0, GENESIS)` for the beginning).
    pub fn new(seq: i64, hash: &str) -> Walker {
        Walker {
            next_seq: seq + 1,
            prev: hash.to_string(),
            checked: 0,
            first_break: None,
        }
    }

    /// Checks the next record; returns its break, if any. After a break the walk goes on from
    /// the record's own stored hash, so one edit is reported once, not for every later record.
    pub fn step(&mut self, r: &ChainRecord) -> Option<Break> {
        self.checked += 1;
        let stored = r.hash.clone().unwrap_or_default();
        let problem = if r.seq != self.next_seq || r.prev_hash.as_deref() != Some(&self.prev) {
            Some(Break::Link {
                seq: r.seq,
                expected_seq: self.next_seq,
            })
        } else if r.compute(&self.prev) != stored {
            Some(Break::Content { seq: r.seq })
        } else {
            None
        };
        self.next_seq = r.seq + 1;
        self.prev = stored;
        if self.first_break.is_none() {
            self.first_break.clone_from(&problem);
        }
        problem
    }

    /// The order key of the last record walked (the anchor's when none was).
    pub fn last_seq(&self) -> i64 {
        self.next_seq - 1
    }

    /// The hash of the last record walked.
    pub fn last_hash(&self) -> &str {
        &self.prev
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(seq: i64, prev: &str, action: &str) -> ChainRecord {
        let mut r = ChainRecord {
            seq,
            at: "2026-12-05T00:00:00.000Z".into(),
            actor: Some("admin".into()),
            client: None,
            action: action.into(),
            target: None,
            detail: None,
            ref_hash: None,
            prev_hash: Some(prev.into()),
            hash: None,
        };
        r.hash = Some(r.compute(prev));
        r
    }

    fn chain(n: i64) -> Vec<ChainRecord> {
        let mut prev = GENESIS.to_string();
        (1..=n)
            .map(|s| {
                let r = rec(s, &prev, "login");
                prev = r.hash.clone().unwrap();
                r
            })
            .collect()
    }

    #[test]
    fn an_intact_chain_walks_clean() {
        let mut w = Walker::new(0, GENESIS);
        for r in &chain(5) {
            assert_eq!(w.step(r), None);
        }
        assert_eq!((w.checked, w.last_seq()), (5, 5));
    }

    #[test]
    fn an_edited_record_is_named_once() {
        let mut c = chain(5);
        c[2].action = "logout".into();
        let mut w = Walker::new(0, GENESIS);
        let breaks: Vec<_> = c.iter().filter_map(|r| w.step(r)).collect();
        assert_eq!(breaks, vec![Break::Content { seq: 3 }]);
    }

    #[test]
    fn a_removed_record_breaks_the_link_of_the_next() {
        let mut c = chain(5);
        c.remove(1);
        let mut w = Walker::new(0, GENESIS);
        let breaks: Vec<_> = c.iter().filter_map(|r| w.step(r)).collect();
        assert_eq!(
            breaks,
            vec![Break::Link {
                seq: 3,
                expected_seq: 2
            }]
        );
    }

    #[test]
    fn a_rehashed_edit_breaks_the_next_link() {
        let mut c = chain(4);
        c[1].detail = Some("changed".into());
        c[1].hash = Some(c[1].compute(c[1].prev_hash.as_deref().unwrap()));
        let mut w = Walker::new(0, GENESIS);
        let breaks: Vec<_> = c.iter().filter_map(|r| w.step(r)).collect();
        assert_eq!(
            breaks,
            vec![Break::Link {
                seq: 3,
                expected_seq: 3
            }]
        );
    }

    #[test]
    fn a_range_verifies_from_its_anchor() {
        let c = chain(6);
        let anchor = &c[2];
        let mut w = Walker::new(anchor.seq, anchor.hash.as_deref().unwrap());
        assert!(c[3..].iter().all(|r| w.step(r).is_none()));
        let mut wrong = Walker::new(anchor.seq, GENESIS);
        assert!(wrong.step(&c[3]).is_some());
    }
}
