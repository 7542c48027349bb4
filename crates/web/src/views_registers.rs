//! View models of the registers (台帳), the import wizard and the year plan (年間活動).

use crate::views::Page;
use askama::Template;
use kojo_catalog::registers::{FieldDef, FieldType, RegisterKind};
use kojo_i18n::Lang;

/// One register kind on the plant's overview.
pub struct KindRowVm {
    pub id: String,
    pub name: String,
    pub items: String,
    pub entries: i64,
    pub last_review: String,
}

#[derive(Template)]
#[template(path = "registers.html")]
pub struct RegistersPage {
    pub page: Page,
    pub code: String,
    pub name: String,
    pub kinds: Vec<KindRowVm>,
}

/// A column of the register's table.
pub struct ColVm {
    pub id: String,
    pub name: String,
    pub sorted: &'static str,
    pub sort_link: String,
}

pub struct EntryRowVm {
    pub id: String,
    pub key: String,
    pub cells: Vec<String>,
}

/// An input of the add / edit form.
pub struct FieldVm {
    pub id: String,
    pub name: String,
    pub required: bool,
    /// `text`, `date`, `number` or `select`.
    pub input: &'static str,
    pub choices: Vec<(String, String)>,
    pub value: String,
}

pub struct ReviewVm {
    pub date: String,
    pub reviewer: String,
    pub note: String,
    pub entries: i64,
    pub hash: String,
}

/// An enum field offered as a filter.
pub struct FilterVm {
    pub id: String,
    pub name: String,
    pub choices: Vec<(String, String)>,
    pub selected: String,
}

#[derive(Template)]
#[template(path = "register.html")]
pub struct RegisterPage {
    pub page: Page,
    pub code: String,
    pub site_name: String,
    pub kind: String,
    pub kind_name: String,
    pub items: String,
    pub columns: Vec<ColVm>,
    pub rows: Vec<EntryRowVm>,
    pub total: i64,
    pub shown: String,
    pub q: String,
    pub retired: bool,
    pub filters: Vec<FilterVm>,
    pub prev: Option<String>,
    pub next: Option<String>,
    pub fields: Vec<FieldVm>,
    pub reviews: Vec<ReviewVm>,
    pub today: String,
    pub error: Option<String>,
}

pub struct ChangeVm {
    pub version: i64,
    pub change: String,
    pub at: String,
    pub by: String,
    /// (field, before, after) of the fields that changed.
    pub diffs: Vec<(String, String, String)>,
}

#[derive(Template)]
#[template(path = "register_entry.html")]
pub struct EntryPage {
    pub page: Page,
    pub code: String,
    pub site_name: String,
    pub kind: String,
    pub kind_name: String,
    pub id: String,
    pub key: String,
    pub retired: bool,
    pub version: i64,
    pub fields: Vec<FieldVm>,
    pub history: Vec<ChangeVm>,
    pub error: Option<String>,
}

/// A column of the uploaded file and the field it maps to.
pub struct MapVm {
    pub index: usize,
    pub header: String,
    pub field: String,
}

#[derive(Template)]
#[template(path = "register_import.html")]
pub struct ImportPage {
    pub page: Page,
    pub code: String,
    pub site_name: String,
    pub kind: String,
    pub kind_name: String,
    /// The upload (None: the first step, choose a file).
    pub upload: Option<String>,
    pub file_name: String,
    pub fields: Vec<(String, String)>,
    pub columns: Vec<MapVm>,
    pub key: String,
    pub sync: bool,
    pub encoding: String,
    /// The preview: inserted, updated, unchanged, retired and the header row.
    pub counts: Option<[usize; 5]>,
    pub error: Option<String>,
}

pub struct PeriodVm {
    pub label: String,
    pub state: &'static str,
    pub state_text: &'static str,
    pub done: String,
}

pub struct ActivityVm {
    pub id: String,
    pub item: u16,
    pub name: String,
    pub frequency: &'static str,
    pub quote: String,
    pub periods: Vec<PeriodVm>,
}

pub struct RecordVm {
    pub date: String,
    pub activity: String,
    pub what: String,
    pub participants: String,
    pub note: String,
    pub evidence: String,
    pub by: String,
}

#[derive(Template)]
#[template(path = "activities.html")]
pub struct ActivitiesPage {
    pub page: Page,
    pub code: String,
    pub site_name: String,
    pub fy: i32,
    pub fy_label: String,
    pub prev_fy: i32,
    pub next_fy: i32,
    pub activities: Vec<ActivityVm>,
    pub records: Vec<RecordVm>,
    pub counts: [usize; 3],
    pub today: String,
    pub error: Option<String>,
}

/// A stored value as people read it: an enum's label, anything else as stored.
pub(crate) fn shown(f: &FieldDef, v: &str, lang: Lang) -> String {
    f.value(v)
        .map_or_else(|| v.to_string(), |c| c.label(lang).to_string())
}

