//! The criteria (達成基準) of one item in one language, served on their own: the assessment
//! page opens them on demand instead of sending all 63 with every page. They are the
//! guideline's text, the same for every user, so the route is public and the answer is cached
//! as immutable under a URL that carries the catalog version, the language and a fingerprint
//! of the text (a new kojo with new errata gets new URLs).
//!
//! Every item's page in every catalog and language is rendered once, on first use (the
//! fingerprint covers them all), and kept: serving is a map lookup.

use crate::views::{CriteriaPage, SectionVm};
use askama::Template;
use axum::extract::Path;
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use kojo_catalog::Catalog;
use kojo_i18n::{Lang, t};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::OnceLock;

struct Cache {
    pages: HashMap<(&'static str, Lang, u16), String>,
    fingerprint: String,
}

fn render_page(c: &'static Catalog, lang: Lang, n: u16) -> Option<String> {
    let v = c.item(n)?;
    let page = CriteriaPage {
        lang: lang.code(),
        css: crate::assets::url("kojo.css"),
        title: format!("No.{n} {}", t(lang, "catalog.criteria")),
        n,
        condition: v.item.condition.get(lang),
        criteria: v
            .item
            .criteria
            .iter()
            .map(|s| SectionVm {
                heading: s.heading.as_ref().map(|h| h.get(lang)),
                entries: s.entries.iter().map(|e| e.get(lang)).collect(),
            })
            .collect(),
        references: v.item.references.iter().map(|r| r.display(lang)).collect(),
        errata: c
            .errata_for_item(n)
            .map(|e| e.note.get(lang).to_string())
            .collect(),
        references_label: t(lang, "catalog.references"),
        errata_label: t(lang, "catalog.errata"),
    };
    page.render().ok()
}

fn cache() -> &'static Cache {
    static CACHE: OnceLock<Cache> = OnceLock::new();
    CACHE.get_or_init(|| {
        let mut pages = HashMap::new();
        let mut hash = Sha256::new();
        for c in kojo_catalog::available().unwrap_or_default() {
            for lang in Lang::ALL {
                for v in c.items() {
                    let n = v.item.number;
                    if let Some(p) = render_page(c, lang, n) {
                        hash.update(c.id.as_bytes());
                        hash.update(lang.code().as_bytes());
                        hash.update(n.to_be_bytes());
                        hash.update(p.as_bytes());
                        pages.insert((c.id.as_str(), lang, n), p);
                    }
                }
            }
        }
        let fingerprint = hash
            .finalize()
            .iter()
            .take(6)
            .map(|b| format!("{b:02x}"))
            .collect();
        Cache { pages, fingerprint }
    })
}

/// The URL of item `n`'s criteria in catalog `catalog_id` and `lang`.
pub(crate) fn criteria_url(catalog_id: &str, lang: Lang, n: u16) -> String {
    format!(
        "/catalog/{catalog_id}/{}/items/{n}/criteria?v={}",
        lang.code(),
        cache().fingerprint
    )
}

pub async fn criteria(Path((catalog, lang, item)): Path<(String, String, String)>) -> Response {
    // One URL per answer: the language exactly as `criteria_url` writes it.
    let (Some(c), Some(lang), Ok(n)) = (
        kojo_catalog::by_id(&catalog),
        Lang::ALL.into_iter().find(|l| l.code() == lang),
        item.parse::<u16>(),
    ) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let body = match cache().pages.get(&(c.id.as_str(), lang, n)) {
        Some(p) => p.clone(),
        // A catalog enabled after the cache was made (the tests' catalog): rendered each time.
        None => match render_page(c, lang, n) {
            Some(p) => p,
            None => return StatusCode::NOT_FOUND.into_response(),
        },
    };
    (
        [(header::CACHE_CONTROL, "public, max-age=31536000, immutable")],
        Html(body),
    )
        .into_response()
}
