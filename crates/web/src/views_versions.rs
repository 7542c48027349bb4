//! View models of catalog versions: the diff page and the version block of the assessment page.

use crate::views::{OptVm, Page};
use askama::Template;

/// A run of text in a diff: `op` is `equal`, `insert` or `delete`.
pub struct SegVm {
    pub op: &'static str,
    pub text: String,
}

/// One changed item (or every item with `all`).
pub struct VersionRowVm {
    pub change_key: &'static str,
    pub change: &'static str,
    /// The new item number (`None`: removed).
    pub item: Option<u16>,
    /// The old item numbers.
    pub from: String,
    pub note: Option<String>,
    /// The condition's text diff (one old item and one new).
    pub condition: Vec<SegVm>,
    /// Otherwise: the old conditions and the new one.
    pub old_conditions: Vec<(u16, String)>,
    pub new_condition: Option<String>,
    /// Criteria lines that changed (equal lines left out).
    pub criteria: Vec<SegVm>,
}

#[derive(Template)]
#[template(path = "versions.html")]
pub struct VersionsPage {
    pub page: Page,
    pub from: String,
    pub to: String,
    pub heading: String,
    /// The link that switches between changed items and every item.
    pub toggle_href: String,
    pub counts: Vec<(&'static str, &'static str, usize)>,
    pub rows: Vec<VersionRowVm>,
    pub all: bool,
    pub froms: Vec<OptVm>,
    pub tos: Vec<OptVm>,
    /// Whether any pair of versions has a mapping.
    pub comparable: bool,
}

/// The assessment page's version block.
pub struct VersionVm {
    /// The assessment's catalog version.
    pub version: String,
    /// A newer version it can move to: (id, version).
    pub newer: Option<(String, String)>,
    /// 「新しい版があります: …」.
    pub newer_text: String,
    /// Diff page link for the assessment's version → the newer one.
    pub diff_href: String,
    /// The user may create the assessment on the newer version.
    pub can_migrate: bool,
    /// The default fiscal year for 新版で作成.
    pub period: String,
}
