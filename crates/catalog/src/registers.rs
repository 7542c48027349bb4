//! Registers (台帳) and periodic activities: versioned data beside a catalog.
//!
//! A catalog version may come with `registers.toml` (the ledgers the guideline asks a plant to
//! keep: kinds, their fields and the items each serves) and `activities.toml` (what is done and
//! recorded every year or month, each citing the criterion that states its frequency). Both are
//! embedded, parsed and validated against their catalog once per process, like the catalog.
//! Adding a field or a kind is a data change here (plus a migration of stored entries if a
//! field's meaning changes); no code names a field except the rules that read it.

use crate::{Catalog, CatalogError, Text};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

/// The registers and periodic activities of one catalog version.
#[derive(Debug, Clone, Serialize)]
pub struct Registers {
    /// The catalog these belong to.
    pub catalog_id: String,
    /// The version of the register data (grows with every change of kinds or fields).
    pub version: u32,
    /// The version of the activity data.
    pub activities_version: u32,
    /// Register kinds, in display order.
    pub kinds: Vec<RegisterKind>,
    /// Periodic activities, in item order.
    pub activities: Vec<ActivityKind>,
    /// Items whose criteria mention a frequency but get no activity, with the reason.
    pub excluded: Vec<Excluded>,
}

/// One kind of register (台帳), for example the firewall rules of item 45.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegisterKind {
    /// `firewall-rules`.
    pub id: String,
    /// The register's name.
    pub name: Text,
    /// The items this register serves.
    pub items: Vec<u16>,
    /// The field that identifies an entry on re-import.
    pub key: String,
    /// The date field after which an entry is no longer valid.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires: Option<String>,
    /// The date field after which the vendor no longer supports the entry (item 53).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_of_support: Option<String>,
    /// The guideline's sentence naming the fields.
    pub source: SourceQuote,
    /// The fields, in column order.
    pub fields: Vec<FieldDef>,
}

impl RegisterKind {
    /// The field with this id.
    pub fn field(&self, id: &str) -> Option<&FieldDef> {
        self.fields.iter().find(|f| f.id == id)
    }
}

/// A verbatim quote of the guideline, with the item it comes from.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SourceQuote {
    /// The item.
    pub item: u16,
    /// The Japanese text, verbatim.
    pub quote: String,
}

/// One field (column) of a register.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FieldDef {
    /// `expiry`: ASCII kebab-case, unique within the kind.
    pub id: String,
    /// The column heading.
    pub name: Text,
    /// What the field holds.
    #[serde(rename = "type")]
    pub ty: FieldType,
    /// Whether an entry must have it.
    pub required: bool,
    /// Whether the guideline names the field (else kojo adds it).
    pub guideline: bool,
    /// The choices of an `enum` field.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub values: Vec<EnumValue>,
}

impl FieldDef {
    /// The choice with this id.
    pub fn value(&self, id: &str) -> Option<&EnumValue> {
        self.values.iter().find(|v| v.id == id)
    }
}

/// What a field holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FieldType {
    /// Free text.
    Text,
    /// A calendar date.
    Date,
    /// One of the field's `values`.
    Enum,
    /// An IP address or a CIDR block (IPv4 or IPv6).
    Ip,
    /// A list of ports and port ranges (`80,443,8000-8080`).
    Ports,
    /// A number.
    Number,
    /// A person (a kojo user or a name).
    User,
    /// A reference to evidence (a file name, document number or link).
    Evidence,
}

/// A choice of an enum field.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EnumValue {
    /// Stable id (`in-use`).
    pub id: String,
    /// Japanese label.
    pub ja: String,
    /// English label.
    pub en: String,
}

impl EnumValue {
    /// The label in `lang`.
    pub fn label(&self, lang: crate::Lang) -> &str {
        match lang {
            crate::Lang::Ja => &self.ja,
            crate::Lang::En => &self.en,
        }
    }
}

