//! Mappings between catalog versions.
//!
//! A mapping file (`data/mappings/FROM--TO.toml`) says, for every item of the newer version,
//! which items of the older one it comes from, and lists the older items that no newer item
//! comes from. It is data a reviewer reads line by line; [`Mapping::check`] holds it to both
//! catalogs so that a mapping that forgets an item, or calls a merge a split, does not load.

use crate::{Catalog, CatalogError, Text};
use serde::{Deserialize, Serialize};

/// How one item of the newer version relates to the older one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Change {
    /// One old item carries over unchanged.
    Same,
    /// One old item carries over with its condition or criteria reworded (derived from the
    /// texts: a mapping file says `same`).
    Reworded,
    /// One old item became several new items.
    Split,
    /// Several old items became this one.
    Merged,
    /// No old item.
    New,
    /// An old item no new item comes from.
    Removed,
}

impl Change {
    /// Stable key (`same`, `reworded`, …), also the i18n key suffix.
    pub fn key(self) -> &'static str {
        match self {
            Change::Same => "same",
            Change::Reworded => "reworded",
            Change::Split => "split",
            Change::Merged => "merged",
            Change::New => "new",
            Change::Removed => "removed",
        }
    }

    /// Whether an answer carried through this change must be confirmed again: the item is not
    /// the one that was answered (split, merged) or its wording changed.
    pub fn needs_confirmation(self) -> bool {
        matches!(self, Change::Reworded | Change::Split | Change::Merged)
    }
}

/// One item of the newer version and where it comes from.
#[derive(Debug, Clone, Serialize)]
pub struct MappedItem {
    /// The item number in the newer version.
    pub item: u16,
    /// How it relates to the older version (never [`Change::Removed`]).
    pub change: Change,
    /// The items of the older version it comes from (empty for [`Change::New`]).
    pub from: Vec<u16>,
    /// The mapping's note, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<Text>,
}

/// An item of the older version that no newer item comes from.
#[derive(Debug, Clone, Serialize)]
pub struct RemovedItem {
    /// The item number in the older version.
    pub item: u16,
    /// Why it went, if the mapping says.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<Text>,
}

/// A checked mapping from one catalog version to another.
#[derive(Debug, Clone, Serialize)]
pub struct Mapping {
    /// The older catalog id.
    pub from: String,
    /// The newer catalog id.
    pub to: String,
    /// Every item of the newer version, in order.
    pub items: Vec<MappedItem>,
    /// Every item of the older version that no newer item comes from.
    pub removed: Vec<RemovedItem>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "lowercase")]
