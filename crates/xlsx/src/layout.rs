//! Where things are in the checksheet (format version 2), and the catalog texts it shows.
//!
//! Rows and columns are 0-based as the writer and reader use them; [`cell_name`] gives the A1
//! name people see.
//!
//! The item table has the guideline's texts (A–G), the mark and the answer fields (H–Q), then
//! the informational columns (R–Z): last year's mark and this cycle's review (R–Y), and on a
//! line that inherits from its plant, which items follow the plant (Z). Import reads only A–Q
//! ([`ANSWER_COLUMNS`]); the informational columns are always written (empty when there is
//! nothing to show) and never read. Format versions 1 (no R–Z) and 2 (no Z) import the same way.

use kojo_catalog::{Catalog, ItemView, Label};
use kojo_domain::Field;
use kojo_i18n::{Lang, t, tr};

/// Name of the metadata sheet (the same in every language).
pub const META_SHEET: &str = "kojo";
/// Value of the metadata `format` key.
pub const META_FORMAT: &str = "kojo-checksheet";

/// Metadata keys (column A of the metadata sheet), values in column B.
pub mod meta {
    /// Always [`super::META_FORMAT`].
    pub const FORMAT: &str = "format";
    /// The checksheet format version ([`crate::FORMAT_VERSION`]).
    pub const FORMAT_VERSION: &str = "format_version";
    /// The catalog id.
    pub const CATALOG_ID: &str = "catalog_id";
    /// The catalog version.
    pub const CATALOG_VERSION: &str = "catalog_version";
    /// The language the sheet was written in.
    pub const LANG: &str = "lang";
    /// The program that wrote it.
    pub const GENERATOR: &str = "generator";
}

/// Title row.
pub const ROW_TITLE: u32 = 0;
/// Header block: company.
pub const ROW_COMPANY: u32 = 1;
/// Header block: plant code (column B) and name (column C).
pub const ROW_PLANT: u32 = 2;
/// Header block: line code (B) and name (C).
pub const ROW_LINE: u32 = 3;
/// Header block: fiscal year.
pub const ROW_PERIOD: u32 = 4;
/// Header block: assessor.
pub const ROW_ASSESSOR: u32 = 5;
/// Header block: date of the assessment.
pub const ROW_DATE: u32 = 6;
/// The item table's column headings.
pub const ROW_TABLE_HEADER: u32 = 7;
/// The first item row (rows may be reordered; items are found by the No. column).
pub const ROW_FIRST_ITEM: u32 = 8;

/// Header labels.
pub const COL_HEADER_LABEL: u16 = 0;
/// Header values (and codes).
pub const COL_HEADER_VALUE: u16 = 1;
/// Header names (plant and line names).
pub const COL_HEADER_NAME: u16 = 2;
/// The usage hint beside the header block.
pub const COL_HINT: u16 = 4;

/// Label (number and name).
pub const COL_LABEL: u16 = 0;
/// Objective.
pub const COL_OBJECTIVE: u16 = 1;
/// Requirement.
pub const COL_REQUIREMENT: u16 = 2;
/// Item number (No.).
pub const COL_ITEM: u16 = 3;
/// Achievement condition.
pub const COL_CONDITION: u16 = 4;
/// Achievement criteria.
pub const COL_CRITERIA: u16 = 5;
/// Responsible area (suggested).
pub const COL_AREA: u16 = 6;
/// The mark; the answer fields follow in [`Field::ALL`] order.
pub const COL_MARK: u16 = 7;
/// Number of columns import reads: the item table up to the last answer field (A–Q).
pub const ANSWER_COLUMNS: u16 = COL_MARK + Field::ALL.len() as u16;
/// Last year's mark (informational, not read).
pub const COL_PREVIOUS: u16 = ANSWER_COLUMNS;
/// Review: is the reason for deferral still valid (yes / no; informational, not read).
pub const COL_REVIEW_VALID: u16 = COL_PREVIOUS + 1;
/// Review: preparation progress (text).
pub const COL_REVIEW_PROGRESS: u16 = COL_PREVIOUS + 2;
/// Review: preparation progress in percent.
pub const COL_REVIEW_PCT: u16 = COL_PREVIOUS + 3;
/// Review: consideration status.
pub const COL_REVIEW_STATUS: u16 = COL_PREVIOUS + 4;
/// Review: target date.
pub const COL_REVIEW_TARGET: u16 = COL_PREVIOUS + 5;
/// Review: note.
pub const COL_REVIEW_NOTE: u16 = COL_PREVIOUS + 6;
/// Review: who reviewed, and when.
pub const COL_REVIEW_BY: u16 = COL_PREVIOUS + 7;
/// On a line that inherits from its plant: the item follows the plant's answer.
pub const COL_INHERITED: u16 = COL_PREVIOUS + 8;
/// Number of columns of the item table (A–Z).
pub const COLUMNS: u16 = COL_INHERITED + 1;

