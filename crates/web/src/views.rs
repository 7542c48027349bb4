//! Template structs. Every string comes from the i18n files through [`Page::t`].

use crate::ctx::Ctx;
use askama::Template;
use kojo_i18n::Lang;

pub use crate::views_item::*;

/// What every page needs: language, user, CSRF token, navigation.
#[derive(Debug, Clone)]
pub struct Page {
    pub lang: Lang,
    pub user: Option<String>,
    pub role: Option<kojo_app::Role>,
    pub csrf: String,
    pub active: &'static str,
}

impl Page {
    pub fn new(ctx: &Ctx, active: &'static str) -> Page {
        Page {
            lang: ctx.lang,
            user: ctx.session.as_ref().map(|s| s.user_name().to_string()),
            role: ctx.session.as_ref().map(|s| s.actor.role),
            // A page being kept by the page cache carries the slot, filled in per response.
            csrf: if crate::page_cache::is_slot(&ctx.csrf) {
                ctx.csrf.clone()
            } else {
                crate::session::mask_csrf(&ctx.csrf)
            },
            active,
        }
    }

    /// The URL of the embedded asset `name` (content-hashed, cached as immutable).
    pub fn asset(&self, name: &str) -> String {
        crate::assets::url(name)
    }

    /// The message for `key` in the page's language.
    pub fn t(&self, key: &str) -> &'static str {
        kojo_i18n::t(self.lang, key)
    }

    pub fn code(&self) -> &'static str {
        self.lang.code()
    }

    pub fn other_lang(&self) -> &'static str {
        match self.lang {
            Lang::Ja => "en",
            Lang::En => "ja",
        }
    }

    // What the page offers follows the app's rules (`Role::may_*`), never a copy of them.
    pub fn is_admin(&self) -> bool {
        self.role.is_some_and(kojo_app::Role::may_administer)
    }

    pub fn can_comment(&self) -> bool {
        self.role.is_some_and(kojo_app::Role::may_comment)
    }

    pub fn can_edit(&self) -> bool {
        self.role.is_some_and(kojo_app::Role::may_edit)
    }

    pub fn role_name(&self) -> &'static str {
        self.role.map(|r| r.name(self.lang)).unwrap_or("")
    }

    pub fn nav(&self, name: &str) -> &'static str {
        if self.active == name { "active" } else { "" }
    }
}

pub use crate::render::{render, render_html};

/// A minimal bilingual error page for when no request context is at hand.
pub fn bare_error(status: u16, ja: &str, en: &str, detail: &str) -> String {
    let esc = |s: &str| {
        s.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
            .replace('"', "&quot;")
    };
    format!(
        "<!doctype html><html lang=\"ja\"><head><meta charset=\"utf-8\"><title>{status}</title>\
         <link rel=\"stylesheet\" href=\"/static/kojo.css\"></head><body><main class=\"narrow\">\
         <h1 id=\"error-status\">{status}</h1><p>{}</p><p>{}</p><p>{}</p><p><a href=\"/\">kojo</a></p></main></body></html>",
        esc(ja),
        esc(en),
        esc(detail)
    )
}

#[derive(Template)]
#[template(path = "error.html")]
pub struct ErrorPage {
    pub page: Page,
    pub status: u16,
    pub message: &'static str,
    pub detail: Option<String>,
}

