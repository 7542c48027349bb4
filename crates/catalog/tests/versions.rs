//! Catalog versions: the test catalog, mappings held to both catalogs, and diffs.

use kojo_catalog::diff::{CatalogDiff, Op};
use kojo_catalog::{Change, Lang, Mapping, mapping};

fn pair() -> (
    &'static kojo_catalog::Catalog,
    &'static kojo_catalog::Catalog,
) {
    (
        kojo_catalog::builtin().unwrap(),
        kojo_catalog::test_catalog().unwrap(),
    )
}

const TEST_MAPPING: &str =
    include_str!("../data/mappings/jama-japia-factory@0.9--jama-japia-factory@0.9-test.toml");

fn check(src: &str) -> Result<Mapping, Vec<String>> {
    let (a, b) = pair();
    let raw = mapping::parse("m.toml", src).map_err(|e| vec![e.to_string()])?;
    Mapping::check(raw, a, b).map_err(|e| match e {
        kojo_catalog::CatalogError::Invalid { problems, .. } => problems,
        other => vec![other.to_string()],
    })
}

#[test]
fn the_test_catalog_loads_and_says_it_is_fictitious() {
    let (v09, t) = pair();
    assert_eq!(t.id, kojo_catalog::TEST_ID);
    assert_eq!(t.version, "0.9-test");
    assert_eq!(t.item_count(), 63);
    assert!(
        t.title.ja.contains("テスト用の架空の改版"),
        "{}",
        t.title.ja
    );
    // Labels 1–15 are 0.9's, untouched.
    for n in 1..=56 {
        let (a, b) = (v09.item(n).unwrap(), t.item(n).unwrap());
        assert_eq!(a.item.condition, b.item.condition, "item {n}");
    }
    assert_ne!(
        v09.item(57).unwrap().item.condition,
        t.item(57).unwrap().item.condition
    );
}

#[test]
fn only_the_hook_lists_the_test_catalog() {
    let hook = std::env::var(kojo_catalog::TEST_CATALOG_HOOK).is_ok_and(|v| v == "1");
    let ids: Vec<&str> = kojo_catalog::available()
        .unwrap()
        .iter()
        .map(|c| c.id.as_str())
        .collect();
    if hook {
        assert_eq!(ids, [kojo_catalog::DEFAULT_ID, kojo_catalog::TEST_ID]);
        assert!(kojo_catalog::find("0.9-test").is_some());
    } else {
        assert_eq!(ids, [kojo_catalog::DEFAULT_ID]);
        assert!(kojo_catalog::find("0.9-test").is_none());
        assert!(kojo_catalog::by_id(kojo_catalog::TEST_ID).is_none());
        assert!(kojo_catalog::mapping(kojo_catalog::DEFAULT_ID, kojo_catalog::TEST_ID).is_none());
    }
    assert_eq!(
        kojo_catalog::find("0.9").unwrap().id,
        kojo_catalog::DEFAULT_ID
    );
    assert_eq!(
        kojo_catalog::find(kojo_catalog::DEFAULT_ID)
            .unwrap()
            .version,
        "0.9"
    );
}

#[test]
fn every_embedded_mapping_holds_to_its_catalogs() {
    let all = kojo_catalog::mappings().unwrap();
    assert_eq!(all.len(), kojo_catalog::MAPPINGS.len());
}

#[test]
fn the_test_mapping_has_every_kind_of_change() {
    let m = check(TEST_MAPPING).unwrap();
    let kind = |n: u16| m.item(n).unwrap().change;
    assert_eq!(kind(1), Change::Same);
    assert_eq!(kind(56), Change::Same);
    assert_eq!(kind(57), Change::Reworded);
    assert_eq!(kind(58), Change::Merged);
    assert_eq!(m.item(58).unwrap().from, [58, 59]);
    assert_eq!((kind(59), kind(60)), (Change::Split, Change::Split));
    assert_eq!(m.item(60).unwrap().from, [60]);
    assert_eq!((kind(61), kind(62)), (Change::Same, Change::Same));
    assert_eq!(m.item(62).unwrap().from, [63]);
    assert_eq!(kind(63), Change::New);
    assert_eq!(m.removed.len(), 1);
    assert_eq!(m.removed[0].item, 62);
    let succ: Vec<u16> = m.successors(60).map(|e| e.item).collect();
    assert_eq!(succ, [59, 60]);
    assert_eq!(m.successors(62).count(), 0);
    assert!(Change::Split.needs_confirmation() && Change::Merged.needs_confirmation());
    assert!(Change::Reworded.needs_confirmation());
    assert!(!Change::Same.needs_confirmation() && !Change::New.needs_confirmation());
}

