//! View models of one assessment item: the full form, the compact row, the fields of one mark,
//! and the criteria fragment.

use askama::Template;

pub struct MarkVm {
    pub key: &'static str,
    pub symbol: &'static str,
    pub name: &'static str,
    pub definition: &'static str,
    pub checked: bool,
}

impl MarkVm {
    /// Mark `m` with its definition from `catalog`, in `lang`.
    pub fn of(
        m: kojo_domain::Mark,
        catalog: &'static kojo_catalog::Catalog,
        lang: kojo_i18n::Lang,
        checked: bool,
    ) -> MarkVm {
        MarkVm {
            key: m.key(),
            symbol: m.symbol(),
            name: m.name(lang),
            definition: catalog
                .mark(m.symbol())
                .map(|d| d.definition.get(lang))
                .unwrap_or(""),
            checked,
        }
    }
}

pub struct SectionVm {
    pub heading: Option<&'static str>,
    pub entries: Vec<&'static str>,
}

pub struct ConflictVm {
    pub theirs: String,
    pub by: String,
    pub at: String,
    pub version: i64,
}

/// The fields of one mark (□: reason, review-by, …), with their values and errors. An item
/// renders only its current mark's fields; the page carries one empty set per mark as a
/// `<template>` (its `n` is the placeholder `__n__`) that the script puts in when the mark
/// changes, so the page does not send four hidden sets per item.
pub struct FieldsVm {
    pub n: String,
    /// The mark's key (`deferred`), or empty when the item has no mark.
    pub mark: &'static str,
    pub alternative_flag: bool,
    pub f: kojo_domain::RawAnswer,
    pub errors: Vec<(&'static str, String)>,
}

impl FieldsVm {
    pub fn error(&self, field: &str) -> Option<&str> {
        self.errors
            .iter()
            .find(|(f, _)| *f == field)
            .map(|(_, m)| m.as_str())
    }

    pub fn v<'a>(&self, s: &'a Option<String>) -> &'a str {
        s.as_deref().unwrap_or("")
    }
}

/// The empty field set of one mark, as a page-level `<template>` (the fields template reads
/// `it.fx`, in the page as in an item).
pub struct FieldsHolder {
    pub fx: FieldsVm,
}

pub struct ItemVm {
    pub n: u16,
    pub label_header: Option<(u16, &'static str, String)>,
    pub requirement_header: Option<&'static str>,
    pub condition: &'static str,
    /// Where the criteria are fetched from when opened (a public, immutable fragment).
    pub criteria_url: String,
    pub area: &'static str,
    pub marks: Vec<MarkVm>,
    pub mark: &'static str,
    /// The current mark's fields (and, for the compact row, their values as hidden inputs).
    pub fx: FieldsVm,
    pub version: i64,
    pub state: &'static str,
    pub state_text: &'static str,
    pub conflict: Option<ConflictVm>,
    pub editable: bool,
    pub updated: Option<String>,
    /// Review comments on this item: (when, who, text).
    pub comments: Vec<(String, String, String)>,
    /// Last year's mark symbol (`—` when unanswered then), when there is a previous assessment.
    pub prev: Option<&'static str>,
    /// How the mark changed since last year: key and name.
    pub change: Option<(&'static str, &'static str)>,
    /// Carried from last year and not yet re-confirmed (要再確認): shown as provisional.
    pub unconfirmed: bool,
    /// For an assessment made on a newer catalog version: how this item changed and the old
    /// answers it came from.
    pub origin: Option<String>,
    /// On a line that inherits: the item shows the plant's answer (read-only here).
    pub inherited: bool,
    /// On a line that inherits: the item is the line's own (may go back to the plant's).
    pub line_own: bool,
    /// □ △ ×: reviewed in the yearly cycle.
    pub residual: bool,
    /// The page's filter as a query string (to return to it after re-confirming).
    pub back: String,
    /// Shown as one compact row (number, condition, marks, save state); details on demand.
    pub compact: bool,
}

impl ItemVm {
    pub fn error(&self, field: &str) -> Option<&str> {
        self.fx.error(field)
    }

    /// The stored values the compact row carries as hidden inputs, so that saving a new mark
    /// from the row keeps the note and, for the same mark, its fields: (name, value).
    pub fn hidden_values(&self) -> Vec<(&'static str, &str)> {
        let f = &self.fx.f;
        let mut out = Vec::new();
        for (name, v) in [
            ("alternative", &f.alternative),
            ("reason", &f.reason),
            ("review_by", &f.review_by),
            ("accepted_by", &f.accepted_by),
            ("progress", &f.progress),
            ("status", &f.status),
            ("target_date", &f.target_date),
            ("na_reason", &f.na_reason),
            ("note", &f.note),
        ] {
            if let Some(v) = v.as_deref().filter(|v| !v.is_empty()) {
                out.push((name, v));
            }
        }
        if self.fx.alternative_flag {
            out.push(("alternative_flag", "1"));
        }
        out
    }
}

/// The criteria of one item in one language: a page of its own (readable without script),
/// whose `.crit` part the assessment page puts into the item when 「達成基準」 is opened.
#[derive(Template)]
#[template(path = "criteria.html")]
pub struct CriteriaPage {
    pub lang: &'static str,
    pub css: String,
    pub title: String,
    pub n: u16,
    pub condition: &'static str,
    pub criteria: Vec<SectionVm>,
    pub references: Vec<String>,
    pub errata: Vec<String>,
    pub references_label: &'static str,
    pub errata_label: &'static str,
}
