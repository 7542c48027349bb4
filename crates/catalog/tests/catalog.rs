//! The catalog against the published source text and the OSCAL schema.

use kojo_catalog::{Lang, builtin, oscal};
use std::collections::BTreeMap;
use std::path::PathBuf;

fn shared(rel: &str) -> PathBuf {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared")
        .join(rel);
    assert!(
        p.exists(),
        "{} is missing: the tests compare the catalog with the shared guideline text and OSCAL schema",
        p.display()
    );
    p
}

fn source() -> String {
    std::fs::read_to_string(shared("guideline/jama-japia-factory-guideline-v0.9.ja.txt")).unwrap()
}

/// Section 6 rows: item number → (condition cell, criteria cell). Item 59's row is shifted one
/// cell to the left in the source, so the number is looked for in the first four cells.
fn source_rows() -> BTreeMap<u16, (String, String)> {
    let src = source();
    let start = src.rfind("6. 要求事項と達成条件").expect("section 6");
    let end = src.rfind("7. 用語集").expect("section 7");
    let mut rows = BTreeMap::new();
    for line in src[start..end].lines() {
        let f: Vec<&str> = line.split('\t').collect();
        for i in 0..f.len().min(4) {
            let cell = f[i].trim();
            if let Ok(n) = cell.parse::<u16>()
                && cell.chars().all(|c| c.is_ascii_digit())
            {
                let cond = f.get(i + 1).copied().unwrap_or("").to_string();
                let crit = f.get(i + 2).copied().unwrap_or("").to_string();
                assert!(
                    rows.insert(n, (cond, crit)).is_none(),
                    "item {n} twice in source"
                );
                break;
            }
        }
    }
    rows
}

fn strip_tags(s: &str) -> String {
    let mut out = String::new();
    let mut in_tag = false;
    for c in s.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => in_tag = false,
            _ if !in_tag => out.push(c),
            _ => {}
        }
    }
    out
}

fn ws(s: &str) -> String {
    s.chars().filter(|c| !c.is_whitespace()).collect()
}

/// Whitespace and HTML tags removed, and list markers (・ - •) removed where they open a bullet:
/// at the start of the text, or after whitespace or a tag. A ・ or - inside a phrase
/// (製造設備・機器, Wi-Fi) is kept, so a dropped inner ・ is a mismatch.
fn bare(s: &str) -> String {
    let mut out = String::new();
    let mut in_tag = false;
    let mut bullet_start = true;
    for c in s.chars() {
        if in_tag {
            in_tag = c != '>';
            continue;
        }
        if c == '<' {
            in_tag = true;
            bullet_start = true;
        } else if c.is_whitespace() {
            bullet_start = true;
        } else if bullet_start && matches!(c, '・' | '-' | '•') {
            // A marker; a run of markers ("- ・") opens one bullet.
        } else {
            bullet_start = false;
            out.push(c);
        }
    }
    out
}

/// Our criteria of an item as one text: heading and entries, each on its own line.
fn criteria_lines(v: &kojo_catalog::ItemView<'_>) -> String {
    v.item
        .criteria
        .iter()
        .flat_map(|s| s.heading.iter().chain(s.entries.iter()))
        .map(|t| t.ja.as_str())
        .collect::<Vec<_>>()
        .join("\n")
}

/// Items whose criteria differ from the source modulo whitespace, markup and list markers.
fn criteria_slips(c: &kojo_catalog::Catalog) -> Vec<String> {
    let rows = source_rows();
    let mut slips = Vec::new();
    for v in c.items() {
        let (_, crit) = &rows[&v.item.number];
        let ours = criteria_lines(&v);
        if bare(&ours) != bare(crit) {
            slips.push(format!(
                "item {}:\n  ours:   {}\n  source: {}",
                v.item.number,
                bare(&ours),
                bare(crit)
            ));
        }
    }
    slips
}

#[test]
fn the_catalog_loads_and_validates() {
    let c = builtin().expect("embedded catalog is valid");
    assert_eq!(c.id, "jama-japia-factory@0.9");
    assert_eq!(c.version, "0.9");
    assert_eq!(c.published, "2025-10-17");
    assert_eq!(c.labels.len(), 17);
    assert_eq!(c.item_count(), 63);
    assert_eq!(c.glossary.len(), 46);
}

#[test]
fn items_are_numbered_1_to_63_contiguously() {
    let c = builtin().unwrap();
    let numbers: Vec<u16> = c.items().map(|v| v.item.number).collect();
    assert_eq!(numbers, (1..=63).collect::<Vec<u16>>());
    let labels: Vec<u16> = c.labels.iter().map(|l| l.number).collect();
    assert_eq!(labels, (1..=17).collect::<Vec<u16>>());
}

