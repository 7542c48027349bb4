//! Catalog types and their parsing from the embedded TOML.

use crate::{CatalogError, Source};
use kojo_i18n::Lang;
use serde::{Deserialize, Serialize};

/// A text in Japanese (verbatim guideline text) and English (unofficial translation).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Text {
    /// Japanese, verbatim from the guideline.
    pub ja: String,
    /// English, kojo's unofficial translation.
    pub en: String,
}

impl Text {
    /// The text in `lang`.
    pub fn get(&self, lang: Lang) -> &str {
        match lang {
            Lang::Ja => &self.ja,
            Lang::En => &self.en,
        }
    }
}

/// A publisher of the guideline.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Publisher {
    /// Full name.
    pub name: Text,
    /// Short name (JAMA, JAPIA).
    pub short: String,
    /// Committee / working group.
    pub unit: Text,
}

/// A responsible area (担当領域・機能).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Area {
    /// Stable id (`plant-it`).
    pub id: String,
    /// Display name.
    pub name: Text,
}

/// Whether responsible areas are kojo's suggestion, and the note that says so.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AreasMeta {
    /// True: the guideline does not list areas, kojo suggests them.
    pub suggested: bool,
    /// Note shown to users.
    pub note: Text,
}

/// One of the five marks as the guideline defines it (section 2).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct MarkDef {
    /// The symbol exactly as printed (○ □ △ × －).
    pub symbol: String,
    /// Stable key (`implemented`, …).
    pub key: String,
    /// The guideline's definition.
    pub definition: Text,
}

/// A criteria section (【規則】, 【対象】, [導入場所], …) with its entries.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Section {
    /// The heading with its brackets; `None` for text before any heading.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub heading: Option<Text>,
    /// Bullets / lines, marker removed.
    pub entries: Vec<Text>,
}

/// A citation of an enterprise-edition item number, resolved to this edition.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Reference {
    /// The citation as printed (`No49/50`).
    pub citation: String,
    /// The items of this edition it means.
    pub items: Vec<u16>,
}

impl Reference {
    /// `No49/50 → 本版 No.14/15` (ja) or `No49/50 → this edition No.14/15` (en).
    pub fn display(&self, lang: Lang) -> String {
        let nums: Vec<String> = self.items.iter().map(u16::to_string).collect();
        kojo_i18n::tr(
            lang,
            "catalog.reference",
            &[("citation", &self.citation), ("items", &nums.join("/"))],
        )
    }
}

/// One of the 63 items: an achievement condition with its criteria.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Item {
    /// Item number (No.), 1-based, contiguous across the catalog.
    pub number: u16,
    /// The achievement condition (達成条件).
    pub condition: Text,
    /// Responsible area id (kojo's suggestion).
    pub area: String,
    /// Achievement criteria (達成基準) as sections.
    #[serde(default)]
    pub criteria: Vec<Section>,
    /// Resolved cross-references.
    #[serde(default)]
    pub references: Vec<Reference>,
}

/// A requirement (要求事項) of a label with its items.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Requirement {
    /// The requirement text (may be empty where the source cell is empty: see errata).
    pub text: Text,
    /// A block's own objective, where it differs from its label's (label 4, items 12–13).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub objective: Option<Text>,
    /// Items under this requirement.
    pub items: Vec<Item>,
}

/// A label (ラベル): a group of requirements with an objective.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Label {
    /// Label number 1..=17.
    pub number: u16,
    /// Name (体制 (平時), …).
    pub name: Text,
    /// Objective (目的), verbatim (label 3 reads 同上).
    pub objective: Text,
    /// For an objective that reads 同上: the label it refers to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub objective_refers_to: Option<u16>,
    /// Requirements in order.
    pub requirements: Vec<Requirement>,
}

/// A glossary term (用語集).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Term {
    /// Number 1..=46.
    pub number: u16,
    /// The term.
    pub term: Text,
    /// Its explanation.
    pub explanation: Text,
}

/// An erratum: a correction or a note about the source's layout, never applied silently.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Erratum {
    /// Stable id.
    pub id: String,
    /// The field it concerns (`item.5.condition`, `label.14.name`, `requirement.4.2.text`, …).
    pub target: String,
    /// `typo`, `duplicate`, `layout` or `ambiguity`.
    pub kind: String,
    /// The verbatim source fragment.
    pub original: String,
    /// kojo's proposed correction, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub corrected: Option<String>,
    /// Explanation.
    pub note: Text,
}

impl Erratum {
    /// The item number this erratum concerns, if it targets an item.
    pub fn item(&self) -> Option<u16> {
        let mut parts = self.target.split('.');
        match (parts.next(), parts.next()) {
            (Some("item"), Some(n)) => n.parse().ok(),
            _ => None,
        }
    }

    /// The label number this erratum concerns, if it targets a label or requirement.
    pub fn label(&self) -> Option<u16> {
        let mut parts = self.target.split('.');
        match (parts.next(), parts.next()) {
            (Some("label" | "requirement"), Some(n)) => n.parse().ok(),
            _ => None,
        }
    }
}