#[test]
fn a_broken_mapping_is_rejected_with_every_problem_named() {
    // Forget old item 62 (neither carried nor removed).
    let forgot = TEST_MAPPING.replace("  { item = 62, note", "  # { item = 62, note");
    let p = check(&forgot).unwrap_err();
    assert!(
        p.iter().any(|m| m.contains("old item 62: neither carried")),
        "{p:?}"
    );

    // Call the split a same: item 60 is named twice.
    let same = TEST_MAPPING.replace(
        "{ item = 60, kind = \"split\"",
        "{ item = 60, kind = \"same\"",
    );
    let p = check(&same).unwrap_err();
    assert!(
        p.iter().any(|m| m
            .contains("new item 60: old item 60 is named by several entries, so this is a split")),
        "{p:?}"
    );

    // A merge of one item; a new item with a source; a source that does not exist.
    let bad = TEST_MAPPING
        .replace(
            "kind = \"merged\", from = [58, 59]",
            "kind = \"merged\", from = [58]",
        )
        .replace("kind = \"new\", from = []", "kind = \"new\", from = [99]");
    let p = check(&bad).unwrap_err();
    for needle in [
        "new item 58: a merge names two old items or more",
        "new item 63: old item 99 does not exist",
        "new item 63: a new item names no old item",
        "old item 59: neither carried",
    ] {
        assert!(p.iter().any(|m| m.contains(needle)), "{needle}: {p:?}");
    }

    // Removed although carried; entries out of order.
    let p = check(&TEST_MAPPING.replace("  { item = 62, note", "  { item = 61, note")).unwrap_err();
    assert!(
        p.iter()
            .any(|m| m.contains("old item 61: listed as removed")),
        "{p:?}"
    );
    let p = check(&TEST_MAPPING.replace("{ item = 2, kind", "{ item = 3, kind")).unwrap_err();
    assert!(
        p.iter()
            .any(|m| m.contains("entries must list items 1..n in order")),
        "{p:?}"
    );

    // Unknown kinds and fields are parse errors.
    assert!(check(&TEST_MAPPING.replace("\"new\"", "\"added\"")).is_err());
    assert!(check(&TEST_MAPPING.replace("to = ", "too = ")).is_err());
}

#[test]
fn the_diff_shows_rewording_by_character_and_places_removed_items() {
    let (a, b) = pair();
    let m = check(TEST_MAPPING).unwrap();
    let d = CatalogDiff::new(a, b, &m);
    let counts: Vec<(Change, usize)> = d.counts().to_vec();
    assert_eq!(
        counts,
        [
            (Change::Same, 58),
            (Change::Reworded, 1),
            (Change::Split, 2),
            (Change::Merged, 1),
            (Change::New, 1),
            (Change::Removed, 1),
        ]
    );
    assert_eq!(d.items.len(), 64);
    let changed: Vec<(Change, Option<u16>, Vec<u16>)> = d
        .changed()
        .map(|r| {
            (
                r.change,
                r.new.map(|v| v.item.number),
                r.old.iter().map(|v| v.item.number).collect(),
            )
        })
        .collect();
    assert_eq!(
        changed,
        [
            (Change::Reworded, Some(57), vec![57]),
            (Change::Merged, Some(58), vec![58, 59]),
            (Change::Split, Some(59), vec![60]),
            (Change::Split, Some(60), vec![60]),
            (Change::Removed, None, vec![62]),
            (Change::New, Some(63), vec![]),
        ]
    );
    let reworded = d.changed().next().unwrap();
    let segs = reworded.condition(Lang::Ja).unwrap();
    let inserted: Vec<&str> = segs
        .iter()
        .filter(|s| s.op == Op::Insert)
        .map(|s| s.text.as_str())
        .collect();
    assert_eq!(inserted, ["、制御用端末"]);
    assert!(segs.iter().all(|s| s.op != Op::Delete));
    let en = reworded.condition(Lang::En).unwrap();
    assert!(
        en.iter()
            .any(|s| s.op == Op::Insert && s.text == "control terminals"),
        "{en:?}"
    );
    // Unchanged criteria: every line equal.
    assert!(
        reworded
            .criteria(Lang::Ja)
            .unwrap()
            .iter()
            .all(|s| s.op == Op::Equal)
    );
    // Split halves: criteria lines deleted and inserted.
    let split = d.changed().nth(2).unwrap();
    let crit = split.criteria(Lang::Ja).unwrap();
    assert!(
        crit.iter()
            .any(|s| s.op == Op::Insert && s.text == "・取得対象、取得頻度を定めること")
    );
    assert!(crit.iter().any(|s| s.op == Op::Delete));
    // Merged has no single-source diff.
    assert!(d.changed().nth(1).unwrap().condition(Lang::Ja).is_none());
}