/// How often an activity recurs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Frequency {
    /// Once per fiscal year (April–March).
    Yearly,
    /// Once per half of a fiscal year.
    HalfYearly,
    /// Once per quarter of a fiscal year.
    Quarterly,
    /// Once per calendar month.
    Monthly,
}

impl Frequency {
    /// The number of periods in a fiscal year.
    pub fn per_year(self) -> u32 {
        match self {
            Frequency::Yearly => 1,
            Frequency::HalfYearly => 2,
            Frequency::Quarterly => 4,
            Frequency::Monthly => 12,
        }
    }

    /// The stable key (`yearly`).
    pub fn key(self) -> &'static str {
        match self {
            Frequency::Yearly => "yearly",
            Frequency::HalfYearly => "half-yearly",
            Frequency::Quarterly => "quarterly",
            Frequency::Monthly => "monthly",
        }
    }
}

/// A recurring activity an item asks for (reviews, training, inventories).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ActivityKind {
    /// `firewall-rules-review`.
    pub id: String,
    /// The item.
    pub item: u16,
    /// A short title.
    pub name: Text,
    /// How often.
    pub frequency: Frequency,
    /// The criterion stating the frequency, verbatim (heading and entry).
    pub quote: String,
}

/// An item with a frequency in its criteria that gets no activity.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Excluded {
    /// The item.
    pub item: u16,
    /// Why.
    pub reason: Text,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RegistersFile {
    version: u32,
    kinds: Vec<RegisterKind>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ActivitiesFile {
    version: u32,
    activities: Vec<ActivityKind>,
    #[serde(default)]
    excluded: Vec<Excluded>,
}

impl Registers {
    /// The kind with this id.
    pub fn kind(&self, id: &str) -> Option<&RegisterKind> {
        self.kinds.iter().find(|k| k.id == id)
    }

    /// The activity kind with this id.
    pub fn activity(&self, id: &str) -> Option<&ActivityKind> {
        self.activities.iter().find(|a| a.id == id)
    }

    /// Parses `registers.toml` and `activities.toml` and validates them against `catalog`.
    pub fn load(
        catalog: &Catalog,
        registers: &str,
        activities: &str,
    ) -> Result<Self, CatalogError> {
        let parse_err = |file: &str, e: toml::de::Error| CatalogError::Parse {
            file: file.to_string(),
            message: e.to_string(),
        };
        let r: RegistersFile =
            toml::from_str(registers).map_err(|e| parse_err("registers.toml", e))?;
        let a: ActivitiesFile =
            toml::from_str(activities).map_err(|e| parse_err("activities.toml", e))?;
        let out = Registers {
            catalog_id: catalog.id.clone(),
            version: r.version,
            activities_version: a.version,
            kinds: r.kinds,
            activities: a.activities,
            excluded: a.excluded,
        };
        let problems = out.problems(catalog);
        if problems.is_empty() {
            Ok(out)
        } else {
            Err(CatalogError::Invalid {
                id: format!("{} registers", catalog.id),
                problems,
            })
        }
    }

    /// Every broken invariant, as sentences.
    fn problems(&self, catalog: &Catalog) -> Vec<String> {
        let mut p = Vec::new();
        let kebab = |s: &str| {
            !s.is_empty()
                && s.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        };
        let item_text = |n: u16| -> Option<Vec<String>> {
            let v = catalog.item(n)?;
            let mut texts = vec![v.item.condition.ja.clone()];
            for s in &v.item.criteria {
                let head = s.heading.as_ref().map(|h| h.ja.as_str()).unwrap_or("");
                for e in &s.entries {
                    texts.push(format!("{head}{}", e.ja));
                }
            }
            Some(texts)
        };
        let mut kind_ids = BTreeSet::new();
        for k in &self.kinds {
            if !kebab(&k.id) || !kind_ids.insert(k.id.as_str()) {
                p.push(format!(
                    "register kind id {:?} is not unique kebab-case",
                    k.id
                ));
            }
            for &n in &k.items {
                if catalog.item(n).is_none() {
                    p.push(format!("register {}: item {n} is not in the catalog", k.id));
                }
            }
            match item_text(k.source.item) {
                Some(texts) if texts.iter().any(|t| t.contains(&k.source.quote)) => {}
                _ => p.push(format!(
                    "register {}: the source quote is not in item {}",
                    k.id, k.source.item
                )),
            }
            let mut field_ids = BTreeSet::new();
            for f in &k.fields {
                if !kebab(&f.id) || !field_ids.insert(f.id.as_str()) {
                    p.push(format!(
                        "register {}: field id {:?} is not unique kebab-case",
                        k.id, f.id
                    ));
                }
                if f.name.ja.is_empty() || f.name.en.is_empty() {
                    p.push(format!("register {}: field {} lacks a name", k.id, f.id));
                }
                match (f.ty, f.values.is_empty()) {
                    (FieldType::Enum, true) => p.push(format!(
                        "register {}: enum field {} has no values",
                        k.id, f.id
                    )),
                    (FieldType::Enum, false) => {
                        let ids: BTreeSet<_> = f.values.iter().map(|v| v.id.as_str()).collect();
                        if ids.len() != f.values.len() || !f.values.iter().all(|v| kebab(&v.id)) {
                            p.push(format!(
                                "register {}: field {} has duplicate or bad value ids",
                                k.id, f.id
                            ));
                        }
                    }
                    (_, false) => p.push(format!(
                        "register {}: field {} has values but is not an enum",
                        k.id, f.id
                    )),
                    _ => {}
                }
            }
            match k.field(&k.key) {
                Some(f) if f.required => {}
                _ => p.push(format!(
                    "register {}: key {} is not a required field",
                    k.id, k.key
                )),
            }
            for d in [&k.expires, &k.end_of_support].into_iter().flatten() {
                if k.field(d).is_none_or(|f| f.ty != FieldType::Date) {
                    p.push(format!("register {}: {d} is not a date field", k.id));
                }
            }
        }
        let mut activity_ids = BTreeSet::new();
        let mut covered = BTreeSet::new();
        for a in &self.activities {
            if !kebab(&a.id) || !activity_ids.insert(a.id.as_str()) {
                p.push(format!("activity id {:?} is not unique kebab-case", a.id));
            }
            covered.insert(a.item);
            match item_text(a.item) {
                Some(texts) if texts.iter().skip(1).any(|t| t.contains(&a.quote)) => {}
                _ => p.push(format!(
                    "activity {}: the quote is not in item {}'s criteria",
                    a.id, a.item
                )),
            }
        }
        let with_frequency: BTreeSet<u16> = catalog
            .items()
            .filter(|v| mentions_frequency(v.item))
            .map(|v| v.item.number)
            .collect();
        let mut excluded = BTreeSet::new();
        for e in &self.excluded {
            if !excluded.insert(e.item) || covered.contains(&e.item) {
                p.push(format!("item {} is excluded twice or also covered", e.item));
            }
            if !with_frequency.contains(&e.item) {
                p.push(format!(
                    "item {} is excluded but its criteria state no frequency",
                    e.item
                ));
            }
        }
        for n in &with_frequency {
            if !covered.contains(n) && !excluded.contains(n) {
                p.push(format!(
                    "item {n} states a frequency but has no activity and is not excluded"
                ));
            }
        }
        p
    }
}

/// Whether an item's criteria state a frequency (a 【頻度】-like heading, or 頻度 in an entry).
pub fn mentions_frequency(item: &crate::Item) -> bool {
    item.criteria.iter().any(|s| {
        s.heading.as_ref().is_some_and(|h| h.ja.contains("頻度"))
            || s.entries.iter().any(|e| e.ja.contains("頻度"))
    })
}