#[test]
fn conditions_match_the_source_verbatim_modulo_whitespace() {
    let c = builtin().unwrap();
    let rows = source_rows();
    assert_eq!(
        rows.keys().copied().collect::<Vec<_>>(),
        (1..=63).collect::<Vec<u16>>()
    );
    let mut slips = Vec::new();
    for v in c.items() {
        let (cond, _) = &rows[&v.item.number];
        if ws(&v.item.condition.ja) != ws(cond) {
            slips.push(format!(
                "item {}: {:?} ≠ source {:?}",
                v.item.number, v.item.condition.ja, cond
            ));
        }
    }
    assert!(
        slips.is_empty(),
        "transcription slips:\n{}",
        slips.join("\n")
    );
}

#[test]
fn criteria_match_the_source_modulo_whitespace_markup_and_bullets() {
    let c = builtin().unwrap();
    let slips = criteria_slips(c);
    for v in c.items() {
        // No HTML may survive as text.
        for s in &v.item.criteria {
            for t in s.heading.iter().chain(s.entries.iter()) {
                assert!(
                    !t.ja.contains("<li") && !t.ja.contains("<ul") && !t.ja.contains("<p>"),
                    "item {}: HTML left in {:?}",
                    v.item.number,
                    t.ja
                );
            }
        }
    }
    assert!(slips.is_empty(), "criteria slips:\n{}", slips.join("\n"));
}

#[test]
fn bare_strips_list_markers_only_where_a_bullet_opens() {
    // Markers opening a bullet go, wherever the bullet starts.
    assert_eq!(
        bare("【対象】 <ul style=\"x\"> ・製造設備・機器 -サーバー - ・PC"),
        bare("【対象】\n製造設備・機器\nサーバー\nPC")
    );
    assert_eq!(bare("・経営層"), "経営層");
    // A middle dot or hyphen inside a phrase stays.
    assert_eq!(bare("製造設備・機器"), "製造設備・機器");
    assert_eq!(bare("Wi-Fi"), "Wi-Fi");
    assert_ne!(bare("・製造設備・機器"), bare("製造設備機器"));
}

#[test]
fn a_dropped_inner_middle_dot_in_the_data_is_caught() {
    // Label 12's data with one ・ dropped from inside a criteria entry of item 39.
    let (before, after) = (
        "重要な製造設備・機器設置エリアに入場可能な人を定めること",
        "重要な製造設備機器設置エリアに入場可能な人を定めること",
    );
    let mut labels: Vec<(&'static str, &'static str)> = kojo_catalog::FACTORY_0_9.labels.to_vec();
    let twelve = labels[11].1;
    assert_eq!(
        twelve.matches(before).count(),
        1,
        "fixture text in label 12"
    );
    labels[11].1 = Box::leak(twelve.replace(before, after).into_boxed_str());
    let leaked: &'static [(&'static str, &'static str)] = Box::leak(labels.into_boxed_slice());
    let src = kojo_catalog::Source {
        labels: leaked,
        ..kojo_catalog::FACTORY_0_9
    };
    let broken = kojo_catalog::load(&src).expect("still a valid catalog");
    let slips = criteria_slips(&broken);
    assert_eq!(slips.len(), 1, "{slips:?}");
    assert!(slips[0].starts_with("item 39:"), "{slips:?}");
}

#[test]
fn typos_are_kept_verbatim_and_flagged_as_errata() {
    let c = builtin().unwrap();
    assert!(
        c.item(5)
            .unwrap()
            .item
            .condition
            .ja
            .contains("発生した発生した")
    );
    assert_eq!(
        c.item(14).unwrap().item.condition.ja,
        c.item(15).unwrap().item.condition.ja
    );
    for (item, id) in [
        (5, "item-5-duplicated-phrase"),
        (15, "items-14-15-identical-condition"),
        (59, "item-59-row-shifted"),
    ] {
        assert!(
            c.errata_for_item(item).any(|e| e.id == id),
            "erratum {id} on item {item}"
        );
    }
    assert_eq!(c.label(3).unwrap().objective.ja, "同上");
    assert_eq!(c.label(3).unwrap().objective_refers_to, Some(2));
}

