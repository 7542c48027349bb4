//! What changed between two catalog versions: per item, the kind of change (through the
//! mapping) and text diffs of the condition and the criteria.
//!
//! Text diffs use `similar` (Myers): by character for Japanese, which has no spaces between
//! words, and by word for English.

use crate::{Catalog, Change, ItemView, Lang, Mapping, Text};
use serde::Serialize;
use similar::{ChangeTag, TextDiff};

/// A run of text that is unchanged, inserted or deleted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Segment {
    /// `equal`, `insert` or `delete`.
    pub op: Op,
    /// The text.
    pub text: String,
}

/// The operation of a [`Segment`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Op {
    /// In both.
    Equal,
    /// Only in the newer text.
    Insert,
    /// Only in the older text.
    Delete,
}

impl From<ChangeTag> for Op {
    fn from(t: ChangeTag) -> Op {
        match t {
            ChangeTag::Equal => Op::Equal,
            ChangeTag::Insert => Op::Insert,
            ChangeTag::Delete => Op::Delete,
        }
    }
}

/// Diffs two texts in `lang`: by character (ja) or by word (en), runs of one operation joined.
pub fn text(old: &str, new: &str, lang: Lang) -> Vec<Segment> {
    let d = match lang {
        Lang::Ja => TextDiff::from_chars(old, new),
        Lang::En => TextDiff::from_words(old, new),
    };
    let mut out: Vec<Segment> = Vec::new();
    for c in d.iter_all_changes() {
        let op = Op::from(c.tag());
        match out.last_mut() {
            Some(last) if last.op == op => last.text.push_str(c.value()),
            _ => out.push(Segment {
                op,
                text: c.value().to_string(),
            }),
        }
    }
    out
}

/// Diffs two lists of lines: each line kept, inserted or deleted.
pub fn lines(old: &[String], new: &[String]) -> Vec<Segment> {
    let old: Vec<&str> = old.iter().map(String::as_str).collect();
    let new: Vec<&str> = new.iter().map(String::as_str).collect();
    TextDiff::from_slices(&old, &new)
        .iter_all_changes()
        .map(|c| Segment {
            op: Op::from(c.tag()),
            text: c.value().to_string(),
        })
        .collect()
}

/// An item's criteria as lines: each heading, then its entries as `・entry`.
pub fn criteria_lines(v: &ItemView<'_>, lang: Lang) -> Vec<String> {
    let mut out = Vec::new();
    for s in &v.item.criteria {
        if let Some(h) = &s.heading {
            out.push(h.get(lang).to_string());
        }
        out.extend(s.entries.iter().map(|e| format!("・{}", e.get(lang))));
    }
    out
}

/// One row of a catalog diff: a new item with where it comes from, or a removed old item.
#[derive(Debug, Clone)]
pub struct ItemDiff<'a> {
    /// The kind of change.
    pub change: Change,
    /// The item in the newer version (`None` when removed).
    pub new: Option<ItemView<'a>>,
    /// The items of the older version it comes from (the removed item itself when removed).
    pub old: Vec<ItemView<'a>>,
    /// The mapping's note.
    pub note: Option<&'a Text>,
}

impl ItemDiff<'_> {
    /// The condition's diff: old → new where there is one old item, else `None` (merged: show
    /// each old condition; new and removed: show the one text).
    pub fn condition(&self, lang: Lang) -> Option<Vec<Segment>> {
        match (self.old.as_slice(), self.new) {
            ([o], Some(n)) => Some(text(
                o.item.condition.get(lang),
                n.item.condition.get(lang),
                lang,
            )),
            _ => None,
        }
    }

    /// The criteria's line diff where there is one old item and one new one.
    pub fn criteria(&self, lang: Lang) -> Option<Vec<Segment>> {
        match (self.old.as_slice(), self.new) {
            ([o], Some(n)) => Some(lines(&criteria_lines(o, lang), &criteria_lines(&n, lang))),
            _ => None,
        }
    }
}

/// What changed from one catalog version to another.
#[derive(Debug, Clone)]
pub struct CatalogDiff<'a> {
    /// The older version.
    pub from: &'a Catalog,
    /// The newer version.
    pub to: &'a Catalog,
    /// One row per new item in order, each removed old item placed after the row of its
    /// predecessor.
    pub items: Vec<ItemDiff<'a>>,
}

impl<'a> CatalogDiff<'a> {
    /// Builds the diff of `from` → `to` through `mapping` (which must be checked against them).
    pub fn new(from: &'a Catalog, to: &'a Catalog, mapping: &'a Mapping) -> CatalogDiff<'a> {
        let mut rows: Vec<(u16, ItemDiff<'a>)> = Vec::new();
        for m in &mapping.items {
            let old: Vec<ItemView<'a>> = m.from.iter().filter_map(|o| from.item(*o)).collect();
            // Sort key: the first old item it comes from; new items follow their predecessor.
            let key = m
                .from
                .first()
                .copied()
                .unwrap_or_else(|| rows.last().map(|(k, _)| *k).unwrap_or(0));
            rows.push((
                key,
                ItemDiff {
                    change: m.change,
                    new: to.item(m.item),
                    old,
                    note: m.note.as_ref(),
                },
            ));
        }
        for r in &mapping.removed {
            let idx = rows
                .iter()
                .rposition(|(k, _)| *k < r.item)
                .map_or(0, |i| i + 1);
            rows.insert(
                idx,
                (
                    r.item,
                    ItemDiff {
                        change: Change::Removed,
                        new: None,
                        old: from.item(r.item).into_iter().collect(),
                        note: r.note.as_ref(),
                    },
                ),
            );
        }
        CatalogDiff {
            from,
            to,
            items: rows.into_iter().map(|(_, d)| d).collect(),
        }
    }

    /// How many rows of each kind, in [`Change`] order (same, reworded, split, merged, new,
    /// removed); a split counts once per new item.
    pub fn counts(&self) -> [(Change, usize); 6] {
        [
            Change::Same,
            Change::Reworded,
            Change::Split,
            Change::Merged,
            Change::New,
            Change::Removed,
        ]
        .map(|c| (c, self.items.iter().filter(|d| d.change == c).count()))
    }

    /// The rows that changed (everything but [`Change::Same`]).
    pub fn changed(&self) -> impl Iterator<Item = &ItemDiff<'a>> {
        self.items.iter().filter(|d| d.change != Change::Same)
    }
}
