//! `kojo catalog versions` and `kojo catalog diff FROM TO`.

use crate::catalog_cmd::catalog_named;
use crate::output::{Failure, outln, print_json};
use kojo_catalog::diff::{CatalogDiff, ItemDiff, Op, Segment};
use kojo_catalog::{Catalog, Change, Lang};
use kojo_i18n::{t, tr};

pub fn versions(json: bool, lang: Lang) -> Result<(), Failure> {
    let all = kojo_catalog::available()
        .map_err(|e| Failure::key("error.catalog_invalid", &[("detail", e)]))?;
    let default = catalog_named(None)?;
    let mappings: Vec<(&str, &str)> = kojo_catalog::mappings()
        .map_err(|e| Failure::key("error.catalog_invalid", &[("detail", e)]))?
        .iter()
        .filter(|m| kojo_catalog::mapping(&m.from, &m.to).is_some())
        .map(|m| (m.from.as_str(), m.to.as_str()))
        .collect();
    if json {
        return print_json(&serde_json::json!({
            "default": default.id,
            "catalogs": all.iter().map(|c| serde_json::json!({
                "id": c.id,
                "version": c.version,
                "published": c.published,
                "title": c.title.get(lang),
                "items": c.item_count(),
            })).collect::<Vec<_>>(),
            "mappings": mappings.iter().map(|(f, t)| serde_json::json!({ "from": f, "to": t })).collect::<Vec<_>>(),
        }));
    }
    for c in &all {
        let mark = if c.id == default.id { "*" } else { " " };
        outln!(
            "{mark} {:<12} {}  {}  ({})",
            c.version,
            c.published,
            c.title.get(lang),
            tr(lang, "version.items", &[("n", &c.item_count())])
        );
    }
    for (f, to) in &mappings {
        outln!(
            "{}",
            tr(lang, "version.mapping_line", &[("from", f), ("to", to)])
        );
    }
    Ok(())
}

fn pair(from: &str, to: &str) -> Result<(&'static Catalog, &'static Catalog), Failure> {
    let (a, b) = (catalog_named(Some(from))?, catalog_named(Some(to))?);
    Ok((a, b))
}

fn segments_json(s: &[Segment]) -> serde_json::Value {
    serde_json::json!(s)
}

/// `[-deleted-]{+inserted+}`, as `git diff --word-diff` prints it: readable without colour.
fn word_diff(segs: &[Segment]) -> String {
    let mut out = String::new();
    for s in segs {
        match s.op {
            Op::Equal => out.push_str(&s.text),
            Op::Delete => out.push_str(&format!("[-{}-]", s.text)),
            Op::Insert => out.push_str(&format!("{{+{}+}}", s.text)),
        }
    }
    out
}

fn row_json(d: &ItemDiff<'_>, lang: Lang) -> serde_json::Value {
    serde_json::json!({
        "item": d.new.map(|v| v.item.number),
        "change": d.change.key(),
        "from": d.old.iter().map(|v| v.item.number).collect::<Vec<_>>(),
        "note": d.note.map(|n| n.get(lang)),
        "condition": d.new.map(|v| v.item.condition.get(lang)),
        "old_conditions": d.old.iter().map(|v| v.item.condition.get(lang)).collect::<Vec<_>>(),
        "condition_diff": d.condition(lang).map(|s| segments_json(&s)),
        "criteria_diff": d.criteria(lang).map(|s| segments_json(&s)),
    })
}

pub fn diff(from: &str, to: &str, all: bool, json: bool, lang: Lang) -> Result<(), Failure> {
    let (a, b) = pair(from, to)?;
    let mapping = kojo_catalog::mapping(&a.id, &b.id)
        .ok_or_else(|| Failure::key("version.no_mapping", &[("from", &a.id), ("to", &b.id)]))?;
    let d = CatalogDiff::new(a, b, mapping);
    let rows: Vec<&ItemDiff<'_>> = if all {
        d.items.iter().collect()
    } else {
        d.changed().collect()
    };
    if json {
        let counts: serde_json::Map<String, serde_json::Value> = d
            .counts()
            .iter()
            .map(|(c, n)| (c.key().to_string(), serde_json::json!(n)))
            .collect();
        return print_json(&serde_json::json!({
            "from": a.id,
            "to": b.id,
            "lang": lang,
            "counts": counts,
            "items": rows.iter().map(|r| row_json(r, lang)).collect::<Vec<_>>(),
        }));
    }
    outln!("{} → {}", a.id, b.id);
    let counts: Vec<String> = d
        .counts()
        .iter()
        .map(|(c, n)| format!("{} {n}", t(lang, &format!("version.change.{}", c.key()))))
        .collect();
    outln!("{}", counts.join(" · "));
    for r in rows {
        outln!();
        let olds: Vec<String> = r.old.iter().map(|v| v.item.number.to_string()).collect();
        let kind = t(lang, &format!("version.change.{}", r.change.key()));
        match (r.change, r.new) {
            (Change::Removed, _) | (_, None) => {
                outln!(
                    "{} [{kind}]",
                    tr(lang, "version.old_item", &[("items", &olds.join(", "))])
                );
            }
            (_, Some(n)) if olds.is_empty() => outln!("No.{} [{kind}]", n.item.number),
            (_, Some(n)) => outln!(
                "No.{} ← {} [{kind}]",
                n.item.number,
                tr(lang, "version.old_item", &[("items", &olds.join(", "))])
            ),
        }
        if let Some(note) = r.note {
            outln!("  {}", note.get(lang));
        }
        match r.condition(lang) {
            Some(segs) => outln!("  {}", word_diff(&segs)),
            None => {
                for o in &r.old {
                    outln!("  - No.{} {}", o.item.number, o.item.condition.get(lang));
                }
                if let Some(n) = r.new {
                    outln!("  + No.{} {}", n.item.number, n.item.condition.get(lang));
                }
            }
        }
        if let Some(lines) = r
            .criteria(lang)
            .filter(|l| l.iter().any(|s| s.op != Op::Equal))
        {
            outln!("  {}:", t(lang, "catalog.criteria"));
            for s in lines {
                let sign = match s.op {
                    Op::Equal => ' ',
                    Op::Delete => '-',
                    Op::Insert => '+',
                };
                outln!("   {sign} {}", s.text);
            }
        }
    }
    Ok(())
}
