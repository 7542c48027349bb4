//! What the rules read about a plant: per register its entries in effect and its last review,
//! per activity the dates it was done.
//!
//! An entry's facts are the few things the rules read of it ([`EntryFacts::of`]): its key, the
//! required fields it lacks, and the values of [`FIELDS_READ`] (of a field only checked for
//! presence, a mark that it is present). The store keeps them beside the entry's values
//! (`register_entries.facts`), written with them, so computing a plant's suggestions reads a
//! few dozen bytes per entry instead of every value: for 50,000 assets about 3.5 MB instead of
//! 22 MB of JSON, and no JSON to parse.
//!
//! The stored form is a run of length-prefixed segments (`8:A-000001` …): key, missing fields,
//! then one per field read, in [`FIELDS_READ`] order. No value needs escaping, and the entries
//! of a register concatenated in one string (one aggregate query) are split again by counting
//! segments. What the facts hold depends on the kinds' required fields and on [`FIELDS_READ`];
//! [`layout`] names that, so stored facts written under another layout are derived again.

use chrono::NaiveDate;
use kojo_catalog::Registers;
use kojo_catalog::registers::RegisterKind;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::sync::Arc;

/// Field ids the rules read, per register kind, in the order the stored facts hold them:
/// checked against the data by a test, so a renamed field cannot silently switch a rule off.
pub const FIELDS_READ: &[(&str, &[&str])] = &[
    ("firewall-rules", &["state", "expiry"]),
    ("remote-ids", &["state", "expiry"]),
    (
        "assets",
        &[
            "state",
            "support-end",
            "patch-state",
            "patch-exemption-reason",
            "device-type",
            "anti-malware",
            "anti-malware-reason",
        ],
    ),
    ("disposals", &["erasure-record"]),
    ("backups", &["restore-procedure", "last-restore-test"]),
];

/// Fields of [`FIELDS_READ`] the rules only check for presence: the facts hold `1` for them,
/// not the text (a reason or a procedure can be long).
pub const PRESENCE_ONLY: &[&str] = &[
    "patch-exemption-reason",
    "anti-malware-reason",
    "restore-procedure",
    "erasure-record",
];

/// Required fields that have a rule of their own and so are not also reported as missing.
pub const OWN_RULE: &[&str] = &["restore-procedure", "erasure-record"];

/// The layout's version: raise it when the stored form changes.
const FORMAT: &str = "kojo-register-facts/1";

fn fields_read(kind: &str) -> &'static [&'static str] {
    FIELDS_READ
        .iter()
        .find(|(k, _)| *k == kind)
        .map_or(&[], |(_, f)| f)
}

/// The most segments an entry's facts have: key, missing fields and the fields read.
const MAX_SEGMENTS: usize = {
    let mut max = 0;
    let mut i = 0;
    while i < FIELDS_READ.len() {
        if FIELDS_READ[i].1.len() > max {
            max = FIELDS_READ[i].1.len();
        }
        i += 1;
    }
    max + 2
};

/// One entry as the rules see it (retired entries are not given to the rules).
///
/// The entries of one register share the text they were read from: reading 50,000 entries
/// allocates nothing per entry.
#[derive(Debug, Clone)]
pub struct EntryFacts {
    /// The fields held after the key and the missing fields.
    fields: &'static [&'static str],
    /// The text it was read from (its own stored form, or its register's concatenated).
    text: Arc<String>,
    /// Where its stored form is in `text`.
    whole: (u32, u32),
    /// Where each segment's value is in `text` (found once, read by every rule).
    spans: [(u32, u32); MAX_SEGMENTS],
}

impl PartialEq for EntryFacts {
    fn eq(&self, other: &Self) -> bool {
        self.fields == other.fields && self.as_str() == other.as_str()
    }
}

impl Eq for EntryFacts {}

/// Stored facts that do not parse (a damaged database).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("register facts of {kind}: {detail}")]
pub struct BadFacts {
    /// The register kind.
    pub kind: String,
    /// What is wrong.
    pub detail: String,
}

fn push_segment(out: &mut String, value: &str) {
    use std::fmt::Write;
    let _ = write!(out, "{}:", value.len());
    out.push_str(value);
}