#[test]
fn errata_for_items_9_29_52_54_cite_their_item_and_quote_the_source() {
    let c = builtin().unwrap();
    let rows = source_rows();
    let expected: &[(&str, u16, &str)] = &[
        ("item-9-undefined-level", 9, "ambiguity"),
        ("item-9-rule-scope-mismatch", 9, "ambiguity"),
        ("item-29-particle", 29, "typo"),
        ("item-52-scope-contradicts-remark", 52, "ambiguity"),
        ("item-54-merged-scope-lists", 54, "layout"),
    ];
    for (id, item, kind) in expected {
        let e = c
            .errata
            .iter()
            .find(|e| e.id == *id)
            .unwrap_or_else(|| panic!("erratum {id} missing"));
        assert_eq!(e.item(), Some(*item), "{id} cites item {item}");
        assert_eq!(e.target, format!("item.{item}.criteria"), "{id}");
        assert_eq!(e.kind, *kind, "{id}");
        assert!(
            c.errata_for_item(*item).any(|x| x.id == *id),
            "{id} listed for item {item}"
        );
        // The quote is verbatim: in the source row of that item and in our data.
        let (_, crit) = &rows[item];
        assert!(
            ws(&strip_tags(crit)).contains(&ws(&e.original)),
            "{id}: {:?} not in the source of item {item}",
            e.original
        );
        let v = c.item(*item).unwrap();
        assert!(
            ws(&criteria_lines(&v)).contains(&ws(&e.original)),
            "{id}: {:?} not in the data of item {item}",
            e.original
        );
        if let Some(fix) = &e.corrected {
            assert!(!ws(crit).contains(&ws(fix)), "{id}: correction in source");
        }
        assert!(!e.note.ja.trim().is_empty() && !e.note.en.trim().is_empty());
        assert!(e.note.en.is_ascii() || e.note.en != e.note.ja, "{id}");
    }
    assert!(c.errata_for_item(9).any(|e| e.original.contains("LV2")));
    assert!(c.errata_for_item(52).any(|e| e.original.contains("※")));
}

#[test]
fn label_structure_follows_the_source() {
    let c = builtin().unwrap();
    let blocks = |l: u16| -> Vec<Vec<u16>> {
        c.label(l)
            .unwrap()
            .requirements
            .iter()
            .map(|r| r.items.iter().map(|i| i.number).collect())
            .collect()
    };
    assert_eq!(blocks(4), vec![(8..=11).collect::<Vec<_>>(), vec![12, 13]]);
    assert!(
        c.label(4).unwrap().requirements[1].objective.is_some(),
        "label 4's second block keeps its own objective"
    );
    assert_eq!(blocks(10), vec![vec![33, 34], vec![35, 36, 37]]);
    assert_eq!(blocks(12), vec![vec![39, 40], vec![41, 42], vec![43]]);
    assert_eq!(blocks(15), vec![vec![53], vec![54, 55, 56]]);
    assert!(c.item(59).unwrap().label.number == 16);
}

#[test]
fn headless_sections_of_items_33_and_38_are_kept_as_printed() {
    let c = builtin().unwrap();
    let shape = |n: u16| -> Vec<Option<String>> {
        c.item(n)
            .unwrap()
            .item
            .criteria
            .iter()
            .map(|s| s.heading.as_ref().map(|h| h.ja.clone()))
            .collect()
    };
    let h = |s: &str| Some(s.to_string());
    assert_eq!(
        shape(33),
        [h("【基準】"), h("[対象範囲]"), h("[見直し頻度]"), None]
    );
    assert_eq!(
        shape(38),
        [
            None,
            h("【規則】"),
            h("【対象】"),
            None,
            h("【規則】"),
            h("【対象】")
        ]
    );
    let last = c.item(33).unwrap().item.criteria.last().unwrap();
    let text: Vec<&str> = last.entries.iter().map(|t| t.ja.as_str()).collect();
    assert_eq!(text, ["現場で活用できるようになっていること"]);
    // In source order: the source prints it after [見直し頻度].
    let (_, crit) = &source_rows()[&33];
    let freq = crit.find("[見直し頻度]").expect("heading in source");
    let tail = crit
        .find("現場で活用できるようになっていること")
        .expect("text in source");
    assert!(freq < tail);
    // OSCAL keeps it as a part of its own, without a title of its own.
    let doc = oscal::export(c, Lang::Ja);
    let control = doc["catalog"]["groups"][9]["controls"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["id"] == "item-33")
        .unwrap();
    let criteria: Vec<&serde_json::Value> = control["parts"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["name"] == "criteria")
        .collect();
    assert_eq!(criteria.len(), 4);
    assert_eq!(criteria[2]["title"], "[見直し頻度]");
    assert!(criteria[3].get("title").is_none());
    assert_eq!(
        criteria[3]["prose"],
        "- 現場で活用できるようになっていること"
    );
}

