//! Rendered pages kept under the database's content stamp (`kojo_store::ContentStamp`), for the
//! heavy read-only pages: the assessment page and its dashboard.
//!
//! A page is kept for one user, language, URL (path and query) and day, under the stamp the
//! request's session lookup read. A request that reads the same stamp gets the kept page: no
//! change to anything a page shows has committed since, on this instance or another (every
//! table but a few per-installation ones bumps the stamp in the transaction that changes it;
//! see `kojo_store`'s `stamp.rs`). The key holds the user, so what the user may see, their role
//! and name are those the page was rendered for (grants and users are stamped tables too); the
//! day, because suggestions and fiscal-year defaults follow today's date.
//!
//! The CSRF token is the one part of a page that differs per response (masked afresh each time,
//! against BREACH): a kept page is rendered with a per-process slot string in its place and
//! split there; each response joins the parts with a newly masked token.
//!
//! Memory is bounded: at most [`BUDGET`] bytes of pages and their URLs (the client's), least
//! recently used out first; a page over an eighth of it is not kept. Pages of an older stamp are dropped as soon as a page
//! of a newer one is kept (they can never be shown again).

use crate::ctx::Authed;
use crate::error::WebError;
use axum::response::{Html, IntoResponse, Response};
use hashlink::LinkedHashMap;
use kojo_app::ContentStamp;
use kojo_i18n::Lang;
use std::sync::{Arc, LazyLock, Mutex};

/// The most bytes of pages kept (about 240 full assessment pages).
pub const BUDGET: usize = 64 << 20;

/// What a page is rendered with in place of the masked CSRF token when it is kept: random per
/// process, so no text a user enters can equal it.
static SLOT: LazyLock<String> = LazyLock::new(|| format!("csrf-slot-{}", kojo_app::random_token()));