impl EntryFacts {
    /// The facts of an entry of `kind` with these values (field id → canonical value, absent
    /// when empty).
    pub fn of(kind: &RegisterKind, values: &BTreeMap<String, String>) -> EntryFacts {
        let value = |f: &str| values.get(f).map(String::as_str).filter(|v| !v.is_empty());
        let fields = fields_read(&kind.id);
        let mut text = String::with_capacity(64);
        push_segment(&mut text, value(&kind.key).unwrap_or(""));
        let missing: Vec<&str> = kind
            .fields
            .iter()
            .filter(|f| f.required && !OWN_RULE.contains(&f.id.as_str()) && value(&f.id).is_none())
            .map(|f| f.id.as_str())
            .collect();
        push_segment(&mut text, &missing.join(","));
        for f in fields {
            let v = value(f);
            let v = if PRESENCE_ONLY.contains(f) {
                v.map(|_| "1")
            } else {
                v
            };
            push_segment(&mut text, v.unwrap_or(""));
        }
        let text = Arc::new(text);
        let (one, end) = Self::parse_one(fields, &text, 0)
            .unwrap_or_else(|| unreachable!("facts written here parse: {text:?}"));
        debug_assert_eq!(end, text.len());
        one
    }

    /// The entry of `text` that starts at `at`, and where it ends; `None` if it is not one.
    fn parse_one(
        fields: &'static [&'static str],
        text: &Arc<String>,
        at: usize,
    ) -> Option<(EntryFacts, usize)> {
        let bytes = text.as_bytes();
        let mut spans = [(0u32, 0u32); MAX_SEGMENTS];
        let mut pos = at;
        for span in spans.iter_mut().take(fields.len() + 2) {
            // `len:` then `len` bytes, ending on a character boundary.
            let (mut len, mut digits) = (0usize, 0);
            loop {
                let b = *bytes.get(pos)?;
                pos += 1;
                match b {
                    b'0'..=b'9' if digits < 10 => {
                        len = len.checked_mul(10)?.checked_add(usize::from(b - b'0'))?;
                        digits += 1;
                    }
                    b':' if digits > 0 => break,
                    _ => return None,
                }
            }
            let end = pos.checked_add(len).filter(|e| text.is_char_boundary(*e))?;
            *span = (u32::try_from(pos).ok()?, u32::try_from(end).ok()?);
            pos = end;
        }
        let one = EntryFacts {
            fields,
            text: text.clone(),
            whole: (u32::try_from(at).ok()?, u32::try_from(pos).ok()?),
            spans,
        };
        Some((one, pos))
    }

    /// The stored form.
    pub fn as_str(&self) -> &str {
        self.text
            .get(self.whole.0 as usize..self.whole.1 as usize)
            .unwrap_or("")
    }

    /// The stored form, owned.
    pub fn into_string(self) -> String {
        self.as_str().to_string()
    }

    /// The entries of a register of kind `kind`, their stored forms concatenated.
    pub fn parse_all(kind: &str, text: String) -> Result<Vec<EntryFacts>, BadFacts> {
        let fields = fields_read(kind);
        let text = Arc::new(text);
        let mut entries = Vec::new();
        let mut at = 0;
        while at < text.len() {
            let (one, end) = Self::parse_one(fields, &text, at).ok_or_else(|| BadFacts {
                kind: kind.to_string(),
                detail: format!("entry {} is not a run of length:value", entries.len() + 1),
            })?;
            entries.push(one);
            at = end;
        }
        Ok(entries)
    }

    fn segment(&self, n: usize) -> Option<&str> {
        let (start, end) = *self.spans.get(n)?;
        self.text.get(start as usize..end as usize)
    }

    /// The key field's value (what a finding names).
    pub fn key(&self) -> &str {
        self.segment(0).unwrap_or("")
    }

    /// The required fields it lacks (other than those with a rule of their own), comma-separated.
    pub fn missing(&self) -> Option<&str> {
        self.segment(1).filter(|m| !m.is_empty())
    }

    /// A field's value (`1` for a field only checked for presence), absent when empty or not
    /// among the fields read.
    pub fn get(&self, field: &str) -> Option<&str> {
        let n = self.fields.iter().position(|f| *f == field)?;
        self.segment(n + 2).filter(|v| !v.is_empty())
    }

    /// A date field's value.
    pub fn date(&self, field: &str) -> Option<NaiveDate> {
        self.get(field)
            .and_then(|v| NaiveDate::parse_from_str(v, "%Y-%m-%d").ok())
    }
}

