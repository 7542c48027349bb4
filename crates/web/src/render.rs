//! A template made into a response.

use askama::Template;
use axum::response::{Html, IntoResponse, Response};

/// The page `t` renders to, or an internal error if it fails.
pub fn render<T: Template>(t: &T) -> Response {
    match render_html(t) {
        Ok(html) => Html(html).into_response(),
        Err(e) => e.into_response(),
    }
}

/// The HTML `t` renders to.
pub fn render_html<T: Template>(t: &T) -> Result<String, crate::WebError> {
    // The buffer starts at the size the same template last rendered to on this thread (askama's
    // own hint counts a loop's body once): a 270 KB assessment page otherwise grows it about ten
    // times, copying what it holds each time.
    thread_local! {
        static LAST: std::cell::RefCell<rustc_hash::FxHashMap<&'static str, usize>> =
            Default::default();
    }
    const MAX_HINT: usize = 1 << 20;
    let name = std::any::type_name::<T>();
    let hint = LAST
        .with_borrow(|m| m.get(name).copied())
        .unwrap_or(T::SIZE_HINT);
    let mut html = String::with_capacity(hint);
    match t.render_into(&mut html) {
        Ok(()) => {
            let next = (html.len() + html.len() / 8).min(MAX_HINT);
            LAST.with_borrow_mut(|m| m.insert(name, next));
            Ok(html)
        }
        Err(e) => Err(crate::WebError::Internal(format!("template: {e}"))),
    }
}