pub(crate) fn items_of(k: &RegisterKind) -> String {
    k.items
        .iter()
        .map(u16::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

pub(crate) fn field_vms(
    k: &RegisterKind,
    values: Option<&kojo_app::EntryData>,
    lang: Lang,
) -> Vec<FieldVm> {
    k.fields
        .iter()
        .map(|f| FieldVm {
            id: f.id.clone(),
            name: f.name.get(lang).to_string(),
            required: f.required,
            input: match f.ty {
                FieldType::Date => "date",
                FieldType::Number => "number",
                FieldType::Enum => "select",
                _ => "text",
            },
            choices: f
                .values
                .iter()
                .map(|c| (c.id.clone(), c.label(lang).to_string()))
                .collect(),
            value: values
                .and_then(|d| d.get(&f.id))
                .unwrap_or_default()
                .to_string(),
        })
        .collect()
}

/// One finding of a suggestion, with where to see it.
pub struct FindingVm {
    pub register: String,
    pub entry: String,
    pub problem: &'static str,
    pub detail: String,
    pub link: String,
}

/// The registers' suggestion for one item, beside its answer.
pub struct SuggestionVm {
    pub n: u16,
    pub suggested: &'static str,
    pub answered: &'static str,
    pub mismatch: bool,
    /// 「有効期限切れ 3 件」…, or that nothing was found.
    pub summary: String,
    /// The first [`FINDINGS_SHOWN`] findings.
    pub findings: Vec<FindingVm>,
    /// How many findings are not listed (the register shows them all), as a sentence.
    pub more: Option<String>,
}

/// Findings listed per item on a page (a ledger of 50,000 failing entries must not become a
/// page of 50,000 rows; the summary counts them all).
pub const FINDINGS_SHOWN: usize = 20;

/// The suggestions of the rules that have something to say (a suggested mark), in item order.
pub(crate) fn suggestion_vms(
    suggestions: &[kojo_app::registers::ItemSuggestion],
    site_code: &str,
    lang: Lang,
) -> Vec<SuggestionVm> {
    let registers = kojo_app::registers::registers().ok();
    let name_of = |id: &str| -> (String, bool) {
        let kind = registers.and_then(|r| r.kind(id));
        let activity = registers.and_then(|r| r.activity(id));
        match (kind, activity) {
            (Some(k), _) => (k.name.get(lang).to_string(), true),
            (None, Some(a)) => (a.name.get(lang).to_string(), false),
            _ => (id.to_string(), false),
        }
    };
    suggestions
        .iter()
        .filter_map(|s| {
            let suggested = s.suggested?;
            let mut counts: std::collections::BTreeMap<
                kojo_domain::register::rules::Problem,
                usize,
            > = std::collections::BTreeMap::new();
            for f in &s.findings {
                *counts.entry(f.problem).or_default() += 1;
            }
            let summary = if counts.is_empty() {
                kojo_i18n::t(lang, "web.register.no_findings").to_string()
            } else {
                counts
                    .iter()
                    .map(|(p, n)| {
                        kojo_i18n::tr(
                            lang,
                            "web.register.finding_count",
                            &[("problem", &problem_text(*p, lang)), ("count", n)],
                        )
                    })
                    .collect::<Vec<_>>()
                    .join(kojo_i18n::t(lang, "web.register.list_sep"))
            };
            Some(SuggestionVm {
                n: s.item,
                suggested: suggested.symbol(),
                answered: s.answered.map_or("—", |m| m.symbol()),
                mismatch: s.mismatch,
                summary,
                more: Some(s.findings.len().saturating_sub(FINDINGS_SHOWN))
                    .filter(|n| *n > 0)
                    .map(|n| kojo_i18n::tr(lang, "web.register.more_findings", &[("count", &n)])),
                findings: s
                    .findings
                    .iter()
                    .take(FINDINGS_SHOWN)
                    .map(|f| {
                        let (register, is_kind) = name_of(&f.register);
                        let link = match (is_kind, &f.entry) {
                            (true, Some(e)) => format!(
                                "/sites/{site_code}/registers/{}?{}",
                                f.register,
                                serde_urlencoded::to_string([("q", e)]).unwrap_or_default()
                            ),
                            (true, None) => format!("/sites/{site_code}/registers/{}", f.register),
                            (false, _) => format!("/sites/{site_code}/activities"),
                        };
                        FindingVm {
                            register,
                            entry: f.entry.clone().unwrap_or_default(),
                            problem: problem_text(f.problem, lang),
                            detail: f.detail.clone(),
                            link,
                        }
                    })
                    .collect(),
            })
        })
        .collect()
}

fn problem_text(p: kojo_domain::register::rules::Problem, lang: Lang) -> &'static str {
    kojo_i18n::t(
        lang,
        &format!("register.problem.{}", p.key().replace('-', "_")),
    )
}