enum FileKind {
    Same,
    Split,
    Merged,
    New,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileItem {
    item: u16,
    kind: FileKind,
    from: Vec<u16>,
    #[serde(default)]
    note: Option<Text>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileRemoved {
    item: u16,
    #[serde(default)]
    note: Option<Text>,
}

/// A mapping file as parsed, before it is held to its catalogs.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawMapping {
    /// The older catalog id.
    pub from: String,
    /// The newer catalog id.
    pub to: String,
    items: Vec<FileItem>,
    #[serde(default)]
    removed: Vec<FileRemoved>,
}

/// Parses a mapping file.
pub fn parse(file: &str, src: &str) -> Result<RawMapping, CatalogError> {
    toml::from_str(src).map_err(|e| CatalogError::Parse {
        file: file.to_string(),
        message: e.to_string(),
    })
}

impl Mapping {
    /// Holds a parsed mapping to its two catalogs: every new item exactly once and in order,
    /// every old item accounted for exactly once (carried or removed), kinds that match the
    /// shape (a split names one old item shared by several new ones, a merge several old items
    /// no other entry names), and rewording derived from the texts. Every problem is named.
    pub fn check(raw: RawMapping, from: &Catalog, to: &Catalog) -> Result<Mapping, CatalogError> {
        let mut p = Vec::new();
        if raw.from != from.id || raw.to != to.id {
            p.push(format!(
                "mapping {} → {} checked against {} → {}",
                raw.from, raw.to, from.id, to.id
            ));
        }
        let old_n = from.item_count();
        // How many entries name each old item.
        let mut uses = vec![0usize; old_n + 1];
        for e in &raw.items {
            for &o in &e.from {
                match uses.get_mut(usize::from(o)) {
                    Some(u) if o > 0 => *u += 1,
                    _ => p.push(format!("new item {}: old item {o} does not exist", e.item)),
                }
            }
        }
        if raw.items.len() != to.item_count() {
            p.push(format!(
                "{} entries for {} items of {}",
                raw.items.len(),
                to.item_count(),
                to.id
            ));
        }
        let mut items = Vec::with_capacity(raw.items.len());
        for (i, e) in raw.items.into_iter().enumerate() {
            let what = format!("new item {}", e.item);
            if usize::from(e.item) != i + 1 {
                p.push(format!("{what}: entries must list items 1..n in order"));
            }
            let mut distinct = e.from.clone();
            distinct.sort_unstable();
            distinct.dedup();
            if distinct.len() != e.from.len() {
                p.push(format!("{what}: an old item is named twice"));
            }
            let shared = |o: &u16| uses.get(usize::from(*o)).copied().unwrap_or(0);
            let change = match e.kind {
                FileKind::Same | FileKind::Split if e.from.len() != 1 => {
                    p.push(format!("{what}: same and split name exactly one old item"));
                    continue;
                }
                FileKind::Same if shared(&e.from[0]) > 1 => {
                    p.push(format!(
                        "{what}: old item {} is named by several entries, so this is a split",
                        e.from[0]
                    ));
                    continue;
                }
                FileKind::Split if shared(&e.from[0]) < 2 => {
                    p.push(format!(
                        "{what}: a split needs another entry naming old item {}",
                        e.from[0]
                    ));
                    continue;
                }
                FileKind::Merged if e.from.len() < 2 => {
                    p.push(format!("{what}: a merge names two old items or more"));
                    continue;
                }
                FileKind::Merged if e.from.iter().any(|o| shared(o) > 1) => {
                    p.push(format!(
                        "{what}: an old item of a merge is named by another entry too"
                    ));
                    continue;
                }
                FileKind::New if !e.from.is_empty() => {
                    p.push(format!("{what}: a new item names no old item"));
                    continue;
                }
                FileKind::Same => {
                    let (Some(o), Some(n)) = (from.item(e.from[0]), to.item(e.item)) else {
                        continue;
                    };
                    let same_text = o.item.condition == n.item.condition
                        && serde_json::to_value(&o.item.criteria).ok()
                            == serde_json::to_value(&n.item.criteria).ok();
                    if same_text {
                        Change::Same
                    } else {
                        Change::Reworded
                    }
                }
                FileKind::Split => Change::Split,
                FileKind::Merged => Change::Merged,
                FileKind::New => Change::New,
            };
            items.push(MappedItem {
                item: e.item,
                change,
                from: e.from,
                note: e.note,
            });
        }
        let mut removed = Vec::with_capacity(raw.removed.len());
        for r in raw.removed {
            match uses.get_mut(usize::from(r.item)) {
                Some(u) if r.item > 0 && *u == 0 => *u = 1,
                Some(_) if r.item > 0 => p.push(format!(
                    "old item {}: listed as removed, but also carried or listed twice",
                    r.item
                )),
                _ => p.push(format!("removed item {} does not exist", r.item)),
            }
            removed.push(RemovedItem {
                item: r.item,
                note: r.note,
            });
        }
        for (o, u) in uses.iter().enumerate().skip(1) {
            if *u == 0 {
                p.push(format!(
                    "old item {o}: neither carried by a new item nor listed as removed"
                ));
            }
        }
        if !p.is_empty() {
            return Err(CatalogError::Invalid {
                id: format!("mapping {} → {}", raw.from, raw.to),
                problems: p,
            });
        }
        Ok(Mapping {
            from: raw.from,
            to: raw.to,
            items,
            removed,
        })
    }

    /// The entry of new item `item`.
    pub fn item(&self, item: u16) -> Option<&MappedItem> {
        self.items.get(usize::from(item).checked_sub(1)?)
    }

    /// The new items that old item `old` went to (empty: removed).
    pub fn successors(&self, old: u16) -> impl Iterator<Item = &MappedItem> {
        self.items.iter().filter(move |e| e.from.contains(&old))
    }
}
