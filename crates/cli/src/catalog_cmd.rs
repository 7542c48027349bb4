//! `kojo catalog …`: the guideline as data.

use crate::output::{Failure, outln, pad, print_json, write_file};
use clap::{Subcommand, ValueEnum};
use kojo_catalog::{Catalog, ItemView, Lang, oscal};
use kojo_i18n::{t, tr};
use std::path::PathBuf;

#[derive(Subcommand, Debug)]
pub enum CatalogCmd {
    /// List the items (No., label, achievement condition).
    List {
        /// Only items of this label (1–17).
        #[arg(long)]
        label: Option<u16>,
        /// Catalog version (id or version, e.g. 0.9); default: the current one.
        #[arg(long)]
        catalog: Option<String>,
        /// Machine-readable output.
        #[arg(long)]
        json: bool,
    },
    /// Show one item: condition, criteria by section, references, errata, responsible area.
    Show {
        /// Item number (1–63).
        item: String,
        /// Catalog version (id or version, e.g. 0.9); default: the current one.
        #[arg(long)]
        catalog: Option<String>,
        /// Machine-readable output.
        #[arg(long)]
        json: bool,
    },
    /// List the embedded catalog versions and the mappings between them.
    Versions {
        /// Machine-readable output.
        #[arg(long)]
        json: bool,
    },
    /// Show what changed between two catalog versions, item by item, through their mapping.
    Diff {
        /// The older version (id or version, e.g. 0.9).
        from: String,
        /// The newer version.
        to: String,
        /// Also list the items that did not change.
        #[arg(long)]
        all: bool,
        /// Machine-readable output.
        #[arg(long)]
        json: bool,
    },
    /// Export the catalog as OSCAL 1.2.1 or kojo's JSON.
    Export {
        /// oscal or json.
        #[arg(long, value_enum)]
        format: ExportFormat,
        /// Output file.
        #[arg(short = 'o', long = "output")]
        output: PathBuf,
    },
}

#[derive(ValueEnum, Clone, Copy, Debug)]
pub enum ExportFormat {
    Oscal,
    Json,
}

pub fn catalog() -> Result<&'static Catalog, Failure> {
    kojo_catalog::builtin().map_err(|e| Failure::key("error.catalog_invalid", &[("detail", e)]))
}

pub fn item<'a>(c: &'a Catalog, s: &str) -> Result<ItemView<'a>, Failure> {
    let n = kojo_domain::ItemNo::parse(s, c).map_err(|e| Failure::localized(|l| e.message(l)))?;
    c.item(n.get()).ok_or_else(|| {
        Failure::key(
            "error.item_out_of_range",
            &[("item", &s), ("max", &c.item_count())],
        )
    })
}

/// The catalog version named by `--catalog` (id or version), or the current one.
pub fn catalog_named(name: Option<&str>) -> Result<&'static Catalog, Failure> {
    match name {
        None => catalog(),
        Some(n) => {
            kojo_catalog::find(n).ok_or_else(|| Failure::key("version.unknown", &[("catalog", &n)]))
        }
    }
}

pub fn run(cmd: CatalogCmd, lang: Lang) -> Result<(), Failure> {
    let c = catalog()?;
    match cmd {
        CatalogCmd::List {
            label,
            catalog,
            json,
        } => list(catalog_named(catalog.as_deref())?, label, json, lang),
        CatalogCmd::Versions { json } => crate::catalog_versions::versions(json, lang),
        CatalogCmd::Diff {
            from,
            to,
            all,
            json,
        } => crate::catalog_versions::diff(&from, &to, all, json, lang),
        CatalogCmd::Show {
            item: n,
            catalog,
            json,
        } => {
            let c = catalog_named(catalog.as_deref())?;
            let v = item(c, &n)?;
            if json {
                print_json(&item_json(c, &v, lang))
            } else {
                show(c, &v, lang)
            }
        }
        CatalogCmd::Export { format, output } => {
            let (bytes, name) = match format {
                ExportFormat::Oscal => (
                    serde_json::to_vec_pretty(&oscal::export(c, lang)),
                    "OSCAL 1.2.1 JSON",
                ),
                ExportFormat::Json => (serde_json::to_vec_pretty(c), "kojo JSON"),
            };
            let bytes = bytes.map_err(|e| Failure::key("error.internal", &[("detail", &e)]))?;
            write_file(&output, &bytes)?;
            eprintln!(
                "{}",
                tr(
                    lang,
                    "catalog.exported",
                    &[("file", &output.display()), ("format", &name)]
                )
            );
            Ok(())
        }
    }
}