/// Whether `csrf` is the slot (views put it into the page as it is, unmasked).
pub(crate) fn is_slot(csrf: &str) -> bool {
    csrf == SLOT.as_str()
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct Key {
    user: String,
    lang: Lang,
    uri: String,
    day: chrono::NaiveDate,
}

/// A kept page: its text as rendered, and the ranges between the CSRF token's places.
struct Kept {
    html: String,
    parts: Vec<std::ops::Range<usize>>,
}

impl Kept {
    /// `html` cut at every slot (kept as it is, not copied).
    fn of(html: String) -> Kept {
        let mut at = 0;
        let mut parts = Vec::new();
        for (i, _) in html.match_indices(SLOT.as_str()) {
            parts.push(at..i);
            at = i + SLOT.len();
        }
        parts.push(at..html.len());
        Kept { html, parts }
    }

    /// Bytes held (the buffer's capacity: a render's buffer has room to spare).
    fn bytes(&self) -> usize {
        self.html.capacity()
    }

    /// The page with `csrf` in every slot, in one buffer. (Sending the parts as they are, a
    /// chunk each, was slower: a page's 130 small writes met Nagle's algorithm.)
    fn join(&self, csrf: &str) -> String {
        let mut out = String::with_capacity(self.html.len() + self.parts.len() * csrf.len());
        for (i, p) in self.parts.iter().enumerate() {
            if i > 0 {
                out.push_str(csrf);
            }
            out.push_str(&self.html[p.clone()]);
        }
        out
    }

    fn respond(&self, csrf: &str) -> Response {
        Html(self.join(csrf)).into_response()
    }
}

#[derive(Default)]
struct Inner {
    stamp: Option<ContentStamp>,
    pages: LinkedHashMap<Key, Arc<Kept>>,
    bytes: usize,
}

/// The cache (one per server).
#[derive(Default)]
pub struct PageCache {
    inner: Mutex<Inner>,
}

impl PageCache {
    /// The page at `uri` for `au`: the kept one when the stamp still matches, else what `render`
    /// makes (kept when it succeeds). `render` gets the request with the slot as its CSRF token.
    pub(crate) async fn page<F, Fut>(
        &self,
        au: &Authed,
        uri: &axum::http::Uri,
        render: F,
    ) -> Result<Response, WebError>
    where
        F: FnOnce(Authed) -> Fut,
        Fut: Future<Output = Result<String, WebError>>,
    {
        let (Some(stamp), Some(user)) = (
            au.session.content_stamp.clone(),
            au.session.actor.user_id.clone(),
        ) else {
            let html = render(au.clone()).await?;
            return Ok(Html(html).into_response());
        };
        let key = Key {
            user,
            lang: au.lang(),
            uri: uri
                .path_and_query()
                .map(|p| p.as_str().to_string())
                .unwrap_or_default(),
            day: kojo_app::today(),
        };
        let csrf = crate::session::mask_csrf(&au.ctx.csrf);
        if let Some(kept) = self.get(&stamp, &key) {
            return Ok(kept.respond(&csrf));
        }
        let mut slotted = au.clone();
        slotted.ctx.csrf = SLOT.clone();
        let kept = Arc::new(Kept::of(render(slotted).await?));
        let res = kept.respond(&csrf);
        self.put(stamp, key, kept);
        Ok(res)
    }

    fn get(&self, stamp: &ContentStamp, key: &Key) -> Option<Arc<Kept>> {
        let mut inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        if inner.stamp.as_ref() != Some(stamp) {
            return None;
        }
        let kept = inner.pages.get(key).cloned()?;
        inner.pages.to_back(key);
        Some(kept)
    }

    fn put(&self, stamp: ContentStamp, key: Key, kept: Arc<Kept>) {
        // The URL is the client's: it counts against the budget with the page.
        let cost = |k: &Key, p: &Kept| p.bytes() + k.uri.len();
        if cost(&key, &kept) > BUDGET / 8 {
            return;
        }
        let mut inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        if inner.stamp.as_ref() != Some(&stamp) {
            inner.pages.clear();
            inner.bytes = 0;
            inner.stamp = Some(stamp);
        }
        inner.bytes += cost(&key, &kept);
        if let Some(old) = inner.pages.remove(&key) {
            inner.bytes -= cost(&key, &old);
        }
        inner.pages.insert(key, kept);
        while inner.bytes > BUDGET {
            let Some((k, old)) = inner.pages.pop_front() else {
                break;
            };
            inner.bytes -= cost(&k, &old);
        }
    }

    /// How many pages are kept (tests).
    #[cfg(test)]
    fn len(&self) -> usize {
        self.inner.lock().map(|i| i.pages.len()).unwrap_or(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stamp(s: &str) -> ContentStamp {
        ContentStamp::new(s)
    }

    fn key(uri: &str) -> Key {
        Key {
            user: "u".into(),
            lang: Lang::Ja,
            uri: uri.into(),
            day: chrono::NaiveDate::from_ymd_opt(2026, 12, 7).unwrap_or_default(),
        }
    }

    fn kept(bytes: usize) -> Arc<Kept> {
        Arc::new(Kept::of("x".repeat(bytes)))
    }

    #[test]
    fn a_page_is_found_only_under_its_stamp() {
        let c = PageCache::default();
        c.put(stamp("a"), key("/a/1"), kept(10));
        assert!(c.get(&stamp("a"), &key("/a/1")).is_some());
        assert!(c.get(&stamp("b"), &key("/a/1")).is_none());
        assert!(c.get(&stamp("a"), &key("/a/2")).is_none());
        // A page of a newer stamp drops the older ones.
        c.put(stamp("b"), key("/a/2"), kept(10));
        assert!(c.get(&stamp("a"), &key("/a/1")).is_none());
        assert_eq!(c.len(), 1);
    }

    #[test]
    fn the_budget_drops_the_least_recently_used() {
        let c = PageCache::default();
        // An eighth of the budget with its URL.
        let each = BUDGET / 8 - 64;
        for i in 0..8 {
            c.put(stamp("a"), key(&format!("/a/{i}")), kept(each));
        }
        assert_eq!(c.len(), 8);
        // Using page 0 makes page 1 the least recently used: the next page pushes it out.
        assert!(c.get(&stamp("a"), &key("/a/0")).is_some());
        c.put(stamp("a"), key("/a/8"), kept(each));
        assert_eq!(c.len(), 8);
        assert!(c.get(&stamp("a"), &key("/a/0")).is_some());
        assert!(c.get(&stamp("a"), &key("/a/1")).is_none());
        // Too big to keep at all.
        c.put(stamp("a"), key("/a/big"), kept(BUDGET / 8 + 1));
        assert!(c.get(&stamp("a"), &key("/a/big")).is_none());
    }

    #[test]
    fn the_token_goes_into_every_slot() {
        let k = Kept::of(format!("{s}<a>{s}</a><b>{s}</b>", s = SLOT.as_str()));
        assert_eq!(k.join("T1"), "T1<a>T1</a><b>T1</b>");
        assert_eq!(k.join("T2"), "T2<a>T2</a><b>T2</b>");
        assert_eq!(Kept::of("<p>".into()).join("T"), "<p>");
    }
}
