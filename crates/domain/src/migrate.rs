//! Carrying answers from one catalog version to another through a [`Mapping`].
//!
//! Pure: given the old assessment's marks by item, it says which old answer each new item
//! starts from and whether that answer must be confirmed again.
//! - `same`: the old answer, confirmed as it was.
//! - `reworded`: the old answer, to be confirmed (the wording changed).
//! - `split`: the old answer on every part, to be confirmed.
//! - `merged`: the most cautious of the old answers (× before △ before □ before ○ before －,
//!   the lowest item number on a tie), to be confirmed; the others are shown beside it.
//! - `new`: nothing; the item starts unanswered.
//!
//! Removed items carry nothing.

use crate::Mark;
use kojo_catalog::{Change, Mapping};
use std::collections::BTreeMap;

/// Where one new item's starting answer comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Carried {
    /// The item in the newer catalog.
    pub item: u16,
    /// The item of the older assessment whose answer it starts from.
    pub from: u16,
    /// How the item changed.
    pub change: Change,
    /// Whether the carried answer stands confirmed (only `same`).
    pub confirmed: bool,
}

/// How cautious a mark is, for choosing among merged answers: higher is more cautious.
fn caution(m: Mark) -> u8 {
    match m {
        Mark::NotConsidered => 4,
        Mark::Considering => 3,
        Mark::Deferred => 2,
        Mark::Implemented => 1,
        Mark::NotApplicable => 0,
    }
}

/// The answers to carry into an assessment of `mapping.to`, from an assessment of
/// `mapping.from` whose answered marks are `old` (by item). Items are in new-item order.
pub fn carry(mapping: &Mapping, old: &BTreeMap<u16, Mark>) -> Vec<Carried> {
    mapping
        .items
        .iter()
        .filter_map(|m| {
            let from = match m.change {
                Change::New | Change::Removed => return None,
                Change::Merged => {
                    m.from
                        .iter()
                        .filter_map(|o| Some((*o, *old.get(o)?)))
                        // max_by_key keeps the last maximum: iterate in reverse for the lowest item.
                        .rev()
                        .max_by_key(|(_, mark)| caution(*mark))?
                        .0
                }
                Change::Same | Change::Reworded | Change::Split => {
                    let o = *m.from.first()?;
                    old.get(&o)?;
                    o
                }
            };
            Some(Carried {
                item: m.item,
                from,
                change: m.change,
                confirmed: !m.change.needs_confirmation(),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mapping() -> Mapping {
        let (a, b) = (
            kojo_catalog::builtin().unwrap(),
            kojo_catalog::test_catalog().unwrap(),
        );
        let (file, src) = kojo_catalog::MAPPINGS[0];
        Mapping::check(kojo_catalog::mapping::parse(file, src).unwrap(), a, b).unwrap()
    }

    #[test]
    fn every_kind_carries_as_documented() {
        let m = mapping();
        let mut old: BTreeMap<u16, Mark> = (1..=63).map(|i| (i, Mark::Implemented)).collect();
        old.insert(59, Mark::Considering);
        old.insert(60, Mark::Deferred);
        old.remove(&3);
        let c = carry(&m, &old);
        let get = |n: u16| c.iter().find(|x| x.item == n).copied();
        // Same: confirmed; unanswered stays unanswered.
        assert!(get(1).unwrap().confirmed);
        assert!(get(3).is_none());
        // Reworded: to be confirmed.
        assert_eq!(
            get(57).unwrap(),
            Carried {
                item: 57,
                from: 57,
                change: Change::Reworded,
                confirmed: false
            }
        );
        // Merged 58 (○) + 59 (△): the cautious △ of 59.
        assert_eq!(
            get(58).unwrap(),
            Carried {
                item: 58,
                from: 59,
                change: Change::Merged,
                confirmed: false
            }
        );
        // Split 60 (□) into 59 and 60.
        assert_eq!(get(59).unwrap().from, 60);
        assert_eq!(get(60).unwrap().from, 60);
        assert!(!get(59).unwrap().confirmed && !get(60).unwrap().confirmed);
        // 63 → 62; new 63 unanswered; removed 62 nowhere.
        assert_eq!(get(62).unwrap().from, 63);
        assert!(get(63).is_none());
        assert!(c.iter().all(|x| x.from != 62));
        assert_eq!(c.len(), 61);
    }

    #[test]
    fn a_merge_ties_to_the_lowest_item_and_skips_unanswered_parts() {
        let m = mapping();
        let both: BTreeMap<u16, Mark> = [(58, Mark::Considering), (59, Mark::Considering)].into();
        assert_eq!(carry(&m, &both)[0].from, 58);
        let one: BTreeMap<u16, Mark> = [(59, Mark::NotApplicable)].into();
        assert_eq!(carry(&m, &one)[0].from, 59);
        let na: BTreeMap<u16, Mark> = [(58, Mark::NotApplicable), (59, Mark::Implemented)].into();
        assert_eq!(carry(&m, &na)[0].from, 59);
        assert!(carry(&m, &BTreeMap::new()).is_empty());
    }
}