fn list(c: &Catalog, label: Option<u16>, json: bool, lang: Lang) -> Result<(), Failure> {
    if let Some(l) = label.filter(|l| c.label(*l).is_none()) {
        return Err(Failure::key(
            "error.label_not_found",
            &[("label", &l), ("max", &c.labels.len())],
        ));
    }
    let items: Vec<ItemView> = c
        .items()
        .filter(|v| label.is_none_or(|l| v.label.number == l))
        .collect();
    if json {
        let rows: Vec<serde_json::Value> = items
            .iter()
            .map(|v| {
                serde_json::json!({
                    "number": v.item.number,
                    "label": v.label.number,
                    "label_name": v.label.name.get(lang),
                    "condition": v.item.condition.get(lang),
                    "area": v.item.area,
                })
            })
            .collect();
        return print_json(&serde_json::json!({ "catalog": c.id, "lang": lang, "items": rows }));
    }
    if lang == Lang::En {
        outln!("{}", t(lang, "catalog.unofficial"));
    }
    let mut current = 0;
    for v in items {
        if v.label.number != current {
            current = v.label.number;
            outln!(
                "\n{} {} {}",
                t(lang, "catalog.label"),
                v.label.number,
                v.label.name.get(lang)
            );
        }
        outln!(
            "  {} {}",
            pad(&format!("No.{}", v.item.number), 6),
            v.item.condition.get(lang)
        );
    }
    Ok(())
}

fn item_json(c: &Catalog, v: &ItemView, lang: Lang) -> serde_json::Value {
    let area = c.area(&v.item.area);
    serde_json::json!({
        "catalog": c.id,
        "lang": lang,
        "number": v.item.number,
        "label": { "number": v.label.number, "name": v.label.name.get(lang) },
        "objective": v.objective().get(lang),
        "objective_refers_to": v.label.objective_refers_to,
        "requirement": v.requirement.text.get(lang),
        "condition": v.item.condition.get(lang),
        "criteria": v.item.criteria.iter().map(|s| serde_json::json!({
            "heading": s.heading.as_ref().map(|h| h.get(lang)),
            "entries": s.entries.iter().map(|e| e.get(lang)).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
        "references": v.item.references.iter().map(|r| serde_json::json!({
            "citation": r.citation, "items": r.items, "display": r.display(lang),
        })).collect::<Vec<_>>(),
        "cited_by": c.cited_by(v.item.number),
        "errata": c.errata_for_item(v.item.number).map(|e| serde_json::json!({
            "id": e.id, "kind": e.kind, "original": e.original, "corrected": e.corrected, "note": e.note.get(lang),
        })).collect::<Vec<_>>(),
        "area": { "id": v.item.area, "name": area.map(|a| a.name.get(lang)), "suggested": c.areas_meta.suggested },
        "translation": if lang == Lang::En { Some(c.translation_note.en.as_str()) } else { None },
    })
}

fn show(c: &Catalog, v: &ItemView, lang: Lang) -> Result<(), Failure> {
    let it = v.item;
    if lang == Lang::En {
        outln!("{}\n", t(lang, "catalog.unofficial"));
    }
    outln!("No.{}  {}", it.number, it.condition.get(lang));
    outln!();
    outln!(
        "{}: {} {}",
        t(lang, "catalog.label"),
        v.label.number,
        v.label.name.get(lang)
    );
    let mut objective = v.objective().get(lang).to_string();
    if let (Some(r), None) = (v.label.objective_refers_to, &v.requirement.objective) {
        objective.push(' ');
        objective.push_str(&tr(lang, "catalog.objective_same_as", &[("label", &r)]));
        if let Some(target) = c.label(r) {
            objective.push_str(&format!(": {}", target.objective.get(lang)));
        }
    }
    outln!("{}: {}", t(lang, "catalog.objective"), objective);
    if !v.requirement.text.get(lang).is_empty() {
        outln!(
            "{}: {}",
            t(lang, "catalog.requirement"),
            v.requirement.text.get(lang)
        );
    }
    if let Some(a) = c.area(&it.area) {
        outln!(
            "{}: {} {}",
            t(lang, "catalog.area"),
            a.name.get(lang),
            t(lang, "catalog.area_suggested")
        );
    }
    outln!("\n{}:", t(lang, "catalog.criteria"));
    for (i, s) in it.criteria.iter().enumerate() {
        match &s.heading {
            Some(h) => outln!("  {}", h.get(lang)),
            // A section without a heading after another one (items 33 and 38): a blank line, so
            // it does not read as part of the heading above.
            None if i > 0 => outln!(),
            None => {}
        }
        for e in &s.entries {
            outln!("    ・{}", e.get(lang));
        }
    }
    if !it.references.is_empty() {
        outln!("\n{}:", t(lang, "catalog.references"));
        for r in &it.references {
            outln!("  {}", r.display(lang));
            for n in &r.items {
                if let Some(target) = c.item(*n) {
                    outln!("    No.{} {}", n, target.item.condition.get(lang));
                }
            }
        }
    }
    let cited = c.cited_by(it.number);
    if !cited.is_empty() {
        let s: Vec<String> = cited.iter().map(|n| format!("No.{n}")).collect();
        outln!("\n{}: {}", t(lang, "catalog.cited_by"), s.join(", "));
    }
    let errata: Vec<_> = c.errata_for_item(it.number).collect();
    if !errata.is_empty() {
        outln!("\n{}:", t(lang, "catalog.errata"));
        for e in errata {
            outln!(
                "  [{}] {}",
                t(lang, &format!("catalog.kind_{}", e.kind)),
                e.note.get(lang)
            );
            outln!("    「{}」", e.original.replace('\t', " ").trim());
            if let Some(corr) = &e.corrected {
                outln!("    {}: 「{}」", t(lang, "catalog.corrected"), corr);
            }
        }
    }
    Ok(())
}