#[test]
fn every_cross_reference_resolves_to_this_edition() {
    let c = builtin().unwrap();
    let expected: &[(u16, &str, &[u16])] = &[
        (16, "No49/50", &[14, 15]),
        (17, "No49/50", &[14, 15]),
        (21, "No. 54", &[19]),
        (23, "No. 54", &[19]),
        (27, "No59&60", &[24, 25]),
        (29, "No56&60", &[21, 25]),
        (30, "No.66", &[29]),
        (31, "No.68", &[30]),
        (32, "No.54&59", &[19, 24]),
        (58, "№.136", &[57]),
    ];
    let mut found = Vec::new();
    for v in c.items() {
        for r in &v.item.references {
            for m in &r.items {
                assert!(
                    c.item(*m).is_some(),
                    "item {} cites missing {m}",
                    v.item.number
                );
            }
            found.push((v.item.number, r.citation.clone(), r.items.clone()));
        }
    }
    let want: Vec<_> = expected
        .iter()
        .map(|(n, c, i)| (*n, c.to_string(), i.to_vec()))
        .collect();
    assert_eq!(found, want);
    // Every "No" citation in the criteria text has a reference.
    for v in c.items() {
        let text: String = v
            .item
            .criteria
            .iter()
            .flat_map(|s| s.entries.iter())
            .map(|t| t.ja.clone())
            .collect();
        let cites = text.contains("No") || text.contains('№');
        assert_eq!(
            cites,
            !v.item.references.is_empty(),
            "item {}: citation without reference or vice versa",
            v.item.number
        );
    }
    assert_eq!(
        c.item(16).unwrap().item.references[0].display(Lang::Ja),
        "No49/50 → 本版 No.14/15"
    );
}

#[test]
fn every_japanese_entry_has_its_english_counterpart() {
    let c = builtin().unwrap();
    let mut missing = Vec::new();
    let mut check = |what: String, t: &kojo_catalog::Text| {
        if !t.ja.trim().is_empty() && t.en.trim().is_empty() {
            missing.push(what);
        }
    };
    for l in &c.labels {
        check(format!("label {} name", l.number), &l.name);
        check(format!("label {} objective", l.number), &l.objective);
        for r in &l.requirements {
            check(format!("label {} requirement", l.number), &r.text);
        }
    }
    for v in c.items() {
        check(format!("item {}", v.item.number), &v.item.condition);
        for s in &v.item.criteria {
            for t in s.heading.iter().chain(s.entries.iter()) {
                check(format!("item {} criteria", v.item.number), t);
            }
        }
    }
    for t in &c.glossary {
        check(format!("glossary {}", t.number), &t.term);
        check(format!("glossary {}", t.number), &t.explanation);
    }
    assert!(missing.is_empty(), "missing English: {missing:?}");
    // English must not just be a copy of the Japanese.
    assert!(
        c.items()
            .all(|v| v.item.condition.en.is_ascii() || v.item.condition.en != v.item.condition.ja)
    );
}

#[test]
fn glossary_matches_the_source() {
    let src = source();
    let start = src.rfind("7. 用語集").unwrap();
    let end = src.rfind("あとがき").unwrap();
    let mut rows = BTreeMap::new();
    for line in src[start..end].lines() {
        let f: Vec<&str> = line.split('\t').collect();
        if f.len() >= 3
            && let Ok(n) = f[0].trim().parse::<u16>()
        {
            rows.insert(n, (f[1].to_string(), f[2..].join("\t")));
        }
    }
    assert_eq!(rows.len(), 46);
    let c = builtin().unwrap();
    for t in &c.glossary {
        let (term, expl) = &rows[&t.number];
        assert_eq!(ws(&t.term.ja), ws(term), "term {}", t.number);
        assert_eq!(
            bare(&t.explanation.ja),
            bare(expl),
            "explanation {}",
            t.number
        );
    }
}

#[test]
fn every_item_has_a_known_responsible_area_marked_as_suggestion() {
    let c = builtin().unwrap();
    assert!(c.areas_meta.suggested);
    for v in c.items() {
        assert!(c.area(&v.item.area).is_some(), "item {}", v.item.number);
    }
}

