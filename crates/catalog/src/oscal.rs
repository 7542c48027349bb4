//! OSCAL 1.2.1 catalog export.
//!
//! One group per label (`label-N`), one control per item (`item-N`) with the condition as title
//! and statement, each criteria section as a part, objective and requirement as guidance, and a
//! `related` link for every resolved cross-reference. UUIDs are name-based (v5), so exporting
//! the same catalog twice gives the same document.

use crate::{Catalog, ItemView, Lang, Section};
use serde_json::{Value, json};
use uuid::Uuid;

/// The OSCAL version kojo writes.
pub const OSCAL_VERSION: &str = "1.2.1";
/// Namespace of kojo-specific part names and properties.
pub const NS: &str = "urn:kojo:oscal:jama-japia-factory";

fn uuid(catalog: &Catalog, what: &str) -> String {
    Uuid::new_v5(
        &Uuid::NAMESPACE_URL,
        format!("urn:kojo:{}:{what}", catalog.id).as_bytes(),
    )
    .to_string()
}

/// Markdown list prose for a criteria section (headings are the part title).
fn section_prose(s: &Section, lang: Lang) -> String {
    s.entries
        .iter()
        .map(|e| format!("- {}", e.get(lang).trim()))
        .collect::<Vec<_>>()
        .join("\n")
}

fn control(catalog: &Catalog, v: &ItemView<'_>, lang: Lang) -> Value {
    let n = v.item.number;
    let tr = |key: &str| kojo_i18n::t(lang, key).to_string();
    let mut parts = vec![json!({
        "id": format!("item-{n}_smt"),
        "name": "statement",
        "prose": v.item.condition.get(lang).trim(),
    })];
    for (i, s) in v.item.criteria.iter().enumerate() {
        let mut part = json!({
            "id": format!("item-{n}_crit-{}", i + 1),
            "name": "criteria",
            "ns": NS,
        });
        if let Some(h) = &s.heading {
            part["title"] = json!(h.get(lang).trim());
        }
        if !s.entries.is_empty() {
            part["prose"] = json!(section_prose(s, lang));
        }
        parts.push(part);
    }
    let mut guidance = format!(
        "**{}** {}",
        tr("catalog.objective"),
        v.objective().get(lang).trim()
    );
    if let Some(target) = v
        .label
        .objective_refers_to
        .filter(|_| v.requirement.objective.is_none())
        .and_then(|r| catalog.label(r))
    {
        guidance.push_str(&format!(" (→ {})", target.objective.get(lang).trim()));
    }
    let req = v.requirement.text.get(lang).trim();
    if !req.is_empty() {
        guidance.push_str(&format!("\n\n**{}** {}", tr("catalog.requirement"), req));
    }
    parts.push(json!({ "id": format!("item-{n}_gdn"), "name": "guidance", "prose": guidance }));
    for (i, e) in catalog.errata_for_item(n).enumerate() {
        let mut prose = format!("{}: 「{}」", e.note.get(lang).trim(), e.original.trim());
        if let Some(c) = &e.corrected {
            prose.push_str(&format!(" → 「{c}」"));
        }
        parts.push(json!({
            "id": format!("item-{n}_errata-{}", i + 1),
            "name": "errata",
            "ns": NS,
            "class": e.kind,
            "prose": prose,
        }));
    }
    let props = vec![
        json!({ "name": "label", "value": format!("No.{n}") }),
        json!({ "name": "responsible-area", "value": v.item.area, "ns": NS,
                "remarks": catalog.areas_meta.note.get(lang).trim() }),
    ];
    let links: Vec<Value> = v
        .item
        .references
        .iter()
        .flat_map(|r| {
            let text = r.display(lang);
            r.items.iter().map(
                move |m| json!({ "href": format!("#item-{m}"), "rel": "related", "text": text }),
            )
        })
        .collect();
    let mut c = json!({
        "id": format!("item-{n}"),
        "class": "achievement-condition",
        "title": v.item.condition.get(lang).trim(),
        "props": props,
        "parts": parts,
    });
    if !links.is_empty() {
        c["links"] = Value::Array(links);
    }
    c
}

/// The catalog as an OSCAL 1.2.1 catalog document (`{"catalog": {...}}`).
pub fn export(catalog: &Catalog, lang: Lang) -> Value {
    let published = format!("{}T00:00:00+09:00", catalog.published);
    let parties: Vec<Value> = catalog
        .publishers
        .iter()
        .map(|p| {
            json!({
                "uuid": uuid(catalog, &format!("party:{}", p.short)),
                "type": "organization",
                "name": p.name.get(lang).trim(),
                "short-name": p.short,
            })
        })
        .collect();
    let party_uuids: Vec<Value> = parties.iter().map(|p| p["uuid"].clone()).collect();
    let groups: Vec<Value> = catalog
        .labels
        .iter()
        .map(|l| {
            let controls: Vec<Value> = catalog
                .items()
                .filter(|v| v.label.number == l.number)
                .map(|v| control(catalog, &v, lang))
                .collect();
            json!({
                "id": format!("label-{}", l.number),
                "class": "label",
                "title": l.name.get(lang).trim(),
                "props": [{ "name": "label", "value": l.number.to_string() }],
                "parts": [{
                    "id": format!("label-{}_obj", l.number),
                    "name": "objective",
                    "prose": l.objective.get(lang).trim(),
                }],
                "controls": controls,
            })
        })
        .collect();
    let mut remarks = catalog.translation_note.get(lang).trim().to_string();
    if lang == Lang::Ja {
        remarks = format!("{} {}", catalog.subtitle.ja.trim(), remarks);
    }
    json!({
        "catalog": {
            "uuid": uuid(catalog, "catalog"),
            "metadata": {
                "title": catalog.title.get(lang).trim(),
                "published": published,
                "last-modified": published,
                "version": catalog.version,
                "oscal-version": OSCAL_VERSION,
                "props": [
                    { "name": "keywords", "value": catalog.id },
                ],
                "roles": [{ "id": "creator", "title": "Creator" }],
                "parties": parties,
                "responsible-parties": [{ "role-id": "creator", "party-uuids": party_uuids }],
                "remarks": remarks,
            },
            "groups": groups,
        }
    })
}