/// Column widths of the item table, in characters (indexed by column). Narrower than the texts
/// would like, so that 26 columns still print legibly on one A4 landscape page width.
pub const WIDTHS: [f64; COLUMNS as usize] = [
    18.0, // label
    24.0, // objective
    24.0, // requirement
    5.0,  // No.
    32.0, // condition
    48.0, // criteria
    12.0, // area
    7.0,  // mark
    18.0, // alternative
    20.0, // reason
    12.0, // review-by date
    12.0, // accepted by
    18.0, // progress
    20.0, // status
    12.0, // target date
    20.0, // not-applicable reason
    20.0, // note
    9.0,  // last year's mark
    9.0,  // review: reason still valid
    16.0, // review: progress
    8.0,  // review: progress %
    16.0, // review: status
    12.0, // review: target date
    18.0, // review: note
    14.0, // review: by, date
    10.0, // inherited from the plant
];

/// Display width of a character in column-width units: CJK and full-width forms take two.
fn char_width(c: char) -> f64 {
    match c {
        '\u{FF61}'..='\u{FF9F}' => 1.0,
        '\u{2E80}'.. | '\u{25A0}'..='\u{25FF}' | '\u{00D7}' => 1.8,
        _ => 1.0,
    }
}

/// How many lines `text` takes when wrapped in a column `width` characters wide (at least 1).
pub fn wrapped_lines(text: &str, width: f64) -> u32 {
    let available = (width - 1.0).max(1.0);
    text.split('\n')
        .map(|line| {
            // 10% slack: word wrap breaks before the edge.
            let w: f64 = line.chars().map(char_width).sum::<f64>() * 1.1;
            (w / available).ceil().max(1.0) as u32
        })
        .sum()
}

/// Row height in points for `lines` lines of 11-point text (Excel's maximum is 409).
///
/// Written explicitly because LibreOffice does not fit row heights to wrapped text on load.
pub fn row_height(lines: u32) -> f64 {
    (f64::from(lines) * 15.0 + 3.0).min(409.0)
}

/// The column of an answer field (the mark included).
pub fn field_col(field: Field) -> u16 {
    let index = Field::ALL.iter().position(|f| *f == field).unwrap_or(0);
    COL_MARK + index as u16
}

/// Whether a field holds a date.
pub fn is_date_field(field: Field) -> bool {
    matches!(field, Field::ReviewBy | Field::TargetDate)
}

/// Column letters: 0 → `A`, 25 → `Z`, 26 → `AA`.
pub fn col_name(col: u16) -> String {
    let mut n = u32::from(col) + 1;
    let mut out = Vec::new();
    while n > 0 {
        let rem = (n - 1) % 26;
        out.push(char::from(b'A' + rem as u8));
        n = (n - 1) / 26;
    }
    out.iter().rev().collect()
}

/// The A1 name of a 0-based cell: (22, 7) → `H23`.
pub fn cell_name(row: u32, col: u16) -> String {
    format!("{}{}", col_name(col), row + 1)
}

/// An absolute A1 reference to a column range of the item table: `$H$9:$H$71`.
pub fn abs_col_range(col: u16, first_row: u32, last_row: u32) -> String {
    let c = col_name(col);
    format!("${c}${}:${c}${}", first_row + 1, last_row + 1)
}

/// The main sheet's name in `lang`.
pub fn main_sheet(lang: Lang) -> &'static str {
    t(lang, "xlsx.sheet.main")
}