/// Names what [`EntryFacts::of`] writes under these kinds: facts stored under another layout
/// are derived again from the entries' values.
pub fn layout(registers: &Registers) -> String {
    let mut h = Sha256::new();
    let mut put = |s: &str| {
        h.update(s.as_bytes());
        h.update([0]);
    };
    put(FORMAT);
    for (kind, fields) in FIELDS_READ {
        put(kind);
        fields.iter().for_each(|f| put(f));
    }
    PRESENCE_ONLY.iter().for_each(|f| put(f));
    OWN_RULE.iter().for_each(|f| put(f));
    for k in &registers.kinds {
        put(&k.id);
        put(&k.key);
        for f in k.fields.iter().filter(|f| f.required) {
            put(&f.id);
        }
    }
    let digest = h.finalize();
    digest[..8].iter().map(|b| format!("{b:02x}")).collect()
}

/// One register of one plant: its current entries and its latest review (棚卸).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RegisterFacts {
    /// The entries in effect (not retired).
    pub entries: Vec<EntryFacts>,
    /// The date of the latest review, if any.
    pub last_review: Option<NaiveDate>,
}

/// Everything the rules read about one plant.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Facts {
    /// Register kind id → its facts (a kind with nothing recorded may be absent).
    pub registers: BTreeMap<String, RegisterFacts>,
    /// Activity kind id → the dates it was done.
    pub occurrences: BTreeMap<String, Vec<NaiveDate>>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds() -> &'static Registers {
        kojo_catalog::builtin().unwrap().registers.as_ref().unwrap()
    }

    #[test]
    fn facts_round_trip_through_their_stored_form() {
        let kind = kinds().kind("assets").unwrap();
        let mut v = BTreeMap::new();
        v.insert("asset-id".to_string(), "A:1\u{1f}\n 資産".to_string());
        v.insert("state".to_string(), "in-use".to_string());
        v.insert("patch-exemption-reason".to_string(), "長い理由".repeat(40));
        let one = EntryFacts::of(kind, &v);
        v.insert("asset-id".to_string(), "A-2".to_string());
        v.insert("support-end".to_string(), "2026-03-31".to_string());
        let two = EntryFacts::of(kind, &v);
        let joined = format!("{}{}", one.as_str(), two.as_str());
        let back = EntryFacts::parse_all("assets", joined).unwrap();
        assert_eq!(back, [one.clone(), two.clone()]);
        assert_eq!(back[0].key(), "A:1\u{1f}\n 資産");
        assert_eq!(back[0].get("state"), Some("in-use"));
        assert_eq!(back[0].get("patch-exemption-reason"), Some("1"));
        assert_eq!(back[0].get("support-end"), None);
        assert_eq!(back[0].get("manager"), None, "not a field read");
        assert!(back[0].missing().unwrap().contains("manager"));
        assert_eq!(
            back[1].date("support-end"),
            NaiveDate::from_ymd_opt(2026, 3, 31)
        );
        assert!(one.as_str().len() < 120, "{}", one.as_str());
        assert_eq!(EntryFacts::parse_all("assets", String::new()).unwrap(), []);
    }

    #[test]
    fn damaged_facts_are_an_error_not_a_panic() {
        let kind = kinds().kind("firewall-rules").unwrap();
        let good = EntryFacts::of(kind, &BTreeMap::new());
        for bad in [
            "x",
            "3:ab",
            "99999999999:a",
            "1:a1:b",
            &good.as_str()[..good.as_str().len() - 1],
            "1:\u{e9}",
        ] {
            assert!(
                EntryFacts::parse_all("firewall-rules", bad.to_string()).is_err(),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn the_layout_names_the_required_fields() {
        let a = layout(kinds());
        let mut changed = kinds().clone();
        let f = changed.kinds[0]
            .fields
            .iter_mut()
            .find(|f| !f.required)
            .unwrap();
        f.required = true;
        assert_ne!(layout(&changed), a);
        assert_eq!(layout(kinds()), a);
    }
}