#[derive(Template)]
#[template(path = "setup.html")]
pub struct SetupPage {
    pub page: Page,
    pub username: String,
    pub errors: Vec<(&'static str, String)>,
}

impl SetupPage {
    pub fn error(&self, field: &str) -> Option<&str> {
        self.errors
            .iter()
            .find(|(f, _)| *f == field)
            .map(|(_, m)| m.as_str())
    }
}

#[derive(Template)]
#[template(path = "login.html")]
pub struct LoginPage {
    pub page: Page,
    pub username: String,
    pub error: Option<String>,
    pub notice: Option<String>,
}

pub struct SiteRow {
    pub code: String,
    pub name: String,
}

/// The plants of one company; `name` only when the user sees more than one company.
pub struct CompanyGroup {
    pub code: String,
    pub name: Option<String>,
    pub sites: Vec<SiteRow>,
}

#[derive(Template)]
#[template(path = "sites.html")]
pub struct SitesPage {
    pub page: Page,
    pub sites: Vec<SiteRow>,
    /// The plants by company (one unnamed group in single-company deployments).
    pub groups: Vec<CompanyGroup>,
    /// Companies a new plant may go to: (code, name); empty unless there are several.
    pub companies: Vec<(String, String)>,
    pub error: Option<String>,
    /// The yearly cycle over every visible plant.
    pub panel: crate::views_cycle::CyclePanelVm,
}

pub struct AssessmentRow {
    pub id: String,
    pub period: String,
    pub scope: String,
    pub status: &'static str,
    pub status_key: String,
    /// Who signed: (box caption, name), in step order, signed boxes only.
    pub signers: Vec<(&'static str, String)>,
    pub answered: u32,
    pub items: u32,
    pub rate: String,
    pub revision: i64,
}

#[derive(Template)]
#[template(path = "site.html")]
pub struct SitePage {
    pub page: Page,
    pub code: String,
    pub name: String,
    pub lines: Vec<SiteRow>,
    pub assessments: Vec<AssessmentRow>,
    pub default_period: u16,
    pub error: Option<String>,
    /// Assessments next year's may start from.
    pub carry_sources: Vec<CarryOpt>,
    /// The period proposed for next year's (the newest source's period + 1).
    pub carry_default: i64,
}

/// An assessment to start next year's from, with the period that follows it.
pub struct CarryOpt {
    pub id: String,
    pub text: String,
    pub next: i64,
}

pub struct ProgressVm {
    pub answered: u32,
    pub items: u32,
    pub rate: String,
    pub completion: String,
}

pub struct OptVm {
    pub value: String,
    pub text: String,
    pub selected: bool,
}

pub struct FilterVm {
    pub unanswered: bool,
    pub unconfirmed: bool,
    /// ライン固有のみ: only items the line answers itself.
    pub own: bool,
    /// The assessment inherits from its plant (the 「ライン固有のみ」 filter applies).
    pub inherits: bool,
    pub labels: Vec<OptVm>,
    pub marks: Vec<OptVm>,
    pub areas: Vec<OptVm>,
}

pub struct AssessmentHead {
    pub id: String,
    pub title: String,
    pub status: &'static str,
    pub editable: bool,
}

#[derive(Template)]
#[template(path = "assessment.html")]
pub struct AssessmentPage {
    pub page: Page,
    pub a: AssessmentHead,
    pub items: Vec<ItemVm>,
    pub progress: ProgressVm,
    pub filter: FilterVm,
    pub shown: usize,
    pub unofficial: bool,
    pub area_note: &'static str,
    /// The marks with their definitions, once per page (each mark button refers to its own).
    pub mark_defs: Vec<MarkVm>,
    /// Comments on the assessment as a whole.
    pub general_comments: Vec<(String, String, String)>,
    /// On a line that inherits: from which plant assessment, and how many items follow it.
    pub inherits_notice: Option<String>,
    /// Sign-off state and what the user may do.
    pub cycle: crate::views_cycle::CycleHead,
    /// An error of the last action (sign-off, revision), shown above the items.
    pub error: Option<String>,
    /// The shown items awaiting re-confirmation, comma-separated.
    pub reconfirm_shown: String,
    /// The filter as a query string.
    pub back: String,
    /// The catalog version, and a newer one to move to.
    pub version: crate::views_versions::VersionVm,
    /// Items as compact rows (`?view=compact`).
    pub compact: bool,
    /// The query string of the same filter in the other view.
    pub view_other: String,
    /// One empty field set per mark that has fields (full view, editable).
    pub field_templates: Vec<FieldsHolder>,
    /// What the plant's registers suggest (items with a rule and a suggested mark).
    pub suggestions: Vec<crate::views_registers::SuggestionVm>,
    /// The plant's code (links to its registers).
    pub site_code: String,
}

#[derive(Template)]
#[template(path = "item_fragment.html")]
pub struct ItemFragment {
    pub page: Page,
    pub a: AssessmentHead,
    pub it: ItemVm,
    pub progress: ProgressVm,
}

pub struct LabelRateVm {
    pub n: u16,
    pub name: &'static str,
    pub counts: [u32; 5],
    pub unanswered: u32,
    pub rate: String,
    pub width: u32,
}

pub struct RiskVm {
    pub n: u16,
    pub mark: &'static str,
    pub condition: &'static str,
    pub details: Vec<(&'static str, String)>,
}

#[derive(Template)]
#[template(path = "dashboard.html")]
pub struct DashboardPage {
    pub page: Page,
    pub a: AssessmentHead,
    pub rate: String,
    pub completion: String,
    pub answered: u32,
    pub items: u32,
    pub counts: Vec<(&'static str, &'static str, u32)>,
    pub unanswered: u32,
    pub labels: Vec<LabelRateVm>,
    pub radar: String,
    pub risks: Vec<RiskVm>,
    /// The yearly cycle of this assessment.
    pub panel: crate::views_cycle::CyclePanelVm,
    /// Answers better than what the registers suggest, and the plant's code.
    pub mismatches: (String, Vec<crate::views_registers::SuggestionVm>),
}

pub struct HistoryRow {
    pub at: String,
    pub item: u16,
    pub by: String,
    pub old: String,
    pub new: String,
    pub version: i64,
    pub changes: Vec<(&'static str, String, String)>,
    /// On a line: the plant's change of an item the line inherits.
    pub plant: bool,
    /// On a line: the item went back to the plant's answer.
    pub inherit: bool,
}

#[derive(Template)]
#[template(path = "history.html")]
pub struct HistoryPage {
    pub page: Page,
    pub a: AssessmentHead,
    pub item: Option<u16>,
    pub rows: Vec<HistoryRow>,
}

pub struct UserRow {
    pub name: String,
    pub role: &'static str,
    pub role_key: &'static str,
    pub disabled: bool,
    pub sites: Vec<String>,
    /// Codes of the companies granted as a whole.
    pub companies: Vec<String>,
}

#[derive(Template)]
#[template(path = "users.html")]
pub struct UsersPage {
    pub page: Page,
    pub users: Vec<UserRow>,
    pub sites: Vec<SiteRow>,
    /// Companies that can be granted as a whole: (code, name); empty unless there are several.
    pub companies: Vec<(String, String)>,
    pub roles: Vec<(&'static str, &'static str)>,
    pub error: Option<String>,
    pub notice: Option<String>,
}

pub struct LogRow {
    pub at: String,
    pub actor: String,
    pub client: String,
    pub action: String,
    pub target: String,
    pub detail: String,
}

#[derive(Template)]
#[template(path = "log.html")]
pub struct LogPage {
    pub page: Page,
    /// Backups and the audit chain.
    pub ops: crate::routes::admin::OpsPanel,
    pub rows: Vec<LogRow>,
    /// The order key to page back from, when older entries exist.
    pub older: Option<i64>,
    /// This is the newest page.
    pub newest: bool,
}

#[derive(Template)]
#[template(path = "import.html")]
pub struct ImportPage {
    pub page: Page,
    pub sites: Vec<SiteRow>,
    pub default_period: u16,
    pub errors: Vec<String>,
}