/// `1 体制 (平時)`: the label cell, also the key the summary formulas match.
pub fn label_text(label: &Label, lang: Lang) -> String {
    format!("{} {}", label.number, label.name.get(lang))
}

/// The objective that applies to an item; `同上` is followed by which label it refers to.
pub fn objective_text(view: &ItemView<'_>, lang: Lang) -> String {
    let text = view.objective().get(lang).to_string();
    match (
        view.requirement.objective.is_none(),
        view.label.objective_refers_to,
    ) {
        (true, Some(label)) => {
            let note = tr(lang, "catalog.objective_same_as", &[("label", &label)]);
            if text.is_empty() {
                note
            } else {
                format!("{text}\n{note}")
            }
        }
        _ => text,
    }
}

/// The criteria as readable text: headings on their own line, entries as bullets, then the
/// resolved cross-references.
///
/// A section without a heading that follows other sections (items 33 and 38 print one after a
/// headed section) is set apart by a blank line, so its entries do not read as part of the
/// heading above.
pub fn criteria_text(view: &ItemView<'_>, lang: Lang) -> String {
    let bullet = match lang {
        Lang::Ja => "・",
        Lang::En => "• ",
    };
    let mut lines = Vec::new();
    for section in &view.item.criteria {
        match &section.heading {
            Some(heading) => lines.push(heading.get(lang).to_string()),
            None if !lines.is_empty() => lines.push(String::new()),
            None => {}
        }
        for entry in &section.entries {
            lines.push(format!("{bullet}{}", entry.get(lang)));
        }
    }
    if !view.item.references.is_empty() {
        let refs: Vec<String> = view
            .item
            .references
            .iter()
            .map(|r| r.display(lang))
            .collect();
        lines.push(format!(
            "{}: {}",
            t(lang, "catalog.references"),
            refs.join(", ")
        ));
    }
    lines.join("\n")
}

/// The responsible area's name in `lang` (its id if the catalog does not know it).
pub fn area_text(catalog: &Catalog, view: &ItemView<'_>, lang: Lang) -> String {
    catalog
        .area(&view.item.area)
        .map(|a| a.name.get(lang).to_string())
        .unwrap_or_else(|| view.item.area.clone())
}

/// The item table's column headings in `lang` (last year's mark without its fiscal year).
pub fn table_headings(lang: Lang) -> Vec<String> {
    let mut out: Vec<String> = [
        "xlsx.col.label",
        "xlsx.col.objective",
        "xlsx.col.requirement",
        "xlsx.col.item",
        "xlsx.col.condition",
        "xlsx.col.criteria",
        "xlsx.col.area",
    ]
    .iter()
    .map(|k| t(lang, k).to_string())
    .collect();
    out.extend(Field::ALL.iter().map(|f| heading_case(f.name(lang), lang)));
    out.extend(
        [
            "xlsx.cycle.previous",
            "xlsx.cycle.valid",
            "xlsx.cycle.progress",
            "xlsx.cycle.progress_pct",
            "xlsx.cycle.status",
            "xlsx.cycle.target_date",
            "xlsx.cycle.note",
            "xlsx.cycle.by",
            "xlsx.cycle.inherited",
        ]
        .iter()
        .map(|k| t(lang, k).to_string()),
    );
    out
}

/// A field name as a column heading: English names start with a capital (`Reason for deferral`).
pub fn heading_case(name: &str, lang: Lang) -> String {
    let mut chars = name.chars();
    match (lang, chars.next()) {
        (Lang::En, Some(first)) => first.to_uppercase().chain(chars).collect(),
        _ => name.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cell_names() {
        assert_eq!(col_name(0), "A");
        assert_eq!(col_name(25), "Z");
        assert_eq!(col_name(26), "AA");
        assert_eq!(cell_name(22, 7), "H23");
        assert_eq!(field_col(Field::Mark), COL_MARK);
        assert_eq!(field_col(Field::Note), ANSWER_COLUMNS - 1);
        assert_eq!(col_name(ANSWER_COLUMNS - 1), "Q");
        assert_eq!(col_name(COLUMNS - 1), "Z");
        for lang in Lang::ALL {
            assert_eq!(table_headings(lang).len(), usize::from(COLUMNS));
        }
    }
}