/// One version of the guideline.
#[derive(Debug, Clone, Serialize)]
pub struct Catalog {
    /// `jama-japia-factory@0.9`.
    pub id: String,
    /// `0.9`.
    pub version: String,
    /// Publication date (ISO 8601).
    pub published: String,
    /// Title.
    pub title: Text,
    /// Subtitle.
    pub subtitle: Text,
    /// Note that English is unofficial.
    pub translation_note: Text,
    /// Publishers.
    pub publishers: Vec<Publisher>,
    /// Responsible areas.
    pub areas: Vec<Area>,
    /// Whether areas are suggested.
    pub areas_meta: AreasMeta,
    /// The five marks.
    pub marks: Vec<MarkDef>,
    /// Labels in order.
    pub labels: Vec<Label>,
    /// Glossary.
    pub glossary: Vec<Term>,
    /// Errata.
    pub errata: Vec<Erratum>,
    #[serde(skip)]
    index: Vec<(usize, usize, usize)>,
    /// The registers and periodic activities of this version, where it has them.
    #[serde(skip)]
    pub registers: Option<crate::Registers>,
}

/// An item with the label and requirement it belongs to.
#[derive(Debug, Clone, Copy)]
pub struct ItemView<'a> {
    /// The label.
    pub label: &'a Label,
    /// The requirement (0-based index within the label).
    pub requirement_index: usize,
    /// The requirement.
    pub requirement: &'a Requirement,
    /// The item.
    pub item: &'a Item,
}

impl<'a> ItemView<'a> {
    /// The objective that applies to this item: the requirement block's own, else the label's.
    pub fn objective(&self) -> &'a Text {
        self.requirement
            .objective
            .as_ref()
            .unwrap_or(&self.label.objective)
    }
}

impl Catalog {
    /// Number of items.
    pub fn item_count(&self) -> usize {
        self.index.len()
    }

    /// Item `number` with its label and requirement.
    pub fn item(&self, number: u16) -> Option<ItemView<'_>> {
        let (l, r, i) = *self.index.get(usize::from(number).checked_sub(1)?)?;
        let label = &self.labels[l];
        let requirement = &label.requirements[r];
        Some(ItemView {
            label,
            requirement_index: r,
            requirement,
            item: &requirement.items[i],
        })
    }

    /// All items in order.
    pub fn items(&self) -> impl Iterator<Item = ItemView<'_>> + '_ {
        (1..=self.index.len() as u16).filter_map(|n| self.item(n))
    }

    /// Label `number`.
    pub fn label(&self, number: u16) -> Option<&Label> {
        self.labels.iter().find(|l| l.number == number)
    }

    /// Responsible area by id.
    pub fn area(&self, id: &str) -> Option<&Area> {
        self.areas.iter().find(|a| a.id == id)
    }

    /// Errata concerning item `number`.
    pub fn errata_for_item(&self, number: u16) -> impl Iterator<Item = &Erratum> {
        self.errata.iter().filter(move |e| e.item() == Some(number))
    }

    /// Errata concerning label `number` (its name, objective or requirements).
    pub fn errata_for_label(&self, number: u16) -> impl Iterator<Item = &Erratum> {
        self.errata
            .iter()
            .filter(move |e| e.label() == Some(number))
    }

    /// The items citing item `number` (reverse cross-references).
    pub fn cited_by(&self, number: u16) -> Vec<u16> {
        self.items()
            .filter(|v| v.item.references.iter().any(|r| r.items.contains(&number)))
            .map(|v| v.item.number)
            .collect()
    }

    /// Mark definition by symbol.
    pub fn mark(&self, symbol: &str) -> Option<&MarkDef> {
        self.marks.iter().find(|m| m.symbol == symbol)
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CatalogFile {
    id: String,
    version: String,
    published: String,
    source_language: String,
    title: Text,
    subtitle: Text,
    translation_note: Text,
    publishers: Vec<Publisher>,
    areas_meta: AreasMeta,
    areas: Vec<Area>,
    marks: Vec<MarkDef>,
}

#[derive(Deserialize)]
struct GlossaryFile {
    terms: Vec<Term>,
}

#[derive(Deserialize)]
struct ErrataFile {
    errata: Vec<Erratum>,
}

fn parse_file<T: serde::de::DeserializeOwned>(file: &str, src: &str) -> Result<T, CatalogError> {
    toml::from_str(src).map_err(|e| CatalogError::Parse {
        file: file.to_string(),
        message: e.to_string(),
    })
}

pub(crate) fn parse(source: &Source) -> Result<Catalog, CatalogError> {
    let head: CatalogFile = parse_file("catalog.toml", source.catalog)?;
    if head.source_language != "ja" {
        return Err(CatalogError::Parse {
            file: "catalog.toml".into(),
            message: format!("unsupported source_language {}", head.source_language),
        });
    }
    let mut labels = Vec::with_capacity(source.labels.len());
    for (name, src) in source.labels {
        labels.push(parse_file::<Label>(&format!("labels/{name}.toml"), src)?);
    }
    let glossary: GlossaryFile = parse_file("glossary.toml", source.glossary)?;
    let errata: ErrataFile = parse_file("errata.toml", source.errata)?;
    let mut index = Vec::new();
    for (l, label) in labels.iter().enumerate() {
        for (r, req) in label.requirements.iter().enumerate() {
            for (i, _) in req.items.iter().enumerate() {
                index.push((l, r, i));
            }
        }
    }
    Ok(Catalog {
        id: head.id,
        version: head.version,
        published: head.published,
        title: head.title,
        subtitle: head.subtitle,
        translation_note: head.translation_note,
        publishers: head.publishers,
        areas: head.areas,
        areas_meta: head.areas_meta,
        marks: head.marks,
        labels,
        glossary: glossary.terms,
        errata: errata.errata,
        index,
        registers: None,
    })
}