#[test]
fn revisited_responsible_areas_are_pinned_and_explained() {
    let c = builtin().unwrap();
    let area = |n: u16| c.item(n).unwrap().item.area.as_str();
    let expected: &[(u16, &str)] = &[
        (10, "security-promotion"),
        (11, "security-promotion"),
        (14, "security-promotion"),
        (15, "security-promotion"),
        (24, "production-engineering"),
        (25, "control-systems"),
        (26, "control-systems"),
        (27, "control-systems"),
        (28, "production-engineering"),
        (30, "security-promotion"),
        (35, "plant-it"),
        (36, "plant-it"),
        (37, "plant-it"),
        (53, "plant-it"),
        (54, "control-systems"),
        (57, "control-systems"),
        (58, "plant-it"),
        (60, "control-systems"),
        (61, "control-systems"),
        (62, "control-systems"),
    ];
    let got: Vec<(u16, &str)> = expected.iter().map(|(n, _)| (*n, area(*n))).collect();
    assert_eq!(got, expected);
    // Identical condition text, same owner.
    assert_eq!(area(14), area(15));
    // 経営層 receives reports; no item asks it to do the work.
    assert!(c.items().all(|v| v.item.area != "management"));
    // Every revisited item carries its one-line rationale right above its area.
    let mut unexplained = Vec::new();
    for (n, _) in expected {
        let explained = kojo_catalog::FACTORY_0_9.labels.iter().any(|(_, src)| {
            let lines: Vec<&str> = src.lines().collect();
            let Some(at) = lines
                .windows(2)
                .position(|w| w[0] == "[[requirements.items]]" && w[1] == format!("number = {n}"))
            else {
                return false;
            };
            let Some(a) = lines[at..].iter().position(|l| l.starts_with("area = ")) else {
                return false;
            };
            let comment = lines[at + a - 1];
            comment.starts_with("# Area (kojo's suggestion") && comment.chars().count() > 60
        });
        if !explained {
            unexplained.push(*n);
        }
    }
    assert!(
        unexplained.is_empty(),
        "items without a rationale: {unexplained:?}"
    );
}

fn validate_oscal(doc: &serde_json::Value) {
    let schema: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(shared("oscal/oscal_catalog_schema.json")).unwrap(),
    )
    .unwrap();
    let validator = jsonschema::options()
        .should_validate_formats(true)
        .build(&schema)
        .expect("schema compiles");
    let errors: Vec<String> = validator
        .iter_errors(doc)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "OSCAL export invalid:\n{}",
        errors.join("\n")
    );
}

#[test]
fn oscal_export_validates_against_the_schema_in_both_languages() {
    let c = builtin().unwrap();
    for lang in Lang::ALL {
        validate_oscal(&oscal::export(c, lang));
    }
}

#[test]
fn oscal_export_has_groups_controls_and_links() {
    let c = builtin().unwrap();
    let doc = oscal::export(c, Lang::Ja);
    let groups = doc["catalog"]["groups"].as_array().unwrap();
    assert_eq!(groups.len(), 17);
    assert_eq!(groups[4]["id"], "label-5");
    let controls: Vec<&serde_json::Value> = groups
        .iter()
        .flat_map(|g| g["controls"].as_array().unwrap())
        .collect();
    assert_eq!(controls.len(), 63);
    let c16 = controls.iter().find(|c| c["id"] == "item-16").unwrap();
    let hrefs: Vec<&str> = c16["links"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["href"].as_str().unwrap())
        .collect();
    assert_eq!(hrefs, ["#item-14", "#item-15"]);
    assert_eq!(c16["parts"][0]["name"], "statement");
    assert_eq!(c16["title"], c16["parts"][0]["prose"]);
    let meta = &doc["catalog"]["metadata"];
    assert_eq!(meta["version"], "0.9");
    assert_eq!(meta["oscal-version"], "1.2.1");
    assert!(
        meta["published"]
            .as_str()
            .unwrap()
            .starts_with("2025-10-17")
    );
    assert_eq!(meta["parties"].as_array().unwrap().len(), 2);
    // Deterministic: the same export twice.
    assert_eq!(doc, oscal::export(c, Lang::Ja));
}

#[test]
fn a_broken_catalog_is_rejected_with_every_problem_named() {
    let mut labels: Vec<(&'static str, &'static str)> = kojo_catalog::FACTORY_0_9.labels.to_vec();
    // Drop label 5: items 14–18 vanish, numbering breaks, references to 14/15 dangle.
    labels.remove(4);
    let leaked: &'static [(&'static str, &'static str)] = Box::leak(labels.into_boxed_slice());
    let src = kojo_catalog::Source {
        labels: leaked,
        ..kojo_catalog::FACTORY_0_9
    };
    let err = kojo_catalog::load(&src).unwrap_err().to_string();
    assert!(err.contains("label 6: labels must be numbered"), "{err}");
    assert!(err.contains("item 19: items must be numbered"), "{err}");
    assert!(
        err.contains("erratum items-14-15-identical-condition"),
        "{err}"
    );
}
